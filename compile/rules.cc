// Pass 4, RulePass: each survey's lets and rules. Names are resolved, types checked and
// rules lowered to nodes by the expression compiler (expressions.cc, calls.cc); message
// templates are checked; a let that no rule uses is checked all the same.
#include <algorithm>

#include "compile/compiler.h"

namespace gridstat::compile {

using dsl::Expr;
using dsl::Pos;

void Compiler::RulePass() {
  std::unordered_map<std::string, Pos> codes;
  for (auto& rb : module.rules) {
    auto it = prog_->survey_by_name.find(rb.survey.name);
    if (it == prog_->survey_by_name.end()) continue;
    for (auto& l : rb.lets) {
      auto& m = lets_[rb.survey.name];
      if (m.count(l.name.name)) {
        Err(l.name.pos, "duplicate/let", {{"name", l.name.name}});
        continue;
      }
      m[l.name.name] = &l;
    }
  }
  for (auto& rb : module.rules) {
    auto it = prog_->survey_by_name.find(rb.survey.name);
    if (it == prog_->survey_by_name.end()) continue;
    SurveyDef& def = prog_->surveys[it->second];
    for (auto& r : rb.rules) {
      auto [cit, fresh] = codes.emplace(r.code.name, r.code.pos);
      if (!fresh) {
        Err(r.code.pos, "duplicate-rule", {{"name", r.code.name}},
            MessageBoth("duplicate-rule/hint", {{"line", std::to_string(cit->second.line)}}));
        continue;
      }
      CompileRule(def, r);
    }
  }
  // A let that no rule uses is still checked, so that its mistakes do not wait for
  // the day someone uses it. Its roster fields resolve as in a `for each` rule.
  for (auto& [survey, lets] : lets_) {
    auto it = prog_->survey_by_name.find(survey);
    if (it == prog_->survey_by_name.end()) continue;
    SurveyDef& def = prog_->surveys[it->second];
    for (auto& [name, let] : lets) {
      if (used_lets_.count(survey + "\n" + name)) continue;
      Scope sc{&def};
      for (size_t ri = 0; ri < def.rosters.size() && ri < static_cast<size_t>(kMaxBindings); ++ri)
        sc.rows.push_back({static_cast<int>(ri), static_cast<int>(ri)});
      size_t keep = def.nodes.size();
      int bindings = def.max_bindings;
      sc.let_stack.push_back(name);
      Compile(*let->value, sc);
      def.nodes.resize(keep);  // checked only: nothing refers to these nodes
      def.max_bindings = bindings;
    }
  }
}

void Compiler::CompileRule(SurveyDef& def, const dsl::RuleDecl& r) {
  RuleDef rd;
  rd.code = r.code.name;
  rd.is_error = r.is_error;
  rd.ast_id = r.id;
  rd.file = module.files[r.pos.file].path;
  rd.line = r.pos.line;
  Scope sc{&def};
  sc.refs = &rd.fields;
  if (r.for_each) {
    auto it = def.roster_by_name.find(r.for_each->name);
    if (it == def.roster_by_name.end()) {
      std::vector<std::string> names;
      for (auto& ro : def.rosters) names.push_back(ro.name);
      std::string c = Closest(r.for_each->name, names);
      Err(r.for_each->pos, "unknown-roster", {{"name", r.for_each->name}}, DidYouMean(c));
      return;
    }
    rd.for_each = it->second;
    sc.rows.push_back({it->second, 0});
    sc.row_rule = true;
    def.max_bindings = std::max(def.max_bindings, 1);
  }
  if (r.when) rd.when = Condition(*r.when, sc);
  rd.check = Condition(*r.check, sc);
  std::vector<FieldRef> no_refs;
  sc.refs = &no_refs;  // placeholders do not add to the rule's fields
  for (auto& p : r.message.parts) {
    MessagePart mp;
    if (!p.expr) { mp.literal = p.literal; rd.message.push_back(mp); continue; }
    Typed t = Compile(*p.expr, sc);
    if (t.ok() && (t.type.kind == TypeKind::kRoster || t.type.kind == TypeKind::kTable))
      Err(p.expr->pos, "type/message");
    mp.node = t.node;
    mp.type = t.type;
    rd.message.push_back(mp);
  }
  // The fields a finding names: each once, in order of first appearance.
  std::vector<FieldRef> uniq;
  for (auto& f : rd.fields) {
    bool dup = false;
    for (auto& u : uniq) dup |= u.roster == f.roster && u.slot == f.slot && u.per_row == f.per_row;
    if (!dup) uniq.push_back(f);
  }
  rd.fields = std::move(uniq);
  def.rules.push_back(std::move(rd));
}

int Compiler::Condition(const Expr& e, Scope& sc) {
  Typed t = Compile(e, sc);
  if (t.ok() && t.type.kind != TypeKind::kBool)
    ErrText(e.begin, "type/condition", TypeMessage("type/condition", t.type), MessageBoth("type/condition-hint"));
  return t.node;
}

}  // namespace gridstat::compile
