// Internal: the SQLite implementation of gridstat::Store, split over
// store.cc (schema, organisation, definitions, events); the commands that change state:
// command.cc (what they share), actions.cc (act), submit.cc (submit, save), release.cc
// (release, import), publish.cc (publish, migrate, organisation); queries.cc (read-only
// views); and the auditor's side (audit.h): audit_verify.cc, audit_export.cc,
// audit_checkpoint.cc, replay.cc.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/messages.h"
#include "compile/program.h"
#include "gridstat/store.h"
#include "store/db.h"
#include "store/event.h"
#include "workflow/policy.h"

namespace gridstat::store {

using workflow::Actor;
using workflow::Policy;
using workflow::Step;
using workflow::Verdict;

constexpr int kSchemaVersion = 1;
// The format of the events this build writes (doc/audit.md): 1 had no `format` member;
// 2 adds it, and the user who publishes or changes the organisation.
constexpr int64_t kEventFormat = 2;

struct User {
  std::string id, name, role, division;
};
struct Grid {
  std::string code, village, name;
};
struct Org {
  std::vector<User> users;
  std::vector<Grid> grids;
  const User* FindUser(const std::string& id) const {
    for (auto& u : users) if (u.id == id) return &u;
    return nullptr;
  }
  const Grid* FindGrid(const std::string& code) const {
    for (auto& g : grids) if (g.code == code) return &g;
    return nullptr;
  }
};

struct Instance {
  std::string id, workflow, survey, period, record_key, division, state, definitions, task;
  int64_t version = 0, created_seq = 0;
};

struct Revision {
  std::string instance;
  int64_t revision = 0;
  bool draft = false;
  std::string envelope, data_hash, findings, findings_hash, status, definitions;
  std::string previous_instance;
  int64_t previous_revision = 0;
  int64_t seq = 0;
};

// Parses and checks an organisation file against the division tree.
Result<Org> LoadOrg(const std::string& file, const compile::Program& p, Lang lang);
Doc OrgToDoc(const Org& org);
Org OrgFromDoc(const Doc& d);

std::string Now();  // RFC 3339 UTC; GRIDSTAT_NOW overrides it for reproducible runs
// The SQL that creates a store's schema: audit verify compares sqlite_master against it.
const char* SchemaSql();

std::string RecordKeyForId(const std::string& key);  // '|' -> '-'

// The state a migrate mapping (MigrateRequest::states) gives an instance of `workflow` in
// `state`: the entry `WORKFLOW.STATE`, else `STATE`; null when it names neither. It does not
// ask whether the state still exists: the store and the auditor both do, before calling it.
const std::string* MappedState(const std::map<std::string, std::string>& states, const std::string& workflow,
                               const std::string& state);

// The workflow that carries `survey` in program `p`, or null.
const compile::WorkflowDef* WorkflowFor(const compile::Program& p, const std::string& survey);

// A request id names one request of one actor, store-wide. The request itself is summed up
// by a fingerprint (who, what, on what, with which inputs): see StoreImpl::Repeated.
std::string RequestFingerprint(const Doc& request);

// A Status with the catalogue's message for `key`, whose message() is in `lang`: for the
// user's mistakes that travel as a Status (an unknown user, a malformed organisation file),
// which callers show in the language of the command. The store's own failures (the disk, a
// damaged store) are Failure()s: message() in English, message(Lang::kZh) in Chinese.
inline Status StatusIn(Lang lang, Status::Code code, std::string_view key, MessageArgs args = {}) {
  MessageText t = MessageBoth(key, args);
  return Status::Make(code, t.in(lang), t.zh);
}

// A result that did not go through: its instance, outcome, stable code and message.
inline ActionResult MakeResult(const std::string& instance, Outcome o, const std::string& code, const std::string& message) {
  ActionResult r;
  r.instance = instance;
  r.outcome = o;
  r.code = code;
  r.message = message;
  return r;
}

class StoreImpl : public Store {
 public:
  StoreImpl(std::unique_ptr<Db> db, Lang lang) : db_(std::move(db)), lang_(lang) {}

  Status InitSchema();
  Status LoadState();  // the current definitions and the organisation
  // Reads the current definitions version and, when another connection changed it since
  // (meta.state_seq, the seq of the last publish or org event), the organisation. Every
  // command calls it, so that a Store held open for days acts on the world as it is.
  Status Refresh();
  // BEGIN IMMEDIATE, then Refresh inside the transaction: a write command acts on the
  // definitions and organisation current when it commits.
  Status BeginCommand();
  // Records `seq` as the last change to the definitions or organisation (meta.state_seq).
  Status MarkStateChange(int64_t seq);

  // --- store.cc ---
  Result<std::shared_ptr<const compile::Program>> ProgramFor(const std::string& hash);
  Result<std::string> StoreDefinitions(const CompileResult& compiled);
  Status SaveOrg(const Org& org);
  // Completes the event (seq, at, format, request) and chains it; returns the body with seq.
  Result<Doc> AppendEvent(const EventBody& event);
  std::optional<Instance> GetInstance(const std::string& id);
  Status PutInstance(const Instance& inst, bool insert);
  std::optional<Revision> LatestRevision(const std::string& instance, bool include_drafts);
  // Whether the instance's state is one its pinned definitions declare accepted.
  bool IsAccepted(const Instance& inst);
  // The instance of `workflow` for `period` and `record_key` in an accepted state, or "".
  std::string AcceptedInstance(const std::string& workflow, const std::string& period, const std::string& record_key);
  std::optional<Revision> GetRevision(const std::string& instance, int64_t revision);
  Status PutRevision(const Revision& r);
  const compile::Program& current() const { return *current_; }
  const std::string& current_hash() const { return current_hash_; }

  // Authorisation helpers over the division tree of the current definitions.
  bool Within(const std::string& code, const std::string& ancestor) const;
  int Level(const std::string& code) const;
  std::string Parent(const std::string& code) const;
  std::string DivisionName(const std::string& code) const;
  // The village a user acts for (grid workers: their grid's village), or their division.
  std::string Scope(const User& u) const;
  bool CanSee(const User& u, const Instance& inst) const;
  // The user as the policy knows them (policy.h).
  Actor AsActor(const User& u) const { return Actor{u.id, u.role, u.division, Scope(u)}; }
  // The policy's answer under `p`, the definitions version the instance is pinned to.
  bool MayTake(const User& u, const compile::Program& p, const compile::ActionDef& a, const std::string& jurisdiction) const {
    return Policy(p).MayTake(AsActor(u), a, jurisdiction);
  }
  // The user's role is at village level (coordinator or grid worker).
  bool VillageLevel(const User& u) const;
  // The catalogue's message for `key` in the command's language (common/messages.h).
  std::string Msg(std::string_view key, MessageArgs args = {}) const { return Message(lang_, key, args); }
  // How a message in the command's language names an action: Chinese by its label, English by its name.
  const std::string& ActionName(const compile::ActionDef& a) const { return lang_ == Lang::kEn ? a.name : a.label; }

  // --- release.cc, submit.cc, actions.cc, publish.cc, command.cc ---
  std::vector<ActionResult> Release(const std::string& actor, const std::string& survey, const std::string& period,
                                    const std::string& under, const std::string& request_id) override;
  std::vector<ActionResult> Import(const std::string& actor, const std::string& workflow, const std::string& period,
                                   const std::string& file) override;
  std::vector<ActionResult> Submit(const std::string& actor, const std::vector<Envelope>& submissions,
                                   const std::string& instance, bool draft, const std::string& request_id) override;
  std::vector<ActionResult> Act(const ActRequest& request) override;
  std::vector<ActionResult> Migrate(const MigrateRequest& req) override;
  ActionResult ExportUnmasked(const Query& q, std::string* csv) override;  // audit_export.cc
  Status RecordRefusal(const std::string& actor, const std::string& action, const std::string& where, const std::string& code,
                       const std::string& message) override;
  ActionResult Publish(const PublishRequest& req, std::vector<Diagnostic>* diags, std::string* definitions) override;
  ActionResult OrgUpdate(const std::string& actor, const std::string& org_file, std::vector<Doc>* changes) override;

  // --- queries.cc ---
  Result<Doc> Show(const std::string& instance, const std::optional<std::string>& as) override;
  Result<std::vector<Doc>> List(const Query& q) override;
  Result<std::vector<Doc>> Inbox(const std::string& user) override;
  Result<Doc> Progress(const Query& q, int level, const std::string& as_of) override;
  Result<std::string> ExportCsv(const Query& q) override;
  Result<std::string> ExportCsvRows(const Query& q, bool unmasked, int64_t* rows);
  Result<std::vector<Doc>> Units(const std::string& uscc, const std::string& under) override;
  Result<std::vector<Doc>> History(const std::string& instance) override;
  Result<std::vector<Instance>> SelectInstances(const Query& q);

  // --- replay.cc, audit_export.cc, audit_checkpoint.cc ---
  Result<std::vector<Doc>> Replay(const std::string& defs_dir, std::vector<Diagnostic>* diags) override;
  VerifyResult Verify() override;
  VerifyResult Verify(const VerifyOptions& options) override;
  Status Backup(const std::string& out_file) override;
  ActionResult ExportAudit(const std::string& actor, const std::string& dir) override;
  Status Checkpoint(const std::string& key_pem_file, const std::string& out_file) override;
  VerifyResult VerifyCheckpoint(const std::string& checkpoint_file, const std::string& pubkey_file) override;
  ActionResult ConfigureAutoCheckpoint(const std::string& actor, const AutoCheckpoint& config) override;
  std::vector<std::string> TakeWarnings() override;
  // Called after every committed write command: writes an automatic checkpoint when one is
  // due. Its failure never undoes the command; it is kept for TakeWarnings and returned.
  Status AfterCommit();

  Db* db() { return db_.get(); }
  Org& org() { return org_; }

 private:
  // One action on one instance inside the open transaction.
  ActionResult ActOne(const User* user, const std::string& actor, Instance inst, const compile::WorkflowDef& wf,
                      const ActRequest& req);
  // True when the last step could not be stored, or the transaction has failed.
  bool StepFailed(const std::vector<ActionResult>& out) const;
  std::vector<ActionResult> DefinitionsChanged();
  Status CommitCommand();  // commits, then AfterCommit()
  // Commits the command's transaction, or rolls it back and marks every result not done.
  void FinishCommand(std::vector<ActionResult>* out);
  ActionResult Refuse(const std::string& instance, const std::string& actor, const User* user,
                      const std::string& action, const std::string& code, const std::string& message,
                      const std::string& request_id, Outcome outcome, const Instance* inst, const EventMembers& extra = {});
  std::optional<ActionResult> Repeated(const std::string& request_id, const std::string& instance, const std::string& actor,
                                       const std::string& action);
  std::optional<std::string> LostRace(const Instance& inst, const compile::WorkflowDef& wf, const compile::ActionDef& a,
                                      const std::string& actor);
  EventBody NewEvent(EventKind kind, const std::string& actor, const User* user) const;
  // A change to the whole store (publish, org) is for a user of the top tier: the refusal
  // to record, or nullopt when the user may go on.
  std::optional<ActionResult> RefuseUnlessTopTier(const std::string& kind, const std::string& actor, const User* user);
  bool TopTier(const User* user) const;  // a user of the highest tier of the current definitions
  Status CreateInstance(const std::string& actor, const User* user, const std::string& action, Instance* inst,
                        const std::string& request_id, const EventMembers& extra);

  // The fingerprint of the request being carried out; AppendEvent stores it as `request`
  // in every event that has a request id (see Repeated).
  std::string request_fp_;
  struct RequestScope {
    RequestScope(StoreImpl* s, std::string fp) : s_(s) { s_->request_fp_ = std::move(fp); }
    ~RequestScope() { s_->request_fp_.clear(); }
    StoreImpl* s_;
  };
  std::vector<ActionResult> ActLocked(const ActRequest& request);

  std::unique_ptr<Db> db_;
  Lang lang_;
  std::string current_hash_;
  std::string state_seq_;  // meta.state_seq when the definitions and organisation were read
  std::shared_ptr<const compile::Program> current_;
  std::map<std::string, std::shared_ptr<const compile::Program>> programs_;
  Org org_;
  std::vector<std::string> warnings_;  // see TakeWarnings
};

}  // namespace gridstat::store
