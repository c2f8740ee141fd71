// Small string helpers used by parsers and search. All work on views, none allocate
// unless they return a std::string.
#pragma once
#include <emmintrin.h>

#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wardsec {

inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }
// Standard base64 (RFC 4648) with padding.
std::string base64_encode(std::string_view in);
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
// ASCII letters and digits only (std::isalnum is a locale call, and takes no negative char).
inline bool is_alnum_ascii(char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
inline char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline std::string to_lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = lower_ascii(c);
  return r;
}
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  return true;
}
// The parts of a `sep`-separated list, empty parts included ("" is one empty part): the
// comma-joined multi-value fields (web.attack.classes, db.alert.kind, db.sql.tables).
inline std::vector<std::string_view> split_view(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t i = 0;;) {
    size_t e = s.find(sep, i);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(i, e - i));
    if (e == s.size()) return out;
    i = e + 1;
  }
}
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n' || s.back() == '\0'))
    s.remove_suffix(1);
  return s;
}
// Parses a non-negative decimal; false on empty, non-digits or overflow.
inline bool parse_u64(std::string_view s, uint64_t& v) {
  if (s.empty() || s.size() > 19) return false;
  v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}
inline bool parse_i64(std::string_view s, int64_t& v) {
  bool neg = !s.empty() && s[0] == '-';
  uint64_t u;
  if (!parse_u64(neg ? s.substr(1) : s, u)) return false;
  v = neg ? -static_cast<int64_t>(u) : static_cast<int64_t>(u);
  return true;
}
// Text after `key` up to the next space (or end). Empty view if key absent.
inline std::string_view value_after(std::string_view s, std::string_view key, char stop = ' ') {
  size_t p = s.find(key);
  if (p == std::string_view::npos) return {};
  s = s.substr(p + key.size());
  size_t e = s.find(stop);
  return e == std::string_view::npos ? s : s.substr(0, e);
}

// Case-insensitive, whole-token search: `needle` (already lower case) occurs in `hay` with a
// non-token character (or the edge) on both sides. Tokens are runs of [A-Za-z0-9_] and bytes
// >= 0x80 (so Chinese text forms tokens too).
struct TokenTable {
  bool t[256];
  constexpr TokenTable() : t() {
    for (int c = 0; c < 256; c++)
      t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
  }
};
inline constexpr TokenTable kTokenTable{};
inline bool is_token_char(unsigned char c) { return kTokenTable.t[c]; }

// The token characters of 16 bytes as a bit mask (bit i: byte i), with SSE2 (every x86-64).
inline uint32_t token_mask16(const char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));  // signed compares as unsigned ranges
  auto in_range = [&](__m128i x, char lo, char hi) {
    __m128i xs = _mm_xor_si128(x, bias);
    __m128i los = _mm_set1_epi8(static_cast<char>(lo ^ 0x80)), his = _mm_set1_epi8(static_cast<char>(hi ^ 0x80));
    return _mm_andnot_si128(_mm_or_si128(_mm_cmplt_epi8(xs, los), _mm_cmpgt_epi8(xs, his)), _mm_set1_epi8(-1));
  };
  __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
  __m128i digit = in_range(v, '0', '9');
  __m128i under = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
  uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), under)));
  return m | static_cast<uint32_t>(_mm_movemask_epi8(v));  // bytes >= 0x80
}

// Calls f(offset, length) for each token of `s` (a maximal run of token characters), in
// order; 16 bytes at a time where it can.
template <class F>
void for_each_token(std::string_view s, F&& f) {
  const char* p = s.data();
  size_t n = s.size(), i = 0, start = SIZE_MAX;
  for (; i + 16 <= n; i += 16) {
    uint32_t m = token_mask16(p + i);
    if (m == 0xffff && start != SIZE_MAX) continue;  // inside a long token
    uint32_t pos = 0;
    while (pos < 16) {
      if (start == SIZE_MAX) {
        uint32_t on = m >> pos;
        if (!on) break;
        pos += static_cast<uint32_t>(__builtin_ctz(on));
        start = i + pos;
      }
      uint32_t off = (~m & 0xffffu) >> pos;
      if (!off) break;
      pos += static_cast<uint32_t>(__builtin_ctz(off));
      f(start, i + pos - start);
      start = SIZE_MAX;
    }
  }
  for (; i < n; i++) {
    bool t = is_token_char(static_cast<unsigned char>(p[i]));
    if (t && start == SIZE_MAX) start = i;
    if (!t && start != SIZE_MAX) {
      f(start, i - start);
      start = SIZE_MAX;
    }
  }
  if (start != SIZE_MAX) f(start, n - start);
}

// Case-insensitive (ASCII) hash of `n` bytes, computed in one pass: the store's bloom index
// and the query side must agree, so this is on disk too (bump the block format to change it).
// Lower-cases the ASCII letters of 8 bytes at once (other bytes, UTF-8 included, unchanged).
inline uint64_t lower_ascii8(uint64_t w) {
  uint64_t low7 = w & 0x7f7f7f7f7f7f7f7full;
  uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3full;  // high bit set where byte >= 'A'
  uint64_t gt_z = low7 + 0x2525252525252525ull;  // high bit set where byte > 'Z'
  uint64_t upper = ~w & (ge_a ^ gt_z) & 0x8080808080808080ull;
  return w | (upper >> 2);
}
inline uint64_t mix128(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t hash_lower_stream(const char* p, size_t n, uint64_t seed) {
  uint64_t h = seed ^ 0xa0761d6478bd642full ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = mix128(h ^ lower_ascii8(w), 0xe7037ed1a0b428dbull);
  }
  if (i < n) {
    uint64_t w = 0;
    for (size_t k = 0; i + k < n; k++) w |= static_cast<uint64_t>(static_cast<unsigned char>(p[i + k])) << (8 * k);
    h = mix128(h ^ lower_ascii8(w), 0x8ebc6af09c88c6e3ull);
  }
  return mix128(h, 0x589965cc75374cc3ull ^ n);
}
bool contains_token_seq(std::string_view hay, std::string_view lower_needle);
bool icontains(std::string_view hay, std::string_view lower_needle);

// Glob with * and ?, case-insensitive (pattern already lower case).
bool glob_match(std::string_view s, std::string_view lower_pattern);

bool valid_utf8(std::string_view s);
// Offset of the first byte that is not valid UTF-8, or npos.
size_t utf8_error_offset(std::string_view s);

// 64-bit hash (wyhash-style mixing); stable across runs and builds: it is on disk in the
// block index, so never change it without bumping the block format version.
uint64_t hash64(const void* data, size_t len, uint64_t seed = 0);
inline uint64_t hash64(std::string_view s, uint64_t seed = 0) { return hash64(s.data(), s.size(), seed); }

// IP addresses as 16 bytes (IPv4 mapped into ::ffff:0:0/96).
struct IpAddr {
  std::array<uint8_t, 16> b{};
  bool v4 = false;
};
std::optional<IpAddr> parse_ip(std::string_view s);
bool looks_like_ip(std::string_view s);
// CIDR "10.0.0.0/8" or "fe80::/10"; a bare address is a /32 or /128.
struct Cidr {
  IpAddr net;
  int bits = 0;  // prefix length in the 128-bit space
  bool contains(const IpAddr& a) const;
};
std::optional<Cidr> parse_cidr(std::string_view s);

// Varints (LEB128) for the store's formats.
inline void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
inline bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    uint8_t c = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(c & 0x7f) << shift;
    if (!(c & 0x80)) return true;
  }
  return false;
}
inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }
// Deltas between stored integers wrap modulo 2^64, so any pair round-trips and no input (a
// crafted segment, a timestamp at either end of the range) is signed overflow.
inline int64_t wrap_sub(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)); }
inline int64_t wrap_add(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }

std::string hex(const void* data, size_t len);
bool unhex(std::string_view s, std::string& out);

}  // namespace wardsec
