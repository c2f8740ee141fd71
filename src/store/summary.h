// A block's facet summary (docs/store-format.md, "Facet summary"): the few fields the search
// page counts (dataset, host, address, user, outcome, action, guessed labels) and every
// event's second, kept apart from the payload so /api/v1/search/stats can count a block exactly
// without decompressing its payload.
//
// It rides in the block's index after the bloom filter, so the block digest (and through the
// chain, the signed checkpoints) covers it like every other stored byte; blocks written before
// summaries existed simply have none and are decoded. Section layout:
//
//   "WFS1" | u32 raw length | zstd(raw)
//   raw = varint nfields, per field { name, varint nvalues, values }       (strings: varint length, bytes)
//         varint ntuples, per field { width w (1, 2 or 4), ntuples x w-byte value id (0: absent;
//                                         an empty value is a value) }, ntuples x varint count
//         varint nevents, zigzag varint base (the block's first second),
//         per tuple { count x varint step: its events' seconds, ascending, from base }
//
// Times are whole seconds (floor): a histogram whose range and bucket width are whole seconds
// places every event exactly. Grouped by tuple, they need no per-event tuple ids, and the
// steps are mostly zero or small, so the times cost little compressed.
//
// Ids are little-endian and of fixed width, so a reader takes any tuple's value of any field
// without parsing the rest.
//
// A tuple is one combination of the fields' values; an event's tuple says which combination
// it carries (the first value of each field, as Query::matches reads it).
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
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

// The whole second a time (ns) falls in, rounding down also before 1970.
int64_t floor_seconds(int64_t ns);

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
  std::unique_ptr<std::string> raw;  // decompressed; the views below point into it (also after a move)
  std::vector<std::string_view> fields;
  std::vector<std::vector<std::string_view>> values;  // per field; value id v is values[f][v - 1]
  size_t ntuples = 0;
  std::vector<std::string_view> columns;  // per field: ntuples ids of widths[field] bytes
  std::vector<uint8_t> widths;
  std::vector<uint64_t> tuple_counts;
  uint32_t value(size_t tuple, size_t field) const { return read_id(columns[field].data(), widths[field], tuple); }
  static uint32_t read_id(const char* col, uint8_t width, size_t i) {
    if (width == 1) return static_cast<uint8_t>(col[i]);
    if (width == 2) {
      uint16_t v;
      std::memcpy(&v, col + i * 2, 2);
      return v;
    }
    uint32_t v;
    std::memcpy(&v, col + i * 4, 4);
    return v;
  }
  // Each event's tuple and time in whole seconds (floor_seconds), grouped by tuple (not in
  // the block's order), decoded only when asked: a block that lies inside one bucket of a
  // histogram needs only the tuples' counts.
  Status events(std::vector<uint32_t>& tuple, std::vector<int64_t>& seconds) const;
  std::string_view event_bytes;  // after the event count, in `raw`
  uint32_t nevents = 0;
};

// Decodes a section (summary_section); every count, id and length is checked against the
// others and against `n_events` (the block header's), and an error names what is wrong.
Result<BlockSummary> decode_summary(std::string_view section, uint32_t n_events);

}  // namespace wardsec::store
