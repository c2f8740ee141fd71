#include "detect/sigma.h"

#include "core/timeutil.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <unordered_map>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace wardsec::detect {

std::string LoadError::to_string() const {
  return file + (line ? ":" + std::to_string(line) : std::string()) + ": " + reason;
}

namespace {

struct RuleError {
  int line;
  std::string reason;
};

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

// Glob match of segments against text (text lower-cased by the caller unless cased).
bool match_segs(const std::vector<Matcher::Seg>& segs, size_t si, std::string_view t) {
  while (si < segs.size()) {
    const auto& s = segs[si];
    if (s.type == Matcher::Seg::kLit) {
      if (t.substr(0, s.text.size()) != s.text) return false;
      t.remove_prefix(s.text.size());
      si++;
    } else if (s.type == Matcher::Seg::kOne) {
      if (t.empty()) return false;
      t.remove_prefix(1);
      si++;
    } else {
      // Star: collapse consecutive stars, then try every split (anchor on the next literal).
      while (si < segs.size() && segs[si].type == Matcher::Seg::kStar) si++;
      if (si == segs.size()) return true;
      if (segs[si].type == Matcher::Seg::kLit) {
        const std::string& lit = segs[si].text;
        size_t pos = 0;
        while ((pos = t.find(lit, pos)) != std::string_view::npos) {
          if (match_segs(segs, si, t.substr(pos))) return true;
          pos++;
        }
        return false;
      }
      for (size_t k = 0; k <= t.size(); k++)
        if (match_segs(segs, si, t.substr(k))) return true;
      return false;
    }
  }
  return t.empty();
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

struct Mods {
  bool contains = false, startswith = false, endswith = false, all = false, base64 = false, base64off = false,
       re = false, re_i = false, re_m = false, re_s = false, cidr = false, exists = false, cased = false,
       fieldref = false, expand = false, windash = false, neq = false;
  int utf = 0;  // 1 le, 2 be, 3 with bom
  int time_part = 0;  // Matcher::time_part
  Matcher::Op num = Matcher::kEq;
  bool numeric = false;
};

std::optional<std::string> parse_mods(const std::vector<std::string>& names, Mods& m) {
  for (const auto& n : names) {
    if (n == "contains") m.contains = true;
    else if (n == "startswith") m.startswith = true;
    else if (n == "endswith") m.endswith = true;
    else if (n == "all") m.all = true;
    else if (n == "base64") m.base64 = true;
    else if (n == "base64offset") m.base64off = true;
    else if (n == "utf16le" || n == "wide") m.utf = 1;
    else if (n == "utf16be") m.utf = 2;
    else if (n == "utf16") m.utf = 3;
    else if (n == "windash") m.windash = true;
    else if (n == "re") m.re = true;
    else if (n == "i") m.re_i = true;
    else if (n == "m") m.re_m = true;
    else if (n == "s") m.re_s = true;
    else if (n == "cidr") m.cidr = true;
    else if (n == "exists") m.exists = true;
    else if (n == "cased") m.cased = true;
    else if (n == "fieldref") m.fieldref = true;
    else if (n == "expand") m.expand = true;
    else if (n == "neq") m.neq = true;
    else if (n == "minute") m.time_part = 1;
    else if (n == "hour") m.time_part = 2;
    else if (n == "day") m.time_part = 3;
    else if (n == "week") m.time_part = 4;
    else if (n == "month") m.time_part = 5;
    else if (n == "year") m.time_part = 6;
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

std::optional<std::string> compile_value(const YAML::Node& node, const Mods& m, const LoadOptions& opt,
                                         std::vector<Matcher>& out) {
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

// ---- detections --------------------------------------------------------------------------

std::optional<RuleError> compile_map(const YAML::Node& map, const LoadOptions& opt, std::vector<FieldTest>& out) {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    std::vector<std::string> parts;
    size_t p = 0;
    while (true) {
      size_t bar = key.find('|', p);
      parts.push_back(key.substr(p, bar == std::string::npos ? std::string::npos : bar - p));
      if (bar == std::string::npos) break;
      p = bar + 1;
    }
    FieldTest t;
    t.field = parts[0];
    Mods m;
    if (auto e = parse_mods(std::vector<std::string>(parts.begin() + 1, parts.end()), m))
      return RuleError{kv.first.Mark().line + 1, "'" + key + "': " + *e};
    t.all = m.all;
    t.negate = m.neq;
    if (m.time_part && (m.contains || m.startswith || m.endswith || m.re || m.cidr || m.base64 || m.base64off || m.utf))
      return RuleError{kv.first.Mark().line + 1, "'" + key + "': time modifiers combine only with lt, lte, gt, gte"};
    const YAML::Node& v = kv.second;
    auto add = [&](const YAML::Node& one) -> std::optional<RuleError> {
      std::vector<Matcher> alts;
      if (auto e = compile_value(one, m, opt, alts)) return RuleError{one.Mark().line + 1, "'" + key + "': " + *e};
      for (auto& x : alts)
        if (x.kind == Matcher::kTime) x.event_time = t.field == "@timestamp";
      t.values.push_back(std::move(alts));
      return std::nullopt;
    };
    if (v.IsSequence()) {
      if (v.size() == 0) return RuleError{kv.first.Mark().line + 1, "'" + key + "': empty list of values"};
      for (const auto& one : v)
        if (auto e = add(one)) return e;
    } else if (v.IsMap()) {
      return RuleError{kv.first.Mark().line + 1, "'" + key + "': a value cannot be a mapping"};
    } else if (auto e = add(v)) {
      return e;
    }
    out.push_back(std::move(t));
  }
  return std::nullopt;
}

std::optional<RuleError> compile_detection(const YAML::Node& node, const LoadOptions& opt, Detection& d) {
  if (node.IsMap()) {
    std::vector<FieldTest> tests;
    if (auto e = compile_map(node, opt, tests)) return e;
    d.alternatives.push_back(std::move(tests));
    return std::nullopt;
  }
  if (node.IsSequence()) {
    // A list of maps (OR), or a list of keywords (field-less values, OR).
    FieldTest keywords;
    for (const auto& item : node) {
      if (item.IsMap()) {
        std::vector<FieldTest> tests;
        if (auto e = compile_map(item, opt, tests)) return e;
        d.alternatives.push_back(std::move(tests));
      } else if (item.IsScalar() || item.IsNull()) {
        std::vector<Matcher> alts;
        Mods m;
        m.contains = true;  // keywords match anywhere in the text
        if (auto e = compile_value(item, m, opt, alts)) return RuleError{item.Mark().line + 1, *e};
        keywords.values.push_back(std::move(alts));
      } else {
        return RuleError{item.Mark().line + 1, "a detection list holds maps or keywords"};
      }
    }
    if (!keywords.values.empty()) d.alternatives.push_back({std::move(keywords)});
    return std::nullopt;
  }
  if (node.IsScalar()) {
    FieldTest keywords;
    std::vector<Matcher> alts;
    Mods m;
    m.contains = true;
    if (auto e = compile_value(node, m, opt, alts)) return RuleError{node.Mark().line + 1, *e};
    keywords.values.push_back(std::move(alts));
    d.alternatives.push_back({std::move(keywords)});
    return std::nullopt;
  }
  return RuleError{node.Mark().line + 1, "a detection must be a map, a list or a keyword"};
}

// ---- conditions --------------------------------------------------------------------------

class CondParser {
 public:
  explicit CondParser(std::string_view s) : s_(s) { lex(); }
  Result<std::unique_ptr<Condition>> run() {
    if (!err_.empty()) return Error{err_};
    if (toks_.empty()) return Error{"empty condition"};
    auto c = parse_or();
    if (!err_.empty()) return Error{err_};
    if (p_ < toks_.size()) return Error{"unexpected '" + toks_[p_] + "' in condition"};
    return c;
  }

 private:
  void lex() {
    size_t i = 0;
    while (i < s_.size()) {
      char c = s_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        i++;
      } else if (c == '(' || c == ')') {
        toks_.emplace_back(1, c);
        i++;
      } else if (c == '|') {
        err_ = "aggregation expressions ('|') are deprecated; use a correlation rule";
        return;
      } else {
        size_t j = i;
        while (j < s_.size() && !std::isspace(static_cast<unsigned char>(s_[j])) && s_[j] != '(' && s_[j] != ')') j++;
        toks_.emplace_back(s_.substr(i, j - i));
        i = j;
      }
    }
  }
  bool kw(const char* k) const { return p_ < toks_.size() && iequals(toks_[p_], k); }
  std::unique_ptr<Condition> node(Condition::Kind k) {
    auto c = std::make_unique<Condition>();
    c->kind = k;
    return c;
  }
  std::unique_ptr<Condition> parse_or() {
    auto l = parse_and();
    while (err_.empty() && kw("or")) {
      p_++;
      auto n = node(Condition::kOr);
      n->kids.push_back(std::move(l));
      n->kids.push_back(parse_and());
      l = std::move(n);
    }
    return l;
  }
  std::unique_ptr<Condition> parse_and() {
    auto l = parse_not();
    while (err_.empty() && kw("and")) {
      p_++;
      auto n = node(Condition::kAnd);
      n->kids.push_back(std::move(l));
      n->kids.push_back(parse_not());
      l = std::move(n);
    }
    return l;
  }
  std::unique_ptr<Condition> parse_not() {
    if (kw("not")) {
      p_++;
      auto n = node(Condition::kNot);
      n->kids.push_back(parse_not());
      return n;
    }
    return parse_primary();
  }
  std::unique_ptr<Condition> parse_primary() {
    if (p_ >= toks_.size()) {
      err_ = "condition ends where a term was expected";
      return node(Condition::kRef);
    }
    std::string t = toks_[p_++];
    if (t == "(") {
      auto c = parse_or();
      if (p_ >= toks_.size() || toks_[p_] != ")") {
        if (err_.empty()) err_ = "unbalanced '(' in condition";
        return c;
      }
      p_++;
      return c;
    }
    if (t == ")" || iequals(t, "and") || iequals(t, "or")) {
      err_ = "unexpected '" + t + "' in condition";
      return node(Condition::kRef);
    }
    bool quant = iequals(t, "all") || iequals(t, "any") || std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (quant && kw("of")) {
      p_++;
      if (p_ >= toks_.size()) {
        err_ = "'" + t + " of' needs a name pattern or 'them'";
        return node(Condition::kRef);
      }
      auto n = node(iequals(t, "all") ? Condition::kAllOf : Condition::kOneOf);
      if (!iequals(t, "all") && !iequals(t, "any") && t != "1") {
        err_ = "'" + t + " of' is not supported: use '1 of' or 'all of'";
      }
      n->name = toks_[p_++];
      return n;
    }
    auto n = node(Condition::kRef);
    n->name = t;
    return n;
  }

  std::string_view s_;
  std::vector<std::string> toks_;
  size_t p_ = 0;
  std::string err_;
};


std::optional<std::string> check_refs(const Condition& c, const std::map<std::string, Detection>& dets) {
  if (c.kind == Condition::kRef && !dets.count(c.name)) return "condition names '" + c.name + "', which is not a detection";
  if (c.kind == Condition::kOneOf || c.kind == Condition::kAllOf) {
    bool any = false;
    for (const auto& [n, d] : dets) any = any || detection_name_matches(n, c.name);
    if (!any) return "condition pattern '" + c.name + "' matches no detection";
  }
  for (const auto& k : c.kids)
    if (auto e = check_refs(*k, dets)) return e;
  return std::nullopt;
}

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x.Scalar());
  return out;
}

std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

// Detections of a map (a rule's `detection` or a filter's `filter`), leaving out the keys
// that are not detections; returns the condition node.
std::optional<RuleError> load_detections(const YAML::Node& det, const LoadOptions& opt,
                                         std::map<std::string, Detection>& out, YAML::Node& cond,
                                         std::initializer_list<const char*> skip) {
  for (const auto& kv : det) {
    std::string name = kv.first.Scalar();
    if (name == "condition") {
      cond = kv.second;
      continue;
    }
    if (std::any_of(skip.begin(), skip.end(), [&](const char* k) { return name == k; })) continue;
    Detection d;
    if (auto e = compile_detection(kv.second, opt, d)) return e;
    out.emplace(name, std::move(d));
  }
  return std::nullopt;
}

std::optional<RuleError> load_rule(const YAML::Node& doc, const LoadOptions& opt, Rule& r) {
  r.id = scalar(doc["id"]);
  r.name = scalar(doc["name"]);
  r.title = scalar(doc["title"]);
  r.status = scalar(doc["status"]);
  r.level = scalar(doc["level"]);
  r.description = scalar(doc["description"]);
  r.tags = string_list(doc["tags"]);
  if (r.title.empty()) return RuleError{doc.Mark().line + 1, "rule has no title"};
  const YAML::Node ls = doc["logsource"];
  if (!ls || !ls.IsMap()) return RuleError{doc.Mark().line + 1, "rule has no logsource"};
  r.logsource = {scalar(ls["product"]), scalar(ls["service"]), scalar(ls["category"])};
  const YAML::Node det = doc["detection"];
  if (!det || !det.IsMap()) return RuleError{doc.Mark().line + 1, "rule has no detection"};
  YAML::Node cond;
  // timeframe: legacy; correlation rules carry time windows
  if (auto e = load_detections(det, opt, r.detections, cond, {"timeframe"})) return e;
  if (!cond) return RuleError{det.Mark().line + 1, "detection has no condition"};
  std::vector<std::string> conds;
  if (cond.IsScalar()) conds.push_back(cond.Scalar());
  else if (cond.IsSequence()) conds = string_list(cond);
  if (conds.empty()) return RuleError{cond.Mark().line + 1, "condition must be a string or a list of strings"};
  for (const auto& c : conds) {
    auto parsed = CondParser(c).run();
    if (!parsed) return RuleError{cond.Mark().line + 1, "condition '" + c + "': " + parsed.error()};
    if (auto e = check_refs(**parsed, r.detections)) return RuleError{cond.Mark().line + 1, *e};
    r.conditions.push_back(std::shared_ptr<Condition>(std::move(parsed.value())));
  }
  return std::nullopt;
}


std::optional<RuleError> load_filter(const YAML::Node& doc, const LoadOptions& opt, Filter& f) {
  f.id = scalar(doc["id"]);
  f.title = scalar(doc["title"]);
  f.line = doc.Mark().line + 1;
  if (f.title.empty()) return RuleError{f.line, "filter has no title"};
  const YAML::Node ls = doc["logsource"];
  if (!ls || !ls.IsMap()) return RuleError{f.line, "filter has no logsource"};
  f.logsource = {scalar(ls["product"]), scalar(ls["service"]), scalar(ls["category"])};
  const YAML::Node body = doc["filter"];
  if (!body.IsMap()) return RuleError{body.Mark().line + 1, "'filter' must be a mapping"};
  const YAML::Node rules = body["rules"];
  if (!rules) return RuleError{body.Mark().line + 1, "filter has no 'rules' (a list of rule ids or names, or 'any')"};
  if (rules.IsScalar()) {
    std::string v = rules.Scalar();
    if (v == "any" || v == "all") f.any_rule = true;
    else f.rules.push_back(v);
  } else if (rules.IsSequence()) {
    f.rules = string_list(rules);
    f.any_rule = f.rules.empty();
  } else {
    return RuleError{rules.Mark().line + 1, "filter 'rules' must be a list of rule ids or names, or 'any'"};
  }
  YAML::Node cond;
  if (auto e = load_detections(body, opt, f.detections, cond, {"rules"})) return e;
  if (!cond || !cond.IsScalar()) return RuleError{body.Mark().line + 1, "filter condition must be one string"};
  auto parsed = CondParser(cond.Scalar()).run();
  if (!parsed) return RuleError{cond.Mark().line + 1, "condition '" + cond.Scalar() + "': " + parsed.error()};
  if (auto e = check_refs(**parsed, f.detections)) return RuleError{cond.Mark().line + 1, *e};
  f.condition = std::shared_ptr<Condition>(std::move(parsed.value()));
  return std::nullopt;
}

std::optional<RuleError> load_correlation(const YAML::Node& doc, Correlation& c) {
  c.id = scalar(doc["id"]);
  c.name = scalar(doc["name"]);
  c.title = scalar(doc["title"]);
  c.status = scalar(doc["status"]);
  c.level = scalar(doc["level"]);
  c.description = scalar(doc["description"]);
  c.tags = string_list(doc["tags"]);
  c.line = doc.Mark().line + 1;
  if (c.title.empty()) return RuleError{c.line, "correlation rule has no title"};
  const YAML::Node body = doc["correlation"];
  if (!body.IsMap()) return RuleError{body.Mark().line + 1, "'correlation' must be a mapping"};
  auto at = [&](const char* k) { return body[k] ? body[k].Mark().line + 1 : body.Mark().line + 1; };
  std::string type = scalar(body["type"]);
  static const std::pair<const char*, Correlation::Type> kTypes[] = {
      {"event_count", Correlation::kEventCount}, {"value_count", Correlation::kValueCount},
      {"temporal", Correlation::kTemporal},       {"temporal_ordered", Correlation::kTemporalOrdered},
      {"value_sum", Correlation::kValueSum},      {"value_avg", Correlation::kValueAvg}};
  bool known = false;
  for (const auto& [n, t] : kTypes)
    if (type == n) {
      c.type = t;
      known = true;
    }
  if (!known)
    return RuleError{at("type"), type.empty() ? "correlation has no type"
                                              : "unsupported correlation type '" + type + "'"};
  const YAML::Node rules = body["rules"];
  if (rules && rules.IsScalar()) c.rules.push_back(rules.Scalar());
  else c.rules = string_list(rules);
  if (c.rules.empty()) return RuleError{at("rules"), "correlation names no rules"};
  const YAML::Node gb = body["group-by"];
  if (gb && gb.IsScalar()) c.group_by.push_back(gb.Scalar());
  else if (gb && !gb.IsSequence()) return RuleError{at("group-by"), "group-by must be a list of fields"};
  else c.group_by = string_list(gb);
  if (const YAML::Node al = body["aliases"]; al) {
    if (!al.IsMap()) return RuleError{at("aliases"), "aliases must map alias names to {rule name: field}"};
    for (const auto& kv : al) {
      if (!kv.second.IsMap()) return RuleError{kv.first.Mark().line + 1, "alias '" + kv.first.Scalar() + "' must map rule names to fields"};
      for (const auto& rf : kv.second) c.aliases[kv.first.Scalar()][rf.first.Scalar()] = scalar(rf.second);
    }
  }
  std::string ts = scalar(body["timespan"]);
  if (ts.empty()) ts = scalar(body["timeframe"]);  // the draft name
  auto span = parse_timespan(ts);
  if (!span) return RuleError{at("timespan"), ts.empty() ? "correlation has no timespan" : "timespan '" + ts + "' is not a number followed by s, m, h or d"};
  c.timespan_ns = *span;
  const YAML::Node cond = body["condition"];
  bool temporal = c.type == Correlation::kTemporal || c.type == Correlation::kTemporalOrdered;
  if (cond) {
    if (!cond.IsMap()) return RuleError{at("condition"), "correlation condition must be a mapping such as {gte: 10}"};
    static const std::pair<const char*, Correlation::Op> kOps[] = {{"gt", Correlation::kGt}, {"gte", Correlation::kGte},
                                                                   {"lt", Correlation::kLt}, {"lte", Correlation::kLte},
                                                                   {"eq", Correlation::kEq}, {"neq", Correlation::kNeq}};
    for (const auto& kv : cond) {
      std::string k = kv.first.Scalar();
      int line = kv.first.Mark().line + 1;
      if (k == "field") {
        if (kv.second.IsScalar()) c.field = kv.second.Scalar();
        else return RuleError{line, "condition field must be one field name"};
        continue;
      }
      const Correlation::Op* op = nullptr;
      for (const auto& [n, o] : kOps)
        if (k == n) op = &o;
      if (!op) return RuleError{line, "unknown correlation condition '" + k + "' (gt, gte, lt, lte, eq, neq, field)"};
      std::string v = scalar(kv.second);
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end) return RuleError{line, "condition '" + k + "' needs a number, not '" + v + "'"};
      c.condition.emplace_back(*op, d);
    }
  } else if (!temporal) {
    return RuleError{body.Mark().line + 1, std::string(Correlation::type_name(c.type)) + " correlation has no condition"};
  }
  if (!temporal && c.condition.empty()) return RuleError{at("condition"), "correlation condition has no bound (gt, gte, lt, lte, eq, neq)"};
  bool needs_field = c.type == Correlation::kValueCount || c.type == Correlation::kValueSum || c.type == Correlation::kValueAvg;
  if (needs_field && c.field.empty()) return RuleError{at("condition"), std::string(Correlation::type_name(c.type)) + " correlation needs condition.field"};
  if (const YAML::Node g = body["generate"]; g) c.generate = scalar(g) == "true";
  else if (const YAML::Node g2 = doc["generate"]; g2) c.generate = scalar(g2) == "true";
  return std::nullopt;
}

}  // namespace

const char* Correlation::type_name(Type t) {
  switch (t) {
    case kEventCount: return "event_count";
    case kValueCount: return "value_count";
    case kTemporal: return "temporal";
    case kTemporalOrdered: return "temporal_ordered";
    case kValueSum: return "value_sum";
    case kValueAvg: return "value_avg";
  }
  return "?";
}

bool correlation_condition_holds(const Correlation& c, double v) {
  for (const auto& [op, b] : c.condition) {
    bool ok = op == Correlation::kGt ? v > b : op == Correlation::kGte ? v >= b : op == Correlation::kLt ? v < b
            : op == Correlation::kLte ? v <= b : op == Correlation::kEq ? v == b : v != b;
    if (!ok) return false;
  }
  return true;
}

std::optional<int64_t> parse_timespan(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  int64_t n = 0;
  for (char ch : s.substr(0, s.size() - 1)) {
    if (ch < '0' || ch > '9' || n > 100000000) return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  if (n <= 0) return std::nullopt;
  return n * unit * 1000000000LL;
}

Result<std::unique_ptr<Condition>> parse_condition(std::string_view text) { return CondParser(text).run(); }

bool detection_name_matches(const std::string& name, const std::string& pattern) {
  if (pattern == "them") return name.empty() || name[0] != '_';
  if (!pattern.empty() && pattern.back() == '*') return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return name == pattern;
}

std::vector<std::string> split_json_objects(std::string_view t) {
  std::vector<std::string> out;
  int depth = 0;
  bool in_str = false, esc = false;
  size_t start = 0;
  for (size_t i = 0; i < t.size(); i++) {
    char c = t[i];
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '{') {
      if (depth == 0) start = i;
      depth++;
    } else if (c == '}' && depth > 0) {
      if (--depth == 0) out.emplace_back(t.substr(start, i - start + 1));
    }
  }
  return out;
}

LoadResult load_rule_text(const std::string& text, const std::string& name, const LoadOptions& opt) {
  LoadResult res;
  // Sigma rules are UTF-8. yaml-cpp 0.7 also loops forever (producing empty documents until
  // memory runs out) on some invalid UTF-8, so this check is a guard as well.
  if (size_t bad = utf8_error_offset(text); bad != std::string_view::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    res.errors.push_back({name, line, "the file is not valid UTF-8 (byte " + std::to_string(bad) + ")"});
    return res;
  }
  // Control characters are not allowed in YAML (outside tab, CR, LF); yaml-cpp 0.7 can also
  // loop forever on them (a NUL inside a quoted scalar, found by fuzzing).
  for (size_t i = 0; i < text.size(); i++) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(i), '\n'));
      res.errors.push_back({name, line, "control character 0x" + hex(&text[i], 1) + " at byte " + std::to_string(i) + " is not allowed in YAML"});
      return res;
    }
  }
  // Documents are split at "---" lines and loaded one by one: yaml-cpp 0.7's LoadAll can loop
  // forever on malformed input (an unterminated quote, found by fuzzing). Each part keeps its
  // place in the file (leading blank lines), so line numbers stay right.
  std::vector<YAML::Node> docs;
  {
    std::vector<std::pair<size_t, std::string>> parts;  // (first line, text)
    std::string cur;
    size_t line = 0, start = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view l = std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      bool marker = l.substr(0, 3) == "---" && (l.size() == 3 || l[3] == ' ' || l[3] == '\r' || l[3] == '#');
      if (marker) {
        parts.emplace_back(start, std::move(cur));
        cur.clear();
        start = line + 1;
      } else {
        cur.append(l).push_back('\n');
      }
      line++;
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    parts.emplace_back(start, std::move(cur));
    for (auto& [first, body] : parts) {
      if (trim(body).empty()) continue;
      try {
        docs.push_back(YAML::Load(std::string(first, '\n') + body));
      } catch (const YAML::Exception& e) {
        res.errors.push_back({name, e.mark.line + 1, "YAML: " + e.msg});
      }
    }
  }
  // Sigma "rule collections": a document with action: global is merged into the ones after it.
  YAML::Node global;
  for (const auto& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    if (!doc.IsMap()) {
      res.errors.push_back({name, doc.Mark().line + 1, "a rule document must be a mapping"});
      continue;
    }
    try {
      if (doc["correlation"]) {
        Correlation c;
        c.file = name;
        if (auto e = load_correlation(doc, c)) res.errors.push_back({name, e->line, e->reason});
        else res.correlations.push_back(std::move(c));
        continue;
      }
      if (doc["filter"] && !doc["detection"]) {
        Filter f;
        f.file = name;
        if (auto e = load_filter(doc, opt, f)) res.errors.push_back({name, e->line, e->reason});
        else res.filters.push_back(std::move(f));
        continue;
      }
    } catch (const YAML::Exception& e) {
      res.errors.push_back({name, e.mark.line + 1, "YAML: " + e.msg});
      continue;
    }
    std::string action = scalar(doc["action"]);
    if (action == "global") {
      global = YAML::Clone(doc);
      continue;
    }
    if (action == "reset") {
      global = YAML::Node();
      continue;
    }
    YAML::Node merged = doc;
    if (global.IsMap()) {
      merged = YAML::Clone(global);
      for (const auto& kv : doc) merged[kv.first.Scalar()] = kv.second;
    }
    Rule r;
    r.file = name;
    try {
      if (auto e = load_rule(merged, opt, r)) {
        res.errors.push_back({name, e->line, e->reason});
        continue;
      }
    } catch (const YAML::Exception& e) {
      res.errors.push_back({name, e.mark.line + 1, "YAML: " + e.msg});
      continue;
    }
    res.rules.push_back(std::move(r));
  }
  return res;
}

LoadResult load_rule_file(const std::string& path, const LoadOptions& opt) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back({path, 0, "cannot read the file"});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_rule_text(ss.str(), path, opt);
}

// ---- evaluation --------------------------------------------------------------------------

std::optional<std::string_view> default_lookup(const Event& ev, const std::string& field) {
  // Field ids of the names a Sigma field may have, cached per thread: no registry lock and
  // no string building per lookup.
  thread_local std::unordered_map<std::string, std::array<FieldId, 6>> cache;
  auto it = cache.find(field);
  if (it == cache.end()) {
    std::array<FieldId, 6> ids;
    const char* prefixes[6] = {"", "Event.EventData.", "Event.System.", "Event.UserData.", "EventData.", "System."};
    for (int i = 0; i < 6; i++) ids[i] = FieldRegistry::intern(std::string(prefixes[i]) + field);
    it = cache.emplace(field, ids).first;
  }
  for (FieldId id : it->second) {
    if (id == kNoField) continue;
    for (const auto& f : ev.fields)
      if (f.id == id) return ev.value(f);
  }
  return std::nullopt;
}

namespace {

thread_local const char* tl_hits = nullptr;  // set by match_with_hits

struct civil_time {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
};

civil_time to_civil(int64_t ns) {
  int64_t secs = ns >= 0 ? ns / 1000000000LL : (ns - 999999999LL) / 1000000000LL;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days (H. Hinnant's algorithm)
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  civil_time c;
  c.year = static_cast<int>(y + (m <= 2));
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  return c;
}

// ISO 8601 week number (1..53).
int iso_week(int y, int m, int d) {
  auto weekday = [](int64_t days) { return static_cast<int>(((days % 7) + 7 + 3) % 7); };  // Monday 0 (1970-01-01 was a Thursday)
  int64_t day = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  int64_t thursday = day - weekday(day) + 3;  // the Thursday of this week decides its year
  int ty = to_civil(thursday * 86400LL * 1000000000LL).year;
  int64_t jan1 = days_from_civil(ty, 1, 1);
  return static_cast<int>((thursday - jan1) / 7 + 1);
}

// A part of a date as Sigma's time modifiers define it: read from the text as written (no
// zone conversion); epoch seconds are taken as UTC.
std::optional<int> date_part(std::string_view v, int part) {
  int64_t ns = 0;
  civil_time ct;
  if (v.size() >= 10 && is_digit(v[0]) && v[4] == '-' && v[7] == '-') {
    auto num = [&](size_t at, size_t n) {
      int x = 0;
      for (size_t i = at; i < at + n && i < v.size(); i++) {
        if (!is_digit(v[i])) return -1;
        x = x * 10 + (v[i] - '0');
      }
      return x;
    };
    ct.year = num(0, 4);
    ct.month = num(5, 2);
    ct.day = num(8, 2);
    ct.hour = ct.minute = 0;
    if (v.size() >= 16 && (v[10] == 'T' || v[10] == ' ')) {
      ct.hour = num(11, 2);
      ct.minute = num(14, 2);
    }
    if (ct.year < 0 || ct.month < 1 || ct.month > 12 || ct.day < 1 || ct.day > 31 || ct.hour < 0 || ct.minute < 0) return std::nullopt;
  } else if (parse_epoch(v, ns)) {
    ct = to_civil(ns);
  } else {
    return std::nullopt;
  }
  switch (part) {
    case 1: return ct.minute;
    case 2: return ct.hour;
    case 3: return ct.day;
    case 4: return iso_week(ct.year, ct.month, ct.day);
    case 5: return ct.month;
    case 6: return ct.year;
  }
  return std::nullopt;
}

bool compare(double d, Matcher::Op op, double bound) {
  switch (op) {
    case Matcher::kLt: return d < bound;
    case Matcher::kLte: return d <= bound;
    case Matcher::kGt: return d > bound;
    case Matcher::kGte: return d >= bound;
    case Matcher::kEq: return d == bound;
  }
  return false;
}

bool match_one(const Matcher& m, std::optional<std::string_view> v, const Event& ev, const FieldLookup& lookup) {
  if (tl_hits && m.engine_slot != Matcher::kNotCompiled) return tl_hits[m.engine_slot] != 0;
  if (m.kind == Matcher::kTime) {
    std::optional<int> part;
    if (m.event_time && !v) {
      std::string t = format_rfc3339(ev.ts + static_cast<int64_t>(m.tz_sec) * 1000000000LL);
      part = date_part(t, m.time_part);
    } else if (v) {
      part = date_part(*v, m.time_part);
    }
    return part && compare(*part, m.op, m.number);
  }
  switch (m.kind) {
    case Matcher::kNull: return !v.has_value();
    case Matcher::kExists: return v.has_value() == m.exists;
    default: break;
  }
  if (!v) return false;
  switch (m.kind) {
    case Matcher::kPattern: {
      if (m.cased) return match_segs(m.segs, 0, *v);
      std::string low = to_lower(*v);
      return match_segs(m.segs, 0, low);
    }
    case Matcher::kRegex: {
      auto* code = static_cast<pcre2_code*>(m.re.get());
      pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
      int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(v->data()), v->size(), 0, 0, md, nullptr);
      pcre2_match_data_free(md);
      return rc >= 0;
    }
    case Matcher::kCidr: {
      auto ip = parse_ip(*v);
      return ip && m.cidr->contains(*ip);
    }
    case Matcher::kNumber: {
      std::string s(*v);
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || !end || *end) return false;
      return compare(d, m.op, m.number);
    }
    case Matcher::kFieldRef: {
      auto other = lookup(ev, m.other_field);
      if (!other) return false;
      return m.cased ? *other == *v : iequals(*other, *v);
    }
    default: return false;
  }
}

bool match_test(const FieldTest& t, const Event& ev, const FieldLookup& lookup) {
  // The field is looked up once, and only if some matcher needs it (the compiled engine
  // answers most of them from its scan).
  std::optional<std::optional<std::string_view>> looked;
  auto value = [&]() -> std::optional<std::string_view> {
    if (!looked) looked = lookup(ev, t.field);
    return *looked;
  };
  auto value_matches = [&](const std::vector<Matcher>& alts) {
    if (t.field.empty()) {
      // Keyword: the message, else the raw line.
      std::string_view text = ev.get(kMessage);
      for (const auto& m : alts)
        if (match_one(m, text.empty() ? std::string_view(ev.raw) : text, ev, lookup) ||
            (!text.empty() && match_one(m, std::string_view(ev.raw), ev, lookup)))
          return true;
      return false;
    }
    for (const auto& m : alts) {
      if (tl_hits && m.engine_slot != Matcher::kNotCompiled) {
        if (tl_hits[m.engine_slot]) return true;
        continue;
      }
      if (match_one(m, value(), ev, lookup)) return true;
    }
    return false;
  };
  bool result;
  if (t.all) {
    result = std::all_of(t.values.begin(), t.values.end(), value_matches);
  } else {
    result = std::any_of(t.values.begin(), t.values.end(), value_matches);
  }
  if (t.negate) {
    // neq: the field exists and differs from every value.
    return !t.field.empty() && value().has_value() && !result;
  }
  return result;
}

bool match_detection(const Detection& d, const Event& ev, const FieldLookup& lookup) {
  for (const auto& alt : d.alternatives) {
    bool ok = true;
    for (const auto& t : alt)
      if (!match_test(t, ev, lookup)) {
        ok = false;
        break;
      }
    if (ok) return true;
  }
  return false;
}

bool eval(const Condition& c, const Rule& r, const Event& ev, const FieldLookup& lookup) {
  if (c.is_resolved) {
    switch (c.kind) {
      case Condition::kRef: return match_detection(*c.resolved[0], ev, lookup);
      case Condition::kOneOf:
        for (const Detection* d : c.resolved)
          if (match_detection(*d, ev, lookup)) return true;
        return false;
      case Condition::kAllOf:
        for (const Detection* d : c.resolved)
          if (!match_detection(*d, ev, lookup)) return false;
        return true;
      default: break;
    }
  }
  switch (c.kind) {
    case Condition::kRef: return match_detection(r.detections.at(c.name), ev, lookup);
    case Condition::kAnd: return eval(*c.kids[0], r, ev, lookup) && eval(*c.kids[1], r, ev, lookup);
    case Condition::kOr: return eval(*c.kids[0], r, ev, lookup) || eval(*c.kids[1], r, ev, lookup);
    case Condition::kNot: return !eval(*c.kids[0], r, ev, lookup);
    case Condition::kOneOf:
      for (const auto& [n, d] : r.detections)
        if (detection_name_matches(n, c.name) && match_detection(d, ev, lookup)) return true;
      return false;
    case Condition::kAllOf:
      for (const auto& [n, d] : r.detections)
        if (detection_name_matches(n, c.name) && !match_detection(d, ev, lookup)) return false;
      return true;
  }
  return false;
}

}  // namespace

namespace {
void resolve(const Condition& c, const Rule& r) {
  auto& cc = const_cast<Condition&>(c);
  cc.resolved.clear();
  if (c.kind == Condition::kRef) {
    cc.resolved.push_back(&r.detections.at(c.name));
  } else if (c.kind == Condition::kOneOf || c.kind == Condition::kAllOf) {
    for (const auto& [n, d] : r.detections)
      if (detection_name_matches(n, c.name)) cc.resolved.push_back(&d);
  }
  cc.is_resolved = true;
  for (const auto& k : c.kids) resolve(*k, r);
}
}  // namespace

void resolve_conditions(const Rule& rule) {
  for (const auto& c : rule.conditions) resolve(*c, rule);
}

bool naive_match(const Rule& rule, const Event& ev, const FieldLookup& lookup) {
  for (const auto& c : rule.conditions)
    if (eval(*c, rule, ev, lookup)) return true;
  return false;
}

bool match_with_hits(const Rule& rule, const Event& ev, const FieldLookup& lookup, const char* hits) {
  const char* saved = tl_hits;
  tl_hits = hits;
  bool r = naive_match(rule, ev, lookup);
  tl_hits = saved;
  return r;
}

std::string pattern_to_regex(const Matcher& m) {
  // A leading or trailing * is the same as no anchor there, and much cheaper for vectorscan.
  size_t b = 0, e = m.segs.size();
  bool open_start = b < e && m.segs[b].type == Matcher::Seg::kStar;
  bool open_end = e > b && m.segs[e - 1].type == Matcher::Seg::kStar;
  if (open_start) b++;
  if (open_end && e > b) e--;
  std::string re = open_start ? "" : "\\A";
  for (size_t i = b; i < e; i++) {
    const auto& s = m.segs[i];
    if (s.type == Matcher::Seg::kStar) {
      re += ".*";
    } else if (s.type == Matcher::Seg::kOne) {
      re += ".";
    } else {
      for (unsigned char c : s.text) {
        if (std::isalnum(c) || c >= 0x80) {
          re.push_back(static_cast<char>(c));
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          re += buf;
        }
      }
    }
  }
  if (!open_end) re += "\\z";
  return re;
}

}  // namespace wardsec::detect
