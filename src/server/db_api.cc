// The database-audit pages (issue #6): activity over a time range (statements and alerts over
// time, alerts by kind, the top fingerprints, per-account activity, the latest 统方 alerts with
// the statements behind them) and the statements themselves, searchable by account, client,
// table and fingerprint. Reads the db.* fields the pipeline's database-audit stage wrote
// (src/dbaudit/enrich.h).
#include <algorithm>
#include <map>
#include <set>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "report/report.h"
#include "search/search.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

struct F {
  FieldId statement = FieldRegistry::intern("db.statement"), user = FieldRegistry::intern("db.user.name"),
          db = FieldRegistry::intern("db.name"), system = FieldRegistry::intern("db.system"),
          program = FieldRegistry::intern("client.program"), op = FieldRegistry::intern("db.operation"),
          tables = FieldRegistry::intern("db.sql.tables"), fp = FieldRegistry::intern("db.sql.fingerprint"),
          rows = FieldRegistry::intern("db.response.returned_rows"), affected = FieldRegistry::intern("db.response.affected_rows"),
          error = FieldRegistry::intern("error.code"), kind = FieldRegistry::intern("db.alert.kind"),
          level = FieldRegistry::intern("db.alert.level"), reason = FieldRegistry::intern("db.alert.reason"),
          evidence = FieldRegistry::intern("db.alert.evidence");
};
const F& f() {
  static const F x;
  return x;
}

// The filters both routes take; each names what was wrong.
struct Filter {
  std::string user, client, table, fingerprint, kind;
  bool alerts_only = false;
  Status parse(std::map<std::string, std::string>& p) {
    user = p["user"], client = p["client"], table = to_lower(p["table"]), fingerprint = p["fingerprint"], kind = p["kind"];
    std::string a = p["alerts"];
    if (!a.empty() && a != "0" && a != "1" && a != "true" && a != "false") return Error{"alerts: 1 or 0, not '" + a + "'"};
    alerts_only = a == "1" || a == "true";
    if (!client.empty() && !parse_ip(client)) return Error{"client: '" + client + "' is not an IP address"};
    for (const auto* s : {&user, &table, &fingerprint, &kind})
      if (s->size() > 4096) return Error{"a filter is longer than 4096 bytes"};
    return {};
  }
  bool match(const Event& ev) const {
    const F& x = f();
    if (!user.empty() && ev.get(x.user) != user) return false;
    if (!client.empty() && ev.get(kSourceIp) != client) return false;
    if (!fingerprint.empty() && ev.get(x.fp) != fingerprint) return false;
    if (alerts_only && !ev.has(x.kind)) return false;
    if (!kind.empty() && !in_list(ev.get(x.kind), kind)) return false;
    if (!table.empty()) {
      bool any = false;
      for (std::string_view one : split_view(ev.get(x.tables), ',')) {  // schema-qualified names: his.mz_cfmx matches mz_cfmx
        size_t d = one.rfind('.');
        any = any || one == table || (d != std::string_view::npos && one.substr(d + 1) == table);
      }
      if (!any) return false;
    }
    return true;
  }
  static bool in_list(std::string_view list, std::string_view v) {
    for (std::string_view x : split_view(list, ','))
      if (x == v) return true;
    return false;
  }
};

int64_t num(std::string_view s) {
  uint64_t v;
  return parse_u64(s, v) ? static_cast<int64_t>(v) : -1;
}

json statement_row(const Event& ev) {
  const F& x = f();
  json j = {{"ts", format_rfc3339(ev.ts)},
            {"system", std::string(ev.get(x.system))},
            {"user", search::display_text(ev.get(x.user))},
            {"database", search::display_text(ev.get(x.db))},
            {"client_ip", std::string(ev.get(kSourceIp))},
            {"program", search::display_text(ev.get(x.program))},
            {"statement", search::display_text(ev.get(x.statement))},
            {"operation", std::string(ev.get(x.op))},
            {"tables", std::string(ev.get(x.tables))},
            {"fingerprint", search::display_text(ev.get(x.fp))},
            {"rows", num(ev.get(x.rows))},
            {"affected", num(ev.get(x.affected))},
            {"error", std::string(ev.get(x.error))}};
  if (ev.has(x.kind)) {
    j["alert"] = {
        {"kind", std::string(ev.get(x.kind))}, {"level", std::string(ev.get(x.level))}, {"reason", search::display_text(ev.get(x.reason))}};
    json e = json::parse(ev.get(x.evidence), nullptr, false);
    j["alert"]["evidence"] = e.is_array() ? e : json::array();
  }
  return j;
}

// Runs the statements of the range through `fn` (newest first; false stops) for at most
// `max_scan` statements or two seconds; says whether it stopped early and how far back it got.
struct Scan {
  uint64_t seen = 0;
  bool truncated = false;
  int64_t oldest = 0;
};
Status scan(Api& api, search::SearchOptions so, size_t max_scan, const std::function<bool(const Event&)>& fn, Scan& out) {
  auto parsed = search::Query::parse("event.dataset:dbaudit.statement", api.opt.tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure())) return Error{"query: " + e->message};
  so.limit = max_scan;
  so.newest_first = true;
  const int64_t deadline = now_ns() + 2 * kSec;
  out.oldest = so.to;
  search::SearchStats st;
  Status s = search::run_search(
      api.opt.data_dir, parsed.value(), so,
      [&](const Event& ev) {
        if ((out.seen & 1023) == 0 && out.seen && now_ns() > deadline) {
          out.truncated = true;
          return false;
        }
        out.seen++;
        out.oldest = std::min(out.oldest, ev.ts);
        return fn(ev);
      },
      st);
  if (out.seen >= max_scan) out.truncated = true;
  return s;
}

json top(std::vector<std::pair<std::string, json>> v, const char* by, size_t n) {
  std::sort(v.begin(), v.end(),
            [&](const auto& a, const auto& b) { return a.second[by].template get<int64_t>() > b.second[by].template get<int64_t>(); });
  json out = json::array();
  for (size_t i = 0; i < v.size() && i < n; i++) out.push_back(v[i].second);
  return out;
}

Response db_activity(Api& api, Request& r) {
  auto p = r.query;
  search::SearchOptions so;
  if (Status e = time_range(api, p, so); !e) return fail(400, e.error());
  Filter flt;
  if (Status e = flt.parse(p); !e) return fail(400, e.error());
  const size_t kBuckets = 48;
  auto statements = search::DateHistogram::over(so.from, so.to, kBuckets, true), alerts = statements;
  search::Terms by_kind;
  struct Fp {
    uint64_t count = 0, alerts = 0;
    int64_t rows = 0, last = 0;
    std::string example, op, tables;
    std::set<std::string> accounts;
  };
  struct Acct {
    uint64_t count = 0, alerts = 0, errors = 0;
    int64_t rows = 0, last = 0;
    std::set<std::string> clients, programs;
  };
  std::map<std::string, Fp> fps;
  std::map<std::string, Acct> accounts;
  json tongfang = json::array(), recent_alerts = json::array();
  uint64_t matched = 0, with_alerts = 0;
  const F& x = f();
  Scan sc;
  Status s = scan(
      api, so, 200000,
      [&](const Event& ev) {
        if (!flt.match(ev)) return true;
        matched++;
        statements.add(ev.ts);
        int64_t rows = std::max<int64_t>(num(ev.get(x.rows)), 0);
        std::string fp(ev.get(x.fp)), user(ev.get(x.user));
        bool alert = ev.has(x.kind);
        if (fps.size() < 20000 || fps.count(fp)) {
          Fp& e = fps[fp];
          if (!e.count)
            e.example = std::string(ev.get(x.statement)).substr(0, 2000), e.op = ev.get(x.op), e.tables = ev.get(x.tables), e.last = ev.ts;
          e.count++, e.rows += rows, e.alerts += alert;
          if (e.accounts.size() < 8) e.accounts.insert(user);
        }
        if (accounts.size() < 20000 || accounts.count(user)) {
          Acct& a = accounts[user];
          if (!a.count) a.last = ev.ts;
          a.count++, a.rows += rows, a.alerts += alert, a.errors += ev.has(x.error);
          if (a.clients.size() < 8) a.clients.insert(std::string(ev.get(kSourceIp)));
          if (a.programs.size() < 8) a.programs.insert(std::string(ev.get(x.program)));
        }
        if (!alert) return true;
        with_alerts++;
        alerts.add(ev.ts);
        std::string kinds(ev.get(x.kind));
        by_kind.add_list(kinds);
        if (Filter::in_list(kinds, "tongfang") && tongfang.size() < 100) tongfang.push_back(statement_row(ev));
        if (recent_alerts.size() < 100) recent_alerts.push_back(statement_row(ev));
        return true;
      },
      sc);
  if (!s.ok()) return fail(500, s.error());
  std::vector<std::pair<std::string, json>> fv, av;
  for (auto& [k, e] : fps)
    fv.push_back({k,
                  {{"fingerprint", search::display_text(k)},
                   {"count", e.count},
                   {"rows", e.rows},
                   {"alerts", e.alerts},
                   {"example", search::display_text(e.example)},
                   {"operation", e.op},
                   {"tables", e.tables},
                   {"accounts", json(std::vector<std::string>(e.accounts.begin(), e.accounts.end()))},
                   {"last", format_rfc3339(e.last)}}});
  for (auto& [k, a] : accounts)
    av.push_back({k,
                  {{"user", search::display_text(k)},
                   {"count", a.count},
                   {"rows", a.rows},
                   {"alerts", a.alerts},
                   {"errors", a.errors},
                   {"clients", json(std::vector<std::string>(a.clients.begin(), a.clients.end()))},
                   {"programs", json(std::vector<std::string>(a.programs.begin(), a.programs.end()))},
                   {"last", format_rfc3339(a.last)}}});
  json bk = json::object();
  for (const auto& [k, v] : by_kind.top(by_kind.distinct())) bk[k] = v;
  return ok({{"from", format_rfc3339(so.from)},
             {"to", format_rfc3339(so.to)},
             {"bucket_seconds", statements.width() / kSec},
             {"statements", matched},
             {"with_alerts", with_alerts},
             {"series", {{"statements", statements.counts()}, {"alerts", alerts.counts()}}},
             {"by_kind", bk},
             {"top_fingerprints", top(fv, "count", 20)},
             {"top_fingerprints_by_rows", top(fv, "rows", 10)},
             {"accounts", top(av, "count", 50)},
             {"tongfang", tongfang},
             {"recent_alerts", recent_alerts},
             {"report_month", report_month(api)},
             {"truncated", sc.truncated},
             {"scanned_back_to", format_rfc3339(sc.truncated ? sc.oldest : so.from)}});
}

Response db_statements(Api& api, Request& r) {
  auto p = r.query;
  search::SearchOptions so;
  if (Status e = time_range(api, p, so); !e) return fail(400, e.error());
  Filter flt;
  if (Status e = flt.parse(p); !e) return fail(400, e.error());
  uint64_t limit = 100, offset = 0;
  if (!p["limit"].empty() && (!parse_u64(p["limit"], limit) || limit == 0 || limit > 1000)) return fail(400, "limit: 1 to 1000");
  if (!p["offset"].empty() && (!parse_u64(p["offset"], offset) || offset > 100000)) return fail(400, "offset: 0 to 100000");
  std::string order = p["order"].empty() ? "desc" : p["order"];
  if (order != "desc" && order != "asc") return fail(400, "order: desc (newest first) or asc, not '" + order + "'");
  json items = json::array();
  uint64_t matched = 0;
  Scan sc;
  // Oldest first needs the whole range; newest first stops once the page is full and one
  // more match says there is a next page.
  Status s = scan(
      api, so, 200000,
      [&](const Event& ev) {
        if (!flt.match(ev)) return true;
        matched++;
        if (order == "desc") {
          if (matched > offset && items.size() < limit) items.push_back(statement_row(ev));
          return matched <= offset + limit;
        }
        items.push_back(statement_row(ev));
        if (items.size() > offset + limit) items.erase(items.begin());  // keep the oldest offset+limit
        return true;
      },
      sc);
  if (!s.ok()) return fail(500, s.error());
  if (order == "asc") {
    std::reverse(items.begin(), items.end());
    json page = json::array();
    for (uint64_t i = offset; i < items.size() && page.size() < limit; i++) page.push_back(items[i]);
    items = page;
  }
  bool more = order == "desc" && matched > offset + limit;
  // Stopped by the scan bound or the deadline before the page was settled: say so.
  bool truncated = sc.truncated && !more;
  return ok({{"items", items},
             {"offset", offset},
             {"limit", limit},
             {"order", order},
             {"more", more},
             {"truncated", truncated},
             {"scanned_back_to", format_rfc3339(truncated ? sc.oldest : so.from)}});
}

// The month's 防统方 report (HTML or PDF); default: last month.
Response dbaudit_report(Api& api, Request& r) {
  return monthly_report(api, r, "dbaudit", [&](int year, int month, const std::string& lang) {
    return report::dbaudit_month_html({api.opt.data_dir, api.opt.catalog_file, api.opt.scoring_file, api.opt.organization, api.opt.tz_sec},
                                      year, month, lang);
  });
}

}  // namespace

std::string local_today(const Api& api) { return format_rfc3339(now_ns() + api.opt.tz_sec * kSec).substr(0, 10); }

std::string report_month(const Api& api) {
  auto [year, month] = report::default_report_month(api.opt.data_dir, now_ns(), api.opt.tz_sec);
  char s[16];
  std::snprintf(s, sizeof s, "%04d-%02d", year, month);
  return s;
}

Response monthly_report(Api& api, Request& r, const std::string& name,
                        const std::function<Result<std::string>(int year, int month, const std::string& lang)>& make) {
  auto [year, month] = report::default_report_month(api.opt.data_dir, now_ns(), api.opt.tz_sec);
  uint64_t v;
  if (!r.query["year"].empty()) {
    if (!parse_u64(r.query["year"], v) || v < 2000 || v > 2100) return fail(400, "year must be between 2000 and 2100");
    year = static_cast<int>(v);
  }
  if (!r.query["month"].empty()) {
    if (!parse_u64(r.query["month"], v) || v < 1 || v > 12) return fail(400, "month must be 1 to 12");
    month = static_cast<int>(v);
  }
  std::string fmt = r.query["format"].empty() ? "html" : r.query["format"];
  if (fmt != "html" && fmt != "pdf") return fail(400, "format must be html or pdf");
  auto html = make(year, month, r.query["lang"] == "en" ? "en" : "zh-CN");
  if (!html) return fail(500, html.error());
  char month_s[16];
  std::snprintf(month_s, sizeof month_s, "%04d-%02d", year, month);
  std::string file = name + "-" + month_s + ".pdf";
  api.audit(r, r.who.user, "export", true, name + " report", name + "-" + month_s + " " + fmt);
  if (fmt == "html") return {200, *html, "text/html; charset=utf-8"};
  return file_answer([&](const std::string& tmp) { return report::html_to_pdf(*html, tmp); }, file);
}

void add_db_routes(std::vector<Route>& t, Api* api) {
  t.push_back(
      {"GET", "/api/v1/db/activity", Perm::kEventsRead, false, [api](Request& r) { return db_activity(*api, r); },
       "database audit: statements and alerts over time, alerts by kind, top fingerprints, per-account activity, latest 统方 alerts"});
  t.push_back({"GET", "/api/v1/db/statements", Perm::kEventsRead, false, [api](Request& r) { return db_statements(*api, r); },
               "database statements, filtered by user, client, table, fingerprint, alert kind; paged"});
  t.push_back({"GET", "/api/v1/db/report", Perm::kEventsRead, false, [api](Request& r) { return dbaudit_report(*api, r); },
               "the month's 防统方 report (HTML, PDF): 统方 attempts, other database alerts, accounts and clients"});
}

}  // namespace wardsec::server
