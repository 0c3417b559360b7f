// Storage faults: every write command is all or nothing under a full disk, an I/O
// error or a failed fsync, and the store still verifies afterwards.
//
// A VFS of the test's own wraps SQLite's default one and makes writes fail on demand:
// - "full": once B bytes have been written, every further write fails with SQLITE_FULL
//   (the disk stays full), as on a nearly full filesystem;
// - "ioerr": the k-th write fails with SQLITE_IOERR_WRITE and the next ones succeed, the
//   case in which a command that carried on after the error would commit its later
//   statements one by one;
// - "fsync": the k-th sync fails with SQLITE_IOERR_FSYNC.
// Each command is first run without faults to learn how many bytes, writes and syncs it
// makes and what store it leaves; then it is run again from the same starting store with
// a fault at points spread over that run. Afterwards the store must verify, and it must be
// exactly the store before the command (when the command reported a failure) or exactly
// the store the clean run left (when it reported success).
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "gridstat/store.h"

using namespace gridstat;
namespace fs = std::filesystem;

namespace {

const std::string kSrc = GRIDSTAT_SOURCE_DIR;
const std::string kDefs = kSrc + "/definitions/guangxi";

// ---- the fault-injecting VFS ------------------------------------------------------
struct Faults {
  enum class Mode { kOff, kCount, kFull, kIoErr, kFsync } mode = Mode::kOff;
  int64_t limit = 0;  // bytes for kFull; the failing call's number for kIoErr and kFsync
  int64_t bytes = 0, writes = 0, syncs = 0, injected = 0;
  void Arm(Mode m, int64_t at) {
    *this = Faults();
    mode = m;
    limit = at;
  }
};
Faults g_faults;
sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;

struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real(); }

int FClose(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int FRead(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return Real(f)->pMethods->xRead(Real(f), b, n, o); }
int FWrite(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  Faults& g = g_faults;
  if (g.mode == Faults::Mode::kFull && g.bytes + n > g.limit) {
    ++g.injected;
    return SQLITE_FULL;
  }
  ++g.writes;
  if (g.mode == Faults::Mode::kIoErr && g.writes == g.limit) {
    ++g.injected;
    return SQLITE_IOERR_WRITE;
  }
  g.bytes += n;
  return Real(f)->pMethods->xWrite(Real(f), b, n, o);
}
int FTruncate(sqlite3_file* f, sqlite3_int64 n) { return Real(f)->pMethods->xTruncate(Real(f), n); }
int FSync(sqlite3_file* f, int flags) {
  Faults& g = g_faults;
  ++g.syncs;
  if (g.mode == Faults::Mode::kFsync && g.syncs == g.limit) {
    ++g.injected;
    return SQLITE_IOERR_FSYNC;
  }
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FFileSize(sqlite3_file* f, sqlite3_int64* n) { return Real(f)->pMethods->xFileSize(Real(f), n); }
int FLock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int FUnlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int FCheck(sqlite3_file* f, int* out) { return Real(f)->pMethods->xCheckReservedLock(Real(f), out); }
int FControl(sqlite3_file* f, int op, void* arg) { return Real(f)->pMethods->xFileControl(Real(f), op, arg); }
int FSector(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int FDevice(sqlite3_file* f) { return Real(f)->pMethods->xDeviceCharacteristics(Real(f)); }
int FShmMap(sqlite3_file* f, int pg, int sz, int ext, void volatile** p) {
  return Real(f)->pMethods->xShmMap(Real(f), pg, sz, ext, p);
}
int FShmLock(sqlite3_file* f, int off, int n, int flags) { return Real(f)->pMethods->xShmLock(Real(f), off, n, flags); }
void FShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int FShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }

int VOpen(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out) {
  int rc = g_real->xOpen(g_real, name, Real(f), flags, out);
  f->pMethods = Real(f)->pMethods ? &g_methods : nullptr;
  return rc;
}
int VDelete(sqlite3_vfs*, const char* n, int sync) { return g_real->xDelete(g_real, n, sync); }
int VAccess(sqlite3_vfs*, const char* n, int flags, int* out) { return g_real->xAccess(g_real, n, flags, out); }
int VFull(sqlite3_vfs*, const char* n, int size, char* out) { return g_real->xFullPathname(g_real, n, size, out); }
int VRandom(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int VSleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int VTime(sqlite3_vfs*, double* t) { return g_real->xCurrentTime(g_real, t); }
int VError(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int VTime64(sqlite3_vfs*, sqlite3_int64* t) { return g_real->xCurrentTimeInt64(g_real, t); }

// Makes the fault VFS the default for the life of the object (every Store opened
// meanwhile uses it), then restores SQLite's own.
struct FaultVfs {
  FaultVfs() {
    g_real = sqlite3_vfs_find(nullptr);
    REQUIRE(g_real);
    REQUIRE(g_real->iVersion >= 2);
    g_methods = sqlite3_io_methods{};
    g_methods.iVersion = 2;  // no memory-mapped I/O: every write goes through xWrite
    g_methods.xClose = FClose; g_methods.xRead = FRead; g_methods.xWrite = FWrite; g_methods.xTruncate = FTruncate;
    g_methods.xSync = FSync; g_methods.xFileSize = FFileSize; g_methods.xLock = FLock; g_methods.xUnlock = FUnlock;
    g_methods.xCheckReservedLock = FCheck; g_methods.xFileControl = FControl; g_methods.xSectorSize = FSector;
    g_methods.xDeviceCharacteristics = FDevice; g_methods.xShmMap = FShmMap; g_methods.xShmLock = FShmLock;
    g_methods.xShmBarrier = FShmBarrier; g_methods.xShmUnmap = FShmUnmap;
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = "gridstat-test-faults";
    g_vfs.xOpen = VOpen; g_vfs.xDelete = VDelete; g_vfs.xAccess = VAccess; g_vfs.xFullPathname = VFull;
    g_vfs.xRandomness = VRandom; g_vfs.xSleep = VSleep; g_vfs.xCurrentTime = VTime; g_vfs.xGetLastError = VError;
    g_vfs.xCurrentTimeInt64 = VTime64;
    REQUIRE(sqlite3_vfs_register(&g_vfs, 1) == SQLITE_OK);
    g_faults = Faults();
  }
  ~FaultVfs() {
    g_faults = Faults();
    sqlite3_vfs_unregister(&g_vfs);
    sqlite3_vfs_register(g_real, 1);
  }
};

// ---- stores and what they hold ------------------------------------------------------
fs::path Dir() {
  fs::path d = fs::temp_directory_path() / ("gridstat-faults-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

void CopyStore(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(to + suffix);
  for (const char* suffix : {"", "-wal"})
    if (fs::exists(from + suffix)) fs::copy_file(from + suffix, to + suffix);
}

// Everything a command can change, read straight from the file, in a fixed order.
std::string Fingerprint(const std::string& path) {
  if (!fs::exists(path)) return "(no store)";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::string out;
  for (const char* sql : {"SELECT seq, hash FROM events ORDER BY seq",
                          "SELECT id, state, version, division, definitions FROM instances ORDER BY id",
                          "SELECT instance, revision, findings_hash, seq FROM submissions ORDER BY instance, revision",
                          "SELECT uscc, instance, revision FROM units ORDER BY uscc",
                          "SELECT key, value FROM meta ORDER BY key",
                          "SELECT hash, published_seq FROM definitions ORDER BY hash",
                          "SELECT id, role, division FROM users ORDER BY id"}) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      out += std::string("(no table: ") + sqlite3_errmsg(db) + ")\n";
      continue;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const unsigned char* t = sqlite3_column_text(s, c);
        out += t ? reinterpret_cast<const char*>(t) : "NULL";
        out += '|';
      }
      out += '\n';
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

int64_t EventCount(const std::string& fp) { return std::count(fp.begin(), fp.end(), '\n'); }

std::vector<Envelope> Households(int n) {
  std::vector<Envelope> base;
  REQUIRE(ReadSubmissions(kSrc + "/examples/submissions/pop_change_2023.yaml", [&](Envelope e) { base.push_back(std::move(e)); },
                          [](Report) { FAIL("malformed"); }).ok());
  std::vector<Envelope> out;
  const std::string v = "450123100201";
  for (int i = 0; i < n; ++i) {
    Envelope e = base[0];
    char area[4], no[4];
    std::snprintf(area, sizeof area, "%03d", 1 + i / 999);
    std::snprintf(no, sizeof no, "%03d", 1 + i % 999);
    e.division = v;
    e.id = "PC-" + v + area + "-" + no;
    for (auto& m : e.data.members) {
      if (m.first == "district_code") m.second.text = v + area;
      if (m.first == "household_no") m.second.text = no;
    }
    out.push_back(e);
  }
  return out;
}

// A command under test: runs on an open store and says whether it reported success
// for all of its work (false: it reported that nothing was done).
struct Command {
  std::string name;
  std::function<bool(Store&)> run;
  std::function<void(Store&)> prepare;  // run without faults before the command, if set
};

bool AllDone(const std::vector<ActionResult>& rs) {
  bool any_failed = false, any_done = false;
  for (auto& r : rs) (r.outcome == Outcome::kCannotRun || r.outcome == Outcome::kConflict ? any_failed : any_done) = true;
  // A command is all or nothing: a mix would mean that part of it was acknowledged.
  CHECK(!(any_failed && any_done));
  return !any_failed;
}

std::vector<Command> Commands(const fs::path& dir) {
  // A ledger of 1,500 tasks for the import.
  std::string ledger = (dir / "ledger.jsonl").string();
  {
    std::ofstream f(ledger);
    for (int i = 0; i < 1500; ++i)
      f << "{\"id\":\"T-" << i << "\",\"kind\":\"find\",\"division\":\"450123100201\",\"data\":{\"name\":\"单位" << i << "\"}}\n";
  }
  // The organisation again with one user fewer and one more.
  std::string org = (dir / "org2.yaml").string();
  {
    std::ifstream in(kSrc + "/tests/data/org.yaml");
    std::ofstream out(org);
    std::string line;
    while (std::getline(in, line))
      if (line.find("coord_sib") == std::string::npos) out << line << "\n";
    out << "  - {id: coord_new, name: 新, role: coordinator, division: \"450123100203\"}\n";
  }
  // Definitions with one warning's message changed: a new version to publish and migrate to.
  fs::path defs2 = dir / "defs2";
  fs::remove_all(defs2);
  fs::copy(kDefs, defs2, fs::copy_options::recursive);
  {
    std::string p = (defs2 / "agri_village.gs").string();
    std::ifstream in(p);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto at = text.find("超出合理范围");
    REQUIRE(at != std::string::npos);
    text.replace(at, std::string("超出合理范围").size(), "超出常见范围");
    std::ofstream(p) << text;
  }
  std::vector<Command> cmds;
  cmds.push_back({"release", [](Store& s) { return AllDone(s.Release("region", "agri_village", "2022", "450100000000", "r-1")); }});
  cmds.push_back({"act (1,856 refusals)", [](Store& s) {
                    ActRequest r;
                    r.actor = "county_c";
                    r.action = "accept";
                    auto list = s.List(Query{std::nullopt, "agri_village", "2021", "", "450100000000"});
                    REQUIRE(list.ok());
                    for (auto& d : *list) r.instances.push_back(d.Find("id")->text);
                    REQUIRE(r.instances.size() == 1856);
                    return AllDone(s.Act(r));
                  }});
  cmds.push_back({"act (600 refusals of many kinds)", [](Store& s) {
                    ActRequest r;
                    r.actor = "region";
                    r.action = "reopen";
                    r.comment = "复核";
                    for (int i = 0; i < 600; ++i) r.instances.push_back("agri_report/2021/4501231002" + std::to_string(10 + i % 90));
                    return AllDone(s.Act(r));
                  }});
  cmds.push_back({"submit (3,000 households)", [](Store& s) { return AllDone(s.Submit("coord_v", Households(3000), "", false, "")); }});
  cmds.push_back({"import (1,500 tasks)", [ledger](Store& s) { return AllDone(s.Import("region", "unit_task", "2024-06", ledger)); }});
  cmds.push_back({"publish", [defs2](Store& s) {
                    std::vector<Diagnostic> d;
                    std::string h;
                    return s.Publish(PublishRequest{"region", defs2.string(), false, ""}, &d, &h).outcome == Outcome::kDone;
                  }});
  cmds.push_back({"migrate 1,856 instances", [](Store& s) { return AllDone(s.Migrate(MigrateRequest{"region", {}, {}})); },
                  [defs2](Store& s) {
                    std::vector<Diagnostic> d;
                    std::string h;
                    REQUIRE(s.Publish(PublishRequest{"region", defs2.string(), false, ""}, &d, &h).outcome == Outcome::kDone);
                  }});
  cmds.push_back({"org update", [org](Store& s) {
                    std::vector<Doc> changes;
                    return s.OrgUpdate("region", org, &changes).outcome == Outcome::kDone;
                  }});
  cmds.push_back({"export --unmasked", [](Store& s) {
                    std::string csv;
                    ActionResult r = s.ExportUnmasked(Query{std::string("region"), "pop_change", "2023", "", ""}, &csv);
                    return r.outcome == Outcome::kDone;
                  }});
  cmds.push_back({"save (a draft of 1,000 households)", [](Store& s) {
                    auto hh = Households(1000);
                    return AllDone(s.Submit("coord_v", hh, "", true, ""));
                  },
                  [](Store& s) { REQUIRE(AllDone(s.Submit("coord_v", Households(1000), "", false, ""))); }});
  cmds.push_back({"audit export", [dir](Store& s) {
                    fs::path out = dir / "audit-export";
                    fs::remove_all(out);
                    return s.ExportAudit("region", out.string()).outcome == Outcome::kDone;
                  }});
  cmds.push_back({"a refusal recorded", [](Store& s) { return s.RecordRefusal("coord_v", "submit", "x.json:1", "envelope", "坏记录").ok(); }});
  return cmds;
}

}  // namespace

TEST_CASE("storage faults: every write command is all or nothing, and the store verifies after", "[storage-fault]") {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  FaultVfs vfs;
  fs::path dir = Dir();
  std::string base = (dir / "base.db").string();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(base + suffix);
  {
    auto s = Store::Create(base, kDefs, kSrc + "/tests/data/org.yaml");
    REQUIRE(s.ok());
    // 1,856 released reports across 南宁市, so that commands write a lot in one transaction.
    REQUIRE(AllDone((*s)->Release("region", "agri_village", "2021", "450100000000", "")));
  }
  std::string start = (dir / "start.db").string();
  std::string work = (dir / "work.db").string();
  int trials = 0, failed_runs = 0, done_runs = 0;
  for (const Command& cmd : Commands(dir)) {
    CopyStore(base, start);
    if (cmd.prepare) {
      auto s = Store::Open(start);
      REQUIRE(s.ok());
      cmd.prepare(**s);
    }
    const std::string before = Fingerprint(start);
    // The clean run: what the command writes, and the store it leaves.
    CopyStore(start, work);
    g_faults.Arm(Faults::Mode::kCount, 0);
    {
      auto s = Store::Open(work);
      REQUIRE(s.ok());
      INFO(cmd.name);
      REQUIRE(cmd.run(**s));
    }
    Faults clean = g_faults;
    g_faults = Faults();
    const std::string after = Fingerprint(work);
    REQUIRE(after != before);
    std::vector<std::pair<Faults::Mode, int64_t>> plan;
    // GRIDSTAT_FAULT_QUICK (the sanitizer run) takes three points of each kind instead of all.
    const bool quick = std::getenv("GRIDSTAT_FAULT_QUICK") != nullptr;
    const std::vector<double> points = quick ? std::vector<double>{0.0, 0.5, 0.99}
                                             : std::vector<double>{0.0, 0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99};
    for (double f : points) {
      plan.push_back({Faults::Mode::kFull, static_cast<int64_t>(f * static_cast<double>(clean.bytes))});
      plan.push_back({Faults::Mode::kIoErr, 1 + static_cast<int64_t>(f * static_cast<double>(clean.writes - 1))});
    }
    for (int64_t k = 1; k <= clean.syncs; ++k)
      if (!quick || k == 1 || k == clean.syncs) plan.push_back({Faults::Mode::kFsync, k});
    for (auto [mode, at] : plan) {
      CAPTURE(cmd.name, static_cast<int>(mode), at, clean.bytes, clean.writes, clean.syncs);
      CopyStore(start, work);
      g_faults.Arm(mode, at);
      bool done = false;
      {
        auto s = Store::Open(work);
        if (s.ok()) done = cmd.run(**s);
      }
      int64_t injected = g_faults.injected;
      g_faults = Faults();
      ++trials;
      // Whatever happened, the store opens and verifies...
      auto s = Store::Open(work);
      REQUIRE(s.ok());
      VerifyResult v = (*s)->Verify();
      INFO(v.problem);
      REQUIRE(v.ok);
      s->reset();
      // ...and holds exactly the acknowledged work: all of the command, or none of it.
      std::string now = Fingerprint(work);
      if (done) {
        ++done_runs;
        CHECK(now == after);
      } else {
        ++failed_runs;
        CHECK(injected > 0);
        CHECK(now == before);
      }
    }
  }
  // The faults must have bitten: most runs fail, and a failing run left nothing behind.
  CHECK(failed_runs > trials / 2);
  WARN(trials << " faulty runs: " << failed_runs << " failed as a whole, " << done_runs << " went through whole");
}

TEST_CASE("storage faults: init on a full disk leaves no store behind", "[storage-fault]") {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  FaultVfs vfs;
  fs::path dir = Dir();
  std::string path = (dir / "init.db").string();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  g_faults.Arm(Faults::Mode::kCount, 0);
  {
    auto created = Store::Create(path, kDefs, kSrc + "/tests/data/org.yaml");
    INFO(created.status().message());
    REQUIRE(created.ok());
  }
  Faults clean = g_faults;
  for (double f : {0.0, 0.1, 0.5, 0.9, 0.99}) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
    g_faults.Arm(Faults::Mode::kFull, static_cast<int64_t>(f * static_cast<double>(clean.bytes)));
    auto s = Store::Create(path, kDefs, kSrc + "/tests/data/org.yaml");
    g_faults = Faults();
    CAPTURE(f);
    if (s.ok()) {
      s->reset();
      auto again = Store::Open(path);
      REQUIRE(again.ok());
      CHECK((*again)->Verify().ok);
    } else {
      CHECK(!fs::exists(path));
    }
  }
}
