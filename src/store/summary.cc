#include "store/summary.h"

#include <zstd.h>

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

}  // namespace

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
    std::vector<std::string> values;
    std::string last;
    uint32_t last_id = 0;
    uint32_t id_of(std::string_view v) {  // a present value, even an empty one
      if (last_id && v == last) return last_id;
      auto it = ids.find(v);
      uint32_t id;
      if (it != ids.end()) {
        id = it->second;
      } else {
        values.emplace_back(v);
        id = static_cast<uint32_t>(values.size());
        ids.emplace(values.back(), id);
      }
      last.assign(v);
      last_id = id;
      return id;
    }
  };
  std::array<Dict, kSummaryFieldCount> dicts;
  std::unordered_map<Tuple, uint32_t, TupleHash> tuple_ids;
  std::vector<Tuple> tuples;
  std::vector<uint64_t> counts;
};

SummaryBuilder::SummaryBuilder() { reset(); }

void SummaryBuilder::reset() {
  impl_ = std::make_unique<Impl>();
  for (size_t i = 0; i < kSummaryFieldCount; i++) {
    impl_->ids[i] = FieldRegistry::intern(summary_fields()[i]);
    impl_->id_bits |= 1ull << (impl_->ids[i] % 64);
  }
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
  times_.push_back(ev.ts);
}

std::string SummaryBuilder::finish() {
  std::string out;
  out.reserve(times_.size() * 6 + 1024);
  put_varint(out, kSummaryFieldCount);
  for (size_t i = 0; i < kSummaryFieldCount; i++) {
    put_string(out, summary_fields()[i]);
    const auto& vals = impl_->dicts[i].values;
    put_varint(out, vals.size());
    for (const auto& v : vals) put_string(out, v);
  }
  put_varint(out, impl_->tuples.size());
  for (size_t t = 0; t < impl_->tuples.size(); t++) {
    for (uint32_t v : impl_->tuples[t]) put_varint(out, v);
    put_varint(out, impl_->counts[t]);
  }
  put_varint(out, times_.size());
  for (uint32_t t : tuple_of_) put_varint(out, t);
  int64_t prev = 0;
  for (int64_t ts : times_) {
    put_varint(out, zigzag(wrap_sub(ts, prev)));
    prev = ts;
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
  s.raw = std::move(*raw);
  std::string_view in = s.raw;
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
  uint64_t ntuples, sum = 0;
  if (!get_varint(in, ntuples) || ntuples > n_events || ntuples * (nfields + 1) > in.size()) return bad("tuple count");
  s.ntuples = ntuples;
  s.tuple_values.resize(ntuples * nfields);
  s.tuple_counts.resize(ntuples);
  for (uint64_t t = 0; t < ntuples; t++) {
    for (uint64_t f = 0; f < nfields; f++) {
      uint64_t v;
      if (!get_varint(in, v) || v > s.values[f].size()) return bad("tuple " + std::to_string(t) + ": value id");
      s.tuple_values[t * nfields + f] = static_cast<uint32_t>(v);
    }
    uint64_t c;
    if (!get_varint(in, c) || c == 0 || c > n_events) return bad("tuple " + std::to_string(t) + ": count");
    s.tuple_counts[t] = c;
    sum += c;
  }
  uint64_t nev;
  if (!get_varint(in, nev) || nev != n_events || sum != n_events) return bad("event count differs from the block's");
  s.event_tuple.resize(nev);
  std::vector<uint64_t> seen(ntuples, 0);
  for (auto& t : s.event_tuple) {
    uint64_t v;
    if (!get_varint(in, v) || v >= ntuples) return bad("event tuple");
    t = static_cast<uint32_t>(v);
    seen[v]++;
  }
  if (seen != s.tuple_counts) return bad("tuple counts differ from the events'");
  s.event_ts.resize(nev);
  int64_t prev = 0;
  for (auto& ts : s.event_ts) {
    uint64_t d;
    if (!get_varint(in, d)) return bad("event time");
    ts = prev = wrap_add(prev, unzigzag(d));
  }
  if (!in.empty()) return bad(std::to_string(in.size()) + " bytes after the end");
  return s;
}

}  // namespace wardsec::store
