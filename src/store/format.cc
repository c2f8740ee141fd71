#include "store/format.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "core/strutil.h"

namespace wardsec::store {
namespace {

template <class T>
void put(char* p, size_t off, T v) {
  std::memcpy(p + off, &v, sizeof v);
}
template <class T>
T get(const char* p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof v);
  return v;
}

}  // namespace

void encode_segment_header(const SegmentHeader& h, char out[kSegmentHeaderSize]) {
  std::memset(out, 0, kSegmentHeaderSize);
  std::memcpy(out, kSegmentMagic, 8);
  put<uint32_t>(out, 8, 1);  // version
  put<uint32_t>(out, 12, static_cast<uint32_t>(h.alg));
  put<uint64_t>(out, 16, h.id);
  put<uint64_t>(out, 24, h.first_seq);
  put<int64_t>(out, 32, h.created);
}

Result<SegmentHeader> decode_segment_header(std::string_view in) {
  if (in.size() < kSegmentHeaderSize) return Error{"segment header truncated"};
  if (std::memcmp(in.data(), kSegmentMagic, 8) != 0) return Error{"not a wardsec segment (bad magic)"};
  if (get<uint32_t>(in.data(), 8) != 1) return Error{"unsupported segment version"};
  SegmentHeader h;
  uint32_t alg = get<uint32_t>(in.data(), 12);
  if (alg != 1 && alg != 2) return Error{"unknown digest algorithm in segment header"};
  h.alg = static_cast<DigestAlg>(alg);
  h.id = get<uint64_t>(in.data(), 16);
  h.first_seq = get<uint64_t>(in.data(), 24);
  h.created = get<int64_t>(in.data(), 32);
  return h;
}

void encode_block_header(const BlockHeader& h, char out[kBlockHeaderSize]) {
  std::memset(out, 0, kBlockHeaderSize);
  put<uint32_t>(out, 0, kBlockMagic);
  put<uint32_t>(out, 4, static_cast<uint32_t>(kBlockHeaderSize));
  put<uint64_t>(out, 8, h.seq);
  put<uint32_t>(out, 16, h.n_events);
  put<uint32_t>(out, 20, h.flags);
  put<int64_t>(out, 24, h.ts_min);
  put<int64_t>(out, 32, h.ts_max);
  put<int64_t>(out, 40, h.written);
  put<uint32_t>(out, 48, h.raw_len);
  put<uint32_t>(out, 52, h.comp_len);
  put<uint32_t>(out, 56, h.index_len);
  std::memcpy(out + 64, h.prev.data(), 32);
  std::memcpy(out + 96, h.digest.data(), 32);
}

Result<BlockHeader> decode_block_header(std::string_view in) {
  if (in.size() < kBlockHeaderSize) return Error{"block header truncated"};
  const char* p = in.data();
  if (get<uint32_t>(p, 0) != kBlockMagic) return Error{"bad block magic"};
  if (get<uint32_t>(p, 4) != kBlockHeaderSize) return Error{"bad block header size"};
  BlockHeader h;
  h.seq = get<uint64_t>(p, 8);
  h.n_events = get<uint32_t>(p, 16);
  h.flags = get<uint32_t>(p, 20);
  h.ts_min = get<int64_t>(p, 24);
  h.ts_max = get<int64_t>(p, 32);
  h.written = get<int64_t>(p, 40);
  h.raw_len = get<uint32_t>(p, 48);
  h.comp_len = get<uint32_t>(p, 52);
  h.index_len = get<uint32_t>(p, 56);
  std::memcpy(h.prev.data(), p + 64, 32);
  std::memcpy(h.digest.data(), p + 96, 32);
  if (h.comp_len > kMaxCompressed || h.index_len > kMaxIndex || h.raw_len > kMaxRaw) return Error{"block sizes out of range"};
  return h;
}

Digest32 block_digest(DigestAlg alg, const char header[kBlockHeaderSize], std::string_view index, std::string_view payload) {
  Hasher h(alg);
  h.update(header, kDigestedHeaderBytes);
  h.update(index);
  h.update(payload);
  return h.finish();
}

std::string segment_file_name(uint64_t id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "seg-%06llu.wsg", static_cast<unsigned long long>(id));
  return buf;
}

bool parse_segment_file_name(std::string_view n, uint64_t& id) {
  if (!starts_with(n, "seg-") || n.size() < 9 || n.substr(n.size() - 4) != ".wsg") return false;
  return parse_u64(n.substr(4, n.size() - 8), id);
}

// ---- bloom ----------------------------------------------------------------------------
// index = u8 version(1) | u8 k | u32 nbits | bits     (10 bits a key, 7 probes: ~1% false hits)

std::string Bloom::build(const KeySet& keys) {
  uint64_t nbits = std::max<uint64_t>(256, keys.size() * 10);
  nbits = (nbits + 63) / 64 * 64;
  const uint8_t k = 7;
  std::string out(6 + nbits / 8, '\0');
  out[0] = 1;
  out[1] = static_cast<char>(k);
  uint32_t nb = static_cast<uint32_t>(nbits);
  std::memcpy(out.data() + 2, &nb, 4);
  auto* bits = reinterpret_cast<uint8_t*>(out.data() + 6);
  keys.for_each([&](uint64_t key) {
    uint32_t h1 = static_cast<uint32_t>(key), h2 = static_cast<uint32_t>(key >> 32) | 1;
    for (uint8_t i = 0; i < k; i++) {
      uint64_t b = (h1 + static_cast<uint64_t>(i) * h2) % nbits;
      bits[b / 8] |= static_cast<uint8_t>(1u << (b % 8));
    }
  });
  return out;
}

bool Bloom::may_contain(std::string_view index, uint64_t key) {
  if (key == 0) key = 1;                               // as KeySet stores it
  if (index.size() < 6 || index[0] != 1) return true;  // unknown index: cannot skip
  uint8_t k = static_cast<uint8_t>(index[1]);
  uint32_t nbits;
  std::memcpy(&nbits, index.data() + 2, 4);
  if (nbits == 0 || index.size() < 6 + nbits / 8) return true;
  auto* bits = reinterpret_cast<const uint8_t*>(index.data() + 6);
  uint32_t h1 = static_cast<uint32_t>(key), h2 = static_cast<uint32_t>(key >> 32) | 1;
  for (uint8_t i = 0; i < k; i++) {
    uint64_t b = (h1 + static_cast<uint64_t>(i) * h2) % nbits;
    if (!(bits[b / 8] & (1u << (b % 8)))) return false;
  }
  return true;
}

static constexpr uint64_t kValueSeed = 0x5eed, kTokenSeed = 0x70c3;

uint64_t field_value_key(std::string_view field, std::string_view lower_value) {
  return hash_lower_stream(lower_value.data(), lower_value.size(), hash64(field, kValueSeed));
}

uint64_t token_key(std::string_view field, std::string_view lower_token) {
  return hash_lower_stream(lower_token.data(), lower_token.size(), hash64(field, kTokenSeed));
}

void tokenize_lower(std::string_view text, std::vector<std::string>& out) {
  for_each_token(text, [&](size_t at, size_t len) { out.push_back(to_lower(text.substr(at, len))); });
}

namespace {

struct FieldSeeds {
  uint64_t value = 0, token = 0;
  FieldType type = FieldType::kKeyword;
  bool known = false;
};

// Per-thread cache of each field's hash seeds and type: no registry lock per event.
const FieldSeeds& seeds_of(FieldId id) {
  thread_local std::vector<FieldSeeds> cache;
  if (id >= cache.size()) cache.resize(static_cast<size_t>(id) + 64);
  FieldSeeds& s = cache[id];
  if (!s.known) {
    std::string_view name = FieldRegistry::name(id);
    s.value = hash64(name, kValueSeed);
    s.token = hash64(name, kTokenSeed);
    s.type = FieldRegistry::type(id);
    s.known = true;
  }
  return s;
}

}  // namespace

namespace {
void text_tokens(std::string_view v, uint64_t seed, KeySet& keys) {
  for_each_token(v, [&](size_t at, size_t len) {
    if (len <= 256) keys.insert(hash_lower_stream(v.data() + at, len, seed));
  });
}
}  // namespace

void event_bloom_keys(const Event& ev, KeySet& keys) {
  bool message = false;
  for (const auto& f : ev.fields) {
    std::string_view v = ev.value(f);
    const FieldSeeds& fs = seeds_of(f.id);
    if (fs.type == FieldType::kText) {
      text_tokens(v, fs.token, keys);
      message |= f.id == kMessage;
    } else if (v.size() <= 256) {
      keys.insert(hash_lower_stream(v.data(), v.size(), fs.value));
    }
  }
  // Free text searches the message, or the raw text of an event that has none (a JSON or XML
  // event): its tokens go in under "message" too, or the block would be skipped.
  if (!message) text_tokens(ev.raw, seeds_of(kMessage).token, keys);
}

// ---- payload ---------------------------------------------------------------------------
// Columns, each a run of varints or bytes, so zstd sees like next to like:
//   raws   all raw texts, back to back
//   shape  per event: nfields, then per field: local name, code
//          (code&3 == 0: slice of raw; 1: dictionary entry code>>2; 2: inline, length code>>2)
//   nums   per event: raw_len, zz(ts - prev ts), zz(received - prev received), flags, then
//          zz(offset - previous slice's offset) and length of each raw-slice field
//   inl    bytes of inline values
//   dict   count, then (len, bytes) per entry: short values the parsers built
// payload = raws | shape | nums | inl | dict | names | u32 x5 (sizes of the first five)

struct PayloadEncoder::Dict {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids;  // looked up by view: no allocation
  std::string table;
  uint32_t n = 0;
};

PayloadEncoder::PayloadEncoder() : dict_(std::make_unique<Dict>()) {}
PayloadEncoder::~PayloadEncoder() = default;

void PayloadEncoder::add(const Event& ev) {
  raws_.append(ev.raw);
  put_varint(nums_, ev.raw.size());
  put_varint(nums_, zigzag(wrap_sub(ev.ts, prev_ts_)));
  prev_ts_ = ev.ts;
  put_varint(nums_, zigzag(wrap_sub(ev.received, prev_received_)));
  prev_received_ = ev.received;
  put_varint(nums_, ev.flags);
  put_varint(shape_, ev.fields.size());
  int64_t prev_off = 0;
  for (const auto& f : ev.fields) {
    if (f.id >= local_of_.size()) local_of_.resize(f.id + 1, 0);
    if (!local_of_[f.id]) {
      names_.push_back(f.id);
      local_of_[f.id] = static_cast<uint16_t>(names_.size());
    }
    put_varint(shape_, local_of_[f.id] - 1);
    if (!f.in_extra) {
      put_varint(shape_, 0);
      put_varint(nums_, zigzag(wrap_sub(static_cast<int64_t>(f.off), prev_off)));
      put_varint(nums_, f.len);
      prev_off = f.off;
      continue;
    }
    std::string_view v = ev.value(f);
    if (v.size() <= 48) {
      auto it = dict_->ids.find(v);
      if (it == dict_->ids.end()) {
        it = dict_->ids.emplace(std::string(v), dict_->n).first;
        put_varint(dict_->table, v.size());
        dict_->table.append(v);
        dict_->n++;
      }
      put_varint(shape_, (static_cast<uint64_t>(it->second) << 2) | 1);
    } else {
      put_varint(shape_, (static_cast<uint64_t>(v.size()) << 2) | 2);
      inl_.append(v);
    }
  }
  count_++;
}

std::string PayloadEncoder::finish() {
  std::string dict;
  put_varint(dict, dict_->n);
  dict.append(dict_->table);
  std::string out;
  out.reserve(raws_.size() + shape_.size() + nums_.size() + inl_.size() + dict.size() + 256);
  out.append(raws_).append(shape_).append(nums_).append(inl_).append(dict);
  put_varint(out, names_.size());
  for (FieldId id : names_) {
    std::string_view n = FieldRegistry::name(id);
    put_varint(out, n.size());
    out.append(n);
  }
  uint32_t lens[5] = {static_cast<uint32_t>(raws_.size()), static_cast<uint32_t>(shape_.size()), static_cast<uint32_t>(nums_.size()),
                      static_cast<uint32_t>(inl_.size()), static_cast<uint32_t>(dict.size())};
  out.append(reinterpret_cast<const char*>(lens), sizeof lens);
  raws_.clear();
  shape_.clear();
  nums_.clear();
  inl_.clear();
  dict_->ids.clear();
  dict_->table.clear();
  dict_->n = 0;
  names_.clear();
  local_of_.assign(local_of_.size(), 0);
  count_ = 0;
  prev_ts_ = prev_received_ = 0;
  return out;
}

Status decode_payload(std::string_view p, std::vector<Event>& out) {
  constexpr size_t kTrailer = 5 * sizeof(uint32_t);
  if (p.size() < kTrailer) return Error{"payload too short"};
  uint32_t lens[5];
  std::memcpy(lens, p.data() + p.size() - kTrailer, kTrailer);
  uint64_t fixed = 0;
  for (uint32_t l : lens) fixed += l;
  if (fixed > p.size() - kTrailer) return Error{"payload section sizes out of range"};
  std::string_view sec[5];
  uint64_t at = 0;
  for (int i = 0; i < 5; i++) {
    sec[i] = p.substr(at, lens[i]);
    at += lens[i];
  }
  std::string_view raws = sec[0], shape = sec[1], nums = sec[2], inl = sec[3], dsec = sec[4];
  std::string_view names = p.substr(fixed, p.size() - kTrailer - fixed);
  std::vector<std::string_view> dict;
  uint64_t n;
  if (!get_varint(dsec, n) || n > dsec.size()) return Error{"bad dictionary"};
  dict.reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t len;
    if (!get_varint(dsec, len) || len > dsec.size()) return Error{"bad dictionary"};
    dict.push_back(dsec.substr(0, len));
    dsec.remove_prefix(len);
  }
  std::vector<FieldId> ids;
  if (!get_varint(names, n) || n > 65535) return Error{"bad names table"};
  ids.reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t len;
    if (!get_varint(names, len) || len > names.size()) return Error{"bad names table"};
    ids.push_back(FieldRegistry::intern(names.substr(0, len)));
    names.remove_prefix(len);
  }
  int64_t prev_ts = 0, prev_received = 0;
  while (!shape.empty()) {
    Event ev;
    uint64_t rlen, ts, drecv, flags, nf;
    if (!get_varint(nums, rlen) || rlen > raws.size() || !get_varint(nums, ts) || !get_varint(nums, drecv) || !get_varint(nums, flags) ||
        !get_varint(shape, nf) || nf > 65535)
      return Error{"bad event record"};
    ev.raw.assign(raws.substr(0, rlen));
    raws.remove_prefix(rlen);
    ev.ts = wrap_add(prev_ts, unzigzag(ts));
    prev_ts = ev.ts;
    ev.received = wrap_add(prev_received, unzigzag(drecv));
    prev_received = ev.received;
    ev.flags = static_cast<uint32_t>(flags);
    ev.fields.reserve(nf);
    int64_t prev_off = 0;
    for (uint64_t i = 0; i < nf; i++) {
      uint64_t local, code;
      if (!get_varint(shape, local) || !get_varint(shape, code) || local >= ids.size()) return Error{"bad field record"};
      FieldRef r{ids[local], 0, 0, 0};
      switch (code & 3) {
        case 0: {
          uint64_t zoff, len;
          if (!get_varint(nums, zoff) || !get_varint(nums, len)) return Error{"bad field record"};
          int64_t off = wrap_add(prev_off, unzigzag(zoff));
          if (off < 0 || static_cast<uint64_t>(off) + len > ev.raw.size()) return Error{"field out of range"};
          prev_off = off;
          r.off = static_cast<uint32_t>(off);
          r.len = static_cast<uint32_t>(len);
          break;
        }
        case 1: {
          uint64_t d = code >> 2;
          if (d >= dict.size()) return Error{"dictionary reference out of range"};
          r.in_extra = 1;
          r.off = static_cast<uint32_t>(ev.extra.size());
          r.len = static_cast<uint32_t>(dict[d].size());
          ev.extra.append(dict[d]);
          break;
        }
        case 2: {
          uint64_t len = code >> 2;
          if (len > inl.size()) return Error{"inline value out of range"};
          r.in_extra = 1;
          r.off = static_cast<uint32_t>(ev.extra.size());
          r.len = static_cast<uint32_t>(len);
          ev.extra.append(inl.substr(0, len));
          inl.remove_prefix(len);
          break;
        }
        default: return Error{"bad field code"};
      }
      if (r.id != kNoField) {
        ev.fields.push_back(r);
        ev.seen |= 1ull << (r.id % 64);
      }
    }
    out.push_back(std::move(ev));
  }
  return {};
}

}  // namespace wardsec::store
