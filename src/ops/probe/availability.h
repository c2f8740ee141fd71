// Availability (可用性) of the probed systems, kept in <data>/ops/availability.db: each probe's
// hourly checks, failures, observed time and response times, and its outages (start, end,
// cause). A system is unavailable while any of its probes is in an outage; its availability over
// a period is 1 − (its outage time) / (the time it was watched): time the center itself was not
// running is neither up nor down.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/result.h"

struct sqlite3;

namespace wardsec::ops::probe {

struct Outage {
  int64_t id = 0;
  std::string probe, name, system, asset;
  int64_t start = 0, end = 0;  // ns; end 0 while it lasts
  std::string cause;
  int64_t alert_id = 0;
};

class AvailabilityDb {
 public:
  static Result<std::unique_ptr<AvailabilityDb>> open(const std::string& path);
  ~AvailabilityDb();
  // One check's result, kept in memory and written by flush(): `observed` is the time since the
  // probe's last check (at most twice its interval).
  void sample(const std::string& probe, const std::string& system, int64_t ts, bool ok, double rtt_ms, int64_t observed);
  Status flush();
  Result<int64_t> open_outage(const Outage& o);
  Status close_outage(int64_t id, int64_t end);
  Status set_alert(int64_t outage_id, int64_t alert_id);
  Result<std::vector<Outage>> open_outages();
  // Outages that overlap [from, to), newest first (at most `limit`); `system` "" for all.
  Result<std::vector<Outage>> outages(int64_t from, int64_t to, const std::string& system, size_t limit);
  // Availability of each system and probe over [from, to) at `now`: {"systems": [{system,
  // availability, down_s, observed_s, outages, rtt_avg_ms, rtt_max_ms, checks, fails}], "probes": [...]}.
  Result<nlohmann::json> availability(int64_t from, int64_t to, int64_t now);
  // Per-day availability of one system (or probe, when `probe`), for its history chart.
  Result<nlohmann::json> daily(const std::string& key, bool probe, int64_t from, int64_t to, int64_t now);

 private:
  explicit AvailabilityDb(sqlite3* db) : db_(db) {}
  struct Bucket {
    std::string system;
    int64_t checks = 0, fails = 0, observed = 0;
    double rtt_sum = 0, rtt_max = 0;
  };
  sqlite3* db_;
  std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, Bucket> pending_;  // (probe, hour) not yet written
};

}  // namespace wardsec::ops::probe
