// What the store tests share: a temporary store on the shipped definitions, the example
// submissions, one action, and the raw SQLite access a forger has (rewrite an event and
// re-chain the log after it).
#pragma once

#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/files.h"
#include "gridstat/store.h"

namespace gridstat::testing {

namespace fs = std::filesystem;

inline const std::string kSrc = GRIDSTAT_SOURCE_DIR;
inline const std::string kDefs = kSrc + "/definitions/guangxi";
inline const std::string kTestOrg = kSrc + "/tests/data/org.yaml";

// A fresh directory of its own under the temporary directory, per call.
inline fs::path FreshDir(const std::string& prefix) {
  static int n = 0;
  fs::path d = fs::temp_directory_path() / ("gridstat-" + prefix + "-" + std::to_string(::getpid())) / std::to_string(++n);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A path of its own under the temporary directory, per call, with nothing there yet: for a
// file or folder the test makes itself.
inline std::string FreshPath(const std::string& prefix, const std::string& name) {
  static int n = 0;
  fs::path dir = fs::temp_directory_path() / ("gridstat-" + prefix + "-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string p = (dir / (name + "-" + std::to_string(++n))).string();
  fs::remove_all(p);
  return p;
}

// A new store in `dir` (store.db) at a fixed time, on `defs` and the test organisation.
inline std::unique_ptr<Store> NewStoreIn(const fs::path& dir, std::string* path, const std::string& defs = kDefs,
                                         const std::string& org = kTestOrg) {
  ::setenv("GRIDSTAT_NOW", "2022-01-10T02:00:00Z", 1);
  *path = (dir / "store.db").string();
  auto s = Store::Create(*path, defs, org);
  INFO(s.status().message());
  REQUIRE(s.ok());
  return std::move(*s);
}

inline std::vector<Envelope> LoadEnvelopes(const std::string& file) {
  std::vector<Envelope> out;
  REQUIRE(ReadSubmissions(file, [&](Envelope e) { out.push_back(std::move(e)); }, [](Report) { FAIL("malformed"); }).ok());
  return out;
}

// The first household of the population sample, moved to `village`.
inline std::vector<Envelope> HouseholdIn(const std::string& village) {
  auto hh = LoadEnvelopes(kSrc + "/examples/submissions/pop_change_2023.yaml");
  hh.resize(1);
  hh[0].division = village;
  for (auto& m : hh[0].data.members) if (m.first == "district_code") m.second.text = village + "001";
  return hh;
}

// Sets a data field of an envelope (a string value, as the example files write numbers).
inline void SetField(Envelope* e, const std::string& field, const std::string& value) {
  for (auto& m : e->data.members)
    if (m.first == field) {
      m.second = json::Str(value);
      return;
    }
  e->data.members.emplace_back(field, json::Str(value));
}

// One action on one instance; `target` is where a move goes, `request_id` the caller's id.
inline ActionResult ActOn(Store& s, const std::string& actor, const std::string& id, const std::string& action,
                          const std::string& comment = "", const std::string& target = "",
                          const std::string& request_id = "") {
  ActRequest r;
  r.actor = actor;
  r.instances = {id};
  r.action = action;
  r.comment = comment;
  r.target = target;
  r.request_id = request_id;
  auto res = s.Act(r);
  REQUIRE(res.size() == 1);
  return res[0];
}

inline std::string QueryText(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

inline void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO(sql << ": " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// Rewrites event `seq` (appends when past the end) and re-chains the log after it, as
// whoever can write the file can.
inline void RechainEvent(const std::string& path, int64_t seq, const std::function<void(Doc*)>& edit) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::vector<std::string> bodies;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT body FROM events ORDER BY seq", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) bodies.push_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  Doc body = seq <= static_cast<int64_t>(bodies.size()) ? *ParseJsonDocument(bodies[seq - 1]) : json::Obj();
  edit(&body);
  json::Set(&body, "seq", json::Int(seq));
  if (seq > static_cast<int64_t>(bodies.size())) bodies.push_back("");
  bodies[seq - 1] = json::Canonical(body);
  std::string prev(64, '0');
  for (size_t i = 0; i < bodies.size(); ++i) {
    std::string hash = gridstat::Sha256Hex(prev + "\n" + bodies[i]);
    auto b = ParseJsonDocument(bodies[i]);
    const std::string* inst = json::GetStr(*b, "instance");
    const std::string* req = json::GetStr(*b, "request_id");
    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO events(seq, instance, request_id, body, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?)", -1,
                       &st, nullptr);
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(i) + 1);
    sqlite3_bind_text(st, 2, inst ? inst->c_str() : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, req ? req->c_str() : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, bodies[i].c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, prev.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, hash.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    prev = hash;
  }
  sqlite3_close(db);
}

inline int64_t LastSeqOf(const std::string& path) { return std::stoll(QueryText(path, "SELECT max(seq) FROM events")); }

}  // namespace gridstat::testing
