// What every command that changes the store shares: the refusal recorded as an event,
// request ids and their repetitions, lost races, the one transaction a command is (its
// commit, its roll back, its results), the event that creates an instance, and who is of
// the top tier. The commands themselves: actions.cc (act), submit.cc (submit, save),
// release.cc (release, import), publish.cc (publish, migrate, organisation).
#include <algorithm>

#include "common/files.h"
#include "common/json.h"
#include "store/store_impl.h"

namespace gridstat::store {

namespace {

using compile::ActionDef;
using compile::WorkflowDef;

}  // namespace

// The workflow that carries `survey` in program `p`.
const WorkflowDef* WorkflowFor(const compile::Program& p, const std::string& survey) {
  int s = -1;
  for (size_t i = 0; i < p.surveys.size(); ++i) if (p.surveys[i].name == survey) s = static_cast<int>(i);
  for (auto& w : p.workflows) if (w.survey == s) return &w;
  return nullptr;
}

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
  if (!ev.ok()) return MakeResult(instance, Outcome::kCannotRun, "store", ev.status().message());
  return MakeResult(instance, outcome, code, message);
}

// A request id names one request of one actor, store-wide. The request itself is
// summed up by a fingerprint (who, what, on what, with which inputs) that every event
// of the request carries as `request`. The same id with the same fingerprint is a
// repetition: it has no second effect and gets the first answer again. The same id
// with anything else is refused, and the refusal names no one: an id is not a way to
// learn who else is at work.
std::string RequestFingerprint(const Doc& request) { return gridstat::Sha256Hex(json::Canonical(request)); }

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
      r.message = Msg("request_id_reused", {{"request_id", request_id}});
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
  if (r.message.empty()) r.message = Msg("request_repeated", {{"request_id", request_id}});
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
  return {MakeResult("", Outcome::kConflict, "conflict", Msg("conflict/definitions_changed"))};
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
  std::string detail = !st.message().empty() ? st.message() : std::string();
  std::string why = detail.empty() ? Msg("store") : Msg("store/detail", {{"detail", detail}});
  for (auto& r : *out) {
    if (r.outcome == Outcome::kCannotRun && !r.message.empty()) continue;
    r = MakeResult(r.instance, busy ? Outcome::kConflict : Outcome::kCannotRun, "store", why);
  }
  if (out->empty()) out->push_back(MakeResult("", busy ? Outcome::kConflict : Outcome::kCannotRun, "store", why));
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

// ---- the top tier ---------------------------------------------------------------
std::optional<ActionResult> StoreImpl::RefuseUnlessTopTier(const std::string& kind, const std::string& actor, const User* user) {
  if (TopTier(user)) return std::nullopt;
  ActionResult r = MakeResult("", Outcome::kRefused, user ? "no_permission" : "no_user",
                              user ? Msg(kind == "publish" ? "no_permission/publish" : "no_permission/org")
                                   : Msg("no_user", {{"user", actor}}));
  return r;  // the caller records it, with the members of its kind
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

}  // namespace gridstat::store
