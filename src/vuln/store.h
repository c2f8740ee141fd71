// The vulnerability store (<data>/vulns.db): every scan imported, every finding with the
// scanners and checks that reported it, its CVEs, its status and history, and the hosts and
// services scans saw (discovery). A finding is one weakness on one asset (and port):
//   - a scanner's check seen again on the same asset and port is the same finding;
//   - a finding from another scanner that shares a CVE with one on the same asset and port
//     (or where either is host-wide) is the same finding too (de-duplication across scanners);
//   - a scan that covered the asset with a scanner that had reported the finding, and no longer
//     reports it, marks it fixed (修复须复扫确认: nobody marks a finding fixed by hand);
//   - a fixed finding reported again is reopened.
// Accepted risk (with a reason and an end date) and false positive are set by people; an
// acceptance past its end date is open again.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "vuln/assets.h"
#include "vuln/packages.h"
#include "vuln/report.h"

struct sqlite3;

namespace wardsec::vuln {

struct FindingRow {
  int64_t id = 0;
  std::string akey, asset, ip, hostname, system, zone;
  int port = 0;
  std::string proto, service, title, description, solution, evidence;
  std::vector<std::string> cves, cnvd, cnnvd, sources;  // sources: "nessus:19506" ...
  Scores scores;
  std::string cvss3_vector, cvss4_vector;
  int64_t first_seen = 0, last_seen = 0;
  std::string status;  // open, fixed, accepted, false_positive
  std::string reason, status_by, accept_until;
  int64_t status_at = 0, fixed_at = 0, fixed_scan = 0, rectification = 0;
  int reopened = 0;
  int priority = 4;
  std::string due, why_zh, why_en;  // due: the SLA's date (YYYY-MM-DD)
  bool unpatchable = false;
};

struct ScanRow {
  int64_t id = 0;
  std::string scanner, name, file, sha256, by;
  int64_t at = 0, started = 0, finished = 0;
  int64_t hosts = 0, findings = 0, added = 0, reopened = 0, fixed = 0, unregistered = 0, skipped_info = 0;
};

struct LogRow {
  int64_t at = 0, scan = 0;
  std::string what, by, note;
};

// A change in what a host runs between two scans that listed its ports.
struct ServiceChange {
  std::string ip, akey;
  int port = 0;
  std::string proto, name, change;  // change: added, removed
};

// A host a scan saw, with the services it had open at the last scan that listed its ports.
struct HostRow {
  std::string ip, akey, hostname, mac, os, source;
  int64_t first_seen = 0, last_seen = 0;
  std::vector<Service> services;  // open now (not gone)
};

struct ImportMeta {
  std::string file, sha256, by;
  int64_t now = 0;
  int tz_sec = 8 * 3600;  // SLA dates are the center's local dates
};

struct ImportResult {
  ScanRow scan;
  std::vector<std::string> unregistered;  // addresses no asset matched
  std::vector<ServiceChange> changes;
  std::vector<std::pair<int64_t, int64_t>> fixed_tasks;  // (finding, rectification task) fixed by this scan
  bool duplicate = false;                                // the same file was imported before: nothing changed
};

struct Filter {
  std::string status;  // "" all, or one status; "active": open + accepted past its date
  std::string akey, system, cve, q, scanner;
  int priority = 0;  // 0 any
  bool overdue_only = false;
  std::string today;              // for overdue
  std::string sort = "priority";  // priority, first_seen, last_seen, cvss, asset
  int64_t limit = 100, offset = 0;
};

struct Counts {
  int64_t total = 0, open = 0, fixed = 0, accepted = 0, false_positive = 0, overdue = 0;
  int64_t open_by_priority[4] = {0, 0, 0, 0};
};

// One graded system's (or the unassigned assets', system "") state of vulnerabilities.
struct SystemSummary {
  std::string system;
  int64_t open = 0, open_urgent = 0, overdue = 0, fixed = 0, accepted = 0, false_positive = 0;
  double mean_days_to_fix = -1;  // over the fixed ones; -1 when none
  double fix_rate() const {
    int64_t all = open + fixed + accepted;
    return all ? static_cast<double>(fixed) / static_cast<double>(all) : 1.0;
  }
};

// What happened in a period [from, to) per graded system: findings found, fixed (by a re-scan)
// and reopened in it; open and overdue as they stand now (the record keeps each finding's
// current state, not every past one); mean days to fix of those fixed in it.
struct PeriodRow {
  std::string system;
  int64_t found = 0, fixed = 0, reopened = 0, open_now = 0, overdue_now = 0;
  double mean_days_to_fix = -1;
};
struct Period {
  std::vector<PeriodRow> systems;
  PeriodRow total;
  std::vector<FindingRow> urgent;  // open priority 1 and 2, most urgent first (at most 200)
  std::vector<ScanRow> scans;      // imported in the period
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();

  // Everything of a report in one transaction; a report identical to one imported before (same
  // SHA-256) changes nothing and says so.
  Result<ImportResult> import(const ScanReport& rep, const AssetMap& assets, const ImportMeta& meta);
  // Recomputes every finding's priority and due date with today's context (levels, zones,
  // the known-exploited list); reopens acceptances past their date. Returns how many changed.
  Result<int64_t> refresh(const AssetMap& assets, const std::string& today, int64_t now, int tz_sec = 8 * 3600);

  Result<std::vector<FindingRow>> findings(const Filter& f, int64_t* total = nullptr);
  Result<FindingRow> finding(int64_t id);
  Result<std::vector<LogRow>> log(int64_t id);
  Result<Counts> counts(const std::string& today, const std::string& akey = "");
  // A person's decision: accepted (reason, until: a date within a year), false_positive
  // (reason), open (undoing either). "fixed" is the re-scan's alone.
  Status set_status(int64_t id, const std::string& status, const std::string& reason, const std::string& until, const std::string& by,
                    const std::string& today, int64_t now);
  Status set_rectification(int64_t id, int64_t task, const std::string& by, int64_t now);

  // open_urgent: open findings of priority 1 and 2.
  Result<std::vector<SystemSummary>> by_system(const std::string& today);
  Result<std::vector<ScanRow>> scans(int64_t limit = 200);
  Result<Period> period(int64_t from, int64_t to, const std::string& today);
  // The vulnerability feed (OSV advisories), replacing records of the same id; how many now.
  Result<int64_t> import_feed(const std::vector<Advisory>& advisories);
  // The advisories that name any of these packages.
  Result<std::vector<Advisory>> advisories_for(const std::vector<std::string>& packages);
  // Each host's last package inventory (kept so that a new feed is matched against it too).
  struct StoredInventory {
    std::string ip, hostname, ecosystem, text, name;
    int64_t at = 0;
  };
  Status save_inventory(const StoredInventory& inv);
  Result<std::vector<StoredInventory>> inventories();
  // The hosts scans saw ("" all, or one asset key), with their open services.
  Result<std::vector<HostRow>> hosts(const std::string& akey = "");
  // The known-exploited list (CISA KEV JSON or a CSV with a cve column), replacing the last one.
  Result<int64_t> import_kev(std::string_view text, const std::string& name);
  Result<std::set<std::string>> kev();

  sqlite3* db() { return db_; }

 private:
  Store() = default;
  sqlite3* db_ = nullptr;
};

std::string join_words(const std::vector<std::string>& v);
std::vector<std::string> split_words(const std::string& s);

}  // namespace wardsec::vuln
