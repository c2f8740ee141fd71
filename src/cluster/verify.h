// `wardsec verify --clickhouse URL --site S --pubkey site.pub`: re-walks a site's batches as
// ClickHouse holds them (docs/cluster.md). Each batch's signature under the site's key, the
// chain from batch to batch, and the digest recomputed from the event rows themselves; the
// searched columns must agree with the fields they come from. Names the first batch that differs.
// Then the site's signed heads (head.h): the newest one that has been in ClickHouse for
// `settle_seconds` (its batch may still be on its way before that) must name a batch ClickHouse
// holds, or the newest batches were deleted; a head row that is not the site's is forged.
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
  uint64_t heads = 0;                 // signed heads read
  int64_t anchor_at = 0;              // the head the chain was held against (0: none settled yet)
  bool intact() const { return problems.empty(); }
  std::string summary() const;
};

Result<ClusterVerifyReport> verify_clickhouse(ClickHouse& ch, const std::string& site, const KeyPair& key, int settle_seconds = 120);

}  // namespace wardsec::cluster
