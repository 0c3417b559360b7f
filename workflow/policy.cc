#include "workflow/policy.h"

#include <algorithm>

#include "common/json.h"
#include "common/messages.h"
#include "gridstat/validate.h"
#include "validate/guard.h"

namespace gridstat::workflow {

using compile::ActionDef;
using compile::WorkflowDef;

namespace {

// A tree deeper than this is not a division tree (region, city, county, township, village);
// the bound also keeps a cycle in hostile definitions from looping.
constexpr int kMaxTreeDepth = 64;

}  // namespace

std::string StateNames(const WorkflowDef& wf, const std::vector<int>& states) {
  // One list for the messages of both languages, joined as they have always shown it.
  const std::string sep = Message(Lang::kZh, "state_list_separator");
  std::string s;
  for (int i : states) s += (s.empty() ? "" : sep) + wf.states[i].name;
  return s;
}

const compile::Table* Policy::Tree() const {
  return p_.division_tree >= 0 ? &p_.tables[p_.division_tree] : nullptr;
}

int Policy::Level(const std::string& code) const {
  const auto* t = Tree();
  const auto* e = t ? t->Find(code) : nullptr;
  return e ? e->level : 0;
}

std::string Policy::Parent(const std::string& code) const {
  const auto* t = Tree();
  const auto* e = t ? t->Find(code) : nullptr;
  return e ? e->parent : std::string();
}

bool Policy::Within(const std::string& code, const std::string& ancestor) const {
  const auto* t = Tree();
  const auto* e = t ? t->Find(code) : nullptr;
  for (int depth = 0; e && depth < kMaxTreeDepth; ++depth) {
    if (e->code == ancestor) return true;
    e = e->parent.empty() ? nullptr : t->Find(e->parent);
  }
  return false;
}

bool Policy::VillageLevel(const std::string& role) const {
  int r = p_.FindRole(role);
  if (r < 0) return true;
  const auto& rd = p_.roles[r];
  return rd.grid || (rd.tier >= 0 && p_.tiers[rd.tier].level >= 5);
}

bool Policy::MayTake(const Actor& u, const ActionDef& a, const std::string& jurisdiction) const {
  int r = p_.FindRole(u.role);
  if (r < 0) return false;
  if (std::find(a.by.begin(), a.by.end(), r) != a.by.end() &&
      (VillageLevel(u.role) ? jurisdiction == u.scope : Within(jurisdiction, u.scope)))
    return true;
  // The holder: the user whose division is the jurisdiction (for a village, its coordinator).
  return a.by_holder && !p_.roles[r].grid && u.division == jurisdiction;
}

Verdict Policy::Judge(const WorkflowDef& wf, const ActionDef& a, const Step& s) const {
  Verdict v;
  // Every message of a verdict is about action `a`: Chinese names it by its label, English by
  // its name. The other arguments are the step's; each message uses those it names.
  auto no = [&](std::string_view key) {
    v.code = std::string(MessageCode(key));
    auto text = [&](Lang lang, const std::string& action) {
      return Message(lang, key, {{"action", action}, {"state", s.from}, {"states", StateNames(wf, a.from)},
                                 {"target", s.target}, {"jurisdiction", s.jurisdiction}});
    };
    v.message = {text(Lang::kZh, a.label), text(Lang::kEn, a.name)};
    return v;
  };
  if (s.creates) {
    if (!a.from_none) return no("wrong_state/creates");
  } else if (std::find(a.from.begin(), a.from.end(), wf.FindState(s.from)) == a.from.end()) {
    return no("wrong_state");
  }
  if (a.needs_comment && s.comment.empty()) return no("missing_comment");
  v.jurisdiction = s.jurisdiction;
  if (a.needs_target) {
    if (s.target.empty()) return no("missing_target");
    if (Level(s.target) == 0) return no("bad_target");
    if (a.target_rule == ActionDef::TargetRule::kChild && Parent(s.target) != s.jurisdiction)
      return no("bad_target/not_child");
    if (a.target_rule == ActionDef::TargetRule::kSameLevel &&
        (Level(s.target) != Level(s.jurisdiction) || s.target == s.jurisdiction))
      return no("bad_target/not_same_level");
    if (a.move == ActionDef::Move::kTarget) v.jurisdiction = s.target;
  }
  if (a.move == ActionDef::Move::kParent) {
    v.jurisdiction = Parent(s.jurisdiction);
    if (v.jurisdiction.empty()) return no("no_parent");
  }
  v.to = a.is_save ? s.from : a.to >= 0 ? wf.states[a.to].name : std::string();
  return v;
}

// ---- reports of stored revisions ------------------------------------------------------
bool RevisionReport(const RevisionInputs& in, Envelope* env, Report* report, std::string* problem) {
  // The problem is the store's own failure, in English as its other failures (Status::message).
  if (!in.program) {
    *problem = Message(Lang::kEn, "revision_no_definitions");
    return false;
  }
  auto doc = ParseJsonDocument(in.envelope);
  if (!doc.ok() || !EnvelopeFromDoc(*doc, env).ok()) {
    *problem = Message(Lang::kEn, "revision_unreadable");
    return false;
  }
  PreviousSet previous(in.program);
  if (in.previous_envelope) {
    auto pd = ParseJsonDocument(*in.previous_envelope);
    Envelope pe;
    if (pd.ok() && EnvelopeFromDoc(*pd, &pe).ok()) previous.Add(std::move(pe));
  }
  Validator v(in.program, in.lang);
  v.set_report_format(in.format);
  *report = v.Validate(*env, &previous, in.format >= 2 ? in.earlier : nullptr);
  return true;
}

ExplanationHistory CountedExplanations(const std::string& envelope, const std::string& findings) {
  ExplanationHistory out;
  auto env_doc = ParseJsonDocument(envelope);
  Envelope env;
  if (!env_doc.ok() || !EnvelopeFromDoc(*env_doc, &env).ok()) return out;
  for (const Finding& f : StoredReport(findings).findings) {
    if (f.is_error || !f.explained || f.digest.empty()) continue;
    auto text = env.explanations.find(f.rule);
    if (text != env.explanations.end()) out[f.rule] = {text->second, f.digest};
  }
  return out;
}

Report StoredReport(const std::string& findings) {
  Report r;
  auto doc = ParseJsonDocument(findings);
  if (!doc.ok()) return r;
  const std::string* status = json::GetStr(*doc, "status");
  r.status = !status ? Report::Status::kError
             : *status == "pass" ? Report::Status::kPass
             : *status == "warning" ? Report::Status::kWarning : Report::Status::kError;
  if (const Doc* list = doc->Find("findings")) {
    for (const Doc& d : list->items) {
      Finding f;
      if (const std::string* rule = json::GetStr(d, "rule")) f.rule = *rule;
      const std::string* severity = json::GetStr(d, "severity");
      f.is_error = !severity || *severity != "warning";
      const Doc* explained = d.Find("explained");
      f.explained = explained && explained->kind == Doc::Kind::kBool && explained->boolean;
      if (const std::string* digest = json::GetStr(d, "digest")) f.digest = *digest;
      r.findings.push_back(std::move(f));
    }
  }
  return r;
}

std::optional<std::string> ActGuardFailure(const compile::Program& prog, const WorkflowDef& wf, const ActionDef& a,
                                           const std::string* envelope, const std::string* findings, Lang lang) {
  if (a.guards.empty()) return std::nullopt;
  std::optional<std::string> failing = Message(lang, "guard/no_report");
  if (envelope && findings) {
    auto doc = ParseJsonDocument(*envelope);
    Envelope env;
    if (doc.ok() && EnvelopeFromDoc(*doc, &env).ok())
      failing = validate::FailingGuard(prog, prog.surveys[wf.survey], env, StoredReport(*findings), a.guards, lang);
  }
  return failing;
}

}  // namespace gridstat::workflow
