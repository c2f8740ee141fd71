// `wardsec collect`'s drainer: publishes what the site's own store holds to JetStream, in
// signed, chained batches, at its own pace (docs/cluster.md). Senders were acknowledged when
// their events were durable in that store; this only reads it, so a NATS or WAN outage grows
// the lag and loses nothing. The position (block, row, chain head) advances only on the
// stream's acknowledgement and is written atomically to <data>/cluster/position.
#pragma once
#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/nats.h"
#include "cluster/rows.h"
#include "core/result.h"
#include "store/crypto.h"

namespace wardsec::cluster {

// The site's log sources as its status reports them (ops/source_health.h).
struct SiteSources {
  uint64_t tracked = 0, silent = 0, abnormal = 0;
  std::vector<std::string> silent_names;  // the first kMaxSilentNames
  static constexpr size_t kMaxSilentNames = 20;
};

struct CollectorOptions {
  std::string site, hospital;
  std::string data_dir;  // the site's store
  std::string key_dir;   // its key (signs the batches)
  SignAlg sign = SignAlg::kSm2;
  DigestAlg digest = DigestAlg::kSm3;
  NatsOptions nats;
  size_t batch_events = 2000;
  size_t batch_bytes = 512u << 10;  // and never more than the server's max_payload
  int poll_ms = 200;
  int status_every_ms = 5000;
  std::function<SiteSources()> sources;  // unset: the status names no sources
};

struct CollectorStats {
  uint64_t published_events = 0, batches = 0, duplicates = 0, publish_errors = 0, damaged_blocks = 0;
  uint64_t next_block = 0, next_row = 0, behind_blocks = 0;
  double lag_seconds = 0;  // age (receive time) of the oldest event not yet published
  bool connected = false;
  std::string last_error;
  std::string head;  // the digest of the last batch published (hex; zeros before the first)
};

class Collector {
 public:
  static Result<std::unique_ptr<Collector>> open(CollectorOptions o);
  ~Collector();
  // Publishes until `stop`: everything sealed in the store, then waits for more.
  void run(const std::atomic<bool>& stop);
  // One pass: publishes what the store holds now. Errors (NATS away) leave the position as it was.
  Status drain(const std::atomic<bool>& stop);
  CollectorStats stats() const;
  std::string status_json() const;

 private:
  Collector() = default;
  Status load_position();
  Status save_position();
  Status publish_rows(std::vector<Row>& rows, uint64_t block, uint64_t next_row, bool block_done);
  void publish_status();
  bool publish_compliance();  // the site's 等保 summary (site_summary.h), every 10 minutes
  CollectorOptions o_;
  std::unique_ptr<KeyPair> key_;
  std::unique_ptr<Nats> nats_;
  bool stream_ready_ = false;
  std::string position_path_;
  // the position: the next event to publish, and the chain head after the last batch
  uint64_t block_ = 0, row_ = 0;
  std::string head_;
  mutable std::mutex mu_;
  CollectorStats st_;
};

}  // namespace wardsec::cluster
