#include "parse/kv.h"

#include <algorithm>

namespace wardsec {

namespace {

bool key_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
         c >= 0x80;  // UTF-8 bytes: Chinese keys (用户名=...)
}

}  // namespace

KvScanner::KvScanner(const KvOptions& o) : assign_(o.assign), max_pairs_(o.max_pairs) {
  for (unsigned char c : o.separators) sep_[c] = true;
  for (unsigned char c : o.quotes) quote_[c] = true;
}

bool KvScanner::next(std::string_view s, size_t& i, std::string_view& key, std::string_view& value, bool& quoted) const {
  size_t n = s.size();
  auto is_sep = [&](char c) { return sep_[static_cast<unsigned char>(c)]; };
  while (i < n) {
    // The next key: a run of key characters directly followed by the assign char.
    size_t k = i;
    while (k < n && key_char(static_cast<unsigned char>(s[k]))) k++;
    if (k == i || k >= n || s[k] != assign_) {
      // Not a pair here: skip this word and what separates it from the next.
      i = k == i ? i + 1 : k;
      continue;
    }
    key = s.substr(i, k - i);
    size_t v = k + 1;
    quoted = v < n && quote_[static_cast<unsigned char>(s[v])];
    if (quoted) {
      char q = s[v];
      size_t j = v + 1;
      bool escaped = false;
      for (; j < n && s[j] != q; j++)
        if (s[j] == '\\' && j + 1 < n && (s[j + 1] == q || s[j + 1] == '\\')) {
          escaped = true;
          j++;
        }
      value = s.substr(v + 1, std::min(j, n) - v - 1);
      if (escaped) {  // \" and \\ stand for the character after the backslash
        thread_local std::string scratch;
        scratch.clear();
        for (size_t x = 0; x < value.size(); x++) {
          if (value[x] == '\\' && x + 1 < value.size() && (value[x + 1] == q || value[x + 1] == '\\')) x++;
          scratch.push_back(value[x]);
        }
        value = scratch;
      }
      i = j < n ? j + 1 : n;
    } else {
      size_t j = v;
      while (j < n && !is_sep(s[j])) j++;
      value = s.substr(v, j - v);
      // A trailing ')' or ']' with no opening one in the value closes an enclosing group
      // ("(UserName=admin)"), not the value ("f(1)").
      while (!value.empty() && ((value.back() == ')' && value.find('(') == std::string_view::npos) ||
                                (value.back() == ']' && value.find('[') == std::string_view::npos)))
        value.remove_suffix(1);
      i = j;
    }
    while (i < n && is_sep(s[i])) i++;
    return true;
  }
  return false;
}

std::vector<KvPair> parse_kv(std::string_view s, const KvOptions& o) {
  std::vector<KvPair> out;
  KvScanner(o).each(s, [&](std::string_view k, std::string_view v, bool quoted) {
    out.push_back({std::string(k), std::string(v), quoted});
  });
  return out;
}

std::vector<std::string> parse_csv(std::string_view s, char sep, size_t max_fields) {
  std::vector<std::string> out;
  size_t i = 0, n = s.size();
  while (out.size() < max_fields) {
    std::string f;
    if (i < n && s[i] == '"') {
      i++;
      while (i < n) {
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            f += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        f += s[i++];
      }
      while (i < n && s[i] != sep) i++;  // text after the closing quote is dropped
    } else {
      size_t e = s.find(sep, i);
      if (e == std::string_view::npos) e = n;
      f.assign(s.substr(i, e - i));
      i = e;
    }
    out.push_back(std::move(f));
    if (i >= n) break;
    i++;           // the separator
    if (i == n) {  // a trailing separator: one more empty field (within max_fields)
      if (out.size() < max_fields) out.emplace_back();
      break;
    }
  }
  return out;
}

}  // namespace wardsec
