// RFC 5424 and RFC 3164 (BSD) syslog envelopes, plus the header-less "Mmm dd hh:mm:ss host
// prog[pid]: msg" and "ISO-time host prog: msg" forms that log files use.
#include <algorithm>
#include <cstring>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec {
namespace {

// Parses "<PRI>" at the start; returns the length consumed (0 if none).
size_t parse_pri(std::string_view s, int& pri) {
  if (s.size() < 3 || s[0] != '<') return 0;
  int v = 0;
  size_t i = 1;
  while (i < s.size() && i <= 4 && is_digit(s[i])) v = v * 10 + (s[i++] - '0');
  if (i == 1 || i >= s.size() || s[i] != '>' || v > 191) return 0;
  pri = v;
  return i + 1;
}

std::string_view next_token(std::string_view& s) {
  size_t e = s.find(' ');
  std::string_view t = s.substr(0, e);
  s = e == std::string_view::npos ? std::string_view() : s.substr(e + 1);
  return t;
}

void set_pri(Event& ev, int pri) {
  ev.set_int(kSyslogFacility, pri / 8);
  ev.set_int(kSyslogSeverity, pri % 8);
  static constexpr const char* kLevels[] = {"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"};
  ev.set(kLogLevel, kLevels[pri % 8]);
}

// "sshd[123]:" / "sshd:" / "kernel:" — sets process fields; returns the body.
std::string_view split_tag(Event& ev, std::string_view rest, std::string_view& program) {
  // A tag is up to 48 printable chars ending in ':' or '[pid]:'.
  size_t i = 0;
  while (i < rest.size() && i < 64 && rest[i] != ':' && rest[i] != '[' && rest[i] != ' ') i++;
  if (i == 0 || i >= rest.size()) return rest;
  std::string_view prog = rest.substr(0, i);
  size_t j = i;
  if (rest[j] == '[') {
    size_t close = rest.find(']', j);
    if (close == std::string_view::npos || close - j > 12) return rest;
    std::string_view pid = rest.substr(j + 1, close - j - 1);
    ev.set(kProcessPid, pid);
    j = close + 1;
  }
  if (j >= rest.size() || rest[j] != ':') {
    if (j == i) return rest;  // "word word" with no colon: not a tag
  } else {
    j++;
  }
  ev.set(kProcessName, prog);
  program = prog;
  if (j < rest.size() && rest[j] == ' ') j++;
  return rest.substr(j);
}

class Rfc5424 : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override {
    int pri;
    size_t n = parse_pri(s, pri);
    return n && s.size() > n + 1 && s[n] == '1' && s[n + 1] == ' ';
  }
  bool parse(Event& ev, const ParseContext& ctx, std::string_view& program, std::string_view& body) const override {
    std::string_view s = ev.raw;
    int pri = 0;
    size_t n = parse_pri(s, pri);
    s.remove_prefix(n + 2);
    std::string_view ts = next_token(s), host = next_token(s), app = next_token(s), procid = next_token(s), msgid = next_token(s);
    if (msgid.empty() && s.empty()) return false;
    set_pri(ev, pri);
    ev.set_int(kSyslogVersion, 1);
    if (ts != "-") {
      int64_t t;
      if (parse_rfc3339(ts, t, ctx.tz_sec)) {
        ev.ts = t;
      } else {  // a time that cannot be (year 9999, Feb 31): filed at reception, kept, tagged by the guard
        static const FieldId original_time = FieldRegistry::intern("event.original_time");
        ev.set(original_time, ts);
      }
    }
    if (host != "-") ev.set(kHostName, host);
    if (app != "-") {
      ev.set(kProcessName, app);
      program = app;
    }
    if (procid != "-") ev.set(kProcessPid, procid);
    if (msgid != "-") ev.set(kSyslogMsgId, msgid);
    // Structured data: "-" or one or more [id k="v" ...]
    if (!s.empty() && s[0] == '[') {
      size_t i = 0;
      while (i < s.size() && s[i] == '[') {
        size_t start = i;
        i++;
        size_t id_end = i;
        while (id_end < s.size() && s[id_end] != ' ' && s[id_end] != ']') id_end++;
        std::string_view id = s.substr(i, id_end - i);
        i = id_end;
        while (i < s.size() && s[i] != ']') {
          while (i < s.size() && s[i] == ' ') i++;
          size_t eq = s.find('=', i);
          if (eq == std::string_view::npos || eq + 1 >= s.size() || s[eq + 1] != '"') return finish_sd(ev, s, start, body);
          std::string_view key = s.substr(i, eq - i);
          size_t v = eq + 2, p = v;
          std::string val;
          bool escaped = false;
          while (p < s.size() && s[p] != '"') {
            if (s[p] == '\\' && p + 1 < s.size()) {
              escaped = true;
              p++;
            }
            val.push_back(s[p]);
            p++;
          }
          if (p >= s.size()) return finish_sd(ev, s, start, body);
          std::string name = "log.syslog.structured_data.";
          name.append(id).append(".").append(key);
          FieldId fid = FieldRegistry::intern(name);
          if (fid != kNoField) {
            if (escaped)
              ev.set(fid, val);
            else
              ev.set(fid, s.substr(v, p - v));
          }
          i = p + 1;
        }
        if (i >= s.size()) break;
        i++;  // ']'
      }
      ev.set(kSyslogSd, s.substr(0, i));
      s = i < s.size() && s[i] == ' ' ? s.substr(i + 1) : s.substr(i);
    } else if (!s.empty() && s[0] == '-') {
      s = s.size() > 1 ? s.substr(2) : std::string_view();
    }
    if (starts_with(s, "\xEF\xBB\xBF")) s.remove_prefix(3);  // BOM
    // rsyslog's %msg% keeps the blank that followed "tag:"; it is not part of the message.
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    ev.set(kMessage, s);
    body = s;
    return true;
  }

 private:
  static bool finish_sd(Event& ev, std::string_view s, size_t, std::string_view& body) {
    // Malformed structured data: keep the rest as the message rather than guess.
    ev.set(kMessage, s);
    body = s;
    return true;
  }
};

bool level_word(std::string_view w) {
  static constexpr std::string_view kWords[] = {"TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "SEVERE", "CRITICAL"};
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

// Cisco IOS and Ruijie RGOS with sequence numbers on: "<189>226: Dec  4 ..." or "<189> 226:Mar 5
// ...", and "*" or "." before a time the device's clock does not vouch for. The number goes to
// event.sequence; `s` then starts at the time. Only after a PRI: a bare "226: x" stays a tag.
void skip_sequence(Event& ev, std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') i++;
  size_t d = i;
  while (d < s.size() && d - i < 10 && is_digit(s[d])) d++;
  if (d == i || d >= s.size() || s[d] != ':') return;
  size_t after = d + 1;
  while (after < s.size() && s[after] == ' ') after++;
  if (after < s.size() && (s[after] == '*' || s[after] == '.')) after++;
  if (s.size() - after < 15 || !month_from_abbrev(s.substr(after))) return;  // a tag "123:", not a sequence number
  static const FieldId sequence = FieldRegistry::intern("event.sequence");
  ev.set(sequence, s.substr(i, d - i));
  s.remove_prefix(after);
}

class Rfc3164 : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override {
    int pri;
    size_t n = parse_pri(s, pri);
    if (n) return true;
    if (s.size() >= 16 && month_from_abbrev(s) && s[3] == ' ') return true;
    return s.size() >= 20 && is_digit(s[0]) && s[4] == '-' && s[10] == 'T';
  }
  bool parse(Event& ev, const ParseContext& ctx, std::string_view& program, std::string_view& body) const override {
    std::string_view s = ev.raw;
    int pri = -1;
    size_t n = parse_pri(s, pri);
    s.remove_prefix(n);
    if (pri >= 0) {
      set_pri(ev, pri);
      skip_sequence(ev, s);
    }
    int64_t t;
    bool have_time = false;
    // "Mar 5 02:09:10" (a single-digit day with one blank, as some switches write it) is read
    // as "Mar  5 02:09:10": `head` is the text the time is read from, `pad` what it adds.
    char padded[48];
    std::string_view head = s;
    size_t pad = 0;
    if (s.size() >= 14 && s[3] == ' ' && is_digit(s[4]) && s[5] == ' ' && is_digit(s[6]) && month_from_abbrev(s)) {
      size_t take = std::min(s.size(), sizeof padded - 1);
      std::memcpy(padded, s.data(), 4);
      padded[4] = ' ';
      std::memcpy(padded + 5, s.data() + 4, take - 4);
      head = std::string_view(padded, take + 1);
      pad = 1;
    }
    // Some devices add the year or milliseconds: "Dec 10 06:55:46 2024" / ".123"; a year
    // named is the year.
    int year = 0;
    size_t stamp = 15;
    if (head.size() > 15 && head[15] == '.') {
      stamp = 16;
      while (stamp < head.size() && is_digit(head[stamp])) stamp++;
    }
    if (head.size() > stamp + 5 && head[stamp] == ' ' && is_digit(head[stamp + 1]) && is_digit(head[stamp + 2]) &&
        is_digit(head[stamp + 3]) && is_digit(head[stamp + 4]) && head[stamp + 5] == ' ') {
      year = (head[stamp + 1] - '0') * 1000 + (head[stamp + 2] - '0') * 100 + (head[stamp + 3] - '0') * 10 + (head[stamp + 4] - '0');
      stamp += 5;
    }
    bool bsd_shape = head.size() >= 15 && month_from_abbrev(head) && head[3] == ' ' && head[9] == ':' && head[12] == ':';
    if (bsd_shape && parse_bsd_time(head, ctx.received, ctx.tz_sec, t, year)) {
      s.remove_prefix(stamp - pad);
      have_time = true;
    } else if (bsd_shape) {
      // A date that does not exist ("Feb 31") or a year out of range: the line is kept,
      // filed at reception, the sender's text in event.original_time (the guard tags it).
      static const FieldId original_time = FieldRegistry::intern("event.original_time");
      ev.set(original_time, s.substr(0, stamp - pad));
      s.remove_prefix(stamp - pad);
      have_time = true;
      t = 0;
    } else {
      size_t used = 0;
      if (s.size() >= 19 && is_digit(s[0]) && parse_rfc3339(s, t, ctx.tz_sec, &used) && used >= 19) {
        s.remove_prefix(used);
        have_time = true;
        // "2026-12-05 10:20:44.918 ERROR 2291 --- [main] ..." with no PRI is an application's
        // own log line (Logback, Log4j, Python logging), not syslog from a host named ERROR.
        std::string_view after = s;
        while (!after.empty() && after[0] == ' ') after.remove_prefix(1);
        if (pri < 0 && level_word(next_token(after))) return false;
      }
    }
    if (!have_time && pri < 0) return false;
    if (have_time && t) ev.ts = t;
    if (have_time && !s.empty() && s[0] == ':') s.remove_prefix(1);  // Cisco: "*Dec  4 10:21:07.123: %SEC..."
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    // Host name is absent when the next token is already the tag ("sshd[1]:", "su:").
    std::string_view rest = s;
    std::string_view first = next_token(rest);
    bool first_is_tag = !first.empty() && (first.back() == ':' || first.find('[') != std::string_view::npos);
    if (have_time && !first_is_tag && !first.empty()) {
      ev.set(kHostName, first);
      s = rest;
    }
    std::string_view msg = split_tag(ev, s, program);
    ev.set(kMessage, msg);
    body = msg;
    return true;
  }
};

}  // namespace

EnvelopeParserPtr make_rfc5424_parser() { return std::make_unique<Rfc5424>(); }
EnvelopeParserPtr make_rfc3164_parser() { return std::make_unique<Rfc3164>(); }

}  // namespace wardsec
