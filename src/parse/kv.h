// Key=value pairs as vendors write them: `srcip=10.1.2.3 user="zhang san" status=failed`,
// `(SourceIP=10.1.1.1, UserName=admin)`, `user:admin;ip:1.2.3.4`. Used by the declarative
// device parsers (family.h) and by the fallback for lines no parser claims.
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace wardsec {

struct KvOptions {
  char assign = '=';                 // between key and value (also ':' for some vendors)
  std::string separators = " ,;\t";  // between pairs (any of them, repeated)
  std::string quotes = "\"'";        // a value may be quoted; \" inside is an escaped quote
  size_t max_pairs = 128;
};

struct KvPair {
  std::string key, value;
  bool quoted = false;
};

// The pairs of `s`, in order. A key is letters, digits, '_', '-', '.', or CJK text up to the
// assign char; an unquoted value runs to the next separator; a value that starts with a quote
// runs to the matching unescaped quote (an unterminated quote runs to the end). Text between
// pairs that is not key=value is skipped. Never throws; stops at max_pairs.
std::vector<KvPair> parse_kv(std::string_view s, const KvOptions& o = {});

// The same pairs without copying (the hot path: device families and the fallback). `key` and
// `value` point into `s`, except a quoted value with escapes, which is unescaped into a buffer of
// the thread's (valid until the next pair). A scanner is shared by the decode threads. `fn(key, value, quoted)` is called per pair; returns
// the count.
class KvScanner {
 public:
  explicit KvScanner(const KvOptions& o);
  template <class Fn>
  size_t each(std::string_view s, Fn&& fn) const {
    size_t n = 0, i = 0;
    std::string_view k, v;
    bool quoted = false;
    while (n < max_pairs_ && next(s, i, k, v, quoted)) {
      fn(k, v, quoted);
      n++;
    }
    return n;
  }

 private:
  bool next(std::string_view s, size_t& i, std::string_view& key, std::string_view& value, bool& quoted) const;
  char assign_;
  std::array<bool, 256> sep_{}, quote_{};
  size_t max_pairs_;
};

// Separated values as vendors write them (Palo Alto, Windows DHCP): a field in double quotes may
// hold the separator and "" inside is one quote; surrounding blanks of an unquoted field are kept.
// Stops at max_fields (the rest is not split).
std::vector<std::string> parse_csv(std::string_view s, char sep = ',', size_t max_fields = 512);

}  // namespace wardsec
