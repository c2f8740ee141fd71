#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/sqlite.h"

#include <sqlite3.h>

namespace wardsec::sqlite {

Status open(const std::string& path, sqlite3** db, std::initializer_list<const char*> schema) {
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database
  // file's mode, so they are 0600 too whatever the umask.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::fchmod(fd, 0600);
    ::close(fd);
  }
  if (sqlite3_open_v2(path.c_str(), db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    return Error{path + ": " + (*db ? sqlite3_errmsg(*db) : "out of memory")};
  sqlite3_busy_timeout(*db, 5000);
  if (Status s = exec(*db, "PRAGMA journal_mode=WAL"); !s) return Error{path + ": " + s.error()};
  for (const char* sql : schema)
    if (Status s = exec(*db, sql); !s) return Error{path + ": " + s.error()};
  return {};
}

Status exec(sqlite3* db, const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string e = msg ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    return Error{e};
  }
  return {};
}

Stmt::Stmt(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) err_ = sqlite3_errmsg(db);
}

Stmt::~Stmt() { sqlite3_finalize(st_); }

Stmt& Stmt::bind(int i, const std::string& v) {
  if (st_) sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind(int i, int64_t v) {
  if (st_) sqlite3_bind_int64(st_, i, v);
  return *this;
}

Stmt& Stmt::bind(int i, double v) {
  if (st_) sqlite3_bind_double(st_, i, v);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  if (st_) sqlite3_bind_null(st_, i);
  return *this;
}

void Stmt::reset() {
  if (st_) sqlite3_reset(st_);
}

bool Stmt::row() {
  if (!st_) return false;
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) err_ = sqlite3_errmsg(db_);
  return false;
}

Status Stmt::run() {
  while (row()) {
  }
  return status();
}

std::string Stmt::text(int c) const {
  const unsigned char* p = sqlite3_column_text(st_, c);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, c))) : "";
}

int64_t Stmt::i64(int c) const { return sqlite3_column_int64(st_, c); }
double Stmt::dbl(int c) const { return sqlite3_column_double(st_, c); }
bool Stmt::is_null(int c) const { return sqlite3_column_type(st_, c) == SQLITE_NULL; }

Status query(sqlite3* db, const std::string& sql, const std::vector<std::string>& params, const std::function<void(const Stmt&)>& on_row) {
  Stmt s(db, sql);
  for (size_t i = 0; i < params.size(); i++) s.bind(static_cast<int>(i + 1), params[i]);
  while (s.row())
    if (on_row) on_row(s);
  return s.status();
}

int64_t last_insert_id(sqlite3* db) { return sqlite3_last_insert_rowid(db); }
int changes(sqlite3* db) { return sqlite3_changes(db); }

Status end_transaction(sqlite3* db, Status st) {
  if (!st) {
    (void)exec(db, "ROLLBACK");
    return st;
  }
  return exec(db, "COMMIT");
}

}  // namespace wardsec::sqlite
