// The small layer over SQLite that wardsec's workflow stores share (alerts, inventory,
// assessments): open with the same settings, run statements, bind and read by position.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace wardsec::sqlite {

// Opens (creating) a database that one process's threads share: serialized mode, WAL, a 5 s
// busy timeout; then runs `schema`. `*db` is set even on failure (the caller closes it).
// Errors name the path.
Status open(const std::string& path, sqlite3** db, std::initializer_list<const char*> schema);
Status exec(sqlite3* db, const std::string& sql);
// Ends a transaction begun with BEGIN: COMMIT when `st` is fine, else ROLLBACK and `st`.
Status end_transaction(sqlite3* db, Status st);

// One prepared statement; binds by position (1-based) and steps.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind_null(int i);
  // Clears the last step so the statement runs again with new bindings.
  void reset();
  // True for a row; false when done or on an error (then error() says what).
  bool row();
  // Runs a statement that returns no rows.
  Status run();
  std::string text(int c) const;
  int64_t i64(int c) const;
  double dbl(int c) const;
  bool is_null(int c) const;
  const std::string& error() const { return err_; }
  Status status() const { return err_.empty() ? Status{} : Status{Error{err_}}; }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  std::string err_;
};

// Runs `sql` with text parameters; calls `on_row` for each row.
Status query(sqlite3* db, const std::string& sql, const std::vector<std::string>& params,
             const std::function<void(const Stmt&)>& on_row = nullptr);

int64_t last_insert_id(sqlite3* db);
int changes(sqlite3* db);

}  // namespace wardsec::sqlite
