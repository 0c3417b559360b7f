// What reviewers and auditors read: `show` and `audit history` give the submitted figures under
// their labels and units, rosters as tables, code labels, explanations, state, action and role
// labels from the definitions, people's names, and times in Asia/Shanghai beside the UTC ones.
#include "tests/store_fixture.h"

#include "store/views.h"

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";
const std::string kAgri = "agri_report/2021/" + kV;

// A new store in a directory of its own, on the shipped definitions and the test organisation.
std::unique_ptr<Store> NewStore() {
  std::string path;
  return NewStoreIn(FreshDir("show"), &path);
}

std::string Str(const Doc& d, const std::string& k) {
  const std::string* v = json::GetStr(d, k);
  return v ? *v : "<none>";
}

const Doc& Figure(const Doc& shown, const std::string& name) {
  const Doc* figures = shown.Find("submission")->Find("figures");
  REQUIRE(figures);
  for (auto& f : figures->items)
    if (Str(f, "name") == name) return f;
  FAIL("no figure " + name);
  return *figures;
}

// V's agricultural report with a rice yield of 83.33 kg/mu (AG-W01), explained, then accepted.
std::unique_ptr<Store> AcceptedAgri() {
  auto s = NewStore();
  s->Release("region", "agri_village", "2021", "450123100000", "");
  auto agri = LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + ".json");
  SetField(&agri[0], "rice_output", "100.00");
  SetField(&agri[0], "grain_output", "465.25");
  REQUIRE(s->Submit("coord_v", agri, "", false, "")[0].code == "guard");  // the warning is not explained yet
  agri[0].explanations["AG-W01"] = "今年遭遇旱灾,稻谷减产";
  REQUIRE(s->Submit("coord_v", agri, "", false, "")[0].outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "town_t", kAgri, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "county_c", kAgri, "accept").outcome == Outcome::kDone);
  return s;
}

}  // namespace

TEST_CASE("show: the submitted figures under their labels and units, in the survey's order", "[show]") {
  auto s = AcceptedAgri();
  auto shown = s->Show(kAgri, std::nullopt);
  REQUIRE(shown.ok());
  const Doc* figures = shown->Find("submission")->Find("figures");
  REQUIRE(figures);
  REQUIRE(figures->items.size() == 22);
  CHECK(Str(figures->items[0], "name") == "cultivated_land");
  CHECK(Str(figures->items[1], "name") == "rice_area");
  CHECK(Str(figures->items[21], "name") == "poultry_slaughtered");
  const Doc& land = figures->items[0];
  CHECK(Str(land, "label") == "耕地面积");
  CHECK(Str(land, "unit") == "亩");
  CHECK(Str(land, "value") == "3000.0");
  CHECK(land.Find("code_label") == nullptr);
  CHECK(Str(Figure(*shown, "rice_output"), "value") == "100.00");
  CHECK(Str(Figure(*shown, "rice_output"), "unit") == "吨");
  // Integers keep the form they were submitted in (a JSON number here).
  CHECK(Figure(*shown, "hogs_slaughtered").Find("value")->kind == Doc::Kind::kNumber);
  CHECK(Str(Figure(*shown, "hogs_slaughtered"), "value") == "300");
  // A survey without rosters has an empty table list.
  REQUIRE(shown->Find("submission")->Find("rosters"));
  CHECK(shown->Find("submission")->Find("rosters")->items.empty());
}

TEST_CASE("show: each warning carries its explanation", "[show]") {
  auto s = AcceptedAgri();
  auto shown = s->Show(kAgri, std::nullopt);
  REQUIRE(shown.ok());
  const Doc* findings = shown->Find("submission")->Find("findings");
  REQUIRE(findings);
  bool seen = false;
  for (auto& f : findings->items) {
    if (Str(f, "rule") != "AG-W01") continue;
    seen = true;
    CHECK(Str(f, "explanation") == "今年遭遇旱灾,稻谷减产");
    CHECK(f.Find("explained")->boolean);  // the existing members stay
  }
  CHECK(seen);
}

TEST_CASE("show: state, workflow, survey, action and role labels, names and local times", "[show]") {
  auto s = AcceptedAgri();
  auto shown = s->Show(kAgri, std::nullopt);
  REQUIRE(shown.ok());
  CHECK(Str(*shown, "state") == "accepted");
  CHECK(Str(*shown, "state_label") == "县级已验收");
  CHECK(Str(*shown, "workflow_label") == "村级农业生产情况报表");
  CHECK(Str(*shown, "survey_label") != "<none>");
  const auto& events = shown->Find("events")->items;
  REQUIRE(events.size() == 5);  // release, refused submit, submit, approve, accept
  const Doc& release = events[0];
  CHECK(Str(release, "action_label") == "下发报表");
  CHECK(release.Find("from_label")->kind == Doc::Kind::kNull);
  CHECK(Str(release, "to_label") == "已下发");
  CHECK(Str(release, "actor_name") == "癸");
  CHECK(Str(release, "role_label") == "自治区统计员");
  const Doc& refused = events[1];
  CHECK(refused.Find("refused")->boolean);
  CHECK(Str(refused, "action_label") == "上报");
  CHECK(Str(refused, "actor_name") == "甲");
  const Doc& accept = events[4];
  CHECK(Str(accept, "action") == "accept");
  CHECK(Str(accept, "action_label") == "县级验收");
  CHECK(Str(accept, "from") == "township_approved");
  CHECK(Str(accept, "from_label") == "乡镇已审核");
  CHECK(Str(accept, "to_label") == "县级已验收");
  CHECK(Str(accept, "actor") == "county_c");
  CHECK(Str(accept, "actor_name") == "己");
  CHECK(Str(accept, "role_label") == "县级统计员");
  CHECK(Str(accept, "at") == "2022-01-10T02:00:00Z");
  CHECK(Str(accept, "at_local") == "2022-01-10 10:00:00 +08:00");
}

TEST_CASE("audit history: the same labels, names and local times as show", "[show]") {
  auto s = AcceptedAgri();
  auto h = s->History(kAgri);
  auto shown = s->Show(kAgri, std::nullopt);
  REQUIRE(h.ok());
  REQUIRE(shown.ok());
  const auto& events = shown->Find("events")->items;
  REQUIRE(h->size() == events.size());
  for (size_t i = 0; i < h->size(); ++i) CHECK(json::Canonical((*h)[i]) == json::Canonical(events[i]));
  CHECK(Str(h->back(), "to_label") == "县级已验收");
  CHECK(Str(h->back(), "actor_name") == "己");
  CHECK(Str(h->back(), "at_local") == "2022-01-10 10:00:00 +08:00");
  // An actor the organisation does not hold has no name, and the id is still there.
  CHECK(ActOn(*s, "ghost", kAgri, "reopen", "再核").outcome != Outcome::kDone);
  auto after = s->History(kAgri);
  REQUIRE(after.ok());
  REQUIRE(after->size() == h->size() + 1);
  CHECK(Str(after->back(), "actor") == "ghost");
  CHECK(after->back().Find("actor_name")->kind == Doc::Kind::kNull);
  CHECK(Str(after->back(), "action_label") == "重新打开");
  // A refusal on an instance that never existed is still labelled from its workflow.
  CHECK(ActOn(*s, "county_c", "agri_report/2021/450123100299", "accept").outcome != Outcome::kDone);
  auto none = s->History("agri_report/2021/450123100299");
  REQUIRE(none.ok());
  REQUIRE_FALSE(none->empty());
  CHECK(Str(none->front(), "action_label") == "县级验收");
  for (auto& e : *none) CHECK(Str(e, "at_local") == "2022-01-10 10:00:00 +08:00");
}

TEST_CASE("show: rosters as tables, code labels, ID numbers masked", "[show]") {
  auto s = NewStore();
  auto hh = LoadEnvelopes(kSrc + "/examples/submissions/pop_change_2023.yaml");
  hh.resize(1);
  hh[0].division = kV;
  SetField(&hh[0], "district_code", kV + "001");
  auto r = s->Submit("coord_v", hh, "", false, "");
  REQUIRE(r[0].outcome == Outcome::kDone);
  auto shown = s->Show(r[0].instance, std::nullopt);
  REQUIRE(shown.ok());
  CHECK(Str(*shown, "state_label") == "已登记上报");
  const Doc& type = Figure(*shown, "household_type");
  CHECK(Str(type, "label") == "户别");
  CHECK(Str(type, "value") == "1");
  CHECK(Str(type, "code_label") == "家庭户");
  CHECK(Str(Figure(*shown, "deaths_count"), "unit") == "人");
  const Doc* rosters = shown->Find("submission")->Find("rosters");
  REQUIRE(rosters);
  REQUIRE(rosters->items.size() == 1);
  const Doc& persons = rosters->items[0];
  CHECK(Str(persons, "name") == "persons");
  CHECK(Str(persons, "label") == "本户人员");
  const auto& cols = persons.Find("columns")->items;
  REQUIRE(cols.size() == 7);
  std::vector<std::string> labels;
  for (auto& c : cols) labels.push_back(Str(c, "label"));
  CHECK(labels == std::vector<std::string>{"姓名", "与户主关系", "性别", "出生年月", "民族", "公民身份号码", "婚姻状况"});
  const auto& rows = persons.Find("rows")->items;
  REQUIRE(rows.size() == 3);
  const auto& head = rows[0].items;
  REQUIRE(head.size() == 7);
  CHECK(Str(head[0], "value") == "韦建国");
  CHECK(Str(head[1], "value") == "0");
  CHECK(Str(head[1], "code_label") == "户主");
  CHECK(Str(head[2], "code_label") == "男");
  CHECK(Str(head[4], "code_label") == "壮族");
  CHECK(Str(head[5], "value") == "450102************");
  CHECK(head[5].Find("code_label") == nullptr);
  CHECK(Str(head[6], "code_label") == "有配偶");
  // A value not asked of a row is shown as missing, not left out: the row stays aligned with the header.
  REQUIRE(rows[2].items.size() == 7);
  CHECK(rows[2].items[6].Find("value")->kind == Doc::Kind::kNull);
  // No unmasked ID number anywhere in the view.
  CHECK(json::Canonical(*shown).find("450102198003150011") == std::string::npos);
}

TEST_CASE("show: local times in Asia/Shanghai", "[show]") {
  using store::ShanghaiTime;
  CHECK(ShanghaiTime("2022-01-10T02:00:00Z") == std::optional<std::string>("2022-01-10 10:00:00 +08:00"));
  CHECK(ShanghaiTime("2021-12-31T16:30:05Z") == std::optional<std::string>("2022-01-01 00:30:05 +08:00"));
  CHECK(ShanghaiTime("2024-02-28T20:00:00Z") == std::optional<std::string>("2024-02-29 04:00:00 +08:00"));
  CHECK(ShanghaiTime("2022-01-10T10:00:00+08:00") == std::optional<std::string>("2022-01-10 10:00:00 +08:00"));
  CHECK(ShanghaiTime("2022-01-10T00:00:00-05:30") == std::optional<std::string>("2022-01-10 13:30:00 +08:00"));
  CHECK(ShanghaiTime("2022-01-10T02:00:00.250Z") == std::optional<std::string>("2022-01-10 10:00:00.250 +08:00"));
  CHECK_FALSE(ShanghaiTime("yesterday"));
  CHECK_FALSE(ShanghaiTime("2022-02-30T02:00:00Z"));
  CHECK_FALSE(ShanghaiTime("2022-01-10T02:00:00"));
  CHECK_FALSE(ShanghaiTime("2022-01-10T02:00:00Zjunk"));
}
