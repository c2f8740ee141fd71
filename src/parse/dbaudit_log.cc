#include "parse/dbaudit_log.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec {

namespace {

// key=value from a log_line_prefix ("user=his_app,db=his,client=10.20.5.31").
std::string prefix_value(std::string_view prefix, std::string_view key) {
  for (size_t at = 0; (at = prefix.find(key, at)) != std::string_view::npos; at++) {
    if (at > 0 && (std::isalnum(static_cast<unsigned char>(prefix[at - 1])) || prefix[at - 1] == '_')) continue;
    size_t v = at + key.size();
    size_t e = prefix.find_first_of(", []()\t", v);
    return std::string(prefix.substr(v, e == std::string_view::npos ? std::string_view::npos : e - v));
  }
  return {};
}

}  // namespace

// "20261130 09:15:02" (server_audit), ISO forms, Oracle's "30-NOV-26 09.15.02.123456 AM +08:00".
bool parse_db_time(std::string_view s, int tz, int64_t& ns) {
  s = trim(s);
  if (s.size() >= 17 && s[8] == ' ' && std::all_of(s.begin(), s.begin() + 8, [](char c) { return c >= '0' && c <= '9'; })) {
    std::string iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" + std::string(s.substr(6, 2)) + "T" +
                      std::string(s.substr(9));
    return parse_rfc3339(iso, ns, tz);
  }
  if (parse_rfc3339(s, ns, tz)) return true;
  // PostgreSQL's %m/%t: "2026-11-30 09:30:00.001 CST" (a zone name, not an offset: UTC/GMT
  // are zero, anything else is taken as the configured local zone, China's CST here).
  if (size_t sp = s.rfind(' '); sp != std::string_view::npos && sp > 10 &&
                                std::all_of(s.begin() + static_cast<std::ptrdiff_t>(sp) + 1, s.end(),
                                            [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
    std::string_view zone = s.substr(sp + 1);
    return parse_rfc3339(s.substr(0, sp), ns, zone == "UTC" || zone == "GMT" ? 0 : tz);
  }
  // DD-MON-YY[YY] HH.MI.SS[.FF] AM|PM [zone]
  int d = 0, y = 0, h = 0, mi = 0, sec = 0;
  char mon[4] = {0}, ampm[3] = {0};
  unsigned long frac = 0;
  int n = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%d-%3s-%d %d.%d.%d.%lu %2s%n", &d, mon, &y, &h, &mi, &sec, &frac, ampm, &n) >= 6) {
    int m = month_from_abbrev(std::string(1, mon[0]) + to_lower(std::string(mon + 1)));
    // A field out of its range is no time (and would overflow the sum below).
    if (m == 0 || d < 1 || d > 31 || y < 0 || y > 9999 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return false;
    if (y < 100) y += 2000;
    if (y < 1970 || y > 2200) return false;  // outside what ns since 1970 holds
    if (ampm[0] == 'P' && h < 12) h += 12;
    if (ampm[0] == 'A' && h == 12) h = 0;
    int zone = tz;
    if (n > 0 && static_cast<size_t>(n) < str.size()) parse_tz_offset(trim(std::string_view(str).substr(static_cast<size_t>(n))), zone);
    ns =
        ((days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec) - zone) * 1000000000LL;
    return true;
  }
  return false;
}

// A CSV record inside a line (pgaudit's "AUDIT: ..." fields); tolerant: a stray quote is text.
std::vector<std::string> csv_fields(std::string_view t) {
  std::vector<std::string> out(1);
  bool q = false;
  for (size_t i = 0; i < t.size(); i++) {
    char c = t[i];
    if (q) {
      if (c == '"' && i + 1 < t.size() && t[i + 1] == '"')
        out.back() += '"', i++;
      else if (c == '"')
        q = false;
      else
        out.back() += c;
    } else if (c == '"' && out.back().empty()) {
      q = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

bool parse_mariadb_audit(std::string_view line, DbRecord& out, int tz) {
  line = trim(line);
  // [timestamp,]serverhost,username,host,connectionid,queryid,operation,database,'object',retcode
  std::vector<std::string_view> f;
  size_t at = 0;
  while (f.size() < 7 && at <= line.size()) {
    size_t c = line.find(',', at);
    if (c == std::string_view::npos) return false;
    f.push_back(line.substr(at, c - at));
    at = c + 1;
  }
  int64_t ts = 0;
  bool has_time = parse_db_time(f[0], tz, ts);
  if (has_time) {  // one more field to read
    size_t c = line.find(',', at);
    if (c == std::string_view::npos) return false;
    f.push_back(line.substr(at, c - at));
    at = c + 1;
    f.erase(f.begin());
  }
  // f: serverhost, user, host, connid, queryid, operation, database, then object...,retcode
  std::string_view op = f[5];
  if (!starts_with(op, "QUERY")) return false;  // CONNECT, DISCONNECT, READ/WRITE table events
  size_t last = line.rfind(',');
  if (last == std::string_view::npos || last < at) return false;
  std::string_view obj = trim(line.substr(at, last - at));
  if (obj.size() >= 2 && obj.front() == '\'' && obj.back() == '\'') obj = obj.substr(1, obj.size() - 2);
  std::string text;
  for (size_t i = 0; i < obj.size(); i++) {
    if (obj[i] == '\\' && i + 1 < obj.size()) {
      char n = obj[++i];
      text += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
    } else {
      text += obj[i];
    }
  }
  out = DbRecord{};
  out.system = "mysql";
  out.user = std::string(f[1]);
  out.database = std::string(f[6]);
  out.client_ip = std::string(f[2]);
  out.server = std::string(f[0]);
  out.text = std::move(text);
  out.ts = has_time ? ts : 0;
  std::string_view rc = trim(line.substr(last + 1));
  if (!rc.empty() && rc != "0") out.error_code = std::string(rc);
  return true;
}

bool parse_pgaudit(std::string_view line, DbRecord& out, int tz) {
  size_t a = line.find("AUDIT: ");
  if (a == std::string_view::npos) return false;
  auto f = csv_fields(line.substr(a + 7));
  // AUDIT_TYPE, STATEMENT_ID, SUBSTATEMENT_ID, CLASS, COMMAND, OBJECT_TYPE, OBJECT_NAME, STATEMENT, PARAMETER
  if (f.size() < 8 || (f[0] != "SESSION" && f[0] != "OBJECT")) return false;
  std::string_view prefix = line.substr(0, a);
  out = DbRecord{};
  std::string user = prefix_value(prefix, "user="), db = prefix_value(prefix, "db="), ip = prefix_value(prefix, "client=");
  if (ip.empty()) ip = prefix_value(prefix, "host=");
  if (size_t p = ip.find('('); p != std::string::npos) ip.resize(p);  // %r: host(port)
  if (user.empty()) {
    // %u@%d
    size_t at = prefix.find('@');
    if (at != std::string_view::npos) {
      size_t s = prefix.rfind(' ', at);
      s = s == std::string_view::npos ? 0 : s + 1;
      size_t e = prefix.find_first_of(" :", at);
      user = std::string(prefix.substr(s, at - s));
      db = std::string(prefix.substr(at + 1, e == std::string_view::npos ? std::string_view::npos : e - at - 1));
      if (!user.empty() && user.front() == '[') user.erase(0, user.find(']') + 1);
    }
  }
  std::string app = prefix_value(prefix, "app=");
  out.system = "postgresql";
  out.user = std::move(user);
  out.database = std::move(db);
  out.client_ip = std::move(ip);
  out.program = std::move(app);
  int64_t ts = 0;
  if (prefix.size() >= 19 &&
      parse_rfc3339(prefix.substr(0, prefix.find(' ', 11) == std::string_view::npos ? 19 : prefix.find(' ', 11)), ts, tz)) {
    // "2026-11-30 09:15:02.123 CST": the zone name is not an offset; CST here is China's.
    out.ts = ts;
  }
  out.text = f[7];
  return true;
}

void set_db_fields(Event& ev, const DbRecord& r) {
  static const FieldId statement = FieldRegistry::intern("db.statement"), system = FieldRegistry::intern("db.system"),
                       user = FieldRegistry::intern("db.user.name"), db = FieldRegistry::intern("db.name"),
                       program = FieldRegistry::intern("client.program"), error = FieldRegistry::intern("error.code");
  ev.set(statement, r.text);
  ev.set(system, r.system);
  if (!r.user.empty()) ev.set(user, r.user);
  if (!r.database.empty()) ev.set(db, r.database);
  if (!r.client_ip.empty() && looks_like_ip(r.client_ip)) ev.set(kSourceIp, r.client_ip);
  if (!r.program.empty()) ev.set(program, r.program);
  if (!r.error_code.empty()) ev.set(error, r.error_code);
  ev.set(kEventDataset, "dbaudit.statement");
}

namespace {

// server_audit records, by the program that logged them.
class MariadbAuditParser final : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view program, std::string_view body, const ParseContext& ctx) const override {
    if (program.find("server_audit") == std::string_view::npos && program != "mysql-server_auditing") return false;
    DbRecord r;
    if (!parse_mariadb_audit(body, r, ctx.tz_sec)) return false;
    set_db_fields(ev, r);
    return true;
  }
};

// pgaudit lines, from PostgreSQL (or a program that did not say who it is).
class PgauditParser final : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view program, std::string_view body, const ParseContext& ctx) const override {
    if (body.find("AUDIT: ") == std::string_view::npos || (!program.empty() && program.find("postgres") == std::string_view::npos))
      return false;
    DbRecord r;
    if (!parse_pgaudit(body, r, ctx.tz_sec)) return false;
    set_db_fields(ev, r);
    return true;
  }
};

}  // namespace

MessageParserPtr make_mariadb_audit_parser() { return std::make_unique<MariadbAuditParser>(); }
MessageParserPtr make_pgaudit_parser() { return std::make_unique<PgauditParser>(); }

}  // namespace wardsec
