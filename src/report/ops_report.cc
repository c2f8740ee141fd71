// The weekly 网络系统运行状况分析报告 (issue #20): how the network and the clinical systems ran in
// one week (Monday to Sunday, local time), against the week before — each system's availability
// and response times with a chart, the outages with cause and length, the log sources that went
// silent or were never heard from and the new devices, the alerts by level and kind (database and
// web attacks among them), the daily log exports, the open rectification tasks, and the risks
// that follow. What the center does not watch yet is said, never left out in silence.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "compliance/assessment.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "ops/probe/availability.h"
#include "report/common.h"
#include "report/ops_sections.h"
#include "report/report.h"

namespace wardsec::report {

using namespace detail;
using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400 * kSec;

std::string pct(const json& v) { return v.is_number() ? fixed(v.get<double>() * 100.0, 3) + "%" : "—"; }

std::string dur(int64_t s, const Words& L) {
  if (s < 60) return std::to_string(s) + L(" 秒", " s");
  if (s < 3600) return std::to_string(s / 60) + L(" 分 ", " min ") + std::to_string(s % 60) + L(" 秒", " s");
  return std::to_string(s / 3600) + L(" 小时 ", " h ") + std::to_string(s % 3600 / 60) + L(" 分", " min");
}

// "↑0.5" / "↓2" / "—": this week against the last.
std::string trend(double now, double before, int digits, bool higher_is_better) {
  double d = now - before;
  if (std::abs(d) < 1e-9) return "<span class=\"muted\">—</span>";
  bool good = (d > 0) == higher_is_better;
  return std::string("<span class=\"") + (good ? "good" : "bad") + "\">" + (d > 0 ? "↑" : "↓") + fixed(std::abs(d), digits) + "</span>";
}

// A horizontal bar per system: its availability this week (below 99.9% in red), as inline SVG.
std::string availability_chart(const json& systems) {
  if (systems.empty()) return "";
  int h = 22 * static_cast<int>(systems.size()) + 10;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"" + std::to_string(h) + "\" viewBox=\"0 0 640 " +
                    std::to_string(h) + "\" font-size=\"11\">";
  int y = 4;
  for (const auto& s : systems) {
    double a = s["availability"].is_number() ? s["availability"].get<double>() : 0;
    // The scale starts at 99%: the differences that matter to a hospital are in the last percent.
    double w = std::clamp((a * 100 - 99.0) / 1.0, 0.0, 1.0) * 440;
    std::string color = a >= 0.999 ? "#67c23a" : a >= 0.99 ? "#e6a23c" : "#f56c6c";
    svg += "<text x=\"0\" y=\"" + std::to_string(y + 13) + "\">" + escape_html(s["system"].get<std::string>()).substr(0, 60) + "</text>";
    svg += "<rect x=\"130\" y=\"" + std::to_string(y) + "\" width=\"" + fixed(std::max(w, 1.0), 1) + "\" height=\"16\" fill=\"" + color +
           "\"/>";
    svg +=
        "<text x=\"" + fixed(136 + std::max(w, 1.0), 1) + "\" y=\"" + std::to_string(y + 13) + "\">" + pct(s["availability"]) + "</text>";
    y += 22;
  }
  return svg + "</svg>";
}

}  // namespace

std::string previous_week(int64_t now, int tz_sec) {
  int64_t day = (now / kSec + tz_sec) / 86400;
  int64_t monday = day - weekday_of(day) - 7;
  return format_rfc3339(monday * kDay).substr(0, 10);
}

namespace {

// The report of [from, to) against [prev, from): the week's words; the month's are put in by
// ops_month_html.
Result<std::string> ops_period_html(const Sources& src, int64_t from, int64_t to, int64_t prev, const std::string& lang) {
  Words L{lang == "en"};
  int64_t now = now_ns();
  DataDir dd(src.data_dir);
  // Both weeks' availability and this week's outages, from one opening of the record (none yet: empty).
  json av{{"systems", json::array()}, {"probes", json::array()}}, av_prev = av;
  std::vector<ops::probe::Outage> outages;
  if (std::filesystem::exists(dd.ops_availability())) {
    auto db = ops::probe::AvailabilityDb::open(dd.ops_availability());
    if (!db) return Error{db.error()};
    auto a = (*db)->availability(from, to, now);
    auto b = (*db)->availability(prev, from, now);
    auto o = (*db)->outages(from, to, "", 500);
    if (!a || !b || !o) return Error{!a ? a.error() : !b ? b.error() : o.error()};
    av = std::move(*a);
    av_prev = std::move(*b);
    outages = std::move(*o);
  }
  std::map<std::string, json> before;
  for (const auto& s : av_prev["systems"]) before[s["system"].get<std::string>()] = s;
  // Alerts raised in each week, by level and by kind.
  std::map<std::string, std::array<uint64_t, 2>> by_level, by_kind, by_rule;
  std::map<std::string, std::string> rule_title;
  std::vector<alert::Alert> this_week;
  std::unique_ptr<alert::AlertStore> alerts;
  if (std::filesystem::exists(dd.alerts_db())) {
    auto a = alert::AlertStore::open(dd.alerts_db());
    if (!a) return Error{a.error()};
    alerts = std::move(*a);
    for (int w = 0; w < 2; w++) {
      alert::AlertQuery q;
      q.from = w == 0 ? from : prev;
      q.to = w == 0 ? to : from;
      q.limit = 100000;
      auto list = alerts->query(q);
      if (!list) return Error{list.error()};
      for (const auto& x : *list) {
        by_level[x.level][w]++;
        by_kind[x.rule_kind][w]++;
        by_rule[x.rule_id][w]++;
        rule_title[x.rule_id] = L.en ? x.rule_title : (x.rule_title_zh.empty() ? x.rule_title : x.rule_title_zh);
        if (w == 0) this_week.push_back(x);
      }
    }
  }
  auto count_rule = [&](const char* rule) { return by_rule.count(rule) ? by_rule[rule][0] : 0; };

  std::string o = "<div class=\"cover\"><h1>" + escape_html(src.organization) + "<br>" +
                  L("网络系统运行状况分析报告（周报）", "Weekly network operations report") + "</h1><div class=\"meta\">" +
                  local_time(from, src.tz_sec).substr(0, 10) + " — " + local_time(to - kSec, src.tz_sec).substr(0, 10) + "<br>" +
                  L("生成时间 ", "Generated ") + local_time(now, src.tz_sec) + "</div></div>";

  // 1. Overview.
  const auto& systems = av["systems"];
  int64_t down_total = 0;
  size_t below = 0;
  for (const auto& s : systems) {
    down_total += s["down_s"].get<int64_t>();
    below += s["availability"].is_number() && s["availability"].get<double>() < 0.999;
  }
  uint64_t n_alerts = this_week.size(), n_prev = 0;
  for (const auto& [lv, n] : by_level) n_prev += n[1];
  o += "<h2>" + L("一、概况", "1. Overview") + "</h2><p>" + L("本周探测的业务系统 ", "Systems probed this week: ") +
       std::to_string(systems.size()) + L(" 个，其中可用性低于 99.9% 的 ", "; below 99.9%: ") + std::to_string(below) +
       L(" 个；中断 ", "; outages: ") + std::to_string(outages.size()) + L(" 次，累计中断 ", ", down in all ") + dur(down_total, L) +
       L("。本周告警 ", ". Alerts this week: ") + std::to_string(n_alerts) + L(" 条（上周 ", " (last week ") + std::to_string(n_prev) +
       L("）。", ").") + "</p>";

  // 2. Availability and response times.
  o += "<h2>" + L("二、业务系统可用性与响应时间", "2. Availability and response times") + "</h2>";
  if (systems.empty()) {
    o += "<p class=\"bad\">" +
         L("本周没有业务系统的探测数据：请在「运行状态」为 HIS、PACS、LIS 等系统配置探测。",
           "No probe data this week: set probes for HIS, PACS, LIS and the others on the operations page.") +
         "</p>";
  } else {
    o += availability_chart(systems);
    o += "<table><tr><th>" + L("业务系统", "System") + "</th><th class=\"num\">" + L("可用性", "Availability") + "</th><th class=\"num\">" +
         L("较上周", "vs last week") + "</th><th class=\"num\">" + L("中断", "Outages") + "</th><th class=\"num\">" +
         L("中断时长", "Down") + "</th><th class=\"num\">" + L("平均响应", "Avg response") + "</th><th class=\"num\">" +
         L("最大响应", "Max response") + "</th></tr>";
    for (const auto& s : systems) {
      std::string name = s["system"].get<std::string>();
      double a = s["availability"].is_number() ? s["availability"].get<double>() * 100 : 0;
      std::string vs = before.count(name) && before[name]["availability"].is_number() && s["availability"].is_number()
                           ? trend(a, before[name]["availability"].get<double>() * 100, 3, true)
                           : "<span class=\"muted\">—</span>";
      o += "<tr><td>" + escape_html(name) + "</td><td class=\"num" + (a < 99.9 ? " bad" : "") + "\">" + pct(s["availability"]) +
           "</td><td class=\"num\">" + vs + "</td><td class=\"num\">" + std::to_string(s["outages"].get<int64_t>()) +
           "</td><td class=\"num\">" + (s["down_s"].get<int64_t>() ? dur(s["down_s"].get<int64_t>(), L) : "—") + "</td><td class=\"num\">" +
           fixed(s["rtt_avg_ms"].get<double>(), 1) + " ms</td><td class=\"num\">" + fixed(s["rtt_max_ms"].get<double>(), 1) +
           " ms</td></tr>";
    }
    o += "</table><p class=\"muted\">" +
         L("可用性 = 1 − 中断时长 / 探测覆盖时长；系统任一探测中断即计为该系统中断，本中心未运行的时段不计入。",
           "Availability = 1 − time down / time watched; a system is down while any of its probes is; time the center was not "
           "running counts neither way.") +
         "</p>";
  }

  // 3. Outages.
  o += "<h2>" + L("三、中断记录", "3. Outages") + "</h2>";
  if (outages.empty()) {
    o += "<p>" + L("本周无中断。", "No outage this week.") + "</p>";
  } else {
    o += "<table><tr><th>" + L("开始", "Start") + "</th><th>" + L("恢复", "End") + "</th><th>" + L("时长", "Length") + "</th><th>" +
         L("业务系统", "System") + "</th><th>" + L("探测", "Probe") + "</th><th>" + L("原因", "Cause") + "</th></tr>";
    for (const auto& x : outages) {
      int64_t end = x.end ? x.end : now;
      o += "<tr><td>" + local_time(x.start, src.tz_sec) + "</td><td>" + (x.end ? local_time(x.end, src.tz_sec) : L("仍在中断", "ongoing")) +
           "</td><td>" + dur((end - x.start) / kSec, L) + "</td><td>" + escape_html(x.system) + "</td><td>" + escape_html(x.name) +
           "</td><td class=\"sql\">" + escape_html(x.cause) + "</td></tr>";
    }
    o += "</table>";
  }

  // 4. Log sources.
  o += "<h2>" + L("四、日志源与新设备", "4. Log sources and new devices") + "</h2>";
  json srcs = json::parse(read_file(dd.ops_sources()).value_or("{}"), nullptr, false);
  std::string bad_rows;
  size_t n_sources = 0;
  if (srcs.is_object() && srcs.contains("sources") && srcs["sources"].is_array())
    for (const auto& s : srcs["sources"]) {
      if (!s.is_object()) continue;
      n_sources++;
      std::string st = s.value("state", "ok");
      if (st == "ok") continue;
      bad_rows += "<tr><td>" + escape_html(s.value("source", "")) + "</td><td class=\"bad\">" +
                  (st == "silent" ? L("静默", "silent") : L("异常", "abnormal")) + "</td><td>" + escape_html(s.value("reason", "")) +
                  "</td></tr>";
    }
  o += "<p>" + L("本中心跟踪的日志源 ", "Log sources tracked: ") + std::to_string(n_sources) +
       L(" 个；本周告警：日志源静默 ", ". This week: silent-source alerts ") + std::to_string(count_rule("wardsec.ops.source_silent")) +
       L("，流量异常 ", ", volume alerts ") + std::to_string(count_rule("wardsec.ops.source_abnormal")) +
       L("，登记资产从未发送日志 ", ", registered assets never heard from ") + std::to_string(count_rule("wardsec.ops.asset_no_logs")) +
       L("，新设备接入 ", ", new devices ") + std::to_string(count_rule("wardsec.ops.new_device") + count_rule("wardsec.ops.new_devices")) +
       L("。", ".") + "</p>";
  o += bad_rows.empty() ? "<p>" + L("当前所有日志源正常。", "Every log source is in order now.") + "</p>"
                        : "<table><tr><th>" + L("日志源", "Source") + "</th><th>" + L("状态", "State") + "</th><th>" + L("原因", "Reason") +
                              "</th></tr>" + bad_rows + "</table>";
  std::string fresh;
  for (const auto& x : this_week)
    if (x.rule_id == "wardsec.ops.new_device") fresh += (fresh.empty() ? "" : L("、", ", ")) + escape_html(x.asset);
  if (!fresh.empty()) o += "<p>" + L("本周新接入且未登记的设备：", "New unregistered devices this week: ") + fresh + "</p>";

  // 5. Alerts.
  o += "<h2>" + L("五、告警与安全事件（含数据库与 Web 攻击）", "5. Alerts and incidents (database and web attacks among them)") +
       "</h2><table><tr><th>" + L("级别", "Level") + "</th><th class=\"num\">" + L("本周", "This week") + "</th><th class=\"num\">" +
       L("上周", "Last week") + "</th><th class=\"num\">" + L("变化", "Change") + "</th></tr>";
  const std::vector<std::pair<const char*, const char*>> levels = {
      {"critical", "严重"}, {"high", "高危"}, {"medium", "中危"}, {"low", "低危"}, {"info", "信息"}};
  for (const auto& [lv, zh] : levels) {
    auto n = by_level.count(lv) ? by_level[lv] : std::array<uint64_t, 2>{0, 0};
    o += "<tr><td>" + L(zh, lv) + "</td><td class=\"num\">" + std::to_string(n[0]) + "</td><td class=\"num\">" + std::to_string(n[1]) +
         "</td><td class=\"num\">" + trend(static_cast<double>(n[0]), static_cast<double>(n[1]), 0, false) + "</td></tr>";
  }
  o += "</table><table><tr><th>" + L("类别", "Kind") + "</th><th class=\"num\">" + L("本周", "This week") + "</th><th class=\"num\">" +
       L("上周", "Last week") + "</th></tr>";
  const std::map<std::string, std::pair<const char*, const char*>> kinds = {
      {"db", {"数据库审计（含防统方）", "Database audit (统方 among them)"}},
      {"web", {"Web 攻击", "Web attacks"}},
      {"ops", {"运行监控", "Operations"}},
      {"sigma", {"日志检测规则", "Log detection rules"}},
      {"correlation", {"关联分析", "Correlations"}},
      {"center", {"本中心自身", "The center itself"}}};
  for (const auto& [k, n] : by_kind) {
    auto it = kinds.find(k);
    o += "<tr><td>" + (it != kinds.end() ? L(it->second.first, it->second.second) : escape_html(k.empty() ? "-" : k)) +
         "</td><td class=\"num\">" + std::to_string(n[0]) + "</td><td class=\"num\">" + std::to_string(n[1]) + "</td></tr>";
  }
  if (by_kind.empty()) o += "<tr><td colspan=\"3\">" + L("无", "None") + "</td></tr>";
  o += "</table>";
  std::vector<std::pair<std::string, uint64_t>> top;
  for (const auto& [r, n] : by_rule)
    if (n[0]) top.emplace_back(r, n[0]);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (!top.empty()) {
    o += "<p>" + L("本周最多的告警：", "The commonest alerts this week: ");
    for (size_t i = 0; i < top.size() && i < 8; i++)
      o += (i ? L("；", "; ") : "") + escape_html(rule_title[top[i].first]) + " " + std::to_string(top[i].second);
    o += "</p>";
  }
  auto incidents = ops_incident_table(src, from, to, prev, L);
  if (!incidents) return Error{incidents.error()};
  o += *incidents;

  // 6. Daily log exports.
  o += "<h2>" + L("六、每日日志导出", "6. Daily log exports") + "</h2><table><tr><th>" + L("日期", "Day") + "</th><th>" +
       L("状态", "State") + "</th><th class=\"num\">" + L("设备", "Devices") + "</th><th class=\"num\">" + L("日志行数", "Lines") +
       "</th></tr>";
  // (the exports' index, <data>/ops/exports.json, wherever ops.export.dir puts the folders)
  std::map<std::string, json> exported;
  json idx = json::parse(read_file(dd.ops() + "/exports.json").value_or("[]"), nullptr, false);
  if (idx.is_array())
    for (const auto& e : idx)
      if (e.is_object() && e.contains("day") && e["day"].is_string()) exported[e["day"].get<std::string>()] = e;
  // Days that ended before the center began watching (sources.json's since) were never its to export.
  int64_t began = 0;
  if (srcs.is_object() && srcs.contains("since") && srcs["since"].is_string()) (void)parse_rfc3339(srcs["since"].get<std::string>(), began);
  size_t missing = 0;
  for (int64_t d = from; d < to && d + kDay <= now; d += kDay) {
    std::string name = local_time(d, src.tz_sec).substr(0, 10);
    auto it = exported.find(name);
    bool ok = it != exported.end();
    if (!ok && (began == 0 || d + kDay <= began)) {
      o += "<tr><td>" + name + "</td><td class=\"muted\">" + L("本中心尚未运行", "before the center ran") +
           "</td><td class=\"num\">—</td><td class=\"num\">—</td></tr>";
      continue;
    }
    missing += !ok;
    o += "<tr><td>" + name + "</td><td" + (ok ? ">" + L("已导出", "exported") : " class=\"bad\">" + L("缺失", "missing")) +
         "</td><td class=\"num\">" + (ok ? std::to_string(it->second.value("devices", 0)) : "—") + "</td><td class=\"num\">" +
         (ok ? std::to_string(it->second.value("lines", 0)) : "—") + "</td></tr>";
  }
  o += "</table>";

  // 7-8. Configuration changes, the data self-check and backups.
  DutyCounts duty;
  auto sections = ops_duty_sections(src, from, to, L, duty);
  if (!sections) return Error{sections.error()};
  o += *sections;

  // 9. Rectification.
  o += "<h2>" + L("九、未完成的整改任务", "9. Open rectification tasks") + "</h2>";
  size_t open_tasks = 0, overdue = 0;
  std::string today = local_time(now, src.tz_sec).substr(0, 10);
  if (std::filesystem::exists(dd.compliance_db())) {
    auto as = compliance::Assessments::open(dd.compliance_db());
    if (!as) return Error{as.error()};
    auto tasks = (*as)->rectifications("");
    if (!tasks) return Error{tasks.error()};
    std::string rows;
    for (const auto& t : *tasks) {
      if (t.status == "done") continue;
      open_tasks++;
      bool late = !t.due.empty() && t.due < today;
      overdue += late;
      if (open_tasks <= 50)
        rows += "<tr><td>" + escape_html(t.system) + "</td><td>" + escape_html(t.item) + "</td><td>" + escape_html(t.plan) + "</td><td>" +
                escape_html(t.owner) + "</td><td" + (late ? " class=\"bad\">" : ">") + escape_html(t.due) + "</td></tr>";
    }
    if (!rows.empty())
      o += "<table><tr><th>" + L("系统", "System") + "</th><th>" + L("测评项", "Item") + "</th><th>" + L("整改措施", "Plan") + "</th><th>" +
           L("责任人", "Owner") + "</th><th>" + L("期限", "Due") + "</th></tr>" + rows + "</table>";
  }
  o += "<p>" + L("未完成 ", "Open: ") + std::to_string(open_tasks) + L(" 项，其中逾期 ", "; overdue: ") + std::to_string(overdue) +
       L(" 项。", ".") + "</p>";

  // 8. Risks, from the above.
  o += "<h2>" + L("十、主要风险与建议", "10. Main risks and advice") + "</h2><ul>";
  size_t risks = 0;
  for (const auto& s : systems)
    if (s["availability"].is_number() && s["availability"].get<double>() < 0.999 && ++risks)
      o += "<li>" + escape_html(s["system"].get<std::string>()) + L(" 本周可用性 ", " was available ") + pct(s["availability"]) +
           L("，低于 99.9%：复盘中断原因，检查冗余与应急预案。",
             " of the week, under 99.9%: review the outages' causes, the redundancy and the plan.") +
           "</li>";
  uint64_t severe = (by_level.count("critical") ? by_level["critical"][0] : 0) + (by_level.count("high") ? by_level["high"][0] : 0);
  if (severe && ++risks)
    o += "<li>" + L("本周严重与高危告警 ", "Critical and high alerts this week: ") + std::to_string(severe) +
         L(" 条：确认均已处置，需要时按事件处置流程定级上报。", ": make sure each was handled; grade and report incidents where due.") +
         "</li>";
  if (!bad_rows.empty() && ++risks)
    o += "<li>" +
         L("有日志源静默或异常：审计覆盖出现缺口，尽快恢复。",
           "Log sources are silent or abnormal: a gap in audit coverage; restore them.") +
         "</li>";
  if (missing && ++risks)
    o += "<li>" + L("每日日志导出缺失 ", "Daily exports missing: ") + std::to_string(missing) +
         L(" 天：检查导出目录，并用 wardsec ops export 补导出。",
           " days: check the export folder and export them with wardsec ops export.") +
         "</li>";
  if (overdue && ++risks)
    o += "<li>" + L("有逾期未完成的整改任务 ", "Overdue rectification tasks: ") + std::to_string(overdue) + L(" 项。", ".") + "</li>";
  if (duty.unplanned && ++risks)
    o += "<li>" + L("计划外的网络设备配置变更 ", "Unplanned configuration changes: ") + std::to_string(duty.unplanned) +
         L(" 次：逐一核实授权，今后变更前登记变更单。", ": confirm each was authorised; file tickets before changes.") + "</li>";
  if (duty.backup_bad && ++risks)
    o += "<li>" + L("备份失败或未按时完成 ", "Backups failed or missing: ") + std::to_string(duty.backup_bad) +
         L(" 次：检查备份任务并做恢复验证。", ": check the backup jobs and test a restore.") + "</li>";
  if (duty.bulk && ++risks)
    o += "<li>" + L("大批量数据变更 ", "Bulk data changes: ") + std::to_string(duty.bulk) +
         L(" 条：核实是否为计划内的维护或接口任务。", ": confirm they were planned maintenance or interface jobs.") + "</li>";
  if (!risks) o += "<li>" + L("本周未发现突出风险。", "No outstanding risk this week.") + "</li>";
  o += "</ul>";

  // 11. Notes.
  o += "<h2>" + L("十一、说明", "11. Notes") + "</h2><p>" +
       L("本报告由 wardsec 根据探测记录、日志源状态、告警、每日导出清单、网络设备配置记录、数据自我检测结果和整改任务生成。",
         "Generated by wardsec from the probes' record, the log sources' state, the alerts, the daily export manifests, the devices' "
         "configuration record, the data self-check results and the rectification tasks.") +
       "</p>";
  return month_document(L, L("网络系统运行状况分析报告", "Weekly network operations report"),
                        "<style>.good { color: #237804; } svg { display: block; margin: 2mm 0 4mm; }</style>" + o);
}

}  // namespace

Result<std::string> ops_week_html(const Sources& src, const std::string& week, const std::string& lang) {
  int64_t from = 0;
  if (week.size() != 10 || !parse_user_time(week, src.tz_sec, from)) return Error{"week: '" + week + "' is not a date (YYYY-MM-DD)"};
  int64_t day = (from / kSec + src.tz_sec) / 86400;
  from -= weekday_of(day) * kDay;  // the Monday of the week holding the date
  return ops_period_html(src, from, from + 7 * kDay, from - 7 * kDay, lang);
}

Result<std::string> ops_month_html(const Sources& src, const std::string& month, const std::string& lang) {
  int y = 0, m = 0;
  char tail = 0;
  if (month.size() != 7 || std::sscanf(month.c_str(), "%4d-%2d%c", &y, &m, &tail) != 2)
    return Error{"month: '" + month + "' is not YYYY-MM"};
  int64_t from = 0, to = 0, prev = 0, unused = 0;
  if (Status s = month_range(y, m, src.tz_sec, from, to); !s) return Error{s.error()};
  if (Status s = month_range(m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1, src.tz_sec, prev, unused); !s) return Error{s.error()};
  auto html = ops_period_html(src, from, to, prev, lang);
  if (!html) return html;
  // The same report over a month: its period words.
  std::string& h = *html;
  for (auto [a, b] : {std::pair<std::string, std::string>{"（周报）", "（月报）"},
                      {"Weekly network operations report", "Monthly network operations report"},
                      {"本周", "本月"},
                      {"上周", "上月"},
                      {"This week", "This month"},
                      {"Last week", "Last month"},
                      {"this week", "this month"},
                      {"last week", "last month"},
                      {"of the week", "of the month"}}) {
    for (size_t p = 0; (p = h.find(a, p)) != std::string::npos; p += b.size()) h.replace(p, a.size(), b);
  }
  return html;
}

}  // namespace wardsec::report