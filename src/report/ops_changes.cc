// The operations report's sections on what the information department records by duty: the
// network devices' configuration changes (ops/config) and the data self-check with the backups
// (ops/datacheck), for [from, to).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "incident/model.h"
#include "ops/config/store.h"
#include "report/common.h"
#include "report/ops_sections.h"

namespace wardsec::report {

using nlohmann::json;
using namespace detail;

Result<std::string> ops_duty_sections(const Sources& src, int64_t from, int64_t to, const Words& L, DutyCounts& n) {
  DataDir dd(src.data_dir);
  std::string o = "<h2>" + L("七、网络设备配置变更", "7. Configuration changes of network devices") + "</h2>";
  std::string path = dd.ops() + "/configs.db";
  std::vector<ops::config::Version> changes;
  if (std::filesystem::exists(path)) {
    auto st = ops::config::Store::open(path);
    if (!st) return Error{st.error()};
    auto c = (*st)->changes(from, to, 500);
    if (!c) return Error{c.error()};
    changes = std::move(*c);
  }
  if (changes.empty()) {
    o += "<p>" + L("本期无配置变更记录。", "No configuration change in this period.") + "</p>";
  } else {
    o += "<table><tr><th>" + L("时间", "Time") + "</th><th>" + L("设备", "Device") + "</th><th>" + L("变更人", "By") +
         "</th><th class=\"num\">" + L("增/删行", "+/- lines") + "</th><th>" + L("计划", "Planned") + "</th></tr>";
    for (const auto& v : changes) {
      bool unplanned = v.planned.empty();
      n.changes++;
      n.unplanned += unplanned;
      std::string who;
      for (const auto& u : v.users) who += (who.empty() ? "" : ", ") + u;
      std::string plan = v.planned == "ticket"   ? L("变更单 ", "ticket ") + escape_html(v.ticket)
                         : v.planned == "window" ? L("变更窗口内", "in a window")
                                                 : L("计划外", "unplanned");
      o += "<tr><td>" + local_time(v.changed_at ? v.changed_at : v.ts, src.tz_sec) + "</td><td>" + escape_html(v.device) + "</td><td>" +
           (who.empty() ? L("未记录", "not logged") : escape_html(who)) + "</td><td class=\"num\">+" + std::to_string(v.added) + " −" +
           std::to_string(v.removed) + "</td><td" + (unplanned ? " class=\"bad\">" : ">") + plan + "</td></tr>";
    }
    o += "</table>";
  }
  o += "<h2>" + L("八、数据自我检测与备份", "8. Data self-check and backups") + "</h2>";
  std::string rows;
  size_t days = 0;
  for (int64_t d = from; d < to; d += 86400 * kSec) {
    std::string day = local_time(d, src.tz_sec).substr(0, 10);
    auto t = read_file(dd.ops() + "/datacheck/" + day + ".json");
    if (!t) continue;
    auto j = json::parse(*t, nullptr, false);
    if (!j.is_object()) continue;
    days++;
    size_t bulk = j.value("bulk_total", size_t{0}), swings = j.contains("swings") && j["swings"].is_array() ? j["swings"].size() : 0,
           bad = 0;
    std::string backups;
    if (j.contains("backups") && j["backups"].is_array())
      for (const auto& b : j["backups"]) {
        std::string state = b.value("state", "");
        bad += state != "ok";
        backups += (backups.empty() ? "" : "；") + escape_html(b.value("name", "")) + " " +
                   (state == "ok"       ? L("成功", "ok")
                    : state == "failed" ? L("失败", "failed")
                                        : L("未完成", "missing"));
      }
    n.bulk += bulk;
    n.backup_bad += bad;
    rows += "<tr><td>" + day + "</td><td class=\"num" + (bulk ? " bad" : "") + "\">" + std::to_string(bulk) + "</td><td class=\"num\">" +
            std::to_string(swings) + "</td><td" + (bad ? " class=\"bad\">" : ">") + (backups.empty() ? "—" : backups) + "</td></tr>";
  }
  if (!days)
    o += "<p>" +
         L("本期无数据自我检测结果：请在系统设置中配置数据自检（关键表、批量阈值、备份日志）。",
           "No data self-check in this period: set it up in the settings (key tables, bulk threshold, backup log queries).") +
         "</p>";
  else
    o += "<table><tr><th>" + L("日期", "Day") + "</th><th class=\"num\">" + L("大批量变更", "Bulk changes") + "</th><th class=\"num\">" +
         L("关键表异常", "Table swings") + "</th><th>" + L("备份", "Backups") + "</th></tr>" + rows + "</table>";
  return o;
}

Result<std::string> ops_incident_table(const Sources& src, int64_t from, int64_t to, int64_t prev, const Words& L) {
  std::string head = "<h3>" + L("安全事件（按分级）", "Security incidents by grade") + "</h3>";
  std::string path = DataDir(src.data_dir).incident_db();
  if (!std::filesystem::exists(path))
    return head + "<p>" + L("本周未登记安全事件。", "No security incident was recorded this week.") + "</p>";
  auto store = incident::Store::open(path, incident::ReportingConfig{});
  if (!store) return Error{store.error()};
  // per grade: this period, the one before, still open (of this period's), a report deadline missed
  std::map<int, std::array<int, 4>> n;
  incident::IncidentFilter f;
  f.limit = 1000;
  for (size_t off = 0;; off += f.limit) {
    f.offset = off;
    auto page = (*store)->list(f);
    if (!page) return Error{page.error()};
    for (const auto& i : *page) {
      int w = i.discovered >= from && i.discovered < to ? 0 : i.discovered >= prev && i.discovered < from ? 1 : -1;
      if (w < 0) continue;
      auto& c = n[static_cast<int>(i.grade)];
      c[w]++;
      if (w == 0 && !i.closed) c[2]++;
      if (w == 0)
        if (auto obs = (*store)->obligations(i.id))
          for (const auto& ob : *obs) c[3] += ob.missed_at != 0;
    }
    if (page->size() < f.limit) break;
  }
  if (n.empty())
    return head + "<p>" + L("本周与上周均未登记安全事件。", "No security incident was recorded this week or last week.") + "</p>";
  std::string o = head + "<table><tr><th>" + L("分级", "Grade") + "</th><th class=\"num\">" + L("本周", "This week") +
                  "</th><th class=\"num\">" + L("上周", "Last week") + "</th><th class=\"num\">" + L("未结束", "Still open") +
                  "</th><th class=\"num\">" + L("报告逾期", "Report overdue") + "</th></tr>";
  for (auto it = n.rbegin(); it != n.rend(); ++it) {
    auto g = static_cast<incident::Grade>(it->first);
    const auto& c = it->second;
    o += "<tr><td>" + L(incident::grade_zh(g), incident::grade_name(g)) + "</td><td class=\"num\">" + std::to_string(c[0]) +
         "</td><td class=\"num\">" + std::to_string(c[1]) + "</td><td class=\"num\">" + std::to_string(c[2]) + "</td><td class=\"num" +
         (c[3] ? " bad" : "") + "\">" + std::to_string(c[3]) + "</td></tr>";
  }
  return o + "</table>";
}

}  // namespace wardsec::report
