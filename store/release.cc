// The commands that create instances in bulk: release (one instance of a survey's period
// for every village under a division) and import (one instance for every row of a task
// ledger, each task id imported once).
#include "common/files.h"
#include "common/json.h"
#include "store/store_impl.h"

namespace gridstat::store {

namespace {

using compile::ActionDef;
using compile::WorkflowDef;

}  // namespace

// ---- release ----------------------------------------------------------------
std::vector<ActionResult> StoreImpl::Release(const std::string& actor, const std::string& survey, const std::string& period,
                                             const std::string& under, const std::string& request_id) {
  std::vector<ActionResult> out;
  Status fresh = Refresh();
  if (!fresh.ok()) { out.push_back(MakeResult("", Outcome::kCannotRun, "store", fresh.message())); return out; }
  const auto prog = current_;  // what the checks below read; the transaction must see the same
  const WorkflowDef* wf = WorkflowFor(*current_, survey);
  const ActionDef* a = nullptr;
  if (wf) for (auto& x : wf->actions) if (x.creates == ActionDef::Creates::kVillages) a = &x;
  if (!a) {
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", Msg("usage/no_release", {{"survey", survey}})));
    return out;
  }
  if (!Validator(current_).PreviousPeriod(survey, period)) {
    std::string why = Msg("usage/bad_period", {{"period", period}, {"survey", survey}});
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", why));
    return out;
  }
  RequestScope request(this, request_id.empty() ? "" : RequestFingerprint(json::Obj({
      {"command", json::Str("release")}, {"actor", json::Str(actor)}, {"survey", json::Str(survey)},
      {"period", json::Str(period)}, {"under", json::Str(under)}})));
  Status st = BeginCommand();
  if (!st.ok()) { out.push_back(MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message())); return out; }
  if (current_ != prog) return DefinitionsChanged();
  std::string scope_id = wf->name + "/" + period + "/" + under;
  const User* user = org_.FindUser(actor);
  if (auto rep = Repeated(request_id, scope_id, actor, a->name)) {
    if (rep->code == "request_id_reused") {
      out.push_back(Refuse(scope_id, actor, user, a->name, rep->code, rep->message, "", Outcome::kRefused, nullptr));
      FinishCommand(&out);
    } else {
      db_->Rollback();
      out.push_back(*rep);
    }
    return out;
  }
  if (!user || Level(under) == 0 || !MayTake(*user, *current_, *a, under)) {
    std::string code = !user ? "no_user" : Level(under) == 0 ? "bad_target" : "no_permission";
    // Chinese names the role with the user's division, English without.
    std::string role = !user ? std::string()
                       : lang_ == Lang::kEn ? user->role
                       : Msg("role_at", {{"role", user->role}, {"division", user->division}});
    std::string msg = !user ? Msg("no_user", {{"user", actor}})
                    : Level(under) == 0 ? Msg("bad_target/division", {{"division", under}})
                    : Msg("no_permission/release", {{"role", role}, {"under", under}});
    out.push_back(Refuse(scope_id, actor, user, a->name, code, msg, request_id, Outcome::kRefused, nullptr));
    FinishCommand(&out);
    return out;
  }
  const auto& tree = current_->tables[current_->division_tree];
  int existing = 0;
  for (const auto& e : tree.entries) {
    if (e.level != 5 || !Within(e.code, under)) continue;
    Instance inst;
    inst.id = wf->name + "/" + period + "/" + e.code;
    if (GetInstance(inst.id)) { ++existing; continue; }
    inst.workflow = wf->name;
    inst.survey = survey;
    inst.period = period;
    inst.record_key = e.code;
    inst.division = e.code;
    inst.state = wf->states[a->to].name;
    inst.version = 1;
    inst.definitions = current_hash_;
    EventMembers extra = {{Ev::kUnder, json::Str(under)}};
    if (!(st = CreateInstance(actor, user, a->name, &inst, request_id, extra)).ok()) {
      db_->Rollback();
      out.assign(1, MakeResult("", Outcome::kCannotRun, "store", st.message()));
      return out;
    }
    ActionResult r;
    r.instance = inst.id;
    r.changed = true;
    out.push_back(r);
  }
  if (!(st = CommitCommand()).ok()) { db_->Rollback(); out.assign(1, MakeResult("", Outcome::kCannotRun, "store", st.message())); return out; }
  if (existing > 0) {
    ActionResult r;
    r.code = "exists";
    r.message = Msg("exists/villages", {{"count", std::to_string(existing)}});
    out.push_back(r);
  }
  return out;
}

// ---- import ---------------------------------------------------------------------
std::vector<ActionResult> StoreImpl::Import(const std::string& actor, const std::string& workflow, const std::string& period,
                                            const std::string& file) {
  std::vector<ActionResult> out;
  Status fresh = Refresh();
  if (!fresh.ok()) { out.push_back(MakeResult("", Outcome::kCannotRun, "store", fresh.message())); return out; }
  const auto prog = current_;  // what the checks below read; the transaction must see the same
  int w = current_->FindWorkflow(workflow);
  const ActionDef* a = nullptr;
  if (w >= 0) for (auto& x : current_->workflows[w].actions) if (x.creates == ActionDef::Creates::kRows) a = &x;
  if (!a) {
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", Msg("usage/no_import", {{"workflow", workflow}})));
    return out;
  }
  const WorkflowDef& wf = current_->workflows[w];
  const std::string& survey = current_->surveys[wf.survey].name;
  if (!Validator(current_).PreviousPeriod(survey, period)) {
    std::string why = Msg("usage/bad_period", {{"period", period}, {"survey", survey}});
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", why));
    return out;
  }
  auto text = gridstat::ReadInputFile(file, size_t{1} << 30);
  if (!text.ok()) { out.push_back(MakeResult("", Outcome::kCannotRun, "usage", text.status().message())); return out; }
  Status st = BeginCommand();
  if (!st.ok()) { out.push_back(MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message())); return out; }
  if (current_ != prog) return DefinitionsChanged();
  const User* user = org_.FindUser(actor);
  size_t pos = 0;
  int line = 0;
  while (pos < text->size() && !StepFailed(out)) {
    size_t eol = text->find('\n', pos);
    if (eol == std::string::npos) eol = text->size();
    std::string row = text->substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    while (!row.empty() && (row.back() == '\r' || row.back() == ' ')) row.pop_back();
    if (row.empty()) continue;
    std::string where = file + ":" + std::to_string(line);
    auto doc = ParseJsonDocument(row);
    const std::string* id = doc.ok() ? json::GetStr(*doc, "id") : nullptr;
    const std::string* kind = doc.ok() ? json::GetStr(*doc, "kind") : nullptr;
    const std::string* division = doc.ok() ? json::GetStr(*doc, "division") : nullptr;
    const Doc* data = doc.ok() ? doc->Find("data") : nullptr;
    if (!id || id->empty() || !kind || (*kind != "find" && *kind != "verify") || !division || Level(*division) == 0 ||
        !data || data->kind != Doc::Kind::kObject) {
      out.push_back(Refuse(wf.name + "/" + period + "/" + (id && !id->empty() ? *id : where), actor, user, a->name, "bad_row",
                           Msg("bad_row", {{"where", where}}),
                           "", Outcome::kRefused, nullptr));
      continue;
    }
    Instance inst;
    inst.id = wf.name + "/" + period + "/" + *id;
    // A task id names one ledger row: the same row again has no second effect, and a
    // different row under a used id is refused, so that a changed row is never lost unseen.
    if (auto existing = GetInstance(inst.id)) {
      if (existing->task == json::Canonical(*doc)) {
        out.push_back(
            MakeResult(where, Outcome::kDone, "exists", Msg("exists/task", {{"where", where}, {"task", *id}})));
      } else {
        out.push_back(Refuse(inst.id, actor, user, a->name, "row_changed",
                             Msg("row_changed", {{"where", where}, {"task", *id}}),
                             "", Outcome::kRefused, nullptr));
      }
      continue;
    }
    if (!user || !MayTake(*user, *current_, *a, *division)) {
      out.push_back(Refuse(inst.id, actor, user, a->name, user ? "no_permission" : "no_user",
                           user ? Msg("no_permission/import", {{"role", user->role}, {"division", *division}})
                                : Msg("no_user", {{"user", actor}}),
                           "", Outcome::kRefused, nullptr));
      continue;
    }
    const std::string key_field = current_->surveys[wf.survey].KeyField();
    const std::string* uscc = key_field.empty() ? nullptr : json::GetStr(*data, key_field);
    inst.workflow = wf.name;
    inst.survey = survey;
    inst.period = period;
    inst.record_key = uscc && !uscc->empty() ? *uscc : *id;
    inst.division = *division;
    inst.state = wf.states[a->to].name;
    inst.version = 1;
    inst.definitions = current_hash_;
    inst.task = json::Canonical(*doc);
    Stmt dup(db_.get(), "SELECT id FROM instances WHERE workflow = ? AND period = ? AND record_key = ?");
    dup.Bind(1, inst.workflow).Bind(2, period).Bind(3, inst.record_key);
    if (dup.Step()) inst.record_key = *id;  // two tasks for one unit: fall back to the task id
    if (!(st = CreateInstance(actor, user, a->name, &inst, "import:" + inst.id, EventMembers{{Ev::kTask, *doc}})).ok()) {
      db_->Rollback();
      out.assign(1, MakeResult("", Outcome::kCannotRun, "store", st.message()));
      return out;
    }
    ActionResult r;
    r.instance = inst.id;
    r.changed = true;
    out.push_back(r);
  }
  FinishCommand(&out);
  return out;
}

}  // namespace gridstat::store
