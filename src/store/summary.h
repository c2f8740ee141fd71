// A block's facet summary (docs/store-format.md, "Facet summary"): the few fields the search
// page counts (dataset, host, address, user, outcome, action, guessed labels) and every
// event's time, kept apart from the payload so /api/v1/search/stats can count a block exactly
// without decompressing its payload.
//
// It rides in the block's index after the bloom filter, so the block digest (and through the
// chain, the signed checkpoints) covers it like every other stored byte; blocks written before
// summaries existed simply have none and are decoded. Section layout:
//
//   "WFS1" | u32 raw length | zstd(raw)
//   raw = varint nfields, per field { name, varint nvalues, values }       (strings: varint length, bytes)
//         varint ntuples, per tuple { nfields x varint value id (0: absent; an empty value is
//                                         a value), varint count }
//         varint nevents, nevents x varint tuple, nevents x zigzag varint time delta (from 0)
//
// A tuple is one combination of the fields' values; an event's tuple says which combination
// it carries (the first value of each field, as Query::matches reads it).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/result.h"

namespace wardsec::store {

constexpr size_t kSummaryFieldCount = 7;
// The fields every block summarises, in order.
const std::array<std::string_view, kSummaryFieldCount>& summary_fields();

class SummaryBuilder {
 public:
  SummaryBuilder();
  ~SummaryBuilder();
  void add(const Event& ev);
  uint32_t count() const { return static_cast<uint32_t>(times_.size()); }
  // The raw (uncompressed) encoding of what was added; resets.
  std::string finish();

 private:
  void reset();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<uint32_t> tuple_of_;
  std::vector<int64_t> times_;
};

// The section to append to a block's index: magic, length and the zstd frame of `raw`.
Result<std::string> encode_summary_section(std::string_view raw, int level);
// The summary section after a bloom filter in a block's index; empty when the block has none.
std::string_view summary_section(std::string_view index);

struct BlockSummary {
  std::string raw;  // decompressed; the views below point into it
  std::vector<std::string_view> fields;
  std::vector<std::vector<std::string_view>> values;  // per field; value id v is values[f][v - 1]
  size_t ntuples = 0;
  std::vector<uint32_t> tuple_values;  // ntuples x fields.size(), row by row
  std::vector<uint64_t> tuple_counts;
  std::vector<uint32_t> event_tuple;
  std::vector<int64_t> event_ts;
  uint32_t value(size_t tuple, size_t field) const { return tuple_values[tuple * fields.size() + field]; }
};

// Decodes a section (summary_section); every count, id and length is checked against the
// others and against `n_events` (the block header's), and an error names what is wrong.
Result<BlockSummary> decode_summary(std::string_view section, uint32_t n_events);

}  // namespace wardsec::store
