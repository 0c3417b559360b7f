#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/json.h"
#include "common/text.h"
#include "common/files.h"
#include "input/yaml_reader.h"
#include "store/store_impl.h"

namespace gridstat {
namespace store {

namespace {

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS definitions(
  hash TEXT PRIMARY KEY,
  files TEXT NOT NULL,
  published_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, division TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grids(code TEXT PRIMARY KEY, village TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances(
  id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL, survey TEXT NOT NULL, period TEXT NOT NULL, record_key TEXT NOT NULL,
  division TEXT NOT NULL, state TEXT NOT NULL, version INTEGER NOT NULL,
  definitions TEXT NOT NULL, created_seq INTEGER NOT NULL, task TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX IF NOT EXISTS instances_key ON instances(workflow, period, record_key);
CREATE INDEX IF NOT EXISTS instances_division ON instances(division);
CREATE TABLE IF NOT EXISTS submissions(
  instance TEXT NOT NULL, revision INTEGER NOT NULL, draft INTEGER NOT NULL,
  envelope TEXT NOT NULL, data_hash TEXT NOT NULL, findings TEXT NOT NULL, findings_hash TEXT NOT NULL,
  status TEXT NOT NULL, definitions TEXT NOT NULL,
  previous_instance TEXT NOT NULL DEFAULT '', previous_revision INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL,
  PRIMARY KEY(instance, revision));
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  instance TEXT NOT NULL DEFAULT '', request_id TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_instance ON events(instance, seq);
CREATE INDEX IF NOT EXISTS events_request ON events(request_id, instance);
CREATE TABLE IF NOT EXISTS units(
  uscc TEXT PRIMARY KEY, instance TEXT NOT NULL, revision INTEGER NOT NULL, division TEXT NOT NULL,
  data TEXT NOT NULL, accepted_seq INTEGER NOT NULL);
)SQL";

std::string Str(const YAML::Node& n, const char* key) {
  if (!n.IsMap()) return {};  // yaml-cpp throws on a subscript of a scalar
  if (!n[key] || !n[key].IsScalar()) return {};
  return n[key].Scalar();
}

}  // namespace

const char* SchemaSql() { return kSchema; }

std::string Now() {
  if (const char* fixed = std::getenv("GRIDSTAT_NOW")) return fixed;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string RecordKeyForId(const std::string& key) {
  std::string s = key;
  for (char& c : s) if (c == '|') c = '-';
  return s;
}

Result<Org> LoadOrg(const std::string& file, const compile::Program& p, Lang lang) {
  bool en = lang == Lang::kEn;
  // The organisation file is the user's: its problems are told in the command's language.
  auto bad = [&](std::string_view key, MessageArgs args) { return StatusIn(lang, Status::Code::kInvalid, key, args); };
  auto text = gridstat::ReadFile(file, 64u << 20);
  if (!text.ok()) return text.status();
  if (FindInvalidUtf8(*text) != std::string::npos) return bad("org_file/utf8", {{"file", file}});
  // YAML allows no NUL byte, and yaml-cpp turns one and what follows it into invalid
  // UTF-8, which would reach the store and make the org event fail audit verification.
  if (size_t nul = text->find('\0'); nul != std::string::npos) {
    std::string line = std::to_string(1 + std::count(text->begin(), text->begin() + static_cast<long>(nul), '\n'));
    return bad("org_file/nul", {{"file", file}, {"line", line}});
  }
  if (Status st = input::CheckYamlText(file, *text, en); !st.ok()) return st;  // the guards every YAML input goes through
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return bad("org_file/yaml", {{"file", file}, {"line", std::to_string(e.mark.line + 1)}, {"detail", e.msg}});
  }
  if (!root.IsMap()) return bad("org_file/not_mapping", {{"file", file}});
  const compile::Table* tree = p.division_tree >= 0 ? &p.tables[p.division_tree] : nullptr;
  if (!tree) return StatusIn(lang, Status::Code::kInvalid, "compile/no_division_tree");
  Org org;
  std::set<std::string> ids, codes;
  auto line = [&](const YAML::Node& n) { return std::to_string(n.Mark().line + 1); };
  if (root["grids"]) {
    if (!root["grids"].IsSequence()) return bad("org_file/grids", {{"file", file}, {"line", line(root["grids"])}});
    for (const auto& g : root["grids"]) {
      if (!g.IsMap()) return bad("org_file/grid", {{"file", file}, {"line", line(g)}});
      Grid grid{Str(g, "code"), Str(g, "village"), Str(g, "name")};
      const auto* v = tree->Find(grid.village);
      if (grid.code.empty() || !v || v->level != 5)
        return bad("org_file/grid_village", {{"file", file}, {"line", line(g)}});
      if (!codes.insert(grid.code).second)
        return bad("org_file/duplicate_grid", {{"file", file}, {"line", line(g)}, {"grid", grid.code}});
      org.grids.push_back(grid);
    }
  }
  if (!root["users"] || !root["users"].IsSequence()) return bad("org_file/users", {{"file", file}});
  for (const auto& u : root["users"]) {
    if (!u.IsMap()) return bad("org_file/user", {{"file", file}, {"line", line(u)}});
    User user{Str(u, "id"), Str(u, "name"), Str(u, "role"), Str(u, "division")};
    if (user.id.empty()) return bad("org_file/user_id", {{"file", file}, {"line", line(u)}});
    if (!ids.insert(user.id).second)
      return bad("org_file/duplicate_user", {{"file", file}, {"line", line(u)}, {"user", user.id}});
    int r = p.FindRole(user.role);
    if (r < 0) return bad("org_file/unknown_role", {{"file", file}, {"line", line(u)}, {"role", user.role}});
    const auto& role = p.roles[r];
    if (role.grid) {
      if (!org.FindGrid(user.division))
        return bad("org_file/grid_worker", {{"file", file}, {"line", line(u)}, {"division", user.division}});
    } else {
      const auto* d = tree->Find(user.division);
      int want = role.tier >= 0 ? p.tiers[role.tier].level : 0;
      if (!d || d->level != want)
        return bad("org_file/division_level", {{"file", file}, {"line", line(u)}, {"division", user.division},
                                               {"level", std::to_string(want)}, {"role", user.role}});
    }
    org.users.push_back(user);
  }
  return org;
}

Doc OrgToDoc(const Org& org) {
  Doc users = json::Arr(), grids = json::Arr();
  for (auto& u : org.users)
    users.items.push_back(json::Obj({{"id", json::Str(u.id)}, {"name", json::Str(u.name)}, {"role", json::Str(u.role)}, {"division", json::Str(u.division)}}));
  for (auto& g : org.grids)
    grids.items.push_back(json::Obj({{"code", json::Str(g.code)}, {"village", json::Str(g.village)}, {"name", json::Str(g.name)}}));
  return json::Obj({{"users", users}, {"grids", grids}});
}

Org OrgFromDoc(const Doc& d) {
  Org org;
  if (const Doc* u = d.Find("users"))
    for (auto& x : u->items)
      org.users.push_back({*json::GetStr(x, "id"), *json::GetStr(x, "name"), *json::GetStr(x, "role"), *json::GetStr(x, "division")});
  if (const Doc* g = d.Find("grids"))
    for (auto& x : g->items)
      org.grids.push_back({*json::GetStr(x, "code"), *json::GetStr(x, "village"), *json::GetStr(x, "name")});
  return org;
}

Status StoreImpl::InitSchema() {
  Status st = db_->Exec(kSchema);
  if (!st.ok()) return st;
  return Status::Ok();
}

Status StoreImpl::LoadState() {
  Stmt m(db_.get(), "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!m.Step())
    return m.status().ok() ? Failure(Status::Code::kInvalid, "not_a_store") : Status::Invalid(m.status().message());
  if (m.Text(0) != std::to_string(kSchemaVersion))
    return Failure(Status::Code::kInvalid, "schema_version",
                   {{"version", m.Text(0)}, {"supported", std::to_string(kSchemaVersion)}});
  Stmt c(db_.get(), "SELECT value FROM meta WHERE key = 'current_definitions'");
  if (!c.Step()) return Failure(Status::Code::kInvalid, "no_current_definitions");
  current_hash_ = c.Text(0);
  Stmt ss(db_.get(), "SELECT value FROM meta WHERE key = 'state_seq'");
  state_seq_ = ss.Step() ? ss.Text(0) : std::string();
  auto p = ProgramFor(current_hash_);
  if (!p.ok()) return p.status();
  current_ = *p;
  org_ = Org();
  Stmt u(db_.get(), "SELECT id, name, role, division FROM users ORDER BY id");
  while (u.Step()) org_.users.push_back({u.Text(0), u.Text(1), u.Text(2), u.Text(3)});
  Stmt g(db_.get(), "SELECT code, village, name FROM grids ORDER BY code");
  while (g.Step()) org_.grids.push_back({g.Text(0), g.Text(1), g.Text(2)});
  return u.status().ok() ? g.status() : u.status();
}

Status StoreImpl::Refresh() {
  Stmt m(db_.get(), "SELECT key, value FROM meta WHERE key IN ('current_definitions', 'state_seq')");
  std::string defs, seq;
  while (m.Step()) (m.Text(0) == "state_seq" ? seq : defs) = m.Text(1);
  if (!m.status().ok()) return m.status();
  if (defs.empty()) return Failure(Status::Code::kInvalid, "no_current_definitions");
  if (defs != current_hash_) {
    auto p = ProgramFor(defs);
    if (!p.ok()) return p.status();
    current_ = *p;
    current_hash_ = defs;
  }
  if (seq != state_seq_) {
    Org org;
    Stmt u(db_.get(), "SELECT id, name, role, division FROM users ORDER BY id");
    while (u.Step()) org.users.push_back({u.Text(0), u.Text(1), u.Text(2), u.Text(3)});
    Stmt g(db_.get(), "SELECT code, village, name FROM grids ORDER BY code");
    while (g.Step()) org.grids.push_back({g.Text(0), g.Text(1), g.Text(2)});
    if (!u.status().ok()) return u.status();
    if (!g.status().ok()) return g.status();
    org_ = std::move(org);
    state_seq_ = seq;
  }
  return Status::Ok();
}

Status StoreImpl::BeginCommand() {
  Status st = db_->Begin();
  if (!st.ok()) return st;
  if (!(st = Refresh()).ok()) db_->Rollback();
  return st;
}

Status StoreImpl::MarkStateChange(int64_t seq) {
  Stmt s(db_.get(), "INSERT INTO meta(key, value) VALUES('state_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.Bind(1, std::to_string(seq));
  Status st = s.Run();
  if (st.ok()) state_seq_ = std::to_string(seq);
  return st;
}

Result<std::shared_ptr<const compile::Program>> StoreImpl::ProgramFor(const std::string& hash) {
  auto it = programs_.find(hash);
  if (it != programs_.end()) return it->second;
  Stmt s(db_.get(), "SELECT files FROM definitions WHERE hash = ?");
  s.Bind(1, hash);
  if (!s.Step()) return Failure(Status::Code::kNotFound, "definitions_missing", {{"hash", hash}});
  auto doc = ParseJsonDocument(s.Text(0));
  if (!doc.ok())
    return Failure(Status::Code::kInvalid, "definitions_damaged", {{"hash", hash}, {"detail", doc.status().message()}});
  std::map<std::string, std::string> files;
  for (auto& [k, v] : doc->members) files[k] = v.text;
  auto compiled = CompileFiles(files, hash.substr(0, 12));
  if (!compiled.program) return Failure(Status::Code::kInvalid, "definitions_damaged/compile", {{"hash", hash}});
  if (ProgramHash(*compiled.program) != hash)
    return Failure(Status::Code::kInvalid, "definitions_damaged/hash",
                   {{"hash", hash}, {"actual", ProgramHash(*compiled.program)}});
  programs_[hash] = compiled.program;
  return compiled.program;
}

Result<std::string> StoreImpl::StoreDefinitions(const CompileResult& compiled) {
  const std::string& hash = ProgramHash(*compiled.program);
  Doc files = json::Obj();
  for (auto& [k, v] : compiled.files) files.members.emplace_back(k, json::Str(v));
  Stmt exists(db_.get(), "SELECT 1 FROM definitions WHERE hash = ?");
  exists.Bind(1, hash);
  if (!exists.Step()) {
    Stmt ins(db_.get(), "INSERT INTO definitions(hash, files, published_seq) VALUES(?, ?, 0)");
    ins.Bind(1, hash).Bind(2, json::Canonical(files));
    Status st = ins.Run();
    if (!st.ok()) return st;
  }
  programs_[hash] = compiled.program;
  return hash;
}

Status StoreImpl::SaveOrg(const Org& org) {
  Status st = db_->Exec("DELETE FROM users; DELETE FROM grids;");
  if (!st.ok()) return st;
  for (auto& u : org.users) {
    Stmt s(db_.get(), "INSERT INTO users(id, name, role, division) VALUES(?, ?, ?, ?)");
    s.Bind(1, u.id).Bind(2, u.name).Bind(3, u.role).Bind(4, u.division);
    if (!(st = s.Run()).ok()) return st;
  }
  for (auto& g : org.grids) {
    Stmt s(db_.get(), "INSERT INTO grids(code, village, name) VALUES(?, ?, ?)");
    s.Bind(1, g.code).Bind(2, g.village).Bind(3, g.name);
    if (!(st = s.Run()).ok()) return st;
  }
  return Status::Ok();  // org_ changes only once the transaction commits
}

Result<Doc> StoreImpl::AppendEvent(const EventBody& event) {
  EventBody body = event;
  Stmt last(db_.get(), "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  int64_t seq = 1;
  std::string prev(64, '0');
  if (last.Step()) {
    seq = last.Int(0) + 1;
    prev = last.Text(1);
  } else if (!last.status().ok()) {
    return last.status();
  }
  body.Set(Ev::kSeq, json::Int(seq));
  if (!body.Find(Ev::kAt)) body.Set(Ev::kAt, json::Str(Now()));
  body.Set(Ev::kFormat, json::Int(kEventFormat));
  const Doc* rid = body.Find(Ev::kRequestId);
  if (rid && rid->kind == Doc::Kind::kString && !rid->text.empty() && !request_fp_.empty())
    body.Set(Ev::kRequest, json::Str(request_fp_));
  Doc doc = body.doc();
  std::string canonical = json::Canonical(doc);
  std::string hash = gridstat::Sha256Hex(prev + "\n" + canonical);
  Stmt ins(db_.get(), "INSERT INTO events(seq, instance, request_id, body, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?)");
  const std::string* inst = json::GetStr(doc, "instance");
  const std::string* req = json::GetStr(doc, "request_id");
  ins.Bind(1, seq).Bind(2, inst ? *inst : "").Bind(3, req ? *req : "").Bind(4, canonical).Bind(5, prev).Bind(6, hash);
  Status st = ins.Run();
  if (!st.ok()) return st;
  return doc;
}

std::optional<Instance> StoreImpl::GetInstance(const std::string& id) {
  Stmt s(db_.get(), "SELECT id, workflow, survey, period, record_key, division, state, version, definitions, created_seq, task "
                    "FROM instances WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  Instance i;
  i.id = s.Text(0); i.workflow = s.Text(1); i.survey = s.Text(2); i.period = s.Text(3); i.record_key = s.Text(4);
  i.division = s.Text(5); i.state = s.Text(6); i.version = s.Int(7); i.definitions = s.Text(8); i.created_seq = s.Int(9);
  i.task = s.Text(10);
  return i;
}

Status StoreImpl::PutInstance(const Instance& i, bool insert) {
  Stmt s(db_.get(), insert ? "INSERT INTO instances(id, workflow, survey, period, record_key, division, state, version, definitions, created_seq, task) "
                             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                           : "UPDATE instances SET workflow=?2, survey=?3, period=?4, record_key=?5, division=?6, state=?7, version=?8, "
                             "definitions=?9, created_seq=?10, task=?11 WHERE id=?1");
  s.Bind(1, i.id).Bind(2, i.workflow).Bind(3, i.survey).Bind(4, i.period).Bind(5, i.record_key).Bind(6, i.division)
      .Bind(7, i.state).Bind(8, i.version).Bind(9, i.definitions).Bind(10, i.created_seq).Bind(11, i.task);
  return s.Run();
}

namespace {
Revision ReadRevision(Stmt& s) {
  Revision r;
  r.instance = s.Text(0); r.revision = s.Int(1); r.draft = s.Int(2) != 0; r.envelope = s.Text(3); r.data_hash = s.Text(4);
  r.findings = s.Text(5); r.findings_hash = s.Text(6); r.status = s.Text(7); r.definitions = s.Text(8);
  r.previous_instance = s.Text(9); r.previous_revision = s.Int(10); r.seq = s.Int(11);
  return r;
}
const char* kRevisionCols = "instance, revision, draft, envelope, data_hash, findings, findings_hash, status, definitions, "
                            "previous_instance, previous_revision, seq";
}  // namespace

bool StoreImpl::IsAccepted(const Instance& inst) {
  auto p = ProgramFor(inst.definitions);
  if (!p.ok()) return false;
  int w = (*p)->FindWorkflow(inst.workflow);
  return w >= 0 && (*p)->workflows[w].IsAccepted(inst.state);
}

std::string StoreImpl::AcceptedInstance(const std::string& workflow, const std::string& period, const std::string& record_key) {
  Stmt s(db_.get(), "SELECT id FROM instances WHERE workflow = ? AND period = ? AND record_key = ? ORDER BY id");
  s.Bind(1, workflow).Bind(2, period).Bind(3, record_key);
  std::vector<std::string> ids;
  while (s.Step()) ids.push_back(s.Text(0));
  for (auto& id : ids)
    if (auto inst = GetInstance(id); inst && IsAccepted(*inst)) return id;
  return "";
}

std::optional<Revision> StoreImpl::LatestRevision(const std::string& instance, bool include_drafts) {
  std::string sql = std::string("SELECT ") + kRevisionCols + " FROM submissions WHERE instance = ?" +
                    (include_drafts ? "" : " AND draft = 0") + " ORDER BY revision DESC LIMIT 1";
  Stmt s(db_.get(), sql.c_str());
  s.Bind(1, instance);
  if (!s.Step()) return std::nullopt;
  return ReadRevision(s);
}

std::optional<Revision> StoreImpl::GetRevision(const std::string& instance, int64_t revision) {
  std::string sql = std::string("SELECT ") + kRevisionCols + " FROM submissions WHERE instance = ? AND revision = ?";
  Stmt s(db_.get(), sql.c_str());
  s.Bind(1, instance).Bind(2, revision);
  if (!s.Step()) return std::nullopt;
  return ReadRevision(s);
}

Status StoreImpl::PutRevision(const Revision& r) {
  Stmt s(db_.get(), "INSERT INTO submissions(instance, revision, draft, envelope, data_hash, findings, findings_hash, status, "
                    "definitions, previous_instance, previous_revision, seq) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, r.instance).Bind(2, r.revision).Bind(3, static_cast<int64_t>(r.draft)).Bind(4, r.envelope).Bind(5, r.data_hash)
      .Bind(6, r.findings).Bind(7, r.findings_hash).Bind(8, r.status).Bind(9, r.definitions).Bind(10, r.previous_instance)
      .Bind(11, r.previous_revision).Bind(12, r.seq);
  return s.Run();
}

// ---- the division tree of the current definitions (policy.h) ---------------------
int StoreImpl::Level(const std::string& code) const { return Policy(*current_).Level(code); }
std::string StoreImpl::Parent(const std::string& code) const { return Policy(*current_).Parent(code); }
bool StoreImpl::Within(const std::string& code, const std::string& ancestor) const { return Policy(*current_).Within(code, ancestor); }

std::string StoreImpl::DivisionName(const std::string& code) const {
  const auto& t = current_->tables[current_->division_tree];
  const auto* e = t.Find(code);
  return e ? e->label : std::string();
}

std::string StoreImpl::Scope(const User& u) const {
  if (const Grid* g = org_.FindGrid(u.division)) return g->village;
  return u.division;
}

bool StoreImpl::VillageLevel(const User& u) const { return Policy(*current_).VillageLevel(u.role); }

bool StoreImpl::CanSee(const User& u, const Instance& inst) const {
  if (current_->FindRole(u.role) < 0) return false;
  std::string scope = Scope(u);
  // Village-level users see their own village only; statisticians their subtree.
  return VillageLevel(u) ? inst.division == scope : Within(inst.division, scope);
}

}  // namespace store

// ---- opening and creating -----------------------------------------------------
Result<std::unique_ptr<Store>> Store::Open(const std::string& path, Lang lang) {
  auto db = store::Db::Open(path, false);
  if (!db.ok()) return db.status();
  auto s = std::make_unique<store::StoreImpl>(std::move(*db), lang);
  Status st = s->LoadState();
  if (!st.ok()) return st;
  return std::unique_ptr<Store>(std::move(s));
}

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& path, Lang lang) {
  auto db = store::Db::Open(path, false, true);
  if (!db.ok()) return db.status();
  auto s = std::make_unique<store::StoreImpl>(std::move(*db), lang);
  Status st = s->LoadState();
  if (!st.ok()) return st;
  return std::unique_ptr<Store>(std::move(s));
}

Result<std::unique_ptr<Store>> Store::Create(const std::string& path, const std::string& defs_dir,
                                             const std::string& org_file, Lang lang) {
  auto compiled = CompileDirectory(defs_dir);
  if (!compiled.program) {
    std::string first = compiled.diagnostics.empty() ? "" : RenderDiagnosticText(compiled.diagnostics[0], lang);
    return store::StatusIn(lang, Status::Code::kInvalid, "compile/failed_first", {{"diagnostic", first}});
  }
  if (compiled.program->division_tree < 0)
    return store::StatusIn(lang, Status::Code::kInvalid, "compile/no_division_tree");
  auto org = store::LoadOrg(org_file, *compiled.program, lang);
  if (!org.ok()) return org.status();
  {
    std::error_code ec;
    if (std::ifstream(path).good())
      return store::StatusIn(lang, Status::Code::kInvalid, "exists/file", {{"path", path}});
  }
  // The file is new: if any step fails (a full disk, an I/O error), it is removed again,
  // so that init is all or nothing.
  auto fail = [&](Status st) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
    return st;
  };
  auto db = store::Db::Open(path, true);
  if (!db.ok()) return fail(db.status());
  auto s = std::make_unique<store::StoreImpl>(std::move(*db), lang);
  Status st = s->db()->Begin();
  if (!st.ok()) { s.reset(); return fail(st); }
  auto abort = [&](Status why) {
    s->db()->Rollback();
    s.reset();
    return fail(why);
  };
  if (!(st = s->InitSchema()).ok()) return abort(st);
  auto hash = s->StoreDefinitions(compiled);
  if (!hash.ok()) return abort(hash.status());
  store::Stmt meta(s->db(), "INSERT INTO meta(key, value) VALUES('schema_version', ?), ('current_definitions', ?)");
  meta.Bind(1, std::to_string(store::kSchemaVersion)).Bind(2, *hash);
  if (!(st = meta.Run()).ok()) return abort(st);
  auto ev = s->AppendEvent(store::EventBody(store::EventKind::kPublish).Set(store::Ev::kDefinitions, json::Str(*hash)));
  if (!ev.ok()) return abort(ev.status());
  store::Stmt pub(s->db(), "UPDATE definitions SET published_seq = ? WHERE hash = ?");
  pub.Bind(1, json::GetInt(*ev, "seq")).Bind(2, *hash);
  if (!(st = pub.Run()).ok()) return abort(st);
  if (!(st = s->SaveOrg(*org)).ok()) return abort(st);
  auto oev = s->AppendEvent(store::EventBody(store::EventKind::kOrg).Set(store::Ev::kOrg, store::OrgToDoc(*org)));
  if (!oev.ok()) return abort(oev.status());
  if (!(st = s->db()->Commit()).ok()) return abort(st);
  if (!(st = s->LoadState()).ok()) return st;
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace gridstat
