// Changes to the whole store, for a user of the top tier: publish (a new definitions
// version, after its rule tests), migrate (instances onto the current definitions, with
// renamed states mapped) and the organisation (users and grids).
#include <algorithm>

#include "common/json.h"
#include "gridstat/rule_tests.h"
#include "store/store_impl.h"

namespace gridstat::store {

namespace {

using compile::ActionDef;
using compile::WorkflowDef;

}  // namespace

// ---- definitions versions ---------------------------------------------------------
ActionResult StoreImpl::Publish(const PublishRequest& req, std::vector<Diagnostic>* diags, std::string* definitions) {
  auto compiled = CompileDirectory(req.defs_dir);
  *diags = compiled.diagnostics;
  if (!compiled.program) return MakeResult("", Outcome::kCannotRun, "compile", Msg("compile/failed"));
  if (compiled.program->division_tree < 0)
    return MakeResult("", Outcome::kCannotRun, "compile", Msg("compile/no_division_tree"));
  if (req.skip_tests && req.comment.empty())
    return MakeResult("", Outcome::kCannotRun, "usage", Msg("usage/skip_tests"));
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
  if (!st.ok()) return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
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
    refusal = MakeResult("", Outcome::kRefused, "tests_failed",
                         Msg("tests_failed", {{"failed", std::to_string(failed)}, {"tests", list}}));
  }
  std::vector<ActionResult> out;
  if (refusal) {
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(refusal->code));
    body.Set(Ev::kMessage, json::Str(refusal->message));
    body.Set(Ev::kAttempted, json::Str(hash));
    body.Set(Ev::kDefinitions, json::Str(current_hash_));
    auto ev = AppendEvent(body);
    out.push_back(ev.ok() ? *refusal : MakeResult("", Outcome::kCannotRun, "store", ev.status().message()));
    FinishCommand(&out);
    return out[0];
  }
  auto stored = StoreDefinitions(compiled);
  if (!stored.ok()) { db_->Rollback(); return MakeResult("", Outcome::kCannotRun, "store", stored.status().message()); }
  Stmt meta(db_.get(), "UPDATE meta SET value = ? WHERE key = 'current_definitions'");
  meta.Bind(1, hash);
  body.Set(Ev::kRefused, json::Bool(false));
  body.Set(Ev::kDefinitions, json::Str(hash));
  auto ev = meta.Run().ok() ? AppendEvent(body) : Result<Doc>(db_->failure());
  if (ev.ok()) st = MarkStateChange(json::GetInt(*ev, "seq"));
  if (!ev.ok() || !st.ok()) { db_->Rollback(); return MakeResult("", Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message()); }
  Stmt pub(db_.get(), "UPDATE definitions SET published_seq = ? WHERE hash = ? AND published_seq = 0");
  pub.Bind(1, json::GetInt(*ev, "seq")).Bind(2, hash);
  if (!(st = pub.Run()).ok() || !(st = CommitCommand()).ok()) {
    db_->Rollback();
    return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "store", st.message());
  }
  current_hash_ = hash;
  current_ = compiled.program;
  *definitions = hash;
  return result;
}

// ---- migration -------------------------------------------------------------------
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
  if (!st.ok()) { out.push_back(MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message())); return out; }
  const User* user = org_.FindUser(actor);
  if (!TopTier(user)) {
    int top = 99;
    for (auto& t : current_->tiers) top = std::min(top, t.level);
    // Chinese names the level of the top tier, English does not.
    std::string tier = lang_ == Lang::kEn ? Msg("top_tier") : Msg("top_tier/level", {{"level", std::to_string(top)}});
    out.push_back(Refuse("", actor, user, "migrate", user ? "no_permission" : "no_user",
                         user ? Msg("no_permission/migrate", {{"tier", tier}}) : Msg("no_user", {{"user", actor}}), "",
                         Outcome::kRefused, nullptr));
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
      return bad_map("", nullptr, Msg("bad_map/malformed", {{"mapping", given}}));
    if (dot != std::string::npos) {
      int w = current_->FindWorkflow(wf_name);
      if (w < 0)
        return bad_map("", nullptr, Msg("bad_map/no_workflow", {{"mapping", given}, {"workflow", wf_name}}));
      const WorkflowDef& wf = current_->workflows[w];
      if (wf.FindState(to) < 0)
        return bad_map("", nullptr,
                       Msg("bad_map/no_state", {{"mapping", given}, {"workflow", wf_name}, {"state", to}}));
      if (wf.FindState(from) >= 0)
        return bad_map("", nullptr,
                       Msg("bad_map/not_renamed", {{"mapping", given}, {"workflow", wf_name}, {"state", from}}));
      continue;
    }
    bool has_to = false, fits = false;
    for (auto& wf : current_->workflows) {
      has_to |= wf.FindState(to) >= 0;
      fits |= wf.FindState(to) >= 0 && wf.FindState(from) < 0;
    }
    if (!has_to)
      return bad_map("", nullptr, Msg("bad_map/no_state_anywhere", {{"mapping", given}, {"state", to}}));
    if (!fits)
      return bad_map("", nullptr, Msg("bad_map/cannot_apply", {{"mapping", given}, {"state", to}, {"from", from}}));
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
      return bad_map(id, &*inst, Msg("bad_map/instance", {{"from", inst->state}, {"to", *to}, {"instance", id},
                                                          {"workflow", inst->workflow}}));
  }
  for (auto& id : targets) {
    if (StepFailed(out)) break;
    auto inst = GetInstance(id);  // again: an id given twice is migrated once
    if (!inst) {
      out.push_back(Refuse(id, actor, user, "migrate", "no_instance", Msg("no_instance", {{"instance", id}}), "",
                           Outcome::kRefused, nullptr));
      continue;
    }
    if (inst->definitions == current_hash_) continue;
    int w = current_->FindWorkflow(inst->workflow);
    if (w < 0) {
      out.push_back(Refuse(id, actor, user, "migrate", "incompatible",
                           Msg("incompatible/workflow", {{"workflow", inst->workflow}}),
                           "", Outcome::kRefused, &*inst));
      continue;
    }
    std::string to = inst->state;
    if (current_->workflows[w].FindState(to) < 0) {
      const std::string* mapped = MappedState(req.states, inst->workflow, inst->state);
      if (!mapped) {
        out.push_back(Refuse(id, actor, user, "migrate", "incompatible",
                             Msg("incompatible/state", {{"workflow", inst->workflow}, {"state", inst->state}}),
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
      out.assign(1, MakeResult(id, Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message()));
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

// ---- organisation ----------------------------------------------------------------
ActionResult StoreImpl::OrgUpdate(const std::string& actor, const std::string& org_file, std::vector<Doc>* out_changes) {
  out_changes->clear();
  Status fresh = Refresh();
  if (!fresh.ok()) return MakeResult("", Outcome::kCannotRun, "store", fresh.message());
  const auto prog = current_;  // the organisation is checked against these definitions
  auto org = LoadOrg(org_file, *current_, lang_);
  if (!org.ok()) return MakeResult("", Outcome::kCannotRun, "usage", org.status().message());
  Status st = BeginCommand();
  if (!st.ok()) return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
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
    out.push_back(ev.ok() ? *refusal : MakeResult("", Outcome::kCannotRun, "store", ev.status().message()));
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
  if (!ev.ok()) { db_->Rollback(); return MakeResult("", Outcome::kCannotRun, "store", ev.status().message()); }
  if (!(st = SaveOrg(*org)).ok() || !(st = MarkStateChange(json::GetInt(*ev, "seq"))).ok() || !(st = CommitCommand()).ok()) {
    db_->Rollback();
    return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "store", st.message());
  }
  org_ = *org;
  *out_changes = changes;
  ActionResult r;
  r.changed = true;
  return r;
}

}  // namespace gridstat::store
