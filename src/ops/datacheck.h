// The data self-check (数据自我检测, docs/operations.md): every day, over the previous day's
// database audit (the statements the center saw on the wire or read from the databases' audit
// logs) and logs, what the hospital configured is checked — bulk UPDATE/DELETE at or over a row
// threshold, a key table whose changed rows swing far from its usual day, and backups that failed
// or did not run — and the result goes to the system administrator as a message. The settings
// live in <data>/ops/datacheck.json (the console's 系统设置); the results in <data>/ops/datacheck/.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::ops {

struct BackupCheck {
  std::string name;        // "HIS 数据库全备"
  std::string success;     // a search query matching the backup's success lines
  std::string failure;     // and its failure lines ("" none)
  int max_age_hours = 26;  // no success this long before the check: the backup did not run
};

struct DataCheckOptions {
  bool enabled = true;
  std::string at = "07:30";         // local time of day after which yesterday is checked
  int64_t bulk_rows = 1000;         // an UPDATE or DELETE affecting at least this many rows
  std::vector<std::string> tables;  // key tables (globs, lower case); empty: every table
  double swing_factor = 3.0;        // a day's changed rows over factor × the usual day (or under it ÷ factor)
  int64_t swing_min_rows = 1000;    // and at least this many rows apart
  std::vector<BackupCheck> backups;
};

// Checked; errors name the field.
Result<DataCheckOptions> datacheck_options(const nlohmann::json& j);
nlohmann::json to_json(const DataCheckOptions& o);

struct BulkChange {
  int64_t ts = 0;
  std::string user, client, database, operation, statement;
  std::vector<std::string> tables;
  int64_t rows = 0;
};
struct TableSwing {
  std::string table;
  int64_t rows = 0, usual = 0;  // the day's changed rows (insert + update + delete), the median of the days before
  int days = 0;                 // how many earlier days the usual is from
};
struct BackupResult {
  std::string name, state;  // ok, failed, missing
  int64_t last_success = 0, last_failure = 0;
  size_t failures = 0;
  std::string detail;  // the last failure line, shortened
};
struct DataCheckResult {
  std::string day;
  int64_t checked_at = 0;
  uint64_t statements = 0;  // changing statements seen that day
  std::vector<BulkChange> bulk;
  size_t bulk_total = 0;  // bulk holds the first 200
  std::vector<TableSwing> swings;
  std::map<std::string, int64_t> tables;  // changed rows per table that day
  std::vector<BackupResult> backups;
  std::vector<std::string> errors;  // a query that did not parse, a store that could not be read
  bool findings() const;
};
nlohmann::json to_json(const DataCheckResult& r);
// The message for the system administrator (zh-CN, with English below).
std::string datacheck_text(const DataCheckResult& r, int tz_sec);

// Checks the local day `day` ("YYYY-MM-DD") of the store in `data_dir` (and the seven days
// before, for each key table's usual day); the result is kept in <data>/ops/datacheck/<day>.json.
Result<DataCheckResult> run_datacheck(const std::string& data_dir, const DataCheckOptions& o, const std::string& day, int tz_sec,
                                      int64_t now);

}  // namespace wardsec::ops
