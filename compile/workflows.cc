// Pass 5, WorkflowPass: tiers, roles, and each workflow's states, actions (who, from, to,
// what they need and do), guards and deadlines; every state must be reachable. Guards are
// compiled like rules against the carried survey, so this pass comes after RulePass.
#include <algorithm>

#include "compile/compiler.h"

namespace gridstat::compile {

using dsl::Pos;

namespace {

// The states that counted as accepted in definitions that declare none (written before the flag).
const std::string kUndeclaredAccepted[] = {"accepted", "archived"};

}  // namespace

void Compiler::WorkflowPass() {
  std::set<std::string> tier_names;
  for (auto& t : module.tiers) {
    if (!tier_names.insert(t.name.name).second) {
      Err(t.name.pos, "duplicate/tier", {{"name", t.name.name}});
      continue;
    }
    if (t.level < 1 || t.level > 9)
      Err(t.name.pos, "bad-tier");
    prog_->tiers.push_back({t.name.name, t.label, static_cast<int>(t.level)});
  }
  for (auto& r : module.roles) {
    if (prog_->FindRole(r.name.name) >= 0) {
      Err(r.name.pos, "duplicate/role", {{"name", r.name.name}});
      continue;
    }
    RoleDef rd{r.name.name, r.label, -1, r.at.name == "grid"};
    if (!rd.grid) {
      for (size_t i = 0; i < prog_->tiers.size(); ++i) if (prog_->tiers[i].name == r.at.name) rd.tier = static_cast<int>(i);
      if (rd.tier < 0) {
        std::vector<std::string> names = {"grid"};
        for (auto& t : prog_->tiers) names.push_back(t.name);
        std::string c = Closest(r.at.name, names);
        Err(r.at.pos, "unknown-tier", {{"name", r.at.name}}, DidYouMean(c, "unknown-tier/hint"));
      }
    }
    prog_->roles.push_back(std::move(rd));
  }
  for (auto& w : module.workflows) CompileWorkflow(w);
  // prev() reads the previous period's accepted data: in a store that is what a workflow
  // declares accepted, so a survey carried by workflows that accept nothing has no previous data.
  for (auto& [survey, pos] : prev_use_) {
    bool carried = false, accepts = false;
    for (auto& wd : prog_->workflows) {
      if (wd.survey < 0 || prog_->surveys[wd.survey].name != survey) continue;
      carried = true;
      for (auto& st : wd.states) accepts = accepts || st.accepted;
    }
    if (carried && !accepts)
      Err(pos, "prev-without-accepted", {{"survey", survey}}, MessageBoth("prev-without-accepted/hint"));
  }
}

void Compiler::CompileWorkflow(const dsl::WorkflowDecl& w) {
  if (prog_->FindWorkflow(w.name.name) >= 0) {
    Err(w.name.pos, "duplicate/workflow", {{"name", w.name.name}});
    return;
  }
  WorkflowDef wd;
  wd.name = w.name.name;
  wd.label = w.label;
  auto sit = prog_->survey_by_name.find(w.survey.name);
  if (sit == prog_->survey_by_name.end()) {
    std::vector<std::string> names;
    for (auto& sv : prog_->surveys) names.push_back(sv.name);
    std::string c = Closest(w.survey.name, names);
    Err(w.survey.pos, "unknown-survey", {{"name", w.survey.name}}, DidYouMean(c));
    return;
  }
  wd.survey = sit->second;
  SurveyDef& survey = prog_->surveys[wd.survey];
  std::vector<Pos> state_pos;
  for (auto& st : w.states) {
    if (wd.FindState(st.name.name) >= 0) {
      Err(st.name.pos, "duplicate/state", {{"name", st.name.name}});
      continue;
    }
    wd.states.push_back({st.name.name, st.label, st.initial, st.final, st.accepted});
    state_pos.push_back(st.name.pos);
  }
  wd.accepted_declared = std::any_of(wd.states.begin(), wd.states.end(), [](const StateDef& s) { return s.accepted; });
  if (!wd.accepted_declared) {
    // Definitions written before the `accepted` flag meant the states of these names; stores keep
    // such definitions, and their instances must keep that meaning (doc/language.md, section 9).
    for (auto& st : wd.states)
      st.accepted = std::find(std::begin(kUndeclaredAccepted), std::end(kUndeclaredAccepted), st.name) != std::end(kUndeclaredAccepted);
    Warn(w.name.pos, "no-accepted-state", {{"name", wd.name}});
  }
  if (!w.states.empty() && std::none_of(wd.states.begin(), wd.states.end(), [](const StateDef& s) { return s.final; }))
    Warn(w.name.pos, "no-final-state", {{"name", wd.name}});
  std::vector<std::string> state_names, role_names = {"holder"};
  for (auto& st : wd.states) state_names.push_back(st.name);
  for (auto& r : prog_->roles) role_names.push_back(r.name);
  auto state = [&](const dsl::Named& n) {
    int i = wd.FindState(n.name);
    if (i < 0) {
      std::string c = Closest(n.name, state_names);
      Err(n.pos, "unknown-state", {{"workflow", wd.name}, {"name", n.name}}, DidYouMean(c, "unknown-state/hint"));
    }
    return i;
  };
  auto one_of = [&](const dsl::Named& v, std::initializer_list<const char*> allowed, const std::string& word) {
    for (const char* a : allowed) if (v.name == a) return true;
    std::vector<std::string> names;
    for (const char* a : allowed) names.push_back(a);
    std::string c = Closest(v.name, names);
    auto text = [&](Lang lang) {
      std::string list, sep = Message(lang, "list-separator");
      for (const char* a : allowed) list += (list.empty() ? "" : sep) + std::string(a);
      return Message(lang, "bad-clause/value", {{"word", word}, {"name", v.name}, {"list", list}});
    };
    ErrText(v.pos, "bad-clause/value", {text(Lang::kZh), text(Lang::kEn)}, DidYouMean(c));
    return false;
  };
  for (auto& a : w.actions) {
    if (wd.FindAction(a.name.name) >= 0 || a.name.name == "save") {
      Err(a.name.pos, "duplicate/action", {{"name", a.name.name}});
      continue;
    }
    ActionDef ad;
    ad.name = a.name.name;
    ad.label = a.label;
    ad.line = a.name.pos.line;
    bool has_to = false, has_by = false, has_from = false;
    for (auto& cl : a.clauses) {
      const std::string& word = cl.word.name;
      if (word == "guard") {
        Scope sc{&survey};
        sc.guard = true;
        int node = Condition(*cl.guard, sc);
        ad.guards.push_back({node, cl.guard_message});
      } else if (word == "by") {
        has_by = true;
        for (auto& v : cl.values) {
          if (v.name == "holder") { ad.by_holder = true; continue; }
          int r = prog_->FindRole(v.name);
          if (r < 0) {
            std::string c = Closest(v.name, role_names);
            Err(v.pos, "unknown-role", {{"name", v.name}}, DidYouMean(c, "unknown-role/hint"));
          } else {
            ad.by.push_back(r);
          }
        }
      } else if (word == "from") {
        has_from = true;
        for (auto& v : cl.values) {
          if (v.name == "none") { ad.from_none = true; continue; }
          int st = state(v);
          if (st >= 0) ad.from.push_back(st);
        }
      } else if (word == "to") {
        if (cl.values.size() != 1) Err(cl.word.pos, "bad-clause/to");
        ad.to = state(cl.values[0]);
        has_to = true;
      } else if (word == "needs") {
        for (auto& v : cl.values) {
          if (!one_of(v, {"comment", "target", "submission"}, "needs")) continue;
          if (v.name == "comment") ad.needs_comment = true;
          else if (v.name == "target") ad.needs_target = true;
          else ad.needs_submission = true;
        }
      } else if (word == "moves") {
        for (auto& v : cl.values)
          if (one_of(v, {"target", "parent"}, "moves"))
            ad.move = v.name == "target" ? ActionDef::Move::kTarget : ActionDef::Move::kParent;
      } else if (word == "target") {
        for (auto& v : cl.values)
          if (one_of(v, {"any", "child", "same_level"}, "target"))
            ad.target_rule = v.name == "child" ? ActionDef::TargetRule::kChild
                           : v.name == "same_level" ? ActionDef::TargetRule::kSameLevel : ActionDef::TargetRule::kAny;
      } else if (word == "creates") {
        for (auto& v : cl.values)
          if (one_of(v, {"villages", "rows"}, "creates"))
            ad.creates = v.name == "villages" ? ActionDef::Creates::kVillages : ActionDef::Creates::kRows;
      } else if (word == "effect") {
        for (auto& v : cl.values)
          if (one_of(v, {"register_unit"}, "effect")) ad.registers_unit = true;
      } else if (word == "registers") {
        if (cl.values.size() != 1) Err(cl.word.pos, "bad-clause/registers");
        const dsl::Named& f = cl.values[0];
        auto fit = survey.by_name.find(f.name);
        if (fit == survey.by_name.end()) {
          std::vector<std::string> names;
          for (auto& fd : survey.fields) names.push_back(fd.name);
          std::string c = Closest(f.name, names);
          Err(f.pos, "unknown-field", {{"survey", survey.name}, {"name", f.name}}, DidYouMean(c));
        } else {
          ad.registers_unit = true;
          ad.register_key = f.name;
        }
      } else {
        std::string c = Closest(word, {"by", "from", "to", "needs", "moves", "target", "creates", "effect", "registers", "guard"});
        Err(cl.word.pos, "bad-clause/unknown", {{"name", word}}, DidYouMean(c, "bad-clause/unknown-hint"));
      }
    }
    if (ad.registers_unit && ad.register_key.empty()) {
      // `effect register_unit` alone: the registry is keyed by the survey's own key field.
      ad.register_key = survey.KeyField();
      if (ad.register_key.empty())
        Err(a.name.pos, "bad-action/register-key");
    }
    if (!has_to) Err(a.name.pos, "bad-action/to", {{"name", ad.name}});
    if (!has_by) Err(a.name.pos, "bad-action/by", {{"name", ad.name}});
    if (!has_from) Err(a.name.pos, "bad-action/from", {{"name", ad.name}});
    if (ad.move == ActionDef::Move::kTarget && !ad.needs_target)
      Err(a.name.pos, "bad-action/moves-target");
    if (ad.from_none && ad.creates == ActionDef::Creates::kNone && !ad.needs_submission)
      Err(a.name.pos, "bad-action/from-none");
    wd.actions.push_back(std::move(ad));
  }
  for (auto& d : w.deadlines) {
    int a = wd.FindAction(d.action.name);
    if (a < 0) {
      std::vector<std::string> names;
      for (auto& ad : wd.actions) names.push_back(ad.name);
      std::string c = Closest(d.action.name, names);
      Err(d.action.pos, "unknown-action", {{"name", d.action.name}}, DidYouMean(c));
      continue;
    }
    wd.deadlines.push_back({a, static_cast<int>(d.days)});
  }
  // Every state must be reachable from a creating action.
  std::vector<bool> reached(wd.states.size(), false);
  std::vector<int> todo;
  for (auto& a : wd.actions)
    if (a.from_none && a.to >= 0 && !reached[a.to]) { reached[a.to] = true; todo.push_back(a.to); }
  while (!todo.empty()) {
    int st = todo.back();
    todo.pop_back();
    for (auto& a : wd.actions)
      if (a.to >= 0 && !reached[a.to] && std::find(a.from.begin(), a.from.end(), st) != a.from.end()) {
        reached[a.to] = true;
        todo.push_back(a.to);
      }
  }
  if (wd.actions.size() == w.actions.size() && !HasErrors(diags))
    for (size_t i = 0; i < wd.states.size(); ++i)
      if (!reached[i])
        Err(state_pos[i], "unreachable-state", {{"name", wd.states[i].name}});
  // `save` stores a draft: whoever may submit may save, and so may grid workers.
  for (auto& a : wd.actions) {
    if (!a.needs_submission) continue;
    ActionDef save;
    save.name = "save";
    save.label = Message(Lang::kZh, "save-draft");  // labels in definitions are Chinese
    save.by = a.by;
    for (size_t r = 0; r < prog_->roles.size(); ++r)
      if (prog_->roles[r].grid && std::find(save.by.begin(), save.by.end(), static_cast<int>(r)) == save.by.end())
        save.by.push_back(static_cast<int>(r));
    save.from = a.from;
    save.from_none = a.from_none;
    save.needs_submission = true;
    save.is_save = true;
    wd.actions.push_back(std::move(save));
    break;
  }
  prog_->workflows.push_back(std::move(wd));
}

}  // namespace gridstat::compile
