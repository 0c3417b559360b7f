// Request ids: one id names one request of one actor, store-wide. The same request
// repeats harmlessly; any other request under a used id is refused, recorded, and told
// so without naming anyone; a changed ledger row under a used task id is refused with
// its row number; a negative expected version is a usage error.
#include "tests/store_fixture.h"

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";
const std::string kAgri = "agri_report/2021/" + kV;

std::string Temp(const std::string& name) { return FreshPath("req", name); }

// V's 2021 report, released and submitted, in a new store.
std::unique_ptr<Store> Submitted(std::string* path = nullptr) {
  std::string p;
  auto s = NewStoreIn(FreshDir("req"), &p);
  if (path) *path = p;
  s->Release("region", "agri_village", "2021", "450123100000", "");
  auto r = s->Submit("coord_v", LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + ".json"), "", false, "");
  REQUIRE(r.size() == 1);
  REQUIRE(r[0].outcome == Outcome::kDone);
  return s;
}

// One action by `actor`, on V's report unless `id` names another instance.
ActionResult Act1(Store& s, const std::string& actor, const std::string& action, const std::string& comment,
                  const std::string& to, const std::string& request, const std::string& id = kAgri) {
  return ActOn(s, actor, id, action, comment, to, request);
}

std::string LastComment(Store& s) {
  auto h = s.History(kAgri);
  REQUIRE(h.ok());
  std::string comment;
  for (auto& e : *h)
    if (const Doc* c = e.Find("comment"); c && c->kind == Doc::Kind::kString) comment = c->text;
  return comment;
}

int64_t Events(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &st, nullptr);
  sqlite3_step(st);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST_CASE("request ids: the same request repeats harmlessly; a changed comment under the same id is refused", "[requests]") {
  std::string path;
  auto s = Submitted(&path);
  auto first = Act1(*s, "town_t", "return", "请核实稻谷产量", "", "r-1");
  REQUIRE(first.outcome == Outcome::kDone);
  int64_t n = Events(path);
  auto again = Act1(*s, "town_t", "return", "请核实稻谷产量", "", "r-1");
  CHECK(again.repeated);
  CHECK(again.outcome == Outcome::kDone);
  CHECK(Events(path) == n);
  // The same actor, action and id with another comment is another request.
  auto changed = Act1(*s, "town_t", "return", "另一条意见", "", "r-1");
  CHECK(changed.outcome == Outcome::kRefused);
  CHECK(changed.code == "request_id_reused");
  CHECK_FALSE(changed.repeated);
  CHECK(LastComment(*s) == "请核实稻谷产量");
  CHECK(Events(path) == n + 1);  // the refusal is recorded
  CHECK(s->Verify().ok);
}

TEST_CASE("request ids: a changed target under the same id is refused", "[requests]") {
  std::string path;
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  path = Temp("tasks.db");
  auto s = Store::Create(path, kSrc + "/definitions/guangxi", kSrc + "/tests/data/org.yaml");
  REQUIRE(s.ok());
  auto imported = (*s)->Import("region", "unit_task", "2024-06", kSrc + "/examples/workflow/tasks-2024-06.jsonl");
  REQUIRE(!imported.empty());
  const std::string task = "unit_task/2024-06/T-0001";  // at the township 450123100000
  auto first = Act1(**s, "town_t", "move_out", "单位在南圩镇", "450123101000", "m-1", task);
  REQUIRE(first.outcome == Outcome::kDone);
  auto other = Act1(**s, "town_t", "move_out", "单位在南圩镇", "450123102000", "m-1", task);
  CHECK(other.outcome == Outcome::kRefused);
  CHECK(other.code == "request_id_reused");
  auto shown = (*s)->Show(task, std::nullopt);
  REQUIRE(shown.ok());
  CHECK(json::Canonical(*shown).find("450123101000") != std::string::npos);
  CHECK((*s)->Verify().ok);
}

TEST_CASE("request ids: an id first used by a refused request is not free for another user, and no one is named", "[requests]") {
  std::string path;
  auto s = Submitted(&path);
  // The county may not approve: refused, and the refusal holds the id.
  auto refused = Act1(*s, "county_c", "approve", "", "", "shared-id");
  REQUIRE(refused.outcome == Outcome::kRefused);
  REQUIRE(refused.code == "no_permission");
  auto other = Act1(*s, "town_t", "approve", "", "", "shared-id");
  CHECK(other.outcome == Outcome::kRefused);
  CHECK(other.code == "request_id_reused");
  CHECK(other.message.find("county_c") == std::string::npos);
  CHECK(other.message.find("approve") == std::string::npos);
  auto shown = s->Show(kAgri, std::nullopt);
  REQUIRE(shown.ok());
  CHECK(json::GetStr(*shown, "state") != nullptr);
  CHECK(*json::GetStr(*shown, "state") == "submitted");  // not approved under a used id
  // The first user repeating the refused request gets the same refusal again.
  auto again = Act1(*s, "county_c", "approve", "", "", "shared-id");
  CHECK(again.repeated);
  CHECK(again.code == "no_permission");
  // An id is store-wide: another instance does not make it new.
  auto elsewhere = Act1(*s, "town_t", "approve", "", "", "shared-id", "agri_report/2021/450123100202");
  CHECK(elsewhere.code == "request_id_reused");
  CHECK(s->Verify().ok);
}

TEST_CASE("request ids: a resubmission with other data under a used id is refused", "[requests]") {
  std::string path;
  auto s = Submitted(&path);
  REQUIRE(Act1(*s, "town_t", "return", "请核实", "", "").outcome == Outcome::kDone);
  std::vector<Envelope> fixed;
  REQUIRE(ReadSubmissions(kSrc + "/examples/workflow/agri-" + kV + ".json", [&](Envelope e) { fixed.push_back(std::move(e)); },
                          [](Report) {}).ok());
  auto a = s->Submit("coord_v", fixed, "", false, "sub-1");
  REQUIRE(a.size() == 1);
  REQUIRE(a[0].outcome == Outcome::kDone);
  auto same = s->Submit("coord_v", fixed, "", false, "sub-1");
  CHECK(same[0].repeated);
  for (auto& m : fixed[0].data.members)
    if (m.first == "hogs_stock") m.second.text = "999";
  auto changed = s->Submit("coord_v", fixed, "", false, "sub-1");
  CHECK(changed[0].outcome == Outcome::kRefused);
  CHECK(changed[0].code == "request_id_reused");
  CHECK(s->Verify().ok);
}

TEST_CASE("request ids: a changed ledger row under an imported task id is refused with its row number", "[requests]") {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  std::string path = Temp("ledger.db");
  auto s = Store::Create(path, kSrc + "/definitions/guangxi", kSrc + "/tests/data/org.yaml");
  REQUIRE(s.ok());
  std::string ledger = Temp("ledger.jsonl");
  std::ofstream(ledger) << "{\"id\":\"T-1\",\"kind\":\"find\",\"division\":\"450123100201\",\"data\":{\"name\":\"甲公司\"}}\n"
                        << "{\"id\":\"T-2\",\"kind\":\"find\",\"division\":\"450123100201\",\"data\":{\"name\":\"乙公司\"}}\n";
  auto first = (*s)->Import("region", "unit_task", "2024-06", ledger);
  REQUIRE(first.size() == 2);
  // The same file again: nothing new, nothing refused.
  for (auto& r : (*s)->Import("region", "unit_task", "2024-06", ledger)) {
    CHECK(r.outcome == Outcome::kDone);
    CHECK(r.code == "exists");
  }
  std::string changed = Temp("ledger2.jsonl");
  std::ofstream(changed) << "{\"id\":\"T-1\",\"kind\":\"find\",\"division\":\"450123100201\",\"data\":{\"name\":\"甲公司\"}}\n"
                         << "{\"id\":\"T-2\",\"kind\":\"find\",\"division\":\"450123100201\",\"data\":{\"name\":\"乙公司(已更名)\"}}\n"
                         << "{\"id\":\"T-3\",\"kind\":\"find\",\"division\":\"450123100201\",\"data\":{\"name\":\"丙公司\"}}\n";
  auto second = (*s)->Import("region", "unit_task", "2024-06", changed);
  REQUIRE(second.size() == 3);
  CHECK(second[0].code == "exists");
  CHECK(second[1].outcome == Outcome::kRefused);
  CHECK(second[1].code == "row_changed");
  CHECK(second[1].message.find(":2:") != std::string::npos);
  CHECK(second[2].outcome == Outcome::kDone);
  CHECK(second[2].changed);
  auto shown = (*s)->Show("unit_task/2024-06/T-2", std::nullopt);
  REQUIRE(shown.ok());
  CHECK(json::Canonical(*shown).find("已更名") == std::string::npos);
  CHECK((*s)->Verify().ok);
}

TEST_CASE("request ids: a negative expected version is a usage error, not a skipped check", "[requests]") {
  std::string path;
  auto s = Submitted(&path);
  int64_t n = Events(path);
  ActRequest r;
  r.actor = "town_t";
  r.instances = {kAgri};
  r.action = "approve";
  r.if_version = -1;
  auto res = s->Act(r);
  REQUIRE(res.size() == 1);
  CHECK(res[0].outcome == Outcome::kCannotRun);
  CHECK(res[0].code == "usage");
  CHECK(Events(path) == n);
  auto shown = s->Show(kAgri, std::nullopt);
  REQUIRE(shown.ok());
  CHECK(*json::GetStr(*shown, "state") == "submitted");
}
