// Workflows through the public Store API: the state machines of SURVEYS.md, the
// authorisation matrix, idempotency, conflicts, tampering, checkpoints and replay.
#include "tests/store_fixture.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <atomic>
#include <set>
#include <thread>

#include "gridstat/engine.h"

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";
const std::string kAgri = "agri_report/2021/" + kV;

std::string TempPath(const std::string& name) { return FreshPath("wf", name); }

// A new store in a directory of its own, on the shipped definitions and the test organisation.
std::unique_ptr<Store> NewStore(std::string* path = nullptr) {
  std::string p;
  auto s = NewStoreIn(FreshDir("wf"), &p);
  if (path) *path = p;
  return s;
}

std::vector<Envelope> AgriV(const std::string& variant = "") {
  return LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + variant + ".json");
}

std::vector<Envelope> HouseholdV() { return HouseholdIn(kV); }

std::string StateOf(Store& s, const std::string& id) {
  auto d = s.Show(id, std::nullopt);
  REQUIRE(d.ok());
  return *json::GetStr(*d, "state");
}

int64_t EventCount(Store& s, const std::string& id) {
  auto h = s.History(id);
  REQUIRE(h.ok());
  return static_cast<int64_t>(h->size());
}

// Drives V's agricultural report to `state` through the real actions.
std::unique_ptr<Store> AgriIn(const std::string& state) {
  auto s = NewStore();
  auto rel = s->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(rel.size() == 18);
  if (state == "released") return s;
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
  if (state == "submitted") return s;
  if (state == "returned") {
    REQUIRE(ActOn(*s, "town_t", kAgri, "return", "请核实耕地面积").outcome == Outcome::kDone);
    return s;
  }
  REQUIRE(ActOn(*s, "town_t", kAgri, "approve").outcome == Outcome::kDone);
  if (state == "township_approved") return s;
  REQUIRE(ActOn(*s, "county_c", kAgri, "accept").outcome == Outcome::kDone);
  if (state == "accepted") return s;
  REQUIRE(ActOn(*s, "region", kAgri, "confirm").outcome == Outcome::kDone);
  if (state == "confirmed") return s;
  REQUIRE(ActOn(*s, "town_t", kAgri, "archive").outcome == Outcome::kDone);
  REQUIRE(state == "archived");
  return s;
}

}  // namespace

TEST_CASE("workflow: agri_report runs end to end", "[workflow]") {
  auto s = NewStore();
  auto rel = s->Release("region", "agri_village", "2021", "450123100000", "");
  CHECK(rel.size() == 18);
  CHECK(rel[0].instance == "agri_report/2021/450123100005");
  // Releasing again creates nothing, and says so.
  auto again = s->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(again.size() == 1);
  CHECK(again[0].code == "exists");
  CHECK(again[0].message == "18 个村已有该期报表实例,未重复创建");

  // An error blocks the submission; the refusal is recorded with the findings.
  auto bad = s->Submit("coord_v", LoadEnvelopes(kSrc + "/examples/workflow/agri-450123100202.json"), kAgri, false, "");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].outcome == Outcome::kRefused);
  CHECK(bad[0].code == "mismatch");
  CHECK(StateOf(*s, kAgri) == "released");
  auto ok = s->Submit("coord_v", AgriV(), "", false, "");
  REQUIRE(ok[0].outcome == Outcome::kDone);
  CHECK(ok[0].instance == kAgri);
  CHECK(StateOf(*s, kAgri) == "submitted");
  CHECK(ActOn(*s, "town_t", kAgri, "return").code == "missing_comment");
  CHECK(ActOn(*s, "town_t", kAgri, "return", "耕地面积偏大,请核实").outcome == Outcome::kDone);
  CHECK(StateOf(*s, kAgri) == "returned");
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
  CHECK(ActOn(*s, "town_t", kAgri, "approve").outcome == Outcome::kDone);
  CHECK(ActOn(*s, "county_c", kAgri, "accept").outcome == Outcome::kDone);
  CHECK(ActOn(*s, "city_c", kAgri, "reopen").code == "missing_comment");
  // Archived only after the region has confirmed (附件3 四).
  CHECK(ActOn(*s, "town_t", kAgri, "archive").code == "wrong_state");
  CHECK(ActOn(*s, "region", kAgri, "confirm").outcome == Outcome::kDone);
  CHECK(StateOf(*s, kAgri) == "confirmed");
  CHECK(ActOn(*s, "town_t", kAgri, "archive").outcome == Outcome::kDone);
  CHECK(StateOf(*s, kAgri) == "archived");
  auto shown = s->Show(kAgri, std::nullopt);
  REQUIRE(shown.ok());
  CHECK(json::GetInt(*shown, "version") == 8);
  const Doc* events = shown->Find("events");
  REQUIRE(events);
  CHECK(events->items.size() == 12);  // four refusals among them
  int refused = 0;
  for (auto& e : events->items) refused += e.Find("refused")->boolean;
  CHECK(refused == 4);
  auto v = s->Verify();
  CHECK(v.ok);
  INFO(v.problem);
}

TEST_CASE("workflow: guards on findings and explanations", "[workflow]") {
  auto s = NewStore();
  s->Release("region", "agri_village", "2021", "450123100000", "");
  std::string id3 = "agri_report/2021/450123100203";
  ActRequest none;
  // agri-450123100203 has an unexplained warning (AG-W01): refused; with its explanation: accepted.
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  auto refused = s->Submit("coord_v", LoadEnvelopes(kSrc + "/examples/workflow/agri-450123100203.json"), "", false, "");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == "no_access");  // coord_v is not 203's coordinator
}

TEST_CASE("workflow: authorisation matrix for agri_report", "[workflow][authz]") {
  // The table of SURVEYS.md, written out independently of the definitions.
  struct Rule { std::set<std::string> roles; std::set<std::string> from; };
  const std::map<std::string, Rule> table = {
      {"return", {{"township_statistician", "county_statistician"}, {"submitted", "township_approved"}}},
      {"approve", {{"township_statistician"}, {"submitted"}}},
      {"accept", {{"county_statistician"}, {"township_approved"}}},
      {"confirm", {{"region_statistician"}, {"accepted"}}},
      {"reopen", {{"county_statistician", "city_statistician"}, {"accepted", "confirmed", "archived"}}},
      {"archive", {{"township_statistician"}, {"confirmed"}}},
  };
  // user -> (role, relation of the user's division to V)
  const std::map<std::string, std::pair<std::string, std::string>> users = {
      {"coord_v", {"coordinator", "same"}},           {"coord_sib", {"coordinator", "sibling"}},
      {"grid_v", {"grid_worker", "descendant"}},      {"town_t", {"township_statistician", "ancestor"}},
      {"town_other", {"township_statistician", "unrelated"}}, {"county_c", {"county_statistician", "ancestor"}},
      {"county_other", {"county_statistician", "unrelated"}}, {"city_c", {"city_statistician", "ancestor"}},
      {"city_other", {"city_statistician", "unrelated"}},     {"region", {"region_statistician", "ancestor"}},
  };
  const std::vector<std::string> states = {"released", "submitted", "returned", "township_approved", "accepted", "confirmed", "archived"};
  int allowed = 0, refused_n = 0;
  for (const auto& state : states) {
    auto s = AgriIn(state);
    for (const auto& [action, rule] : table) {
      for (const auto& [user, info] : users) {
        const auto& [role, relation] = info;
        bool expect = rule.from.count(state) && rule.roles.count(role) && relation == "ancestor";
        INFO(state << " / " << action << " / " << user);
        int64_t before = EventCount(*s, kAgri);
        auto r = ActOn(*s, user, kAgri, action, "意见");
        CHECK((r.outcome == Outcome::kDone) == expect);
        CHECK(EventCount(*s, kAgri) == before + 1);  // allowed or not, it is recorded
        if (r.outcome == Outcome::kDone) {
          ++allowed;
          s = AgriIn(state);  // back to the state under test
        } else {
          ++refused_n;
          CHECK(StateOf(*s, kAgri) == state);
        }
      }
    }
    // Submitting: only V's coordinator, from released or returned; saving: also V's grid worker.
    for (const auto& [user, info] : users) {
      for (bool draft : {false, true}) {
        bool expect = (state == "released" || state == "returned") &&
                      (user == "coord_v" || (draft && user == "grid_v"));
        INFO(state << " / " << (draft ? "save" : "submit") << " / " << user);
        auto r = s->Submit(user, AgriV(), kAgri, draft, "");
        REQUIRE(r.size() == 1);
        CHECK((r[0].outcome == Outcome::kDone) == expect);
        if (r[0].outcome == Outcome::kDone) { ++allowed; s = AgriIn(state); } else ++refused_n;
      }
    }
    CHECK(s->Verify().ok);
  }
  // released 3 (submit, 2 saves), submitted 3, returned 3, township_approved 3, accepted 3 (2 reopens,
  // confirm), confirmed 3 (2 reopens, archive), archived 2
  CHECK(allowed == 20);
  CHECK(refused_n == 7 * (6 + 2) * 10 - 20);
}

TEST_CASE("workflow: a coordinator can neither see nor touch another village", "[workflow][authz]") {
  auto s = AgriIn("submitted");
  CHECK_FALSE(s->Show(kAgri, std::string("coord_sib")).ok());
  CHECK(s->Show(kAgri, std::string("coord_v")).ok());
  Query q;
  q.as = "coord_sib";
  auto l = s->List(q);
  REQUIRE(l.ok());
  for (auto& d : *l) CHECK(*json::GetStr(d, "division") == "450123100202");
  q.as = "town_t";
  CHECK(s->List(q)->size() == 18);
  q.as = "town_other";
  CHECK(s->List(q)->empty());
  auto inbox = s->Inbox("town_t");
  REQUIRE(inbox.ok());
  REQUIRE(inbox->size() == 1);
  CHECK(*json::GetStr((*inbox)[0], "id") == kAgri);
  CHECK(ActOn(*s, "coord_sib", kAgri, "return", "x").code == "no_access");
}

TEST_CASE("workflow: idempotent request ids and conflicts", "[workflow]") {
  std::string path;
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  s->Submit("coord_v", AgriV(), "", false, "");
  auto first = ActOn(*s, "town_t", kAgri, "approve", "", "", "req-1");
  CHECK(first.outcome == Outcome::kDone);
  int64_t n = EventCount(*s, kAgri);
  auto second = ActOn(*s, "town_t", kAgri, "approve", "", "", "req-1");
  CHECK(second.outcome == Outcome::kDone);
  CHECK(second.repeated);
  CHECK(EventCount(*s, kAgri) == n);
  // A stale version is a conflict, and recorded.
  ActRequest r;
  r.actor = "county_c";
  r.instances = {kAgri};
  r.action = "accept";
  r.if_version = 2;
  auto stale = s->Act(r);
  CHECK(stale[0].outcome == Outcome::kConflict);
  CHECK(stale[0].code == "stale_version");
  CHECK(EventCount(*s, kAgri) == n + 1);
  r.if_version = 3;
  CHECK(s->Act(r)[0].outcome == Outcome::kDone);
  // Two actors racing: the second one finds the first's change and gets a conflict.
  auto other = Store::Open(path);
  REQUIRE(other.ok());
  auto a = ActOn(*s, "county_c", kAgri, "reopen", "重新核实");
  auto b = ActOn(**other, "city_c", kAgri, "reopen", "市里也要核实");
  CHECK(a.outcome == Outcome::kDone);
  CHECK(b.outcome == Outcome::kConflict);
  CHECK(b.code == "conflict");
  CHECK(s->Verify().ok);
}

TEST_CASE("workflow: unit_task moves down, out and up", "[workflow]") {
  auto s = NewStore();
  auto imported = s->Import("region", "unit_task", "2024-06", kSrc + "/examples/workflow/tasks-2024-06.jsonl");
  REQUIRE(imported.size() == 2);
  CHECK(imported[0].instance == "unit_task/2024-06/T-0001");
  std::string t1 = "unit_task/2024-06/T-0001", t2 = "unit_task/2024-06/T-0002";
  // T-0001 starts at the township: its holder assigns it to a child village.
  CHECK(ActOn(*s, "county_c", t1, "assign", "", kV).code == "no_permission");  // not the holder
  CHECK(ActOn(*s, "town_t", t1, "assign", "", "450123101201").code == "bad_target");  // not a child
  CHECK(ActOn(*s, "town_t", t1, "assign", "", kV).outcome == Outcome::kDone);
  auto shown = s->Show(t1, std::nullopt);
  CHECK(*json::GetStr(*shown, "division") == kV);
  // The village coordinator returns it up; at the township it is moved out to another township.
  CHECK(ActOn(*s, "coord_v", t1, "return_up", "不在本村").outcome == Outcome::kDone);
  CHECK(*json::GetStr(*s->Show(t1, std::nullopt), "division") == "450123100000");
  CHECK(ActOn(*s, "town_t", t1, "move_out", "", "450123101000").code == "missing_comment");
  CHECK(ActOn(*s, "town_t", t1, "move_out", "地址在南圩镇", kV).code == "bad_target");  // not the same level
  CHECK(ActOn(*s, "town_t", t1, "move_out", "地址在南圩镇", "450123101000").outcome == Outcome::kDone);
  // The old township has lost access; the new one has it.
  CHECK(ActOn(*s, "town_t", t1, "return_up", "x").code == "no_access");
  CHECK(ActOn(*s, "town_other", t1, "return_up", "不在本镇").outcome == Outcome::kDone);
  CHECK(ActOn(*s, "county_c", t1, "return_up", "x").outcome == Outcome::kDone);
  CHECK(ActOn(*s, "city_c", t1, "return_up", "x").outcome == Outcome::kDone);
  CHECK(ActOn(*s, "region", t1, "return_up", "x").code == "no_parent");  // refused at the region
  // T-0002 is at the village: surveyed, rejected, resubmitted, approved, accepted into the registry.
  auto sub = LoadEnvelopes(kSrc + "/examples/submissions/basic_unit_2024-06.json");
  sub.resize(1);
  sub[0].division = kV;
  Doc* dc = nullptr;
  for (auto& m : sub[0].data.members) if (m.first == "division_code") dc = &m.second;
  dc->text = kV;
  auto r = s->Submit("coord_v", sub, t2, false, "");
  INFO(r[0].message);
  REQUIRE(r[0].outcome == Outcome::kDone);
  CHECK(ActOn(*s, "town_t", t2, "reject", "电话号码有误").outcome == Outcome::kDone);
  CHECK(s->Submit("coord_v", sub, t2, false, "")[0].outcome == Outcome::kDone);
  CHECK(ActOn(*s, "town_t", t2, "approve").outcome == Outcome::kDone);
  CHECK(ActOn(*s, "county_c", t2, "accept").outcome == Outcome::kDone);
  auto units = s->Units("", "");
  REQUIRE(units.ok());
  REQUIRE(units->size() == 1);
  CHECK(*json::GetStr((*units)[0], "uscc") == "91450102MA5L0001XM");
  CHECK(json::GetInt((*units)[0], "revision") == 2);
  // A later task for the same unit can read the registry entry.
  auto t2shown = s->Show(t2, std::nullopt);
  REQUIRE(t2shown->Find("registry"));
  CHECK(*json::GetStr(*t2shown->Find("registry"), "uscc") == "91450102MA5L0001XM");
  auto v = s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("workflow: household_survey creates on submit and revises from returned", "[workflow]") {
  auto s = NewStore();
  auto hh = HouseholdV();
  auto first = s->Submit("coord_v", hh, "", false, "");
  INFO(first[0].message);
  REQUIRE(first[0].outcome == Outcome::kDone);
  std::string id = "household_survey/2023/" + kV + "001-001";
  CHECK(first[0].instance == id);
  CHECK(s->Submit("coord_v", hh, "", false, "")[0].code == "wrong_state");  // a second submit only from returned
  CHECK(ActOn(*s, "coord_v", id, "recheck").code == "missing_comment");
  CHECK(ActOn(*s, "coord_v", id, "recheck", "已入户复查").outcome == Outcome::kDone);
  CHECK(ActOn(*s, "town_t", id, "return", "出生年月请再核对").outcome == Outcome::kDone);
  auto again = s->Submit("coord_v", hh, "", false, "");
  REQUIRE(again[0].outcome == Outcome::kDone);
  CHECK(again[0].instance == id);
  auto shown = s->Show(id, std::nullopt);
  CHECK(json::GetInt(*shown->Find("submission"), "revision") == 2);
  CHECK(s->Verify().ok);
}

TEST_CASE("workflow: cross-period rules read the accepted report of the previous period", "[workflow]") {
  auto s = NewStore();
  s->Release("region", "agri_village", "2020", "450123100000", "");
  auto prev = AgriV();
  prev[0].period = "2020";
  prev[0].id = "AG-2020";
  for (auto& m : prev[0].data.members) {
    if (m.first == "rice_output") m.second.text = "300.00";
    if (m.first == "corn_output") m.second.text = "0.00";
    if (m.first == "grain_output") m.second.text = "515.25";
  }
  REQUIRE(s->Submit("coord_v", prev, "", false, "")[0].outcome == Outcome::kDone);
  std::string p = "agri_report/2020/" + kV;
  // Not yet accepted: AG-W04 has nothing to compare with, so 2021 goes through.
  s->Release("region", "agri_village", "2021", "450123100000", "");
  auto r0 = s->Submit("coord_v", AgriV(), "", true, "");
  REQUIRE(r0[0].report);
  for (auto& f : r0[0].report->findings) CHECK(f.rule != "AG-W04");
  REQUIRE(ActOn(*s, "town_t", p, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "county_c", p, "accept").outcome == Outcome::kDone);
  // Now 965.25 against 515.25 is an 87 % rise: AG-W04, unexplained, blocks the submission.
  auto r1 = s->Submit("coord_v", AgriV(), "", false, "");
  CHECK(r1[0].code == "guard");
  bool w04 = false;
  for (auto& f : r1[0].report->findings) w04 |= f.rule == "AG-W04";
  CHECK(w04);
  auto explained = AgriV();
  explained[0].explanations["AG-W04"] = "新修水利,增产属实";
  REQUIRE(s->Submit("coord_v", explained, "", false, "")[0].outcome == Outcome::kDone);
  // Reopening 2020 later does not change what replay and verify see for 2021.
  REQUIRE(ActOn(*s, "county_c", p, "reopen", "更正上年数据").outcome == Outcome::kDone);
  auto v = s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
  std::vector<Diagnostic> diags;
  auto replay = s->Replay(kDefs, &diags);
  REQUIRE(replay.ok());
  CHECK(replay->empty());
}

TEST_CASE("audit: changing any stored byte of an event or a submission is caught", "[audit]") {
  std::string path;
  {
    auto s = NewStore(&path);
    s->Release("region", "agri_village", "2021", "450123100000", "");
    s->Submit("coord_v", AgriV(), "", false, "");
    ActOn(*s, "town_t", kAgri, "approve");
    REQUIRE(s->Verify().ok);
  }
  std::string backup = path + ".orig";
  struct Tamper { const char* what; std::string sql; };
  const std::vector<Tamper> cases = {
      {"event body", "UPDATE events SET body = replace(body, 'town_t', 'town_x') WHERE seq = (SELECT max(seq) FROM events)"},
      {"event prev_hash", "UPDATE events SET prev_hash = replace(prev_hash, substr(prev_hash, 1, 1), 'f') WHERE seq = 5"},
      {"event hash", "UPDATE events SET hash = 'ab' || substr(hash, 3) WHERE seq = 7"},
      {"event instance column", "UPDATE events SET instance = 'agri_report/2021/450123100202' WHERE seq = 21"},
      {"event request_id column", "UPDATE events SET request_id = 'forged' WHERE seq = 21"},
      {"event seq", "UPDATE events SET seq = 1000 WHERE seq = 10"},
      {"deleted event", "DELETE FROM events WHERE seq = 12"},
      {"submission envelope", "UPDATE submissions SET envelope = replace(envelope, '1670.5', '1670.6')"},
      {"submission data_hash", "UPDATE submissions SET data_hash = 'x' || substr(data_hash, 2)"},
      {"submission findings", "UPDATE submissions SET findings = replace(findings, '\"pass\"', '\"warning\"')"},
      {"submission findings_hash", "UPDATE submissions SET findings_hash = 'x' || substr(findings_hash, 2)"},
      {"submission status", "UPDATE submissions SET status = 'warning'"},
      {"submission draft", "UPDATE submissions SET draft = 1"},
      {"submission revision", "UPDATE submissions SET revision = 2"},
      {"submission instance", "UPDATE submissions SET instance = 'agri_report/2021/450123100202'"},
      {"submission definitions", "UPDATE submissions SET definitions = 'x'"},
      {"submission previous", "UPDATE submissions SET previous_instance = 'agri_report/2020/450123100201', previous_revision = 1"},
      {"submission seq", "UPDATE submissions SET seq = seq + 1"},
      {"instance state", "UPDATE instances SET state = 'accepted' WHERE id = '" + kAgri + "'"},
      {"instance division", "UPDATE instances SET division = '450123100202' WHERE id = '" + kAgri + "'"},
      {"instance version", "UPDATE instances SET version = 9 WHERE id = '" + kAgri + "'"},
      {"stored definitions", "UPDATE definitions SET files = replace(files, 'AG-E01', 'AG-X01')"},
      {"organisation", "UPDATE users SET role = 'county_statistician' WHERE id = 'town_t'"},
  };
  fs::copy_file(path, backup, fs::copy_options::overwrite_existing);
  for (const auto& c : cases) {
    INFO(c.what);
    fs::copy_file(backup, path, fs::copy_options::overwrite_existing);
    fs::remove(path + "-wal");
    fs::remove(path + "-shm");
    ExecSql(path, c.sql);
    auto s = Store::Open(path);
    if (!s.ok()) continue;  // a store that no longer opens is caught too
    auto v = (*s)->Verify();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq > 0);
  }
}

TEST_CASE("audit: checkpoints catch dropped events; exports verify without the database", "[audit]") {
  std::string path;
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  s->Submit("coord_v", AgriV(), "", false, "");
  std::string key = TempPath("key.pem"), pub = TempPath("pub.pem"), cp = TempPath("cp.json");
  REQUIRE(std::system(("openssl genpkey -algorithm ed25519 -out " + key + " 2>/dev/null && openssl pkey -in " + key +
                       " -pubout -out " + pub).c_str()) == 0);
  REQUIRE(s->Checkpoint(key, cp).ok());
  CHECK(s->VerifyCheckpoint(cp, pub).ok);
  ActOn(*s, "town_t", kAgri, "approve");
  CHECK(s->VerifyCheckpoint(cp, pub).ok);  // the log still extends the checkpoint
  std::string dir = TempPath("export");
  REQUIRE(s->ExportAudit("region", dir).outcome == Outcome::kDone);
  CHECK(VerifyExport(dir).ok);
  s.reset();
  // Dropping the newest events (the audit export's, the approval, the submission) leaves a
  // consistent chain, but not the one signed.
  ExecSql(path, "DELETE FROM events WHERE seq >= (SELECT max(seq) - 2 FROM events); "
             "UPDATE instances SET state = 'released', version = 1 WHERE id = '" + kAgri + "'; DELETE FROM submissions;");
  auto again = Store::Open(path);
  REQUIRE(again.ok());
  CHECK((*again)->Verify().ok);
  auto v = (*again)->VerifyCheckpoint(cp, pub);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("dropped") != std::string::npos);
  // A wrong key does not verify.
  std::string key2 = TempPath("key2.pem"), pub2 = TempPath("pub2.pem");
  REQUIRE(std::system(("openssl genpkey -algorithm ed25519 -out " + key2 + " 2>/dev/null && openssl pkey -in " + key2 +
                       " -pubout -out " + pub2).c_str()) == 0);
  CHECK_FALSE((*again)->VerifyCheckpoint(cp, pub2).ok);
  // An altered export fails.
  std::ifstream in(dir + "/submissions.jsonl");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pos = text.find("1670.5");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 6, "1670.6");
  std::ofstream(dir + "/submissions.jsonl") << text;
  CHECK_FALSE(VerifyExport(dir).ok);
}

TEST_CASE("replay: unchanged definitions change nothing; a changed rule exactly its instances", "[audit]") {
  auto s = NewStore();
  s->Release("region", "agri_village", "2021", "450123100000", "");
  REQUIRE(s->Submit("coord_v", AgriV(), "", false, "")[0].outcome == Outcome::kDone);
  std::vector<Diagnostic> diags;
  auto same = s->Replay(kDefs, &diags);
  REQUIRE(same.ok());
  CHECK(same->empty());
  // Narrow the rice-yield range: V's 500 kg/mu is now outside it.
  std::string dir = TempPath("defs");
  fs::copy(kDefs, dir, fs::copy_options::recursive);
  std::string file = dir + "/agri_village.gs";
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pos = text.find("between 250 and 750");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 19, "between 550 and 750");
  std::ofstream(file) << text;
  auto changed = s->Replay(dir, &diags);
  REQUIRE(changed.ok());
  REQUIRE(changed->size() == 1);
  CHECK(*json::GetStr((*changed)[0], "id") == kAgri);
  CHECK((*changed)[0].Find("rules_added")->items[0].text == "AG-W01");
  // Publishing pins nothing that exists: instances move only by migrate.
  std::string published;
  auto pr = s->Publish(PublishRequest{"region", dir, true, "规则调整,测试随后更新"}, &diags, &published);
  REQUIRE(pr.outcome == Outcome::kDone);
  auto hash = &published;
  auto shown = s->Show(kAgri, std::nullopt);
  CHECK(*json::GetStr(*shown, "definitions") != *hash);
  CHECK(s->Migrate(MigrateRequest{"town_t", {kAgri}, {}})[0].code == "no_permission");  // only the top tier migrates
  auto migrated = s->Migrate(MigrateRequest{"region", {kAgri}, {}});
  REQUIRE(migrated.size() == 1);
  CHECK(migrated[0].outcome == Outcome::kDone);
  CHECK(*json::GetStr(*s->Show(kAgri, std::nullopt), "definitions") == *hash);
  CHECK(s->Verify().ok);
}

TEST_CASE("progress: counts per jurisdiction and state, and the overdue", "[workflow]") {
  auto s = NewStore();
  s->Release("region", "agri_village", "2021", "450123000000", "");
  s->Submit("coord_v", AgriV(), "", false, "");
  Query q;
  q.survey = "agri_village";
  q.period = "2021";
  q.under = "450123000000";
  auto p = s->Progress(q, 4, "2022-02-14");  // the deadline day: nothing overdue yet
  REQUIRE(p.ok());
  int64_t total = json::GetInt(*p, "total");
  CHECK(total > 100);
  CHECK(p->Find("overdue")->items.empty());
  CHECK(json::GetInt(*p->Find("states"), "submitted") == 1);
  auto later = s->Progress(q, 4, "2022-02-15");
  CHECK(static_cast<int64_t>(later->Find("overdue")->items.size()) == total - 1);
  bool found = false;
  for (auto& g : p->Find("by_division")->items)
    if (*json::GetStr(g, "division") == "450123100000") {
      found = true;
      CHECK(json::GetInt(g, "total") == 18);
    }
  CHECK(found);
  // Limited to a user: the coordinator sees one report.
  q.as = "coord_v";
  CHECK(json::GetInt(*s->Progress(q, 5, "2022-01-01"), "total") == 1);
}

TEST_CASE("organisation changes are recorded", "[workflow]") {
  std::string path;
  auto s = NewStore(&path);
  std::string org = TempPath("org.yaml");
  std::ifstream in(kTestOrg);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text += "  - {id: coord_new, name: 新人, role: coordinator, division: \"450123100203\"}\n";
  std::ofstream(org) << text;
  std::vector<Doc> list;
  auto changed = s->OrgUpdate("region", org, &list);
  REQUIRE(changed.outcome == Outcome::kDone);
  auto changes = &list;
  REQUIRE(changes->size() == 1);
  CHECK(*json::GetStr((*changes)[0], "change") == "user_added");
  CHECK(s->Verify().ok);
  std::ofstream(org) << "users:\n  - {id: x, name: y, role: mayor, division: \"450123100203\"}\n";
  CHECK(s->OrgUpdate("region", org, &list).outcome == Outcome::kCannotRun);
}

TEST_CASE("backup: a copy taken while another process writes verifies with every event", "[workflow]") {
  std::string path;
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123000000", "");
  // Another connection keeps writing while the backup runs.
  auto writer = Store::Open(path);
  REQUIRE(writer.ok());
  std::atomic<bool> stop{false};
  std::thread t([&] {  // no test assertions in this thread: Catch2 is not thread-safe
    ActRequest r;
    r.actor = "coord_sib";
    r.instances = {kAgri};
    r.action = "approve";  // refused: an event all the same
    while (!stop) (*writer)->Act(r);
  });
  std::string copy = TempPath("backup.db");
  Status st = s->Backup(copy);
  stop = true;
  t.join();
  REQUIRE(st.ok());
  auto b = Store::Open(copy);
  REQUIRE(b.ok());
  auto v = (*b)->Verify();
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.events >= 130);
  CHECK(s->Verify().ok);
  CHECK_FALSE(s->Backup(copy).ok());  // never overwrites
}

TEST_CASE("audit: a well-chained but unlawful event is caught", "[audit]") {
  std::string path;
  {
    auto s = NewStore(&path);
    s->Release("region", "agri_village", "2021", "450123100000", "");
    REQUIRE(s->Verify().ok);
  }
  // Forge the next event with a correct hash: the coordinator "accepts" a released report.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT seq, hash, body FROM events WHERE instance = ? ORDER BY seq DESC LIMIT 1", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, kAgri.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  auto creation = ParseJsonDocument(reinterpret_cast<const char*>(sqlite3_column_text(st, 2)));
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  int64_t seq = sqlite3_column_int64(st, 0) + 1;
  std::string prev = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
  sqlite3_finalize(st);
  Doc body = json::Obj({{"kind", json::Str("action")}, {"action", json::Str("accept")}, {"workflow", json::Str("agri_report")},
                        {"instance", json::Str(kAgri)}, {"from", json::Str("released")}, {"to", json::Str("accepted")},
                        {"jurisdiction", json::Str(kV)}, {"jurisdiction_before", json::Str(kV)}, {"version", json::Int(2)},
                        {"refused", json::Bool(false)}, {"actor", json::Str("coord_v")}, {"role", json::Str("coordinator")},
                        {"actor_division", json::Str(kV)}, {"request_id", json::Null()}, {"comment", json::Null()}, {"target", json::Null()},
                        {"definitions", *creation->Find("definitions")}, {"seq", json::Int(seq)}, {"at", json::Str("2022-01-10T02:00:00Z")},
                        {"format", json::Int(2)}});
  std::string canonical = json::Canonical(body);
  std::string hash = gridstat::Sha256Hex(prev + "\n" + canonical);
  sqlite3_prepare_v2(db, "INSERT INTO events(seq, instance, request_id, body, prev_hash, hash) VALUES(?, ?, '', ?, ?, ?)", -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, seq);
  sqlite3_bind_text(st, 2, kAgri.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, canonical.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, prev.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, hash.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_exec(db, ("UPDATE instances SET state = 'accepted', version = 2 WHERE id = '" + kAgri + "'").c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto s = Store::Open(path);
  REQUIRE(s.ok());
  auto v = (*s)->Verify();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == seq);
  CHECK(v.problem.find("the instance is 'released'; 'accept' needs") != std::string::npos);
  // The current definitions must be the last published ones.
  ExecSql(path, "UPDATE meta SET value = 'x' WHERE key = 'current_definitions'");
  CHECK_FALSE(Store::Open(path).ok());
}

TEST_CASE("workflow: a request id used for another request is refused, not swallowed", "[workflow]") {
  auto s = AgriIn("submitted");
  auto a = ActOn(*s, "town_t", kAgri, "return", "请核实", "", "q1");
  REQUIRE(a.outcome == Outcome::kDone);
  int64_t n = EventCount(*s, kAgri);
  auto b = ActOn(*s, "county_c", kAgri, "return", "x", "", "q1");
  CHECK(b.outcome == Outcome::kRefused);
  CHECK(b.code == "request_id_reused");
  CHECK(EventCount(*s, kAgri) == n + 1);  // recorded
  auto c = ActOn(*s, "town_t", kAgri, "return", "请核实", "", "q1");
  CHECK(c.repeated);
  CHECK(EventCount(*s, kAgri) == n + 1);
}

TEST_CASE("export: ID numbers are masked unless a top-tier user asks, and that request is recorded", "[workflow][privacy]") {
  std::string path;
  auto s = NewStore(&path);
  auto hh = HouseholdV();
  std::vector<std::string> ids;  // every ID number sent
  for (auto& m : hh[0].data.members)
    if (m.first == "persons")
      for (auto& row : m.second.items)
        if (const Doc* id = row.Find("id_number")) ids.push_back(id->text);
  REQUIRE_FALSE(ids.empty());
  REQUIRE(s->Submit("coord_v", hh, "", false, "")[0].outcome == Outcome::kDone);
  std::string id = "household_survey/2023/" + kV + "001-001";
  REQUIRE(ActOn(*s, "coord_v", id, "recheck", "已入户复查").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "town_t", id, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "county_c", id, "accept").outcome == Outcome::kDone);
  Query q;
  q.survey = "pop_change";
  q.period = "2023";
  auto masked = s->ExportCsv(q);
  REQUIRE(masked.ok());
  for (auto& n : ids) {
    CHECK(masked->find(n) == std::string::npos);
    // Only the region code is kept: the row also shows the birth month and sex (output_hostile_test.cc).
    CHECK(masked->find(n.substr(0, 6) + "************") != std::string::npos);
  }
  auto events = [&] { auto v = s->Verify(); CHECK(v.ok); return v.events; };
  int64_t before = events();
  for (std::string who : {"county_c", "city_c", "coord_v", "nobody"}) {
    INFO(who);
    q.as = who;
    std::string csv = "untouched";
    ActionResult r = s->ExportUnmasked(q, &csv);
    CHECK(r.outcome == Outcome::kRefused);
    CHECK(r.code == (who == "nobody" ? "no_user" : "no_permission"));
    CHECK(csv == "untouched");
    CHECK(events() == ++before);  // refused, and recorded
  }
  q.as = "region";
  std::string csv;
  ActionResult r = s->ExportUnmasked(q, &csv);
  REQUIRE(r.outcome == Outcome::kDone);
  for (auto& n : ids) CHECK(csv.find(n) != std::string::npos);
  CHECK(events() == ++before);
  // The grant names who asked and for what.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT body FROM events ORDER BY seq DESC LIMIT 1", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::string body = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  for (const char* want : {"\"kind\":\"export\"", "\"actor\":\"region\"", "\"refused\":false", "\"unmasked\":true",
                           "\"survey\":\"pop_change\"", "\"period\":\"2023\"", "\"rows\":"})
    CHECK(body.find(want) != std::string::npos);
  for (auto& n : ids) CHECK(body.find(n) == std::string::npos);  // the log says who saw them, not what they are
}

TEST_CASE("privacy: ID numbers never reach the event log or a message in full", "[workflow][privacy]") {
  std::string path;
  auto s = NewStore(&path);
  auto hh = HouseholdV();
  std::vector<std::string> ids;
  for (auto& m : hh[0].data.members)
    if (m.first == "persons")
      for (auto& row : m.second.items)
        for (auto& [k, v] : row.members)
          if (k == "id_number") {
            v.text[17] = v.text[17] == '1' ? '2' : '1';  // a wrong check digit: PC-E03 quotes the number
            ids.push_back(v.text);
          }
  REQUIRE_FALSE(ids.empty());
  auto r = s->Submit("coord_v", hh, "", false, "");  // refused by its guard: the findings are in the log
  REQUIRE(r[0].outcome == Outcome::kRefused);
  REQUIRE(r[0].report);
  std::string said = r[0].message + ReportToText(*r[0].report, Lang::kZh) + ReportToText(*r[0].report, Lang::kEn) + ReportToJson(*r[0].report);
  CHECK(said.find("PC-E03") != std::string::npos);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT body FROM events UNION ALL SELECT findings FROM submissions", -1, &st, nullptr) == SQLITE_OK);
  std::string log;
  while (sqlite3_step(st) == SQLITE_ROW) log += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  for (auto& n : ids) {
    INFO(n);
    CHECK(said.find(n) == std::string::npos);
    CHECK(log.find(n) == std::string::npos);
  }
  // PC-E03 fires once, quoting the first number at fault: masked.
  CHECK(said.find(ids[0].substr(0, 6) + "********" + ids[0].substr(14)) != std::string::npos);
}

TEST_CASE("injection: hostile ids, comments and values are stored exactly and change no query", "[workflow][injection]") {
  std::string path;
  auto s = NewStore(&path);
  REQUIRE(s->Release("region", "agri_village", "2021", "450123100000", "").size() == 18);
  const std::string sql = "'); DROP TABLE events; -- \" OR \"1\"=\"1";
  const std::string controls = "\x1b[31m\a\r\b\x7f\xc2\x9b" "2J";
  const std::string hostile = sql + controls + std::string(100000, 'x') + "。";
  // A submission whose explanation is hostile text: kept byte for byte.
  auto env = AgriV();
  env[0].explanations["AG-W01"] = hostile;
  REQUIRE(s->Submit("coord_v", env, "", false, "req-" + sql)[0].outcome == Outcome::kDone);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT envelope FROM submissions", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    auto stored = ParseJsonDocument(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    REQUIRE(stored.ok());
    const Doc* ex = stored->Find("explanations");
    REQUIRE(ex);
    REQUIRE(json::GetStr(*ex, "AG-W01"));
    CHECK(*json::GetStr(*ex, "AG-W01") == hostile);
  }
  // A hostile comment and request id.
  auto r = ActOn(*s, "town_t", kAgri, "return", hostile, "", sql + controls);
  REQUIRE(r.outcome == Outcome::kDone);
  auto h = s->History(kAgri);
  REQUIRE(h.ok());
  const std::string* comment = json::GetStr(h->back(), "comment");
  REQUIRE(comment);
  CHECK(*comment == hostile);
  CHECK(*json::GetStr(h->back(), "request_id") == sql + controls);
  // The same request again has no second effect; a request id that is an SQL pattern matches nothing else.
  CHECK(ActOn(*s, "town_t", kAgri, "return", hostile, "", sql + controls).repeated);
  CHECK_FALSE(ActOn(*s, "town_t", kAgri, "return", "x", "", "%").repeated);
  // Hostile instance ids are refused like any instance out of reach (which does not say whether
  // it exists), and touch nothing.
  for (const std::string& id : {kAgri + "' OR '1'='1", std::string("%"), std::string("agri_report/2021/%"), sql}) {
    INFO(id);
    CHECK(ActOn(*s, "county_c", id, "accept").code == "no_access");
  }
  CHECK(ActOn(*s, "region' OR '1'='1", kAgri, "return", "x").code == "no_user");
  Query q;
  q.survey = sql;
  CHECK(s->List(q)->empty());
  q.survey = "agri_village";
  q.under = "%";
  CHECK(s->List(q)->empty());
  q.under = "";
  q.as = "town_t' --";
  CHECK_FALSE(s->List(q).ok());
  q.as.reset();
  auto all = s->List(q);
  REQUIRE(all.ok());
  CHECK(all->size() == 18);
  CHECK(StateOf(*s, kAgri) == "returned");
  CHECK(s->Verify().ok);
}

TEST_CASE("audit: verify reads one snapshot while others change instances", "[audit]") {
  std::string path;
  auto s = NewStore(&path);
  s->Release("region", "agri_village", "2021", "450123100000", "");
  const auto report = AgriV();
  std::atomic<bool> done{false};
  std::atomic<int> steps{0};
  std::thread writer([&] {  // no test assertions in this thread: Catch2 is not thread-safe
    auto w = Store::Open(path);
    if (!w.ok()) { done = true; return; }
    auto act = [&](const std::string& who, const std::string& action, const std::string& comment) {
      ActRequest r;
      r.actor = who;
      r.instances = {kAgri};
      r.action = action;
      r.comment = comment;
      if ((*w)->Act(r)[0].outcome == Outcome::kDone) ++steps;
    };
    for (int round = 0; round < 25; ++round) {
      if ((*w)->Submit("coord_v", report, "", false, "")[0].outcome == Outcome::kDone) ++steps;
      act("town_t", "approve", "");
      act("county_c", "accept", "");
      act("county_c", "reopen", "复核");
    }
    done = true;
  });
  int verifies = 0, failures = 0;
  std::string problem;
  while (!done) {
    auto v = s->Verify();
    ++verifies;
    if (!v.ok) { ++failures; problem = v.problem; }
  }
  writer.join();
  INFO(problem);
  CHECK(failures == 0);
  CHECK(verifies > 0);
  CHECK(steps == 100);
  CHECK(s->Verify().ok);
}

namespace {

// The shipped definitions with workflows.gs rewritten by `edit`, in a folder of their own.
std::string DefsVariant(const std::function<std::string(std::string)>& edit) {
  std::string dir = TempPath("defs");
  fs::copy(kDefs, dir, fs::copy_options::recursive);
  std::ifstream in(dir + "/workflows.gs");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(dir + "/workflows.gs", std::ios::trunc) << edit(text);
  return dir;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

// Every workflow's state `accepted` renamed `county_accepted`; `keep_flags` false also drops
// the `accepted` flags, as definitions written before the flag had none.
std::string CountyAccepted(std::string s, bool keep_flags) {
  s = ReplaceAll(s, "state accepted ", "state county_accepted ");
  s = ReplaceAll(s, "to accepted\n", "to county_accepted\n");
  s = ReplaceAll(s, "from accepted", "from county_accepted");
  if (!keep_flags) s = ReplaceAll(s, "\" accepted\n", "\"\n"), s = ReplaceAll(s, " final accepted\n", " final\n");
  return s;
}

std::unique_ptr<Store> StoreWith(const std::string& defs) {
  std::string path;
  return NewStoreIn(FreshDir("wf"), &path, defs);
}

// V's 2020 report, taken to the state `accept` leads to; AG-W04 then fires on V's 2021 report.
void AcceptedPrevious(Store& s) {
  s.Release("region", "agri_village", "2020", "450123100000", "");
  auto prev = AgriV();
  prev[0].period = "2020";
  prev[0].id = "AG-2020";
  for (auto& m : prev[0].data.members) {
    if (m.first == "rice_output") m.second.text = "300.00";
    if (m.first == "corn_output") m.second.text = "0.00";
    if (m.first == "grain_output") m.second.text = "515.25";
  }
  REQUIRE(s.Submit("coord_v", prev, "", false, "")[0].outcome == Outcome::kDone);
  std::string p = "agri_report/2020/" + kV;
  REQUIRE(ActOn(s, "town_t", p, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(s, "county_c", p, "accept").outcome == Outcome::kDone);
}

bool FiresW04(Store& s) {
  s.Release("region", "agri_village", "2021", "450123100000", "");
  auto r = s.Submit("coord_v", AgriV(), "", true, "");
  REQUIRE(r[0].report);
  bool w04 = false;
  for (auto& f : r[0].report->findings) w04 |= f.rule == "AG-W04";
  return w04;
}

int CsvRows(const std::string& csv) { return static_cast<int>(std::count(csv.begin(), csv.end(), '\n')) - 1; }

}  // namespace

TEST_CASE("workflow: the states a workflow declares accepted are what the store reads, whatever their names", "[workflow][accepted]") {
  auto s = StoreWith(DefsVariant([](std::string t) { return CountyAccepted(t, true); }));
  AcceptedPrevious(*s);
  CHECK(StateOf(*s, "agri_report/2020/" + kV) == "county_accepted");
  CHECK(FiresW04(*s));  // the cross-period warning reads the report in `county_accepted`
  Query q;
  q.survey = "agri_village";
  q.period = "2020";
  auto csv = s->ExportCsv(q);
  REQUIRE(csv.ok());
  CHECK(CsvRows(*csv) == 1);
  CHECK(csv->find("agri_report/2020/" + kV) != std::string::npos);
  // The region confirms: `confirmed` is declared accepted too, and still exported.
  REQUIRE(ActOn(*s, "region", "agri_report/2020/" + kV, "confirm").outcome == Outcome::kDone);
  csv = s->ExportCsv(q);
  REQUIRE(csv.ok());
  CHECK(CsvRows(*csv) == 1);
  auto v = s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}

TEST_CASE("workflow: a state not declared accepted is not read, even when it is named so", "[workflow][accepted]") {
  // `accepted` is a name like any other once a workflow declares its accepted states.
  auto s = StoreWith(DefsVariant([](std::string t) {
    return ReplaceAll(t, "state accepted          \"县级已验收\" accepted\n", "state accepted          \"县级已验收\"\n");
  }));
  AcceptedPrevious(*s);
  CHECK_FALSE(FiresW04(*s));
  Query q;
  q.survey = "agri_village";
  q.period = "2020";
  auto csv = s->ExportCsv(q);
  REQUIRE(csv.ok());
  CHECK(CsvRows(*csv) == 0);
  REQUIRE(ActOn(*s, "region", "agri_report/2020/" + kV, "confirm").outcome == Outcome::kDone);
  csv = s->ExportCsv(q);
  REQUIRE(csv.ok());
  CHECK(CsvRows(*csv) == 1);
}

TEST_CASE("workflow: definitions without the accepted flag keep their old meaning", "[workflow][accepted]") {
  // As stored by earlier releases: no flags; the states named accepted and archived count.
  std::string defs = DefsVariant([](std::string t) {
    t = ReplaceAll(t, "\" accepted\n", "\"\n");
    return ReplaceAll(t, " final accepted\n", " final\n");
  });
  auto compiled = CompileDirectory(defs);
  int warned = 0;
  for (auto& d : compiled.diagnostics) warned += d.code == "no-accepted-state";
  CHECK(warned == 3);
  auto s = StoreWith(defs);
  AcceptedPrevious(*s);
  CHECK(FiresW04(*s));
  Query q;
  q.survey = "agri_village";
  q.period = "2020";
  auto csv = s->ExportCsv(q);
  REQUIRE(csv.ok());
  CHECK(CsvRows(*csv) == 1);
  // `confirmed` is not among the old names: a confirmed report is not read.
  REQUIRE(ActOn(*s, "region", "agri_report/2020/" + kV, "confirm").outcome == Outcome::kDone);
  csv = s->ExportCsv(q);
  REQUIRE(csv.ok());
  CHECK(CsvRows(*csv) == 0);
}

namespace {

// Task T-0002 (at V) submitted, approved and accepted; returns its instance id.
std::string AcceptedTask(Store& s) {
  auto imported = s.Import("region", "unit_task", "2024-06", kSrc + "/examples/workflow/tasks-2024-06.jsonl");
  REQUIRE(imported.size() == 2);
  std::string t2 = "unit_task/2024-06/T-0002";
  auto sub = LoadEnvelopes(kSrc + "/examples/submissions/basic_unit_2024-06.json");
  sub.resize(1);
  sub[0].division = kV;
  for (auto& m : sub[0].data.members) if (m.first == "division_code") m.second.text = kV;
  auto r = s.Submit("coord_v", sub, t2, false, "");
  INFO(r[0].message);
  REQUIRE(r[0].outcome == Outcome::kDone);
  REQUIRE(ActOn(s, "town_t", t2, "approve").outcome == Outcome::kDone);
  REQUIRE(ActOn(s, "county_c", t2, "accept").outcome == Outcome::kDone);
  return t2;
}

}  // namespace

TEST_CASE("workflow: the registry is fed by the action and field the definitions name", "[workflow][accepted]") {
  for (bool legacy : {false, true}) {
    // `registers uscc`, and final states named county_accepted; or, as older definitions have it,
    // `effect register_unit` alone, which registers by the survey's key.
    auto s = StoreWith(DefsVariant([&](std::string t) {
      t = CountyAccepted(t, true);
      return legacy ? ReplaceAll(t, "    registers uscc\n", "    effect register_unit\n") : t;
    }));
    INFO(legacy);
    std::string t2 = AcceptedTask(*s);
    CHECK(StateOf(*s, t2) == "county_accepted");
    auto units = s->Units("", "");
    REQUIRE(units.ok());
    REQUIRE(units->size() == 1);
    CHECK(*json::GetStr((*units)[0], "uscc") == "91450102MA5L0001XM");
    auto shown = s->Show(t2, std::nullopt);
    REQUIRE(shown.ok());
    REQUIRE(shown->Find("registry"));
    Query q;
    q.survey = "basic_unit";
    q.period = "2024-06";
    auto csv = s->ExportCsv(q);
    REQUIRE(csv.ok());
    CHECK(CsvRows(*csv) == 1);
    auto v = s->Verify();
    INFO(v.problem);
    CHECK(v.ok);
  }
}

TEST_CASE("check: registers names a field of the workflow's survey", "[accepted][diagnostics]") {
  auto compiled = CompileDirectory(DefsVariant([](std::string t) { return ReplaceAll(t, "registers uscc", "registers uscd"); }));
  REQUIRE(!compiled.diagnostics.empty());
  auto& d = compiled.diagnostics[0];
  CHECK(d.code == "unknown-field");
  CHECK(fs::path(d.file).filename() == "workflows.gs");
  CHECK(d.message(Lang::kZh) == "调查表「basic_unit」没有字段「uscd」");
  CHECK(d.hint(Lang::kEn) == "did you mean 'uscc'?");
}
