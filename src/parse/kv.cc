#include "parse/kv.h"

namespace wardsec {

namespace {

bool key_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
         c >= 0x80;  // UTF-8 bytes: Chinese keys (用户名=...)
}

}  // namespace

std::vector<KvPair> parse_kv(std::string_view s, const KvOptions& o) {
  std::vector<KvPair> out;
  size_t i = 0, n = s.size();
  auto is_sep = [&](char c) { return o.separators.find(c) != std::string::npos; };
  while (i < n && out.size() < o.max_pairs) {
    // The next key: a run of key characters directly followed by the assign char.
    size_t k = i;
    while (k < n && key_char(static_cast<unsigned char>(s[k]))) k++;
    if (k == i || k >= n || s[k] != o.assign) {
      // Not a pair here: skip this word and what separates it from the next.
      i = k == i ? i + 1 : k;
      continue;
    }
    KvPair p;
    p.key.assign(s.substr(i, k - i));
    size_t v = k + 1;
    if (v < n && o.quotes.find(s[v]) != std::string::npos) {
      char q = s[v];
      p.quoted = true;
      size_t j = v + 1;
      for (; j < n && s[j] != q; j++) {
        if (s[j] == '\\' && j + 1 < n && (s[j + 1] == q || s[j + 1] == '\\')) {
          p.value.push_back(s[++j]);
          continue;
        }
        p.value.push_back(s[j]);
      }
      i = j < n ? j + 1 : n;
    } else {
      size_t j = v;
      while (j < n && !is_sep(s[j])) j++;
      p.value.assign(s.substr(v, j - v));
      // A trailing ')' or ']' with no opening one in the value closes an enclosing group
      // ("(UserName=admin)"), not the value ("f(1)").
      while (!p.value.empty() && ((p.value.back() == ')' && p.value.find('(') == std::string::npos) ||
                                  (p.value.back() == ']' && p.value.find('[') == std::string::npos)))
        p.value.pop_back();
      i = j;
    }
    out.push_back(std::move(p));
    while (i < n && is_sep(s[i])) i++;
  }
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
    if (i == n) {  // a trailing separator: one more empty field
      out.emplace_back();
      break;
    }
  }
  return out;
}

}  // namespace wardsec
