#include "core/timeutil.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstdio>
#include <string>
#include <thread>

namespace wardsec {
namespace {

constexpr int64_t kNsPerSec = 1000000000LL;

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; i++) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

int64_t make_ns(int64_t y, int mo, int d, int h, int mi, int s, int64_t frac_ns, int tz_sec) {
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - tz_sec;
  return secs * kNsPerSec + frac_ns;
}

// Years an event time may name: int64 nanoseconds end in 2262, and a time past 2200 or before
// 1970 is a sender's error (or an attempt to pin a segment against retention), not a log time.
bool valid_year(int64_t y) { return y >= 1970 && y <= 2200; }

int days_in_month(int64_t y, int mo) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return mo == 2 && leap ? 29 : kDays[mo - 1];
}

// A date that exists ("Feb 31" does not) and a time of day.
bool valid(int64_t y, int mo, int d, int h, int mi, int s) {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h <= 23 && mi <= 59 && s <= 60;
}

// Parses ".123456" at pos; returns the fraction in ns and advances pos.
int64_t parse_frac(std::string_view s, size_t& pos) {
  if (pos >= s.size() || (s[pos] != '.' && s[pos] != ',')) return 0;
  size_t p = pos + 1;
  int64_t v = 0;
  int n = 0;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
    if (n < 9) {
      v = v * 10 + (s[p] - '0');
      n++;
    }
    p++;
  }
  if (p == pos + 1) return 0;
  pos = p;
  while (n < 9) {
    v *= 10;
    n++;
  }
  return v;
}

}  // namespace

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void sleep_unless(const std::atomic<bool>& stop, int ms) {
  for (int w = 0; w < ms && !stop; w += 50) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50, ms - w)));
}

// Howard Hinnant's algorithm.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

static void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

int month_from_abbrev(std::string_view s) {
  static constexpr const char* kM[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() < 3) return 0;
  for (int i = 0; i < 12; i++)
    if (s[0] == kM[i][0] && s[1] == kM[i][1] && s[2] == kM[i][2]) return i + 1;
  return 0;
}

bool parse_tz_offset(std::string_view s, int& sec) {
  if (s == "Z" || s == "z" || s == "UTC" || s == "GMT") {
    sec = 0;
    return true;
  }
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  int h, m = 0;
  if (!digits(s, 1, 2, h)) return false;
  size_t p = 3;
  if (p < s.size() && s[p] == ':') p++;
  if (p < s.size() && !digits(s, p, 2, m)) return false;
  if (h > 23 || m > 59) return false;
  sec = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
  return true;
}

bool parse_rfc3339(std::string_view s, int64_t& ns, int default_tz_sec, size_t* consumed) {
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d)) return false;
  size_t p = 10;
  int64_t frac = 0;
  int tz = default_tz_sec;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ') && p + 9 <= s.size() && s[p + 3] == ':') {
    if (!digits(s, p + 1, 2, h) || !digits(s, p + 4, 2, mi) || s[p + 6] != ':' || !digits(s, p + 7, 2, se)) return false;
    p += 9;
    frac = parse_frac(s, p);
    if (p < s.size()) {
      if (s[p] == 'Z' || s[p] == 'z') {
        tz = 0;
        p++;
      } else if (s[p] == '+' || s[p] == '-') {
        size_t q = p + 1;
        while (q < s.size() && ((s[q] >= '0' && s[q] <= '9') || s[q] == ':') && q - p < 6) q++;
        if (parse_tz_offset(s.substr(p, q - p), tz))
          p = q;
        else
          return false;
      }
    }
  }
  if (!valid_year(y) || !valid(y, mo, d, h, mi, se)) return false;
  ns = make_ns(y, mo, d, h, mi, se, frac, tz);
  if (consumed) *consumed = p;
  return true;
}

bool parse_bsd_time(std::string_view s, int64_t ref_ns, int tz_sec, int64_t& ns, int year) {
  // "Dec 10 06:55:46" or "Dec  1 06:55:46"
  if (s.size() < 15) return false;
  int mo = month_from_abbrev(s);
  if (!mo || s[3] != ' ') return false;
  int d, h, mi, se;
  if (s[4] == ' ') {
    if (!digits(s, 5, 1, d)) return false;
  } else if (!digits(s, 4, 2, d)) {
    return false;
  }
  if (s[6] != ' ' || !digits(s, 7, 2, h) || s[9] != ':' || !digits(s, 10, 2, mi) || s[12] != ':' || !digits(s, 13, 2, se)) return false;
  if (year) {  // the sender said which year
    if (!valid_year(year) || !valid(year, mo, d, h, mi, se)) return false;
    ns = make_ns(year, mo, d, h, mi, se, 0, tz_sec);
    return true;
  }
  // No year: this year as seen at reception, unless that puts the time more than 31 days
  // ahead of reception (then last year: December lines read in January) or more than 334
  // days behind it (then next year: a device a day fast on New Year's Eve). A fast clock stays
  // in its year; lines months old (an import) keep theirs. Feb 29 only where it exists.
  int64_t ry;
  unsigned rm, rd;
  civil_from_days((ref_ns / kNsPerSec + tz_sec) / 86400, ry, rm, rd);
  int64_t y = ry, probe = make_ns(ry, mo, std::min(d, 28), h, mi, se, 0, tz_sec);
  if (probe > ref_ns + 31 * 86400 * kNsPerSec)
    y = ry - 1;
  else if (probe < ref_ns - 334 * 86400 * kNsPerSec)
    y = ry + 1;
  if (!valid(y, mo, d, h, mi, se)) return false;
  ns = make_ns(y, mo, d, h, mi, se, 0, tz_sec);
  return true;
}

bool parse_clf_time(std::string_view s, int64_t& ns) {
  // 10/Oct/2000:13:55:36 -0700
  int d, y, h, mi, se;
  if (s.size() < 20 || !digits(s, 0, 2, d) || s[2] != '/') return false;
  int mo = month_from_abbrev(s.substr(3));
  if (!mo || s[6] != '/' || !digits(s, 7, 4, y) || s[11] != ':' || !digits(s, 12, 2, h) || s[14] != ':' || !digits(s, 15, 2, mi) ||
      s[17] != ':' || !digits(s, 18, 2, se))
    return false;
  int tz = 0;
  if (s.size() >= 26 && s[20] == ' ' && !parse_tz_offset(s.substr(21, 5), tz)) return false;
  if (!valid_year(y) || !valid(y, mo, d, h, mi, se)) return false;
  ns = make_ns(y, mo, d, h, mi, se, 0, tz);
  return true;
}

bool parse_ctime(std::string_view s, int tz_sec, int64_t& ns) {
  // Sun Dec 04 04:47:44 2005   or  Sun Dec 04 04:47:44.123456 2005
  if (s.size() < 24 || s[3] != ' ') return false;
  int mo = month_from_abbrev(s.substr(4));
  int d, h, mi, se, y;
  if (!mo || s[7] != ' ') return false;
  if (s[8] == ' ') {
    if (!digits(s, 9, 1, d)) return false;
  } else if (!digits(s, 8, 2, d)) {
    return false;
  }
  if (s[10] != ' ' || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) return false;
  size_t p = 19;
  int64_t frac = parse_frac(s, p);
  if (p >= s.size() || s[p] != ' ' || !digits(s, p + 1, 4, y)) return false;
  if (!valid_year(y) || !valid(y, mo, d, h, mi, se)) return false;
  ns = make_ns(y, mo, d, h, mi, se, frac, tz_sec);
  return true;
}

bool parse_slash_time(std::string_view s, int tz_sec, int64_t& ns) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '/' || !digits(s, 5, 2, mo) || s[7] != '/' || !digits(s, 8, 2, d) || s[10] != ' ' ||
      !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return false;
  if (!valid_year(y) || !valid(y, mo, d, h, mi, se)) return false;
  ns = make_ns(y, mo, d, h, mi, se, 0, tz_sec);
  return true;
}

bool parse_epoch(std::string_view s, int64_t& ns) {
  // Seconds, milliseconds (Java, JavaScript), microseconds or nanoseconds since 1970, told
  // apart by magnitude: any of them from 1973 to 2286 falls in its own range of digits.
  uint64_t v = 0;
  size_t p = 0;
  if (s.empty()) return false;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
    if (p >= 19) return false;
    v = v * 10 + static_cast<uint64_t>(s[p] - '0');
    p++;
  }
  if (p == 0) return false;
  size_t int_end = p;
  int64_t frac = parse_frac(s, p);
  if (p != s.size()) return false;
  int64_t scale;  // ns per unit
  if (v < 10000000000ULL)
    scale = kNsPerSec;  // s (to 2286)
  else if (v < 10000000000000ULL)
    scale = 1000000;  // ms
  else if (v < 10000000000000000ULL)
    scale = 1000;  // µs
  else
    scale = 1;                                                                       // ns
  if (scale != kNsPerSec && int_end != s.size()) frac = frac / (kNsPerSec / scale);  // a fraction of a ms or µs
  if (v > static_cast<uint64_t>(INT64_MAX / scale)) return false;
  ns = static_cast<int64_t>(v) * scale + frac;
  return true;
}

std::string format_rfc3339(int64_t ns) {
  int64_t secs = ns >= 0 ? ns / kNsPerSec : -((-ns + kNsPerSec - 1) / kNsPerSec);
  int64_t frac = ns - secs * kNsPerSec;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                        static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  if (frac % 1000000 == 0) {
    n += std::snprintf(buf + n, sizeof buf - n, ".%03lldZ", static_cast<long long>(frac / 1000000));
  } else if (frac % 1000 == 0) {
    n += std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(frac / 1000));
  } else {
    n += std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(frac));
  }
  return std::string(buf, n);
}

bool parse_user_time(std::string_view s, int tz_sec, int64_t& ns) {
  if (s.substr(0, 3) == "now") {
    int64_t t = now_ns();
    if (s.size() == 3) {
      ns = t;
      return true;
    }
    if (s.size() < 5 || (s[3] != '-' && s[3] != '+')) return false;
    int64_t n = 0;
    size_t p = 4;
    // At most 12 digits: more than any bound below allows, and n * 10 cannot overflow.
    while (p < s.size() && s[p] >= '0' && s[p] <= '9' && p < 16) n = n * 10 + (s[p++] - '0');
    if (p + 1 != s.size() || p == 4) return false;
    int64_t unit = 0;
    switch (s[p]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return false;
    }
    if (n > 100000LL * 365 * 86400 / unit) return false;
    ns = s[3] == '-' ? t - n * unit * kNsPerSec : t + n * unit * kNsPerSec;
    return true;
  }
  // "2026-12-04 08:00" (how people write a time): the minute, with :00 seconds.
  if (s.size() == 16 && s[10] == ' ' && s[13] == ':') {
    std::string full = std::string(s) + ":00";
    size_t used = 0;
    return parse_rfc3339(full, ns, tz_sec, &used) && used == full.size();
  }
  size_t used = 0;
  if (!parse_rfc3339(s, ns, tz_sec, &used)) return false;
  return used == s.size();
}

std::string local_time(int64_t ns, int tz_sec) {
  std::string s = format_rfc3339(ns + static_cast<int64_t>(tz_sec) * kSec);
  return s.substr(0, 10) + " " + s.substr(11, 5);
}

bool parse_time_format(std::string_view s, std::string_view fmt, int tz_sec, int64_t ref_ns, int64_t& ns) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (fmt == "rfc3339") return parse_rfc3339(s, ns, tz_sec);
  if (fmt == "epoch") return parse_epoch(s, ns);
  if (fmt == "bsd") return parse_bsd_time(s, ref_ns, tz_sec, ns);
  if (fmt == "ctime") return parse_ctime(s, tz_sec, ns);
  if (fmt == "clf") return parse_clf_time(s, ns);
  int64_t y = -1;
  int mo = 0, d = 0, h = 0, mi = 0, se = 0, tz = tz_sec;
  int64_t frac = 0;
  size_t i = 0;
  auto num = [&](size_t max, int& out) {  // 1..max digits
    size_t n = 0;
    out = 0;
    while (n < max && i < s.size() && s[i] >= '0' && s[i] <= '9') out = out * 10 + (s[i++] - '0'), n++;
    return n > 0;
  };
  for (size_t f = 0; f < fmt.size(); f++) {
    char c = fmt[f];
    if (c == ' ') {  // one or more blanks
      if (i >= s.size() || (s[i] != ' ' && s[i] != '\t')) return false;
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) i++;
      continue;
    }
    if (c != '%' || f + 1 >= fmt.size()) {
      if (i >= s.size() || s[i] != c) return false;
      i++;
      continue;
    }
    int v = 0;
    switch (fmt[++f]) {
      case 'Y':
        if (!num(4, v)) return false;
        y = v;
        break;
      case 'y':
        if (!num(2, v)) return false;
        y = 2000 + v;
        break;
      case 'm':
        if (!num(2, mo)) return false;
        break;
      case 'd':
        if (!num(2, d)) return false;
        break;
      case 'e':
        while (i < s.size() && s[i] == ' ') i++;
        if (!num(2, d)) return false;
        break;
      case 'H':
        if (!num(2, h)) return false;
        break;
      case 'M':
        if (!num(2, mi)) return false;
        break;
      case 'S':
        if (!num(2, se)) return false;
        break;
      case 'f': {  // a fraction's digits (the '.' or ',' before it is in the format)
        size_t start = i;
        int64_t scale = 100000000;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          if (scale) frac += (s[i] - '0') * scale;
          scale /= 10;
          i++;
        }
        if (i == start) return false;
        break;
      }
      case 'b': {  // Jan / JAN / jan
        if (i + 3 > s.size()) return false;
        std::string m{static_cast<char>(std::toupper(static_cast<unsigned char>(s[i]))),
                      static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + 1]))),
                      static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + 2])))};
        mo = month_from_abbrev(m);
        if (!mo) return false;
        i += 3;
        break;
      }
      case 'z': {  // Z, +08:00, +0800
        size_t start = i;
        while (i < s.size() && (s[i] == 'Z' || s[i] == '+' || s[i] == '-' || s[i] == ':' || (s[i] >= '0' && s[i] <= '9'))) i++;
        if (!parse_tz_offset(s.substr(start, i - start), tz)) return false;
        break;
      }
      case '%':
        if (i >= s.size() || s[i] != '%') return false;
        i++;
        break;
      default: return false;  // the loader refuses unknown directives; never reached from a family
    }
  }
  if (i != s.size() || y < 0) return false;
  if (!valid_year(y) || !valid(y, mo, d, h, mi, se)) return false;
  ns = make_ns(y, mo, d, h, mi, se, frac, tz);
  return true;
}

bool time_format_ok(std::string_view fmt) {
  if (fmt == "rfc3339" || fmt == "epoch" || fmt == "bsd" || fmt == "ctime" || fmt == "clf") return true;
  bool year = false, month = false, day = false;
  for (size_t f = 0; f < fmt.size(); f++) {
    if (fmt[f] != '%') continue;
    if (++f >= fmt.size() || std::string_view("YymdeHMSfbz%").find(fmt[f]) == std::string_view::npos) return false;
    year = year || fmt[f] == 'Y' || fmt[f] == 'y';
    month = month || fmt[f] == 'm' || fmt[f] == 'b';
    day = day || fmt[f] == 'd' || fmt[f] == 'e';
  }
  return year && month && day;
}

}  // namespace wardsec
