#include "store/format.h"

#include <algorithm>
#include <cstdio>

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
  if (h.comp_len > kMaxCompressed || h.index_len > kMaxIndex || h.raw_len > kMaxRaw)
    return Error{"block sizes out of range"};
  return h;
}

Digest32 block_digest(DigestAlg alg, const char header[kBlockHeaderSize], std::string_view index,
                      std::string_view payload) {
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
// index = u8 version(1) | u8 k | u32 nbits | bits

std::string Bloom::build(std::vector<uint64_t>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  uint64_t nbits = std::max<uint64_t>(256, keys.size() * 10);
  nbits = (nbits + 63) / 64 * 64;
  const uint8_t k = 7;
  std::string out(6 + nbits / 8, '\0');
  out[0] = 1;
  out[1] = static_cast<char>(k);
  uint32_t nb = static_cast<uint32_t>(nbits);
  std::memcpy(out.data() + 2, &nb, 4);
  auto* bits = reinterpret_cast<uint8_t*>(out.data() + 6);
  for (uint64_t key : keys) {
    uint32_t h1 = static_cast<uint32_t>(key), h2 = static_cast<uint32_t>(key >> 32) | 1;
    for (uint8_t i = 0; i < k; i++) {
      uint64_t b = (h1 + static_cast<uint64_t>(i) * h2) % nbits;
      bits[b / 8] |= static_cast<uint8_t>(1u << (b % 8));
    }
  }
  return out;
}

bool Bloom::may_contain(std::string_view index, uint64_t key) {
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

uint64_t field_value_key(std::string_view field, std::string_view lower_value) {
  return hash64(lower_value, hash64(field, 0x5eed));
}

uint64_t token_key(std::string_view field, std::string_view lower_token) {
  return hash64(lower_token, hash64(field, 0x70c3));
}

void tokenize_lower(std::string_view text, std::vector<std::string>& out) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_token_char(static_cast<unsigned char>(text[i]))) i++;
    size_t s = i;
    while (i < text.size() && is_token_char(static_cast<unsigned char>(text[i]))) i++;
    if (i > s) out.push_back(to_lower(text.substr(s, i - s)));
  }
}

void event_bloom_keys(const Event& ev, std::vector<uint64_t>& keys) {
  thread_local std::string low;
  for (const auto& f : ev.fields) {
    std::string_view v = ev.value(f);
    std::string_view name = FieldRegistry::name(f.id);
    if (FieldRegistry::type(f.id) == FieldType::kText) {
      // Token keys; tokens are cut at 64 bytes, as in the query side.
      size_t i = 0;
      uint64_t seed = hash64(name, 0x70c3);
      while (i < v.size()) {
        while (i < v.size() && !is_token_char(static_cast<unsigned char>(v[i]))) i++;
        size_t s = i;
        while (i < v.size() && is_token_char(static_cast<unsigned char>(v[i]))) i++;
        if (i > s) {
          low.assign(v.substr(s, i - s));
          for (auto& c : low) c = lower_ascii(c);
          keys.push_back(hash64(low, seed));
        }
      }
    } else if (v.size() <= 256) {
      low.assign(v);
      for (auto& c : low) c = lower_ascii(c);
      keys.push_back(field_value_key(name, low));
    }
  }
}

// ---- payload ---------------------------------------------------------------------------

void PayloadEncoder::add(const Event& ev) {
  put_varint(buf_, zigzag(ev.ts));
  put_varint(buf_, zigzag(ev.received - ev.ts));
  put_varint(buf_, ev.flags);
  put_varint(buf_, ev.raw.size());
  buf_.append(ev.raw);
  put_varint(buf_, ev.extra.size());
  buf_.append(ev.extra);
  put_varint(buf_, ev.fields.size());
  for (const auto& f : ev.fields) {
    if (f.id >= local_of_.size()) local_of_.resize(f.id + 1, 0);
    if (!local_of_[f.id]) {
      names_.push_back(f.id);
      local_of_[f.id] = static_cast<uint16_t>(names_.size());
    }
    put_varint(buf_, local_of_[f.id] - 1);
    put_varint(buf_, (static_cast<uint64_t>(f.off) << 1) | f.in_extra);
    put_varint(buf_, f.len);
  }
  count_++;
}

std::string PayloadEncoder::finish() {
  std::string out;
  out.swap(buf_);
  uint32_t names_off = static_cast<uint32_t>(out.size());
  put_varint(out, names_.size());
  for (FieldId id : names_) {
    std::string_view n = FieldRegistry::name(id);
    put_varint(out, n.size());
    out.append(n);
  }
  char b[4];
  std::memcpy(b, &names_off, 4);
  out.append(b, 4);
  names_.clear();
  local_of_.assign(local_of_.size(), 0);
  count_ = 0;
  return out;
}

Status decode_payload(std::string_view p, std::vector<Event>& out) {
  if (p.size() < 4) return Error{"payload too short"};
  uint32_t names_off;
  std::memcpy(&names_off, p.data() + p.size() - 4, 4);
  if (names_off > p.size() - 4) return Error{"payload names offset out of range"};
  std::string_view names = p.substr(names_off, p.size() - 4 - names_off);
  std::vector<FieldId> ids;
  uint64_t n;
  if (!get_varint(names, n) || n > 65535) return Error{"bad names table"};
  ids.reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t len;
    if (!get_varint(names, len) || len > names.size()) return Error{"bad names table"};
    ids.push_back(FieldRegistry::intern(names.substr(0, len)));
    names.remove_prefix(len);
  }
  std::string_view in = p.substr(0, names_off);
  while (!in.empty()) {
    Event ev;
    uint64_t ts, drecv, flags, len, nf;
    if (!get_varint(in, ts) || !get_varint(in, drecv) || !get_varint(in, flags) || !get_varint(in, len) ||
        len > in.size())
      return Error{"bad event record"};
    ev.ts = unzigzag(ts);
    ev.received = ev.ts + unzigzag(drecv);
    ev.flags = static_cast<uint32_t>(flags);
    ev.raw.assign(in.substr(0, len));
    in.remove_prefix(len);
    if (!get_varint(in, len) || len > in.size()) return Error{"bad event record"};
    ev.extra.assign(in.substr(0, len));
    in.remove_prefix(len);
    if (!get_varint(in, nf) || nf > 65535) return Error{"bad event record"};
    ev.fields.reserve(nf);
    for (uint64_t i = 0; i < nf; i++) {
      uint64_t local, off, flen;
      if (!get_varint(in, local) || !get_varint(in, off) || !get_varint(in, flen) || local >= ids.size())
        return Error{"bad field record"};
      FieldRef r{ids[local], static_cast<uint8_t>(off & 1), static_cast<uint32_t>(off >> 1),
                 static_cast<uint32_t>(flen)};
      const std::string& base = r.in_extra ? ev.extra : ev.raw;
      if (static_cast<uint64_t>(r.off) + r.len > base.size()) return Error{"field out of range"};
      if (r.id != kNoField) ev.fields.push_back(r);
    }
    out.push_back(std::move(ev));
  }
  return {};
}

}  // namespace wardsec::store
