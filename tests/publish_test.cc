// Accountable changes: publish and org update name their user, are for the top tier only,
// and are recorded granted or refused; publish runs the rule tests and refuses when one
// fails, unless an explicit override with a comment is recorded. audit verify holds the
// log to the same rules.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "common/json.h"
#include "engine/refdata.h"
#include "gridstat/store.h"

using namespace gridstat;
namespace fs = std::filesystem;

namespace {

const std::string kSrc = GRIDSTAT_SOURCE_DIR;
const std::string kDefs = kSrc + "/definitions/guangxi";

fs::path Dir() {
  static int n = 0;
  fs::path d = fs::temp_directory_path() / ("gridstat-publish-" + std::to_string(::getpid())) / std::to_string(++n);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::unique_ptr<Store> NewStore(const fs::path& dir, std::string* path) {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  *path = (dir / "store.db").string();
  auto s = Store::Create(*path, kDefs, kSrc + "/tests/data/org.yaml");
  REQUIRE(s.ok());
  return std::move(*s);
}

// A copy of the shipped definitions with one rule's message changed, and optionally one
// rule test that now expects the wrong code.
std::string ChangedDefs(const fs::path& dir, bool break_a_test) {
  fs::path d = dir / "defs";
  fs::copy(kDefs, d, fs::copy_options::recursive);
  auto edit = [](const fs::path& p, const std::string& from, const std::string& to) {
    std::ifstream in(p);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(p) << text;
  };
  edit(d / "agri_village.gs", "超出合理范围", "超出常见范围");
  if (break_a_test) edit(d / "tests" / "agri_village.test.yaml", "expect: [AG-E01]", "expect: [AG-E02]");
  return d.string();
}

std::string Query1(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

Doc LastEvent(const std::string& path) {
  auto d = ParseJsonDocument(Query1(path, "SELECT body FROM events ORDER BY seq DESC LIMIT 1"));
  REQUIRE(d.ok());
  return *d;
}

// Rewrites event `seq` (appends when past the end) and re-chains the log after it, as
// whoever can write the file can.
void Rechain(const std::string& path, int64_t seq, const std::function<void(Doc*)>& edit) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::vector<std::string> bodies;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT body FROM events ORDER BY seq", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) bodies.push_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  Doc body = seq <= static_cast<int64_t>(bodies.size()) ? *ParseJsonDocument(bodies[seq - 1]) : json::Obj();
  edit(&body);
  json::Set(&body, "seq", json::Int(seq));
  if (seq > static_cast<int64_t>(bodies.size())) bodies.push_back("");
  bodies[seq - 1] = json::Canonical(body);
  std::string prev(64, '0');
  for (size_t i = 0; i < bodies.size(); ++i) {
    std::string hash = engine::Sha256Hex(prev + "\n" + bodies[i]);
    auto b = ParseJsonDocument(bodies[i]);
    const std::string* inst = json::GetStr(*b, "instance");
    const std::string* req = json::GetStr(*b, "request_id");
    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO events(seq, instance, request_id, body, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?)", -1,
                       &st, nullptr);
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(i) + 1);
    sqlite3_bind_text(st, 2, inst ? inst->c_str() : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, req ? req->c_str() : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, bodies[i].c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, prev.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, hash.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    prev = hash;
  }
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("publish: only the top tier, recorded with the user, granted or refused", "[publish]") {
  fs::path dir = Dir();
  std::string path;
  auto s = NewStore(dir, &path);
  std::string defs = ChangedDefs(dir, false);
  std::string before = Query1(path, "SELECT value FROM meta WHERE key = 'current_definitions'");
  std::vector<Diagnostic> diags;
  std::string hash;
  for (const char* who : {"county_c", "nobody"}) {
    ActionResult r = s->Publish(PublishRequest{who, defs, false, ""}, &diags, &hash);
    CHECK(r.outcome == Outcome::kRefused);
    CHECK(r.code == (std::string(who) == "nobody" ? "no_user" : "no_permission"));
    Doc ev = LastEvent(path);
    CHECK(*json::GetStr(ev, "kind") == "publish");
    CHECK(*json::GetStr(ev, "actor") == who);
    CHECK(ev.Find("refused")->boolean);
    CHECK(Query1(path, "SELECT value FROM meta WHERE key = 'current_definitions'") == before);
  }
  ActionResult ok = s->Publish(PublishRequest{"region", defs, false, ""}, &diags, &hash);
  REQUIRE(ok.outcome == Outcome::kDone);
  CHECK(hash != before);
  Doc ev = LastEvent(path);
  CHECK(*json::GetStr(ev, "actor") == "region");
  CHECK(*json::GetStr(ev, "role") == "region_statistician");
  CHECK(json::GetInt(*ev.Find("tests"), "failed") == 0);
  CHECK(json::GetInt(*ev.Find("tests"), "passed") > 70);
  CHECK(Query1(path, "SELECT value FROM meta WHERE key = 'current_definitions'") == hash);
  CHECK(s->Verify().ok);
}

TEST_CASE("publish: a failing rule test refuses it; an override needs a comment and is recorded", "[publish]") {
  fs::path dir = Dir();
  std::string path;
  auto s = NewStore(dir, &path);
  std::string defs = ChangedDefs(dir, true);
  std::string before = Query1(path, "SELECT value FROM meta WHERE key = 'current_definitions'");
  std::vector<Diagnostic> diags;
  std::string hash;
  ActionResult r = s->Publish(PublishRequest{"region", defs, false, ""}, &diags, &hash);
  CHECK(r.outcome == Outcome::kRefused);
  CHECK(r.code == "tests_failed");
  CHECK(r.message.find("agri_village.test.yaml") != std::string::npos);
  Doc ev = LastEvent(path);
  CHECK(ev.Find("refused")->boolean);
  CHECK(*json::GetStr(ev, "reason") == "tests_failed");
  CHECK(json::GetInt(*ev.Find("tests"), "failed") == 1);
  CHECK(Query1(path, "SELECT value FROM meta WHERE key = 'current_definitions'") == before);
  // The override without a reason is a usage error, and nothing is recorded.
  std::string events = Query1(path, "SELECT count(*) FROM events");
  ActionResult bare = s->Publish(PublishRequest{"region", defs, true, ""}, &diags, &hash);
  CHECK(bare.outcome == Outcome::kCannotRun);
  CHECK(bare.code == "usage");
  CHECK(Query1(path, "SELECT count(*) FROM events") == events);
  ActionResult forced = s->Publish(PublishRequest{"region", defs, true, "AG-E01 的测试随后改正"}, &diags, &hash);
  REQUIRE(forced.outcome == Outcome::kDone);
  ev = LastEvent(path);
  CHECK(ev.Find("skip_tests")->boolean);
  CHECK(*json::GetStr(ev, "comment") == "AG-E01 的测试随后改正");
  CHECK(json::GetInt(*ev.Find("tests"), "failed") == 1);
  CHECK(s->Verify().ok);
}

TEST_CASE("org update: only the top tier, recorded with the user", "[publish]") {
  fs::path dir = Dir();
  std::string path;
  auto s = NewStore(dir, &path);
  std::string org = (dir / "org.yaml").string();
  {
    std::ifstream in(kSrc + "/tests/data/org.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(org) << text << "  - {id: coord_new, name: 新人, role: coordinator, division: \"450123100203\"}\n";
  }
  std::vector<Doc> changes;
  ActionResult refused = s->OrgUpdate("town_t", org, &changes);
  CHECK(refused.outcome == Outcome::kRefused);
  CHECK(refused.code == "no_permission");
  CHECK(changes.empty());
  Doc ev = LastEvent(path);
  CHECK(*json::GetStr(ev, "kind") == "org");
  CHECK(*json::GetStr(ev, "actor") == "town_t");
  CHECK(ev.Find("refused")->boolean);
  CHECK(ev.Find("org") == nullptr);
  ActionResult done = s->OrgUpdate("region", org, &changes);
  REQUIRE(done.outcome == Outcome::kDone);
  REQUIRE(changes.size() == 1);
  ev = LastEvent(path);
  CHECK(*json::GetStr(ev, "actor") == "region");
  CHECK_FALSE(ev.Find("refused")->boolean);
  CHECK(s->Verify().ok);
}

TEST_CASE("publish: verify refuses a publish or org change by no one or by a lower tier", "[publish][audit]") {
  fs::path dir = Dir();
  std::string path;
  auto s = NewStore(dir, &path);
  std::string defs = ChangedDefs(dir, false);
  std::vector<Diagnostic> diags;
  std::string hash;
  REQUIRE(s->Publish(PublishRequest{"region", defs, false, ""}, &diags, &hash).outcome == Outcome::kDone);
  s.reset();
  int64_t seq = std::stoll(Query1(path, "SELECT max(seq) FROM events"));
  std::string base = (dir / "base.db").string();
  fs::copy_file(path, base);
  auto verify = [&](const std::function<void(Doc*)>& edit) {
    fs::copy_file(base, path, fs::copy_options::overwrite_existing);
    Rechain(path, seq, edit);
    auto st = Store::Open(path);
    REQUIRE(st.ok());
    return (*st)->Verify();
  };
  // The publish re-attributed to a county statistician.
  auto v = verify([](Doc* b) {
    json::Set(b, "actor", json::Str("county_c"));
    json::Set(b, "role", json::Str("county_statistician"));
    json::Set(b, "actor_division", json::Str("450123000000"));
  });
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == seq);
  CHECK(v.problem.find("not of the top tier") != std::string::npos);
  // The publish with its user removed.
  v = verify([](Doc* b) {
    Doc d = json::Obj();
    for (auto& [k, m] : b->members)
      if (k != "actor" && k != "role" && k != "actor_division") d.members.emplace_back(k, m);
    *b = d;
  });
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("names no user") != std::string::npos);
  // The publish passed off as an old-format event after newer ones.
  v = verify([](Doc* b) {
    Doc d = json::Obj();
    for (auto& [k, m] : b->members)
      if (k != "actor" && k != "role" && k != "actor_division" && k != "format") d.members.emplace_back(k, m);
    *b = d;
  });
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("format") != std::string::npos);
  // Untouched, it verifies.
  v = verify([](Doc*) {});
  CHECK(v.ok);
}
