// One workflow policy for the store and the auditor (workflow/policy.h). After a publish
// that changes who may approve, every user tries every reviewing action on instances pinned
// to the old and to the new definitions. Each instance follows the version it is pinned to;
// audit verify accepts every step the store allowed; and every refusal, forged into an
// allowed step and re-chained, is rejected by audit verify at that very event.
#include "tests/store_fixture.h"

#include <map>
#include <set>

#include "store/event.h"

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";

// The shipped definitions with `approve` moved from the township to the county.
std::string CountyApproves(const fs::path& dir) {
  fs::path d = dir / "defs";
  fs::copy(kDefs, d, fs::copy_options::recursive);
  std::ifstream in(d / "workflows.gs");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string from = "    by township_statistician\n    from submitted\n    to township_approved";
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "    by county_statistician\n    from submitted\n    to township_approved");
  std::ofstream(d / "workflows.gs") << text;
  return d.string();
}

const std::vector<std::string> kUsers = {"coord_v", "coord_sib", "grid_v", "town_t", "town_other", "county_c",
                                         "county_other", "city_c", "city_other", "region", "coord_town_village"};
// The reviewing actions of agri_report that start from `submitted`, and where they lead.
const std::map<std::string, std::string> kActions = {{"return", "returned"}, {"approve", "township_approved"}};

struct Attempt {
  std::string user, action, instance;
  bool old_version = false;
  ActionResult result;
};

}  // namespace

TEST_CASE("policy: the store and the auditor agree on every case after a publish", "[policy][audit]") {
  fs::path dir = FreshDir("policy");
  std::string path;
  auto s = NewStoreIn(dir, &path);
  Envelope report = LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + ".json")[0];
  int year = 1990;
  // A report of V in `submitted`, for a period of its own.
  auto submitted = [&]() {
    std::string p = std::to_string(++year), id = "agri_report/" + p + "/" + kV;
    REQUIRE(s->Release("region", "agri_village", p, kV, "")[0].outcome == Outcome::kDone);
    Envelope e = report;
    e.period = p;
    e.id = "AG-" + p + "-" + kV;
    auto r = s->Submit("coord_v", {e}, id, false, "");
    INFO(r[0].message);
    REQUIRE(r[0].outcome == Outcome::kDone);
    return id;
  };
  std::vector<Attempt> attempts;
  for (auto& u : kUsers)
    for (auto& [action, to] : kActions) attempts.push_back({u, action, submitted(), true, {}});
  PublishRequest pub;
  pub.actor = "region";
  pub.defs_dir = CountyApproves(dir);
  std::vector<Diagnostic> diags;
  std::string hash;
  auto published = s->Publish(pub, &diags, &hash);
  INFO(published.message);
  REQUIRE(published.outcome == Outcome::kDone);
  for (auto& u : kUsers)
    for (auto& [action, to] : kActions) attempts.push_back({u, action, submitted(), false, {}});
  for (auto& a : attempts) a.result = ActOn(*s, a.user, a.instance, a.action, "意见");
  // Each instance follows the version it is pinned to.
  auto result = [&](const std::string& user, const std::string& action, bool old_version) {
    for (auto& a : attempts)
      if (a.user == user && a.action == action && a.old_version == old_version) return a.result.outcome;
    FAIL("no such attempt");
    return Outcome::kCannotRun;
  };
  CHECK(result("town_t", "approve", true) == Outcome::kDone);
  CHECK(result("county_c", "approve", true) == Outcome::kRefused);
  CHECK(result("town_t", "approve", false) == Outcome::kRefused);
  CHECK(result("county_c", "approve", false) == Outcome::kDone);
  CHECK(result("town_t", "return", false) == Outcome::kDone);
  int allowed = 0, refused = 0;
  for (auto& a : attempts) (a.result.outcome == Outcome::kDone ? allowed : refused)++;
  CHECK(allowed == 6);  // return: town_t, county_c on each; approve: town_t (old), county_c (new)
  CHECK(refused == static_cast<int>(attempts.size()) - 6);
  // The auditor accepts every step the store allowed.
  {
    auto v = s->Verify();
    INFO(v.problem);
    REQUIRE(v.ok);
  }
  // Every member of every event is one the event type names (store/event.h).
  {
    std::set<std::string> named;
    for (auto m : store::kAllEventMembers) named.insert(store::EventMemberName(m));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT body FROM events", -1, &st, nullptr);
    std::set<std::string> kinds;
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto body = ParseJsonDocument(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
      REQUIRE(body.ok());
      for (auto& [k, v] : body->members) {
        INFO("member " << k);
        CHECK(named.count(k));
      }
      kinds.insert(*json::GetStr(*body, "kind"));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK(kinds == std::set<std::string>{"action", "publish", "org"});
  }
  s.reset();
  // ... and rejects every step the store refused, forged into an allowed one at its place.
  int forged = 0;
  for (auto& a : attempts) {
    if (a.result.outcome == Outcome::kDone) continue;
    INFO(a.user << " " << a.action << " on " << a.instance << (a.old_version ? " (old version)" : " (new version)") << ": "
                << a.result.code);
    std::string copy = (dir / ("forged-" + std::to_string(++forged) + ".db")).string();
    fs::copy_file(path, copy);
    int64_t seq = std::stoll(QueryText(copy, "SELECT max(seq) FROM events WHERE instance = '" + a.instance + "'"));
    std::string version = QueryText(copy, "SELECT version FROM instances WHERE id = '" + a.instance + "'");
    std::string defs = QueryText(copy, "SELECT definitions FROM instances WHERE id = '" + a.instance + "'");
    RechainEvent(copy, seq, [&](Doc* b) {
      REQUIRE(b->Find("refused")->boolean);
      Doc allowed_body = json::Obj();
      for (auto& m : b->members)
        if (m.first != "reason" && m.first != "message") allowed_body.members.push_back(m);
      *b = allowed_body;
      json::Set(b, "refused", json::Bool(false));
      // A refusal for want of access names no state: the step it would have been.
      json::Set(b, "workflow", json::Str("agri_report"));
      json::Set(b, "from", json::Str("submitted"));
      json::Set(b, "jurisdiction", json::Str(kV));
      json::Set(b, "definitions", json::Str(defs));
      json::Set(b, "to", json::Str(kActions.at(a.action)));
      json::Set(b, "version", json::Int(std::stoll(version) + 1));
      json::Set(b, "jurisdiction_before", json::Str(kV));
      json::Set(b, "comment", json::Str("意见"));
      json::Set(b, "target", json::Null());
    });
    // The rows follow the forged step, so that only its lawfulness is in question.
    ExecSql(copy, "UPDATE instances SET state = '" + kActions.at(a.action) + "', version = version + 1 WHERE id = '" + a.instance + "'");
    auto opened = Store::Open(copy);
    REQUIRE(opened.ok());
    auto v = (*opened)->Verify();
    INFO(v.problem);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == seq);
    CHECK(v.problem.find("outside what that role may do") != std::string::npos);
    opened->reset();
    fs::remove(copy);
  }
  CHECK(forged == refused);
}

TEST_CASE("events: every kind and member of the event type is documented in doc/audit.md", "[policy][audit]") {
  std::ifstream in(kSrc + "/doc/audit.md");
  std::string doc((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(!doc.empty());
  for (auto m : store::kAllEventMembers) {
    INFO("member " << store::EventMemberName(m));
    CHECK(doc.find(std::string("`") + store::EventMemberName(m) + "`") != std::string::npos);
  }
  for (auto k : store::kAllEventKinds) {
    INFO("kind " << store::EventKindName(k));
    CHECK(doc.find(std::string("`") + store::EventKindName(k) + "`") != std::string::npos);
  }
}
