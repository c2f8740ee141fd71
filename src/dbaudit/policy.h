// 防统方 and database threats on single statements (issue #6, first detections): what makes
// a statement an alert under the hospital's policy of sensitive objects.
#pragma once
#include <string>
#include <vector>

#include "dbaudit/protocol.h"

namespace wardsec::dbaudit {

struct Policy {
  std::vector<std::string> prescription_tables, patient_tables, doctor_columns, drug_columns, tools;  // lower-case
  int64_t bulk_patient_rows = 1000;
};

// Loads config/dbaudit/policy.yaml (every profile merged). Error text names the file and key.
std::string load_policy(const std::string& path, Policy& out);

struct DbAlert {
  std::string kind;    // tongfang, bulk_patient_read, tool_access, no_where, export, ddl, privilege
  std::string level;   // critical, high, medium
  std::string reason;  // what in the statement made it one
};

// Every alert one statement raises (empty: none).
std::vector<DbAlert> check_statement(const Statement& s, const Policy& p);

}  // namespace wardsec::dbaudit
