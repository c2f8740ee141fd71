#include "store/summary.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/strutil.h"
#include "store/store.h"

namespace wardsec::store {

namespace {

constexpr char kMagic[4] = {'W', 'F', 'S', '1'};
constexpr size_t kSectionHeader = 8;  // magic, u32 raw length

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using Tuple = std::array<uint32_t, kSummaryFieldCount>;
struct TupleHash {
  size_t operator()(const Tuple& t) const {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (uint32_t v : t) h = (h ^ v) * 0xff51afd7ed558ccdull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

bool get_string(std::string_view& in, std::string_view& s) {
  uint64_t n;
  if (!get_varint(in, n) || n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

// The narrowest width for ids up to `n`.
uint8_t width_for(size_t n) { return n < 0x100 ? 1 : n < 0x10000 ? 2 : 4; }

void put_id(std::string& out, uint8_t w, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian (format.h: x86-64 and aarch64 only)
  out.append(b, w);
}

// A column of n ids of the width its first byte says, each at most `max`.
bool get_column(std::string_view& in, size_t n, uint64_t max, std::string_view& col, uint8_t& w) {
  if (in.empty()) return false;
  w = static_cast<uint8_t>(in[0]);
  if ((w != 1 && w != 2 && w != 4) || n > (in.size() - 1) / w) return false;
  col = in.substr(1, n * w);
  in.remove_prefix(1 + n * w);
  if (max >= (w == 4 ? 0xffffffffull : (1ull << (8 * w)) - 1)) return true;
  for (size_t i = 0; i < n; i++)
    if (BlockSummary::read_id(col.data(), w, i) > max) return false;
  return true;
}

}  // namespace

int64_t floor_seconds(int64_t ns) {
  constexpr int64_t kSec = 1000000000;
  return ns / kSec - (ns % kSec < 0 ? 1 : 0);
}

const std::array<std::string_view, kSummaryFieldCount>& summary_fields() {
  static const std::array<std::string_view, kSummaryFieldCount> f = {"event.dataset", "host.name",    "source.ip",     "user.name",
                                                                     "event.outcome", "event.action", "labels.guessed"};
  return f;
}

struct SummaryBuilder::Impl {
  std::array<FieldId, kSummaryFieldCount> ids{};
  uint64_t id_bits = 0;  // 1 << (id % 64) of each id, to pass over other fields quickly
  // Per field: value -> id (1-based) and the values in id order. The last value seen is
  // remembered, since neighbouring events mostly share their dataset, host and outcome.
  struct Dict {
    std::unordered_map<std::string, uint32_t, SvHash, std::equal_to<>> ids;
    std::vector<const std::string*> values;  // in id order: the map's keys (nodes do not move)
    const std::string* last = nullptr;
    uint32_t last_id = 0;
    uint32_t id_of(std::string_view v) {  // a present value, even an empty one
      if (last && v == *last) return last_id;
      auto it = ids.find(v);
      if (it == ids.end()) {
        it = ids.emplace(std::string(v), static_cast<uint32_t>(values.size() + 1)).first;
        values.push_back(&it->first);
      }
      last = &it->first;
      return last_id = it->second;
    }
    void clear() {
      ids.clear();
      values.clear();
      last = nullptr;
      last_id = 0;
    }
  };
  std::array<Dict, kSummaryFieldCount> dicts;
  std::unordered_map<Tuple, uint32_t, TupleHash> tuple_ids;
  std::vector<Tuple> tuples;
  std::vector<uint64_t> counts;
};

SummaryBuilder::SummaryBuilder() { reset(); }

void SummaryBuilder::reset() {
  // The containers are cleared, not made again: a block's worth of values is allocated once.
  if (!impl_) {
    impl_ = std::make_unique<Impl>();
    for (size_t i = 0; i < kSummaryFieldCount; i++) {
      impl_->ids[i] = FieldRegistry::intern(summary_fields()[i]);
      impl_->id_bits |= 1ull << (impl_->ids[i] % 64);
    }
  }
  for (auto& d : impl_->dicts) d.clear();
  impl_->tuple_ids.clear();
  impl_->tuples.clear();
  impl_->counts.clear();
  tuple_of_.clear();
  times_.clear();
}

SummaryBuilder::~SummaryBuilder() = default;

void SummaryBuilder::add(const Event& ev) {
  // The first value of each field, as Query::matches reads it; 0 when the field is absent.
  Tuple t{};
  unsigned found = 0;
  for (const auto& f : ev.fields) {
    if (!(impl_->id_bits & (1ull << (f.id % 64)))) continue;
    for (size_t i = 0; i < kSummaryFieldCount; i++)
      if (f.id == impl_->ids[i] && !(found & (1u << i))) {
        found |= 1u << i;
        t[i] = impl_->dicts[i].id_of(ev.value(f));
      }
  }
  auto [it, fresh] = impl_->tuple_ids.try_emplace(t, static_cast<uint32_t>(impl_->tuples.size()));
  if (fresh) {
    impl_->tuples.push_back(t);
    impl_->counts.push_back(0);
  }
  impl_->counts[it->second]++;
  tuple_of_.push_back(it->second);
  times_.push_back(floor_seconds(ev.ts));
}

std::string SummaryBuilder::finish() {
  std::string out;
  out.reserve(times_.size() * 6 + 1024);
  put_varint(out, kSummaryFieldCount);
  for (size_t i = 0; i < kSummaryFieldCount; i++) {
    put_string(out, summary_fields()[i]);
    const auto& vals = impl_->dicts[i].values;
    put_varint(out, vals.size());
    for (const auto* v : vals) put_string(out, *v);
  }
  put_varint(out, impl_->tuples.size());
  for (size_t f = 0; f < kSummaryFieldCount; f++) {
    uint8_t w = width_for(impl_->dicts[f].values.size());
    out.push_back(static_cast<char>(w));
    for (const auto& t : impl_->tuples) put_id(out, w, t[f]);
  }
  for (uint64_t c : impl_->counts) put_varint(out, c);
  put_varint(out, times_.size());
  // Each tuple's seconds, ascending, as steps from the block's first second: no per-event
  // tuple ids are needed, and the steps are mostly zero.
  std::vector<uint32_t> start(impl_->tuples.size() + 1, 0);
  for (size_t t = 0; t < impl_->counts.size(); t++) start[t + 1] = start[t] + static_cast<uint32_t>(impl_->counts[t]);
  std::vector<int64_t> by_tuple(times_.size());
  std::vector<uint32_t> at(start.begin(), start.end() - 1);
  for (size_t i = 0; i < times_.size(); i++) by_tuple[at[tuple_of_[i]]++] = times_[i];
  int64_t base = times_.empty() ? 0 : *std::min_element(times_.begin(), times_.end());
  put_varint(out, zigzag(base));
  for (size_t t = 0; t + 1 < start.size(); t++) {
    std::sort(by_tuple.begin() + start[t], by_tuple.begin() + start[t + 1]);
    int64_t prev = base;
    for (uint32_t i = start[t]; i < start[t + 1]; i++) {
      put_varint(out, static_cast<uint64_t>(wrap_sub(by_tuple[i], prev)));
      prev = by_tuple[i];
    }
  }
  reset();
  return out;
}

Result<std::string> encode_summary_section(std::string_view raw, int level) {
  if (raw.size() > kMaxRaw) return Error{"block summary too large"};
  std::string out(kSectionHeader + ZSTD_compressBound(raw.size()), '\0');
  std::memcpy(out.data(), kMagic, 4);
  uint32_t len = static_cast<uint32_t>(raw.size());
  std::memcpy(out.data() + 4, &len, 4);
  size_t n = ZSTD_compress(out.data() + kSectionHeader, out.size() - kSectionHeader, raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) return Error{std::string("zstd: ") + ZSTD_getErrorName(n)};
  out.resize(kSectionHeader + n);
  return out;
}

std::string_view summary_section(std::string_view index) {
  // The bloom filter says its own length: [1][k][u32 bits][bits].
  if (index.size() < 6 || index[0] != 1) return {};
  uint32_t nbits;
  std::memcpy(&nbits, index.data() + 2, 4);
  size_t bloom = 6 + static_cast<size_t>(nbits / 8);
  if (index.size() < bloom + kSectionHeader || std::memcmp(index.data() + bloom, kMagic, 4) != 0) return {};
  return index.substr(bloom);
}

Result<BlockSummary> decode_summary(std::string_view section, uint32_t n_events) {
  auto bad = [](const std::string& what) { return Error{"block summary: " + what}; };
  if (section.size() < kSectionHeader || std::memcmp(section.data(), kMagic, 4) != 0) return bad("no summary section");
  uint32_t raw_len;
  std::memcpy(&raw_len, section.data() + 4, 4);
  if (raw_len > kMaxRaw) return bad("length " + std::to_string(raw_len) + " beyond the limit");
  BlockSummary s;
  auto raw = zstd_decompress(section.substr(kSectionHeader), raw_len);
  if (!raw) return bad(raw.error());
  s.raw = std::make_unique<std::string>(std::move(*raw));
  std::string_view in = *s.raw;
  uint64_t nfields;
  if (!get_varint(in, nfields) || nfields == 0 || nfields > 64) return bad("field count");
  s.values.resize(nfields);
  for (uint64_t f = 0; f < nfields; f++) {
    std::string_view name;
    uint64_t nvalues;
    if (!get_string(in, name) || !get_varint(in, nvalues) || nvalues > in.size()) return bad("field " + std::to_string(f));
    s.fields.push_back(name);
    s.values[f].resize(nvalues);
    for (auto& v : s.values[f])
      if (!get_string(in, v)) return bad("values of " + std::string(name));
  }
  uint64_t ntuples;
  if (!get_varint(in, ntuples) || ntuples > n_events || ntuples * (nfields + 1) > in.size()) return bad("tuple count");
  uint64_t sum = 0;
  s.ntuples = ntuples;
  s.columns.resize(nfields);
  s.widths.resize(nfields);
  for (uint64_t f = 0; f < nfields; f++)
    if (!get_column(in, ntuples, s.values[f].size(), s.columns[f], s.widths[f])) return bad("tuple values of " + std::string(s.fields[f]));
  s.tuple_counts.resize(ntuples);
  for (auto& c : s.tuple_counts) {
    if (!get_varint(in, c) || c == 0 || c > n_events) return bad("tuple counts");
    sum += c;
  }
  uint64_t nev;
  if (!get_varint(in, nev) || nev != n_events || sum != n_events) return bad("event count differs from the block's");
  s.nevents = n_events;
  s.event_bytes = in;
  return s;
}

Status BlockSummary::events(std::vector<uint32_t>& tuple, std::vector<int64_t>& seconds) const {
  auto bad = [](const std::string& what) { return Error{"block summary: " + what}; };
  std::string_view in = event_bytes;
  uint64_t base;
  if (!get_varint(in, base)) return bad("event times");
  tuple.resize(nevents);
  seconds.resize(nevents);
  size_t i = 0;
  for (size_t t = 0; t < ntuples; t++) {
    int64_t prev = unzigzag(base);
    for (uint64_t k = 0; k < tuple_counts[t]; k++, i++) {  // the counts add up to nevents (decode_summary)
      uint64_t step;
      if (!get_varint(in, step)) return bad("event times of tuple " + std::to_string(t));
      tuple[i] = static_cast<uint32_t>(t);
      seconds[i] = prev = wrap_add(prev, static_cast<int64_t>(step));
    }
  }
  if (!in.empty()) return bad(std::to_string(in.size()) + " bytes after the end");
  return {};
}

}  // namespace wardsec::store
