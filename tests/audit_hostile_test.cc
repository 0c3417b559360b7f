// The audit against someone who can write the store file or the export: guards judged again,
// checkpoints on both paths, the audit export's access rule, schema and stray rows, hostile
// files in an export, read-only opening, and automatic checkpoints.
#include "tests/store_fixture.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>

#include "gridstat/engine.h"

#include <openssl/evp.h>

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";
const std::string kAgri = "agri_report/2021/" + kV;

std::string Temp(const std::string& name) { return FreshPath("audit", name); }

// Keeps a copy of a hostile store for checks outside the test (GRIDSTAT_KEEP=DIR).
void Keep(const std::string& path, const std::string& name) {
  if (const char* dir = std::getenv("GRIDSTAT_KEEP")) fs::copy_file(path, fs::path(dir) / name, fs::copy_options::overwrite_existing);
}

// A new store in a directory of its own, on `defs` and the test organisation.
std::unique_ptr<Store> NewStore(std::string* path, const std::string& defs = kDefs) {
  return NewStoreIn(FreshDir("audit"), path, defs);
}

std::vector<Envelope> AgriV() { return LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + ".json"); }

// V's report with a grain area that does not add up: an error finding.
std::vector<Envelope> AgriVWithError() {
  auto e = AgriV();
  for (auto& m : e[0].data.members) if (m.first == "grain_area") m.second.text = "1680.5";
  return e;
}

void Keys(std::string* key, std::string* pub) {
  *key = Temp("key.pem");
  *pub = Temp("pub.pem");
  REQUIRE(std::system(("openssl genpkey -algorithm ed25519 -out " + *key + " 2>/dev/null && openssl pkey -in " + *key +
                       " -pubout -out " + *pub).c_str()) == 0);
}

VerifyResult VerifyWith(const std::string& path, const VerifyOptions& o) {
  auto s = Store::Open(path);
  REQUIRE(s.ok());
  return (*s)->Verify(o);
}

// Runs f, failing (and ending the process) rather than hanging when it takes over 20 s.
template <class F>
VerifyResult NoHang(F f) {
  auto fut = std::async(std::launch::async, f);
  if (fut.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    FAIL_CHECK("hung");
    std::_Exit(1);
  }
  return fut.get();
}

}  // namespace

TEST_CASE("audit: a chained submission whose report fails its guard is caught", "[audit]") {
  std::string path;
  int64_t seq;
  {
    auto s = NewStore(&path);
    s->Release("region", "agri_village", "2021", "450123100000", "");
    // The store itself refuses the report with an error.
    auto bad = s->Submit("coord_v", AgriVWithError(), "", false, "");
    REQUIRE(bad[0].outcome == Outcome::kRefused);
    REQUIRE(bad[0].code == "guard");
    REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
    REQUIRE(s->Verify().ok);
    seq = LastSeqOf(path);
  }
  // Whoever can write the file swaps in the refused data, with its true report and hashes.
  auto compiled = CompileDirectory(kDefs);
  REQUIRE(compiled.program);
  Envelope env = AgriVWithError()[0];
  std::string envelope = QueryText(path, "SELECT envelope FROM submissions");
  auto pos = envelope.find("\"grain_area\":\"1670.5\"");
  REQUIRE(pos != std::string::npos);
  envelope.replace(pos, 21, "\"grain_area\":\"1680.5\"");
  Envelope stored;
  REQUIRE(EnvelopeFromDoc(*ParseJsonDocument(envelope), &stored).ok());
  PreviousSet none(compiled.program);
  Report report = Validator(compiled.program).Validate(stored, &none);
  REQUIRE(report.status == Report::Status::kError);
  std::string findings = ReportToJson(report);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "UPDATE submissions SET envelope = ?, data_hash = ?, findings = ?, findings_hash = ?, status = ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, envelope.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, gridstat::Sha256Hex(envelope).c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, findings.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, gridstat::Sha256Hex(findings).c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, StatusName(report.status), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
  RechainEvent(path, seq, [&](Doc* b) {
    Doc* sub = const_cast<Doc*>(b->Find("submission"));
    json::Set(sub, "data_hash", json::Str(gridstat::Sha256Hex(envelope)));
    json::Set(sub, "findings_hash", json::Str(gridstat::Sha256Hex(findings)));
    json::Set(sub, "status", json::Str(StatusName(report.status)));
  });
  {
    auto s = Store::Open(path);
    REQUIRE(s.ok());
    REQUIRE(ActOn(**s, "town_t", kAgri, "approve").outcome == Outcome::kDone);  // the store trusts its rows
  }
  Keep(path, "guard-submit.db");
  auto v = VerifyWith(path, {});
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == seq);
  CHECK(v.problem.find("guard") != std::string::npos);
}

TEST_CASE("audit: an act guard is judged on the latest submitted revision, as the store judges it", "[audit]") {
  // Definitions whose submit has no guard, and whose approve needs a report without errors.
  std::string defs = Temp("defs");
  fs::copy(kDefs, defs, fs::copy_options::recursive);
  std::string wf = defs + "/workflows.gs";
  std::string text = *gridstat::ReadFile(wf, 1 << 20);
  auto cut = text.find("    guard errors() = 0 \"报表还有错误,请改正后再上报\"\n    guard unexplained_warnings() = 0 \"报表有未说明的警告,请逐条核实并填写说明\"\n");
  REQUIRE(cut != std::string::npos);
  text.erase(cut, text.find('\n', text.find('\n', cut) + 1) + 1 - cut);
  auto approve = text.find("  action approve \"乡镇审核通过\" {\n    by township_statistician\n    from submitted\n");
  REQUIRE(approve != std::string::npos);
  text.insert(text.find("to township_approved\n", approve) + 21, "    guard errors() = 0 \"报表还有错误\"\n");
  std::ofstream(wf, std::ios::trunc) << text;
  std::string path;
  auto s = NewStore(&path, defs);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(s->Submit("coord_v", AgriVWithError(), "", false, "")[0].outcome == Outcome::kDone);
  auto refused = ActOn(*s, "town_t", kAgri, "approve");
  REQUIRE(refused.code == "guard");
  auto v = s->Verify();
  INFO(v.problem);
  REQUIRE(v.ok);  // the store's refusals and its lawful steps verify
  s.reset();
  // A forged approval, chained and with the instance row to match.
  int64_t seq = LastSeqOf(path) + 1;
  std::string defs_hash = QueryText(path, "SELECT value FROM meta WHERE key = 'current_definitions'");
  RechainEvent(path, seq, [&](Doc* b) {
    *b = json::Obj({{"kind", json::Str("action")}, {"action", json::Str("approve")}, {"workflow", json::Str("agri_report")},
                    {"instance", json::Str(kAgri)}, {"from", json::Str("submitted")}, {"to", json::Str("township_approved")},
                    {"jurisdiction", json::Str(kV)}, {"jurisdiction_before", json::Str(kV)}, {"version", json::Int(3)},
                    {"refused", json::Bool(false)}, {"actor", json::Str("town_t")}, {"role", json::Str("township_statistician")},
                    {"actor_division", json::Str("450123100000")}, {"request_id", json::Null()}, {"comment", json::Null()},
                    {"target", json::Null()}, {"definitions", json::Str(defs_hash)}, {"at", json::Str("2022-01-10T02:00:00Z")},
                    {"format", json::Int(2)}});
  });
  ExecSql(path, "UPDATE instances SET state = 'township_approved', version = 3 WHERE id = '" + kAgri + "'");
  Keep(path, "guard-act.db");
  v = VerifyWith(path, {});
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == seq);
  CHECK(v.problem.find("'approve' was allowed although its guard fails") != std::string::npos);
  // Once a corrected report is the latest, the store allows approve, and verify agrees.
  std::string path2;
  auto s2 = NewStore(&path2, defs);
  s2->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(s2->Submit("coord_v", AgriVWithError(), "", false, "")[0].outcome == Outcome::kDone);
  REQUIRE(ActOn(*s2, "town_t", kAgri, "return", "请改正").outcome == Outcome::kDone);
  REQUIRE(s2->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
  REQUIRE(ActOn(*s2, "town_t", kAgri, "approve").outcome == Outcome::kDone);
  v = s2->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("audit: an export is checked against checkpoints exactly as the store is", "[audit]") {
  std::string path, key, pub;
  Keys(&key, &pub);
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
  std::string cp = Temp("cp.json");
  REQUIRE(s->Checkpoint(key, cp).ok());
  REQUIRE(ActOn(*s, "town_t", kAgri, "approve").outcome == Outcome::kDone);
  std::string dir = Temp("export");
  REQUIRE(s->ExportAudit("region", dir).outcome == Outcome::kDone);
  VerifyOptions o;
  o.checkpoint = cp;
  o.pubkey = pub;
  auto v = VerifyExport(dir, o);
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.checkpoints_checked == 1);
  CHECK(v.checkpoint_version == 2);
  CHECK(v.checkpoint_at == "2022-01-10T02:00:00Z");
  // A checkpoint or key that cannot be read is an error, not a pass.
  VerifyOptions missing = o;
  missing.checkpoint = dir + "/no-such-checkpoint.json";
  v = VerifyExport(dir, missing);
  CHECK_FALSE(v.ok);
  CHECK(v.cannot_run);
  missing = o;
  missing.pubkey = dir + "/no-such-key.pem";
  CHECK(VerifyExport(dir, missing).cannot_run);
  missing = o;
  missing.pubkey.clear();
  CHECK(VerifyExport(dir, missing).cannot_run);
  std::string garbage = Temp("garbage.json");
  std::ofstream(garbage) << "not a checkpoint";
  missing = o;
  missing.checkpoint = garbage;
  CHECK(VerifyExport(dir, missing).cannot_run);
  s.reset();
  // Rewritten before the checkpoint and re-chained: the export alone passes, not with the checkpoint.
  RechainEvent(path, 3, [](Doc* b) { json::Set(b, "at", json::Str("2012-01-10T02:00:00Z")); });
  std::string dir2 = Temp("export2");
  {
    auto again = Store::Open(path);
    REQUIRE(again.ok());
    REQUIRE((*again)->ExportAudit("region", dir2).outcome == Outcome::kDone);
  }
  CHECK(VerifyExport(dir2).ok);
  v = VerifyExport(dir2, o);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("rewritten") != std::string::npos);
  // Truncated: the newest events dropped from the export (the chain stays whole).
  std::string dir3 = Temp("export3");
  fs::copy(dir, dir3, fs::copy_options::recursive);
  std::string events = *gridstat::ReadFile(dir3 + "/events.jsonl", 1 << 30);
  std::vector<std::string> lines;
  for (size_t p = 0; p < events.size();) { size_t e = events.find('\n', p); lines.push_back(events.substr(p, e - p)); p = e + 1; }
  std::ofstream(dir3 + "/events.jsonl", std::ios::trunc) << lines[0] << "\n";
  v = VerifyExport(dir3, o);
  CHECK_FALSE(v.ok);
  CHECK_FALSE(v.cannot_run);
}

TEST_CASE("audit: the audit export follows the rule of the unmasked export and is recorded", "[audit][privacy]") {
  std::string path;
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
  int64_t before = LastSeqOf(path);
  std::string dir = Temp("export");
  auto refused = s->ExportAudit("county_c", dir);
  CHECK(refused.outcome == Outcome::kRefused);
  CHECK(refused.code == "no_permission");
  CHECK_FALSE(fs::exists(dir));
  CHECK(s->ExportAudit("nobody", dir).code == "no_user");
  CHECK(LastSeqOf(path) == before + 2);  // both refusals recorded
  REQUIRE(s->ExportAudit("region", dir).outcome == Outcome::kDone);
  CHECK(LastSeqOf(path) == before + 3);
  auto body = ParseJsonDocument(QueryText(path, "SELECT body FROM events ORDER BY seq DESC LIMIT 1"));
  CHECK(*json::GetStr(*body, "kind") == "export");
  CHECK(*json::GetStr(*body, "what") == "audit");
  CHECK(*json::GetStr(*body, "actor") == "region");
  // The export holds its own event and verifies offline; the store verifies too.
  std::string events = *gridstat::ReadFile(dir + "/events.jsonl", 1 << 30);
  CHECK(events.find("\\\"what\\\":\\\"audit\\\"") != std::string::npos);
  auto v = VerifyExport(dir);
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.events == before + 3);
  CHECK(s->Verify().ok);
  // Never over an existing folder that holds something.
  auto again = s->ExportAudit("region", dir);
  CHECK(again.outcome == Outcome::kCannotRun);
  CHECK(again.code == "exists");
  std::string file = Temp("file");
  std::ofstream(file) << "x";
  CHECK(s->ExportAudit("region", file).outcome == Outcome::kCannotRun);
  std::string empty = Temp("empty");
  fs::create_directories(empty);
  CHECK(s->ExportAudit("region", empty).outcome == Outcome::kDone);
  s.reset();
  // A refusal turned into a grant, re-chained: not a top-tier user.
  RechainEvent(path, before + 1, [](Doc* b) { json::Set(b, "refused", json::Bool(false)); });
  Keep(path, "export-forged.db");
  v = VerifyWith(path, {});
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == before + 1);
  CHECK(v.problem.find("top tier") != std::string::npos);
}

TEST_CASE("audit: schema changes, stray rows and metadata are caught", "[audit]") {
  std::string path;
  {
    auto s = NewStore(&path);
    s->Release("region", "agri_village", "2021", "450123100000", "");
    REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
    REQUIRE(ActOn(*s, "town_t", kAgri, "approve").outcome == Outcome::kDone);
    REQUIRE(ActOn(*s, "county_c", kAgri, "accept").outcome == Outcome::kDone);
    REQUIRE(s->Verify().ok);
  }
  std::string backup = path + ".orig";
  fs::copy_file(path, backup, fs::copy_options::overwrite_existing);
  struct Tamper { const char* what; std::string sql; };
  const std::vector<Tamper> cases = {
      {"trigger", "CREATE TRIGGER t AFTER INSERT ON events BEGIN UPDATE instances SET state = 'accepted'; END"},
      {"index", "CREATE INDEX x ON submissions(status)"},
      {"view", "CREATE VIEW v AS SELECT * FROM events"},
      {"table", "CREATE TABLE notes(x TEXT)"},
      {"column", "ALTER TABLE instances ADD COLUMN note TEXT"},
      {"dropped index", "DROP INDEX events_request"},
      {"extra definitions", "INSERT INTO definitions(hash, files, published_seq) VALUES('abc', '{}', 0)"},
      {"copied definitions", "INSERT INTO definitions(hash, files, published_seq) SELECT 'f' || substr(hash, 2), files, published_seq FROM definitions"},
      {"published_seq", "UPDATE definitions SET published_seq = 7"},
      {"meta key", "INSERT INTO meta(key, value) VALUES('note', 'x')"},
      {"meta schema_version", "UPDATE meta SET value = '1 ' WHERE key = 'schema_version'"},
      {"user", "INSERT INTO users(id, name, role, division) VALUES('ghost', 'x', 'region_statistician', '450000000000')"},
      {"grid", "INSERT INTO grids(code, village, name) VALUES('g', '450123100201', 'x')"},
      {"unit", "INSERT INTO units(uscc, instance, revision, division, data, accepted_seq) VALUES('91450102MA5L0001XM', '" + kAgri +
                   "', 1, '" + kV + "', '{}', 22)"},
      {"instance", "INSERT INTO instances SELECT id || 'x', workflow, survey, period, record_key || 'x', division, state, version, "
                   "definitions, created_seq, task FROM instances LIMIT 1"},
      {"submission", "INSERT INTO submissions SELECT instance, revision + 1, draft, envelope, data_hash, findings, findings_hash, status, "
                     "definitions, previous_instance, previous_revision, seq FROM submissions"},
      {"user name", "UPDATE users SET name = 'x' WHERE id = 'region'"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    fs::copy_file(backup, path, fs::copy_options::overwrite_existing);
    fs::remove(path + "-wal");
    fs::remove(path + "-shm");
    ExecSql(path, c.sql);
    Keep(path, std::string("schema-") + c.what + ".db");
    auto s = Store::Open(path);
    if (!s.ok()) continue;  // a store that no longer opens is caught too
    auto v = (*s)->Verify();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq > 0);
  }
}

TEST_CASE("audit: only regular files of an export are read: a FIFO or symlink never hangs it", "[audit]") {
  std::string path;
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  std::string dir = Temp("export");
  REQUIRE(s->ExportAudit("region", dir).outcome == Outcome::kDone);
  REQUIRE(VerifyExport(dir).ok);
  for (std::string name : {"events.jsonl", "submissions.jsonl", "instances.jsonl", "units.jsonl", "org.json", "meta.json"}) {
    for (bool fifo : {true, false}) {
      INFO(name << (fifo ? " as a FIFO" : " as a symlink"));
      std::string d = Temp("hostile");
      fs::copy(dir, d, fs::copy_options::recursive);
      fs::rename(d + "/" + name, d + "/" + name + ".real");
      if (fifo) REQUIRE(::mkfifo((d + "/" + name).c_str(), 0600) == 0);
      else fs::create_symlink(name + ".real", d + "/" + name);
      auto v = NoHang([&] { return VerifyExport(d); });
      CHECK_FALSE(v.ok);
    }
  }
  std::string d = Temp("hostile");
  fs::copy(dir, d, fs::copy_options::recursive);
  REQUIRE(::mkfifo((d + "/definitions/0000.json").c_str(), 0600) == 0);
  CHECK_FALSE(NoHang([&] { return VerifyExport(d); }).ok);
  // A FIFO among the checkpoints of a directory.
  std::string key, pub;
  Keys(&key, &pub);
  std::string cps = Temp("cps");
  fs::create_directories(cps);
  REQUIRE(s->Checkpoint(key, cps + "/checkpoint-000000000001.json").ok());
  REQUIRE(::mkfifo((cps + "/checkpoint-000000000002.json").c_str(), 0600) == 0);
  VerifyOptions o;
  o.checkpoint_dir = cps;
  o.pubkey = pub;
  CHECK_FALSE(NoHang([&] { return s->Verify(o); }).ok);
  CHECK_FALSE(NoHang([&] { return VerifyExport(dir, o); }).ok);
}

TEST_CASE("audit: a store opened read-only verifies and lists, and refuses to write", "[audit]") {
  std::string path;
  {
    auto s = NewStore(&path);
    s->Release("region", "agri_village", "2021", "450123100000", "");
  }
  auto ro = Store::OpenReadOnly(path);
  REQUIRE(ro.ok());
  CHECK((*ro)->Verify().ok);
  auto l = (*ro)->List(Query{});
  REQUIRE(l.ok());
  CHECK(l->size() == 18);
  auto r = (*ro)->Release("region", "agri_village", "2022", "450123100000", "");
  CHECK(r[0].outcome != Outcome::kDone);
  CHECK(LastSeqOf(path) == 20);
}

TEST_CASE("audit: verify says what it proved: internal consistency, or a checkpoint with its signed time", "[audit]") {
  std::string path, key, pub;
  Keys(&key, &pub);
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  auto plain = s->Verify();
  CHECK(plain.ok);
  CHECK(plain.checkpoints_checked == 0);
  std::string cp = Temp("cp.json");
  REQUIRE(s->Checkpoint(key, cp).ok());
  auto v = s->VerifyCheckpoint(cp, pub);
  CHECK(v.ok);
  CHECK(v.checkpoints_checked == 1);
  CHECK(v.checkpoint_events == 20);
  CHECK(v.checkpoint_head == QueryText(path, "SELECT hash FROM events WHERE seq = 20"));
  CHECK(v.checkpoint_at == "2022-01-10T02:00:00Z");
  CHECK(v.checkpoint_version == 2);
  // The time is signed: moving it breaks the signature.
  std::string text = *gridstat::ReadFile(cp, 1 << 20);
  auto pos = text.find("2022-01-10");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 4, "2032");
  std::string moved = Temp("moved.json");
  std::ofstream(moved) << text;
  CHECK_FALSE(s->VerifyCheckpoint(moved, pub).ok);
  // A version 1 checkpoint (count and head only) is still read, and said to be one.
  std::string head = QueryText(path, "SELECT hash FROM events WHERE seq = 20");
  std::string msg = Temp("msg"), sig = Temp("sig");
  std::ofstream(msg, std::ios::binary) << "gridstat-checkpoint\n20\n" << head << "\n";
  REQUIRE(std::system(("openssl pkeyutl -sign -rawin -inkey " + key + " -in " + msg + " -out " + sig).c_str()) == 0);
  std::string raw = *gridstat::ReadFile(sig, 1 << 10);
  REQUIRE(raw.size() == 64);
  unsigned char b64[128];
  int n = EVP_EncodeBlock(b64, reinterpret_cast<const unsigned char*>(raw.data()), 64);
  std::string v1 = Temp("v1.json");
  std::ofstream(v1) << "{\"at\":\"2022-01-10T02:00:00Z\",\"events\":20,\"head\":\"" << head << "\",\"signature\":\""
                    << std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n)) << "\"}\n";
  v = s->VerifyCheckpoint(v1, pub);
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.checkpoint_version == 1);
  CHECK(v.checkpoint_at.empty());
}

TEST_CASE("audit: automatic checkpoints are written after commits, recorded, and used by verify", "[audit]") {
  std::string path, key, pub;
  Keys(&key, &pub);
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  std::string dir = Temp("checkpoints");
  fs::create_directories(dir);
  AutoCheckpoint cfg;
  cfg.dir = dir;
  cfg.key = key;
  cfg.every_events = 3;
  CHECK(s->ConfigureAutoCheckpoint("county_c", cfg).outcome == Outcome::kRefused);  // recorded, not applied
  CHECK(fs::is_empty(dir));
  AutoCheckpoint bad = cfg;
  bad.every_events = 0;
  CHECK(s->ConfigureAutoCheckpoint("region", bad).outcome == Outcome::kCannotRun);
  REQUIRE(s->ConfigureAutoCheckpoint("region", cfg).outcome == Outcome::kDone);
  CHECK(s->TakeWarnings().empty());
  CHECK(fs::exists(dir + "/checkpoint-000000000022.json"));  // the first one at once
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);   // 23
  REQUIRE(ActOn(*s, "town_t", kAgri, "return", "请核实").outcome == Outcome::kDone);       // 24
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);   // 25: due
  CHECK(fs::exists(dir + "/checkpoint-000000000025.json"));
  CHECK_FALSE(fs::exists(dir + "/checkpoint-000000000024.json"));
  VerifyOptions o;
  o.configured_dir = true;
  auto v = s->Verify(o);
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.checkpoints_checked == 2);
  CHECK(v.checkpoint_events == 25);
  CHECK(v.checkpoint_file == (fs::path(dir) / "checkpoint-000000000025.json").string());
  VerifyOptions explicit_dir;
  explicit_dir.checkpoint_dir = dir;
  explicit_dir.pubkey = pub;
  CHECK(s->Verify(explicit_dir).ok);
  // A checkpoint that cannot be written never undoes the command, and is reported.
  fs::remove_all(dir);
  REQUIRE(ActOn(*s, "town_t", kAgri, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "county_c", kAgri, "accept").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "region", kAgri, "confirm").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "town_t", kAgri, "archive").outcome == Outcome::kDone);
  auto w = s->TakeWarnings();
  CHECK(w.size() == 4);
  CHECK(s->Verify().ok);
  v = s->Verify(o);
  CHECK(v.ok);
  CHECK(v.checkpoints_checked == 0);
  CHECK_FALSE(v.note.empty());
  // By time: every 10 minutes, at the next command.
  fs::create_directories(dir);
  cfg.every_events = 0;
  cfg.every_minutes = 10;
  REQUIRE(s->ConfigureAutoCheckpoint("region", cfg).outcome == Outcome::kDone);
  int64_t first = LastSeqOf(path);
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:05:00Z", 1);
  ActOn(*s, "county_c", kAgri, "reopen", "更正");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:10:00Z", 1);
  ActOn(*s, "town_t", kAgri, "return", "再核实");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
  CHECK(fs::exists(dir + "/checkpoint-" + std::string(12 - std::to_string(first + 2).size(), '0') + std::to_string(first + 2) + ".json"));
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  CHECK(s->Verify(o).ok);
  s.reset();
  // A history rewritten before the newest checkpoint passes plain verify only.
  RechainEvent(path, 23, [](Doc* b) { json::Set(b, "at", json::Str("2012-01-10T02:00:00Z")); });
  Keep(path, "auto-rewritten.db");
  CHECK(VerifyWith(path, {}).ok);
  v = VerifyWith(path, o);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("rewritten") != std::string::npos);
  // The configuration itself is what its events say.
  ExecSql(path, "UPDATE meta SET value = replace(value, '\"every_minutes\":10', '\"every_minutes\":1000') WHERE key = 'auto_checkpoint'");
  v = VerifyWith(path, {});
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("auto_checkpoint") != std::string::npos);
}

TEST_CASE("audit: automatic checkpoints turned off are recorded, and verify then claims internal consistency only", "[audit]") {
  std::string path, key, pub;
  Keys(&key, &pub);
  auto s = NewStore(&path);
  std::string dir = Temp("checkpoints");
  fs::create_directories(dir);
  AutoCheckpoint cfg;
  cfg.dir = dir;
  cfg.key = key;
  cfg.every_events = 1;
  REQUIRE(s->ConfigureAutoCheckpoint("region", cfg).outcome == Outcome::kDone);
  AutoCheckpoint off;
  off.off = true;
  REQUIRE(s->ConfigureAutoCheckpoint("region", off).outcome == Outcome::kDone);
  CHECK(QueryText(path, "SELECT count(*) FROM meta WHERE key = 'auto_checkpoint'") == "0");
  s->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);  // none after it was turned off
  VerifyOptions o;
  o.configured_dir = true;
  auto v = s->Verify(o);
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.checkpoints_checked == 0);
}
