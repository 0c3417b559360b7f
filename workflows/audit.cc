// The auditor's side: verify the hash chain, re-derive every instance from its
// events, re-run every stored submission under its recorded definitions, and
// check signed checkpoints. The same verifier runs on the database and on an
// audit export, so an auditor needs only the export.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>
#include <set>
#include <tuple>

#include "common/json.h"
#include "engine/refdata.h"
#include "workflows/store_impl.h"

namespace gridstat {
namespace store {
namespace {

namespace fs = std::filesystem;

// A member's text, or "" when it is absent or not text: the verifier reads hostile input.
std::string Str(const Doc& d, const char* key) {
  const std::string* v = json::GetStr(d, key);
  return v ? *v : std::string();
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
};

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
    for (size_t n = 0; n < d_.events.size(); ++n) {
      const EventRow& e = d_.events[n];
      int64_t want_seq = static_cast<int64_t>(n) + 1;
      if (e.seq != want_seq) return Fail(want_seq, "event " + std::to_string(want_seq) + " is missing (found " + std::to_string(e.seq) + ")");
      if (e.prev_hash != prev) return Fail(e.seq, "prev_hash does not match the hash of the event before");
      if (engine::Sha256Hex(e.prev_hash + "\n" + e.body) != e.hash) return Fail(e.seq, "hash does not match the event's content");
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
      if (kind == "publish") {
        const std::string* h = json::GetStr(b, "definitions");
        if (!h || !d_.definitions.count(*h)) return Fail(e.seq, "published definitions are not stored");
        current_defs = *h;
        continue;
      }
      if (kind == "org") {
        if (const Doc* o = b.Find("org")) {
          org = *o;
          IndexOrg(org);
        }
        continue;
      }
      if (kind == "export") {  // an unmasked export: granted only to a user of the top tier
        const Doc* refused = b.Find("refused");
        if (!refused || refused->kind != Doc::Kind::kBool) return Fail(e.seq, "event lacks refused");
        if (refused->boolean) continue;
        std::string defs = Str(b, "definitions");
        auto prog = Program(defs);
        if (!prog) return Fail(e.seq, "names definitions " + defs + " that are missing or altered");
        std::string actor = Str(b, "actor"), role = Str(b, "role");
        if (!users_.count({actor, role, Str(b, "actor_division")}))
          return Fail(e.seq, "was taken by '" + actor + "', who was not a user with that role and division");
        int r = prog->FindRole(role), top = 99;
        for (auto& t : prog->tiers) top = std::min(top, t.level);
        if (r < 0 || prog->roles[r].tier < 0 || prog->tiers[prog->roles[r].tier].level != top)
          return Fail(e.seq, "an unmasked export was granted to role " + role + ", which is not of the top tier");
        continue;
      }
      if (!inst_id) return Fail(e.seq, "event has no instance");
      last_seq[*inst_id] = e.seq;
      const Doc* refused = b.Find("refused");
      if (kind == "migrate") {
        auto it = derived.find(*inst_id);
        if (it == derived.end()) return Fail(e.seq, "migrates an instance that does not exist");
        if (Str(b, "definitions") != current_defs) return Fail(e.seq, "migrates to definitions that were not current");
        if (Str(b, "from_definitions") != it->second.definitions) return Fail(e.seq, "migrates from definitions the instance was not on");
        it->second.definitions = Str(b, "definitions");
        it->second.version = json::GetInt(b, "version");
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
      if (engine::Sha256Hex(r.envelope) != r.data_hash) return Fail(seq, "submission " + key + ": data does not match its hash");
      if (engine::Sha256Hex(r.findings) != r.findings_hash) return Fail(seq, "submission " + key + ": findings do not match their hash");
      std::string again = Revalidate(r);
      if (again != r.findings) return Fail(seq, "submission " + key + ": re-running it under its definitions gives other findings" + (again.empty() ? " (" + problem_ + ")" : ""));
    }
    for (auto& [key, sub] : expected_subs)
      if (!seen.count(key)) return Fail(sub_seq[key], "submission " + key + " is missing from the store");
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
    return r_;
  }

 private:
  // Why an allowed (not refused) action event is not a lawful step, or "" when it is.
  // The organisation in force, indexed: every allowed action is checked against it.
  void IndexOrg(const Doc& org) {
    users_.clear();
    grid_village_.clear();
    if (const Doc* users = org.Find("users"))
      for (auto& u : users->items) users_.emplace(Str(u, "id"), Str(u, "role"), Str(u, "division"));
    if (const Doc* grids = org.Find("grids"))
      for (auto& g : grids->items) grid_village_[Str(g, "code")] = Str(g, "village");  // the last one holds
  }

  std::string Lawful(const Doc& b, bool has_from, const Instance* inst, const std::string& current_defs) {
    std::string defs = Str(b, "definitions");
    auto prog = Program(defs);
    if (!prog) return "names definitions " + defs + " that are missing or altered";
    if (!has_from && defs != current_defs) return "creates an instance under definitions that were not current";
    int w = prog->FindWorkflow(Str(b, "workflow"));
    if (w < 0) return "names an unknown workflow";
    const auto& wf = prog->workflows[w];
    int a = wf.FindAction(Str(b, "action"));
    if (a < 0) return "names an action its workflow does not have";
    const auto& act = wf.actions[a];
    std::string from = has_from ? Str(b, "from") : "", to = Str(b, "to");
    if (has_from ? std::find(act.from.begin(), act.from.end(), wf.FindState(from)) == act.from.end() : !act.from_none)
      return "'" + act.name + "' cannot start from " + (has_from ? "'" + from + "'" : std::string("nothing"));
    if (to != (act.is_save ? from : (act.to >= 0 ? wf.states[act.to].name : std::string())))
      return "'" + act.name + "' does not lead to '" + to + "'";
    if (act.needs_comment && Str(b, "comment").empty()) return "'" + act.name + "' lacks its comment";
    std::string before = has_from ? (inst ? inst->division : "") : Str(b, "jurisdiction");
    std::string after = Str(b, "jurisdiction");
    const engine::Table* tree = prog->division_tree >= 0 ? &prog->tables[prog->division_tree] : nullptr;
    if (!tree) return "its definitions have no division tree";
    auto parent = [&](const std::string& c) { const auto* e = tree->Find(c); return e ? e->parent : std::string(); };
    auto within = [&](const std::string& c, const std::string& anc) {
      const auto* e = tree->Find(c);
      for (int g = 0; e && g < 16; ++g) {
        if (e->code == anc) return true;
        e = e->parent.empty() ? nullptr : tree->Find(e->parent);
      }
      return false;
    };
    std::string want_after = before;
    if (act.move == engine::ActionDef::Move::kTarget) want_after = Str(b, "target");
    if (act.move == engine::ActionDef::Move::kParent) want_after = parent(before);
    if (has_from && after != want_after) return "moves the instance where '" + act.name + "' does not";
    // The actor: a user of the organisation at that time, with the recorded role and division.
    std::string actor = Str(b, "actor"), role = Str(b, "role"), division = Str(b, "actor_division");
    if (!users_.count({actor, role, division}))
      return "was taken by '" + actor + "', who was not a user with that role and division";
    std::string scope = division;
    if (auto g = grid_village_.find(division); g != grid_village_.end()) scope = g->second;
    int r = prog->FindRole(role);
    if (r < 0) return "names an unknown role";
    const auto& rd = prog->roles[r];
    bool village_level = rd.grid || (rd.tier >= 0 && prog->tiers[rd.tier].level >= 5);
    bool allowed = std::find(act.by.begin(), act.by.end(), r) != act.by.end() &&
                   (village_level ? before == scope : within(before, scope));
    allowed |= act.by_holder && !rd.grid && division == before;
    if (!allowed) return "'" + act.name + "' was taken by role " + role + " outside what that role may do there";
    return {};
  }

  VerifyResult Fail(int64_t seq, const std::string& problem) {
    r_.ok = false;
    r_.first_bad_seq = seq;
    r_.problem = problem;
    return r_;
  }

  std::shared_ptr<const engine::Program> Program(const std::string& hash) {
    auto it = programs_.find(hash);
    if (it != programs_.end()) return it->second;
    std::shared_ptr<const engine::Program> p;
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

  std::string Revalidate(const Revision& r) {
    auto prog = Program(r.definitions);
    if (!prog) { problem_ = "definitions " + r.definitions + " missing or altered"; return {}; }
    auto doc = ParseJsonDocument(r.envelope);
    Envelope env;
    if (!doc.ok() || !EnvelopeFromDoc(*doc, &env).ok()) { problem_ = "stored envelope unreadable"; return {}; }
    PreviousSet previous(prog);
    if (!r.previous_instance.empty()) {
      for (auto& p : d_.submissions) {
        if (p.instance != r.previous_instance || p.revision != r.previous_revision) continue;
        auto pd = ParseJsonDocument(p.envelope);
        Envelope pe;
        if (pd.ok() && EnvelopeFromDoc(*pd, &pe).ok()) previous.Add(pe);
      }
    }
    return ReportToJson(Validator(prog).Validate(env, &previous));
  }

  const AuditData& d_;
  std::set<std::tuple<std::string, std::string, std::string>> users_;  // (id, role, division)
  std::unordered_map<std::string, std::string> grid_village_;  // grid code -> its village
  VerifyResult r_;
  std::map<std::string, std::shared_ptr<const engine::Program>> programs_;
  std::string problem_;
};

Result<AuditData> LoadFromDbLocked(Db* db);

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
  Stmt meta(db, "SELECT value FROM meta WHERE key = 'current_definitions'");
  if (meta.Step()) d.current_definitions = meta.Text(0);
  Stmt df(db, "SELECT hash, files FROM definitions");
  while (df.Step()) d.definitions[df.Text(0)] = df.Text(1);
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

std::string SignedText(int64_t events, const std::string& head) {
  return "gridstat-checkpoint\n" + std::to_string(events) + "\n" + head + "\n";
}

}  // namespace

VerifyResult StoreImpl::Verify() {
  auto d = LoadFromDb(db_.get());
  if (!d.ok()) {
    VerifyResult r;
    r.ok = false;
    r.problem = d.status().message();
    return r;
  }
  return Verifier(*d).Run();
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

Status StoreImpl::ExportAudit(const std::string& dir) {
  auto d = LoadFromDb(db_.get());
  if (!d.ok()) return d.status();
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "definitions", ec);
  if (ec) return Status::Io("cannot create " + dir + ": " + ec.message());
  std::string events, subs, insts, units;
  for (auto& e : d->events)
    events += json::Canonical(json::Obj({{"seq", json::Int(e.seq)}, {"instance", json::Str(e.instance)}, {"request_id", json::Str(e.request_id)},
                                         {"body", json::Str(e.body)}, {"prev_hash", json::Str(e.prev_hash)}, {"hash", json::Str(e.hash)}})) + "\n";
  for (auto& r : d->submissions) subs += json::Canonical(RevisionDoc(r)) + "\n";
  for (auto& i : d->instances) insts += json::Canonical(InstanceRowDoc(i)) + "\n";
  for (auto& u : d->units) units += json::Canonical(u) + "\n";
  Status st;
  if (!(st = WriteFile(fs::path(dir) / "events.jsonl", events)).ok()) return st;
  if (!(st = WriteFile(fs::path(dir) / "submissions.jsonl", subs)).ok()) return st;
  if (!(st = WriteFile(fs::path(dir) / "instances.jsonl", insts)).ok()) return st;
  if (!(st = WriteFile(fs::path(dir) / "units.jsonl", units)).ok()) return st;
  if (!(st = WriteFile(fs::path(dir) / "org.json", json::Canonical(d->org) + "\n")).ok()) return st;
  if (!(st = WriteFile(fs::path(dir) / "meta.json", json::Canonical(json::Obj({{"current_definitions", json::Str(d->current_definitions)}})) + "\n")).ok())
    return st;
  for (auto& [hash, files] : d->definitions)
    if (!(st = WriteFile(fs::path(dir) / "definitions" / (hash + ".json"), files)).ok()) return st;
  return Status::Ok();
}

Status StoreImpl::Checkpoint(const std::string& key_pem_file, const std::string& out_file) {
  Stmt last(db_.get(), "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!last.Step()) return Status::Invalid(Msg("事件日志为空", "the event log is empty"));
  int64_t n = last.Int(0);
  std::string head = last.Text(1);
  FILE* f = std::fopen(key_pem_file.c_str(), "r");
  if (!f) return Status::Io(Msg("无法读取私钥 ", "cannot read key ") + key_pem_file);
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return Status::Invalid(Msg("私钥应为 PEM 格式的 Ed25519 私钥", "the key must be a PEM Ed25519 private key"));
  }
  std::string msg = SignedText(n, head);
  unsigned char sig[64];
  size_t siglen = sizeof sig;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestSign(ctx, sig, &siglen, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!ok) return Status::Internal("signing failed");
  unsigned char b64[128];
  int len = EVP_EncodeBlock(b64, sig, static_cast<int>(siglen));
  Doc cp = json::Obj({{"events", json::Int(n)}, {"head", json::Str(head)}, {"at", json::Str(Now())},
                      {"signature", json::Str(std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(len)))}});
  return WriteFile(out_file, json::Canonical(cp) + "\n");
}

VerifyResult StoreImpl::VerifyCheckpoint(const std::string& checkpoint_file, const std::string& pubkey_file) {
  VerifyResult r = Verify();
  if (!r.ok) return r;
  auto fail = [&](const std::string& p) { r.ok = false; r.problem = p; return r; };
  auto text = engine::ReadFile(checkpoint_file, 1 << 20);
  if (!text.ok()) return fail(text.status().message());
  auto cp = ParseJsonDocument(*text);
  if (!cp.ok() || !json::GetStr(*cp, "head") || !json::GetStr(*cp, "signature")) return fail("the checkpoint file is malformed");
  int64_t n = json::GetInt(*cp, "events");
  std::string head = Str(*cp, "head");
  std::string sig64 = Str(*cp, "signature");
  FILE* f = std::fopen(pubkey_file.c_str(), "r");
  if (!f) return fail("cannot read public key " + pubkey_file);
  EVP_PKEY* key = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!key) return fail("the public key is not a PEM public key");
  unsigned char sig[96];
  int len = sig64.size() <= 128 ? EVP_DecodeBlock(sig, reinterpret_cast<const unsigned char*>(sig64.data()), static_cast<int>(sig64.size())) : -1;
  std::string msg = SignedText(n, head);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = len >= 64 && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, sig, 64, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!ok) return fail("the checkpoint's signature does not verify with this public key");
  if (r.events < n) {
    r.first_bad_seq = r.events + 1;
    return fail("the log has " + std::to_string(r.events) + " events but the checkpoint vouches for " + std::to_string(n) + ": events were dropped");
  }
  Stmt s(db_.get(), "SELECT hash FROM events WHERE seq = ?");
  s.Bind(1, n);
  if (!s.Step() || s.Text(0) != head) {
    r.first_bad_seq = n;
    return fail("event " + std::to_string(n) + " is not the one the checkpoint signed: the log was rewritten");
  }
  return r;
}

Result<std::vector<Doc>> StoreImpl::Replay(const std::string& defs_dir, std::vector<Diagnostic>* diags) {
  auto compiled = CompileDirectory(defs_dir);
  *diags = compiled.diagnostics;
  if (!compiled.program) return Status::Invalid(Msg("定义编译失败", "the definitions do not compile"));
  Validator validator(compiled.program, lang_);
  std::vector<Doc> changed;
  Stmt s(db_.get(), "SELECT id FROM instances ORDER BY id");
  std::vector<std::string> ids;
  while (s.Step()) ids.push_back(s.Text(0));
  for (auto& id : ids) {
    auto rev = LatestRevision(id, false);
    if (!rev) continue;
    auto doc = ParseJsonDocument(rev->envelope);
    Envelope env;
    if (!doc.ok() || !EnvelopeFromDoc(*doc, &env).ok()) continue;
    PreviousSet previous(compiled.program);
    if (!rev->previous_instance.empty())
      if (auto pr = GetRevision(rev->previous_instance, rev->previous_revision)) {
        auto pd = ParseJsonDocument(pr->envelope);
        Envelope pe;
        if (pd.ok() && EnvelopeFromDoc(*pd, &pe).ok()) previous.Add(pe);
      }
    Report now = validator.Validate(env, &previous);
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

VerifyResult VerifyExport(const std::string& dir) {
  namespace fs = std::filesystem;
  store::AuditData d;
  VerifyResult bad;
  bad.ok = false;
  auto lines = [&](const std::string& name, const std::function<bool(const Doc&)>& each) -> bool {
    auto text = engine::ReadFile((fs::path(dir) / name).string(), size_t{8} << 30);
    if (!text.ok()) { bad.problem = "cannot read " + name; return false; }
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
  auto org = engine::ReadFile((fs::path(dir) / "org.json").string(), 64u << 20);
  if (!org.ok()) { bad.problem = "cannot read org.json"; return bad; }
  auto od = ParseJsonDocument(*org);
  if (!od.ok()) { bad.problem = "org.json is malformed"; return bad; }
  d.org = *od;
  auto meta = engine::ReadFile((fs::path(dir) / "meta.json").string(), 1 << 20);
  auto md = meta.ok() ? ParseJsonDocument(*meta) : Result<Doc>(Status::Invalid("meta"));
  if (!md.ok()) { bad.problem = "cannot read meta.json"; return bad; }
  d.current_definitions = store::Str(*md, "current_definitions");
  std::error_code ec;
  for (auto it = fs::directory_iterator(fs::path(dir) / "definitions", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    auto text = engine::ReadFile(it->path().string(), 512u << 20);
    if (text.ok()) d.definitions[it->path().stem().string()] = *text;
  }
  return store::Verifier(d).Run();
}

}  // namespace gridstat
