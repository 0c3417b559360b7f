#include "workflow/policy.h"

#include <algorithm>

#include "common/json.h"
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
  std::string s;
  for (int i : states) s += (s.empty() ? "" : "、") + wf.states[i].name;
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
  auto no = [&](const char* code, const std::string& zh, const std::string& en) {
    v.code = code;
    v.zh = zh;
    v.en = en;
    return v;
  };
  if (s.creates) {
    if (!a.from_none)
      return no("wrong_state", "实例尚不存在,「" + a.label + "」不能新建实例", "the instance does not exist; '" + a.name + "' does not create one");
  } else if (std::find(a.from.begin(), a.from.end(), wf.FindState(s.from)) == a.from.end()) {
    return no("wrong_state", "当前状态为「" + s.from + "」,只有在「" + StateNames(wf, a.from) + "」状态才能执行「" + a.label + "」",
              "the instance is '" + s.from + "'; '" + a.name + "' needs " + StateNames(wf, a.from));
  }
  if (a.needs_comment && s.comment.empty())
    return no("missing_comment", "「" + a.label + "」需要填写意见(--comment)", "'" + a.name + "' needs a comment (--comment)");
  v.jurisdiction = s.jurisdiction;
  if (a.needs_target) {
    if (s.target.empty())
      return no("missing_target", "「" + a.label + "」需要目标区划(--to)", "'" + a.name + "' needs a target division (--to)");
    if (Level(s.target) == 0)
      return no("bad_target", "目标区划「" + s.target + "」不在区划树中", "target '" + s.target + "' is not in the division tree");
    if (a.target_rule == ActionDef::TargetRule::kChild && Parent(s.target) != s.jurisdiction)
      return no("bad_target", "目标区划「" + s.target + "」不是「" + s.jurisdiction + "」的直接下级",
                "target '" + s.target + "' is not a child of '" + s.jurisdiction + "'");
    if (a.target_rule == ActionDef::TargetRule::kSameLevel &&
        (Level(s.target) != Level(s.jurisdiction) || s.target == s.jurisdiction))
      return no("bad_target", "目标区划「" + s.target + "」应与当前区划「" + s.jurisdiction + "」同级且不同",
                "target '" + s.target + "' must be another division at the level of '" + s.jurisdiction + "'");
    if (a.move == ActionDef::Move::kTarget) v.jurisdiction = s.target;
  }
  if (a.move == ActionDef::Move::kParent) {
    v.jurisdiction = Parent(s.jurisdiction);
    if (v.jurisdiction.empty()) return no("no_parent", "已在最上级,不能再返回上一级", "already at the top level; there is no level above");
  }
  v.to = a.is_save ? s.from : a.to >= 0 ? wf.states[a.to].name : std::string();
  return v;
}

// ---- reports of stored revisions ------------------------------------------------------
bool RevisionReport(const RevisionInputs& in, Envelope* env, Report* report, std::string* problem) {
  if (!in.program) {
    *problem = "no definitions";
    return false;
  }
  auto doc = ParseJsonDocument(in.envelope);
  if (!doc.ok() || !EnvelopeFromDoc(*doc, env).ok()) {
    *problem = "stored envelope unreadable";
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
  std::optional<std::string> failing = lang == Lang::kEn ? "no submitted report" : "没有已提交的报表";
  if (envelope && findings) {
    auto doc = ParseJsonDocument(*envelope);
    Envelope env;
    if (doc.ok() && EnvelopeFromDoc(*doc, &env).ok())
      failing = validate::FailingGuard(prog, prog.surveys[wf.survey], env, StoredReport(*findings), a.guards, lang);
  }
  return failing;
}

}  // namespace gridstat::workflow
