// The monthly 防统方 report (issue #6): what the database audit saw in one month — statements
// audited, the 统方 attempts with account, client, program, statement and outcome, the other
// database alerts by kind, and per-account and per-client figures — read from the store's
// statement events (the db.* fields the pipeline's database-audit stage wrote).
#include <algorithm>
#include <map>
#include <set>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "report/common.h"
#include "report/report.h"
#include "search/aggregate.h"
#include "search/search.h"

namespace wardsec::report {

using namespace detail;

namespace {

std::string kind_name(const std::string& k, const Words& L) {
  static const std::map<std::string, std::pair<const char*, const char*>> names = {
      {"tongfang", {"统方", "统方 (prescription statistics)"}},
      {"bulk_patient_read", {"批量读取患者信息", "bulk patient read"}},
      {"export", {"数据导出", "export to file"}},
      {"tool_access", {"工具直连临床库", "tool on clinical tables"}},
      {"audit_off", {"关闭数据库审计", "audit switched off"}},
      {"privilege", {"权限变更", "privilege change"}},
      {"ddl", {"表结构变更", "schema change"}},
      {"no_where", {"无条件更新/删除", "UPDATE/DELETE without WHERE"}},
      {"unapproved_client", {"未授权客户端", "unapproved client"}},
      {"unapproved_account", {"未授权账号", "unapproved account"}},
      {"off_duty", {"非工作时间访问", "off-duty use"}},
      {"baseline", {"访问量异常", "unusual volume"}}};
  auto it = names.find(k);
  return it == names.end() ? escape_html(k) : L(it->second.first, it->second.second);
}

// Daily statements and alerts as an inline SVG bar chart.
std::string daily_chart(const std::vector<uint64_t>& st, const std::vector<uint64_t>& al, const Words& L) {
  const int w = 640, h = 170, left = 44, bottom = 22, top = 10;
  uint64_t max = 1, amax = 1;
  for (auto v : st) max = std::max(max, v);
  for (auto v : al) amax = std::max(amax, v);
  double bw = static_cast<double>(w - left - 10) / static_cast<double>(std::max<size_t>(st.size(), 1));
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h + 18) +
                    "\" font-size=\"10\">";
  svg += "<text x=\"4\" y=\"" + std::to_string(top + 8) + "\" fill=\"#666\">" + std::to_string(max) + "</text>";
  for (size_t i = 0; i < st.size(); i++) {
    double x = left + bw * static_cast<double>(i);
    double bh = static_cast<double>(h - top - bottom) * static_cast<double>(st[i]) / static_cast<double>(max);
    double ah = static_cast<double>(h - top - bottom) * static_cast<double>(al[i]) / static_cast<double>(amax);
    svg += "<rect x=\"" + fixed(x + 1, 1) + "\" y=\"" + fixed(h - bottom - bh, 1) + "\" width=\"" + fixed(bw * 0.55, 1) + "\" height=\"" +
           fixed(bh, 1) + "\" fill=\"#5b8ff9\"/>";
    if (al[i])
      svg += "<rect x=\"" + fixed(x + 1 + bw * 0.55, 1) + "\" y=\"" + fixed(h - bottom - ah, 1) + "\" width=\"" + fixed(bw * 0.35, 1) +
             "\" height=\"" + fixed(ah, 1) + "\" fill=\"#a8071a\"/>";
    if (i % 5 == 0) svg += "<text x=\"" + fixed(x + 1, 1) + "\" y=\"" + std::to_string(h - 6) + "\">" + std::to_string(i + 1) + "</text>";
  }
  svg += "<text x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(h + 12) + "\" fill=\"#666\">" +
         L("按日：蓝色为审计的语句数，红色为告警语句数（各自比例尺）",
           "Per day: blue, statements audited; red, statements with alerts (each to its own scale)") +
         "</text></svg>";
  return svg;
}

}  // namespace

std::pair<int, int> previous_month(int64_t now, int tz_sec) {
  std::string local = format_rfc3339(now + static_cast<int64_t>(tz_sec) * kSec);
  int year = std::atoi(local.substr(0, 4).c_str()), month = std::atoi(local.substr(5, 2).c_str());
  return month == 1 ? std::pair{year - 1, 12} : std::pair{year, month - 1};
}

Result<std::string> dbaudit_month_html(const Sources& src, int year, int month, const std::string& lang) {
  Words L{lang == "en"};
  int64_t from = 0, to = 0;
  if (Status r = month_range(year, month, src.tz_sec, from, to); !r) return Error{r.error()};
  size_t days = static_cast<size_t>((to - from) / (86400 * kSec));

  static const FieldId fUser = FieldRegistry::intern("db.user.name"), fProg = FieldRegistry::intern("client.program"),
                       fStmt = FieldRegistry::intern("db.statement"), fKind = FieldRegistry::intern("db.alert.kind"),
                       fLevel = FieldRegistry::intern("db.alert.level"), fReason = FieldRegistry::intern("db.alert.reason"),
                       fRows = FieldRegistry::intern("db.response.returned_rows"), fErr = FieldRegistry::intern("error.code"),
                       fDb = FieldRegistry::intern("db.name"), fSys = FieldRegistry::intern("db.system");
  struct Acct {
    uint64_t statements = 0, tongfang = 0, other = 0;
    int64_t rows = 0;
    std::set<std::string> clients, programs;
  };
  struct Client {
    uint64_t statements = 0, alerts = 0;
    std::set<std::string> accounts;
  };
  std::map<std::string, Acct> accounts;
  std::map<std::string, Client> clients;
  search::Terms by_kind;
  std::set<std::string> databases;
  auto daily = search::DateHistogram::every(from, 86400 * kSec, days, true), daily_alerts = daily;
  std::string attempts;
  uint64_t statements = 0, n_attempts = 0, n_returned = 0, n_failed = 0;
  std::vector<std::string> other_rows;

  auto parsed = search::Query::parse("event.dataset:dbaudit.statement", src.tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure())) return Error{"query: " + e->message};
  search::SearchOptions so;
  so.from = from;
  so.to = to;
  so.limit = 50'000'000;
  search::SearchStats st;
  Status s = search::run_search(
      src.data_dir, parsed.value(), so,
      [&](const Event& ev) {
        statements++;
        daily.add(ev.ts);
        std::string user(ev.get(fUser)), ip(ev.get(kSourceIp)), prog(ev.get(fProg));
        uint64_t rows = 0;
        bool has_rows = parse_u64(ev.get(fRows), rows);
        Acct& ac = accounts[user];
        ac.statements++;
        ac.rows += static_cast<int64_t>(rows);
        if (ac.clients.size() < 6) ac.clients.insert(ip);
        if (ac.programs.size() < 6) ac.programs.insert(prog);
        Client& cl = clients[ip];
        cl.statements++;
        if (cl.accounts.size() < 6) cl.accounts.insert(user);
        databases.insert(std::string(ev.get(fSys)) + " " + std::string(ev.get(fDb)));
        if (!ev.has(fKind)) return true;
        daily_alerts.add(ev.ts);
        cl.alerts++;
        std::vector<std::string> kinds;
        for (std::string_view k : split_view(ev.get(fKind), ','))
          if (!k.empty()) kinds.emplace_back(k);
        bool tf = false;
        for (const auto& k : kinds) {
          by_kind.add(k);
          tf = tf || k == "tongfang";
        }
        tf ? ac.tongfang++ : ac.other++;
        std::string err(ev.get(fErr));
        std::string outcome = !err.empty() ? L("执行失败（错误 ", "failed (error ") + escape_html(err) + L("）", ")")
                              : has_rows   ? L("返回 ", "returned ") + std::to_string(rows) + L(" 行", " rows")
                                           : L("已执行", "executed");
        if (tf) {
          n_attempts++;
          (err.empty() ? n_returned : n_failed)++;
          if (n_attempts <= 500) {
            std::string stmt(ev.get(fStmt));
            if (stmt.size() > 600) stmt = stmt.substr(0, 600) + "…";
            attempts += "<tr><td>" + local_time(ev.ts, src.tz_sec) + "</td><td>" + escape_html(user) + "</td><td>" + escape_html(ip) +
                        "</td><td>" + escape_html(prog) + "</td><td" + (ev.get(fLevel) == "critical" ? " class=\"bad\"" : "") + ">" +
                        (ev.get(fLevel) == "critical" ? L("严重", "critical") : L("高危", "high")) + "</td><td class=\"sql\">" +
                        escape_html(stmt) + "<div class=\"muted\">" + escape_html(std::string(ev.get(fReason)).substr(0, 400)) +
                        "</div></td><td>" + outcome + "</td></tr>";
          }
        } else if (other_rows.size() < 200) {
          std::string stmt(ev.get(fStmt));
          if (stmt.size() > 300) stmt = stmt.substr(0, 300) + "…";
          std::string kn;
          for (const auto& k : kinds) kn += (kn.empty() ? "" : "、") + kind_name(k, L);
          other_rows.push_back("<tr><td>" + local_time(ev.ts, src.tz_sec) + "</td><td>" + escape_html(user) + "</td><td>" +
                               escape_html(ip) + "</td><td>" + kn + "</td><td class=\"sql\">" + escape_html(stmt) + "</td><td>" + outcome +
                               "</td></tr>");
        }
        return true;
      },
      st);
  if (!s.ok()) return Error{s.error()};

  char title[96];
  std::snprintf(title, sizeof title, L.en ? "%04d-%02d" : "%04d 年 %d 月", year, month);
  std::string o = "<div class=\"cover\"><h1>" + escape_html(src.organization) + "<br>" + title +
                  L(" 防统方监测报告", " 防统方 (anti-统方) monitoring report") + "</h1><div class=\"meta\">" +
                  L("生成时间 ", "Generated ") + local_time(now_ns(), src.tz_sec) + "</div></div>";
  o += "<h2>" + L("一、概况", "1. Overview") + "</h2><p>" + L("本月审计数据库语句 ", "Statements audited this month: ") +
       std::to_string(statements) + L(" 条，涉及账号 ", "; accounts: ") + std::to_string(accounts.size()) +
       L(" 个、客户端 ", "; clients: ") + std::to_string(clients.size()) + L(" 个、数据库 ", "; databases: ") +
       std::to_string(databases.size()) + L(" 个。发现统方行为 ", ". 统方 attempts: ") + std::to_string(n_attempts) +
       L(" 次（执行成功 ", " (") + std::to_string(n_returned) + L(" 次，执行失败 ", " returned data, ") + std::to_string(n_failed) +
       L(" 次）。", " failed).") + "</p>";
  if (statements == 0)
    o += "<p class=\"bad\">" +
         L("本月没有数据库审计数据：请确认镜像口采集（dbaudit.interface）或数据库审计日志转发在运行。",
           "No database audit data this month: check that the mirror-port capture (dbaudit.interface) or the forwarding of the databases' "
           "audit logs is running.") +
         "</p>";
  o += daily_chart(daily.counts(), daily_alerts.counts(), L);
  o += "<h2>" + L("二、统方行为", "2. 统方 attempts") + "</h2>";
  o += attempts.empty()
           ? "<p>" + L("本月未发现统方行为。", "No 统方 attempt this month.") + "</p>"
           : "<table><tr><th>" + L("时间", "Time") + "</th><th>" + L("账号", "Account") + "</th><th>" + L("客户端", "Client") +
                 "</th><th>" + L("程序", "Program") + "</th><th>" + L("级别", "Level") + "</th><th>" +
                 L("语句与依据", "Statement and why") + "</th><th>" + L("结果", "Outcome") + "</th></tr>" + attempts + "</table>";
  if (n_attempts > 500) o += "<p class=\"muted\">" + L("仅列出前 500 次。", "The first 500 are listed.") + "</p>";
  o += "<h2>" + L("三、其他数据库告警", "3. Other database alerts") + "</h2><table><tr><th>" + L("类型", "Kind") +
       "</th><th class=\"num\">" + L("次数", "Count") + "</th></tr>";
  for (const auto& [k, n] : by_kind.top(by_kind.distinct()))
    o += "<tr><td>" + kind_name(k, L) + "</td><td class=\"num\">" + std::to_string(n) + "</td></tr>";
  if (by_kind.distinct() == 0) o += "<tr><td colspan=\"2\">" + L("无", "None") + "</td></tr>";
  o += "</table>";
  if (!other_rows.empty()) {
    o += "<table><tr><th>" + L("时间", "Time") + "</th><th>" + L("账号", "Account") + "</th><th>" + L("客户端", "Client") + "</th><th>" +
         L("类型", "Kind") + "</th><th>" + L("语句", "Statement") + "</th><th>" + L("结果", "Outcome") + "</th></tr>";
    for (const auto& r : other_rows) o += r;
    o += "</table>";
  }
  // 4. Accounts: those with alerts first, then by volume.
  std::vector<std::pair<std::string, Acct>> av(accounts.begin(), accounts.end());
  std::sort(av.begin(), av.end(), [](const auto& x, const auto& y) {
    return std::tie(x.second.tongfang, x.second.other, x.second.statements) >
           std::tie(y.second.tongfang, y.second.other, y.second.statements);
  });
  auto join = [](const std::set<std::string>& v) {
    std::string r;
    for (const auto& x : v) r += (r.empty() ? "" : ", ") + escape_html(x);
    return r;
  };
  o += "<h2>" + L("四、账号", "4. Accounts") + "</h2><table><tr><th>" + L("账号", "Account") + "</th><th>" + L("客户端", "Clients") +
       "</th><th>" + L("程序", "Programs") + "</th><th class=\"num\">" + L("语句", "Statements") + "</th><th class=\"num\">" +
       L("返回行数", "Rows") + "</th><th class=\"num\">" + L("统方", "统方") + "</th><th class=\"num\">" + L("其他告警", "Other alerts") +
       "</th></tr>";
  for (size_t i = 0; i < av.size() && i < 50; i++) {
    const auto& [u, x] = av[i];
    o += "<tr><td>" + escape_html(u) + "</td><td>" + join(x.clients) + "</td><td>" + join(x.programs) + "</td><td class=\"num\">" +
         std::to_string(x.statements) + "</td><td class=\"num\">" + std::to_string(x.rows) + "</td><td class=\"num" +
         (x.tongfang ? " bad" : "") + "\">" + std::to_string(x.tongfang) + "</td><td class=\"num\">" + std::to_string(x.other) +
         "</td></tr>";
  }
  o += "</table>";
  std::vector<std::pair<std::string, Client>> cv(clients.begin(), clients.end());
  std::sort(cv.begin(), cv.end(), [](const auto& x, const auto& y) {
    return std::tie(x.second.alerts, x.second.statements) > std::tie(y.second.alerts, y.second.statements);
  });
  o += "<h2>" + L("五、客户端", "5. Clients") + "</h2><table><tr><th>" + L("客户端地址", "Client address") + "</th><th>" +
       L("账号", "Accounts") + "</th><th class=\"num\">" + L("语句", "Statements") + "</th><th class=\"num\">" + L("告警", "Alerts") +
       "</th></tr>";
  for (size_t i = 0; i < cv.size() && i < 50; i++)
    o += "<tr><td>" + escape_html(cv[i].first) + "</td><td>" + join(cv[i].second.accounts) + "</td><td class=\"num\">" +
         std::to_string(cv[i].second.statements) + "</td><td class=\"num\">" + std::to_string(cv[i].second.alerts) + "</td></tr>";
  o += "</table>";
  o += "<h2>" + L("六、说明", "6. Notes") + "</h2><p>" +
       L("统方指对处方按医生与药品汇总（含按医生排名某药、按药品排名某医生、逐个取值、分多次查询、分页导出处方明细）。"
         "判定依据为 config/dbaudit/policy.yaml 中的敏感表与字段；经批准的报表账号按医生汇总不计入。本报告由 wardsec "
         "根据数据库审计记录生成。",
         "统方 means prescriptions aggregated by doctor and drug (including a doctor's drug ranking, a drug's doctor ranking, "
         "value-by-value "
         "queries, queries split in parts, and prescription detail read out page by page). The sensitive tables and columns are those of "
         "config/dbaudit/policy.yaml; doctor totals from approved report accounts are not counted. Generated by wardsec from the database "
         "audit records.") +
       "</p>";
  return month_document(L, title + L(" 防统方监测报告", " anti-统方 report"), o);
}

}  // namespace wardsec::report
