// Time parsing and formatting. All times are int64 nanoseconds since the Unix epoch, UTC.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace wardsec {

// Nanoseconds in a second: times are ns since the Unix epoch throughout.
inline constexpr int64_t kSec = 1000000000LL;

int64_t now_ns();
// Sleeps `ms` milliseconds, returning early (within 50 ms) once `stop` is set.
void sleep_unless(const std::atomic<bool>& stop, int ms);
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
// The day of the week of a day count since 1970-01-01 (a Thursday): 0 Monday ... 6 Sunday.
constexpr int weekday_of(int64_t days) { return static_cast<int>(((days % 7) + 7 + 3) % 7); }
// Month from its English three-letter abbreviation (1..12), 0 if not one.
int month_from_abbrev(std::string_view s);

// RFC 3339 / ISO 8601: 2024-03-01T08:00:00[.123456][Z|+08:00]; a space instead of T is taken.
// Without a zone, `default_tz_sec` is used.
bool parse_rfc3339(std::string_view s, int64_t& ns, int default_tz_sec = 0, size_t* consumed = nullptr);
// BSD syslog "Mmm dd hh:mm:ss": with `year` 0 (the line names none) the year is the one that
// puts the time within [ref - 334 days, ref + 31 days]. Dates that do not exist fail.
bool parse_bsd_time(std::string_view s, int64_t ref_ns, int tz_sec, int64_t& ns, int year = 0);
// Common Log Format: 10/Oct/2000:13:55:36 -0700
bool parse_clf_time(std::string_view s, int64_t& ns);
// ctime style used by Apache error logs: "Sun Dec 04 04:47:44 2005" (optionally with .micro)
bool parse_ctime(std::string_view s, int tz_sec, int64_t& ns);
// nginx error log: 2024/01/15 10:00:00
bool parse_slash_time(std::string_view s, int tz_sec, int64_t& ns);
// Epoch time: "1364481363.243" (seconds with fraction, auditd), or milliseconds,
// microseconds or nanoseconds since 1970 (told apart by magnitude).
bool parse_epoch(std::string_view s, int64_t& ns);

// 2024-03-01T08:00:00.123456789Z (fraction only as long as needed, milliseconds at least)
std::string format_rfc3339(int64_t ns);
// Local date and time of a ns timestamp in the zone, to the minute: "2026-11-29 20:40".
std::string local_time(int64_t ns, int tz_sec);
// Parses a user-supplied time: RFC 3339, a date (YYYY-MM-DD), "now", "now-15m/-2h/-7d" or
// "now+1d".
bool parse_user_time(std::string_view s, int tz_sec, int64_t& ns);
// A vendor's time in a strptime-like format (device families' `time:`): %Y %y %m %d %e %H %M %S,
// %f (the fraction's digits), %b (Jan, JAN), %z (Z, +08:00, +0800), %%; a blank matches one or
// more; other characters match themselves. Or one of the named forms: rfc3339, epoch, bsd (year
// from `ref_ns`), ctime, clf. Without %z the zone is `tz_sec`. The whole of `s` must match.
bool parse_time_format(std::string_view s, std::string_view fmt, int tz_sec, int64_t ref_ns, int64_t& ns);
// A format parse_time_format takes: known directives, and a year, a month and a day.
bool time_format_ok(std::string_view fmt);
// Parses "+08:00", "-0500", "Z", "UTC" into seconds east of UTC.
bool parse_tz_offset(std::string_view s, int& sec);

}  // namespace wardsec
