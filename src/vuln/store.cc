#include "vuln/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <unordered_map>

#include "compliance/assessment.h"
#include "core/csv.h"
#include "core/sqlite.h"
#include "vuln/store_detail.h"

namespace wardsec::vuln {

using sqlite::Stmt;

std::string join_words(const std::vector<std::string>& v) {
  std::string o;
  for (const auto& s : v) o += (o.empty() ? "" : " ") + s;
  return o;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> o;
  size_t p = 0;
  while (p < s.size()) {
    size_t e = s.find(' ', p);
    if (e == std::string::npos) e = s.size();
    if (e > p) o.push_back(s.substr(p, e - p));
    p = e + 1;
  }
  return o;
}

namespace detail {

const char* const kFindingCols =
    "id, akey, asset, ip, hostname, system, zone, port, proto, service, title, description, solution, evidence, cves, cnvd, "
    "cnnvd, sources, cvss2, cvss3, cvss4, v3vec, v4vec, severity, exploit, kev, first_seen, last_seen, status, reason, "
    "status_by, accept_until, status_at, fixed_at, fixed_scan, rectification, reopened, priority, due, why_zh, why_en, unpatchable";

FindingRow read_finding(const Stmt& st) {
  FindingRow f;
  int c = 0;
  f.id = st.i64(c++);
  for (std::string* s : {&f.akey, &f.asset, &f.ip, &f.hostname, &f.system, &f.zone}) *s = st.text(c++);
  f.port = static_cast<int>(st.i64(c++));
  for (std::string* s : {&f.proto, &f.service, &f.title, &f.description, &f.solution, &f.evidence}) *s = st.text(c++);
  for (auto* v : {&f.cves, &f.cnvd, &f.cnnvd, &f.sources}) *v = split_words(st.text(c++));
  for (auto* o : {&f.scores.cvss2, &f.scores.cvss3, &f.scores.cvss4}) {
    if (!st.is_null(c)) *o = st.dbl(c);
    ++c;
  }
  f.cvss3_vector = st.text(c++);
  f.cvss4_vector = st.text(c++);
  f.scores.severity = static_cast<int>(st.i64(c++));
  f.scores.exploit = st.i64(c++) != 0;
  f.scores.kev = st.i64(c++) != 0;
  f.first_seen = st.i64(c++);
  f.last_seen = st.i64(c++);
  for (std::string* s : {&f.status, &f.reason, &f.status_by, &f.accept_until}) *s = st.text(c++);
  f.status_at = st.i64(c++);
  f.fixed_at = st.i64(c++);
  f.fixed_scan = st.i64(c++);
  f.rectification = st.i64(c++);
  f.reopened = static_cast<int>(st.i64(c++));
  f.priority = static_cast<int>(st.i64(c++));
  f.due = st.text(c++);
  f.why_zh = st.text(c++);
  f.why_en = st.text(c++);
  f.unpatchable = st.i64(c++) != 0;
  return f;
}

Status log_event(sqlite3* db, int64_t finding, int64_t at, const std::string& what, const std::string& by, int64_t scan,
                 const std::string& note) {
  Stmt st(db, "INSERT INTO finding_log(finding, at, what, by, scan, note) VALUES(?,?,?,?,?,?)");
  st.bind(1, finding).bind(2, at).bind(3, what).bind(4, by).bind(5, scan).bind(6, note);
  return st.run();
}

}  // namespace detail

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  std::unique_ptr<Store> s(new Store());
  Status st = sqlite::open(
      path, &s->db_,
      {"CREATE TABLE IF NOT EXISTS scans(id INTEGER PRIMARY KEY AUTOINCREMENT, scanner TEXT NOT NULL, name TEXT NOT NULL, "
       "file TEXT NOT NULL, sha256 TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL, started INTEGER NOT NULL, "
       "finished INTEGER NOT NULL, hosts INTEGER NOT NULL, findings INTEGER NOT NULL, added INTEGER NOT NULL, "
       "reopened INTEGER NOT NULL, fixed INTEGER NOT NULL, unregistered INTEGER NOT NULL, skipped_info INTEGER NOT NULL)",
       "CREATE INDEX IF NOT EXISTS scans_sha ON scans(sha256)",
       "CREATE TABLE IF NOT EXISTS scan_hosts(scan INTEGER NOT NULL, ip TEXT NOT NULL, akey TEXT NOT NULL)",
       "CREATE INDEX IF NOT EXISTS scan_hosts_akey ON scan_hosts(akey)",
       "CREATE TABLE IF NOT EXISTS findings(id INTEGER PRIMARY KEY AUTOINCREMENT, akey TEXT NOT NULL, asset TEXT NOT NULL, "
       "ip TEXT NOT NULL, hostname TEXT NOT NULL, system TEXT NOT NULL, zone TEXT NOT NULL, port INTEGER NOT NULL, "
       "proto TEXT NOT NULL, service TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, solution TEXT NOT NULL, "
       "evidence TEXT NOT NULL, cves TEXT NOT NULL, cnvd TEXT NOT NULL, cnnvd TEXT NOT NULL, sources TEXT NOT NULL, "
       "cvss2 REAL, cvss3 REAL, cvss4 REAL, v3vec TEXT NOT NULL, v4vec TEXT NOT NULL, severity INTEGER NOT NULL, "
       "exploit INTEGER NOT NULL, kev INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, "
       "status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', status_by TEXT NOT NULL DEFAULT '', "
       "accept_until TEXT NOT NULL DEFAULT '', status_at INTEGER NOT NULL DEFAULT 0, fixed_at INTEGER NOT NULL DEFAULT 0, "
       "fixed_scan INTEGER NOT NULL DEFAULT 0, rectification INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, "
       "priority INTEGER NOT NULL DEFAULT 4, due TEXT NOT NULL DEFAULT '', why_zh TEXT NOT NULL DEFAULT '', "
       "why_en TEXT NOT NULL DEFAULT '', unpatchable INTEGER NOT NULL DEFAULT 0, scanner_kev INTEGER NOT NULL DEFAULT 0, "
       "opened_at INTEGER NOT NULL DEFAULT 0)",
       "CREATE INDEX IF NOT EXISTS findings_akey ON findings(akey)",
       "CREATE INDEX IF NOT EXISTS findings_status ON findings(status, priority, due)",
       "CREATE INDEX IF NOT EXISTS findings_system ON findings(system, status)",
       "CREATE TABLE IF NOT EXISTS finding_sources(finding INTEGER NOT NULL, akey TEXT NOT NULL, scanner TEXT NOT NULL, "
       "plugin TEXT NOT NULL, port INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, "
       "last_scan INTEGER NOT NULL, UNIQUE(akey, scanner, plugin, port))",
       "CREATE INDEX IF NOT EXISTS finding_sources_finding ON finding_sources(finding)",
       "CREATE TABLE IF NOT EXISTS finding_cves(finding INTEGER NOT NULL, cve TEXT NOT NULL, UNIQUE(finding, cve))",
       "CREATE INDEX IF NOT EXISTS finding_cves_cve ON finding_cves(cve)",
       "CREATE TABLE IF NOT EXISTS finding_log(finding INTEGER NOT NULL, at INTEGER NOT NULL, what TEXT NOT NULL, "
       "by TEXT NOT NULL, scan INTEGER NOT NULL, note TEXT NOT NULL)",
       "CREATE INDEX IF NOT EXISTS finding_log_finding ON finding_log(finding)",
       "CREATE TABLE IF NOT EXISTS hosts(ip TEXT PRIMARY KEY, akey TEXT NOT NULL, hostname TEXT NOT NULL, mac TEXT NOT NULL, "
       "os TEXT NOT NULL, source TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)",
       "CREATE TABLE IF NOT EXISTS services(ip TEXT NOT NULL, port INTEGER NOT NULL, proto TEXT NOT NULL, name TEXT NOT NULL, "
       "product TEXT NOT NULL, version TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, "
       "gone INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(ip, port, proto))",
       "CREATE TABLE IF NOT EXISTS kev(cve TEXT PRIMARY KEY, added TEXT NOT NULL, name TEXT NOT NULL)",
       "CREATE TABLE IF NOT EXISTS advisories(id TEXT NOT NULL, ecosystem TEXT NOT NULL, package TEXT NOT NULL, data TEXT NOT NULL, "
       "PRIMARY KEY(id, ecosystem, package))",
       "CREATE INDEX IF NOT EXISTS advisories_package ON advisories(package)",
       "CREATE TABLE IF NOT EXISTS inventories(ip TEXT PRIMARY KEY, hostname TEXT NOT NULL, ecosystem TEXT NOT NULL, text TEXT NOT NULL, "
       "name TEXT NOT NULL, at INTEGER NOT NULL)"});
  if (!st) return Error{st.error()};
  return s;
}

Store::~Store() {
  if (db_) sqlite3_close(db_);
}

Result<std::vector<FindingRow>> Store::findings(const Filter& f, int64_t* total) {
  std::string where = " WHERE 1=1";
  std::vector<std::string> args;
  auto eq = [&](const char* col, const std::string& v) {
    if (v.empty()) return;
    where += std::string(" AND ") + col + " = ?";
    args.push_back(v);
  };
  if (f.status == "active")
    where += " AND status IN ('open', 'accepted')";
  else
    eq("status", f.status);
  eq("akey", f.akey);
  eq("system", f.system);
  if (f.priority >= 1 && f.priority <= 4) where += " AND priority = " + std::to_string(f.priority);
  if (!f.cve.empty()) {
    where += " AND id IN (SELECT finding FROM finding_cves WHERE cve = ?)";
    args.push_back(f.cve);
  }
  if (!f.scanner.empty()) {
    where += " AND id IN (SELECT finding FROM finding_sources WHERE scanner = ?)";
    args.push_back(f.scanner);
  }
  if (!f.q.empty()) {
    where += " AND (instr(title, ?) > 0 OR instr(akey, ?) > 0 OR instr(ip, ?) > 0 OR instr(cves, ?) > 0)";
    for (int i = 0; i < 4; ++i) args.push_back(f.q);
  }
  if (f.overdue_only) {
    where += " AND status = 'open' AND due != '' AND due < ?";
    args.push_back(f.today);
  }
  if (total) {
    Status st = sqlite::query(db_, "SELECT count(*) FROM findings" + where, args, [&](const Stmt& s) { *total = s.i64(0); });
    if (!st) return Error{st.error()};
  }
  std::string order = f.sort == "first_seen"  ? "first_seen DESC"
                      : f.sort == "last_seen" ? "last_seen DESC"
                      : f.sort == "cvss"      ? "coalesce(cvss3, cvss4, cvss2, 0) DESC"
                      : f.sort == "asset"     ? "akey, priority"
                                              : "priority, due, id";
  std::string sql = std::string("SELECT ") + detail::kFindingCols + " FROM findings" + where + " ORDER BY " + order + " LIMIT " +
                    std::to_string(std::clamp<int64_t>(f.limit, 1, 100000)) + " OFFSET " + std::to_string(std::max<int64_t>(0, f.offset));
  std::vector<FindingRow> out;
  Status st = sqlite::query(db_, sql, args, [&](const Stmt& s) { out.push_back(detail::read_finding(s)); });
  if (!st) return Error{st.error()};
  return out;
}

Result<FindingRow> Store::finding(int64_t id) {
  std::optional<FindingRow> r;
  Status st = sqlite::query(db_, std::string("SELECT ") + detail::kFindingCols + " FROM findings WHERE id = ?", {std::to_string(id)},
                            [&](const Stmt& s) { r = detail::read_finding(s); });
  if (!st) return Error{st.error()};
  if (!r) return Error{"没有此漏洞 / no such finding: #" + std::to_string(id)};
  return *r;
}

Result<std::vector<LogRow>> Store::log(int64_t id) {
  std::vector<LogRow> out;
  Status st = sqlite::query(db_, "SELECT at, scan, what, by, note FROM finding_log WHERE finding = ? ORDER BY rowid", {std::to_string(id)},
                            [&](const Stmt& s) {
                              out.push_back(LogRow{s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4)});
                            });
  if (!st) return Error{st.error()};
  return out;
}

Result<Counts> Store::counts(const std::string& today, const std::string& akey) {
  Counts c;
  std::string where = akey.empty() ? "" : " WHERE akey = ?";
  std::vector<std::string> args;
  if (!akey.empty()) args.push_back(akey);
  Status st = sqlite::query(db_,
                            "SELECT status, priority, count(*), sum(due != '' AND due < '" + today.substr(0, 10) + "') FROM findings" +
                                where + " GROUP BY status, priority",
                            args, [&](const Stmt& s) {
                              std::string status = s.text(0);
                              int64_t n = s.i64(2);
                              c.total += n;
                              if (status == "open") {
                                c.open += n;
                                c.open_by_priority[std::clamp<int64_t>(s.i64(1), 1, 4) - 1] += n;
                                c.overdue += s.i64(3);
                              } else if (status == "fixed") {
                                c.fixed += n;
                              } else if (status == "accepted") {
                                c.accepted += n;
                              } else if (status == "false_positive") {
                                c.false_positive += n;
                              }
                            });
  if (!st) return Error{st.error()};
  return c;
}

Status Store::set_status(int64_t id, const std::string& status, const std::string& reason, const std::string& until, const std::string& by,
                         const std::string& today, int64_t now) {
  auto f = finding(id);
  if (!f) return Error{f.error()};
  if (status == "fixed") return Error{"修复须由复扫确认，不能手工标记 / fixed is set by a re-scan that no longer finds it, not by hand"};
  if (status != "open" && status != "accepted" && status != "false_positive")
    return Error{"状态应为 open、accepted 或 false_positive / status must be open, accepted or false_positive: " + status};
  if (f->status == "fixed") return Error{"已修复的漏洞由复扫重新打开 / a fixed finding is reopened by a scan that finds it again"};
  if (f->status == status) return Error{"漏洞已是此状态 / the finding already has that status: " + status};
  if (status != "open" && reason.empty()) return Error{"须说明理由 / a reason is required"};
  if (status == "accepted") {
    auto u = compliance::date_days(until), t = compliance::date_days(today);
    if (!u || !t) return Error{"接受风险须给出截止日期 (YYYY-MM-DD) / accepting a risk needs an end date (YYYY-MM-DD)"};
    if (*u <= *t || *u > *t + 366)
      return Error{"截止日期须在今天之后一年以内 / the end date must be after today and within a year: " + until};
  }
  Status st = sqlite::exec(db_, "BEGIN IMMEDIATE");
  if (!st) return st;
  Stmt up(db_, "UPDATE findings SET status = ?, reason = ?, status_by = ?, status_at = ?, accept_until = ? WHERE id = ?");
  up.bind(1, status).bind(2, reason).bind(3, by).bind(4, now).bind(5, status == "accepted" ? until : std::string()).bind(6, id);
  st = up.run();
  if (st) st = detail::log_event(db_, id, now, status, by, 0, status == "accepted" ? reason + " (→ " + until + ")" : reason);
  return sqlite::end_transaction(db_, st);
}

Status Store::set_rectification(int64_t id, int64_t task, const std::string& by, int64_t now) {
  Stmt up(db_, "UPDATE findings SET rectification = ? WHERE id = ?");
  up.bind(1, task).bind(2, id);
  Status st = up.run();
  if (st) st = detail::log_event(db_, id, now, "rectification", by, 0, fmt::format("#{}", task));
  return st;
}

Result<std::vector<SystemSummary>> Store::by_system(const std::string& today) {
  std::vector<SystemSummary> out;
  Status st = sqlite::query(
      db_,
      "SELECT system, sum(status = 'open'), sum(status = 'open' AND priority <= 2), sum(status = 'open' AND due != '' AND due < ?), "
      "sum(status = 'fixed'), sum(status = 'accepted'), sum(status = 'false_positive'), "
      "avg(CASE WHEN status = 'fixed' THEN (fixed_at - opened_at) / 86400e9 END) FROM findings GROUP BY system ORDER BY system",
      {today}, [&](const Stmt& s) {
        SystemSummary r;
        r.system = s.text(0);
        int c = 1;
        for (int64_t* v : {&r.open, &r.open_urgent, &r.overdue, &r.fixed, &r.accepted, &r.false_positive}) *v = s.i64(c++);
        if (!s.is_null(7)) r.mean_days_to_fix = s.dbl(7);
        out.push_back(std::move(r));
      });
  if (!st) return Error{st.error()};
  return out;
}

Result<std::vector<ScanRow>> Store::scans(int64_t limit) {
  std::vector<ScanRow> out;
  Status st = sqlite::query(db_,
                            "SELECT id, scanner, name, file, sha256, by, at, started, finished, hosts, findings, added, reopened, fixed, "
                            "unregistered, skipped_info FROM scans ORDER BY id DESC LIMIT " +
                                std::to_string(limit),
                            {}, [&](const Stmt& s) {
                              ScanRow r;
                              r.id = s.i64(0);
                              r.scanner = s.text(1);
                              r.name = s.text(2);
                              r.file = s.text(3);
                              r.sha256 = s.text(4);
                              r.by = s.text(5);
                              r.at = s.i64(6);
                              r.started = s.i64(7);
                              r.finished = s.i64(8);
                              int c = 9;
                              for (int64_t* v : {&r.hosts, &r.findings, &r.added, &r.reopened, &r.fixed, &r.unregistered, &r.skipped_info})
                                *v = s.i64(c++);
                              out.push_back(std::move(r));
                            });
  if (!st) return Error{st.error()};
  return out;
}

Result<std::vector<HostRow>> Store::hosts(const std::string& akey) {
  std::vector<HostRow> out;
  std::unordered_map<std::string, size_t> at;
  std::vector<std::string> args;
  if (!akey.empty()) args.push_back(akey);
  Status st =
      sqlite::query(db_,
                    std::string("SELECT ip, akey, hostname, mac, os, source, first_seen, last_seen FROM hosts") +
                        (akey.empty() ? "" : " WHERE akey = ?") + " ORDER BY akey, ip",
                    args, [&](const Stmt& s) {
                      at[s.text(0)] = out.size();
                      out.push_back(HostRow{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.i64(6), s.i64(7), {}});
                    });
  if (!st) return Error{st.error()};
  st = sqlite::query(
      db_, "SELECT ip, port, proto, name, product, version FROM services WHERE gone = 0 ORDER BY ip, port", {}, [&](const Stmt& s) {
        auto it = at.find(s.text(0));
        if (it != at.end())
          out[it->second].services.push_back(Service{static_cast<int>(s.i64(1)), s.text(2), s.text(3), s.text(4), s.text(5), ""});
      });
  if (!st) return Error{st.error()};
  return out;
}

Result<int64_t> Store::import_kev(std::string_view text, const std::string& name) {
  std::vector<std::tuple<std::string, std::string, std::string>> rows;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded()) {
    if (!j.is_object() || !j.contains("vulnerabilities") || !j["vulnerabilities"].is_array())
      return Error{name + ": 不是 KEV JSON (缺少 vulnerabilities 数组) / not a KEV JSON file (no vulnerabilities array)"};
    for (const auto& v : j["vulnerabilities"]) {
      if (!v.is_object() || !v.contains("cveID") || !v["cveID"].is_string()) continue;
      auto ids = cve_ids(v["cveID"].get<std::string>());
      if (ids.empty()) continue;
      auto str = [&](const char* k) { return v.contains(k) && v[k].is_string() ? v[k].get<std::string>() : std::string(); };
      rows.emplace_back(ids[0], str("dateAdded"), str("vulnerabilityName"));
    }
  } else {
    auto csv = parse_csv(text, name);
    if (!csv) return Error{csv.error()};
    for (const auto& row : *csv)
      for (const auto& cell : row)
        for (const auto& id : cve_ids(cell)) rows.emplace_back(id, "", "");
  }
  if (rows.empty()) return Error{name + ": 没有找到任何 CVE 编号 / no CVE ids found"};
  Status st = sqlite::exec(db_, "BEGIN IMMEDIATE");
  if (st) st = sqlite::exec(db_, "DELETE FROM kev");
  Stmt ins(db_, "INSERT OR REPLACE INTO kev(cve, added, name) VALUES(?,?,?)");
  for (const auto& [cve, added, title] : rows) {
    if (!st) break;
    ins.reset();
    ins.bind(1, cve).bind(2, added).bind(3, title);
    st = ins.run();
  }
  if (st)
    st = sqlite::exec(
        db_, "UPDATE findings SET kev = scanner_kev OR id IN (SELECT finding FROM finding_cves WHERE cve IN (SELECT cve FROM kev))");
  if (Status e = sqlite::end_transaction(db_, st); !e) return Error{e.error()};
  return static_cast<int64_t>(rows.size());
}

Result<std::set<std::string>> Store::kev() {
  std::set<std::string> out;
  Status st = sqlite::query(db_, "SELECT cve FROM kev", {}, [&](const Stmt& s) { out.insert(s.text(0)); });
  if (!st) return Error{st.error()};
  return out;
}

}  // namespace wardsec::vuln
