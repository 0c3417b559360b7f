// Accountable changes: publish and org update name their user, are for the top tier only,
// and are recorded granted or refused; publish runs the rule tests and refuses when one
// fails, unless an explicit override with a comment is recorded. audit verify holds the
// log to the same rules.
#include "tests/store_fixture.h"

#include <filesystem>
#include <fstream>
#include <functional>

using namespace gridstat;
using namespace gridstat::testing;

namespace {

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

Doc LastEvent(const std::string& path) {
  auto d = ParseJsonDocument(QueryText(path, "SELECT body FROM events ORDER BY seq DESC LIMIT 1"));
  REQUIRE(d.ok());
  return *d;
}

}  // namespace

TEST_CASE("publish: only the top tier, recorded with the user, granted or refused", "[publish]") {
  fs::path dir = FreshDir("publish");
  std::string path;
  auto s = NewStoreIn(dir, &path);
  std::string defs = ChangedDefs(dir, false);
  std::string before = QueryText(path, "SELECT value FROM meta WHERE key = 'current_definitions'");
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
    CHECK(QueryText(path, "SELECT value FROM meta WHERE key = 'current_definitions'") == before);
  }
  ActionResult ok = s->Publish(PublishRequest{"region", defs, false, ""}, &diags, &hash);
  REQUIRE(ok.outcome == Outcome::kDone);
  CHECK(hash != before);
  Doc ev = LastEvent(path);
  CHECK(*json::GetStr(ev, "actor") == "region");
  CHECK(*json::GetStr(ev, "role") == "region_statistician");
  CHECK(json::GetInt(*ev.Find("tests"), "failed") == 0);
  CHECK(json::GetInt(*ev.Find("tests"), "passed") > 70);
  CHECK(QueryText(path, "SELECT value FROM meta WHERE key = 'current_definitions'") == hash);
  CHECK(s->Verify().ok);
}

TEST_CASE("publish: a failing rule test refuses it; an override needs a comment and is recorded", "[publish]") {
  fs::path dir = FreshDir("publish");
  std::string path;
  auto s = NewStoreIn(dir, &path);
  std::string defs = ChangedDefs(dir, true);
  std::string before = QueryText(path, "SELECT value FROM meta WHERE key = 'current_definitions'");
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
  CHECK(QueryText(path, "SELECT value FROM meta WHERE key = 'current_definitions'") == before);
  // The override without a reason is a usage error, and nothing is recorded.
  std::string events = QueryText(path, "SELECT count(*) FROM events");
  ActionResult bare = s->Publish(PublishRequest{"region", defs, true, ""}, &diags, &hash);
  CHECK(bare.outcome == Outcome::kCannotRun);
  CHECK(bare.code == "usage");
  CHECK(QueryText(path, "SELECT count(*) FROM events") == events);
  ActionResult forced = s->Publish(PublishRequest{"region", defs, true, "AG-E01 的测试随后改正"}, &diags, &hash);
  REQUIRE(forced.outcome == Outcome::kDone);
  ev = LastEvent(path);
  CHECK(ev.Find("skip_tests")->boolean);
  CHECK(*json::GetStr(ev, "comment") == "AG-E01 的测试随后改正");
  CHECK(json::GetInt(*ev.Find("tests"), "failed") == 1);
  CHECK(s->Verify().ok);
}

TEST_CASE("org update: only the top tier, recorded with the user", "[publish]") {
  fs::path dir = FreshDir("publish");
  std::string path;
  auto s = NewStoreIn(dir, &path);
  std::string org = (dir / "org.yaml").string();
  {
    std::ifstream in(kTestOrg);
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
  fs::path dir = FreshDir("publish");
  std::string path;
  auto s = NewStoreIn(dir, &path);
  std::string defs = ChangedDefs(dir, false);
  std::vector<Diagnostic> diags;
  std::string hash;
  REQUIRE(s->Publish(PublishRequest{"region", defs, false, ""}, &diags, &hash).outcome == Outcome::kDone);
  s.reset();
  int64_t seq = LastSeqOf(path);
  std::string base = (dir / "base.db").string();
  fs::copy_file(path, base);
  auto verify = [&](const std::function<void(Doc*)>& edit) {
    fs::copy_file(base, path, fs::copy_options::overwrite_existing);
    RechainEvent(path, seq, edit);
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
