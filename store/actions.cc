// act: one step of a workflow on one or more instances (approve, return, transfer, accept,
// ...), each judged by the policy (workflow/policy.h) and recorded as an event, allowed or
// refused. What every command shares is in command.cc.
#include <algorithm>

#include "common/json.h"
#include "store/store_impl.h"

namespace gridstat::store {

namespace {

using compile::ActionDef;
using compile::WorkflowDef;

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

// ---- act ------------------------------------------------------------------
std::vector<ActionResult> StoreImpl::Act(const ActRequest& req) {
  std::vector<ActionResult> out;
  if (req.if_version && *req.if_version < 0) {
    for (auto& id : req.instances)
      out.push_back(MakeResult(id, Outcome::kCannotRun, "usage", Msg("usage/negative_version")));
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
      out.push_back(MakeResult(id, db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message()));
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
      out.push_back(Refuse(id, req.actor, nullptr, req.action, "no_user", Msg("no_user", {{"user", req.actor}}),
                           req.request_id, Outcome::kRefused, nullptr));
      continue;
    }
    if (!inst || !CanSee(*user, *inst)) {
      out.push_back(Refuse(id, req.actor, user, req.action, "no_access", Msg("no_access", {{"instance", id}}),
                           req.request_id, Outcome::kRefused, nullptr));
      continue;
    }
    auto prog = ProgramFor(inst->definitions);
    if (!prog.ok()) { out.push_back(MakeResult(id, Outcome::kCannotRun, "store", prog.status().message())); continue; }
    int w = (*prog)->FindWorkflow(inst->workflow);
    if (w < 0) {  // a damaged store: in English, as the store's other failures (Status::message)
      out.push_back(MakeResult(id, Outcome::kCannotRun, "store",
                               Message(Lang::kEn, "store/no_workflow", {{"workflow", inst->workflow}})));
      continue;
    }
    out.push_back(ActOne(user, req.actor, *inst, (*prog)->workflows[w], req));
  }
  for (size_t i = out.size(); i < req.instances.size(); ++i)
    out.push_back(MakeResult(req.instances[i], Outcome::kCannotRun, "store", Msg("store")));
  FinishCommand(&out);
  return out;
}

ActionResult StoreImpl::ActOne(const User* user, const std::string& actor, Instance inst, const WorkflowDef& wf,
                               const ActRequest& req) {
  const compile::Program& prog = *ProgramFor(inst.definitions).value();
  auto refuse = [&](const std::string& code, const std::string& message, Outcome o = Outcome::kRefused) {
    return Refuse(inst.id, actor, user, req.action, code, message, req.request_id, o, &inst);
  };
  int ai = wf.FindAction(req.action);
  if (ai < 0 || wf.actions[ai].needs_submission || wf.actions[ai].from_none) {
    std::vector<std::string> names;
    for (auto& a : wf.actions) if (!a.needs_submission && !a.from_none) names.push_back(a.name);
    return refuse("unknown_action",
                  Msg("unknown_action/act", {{"workflow", wf.name}, {"action", req.action},
                                             {"actions", Join(names, Msg("action_list_separator"))}}));
  }
  const ActionDef& a = wf.actions[ai];
  if (!MayTake(*user, prog, a, inst.division)) {
    // Chinese names the action by its label and its name, English by its name.
    std::string action = lang_ == Lang::kEn ? a.name : Msg("action_title", {{"label", a.label}, {"name", a.name}});
    return refuse("no_permission",
                  Msg("no_permission/act", {{"role", user->role}, {"division", user->division}, {"action", action}}));
  }
  // The version check comes after the permission check: a stranger learns nothing of versions.
  if (req.if_version && *req.if_version != inst.version)
    return refuse("stale_version",
                  Msg("stale_version",
                      {{"version", std::to_string(inst.version)}, {"seen", std::to_string(*req.if_version)}}),
                  Outcome::kConflict);
  Policy policy(prog);
  Verdict step = policy.Judge(wf, a, Step{false, inst.state, inst.division, req.comment, req.target});
  if (step.code == "wrong_state")
    if (auto who = LostRace(inst, wf, a, actor))
      return refuse("conflict", Msg("conflict", {{"user", *who}, {"state", inst.state}, {"action", ActionName(a)}}),
                    Outcome::kConflict);
  if (!step.ok()) return refuse(step.code, step.message.in(lang_));
  std::string new_division = step.jurisdiction;
  if (!a.guards.empty()) {
    auto rev = LatestRevision(inst.id, false);
    // The policy's judgement, the auditor's too (policy.h), so that the two cannot drift.
    if (auto failing = workflow::ActGuardFailure(prog, wf, a, rev ? &rev->envelope : nullptr, rev ? &rev->findings : nullptr, lang_))
      return refuse("guard", *failing);
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
    if (!rev) return refuse("guard", Msg("guard/no_record"));
    auto doc = ParseJsonDocument(rev->envelope);
    const Doc* data = doc.ok() ? doc->Find("data") : nullptr;
    const std::string* uscc = data ? json::GetStr(*data, a.register_key) : nullptr;
    if (!uscc || uscc->empty())
      return refuse("guard", Msg("guard/no_register_key", {{"field", a.register_key}}));
    body.Set(Ev::kUnit, json::Obj({{"uscc", json::Str(*uscc)}, {"revision", json::Int(rev->revision)}}));
    auto ev = AppendEvent(body);
    if (!ev.ok()) return MakeResult(inst.id, Outcome::kCannotRun, "store", ev.status().message());
    Stmt up(db_.get(), "INSERT INTO units(uscc, instance, revision, division, data, accepted_seq) VALUES(?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT(uscc) DO UPDATE SET instance=excluded.instance, revision=excluded.revision, "
                       "division=excluded.division, data=excluded.data, accepted_seq=excluded.accepted_seq");
    up.Bind(1, *uscc).Bind(2, inst.id).Bind(3, rev->revision).Bind(4, inst.division).Bind(5, json::Canonical(*data))
        .Bind(6, json::GetInt(*ev, "seq"));
    Status st = up.Run();
    if (!st.ok()) return MakeResult(inst.id, Outcome::kCannotRun, "store", st.message());
  } else {
    auto ev = AppendEvent(body);
    if (!ev.ok()) return MakeResult(inst.id, Outcome::kCannotRun, "store", ev.status().message());
  }
  Status st = PutInstance(inst, false);
  if (!st.ok()) return MakeResult(inst.id, Outcome::kCannotRun, "store", st.message());
  ActionResult r;
  r.instance = inst.id;
  r.changed = true;  // a new state or version, and perhaps a new jurisdiction
  return r;
}

}  // namespace gridstat::store
