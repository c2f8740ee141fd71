// Exact statistics of a search: matches over time and the values of a few fields, counted
// over every match in the range. A block whose facet summary (store/summary.h) holds every
// field the query and the facets name is counted from the summary alone: the query is
// evaluated once per distinct combination of values in the block, not per event. Other
// blocks (written before summaries, or a query naming other fields or free text) are decoded.
// Summaries keep events' times in whole seconds: a range or buckets that do not start on a
// whole second are counted exactly too, by decoding the blocks that straddle a boundary
// (DateHistogram::seconds makes buckets that never need it).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "search/aggregate.h"
#include "search/query.h"
#include "search/search.h"

namespace wardsec::search {

struct StatsResult {
  explicit StatsResult(DateHistogram h) : hist(std::move(h)) {}
  DateHistogram hist;
  std::vector<Terms> facets;  // one per requested field, values as display text
  uint64_t matched = 0;
  int64_t oldest = 0;  // the oldest match counted (ns; 0: none)
  uint64_t blocks_summarised = 0, blocks_decoded = 0;
  bool facets_complete = true;  // false when a field had more distinct values than counted
  SearchStats st;
};

// Counts the matches of `q` in [opt.from, opt.to) into `out.hist` (whose buckets the caller
// chose) and the values of `fields` (at most `max_values` distinct values each). Blocks are
// visited newest first; opt.deadline and opt.cancel stop the count early (out.st says so).
Status run_stats(const std::string& data_dir, const Query& q, const SearchOptions& opt, const std::vector<std::string>& fields,
                 StatsResult& out, size_t max_values = 200000);

}  // namespace wardsec::search
