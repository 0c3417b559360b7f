// A Store held open acts on the world as it is: every command reads the current
// definitions version and organisation inside its own transaction, so that another
// process's publish or org update is never missed, and the log always verifies.
#include "tests/store_fixture.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";

// A copy of the shipped definitions whose AG-W01 message says `word`.
std::string DefsSaying(const fs::path& dir, const std::string& word) {
  fs::path d = dir / ("defs-" + std::to_string(std::hash<std::string>()(word)));
  fs::copy(kDefs, d, fs::copy_options::recursive);
  std::ifstream in(d / "agri_village.gs");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto at = text.find("超出合理范围");
  REQUIRE(at != std::string::npos);
  text.replace(at, std::string("超出合理范围").size(), word);
  std::ofstream(d / "agri_village.gs") << text;
  return d.string();
}

// The test organisation, without the users named in `drop`, with `extra` lines added.
std::string OrgWithout(const fs::path& dir, const std::string& name, const std::vector<std::string>& drop,
                       const std::string& extra = "") {
  std::ifstream in(kTestOrg);
  std::string out, line;
  while (std::getline(in, line)) {
    bool keep = true;
    for (auto& d : drop) if (line.find("id: " + d + ",") != std::string::npos) keep = false;
    if (keep) out += line + "\n";
  }
  std::string p = (dir / name).string();
  std::ofstream(p) << out << extra;
  return p;
}

std::vector<Envelope> Agri(const std::string& period) {
  std::vector<Envelope> env;
  REQUIRE(ReadSubmissions(kSrc + "/examples/workflow/agri-" + kV + ".json", [&](Envelope e) { env.push_back(std::move(e)); },
                          [](Report) {}).ok());
  for (auto& e : env) {
    e.period = period;
    e.id = "AG-" + period + "-" + kV;
  }
  return env;
}

}  // namespace

TEST_CASE("current state: a store held open sees another process's publish and org update", "[current]") {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  fs::path dir = FreshDir("current");
  std::string path = (dir / "store.db").string();
  REQUIRE(Store::Create(path, kDefs, kSrc + "/tests/data/org.yaml").ok());
  auto held = Store::Open(path);   // a server's store, open for days
  auto other = Store::Open(path);  // the CLI of the same day
  REQUIRE(held.ok());
  REQUIRE(other.ok());
  std::vector<Diagnostic> diags;
  std::string hash;
  REQUIRE((*other)->Publish(PublishRequest{"region", DefsSaying(dir, "超出常见范围"), false, ""}, &diags, &hash).outcome == Outcome::kDone);
  std::vector<Doc> changes;
  REQUIRE((*other)->OrgUpdate("region", OrgWithout(dir, "org.yaml", {"county_c"}), &changes).outcome == Outcome::kDone);
  REQUIRE(changes.size() == 1);
  // The held store's next release uses the version just published...
  auto released = (*held)->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(!released.empty());
  REQUIRE(released[0].outcome == Outcome::kDone);
  auto shown = (*held)->Show("agri_report/2021/" + kV, std::nullopt);
  REQUIRE(shown.ok());
  CHECK(*json::GetStr(*shown, "definitions") == hash);
  // ...and the removed user can no longer act through it.
  REQUIRE((*held)->Submit("coord_v", Agri("2021"), "", false, "")[0].outcome == Outcome::kDone);
  REQUIRE(ActOn(**held, "town_t", "agri_report/2021/" + kV, "approve").outcome == Outcome::kDone);
  auto gone = ActOn(**held, "county_c", "agri_report/2021/" + kV, "accept");
  CHECK(gone.outcome == Outcome::kRefused);
  CHECK(gone.code == "no_user");
  // A user added elsewhere can act through it at once.
  REQUIRE((*other)->OrgUpdate("region", OrgWithout(dir, "org2.yaml", {}, "  - {id: county_new, name: 新, role: county_statistician, division: \"450123000000\"}\n"),
                              &changes).outcome == Outcome::kDone);
  CHECK(ActOn(**held, "county_new", "agri_report/2021/" + kV, "accept").outcome == Outcome::kDone);
  auto v = (*held)->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("current state: two connections interleaved at random over 1,200 operations verify", "[current]") {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  fs::path dir = FreshDir("current");
  std::string path = (dir / "store.db").string();
  REQUIRE(Store::Create(path, kDefs, kSrc + "/tests/data/org.yaml").ok());
  std::unique_ptr<Store> conn[2];
  for (auto& c : conn) {
    auto s = Store::Open(path);
    REQUIRE(s.ok());
    c = std::move(*s);
  }
  const std::vector<std::string> defs = {kDefs, DefsSaying(dir, "超出常见范围"), DefsSaying(dir, "不在合理范围")};
  const std::vector<std::string> orgs = {kTestOrg, OrgWithout(dir, "no-county.yaml", {"county_c"}),
                                         OrgWithout(dir, "no-town.yaml", {"town_t"})};
  std::mt19937 rng(20261129);
  const std::vector<std::string> periods = {"2019", "2020", "2021", "2022", "2023"};
  int done = 0, refused = 0, publishes = 0, org_updates = 0;
  std::vector<Diagnostic> diags;
  for (int i = 0; i < 1200; ++i) {
    Store& s = *conn[rng() % 2];
    const std::string period = periods[rng() % periods.size()];
    const std::string inst = "agri_report/" + period + "/" + kV;
    std::vector<ActionResult> rs;
    switch (rng() % 12) {
      case 0:
        if (rng() % 4 == 0) {  // publishing runs the rule tests: keep it to a few dozen
          std::string hash;
          rs.push_back(s.Publish(PublishRequest{rng() % 5 ? "region" : "town_t", defs[rng() % defs.size()], false, ""}, &diags, &hash));
          ++publishes;
        } else {
          std::vector<Doc> changes;
          rs.push_back(s.OrgUpdate("region", orgs[rng() % orgs.size()], &changes));
          ++org_updates;
        }
        break;
      case 1: rs = s.Release("region", "agri_village", period, "450123100000", ""); break;
      case 2: case 3: rs = s.Submit("coord_v", Agri(period), "", false, ""); break;
      case 4: case 5: rs.push_back(ActOn(s, "town_t", inst, "approve")); break;
      case 6: case 7: rs.push_back(ActOn(s, "county_c", inst, "accept")); break;
      case 8: rs.push_back(ActOn(s, "county_c", inst, "reopen", "复核")); break;
      case 9: rs.push_back(ActOn(s, "town_t", inst, "return", "请核实")); break;
      case 10: rs.push_back(ActOn(s, "region", inst, "migrate")); break;
      default: rs = s.Migrate(MigrateRequest{"region", {}, {}}); break;
    }
    for (auto& r : rs) {
      INFO("operation " << i << ": " << r.code << " " << r.message);
      REQUIRE(r.outcome != Outcome::kCannotRun);
      (r.outcome == Outcome::kDone ? done : refused) += 1;
    }
  }
  auto v = conn[0]->Verify();
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(publishes >= 10);
  CHECK(org_updates >= 40);
  CHECK(done >= 200);
  WARN(done << " done, " << refused << " refused, " << publishes << " publishes, " << org_updates << " org updates");
}
