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
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", Msg("没有流程可以下发调查表「" + survey + "」", "no workflow releases survey '" + survey + "'")));
    return out;
  }
  if (!Validator(current_).PreviousPeriod(survey, period)) {
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", Msg("报告期「" + period + "」格式不符合调查表 " + survey, "period '" + period + "' does not fit survey " + survey)));
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
    std::string msg = !user ? Msg("用户「" + actor + "」不存在", "no user '" + actor + "'")
                    : Level(under) == 0 ? Msg("区划「" + under + "」不在区划树中", "division '" + under + "' is not in the division tree")
                    : Msg("角色 " + user->role + "(" + user->division + ")不能在「" + under + "」下发报表", "role " + user->role + " may not release under " + under);
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
    r.message = Msg(std::to_string(existing) + " 个村已有该期报表实例,未重复创建", std::to_string(existing) + " villages already have an instance for this period; nothing created for them");
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
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", Msg("流程「" + workflow + "」不能导入任务", "workflow '" + workflow + "' does not import tasks")));
    return out;
  }
  const WorkflowDef& wf = current_->workflows[w];
  const std::string& survey = current_->surveys[wf.survey].name;
  if (!Validator(current_).PreviousPeriod(survey, period)) {
    out.push_back(MakeResult("", Outcome::kCannotRun, "usage", Msg("报告期「" + period + "」格式不符合调查表 " + survey, "period '" + period + "' does not fit survey " + survey)));
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
                           Msg(where + ": 任务行应为 {\"id\", \"kind\": find|verify, \"division\": 区划树中的代码, \"data\": {…}}",
                               where + ": a task row needs id, kind (find|verify), a division of the tree and a data object"),
                           "", Outcome::kRefused, nullptr));
      continue;
    }
    Instance inst;
    inst.id = wf.name + "/" + period + "/" + *id;
    // A task id names one ledger row: the same row again has no second effect, and a
    // different row under a used id is refused, so that a changed row is never lost unseen.
    if (auto existing = GetInstance(inst.id)) {
      if (existing->task == json::Canonical(*doc)) {
        out.push_back(MakeResult(where, Outcome::kDone, "exists", Msg(where + ": 任务 " + *id + " 已导入,未重复创建", where + ": task " + *id + " exists; not created again")));
      } else {
        out.push_back(Refuse(inst.id, actor, user, a->name, "row_changed",
                             Msg(where + ": 任务 " + *id + " 已按另一内容导入,本行与之不同,未导入;请用新的任务编号,或改正本行",
                                 where + ": task " + *id + " was imported with other content; this row differs and was not imported; use a new task id or correct the row"),
                             "", Outcome::kRefused, nullptr));
      }
      continue;
    }
    if (!user || !MayTake(*user, *current_, *a, *division)) {
      out.push_back(Refuse(inst.id, actor, user, a->name, user ? "no_permission" : "no_user",
                           user ? Msg("角色 " + user->role + " 不能在「" + *division + "」导入任务", "role " + user->role + " may not import tasks at " + *division)
                                : Msg("用户「" + actor + "」不存在", "no user '" + actor + "'"),
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
