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
  // Commits, unless a statement of the transaction failed: then it rolls back and
  // returns that failure. Either way the transaction is over.
  Status Commit();
  void Rollback();
  // The first error of the open write transaction, or OK. After any error SQLite may
  // already have rolled the transaction back (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM),
  // and a later statement would then run in autocommit mode, committing alone. So once
  // a statement fails, every later statement of the transaction fails at once with
  // the same error, and Commit rolls back: a command is all or nothing.
  const Status& failure() const { return failure_; }
  bool failed() const { return !failure_.ok(); }
  void Fail(const Status& st) {
    if (in_transaction_ && failure_.ok()) failure_ = st;
  }
  std::string Error() const { return sqlite3_errmsg(db_); }
  bool busy() const { return busy_; }
  void set_busy(bool b) { busy_ = b; }

 private:
  sqlite3* db_ = nullptr;
  bool busy_ = false;
  bool in_transaction_ = false;
  Status failure_;
};

}  // namespace gridstat::store
