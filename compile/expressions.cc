// The expression checker and lowerer: names, constants, operators, comparisons and `in`,
// each checked for its types and emitted as nodes of the survey's program. Function calls
// and aggregates are in calls.cc.
#include <algorithm>

#include "compile/compiler.h"

namespace gridstat::compile {

using dsl::Expr;
using dsl::ExprKind;
using dsl::Pos;

std::string TypeName(Lang lang, const Type& t) {
  switch (t.kind) {
    case TypeKind::kBool: return Message(lang, "type-name/boolean");
    case TypeKind::kNum: return Message(lang, "type-name/number");
    case TypeKind::kText: return Message(lang, "type-name/text");
    case TypeKind::kYearMonth: return Message(lang, "type-name/yearmonth");
    case TypeKind::kDate: return Message(lang, "type-name/date");
    case TypeKind::kGeo: return Message(lang, "type-name/geo");
    case TypeKind::kRoster: return Message(lang, "type-name/roster");
    case TypeKind::kTable: return Message(lang, "type-name/table");
    default: return Message(lang, "type-name/error");
  }
}

MessageText TypeMessage(std::string_view key, const Type& type, const Type& other, const std::string& name,
                        const std::string& n) {
  auto in = [&](Lang lang) {
    return Message(lang, key,
                   {{"type", TypeName(lang, type)}, {"other", TypeName(lang, other)}, {"name", name}, {"n", n}});
  };
  return {in(Lang::kZh), in(Lang::kEn)};
}

int Compiler::Emit(Node n, const Expr& e) {
  n.ast_id = e.id;
  auto& nodes = cur_->nodes;
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size() - 1);
}

std::string_view Compiler::Intern(const std::string& s) {
  prog_->strings.push_back(std::make_unique<std::string>(s));
  return *prog_->strings.back();
}

Typed Compiler::Compile(const Expr& e, Scope& sc) {
  cur_ = sc.survey;
  // The parser bounds how deep one expression nests, but lets expand in place, so a chain
  // of deep lets nests deeper: bound the whole, one native stack frame or so per level.
  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) { ++d; }
    ~Depth() { --d; }
  } depth(sc.depth);
  if (sc.depth > kMaxExpandedDepth) {
    if (!too_deep_reported_)
      Err(e.pos, "too-deep/expanded", {{"max", std::to_string(kMaxExpandedDepth)}},
          MessageBoth("too-deep/expanded-hint"));
    too_deep_reported_ = true;
    return Fail();
  }
  switch (e.kind) {
    case ExprKind::kNumber: {
      auto d = Decimal::Parse(e.text);
      if (!d) { Err(e.pos, "bad-number", {{"text", e.text}}); return Fail(); }
      Node n; n.constant = Value::Num(*d);
      return {Emit(n, e), T(TypeKind::kNum, d->scale())};
    }
    case ExprKind::kString: {
      Node n; n.constant = Value::Text(Intern(e.text));
      return {Emit(n, e), T(TypeKind::kText)};
    }
    case ExprKind::kBool: {
      Node n; n.constant = Value::Bool(e.text == "true");
      return {Emit(n, e), T(TypeKind::kBool)};
    }
    case ExprKind::kName: return CompileName(e, sc);
    case ExprKind::kAnd: case ExprKind::kOr: {
      Node n; n.op = e.kind == ExprKind::kAnd ? Op::kAnd : Op::kOr;
      bool ok = true;
      for (auto& a : e.args) { int k = Condition(*a, sc); ok &= k >= 0; n.kids.push_back(k); }
      if (!ok) return Fail();
      return {Emit(n, e), T(TypeKind::kBool)};
    }
    case ExprKind::kNot: {
      int k = Condition(*e.args[0], sc);
      if (k < 0) return Fail();
      Node n; n.op = Op::kNot; n.kids = {k};
      return {Emit(n, e), T(TypeKind::kBool)};
    }
    case ExprKind::kNeg: {
      Typed a = Number(*e.args[0], sc);
      if (!a.ok()) return Fail();
      Node n; n.op = Op::kNeg; n.kids = {a.node};
      return {Emit(n, e), a.type};
    }
    case ExprKind::kAdd: case ExprKind::kSub: case ExprKind::kMul: case ExprKind::kDiv: {
      Typed a = Number(*e.args[0], sc), b = Number(*e.args[1], sc);
      if (!a.ok() || !b.ok()) return Fail();
      Node n;
      int scale;
      switch (e.kind) {
        case ExprKind::kAdd: n.op = Op::kAdd; scale = std::max(a.type.scale, b.type.scale); break;
        case ExprKind::kSub: n.op = Op::kSub; scale = std::max(a.type.scale, b.type.scale); break;
        case ExprKind::kMul: n.op = Op::kMul; scale = std::min(a.type.scale + b.type.scale, Decimal::kMaxScale); break;
        default: n.op = Op::kDiv; scale = 2; break;  // quotients are shown rounded to 2 places
      }
      n.kids = {a.node, b.node};
      return {Emit(n, e), T(TypeKind::kNum, scale)};
    }
    case ExprKind::kEq: case ExprKind::kNe: case ExprKind::kLt: case ExprKind::kLe: case ExprKind::kGt: case ExprKind::kGe:
      return CompileCompare(e, sc);
    case ExprKind::kBetween: {
      Typed v = Compile(*e.args[0], sc);
      Typed lo = Compile(*e.args[1], sc), hi = Compile(*e.args[2], sc);
      if (!v.ok() || !lo.ok() || !hi.ok()) return Fail();
      if (!Comparable(v, &lo, e.pos, true) || !Comparable(v, &hi, e.pos, true)) return Fail();
      Node n; n.op = Op::kBetween; n.negated = e.negated; n.kids = {v.node, lo.node, hi.node};
      return {Emit(n, e), T(TypeKind::kBool)};
    }
    case ExprKind::kIn: return CompileIn(e, sc);
    case ExprKind::kMatches: {
      Typed v = Compile(*e.args[0], sc);
      if (!v.ok()) return Fail();
      if (v.type.kind != TypeKind::kText) {
        Err(e.args[0]->pos, "type/matches");
        return Fail();
      }
      RE2::Options opt;
      opt.set_log_errors(false);
      opt.set_max_mem(1 << 20);
      auto re = std::make_shared<RE2>(e.text, opt);
      if (!re->ok()) {
        Err(e.pos, "bad-pattern/matches", {{"error", re->error()}});
        return Fail();
      }
      Node n; n.op = Op::kMatches; n.kids = {v.node};
      n.aux = static_cast<int>(prog_->patterns.size());
      prog_->patterns.push_back(re);
      return {Emit(n, e), T(TypeKind::kBool)};
    }
    case ExprKind::kCall: return CompileCall(e, sc);
  }
  return Fail();
}

Typed Compiler::Number(const Expr& e, Scope& sc) {
  Typed t = Compile(e, sc);
  if (t.ok() && t.type.kind != TypeKind::kNum) {
    ErrText(e.begin, "type/number", TypeMessage("type/number", t.type));
    return Fail();
  }
  return t;
}

Typed Compiler::CompileName(const Expr& e, Scope& sc) {
  SurveyDef& def = *sc.survey;
  for (auto it = sc.rows.rbegin(); it != sc.rows.rend(); ++it) {
    auto& ro = def.rosters[it->first];
    auto f = ro.by_name.find(e.text);
    if (f != ro.by_name.end()) {
      Node n; n.op = Op::kRowField; n.roster = it->first; n.slot = f->second; n.binding = it->second;
      if (sc.refs) sc.refs->push_back(FieldRef{it->first, f->second, sc.row_rule && it->second == 0});
      return {Emit(n, e), ro.fields[f->second].StaticType()};
    }
  }
  auto f = def.by_name.find(e.text);
  if (f != def.by_name.end()) {
    Node n; n.op = Op::kField; n.slot = f->second;
    if (sc.refs) sc.refs->push_back(FieldRef{-1, f->second, false});
    return {Emit(n, e), def.fields[f->second].StaticType()};
  }
  auto& lets = lets_[def.name];
  auto l = lets.find(e.text);
  if (l != lets.end()) {
    // Each use expands the let; lets built on lets could otherwise grow without bound.
    if (def.nodes.size() > kMaxNodes) {
      if (!too_large_reported_)
        Err(e.pos, "too-large", {{"max", std::to_string(kMaxNodes)}}, MessageBoth("too-large/hint"));
      too_large_reported_ = true;
      return Fail();
    }
    if (std::find(sc.let_stack.begin(), sc.let_stack.end(), e.text) != sc.let_stack.end()) {
      Err(e.pos, "let-cycle", {{"name", e.text}});
      return Fail();
    }
    // Expanding a let compiles its expression in place, one native stack frame per level:
    // a long chain of lets built on lets must stop with a diagnostic, not a stack overflow.
    if (sc.let_stack.size() >= kMaxLetDepth) {
      Err(e.pos, "too-deep/lets", {{"max", std::to_string(kMaxLetDepth)}}, MessageBoth("too-deep/lets-hint"));
      return Fail();
    }
    used_lets_.insert(def.name + "\n" + e.text);
    sc.let_stack.push_back(e.text);
    Typed t = Compile(*l->second->value, sc);
    sc.let_stack.pop_back();
    return t;
  }
  if (e.text == "period") {
    Node n; n.op = Op::kPeriod;
    TypeKind k = def.period == PeriodKind::kYear ? TypeKind::kNum
               : def.period == PeriodKind::kMonth ? TypeKind::kYearMonth : TypeKind::kText;
    return {Emit(n, e), T(k)};
  }
  if (e.text == "division") {
    Node n; n.op = Op::kDivision;
    return {Emit(n, e), T(TypeKind::kText)};
  }
  if (e.text == "row" && !sc.rows.empty()) {
    Node n; n.op = Op::kRowIndex; n.binding = sc.rows.back().second;
    return {Emit(n, e), T(TypeKind::kNum)};
  }
  if (def.roster_by_name.count(e.text)) {
    Err(e.pos, "type/roster", {{"name", e.text}}, MessageBoth("type/roster-hint", {{"name", e.text}}));
    return Fail();
  }
  if (prog_->table_by_name.count(e.text)) {
    Err(e.pos, "type/table", {{"name", e.text}});
    return Fail();
  }
  std::vector<std::string> names;
  for (auto& fd : def.fields) names.push_back(fd.name);
  for (auto& [r, b] : sc.rows) for (auto& fd : def.rosters[r].fields) names.push_back(fd.name);
  for (auto& [n, _] : lets) names.push_back(n);
  names.push_back("period");
  names.push_back("division");
  UnknownName(dsl::Named{e.text, e.pos}, names);
  return Fail();
}

// Checks that two values can be compared; a text literal facing a year-month or
// a date is parsed here, once.
bool Compiler::Comparable(const Typed& a, Typed* b, const Pos& pos, bool ordered) {
  auto fix_literal = [&](const Typed& target, Typed* lit) {
    if (lit->type.kind != TypeKind::kText) return;
    Node& n = cur_->nodes[lit->node];
    if (n.op != Op::kConst) return;
    int32_t v;
    if (target.type.kind == TypeKind::kYearMonth) {
      if (!ParseYearMonth(n.constant.s, &v)) {
        Err(pos, "bad-literal/yearmonth", {{"text", std::string(n.constant.s)}});
        return;
      }
      n.constant = Value::YearMonth(v);
      lit->type = target.type;
    } else if (target.type.kind == TypeKind::kDate) {
      if (!ParseDate(n.constant.s, &v)) {
        Err(pos, "bad-literal/date", {{"text", std::string(n.constant.s)}});
        return;
      }
      n.constant = Value::Date(v);
      lit->type = target.type;
    }
  };
  Typed& bb = *b;
  fix_literal(a, &bb);
  if (a.type.kind == TypeKind::kText) {
    Typed aa = a;
    fix_literal(bb, &aa);
    if (aa.type.kind != a.type.kind) {
      const_cast<Typed&>(a).type = aa.type;
    }
  }
  if (a.type.kind != bb.type.kind) {
    ErrText(pos, "type/compare", TypeMessage("type/compare", a.type, bb.type),
            a.type.kind == TypeKind::kText || bb.type.kind == TypeKind::kText ? MessageBoth("type/compare-hint")
                                                                                : MessageText{});
    return false;
  }
  if (ordered && (a.type.kind == TypeKind::kBool || a.type.kind == TypeKind::kGeo)) {
    ErrText(pos, "type/order", TypeMessage("type/order", a.type));
    return false;
  }
  CheckCodeLiteral(a, bb, pos);
  CheckCodeLiteral(bb, a, pos);
  return true;
}

void Compiler::CheckCodeLiteral(const Typed& field, const Typed& lit, const Pos& pos) {
  if (field.type.codes < 0 || lit.node < 0) return;
  const Node& n = cur_->nodes[lit.node];
  if (n.op != Op::kConst || n.constant.kind != Value::kText) return;
  const Table& t = prog_->tables[field.type.codes];
  if (!t.Find(n.constant.s))
    Warn(pos, "unknown-code", {{"code", std::string(n.constant.s)}, {"list", t.name}});
}

Typed Compiler::CompileCompare(const Expr& e, Scope& sc) {
  Typed a = Compile(*e.args[0], sc), b = Compile(*e.args[1], sc);
  if (!a.ok() || !b.ok()) return Fail();
  bool ordered = e.kind != ExprKind::kEq && e.kind != ExprKind::kNe;
  if (!Comparable(a, &b, e.pos, ordered)) return Fail();
  Node n; n.op = Op::kCmp;
  n.sub = static_cast<uint8_t>(static_cast<int>(e.kind) - static_cast<int>(ExprKind::kEq));
  n.kids = {a.node, b.node};
  return {Emit(n, e), T(TypeKind::kBool)};
}

Typed Compiler::CompileIn(const Expr& e, Scope& sc) {
  Typed v = Compile(*e.args[0], sc);
  if (!v.ok()) return Fail();
  Node n; n.negated = e.negated; n.kids = {v.node};
  if (!e.in_list) {
    const std::string& tn = e.args[1]->text;
    auto it = prog_->table_by_name.find(tn);
    if (it == prog_->table_by_name.end()) {
      std::vector<std::string> names;
      for (auto& t : prog_->tables) names.push_back(t.name);
      std::string c = Closest(tn, names);
      Err(e.args[1]->pos, "unknown-table", {{"name", tn}}, DidYouMean(c));
      return Fail();
    }
    if (v.type.kind != TypeKind::kText) {
      Err(e.args[0]->pos, "type/in-table");
      return Fail();
    }
    n.op = Op::kInTable;
    n.aux = it->second;
    return {Emit(n, e), T(TypeKind::kBool)};
  }
  n.op = Op::kInList;
  for (size_t i = 1; i < e.args.size(); ++i) {
    Typed item = Compile(*e.args[i], sc);
    if (!item.ok()) return Fail();
    if (cur_->nodes[item.node].op != Op::kConst) {
      Err(e.args[i]->pos, "type/in-list");
      return Fail();
    }
    if (!Comparable(v, &item, e.args[i]->pos, false)) return Fail();
    n.list.push_back(cur_->nodes[item.node].constant);
  }
  return {Emit(n, e), T(TypeKind::kBool)};
}

}  // namespace gridstat::compile
