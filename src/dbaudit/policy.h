// 防统方 and database threats (issue #6): what makes statements alerts under the hospital's
// policy of sensitive objects. Single statements (check_statement) and what only shows across
// statements (Auditor): 统方 split over several queries, repeated per-doctor rankings,
// prescription detail extracted piece by piece, access from unapproved clients or accounts,
// off-duty access, and a per-account baseline of volumes.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/strutil.h"
#include "core/result.h"
#include "dbaudit/protocol.h"

namespace wardsec::dbaudit {

using NameSet = std::unordered_set<std::string>;

struct Policy {
  NameSet prescription_tables, patient_tables, doctor_columns, drug_columns;  // lower-case
  std::vector<std::string> tools;                                             // lower-case, matched as parts of the program name
  int64_t bulk_patient_rows = 1000;
  // Accounts: the HIS application's own (the normal path: not held to the cross-statement
  // extraction rules), report accounts (doctor totals for performance pay are their job), and
  // the accounts allowed at all (empty: not checked).
  NameSet application_accounts, report_accounts, approved_accounts;
  std::vector<Cidr> approved_clients;  // empty: not checked
  std::vector<std::string> approved_clients_text;
  // Duty time for people's accounts (application accounts run around the clock), local time.
  int duty_start_min = 7 * 60 + 30, duty_end_min = 18 * 60 + 30;
  std::vector<int> duty_days{1, 2, 3, 4, 5};  // 1 = Monday ... 7 = Sunday
  int tz_offset_min = 8 * 60;
  bool off_duty_check = true;
  // Cross-statement windows.
  int64_t window_ns = 3600LL * 1000000000LL;
  int ranking_repeats = 3;                  // the same per-doctor/per-drug ranking with different values
  int64_t prescription_detail_rows = 5000;  // rows of prescription detail read by one account in a window
  // Baseline: hours of history before it judges, and how far above normal is unusual.
  int baseline_learn_hours = 24;
  double baseline_factor = 5.0;
  int64_t baseline_min_rows = 2000;
};

// Loads config/dbaudit/policy.yaml (every profile merged). Error text names the file and key.
Status load_policy(const std::string& path, Policy& out);

struct DbAlert {
  std::string kind;                     // tongfang, bulk_patient_read, tool_access, no_where, export, ddl, privilege, audit_off,
                                        // unapproved_client, unapproved_account, off_duty, baseline
  std::string level;                    // critical, high, medium
  std::string reason;                   // what in the statement(s) made it one
  std::vector<std::string> statements;  // the evidence: the statement, or every statement of a cross-statement alert
};

struct Dims;  // what of the policy a statement touches (policy.cc)

// Every alert one statement raises on its own (empty: none).
std::vector<DbAlert> check_statement(const Statement& s, const Policy& p);

// Single-statement checks plus what needs memory of earlier statements, per account
// (database user and client address). Bounded: accounts idle for a day are forgotten, and an
// account keeps at most 256 statements of evidence. Thread-safe.
class Auditor {
 public:
  explicit Auditor(Policy p) : p_(std::move(p)) {}
  std::vector<DbAlert> check(const Statement& s);
  const Policy& policy() const { return p_; }

 private:
  struct Seen {
    int64_t ts;
    std::string text;
    uint64_t fingerprint;
    bool doctor, drug, aggregate;
    int64_t rows;
  };
  struct Account {
    int64_t last = 0;
    std::deque<Seen> presc;  // prescription statements in the window
    int64_t presc_rows = 0;  // rows among them without aggregates
    int64_t raised_split = 0, raised_ranking = 0, raised_detail = 0, raised_client = 0, raised_account = 0, raised_duty = 0,
            raised_baseline = 0;
    // Baseline: rows read per hour.
    int64_t hour = -1, hour_rows = 0, hours = 0;
    double mean = 0, m2 = 0;
  };
  void cross(const Statement& s, const Dims& d, Account& a, std::vector<DbAlert>& out);
  void baseline(const Statement& s, Account& a, std::vector<DbAlert>& out);
  void forget(int64_t now);

  Policy p_;
  std::mutex mu_;
  std::map<std::string, Account> accounts_;
  int64_t last_sweep_ = 0;
};

}  // namespace wardsec::dbaudit
