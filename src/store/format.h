// On-disk format of the event store (version 1). Little-endian, x86-64 and aarch64 only.
//
//   segment file  = SegmentHeader (64 bytes) then block records, appended only
//   block record  = BlockHeader (128 bytes) | index (bloom) | zstd(payload)
//   digest        = H(header bytes 0..95 | index | compressed payload), H = SM3 or SHA-256
//   header.prev   = digest of the previous block (across segments; zero for the first block)
//
// See docs/store-format.md for the payload encoding and the checkpoint log.
#pragma once
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "store/crypto.h"

namespace wardsec::store {

constexpr char kSegmentMagic[8] = {'W', 'S', 'S', 'E', 'G', '0', '0', '1'};
constexpr size_t kSegmentHeaderSize = 64;
constexpr uint32_t kBlockMagic = 0x4B4C4257;  // "WBLK"
constexpr size_t kBlockHeaderSize = 128;
constexpr size_t kDigestedHeaderBytes = 96;  // header bytes covered by the digest
constexpr uint32_t kMaxCompressed = 256u << 20;
constexpr uint32_t kMaxIndex = 64u << 20;
constexpr uint32_t kMaxRaw = 512u << 20;

struct SegmentHeader {
  uint64_t id = 0;
  uint64_t first_seq = 0;
  int64_t created = 0;
  DigestAlg alg = DigestAlg::kSm3;
};

struct BlockHeader {
  uint64_t seq = 0;
  uint32_t n_events = 0;
  uint32_t flags = 0;
  int64_t ts_min = 0;
  int64_t ts_max = 0;
  int64_t written = 0;
  uint32_t raw_len = 0;
  uint32_t comp_len = 0;
  uint32_t index_len = 0;
  Digest32 prev{};
  Digest32 digest{};
  uint64_t record_size() const { return kBlockHeaderSize + index_len + static_cast<uint64_t>(comp_len); }
};

void encode_segment_header(const SegmentHeader& h, char out[kSegmentHeaderSize]);
Result<SegmentHeader> decode_segment_header(std::string_view in);
void encode_block_header(const BlockHeader& h, char out[kBlockHeaderSize]);
// Checks magic and size limits only; digests are checked by the caller.
Result<BlockHeader> decode_block_header(std::string_view in);
Digest32 block_digest(DigestAlg alg, const char header[kBlockHeaderSize], std::string_view index, std::string_view payload);

std::string segment_file_name(uint64_t id);  // "seg-000001.wsg"
bool parse_segment_file_name(std::string_view name, uint64_t& id);

// A set of 64-bit keys (open addressing): the distinct bloom keys of one block.
class KeySet {
 public:
  KeySet() { slots_.assign(1 << 12, 0); }
  void insert(uint64_t k) {
    if (k == 0) k = 1;  // 0 marks an empty slot
    if ((n_ + 1) * 4 > slots_.size() * 3) grow();
    size_t mask = slots_.size() - 1, i = static_cast<size_t>(k * 0x9E3779B97F4A7C15ull >> 20) & mask;
    while (slots_[i]) {
      if (slots_[i] == k) return;
      i = (i + 1) & mask;
    }
    slots_[i] = k;
    n_++;
  }
  size_t size() const { return n_; }
  template <class F>
  void for_each(F f) const {
    for (uint64_t k : slots_)
      if (k) f(k);
  }
  void clear() {
    if (slots_.size() > (1u << 16))
      slots_.assign(1 << 12, 0);
    else
      std::fill(slots_.begin(), slots_.end(), 0);
    n_ = 0;
  }

 private:
  void grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, 0);
    n_ = 0;
    for (uint64_t k : old)
      if (k) insert(k);
  }
  std::vector<uint64_t> slots_;
  size_t n_ = 0;
};

// Bloom filter over lower-cased "field=value" keys and message tokens of one block.
class Bloom {
 public:
  static std::string build(const KeySet& keys);
  static bool may_contain(std::string_view index, uint64_t key);
};

// Bloom keys for an event, and the keys a query term needs.
void event_bloom_keys(const Event& ev, KeySet& keys);
uint64_t field_value_key(std::string_view field, std::string_view lower_value);
uint64_t token_key(std::string_view field, std::string_view lower_token);
// Splits text into lower-cased tokens (see contains_token_seq in core/strutil.h).
void tokenize_lower(std::string_view text, std::vector<std::string>& out);

// Block payload codec (see docs/store-format.md): the raw texts of all events first, then
// per-event metadata (times, flags, field references), then a dictionary of the short
// values parsers built (event.dataset, log.level...), then field names. Keeping like with
// like is what lets zstd compress the block well.
class PayloadEncoder {
 public:
  PayloadEncoder();
  ~PayloadEncoder();
  void add(const Event& ev);
  size_t size() const { return raws_.size() + shape_.size() + nums_.size() + inl_.size(); }
  uint32_t count() const { return count_; }
  std::string finish();  // resets
 private:
  struct Dict;
  std::string raws_, shape_, nums_, inl_;
  std::unique_ptr<Dict> dict_;
  std::vector<uint16_t> local_of_;  // global FieldId -> local index + 1 (0 = none)
  std::vector<FieldId> names_;
  uint32_t count_ = 0;
  int64_t prev_ts_ = 0, prev_received_ = 0;
};

Status decode_payload(std::string_view payload, std::vector<Event>& out);

}  // namespace wardsec::store
