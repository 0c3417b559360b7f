// The store: definitions versions, the organisation, workflow instances,
// submission revisions and the hash-chained event log, in one SQLite file.
//
//   auto store = gridstat::Store::Open("grid.db");          // or Store::Create(...)
//   auto results = (*store)->Act({.actor = "town-450102001", .instances = {id}, .action = "approve"});
//
// Every command is one transaction: it happens completely or not at all, and an
// acknowledged command survives a crash (WAL, synchronous=FULL). Refused attempts
// are recorded as events too. A Store object is not thread-safe: open one per
// thread or process; SQLite serialises the writers. Formats: doc/store.md, doc/audit.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gridstat/diagnostic.h"
#include "gridstat/document.h"
#include "gridstat/status.h"
#include "gridstat/validate.h"

namespace gridstat {

// Exit codes of the workflow commands.
enum class Outcome { kDone = 0, kRefused = 1, kCannotRun = 2, kConflict = 3 };

struct ActionResult {
  std::string instance;
  Outcome outcome = Outcome::kDone;
  std::string code;     // why it was refused: no_user, no_access, no_permission, wrong_state, ...
  std::string message;  // in the store's language
  bool changed = false; // an instance was created or changed (its state, version or jurisdiction)
  bool repeated = false;  // the request id was seen before: nothing happened again
  std::optional<Report> report;  // the validation report of a submission
};

struct ActRequest {
  std::string actor;
  std::vector<std::string> instances;
  std::string action;
  std::string comment, target, request_id;
  std::optional<int64_t> if_version;
};

struct PublishRequest {
  std::string actor;        // a user of the top tier
  std::string defs_dir;
  bool skip_tests = false;  // publish although rule tests fail (recorded with the comment)
  std::string comment;
};

// Moves instances to the current definitions version (gridstat migrate).
struct MigrateRequest {
  std::string actor;                   // a user of the top tier
  std::vector<std::string> instances;  // empty: every instance pinned to another version
  // New names of renamed states: key `OLD` (in any workflow) or `WORKFLOW.OLD` (in that
  // workflow only; it wins over `OLD`), value the state's name in the current definitions.
  // A mapping applies only to an instance whose state its workflow no longer has; an
  // instance whose state still exists keeps it.
  std::map<std::string, std::string> states;
};

struct Query {
  std::optional<std::string> as;  // limit to what this user may see
  std::string survey, period, state, under;
};

// What `Verify` checks beyond the store's internal consistency. Without a checkpoint,
// verification proves only that the log and the tables agree with each other: whoever can
// write the file can rewrite both. A signed checkpoint kept out of the writer's reach proves
// that the log still extends what was signed (doc/audit.md).
struct VerifyOptions {
  std::string checkpoint;      // one signed checkpoint file
  std::string checkpoint_dir;  // or every checkpoint in this directory (the latest is reported)
  std::string pubkey;          // the checkpoints' Ed25519 public key (PEM); required with the two above
  // With neither given: use the store's auto-checkpoint directory and its recorded public key,
  // when that directory can be read.
  bool configured_dir = false;
  Lang lang = Lang::kZh;  // of the messages that say why a checkpoint could not be checked
};

struct VerifyResult {
  bool ok = true;
  int64_t events = 0, instances = 0, submissions = 0;
  int64_t first_bad_seq = 0;  // the first event that does not hold
  std::string problem;
  // An input could not be read (a checkpoint, its key, an export file): nothing was proved
  // about the checkpoint, and the CLI exits 2 rather than 1.
  bool cannot_run = false;
  // The checkpoint that bounds the log, when one was checked: the file (the latest one when a
  // directory was given), its format version, the number of events and head hash it signs, and
  // the time it signs (empty for version 1, whose time is not signed).
  int64_t checkpoints_checked = 0;
  std::string checkpoint_file, checkpoint_head, checkpoint_at, checkpoint_key;
  int checkpoint_version = 0;
  int64_t checkpoint_events = 0;
  std::string note;  // why no checkpoint was checked, when a configured one could not be used
};

// The automatic checkpoints (gridstat audit auto-checkpoint): after a committed command, a
// checkpoint signed with `key` is written to `dir` when `every_events` events or `every_minutes`
// minutes have passed since the newest one there. `dir` must be out of the database writer's reach.
struct AutoCheckpoint {
  std::string dir, key;  // key: a PEM Ed25519 private key file readable by the writers
  int64_t every_events = 0, every_minutes = 0;
  bool off = false;      // turns automatic checkpoints off
};

// A store: one SQLite database file (doc/store.md). Threads: a Store is one connection, to be
// used by one thread at a time; for parallel work open one Store per thread. Any number of Stores,
// in any number of processes, may work on one file at once: every command is one transaction,
// acts on the definitions and organisation current when it commits (doc/store.md), and a writer
// that finds the file busy gets a conflict (outcome kConflict), never a partial command. Queries
// read one consistent snapshot. Every command, allowed or refused, is an event of the audit log.
class Store {
 public:
  // Creates a store from a definitions directory and an organisation file.
  static Result<std::unique_ptr<Store>> Create(const std::string& path, const std::string& defs_dir,
                                               const std::string& org_file, Lang lang = Lang::kZh);
  static Result<std::unique_ptr<Store>> Open(const std::string& path, Lang lang = Lang::kZh);
  // Opens for reading only (verify, list, show, …), so that a store on read-only media can be
  // read; every command that writes fails on such a store.
  static Result<std::unique_ptr<Store>> OpenReadOnly(const std::string& path, Lang lang = Lang::kZh);
  virtual ~Store() = default;

  virtual std::vector<ActionResult> Release(const std::string& actor, const std::string& survey,
                                            const std::string& period, const std::string& under,
                                            const std::string& request_id) = 0;
  // Task-ledger rows (JSON Lines); a bad row is reported and the others go on.
  virtual std::vector<ActionResult> Import(const std::string& actor, const std::string& workflow,
                                           const std::string& period, const std::string& file) = 0;
  virtual std::vector<ActionResult> Submit(const std::string& actor, const std::vector<Envelope>& submissions,
                                           const std::string& instance, bool draft, const std::string& request_id) = 0;
  virtual std::vector<ActionResult> Act(const ActRequest& request) = 0;

  // Queries write nothing. Their JSON is documented member by member in doc/store.md ("What
  // show and audit history give", "Query results"); members are only ever added.
  //
  // One instance, its latest revision (figures, rosters, findings with explanations) and its
  // whole history. With `as`, NotFound unless that user may see the instance.
  virtual Result<Doc> Show(const std::string& instance, const std::optional<std::string>& as) = 0;
  // The instances the query selects, ordered by id; with q.as only those that user may see.
  virtual Result<std::vector<Doc>> List(const Query& q) = 0;
  // The instances `user` may act on now, with the actions they may take. NotFound for an
  // unknown user.
  virtual Result<std::vector<Doc>> Inbox(const std::string& user) = 0;
  // Counts per jurisdiction (at `level`, default the level below `under`) and state, and the
  // overdue as of `as_of` (YYYY-MM-DD, Asia/Shanghai; empty: today). Invalid for a bad date.
  virtual Result<Doc> Progress(const Query& q, int level, const std::string& as_of) = 0;
  // Accepted figures as CSV, ID numbers masked to their first 6 characters (MaskIdNumberForView),
  // every cell safe to open in a spreadsheet program (CsvCell). Show and Units mask the same way.
  virtual Result<std::string> ExportCsv(const Query& q) = 0;
  // The same with ID numbers in full: only a user of the top tier (q.as) may ask, and
  // the request is recorded as an event whether it is granted or refused.
  virtual ActionResult ExportUnmasked(const Query& q, std::string* csv) = 0;
  // The unit registry: every unit (or the one keyed `uscc`), under `under` when given.
  virtual Result<std::vector<Doc>> Units(const std::string& uscc, const std::string& under) = 0;
  // The events of one instance, refused attempts included, labelled as in Show.
  virtual Result<std::vector<Doc>> History(const std::string& instance) = 0;

  // Compiles the definitions in req.defs_dir, runs the rule tests stored beside them and
  // makes them the current version. Only a user of the top tier may. A failing rule test
  // refuses it unless req.skip_tests, which needs a comment. Granted or refused, it is
  // recorded with the user. A compile failure is kCannotRun (not recorded; `diags` says
  // why). On success `definitions` gets the version's hash.
  virtual ActionResult Publish(const PublishRequest& req, std::vector<Diagnostic>* diags, std::string* definitions) = 0;
  // Moves instances to the current definitions; only a user of the top tier may. An instance
  // whose workflow, or whose state with no mapping in req.states, the current definitions lack
  // is refused (`incompatible`). A mapping that cannot apply (its new state is not one of the
  // workflow's, or a scoped one names a state the workflow still has) refuses the whole
  // request (`bad_map`) before any instance moves. Refusals are recorded.
  virtual std::vector<ActionResult> Migrate(const MigrateRequest& req) = 0;
  // Records a refused attempt that never reached an instance (an unreadable submission).
  virtual Status RecordRefusal(const std::string& actor, const std::string& action, const std::string& where,
                               const std::string& code, const std::string& message) = 0;
  // Replaces the organisation with the one in `org_file`. Only a user of the top tier may;
  // granted or refused, it is recorded with the user. `changes` lists what changed.
  virtual ActionResult OrgUpdate(const std::string& actor, const std::string& org_file, std::vector<Doc>* changes) = 0;
  // Re-runs the latest submission of every instance under other definitions and lists the
  // instances whose findings or status would change. Writes nothing; Invalid when the
  // definitions do not compile (`diags` says why).
  virtual Result<std::vector<Doc>> Replay(const std::string& defs_dir, std::vector<Diagnostic>* diags) = 0;

  // Copies the store to `out_file` with SQLite's online backup API, while others
  // keep working; the copy is a consistent store of its own.
  virtual Status Backup(const std::string& out_file) = 0;

  // Internal consistency only (no checkpoint); Verify(options) for checkpoints.
  virtual VerifyResult Verify() = 0;
  virtual VerifyResult Verify(const VerifyOptions& options) = 0;
  // Writes the whole store for an auditor, ID numbers in full: like ExportUnmasked, only a
  // user of the top tier may, and the request is recorded whether granted or refused (a granted
  // export holds its own event). Refuses a `dir` that exists and is not empty.
  virtual ActionResult ExportAudit(const std::string& actor, const std::string& dir) = 0;
  virtual Status Checkpoint(const std::string& key_pem_file, const std::string& out_file) = 0;
  virtual VerifyResult VerifyCheckpoint(const std::string& checkpoint_file, const std::string& pubkey_file) = 0;
  // Configures automatic checkpoints; only a user of the top tier may, and it is recorded.
  virtual ActionResult ConfigureAutoCheckpoint(const std::string& actor, const AutoCheckpoint& config) = 0;
  // Problems met after a command was committed (an automatic checkpoint that could not be
  // written): they never undo the command; the caller reports them. Cleared by the call.
  virtual std::vector<std::string> TakeWarnings() = 0;
};

// Verifies an audit export (gridstat audit export) without the database, with the same
// checkpoint checks as Store::Verify.
VerifyResult VerifyExport(const std::string& dir, const VerifyOptions& options = {});

// ---- Results as JSON: the one form of `gridstat ... --format json` and of the C API ----------

// "done", "refused", "conflict" or "error" (kCannotRun).
const char* OutcomeName(Outcome o);
// The gravest outcome of a command's results, as its exit code ranks them: kCannotRun, then
// kConflict, then kRefused; kDone when there are none.
Outcome GravestOutcome(const std::vector<ActionResult>& results);
// One result as one JSON object, canonical (members sorted, no whitespace, no newline), every
// member always there:
//   {"changed":true,"code":"","instance":"agri_report/2021/450123100202","message":"",
//    "outcome":"done","repeated":false,"report":null}
// outcome is OutcomeName(); code (why it was refused), message and instance are "" when there
// is none; report is the submission's validation report (ReportToJson's members) or null.
std::string ActionResultJson(const ActionResult& result);
// What Verify or VerifyExport found, as one canonical JSON object (doc/audit.md lists the members):
//   {"cannot_run":false,"checkpoint":null,"events":43,"first_bad_seq":null,"instances":20,
//    "note":null,"ok":true,"problem":null,"proved":"internal_consistency","submissions":6}
std::string VerifyJson(const VerifyResult& result);

}  // namespace gridstat
