// Runs a query over the store: skips blocks by time range and bloom index, decodes the rest.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "search/query.h"
#include "store/store.h"

namespace wardsec::search {

struct SearchOptions {
  int64_t from = std::numeric_limits<int64_t>::min();  // ns, inclusive
  int64_t to = std::numeric_limits<int64_t>::max();    // ns, exclusive
  size_t limit = 0;                                    // 0: no limit
  bool newest_first = false;
  // A search that must not run for ever (the API): stops at this time (ns since the epoch;
  // 0: none) or when *cancel becomes true (the client went away), and says so in stats.
  int64_t deadline = 0;
  const std::atomic<bool>* cancel = nullptr;
};

struct SearchStats {
  uint64_t blocks_total = 0, blocks_skipped = 0, blocks_read = 0, events_scanned = 0, matched = 0;
  bool timed_out = false, cancelled = false;  // stopped early by SearchOptions::deadline / cancel
  // Stored data the search could not read (a block failing its digest, bytes that are not a
  // block, a segment whose header is damaged): its events are not in the result. Each entry
  // names the segment, block and offset; at most 50 are kept, damaged_total counts them all.
  std::vector<std::string> damaged;
  uint64_t damaged_total = 0;
  void add_damaged(std::string what) {
    if (damaged.size() < 50) damaged.push_back(std::move(what));
    damaged_total++;
  }
};

// Calls on_match for each matching event (in store order, or newest first); stops early
// when on_match returns false or the limit is reached.
Status run_search(const std::string& data_dir, const Query& q, const SearchOptions& opt, const std::function<bool(const Event&)>& on_match,
                  SearchStats& stats);

// Visits, in store order or newest first, the blocks that may hold matches of `q` in
// [opt.from, opt.to) (by their time range and bloom index), counting them in `st`; stops when
// `visit` returns false, at opt.deadline or on opt.cancel (st says which). Damaged segments and
// bytes between blocks are added to st.damaged.
using BlockVisitor = std::function<bool(store::SegmentReader&, const store::SegmentInfo&, const store::BlockRef&)>;
Status visit_blocks(const std::string& data_dir, const Query& q, const SearchOptions& opt, SearchStats& st, const BlockVisitor& visit);
// True (and says which in st) when opt's deadline has passed or its cancel flag is set.
bool stop_now(const SearchOptions& opt, SearchStats& st);

// The event an alert refers to (StoreWriter::next_ref). Error when the block is gone
// (retention) or not sealed yet, naming which.
Result<Event> read_event_by_ref(const std::string& data_dir, uint64_t ref);

// One JSON object with ECS-style dotted keys. Text that is not UTF-8 is decoded as GB18030
// (common for Chinese devices) when that works, else invalid bytes become U+FFFD; the raw
// bytes stay untouched in the store either way.
std::string event_to_json(const Event& ev);
void json_escape(std::string_view s, std::string& out);
// UTF-8 text for display (see event_to_json).
std::string display_text(std::string_view s, bool* decoded_gbk = nullptr);

}  // namespace wardsec::search
