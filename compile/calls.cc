// The expression compiler's function calls: built-in functions with their argument counts
// and types, the special forms (present, missing, prev, which, min/max, guard counts) and
// the aggregates over a roster (count, sum, all, any, the, ...).
#include <algorithm>
#include <functional>
#include <iterator>

#include "compile/compiler.h"

namespace gridstat::compile {

using dsl::Expr;
using dsl::ExprKind;

namespace {

struct FnSpec {
  const char* name;
  Fn fn;
  int min_args, max_args;
};
const FnSpec kFunctions[] = {
    {"abs", Fn::kAbs, 1, 1},           {"round", Fn::kRound, 2, 2},
    {"len", Fn::kLen, 1, 1},           {"substr", Fn::kSubstr, 3, 3},
    {"starts_with", Fn::kStartsWith, 2, 2}, {"ends_with", Fn::kEndsWith, 2, 2},
    {"contains", Fn::kContains, 2, 2}, {"upper", Fn::kUpper, 1, 1},
    {"year", Fn::kYear, 1, 1},         {"month", Fn::kMonth, 1, 1},
    {"ym", Fn::kYm, 2, 2},             {"date", Fn::kDate, 3, 3},
    {"months_between", Fn::kMonthsBetween, 2, 2}, {"age_at", Fn::kAgeAt, 2, 2},
    {"gb32100_valid", Fn::kGb32100, 1, 1}, {"gb11643_valid", Fn::kGb11643, 1, 1},
    {"id_birth", Fn::kIdBirth, 1, 1},  {"id_sex", Fn::kIdSex, 1, 1},
    {"level", Fn::kLevel, 2, 2},       {"label", Fn::kLabel, 2, 2},
    {"parent", Fn::kParent, 2, 2},     {"within", Fn::kWithin, 3, 3},
    {"lat", Fn::kLat, 1, 1},           {"lon", Fn::kLon, 1, 1},
};

const char* const kAggregates[] = {"count", "sum", "min", "max", "all", "any", "exactly_one", "the"};

}  // namespace

Typed Compiler::CompileCall(const Expr& e, Scope& sc) {
  const std::string& name = e.text;
  SurveyDef& def = *sc.survey;
  bool roster_first = !e.args.empty() && e.args[0]->kind == ExprKind::kName && def.roster_by_name.count(e.args[0]->text);
  bool is_agg = std::find(std::begin(kAggregates), std::end(kAggregates), name) != std::end(kAggregates);
  if (is_agg && (roster_first || (name != "min" && name != "max"))) return CompileAggregate(e, sc);
  if (e.filter) {
    Err(e.filter->pos, "where-position/not-aggregate");
    return Fail();
  }
  if (name == "present" || name == "missing") {
    if (e.args.size() != 1) return ArgCount(e, 1, 1);
    Typed a = Compile(*e.args[0], sc);
    if (!a.ok()) return Fail();
    Node n; n.op = name == "present" ? Op::kPresent : Op::kMissing; n.kids = {a.node};
    return {Emit(n, e), T(TypeKind::kBool)};
  }
  if (name == "prev") {
    if (e.args.size() != 1) return ArgCount(e, 1, 1);
    const Expr& a = *e.args[0];
    auto f = a.kind == ExprKind::kName ? def.by_name.find(a.text) : def.by_name.end();
    if (f == def.by_name.end()) {
      Err(a.pos, "bad-argument/prev", {}, MessageBoth("bad-argument/prev-hint"));
      return Fail();
    }
    def.uses_prev = true;
    prev_use_.emplace(def.name, e.pos);
    Node n; n.op = Op::kPrevField; n.slot = f->second;
    return {Emit(n, e), def.fields[f->second].StaticType()};
  }
  if (name == "which") {
    // which(cond1, text1, cond2, text2, ...): the texts whose conditions hold, for messages.
    if (e.args.size() < 2 || e.args.size() % 2 != 0) {
      Err(e.pos, "argument-count/which");
      return Fail();
    }
    Node n; n.op = Op::kCall; n.sub = static_cast<uint8_t>(Fn::kWhich);
    for (size_t i = 0; i < e.args.size(); ++i) {
      if (i % 2 == 0) {
        int k = Condition(*e.args[i], sc);
        if (k < 0) return Fail();
        n.kids.push_back(k);
      } else {
        Typed t = Compile(*e.args[i], sc);
        if (!t.ok()) return Fail();
        if (t.type.kind != TypeKind::kText) {
          Err(e.args[i]->pos, "type/which");
          return Fail();
        }
        n.kids.push_back(t.node);
      }
    }
    return {Emit(n, e), T(TypeKind::kText)};
  }
  if (name == "min" || name == "max") {
    if (e.args.size() < 2) return ArgCount(e, 2, 99);
    Node n; n.op = Op::kCall; n.sub = static_cast<uint8_t>(name == "min" ? Fn::kMin2 : Fn::kMax2);
    int scale = 0;
    for (auto& a : e.args) {
      Typed t = Number(*a, sc);
      if (!t.ok()) return Fail();
      scale = std::max(scale, t.type.scale);
      n.kids.push_back(t.node);
    }
    return {Emit(n, e), T(TypeKind::kNum, scale)};
  }
  if (name == "errors" || name == "warnings" || name == "unexplained_warnings") {
    if (!sc.guard) {
      Err(e.pos, "guard-only", {{"name", name}});
      return Fail();
    }
    if (!e.args.empty()) return ArgCount(e, 0, 0);
    Node n; n.op = Op::kCall;
    n.sub = static_cast<uint8_t>(name == "errors" ? Fn::kErrors : name == "warnings" ? Fn::kWarnings : Fn::kUnexplained);
    return {Emit(n, e), T(TypeKind::kNum)};
  }
  const FnSpec* spec = nullptr;
  for (auto& f : kFunctions) if (name == f.name) spec = &f;
  if (!spec) {
    std::vector<std::string> names = {"present", "missing", "prev", "count", "sum", "min", "max", "all", "any", "exactly_one", "the", "which"};
    for (auto& f : kFunctions) names.push_back(f.name);
    std::string c = Closest(name, names);
    Err(e.pos, "unknown-function", {{"name", name}}, DidYouMean(c, "unknown-function/hint"));
    return Fail();
  }
  int nargs = static_cast<int>(e.args.size());
  if (nargs < spec->min_args || nargs > spec->max_args) return ArgCount(e, spec->min_args, spec->max_args);
  Node n; n.op = Op::kCall; n.sub = static_cast<uint8_t>(spec->fn);
  std::vector<Typed> args;
  size_t first = 0;
  bool table_fn = spec->fn == Fn::kLevel || spec->fn == Fn::kLabel || spec->fn == Fn::kParent || spec->fn == Fn::kWithin;
  if (table_fn) {
    const Expr& t = *e.args[0];
    auto it = t.kind == ExprKind::kName ? prog_->table_by_name.find(t.text) : prog_->table_by_name.end();
    if (it == prog_->table_by_name.end()) {
      Err(t.pos, "bad-argument/table", {{"name", name}}, MessageBoth("bad-argument/table-hint"));
      return Fail();
    }
    n.aux = it->second;
    first = 1;
  }
  for (size_t i = first; i < e.args.size(); ++i) {
    Typed t = Compile(*e.args[i], sc);
    if (!t.ok()) return Fail();
    args.push_back(t);
    n.kids.push_back(t.node);
  }
  auto want = [&](size_t i, TypeKind k) {
    if (args[i].type.kind == k) return true;
    if (k == TypeKind::kYearMonth && args[i].type.kind == TypeKind::kText &&
        cur_->nodes[args[i].node].op == Op::kConst) {
      Typed target; target.type = T(k);
      Typed lit = args[i];
      Comparable(target, &lit, e.args[i + first]->pos, false);
      return lit.type.kind == k;
    }
    ErrText(e.args[i + first]->pos, "type/argument",
            TypeMessage("type/argument", args[i].type, T(k), name, std::to_string(i + first + 1)));
    return false;
  };
  auto want_time = [&](size_t i) {
    if (args[i].type.kind == TypeKind::kYearMonth || args[i].type.kind == TypeKind::kDate) return true;
    Err(e.args[i + first]->pos, "type/time", {{"name", name}});
    return false;
  };
  Type result;
  bool ok = true;
  switch (spec->fn) {
    case Fn::kAbs: ok = want(0, TypeKind::kNum); result = args[0].type; break;
    case Fn::kRound: {
      ok = want(0, TypeKind::kNum) && want(1, TypeKind::kNum);
      const Node& pn = cur_->nodes[args[1].node];
      auto places = pn.op == Op::kConst ? pn.constant.d.ToInt64() : std::nullopt;
      if (ok && (!places || *places < 0 || *places > 12)) {
        Err(e.args[1]->pos, "bad-argument/round");
        ok = false;
      }
      result = T(TypeKind::kNum, places ? static_cast<int>(*places) : 0);
      break;
    }
    case Fn::kLen: ok = want(0, TypeKind::kText); result = T(TypeKind::kNum); break;
    case Fn::kSubstr: ok = want(0, TypeKind::kText) && want(1, TypeKind::kNum) && want(2, TypeKind::kNum); result = T(TypeKind::kText); break;
    case Fn::kStartsWith: case Fn::kEndsWith: case Fn::kContains:
      ok = want(0, TypeKind::kText) && want(1, TypeKind::kText); result = T(TypeKind::kBool); break;
    case Fn::kUpper: ok = want(0, TypeKind::kText); result = T(TypeKind::kText); result.masked = args[0].type.masked; break;
    case Fn::kYear: case Fn::kMonth: ok = want_time(0); result = T(TypeKind::kNum); break;
    case Fn::kYm: ok = want(0, TypeKind::kNum) && want(1, TypeKind::kNum); result = T(TypeKind::kYearMonth); break;
    case Fn::kDate: ok = want(0, TypeKind::kNum) && want(1, TypeKind::kNum) && want(2, TypeKind::kNum); result = T(TypeKind::kDate); break;
    case Fn::kMonthsBetween: ok = want(0, TypeKind::kYearMonth) && want(1, TypeKind::kYearMonth); result = T(TypeKind::kNum); break;
    case Fn::kAgeAt: ok = want_time(0) && want_time(1); result = T(TypeKind::kNum); break;
    case Fn::kGb32100: case Fn::kGb11643: ok = want(0, TypeKind::kText); result = T(TypeKind::kBool); break;
    case Fn::kIdBirth: ok = want(0, TypeKind::kText); result = T(TypeKind::kYearMonth); break;
    case Fn::kIdSex: ok = want(0, TypeKind::kText); result = T(TypeKind::kText); break;
    case Fn::kLevel: ok = want(0, TypeKind::kText); result = T(TypeKind::kNum); break;
    case Fn::kLabel: case Fn::kParent: ok = want(0, TypeKind::kText); result = T(TypeKind::kText); break;
    case Fn::kWithin: ok = want(0, TypeKind::kText) && want(1, TypeKind::kText); result = T(TypeKind::kBool); break;
    case Fn::kLat: case Fn::kLon: ok = want(0, TypeKind::kGeo); result = T(TypeKind::kNum, 6); break;
    default: break;
  }
  if (!ok) return Fail();
  return {Emit(n, e), result};
}

Typed Compiler::ArgCount(const Expr& e, int lo, int hi) {
  Err(e.pos, lo == hi ? "argument-count" : hi >= 99 ? "argument-count/or-more" : "argument-count/range",
      {{"name", e.text}, {"lo", std::to_string(lo)}, {"hi", std::to_string(hi)}, {"n", std::to_string(e.args.size())}});
  return Fail();
}

Typed Compiler::CompileAggregate(const Expr& e, Scope& sc) {
  SurveyDef& def = *sc.survey;
  const std::string& name = e.text;
  if (e.args.empty() || e.args[0]->kind != ExprKind::kName || !def.roster_by_name.count(e.args[0]->text)) {
    std::vector<std::string> names;
    for (auto& r : def.rosters) names.push_back(r.name);
    Err(e.args.empty() ? e.pos : e.args[0]->pos, "bad-argument/roster", {{"name", name}},
        names.empty() ? MessageText{} : MessageBoth("bad-argument/roster-hint", {{"roster", names[0]}}));
    return Fail();
  }
  Agg agg = Agg::kCount;
  for (size_t i = 0; i < std::size(kAggregates); ++i) if (name == kAggregates[i]) agg = static_cast<Agg>(i);
  size_t want = agg == Agg::kCount ? 1 : 2;
  if (e.args.size() != want) return ArgCount(e, static_cast<int>(want), static_cast<int>(want));
  int roster = def.roster_by_name[e.args[0]->text];
  int binding = static_cast<int>(sc.rows.size());
  if (binding >= kMaxBindings) {
    Err(e.pos, "too-deep/aggregates", {{"max", std::to_string(kMaxBindings - 1)}});
    return Fail();
  }
  def.max_bindings = std::max(def.max_bindings, binding + 1);
  sc.rows.push_back({roster, binding});
  Node n; n.op = Op::kAgg; n.sub = static_cast<uint8_t>(agg); n.roster = roster; n.binding = binding;
  Type result = T(agg == Agg::kCount ? TypeKind::kNum : TypeKind::kBool);
  bool ok = true;
  if (e.filter) { n.filter = Condition(*e.filter, sc); ok &= n.filter >= 0; }
  if (want == 2) {
    Typed body = Compile(*e.args[1], sc);
    ok &= body.ok();
    if (body.ok()) {
      n.kids.push_back(body.node);
      if (agg == Agg::kSum || agg == Agg::kMin || agg == Agg::kMax) {
        if (body.type.kind != TypeKind::kNum) {
          Err(e.args[1]->pos, "type/aggregate-number", {{"name", name}});
          ok = false;
        }
        result = body.type;
      } else if (agg == Agg::kThe) {
        result = body.type;
      } else if (body.type.kind != TypeKind::kBool) {
        Err(e.args[1]->pos, "type/aggregate-condition", {{"name", name}});
        ok = false;
      }
    }
  }
  sc.rows.pop_back();
  if (!ok) return Fail();
  // An aggregate that reads no enclosing row has one value per record: it is
  // computed once and remembered (PC rules count the heads once, not per person).
  std::function<bool(int)> reads_outer = [&](int k) {
    if (k < 0) return false;
    const Node& x = cur_->nodes[k];
    if ((x.op == Op::kRowField || x.op == Op::kRowIndex) && x.binding < binding) return true;
    if (reads_outer(x.filter)) return true;
    for (int kid : x.kids) if (reads_outer(kid)) return true;
    return false;
  };
  n.cached = !reads_outer(n.filter) && !(n.kids.size() == 1 && reads_outer(n.kids[0]));
  return {Emit(n, e), result};
}

}  // namespace gridstat::compile
