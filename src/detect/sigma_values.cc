// Sigma values: patterns and wildcards, the value modifiers (contains, startswith, base64,
// base64offset, utf16*, wide, windash, re with flags, cidr, numeric and time comparisons,
// exists, fieldref, expand) and what a value compiles to.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "core/timeutil.h"
#include "detect/sigma_internal.h"

namespace wardsec::detect::internal {

namespace {

// ---- values ------------------------------------------------------------------------------

std::vector<Matcher::Seg> parse_pattern(std::string_view v, bool cased, bool wildcards = true) {
  std::vector<Matcher::Seg> segs;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) segs.push_back({Matcher::Seg::kLit, cased ? lit : to_lower(lit)});
    lit.clear();
  };
  for (size_t i = 0; i < v.size(); i++) {
    char c = v[i];
    if (wildcards && c == '\\' && i + 1 < v.size() && (v[i + 1] == '*' || v[i + 1] == '?' || v[i + 1] == '\\')) {
      lit.push_back(v[++i]);
    } else if (wildcards && (c == '*' || c == '?')) {
      flush();
      segs.push_back({c == '*' ? Matcher::Seg::kStar : Matcher::Seg::kOne, {}});
    } else {
      lit.push_back(c);
    }
  }
  flush();
  return segs;
}

// UTF-8 to UTF-16 (LE or BE) bytes; invalid bytes pass through as single units.
std::string utf16(std::string_view s, bool le, bool bom) {
  std::string out;
  auto put = [&](uint16_t u) {
    if (le) {
      out.push_back(static_cast<char>(u & 0xff));
      out.push_back(static_cast<char>(u >> 8));
    } else {
      out.push_back(static_cast<char>(u >> 8));
      out.push_back(static_cast<char>(u & 0xff));
    }
  };
  if (bom) put(0xfeff);
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xf0 && i + 3 < s.size()) {
      cp = ((c & 7u) << 18) | ((s[i + 1] & 0x3fu) << 12) | ((s[i + 2] & 0x3fu) << 6) | (s[i + 3] & 0x3fu);
      n = 4;
    } else if (c >= 0xe0 && i + 2 < s.size()) {
      cp = ((c & 15u) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
      n = 3;
    } else if (c >= 0xc0 && i + 1 < s.size()) {
      cp = ((c & 31u) << 6) | (s[i + 1] & 0x3fu);
      n = 2;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(static_cast<uint16_t>(0xd800 + (cp >> 10)));
      put(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      put(static_cast<uint16_t>(cp));
    }
    i += n;
  }
  return out;
}

// The Sigma base64offset variants (as pySigma computes them).
std::vector<std::string> base64offset(std::string_view v) {
  static const size_t start[3] = {0, 2, 3};
  static const int end[3] = {0, -3, -2};
  std::vector<std::string> out;
  for (size_t i = 0; i < 3; i++) {
    std::string b = base64_encode(std::string(i, ' ') + std::string(v));
    int e = end[(v.size() + i) % 3];
    size_t stop = e == 0 ? b.size() : b.size() - static_cast<size_t>(-e);
    if (stop > start[i]) out.push_back(b.substr(start[i], stop - start[i]));
  }
  return out;
}

// Every dash-like character at the start of a word, in every variant (capped).
std::vector<std::string> windash(const std::string& v) {
  static const char* kDashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
  std::vector<size_t> pos;
  std::vector<size_t> len;
  for (size_t i = 0; i < v.size(); i++) {
    bool word_start = i == 0 || v[i - 1] == ' ';
    if (!word_start) continue;
    for (const char* d : kDashes) {
      size_t n = std::strlen(d);
      if (v.compare(i, n, d) == 0) {
        pos.push_back(i);
        len.push_back(n);
        break;
      }
    }
  }
  if (pos.empty()) return {v};
  if (pos.size() > 4) pos.resize(4), len.resize(4);
  std::vector<std::string> out;
  size_t total = 1;
  for (size_t k = 0; k < pos.size(); k++) total *= 5;
  for (size_t combo = 0; combo < total; combo++) {
    std::string r;
    size_t last = 0, c = combo;
    for (size_t k = 0; k < pos.size(); k++) {
      r.append(v, last, pos[k] - last);
      r.append(kDashes[c % 5]);
      c /= 5;
      last = pos[k] + len[k];
    }
    r.append(v, last, std::string::npos);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::optional<std::string> parse_mods(const std::vector<std::string>& names, Mods& m) {
  for (const auto& n : names) {
    if (n == "contains")
      m.contains = true;
    else if (n == "startswith")
      m.startswith = true;
    else if (n == "endswith")
      m.endswith = true;
    else if (n == "all")
      m.all = true;
    else if (n == "base64")
      m.base64 = true;
    else if (n == "base64offset")
      m.base64off = true;
    else if (n == "utf16le" || n == "wide")
      m.utf = 1;
    else if (n == "utf16be")
      m.utf = 2;
    else if (n == "utf16")
      m.utf = 3;
    else if (n == "windash")
      m.windash = true;
    else if (n == "re")
      m.re = true;
    else if (n == "i")
      m.re_i = true;
    else if (n == "m")
      m.re_m = true;
    else if (n == "s")
      m.re_s = true;
    else if (n == "cidr")
      m.cidr = true;
    else if (n == "exists")
      m.exists = true;
    else if (n == "cased")
      m.cased = true;
    else if (n == "fieldref")
      m.fieldref = true;
    else if (n == "expand")
      m.expand = true;
    else if (n == "neq")
      m.neq = true;
    else if (n == "minute")
      m.time_part = 1;
    else if (n == "hour")
      m.time_part = 2;
    else if (n == "day")
      m.time_part = 3;
    else if (n == "week")
      m.time_part = 4;
    else if (n == "month")
      m.time_part = 5;
    else if (n == "year")
      m.time_part = 6;
    else if (n == "lt" || n == "lte" || n == "gt" || n == "gte") {
      m.numeric = true;
      m.num = n == "lt" ? Matcher::kLt : n == "lte" ? Matcher::kLte : n == "gt" ? Matcher::kGt : Matcher::kGte;
    } else {
      return "unsupported modifier '" + n + "'";
    }
  }
  if ((m.re_i || m.re_m || m.re_s) && !m.re) return std::string("regex flags i/m/s need the 're' modifier");
  return std::nullopt;
}

std::optional<std::string> compile_value(const YAML::Node& node, const Mods& m, const LoadOptions& opt, std::vector<Matcher>& out) {
  if (node.IsNull()) {
    Matcher x;
    x.kind = Matcher::kNull;
    out.push_back(std::move(x));
    return std::nullopt;
  }
  if (!node.IsScalar()) return std::string("a value must be a string, number, boolean or null");
  std::string v = node.Scalar();
  if (m.exists) {
    Matcher x;
    x.kind = Matcher::kExists;
    std::string lv = to_lower(v);
    if (lv != "true" && lv != "false") return std::string("'exists' needs true or false");
    x.exists = lv == "true";
    out.push_back(std::move(x));
    return std::nullopt;
  }
  if (m.fieldref) {
    Matcher x;
    x.kind = Matcher::kFieldRef;
    x.other_field = v;
    x.cased = m.cased;
    out.push_back(std::move(x));
    return std::nullopt;
  }
  if (m.numeric || m.time_part) {
    // A number, compared (lt/lte/gt/gte, else equal) with the field's value or, with a time
    // modifier, with a part of the date in it.
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || !end || *end)
      return "'" + v + "' is not a number (" + (m.time_part ? "time modifiers compare a part of a date" : "lt/lte/gt/gte") + ")";
    Matcher x;
    x.kind = m.time_part ? Matcher::kTime : Matcher::kNumber;
    x.time_part = m.time_part;
    x.op = m.numeric ? m.num : Matcher::kEq;
    x.number = d;
    x.tz_sec = opt.tz_sec;
    x.source = v;
    out.push_back(std::move(x));
    return std::nullopt;
  }
  if (m.cidr) {
    Matcher x;
    x.kind = Matcher::kCidr;
    x.cidr = parse_cidr(v);
    if (!x.cidr) return "'" + v + "' is not a CIDR block";
    x.source = v;
    out.push_back(std::move(x));
    return std::nullopt;
  }
  if (m.re) {
    uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (m.re_i) flags |= PCRE2_CASELESS;
    if (m.re_m) flags |= PCRE2_MULTILINE;
    if (m.re_s) flags |= PCRE2_DOTALL;
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(v.data()), v.size(), flags, &err, &off, nullptr);
    if (!code) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(err, buf, sizeof buf);
      return "bad regular expression at offset " + std::to_string(off) + ": " + reinterpret_cast<char*>(buf);
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    Matcher x;
    x.kind = Matcher::kRegex;
    x.re_i = m.re_i;
    x.re_m = m.re_m;
    x.re_s = m.re_s;
    x.re = std::shared_ptr<void>(code, [](void* p) { pcre2_code_free(static_cast<pcre2_code*>(p)); });
    x.source = v;
    out.push_back(std::move(x));
    return std::nullopt;
  }
  // Strings: expand placeholders, windash, encodings, then wildcards.
  std::vector<std::string> vals{v};
  if (m.expand) {
    std::vector<std::string> next;
    for (const auto& s : vals) {
      size_t a = s.find('%'), b = a == std::string::npos ? a : s.find('%', a + 1);
      if (b == std::string::npos) {
        next.push_back(s);
        continue;
      }
      std::string name = s.substr(a + 1, b - a - 1);
      auto it = opt.placeholders.find(name);
      if (it == opt.placeholders.end()) return "placeholder %" + name + "% is not configured";
      for (const auto& rep : it->second) next.push_back(s.substr(0, a) + rep + s.substr(b + 1));
    }
    vals.swap(next);
  }
  if (m.windash) {
    std::vector<std::string> next;
    for (const auto& s : vals)
      for (auto& w : windash(s)) next.push_back(std::move(w));
    vals.swap(next);
  }
  bool encoded = m.utf || m.base64 || m.base64off;
  if (m.utf)
    for (auto& s : vals) s = utf16(s, m.utf != 2, m.utf == 3);
  if (m.base64) {
    for (auto& s : vals) s = base64_encode(s);
  } else if (m.base64off) {
    std::vector<std::string> next;
    for (const auto& s : vals)
      for (auto& b : base64offset(s)) next.push_back(std::move(b));
    vals.swap(next);
  }
  for (const auto& s : vals) {
    Matcher x;
    x.kind = Matcher::kPattern;
    // Encoded values are literal bytes; base64 is case-sensitive.
    x.cased = m.cased || m.base64 || m.base64off;
    x.segs = parse_pattern(s, x.cased, !encoded);
    bool contains = m.contains || m.base64off;
    if (contains || m.endswith) x.segs.insert(x.segs.begin(), {Matcher::Seg::kStar, {}});
    if (contains || m.startswith) x.segs.push_back({Matcher::Seg::kStar, {}});
    x.source = s;
    out.push_back(std::move(x));
  }
  return std::nullopt;
}

}  // namespace wardsec::detect::internal
