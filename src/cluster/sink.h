// `wardsec sink`: the durable pull consumer that moves batches from JetStream into ClickHouse
// (docs/cluster.md). Every sink shares the one consumer `sink`. For each fetch it checks which batches
// ClickHouse has already (a crash after the insert and before the acknowledgement must not
// insert twice), inserts the events and then the batch rows, and only then acknowledges.
// A batch that cannot be read, or whose signature fails under the site's key, is refused: it
// goes to the `rejected` table with the reason, and is acknowledged so it cannot block the rest.
// A status carries the site's signed head (head.h); each new head becomes a row of `heads`.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cluster/clickhouse.h"
#include "cluster/nats.h"
#include "core/result.h"
#include "store/crypto.h"

namespace wardsec::cluster {

struct SinkOptions {
  NatsOptions nats;
  ClickHouseOptions clickhouse;
  std::string keys_dir;    // <site>.pub for every site: batches are checked against them
  int fetch = 32;          // messages per fetch, inserted together
  int retention_days = 0;  // > 0: day partitions older than this are dropped
};

struct SinkStats {
  uint64_t batches = 0, events = 0, duplicates = 0, rejected = 0, statuses = 0, insert_errors = 0, fetches = 0;
  uint64_t partitions_dropped = 0;
  std::string last_error;
};

class Sink {
 public:
  static Result<std::unique_ptr<Sink>> open(SinkOptions o);
  ~Sink();
  void run(const std::atomic<bool>& stop);
  SinkStats stats() const;

 private:
  Sink() = default;
  struct Pending;
  Status handle(std::vector<NatsMsg>& msgs, const std::atomic<bool>& stop);
  Status insert_all(Pending& p);
  const KeyPair* key_of(const std::string& site, std::string& why);
  Status apply_retention();
  void reject(const NatsMsg& m, const std::string& reason, Pending& p);
  // The signed head a status carries: checked, and queued for `heads` when new. "" or why not.
  std::string take_head(const std::string& site, const nlohmann::json& status, Pending& p);
  SinkOptions o_;
  std::unique_ptr<Nats> nats_;
  std::unique_ptr<PullConsumer> consumer_;
  std::unique_ptr<ClickHouse> ch_;
  std::map<std::string, std::unique_ptr<KeyPair>> keys_;
  std::map<std::string, std::string> last_head_;  // site -> the head digest last inserted into `heads`
  mutable std::mutex mu_;
  SinkStats st_;
};

}  // namespace wardsec::cluster
