#include "dbaudit/auditlog.h"

#include <simdjson.h>

#include <algorithm>
#include <map>

#include "core/csv.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/dbaudit_log.h"

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

void finish(Statement& s) { s.sql = analyze_sql(s.text); }

}  // namespace

namespace {

// A record read by the log-line parsers (src/parse/dbaudit_log.h) as a Statement.
Statement from_record(DbRecord&& r) {
  Statement s;
  auto se = session(r.system.c_str(), std::move(r.user), std::move(r.database), std::move(r.client_ip), std::move(r.program));
  se->server.ip = std::move(r.server);
  s.session = std::move(se);
  s.text = std::move(r.text);
  s.kind = "query";
  s.ts = r.ts;
  s.error_code = std::move(r.error_code);
  finish(s);
  return s;
}

}  // namespace

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
  std::string user = pick(r, {"server_principal_name", "session_server_principal_name", "database_principal_name", "dbusername", "username",
                              "user_name", "user"});
  std::string db = pick(r, {"database_name", "current_schema", "object_schema", "owner"});
  std::string ip = pick(r, {"client_ip", "client_address", "ip"});
  std::string host = pick(r, {"host_name", "userhost", "terminal", "client_host"});
  std::string auth = pick(r, {"authentication_type", "comment_text"});
  if (ip.empty() &&
      !auth.empty()) {  // Oracle: "(TYPE=(DATABASE));(CLIENT ADDRESS=((ADDRESS=(PROTOCOL=tcp)(HOST=10.20.5.31)(PORT=1521))));"
    size_t h = to_lower(auth).find("(host=");
    if (h != std::string::npos) ip = auth.substr(h + 6, auth.find(')', h) - h - 6);
  }
  std::string program = pick(r, {"application_name", "client_program_name", "program", "client_app"});
  out = Statement{};
  out.session = session(oracle ? "oracle" : "mssql", user, db, ip, program, host);
  out.text = text;
  out.kind = "query";
  std::string ts = pick(r, {"event_time", "event_timestamp", "timestamp", "extended_timestamp", "time", "@timestamp"});
  if (!ts.empty() && !parse_db_time(ts, tz, out.ts)) return false;
  std::string ok = to_lower(pick(r, {"succeeded"}));
  std::string rc = pick(r, {"return_code", "returncode"});
  if (ok == "false" || ok == "0")
    out.error_code = pick(r, {"additional_information"}).substr(0, 64), out.error_code = out.error_code.empty() ? "failed" : out.error_code;
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
  if (!parse_db_time(f[0], tz, out.ts)) return false;
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
    if ((!first.empty() && first.front() == '{') || header)
      format = "table";
    else if (size_t c = first.find(',');
             c != std::string_view::npos && c < 40 && c > 10 && first[4] == '-' && first.substr(0, c).find('[') == std::string_view::npos)
      format = "pgcsv";  // "2026-11-30 09:30:00.001 CST,"user","db",...
    else if (first.find("AUDIT: ") != std::string_view::npos)
      format = "pgaudit";
    else
      format = "mariadb";
  }
  auto emit = [&](Statement&& s) {
    st.statements++;
    sink(std::move(s));
  };
  if (format == "mariadb" || format == "pgaudit") {
    std::string last_pgaudit;  // pgaudit writes one line per object of a statement: one record
    for_each_line(text, [&](size_t line_no, std::string_view line) {
      st.records++;
      DbRecord s;
      if (format == "mariadb") {
        if (parse_mariadb_audit(line, s, tz))
          emit(from_record(std::move(s)));
        else if (std::count(line.begin(), line.end(), ',') >= 8)
          st.skipped++;
        else
          bad(line_no, "not a server_audit record");
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
      if (parse_pgaudit(line, s, tz))
        emit(from_record(std::move(s)));
      else
        bad(line_no, "not a pgaudit record");
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
      if (!ok)
        bad(i + 1, format == "pgcsv" ? "not a csvlog record (23 or more columns, a time first)" : "a time that does not parse");
      else if (!is_statement)
        st.skipped++;
      else
        emit(std::move(s));
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
        if (v.is_string())
          r[key] = std::string(std::string_view(v.get_string()));
        else if (!v.is_null())
          r[key] = simdjson::minify(v);
      }
      Statement s;
      bool is_statement = false;
      if (!from_row(r, tz, s, is_statement))
        bad(line_no, "a time that does not parse");
      else if (!is_statement)
        st.skipped++;
      else
        emit(std::move(s));
    });
    return st;
  }
  return Error{"unknown audit log format " + format + " (mariadb, pgaudit, pgcsv, table or auto)"};
}

}  // namespace wardsec::dbaudit
