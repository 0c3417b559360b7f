// The verifier: the hash chain of events, every instance, submission and unit row as its
// events give it, every allowed step lawful under the policy (workflow/policy.h) and the
// organisation of its time, every guard holding, every stored submission re-run under its
// recorded definitions to the same findings, and meta and the definitions as the publish,
// org and config events leave them. It reads hostile input: an export can be anything.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "common/files.h"
#include "common/json.h"
#include "validate/guard.h"
#include "store/audit.h"

namespace gridstat::store {
namespace {

std::string Problem(std::string_view key, MessageArgs args = {}) { return AuditProblem(key, args); }

// A problem of `subject` (a change to the whole store, an export, a migration): why, from
// TopTierActor, said of it.
std::string About(const std::string& subject, const std::string& why) {
  return Problem("verify/subject", {{"subject", subject}, {"why", why}});
}

// A change to the whole store, as a problem names it: a publish or an org event.
std::string StoreChange(const std::string& kind) {
  return Problem(kind == "publish" ? "audit_subject/publish" : "audit_subject/org");
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
      if (e.seq != want_seq)
        return Fail(want_seq, Problem("verify/event_missing",
                                      {{"seq", std::to_string(want_seq)}, {"found", std::to_string(e.seq)}}));
      if (e.prev_hash != prev) return Fail(e.seq, Problem("verify/prev_hash"));
      if (gridstat::Sha256Hex(e.prev_hash + "\n" + e.body) != e.hash) return Fail(e.seq, Problem("verify/hash"));
      prev = e.hash;
      auto body = ParseJsonDocument(e.body);
      if (!body.ok()) return Fail(e.seq, Problem("verify/body_json"));
      if (json::Canonical(*body) != e.body) return Fail(e.seq, Problem("verify/body_canonical"));
      bodies[n] = std::move(*body);
      const Doc& b = bodies[n];
      if (json::GetInt(b, "seq") != e.seq) return Fail(e.seq, Problem("verify/body_seq"));
      const std::string* inst_id = json::GetStr(b, "instance");
      const std::string* req = json::GetStr(b, "request_id");
      if (e.instance != (inst_id ? *inst_id : "")) return Fail(e.seq, Problem("verify/instance_column"));
      if (e.request_id != (req ? *req : "")) return Fail(e.seq, Problem("verify/request_id_column"));
      const std::string kind = json::GetStr(b, "kind") ? Str(b, "kind") : "";
      // Events carry the format they were written in (absent: 1). It never goes back, so
      // that an old-style event cannot be slipped in after new ones to dodge their checks.
      int64_t event_format = b.Find("format") ? json::GetInt(b, "format") : 1;
      if (event_format < format)
        return Fail(e.seq, Problem("verify/format",
                                   {{"format", std::to_string(event_format)}, {"before", std::to_string(format)}}));
      format = event_format;
      if (kind == "publish" || kind == "org") {
        const Doc* refused = b.Find("refused");
        if (refused && (refused->kind != Doc::Kind::kBool)) return Fail(e.seq, Problem("verify/no_refused"));
        if (refused && refused->boolean) continue;  // a refused change changed nothing
        state_seq = e.seq;
        // From format 2 on, a change to the whole store names a user of the top tier; only
        // the two events of `init`, before any user exists, name no one.
        if (b.Find("actor")) {
          if (std::string why = TopTierActor(b, current_defs); !why.empty())
            return Fail(e.seq, About(StoreChange(kind), why));
        } else if (format >= 2 && e.seq > 2) {
          return Fail(e.seq, Problem("verify/no_actor", {{"subject", StoreChange(kind)}}));
        }
      }
      if (kind == "publish") {
        const std::string* h = json::GetStr(b, "definitions");
        if (!h || !d_.definitions.count(*h)) return Fail(e.seq, Problem("verify/published_not_stored"));
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
        if (!refused || refused->kind != Doc::Kind::kBool) return Fail(e.seq, Problem("verify/no_refused"));
        if (refused->boolean) continue;
        std::string defs = Str(b, "definitions");
        if (defs != current_defs) return Fail(e.seq, Problem("verify/not_current", {{"definitions", defs}}));
        if (std::string why = TopTierActor(b, current_defs); !why.empty())
          return Fail(e.seq, About(Problem(kind == "export" ? "audit_subject/export" : "audit_subject/config"), why));
        if (kind == "config") {
          const Doc* cfg = b.Find(kAutoCheckpointKey);
          if (!cfg) return Fail(e.seq, Problem("verify/config_missing"));
          auto_checkpoint = cfg->kind == Doc::Kind::kNull ? "" : json::Canonical(*cfg);
        }
        continue;
      }
      if (!inst_id) return Fail(e.seq, Problem("verify/no_instance"));
      last_seq[*inst_id] = e.seq;
      const Doc* refused = b.Find("refused");
      if (kind == "migrate") {
        auto it = derived.find(*inst_id);
        if (it == derived.end()) return Fail(e.seq, Problem("verify/migrate_no_instance"));
        if (std::string why = MigrateStep(b, it->second, current_defs, format); !why.empty()) return Fail(e.seq, why);
        it->second.definitions = Str(b, "definitions");
        it->second.version = json::GetInt(b, "version");
        it->second.state = Str(b, "state");
        continue;
      }
      if (kind != "action") return Fail(e.seq, Problem("verify/unknown_kind", {{"kind", kind}}));
      if (!refused || refused->kind != Doc::Kind::kBool) return Fail(e.seq, Problem("verify/no_refused"));
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
        if (it != derived.end()) return Fail(e.seq, Problem("verify/creates_existing"));
        Instance i;
        i.id = *inst_id; i.workflow = s("workflow"); i.survey = s("survey"); i.period = s("period"); i.record_key = s("record_key");
        i.division = s("jurisdiction"); i.state = s("to"); i.version = json::GetInt(b, "version"); i.definitions = s("definitions");
        i.created_seq = e.seq;
        if (const Doc* t = b.Find("task")) i.task = json::Canonical(*t);
        if (i.version != 1) return Fail(e.seq, Problem("verify/first_version"));
        derived[i.id] = i;
      } else {
        if (it == derived.end()) return Fail(e.seq, Problem("verify/acts_on_missing"));
        Instance& i = it->second;
        if (from->text != i.state)
          return Fail(e.seq, Problem("verify/from_state", {{"from", from->text}, {"state", i.state}}));
        bool save = s("action") == "save";
        int64_t v = json::GetInt(b, "version");
        if (v != (save ? i.version : i.version + 1)) return Fail(e.seq, Problem("verify/version"));
        if (s("definitions") != i.definitions) return Fail(e.seq, Problem("verify/definitions_differ"));
        i.state = s("to");
        i.division = s("jurisdiction");
        i.version = v;
      }
      if (const Doc* sub = b.Find("submission")) {
        // Each revision records the report format it was made in (absent: 1). It never goes
        // back either, so that a revision cannot dodge the rules of the format it was made in.
        int64_t rf = sub->Find("report_format") ? json::GetInt(*sub, "report_format") : 1;
        if (rf < 1 || rf > Validator::kReportFormat)
          return Fail(e.seq, Problem("verify/report_format_unknown", {{"format", std::to_string(rf)}}));
        if (rf < report_format)
          return Fail(e.seq, Problem("verify/report_format",
                                     {{"format", std::to_string(rf)}, {"before", std::to_string(report_format)}}));
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
      if (it == rows.end()) return Fail(last_seq[id], Problem("verify/instance_missing", {{"instance", id}}));
      if (json::Canonical(InstanceRowDoc(*it->second)) != json::Canonical(InstanceRowDoc(i)))
        return Fail(last_seq[id], Problem("verify/instance_differs", {{"instance", id}}));
    }
    for (auto& [id, row] : rows)
      if (!derived.count(id)) return Fail(row->created_seq, Problem("verify/instance_no_events", {{"instance", id}}));
    // Every submission row is the one its event recorded, and re-validates to the same findings.
    // A submission's guards are judged on that same report, so it is made once.
    std::map<std::string, const GuardCheck*> submit_guards;
    for (auto& g : guard_checks)
      if (g.submission) submit_guards[g.instance + "#" + std::to_string(g.revision)] = &g;
    std::set<std::string> seen;
    for (auto& r : d_.submissions) {
      std::string key = r.instance + "#" + std::to_string(r.revision);
      auto it = expected_subs.find(key);
      if (it == expected_subs.end()) return Fail(r.seq, Problem("verify/submission_no_event", {{"submission", key}}));
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
        return Fail(seq, Problem("verify/submission_differs", {{"submission", key}}));
      if (gridstat::Sha256Hex(r.envelope) != r.data_hash)
        return Fail(seq, Problem("verify/submission_data", {{"submission", key}}));
      if (gridstat::Sha256Hex(r.findings) != r.findings_hash)
        return Fail(seq, Problem("verify/submission_findings", {{"submission", key}}));
      Envelope env;
      Report report;
      int format = sub.Find("report_format") ? static_cast<int>(json::GetInt(sub, "report_format")) : 1;
      std::string again = RevalidateReport(r, format, &env, &report) ? ReportToJson(report) : std::string();
      if (again != r.findings)
        return Fail(seq, again.empty()
                             ? Problem("verify/revalidate_failed", {{"submission", key}, {"problem", problem_}})
                             : Problem("verify/revalidate", {{"submission", key}}));
      if (auto g = submit_guards.find(key); g != submit_guards.end()) {
        std::string why = SubmitGuard(*g->second, env, report);
        if (!why.empty()) return Fail(g->second->seq, why);
      }
    }
    for (auto& [key, sub] : expected_subs)
      if (!seen.count(key)) return Fail(sub_seq[key], Problem("verify/submission_missing", {{"submission", key}}));
    // Every allowed step passed its guards, judged as the store judges them: a submission on
    // its own report, any other action on the latest submitted revision at that point.
    std::map<std::string, const Revision*> revisions;
    for (auto& r : d_.submissions) revisions[r.instance + "#" + std::to_string(r.revision)] = &r;
    for (auto& g : guard_checks) {
      if (g.submission) continue;  // judged above
      auto prog = Program(g.definitions);
      int w = prog ? prog->FindWorkflow(g.workflow) : -1;
      int a = w >= 0 ? prog->workflows[w].FindAction(g.action) : -1;
      if (a < 0) return Fail(g.seq, Problem("verify/unknown_action"));
      const auto& wf = prog->workflows[w];
      const auto& act = wf.actions[a];
      if (act.guards.empty()) continue;
      auto rv = revisions.find(g.instance + "#" + std::to_string(g.revision));
      const Revision* rev = rv == revisions.end() ? nullptr : rv->second;
      if (auto failing = workflow::ActGuardFailure(*prog, wf, act, rev ? &rev->envelope : nullptr, rev ? &rev->findings : nullptr, Lang::kZh))
        return Fail(g.seq, Problem("verify/guard", {{"action", act.name}, {"guard", *failing}}));
    }
    // The unit registry is what the accept events say.
    std::map<std::string, const Doc*> unit_rows;
    for (auto& u : d_.units) unit_rows[Str(u, "uscc")] = &u;
    if (unit_rows.size() != units.size()) return Fail(static_cast<int64_t>(d_.events.size()), Problem("verify/units"));
    for (auto& [uscc, want] : units) {
      auto it = unit_rows.find(uscc);
      int64_t seq = json::GetInt(want, "accepted_seq");
      if (it == unit_rows.end()) return Fail(seq, Problem("verify/unit_missing", {{"unit", uscc}}));
      const Doc& row = *it->second;
      if (Str(row, "instance") != Str(want, "instance") || json::GetInt(row, "revision") != json::GetInt(want, "revision") ||
          Str(row, "division") != Str(want, "division") || json::GetInt(row, "accepted_seq") != seq)
        return Fail(seq, Problem("verify/unit_differs", {{"unit", uscc}}));
      for (auto& r : d_.submissions) {
        if (r.instance != Str(want, "instance") || r.revision != json::GetInt(want, "revision")) continue;
        auto env = ParseJsonDocument(r.envelope);
        const Doc* data = env.ok() ? env->Find("data") : nullptr;
        const Doc* stored = row.Find("data");
        if (!data || !stored || json::Canonical(*data) != json::Canonical(*stored))
          return Fail(seq, Problem("verify/unit_data", {{"unit", uscc}}));
      }
    }
    if (json::Canonical(org) != json::Canonical(d_.org))
      return Fail(static_cast<int64_t>(d_.events.size()), Problem("verify/org"));
    if (d_.current_definitions != current_defs)
      return Fail(static_cast<int64_t>(d_.events.size()), Problem("verify/current_definitions"));
    // Every stored definitions version was published, is what its hash says, and records the
    // event that first published it.
    for (auto& [hash, files] : d_.definitions) {
      auto fp = first_publish.find(hash);
      if (fp == first_publish.end()) return Fail(end_seq, Problem("verify/never_published", {{"definitions", hash}}));
      if (!Program(hash)) return Fail(fp->second, Problem("verify/definitions_altered", {{"definitions", hash}}));
      if (d_.has_published_seq) {
        auto ps = d_.published_seq.find(hash);
        if (ps == d_.published_seq.end() || ps->second != fp->second)
          return Fail(fp->second, Problem("verify/published_seq", {{"definitions", hash}}));
      }
    }
    // meta holds exactly what the events account for.
    for (auto& [key, value] : d_.meta) {
      if (key == "current_definitions") continue;  // checked above
      if (key == "schema_version" && value == std::to_string(kSchemaVersion)) continue;
      // The last publish or org event that changed something: how open stores notice it.
      if (key == "state_seq" && value == std::to_string(state_seq)) continue;
      if (key == kAutoCheckpointKey && value == auto_checkpoint && !value.empty()) continue;
      return Fail(end_seq, Problem("verify/meta", {{"key", key}}));
    }
    if (!auto_checkpoint.empty() && !d_.meta.count(kAutoCheckpointKey))
      return Fail(end_seq, Problem("verify/meta_missing", {{"key", kAutoCheckpointKey}}));
    return r_;
  }

 private:
  // Why an allowed (not refused) action event is not a lawful step, or "" when it is.
  // The organisation in force, indexed: every allowed action is checked against it.
  // Why the actor of event `b` is not a user of the top tier of `defs` at this point of the
  // log, or "" when they are.
  std::string TopTierActor(const Doc& b, const std::string& defs) {
    auto prog = Program(defs);
    if (!prog) return Problem("verify/definitions_missing", {{"definitions", defs}});
    std::string actor = Str(b, "actor"), role = Str(b, "role");
    if (!users_.count({actor, role, Str(b, "actor_division")})) return Problem("verify/not_a_user", {{"actor", actor}});
    int r = prog->FindRole(role), top = 99;
    for (auto& t : prog->tiers) top = std::min(top, t.level);
    if (r < 0 || prog->roles[r].tier < 0 || prog->tiers[prog->roles[r].tier].level != top)
      return Problem("verify/not_top_tier", {{"role", role}});
    return "";
  }

  // Why migrate event `b` is not a move the store makes of `inst` (the instance as its events
  // so far give it) to the definitions then current, or "" when it is. A state changes only by
  // a recorded mapping (`map`, with the state it had as `state_before`) that names a state the
  // new definitions no longer have, to one of theirs, as MappedState resolves it.
  std::string MigrateStep(const Doc& b, const Instance& inst, const std::string& current_defs, int64_t format) {
    std::string defs = Str(b, "definitions");
    if (defs != current_defs) return Problem("verify/migrate_not_current");
    if (Str(b, "from_definitions") != inst.definitions) return Problem("verify/migrate_from");
    if (b.Find("actor")) {
      if (std::string why = TopTierActor(b, current_defs); !why.empty())
        return About(Problem("audit_subject/migrate"), why);
    } else if (format >= 2) {
      return Problem("verify/no_actor", {{"subject", Problem("audit_subject/migrate")}});
    }
    if (Str(b, "workflow") != inst.workflow)
      return Problem("verify/migrate_workflow",
                     {{"workflow", Str(b, "workflow")}, {"instance_workflow", inst.workflow}});
    if (Str(b, "jurisdiction") != inst.division) return Problem("verify/migrate_jurisdiction");
    if (json::GetInt(b, "version") != inst.version + 1) return Problem("verify/version");
    const Doc* before_doc = b.Find("state_before");
    const Doc* map = b.Find("map");
    const std::string to = Str(b, "state");
    if (before_doc && (before_doc->kind != Doc::Kind::kString || before_doc->text == to))
      return Problem("verify/state_before");
    const std::string before = before_doc ? before_doc->text : to;
    if (before != inst.state) return Problem("verify/migrate_state", {{"before", before}, {"state", inst.state}});
    auto prog = Program(defs);
    int w = prog ? prog->FindWorkflow(inst.workflow) : -1;
    if (w < 0) return Problem("verify/migrate_no_workflow", {{"workflow", inst.workflow}});
    const auto& wf = prog->workflows[w];
    if (wf.FindState(to) < 0) return Problem("verify/migrate_no_state", {{"state", to}, {"workflow", inst.workflow}});
    if (!before_doc) {
      if (map) return Problem("verify/map_unused");
      return "";
    }
    if (wf.FindState(before) >= 0) return Problem("verify/map_not_renamed", {{"before", before}});
    std::map<std::string, std::string> states;
    if (map && map->kind == Doc::Kind::kObject)
      for (auto& [k, v] : map->members) {
        if (v.kind != Doc::Kind::kString) return Problem("verify/map_not_text");
        states[k] = v.text;
      }
    const std::string* mapped = MappedState(states, inst.workflow, before);
    if (!mapped || *mapped != to)
      return Problem("verify/unmapped", {{"before", before}, {"state", to}});
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
    if (!prog) return Problem("verify/definitions_missing", {{"definitions", defs}});
    if (!has_from && defs != current_defs) return Problem("verify/creates_not_current");
    if (prog->division_tree < 0) return Problem("verify/no_division_tree");
    int w = prog->FindWorkflow(Str(b, "workflow"));
    if (w < 0) return Problem("verify/unknown_workflow");
    const auto& wf = prog->workflows[w];
    int a = wf.FindAction(Str(b, "action"));
    if (a < 0) return Problem("verify/unknown_workflow_action");
    const auto& act = wf.actions[a];
    Policy policy(*prog);
    Step step;
    step.creates = !has_from;
    step.from = has_from ? Str(b, "from") : "";
    step.jurisdiction = has_from ? (inst ? inst->division : "") : Str(b, "jurisdiction");
    step.comment = Str(b, "comment");
    step.target = Str(b, "target");
    Verdict v = policy.Judge(wf, act, step);
    if (!v.ok()) return Problem("verify/unlawful", {{"action", act.name}, {"why", v.message.in(kAuditLang)}});
    if (Str(b, "to") != v.to) return Problem("verify/wrong_to", {{"action", act.name}, {"to", Str(b, "to")}});
    if (has_from && Str(b, "jurisdiction") != v.jurisdiction)
      return Problem("verify/wrong_jurisdiction", {{"action", act.name}});
    // The actor: a user of the organisation at that time, with the recorded role and division.
    Actor who{Str(b, "actor"), Str(b, "role"), Str(b, "actor_division"), ""};
    if (!users_.count({who.id, who.role, who.division}))
      return Problem("verify/not_a_user", {{"actor", who.id}});
    who.scope = who.division;
    if (auto g = grid_village_.find(who.division); g != grid_village_.end()) who.scope = g->second;
    if (prog->FindRole(who.role) < 0) return Problem("verify/unknown_role");
    if (!policy.MayTake(who, act, step.jurisdiction))
      return Problem("verify/outside_role", {{"action", act.name}, {"role", who.role}});
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
    if (a < 0) return Problem("verify/unknown_action");
    const auto& wf = prog->workflows[w];
    const auto& act = wf.actions[a];
    auto failing = validate::FailingGuard(*prog, prog->surveys[wf.survey], env, report, act.guards, Lang::kZh);
    return failing ? Problem("verify/guard", {{"action", act.name}, {"guard", *failing}}) : "";
  }

  // The report of a stored revision, made again as the store made it (policy.h): under its
  // recorded definitions, in its recorded report format, with its recorded previous-period
  // revision and the explanations that counted in the latest submitted revision before it;
  // false (and problem_) when that cannot be done.
  bool RevalidateReport(const Revision& r, int format, Envelope* env_out, Report* out) {
    workflow::RevisionInputs in;
    in.program = Program(r.definitions);
    if (!in.program) {
      problem_ = Problem("verify/revalidate_definitions", {{"definitions", r.definitions}});
      return false;
    }
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

}  // namespace

VerifyResult VerifyAuditData(const AuditData& d) { return Verifier(d).Run(); }

}  // namespace gridstat::store
