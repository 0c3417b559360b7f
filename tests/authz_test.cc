// Authorisation matrix: every role x action x jurisdiction relation x state, for every shipped
// workflow (agri_report, unit_task, household_survey), through the public Store API.
//
// The expected table is written out from SURVEYS.md ("The shipped workflows": jurisdiction, holder,
// saving drafts and the three workflow tables), not read from the compiled definitions. A case is
// one attempt by one user of tests/data/org-authz.yaml on one instance in one state:
//   allowed: done; one more event on the instance, by that user; the table's target state (and
//            division, for moves); the version one higher (a saved draft changes neither).
//   refused: refused (or a conflict); one more event, marked refused and naming the user, where the
//            attempt is recorded; the instance's existence, state, version and division unchanged.
//            Ten of them come back as conflicts (exit 3) rather than refusals: an action tried from
//            a state that another user's last change just left (e.g. a township's `return` of a
//            report the county has accepted) is taken for a lost race (README, exit codes).
//            SURVEYS.md asks only that they be refused and recorded, which they are.
// Every attempt is otherwise well formed (a comment, a target of the right kind, a submission
// without errors), so that only the role, the jurisdiction and the state decide.
//
// The instances are driven to their states by the real actions, several in one store: each
// workflow's cases share a store, and an allowed case uses its instance up, so that the next user
// gets a fresh one in the same state (a new period, task or household).
//
// Matrix size, with the 14 users of tests/data/org-authz.yaml:
//   agri_report        616 cases (2 release positions x 14 + 6 states x 7 actions x 14):  19 allowed,  597 refused
//   unit_task         1078 cases (5 import positions x 14 + 9 positions x 8 actions x 14): 35 allowed, 1043 refused
//   household_survey   448 cases (1 new household x 2 x 14 + 5 states x 6 actions x 14):   13 allowed,  435 refused
//   in all            2142 cases, 67 allowed, 2075 refused
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "common/json.h"
#include "gridstat/store.h"

using namespace gridstat;
namespace fs = std::filesystem;

namespace {

const std::string kSrc = GRIDSTAT_SOURCE_DIR;
const std::string kDefs = kSrc + "/definitions/guangxi";
const std::string kOrg = kSrc + "/tests/data/org-authz.yaml";

// The divisions the instances sit at: V's chain up to the region.
const std::string kRegion = "450000000000", kCity = "450100000000", kCounty = "450123000000",
                  kTown = "450123100000", kV = "450123100201";

// Child -> parent for every division of the users and the instances, copied from
// definitions/guangxi/data/guangxi_divisions.csv; a grid's parent is its village (org file).
const std::map<std::string, std::string> kParent = {
    {"450000000000", ""},
    {"450100000000", "450000000000"},    {"450200000000", "450000000000"},
    {"450123000000", "450100000000"},    {"450102000000", "450100000000"},    {"450202000000", "450200000000"},
    {"450123100000", "450123000000"},    {"450123101000", "450123000000"},    {"450102001000", "450102000000"},
    {"450123100201", "450123100000"},    {"450123100202", "450123100000"},    {"450123101201", "450123101000"},
    {"450123100201-01", "450123100201"}, {"450123100202-01", "450123100202"},
};

// `d` and its ancestors, nearest first.
std::vector<std::string> Chain(std::string d) {
  std::vector<std::string> out;
  while (!d.empty()) {
    out.push_back(d);
    d = kParent.at(d);
  }
  return out;
}

int Level(const std::string& d) { return static_cast<int>(Chain(d).size()); }  // region 1 ... village 5

// How the actor's division relates to the instance's.
std::string Relation(const std::string& actor, const std::string& inst) {
  if (actor == inst) return "same";
  auto up = Chain(inst);
  if (std::find(up.begin() + 1, up.end(), actor) != up.end()) return "ancestor";
  up = Chain(actor);
  if (std::find(up.begin() + 1, up.end(), inst) != up.end()) return "descendant";
  if (kParent.at(actor) == kParent.at(inst)) return "sibling";
  return "unrelated";
}

struct User { std::string id, role, division; };
// As in tests/data/org-authz.yaml.
const std::vector<User> kUsers = {
    {"coord_v", "coordinator", "450123100201"},
    {"coord_sib", "coordinator", "450123100202"},
    {"coord_town_village", "coordinator", "450123101201"},
    {"grid_v", "grid_worker", "450123100201-01"},
    {"grid_sib", "grid_worker", "450123100202-01"},
    {"town_t", "township_statistician", "450123100000"},
    {"town_other", "township_statistician", "450123101000"},
    {"town_far", "township_statistician", "450102001000"},
    {"county_c", "county_statistician", "450123000000"},
    {"county_other", "county_statistician", "450102000000"},
    {"county_far", "county_statistician", "450202000000"},
    {"city_c", "city_statistician", "450100000000"},
    {"city_other", "city_statistician", "450200000000"},
    {"region", "region_statistician", "450000000000"},
};

// SURVEYS.md, Jurisdiction: a statistician acts inside their own division's subtree, a coordinator
// on their own village, a grid worker on the village their grid belongs to.
bool InJurisdiction(const User& u, const std::string& div) {
  if (u.role == "coordinator") return div == u.division;
  if (u.role == "grid_worker") return div == kParent.at(u.division);
  std::string r = Relation(u.division, div);
  return r == "same" || r == "ancestor";
}

// SURVEYS.md, Holder: the user whose division equals the jurisdiction, or the village's coordinator
// when it is a village (whose division equals it too; a grid is no division).
bool IsHolder(const User& u, const std::string& div) { return u.division == div; }

enum class Kind { kAct, kSubmit, kSave, kRelease, kImport };
enum class Move { kNone, kChild, kSameLevel, kParent };

// One row of a workflow table.
struct Row {
  std::string action;
  Kind kind;
  std::set<std::string> roles;  // who may, inside their jurisdiction
  bool holder;                  // the holder may, too
  std::set<std::string> from;   // "none": it creates the instance
  std::string to;               // empty: no state change (save)
  Move move = Move::kNone;
  bool creates = false;         // tried where no instance exists yet
  bool pending_at_village = false;  // unit_task submit: from `pending` only at a village
};

struct Pos { std::string state, division; };
struct Subject { std::string id, log; };  // the instance, and where an attempt on it is recorded

// Whether SURVEYS.md allows `u` to take `row` on an instance in `pos`.
bool Expected(const Row& row, const User& u, const Pos& pos) {
  if (!row.from.count(pos.state)) return false;
  bool who = (row.roles.count(u.role) && InJurisdiction(u, pos.division)) || (row.holder && IsHolder(u, pos.division));
  if (!who) return false;
  if (row.move == Move::kChild && Level(pos.division) == 5) return false;      // a village has no child division
  if (row.move == Move::kSameLevel && Level(pos.division) == 1) return false;  // there is one region
  if (row.move == Move::kParent && Level(pos.division) == 1) return false;     // "refused at the region"
  if (row.pending_at_village && pos.state == "pending" && Level(pos.division) != 5) return false;
  return true;
}

// A well-formed target for a move from `div`.
std::string TargetFor(Move m, const std::string& div) {
  static const std::map<std::string, std::string> child = {
      {kRegion, kCity}, {kCity, kCounty}, {kCounty, kTown}, {kTown, kV},
      {kV, "450123100201-01"}};  // a village has no child division; its grid is the nearest thing
  static const std::map<std::string, std::string> same_level = {
      {kRegion, kRegion},  // there is no other region
      {kCity, "450200000000"}, {kCounty, "450102000000"}, {kTown, "450123101000"}, {kV, "450123100202"}};
  if (m == Move::kChild) return child.at(div);
  if (m == Move::kSameLevel) return same_level.at(div);
  return "";
}

fs::path TempDir() { return fs::temp_directory_path() / ("gridstat-authz-" + std::to_string(::getpid())); }

std::string TempPath(const std::string& name) {
  static int n = 0;
  fs::path dir = TempDir();
  fs::create_directories(dir);
  std::string p = (dir / (name + "-" + std::to_string(++n))).string();
  fs::remove(p);
  return p;
}

std::unique_ptr<Store> NewStore() {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  auto s = Store::Create(TempPath("store.db"), kDefs, kOrg);
  REQUIRE(s.ok());
  return std::move(*s);
}

Envelope LoadFirst(const std::string& file) {
  std::vector<Envelope> out;
  REQUIRE(ReadSubmissions(file, [&](Envelope e) { out.push_back(std::move(e)); }, [](Report) { FAIL("malformed"); }).ok());
  REQUIRE(!out.empty());
  return out[0];
}

void SetField(Envelope* e, const std::string& field, const std::string& value) {
  for (auto& m : e->data.members)
    if (m.first == field) {
      m.second.text = value;
      return;
    }
  FAIL("no field " << field);
}

ActionResult Act1(Store& s, const std::string& actor, const std::string& id, const std::string& action,
                  const std::string& comment = "", const std::string& to = "") {
  ActRequest r;
  r.actor = actor;
  r.instances = {id};
  r.action = action;
  r.comment = comment;
  r.target = to;
  auto res = s.Act(r);
  REQUIRE(res.size() == 1);
  return res[0];
}

ActionResult One(const std::vector<ActionResult>& rs) {
  REQUIRE(rs.size() == 1);
  return rs[0];
}

void Done(const ActionResult& r) {
  INFO(r.code << ": " << r.message);
  REQUIRE(r.outcome == Outcome::kDone);
}

struct Look { bool exists = false; std::string state, division; int64_t version = 0; };

Look LookAt(Store& s, const std::string& id) {
  Look l;
  auto d = s.Show(id, std::nullopt);
  if (!d.ok()) return l;
  l.exists = true;
  l.state = *json::GetStr(*d, "state");
  l.division = *json::GetStr(*d, "division");
  l.version = json::GetInt(*d, "version");
  return l;
}

std::vector<Doc> Log(Store& s, const std::string& id) {
  auto h = s.History(id);
  REQUIRE(h.ok());
  return *h;
}

struct Counts {
  int allowed = 0, refused = 0, conflicts = 0;
  std::set<std::string> relations;  // role/relation pairs met
};

// One case. Returns whether it was done (and the instance used up).
bool Case(Store& s, const std::string& workflow, const Row& row, const User& u, const Pos& pos, const Subject& subj,
          const std::function<ActionResult()>& attempt, Counts* c) {
  std::string relation = Relation(u.division, pos.division);
  c->relations.insert(u.role + "/" + relation);
  bool expect = Expected(row, u, pos);
  INFO(workflow << ": " << u.id << " (" << u.role << ", " << relation << ") " << row.action << " on " << subj.id
                << " in " << pos.state << " at " << pos.division << "; expected " << (expect ? "allowed" : "refused"));
  Look before = LookAt(s, subj.id);
  size_t subject_events = Log(s, subj.id).size(), log_events = Log(s, subj.log).size();
  ActionResult r = attempt();
  INFO("got " << static_cast<int>(r.outcome) << " " << r.code << ": " << r.message);
  bool done = r.outcome == Outcome::kDone && r.code.empty() && !r.repeated;
  CHECK(done == expect);
  Look after = LookAt(s, subj.id);
  if (done) {
    ++c->allowed;
    auto events = Log(s, subj.id);
    REQUIRE(events.size() == subject_events + 1);
    CHECK(*json::GetStr(events.back(), "actor") == u.id);
    CHECK(*json::GetStr(events.back(), "action") == row.action);
    CHECK_FALSE(events.back().Find("refused")->boolean);
    REQUIRE(after.exists);
    CHECK(after.state == (row.to.empty() ? before.state : row.to));
    std::string division = before.exists ? before.division : row.kind == Kind::kRelease ? kV : pos.division;
    if (row.move == Move::kChild || row.move == Move::kSameLevel) division = TargetFor(row.move, pos.division);
    if (row.move == Move::kParent) division = kParent.at(pos.division);
    CHECK(after.division == division);
    CHECK(after.version == (row.kind == Kind::kSave ? before.version : before.version + 1));
  } else {
    ++c->refused;
    CHECK((r.outcome == Outcome::kRefused || r.outcome == Outcome::kConflict));
    if (r.outcome == Outcome::kConflict) ++c->conflicts;
    // Recorded: one more event where the attempt belongs, refused and naming the user.
    auto events = Log(s, subj.log);
    REQUIRE(events.size() == log_events + 1);
    CHECK(events.back().Find("refused")->boolean);
    CHECK(*json::GetStr(events.back(), "actor") == u.id);
    CHECK(*json::GetStr(events.back(), "action") == row.action);
    // Nothing else changed.
    CHECK(after.exists == before.exists);
    CHECK(after.state == before.state);
    CHECK(after.version == before.version);
    CHECK(after.division == before.division);
  }
  return done;
}

// Every user through every row from every position. `fresh` makes a new instance in a position (for
// "none", names one not yet created); `attempt` makes the request.
void RunMatrix(Store& s, const std::string& workflow, const std::vector<Row>& rows, const std::vector<Pos>& positions,
               const std::function<Subject(const Pos&)>& fresh,
               const std::function<ActionResult(const Row&, const User&, const Subject&, const Pos&)>& attempt, Counts* c) {
  for (const Pos& pos : positions) {
    Subject subj = fresh(pos);
    for (const Row& row : rows) {
      bool tried = pos.state == "none" ? row.creates : row.kind != Kind::kRelease && row.kind != Kind::kImport;
      if (!tried) continue;
      for (const User& u : kUsers)
        if (Case(s, workflow, row, u, pos, subj, [&] { return attempt(row, u, subj, pos); }, c)) subj = fresh(pos);
    }
  }
}

std::string Summary(const std::string& workflow, const Counts& c) {
  std::string rel;
  for (auto& r : c.relations) rel += " " + r;
  return workflow + ": " + std::to_string(c.allowed + c.refused) + " cases, " + std::to_string(c.allowed) + " allowed, " +
         std::to_string(c.refused) + " refused (" + std::to_string(c.conflicts) + " of them as conflicts); role/relation pairs:" + rel;
}

const std::set<std::string> kStats = {"township_statistician", "county_statistician"};

}  // namespace

TEST_CASE("authz: agri_report, every role x action x relation x state", "[authz]") {
  // SURVEYS.md, workflow agri_report.
  const std::vector<Row> rows = {
      {"release", Kind::kRelease, {"region_statistician"}, false, {"none"}, "released", Move::kNone, true},
      {"submit", Kind::kSubmit, {"coordinator"}, false, {"released", "returned"}, "submitted"},
      {"save", Kind::kSave, {"coordinator", "grid_worker"}, false, {"released", "returned"}, ""},
      {"return", Kind::kAct, kStats, false, {"submitted", "township_approved"}, "returned"},
      {"approve", Kind::kAct, {"township_statistician"}, false, {"submitted"}, "township_approved"},
      {"accept", Kind::kAct, {"county_statistician"}, false, {"township_approved"}, "accepted"},
      {"confirm", Kind::kAct, {"region_statistician"}, false, {"accepted"}, "confirmed"},
      {"reopen", Kind::kAct, {"county_statistician", "city_statistician"}, false, {"accepted", "confirmed", "archived"}, "returned"},
      {"archive", Kind::kAct, {"township_statistician"}, false, {"confirmed"}, "archived"},
  };
  // Released under V itself, and under its township (18 villages, V among them).
  const std::vector<Pos> positions = {{"none", kV},     {"none", kTown},     {"released", kV}, {"submitted", kV},
                                      {"returned", kV}, {"township_approved", kV}, {"accepted", kV}, {"confirmed", kV}, {"archived", kV}};
  auto s = NewStore();
  const Envelope agri = LoadFirst(kSrc + "/examples/workflow/agri-" + kV + ".json");
  auto report = [&](const std::string& period) {
    Envelope e = agri;
    e.period = period;
    e.id = "AG-" + period + "-" + kV;
    return e;
  };
  auto period_of = [](const std::string& id) { return id.substr(id.find('/') + 1, 4); };
  int year = 2000;  // a new period for every instance: each is V's report of another year
  auto fresh = [&](const Pos& pos) -> Subject {
    std::string p = std::to_string(++year), id = "agri_report/" + p + "/" + kV;
    if (pos.state == "none") return {id, "agri_report/" + p + "/" + pos.division};
    Done(One(s->Release("region", "agri_village", p, kV, "")));
    if (pos.state != "released") Done(One(s->Submit("coord_v", {report(p)}, id, false, "")));
    if (pos.state == "returned") Done(Act1(*s, "town_t", id, "return", "请核实"));
    const std::set<std::string> approved = {"township_approved", "accepted", "confirmed", "archived"};
    if (approved.count(pos.state)) Done(Act1(*s, "town_t", id, "approve"));
    if (approved.count(pos.state) && pos.state != "township_approved") Done(Act1(*s, "county_c", id, "accept"));
    if (pos.state == "confirmed" || pos.state == "archived") Done(Act1(*s, "region", id, "confirm"));
    if (pos.state == "archived") Done(Act1(*s, "town_t", id, "archive"));
    REQUIRE(LookAt(*s, id).state == pos.state);
    return {id, id};
  };
  auto attempt = [&](const Row& row, const User& u, const Subject& subj, const Pos& pos) -> ActionResult {
    std::string p = period_of(subj.id);
    switch (row.kind) {
      case Kind::kRelease: {
        auto rs = s->Release(u.id, "agri_village", p, pos.division, "");
        REQUIRE(!rs.empty());
        for (auto& r : rs) if (r.instance == subj.id) return r;
        return rs[0];
      }
      case Kind::kSubmit:
      case Kind::kSave: return One(s->Submit(u.id, {report(p)}, subj.id, row.kind == Kind::kSave, ""));
      default: return Act1(*s, u.id, subj.id, row.action, "意见");
    }
  };
  Counts c;
  RunMatrix(*s, "agri_report", rows, positions, fresh, attempt, &c);
  WARN(Summary("agri_report", c));  // the matrix size, printed
  // release 2 (under V and under T, by the region); submit 2, save 4 (V's coordinator and grid
  // worker, from released and returned); return 4; approve 1; accept 1; confirm 1; reopen 6; archive 1.
  CHECK(c.allowed == 22);
  CHECK(c.refused == 812 - 22);  // 14 users x (2 creating positions x release + 7 states x 8 rows)
  CHECK(c.relations.size() == 15);
  auto v = s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
  s.reset();
  fs::remove_all(TempDir());
}

TEST_CASE("authz: unit_task, every role x action x relation x state", "[authz]") {
  // SURVEYS.md, workflow unit_task. A task is pending at any level; it is surveyed, rejected,
  // approved and accepted at a village only (it is submitted from `pending` at a village).
  const std::vector<Row> rows = {
      {"import", Kind::kImport, {"region_statistician"}, false, {"none"}, "pending", Move::kNone, true},
      {"assign", Kind::kAct, {}, true, {"pending"}, "pending", Move::kChild},
      {"move_out", Kind::kAct, kStats, false, {"pending", "surveyed", "rejected"}, "pending", Move::kSameLevel},
      {"return_up", Kind::kAct, {}, true, {"pending", "rejected"}, "pending", Move::kParent},
      {"submit", Kind::kSubmit, {"coordinator"}, false, {"pending", "rejected"}, "surveyed", Move::kNone, false, true},
      {"save", Kind::kSave, {"coordinator", "grid_worker"}, false, {"pending", "rejected"}, "", Move::kNone, false, true},
      {"reject", Kind::kAct, kStats, false, {"surveyed", "township_approved"}, "rejected"},
      {"approve", Kind::kAct, {"township_statistician"}, false, {"surveyed"}, "township_approved"},
      {"accept", Kind::kAct, {"county_statistician"}, false, {"township_approved"}, "accepted"},
  };
  const std::vector<Pos> positions = {
      {"none", kRegion},    {"none", kCity},    {"none", kCounty},   {"none", kTown},   {"none", kV},
      {"pending", kRegion}, {"pending", kCity}, {"pending", kCounty}, {"pending", kTown}, {"pending", kV},
      {"surveyed", kV},     {"rejected", kV},   {"township_approved", kV}, {"accepted", kV}};
  auto s = NewStore();
  Envelope unit = LoadFirst(kSrc + "/examples/submissions/basic_unit_2024-06.json");
  unit.division = kV;
  SetField(&unit, "division_code", kV);
  auto record = [&](const std::string& task) {
    Envelope e = unit;
    e.id = "BU-" + task;
    return e;
  };
  auto task_of = [](const std::string& id) { return id.substr(id.rfind('/') + 1); };
  auto import = [&](const std::string& actor, const std::string& task, const std::string& division) {
    std::string file = TempPath("tasks.jsonl");
    std::ofstream(file) << "{\"id\": \"" << task << "\", \"kind\": \"find\", \"division\": \"" << division
                        << "\", \"data\": {\"name\": \"隆安县示例种养专业合作社\"}}\n";
    return One(s->Import(actor, "unit_task", "2024-06", file));
  };
  int n = 0;  // a new task for every instance
  auto fresh = [&](const Pos& pos) -> Subject {
    std::string task = "A-" + std::to_string(++n), id = "unit_task/2024-06/" + task;
    if (pos.state == "none") return {id, id};
    Done(import("region", task, pos.division));
    if (pos.state != "pending") Done(One(s->Submit("coord_v", {record(task)}, id, false, "")));
    if (pos.state == "rejected") Done(Act1(*s, "town_t", id, "reject", "请核实"));
    if (pos.state == "township_approved" || pos.state == "accepted") Done(Act1(*s, "town_t", id, "approve"));
    if (pos.state == "accepted") Done(Act1(*s, "county_c", id, "accept"));
    REQUIRE(LookAt(*s, id).state == pos.state);
    return {id, id};
  };
  auto attempt = [&](const Row& row, const User& u, const Subject& subj, const Pos& pos) -> ActionResult {
    std::string task = task_of(subj.id);
    switch (row.kind) {
      case Kind::kImport: return import(u.id, task, pos.division);
      case Kind::kSubmit:
      case Kind::kSave: return One(s->Submit(u.id, {record(task)}, subj.id, row.kind == Kind::kSave, ""));
      default: return Act1(*s, u.id, subj.id, row.action, "意见", TargetFor(row.move, pos.division));
    }
  };
  Counts c;
  RunMatrix(*s, "unit_task", rows, positions, fresh, attempt, &c);
  WARN(Summary("unit_task", c));  // the matrix size, printed
  // import 5 (the region, at each level); assign 4 (the holder at the region, city, county and
  // township); move_out 9 (county C at C; C and T at T; C and T at V pending, surveyed, rejected);
  // return_up 5 (the holder at city, county, township, V pending, and V's coordinator from
  // rejected); submit 2, save 4 (V pending and rejected); reject 4; approve 1; accept 1.
  CHECK(c.allowed == 35);
  CHECK(c.refused == 1078 - 35);
  CHECK(c.relations.size() == 23);  // every relation each role can have
  auto v = s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
  s.reset();
  fs::remove_all(TempDir());
}

TEST_CASE("authz: household_survey, every role x action x relation x state", "[authz]") {
  // SURVEYS.md, workflow household_survey. The first submit creates the instance. A draft is saved
  // into an existing instance ("stores a draft revision ... and changes no state"), so saving
  // before any submission is refused.
  const std::vector<Row> rows = {
      {"submit", Kind::kSubmit, {"coordinator"}, false, {"none", "returned"}, "submitted", Move::kNone, true},
      {"save", Kind::kSave, {"coordinator", "grid_worker"}, false, {"returned"}, "", Move::kNone, true},
      {"recheck", Kind::kAct, {"coordinator"}, false, {"submitted"}, "rechecked"},
      {"return", Kind::kAct, kStats, false, {"submitted", "rechecked", "township_approved"}, "returned"},
      {"approve", Kind::kAct, {"township_statistician"}, false, {"rechecked"}, "township_approved"},
      {"accept", Kind::kAct, {"county_statistician"}, false, {"township_approved"}, "accepted"},
  };
  const std::vector<Pos> positions = {{"none", kV},     {"submitted", kV},         {"rechecked", kV},
                                      {"returned", kV}, {"township_approved", kV}, {"accepted", kV}};
  auto s = NewStore();
  Envelope house = LoadFirst(kSrc + "/examples/submissions/pop_change_2023.yaml");
  house.division = kV;
  SetField(&house, "district_code", kV + "001");
  auto household = [&](const std::string& no) {
    Envelope e = house;
    e.id = "PC-2023-" + kV + "001-" + no;
    SetField(&e, "household_no", no);
    return e;
  };
  auto no_of = [](const std::string& id) { return id.substr(id.rfind('-') + 1); };
  int n = 0;  // a new household for every instance
  auto fresh = [&](const Pos& pos) -> Subject {
    std::string no = std::to_string(++n);
    no.insert(0, 3 - no.size(), '0');
    std::string id = "household_survey/2023/" + kV + "001-" + no;
    if (pos.state == "none") return {id, id};
    Done(One(s->Submit("coord_v", {household(no)}, "", false, "")));
    if (pos.state == "returned") Done(Act1(*s, "town_t", id, "return", "请核实"));
    if (pos.state == "rechecked" || pos.state == "township_approved" || pos.state == "accepted")
      Done(Act1(*s, "coord_v", id, "recheck", "已入户复查"));
    if (pos.state == "township_approved" || pos.state == "accepted") Done(Act1(*s, "town_t", id, "approve"));
    if (pos.state == "accepted") Done(Act1(*s, "county_c", id, "accept"));
    REQUIRE(LookAt(*s, id).state == pos.state);
    return {id, id};
  };
  auto attempt = [&](const Row& row, const User& u, const Subject& subj, const Pos&) -> ActionResult {
    if (row.kind == Kind::kSubmit || row.kind == Kind::kSave)
      return One(s->Submit(u.id, {household(no_of(subj.id))}, "", row.kind == Kind::kSave, ""));
    return Act1(*s, u.id, subj.id, row.action, "意见");
  };
  Counts c;
  RunMatrix(*s, "household_survey", rows, positions, fresh, attempt, &c);
  WARN(Summary("household_survey", c));  // the matrix size, printed
  // submit 2 (V's coordinator, new and returned); save 2 (V's coordinator and grid worker, returned);
  // recheck 1; return 6; approve 1; accept 1.
  CHECK(c.allowed == 13);
  CHECK(c.refused == 448 - 13);
  CHECK(c.relations.size() == 12);
  auto v = s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
  s.reset();
  fs::remove_all(TempDir());
}
