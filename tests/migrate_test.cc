// Migrating instances across a renamed state: `migrate` moves an instance whose state the
// current definitions renamed only by an explicit mapping, records the state it had and the
// mapping in its event, refuses a mapping that cannot apply as a whole, and audit verify holds
// migrate events to the same rules.
#include "tests/store_fixture.h"

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";
const std::string kAgri = "agri_report/2021/" + kV;
const std::string kOther = "agri_report/2021/450123100202";  // released, never touched: its state is not renamed

std::vector<Envelope> HouseholdV() { return HouseholdIn(kV); }

// Renames state `from` of `workflow` to `to` in the text of workflows.gs: its declaration and
// every `to`/`from` line of that workflow's actions. The state's flags stay as they are.
std::string RenameState(std::string text, const std::string& workflow, const std::string& from, const std::string& to) {
  size_t begin = text.find("workflow " + workflow + " ");
  REQUIRE(begin != std::string::npos);
  size_t end = text.find("\nworkflow ", begin);
  if (end == std::string::npos) end = text.size();
  std::istringstream in(text.substr(begin, end - begin));
  std::string block, line;
  const std::regex word("\\b" + from + "\\b");
  int changed = 0;
  while (std::getline(in, line)) {
    size_t at = line.find_first_not_of(' ');
    std::string head = at == std::string::npos ? "" : line.substr(at);
    if (head.rfind("state " + from + " ", 0) == 0) {
      line.replace(at + 6, from.size(), to);
      ++changed;
    } else if (head.rfind("to ", 0) == 0 || head.rfind("from ", 0) == 0) {
      std::string again = std::regex_replace(line, word, to);
      changed += again != line;
      line = again;
    }
    block += line + "\n";
  }
  REQUIRE(changed >= 2);
  return text.substr(0, begin) + block + text.substr(end + (end < text.size() ? 1 : 0));
}

// A copy of the shipped definitions in which the bureau renamed three states: agri_report's
// `accepted` (now `county_accepted`) and `submitted` (now `reported`), and household_survey's
// `submitted` (now `registered`). unit_task and household_survey keep their `accepted`.
std::string RenamedDefs(const fs::path& dir) {
  fs::path d = dir / "defs-renamed";
  fs::copy(kDefs, d, fs::copy_options::recursive);
  std::ifstream in(d / "workflows.gs");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text = RenameState(text, "agri_report", "accepted", "county_accepted");
  text = RenameState(text, "agri_report", "submitted", "reported");
  text = RenameState(text, "household_survey", "submitted", "registered");
  std::ofstream(d / "workflows.gs") << text;
  return d.string();
}

// The last event of `instance` (any instance: ""), as stored.
Doc LastEvent(const std::string& path, const std::string& instance = "") {
  auto d = ParseJsonDocument(QueryText(path, instance.empty() ? "SELECT body FROM events ORDER BY seq DESC LIMIT 1"
                                                           : "SELECT body FROM events WHERE instance = '" + instance + "' ORDER BY seq DESC LIMIT 1"));
  REQUIRE(d.ok());
  return *d;
}

// A store with V's report accepted, the other villages' reports released, and a household of
// V submitted, all under the shipped definitions; then the renamed definitions published.
struct World {
  fs::path dir;
  std::string path, old_defs, new_defs, household;
  std::unique_ptr<Store> s;
};

World MakeWorld() {
  World w;
  w.dir = FreshDir("migrate");
  w.s = NewStoreIn(w.dir, &w.path);
  Store& st = *w.s;
  REQUIRE(st.Release("region", "agri_village", "2021", "450123100000", "")[0].outcome == Outcome::kDone);
  REQUIRE(st.Submit("coord_v", LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + ".json"), "", false, "")[0].outcome == Outcome::kDone);
  REQUIRE(ActOn(st, "town_t", kAgri, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(st, "county_c", kAgri, "accept").outcome == Outcome::kDone);
  auto hh = st.Submit("coord_v", HouseholdV(), "", false, "");
  REQUIRE(hh.size() == 1);
  REQUIRE(hh[0].outcome == Outcome::kDone);
  w.household = hh[0].instance;
  w.old_defs = *json::GetStr(*st.Show(kAgri, std::nullopt), "definitions");
  std::vector<Diagnostic> diags;
  auto pr = st.Publish(PublishRequest{"region", RenamedDefs(w.dir), false, ""}, &diags, &w.new_defs);
  INFO(pr.message);
  REQUIRE(pr.outcome == Outcome::kDone);
  REQUIRE(w.new_defs != w.old_defs);
  return w;
}

std::string StateOf(Store& s, const std::string& id) { return *json::GetStr(*s.Show(id, std::nullopt), "state"); }
std::string DefsOf(Store& s, const std::string& id) { return *json::GetStr(*s.Show(id, std::nullopt), "definitions"); }

MigrateRequest Req(std::vector<std::string> instances, std::map<std::string, std::string> states) {
  MigrateRequest r;
  r.actor = "region";
  r.instances = std::move(instances);
  r.states = std::move(states);
  return r;
}

const std::map<std::string, std::string> kMap = {
    {"accepted", "county_accepted"}, {"submitted", "reported"}, {"household_survey.submitted", "registered"}};

int64_t SeqOf(const Doc& event) { return json::GetInt(event, "seq"); }

}  // namespace

TEST_CASE("migrate: without a mapping, an instance whose state was renamed is refused and told of --map", "[migrate]") {
  World w = MakeWorld();
  auto r = w.s->Migrate(Req({kAgri}, {}));
  REQUIRE(r.size() == 1);
  CHECK(r[0].outcome == Outcome::kRefused);
  CHECK(r[0].code == "incompatible");
  CHECK(r[0].message.find("--map accepted=新状态") != std::string::npos);
  CHECK(StateOf(*w.s, kAgri) == "accepted");
  CHECK(DefsOf(*w.s, kAgri) == w.old_defs);
  Doc ev = LastEvent(w.path);
  CHECK(*json::GetStr(ev, "reason") == "incompatible");
  CHECK(*json::GetStr(ev, "action") == "migrate");
  // The same in English.
  auto en = Store::Open(w.path, Lang::kEn);
  REQUIRE(en.ok());
  auto r2 = (*en)->Migrate(Req({kAgri}, {}));
  REQUIRE(r2.size() == 1);
  CHECK(r2[0].message == "workflow agri_report of the current definitions lacks state accepted; if it was renamed, name its new state "
                         "with --map accepted=NEW");
  // Without --instance, what can move moves; what cannot is refused.
  auto all = w.s->Migrate(Req({}, {}));
  int done = 0, refused = 0;
  for (auto& x : all) (x.outcome == Outcome::kDone ? done : refused) += 1;
  CHECK(refused == 2);  // V's accepted report and the submitted household
  CHECK(done >= 1);
  CHECK(DefsOf(*w.s, kOther) == w.new_defs);
  CHECK(DefsOf(*w.s, kAgri) == w.old_defs);
  auto v = w.s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("migrate: a mapping moves renamed states, the event records it, and later steps go on", "[migrate]") {
  World w = MakeWorld();
  const Doc before = *w.s->Show(kAgri, std::nullopt);
  auto r = w.s->Migrate(Req({}, kMap));
  for (auto& x : r) {
    INFO(x.instance << ": " << x.code << " " << x.message);
    CHECK(x.outcome == Outcome::kDone);
  }
  CHECK(StateOf(*w.s, kAgri) == "county_accepted");
  CHECK(DefsOf(*w.s, kAgri) == w.new_defs);
  CHECK(json::GetInt(*w.s->Show(kAgri, std::nullopt), "version") == json::GetInt(before, "version") + 1);
  CHECK(StateOf(*w.s, w.household) == "registered");  // the scoped mapping wins over `submitted`
  CHECK(StateOf(*w.s, kOther) == "released");
  CHECK(DefsOf(*w.s, kOther) == w.new_defs);

  Doc ev = LastEvent(w.path, kAgri);
  CHECK(*json::GetStr(ev, "kind") == "migrate");
  CHECK(*json::GetStr(ev, "state_before") == "accepted");
  CHECK(*json::GetStr(ev, "state") == "county_accepted");
  CHECK(*json::GetStr(ev, "from_definitions") == w.old_defs);
  CHECK(*json::GetStr(ev, "definitions") == w.new_defs);
  CHECK(*json::GetStr(ev, "actor") == "region");
  REQUIRE(ev.Find("map"));
  CHECK(json::Canonical(*ev.Find("map")) ==
        "{\"accepted\":\"county_accepted\",\"household_survey.submitted\":\"registered\",\"submitted\":\"reported\"}");
  {  // history shows the migration from the old state to the new one
    auto h = w.s->History(kAgri);
    REQUIRE(h.ok());
    const Doc& last = h->back();
    CHECK(*json::GetStr(last, "action") == "migrate");
    CHECK(*json::GetStr(last, "from") == "accepted");
    CHECK(*json::GetStr(last, "to") == "county_accepted");
  }
  Doc hev = LastEvent(w.path, w.household);
  CHECK(*json::GetStr(hev, "state_before") == "submitted");
  CHECK(*json::GetStr(hev, "state") == "registered");
  // A state that was not renamed: the event is what it always was.
  Doc oev = LastEvent(w.path, kOther);
  CHECK(*json::GetStr(oev, "kind") == "migrate");
  CHECK(*json::GetStr(oev, "state") == "released");
  CHECK_FALSE(oev.Find("state_before"));
  CHECK_FALSE(oev.Find("map"));
  {
    auto v = w.s->Verify();
    INFO(v.problem);
    CHECK(v.ok);
  }
  // Nothing is left to migrate: a second run does nothing.
  CHECK(w.s->Migrate(Req({}, kMap)).empty());

  // The workflow goes on from the new states, under the new definitions.
  auto confirm = ActOn(*w.s, "region", kAgri, "confirm");
  INFO(confirm.message);
  CHECK(confirm.outcome == Outcome::kDone);
  CHECK(StateOf(*w.s, kAgri) == "confirmed");
  CHECK(ActOn(*w.s, "county_c", kAgri, "reopen", "复核").outcome == Outcome::kDone);
  CHECK(StateOf(*w.s, kAgri) == "returned");
  auto recheck = ActOn(*w.s, "coord_v", w.household, "recheck", "已入户复查");
  INFO(recheck.message);
  CHECK(recheck.outcome == Outcome::kDone);
  CHECK(StateOf(*w.s, w.household) == "rechecked");
  auto v = w.s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("migrate: a state that was not renamed migrates untouched; a mapping no instance needs is fine", "[migrate]") {
  World w = MakeWorld();
  auto r = w.s->Migrate(Req({kOther}, {{"agri_report.ghost", "county_accepted"}, {"accepted", "county_accepted"}}));
  REQUIRE(r.size() == 1);
  CHECK(r[0].outcome == Outcome::kDone);
  CHECK(StateOf(*w.s, kOther) == "released");
  Doc ev = LastEvent(w.path);
  CHECK(*json::GetStr(ev, "kind") == "migrate");
  CHECK(*json::GetStr(ev, "state") == "released");
  CHECK_FALSE(ev.Find("state_before"));
  CHECK_FALSE(ev.Find("map"));
  auto v = w.s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("migrate: a mapping that cannot apply refuses the whole request, recorded, and moves nothing", "[migrate]") {
  World w = MakeWorld();
  struct Case {
    std::map<std::string, std::string> states;
    std::string says;  // part of the English message
  };
  const std::vector<Case> cases = {
      {{{"accepted", "no_such_state"}}, "no workflow of the current definitions has state no_such_state"},
      {{{"agri_report.accepted", "no_such_state"}}, "workflow agri_report of the current definitions has no state no_such_state"},
      {{{"nowhere.accepted", "county_accepted"}}, "the current definitions have no workflow nowhere"},
      {{{"agri_report.released", "county_accepted"}}, "still has state released"},
      {{{"released", "county_accepted"}}, "cannot apply"},
      {{{"accepted", ""}}, "malformed"},
      {{{"agri_report.", "county_accepted"}}, "malformed"},
      {{{"a.b.c", "county_accepted"}}, "malformed"},
      // `submitted` fits agri_report, but the household's workflow has no `reported`.
      {{{"accepted", "county_accepted"}, {"submitted", "reported"}}, "has no state reported"},
  };
  auto en = Store::Open(w.path, Lang::kEn);
  REQUIRE(en.ok());
  for (auto& c : cases) {
    std::string given;
    for (auto& [k, v] : c.states) given += " --map " + k + "=" + v;
    INFO(given);
    auto r = (*en)->Migrate(Req({}, c.states));
    REQUIRE(r.size() == 1);
    CHECK(r[0].outcome == Outcome::kRefused);
    CHECK(r[0].code == "bad_map");
    INFO(r[0].message);
    CHECK(r[0].message.find(c.says) != std::string::npos);
    Doc ev = LastEvent(w.path);
    CHECK(*json::GetStr(ev, "kind") == "action");
    CHECK(*json::GetStr(ev, "reason") == "bad_map");
    CHECK(ev.Find("map"));
    CHECK(DefsOf(*w.s, kOther) == w.old_defs);
    CHECK(DefsOf(*w.s, kAgri) == w.old_defs);
    CHECK(DefsOf(*w.s, w.household) == w.old_defs);
  }
  // The last one names the household that does not fit.
  CHECK(*json::GetStr(LastEvent(w.path), "instance") == w.household);
  // In Chinese too, with the fix.
  auto zh = w.s->Migrate(Req({w.household}, {{"submitted", "reported"}}));
  REQUIRE(zh.size() == 1);
  CHECK(zh[0].code == "bad_map");
  CHECK(zh[0].message.find("--map household_survey.submitted=新状态") != std::string::npos);
  // Only the top tier migrates, mapping or not.
  MigrateRequest town = Req({kAgri}, kMap);
  town.actor = "town_t";
  CHECK(w.s->Migrate(town)[0].code == "no_permission");
  CHECK(StateOf(*w.s, kAgri) == "accepted");
  auto v = w.s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("audit: a forged migrate event fails verify at its seq", "[migrate][audit]") {
  World w = MakeWorld();
  REQUIRE(w.s->Migrate(Req({kAgri, kOther, w.household}, kMap)).size() == 3);
  const int64_t agri_seq = SeqOf(LastEvent(w.path, kAgri));
  const int64_t other_seq = SeqOf(LastEvent(w.path, kOther));
  REQUIRE(w.s->Verify().ok);
  struct Forgery {
    const char* what;
    int64_t seq;
    std::function<void(Doc*)> edit;
    std::string problem;
  };
  const std::vector<Forgery> forgeries = {
      {"the state changed without a mapping", agri_seq, [](Doc* b) { b->members.erase(std::remove_if(b->members.begin(), b->members.end(),
                                                                                                     [](auto& m) { return m.first == "map"; }),
                                                                                      b->members.end()); },
       "changes the state from 'accepted' to 'county_accepted' without a mapping that says so"},
      {"a mapping that says otherwise", agri_seq, [](Doc* b) { json::Set(b, "map", json::Obj({{"accepted", json::Str("confirmed")}})); },
       "without a mapping that says so"},
      {"mapped to a state that does not exist", agri_seq,
       [](Doc* b) {
         json::Set(b, "state", json::Str("no_such_state"));
         json::Set(b, "map", json::Obj({{"accepted", json::Str("no_such_state")}}));
       },
       "migrates to state 'no_such_state', which workflow agri_report of the new definitions does not have"},
      {"the state changed with no state_before", other_seq, [](Doc* b) { json::Set(b, "state", json::Str("reported")); },
       "migrates from state 'reported', but the instance is in 'released'"},
      {"a state that still exists renamed", other_seq,
       [](Doc* b) {
         json::Set(b, "state_before", json::Str("released"));
         json::Set(b, "state", json::Str("returned"));
         json::Set(b, "map", json::Obj({{"released", json::Str("returned")}}));
       },
       "renames state 'released', which the new definitions still have"},
      {"state_before that is not the instance's", agri_seq, [](Doc* b) { json::Set(b, "state_before", json::Str("confirmed")); },
       "migrates from state 'confirmed', but the instance is in 'accepted'"},
      {"state_before equal to state", other_seq, [](Doc* b) { json::Set(b, "state_before", json::Str("released")); },
       "state_before must be the state the instance had, and differ from state"},
      {"a mapping on an unchanged state", other_seq, [](Doc* b) { json::Set(b, "map", json::Obj({{"accepted", json::Str("county_accepted")}})); },
       "records a mapping but does not change the state"},
      {"a migrate by someone below the top tier", agri_seq,
       [](Doc* b) {
         json::Set(b, "actor", json::Str("town_t"));
         json::Set(b, "role", json::Str("township_statistician"));
         json::Set(b, "actor_division", json::Str("450123100000"));
       },
       "migrate was granted to role township_statistician, which is not of the top tier"},
      {"a migrate that names no user", agri_seq,
       [](Doc* b) {
         b->members.erase(std::remove_if(b->members.begin(), b->members.end(),
                                         [](auto& m) { return m.first == "actor" || m.first == "role" || m.first == "actor_division"; }),
                          b->members.end());
       },
       "migrate names no user"},
      {"a version that skips", agri_seq, [](Doc* b) { json::Set(b, "version", json::Int(json::GetInt(*b, "version") + 1)); },
       "version does not follow"},
  };
  int n = 0;
  for (auto& f : forgeries) {
    INFO(f.what);
    std::string copy = (w.dir / ("forged-" + std::to_string(++n) + ".db")).string();
    REQUIRE(w.s->Backup(copy).ok());
    RechainEvent(copy, f.seq, f.edit);
    auto forged = Store::OpenReadOnly(copy);
    REQUIRE(forged.ok());
    auto v = (*forged)->Verify();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == f.seq);
    INFO(v.problem);
    CHECK(v.problem.find(f.problem) != std::string::npos);
  }
}
