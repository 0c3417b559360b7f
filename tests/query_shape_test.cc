// The JSON the store's queries give is documented member by member (doc/store.md, "Query
// results"): every member list, inbox, progress, units and replay produce is in the table for
// that query, and every member a table lists is produced.
#include "tests/store_fixture.h"

#include <map>
#include <regex>
#include <set>

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";

// query name -> the members its table lists (`a[].b` for members of the objects of array a).
std::map<std::string, std::set<std::string>> DocumentedMembers() {
  std::ifstream in(kSrc + "/doc/store.md");
  REQUIRE(in);
  std::map<std::string, std::set<std::string>> out;
  std::string line, query;
  bool in_section = false;
  const std::regex code("`([a-z_\\[\\].]+)`");
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Query results";
    if (!in_section) continue;
    if (line.rfind("### ", 0) == 0) { query = line.substr(4); continue; }
    if (query.empty() || line.rfind("| `", 0) != 0) continue;
    std::string first = line.substr(1, line.find('|', 1) - 1);  // the table's first column
    for (std::sregex_iterator it(first.begin(), first.end(), code), end; it != end; ++it) out[query].insert((*it)[1]);
  }
  return out;
}

// The members of `d`, and of the objects of its arrays as `a[].b`.
void MembersOf(const Doc& d, std::set<std::string>* out) {
  for (auto& [k, v] : d.members) {
    out->insert(k);
    if (v.kind == Doc::Kind::kArray)
      for (auto& item : v.items)
        if (item.kind == Doc::Kind::kObject)
          for (auto& [ik, iv] : item.members) out->insert(k + "[]." + ik);
  }
}

void Same(const std::string& query, const std::set<std::string>& produced, const std::map<std::string, std::set<std::string>>& doc) {
  INFO("query " << query);
  REQUIRE(doc.count(query));
  for (auto& m : produced) {
    INFO("produced but not documented: " << m);
    CHECK(doc.at(query).count(m));
  }
  for (auto& m : doc.at(query)) {
    INFO("documented but not produced: " << m);
    CHECK(produced.count(m));
  }
}

}  // namespace

TEST_CASE("queries: list, inbox, progress, units and replay give the members doc/store.md lists", "[queries][doc]") {
  auto doc = DocumentedMembers();
  CHECK(doc.size() == 5);
  fs::path dir = FreshDir("queries");
  std::string path;
  auto s = NewStoreIn(dir, &path);
  // Reports of a township's villages; V's submitted, approved and accepted.
  REQUIRE(s->Release("region", "agri_village", "2021", "450123100000", "")[0].outcome == Outcome::kDone);
  std::string agri = "agri_report/2021/" + kV;
  REQUIRE(s->Submit("coord_v", LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + ".json"), agri, false, "")[0].outcome ==
          Outcome::kDone);
  // A unit task accepted into the registry.
  REQUIRE(s->Import("region", "unit_task", "2024-06", kSrc + "/examples/workflow/tasks-2024-06.jsonl").size() == 2);
  auto unit = LoadEnvelopes(kSrc + "/examples/submissions/basic_unit_2024-06.json");
  unit.resize(1);
  unit[0].division = kV;
  SetField(&unit[0], "division_code", kV);
  std::string task = "unit_task/2024-06/T-0002";
  auto submitted = s->Submit("coord_v", unit, task, false, "");
  INFO(submitted[0].message);
  REQUIRE(submitted[0].outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "town_t", task, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "county_c", task, "accept").outcome == Outcome::kDone);

  std::set<std::string> members;
  auto list = s->List(Query{std::nullopt, "agri_village", "2021", "", ""});
  REQUIRE(list.ok());
  REQUIRE(!list->empty());
  for (auto& d : *list) MembersOf(d, &members);
  Same("list", members, doc);

  members.clear();
  auto inbox = s->Inbox("town_t");
  REQUIRE(inbox.ok());
  REQUIRE(!inbox->empty());
  for (auto& d : *inbox) MembersOf(d, &members);
  Same("inbox", members, doc);
  CHECK_FALSE(s->Inbox("nobody").ok());

  members.clear();
  // Long after the deadline, so that the villages that never submitted are overdue.
  auto progress = s->Progress(Query{std::nullopt, "agri_village", "2021", "", "450123100000"}, 0, "2022-12-31");
  REQUIRE(progress.ok());
  REQUIRE(!progress->Find("overdue")->items.empty());
  MembersOf(*progress, &members);
  Same("progress", members, doc);

  members.clear();
  auto units = s->Units("", "");
  REQUIRE(units.ok());
  REQUIRE(units->size() == 1);
  for (auto& d : *units) MembersOf(d, &members);
  Same("units", members, doc);

  members.clear();
  // Definitions in which AG-W01 accepts 250–400 kg/mu only: V's rice yield, 500 kg/mu, now
  // gives a warning, and replay reports the difference.
  fs::path defs = dir / "defs";
  fs::copy(kDefs, defs, fs::copy_options::recursive);
  {
    std::ifstream in(defs / "agri_village.gs");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto at = text.find("between 250 and 750");
    REQUIRE(at != std::string::npos);
    text.replace(at, std::string("between 250 and 750").size(), "between 250 and 400");
    std::ofstream(defs / "agri_village.gs") << text;
  }
  std::vector<Diagnostic> diags;
  auto replay = s->Replay(defs.string(), &diags);
  REQUIRE(replay.ok());
  REQUIRE(!replay->empty());
  for (auto& d : *replay) MembersOf(d, &members);
  Same("replay", members, doc);
}
