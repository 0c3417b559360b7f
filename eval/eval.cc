#include "eval/eval.h"

#include <algorithm>

#include "common/messages.h"
#include "common/text.h"
#include "eval/builtins.h"

namespace gridstat::eval {

using namespace compile;  // the evaluator walks the compiled program's nodes

namespace {

const char kOverflow[] = "overflow";
const char kDivZero[] = "division_by_zero";
const char kBadArgument[] = "bad_argument";

Value Unknown() { return Value::Missing(); }

// -1, 0, 1 for two known values of the same kind.
int CompareValues(const Value& a, const Value& b) {
  switch (a.kind) {
    case Value::kNum: return Decimal::Compare(a.d, b.d);
    case Value::kText: return a.s < b.s ? -1 : (a.s == b.s ? 0 : 1);
    case Value::kYearMonth: case Value::kDate: return a.i < b.i ? -1 : (a.i == b.i ? 0 : 1);
    case Value::kBool: return a.b == b.b ? 0 : (a.b ? 1 : -1);
    case Value::kGeo: return (a.d == b.d && a.d2 == b.d2) ? 0 : 1;
    default: return 0;
  }
}

bool Equal(const Value& a, const Value& b) { return a.kind == b.kind && CompareValues(a, b) == 0; }

std::optional<int64_t> Int(const Value& v) { return v.kind == Value::kNum ? v.d.ToInt64() : std::nullopt; }

void Civil(const Value& v, int* y, int* m, int* d) {
  if (v.kind == Value::kYearMonth) { *y = v.i / 12; *m = v.i % 12 + 1; *d = 1; }
  else CivilFromDays(v.i, y, m, d);
}

Value Text(EvalContext& ctx, std::string s) {
  ctx.arena.push_front(std::move(s));
  return Value::Text(ctx.arena.front());
}

Value CallFn(const Node& n, EvalContext& ctx) {
  Fn fn = static_cast<Fn>(n.sub);
  Value a[3];
  size_t nk = n.kids.size();
  if (fn == Fn::kMin2 || fn == Fn::kMax2) {
    Value best;
    for (int k : n.kids) {
      Value v = Eval(k, ctx);
      if (!v.known()) return Unknown();
      if (best.kind == Value::kMissing || (fn == Fn::kMin2 ? v.d < best.d : best.d < v.d)) best = v;
    }
    return best;
  }
  if (fn == Fn::kWhich) {
    std::string out;
    for (size_t i = 0; i + 1 < nk; i += 2) {
      Value c = Eval(n.kids[i], ctx);
      if (ctx.fault) return Unknown();
      if (!c.known() || !c.b) continue;
      Value t = Eval(n.kids[i + 1], ctx);
      if (!t.known()) continue;
      // Rules' messages are written in Chinese, and so are the words they show.
      static const std::string kSeparator = Message(Lang::kZh, "value_separator");
      if (!out.empty()) out += kSeparator;
      out += t.s;
    }
    return Text(ctx, std::move(out));
  }
  if (fn == Fn::kErrors || fn == Fn::kWarnings || fn == Fn::kUnexplained) {
    if (!ctx.counts) return Unknown();
    int v = fn == Fn::kErrors ? ctx.counts->errors : fn == Fn::kWarnings ? ctx.counts->warnings : ctx.counts->unexplained;
    return Value::Num(Decimal::FromInt(v));
  }
  for (size_t i = 0; i < nk && i < 3; ++i) {
    a[i] = Eval(n.kids[i], ctx);
    if (ctx.fault || !a[i].known()) return Unknown();
  }
  switch (fn) {
    case Fn::kAbs: return Value::Num(a[0].d.Abs());
    case Fn::kRound: return Value::Num(a[0].d.Rounded(static_cast<int>(*Int(a[1]))));
    case Fn::kLen: return Value::Num(Decimal::FromInt(static_cast<int64_t>(CodePointCount(a[0].s))));
    case Fn::kSubstr: {
      auto start = Int(a[1]), len = Int(a[2]);
      if (!start || !len || *start < 1 || *len < 0) { ctx.fault = kBadArgument; return Unknown(); }
      // A slice of its argument, which outlives the evaluation: nothing to copy.
      std::string_view rest = a[0].s.substr(CodePointPrefix(a[0].s, static_cast<size_t>(*start - 1)).size());
      return Value::Text(CodePointPrefix(rest, static_cast<size_t>(*len)));
    }
    case Fn::kStartsWith: return Value::Bool(a[0].s.substr(0, a[1].s.size()) == a[1].s);
    case Fn::kEndsWith:
      return Value::Bool(a[0].s.size() >= a[1].s.size() && a[0].s.substr(a[0].s.size() - a[1].s.size()) == a[1].s);
    case Fn::kContains: return Value::Bool(a[0].s.find(a[1].s) != std::string_view::npos);
    case Fn::kUpper: {
      std::string s(a[0].s);
      for (char& c : s) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      return Text(ctx, std::move(s));
    }
    case Fn::kYear: case Fn::kMonth: {
      int y, m, d;
      Civil(a[0], &y, &m, &d);
      return Value::Num(Decimal::FromInt(fn == Fn::kYear ? y : m));
    }
    case Fn::kYm: {
      auto y = Int(a[0]), m = Int(a[1]);
      if (!y || !m || *m < 1 || *m > 12 || *y < 0 || *y > 9999) { ctx.fault = kBadArgument; return Unknown(); }
      return Value::YearMonth(static_cast<int32_t>(*y * 12 + *m - 1));
    }
    case Fn::kDate: {
      auto y = Int(a[0]), m = Int(a[1]), d = Int(a[2]);
      if (!y || !m || !d || *y < 0 || *y > 9999 || *m < 1 || *m > 12 || *d < 1 || *d > 31 ||
          !ValidDate(static_cast<int>(*y), static_cast<int>(*m), static_cast<int>(*d))) {
        ctx.fault = kBadArgument;
        return Unknown();
      }
      return Value::Date(DaysFromCivil(static_cast<int>(*y), static_cast<int>(*m), static_cast<int>(*d)));
    }
    case Fn::kMonthsBetween: return Value::Num(Decimal::FromInt(a[1].i - a[0].i));
    case Fn::kAgeAt: {
      int by, bm, bd, ry, rm, rd;
      Civil(a[0], &by, &bm, &bd);
      Civil(a[1], &ry, &rm, &rd);
      int age = ry - by - ((rm < bm || (rm == bm && rd < bd)) ? 1 : 0);
      return Value::Num(Decimal::FromInt(age));
    }
    case Fn::kGb32100: return Value::Bool(Gb32100Valid(a[0].s));
    case Fn::kGb11643: return Value::Bool(Gb11643Valid(a[0].s));
    case Fn::kIdBirth: {
      if (!Gb11643Valid(a[0].s)) return Unknown();
      const std::string_view id = a[0].s;
      int y = (id[6] - '0') * 1000 + (id[7] - '0') * 100 + (id[8] - '0') * 10 + (id[9] - '0');
      int m = (id[10] - '0') * 10 + (id[11] - '0');
      return Value::YearMonth(y * 12 + m - 1);  // a valid number holds a real date
    }
    case Fn::kIdSex:
      if (!Gb11643Valid(a[0].s)) return Unknown();
      return Value::Text((a[0].s[16] - '0') % 2 == 1 ? "1" : "2");
    case Fn::kLevel: case Fn::kLabel: case Fn::kParent: {
      const Table::Entry* e = ctx.prog.tables[n.aux].Find(a[0].s);
      if (!e) return Unknown();
      if (fn == Fn::kLevel) return Value::Num(Decimal::FromInt(e->level));
      return Value::Text(fn == Fn::kLabel ? std::string_view(e->label) : std::string_view(e->parent));
    }
    case Fn::kWithin: {
      const Table& t = ctx.prog.tables[n.aux];
      const Table::Entry* e = t.Find(a[0].s);
      if (!e || !t.Find(a[1].s)) return Unknown();
      for (int guard = 0; e && guard < 64; ++guard) {
        if (e->code == a[1].s) return Value::Bool(true);
        e = e->parent_index < 0 ? nullptr : &t.entries[e->parent_index];
      }
      return Value::Bool(false);
    }
    case Fn::kLat: return Value::Num(a[0].d);
    case Fn::kLon: return Value::Num(a[0].d2);
    default: return Unknown();
  }
}

// Evaluates a roster row's filter: true, false, or poisoned (an invalid input made
// the filter unknown, so the whole aggregate is unknown). Unknown otherwise counts as false.
enum class RowTest { kTrue, kFalse, kPoison };
RowTest TestRow(int node, EvalContext& ctx) {
  if (node < 0) return RowTest::kTrue;
  bool saved = ctx.saw_invalid;
  ctx.saw_invalid = false;
  Value v = Eval(node, ctx);
  bool invalid = ctx.saw_invalid;
  ctx.saw_invalid = saved || invalid;
  if (!v.known()) return invalid ? RowTest::kPoison : RowTest::kFalse;
  return v.b ? RowTest::kTrue : RowTest::kFalse;
}

Value Aggregate(const Node& n, EvalContext& ctx) {
  const auto& roster = ctx.rec.rosters[n.roster];
  if (roster.unknown) return Unknown();
  Agg agg = static_cast<Agg>(n.sub);
  int count = 0, the_row = -1;
  Decimal sum;
  Value best;
  bool any_unknown = false, any_true = false, any_false = false;
  int saved_row = ctx.rows[n.binding];
  int rows = static_cast<int>(roster.rows.size());
  for (int i = 0; i < rows && !ctx.fault; ++i) {
    ctx.rows[n.binding] = i;
    RowTest f = TestRow(n.filter, ctx);
    if (f == RowTest::kPoison) { ctx.rows[n.binding] = saved_row; return Unknown(); }
    if (f == RowTest::kFalse) continue;
    switch (agg) {
      case Agg::kCount: ++count; break;
      case Agg::kExactlyOne: {
        RowTest b = TestRow(n.kids[0], ctx);
        if (b == RowTest::kPoison) { ctx.rows[n.binding] = saved_row; return Unknown(); }
        count += b == RowTest::kTrue;
        break;
      }
      case Agg::kThe: ++count; the_row = i; break;
      case Agg::kSum: case Agg::kMin: case Agg::kMax: {
        Value v = Eval(n.kids[0], ctx);
        if (!v.known()) { any_unknown = true; break; }
        if (agg == Agg::kSum) {
          auto s = Decimal::Add(sum, v.d);
          if (!s) ctx.fault = kOverflow; else sum = *s;
        } else if (best.kind == Value::kMissing || (agg == Agg::kMin ? v.d < best.d : best.d < v.d)) {
          best = v;
        }
        break;
      }
      case Agg::kAll: case Agg::kAny: {
        Value v = Eval(n.kids[0], ctx);
        if (!v.known()) any_unknown = true;
        else if (v.b) any_true = true;
        else any_false = true;
        break;
      }
    }
  }
  Value out;
  switch (agg) {
    case Agg::kCount: out = Value::Num(Decimal::FromInt(count)); break;
    case Agg::kExactlyOne: out = Value::Bool(count == 1); break;
    case Agg::kThe:
      if (count == 1) { ctx.rows[n.binding] = the_row; out = Eval(n.kids[0], ctx); }
      break;
    case Agg::kSum: if (!any_unknown) out = Value::Num(sum); break;
    case Agg::kMin: case Agg::kMax: if (!any_unknown) out = best; break;
    case Agg::kAll: out = any_false ? Value::Bool(false) : any_unknown ? Unknown() : Value::Bool(true); break;
    case Agg::kAny: out = any_true ? Value::Bool(true) : any_unknown ? Unknown() : Value::Bool(false); break;
  }
  ctx.rows[n.binding] = saved_row;
  return out;
}

Value Read(const Value& v, EvalContext& ctx) {
  if (v.kind == Value::kInvalid) ctx.saw_invalid = true;
  return v;
}

}  // namespace

Value Eval(int idx, EvalContext& ctx) {
  if (ctx.fault) return Unknown();
  const Node& n = ctx.survey.nodes[idx];
  switch (n.op) {
    case Op::kConst: return n.constant;
    case Op::kField: return Read(ctx.rec.fields[n.slot], ctx);
    case Op::kRowField: {
      const auto& rows = ctx.rec.rosters[n.roster].rows;
      int r = ctx.rows[n.binding];
      if (r < 0 || r >= static_cast<int>(rows.size())) return Unknown();
      return Read(rows[r][n.slot], ctx);
    }
    case Op::kPrevField: return ctx.prev ? ctx.prev->fields[n.slot] : Unknown();
    case Op::kPeriod: return ctx.rec.period;
    case Op::kDivision: return Value::Text(ctx.rec.division);
    case Op::kRowIndex: return Value::Num(Decimal::FromInt(ctx.rows[n.binding] + 1));
    case Op::kAnd: {
      bool unknown = false;
      for (int k : n.kids) {
        Value v = Eval(k, ctx);
        if (ctx.fault) return Unknown();
        if (!v.known()) unknown = true;
        else if (!v.b) return Value::Bool(false);
      }
      return unknown ? Unknown() : Value::Bool(true);
    }
    case Op::kOr: {
      bool unknown = false;
      for (int k : n.kids) {
        Value v = Eval(k, ctx);
        if (ctx.fault) return Unknown();
        if (!v.known()) unknown = true;
        else if (v.b) return Value::Bool(true);
      }
      return unknown ? Unknown() : Value::Bool(false);
    }
    case Op::kNot: {
      Value v = Eval(n.kids[0], ctx);
      return v.known() ? Value::Bool(!v.b) : Unknown();
    }
    case Op::kNeg: {
      Value v = Eval(n.kids[0], ctx);
      return v.known() ? Value::Num(v.d.Negate()) : Unknown();
    }
    case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: {
      Value a = Eval(n.kids[0], ctx);
      Value b = Eval(n.kids[1], ctx);
      if (ctx.fault || !a.known() || !b.known()) return Unknown();
      std::optional<Decimal> r;
      switch (n.op) {
        case Op::kAdd: r = Decimal::Add(a.d, b.d); break;
        case Op::kSub: r = Decimal::Sub(a.d, b.d); break;
        case Op::kMul: r = Decimal::Mul(a.d, b.d); break;
        default:
          if (b.d.IsZero()) { ctx.fault = kDivZero; return Unknown(); }
          r = Decimal::Div(a.d, b.d);
      }
      if (!r) { ctx.fault = kOverflow; return Unknown(); }
      return Value::Num(*r);
    }
    case Op::kCmp: {
      Value a = Eval(n.kids[0], ctx);
      Value b = Eval(n.kids[1], ctx);
      if (!a.known() || !b.known()) return Unknown();
      int c = CompareValues(a, b);
      switch (static_cast<Cmp>(n.sub)) {
        case Cmp::kEq: return Value::Bool(c == 0);
        case Cmp::kNe: return Value::Bool(c != 0);
        case Cmp::kLt: return Value::Bool(c < 0);
        case Cmp::kLe: return Value::Bool(c <= 0);
        case Cmp::kGt: return Value::Bool(c > 0);
        case Cmp::kGe: return Value::Bool(c >= 0);
      }
      return Unknown();
    }
    case Op::kBetween: {
      Value v = Eval(n.kids[0], ctx), lo = Eval(n.kids[1], ctx), hi = Eval(n.kids[2], ctx);
      if (!v.known() || !lo.known() || !hi.known()) return Unknown();
      bool in = CompareValues(lo, v) <= 0 && CompareValues(v, hi) <= 0;
      return Value::Bool(in != n.negated);
    }
    case Op::kInList: {
      Value v = Eval(n.kids[0], ctx);
      if (!v.known()) return Unknown();
      bool in = std::any_of(n.list.begin(), n.list.end(), [&](const Value& x) { return Equal(v, x); });
      return Value::Bool(in != n.negated);
    }
    case Op::kInTable: {
      Value v = Eval(n.kids[0], ctx);
      if (!v.known()) return Unknown();
      bool in = ctx.prog.tables[n.aux].Find(v.s) != nullptr;
      return Value::Bool(in != n.negated);
    }
    case Op::kMatches: {
      Value v = Eval(n.kids[0], ctx);
      if (!v.known()) return Unknown();
      return Value::Bool(RE2::FullMatch(re2::StringPiece(v.s.data(), v.s.size()), *ctx.prog.patterns[n.aux]));
    }
    case Op::kPresent: case Op::kMissing: {
      Value v = Eval(n.kids[0], ctx);
      if (v.kind == Value::kInvalid) return Unknown();
      bool present = v.known();
      return Value::Bool(n.op == Op::kPresent ? present : !present);
    }
    case Op::kCall: return CallFn(n, ctx);
    case Op::kAgg: {
      if (!n.cached) return Aggregate(n, ctx);
      for (auto& [k, v] : ctx.memo)
        if (k == idx) return v;
      Value v = Aggregate(n, ctx);
      if (!ctx.fault) ctx.memo.emplace_back(idx, v);
      return v;
    }
  }
  return Unknown();
}

namespace {
// True when the rule applies and its check definitely fails.
bool Fails(const RuleDef& rule, EvalContext& ctx) {
  if (rule.when >= 0) {
    Value w = Eval(rule.when, ctx);
    if (ctx.fault || !w.known() || !w.b) return false;
  }
  Value c = Eval(rule.check, ctx);
  return !ctx.fault && c.known() && !c.b;
}
}  // namespace

RuleOutcome RunRule(const RuleDef& rule, EvalContext& ctx) {
  RuleOutcome out;
  ctx.fault = nullptr;
  if (rule.for_each < 0) {
    out.fired = Fails(rule, ctx);
    out.fault = ctx.fault;
    return out;
  }
  const auto& roster = ctx.rec.rosters[rule.for_each];
  if (roster.unknown) return out;
  for (int i = 0; i < static_cast<int>(roster.rows.size()); ++i) {
    ctx.rows[0] = i;
    if (Fails(rule, ctx)) out.rows.push_back(i);
    if (ctx.fault) { out.fault = ctx.fault; out.rows = {i}; return out; }
  }
  out.fired = !out.rows.empty();
  return out;
}

namespace {

void AllFields(const SurveyDef& s, int idx, bool row_rule, std::set<std::tuple<int, int, bool>>* out) {
  if (idx < 0) return;
  const Node& n = s.nodes[idx];
  if (n.op == Op::kField) out->insert({-1, n.slot, false});
  if (n.op == Op::kRowField) out->insert({n.roster, n.slot, row_rule && n.binding == 0});
  AllFields(s, n.filter, row_rule, out);
  for (int k : n.kids) AllFields(s, k, row_rule, out);
}

void Blame(int idx, EvalContext& ctx, bool row_rule, std::set<std::tuple<int, int, bool>>* out) {
  const Node& n = ctx.survey.nodes[idx];
  if (n.op == Op::kAnd || n.op == Op::kOr) {
    Value v = Eval(idx, ctx);
    ctx.fault = nullptr;
    bool decided_by = n.op == Op::kAnd ? false : true;  // the parts with this value decided it
    if (v.known() && v.b == decided_by) {
      for (int k : n.kids) {
        Value kv = Eval(k, ctx);
        ctx.fault = nullptr;
        if (kv.known() && kv.b == decided_by) Blame(k, ctx, row_rule, out);
      }
      return;
    }
  }
  if (n.op == Op::kNot) {
    Blame(n.kids[0], ctx, row_rule, out);
    return;
  }
  AllFields(ctx.survey, idx, row_rule, out);
}

}  // namespace

void BlameRule(const RuleDef& rule, EvalContext& ctx, std::set<std::tuple<int, int, bool>>* out) {
  bool row_rule = rule.for_each >= 0;
  if (rule.when >= 0) Blame(rule.when, ctx, row_rule, out);
  Blame(rule.check, ctx, row_rule, out);
  ctx.fault = nullptr;
}

std::string FormatValue(const Value& v, const Type& t) {
  // Rules' messages are written in Chinese, and so are the words they show for values.
  static const std::string kEmpty = Message(Lang::kZh, "value_empty"), kYes = Message(Lang::kZh, "value_yes"),
                           kNo = Message(Lang::kZh, "value_no");
  switch (v.kind) {
    case Value::kMissing: case Value::kInvalid: return kEmpty;
    case Value::kBool: return v.b ? kYes : kNo;
    case Value::kNum: return v.d.ToString(t.kind == TypeKind::kNum ? t.scale : v.d.SignificantScale());
    case Value::kText: return t.masked ? MaskIdNumber(v.s) : std::string(v.s);
    case Value::kYearMonth: return FormatYearMonth(v.i);
    case Value::kDate: return FormatDate(v.i);
    case Value::kGeo: return v.d.ToString() + "," + v.d2.ToString();
  }
  return {};
}

std::string RenderMessage(const RuleDef& rule, EvalContext& ctx, int row) {
  std::string out;
  ctx.rows[0] = row;
  for (const auto& p : rule.message) {
    if (p.node < 0) { out += p.literal; continue; }
    ctx.fault = nullptr;
    Value v = Eval(p.node, ctx);
    out += ctx.fault ? "?" : FormatValue(v, p.type);
  }
  ctx.fault = nullptr;
  return out;
}

}  // namespace gridstat::eval
