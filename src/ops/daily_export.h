// The daily log export (每日查询并导出关键设备的日志, docs/operations.md): every day after a set
// time, the previous day's lines of the key devices are written to <ops.export.dir>/<YYYY-MM-DD>/,
// one gzip file of the original lines per device, sealed as the evidence bundles are (a signed
// manifest of every file's SHA-256 and size, the public key, SHA256SUMS) so the folder verifies
// offline (`wardsec verify --export DIR`, or sha256sum and openssl). The export is recorded in
// the store; an export that fails raises an alert.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"

namespace wardsec {
class KeyPair;
}
namespace wardsec::alert {
class AlertStore;
class Outputs;
}  // namespace wardsec::alert

namespace wardsec::ops {

struct ExportOptions {
  bool enabled = true;
  std::string dir;                   // "" : <data>/exports
  std::string at = "01:30";          // local time of day after which yesterday is exported
  std::vector<std::string> devices;  // host-name globs or addresses of the key devices; empty: every device
  size_t max_devices = 1000;         // more in one day go into _other.log.gz (said in the manifest)
};

struct ExportResult {
  std::string day, dir;
  size_t devices = 0;
  uint64_t lines = 0, bytes = 0;
  std::string manifest_sha256;
  bool already = false;  // the day had been exported: nothing done
};

// Exports the local day `day` ("YYYY-MM-DD", in the time zone tz_sec) of the store in
// `data_dir`. A day already exported is left as it is.
Result<ExportResult> export_day(const std::string& data_dir, const ExportOptions& o, const std::string& day, int tz_sec, const KeyPair& key,
                                int64_t now);

// "YYYY-MM-DD" of the local day before the one holding `now`.
std::string previous_day(int64_t now, int tz_sec);

// The schedule inside the center: looked at every minute; after `at` yesterday's export is made
// (on a start after a stop too), recorded in the store and, when it fails, alerted (again each
// hour while it keeps failing).
class ExportJob {
 public:
  using Record = std::function<void(std::vector<Event>&&)>;
  ExportJob(std::string data_dir, ExportOptions o, int tz_sec, const KeyPair* key, alert::AlertStore* alerts, alert::Outputs* outputs,
            Record record);
  // One look at `now` (ns): what it did, "" when nothing was due.
  std::string tick(int64_t now);
  // Sends an exported day's folder to the backup target: "" when none is set, else what it did.
  // Called after each export until it succeeds (every ten minutes); a failure alerts hourly.
  using Ship = std::function<Result<std::string>(const std::string& dir, const std::string& day)>;
  void set_ship(Ship s) { ship_ = std::move(s); }

 private:
  std::string data_dir_;
  ExportOptions opt_;
  int tz_;
  const KeyPair* key_;
  alert::AlertStore* alerts_;
  alert::Outputs* outputs_;
  Record record_;
  void ship(int64_t now);
  std::string done_, done_dir_;  // the last day exported, and its folder
  int64_t last_failure_ = 0;     // when the last failure was alerted
  Ship ship_;
  std::string shipped_;  // the last day sent to the backup target (<data>/ops/export_shipped.json)
  int64_t last_ship_try_ = 0, last_ship_alert_ = 0;
};

}  // namespace wardsec::ops
