// The audit data: read from the store (one snapshot, its schema compared with the one
// gridstat creates) or from an audit export directory (hostile input: regular files only),
// and written as an export by `audit export`. Also verify, backup and export --unmasked, the
// other export that hands out ID numbers in full and is recorded like the audit export.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "common/json.h"
#include "store/audit.h"

namespace gridstat {
namespace store {

namespace fs = std::filesystem;

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
  if (fd < 0) return Failure(Status::Code::kIo, "open_failed", {{"path", path}, {"detail", std::strerror(errno)}});
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Failure(Status::Code::kIo, "not_regular_file", {{"path", path}});
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Failure(Status::Code::kInvalid, "file_too_large", {{"path", path}, {"max", std::to_string(max_bytes)}});
  }
  std::string data;
  data.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Failure(Status::Code::kIo, "read_failed", {{"path", path}, {"detail", std::strerror(errno)}});
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      ::close(fd);
      return Failure(Status::Code::kInvalid, "file_too_large", {{"path", path}, {"max", std::to_string(max_bytes)}});
    }
  }
  ::close(fd);
  return data;
}

Doc InstanceRowDoc(const Instance& i) {
  return json::Obj({{"id", json::Str(i.id)}, {"workflow", json::Str(i.workflow)}, {"survey", json::Str(i.survey)},
                    {"period", json::Str(i.period)}, {"record_key", json::Str(i.record_key)}, {"division", json::Str(i.division)},
                    {"state", json::Str(i.state)}, {"version", json::Int(i.version)}, {"definitions", json::Str(i.definitions)},
                    {"created_seq", json::Int(i.created_seq)}, {"task", json::Str(i.task)}});
}

namespace {

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

Instance InstanceFromDoc(const Doc& d) {
  Instance i;
  auto s = [&](const char* k) { const std::string* v = json::GetStr(d, k); return v ? *v : std::string(); };
  i.id = s("id"); i.workflow = s("workflow"); i.survey = s("survey"); i.period = s("period"); i.record_key = s("record_key");
  i.division = s("division"); i.state = s("state"); i.version = json::GetInt(d, "version"); i.definitions = s("definitions");
  i.created_seq = json::GetInt(d, "created_seq"); i.task = s("task");
  return i;
}

// The objects of sqlite_master, as "type name on table: sql" lines.
Result<std::set<std::string>> SchemaObjects(sqlite3* db) {
  std::set<std::string> out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master", -1, &st, nullptr) != SQLITE_OK)
    return Failure(Status::Code::kIo, "sqlite", {{"detail", sqlite3_errmsg(db)}});
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    auto col = [&](int i) { auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i)); return std::string(p ? p : ""); };
    out.insert(col(0) + " " + col(1) + " on " + col(2) + ": " + col(3));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Failure(Status::Code::kIo, "sqlite", {{"detail", sqlite3_errmsg(db)}});
  return out;
}

// How the store's schema differs from the one gridstat creates (empty when it does not): an
// added trigger could rewrite what commands store, a view or table could hide data, an added
// or changed column is outside what the verifier reads.
Result<std::string> SchemaProblem(Db* db) {
  auto have = SchemaObjects(db->raw());
  if (!have.ok()) return have.status();
  sqlite3* fresh = nullptr;
  if (sqlite3_open(":memory:", &fresh) != SQLITE_OK) {
    sqlite3_close(fresh);
    return Failure(Status::Code::kInternal, "sqlite/memory");
  }
  std::set<std::string> want;
  if (sqlite3_exec(fresh, SchemaSql(), nullptr, nullptr, nullptr) == SQLITE_OK) {
    auto w = SchemaObjects(fresh);
    if (w.ok()) want = std::move(*w);
  }
  sqlite3_close(fresh);
  if (want.empty()) return Failure(Status::Code::kInternal, "schema_reference");
  for (auto& x : *have)
    if (!want.count(x)) return AuditProblem("verify/schema_added", {{"object", x}});
  for (auto& x : want)
    if (!have->count(x)) return AuditProblem("verify/schema_changed", {{"object", x}});
  return std::string();
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

}  // namespace

// Everything is read in one read transaction: one snapshot of the WAL, so that commands
// committed by others while it reads can never make the store look inconsistent.
Result<AuditData> LoadFromDb(Db* db) {
  Status st = db->Exec("BEGIN");
  if (!st.ok()) return st;
  auto d = LoadFromDbLocked(db);
  db->Rollback();  // nothing was written
  return d;
}

Status WriteFile(const fs::path& p, const std::string& content) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  if (!f || !f.write(content.data(), static_cast<std::streamsize>(content.size())) || !f.flush())
    return Failure(Status::Code::kIo, "write_failed", {{"path", p.string()}});
  return Status::Ok();
}

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
  VerifyResult r = VerifyAuditData(*d);
  if (!r.ok) return r;
  return CheckCheckpoints(*d, r, options);
}

Status StoreImpl::Backup(const std::string& out_file) {
  if (fs::exists(out_file)) return StatusIn(lang_, Status::Code::kInvalid, "exists/file", {{"path", out_file}});
  sqlite3* dest = nullptr;
  if (sqlite3_open(out_file.c_str(), &dest) != SQLITE_OK) {
    Status st = dest ? Failure(Status::Code::kIo, "create_failed",
                               {{"path", out_file}, {"detail", sqlite3_errmsg(dest)}})
                     : Failure(Status::Code::kIo, "create_failed/no_memory", {{"path", out_file}});
    sqlite3_close(dest);
    return st;
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
    return Failure(Status::Code::kIo, "backup_failed", {{"detail", err}});
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
      return MakeResult("", Outcome::kCannotRun, "exists", Msg("exists/export_dir", {{"dir", dir}}));
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
                        user ? Msg("no_permission/audit_export") : Msg("no_user", {{"user", actor}}));
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
  if (ec) {
    std::string why = Msg("create_failed", {{"path", dir}, {"detail", ec.message()}});
    return MakeResult("", Outcome::kCannotRun, "store", why);
  }
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

ActionResult StoreImpl::ExportUnmasked(const Query& q, std::string* csv) {
  const std::string actor = q.as.value_or("");
  Status st = BeginCommand();
  if (!st.ok()) return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
  const User* user = org_.FindUser(actor);
  EventBody body = NewEvent(EventKind::kExport, actor, user);
  body.Set(Ev::kUnmasked, json::Bool(true)).Set(Ev::kSurvey, json::Str(q.survey)).Set(Ev::kPeriod, json::Str(q.period))
      .Set(Ev::kUnder, json::Str(q.under)).Set(Ev::kDefinitions, json::Str(current_hash_));
  ActionResult result;
  int64_t rows = 0;
  if (!TopTier(user)) {
    result = MakeResult("", Outcome::kRefused, user ? "no_permission" : "no_user",
                        user ? Msg("no_permission/export") : Msg("no_user", {{"user", actor}}));
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(result.code));
  } else {
    auto out = ExportCsvRows(q, true, &rows);
    if (!out.ok()) {
      db_->Rollback();
      return MakeResult("", Outcome::kCannotRun, "store", out.status().message());
    }
    *csv = std::move(*out);
    body.Set(Ev::kRefused, json::Bool(false));
    body.Set(Ev::kRows, json::Int(rows));
  }
  auto ev = AppendEvent(body);
  if (!ev.ok() || !(st = CommitCommand()).ok()) {
    db_->Rollback();
    csv->clear();  // not recorded, so not handed out
    return MakeResult("", Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message());
  }
  return result;
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
    bad.problem = Message(options.lang, "no_audit_export", {{"dir", dir}});
    return bad;
  }
  // Only regular files are read, never through a symlink: an export is hostile input.
  auto read = [&](const std::string& name, size_t max) { return store::ReadRegular((fs::path(dir) / name).string(), max, false); };
  auto lines = [&](const std::string& name, const std::function<bool(const Doc&)>& each) -> bool {
    auto text = read(name, size_t{8} << 30);
    if (!text.ok()) {
      bad.problem =
          store::AuditProblem("verify/export_unreadable", {{"file", name}, {"detail", text.status().message()}});
      return false;
    }
    size_t pos = 0;
    while (pos < text->size()) {
      size_t eol = text->find('\n', pos);
      if (eol == std::string::npos) eol = text->size();
      std::string line = text->substr(pos, eol - pos);
      pos = eol + 1;
      if (line.empty()) continue;
      auto doc = ParseJsonDocument(line);
      if (!doc.ok() || !each(*doc)) {
        bad.problem = store::AuditProblem("verify/export_line", {{"file", name}});
        return false;
      }
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
  if (!org.ok()) {
    bad.problem =
        store::AuditProblem("verify/export_unreadable", {{"file", "org.json"}, {"detail", org.status().message()}});
    return bad;
  }
  auto od = ParseJsonDocument(*org);
  if (!od.ok()) {
    bad.problem = store::AuditProblem("verify/export_malformed", {{"file", "org.json"}});
    return bad;
  }
  d.org = *od;
  auto meta = read("meta.json", 1 << 20);
  auto md = meta.ok() ? ParseJsonDocument(*meta) : Result<Doc>(meta.status());
  if (!md.ok() || md->kind != Doc::Kind::kObject) {
    bad.problem = store::AuditProblem("verify/export_file", {{"file", "meta.json"}});
    return bad;
  }
  for (auto& [k, v] : md->members) d.meta[k] = v.kind == Doc::Kind::kString ? v.text : json::Canonical(v);
  d.current_definitions = store::Str(*md, "current_definitions");
  fs::path defs = fs::path(dir) / "definitions";
  if (fs::symlink_status(defs, ec).type() != fs::file_type::directory) {
    bad.problem = store::AuditProblem("verify/export_not_dir", {{"file", "definitions"}});
    return bad;
  }
  for (auto it = fs::directory_iterator(defs, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    auto text = read("definitions/" + name, 512u << 20);
    if (!text.ok() || it->path().extension() != ".json") {
      bad.problem = store::AuditProblem("verify/export_definitions_file", {{"file", "definitions/" + name}});
      return bad;
    }
    d.definitions[it->path().stem().string()] = *text;
  }
  if (ec) {
    bad.problem = store::AuditProblem("verify/export_definitions_dir");
    return bad;
  }
  VerifyResult r = store::VerifyAuditData(d);
  if (!r.ok) return r;
  return store::CheckCheckpoints(d, r, options);
}

}  // namespace gridstat
