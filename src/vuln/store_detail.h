// What store.cc and import.cc share: the findings' column list and row reader, the log, and
// the priority and due date written into a finding. Private to vuln/.
#pragma once
#include <cstdint>
#include <string>

#include "core/sqlite.h"
#include "vuln/store.h"

namespace wardsec::vuln::detail {

extern const char* const kFindingCols;
FindingRow read_finding(const sqlite::Stmt& st);
Status log_event(sqlite3* db, int64_t finding, int64_t at, const std::string& what, const std::string& by, int64_t scan,
                 const std::string& note);

// A finding's priority and SLA date from its scores, its asset and when it was (re)opened.
struct Ranked {
  Priority p;
  std::string due;
};
Ranked rank(const Scores& s, const AssetRef& a, const PriorityPolicy& policy, int64_t opened_at, int tz_sec);

}  // namespace wardsec::vuln::detail
