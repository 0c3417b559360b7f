// The auditor's side: verify the hash chain, re-derive every instance from its
// events, re-run every stored submission under its recorded definitions, and
// check signed checkpoints. The same verifier runs on the database and on an
// audit export, so an auditor needs only the export.
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>
#include <set>
#include <tuple>

#include "common/json.h"
#include "common/files.h"
#include "eval/eval.h"
#include "validate/guard.h"
#include "store/store_impl.h"

namespace gridstat {
namespace store {
namespace {

namespace fs = std::filesystem;

// A member's text, or "" when it is absent or not text: the verifier reads hostile input.
std::string Str(const Doc& d, const char* key) {
  const std::string* v = json::GetStr(d, key);
  return v ? *v : std::string();
}

// Reads a file that must be a regular file. An export or a checkpoint directory is hostile
// input: opening a FIFO there would hang, and a symlink would read something else. The type is
// checked on the open descriptor, so the file cannot be swapped between check and read.
// follow: the path was named by the user (a checkpoint, a key), so a symlink to it is fine.
Result<std::string> ReadRegular(const std::string& path, size_t max_bytes, bool follow) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0) return Status::Io("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Io(path + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status::Invalid(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string data;
  data.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { ::close(fd); return Status::Io("cannot read " + path + ": " + std::strerror(errno)); }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) { ::close(fd); return Status::Invalid(path + " is larger than " + std::to_string(max_bytes) + " bytes"); }
  }
  ::close(fd);
  return data;
}

struct EventRow {
  int64_t seq = 0;
  std::string instance, request_id, body, prev_hash, hash;
};

// Everything the verifier reads, from the database or from an export.
struct AuditData {
  std::vector<EventRow> events;
  std::map<std::string, std::string> definitions;  // hash -> canonical files object
  std::vector<Revision> submissions;
  std::vector<Instance> instances;
  std::vector<Doc> units;  // uscc, instance, revision, division, data, accepted_seq
  Doc org;                 // users and grids
  std::string current_definitions;  // meta.current_definitions
  std::map<std::string, std::string> meta;  // every row of meta (an export: meta.json)
  bool has_published_seq = false;           // the store has them; an export does not
  std::map<std::string, int64_t> published_seq;  // definitions.published_seq
  std::string schema_problem;  // how sqlite_master differs from the schema gridstat creates
};

constexpr const char* kAutoCheckpointKey = "auto_checkpoint";

Doc RevisionDoc(const Revision& r) {
  return json::Obj({{"instance", json::Str(r.instance)}, {"revision", json::Int(r.revision)}, {"draft", json::Bool(r.draft)},
                    {"envelope", json::Str(r.envelope)}, {"data_hash", json::Str(r.data_hash)}, {"findings", json::Str(r.findings)},
                    {"findings_hash", json::Str(r.findings_hash)}, {"status", json::Str(r.status)},
                    {"definitions", json::Str(r.definitions)}, {"previous_instance", json::Str(r.previous_instance)},
                    {"previous_revision", json::Int(r.previous_revision)}, {"seq", json::Int(r.seq)}});
}

Revision RevisionFromDoc(const Doc& d) {
  Revision r;
  auto s = [&](const char* k) { const std::string* v = json::GetStr(d, k); return v ? *v : std::string(); };
  r.instance = s("instance"); r.revision = json::GetInt(d, "revision"); r.draft = d.Find("draft") && d.Find("draft")->boolean;
  r.envelope = s("envelope"); r.data_hash = s("data_hash"); r.findings = s("findings"); r.findings_hash = s("findings_hash");
  r.status = s("status"); r.definitions = s("definitions"); r.previous_instance = s("previous_instance");
  r.previous_revision = json::GetInt(d, "previous_revision"); r.seq = json::GetInt(d, "seq");
  return r;
}

Doc InstanceRowDoc(const Instance& i) {
  return json::Obj({{"id", json::Str(i.id)}, {"workflow", json::Str(i.workflow)}, {"survey", json::Str(i.survey)},
                    {"period", json::Str(i.period)}, {"record_key", json::Str(i.record_key)}, {"division", json::Str(i.division)},
                    {"state", json::Str(i.state)}, {"version", json::Int(i.version)}, {"definitions", json::Str(i.definitions)},
                    {"created_seq", json::Int(i.created_seq)}, {"task", json::Str(i.task)}});
}

Instance InstanceFromDoc(const Doc& d) {
  Instance i;
  auto s = [&](const char* k) { const std::string* v = json::GetStr(d, k); return v ? *v : std::string(); };
  i.id = s("id"); i.workflow = s("workflow"); i.survey = s("survey"); i.period = s("period"); i.record_key = s("record_key");
  i.division = s("division"); i.state = s("state"); i.version = json::GetInt(d, "version"); i.definitions = s("definitions");
  i.created_seq = json::GetInt(d, "created_seq"); i.task = s("task");
  return i;
}

// An allowed step whose guards are judged once the submissions are known to be sound.
struct GuardCheck {
  int64_t seq;
  std::string instance, definitions, workflow, action;
  bool submission;   // a submit: judged on its own revision; otherwise on the latest submitted one
  int64_t revision;  // 0: none
};

class Verifier {
 public:
  explicit Verifier(const AuditData& d) : d_(d) {}

  VerifyResult Run() {
    r_.events = static_cast<int64_t>(d_.events.size());
    r_.instances = static_cast<int64_t>(d_.instances.size());
    r_.submissions = static_cast<int64_t>(d_.submissions.size());
    std::string prev(64, '0');
    std::map<std::string, Instance> derived;
    std::map<std::string, const Doc*> expected_subs;  // "instance#revision" -> submission member of its event
    std::map<std::string, int64_t> sub_seq;
    std::map<std::string, std::string> sub_defs;
    std::map<std::string, Doc> units;                 // uscc -> expected row
    std::map<std::string, int64_t> last_seq;          // instance -> last event touching it
    std::vector<Doc> bodies(d_.events.size());
    Doc org;
    std::string current_defs;  // made current by the last publish event so far
    int64_t format = 1;        // the format of the last event so far
    int64_t report_format = 1; // the report format of the last submission so far
    int64_t state_seq = 0;     // the last publish or org event that changed something
    std::map<std::string, int64_t> first_publish;     // definitions hash -> the event that first published it
    std::string auto_checkpoint;                      // canonical config of the last config event, "" when none
    std::map<std::string, int64_t> latest_submitted;  // instance -> its latest non-draft revision so far
    std::vector<GuardCheck> guard_checks;
    const int64_t end_seq = std::max<int64_t>(1, static_cast<int64_t>(d_.events.size()));
    // Whatever SQL could change reads or writes behind the verifier's back (a trigger, a view,
    // an added column) is outside what the events can account for.
    if (!d_.schema_problem.empty()) return Fail(end_seq, d_.schema_problem);
    for (size_t n = 0; n < d_.events.size(); ++n) {
      const EventRow& e = d_.events[n];
      int64_t want_seq = static_cast<int64_t>(n) + 1;
      if (e.seq != want_seq) return Fail(want_seq, "event " + std::to_string(want_seq) + " is missing (found " + std::to_string(e.seq) + ")");
      if (e.prev_hash != prev) return Fail(e.seq, "prev_hash does not match the hash of the event before");
      if (gridstat::Sha256Hex(e.prev_hash + "\n" + e.body) != e.hash) return Fail(e.seq, "hash does not match the event's content");
      prev = e.hash;
      auto body = ParseJsonDocument(e.body);
      if (!body.ok()) return Fail(e.seq, "body is not valid JSON");
      if (json::Canonical(*body) != e.body) return Fail(e.seq, "body is not in canonical form");
      bodies[n] = std::move(*body);
      const Doc& b = bodies[n];
      if (json::GetInt(b, "seq") != e.seq) return Fail(e.seq, "body names another seq");
      const std::string* inst_id = json::GetStr(b, "instance");
      const std::string* req = json::GetStr(b, "request_id");
      if (e.instance != (inst_id ? *inst_id : "")) return Fail(e.seq, "the instance column differs from the body");
      if (e.request_id != (req ? *req : "")) return Fail(e.seq, "the request_id column differs from the body");
      const std::string kind = json::GetStr(b, "kind") ? Str(b, "kind") : "";
      // Events carry the format they were written in (absent: 1). It never goes back, so
      // that an old-style event cannot be slipped in after new ones to dodge their checks.
      int64_t event_format = b.Find("format") ? json::GetInt(b, "format") : 1;
      if (event_format < format) return Fail(e.seq, "an event of format " + std::to_string(event_format) + " after one of format " + std::to_string(format));
      format = event_format;
      if (kind == "publish" || kind == "org") {
        const Doc* refused = b.Find("refused");
        if (refused && (refused->kind != Doc::Kind::kBool)) return Fail(e.seq, "event lacks refused");
        if (refused && refused->boolean) continue;  // a refused change changed nothing
        state_seq = e.seq;
        // From format 2 on, a change to the whole store names a user of the top tier; only
        // the two events of `init`, before any user exists, name no one.
        if (b.Find("actor")) {
          if (std::string why = TopTierActor(b, current_defs); !why.empty()) return Fail(e.seq, kind + " " + why);
        } else if (format >= 2 && e.seq > 2) {
          return Fail(e.seq, kind + " names no user");
        }
      }
      if (kind == "publish") {
        const std::string* h = json::GetStr(b, "definitions");
        if (!h || !d_.definitions.count(*h)) return Fail(e.seq, "published definitions are not stored");
        current_defs = *h;
        first_publish.emplace(*h, e.seq);
        continue;
      }
      if (kind == "org") {
        if (const Doc* o = b.Find("org")) {
          org = *o;
          IndexOrg(org);
        }
        continue;
      }
      // An unmasked export (export --unmasked, audit export) or a change of the audit
      // configuration: granted only to a user of the top tier of the definitions then current.
      if (kind == "export" || kind == "config") {
        const Doc* refused = b.Find("refused");
        if (!refused || refused->kind != Doc::Kind::kBool) return Fail(e.seq, "event lacks refused");
        if (refused->boolean) continue;
        std::string defs = Str(b, "definitions");
        if (defs != current_defs) return Fail(e.seq, "names definitions " + defs + " that were not current");
        if (std::string why = TopTierActor(b, current_defs); !why.empty())
          return Fail(e.seq, std::string(kind == "export" ? "an unmasked export " : "a configuration change ") + why);
        if (kind == "config") {
          const Doc* cfg = b.Find(kAutoCheckpointKey);
          if (!cfg) return Fail(e.seq, "a configuration event without its configuration");
          auto_checkpoint = cfg->kind == Doc::Kind::kNull ? "" : json::Canonical(*cfg);
        }
        continue;
      }
      if (!inst_id) return Fail(e.seq, "event has no instance");
      last_seq[*inst_id] = e.seq;
      const Doc* refused = b.Find("refused");
      if (kind == "migrate") {
        auto it = derived.find(*inst_id);
        if (it == derived.end()) return Fail(e.seq, "migrates an instance that does not exist");
        if (std::string why = MigrateStep(b, it->second, current_defs, format); !why.empty()) return Fail(e.seq, why);
        it->second.definitions = Str(b, "definitions");
        it->second.version = json::GetInt(b, "version");
        it->second.state = Str(b, "state");
        continue;
      }
      if (kind != "action") return Fail(e.seq, "unknown event kind '" + kind + "'");
      if (!refused || refused->kind != Doc::Kind::kBool) return Fail(e.seq, "event lacks refused");
      if (refused->boolean) continue;
      auto s = [&](const char* k) { const std::string* v = json::GetStr(b, k); return v ? *v : std::string(); };
      const Doc* from = b.Find("from");
      auto it = derived.find(*inst_id);
      {  // the step must be one the workflow allows, taken by someone allowed to take it
        std::string why = Lawful(b, from && from->kind != Doc::Kind::kNull, it == derived.end() ? nullptr : &it->second,
                                 current_defs);
        if (!why.empty()) return Fail(e.seq, why);
      }
      {  // the guards the store judged before allowing it, judged again after the loop
        const Doc* sub = b.Find("submission");
        bool draft = sub && sub->Find("draft") && sub->Find("draft")->boolean;
        GuardCheck g{e.seq, *inst_id, Str(b, "definitions"), Str(b, "workflow"), Str(b, "action"), sub != nullptr, 0};
        if (sub && !draft) {
          g.revision = json::GetInt(*sub, "revision");
          guard_checks.push_back(g);
          latest_submitted[*inst_id] = g.revision;
        } else if (!sub && from && from->kind != Doc::Kind::kNull) {
          auto ls = latest_submitted.find(*inst_id);
          g.revision = ls == latest_submitted.end() ? 0 : ls->second;
          guard_checks.push_back(g);
        }
      }
      if (!from || from->kind == Doc::Kind::kNull) {
        if (it != derived.end()) return Fail(e.seq, "creates an instance that already exists");
        Instance i;
        i.id = *inst_id; i.workflow = s("workflow"); i.survey = s("survey"); i.period = s("period"); i.record_key = s("record_key");
        i.division = s("jurisdiction"); i.state = s("to"); i.version = json::GetInt(b, "version"); i.definitions = s("definitions");
        i.created_seq = e.seq;
        if (const Doc* t = b.Find("task")) i.task = json::Canonical(*t);
        if (i.version != 1) return Fail(e.seq, "a new instance must start at version 1");
        derived[i.id] = i;
      } else {
        if (it == derived.end()) return Fail(e.seq, "acts on an instance that does not exist");
        Instance& i = it->second;
        if (from->text != i.state) return Fail(e.seq, "from-state '" + from->text + "' is not the instance's state '" + i.state + "'");
        bool save = s("action") == "save";
        int64_t v = json::GetInt(b, "version");
        if (v != (save ? i.version : i.version + 1)) return Fail(e.seq, "version does not follow");
        if (s("definitions") != i.definitions) return Fail(e.seq, "definitions differ from the instance's");
        i.state = s("to");
        i.division = s("jurisdiction");
        i.version = v;
      }
      if (const Doc* sub = b.Find("submission")) {
        // Each revision records the report format it was made in (absent: 1). It never goes
        // back either, so that a revision cannot dodge the rules of the format it was made in.
        int64_t rf = sub->Find("report_format") ? json::GetInt(*sub, "report_format") : 1;
        if (rf < 1 || rf > Validator::kReportFormat) return Fail(e.seq, "a submission of unknown report format " + std::to_string(rf));
        if (rf < report_format)
          return Fail(e.seq, "a submission of report format " + std::to_string(rf) + " after one of format " + std::to_string(report_format));
        report_format = rf;
        std::string key = *inst_id + "#" + std::to_string(json::GetInt(*sub, "revision"));
        expected_subs[key] = sub;
        sub_seq[key] = e.seq;
        sub_defs[key] = s("definitions");
      }
      if (const Doc* unit = b.Find("unit")) {
        units[Str(*unit, "uscc")] = json::Obj({{"instance", json::Str(*inst_id)}, {"revision", json::Int(json::GetInt(*unit, "revision"))},
                                                         {"division", json::Str(s("jurisdiction"))}, {"accepted_seq", json::Int(e.seq)}});
      }
    }
    // Every instance row is what its events say.
    std::map<std::string, const Instance*> rows;
    for (auto& i : d_.instances) rows[i.id] = &i;
    for (auto& [id, i] : derived) {
      auto it = rows.find(id);
      if (it == rows.end()) return Fail(last_seq[id], "instance " + id + " is missing from the store");
      if (json::Canonical(InstanceRowDoc(*it->second)) != json::Canonical(InstanceRowDoc(i)))
        return Fail(last_seq[id], "instance " + id + " differs from what its events give");
    }
    for (auto& [id, row] : rows)
      if (!derived.count(id)) return Fail(row->created_seq, "instance " + id + " has no events");
    // Every submission row is the one its event recorded, and re-validates to the same findings.
    // A submission's guards are judged on that same report, so it is made once.
    std::map<std::string, const GuardCheck*> submit_guards;
    for (auto& g : guard_checks)
      if (g.submission) submit_guards[g.instance + "#" + std::to_string(g.revision)] = &g;
    std::set<std::string> seen;
    for (auto& r : d_.submissions) {
      std::string key = r.instance + "#" + std::to_string(r.revision);
      auto it = expected_subs.find(key);
      if (it == expected_subs.end()) return Fail(r.seq, "submission " + key + " has no event");
      seen.insert(key);
      const Doc& sub = *it->second;
      int64_t seq = sub_seq[key];
      const Doc* draft = sub.Find("draft");
      const Doc* previous = sub.Find("previous");
      std::string pi = previous && previous->kind == Doc::Kind::kObject ? Str(*previous, "instance") : "";
      int64_t pr = previous && previous->kind == Doc::Kind::kObject ? json::GetInt(*previous, "revision") : 0;
      if (r.seq != seq || r.draft != (draft && draft->boolean) || r.data_hash != Str(sub, "data_hash") ||
          r.findings_hash != Str(sub, "findings_hash") || r.status != Str(sub, "status") ||
          r.definitions != sub_defs[key] || r.previous_instance != pi || r.previous_revision != pr)
        return Fail(seq, "submission " + key + " differs from its event");
      if (gridstat::Sha256Hex(r.envelope) != r.data_hash) return Fail(seq, "submission " + key + ": data does not match its hash");
      if (gridstat::Sha256Hex(r.findings) != r.findings_hash) return Fail(seq, "submission " + key + ": findings do not match their hash");
      Envelope env;
      Report report;
      int format = sub.Find("report_format") ? static_cast<int>(json::GetInt(sub, "report_format")) : 1;
      std::string again = RevalidateReport(r, format, &env, &report) ? ReportToJson(report) : std::string();
      if (again != r.findings) return Fail(seq, "submission " + key + ": re-running it under its definitions gives other findings" + (again.empty() ? " (" + problem_ + ")" : ""));
      if (auto g = submit_guards.find(key); g != submit_guards.end()) {
        std::string why = SubmitGuard(*g->second, env, report);
        if (!why.empty()) return Fail(g->second->seq, why);
      }
    }
    for (auto& [key, sub] : expected_subs)
      if (!seen.count(key)) return Fail(sub_seq[key], "submission " + key + " is missing from the store");
    // Every allowed step passed its guards, judged as the store judges them: a submission on
    // its own report, any other action on the latest submitted revision at that point.
    std::map<std::string, const Revision*> revisions;
    for (auto& r : d_.submissions) revisions[r.instance + "#" + std::to_string(r.revision)] = &r;
    for (auto& g : guard_checks) {
      if (g.submission) continue;  // judged above
      auto prog = Program(g.definitions);
      int w = prog ? prog->FindWorkflow(g.workflow) : -1;
      int a = w >= 0 ? prog->workflows[w].FindAction(g.action) : -1;
      if (a < 0) return Fail(g.seq, "names an action its definitions do not have");
      const auto& wf = prog->workflows[w];
      const auto& act = wf.actions[a];
      if (act.guards.empty()) continue;
      auto rv = revisions.find(g.instance + "#" + std::to_string(g.revision));
      const Revision* rev = rv == revisions.end() ? nullptr : rv->second;
      if (auto failing = workflow::ActGuardFailure(*prog, wf, act, rev ? &rev->envelope : nullptr, rev ? &rev->findings : nullptr, Lang::kZh))
        return Fail(g.seq, "'" + act.name + "' was allowed although its guard fails: " + *failing);
    }
    // The unit registry is what the accept events say.
    std::map<std::string, const Doc*> unit_rows;
    for (auto& u : d_.units) unit_rows[Str(u, "uscc")] = &u;
    if (unit_rows.size() != units.size()) return Fail(static_cast<int64_t>(d_.events.size()), "the unit registry does not match the accept events");
    for (auto& [uscc, want] : units) {
      auto it = unit_rows.find(uscc);
      int64_t seq = json::GetInt(want, "accepted_seq");
      if (it == unit_rows.end()) return Fail(seq, "unit " + uscc + " is missing from the registry");
      const Doc& row = *it->second;
      if (Str(row, "instance") != Str(want, "instance") || json::GetInt(row, "revision") != json::GetInt(want, "revision") ||
          Str(row, "division") != Str(want, "division") || json::GetInt(row, "accepted_seq") != seq)
        return Fail(seq, "unit " + uscc + " differs from its accept event");
      for (auto& r : d_.submissions) {
        if (r.instance != Str(want, "instance") || r.revision != json::GetInt(want, "revision")) continue;
        auto env = ParseJsonDocument(r.envelope);
        const Doc* data = env.ok() ? env->Find("data") : nullptr;
        const Doc* stored = row.Find("data");
        if (!data || !stored || json::Canonical(*data) != json::Canonical(*stored)) return Fail(seq, "unit " + uscc + ": data differs from the accepted record");
      }
    }
    if (json::Canonical(org) != json::Canonical(d_.org)) return Fail(static_cast<int64_t>(d_.events.size()), "the organisation differs from the last org event");
    if (d_.current_definitions != current_defs)
      return Fail(static_cast<int64_t>(d_.events.size()), "the current definitions differ from the last publish event");
    // Every stored definitions version was published, is what its hash says, and records the
    // event that first published it.
    for (auto& [hash, files] : d_.definitions) {
      auto fp = first_publish.find(hash);
      if (fp == first_publish.end()) return Fail(end_seq, "definitions " + hash + " are stored but were never published");
      if (!Program(hash)) return Fail(fp->second, "definitions " + hash + " are altered or do not compile");
      if (d_.has_published_seq) {
        auto ps = d_.published_seq.find(hash);
        if (ps == d_.published_seq.end() || ps->second != fp->second)
          return Fail(fp->second, "definitions " + hash + " name another publishing event");
      }
    }
    // meta holds exactly what the events account for.
    for (auto& [key, value] : d_.meta) {
      if (key == "current_definitions") continue;  // checked above
      if (key == "schema_version" && value == std::to_string(kSchemaVersion)) continue;
      // The last publish or org event that changed something: how open stores notice it.
      if (key == "state_seq" && value == std::to_string(state_seq)) continue;
      if (key == kAutoCheckpointKey && value == auto_checkpoint && !value.empty()) continue;
      return Fail(end_seq, "meta." + key + " is not what the events give");
    }
    if (!auto_checkpoint.empty() && !d_.meta.count(kAutoCheckpointKey))
      return Fail(end_seq, "meta." + std::string(kAutoCheckpointKey) + " is missing although a config event set it");
    return r_;
  }

 private:
  // Why an allowed (not refused) action event is not a lawful step, or "" when it is.
  // The organisation in force, indexed: every allowed action is checked against it.
  // Why the actor of event `b` is not a user of the top tier of `defs` at this point of the
  // log, or "" when they are.
  std::string TopTierActor(const Doc& b, const std::string& defs) {
    auto prog = Program(defs);
    if (!prog) return "names definitions " + defs + " that are missing or altered";
    std::string actor = Str(b, "actor"), role = Str(b, "role");
    if (!users_.count({actor, role, Str(b, "actor_division")}))
      return "was taken by '" + actor + "', who was not a user with that role and division";
    int r = prog->FindRole(role), top = 99;
    for (auto& t : prog->tiers) top = std::min(top, t.level);
    if (r < 0 || prog->roles[r].tier < 0 || prog->tiers[prog->roles[r].tier].level != top)
      return "was granted to role " + role + ", which is not of the top tier";
    return "";
  }

  // Why migrate event `b` is not a move the store makes of `inst` (the instance as its events
  // so far give it) to the definitions then current, or "" when it is. A state changes only by
  // a recorded mapping (`map`, with the state it had as `state_before`) that names a state the
  // new definitions no longer have, to one of theirs, as MappedState resolves it.
  std::string MigrateStep(const Doc& b, const Instance& inst, const std::string& current_defs, int64_t format) {
    std::string defs = Str(b, "definitions");
    if (defs != current_defs) return "migrates to definitions that were not current";
    if (Str(b, "from_definitions") != inst.definitions) return "migrates from definitions the instance was not on";
    if (b.Find("actor")) {
      if (std::string why = TopTierActor(b, current_defs); !why.empty()) return "migrate " + why;
    } else if (format >= 2) {
      return "migrate names no user";
    }
    if (Str(b, "workflow") != inst.workflow) return "migrates as workflow '" + Str(b, "workflow") + "', not the instance's '" + inst.workflow + "'";
    if (Str(b, "jurisdiction") != inst.division) return "migrate names another jurisdiction than the instance's";
    if (json::GetInt(b, "version") != inst.version + 1) return "version does not follow";
    const Doc* before_doc = b.Find("state_before");
    const Doc* map = b.Find("map");
    const std::string to = Str(b, "state");
    if (before_doc && (before_doc->kind != Doc::Kind::kString || before_doc->text == to))
      return "state_before must be the state the instance had, and differ from state";
    const std::string before = before_doc ? before_doc->text : to;
    if (before != inst.state) return "migrates from state '" + before + "', but the instance is in '" + inst.state + "'";
    auto prog = Program(defs);
    int w = prog ? prog->FindWorkflow(inst.workflow) : -1;
    if (w < 0) return "migrates to definitions without workflow " + inst.workflow;
    const auto& wf = prog->workflows[w];
    if (wf.FindState(to) < 0) return "migrates to state '" + to + "', which workflow " + inst.workflow + " of the new definitions does not have";
    if (!before_doc) {
      if (map) return "records a mapping but does not change the state";
      return "";
    }
    if (wf.FindState(before) >= 0) return "renames state '" + before + "', which the new definitions still have";
    std::map<std::string, std::string> states;
    if (map && map->kind == Doc::Kind::kObject)
      for (auto& [k, v] : map->members) {
        if (v.kind != Doc::Kind::kString) return "its mapping names a state that is not text";
        states[k] = v.text;
      }
    const std::string* mapped = MappedState(states, inst.workflow, before);
    if (!mapped || *mapped != to)
      return "changes the state from '" + before + "' to '" + to + "' without a mapping that says so";
    return "";
  }

  void IndexOrg(const Doc& org) {
    users_.clear();
    grid_village_.clear();
    if (const Doc* users = org.Find("users"))
      for (auto& u : users->items) users_.emplace(Str(u, "id"), Str(u, "role"), Str(u, "division"));
    if (const Doc* grids = org.Find("grids"))
      for (auto& g : grids->items) grid_village_[Str(g, "code")] = Str(g, "village");  // the last one holds
  }

  // The step an event records, re-judged by the policy the store judged it by (policy.h),
  // under the definitions the event names: "" when it is lawful.
  std::string Lawful(const Doc& b, bool has_from, const Instance* inst, const std::string& current_defs) {
    std::string defs = Str(b, "definitions");
    auto prog = Program(defs);
    if (!prog) return "names definitions " + defs + " that are missing or altered";
    if (!has_from && defs != current_defs) return "creates an instance under definitions that were not current";
    if (prog->division_tree < 0) return "its definitions have no division tree";
    int w = prog->FindWorkflow(Str(b, "workflow"));
    if (w < 0) return "names an unknown workflow";
    const auto& wf = prog->workflows[w];
    int a = wf.FindAction(Str(b, "action"));
    if (a < 0) return "names an action its workflow does not have";
    const auto& act = wf.actions[a];
    Policy policy(*prog);
    Step step;
    step.creates = !has_from;
    step.from = has_from ? Str(b, "from") : "";
    step.jurisdiction = has_from ? (inst ? inst->division : "") : Str(b, "jurisdiction");
    step.comment = Str(b, "comment");
    step.target = Str(b, "target");
    Verdict v = policy.Judge(wf, act, step);
    if (!v.ok()) return "'" + act.name + "' was not lawful there: " + v.en;
    if (Str(b, "to") != v.to) return "'" + act.name + "' does not lead to '" + Str(b, "to") + "'";
    if (has_from && Str(b, "jurisdiction") != v.jurisdiction) return "moves the instance where '" + act.name + "' does not";
    // The actor: a user of the organisation at that time, with the recorded role and division.
    Actor who{Str(b, "actor"), Str(b, "role"), Str(b, "actor_division"), ""};
    if (!users_.count({who.id, who.role, who.division}))
      return "was taken by '" + who.id + "', who was not a user with that role and division";
    who.scope = who.division;
    if (auto g = grid_village_.find(who.division); g != grid_village_.end()) who.scope = g->second;
    if (prog->FindRole(who.role) < 0) return "names an unknown role";
    if (!policy.MayTake(who, act, step.jurisdiction))
      return "'" + act.name + "' was taken by role " + who.role + " outside what that role may do there";
    return {};
  }

  VerifyResult Fail(int64_t seq, const std::string& problem) {
    r_.ok = false;
    r_.first_bad_seq = seq;
    r_.problem = problem;
    return r_;
  }

  std::shared_ptr<const compile::Program> Program(const std::string& hash) {
    auto it = programs_.find(hash);
    if (it != programs_.end()) return it->second;
    std::shared_ptr<const compile::Program> p;
    auto d = d_.definitions.find(hash);
    if (d != d_.definitions.end()) {
      auto doc = ParseJsonDocument(d->second);
      if (doc.ok()) {
        std::map<std::string, std::string> files;
        for (auto& [k, v] : doc->members) files[k] = v.text;
        auto c = CompileFiles(files);
        if (c.program && ProgramHash(*c.program) == hash) p = c.program;
      }
    }
    programs_[hash] = p;
    return p;
  }

  // Why a submission that was allowed fails the guards of its action, or "" when they hold.
  std::string SubmitGuard(const GuardCheck& g, const Envelope& env, const Report& report) {
    auto prog = Program(g.definitions);
    int w = prog ? prog->FindWorkflow(g.workflow) : -1;
    int a = w >= 0 ? prog->workflows[w].FindAction(g.action) : -1;
    if (a < 0) return "names an action its definitions do not have";
    const auto& wf = prog->workflows[w];
    const auto& act = wf.actions[a];
    auto failing = validate::FailingGuard(*prog, prog->surveys[wf.survey], env, report, act.guards, Lang::kZh);
    return failing ? "'" + act.name + "' was allowed although its guard fails: " + *failing : "";
  }

  // The report of a stored revision, made again as the store made it (policy.h): under its
  // recorded definitions, in its recorded report format, with its recorded previous-period
  // revision and the explanations that counted in the latest submitted revision before it;
  // false (and problem_) when that cannot be done.
  bool RevalidateReport(const Revision& r, int format, Envelope* env_out, Report* out) {
    workflow::RevisionInputs in;
    in.program = Program(r.definitions);
    if (!in.program) { problem_ = "definitions " + r.definitions + " missing or altered"; return false; }
    in.envelope = r.envelope;
    in.format = format;
    if (revisions_.empty())
      for (auto& p : d_.submissions) revisions_[{p.instance, p.revision}] = &p;
    if (!r.previous_instance.empty())
      if (auto p = revisions_.find({r.previous_instance, r.previous_revision}); p != revisions_.end())
        in.previous_envelope = &p->second->envelope;
    const Revision* earlier = nullptr;
    for (auto p = revisions_.lower_bound({r.instance, r.revision}); p != revisions_.begin();) {
      --p;
      if (p->first.first != r.instance) break;
      if (!p->second->draft) { earlier = p->second; break; }
    }
    ExplanationHistory counted;
    if (earlier) counted = workflow::CountedExplanations(earlier->envelope, earlier->findings);
    in.earlier = &counted;
    return workflow::RevisionReport(in, env_out, out, &problem_);
  }

  const AuditData& d_;
  std::set<std::tuple<std::string, std::string, std::string>> users_;  // (id, role, division)
  std::unordered_map<std::string, std::string> grid_village_;  // grid code -> its village
  VerifyResult r_;
  std::map<std::string, std::shared_ptr<const compile::Program>> programs_;
  std::string problem_;
  std::map<std::pair<std::string, int64_t>, const Revision*> revisions_;  // (instance, revision) -> the row
};

Result<AuditData> LoadFromDbLocked(Db* db);

// The objects of sqlite_master, as "type name on table: sql" lines.
Result<std::set<std::string>> SchemaObjects(sqlite3* db) {
  std::set<std::string> out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master", -1, &st, nullptr) != SQLITE_OK)
    return Status::Io(std::string("sqlite: ") + sqlite3_errmsg(db));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    auto col = [&](int i) { auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i)); return std::string(p ? p : ""); };
    out.insert(col(0) + " " + col(1) + " on " + col(2) + ": " + col(3));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::Io(std::string("sqlite: ") + sqlite3_errmsg(db));
  return out;
}

// How the store's schema differs from the one gridstat creates (empty when it does not): an
// added trigger could rewrite what commands store, a view or table could hide data, an added
// or changed column is outside what the verifier reads.
Result<std::string> SchemaProblem(Db* db) {
  auto have = SchemaObjects(db->raw());
  if (!have.ok()) return have.status();
  sqlite3* fresh = nullptr;
  if (sqlite3_open(":memory:", &fresh) != SQLITE_OK) { sqlite3_close(fresh); return Status::Internal("cannot open an in-memory database"); }
  std::set<std::string> want;
  if (sqlite3_exec(fresh, SchemaSql(), nullptr, nullptr, nullptr) == SQLITE_OK) {
    auto w = SchemaObjects(fresh);
    if (w.ok()) want = std::move(*w);
  }
  sqlite3_close(fresh);
  if (want.empty()) return Status::Internal("cannot build the reference schema");
  for (auto& x : *have)
    if (!want.count(x)) return "the schema has an object gridstat does not create: " + x;
  for (auto& x : want)
    if (!have->count(x)) return "the schema lacks or changed an object gridstat creates: " + x;
  return std::string();
}

// Everything is read in one read transaction: one snapshot of the WAL, so that commands
// committed by others while it reads can never make the store look inconsistent.
Result<AuditData> LoadFromDb(Db* db) {
  Status st = db->Exec("BEGIN");
  if (!st.ok()) return st;
  auto d = LoadFromDbLocked(db);
  db->Rollback();  // nothing was written
  return d;
}

Result<AuditData> LoadFromDbLocked(Db* db) {
  AuditData d;
  Stmt e(db, "SELECT seq, instance, request_id, body, prev_hash, hash FROM events ORDER BY seq");
  while (e.Step()) d.events.push_back({e.Int(0), e.Text(1), e.Text(2), e.Text(3), e.Text(4), e.Text(5)});
  if (!e.status().ok()) return e.status();
  Stmt meta(db, "SELECT key, value FROM meta");
  while (meta.Step()) d.meta[meta.Text(0)] = meta.Text(1);
  if (!meta.status().ok()) return meta.status();
  d.current_definitions = d.meta.count("current_definitions") ? d.meta["current_definitions"] : "";
  Stmt df(db, "SELECT hash, files, published_seq FROM definitions");
  while (df.Step()) {
    d.definitions[df.Text(0)] = df.Text(1);
    d.published_seq[df.Text(0)] = df.Int(2);
  }
  d.has_published_seq = true;
  auto schema = SchemaProblem(db);
  if (!schema.ok()) return schema.status();
  d.schema_problem = *schema;
  Stmt s(db, "SELECT instance, revision, draft, envelope, data_hash, findings, findings_hash, status, definitions, "
             "previous_instance, previous_revision, seq FROM submissions ORDER BY seq, instance, revision");
  while (s.Step()) {
    Revision r;
    r.instance = s.Text(0); r.revision = s.Int(1); r.draft = s.Int(2) != 0; r.envelope = s.Text(3); r.data_hash = s.Text(4);
    r.findings = s.Text(5); r.findings_hash = s.Text(6); r.status = s.Text(7); r.definitions = s.Text(8);
    r.previous_instance = s.Text(9); r.previous_revision = s.Int(10); r.seq = s.Int(11);
    d.submissions.push_back(r);
  }
  Stmt in(db, "SELECT id, workflow, survey, period, record_key, division, state, version, definitions, created_seq, task FROM instances ORDER BY id");
  while (in.Step()) {
    Instance i;
    i.id = in.Text(0); i.workflow = in.Text(1); i.survey = in.Text(2); i.period = in.Text(3); i.record_key = in.Text(4);
    i.division = in.Text(5); i.state = in.Text(6); i.version = in.Int(7); i.definitions = in.Text(8); i.created_seq = in.Int(9);
    i.task = in.Text(10);
    d.instances.push_back(i);
  }
  Stmt u(db, "SELECT uscc, instance, revision, division, data, accepted_seq FROM units ORDER BY uscc");
  while (u.Step()) {
    auto data = ParseJsonDocument(u.Text(4));
    d.units.push_back(json::Obj({{"uscc", json::Str(u.Text(0))}, {"instance", json::Str(u.Text(1))}, {"revision", json::Int(u.Int(2))},
                                 {"division", json::Str(u.Text(3))}, {"data", data.ok() ? *data : json::Null()},
                                 {"accepted_seq", json::Int(u.Int(5))}}));
  }
  Org org;
  Stmt us(db, "SELECT id, name, role, division FROM users ORDER BY rowid");
  while (us.Step()) org.users.push_back({us.Text(0), us.Text(1), us.Text(2), us.Text(3)});
  Stmt gs(db, "SELECT code, village, name FROM grids ORDER BY rowid");
  while (gs.Step()) org.grids.push_back({gs.Text(0), gs.Text(1), gs.Text(2)});
  d.org = OrgToDoc(org);
  return d;
}

Status WriteFile(const fs::path& p, const std::string& content) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  if (!f || !f.write(content.data(), static_cast<std::streamsize>(content.size())) || !f.flush())
    return Status::Io("cannot write " + p.string());
  return Status::Ok();
}

std::string M(Lang lang, const std::string& zh, const std::string& en) { return lang == Lang::kEn ? en : zh; }

// ---- checkpoints ----------------------------------------------------------------
// Version 2 signs its time together with the count and head hash. Version 1 files (no
// "version" member) signed only the count and head; they are still read, and said to be v1.
struct CheckpointDoc {
  int version = 2;
  int64_t events = 0;
  std::string head, at, signature;  // signature: base64
};

std::string SignedText(const CheckpointDoc& c) {
  if (c.version == 1) return "gridstat-checkpoint\n" + std::to_string(c.events) + "\n" + c.head + "\n";
  return "gridstat-checkpoint v2\n" + std::to_string(c.events) + "\n" + c.head + "\n" + c.at + "\n";
}

std::optional<CheckpointDoc> ParseCheckpoint(const std::string& text) {
  auto doc = ParseJsonDocument(text);
  if (!doc.ok() || doc->kind != Doc::Kind::kObject) return std::nullopt;
  CheckpointDoc c;
  const Doc* v = doc->Find("version");
  if (!v) c.version = 1;
  else if (v->kind == Doc::Kind::kNumber && v->text == "2") c.version = 2;
  else return std::nullopt;
  const Doc* ev = doc->Find("events");
  if (!ev || ev->kind != Doc::Kind::kNumber || !json::GetStr(*doc, "head") || !json::GetStr(*doc, "signature")) return std::nullopt;
  c.events = json::GetInt(*doc, "events");
  c.head = Str(*doc, "head");
  c.at = Str(*doc, "at");
  c.signature = Str(*doc, "signature");
  if (c.events <= 0 || c.head.size() != 64 || (c.version == 2 && c.at.empty())) return std::nullopt;
  return c;
}

Doc CheckpointToDoc(const CheckpointDoc& c) {
  return json::Obj({{"version", json::Int(c.version)}, {"events", json::Int(c.events)}, {"head", json::Str(c.head)},
                    {"at", json::Str(c.at)}, {"signature", json::Str(c.signature)}});
}

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// An Ed25519 key from PEM text, or null.
PKey ReadKey(const std::string& pem, bool private_key) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = nullptr;
  if (bio) k = private_key ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k && EVP_PKEY_id(k) != EVP_PKEY_ED25519) { EVP_PKEY_free(k); k = nullptr; }
  return PKey(k, EVP_PKEY_free);
}

std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (bio && PEM_write_bio_PUBKEY(bio, key) == 1) {
    char* p = nullptr;
    long n = BIO_get_mem_data(bio, &p);
    if (n > 0) out.assign(p, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

// The private key of a key file, or why it cannot be used.
Result<PKey> LoadPrivateKey(const std::string& file, Lang lang) {
  auto pem = ReadRegular(file, 1 << 20, true);
  if (!pem.ok()) return Status::Io(M(lang, "无法读取私钥 ", "cannot read key ") + file + ": " + pem.status().message());
  PKey key = ReadKey(*pem, true);
  if (!key) return Status::Invalid(M(lang, "私钥应为 PEM 格式的 Ed25519 私钥", "the key must be a PEM Ed25519 private key"));
  return key;
}

Result<CheckpointDoc> SignCheckpoint(EVP_PKEY* key, int64_t events, const std::string& head, const std::string& at) {
  CheckpointDoc c;
  c.events = events;
  c.head = head;
  c.at = at;
  std::string msg = SignedText(c);
  unsigned char sig[64];
  size_t siglen = sizeof sig;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestSign(ctx, sig, &siglen, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::Internal("signing failed");
  unsigned char b64[128];
  int len = EVP_EncodeBlock(b64, sig, static_cast<int>(siglen));
  c.signature.assign(reinterpret_cast<char*>(b64), static_cast<size_t>(len));
  return c;
}

bool SignatureHolds(EVP_PKEY* key, const CheckpointDoc& c) {
  unsigned char sig[96];
  int len = c.signature.size() <= 128
                ? EVP_DecodeBlock(sig, reinterpret_cast<const unsigned char*>(c.signature.data()), static_cast<int>(c.signature.size()))
                : -1;
  std::string msg = SignedText(c);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && len >= 64 && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, sig, 64, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// Automatic checkpoints are named by the events they cover, so that the newest sorts last.
std::string CheckpointName(int64_t events) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "checkpoint-%012lld.json", static_cast<long long>(events));
  return buf;
}

bool ParseCheckpointName(const std::string& name, int64_t* events) {
  const std::string pre = "checkpoint-", suf = ".json";
  if (name.size() <= pre.size() + suf.size() || name.compare(0, pre.size(), pre) != 0 ||
      name.compare(name.size() - suf.size(), suf.size(), suf) != 0)
    return false;
  std::string digits = name.substr(pre.size(), name.size() - pre.size() - suf.size());
  if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  *events = std::stoll(digits);
  return true;
}

// The checkpoints of a directory (files named checkpoint-N.json), ordered by N. Other names,
// such as a checkpoint still being written, are not checkpoints.
Result<std::vector<std::pair<int64_t, fs::path>>> ListCheckpoints(const std::string& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return Status::Io("not a directory: " + dir);
  std::vector<std::pair<int64_t, fs::path>> out;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    int64_t n = 0;
    if (ParseCheckpointName(it->path().filename().string(), &n)) out.emplace_back(n, it->path());
  }
  if (ec) return Status::Io("cannot read " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Seconds since the epoch of an RFC 3339 UTC time ("2022-01-10T02:00:00Z"), or -1.
int64_t ParseUtc(const std::string& t) {
  std::tm tm{};
  if (t.size() != 20 || !strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

// Checks the signed checkpoints asked for against a log that Verifier has passed. Every
// checkpoint found is checked, not only the newest: a checkpoint added later, even with a
// stolen key, cannot hide a rewrite of what an earlier one covers.
VerifyResult CheckCheckpoints(const AuditData& d, VerifyResult r, const VerifyOptions& o) {
  Lang lang = o.lang;
  auto cannot = [&](const std::string& p) { r.ok = false; r.cannot_run = true; r.first_bad_seq = 0; r.problem = p; return r; };
  auto fail = [&](int64_t seq, const std::string& p) { r.ok = false; r.first_bad_seq = seq; r.problem = p; return r; };
  std::vector<fs::path> files;
  bool named = false;  // the user named the file: it may be a symlink, and an unreadable one is a usage error
  std::string pem;
  if (!o.checkpoint.empty() || !o.checkpoint_dir.empty()) {
    if (o.pubkey.empty()) return cannot(M(lang, "检查点需要其公钥(--pubkey)", "a checkpoint needs its public key (--pubkey)"));
    auto k = ReadRegular(o.pubkey, 1 << 20, true);
    if (!k.ok()) return cannot(M(lang, "无法读取公钥 ", "cannot read public key ") + o.pubkey + ": " + k.status().message());
    pem = *k;
    r.checkpoint_key = o.pubkey;
    if (!o.checkpoint.empty()) {
      files.push_back(o.checkpoint);
      named = true;
    } else {
      auto list = ListCheckpoints(o.checkpoint_dir);
      if (!list.ok()) return cannot(M(lang, "无法读取检查点目录 ", "cannot read the checkpoint directory ") + o.checkpoint_dir);
      if (list->empty()) return cannot(M(lang, "检查点目录中没有检查点: ", "no checkpoint in ") + o.checkpoint_dir);
      for (auto& [n, p] : *list) files.push_back(p);
    }
  } else if (o.configured_dir) {
    auto it = d.meta.find(kAutoCheckpointKey);
    if (it == d.meta.end()) return r;
    auto cfg = ParseJsonDocument(it->second);
    std::string dir = cfg.ok() ? Str(*cfg, "dir") : "";
    pem = cfg.ok() ? Str(*cfg, "pubkey") : "";
    auto list = ListCheckpoints(dir);
    if (!list.ok()) {
      r.note = M(lang, "配置的检查点目录 " + dir + " 无法读取", "the configured checkpoint directory " + dir + " cannot be read");
      return r;
    }
    if (list->empty()) {
      r.note = M(lang, "配置的检查点目录 " + dir + " 中还没有检查点", "the configured checkpoint directory " + dir + " holds no checkpoint yet");
      return r;
    }
    for (auto& [n, p] : *list) files.push_back(p);
    r.checkpoint_key = M(lang, "数据库中记录的公钥(用 --pubkey 指定另行保管的公钥更可靠)",
                         "the public key recorded in the store (--pubkey with a key kept elsewhere is stronger)");
  } else {
    return r;
  }
  PKey key = ReadKey(pem, false);
  if (!key) return cannot(M(lang, "公钥应为 PEM 格式的 Ed25519 公钥", "the public key must be a PEM Ed25519 public key"));
  const int64_t n_events = static_cast<int64_t>(d.events.size());
  std::optional<CheckpointDoc> latest;
  for (auto& f : files) {
    const std::string name = f.string();
    auto text = ReadRegular(name, 1 << 20, named);
    if (!text.ok()) {
      if (named) return cannot(M(lang, "无法读取检查点 ", "cannot read checkpoint ") + name + ": " + text.status().message());
      return fail(n_events, "checkpoint " + name + " cannot be read: " + text.status().message());
    }
    auto c = ParseCheckpoint(*text);
    if (!c) {
      if (named) return cannot(M(lang, "检查点文件格式不对: ", "the checkpoint file is malformed: ") + name);
      return fail(n_events, "checkpoint " + name + " is malformed");
    }
    if (!SignatureHolds(key.get(), *c)) return fail(0, "the signature of checkpoint " + name + " does not verify with this public key");
    if (n_events < c->events)
      return fail(n_events + 1, "the log has " + std::to_string(n_events) + " events but checkpoint " + name + " vouches for " +
                                    std::to_string(c->events) + ": events were dropped");
    if (d.events[static_cast<size_t>(c->events - 1)].hash != c->head)
      return fail(c->events, "event " + std::to_string(c->events) + " is not the one checkpoint " + name + " signed: the log was rewritten");
    ++r.checkpoints_checked;
    if (!latest || c->events > latest->events || (c->events == latest->events && c->at > latest->at)) {
      latest = c;
      r.checkpoint_file = name;
    }
  }
  r.checkpoint_version = latest->version;
  r.checkpoint_events = latest->events;
  r.checkpoint_head = latest->head;
  r.checkpoint_at = latest->version >= 2 ? latest->at : "";
  return r;
}

}  // namespace

VerifyResult StoreImpl::Verify() { return Verify(VerifyOptions()); }

VerifyResult StoreImpl::Verify(const VerifyOptions& options) {
  auto d = LoadFromDb(db_.get());
  if (!d.ok()) {
    VerifyResult r;
    r.ok = false;
    r.cannot_run = true;
    r.problem = d.status().message();
    return r;
  }
  VerifyResult r = Verifier(*d).Run();
  if (!r.ok) return r;
  return CheckCheckpoints(*d, r, options);
}

std::vector<std::string> StoreImpl::TakeWarnings() {
  std::vector<std::string> w;
  w.swap(warnings_);
  return w;
}

Status StoreImpl::Backup(const std::string& out_file) {
  if (fs::exists(out_file)) return Status::Invalid(out_file + Msg(" 已存在", " already exists"));
  sqlite3* dest = nullptr;
  if (sqlite3_open(out_file.c_str(), &dest) != SQLITE_OK) {
    std::string m = dest ? sqlite3_errmsg(dest) : "out of memory";
    sqlite3_close(dest);
    return Status::Io("cannot create " + out_file + ": " + m);
  }
  // Copied in steps, so that writers are held up only briefly; a change made during
  // the copy makes SQLite restart it, and the result is one consistent state.
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", db_->raw(), "main");
  int rc = SQLITE_OK;
  if (b) {
    do {
      rc = sqlite3_backup_step(b, 256);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
  }
  std::string err = sqlite3_errmsg(dest);
  int final_rc = sqlite3_errcode(dest);
  sqlite3_close(dest);
  if (!b || rc != SQLITE_DONE || final_rc != SQLITE_OK) {
    fs::remove(out_file);
    return Status::Io("backup failed: " + err);
  }
  return Status::Ok();
}

ActionResult StoreImpl::ExportAudit(const std::string& actor, const std::string& dir) {
  // Never into a folder that holds something: an old export mixed with a new one would not
  // verify, or worse, would verify as something it is not.
  std::error_code ec;
  auto type = fs::symlink_status(dir, ec).type();
  if (type != fs::file_type::not_found) {
    if (type != fs::file_type::directory || !fs::is_empty(dir, ec) || ec)
      return MakeResult("", Outcome::kCannotRun, "exists",
                     Msg(dir + " 已存在且不是空目录,未导出", dir + " exists and is not an empty directory; nothing was exported"));
  }
  // The same rule as export --unmasked: the export holds every ID number in full.
  Status st = BeginCommand();
  if (!st.ok()) return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
  const User* user = org_.FindUser(actor);
  EventBody body = NewEvent(EventKind::kExport, actor, user);
  body.Set(Ev::kWhat, json::Str("audit")).Set(Ev::kUnmasked, json::Bool(true)).Set(Ev::kDefinitions, json::Str(current_hash_));
  ActionResult result;
  bool granted = TopTier(user);
  if (!granted) {
    result = MakeResult("", Outcome::kRefused, user ? "no_permission" : "no_user",
                     user ? Msg("只有最上级的用户可以导出审计数据(含完整的身份证号码)", "only a user of the top tier may export the audit data (ID numbers in full)")
                          : Msg("用户「" + actor + "」不存在", "no user '" + actor + "'"));
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(result.code));
  } else {
    body.Set(Ev::kRefused, json::Bool(false));
  }
  auto ev = AppendEvent(body);
  if (!ev.ok() || !(st = db_->Commit()).ok()) {
    db_->Rollback();
    return MakeResult("", Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message());
  }
  AfterCommit();
  if (!granted) return result;
  // Read after the commit, so that the export holds the event that records it and verifies
  // offline as a whole; commands committed meanwhile are simply part of it too.
  auto d = LoadFromDb(db_.get());
  if (!d.ok()) return MakeResult("", Outcome::kCannotRun, "store", d.status().message());
  bool created = !fs::exists(dir, ec);
  fs::create_directories(fs::path(dir) / "definitions", ec);
  if (ec) return MakeResult("", Outcome::kCannotRun, "store", Msg("无法创建 ", "cannot create ") + dir + ": " + ec.message());
  std::string events, subs, insts, units;
  for (auto& e : d->events)
    events += json::Canonical(json::Obj({{"seq", json::Int(e.seq)}, {"instance", json::Str(e.instance)}, {"request_id", json::Str(e.request_id)},
                                         {"body", json::Str(e.body)}, {"prev_hash", json::Str(e.prev_hash)}, {"hash", json::Str(e.hash)}})) + "\n";
  for (auto& r : d->submissions) subs += json::Canonical(RevisionDoc(r)) + "\n";
  for (auto& i : d->instances) insts += json::Canonical(InstanceRowDoc(i)) + "\n";
  for (auto& u : d->units) units += json::Canonical(u) + "\n";
  Doc meta = json::Obj();
  for (auto& [k, v] : d->meta) meta.members.emplace_back(k, json::Str(v));
  Status w;
  auto write = [&](const fs::path& p, const std::string& content) { if (w.ok()) w = WriteFile(p, content); };
  write(fs::path(dir) / "events.jsonl", events);
  write(fs::path(dir) / "submissions.jsonl", subs);
  write(fs::path(dir) / "instances.jsonl", insts);
  write(fs::path(dir) / "units.jsonl", units);
  write(fs::path(dir) / "org.json", json::Canonical(d->org) + "\n");
  write(fs::path(dir) / "meta.json", json::Canonical(meta) + "\n");
  for (auto& [hash, files] : d->definitions) write(fs::path(dir) / "definitions" / (hash + ".json"), files);
  if (!w.ok()) {
    // A half-written export is not handed out. The request stays recorded as granted.
    if (created) fs::remove_all(dir, ec);
    return MakeResult("", Outcome::kCannotRun, "store", w.message());
  }
  return result;
}

Status StoreImpl::Checkpoint(const std::string& key_pem_file, const std::string& out_file) {
  Stmt last(db_.get(), "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!last.Step()) return Status::Invalid(Msg("事件日志为空", "the event log is empty"));
  auto key = LoadPrivateKey(key_pem_file, lang_);
  if (!key.ok()) return key.status();
  auto cp = SignCheckpoint(key->get(), last.Int(0), last.Text(1), Now());
  if (!cp.ok()) return cp.status();
  return WriteFile(out_file, json::Canonical(CheckpointToDoc(*cp)) + "\n");
}

VerifyResult StoreImpl::VerifyCheckpoint(const std::string& checkpoint_file, const std::string& pubkey_file) {
  VerifyOptions o;
  o.checkpoint = checkpoint_file;
  o.pubkey = pubkey_file;
  o.lang = lang_;
  if (checkpoint_file.empty()) {  // still a checkpoint check: a missing name is not "no checkpoint"
    VerifyResult r;
    r.ok = false;
    r.cannot_run = true;
    r.problem = Msg("没有指定检查点文件", "no checkpoint file given");
    return r;
  }
  return Verify(o);
}

ActionResult StoreImpl::ConfigureAutoCheckpoint(const std::string& actor, const AutoCheckpoint& config) {
  Doc value = json::Null();
  if (!config.off) {
    std::error_code ec;
    if (config.dir.empty() || !fs::is_directory(config.dir, ec))
      return MakeResult("", Outcome::kCannotRun, "usage", Msg("检查点目录不存在: ", "no such checkpoint directory: ") + config.dir);
    if (config.every_events < 0 || config.every_minutes < 0 || (config.every_events == 0 && config.every_minutes == 0))
      return MakeResult("", Outcome::kCannotRun, "usage",
                     Msg("需要 --every-events 或 --every-minutes(正整数)", "--every-events or --every-minutes (a positive number) is needed"));
    auto key = LoadPrivateKey(config.key, lang_);
    if (!key.ok()) return MakeResult("", Outcome::kCannotRun, "usage", key.status().message());
    // Absolute paths: later commands may run from another directory.
    value = json::Obj({{"dir", json::Str(fs::absolute(config.dir).lexically_normal().string())},
                       {"key", json::Str(fs::absolute(config.key).lexically_normal().string())},
                       {"pubkey", json::Str(PublicPem(key->get()))},
                       {"every_events", json::Int(config.every_events)}, {"every_minutes", json::Int(config.every_minutes)}});
  }
  Status st = BeginCommand();
  if (!st.ok()) return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
  const User* user = org_.FindUser(actor);
  EventBody body = NewEvent(EventKind::kConfig, actor, user);
  body.Set(Ev::kAutoCheckpoint, value).Set(Ev::kDefinitions, json::Str(current_hash_));
  ActionResult result;
  bool granted = TopTier(user);
  if (!granted) {
    result = MakeResult("", Outcome::kRefused, user ? "no_permission" : "no_user",
                     user ? Msg("只有最上级的用户可以配置自动检查点", "only a user of the top tier may configure automatic checkpoints")
                          : Msg("用户「" + actor + "」不存在", "no user '" + actor + "'"));
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(result.code));
  } else {
    body.Set(Ev::kRefused, json::Bool(false));
  }
  auto ev = AppendEvent(body);
  if (ev.ok() && granted) {
    Stmt up(db_.get(), value.kind == Doc::Kind::kNull ? "DELETE FROM meta WHERE key = ?1"
                                                       : "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    up.Bind(1, std::string(kAutoCheckpointKey));
    if (value.kind != Doc::Kind::kNull) up.Bind(2, json::Canonical(value));
    st = up.Run();
  }
  if (!ev.ok() || !st.ok() || !(st = db_->Commit()).ok()) {
    db_->Rollback();
    return MakeResult("", Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message());
  }
  AfterCommit();  // the first checkpoint at once, which also shows that the directory is writable
  return result;
}

Status StoreImpl::AfterCommit() {
  auto warn = [&](const Status& st) {
    warnings_.push_back(Msg("警告: 命令已完成,但未能写入自动检查点: ", "warning: the command was done, but the automatic checkpoint could not be written: ") +
                        st.message());
    return st;
  };
  Stmt m(db_.get(), "SELECT value FROM meta WHERE key = ?");
  m.Bind(1, std::string(kAutoCheckpointKey));
  if (!m.Step()) return m.status().ok() ? Status::Ok() : warn(m.status());
  auto cfg = ParseJsonDocument(m.Text(0));
  if (!cfg.ok()) return warn(Status::Invalid("meta.auto_checkpoint is malformed"));
  std::string dir = Str(*cfg, "dir");
  int64_t every_events = json::GetInt(*cfg, "every_events"), every_minutes = json::GetInt(*cfg, "every_minutes");
  Stmt last(db_.get(), "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!last.Step()) return last.status().ok() ? Status::Ok() : warn(last.status());
  int64_t n = last.Int(0);
  std::string head = last.Text(1);
  auto list = ListCheckpoints(dir);
  if (!list.ok()) return warn(list.status());
  std::string now = Now();
  bool due = list->empty();
  if (!due) {
    int64_t last_n = list->back().first;
    due = every_events > 0 && n - last_n >= every_events;
    if (!due && every_minutes > 0 && n > last_n) {
      auto text = ReadRegular(list->back().second.string(), 1 << 20, false);
      auto c = text.ok() ? ParseCheckpoint(*text) : std::nullopt;
      int64_t then = c ? ParseUtc(c->at) : -1, t = ParseUtc(now);
      due = then < 0 || t < 0 || t - then >= every_minutes * 60;
    }
  }
  if (!due) return Status::Ok();
  auto key = LoadPrivateKey(Str(*cfg, "key"), lang_);
  if (!key.ok()) return warn(key.status());
  auto cp = SignCheckpoint(key->get(), n, head, now);
  if (!cp.ok()) return warn(cp.status());
  // Written aside and renamed, so that a checkpoint is never seen half-written.
  fs::path final_path = fs::path(dir) / CheckpointName(n);
  fs::path tmp = fs::path(dir) / ("." + CheckpointName(n) + "." + std::to_string(::getpid()) + ".tmp");
  Status st = WriteFile(tmp, json::Canonical(CheckpointToDoc(*cp)) + "\n");
  std::error_code ec;
  if (st.ok()) {
    fs::rename(tmp, final_path, ec);
    if (ec) st = Status::Io("cannot write " + final_path.string() + ": " + ec.message());
  }
  if (!st.ok()) {
    fs::remove(tmp, ec);
    return warn(st);
  }
  return Status::Ok();
}

Result<std::vector<Doc>> StoreImpl::Replay(const std::string& defs_dir, std::vector<Diagnostic>* diags) {
  auto compiled = CompileDirectory(defs_dir);
  *diags = compiled.diagnostics;
  if (!compiled.program) return Status::Invalid(Msg("定义编译失败", "the definitions do not compile"));
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

}  // namespace store

VerifyResult VerifyExport(const std::string& dir, const VerifyOptions& options) {
  namespace fs = std::filesystem;
  store::AuditData d;
  VerifyResult bad;
  bad.ok = false;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    bad.cannot_run = true;
    bad.problem = store::M(options.lang, "审计导出目录不存在: ", "no such audit export directory: ") + dir;
    return bad;
  }
  // Only regular files are read, never through a symlink: an export is hostile input.
  auto read = [&](const std::string& name, size_t max) { return store::ReadRegular((fs::path(dir) / name).string(), max, false); };
  auto lines = [&](const std::string& name, const std::function<bool(const Doc&)>& each) -> bool {
    auto text = read(name, size_t{8} << 30);
    if (!text.ok()) { bad.problem = "cannot read " + name + ": " + text.status().message(); return false; }
    size_t pos = 0;
    while (pos < text->size()) {
      size_t eol = text->find('\n', pos);
      if (eol == std::string::npos) eol = text->size();
      std::string line = text->substr(pos, eol - pos);
      pos = eol + 1;
      if (line.empty()) continue;
      auto doc = ParseJsonDocument(line);
      if (!doc.ok() || !each(*doc)) { bad.problem = name + ": malformed line"; return false; }
    }
    return true;
  };
  auto s = [](const Doc& x, const char* k) { const std::string* v = json::GetStr(x, k); return v ? *v : std::string(); };
  if (!lines("events.jsonl", [&](const Doc& x) {
        d.events.push_back({json::GetInt(x, "seq"), s(x, "instance"), s(x, "request_id"), s(x, "body"), s(x, "prev_hash"), s(x, "hash")});
        return true;
      }))
    return bad;
  if (!lines("submissions.jsonl", [&](const Doc& x) { d.submissions.push_back(store::RevisionFromDoc(x)); return true; })) return bad;
  if (!lines("instances.jsonl", [&](const Doc& x) { d.instances.push_back(store::InstanceFromDoc(x)); return true; })) return bad;
  if (!lines("units.jsonl", [&](const Doc& x) { d.units.push_back(x); return true; })) return bad;
  auto org = read("org.json", 64u << 20);
  if (!org.ok()) { bad.problem = "cannot read org.json: " + org.status().message(); return bad; }
  auto od = ParseJsonDocument(*org);
  if (!od.ok()) { bad.problem = "org.json is malformed"; return bad; }
  d.org = *od;
  auto meta = read("meta.json", 1 << 20);
  auto md = meta.ok() ? ParseJsonDocument(*meta) : Result<Doc>(Status::Invalid("meta"));
  if (!md.ok() || md->kind != Doc::Kind::kObject) { bad.problem = "cannot read meta.json"; return bad; }
  for (auto& [k, v] : md->members) d.meta[k] = v.kind == Doc::Kind::kString ? v.text : json::Canonical(v);
  d.current_definitions = store::Str(*md, "current_definitions");
  fs::path defs = fs::path(dir) / "definitions";
  if (fs::symlink_status(defs, ec).type() != fs::file_type::directory) { bad.problem = "definitions is not a directory"; return bad; }
  for (auto it = fs::directory_iterator(defs, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    auto text = read("definitions/" + name, 512u << 20);
    if (!text.ok() || it->path().extension() != ".json") { bad.problem = "definitions/" + name + " is not a definitions file"; return bad; }
    d.definitions[it->path().stem().string()] = *text;
  }
  if (ec) { bad.problem = "cannot read the definitions directory"; return bad; }
  VerifyResult r = store::Verifier(d).Run();
  if (!r.ok) return r;
  return store::CheckCheckpoints(d, r, options);
}

}  // namespace gridstat
