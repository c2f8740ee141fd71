// `wardsec verify --clickhouse URL --site S --pubkey site.pub`: re-walks a site's batches as
// ClickHouse holds them (docs/cluster.md). Each batch's signature under the site's key, the
// chain from batch to batch, and the digest recomputed from the event rows themselves; the
// searched columns must agree with the fields they come from. Names the first batch that differs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/clickhouse.h"
#include "store/crypto.h"

namespace wardsec::cluster {

struct ClusterVerifyReport {
  std::string site;
  uint64_t batches = 0, events = 0, rows_outside = 0;
  std::vector<std::string> problems;  // each names a batch
  std::string first_bad;              // the first batch that differs ("" when intact)
  bool intact() const { return problems.empty(); }
  std::string summary() const;
};

Result<ClusterVerifyReport> verify_clickhouse(ClickHouse& ch, const std::string& site, const KeyPair& key);

}  // namespace wardsec::cluster
