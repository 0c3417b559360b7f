// Commands that change the store: each is one transaction, and every attempt,
// allowed or refused, becomes an event of the hash chain.
#include <algorithm>
#include <fstream>
#include <set>

#include "common/json.h"
#include "common/text.h"
#include "common/files.h"
#include "gridstat/rule_tests.h"
#include "eval/eval.h"
#include "validate/guard.h"
#include "store/store_impl.h"

namespace gridstat::store {

namespace {

using compile::ActionDef;
using compile::WorkflowDef;

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

ActionResult Failure(const std::string& instance, Outcome o, const std::string& code, const std::string& message) {
  return MakeResult(instance, o, code, message);
}

// The workflow that carries `survey` in program `p`.
const WorkflowDef* WorkflowFor(const compile::Program& p, const std::string& survey) {
  int s = -1;
  for (size_t i = 0; i < p.surveys.size(); ++i) if (p.surveys[i].name == survey) s = static_cast<int>(i);
  for (auto& w : p.workflows) if (w.survey == s) return &w;
  return nullptr;
}

Doc EnvelopeDoc(const Envelope& e) {
  Doc ex = json::Obj();
  for (auto& [k, v] : e.explanations) {
    auto c = e.confirmed.find(k);
    ex.members.emplace_back(k, c == e.confirmed.end() ? json::Str(v) : json::Obj({{"text", json::Str(v)}, {"digest", json::Str(c->second)}}));
  }
  return json::Obj({{"id", e.id ? json::Str(*e.id) : json::Null()}, {"survey", json::Str(e.survey)},
                    {"period", json::Str(e.period)}, {"division", json::Str(e.division)}, {"data", e.data},
                    {"explanations", ex}});
}

}  // namespace

EventBody StoreImpl::NewEvent(EventKind kind, const std::string& actor, const User* user) const {
  return EventBody(kind, actor, user ? &user->role : nullptr, user ? &user->division : nullptr);
}

ActionResult StoreImpl::Refuse(const std::string& instance, const std::string& actor, const User* user,
                               const std::string& action, const std::string& code, const std::string& message,
                               const std::string& request_id, Outcome outcome, const Instance* inst, const EventMembers& extra) {
  EventBody body = NewEvent(EventKind::kAction, actor, user);
  body.Set(Ev::kAction, json::Str(action));
  body.Set(Ev::kInstance, json::Str(instance));
  body.Set(Ev::kRefused, json::Bool(true));
  body.Set(Ev::kReason, json::Str(code));
  body.Set(Ev::kMessage, json::Str(message));
  body.Set(Ev::kRequestId, json::OptStr(request_id));
  body.Set(Ev::kDefinitions, json::Str(inst ? inst->definitions : current_hash_));
  if (inst) {
    body.Set(Ev::kWorkflow, json::Str(inst->workflow));
    body.Set(Ev::kFrom, json::Str(inst->state));
    body.Set(Ev::kJurisdiction, json::Str(inst->division));
  }
  body.Set(extra);
  auto ev = AppendEvent(body);
  if (!ev.ok()) return Failure(instance, Outcome::kCannotRun, "store", ev.status().message());
  return Failure(instance, outcome, code, message);
}

// A request id names one request of one actor, store-wide. The request itself is
// summed up by a fingerprint (who, what, on what, with which inputs) that every event
// of the request carries as `request`. The same id with the same fingerprint is a
// repetition: it has no second effect and gets the first answer again. The same id
// with anything else is refused, and the refusal names no one: an id is not a way to
// learn who else is at work.
static std::string RequestFingerprint(Doc request) { return gridstat::Sha256Hex(json::Canonical(request)); }

std::optional<ActionResult> StoreImpl::Repeated(const std::string& request_id, const std::string& instance,
                                                const std::string& actor, const std::string& action) {
  if (request_id.empty()) return std::nullopt;
  Stmt first(db_.get(), "SELECT body FROM events WHERE request_id = ? ORDER BY seq LIMIT 1");
  first.Bind(1, request_id);
  if (!first.Step()) return std::nullopt;
  auto was = ParseJsonDocument(first.Text(0));
  ActionResult r;
  r.instance = instance;
  if (!actor.empty()) {
    const std::string* was_actor = was.ok() ? json::GetStr(*was, "actor") : nullptr;
    const std::string* was_action = was.ok() ? json::GetStr(*was, "action") : nullptr;
    const std::string* was_request = was.ok() ? json::GetStr(*was, "request") : nullptr;
    // Events written before fingerprints existed are compared by actor and action.
    bool same = was_actor && *was_actor == actor && was_action && *was_action == action &&
                (!was_request || *was_request == request_fp_);
    if (!same) {
      r.outcome = Outcome::kRefused;
      r.code = "request_id_reused";
      r.message = Msg("请求编号 " + request_id + " 已用于另一个请求,未执行;请换一个编号",
                      "request id " + request_id + " was already used for another request; nothing was done; use a new id");
      return r;
    }
  }
  Stmt s(db_.get(), "SELECT body FROM events WHERE request_id = ? AND instance = ? ORDER BY seq LIMIT 1");
  s.Bind(1, request_id).Bind(2, instance);
  // The same request, but no answer for this instance: it was never reached (an old
  // per-instance id, or a request refused before it got this far). It runs now.
  if (!s.Step()) return std::nullopt;
  r.repeated = true;
  auto body = ParseJsonDocument(s.Text(0));
  if (body.ok()) {
    const Doc* refused = body->Find("refused");
    if (refused && refused->boolean) {
      const std::string* code = json::GetStr(*body, "reason");
      const std::string* msg = json::GetStr(*body, "message");
      r.outcome = code && (*code == "stale_version" || *code == "conflict") ? Outcome::kConflict : Outcome::kRefused;
      r.code = code ? *code : "";
      r.message = msg ? *msg : "";
    }
  }
  if (r.message.empty()) r.message = Msg("请求 " + request_id + " 已处理过,未重复执行", "request " + request_id + " was already handled; nothing was done again");
  return r;
}

// A lost race: the instance's last change, by someone else, moved it away from a state
// `a` starts from. Returns who made that change.
std::optional<std::string> StoreImpl::LostRace(const Instance& inst, const WorkflowDef& wf, const ActionDef& a,
                                               const std::string& actor) {
  Stmt last(db_.get(), "SELECT body FROM events WHERE instance = ? ORDER BY seq DESC");
  last.Bind(1, inst.id);
  while (last.Step()) {
    auto b = ParseJsonDocument(last.Text(0));
    if (!b.ok()) return std::nullopt;
    const Doc* refused = b->Find("refused");
    if (refused && refused->boolean) continue;
    const std::string* prev = json::GetStr(*b, "from");
    const std::string* who = json::GetStr(*b, "actor");
    if (prev && who && *who != actor && json::GetInt(*b, "version") == inst.version &&
        std::find(a.from.begin(), a.from.end(), wf.FindState(*prev)) != a.from.end())
      return *who;
    return std::nullopt;
  }
  return std::nullopt;
}

// ---- act ------------------------------------------------------------------
std::vector<ActionResult> StoreImpl::Act(const ActRequest& req) {
  std::vector<ActionResult> out;
  if (req.if_version && *req.if_version < 0) {
    for (auto& id : req.instances)
      out.push_back(Failure(id, Outcome::kCannotRun, "usage", Msg("版本号不能为负数", "a version cannot be negative")));
    return out;
  }
  {
    std::vector<std::string> ids = req.instances;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    Doc list = json::Arr();
    for (auto& id : ids) list.items.push_back(json::Str(id));
    RequestScope scope(this, req.request_id.empty() ? "" : RequestFingerprint(json::Obj({
        {"command", json::Str("act")}, {"actor", json::Str(req.actor)}, {"action", json::Str(req.action)},
        {"instances", list}, {"comment", json::Str(req.comment)}, {"target", json::Str(req.target)},
        {"if_version", req.if_version ? json::Int(*req.if_version) : json::Null()}})));
    return ActLocked(req);
  }
}

std::vector<ActionResult> StoreImpl::ActLocked(const ActRequest& req) {
  std::vector<ActionResult> out;
  Status st = BeginCommand();
  if (!st.ok()) {
    for (auto& id : req.instances)
      out.push_back(Failure(id, db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message()));
    return out;
  }
  const User* user = org_.FindUser(req.actor);
  for (const auto& id : req.instances) {
    if (StepFailed(out)) break;
    if (auto rep = Repeated(req.request_id, id, req.actor, req.action)) {
      if (rep->code == "request_id_reused")
        out.push_back(Refuse(id, req.actor, org_.FindUser(req.actor), req.action, rep->code, rep->message, "", Outcome::kRefused, nullptr));
      else
        out.push_back(*rep);
      continue;
    }
    auto inst = GetInstance(id);
    if (!user) {
      out.push_back(Refuse(id, req.actor, nullptr, req.action, "no_user", Msg("用户「" + req.actor + "」不存在", "no user '" + req.actor + "'"),
                           req.request_id, Outcome::kRefused, nullptr));
      continue;
    }
    if (!inst || !CanSee(*user, *inst)) {
      out.push_back(Refuse(id, req.actor, user, req.action, "no_access",
                           Msg("实例「" + id + "」不存在或不在您的辖区内", "instance '" + id + "' does not exist or is outside your jurisdiction"),
                           req.request_id, Outcome::kRefused, nullptr));
      continue;
    }
    auto prog = ProgramFor(inst->definitions);
    if (!prog.ok()) { out.push_back(Failure(id, Outcome::kCannotRun, "store", prog.status().message())); continue; }
    int w = (*prog)->FindWorkflow(inst->workflow);
    if (w < 0) { out.push_back(Failure(id, Outcome::kCannotRun, "store", "workflow " + inst->workflow + " is not in its definitions")); continue; }
    out.push_back(ActOne(user, req.actor, *inst, (*prog)->workflows[w], req));
  }
  for (size_t i = out.size(); i < req.instances.size(); ++i)
    out.push_back(Failure(req.instances[i], Outcome::kCannotRun, "store", Msg("存储出错,未执行", "store error; nothing was done")));
  FinishCommand(&out);
  return out;
}

// Every write command ends here when it went through: the commit, then what follows a
// commit (an automatic checkpoint when one is due; its failure does not undo the command).
Status StoreImpl::CommitCommand() {
  Status st = db_->Commit();
  if (st.ok()) AfterCommit();
  return st;
}

// Another user published new definitions between a command's checks and its transaction.
std::vector<ActionResult> StoreImpl::DefinitionsChanged() {
  db_->Rollback();
  return {Failure("", Outcome::kConflict, "conflict", Msg("定义刚刚发布了新版本,未执行;请重试", "new definitions were just published; nothing was done; try again"))};
}

bool StoreImpl::StepFailed(const std::vector<ActionResult>& out) const {
  return db_->failed() || (!out.empty() && out.back().outcome == Outcome::kCannotRun);
}

// A command is one transaction: when any step of it could not be stored, nothing of it
// is, and every result says so (a refusal that was to be recorded was not recorded
// either). Only a commit that went through makes the results true.
void StoreImpl::FinishCommand(std::vector<ActionResult>* out) {
  bool failed = db_->failed() || std::any_of(out->begin(), out->end(), [](auto& r) { return r.outcome == Outcome::kCannotRun; });
  Status st = failed ? (db_->failed() ? db_->failure() : Status::Io("")) : CommitCommand();
  if (failed) db_->Rollback();
  if (!failed && st.ok()) return;
  bool busy = db_->busy();
  std::string why = Msg("存储出错,未执行", "store error; nothing was done");
  std::string detail = !st.message().empty() ? st.message() : std::string();
  for (auto& r : *out) {
    if (r.outcome == Outcome::kCannotRun && !r.message.empty()) continue;
    r = Failure(r.instance, busy ? Outcome::kConflict : Outcome::kCannotRun, "store", detail.empty() ? why : why + ": " + detail);
  }
  if (out->empty()) out->push_back(Failure("", busy ? Outcome::kConflict : Outcome::kCannotRun, "store", detail.empty() ? why : why + ": " + detail));
}

ActionResult StoreImpl::ActOne(const User* user, const std::string& actor, Instance inst, const WorkflowDef& wf,
                               const ActRequest& req) {
  const compile::Program& prog = *ProgramFor(inst.definitions).value();
  auto refuse = [&](const std::string& code, const std::string& zh, const std::string& en, Outcome o = Outcome::kRefused) {
    return Refuse(inst.id, actor, user, req.action, code, Msg(zh, en), req.request_id, o, &inst);
  };
  int ai = wf.FindAction(req.action);
  if (ai < 0 || wf.actions[ai].needs_submission || wf.actions[ai].from_none) {
    std::vector<std::string> names;
    for (auto& a : wf.actions) if (!a.needs_submission && !a.from_none) names.push_back(a.name);
    return refuse("unknown_action", "流程 " + wf.name + " 不能用 act 执行「" + req.action + "」(可用: " + Join(names, "、") + ";报表用 gridstat submit 提交)",
                  "workflow " + wf.name + " has no act action '" + req.action + "' (use " + Join(names, ", ") + "; submissions go through gridstat submit)");
  }
  const ActionDef& a = wf.actions[ai];
  if (!MayTake(*user, prog, a, inst.division))
    return refuse("no_permission", "角色 " + user->role + "(" + user->division + ")不能对该实例执行「" + a.label + "」(" + a.name + ")",
                  "role " + user->role + " (" + user->division + ") may not take '" + a.name + "' on this instance");
  // The version check comes after the permission check: a stranger learns nothing of versions.
  if (req.if_version && *req.if_version != inst.version)
    return refuse("stale_version", "实例已是第 " + std::to_string(inst.version) + " 版,不是您看到的第 " + std::to_string(*req.if_version) + " 版;请刷新后重试",
                  "instance is at version " + std::to_string(inst.version) + ", not " + std::to_string(*req.if_version) + "; reload and retry",
                  Outcome::kConflict);
  Policy policy(prog);
  Verdict step = policy.Judge(wf, a, Step{false, inst.state, inst.division, req.comment, req.target});
  if (step.code == "wrong_state")
    if (auto who = LostRace(inst, wf, a, actor))
      return refuse("conflict", "冲突:实例刚被 " + *who + " 改为「" + inst.state + "」,您的「" + a.label + "」未执行",
                    "conflict: " + *who + " just moved the instance to '" + inst.state + "'; your '" + a.name + "' was not applied",
                    Outcome::kConflict);
  if (!step.ok()) return refuse(step.code, step.zh, step.en);
  std::string new_division = step.jurisdiction;
  if (!a.guards.empty()) {
    auto rev = LatestRevision(inst.id, false);
    // The policy's judgement, the auditor's too (policy.h), so that the two cannot drift.
    if (auto failing = workflow::ActGuardFailure(prog, wf, a, rev ? &rev->envelope : nullptr, rev ? &rev->findings : nullptr, lang_))
      return refuse("guard", *failing, *failing);
  }
  // Applied: one event, then the derived rows.
  std::string before = inst.state, before_division = inst.division;
  inst.state = step.to;
  inst.division = new_division;
  inst.version += 1;
  EventBody body = NewEvent(EventKind::kAction, actor, user);
  body.Set(Ev::kAction, json::Str(a.name));
  body.Set(Ev::kWorkflow, json::Str(wf.name));
  body.Set(Ev::kInstance, json::Str(inst.id));
  body.Set(Ev::kFrom, json::Str(before));
  body.Set(Ev::kTo, json::Str(inst.state));
  body.Set(Ev::kJurisdictionBefore, json::Str(before_division));
  body.Set(Ev::kJurisdiction, json::Str(inst.division));
  body.Set(Ev::kVersion, json::Int(inst.version));
  body.Set(Ev::kRefused, json::Bool(false));
  body.Set(Ev::kComment, json::OptStr(req.comment));
  body.Set(Ev::kTarget, json::OptStr(req.target));
  body.Set(Ev::kRequestId, json::OptStr(req.request_id));
  body.Set(Ev::kDefinitions, json::Str(inst.definitions));
  if (a.registers_unit) {
    auto rev = LatestRevision(inst.id, false);
    if (!rev) return refuse("guard", "没有已提交的核查记录,不能验收", "no submitted record to accept");
    auto doc = ParseJsonDocument(rev->envelope);
    const Doc* data = doc.ok() ? doc->Find("data") : nullptr;
    const std::string* uscc = data ? json::GetStr(*data, a.register_key) : nullptr;
    if (!uscc || uscc->empty())
      return refuse("guard", "核查记录没有「" + a.register_key + "」,不能登记到名录库", "the record has no " + a.register_key + " to register");
    body.Set(Ev::kUnit, json::Obj({{"uscc", json::Str(*uscc)}, {"revision", json::Int(rev->revision)}}));
    auto ev = AppendEvent(body);
    if (!ev.ok()) return Failure(inst.id, Outcome::kCannotRun, "store", ev.status().message());
    Stmt up(db_.get(), "INSERT INTO units(uscc, instance, revision, division, data, accepted_seq) VALUES(?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT(uscc) DO UPDATE SET instance=excluded.instance, revision=excluded.revision, "
                       "division=excluded.division, data=excluded.data, accepted_seq=excluded.accepted_seq");
    up.Bind(1, *uscc).Bind(2, inst.id).Bind(3, rev->revision).Bind(4, inst.division).Bind(5, json::Canonical(*data))
        .Bind(6, json::GetInt(*ev, "seq"));
    Status st = up.Run();
    if (!st.ok()) return Failure(inst.id, Outcome::kCannotRun, "store", st.message());
  } else {
    auto ev = AppendEvent(body);
    if (!ev.ok()) return Failure(inst.id, Outcome::kCannotRun, "store", ev.status().message());
  }
  Status st = PutInstance(inst, false);
  if (!st.ok()) return Failure(inst.id, Outcome::kCannotRun, "store", st.message());
  ActionResult r;
  r.instance = inst.id;
  r.changed = true;  // a new state or version, and perhaps a new jurisdiction
  return r;
}

// The event that creates an instance, then its row.
Status StoreImpl::CreateInstance(const std::string& actor, const User* user, const std::string& action, Instance* inst,
                                 const std::string& request_id, const EventMembers& extra) {
  EventBody body = NewEvent(EventKind::kAction, actor, user);
  body.Set(Ev::kAction, json::Str(action));
  body.Set(Ev::kWorkflow, json::Str(inst->workflow));
  body.Set(Ev::kInstance, json::Str(inst->id));
  body.Set(Ev::kSurvey, json::Str(inst->survey));
  body.Set(Ev::kPeriod, json::Str(inst->period));
  body.Set(Ev::kRecordKey, json::Str(inst->record_key));
  body.Set(Ev::kFrom, json::Null());
  body.Set(Ev::kTo, json::Str(inst->state));
  body.Set(Ev::kJurisdiction, json::Str(inst->division));
  body.Set(Ev::kVersion, json::Int(inst->version));
  body.Set(Ev::kRefused, json::Bool(false));
  body.Set(Ev::kRequestId, json::OptStr(request_id));
  body.Set(Ev::kDefinitions, json::Str(inst->definitions));
  body.Set(extra);
  auto ev = AppendEvent(body);
  if (!ev.ok()) return ev.status();
  inst->created_seq = json::GetInt(*ev, "seq");
  return PutInstance(*inst, true);
}

// ---- release ----------------------------------------------------------------
std::vector<ActionResult> StoreImpl::Release(const std::string& actor, const std::string& survey, const std::string& period,
                                             const std::string& under, const std::string& request_id) {
  std::vector<ActionResult> out;
  Status fresh = Refresh();
  if (!fresh.ok()) { out.push_back(Failure("", Outcome::kCannotRun, "store", fresh.message())); return out; }
  const auto prog = current_;  // what the checks below read; the transaction must see the same
  const WorkflowDef* wf = WorkflowFor(*current_, survey);
  const ActionDef* a = nullptr;
  if (wf) for (auto& x : wf->actions) if (x.creates == ActionDef::Creates::kVillages) a = &x;
  if (!a) {
    out.push_back(Failure("", Outcome::kCannotRun, "usage", Msg("没有流程可以下发调查表「" + survey + "」", "no workflow releases survey '" + survey + "'")));
    return out;
  }
  if (!Validator(current_).PreviousPeriod(survey, period)) {
    out.push_back(Failure("", Outcome::kCannotRun, "usage", Msg("报告期「" + period + "」格式不符合调查表 " + survey, "period '" + period + "' does not fit survey " + survey)));
    return out;
  }
  RequestScope request(this, request_id.empty() ? "" : RequestFingerprint(json::Obj({
      {"command", json::Str("release")}, {"actor", json::Str(actor)}, {"survey", json::Str(survey)},
      {"period", json::Str(period)}, {"under", json::Str(under)}})));
  Status st = BeginCommand();
  if (!st.ok()) { out.push_back(Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message())); return out; }
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
      out.assign(1, Failure("", Outcome::kCannotRun, "store", st.message()));
      return out;
    }
    ActionResult r;
    r.instance = inst.id;
    r.changed = true;
    out.push_back(r);
  }
  if (!(st = CommitCommand()).ok()) { db_->Rollback(); out.assign(1, Failure("", Outcome::kCannotRun, "store", st.message())); return out; }
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
  if (!fresh.ok()) { out.push_back(Failure("", Outcome::kCannotRun, "store", fresh.message())); return out; }
  const auto prog = current_;  // what the checks below read; the transaction must see the same
  int w = current_->FindWorkflow(workflow);
  const ActionDef* a = nullptr;
  if (w >= 0) for (auto& x : current_->workflows[w].actions) if (x.creates == ActionDef::Creates::kRows) a = &x;
  if (!a) {
    out.push_back(Failure("", Outcome::kCannotRun, "usage", Msg("流程「" + workflow + "」不能导入任务", "workflow '" + workflow + "' does not import tasks")));
    return out;
  }
  const WorkflowDef& wf = current_->workflows[w];
  const std::string& survey = current_->surveys[wf.survey].name;
  if (!Validator(current_).PreviousPeriod(survey, period)) {
    out.push_back(Failure("", Outcome::kCannotRun, "usage", Msg("报告期「" + period + "」格式不符合调查表 " + survey, "period '" + period + "' does not fit survey " + survey)));
    return out;
  }
  auto text = gridstat::ReadInputFile(file, size_t{1} << 30);
  if (!text.ok()) { out.push_back(Failure("", Outcome::kCannotRun, "usage", text.status().message())); return out; }
  Status st = BeginCommand();
  if (!st.ok()) { out.push_back(Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message())); return out; }
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
        out.push_back(Failure(where, Outcome::kDone, "exists", Msg(where + ": 任务 " + *id + " 已导入,未重复创建", where + ": task " + *id + " exists; not created again")));
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
      out.assign(1, Failure("", Outcome::kCannotRun, "store", st.message()));
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

// ---- submit -------------------------------------------------------------------
std::vector<ActionResult> StoreImpl::Submit(const std::string& actor, const std::vector<Envelope>& subs,
                                            const std::string& instance_id, bool draft, const std::string& request_id) {
  std::vector<ActionResult> out;
  std::string fp;
  if (!request_id.empty()) {
    Doc data = json::Arr();
    for (const Envelope& e : subs) data.items.push_back(json::Str(gridstat::Sha256Hex(json::Canonical(EnvelopeDoc(e)))));
    fp = RequestFingerprint(json::Obj({{"command", json::Str("submit")}, {"actor", json::Str(actor)}, {"draft", json::Bool(draft)},
                                       {"instance", json::Str(instance_id)}, {"submissions", data}}));
  }
  RequestScope request(this, fp);
  Status st = BeginCommand();
  if (!st.ok()) {
    out.push_back(Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message()));
    return out;
  }
  const User* user = org_.FindUser(actor);
  for (const Envelope& raw : subs) {
    if (StepFailed(out)) {
      out.push_back(Failure(raw.file + ":" + std::to_string(raw.line), Outcome::kCannotRun, "store", Msg("存储出错,未执行", "store error; nothing was done")));
      continue;
    }
    const WorkflowDef* cwf = WorkflowFor(*current_, raw.survey);
    std::string where = raw.file + ":" + std::to_string(raw.line);
    if (!cwf) {
      out.push_back(Refuse(where, actor, user, draft ? "save" : "submit", "no_workflow",
                           Msg(where + ": 没有流程承载调查表「" + raw.survey + "」", where + ": no workflow carries survey '" + raw.survey + "'"),
                           request_id, Outcome::kRefused, nullptr));
      continue;
    }
    // Find the instance: named outright, or by survey, period and record key.
    std::optional<Instance> inst;
    std::string id = instance_id;
    std::string key;
    if (!id.empty()) {
      inst = GetInstance(id);
    } else {
      auto k = Validator(current_).RecordKey(raw);
      if (!k) {
        out.push_back(Refuse(where, actor, user, draft ? "save" : "submit", "no_key",
                             Msg(where + ": 报表缺少记录键,无法确定对应的实例", where + ": the submission lacks its record key; cannot find its instance"),
                             request_id, Outcome::kRefused, nullptr));
        continue;
      }
      key = *k;
      Stmt s(db_.get(), "SELECT id FROM instances WHERE workflow = ? AND period = ? AND record_key = ?");
      s.Bind(1, cwf->name).Bind(2, raw.period).Bind(3, key);
      if (s.Step()) { id = s.Text(0); inst = GetInstance(id); }
      else id = cwf->name + "/" + raw.period + "/" + RecordKeyForId(key);
    }
    if (auto rep = Repeated(request_id, id, actor, draft ? "save" : "submit")) {
      if (rep->code == "request_id_reused")
        out.push_back(Refuse(id, actor, user, draft ? "save" : "submit", rep->code, rep->message, "", Outcome::kRefused, nullptr));
      else
        out.push_back(*rep);
      continue;
    }
    auto prog_r = ProgramFor(inst ? inst->definitions : current_hash_);
    if (!prog_r.ok()) { out.push_back(Failure(id, Outcome::kCannotRun, "store", prog_r.status().message())); continue; }
    const compile::Program& prog = **prog_r;
    const WorkflowDef& wf = prog.workflows[prog.FindWorkflow(inst ? inst->workflow : cwf->name)];
    const ActionDef* a = nullptr;
    for (auto& x : wf.actions) if (x.needs_submission && x.is_save == draft) a = &x;
    std::string action = a ? a->name : (draft ? "save" : "submit");
    if (!user) {
      out.push_back(Refuse(id, actor, nullptr, action, "no_user", Msg("用户「" + actor + "」不存在", "no user '" + actor + "'"), request_id, Outcome::kRefused, nullptr));
      continue;
    }
    if (!a) {
      out.push_back(Refuse(id, actor, user, action, "unknown_action", Msg("流程 " + wf.name + " 没有提交动作", "workflow " + wf.name + " takes no submissions"), request_id, Outcome::kRefused, nullptr));
      continue;
    }
    bool create = !inst;
    if (create && (!a->from_none || !instance_id.empty())) {
      out.push_back(Refuse(id, actor, user, action, "no_access",
                           Msg("实例「" + id + "」不存在或不在您的辖区内(报表须先下发或导入)", "instance '" + id + "' does not exist or is outside your jurisdiction (release or import it first)"),
                           request_id, Outcome::kRefused, nullptr));
      continue;
    }
    if (!create && !CanSee(*user, *inst)) {
      out.push_back(Refuse(id, actor, user, action, "no_access",
                           Msg("实例「" + id + "」不存在或不在您的辖区内", "instance '" + id + "' does not exist or is outside your jurisdiction"),
                           request_id, Outcome::kRefused, nullptr));
      continue;
    }
    Instance cur;
    if (create) {
      cur.id = id;
      cur.workflow = wf.name;
      cur.survey = raw.survey;
      cur.period = raw.period;
      cur.record_key = key;
      cur.division = raw.division;
      cur.definitions = current_hash_;
    } else {
      cur = *inst;
    }
    auto refuse = [&](const std::string& code, const std::string& zh, const std::string& en, EventMembers extra = {}) {
      return Refuse(id, actor, user, action, code, Msg(zh, en), request_id, Outcome::kRefused, create ? nullptr : &cur, std::move(extra));
    };
    if (!MayTake(*user, prog, *a, cur.division)) {
      out.push_back(refuse("no_permission", "角色 " + user->role + "(" + user->division + ")不能对该实例执行「" + a->label + "」",
                           "role " + user->role + " (" + user->division + ") may not take '" + a->name + "' on this instance"));
      continue;
    }
    Verdict step = Policy(prog).Judge(wf, *a, Step{create, cur.state, cur.division, "", ""});
    if (!step.ok()) {
      if (auto who = step.code == "wrong_state" && !create ? LostRace(cur, wf, *a, actor) : std::nullopt) {
        out.push_back(Refuse(id, actor, user, action, "conflict",
                             Msg("冲突:实例刚被 " + *who + " 改为「" + cur.state + "」,您的「" + a->label + "」未执行",
                                 "conflict: " + *who + " just moved the instance to '" + cur.state + "'; your '" + a->name + "' was not applied"),
                             request_id, Outcome::kConflict, &cur));
        continue;
      }
      out.push_back(refuse(step.code, step.zh, step.en));
      continue;
    }
    if (raw.survey != cur.survey || raw.period != cur.period || raw.division != cur.division) {
      out.push_back(refuse("mismatch", "报表的调查表、报告期或区划(" + raw.survey + " " + raw.period + " " + raw.division + ")与实例(" + cur.survey + " " + cur.period + " " + cur.division + ")不一致",
                           "the submission's survey, period or division (" + raw.survey + " " + raw.period + " " + raw.division + ") differs from the instance's (" + cur.survey + " " + cur.period + " " + cur.division + ")"));
      continue;
    }
    // The stored form is canonical, and the report is made from exactly that form,
    // so that replay reproduces it byte for byte.
    std::string envelope = json::Canonical(EnvelopeDoc(raw));
    const auto& sdef = prog.surveys[wf.survey];
    // The report, as the policy makes a stored revision's (policy.h): under the instance's
    // definitions, against the accepted revision of the previous period, with the
    // explanations that counted in the latest submitted revision before it.
    std::optional<Revision> previous_rev;
    if (sdef.uses_prev) {
      auto pp = Validator(*prog_r).PreviousPeriod(cur.survey, cur.period);
      std::string prev_id = pp ? AcceptedInstance(wf.name, *pp, cur.record_key) : std::string();
      if (!prev_id.empty()) previous_rev = LatestRevision(prev_id, false);
    }
    std::string prev_instance = previous_rev ? previous_rev->instance : std::string();
    int64_t prev_revision = previous_rev ? previous_rev->revision : 0;
    ExplanationHistory earlier;
    if (!create)
      if (auto submitted = LatestRevision(id, false)) earlier = workflow::CountedExplanations(submitted->envelope, submitted->findings);
    workflow::RevisionInputs inputs;
    inputs.program = *prog_r;
    inputs.envelope = envelope;
    inputs.previous_envelope = previous_rev ? &previous_rev->envelope : nullptr;
    inputs.earlier = &earlier;
    Envelope env;
    Report report;
    std::string problem;
    if (!workflow::RevisionReport(inputs, &env, &report, &problem)) {
      out.push_back(Failure(id, Outcome::kCannotRun, "store", problem));
      continue;
    }
    std::string findings = ReportToJson(report);
    Report shown = report;  // in the caller's language; what is stored is always Chinese
    if (lang_ != Lang::kZh) {
      inputs.lang = lang_;
      Envelope unused;
      workflow::RevisionReport(inputs, &unused, &shown, &problem);
    }
    Revision rev;
    rev.instance = id;
    auto latest = create ? std::nullopt : LatestRevision(id, true);
    rev.revision = latest ? latest->revision + 1 : 1;
    rev.draft = draft;
    rev.envelope = envelope;
    rev.data_hash = gridstat::Sha256Hex(envelope);
    rev.findings = findings;
    rev.findings_hash = gridstat::Sha256Hex(findings);
    rev.status = StatusName(report.status);
    rev.definitions = cur.definitions;
    rev.previous_instance = prev_instance;
    rev.previous_revision = prev_revision;
    Doc sub = json::Obj({{"revision", json::Int(rev.revision)}, {"draft", json::Bool(draft)}, {"data_hash", json::Str(rev.data_hash)},
                         {"findings_hash", json::Str(rev.findings_hash)}, {"status", json::Str(rev.status)},
                         {"report_format", json::Int(Validator::kReportFormat)},
                         {"previous", prev_instance.empty() ? json::Null() : json::Obj({{"instance", json::Str(prev_instance)}, {"revision", json::Int(prev_revision)}})}});
    if (!draft) {
      if (auto failing = validate::FailingGuard(prog, sdef, env, report, a->guards, lang_)) {
        std::string zh = *failing, en = *failing;
        for (auto& f : report.findings) {
          if (!f.stale_explanation) continue;
          zh += ";「" + f.rule + "」的说明原样沿用自上一版,而它说明的数值已改变:请重写说明,或写成 {\"text\": 说明, \"digest\": \"" + f.digest + "\"} 确认";
          en += "; the explanation of " + f.rule + " is carried over word for word from the previous revision, for other values: rewrite it, or confirm it as {\"text\": ..., \"digest\": \"" + f.digest + "\"}";
        }
        ActionResult r = refuse("guard", zh, en, {{Ev::kSubmission, sub}});
        r.report = shown;
        out.push_back(r);
        continue;
      }
    }
    std::string before = create ? "" : cur.state;
    if (!draft) {
      cur.state = wf.states[a->to].name;
      cur.version = create ? 1 : cur.version + 1;
    }
    EventBody body = NewEvent(EventKind::kAction, actor, user);
    body.Set(Ev::kAction, json::Str(a->name));
    body.Set(Ev::kWorkflow, json::Str(wf.name));
    body.Set(Ev::kInstance, json::Str(id));
    if (create) {
      body.Set(Ev::kSurvey, json::Str(cur.survey));
      body.Set(Ev::kPeriod, json::Str(cur.period));
      body.Set(Ev::kRecordKey, json::Str(cur.record_key));
    }
    body.Set(Ev::kFrom, create ? json::Null() : json::Str(before));
    body.Set(Ev::kTo, create && draft ? json::Null() : json::Str(cur.state));
    body.Set(Ev::kJurisdiction, json::Str(cur.division));
    body.Set(Ev::kVersion, json::Int(cur.version));
    body.Set(Ev::kRefused, json::Bool(false));
    body.Set(Ev::kRequestId, json::OptStr(request_id));
    body.Set(Ev::kDefinitions, json::Str(cur.definitions));
    body.Set(Ev::kSubmission, sub);
    if (create && draft) {
      out.push_back(refuse("no_instance", "新实例须先上报,不能只保存草稿", "a new instance starts with a submission, not a draft"));
      continue;
    }
    auto ev = AppendEvent(body);
    if (!ev.ok()) { out.push_back(Failure(id, Outcome::kCannotRun, "store", ev.status().message())); continue; }
    rev.seq = json::GetInt(*ev, "seq");
    if (create) cur.created_seq = rev.seq;
    if (!(st = PutRevision(rev)).ok() || !(st = PutInstance(cur, create)).ok()) {
      out.push_back(Failure(id, Outcome::kCannotRun, "store", st.message()));
      continue;
    }
    ActionResult r;
    r.instance = id;
    r.changed = !draft;
    r.report = shown;
    out.push_back(r);
  }
  FinishCommand(&out);
  return out;
}

// ---- definitions versions, migration, organisation ----------------------------
std::optional<ActionResult> StoreImpl::RefuseUnlessTopTier(const std::string& kind, const std::string& actor, const User* user) {
  if (TopTier(user)) return std::nullopt;
  ActionResult r = Failure("", Outcome::kRefused, user ? "no_permission" : "no_user",
                           user ? Msg("只有最上级的用户可以" + std::string(kind == "publish" ? "发布定义" : "更新组织机构"),
                                      "only a user of the top tier may " + std::string(kind == "publish" ? "publish definitions" : "update the organisation"))
                                : Msg("用户「" + actor + "」不存在", "no user '" + actor + "'"));
  return r;  // the caller records it, with the members of its kind
}

ActionResult StoreImpl::Publish(const PublishRequest& req, std::vector<Diagnostic>* diags, std::string* definitions) {
  auto compiled = CompileDirectory(req.defs_dir);
  *diags = compiled.diagnostics;
  if (!compiled.program) return Failure("", Outcome::kCannotRun, "compile", Msg("定义编译失败", "the definitions do not compile"));
  if (compiled.program->division_tree < 0)
    return Failure("", Outcome::kCannotRun, "compile", Msg("定义中没有区划树", "the definitions have no division tree"));
  if (req.skip_tests && req.comment.empty())
    return Failure("", Outcome::kCannotRun, "usage", Msg("跳过规则测试须说明理由(--comment)", "skipping the rule tests needs a comment (--comment)"));
  // The rule tests run before the write lock is taken: they may take a while.
  int64_t passed = 0, failed = 0;
  std::vector<std::string> failing;
  auto tests = RunRuleTests(req.defs_dir, compiled.program);
  if (!tests.ok()) {
    failed = 1;
    failing.push_back(tests.status().message());
  } else {
    for (auto& t : *tests) {
      if (t.passed) { ++passed; continue; }
      ++failed;
      if (failing.size() < 5) failing.push_back(t.file + ":" + std::to_string(t.line) + " " + t.name);
    }
  }
  const std::string hash = ProgramHash(*compiled.program);
  Status st = BeginCommand();
  if (!st.ok()) return Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
  const User* user = org_.FindUser(req.actor);
  EventBody body = NewEvent(EventKind::kPublish, req.actor, user);
  body.Set(Ev::kTests, json::Obj({{"passed", json::Int(passed)}, {"failed", json::Int(failed)}}));
  body.Set(Ev::kSkipTests, json::Bool(req.skip_tests));
  body.Set(Ev::kComment, json::OptStr(req.comment));
  ActionResult result;
  std::optional<ActionResult> refusal = RefuseUnlessTopTier("publish", req.actor, user);
  if (!refusal && failed > 0 && !req.skip_tests) {
    std::string list;
    for (auto& f : failing) list += (list.empty() ? "" : "; ") + f;
    refusal = Failure("", Outcome::kRefused, "tests_failed",
                      Msg("规则测试有 " + std::to_string(failed) + " 个未通过(" + list + "),未发布;请改正后再发布,或用 --skip-tests --comment 说明理由",
                          std::to_string(failed) + " rule tests fail (" + list + "); nothing was published; fix them, or use --skip-tests --comment"));
  }
  std::vector<ActionResult> out;
  if (refusal) {
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(refusal->code));
    body.Set(Ev::kMessage, json::Str(refusal->message));
    body.Set(Ev::kAttempted, json::Str(hash));
    body.Set(Ev::kDefinitions, json::Str(current_hash_));
    auto ev = AppendEvent(body);
    out.push_back(ev.ok() ? *refusal : Failure("", Outcome::kCannotRun, "store", ev.status().message()));
    FinishCommand(&out);
    return out[0];
  }
  auto stored = StoreDefinitions(compiled);
  if (!stored.ok()) { db_->Rollback(); return Failure("", Outcome::kCannotRun, "store", stored.status().message()); }
  Stmt meta(db_.get(), "UPDATE meta SET value = ? WHERE key = 'current_definitions'");
  meta.Bind(1, hash);
  body.Set(Ev::kRefused, json::Bool(false));
  body.Set(Ev::kDefinitions, json::Str(hash));
  auto ev = meta.Run().ok() ? AppendEvent(body) : Result<Doc>(db_->failure());
  if (ev.ok()) st = MarkStateChange(json::GetInt(*ev, "seq"));
  if (!ev.ok() || !st.ok()) { db_->Rollback(); return Failure("", Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message()); }
  Stmt pub(db_.get(), "UPDATE definitions SET published_seq = ? WHERE hash = ? AND published_seq = 0");
  pub.Bind(1, json::GetInt(*ev, "seq")).Bind(2, hash);
  if (!(st = pub.Run()).ok() || !(st = CommitCommand()).ok()) {
    db_->Rollback();
    return Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "store", st.message());
  }
  current_hash_ = hash;
  current_ = compiled.program;
  *definitions = hash;
  return result;
}

Status StoreImpl::RecordRefusal(const std::string& actor, const std::string& action, const std::string& where,
                                const std::string& code, const std::string& message) {
  Status st = BeginCommand();
  if (!st.ok()) return st;
  ActionResult r = Refuse(where, actor, org_.FindUser(actor), action, code, message, "", Outcome::kRefused, nullptr);
  if (r.outcome == Outcome::kCannotRun) { db_->Rollback(); return Status::Io(r.message); }
  st = CommitCommand();
  if (!st.ok()) db_->Rollback();
  return st;
}

bool StoreImpl::TopTier(const User* user) const {
  int r = user ? current_->FindRole(user->role) : -1;
  int top = 99;
  for (auto& t : current_->tiers) top = std::min(top, t.level);
  return r >= 0 && current_->roles[r].tier >= 0 && current_->tiers[current_->roles[r].tier].level == top;
}

ActionResult StoreImpl::ExportUnmasked(const Query& q, std::string* csv) {
  const std::string actor = q.as.value_or("");
  Status st = BeginCommand();
  if (!st.ok()) return Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
  const User* user = org_.FindUser(actor);
  EventBody body = NewEvent(EventKind::kExport, actor, user);
  body.Set(Ev::kUnmasked, json::Bool(true)).Set(Ev::kSurvey, json::Str(q.survey)).Set(Ev::kPeriod, json::Str(q.period))
      .Set(Ev::kUnder, json::Str(q.under)).Set(Ev::kDefinitions, json::Str(current_hash_));
  ActionResult result;
  int64_t rows = 0;
  if (!TopTier(user)) {
    result = Failure("", Outcome::kRefused, user ? "no_permission" : "no_user",
                     user ? Msg("只有最上级的用户可以导出完整的身份证号码", "only a user of the top tier may export ID numbers in full")
                          : Msg("用户「" + actor + "」不存在", "no user '" + actor + "'"));
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(result.code));
  } else {
    auto out = ExportCsvRows(q, true, &rows);
    if (!out.ok()) {
      db_->Rollback();
      return Failure("", Outcome::kCannotRun, "store", out.status().message());
    }
    *csv = std::move(*out);
    body.Set(Ev::kRefused, json::Bool(false));
    body.Set(Ev::kRows, json::Int(rows));
  }
  auto ev = AppendEvent(body);
  if (!ev.ok() || !(st = CommitCommand()).ok()) {
    db_->Rollback();
    csv->clear();  // not recorded, so not handed out
    return Failure("", Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message());
  }
  return result;
}

const std::string* MappedState(const std::map<std::string, std::string>& states, const std::string& workflow,
                               const std::string& state) {
  if (auto it = states.find(workflow + "." + state); it != states.end()) return &it->second;
  if (auto it = states.find(state); it != states.end()) return &it->second;
  return nullptr;
}

std::vector<ActionResult> StoreImpl::Migrate(const MigrateRequest& req) {
  const std::string& actor = req.actor;
  std::vector<ActionResult> out;
  Status st = BeginCommand();
  if (!st.ok()) { out.push_back(Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message())); return out; }
  const User* user = org_.FindUser(actor);
  if (!TopTier(user)) {
    int top = 99;
    for (auto& t : current_->tiers) top = std::min(top, t.level);
    out.push_back(Refuse("", actor, user, "migrate", user ? "no_permission" : "no_user",
                         user ? Msg("只有最上级(" + std::to_string(top) + " 级)的用户可以迁移实例的定义版本", "only a user of the top tier may migrate instances")
                              : Msg("用户「" + actor + "」不存在", "no user '" + actor + "'"),
                         "", Outcome::kRefused, nullptr));
    FinishCommand(&out);
    return out;
  }
  Doc map = json::Obj();
  for (auto& [from, to] : req.states) map.members.emplace_back(from, json::Str(to));
  // A mapping that cannot apply is a mistake in the request, not in one instance: it refuses
  // the whole request before anything moves.
  auto bad_map = [&](const std::string& id, const Instance* inst, const std::string& message) {
    out.push_back(Refuse(id, actor, user, "migrate", "bad_map", message, "", Outcome::kRefused, inst, {{Ev::kMap, map}}));
    FinishCommand(&out);
    return out;
  };
  for (auto& [key, to] : req.states) {
    const std::string given = key + "=" + to;
    size_t dot = key.find('.');
    std::string wf_name = dot == std::string::npos ? "" : key.substr(0, dot);
    std::string from = dot == std::string::npos ? key : key.substr(dot + 1);
    if (from.empty() || to.empty() || (dot != std::string::npos && (wf_name.empty() || from.find('.') != std::string::npos)))
      return bad_map("", nullptr, Msg("映射「" + given + "」的写法不对:应为 旧状态=新状态 或 流程.旧状态=新状态",
                                      "the mapping '" + given + "' is malformed: use OLD=NEW or WORKFLOW.OLD=NEW"));
    if (dot != std::string::npos) {
      int w = current_->FindWorkflow(wf_name);
      if (w < 0)
        return bad_map("", nullptr, Msg("映射「" + given + "」:当前定义中没有流程 " + wf_name,
                                        "the mapping '" + given + "': the current definitions have no workflow " + wf_name));
      const WorkflowDef& wf = current_->workflows[w];
      if (wf.FindState(to) < 0)
        return bad_map("", nullptr, Msg("映射「" + given + "」:当前定义的流程 " + wf_name + " 中没有状态 " + to,
                                        "the mapping '" + given + "': workflow " + wf_name + " of the current definitions has no state " + to));
      if (wf.FindState(from) >= 0)
        return bad_map("", nullptr, Msg("映射「" + given + "」:当前定义的流程 " + wf_name + " 仍有状态 " + from + ",--map 只用于已改名的状态",
                                        "the mapping '" + given + "': workflow " + wf_name + " of the current definitions still has state " + from +
                                            "; --map is only for renamed states"));
      continue;
    }
    bool has_to = false, fits = false;
    for (auto& wf : current_->workflows) {
      has_to |= wf.FindState(to) >= 0;
      fits |= wf.FindState(to) >= 0 && wf.FindState(from) < 0;
    }
    if (!has_to)
      return bad_map("", nullptr, Msg("映射「" + given + "」:当前定义的流程都没有状态 " + to,
                                      "the mapping '" + given + "': no workflow of the current definitions has state " + to));
    if (!fits)
      return bad_map("", nullptr, Msg("映射「" + given + "」无从适用:当前定义中有状态 " + to + " 的流程都仍有状态 " + from + ",--map 只用于已改名的状态",
                                      "the mapping '" + given + "' cannot apply: every workflow of the current definitions with state " + to +
                                          " still has state " + from + "; --map is only for renamed states"));
  }
  std::vector<std::string> targets = req.instances;
  if (targets.empty()) {
    Stmt s(db_.get(), "SELECT id FROM instances WHERE definitions != ? ORDER BY id");
    s.Bind(1, current_hash_);
    while (s.Step()) targets.push_back(s.Text(0));
  }
  // Every mapping an instance needs is judged before any instance moves.
  for (auto& id : targets) {
    auto inst = GetInstance(id);
    if (!inst || inst->definitions == current_hash_) continue;
    int w = current_->FindWorkflow(inst->workflow);
    if (w < 0 || current_->workflows[w].FindState(inst->state) >= 0) continue;
    const std::string* to = MappedState(req.states, inst->workflow, inst->state);
    if (to && current_->workflows[w].FindState(*to) < 0)
      return bad_map(id, &*inst, Msg("映射「" + inst->state + "=" + *to + "」不适用于实例 " + id + ":当前定义的流程 " + inst->workflow + " 中没有状态 " + *to +
                                         ";可用 --map " + inst->workflow + "." + inst->state + "=新状态 为该流程单独指明",
                                     "the mapping '" + inst->state + "=" + *to + "' does not fit instance " + id + ": workflow " + inst->workflow +
                                         " of the current definitions has no state " + *to + "; give its own with --map " + inst->workflow +
                                         "." + inst->state + "=NEW"));
  }
  for (auto& id : targets) {
    if (StepFailed(out)) break;
    auto inst = GetInstance(id);  // again: an id given twice is migrated once
    if (!inst) {
      out.push_back(Refuse(id, actor, user, "migrate", "no_instance", Msg("实例「" + id + "」不存在", "no instance '" + id + "'"), "", Outcome::kRefused, nullptr));
      continue;
    }
    if (inst->definitions == current_hash_) continue;
    int w = current_->FindWorkflow(inst->workflow);
    if (w < 0) {
      out.push_back(Refuse(id, actor, user, "migrate", "incompatible",
                           Msg("当前定义中没有流程 " + inst->workflow + ",不能迁移", "the current definitions lack workflow " + inst->workflow),
                           "", Outcome::kRefused, &*inst));
      continue;
    }
    std::string to = inst->state;
    if (current_->workflows[w].FindState(to) < 0) {
      const std::string* mapped = MappedState(req.states, inst->workflow, inst->state);
      if (!mapped) {
        out.push_back(Refuse(id, actor, user, "migrate", "incompatible",
                             Msg("当前定义的流程 " + inst->workflow + " 中没有状态 " + inst->state + ",不能迁移;如该状态已改名,请用 --map " +
                                     inst->state + "=新状态 指明",
                                 "workflow " + inst->workflow + " of the current definitions lacks state " + inst->state +
                                     "; if it was renamed, name its new state with --map " + inst->state + "=NEW"),
                             "", Outcome::kRefused, &*inst));
        continue;
      }
      to = *mapped;
    }
    std::string old = inst->definitions, before = inst->state;
    inst->definitions = current_hash_;
    inst->version += 1;
    inst->state = to;
    EventBody body = NewEvent(EventKind::kMigrate, actor, user);
    body.Set(Ev::kInstance, json::Str(id)).Set(Ev::kWorkflow, json::Str(inst->workflow)).Set(Ev::kFromDefinitions, json::Str(old))
        .Set(Ev::kDefinitions, json::Str(current_hash_)).Set(Ev::kVersion, json::Int(inst->version))
        .Set(Ev::kState, json::Str(inst->state)).Set(Ev::kJurisdiction, json::Str(inst->division));
    if (to != before) {  // a renamed state: the state it had, and the mapping that renamed it
      body.Set(Ev::kStateBefore, json::Str(before));
      body.Set(Ev::kMap, map);
    }
    auto ev = AppendEvent(body);
    if (!ev.ok() || !(st = PutInstance(*inst, false)).ok()) {
      db_->Rollback();
      out.assign(1, Failure(id, Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message()));
      return out;
    }
    ActionResult r;
    r.instance = id;
    r.changed = true;
    out.push_back(r);
  }
  FinishCommand(&out);
  return out;
}

ActionResult StoreImpl::OrgUpdate(const std::string& actor, const std::string& org_file, std::vector<Doc>* out_changes) {
  out_changes->clear();
  Status fresh = Refresh();
  if (!fresh.ok()) return Failure("", Outcome::kCannotRun, "store", fresh.message());
  const auto prog = current_;  // the organisation is checked against these definitions
  auto org = LoadOrg(org_file, *current_, lang_);
  if (!org.ok()) return Failure("", Outcome::kCannotRun, "usage", org.status().message());
  Status st = BeginCommand();
  if (!st.ok()) return Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
  if (current_ != prog) return DefinitionsChanged()[0];
  // The changes against the organisation as it is now, inside the transaction.
  std::vector<Doc> changes;
  for (auto& u : org->users) {
    const User* old = org_.FindUser(u.id);
    if (!old) changes.push_back(json::Obj({{"change", json::Str("user_added")}, {"id", json::Str(u.id)}, {"role", json::Str(u.role)}, {"division", json::Str(u.division)}}));
    else if (old->role != u.role || old->division != u.division || old->name != u.name)
      changes.push_back(json::Obj({{"change", json::Str("user_changed")}, {"id", json::Str(u.id)}, {"role", json::Str(u.role)}, {"division", json::Str(u.division)}}));
  }
  for (auto& u : org_.users)
    if (!org->FindUser(u.id)) changes.push_back(json::Obj({{"change", json::Str("user_removed")}, {"id", json::Str(u.id)}}));
  for (auto& g : org->grids) {
    const Grid* old = org_.FindGrid(g.code);
    if (!old || old->village != g.village || old->name != g.name)
      changes.push_back(json::Obj({{"change", json::Str(old ? "grid_changed" : "grid_added")}, {"code", json::Str(g.code)}, {"village", json::Str(g.village)}}));
  }
  for (auto& g : org_.grids)
    if (!org->FindGrid(g.code)) changes.push_back(json::Obj({{"change", json::Str("grid_removed")}, {"code", json::Str(g.code)}}));
  const User* user = org_.FindUser(actor);
  EventBody body = NewEvent(EventKind::kOrg, actor, user);
  std::vector<ActionResult> out;
  if (auto refusal = RefuseUnlessTopTier("org", actor, user)) {
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(refusal->code));
    body.Set(Ev::kMessage, json::Str(refusal->message));
    body.Set(Ev::kDefinitions, json::Str(current_hash_));
    auto ev = AppendEvent(body);
    out.push_back(ev.ok() ? *refusal : Failure("", Outcome::kCannotRun, "store", ev.status().message()));
    FinishCommand(&out);
    return out[0];
  }
  if (changes.empty()) {  // nothing to record
    db_->Rollback();
    return ActionResult();
  }
  Doc list = json::Arr();
  list.items = changes;
  body.Set(Ev::kRefused, json::Bool(false));
  body.Set(Ev::kOrg, OrgToDoc(*org));
  body.Set(Ev::kChanges, list);
  auto ev = AppendEvent(body);
  if (!ev.ok()) { db_->Rollback(); return Failure("", Outcome::kCannotRun, "store", ev.status().message()); }
  if (!(st = SaveOrg(*org)).ok() || !(st = MarkStateChange(json::GetInt(*ev, "seq"))).ok() || !(st = CommitCommand()).ok()) {
    db_->Rollback();
    return Failure("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "store", st.message());
  }
  org_ = *org;
  *out_changes = changes;
  ActionResult r;
  r.changed = true;
  return r;
}

}  // namespace gridstat::store
