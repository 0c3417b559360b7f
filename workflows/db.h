// A thin RAII layer over the SQLite C API. Errors become Status; every value is
// bound as a parameter, never spliced into SQL text.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gridstat/status.h"

namespace gridstat::store {

class Db;

class Stmt {
 public:
  Stmt(Db* db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, const std::string& v);
  Stmt& Bind(int i, int64_t v);
  Stmt& BindNull(int i);
  Stmt& Bind(int i, const std::optional<std::string>& v) { return v ? Bind(i, *v) : BindNull(i); }
  // Steps once: true when a row is ready, false when done; errors go to status().
  bool Step();
  // Runs to completion.
  Status Run();
  std::string Text(int col) const;
  int64_t Int(int col) const;
  bool IsNull(int col) const;
  const Status& status() const { return status_; }
  void Reset();

 private:
  Db* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
};

class Db {
 public:
  // read_only: SQLITE_OPEN_READONLY, for commands that only read, so that a store on read-only
  // media opens. There SQLite cannot create the WAL index; a store without a -wal file is
  // then opened as immutable (nothing can change it), one with a -wal file is not.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, bool create, bool read_only = false);
  ~Db();
  sqlite3* raw() { return db_; }
  Status Exec(const std::string& sql);
  // BEGIN IMMEDIATE, waiting for other writers; a timeout is reported as busy.
  Status Begin();
  Status Commit();
  void Rollback();
  std::string Error() const { return sqlite3_errmsg(db_); }
  bool busy() const { return busy_; }
  void set_busy(bool b) { busy_ = b; }

 private:
  sqlite3* db_ = nullptr;
  bool busy_ = false;
};

}  // namespace gridstat::store
