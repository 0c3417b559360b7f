#include "store/db.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/messages.h"

namespace gridstat::store {

namespace {

// Why a database could not be opened (`db` is null when SQLite had no memory for it).
Status CannotOpen(const std::string& path, sqlite3* db) {
  if (!db) return Failure(Status::Code::kIo, "open_failed/no_memory", {{"path", path}});
  return Failure(Status::Code::kIo, "open_failed", {{"path", path}, {"detail", sqlite3_errmsg(db)}});
}

}  // namespace

Stmt::Stmt(Db* db, const char* sql) : db_(db) {
  if (db->failed()) {
    status_ = db->failure();
    return;
  }
  int rc = sqlite3_prepare_v2(db->raw(), sql, -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    // A prepare can fail for want of memory or on a damaged schema: a storage error.
    status_ = rc == SQLITE_NOMEM || (rc & 0xff) == SQLITE_IOERR || rc == SQLITE_CORRUPT
                  ? Failure(Status::Code::kIo, "sqlite", {{"detail", db->Error()}})
                  : Failure(Status::Code::kInternal, "sqlite/prepare", {{"detail", db->Error()}, {"sql", sql}});
    db->Fail(status_);
  }
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Bind(int i, const std::string& v) {
  if (stmt_) sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  if (stmt_) sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  if (stmt_) sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Stmt::Step() {
  if (!stmt_ || !status_.ok()) return false;
  if (db_->failed()) {  // an earlier statement of this transaction failed
    status_ = db_->failure();
    return false;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) db_->set_busy(true);
    status_ = Failure(Status::Code::kIo, "sqlite", {{"detail", db_->Error()}});
    db_->Fail(status_);
  }
  return false;
}

Status Stmt::Run() {
  while (Step()) {
  }
  return status_;
}

std::string Stmt::Text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  status_ = Status::Ok();
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create, bool read_only) {
  auto db = std::unique_ptr<Db>(new Db());
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)) | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db->db_, flags, nullptr) != SQLITE_OK)
    return CannotOpen(path, db->db_);
  sqlite3_busy_timeout(db->db_, 30000);
  if (read_only) {
    Status st = db->Exec("PRAGMA query_only=1; SELECT count(*) FROM sqlite_master;");
    if (st.ok()) return db;
    // On read-only media a WAL store cannot get its -shm index. Without a -wal file every
    // committed change is in the main file, so reading it as immutable misses nothing.
    std::error_code ec;
    if (std::filesystem::exists(path + "-wal", ec) || ec) return st;
    sqlite3_close_v2(db->db_);
    db->db_ = nullptr;
    std::string uri = "file:";
    for (unsigned char c : path) {  // percent-encode what a URI path cannot hold
      if (c == '%' || c == '?' || c == '#' || c < 0x20 || c == 0x7f) {
        static const char kHex[] = "0123456789ABCDEF";
        uri += '%'; uri += kHex[c >> 4]; uri += kHex[c & 15];
      } else {
        uri += static_cast<char>(c);
      }
    }
    uri += "?immutable=1";
    if (sqlite3_open_v2(uri.c_str(), &db->db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
      return CannotOpen(path, db->db_);
    st = db->Exec("PRAGMA query_only=1; SELECT count(*) FROM sqlite_master;");
    if (!st.ok()) return st;
    return db;
  }
  // Durability: WAL with synchronous=FULL, so that an acknowledged command survives
  // a crash or power failure (doc/store.md).
  Status st = db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!st.ok()) return st;
  return db;
}

Db::~Db() { sqlite3_close_v2(db_); }

Status Db::Exec(const std::string& sql) {
  if (failed()) return failure_;
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) busy_ = true;
    std::string m = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    Status st = Failure(Status::Code::kIo, "sqlite", {{"detail", m}});
    Fail(st);
    return st;
  }
  return Status::Ok();
}

Status Db::Begin() {
  busy_ = false;
  failure_ = Status::Ok();
  in_transaction_ = false;
  for (int attempt = 0; attempt < 20; ++attempt) {
    Status st = Exec("BEGIN IMMEDIATE");
    if (st.ok()) {
      in_transaction_ = true;
      return st;
    }
    if (!busy_) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * (attempt + 1)));
  }
  return Failure(Status::Code::kIo, "sqlite/busy");
}

Status Db::Commit() {
  if (failed()) {
    Status st = failure_;
    Rollback();
    return st;
  }
  Status st = Exec("COMMIT");
  if (!st.ok()) {
    Rollback();
    return st;
  }
  in_transaction_ = false;
  return st;
}

void Db::Rollback() {
  // After SQLITE_FULL or an I/O error SQLite may have rolled back already; then this
  // says "no transaction is active", which is what we want anyway.
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_transaction_ = false;
  failure_ = Status::Ok();
}

}  // namespace gridstat::store
