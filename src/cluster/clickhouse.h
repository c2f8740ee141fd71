// ClickHouse over its HTTP interface (libcurl), the tables of the regional store, and the one
// way a value enters a statement: a literal written by sql_string()/sql_number(). ClickHouse
// 18.16 (Debian 12) has no query parameters, so nothing a user typed is ever spliced in as SQL;
// it becomes a quoted literal or is refused (docs/cluster.md).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wardsec::cluster {

struct ClickHouseOptions {
  std::string url = "http://127.0.0.1:8123";  // http:// or https:// (ca_file checks the server)
  std::string user = "default";
  std::string password;
  std::string ca_file;
  std::string database = "wardsec";
  bool replicated = false;  // Replicated*MergeTree tables (a cluster with ZooKeeper: deploy/clickhouse)
  int timeout_ms = 30000;
  int64_t max_result_bytes = 256ll << 20;  // a reply larger than this is an error, not memory
};

// A quoted string literal: ' and \ and control bytes escaped as ClickHouse reads them.
std::string sql_string(std::string_view s);
// A name ClickHouse reads as an identifier: [A-Za-z_][A-Za-z0-9_]*, else an error.
Result<std::string> sql_identifier(std::string_view s);

class ClickHouse {
 public:
  explicit ClickHouse(ClickHouseOptions o);
  ~ClickHouse();
  ClickHouse(const ClickHouse&) = delete;
  ClickHouse& operator=(const ClickHouse&) = delete;
  const ClickHouseOptions& options() const { return o_; }
  // The database-qualified table name (database and table are checked identifiers).
  std::string table(std::string_view name) const;
  // Runs a statement; the reply body (TabSeparated unless the statement says FORMAT ...).
  // Errors carry ClickHouse's own message (its first line) or the transport's.
  Result<std::string> query(std::string_view sql);
  // INSERT INTO `table` (columns) FORMAT TabSeparated with `rows` as the data.
  Status insert(std::string_view table, std::string_view columns, std::string_view rows);
  // Creates the database and the tables when missing.
  Status ensure_schema();

 private:
  Result<std::string> post(const std::string& url_query, std::string_view body);
  ClickHouseOptions o_;
  void* curl_ = nullptr;  // CURL*, reused (keep-alive); one caller at a time
};

}  // namespace wardsec::cluster
