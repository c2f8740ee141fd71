#include "dbaudit/auditlog.h"

#include <simdjson.h>

#include <algorithm>
#include <map>

#include "core/csv.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::dbaudit {

namespace {

std::shared_ptr<Session> session(const char* system, std::string user, std::string db, std::string ip, std::string program = {},
                                 std::string host = {}) {
  auto se = std::make_shared<Session>();
  se->system = system;
  se->user = std::move(user);
  se->database = std::move(db);
  se->client.ip = std::move(ip);
  se->program = std::move(program);
  se->client_host = std::move(host);
  return se;
}

// "20261130 09:15:02" (server_audit), ISO forms, Oracle's "30-NOV-26 09.15.02.123456 AM +08:00".
bool parse_any_time(std::string_view s, int tz, int64_t& ns) {
  s = trim(s);
  if (s.size() >= 17 && s[8] == ' ' && std::all_of(s.begin(), s.begin() + 8, [](char c) { return c >= '0' && c <= '9'; })) {
    std::string iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" + std::string(s.substr(6, 2)) + "T" + std::string(s.substr(9));
    return parse_rfc3339(iso, ns, tz);
  }
  if (parse_rfc3339(s, ns, tz)) return true;
  // PostgreSQL's %m/%t: "2026-11-30 09:30:00.001 CST" (a zone name, not an offset: UTC/GMT
  // are zero, anything else is taken as the configured local zone, China's CST here).
  if (size_t sp = s.rfind(' '); sp != std::string_view::npos && sp > 10 &&
                                std::all_of(s.begin() + static_cast<std::ptrdiff_t>(sp) + 1, s.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
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
    if (m == 0) return false;
    if (y < 100) y += 2000;
    if (ampm[0] == 'P' && h < 12) h += 12;
    if (ampm[0] == 'A' && h == 12) h = 0;
    int zone = tz;
    if (n > 0 && static_cast<size_t>(n) < str.size()) parse_tz_offset(trim(std::string_view(str).substr(static_cast<size_t>(n))), zone);
    ns = ((days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec) - zone) * 1000000000LL;
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
      if (c == '"' && i + 1 < t.size() && t[i + 1] == '"') out.back() += '"', i++;
      else if (c == '"') q = false;
      else out.back() += c;
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

void finish(Statement& s) { s.sql = analyze_sql(s.text); }

}  // namespace

bool parse_mariadb_audit(std::string_view line, Statement& out, int tz) {
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
  bool has_time = parse_any_time(f[0], tz, ts);
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
  out = Statement{};
  auto se = session("mysql", std::string(f[1]), std::string(f[6]), std::string(f[2]));
  se->server.ip = std::string(f[0]);
  out.session = std::move(se);
  out.text = std::move(text);
  out.kind = "query";
  out.ts = has_time ? ts : 0;
  std::string_view rc = trim(line.substr(last + 1));
  if (!rc.empty() && rc != "0") out.error_code = std::string(rc);
  finish(out);
  return true;
}

bool parse_pgaudit(std::string_view line, Statement& out, int tz) {
  size_t a = line.find("AUDIT: ");
  if (a == std::string_view::npos) return false;
  auto f = csv_fields(line.substr(a + 7));
  // AUDIT_TYPE, STATEMENT_ID, SUBSTATEMENT_ID, CLASS, COMMAND, OBJECT_TYPE, OBJECT_NAME, STATEMENT, PARAMETER
  if (f.size() < 8 || (f[0] != "SESSION" && f[0] != "OBJECT")) return false;
  std::string_view prefix = line.substr(0, a);
  out = Statement{};
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
  out.session = session("postgresql", user, db, ip, app);
  int64_t ts = 0;
  if (prefix.size() >= 19 && parse_rfc3339(prefix.substr(0, prefix.find(' ', 11) == std::string_view::npos ? 19 : prefix.find(' ', 11)), ts, tz)) {
    // "2026-11-30 09:15:02.123 CST": the zone name is not an offset; CST here is China's.
    out.ts = ts;
  }
  out.text = f[7];
  out.kind = "query";
  finish(out);
  return true;
}

namespace {

// A record of a table export (CSV with a header, or JSON), as column -> value.
using Row = std::map<std::string, std::string>;  // lower-case names

std::string pick(const Row& r, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto it = r.find(n); it != r.end() && !it->second.empty()) return it->second;
  return {};
}

// SQL Server (fn_get_audit_file) and Oracle (UNIFIED_AUDIT_TRAIL, DBA_AUDIT_TRAIL) columns.
bool from_row(const Row& r, int tz, Statement& out, bool& is_statement) {
  std::string text = pick(r, {"statement", "sql_text", "sqltext", "query"});
  is_statement = !text.empty();
  if (!is_statement) return true;
  bool oracle = r.count("dbusername") || r.count("sql_text") || r.count("returncode") || r.count("return_code");
  std::string user = pick(r, {"server_principal_name", "session_server_principal_name", "database_principal_name", "dbusername", "username", "user_name", "user"});
  std::string db = pick(r, {"database_name", "current_schema", "object_schema", "owner"});
  std::string ip = pick(r, {"client_ip", "client_address", "ip"});
  std::string host = pick(r, {"host_name", "userhost", "terminal", "client_host"});
  std::string auth = pick(r, {"authentication_type", "comment_text"});
  if (ip.empty() && !auth.empty()) {  // Oracle: "(TYPE=(DATABASE));(CLIENT ADDRESS=((ADDRESS=(PROTOCOL=tcp)(HOST=10.20.5.31)(PORT=1521))));"
    size_t h = to_lower(auth).find("(host=");
    if (h != std::string::npos) ip = auth.substr(h + 6, auth.find(')', h) - h - 6);
  }
  std::string program = pick(r, {"application_name", "client_program_name", "program", "client_app"});
  out = Statement{};
  out.session = session(oracle ? "oracle" : "mssql", user, db, ip, program, host);
  out.text = text;
  out.kind = "query";
  std::string ts = pick(r, {"event_time", "event_timestamp", "timestamp", "extended_timestamp", "time", "@timestamp"});
  if (!ts.empty() && !parse_any_time(ts, tz, out.ts)) return false;
  std::string ok = to_lower(pick(r, {"succeeded"}));
  std::string rc = pick(r, {"return_code", "returncode"});
  if (ok == "false" || ok == "0") out.error_code = pick(r, {"additional_information"}).substr(0, 64), out.error_code = out.error_code.empty() ? "failed" : out.error_code;
  if (!rc.empty() && rc != "0") out.error_code = rc;
  uint64_t v;
  if (std::string x = pick(r, {"response_rows", "row_count"}); parse_u64(x, v)) out.rows = static_cast<int64_t>(v);
  if (std::string x = pick(r, {"affected_rows"}); parse_u64(x, v)) out.affected = static_cast<int64_t>(v);
  if (std::string x = pick(r, {"duration_milliseconds"}); parse_u64(x, v)) out.latency_ns = static_cast<int64_t>(v) * 1000000;
  finish(out);
  return true;
}

// PostgreSQL csvlog: which record holds a statement, and its text.
bool from_pgcsv(const std::vector<std::string>& f, int tz, Statement& out, bool& is_statement) {
  is_statement = false;
  if (f.size() < 23) return false;
  const std::string& msg = f[13];
  std::string text;
  std::string_view m = msg;
  if (size_t a = m.find("AUDIT: "); a != std::string_view::npos) {
    auto af = csv_fields(m.substr(a + 7));
    if (af.size() >= 8) text = af[7];
  } else if (size_t st = m.find("statement: "); st != std::string_view::npos) {
    text = std::string(m.substr(st + 11));
  } else if (starts_with(m, "execute ") && m.find(": ") != std::string_view::npos) {
    text = std::string(m.substr(m.find(": ") + 2));
  } else if ((f[11] == "ERROR" || f[11] == "FATAL") && !f[19].empty()) {
    text = f[19];
  }
  if (text.empty()) return true;
  is_statement = true;
  std::string ip = f[4];
  if (size_t c = ip.rfind(':'); c != std::string::npos && ip.find(':') == c) ip.resize(c);  // host:port
  out = Statement{};
  out.session = session("postgresql", f[1], f[2], ip, f[22]);
  out.text = std::move(text);
  out.kind = "query";
  if (!parse_any_time(f[0], tz, out.ts)) return false;
  if (f[11] == "ERROR" || f[11] == "FATAL") out.error_code = f[12], out.error_message = msg.substr(0, 512);
  finish(out);
  return true;
}

// Each non-empty line (trimmed) with its 1-based number.
template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  size_t line_no = 0;
  for (size_t at = 0; at < text.size();) {
    size_t e = text.find('\n', at);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = trim(text.substr(at, e - at));
    at = e + 1;
    line_no++;
    if (!line.empty()) fn(line_no, line);
  }
}

}  // namespace

Result<AuditLogStats> read_audit_log(std::string_view text, const std::string& name, std::string format, const StatementSink& sink,
                                     const std::function<void(const std::string&)>& warn, int tz) {
  AuditLogStats st;
  int warned = 0;
  auto bad = [&](size_t line, const std::string& what) {
    st.malformed++;
    if (warn && warned++ < 20) warn(name + ":" + std::to_string(line) + ": " + what);
  };
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::string_view first = text.substr(0, text.find('\n'));
  if (format == "auto") {
    bool header = false;  // a CSV header naming a statement or time column
    for (const auto& h : csv_fields(first)) {
      std::string n = to_lower(trim(h));
      header = header || n == "statement" || n == "sql_text" || n == "event_time" || n == "event_timestamp";
    }
    if ((!first.empty() && first.front() == '{') || header) format = "table";
    else if (size_t c = first.find(','); c != std::string_view::npos && c < 40 && c > 10 && first[4] == '-' &&
                                          first.substr(0, c).find('[') == std::string_view::npos)
      format = "pgcsv";  // "2026-11-30 09:30:00.001 CST,"user","db",...
    else if (first.find("AUDIT: ") != std::string_view::npos) format = "pgaudit";
    else format = "mariadb";
  }
  auto emit = [&](Statement&& s) {
    st.statements++;
    sink(std::move(s));
  };
  if (format == "mariadb" || format == "pgaudit") {
    std::string last_pgaudit;  // pgaudit writes one line per object of a statement: one record
    for_each_line(text, [&](size_t line_no, std::string_view line) {
      st.records++;
      Statement s;
      if (format == "mariadb") {
        if (parse_mariadb_audit(line, s, tz)) emit(std::move(s));
        else if (std::count(line.begin(), line.end(), ',') >= 8) st.skipped++;
        else bad(line_no, "not a server_audit record");
        return;
      }
      size_t a = line.find("AUDIT: ");
      if (a == std::string_view::npos) {
        st.skipped++;
        return;
      }
      auto f = csv_fields(line.substr(a + 7));
      std::string key = f.size() > 2 ? f[1] + "," + f[2] : std::string();
      if (!key.empty() && key == last_pgaudit) {
        st.skipped++;
        return;
      }
      last_pgaudit = key;
      if (parse_pgaudit(line, s, tz)) emit(std::move(s));
      else bad(line_no, "not a pgaudit record");
    });
    return st;
  }
  if (format == "pgcsv" || (format == "table" && first.substr(0, 1) != "{")) {
    auto rows = parse_csv(text, name);
    if (!rows) return Error{rows.error()};
    std::vector<std::string> header;
    size_t start = 0;
    if (format == "table") {
      if (rows->empty()) return st;
      for (const auto& h : rows->front()) header.push_back(to_lower(trim(h)));
      start = 1;
    }
    for (size_t i = start; i < rows->size(); i++) {
      const auto& f = (*rows)[i];
      st.records++;
      Statement s;
      bool is_statement = false, ok;
      if (format == "pgcsv") {
        ok = from_pgcsv(f, tz, s, is_statement);
      } else {
        Row r;
        for (size_t c = 0; c < header.size() && c < f.size(); c++) r[header[c]] = f[c];
        ok = from_row(r, tz, s, is_statement);
      }
      if (!ok) bad(i + 1, format == "pgcsv" ? "not a csvlog record (23 or more columns, a time first)" : "a time that does not parse");
      else if (!is_statement) st.skipped++;
      else emit(std::move(s));
    }
    return st;
  }
  if (format == "table") {  // JSON lines
    simdjson::dom::parser parser;
    for_each_line(text, [&](size_t line_no, std::string_view line) {
      st.records++;
      simdjson::dom::element doc;
      if (parser.parse(line.data(), line.size()).get(doc) || !doc.is_object()) {
        bad(line_no, "not a JSON object");
        return;
      }
      Row r;
      for (auto [k, v] : doc.get_object()) {
        std::string key = to_lower(std::string(k));
        if (v.is_string()) r[key] = std::string(std::string_view(v.get_string()));
        else if (!v.is_null()) r[key] = simdjson::minify(v);
      }
      Statement s;
      bool is_statement = false;
      if (!from_row(r, tz, s, is_statement)) bad(line_no, "a time that does not parse");
      else if (!is_statement) st.skipped++;
      else emit(std::move(s));
    });
    return st;
  }
  return Error{"unknown audit log format " + format + " (mariadb, pgaudit, pgcsv, table or auto)"};
}

}  // namespace wardsec::dbaudit
