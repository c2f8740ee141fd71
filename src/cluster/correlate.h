// `wardsec correlate`: the region's correlations (docs/cluster.md). Single-event rules run at
// each site's collector, as in `serve`; a correlation whose events come from several sites or
// hosts (one account failing at three hospitals, one address scanning every campus) needs every
// site's events, so it runs here, on the stream, and writes what spans two sites or more. N correlators share the work by group: each has
// its own durable consumer (correlate-<i>) that sees every batch, and keeps the groups whose
// group-by values hash to its partition. What fires is written to ClickHouse's `alerts` table
// (keyed so a redelivered batch does not write it twice) before the batches are acknowledged.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/clickhouse.h"
#include "cluster/nats.h"
#include "core/result.h"
#include "detect/correlate.h"
#include "detect/engine.h"
#include "detect/ruleset.h"

namespace wardsec::cluster {

struct CorrelateOptions {
  NatsOptions nats;
  ClickHouseOptions clickhouse;
  std::vector<std::string> rule_paths;
  std::string mapping;
  detect::LoadOptions load;
  uint32_t partition = 0, partitions = 1;
  size_t max_groups = 200000;
  int fetch = 32;
};

struct CorrelateStats {
  uint64_t batches = 0, events = 0, rule_matches = 0, hits = 0, alerts_written = 0, insert_errors = 0;
  uint64_t one_site = 0;  // hits within one site: that site raises them itself
  std::string last_error;
};

class RegionCorrelator {
 public:
  static Result<std::unique_ptr<RegionCorrelator>> open(CorrelateOptions o);
  ~RegionCorrelator();
  void run(const std::atomic<bool>& stop);
  CorrelateStats stats() const;
  size_t correlations() const { return set_->correlations().size(); }
  // The batch text's events through the rules and correlations; the alert rows (TSV) that fired.
  void feed(std::string_view batch_text, std::string& alert_rows);

 private:
  RegionCorrelator() = default;
  void alert_row(const detect::CorrelationHit& h, std::string& out);
  size_t write_hits(std::string& rows);  // the hits that span sites as alert rows; all hits counted
  std::string name_of(uint64_t id) const;
  CorrelateOptions o_;
  std::unique_ptr<detect::RuleSet> set_;
  std::unique_ptr<detect::Engine> engine_;
  std::unique_ptr<detect::Correlator> correlator_;
  std::unique_ptr<Nats> nats_;
  std::unique_ptr<PullConsumer> consumer_;
  std::unique_ptr<ClickHouse> ch_;
  // event ids the correlator holds -> "site:ref" (bounded: the oldest are forgotten)
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::string> names_;
  std::deque<uint64_t> order_;
  int64_t max_ts_ = 0;
  std::vector<detect::CorrelationHit> hits_;
  mutable std::mutex mu_;
  CorrelateStats st_;
};

// The DDL of the region's alert table (the sink makes the others).
Status ensure_alerts_table(ClickHouse& ch);

}  // namespace wardsec::cluster
