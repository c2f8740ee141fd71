// The reference evaluator of Sigma rules (slow and simple on purpose; the compiled engine is
// tested against it) and what the engine asks of it for the matchers it does not compile.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "core/timeutil.h"
#include "detect/sigma.h"
#include "detect/sigma_internal.h"

namespace wardsec::detect {

namespace internal {

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

}  // namespace internal

using internal::match_segs;

// ---- evaluation --------------------------------------------------------------------------

FieldCandidates field_candidates(const std::string& field) {
  FieldCandidates ids;
  const char* prefixes[6] = {"", "Event.EventData.", "Event.System.", "Event.UserData.", "EventData.", "System."};
  for (int i = 0; i < 6; i++) ids[i] = FieldRegistry::intern(std::string(prefixes[i]) + field);
  return ids;
}

std::optional<std::string_view> lookup_candidates(const Event& ev, const FieldCandidates& ids) {
  for (FieldId id : ids) {
    if (id == kNoField) continue;
    for (const auto& f : ev.fields)
      if (f.id == id) return ev.value(f);
  }
  return std::nullopt;
}

std::optional<std::string_view> default_lookup(const Event& ev, const std::string& field) {
  return lookup_candidates(ev, field_candidates(field));
}

void FieldTable::add(const std::string& name) {
  if (!ids_.count(name)) ids_.emplace(name, field_candidates(name));
}

std::optional<std::string_view> FieldTable::lookup(const Event& ev, const std::string& name) const {
  auto it = ids_.find(name);
  return it != ids_.end() ? lookup_candidates(ev, it->second) : default_lookup(ev, name);
}

namespace {

// What one evaluation needs: how to look fields up, and the compiled engine's scan results
// (hits[m.engine_slot] answers every matcher it compiled; null: evaluate every matcher).
struct Eval {
  const FieldLookup& lookup;
  const char* hits;
};

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
  int64_t day = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  int64_t thursday = day - weekday_of(day) + 3;  // the Thursday of this week decides its year
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

bool match_one(const Matcher& m, std::optional<std::string_view> v, const Event& ev, const Eval& x) {
  if (x.hits && m.engine_slot != Matcher::kNotCompiled) return x.hits[m.engine_slot] != 0;
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
      auto other = x.lookup(ev, m.other_field);
      if (!other) return false;
      return m.cased ? *other == *v : iequals(*other, *v);
    }
    default: return false;
  }
}

bool match_test(const FieldTest& t, const Event& ev, const Eval& x) {
  if (x.hits && t.engine_slot != Matcher::kNotCompiled) return x.hits[t.engine_slot] != 0;
  // The field is looked up once, and only if some matcher needs it (the compiled engine
  // answers most of them from its scan).
  std::optional<std::optional<std::string_view>> looked;
  auto value = [&]() -> std::optional<std::string_view> {
    if (!looked) looked = x.lookup(ev, t.field);
    return *looked;
  };
  auto value_matches = [&](const std::vector<Matcher>& alts) {
    if (t.field.empty()) {
      // Keyword: the message, else the raw line.
      std::string_view text = ev.get(kMessage);
      for (const auto& m : alts)
        if (match_one(m, text.empty() ? std::string_view(ev.raw) : text, ev, x) ||
            (!text.empty() && match_one(m, std::string_view(ev.raw), ev, x)))
          return true;
      return false;
    }
    for (const auto& m : alts) {
      if (x.hits && m.engine_slot != Matcher::kNotCompiled) {
        if (x.hits[m.engine_slot]) return true;
        continue;
      }
      if (match_one(m, value(), ev, x)) return true;
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

bool match_detection(const Detection& d, const Event& ev, const Eval& x) {
  for (const auto& alt : d.alternatives) {
    bool ok = true;
    for (const auto& t : alt)
      if (!match_test(t, ev, x)) {
        ok = false;
        break;
      }
    if (ok) return true;
  }
  return false;
}

bool eval(const Condition& c, const Rule& r, const Event& ev, const Eval& x) {
  if (c.is_resolved) {
    switch (c.kind) {
      case Condition::kRef: return match_detection(*c.resolved[0], ev, x);
      case Condition::kOneOf:
        for (const Detection* d : c.resolved)
          if (match_detection(*d, ev, x)) return true;
        return false;
      case Condition::kAllOf:
        for (const Detection* d : c.resolved)
          if (!match_detection(*d, ev, x)) return false;
        return true;
      default: break;
    }
  }
  switch (c.kind) {
    case Condition::kRef: return match_detection(r.detections.at(c.name), ev, x);
    case Condition::kAnd: return eval(*c.kids[0], r, ev, x) && eval(*c.kids[1], r, ev, x);
    case Condition::kOr: return eval(*c.kids[0], r, ev, x) || eval(*c.kids[1], r, ev, x);
    case Condition::kNot: return !eval(*c.kids[0], r, ev, x);
    case Condition::kOneOf:
      for (const auto& [n, d] : r.detections)
        if (detection_name_matches(n, c.name) && match_detection(d, ev, x)) return true;
      return false;
    case Condition::kAllOf:
      for (const auto& [n, d] : r.detections)
        if (detection_name_matches(n, c.name) && !match_detection(d, ev, x)) return false;
      return true;
  }
  return false;
}

}  // namespace

bool naive_match(const Rule& rule, const Event& ev, const FieldLookup& lookup) {
  Eval x{lookup, nullptr};
  for (const auto& c : rule.conditions)
    if (eval(*c, rule, ev, x)) return true;
  return false;
}

bool match_with_hits(const Rule& rule, const Event& ev, const FieldLookup& lookup, const char* hits) {
  Eval x{lookup, hits};
  for (const auto& c : rule.conditions)
    if (eval(*c, rule, ev, x)) return true;
  return false;
}

std::string pattern_to_regex(const Matcher& m) {
  // Leading or trailing stars are the same as no anchor there, and much cheaper for vectorscan
  // (a leading ".*" keeps an automaton running from the first byte); a run of stars is one.
  size_t b = 0, e = m.segs.size();
  bool open_start = b < e && m.segs[b].type == Matcher::Seg::kStar;
  bool open_end = e > b && m.segs[e - 1].type == Matcher::Seg::kStar;
  while (b < e && m.segs[b].type == Matcher::Seg::kStar) b++;
  while (e > b && m.segs[e - 1].type == Matcher::Seg::kStar) e--;
  std::string re = open_start ? "" : "\\A";
  for (size_t i = b; i < e; i++) {
    const auto& s = m.segs[i];
    if (s.type == Matcher::Seg::kStar) {
      if (i > b && m.segs[i - 1].type == Matcher::Seg::kStar) continue;
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
