// Replay, a what-if for a rule change: the latest submitted revision of every instance
// re-run under other definitions, listing those whose report would change. It changes
// nothing.
#include <set>

#include "common/json.h"
#include "store/audit.h"

namespace gridstat::store {

Result<std::vector<Doc>> StoreImpl::Replay(const std::string& defs_dir, std::vector<Diagnostic>* diags) {
  auto compiled = CompileDirectory(defs_dir);
  *diags = compiled.diagnostics;
  if (!compiled.program) return StatusIn(lang_, Status::Code::kInvalid, "compile/failed");
  std::vector<Doc> changed;
  Stmt s(db_.get(), "SELECT id FROM instances ORDER BY id");
  std::vector<std::string> ids;
  while (s.Step()) ids.push_back(s.Text(0));
  for (auto& id : ids) {
    auto rev = LatestRevision(id, false);
    if (!rev) continue;
    // As the policy makes a stored revision's report (policy.h), under the new definitions.
    workflow::RevisionInputs in;
    in.program = compiled.program;
    in.envelope = rev->envelope;  // compared with the stored report, so in Chinese as that is
    std::optional<Revision> prev;
    if (!rev->previous_instance.empty()) prev = GetRevision(rev->previous_instance, rev->previous_revision);
    in.previous_envelope = prev ? &prev->envelope : nullptr;
    ExplanationHistory counted;
    {
      Stmt e(db_.get(), "SELECT revision FROM submissions WHERE instance = ? AND revision < ? AND draft = 0 ORDER BY revision DESC LIMIT 1");
      e.Bind(1, id).Bind(2, rev->revision);
      if (e.Step())
        if (auto earlier = GetRevision(id, e.Int(0))) counted = workflow::CountedExplanations(earlier->envelope, earlier->findings);
    }
    in.earlier = &counted;
    Envelope env;
    Report now;
    std::string problem;
    if (!workflow::RevisionReport(in, &env, &now, &problem)) continue;
    auto old = ParseJsonDocument(rev->findings);
    std::set<std::string> before, after;
    if (old.ok() && old->Find("findings"))
      for (auto& f : old->Find("findings")->items) before.insert(Str(f, "rule"));
    for (auto& f : now.findings) after.insert(f.rule);
    std::string old_status = rev->status, new_status = StatusName(now.status);
    // Messages are compared too: a rule whose wording changed is a change the bureau should see.
    Report old_report;
    std::string now_json = ReportToJson(now);
    if (now_json == rev->findings) continue;
    Doc added = json::Arr(), removed = json::Arr();
    for (auto& x : after) if (!before.count(x)) added.items.push_back(json::Str(x));
    for (auto& x : before) if (!after.count(x)) removed.items.push_back(json::Str(x));
    changed.push_back(json::Obj({{"id", json::Str(id)}, {"revision", json::Int(rev->revision)}, {"status_before", json::Str(old_status)},
                                 {"status_after", json::Str(new_status)}, {"rules_added", added}, {"rules_removed", removed}}));
  }
  return changed;
}

}  // namespace gridstat::store
