// The monthly 防统方 report (issue #6): what the database audit saw in one month — statements
// audited, the 统方 attempts with account, client, program, statement and outcome, the other
// database alerts by kind, and per-account and per-client figures — read from the store's
// statement events (the db.* fields the pipeline's database-audit stage wrote).
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "alert/alert_store.h"
#include "core/datadir.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "report/common.h"
#include "report/report.h"
#include "search/aggregate.h"
#include "search/search.h"
#include "store/store.h"

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

// A round axis top at or above v: 1, 2 or 5 times a power of ten.
uint64_t nice_ceiling(uint64_t v) {
  uint64_t p = 1;
  while (p * 10 <= v) p *= 10;
  for (uint64_t m : {1, 2, 5, 10})
    if (m * p >= v) return m * p;
  return 10 * p;
}

// Daily statements (blue, left axis) and statements with alerts (red, right axis) as an inline
// SVG bar chart: every day labelled, gridlines, both axes scaled and numbered, a legend.
std::string daily_chart(const std::vector<uint64_t>& st, const std::vector<uint64_t>& al, const Words& L) {
  const int w = 680, h = 230, left = 52, right = 44, bottom = 24, top = 30;
  uint64_t max = 1, amax = 1;
  for (auto v : st) max = std::max(max, v);
  for (auto v : al) amax = std::max(amax, v);
  max = 4 * nice_ceiling((max + 3) / 4);  // four even steps of a round size
  amax = 4 * nice_ceiling((amax + 3) / 4);
  const double plot_h = h - top - bottom;
  double bw = static_cast<double>(w - left - right) / static_cast<double>(std::max<size_t>(st.size(), 1));
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) +
                    "\" font-size=\"9\" font-family=\"sans-serif\">";
  // legend
  svg += "<rect x=\"" + std::to_string(left) + "\" y=\"6\" width=\"10\" height=\"10\" fill=\"#5b8ff9\"/><text x=\"" +
         std::to_string(left + 14) + "\" y=\"15\" font-size=\"10\">" + L("审计语句数（左轴）", "statements audited (left axis)") +
         "</text><rect x=\"" + std::to_string(left + 200) + "\" y=\"6\" width=\"10\" height=\"10\" fill=\"#a8071a\"/><text x=\"" +
         std::to_string(left + 214) + "\" y=\"15\" font-size=\"10\">" +
         L("产生告警的语句数（右轴）", "statements with alerts (right axis)") + "</text>";
  for (int k = 0; k <= 4; k++) {  // gridlines with both axes' values
    double y = h - bottom - plot_h * k / 4.0;
    svg += "<line x1=\"" + std::to_string(left) + "\" x2=\"" + std::to_string(w - right) + "\" y1=\"" + fixed(y, 1) + "\" y2=\"" +
           fixed(y, 1) + "\" stroke=\"" + (k ? "#e5e5e5" : "#999") + "\"/>";
    svg += "<text x=\"" + std::to_string(left - 4) + "\" y=\"" + fixed(y + 3, 1) + "\" text-anchor=\"end\" fill=\"#2f54eb\">" +
           std::to_string(max * k / 4) + "</text>";
    svg += "<text x=\"" + std::to_string(w - right + 4) + "\" y=\"" + fixed(y + 3, 1) + "\" fill=\"#a8071a\">" +
           std::to_string(amax * k / 4) + "</text>";
  }
  for (size_t i = 0; i < st.size(); i++) {
    double x = left + bw * static_cast<double>(i);
    double bh = plot_h * static_cast<double>(st[i]) / static_cast<double>(max);
    double ah = plot_h * static_cast<double>(al[i]) / static_cast<double>(amax);
    svg += "<rect x=\"" + fixed(x + bw * 0.1, 1) + "\" y=\"" + fixed(h - bottom - bh, 1) + "\" width=\"" + fixed(bw * 0.45, 1) +
           "\" height=\"" + fixed(bh, 1) + "\" fill=\"#5b8ff9\"/>";
    if (al[i])
      svg += "<rect x=\"" + fixed(x + bw * 0.55, 1) + "\" y=\"" + fixed(h - bottom - ah, 1) + "\" width=\"" + fixed(bw * 0.35, 1) +
             "\" height=\"" + fixed(ah, 1) + "\" fill=\"#a8071a\"/>";
    svg += "<text x=\"" + fixed(x + bw / 2, 1) + "\" y=\"" + std::to_string(h - bottom + 12) + "\" text-anchor=\"middle\" fill=\"#444\">" +
           std::to_string(i + 1) + "</text>";
  }
  svg += "<text x=\"" + std::to_string(w - right) + "\" y=\"" + std::to_string(h - 1) + "\" text-anchor=\"end\" fill=\"#666\">" +
         L("日期（日）", "day of the month") + "</text></svg>";
  return svg;
}

// Alike rows (same account, client, program, level or kind, statement shape and outcome) as
// one line: first and last time, how many, the first statement as the example.
struct Group {
  int64_t first = 0, last = 0;
  uint64_t count = 0, rows = 0;
  std::string user, client, program, level, kinds, statement, reason, outcome;
  std::set<std::string> errors;
};
class Grouped {
 public:
  explicit Grouped(size_t max) : max_(max) {}
  // The group for the key, new when there is room; nullptr when the list is full.
  Group* at(const std::string& key, int64_t ts, bool& fresh) {
    auto it = index_.find(key);
    fresh = it == index_.end();
    if (fresh) {
      if (groups_.size() >= max_) return nullptr;
      it = index_.emplace(key, groups_.size()).first;
      groups_.push_back(Group{ts, ts});
    }
    Group& g = groups_[it->second];
    g.first = std::min(g.first, ts);
    g.last = std::max(g.last, ts);
    g.count++;
    return &g;
  }
  const std::vector<Group>& groups() const { return groups_; }

 private:
  size_t max_;
  std::map<std::string, size_t> index_;
  std::vector<Group> groups_;
};

std::string when(const Group& g, int tz_sec, const Words& L) {
  std::string a = local_time(g.first, tz_sec);
  if (g.count == 1) return a;
  std::string b = local_time(g.last, tz_sec);
  if (a.substr(0, 10) == b.substr(0, 10)) b = b.substr(11);
  return a + " —<br>" + b + "<div class=\"muted\">" + L("共 ", "") + std::to_string(g.count) + L(" 次", " times") + "</div>";
}

// 六、处置情况: how the month's 统方 alerts were handled (the alert store's workflow): counts by
// state, then each alert with who handled it and what they wrote; blank lines for what was
// done outside the console (talks, disciplinary steps) when nothing is recorded.
std::string disposal_section(const Sources& src, int64_t from, int64_t to, const Words& L) {
  std::string o = "<h2>" + L("六、处置情况", "6. How the alerts were handled") + "</h2>";
  std::vector<alert::Alert> list;
  std::error_code ec;
  std::string path = DataDir(src.data_dir).alerts_db();
  if (std::filesystem::exists(path, ec))
    if (auto store = alert::AlertStore::open(path)) {
      alert::AlertQuery q;
      q.from = from;
      q.to = to;
      q.by_event_time = true;  // the month's attempts, whenever the alert was raised
      q.rule = "统方";         // both 统方 rules' titles (exact and suspected)
      q.limit = 200;
      q.sort = "created";
      q.ascending = true;
      if (auto r = (*store)->query(q)) list = std::move(*r);
    }
  size_t open = 0, tp = 0, fp = 0, sup = 0;
  for (const auto& a : list) {
    if (a.state == alert::State::kClosedTruePositive)
      tp++;
    else if (a.state == alert::State::kClosedFalsePositive)
      fp++;
    else if (a.state == alert::State::kSuppressed)
      sup++;
    else
      open++;
  }
  auto state = [&](alert::State st) {
    switch (st) {
      case alert::State::kNew: return L("待处置", "new");
      case alert::State::kAcknowledged: return L("处置中", "acknowledged");
      case alert::State::kClosedTruePositive: return L("已处置（属实）", "closed: true positive");
      case alert::State::kClosedFalsePositive: return L("已关闭（误报）", "closed: false positive");
      case alert::State::kSuppressed: return L("已抑制", "suppressed");
    }
    return std::string();
  };
  if (list.empty()) {
    o += "<p>" + L("本月没有统方告警。", "No 统方 alert this month.") + "</p>";
  } else {
    o += "<p>" + L("本月统方告警 ", "统方 alerts this month: ") + std::to_string(list.size()) +
         L(" 条：已处置（属实）", "; closed as true positive: ") + std::to_string(tp) + L(" 条，误报 ", "; false positive: ") +
         std::to_string(fp) + L(" 条，已抑制 ", "; suppressed: ") + std::to_string(sup) + L(" 条，尚未处置完毕 ", "; still open: ") +
         std::to_string(open) + L(" 条。", ".") + "</p>";
    if (open)
      o += "<p class=\"bad\">" +
           L("尚有告警未处置完毕，请在告警页面处置后再批准本报告。",
             "Some alerts are still open: handle them on the alerts page before approving this report.") +
           "</p>";
    o += "<table><tr><th class=\"nowrap\">" + L("告警", "Alert") + "</th><th class=\"nowrap\">" + L("时间", "Time") + "</th><th>" +
         L("账号 / 来源", "Account / source") + "</th><th class=\"nowrap\">" + L("状态", "State") + "</th><th>" +
         L("处置人", "Handled by") + "</th><th>" + L("处置说明", "What was done") + "</th></tr>";
    for (const auto& a : list)
      o += "<tr><td class=\"nowrap\">#" + std::to_string(a.id) + "</td><td>" + local_time(a.first_ts, src.tz_sec) + "</td><td>" +
           escape_html(a.user) + (a.user.empty() || a.source_ip.empty() ? "" : " / ") + escape_html(a.source_ip) +
           "</td><td class=\"nowrap\">" + state(a.state) + "</td><td>" + escape_html(!a.state_by.empty() ? a.state_by : a.assignee) +
           "</td><td>" + escape_html(a.comment) + "</td></tr>";
    o += "</table>";
  }
  o += "<p>" + L("其他处置措施（约谈、调整权限、通报等）：", "Other measures (interviews, access changes, notices): ") +
       "</p><p>__________________________________________________________________________</p>"
       "<p>__________________________________________________________________________</p>";
  return o;
}

}  // namespace

std::pair<int, int> previous_month(int64_t now, int tz_sec) {
  std::string local = format_rfc3339(now + static_cast<int64_t>(tz_sec) * kSec);
  int year = std::atoi(local.substr(0, 4).c_str()), month = std::atoi(local.substr(5, 2).c_str());
  return month == 1 ? std::pair{year - 1, 12} : std::pair{year, month - 1};
}

std::pair<int, int> default_report_month(const std::string& data_dir, int64_t now, int tz_sec) {
  auto prev = previous_month(now, tz_sec);
  std::string local = format_rfc3339(now + static_cast<int64_t>(tz_sec) * kSec);
  std::pair<int, int> cur{std::atoi(local.substr(0, 4).c_str()), std::atoi(local.substr(5, 2).c_str())};
  int64_t this_month = 0, end = 0;
  if (!month_range(cur.first, cur.second, tz_sec, this_month, end)) return prev;
  // The store's first segment says when it began (segments are listed oldest first).
  for (const auto& seg : store::list_segments(data_dir)) {
    auto r = store::SegmentReader::open(seg);
    if (!r) continue;
    return r->header().created >= this_month ? cur : prev;
  }
  return cur;  // nothing stored yet
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
  uint64_t statements = 0, n_attempts = 0, n_returned = 0, n_failed = 0;
  Grouped attempts(500), others(200);
  uint64_t attempts_left = 0, others_left = 0;  // rows that found no room in a full list
  static const FieldId fFinger = FieldRegistry::intern("db.sql.fingerprint");

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
        if (tf) {
          n_attempts++;
          (err.empty() ? n_returned : n_failed)++;
        }
        std::string level = tf ? std::string(ev.get(fLevel)) : std::string(), kn;
        if (!tf)
          for (const auto& k : kinds) kn += (kn.empty() ? "" : "、") + kind_name(k, L);
        std::string shape(ev.has(fFinger) ? ev.get(fFinger) : ev.get(fStmt));
        std::string key =
            user + '\x1f' + ip + '\x1f' + prog + '\x1f' + level + '\x1f' + kn + '\x1f' + shape + '\x1f' + (err.empty() ? "ok" : "err");
        bool fresh = false;
        Group* g = (tf ? attempts : others).at(key, ev.ts, fresh);
        if (!g) {
          (tf ? attempts_left : others_left)++;
          return true;
        }
        g->rows += rows;
        if (!err.empty() && g->errors.size() < 4) g->errors.insert(err);
        if (fresh) {
          g->user = user, g->client = ip, g->program = prog, g->level = level, g->kinds = kn;
          g->statement = ev.get(fStmt);
          if (g->statement.size() > 600) g->statement = g->statement.substr(0, 600) + "…";
          g->reason = std::string(ev.get(fReason)).substr(0, 400);
          g->outcome = !err.empty() ? "err" : has_rows ? "rows" : "done";
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
  auto outcome = [&](const Group& g) {
    std::string e;
    for (const auto& x : g.errors) e += (e.empty() ? "" : ", ") + escape_html(x);
    return g.outcome == "err"    ? L("执行失败（错误 ", "failed (error ") + e + L("）", ")")
           : g.outcome == "rows" ? L("返回 ", "returned ") + std::to_string(g.rows) + L(" 行", " rows")
                                 : L("已执行", "executed");
  };
  o += "<h2>" + L("二、统方行为", "2. 统方 attempts") + "</h2>";
  if (attempts.groups().empty()) {
    o += "<p>" + L("本月未发现统方行为。", "No 统方 attempt this month.") + "</p>";
  } else {
    o += "<p class=\"muted\">" +
         L("同一账号、客户端、程序以相同语句形态和结果多次执行的，合并为一行并注明次数与起止时间。",
           "Repeats by one account, client and program with the same statement shape and outcome are one row, with their count and "
           "first and last time.") +
         "</p><table><tr><th class=\"nowrap\">" + L("时间", "Time") + "</th><th class=\"nowrap\">" + L("账号", "Account") + "</th><th>" +
         L("客户端", "Client") + "</th><th>" + L("程序", "Program") + "</th><th class=\"nowrap\">" + L("级别", "Level") + "</th><th>" +
         L("语句与依据", "Statement and why") + "</th><th class=\"nowrap\">" + L("结果", "Outcome") + "</th></tr>";
    for (const auto& g : attempts.groups())
      o += "<tr><td>" + when(g, src.tz_sec, L) + "</td><td>" + escape_html(g.user) + "</td><td>" + escape_html(g.client) + "</td><td>" +
           escape_html(g.program) + "</td><td class=\"nowrap" + (g.level == "critical" ? " bad" : "") + "\">" +
           (g.level == "critical" ? L("严重", "critical") : L("高危", "high")) + "</td><td class=\"sql\">" + escape_html(g.statement) +
           "<div class=\"muted\">" + escape_html(g.reason) + "</div></td><td>" + outcome(g) + "</td></tr>";
    o += "</table>";
  }
  if (attempts_left)
    o += "<p class=\"muted\">" + L("另有 ", "") + std::to_string(attempts_left) +
         L(" 次未列出（列表已满 500 行）。", " more are not listed (the list holds 500 rows).") + "</p>";
  o += "<h2>" + L("三、其他数据库告警", "3. Other database alerts") + "</h2><table><tr><th>" + L("类型", "Kind") +
       "</th><th class=\"num\">" + L("次数", "Count") + "</th></tr>";
  for (const auto& [k, n] : by_kind.top(by_kind.distinct()))
    o += "<tr><td>" + kind_name(k, L) + "</td><td class=\"num\">" + std::to_string(n) + "</td></tr>";
  if (by_kind.distinct() == 0) o += "<tr><td colspan=\"2\">" + L("无", "None") + "</td></tr>";
  o += "</table>";
  if (!others.groups().empty()) {
    o += "<table><tr><th class=\"nowrap\">" + L("时间", "Time") + "</th><th class=\"nowrap\">" + L("账号", "Account") + "</th><th>" +
         L("客户端", "Client") + "</th><th>" + L("类型", "Kind") + "</th><th>" + L("语句", "Statement") + "</th><th class=\"nowrap\">" +
         L("结果", "Outcome") + "</th></tr>";
    for (const auto& g : others.groups()) {
      std::string stmt = g.statement.size() > 300 ? g.statement.substr(0, 300) + "…" : g.statement;
      o += "<tr><td>" + when(g, src.tz_sec, L) + "</td><td>" + escape_html(g.user) + "</td><td>" + escape_html(g.client) + "</td><td>" +
           g.kinds + "</td><td class=\"sql\">" + escape_html(stmt) + "</td><td>" + outcome(g) + "</td></tr>";
    }
    o += "</table>";
    if (others_left)
      o += "<p class=\"muted\">" + L("另有 ", "") + std::to_string(others_left) +
           L(" 次未列出（列表已满 200 行）。", " more are not listed (the list holds 200 rows).") + "</p>";
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
  o += disposal_section(src, from, to, L);
  o += "<h2>" + L("七、说明", "7. Notes") + "</h2><p>" +
       L("统方指对处方按医生与药品汇总（含按医生排名某药、按药品排名某医生、逐个取值、分多次查询、分页导出处方明细）。"
         "判定依据为本院数据库审计策略中登记的处方、医生与药品等敏感表和字段；经批准的报表账号按医生汇总不计入。本报告由 wardsec "
         "根据数据库审计记录和告警处置记录生成，经编制、审核、批准后存档。",
         "统方 means prescriptions aggregated by doctor and drug (including a doctor's drug ranking, a drug's doctor ranking, "
         "value-by-value queries, queries split in parts, and prescription detail read out page by page). The sensitive tables and "
         "columns (prescriptions, doctors, drugs) are those registered in the hospital's database-audit policy; doctor totals from "
         "approved report accounts are not counted. Generated by wardsec from the database audit and alert-handling records; filed "
         "once prepared, reviewed and approved.") +
       "</p>";
  return month_document(L, title + L(" 防统方监测报告", " anti-统方 report"), o);
}

}  // namespace wardsec::report
