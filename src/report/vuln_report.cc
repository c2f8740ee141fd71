// The monthly vulnerability report (漏洞管理月报, issue #23): what was found, fixed (by re-scan)
// and reopened in the month, what is open and overdue as the report is made, mean time to fix,
// per graded system; the open critical and high findings; the scans imported. From
// <data>/vulns.db; a whole HTML document (PDF through Chromium like the others).
#include <map>

#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "report/common.h"
#include "report/report.h"
#include "vuln/store.h"

namespace wardsec::report {

using namespace detail;

Result<std::string> vuln_month_html(const Sources& src, int year, int month, const std::string& lang) {
  Words L{lang == "en"};
  int64_t from = 0, to = 0;
  if (Status r = month_range(year, month, src.tz_sec, from, to); !r) return Error{r.error()};
  auto st = vuln::Store::open(DataDir(src.data_dir).vulns_db());
  if (!st) return Error{st.error()};
  int64_t now = now_ns();
  std::string today = local_time(now, src.tz_sec).substr(0, 10);
  auto p = (*st)->period(from, to, today);
  if (!p) return Error{p.error()};
  std::map<std::string, std::string> names;
  if (auto inv = compliance::Inventory::open(DataDir(src.data_dir).compliance_db()))
    if (auto systems = (*inv)->systems())
      for (const auto& s : *systems) names[s.id] = L.en && !s.name_en.empty() ? s.name_en : s.name;
  auto sys = [&](const std::string& id) {
    if (id.empty()) return L("（未归属定级系统）", "(no graded system)");
    return escape_html(names.count(id) ? names[id] : id);
  };
  auto days = [&](double d) { return d < 0 ? std::string("—") : fixed(d, 1); };

  char title[96];
  std::snprintf(title, sizeof title, L.en ? "%04d-%02d" : "%04d 年 %d 月", year, month);
  const auto& t = p->total;
  std::string o = "<div class=\"cover\"><h1>" + escape_html(src.organization) + "<br>" + title +
                  L(" 漏洞管理月报", " vulnerability management report") + "</h1><div class=\"meta\">" + L("生成时间 ", "Generated ") +
                  local_time(now, src.tz_sec) + "</div></div>";
  o += "<h2>" + L("一、概况", "1. Overview") + "</h2><p>" + L("本月导入扫描 ", "Scans imported this month: ") +
       std::to_string(p->scans.size()) + L(" 次；新发现漏洞 ", ". New findings: ") + std::to_string(t.found) +
       L(" 个，经复扫确认修复 ", "; fixed (confirmed by re-scan): ") + std::to_string(t.fixed) + L(" 个，修复后再次出现 ", "; reopened: ") +
       std::to_string(t.reopened) + L(" 个；平均修复时间 ", "; mean time to fix: ") + days(t.mean_days_to_fix) + L(" 天。", " days.") +
       L("截至报告生成时，未修复 ", " As this report is made, ") + std::to_string(t.open_now) + L(" 个，其中超期 ", " are open, ") +
       std::to_string(t.overdue_now) + L(" 个。", " of them overdue.") + "</p>";
  if (p->scans.empty())
    o += "<p class=\"bad\">" +
         L("本月没有导入任何扫描：等保要求定期进行漏洞扫描（CE.IPS.e、OM.VUL.a）。",
           "No scan was imported this month: 等保 asks for regular vulnerability scans (CE.IPS.e, OM.VUL.a).") +
         "</p>";
  o += "<h2>" + L("二、按定级系统", "2. By graded system") + "</h2><table><tr><th>" + L("系统", "System") + "</th><th class=\"num\">" +
       L("新发现", "New") + "</th><th class=\"num\">" + L("已修复", "Fixed") + "</th><th class=\"num\">" + L("重新打开", "Reopened") +
       "</th><th class=\"num\">" + L("未修复", "Open") + "</th><th class=\"num\">" + L("超期", "Overdue") + "</th><th class=\"num\">" +
       L("平均修复天数", "Mean days to fix") + "</th></tr>";
  for (const auto& r : p->systems)
    o += "<tr><td>" + sys(r.system) + "</td><td class=\"num\">" + std::to_string(r.found) + "</td><td class=\"num\">" +
         std::to_string(r.fixed) + "</td><td class=\"num\">" + std::to_string(r.reopened) + "</td><td class=\"num\">" +
         std::to_string(r.open_now) + "</td><td class=\"num" + (r.overdue_now ? " bad" : "") + "\">" + std::to_string(r.overdue_now) +
         "</td><td class=\"num\">" + days(r.mean_days_to_fix) + "</td></tr>";
  if (p->systems.empty()) o += "<tr><td colspan=\"7\">" + L("无", "None") + "</td></tr>";
  o += "</table><p class=\"muted\">" +
       L("“未修复”“超期”为报告生成时的状态；修复以复扫不再发现为准。",
         "Open and overdue are as of this report; a finding counts as fixed only when a re-scan no longer finds it.") +
       "</p>";
  o += "<h2>" + L("三、未修复的紧急和高优先级漏洞", "3. Open critical and high findings") + "</h2>";
  if (p->urgent.empty()) {
    o += "<p>" + L("无。", "None.") + "</p>";
  } else {
    o += "<table><tr><th class=\"nowrap\">" + L("优先级", "Priority") + "</th><th>" + L("资产", "Asset") + "</th><th>" +
         L("系统", "System") + "</th><th>" + L("漏洞", "Finding") + "</th><th class=\"nowrap\">CVSS</th><th class=\"nowrap\">" +
         L("修复期限", "Due") + "</th></tr>";
    for (const auto& f : p->urgent) {
      bool overdue = !f.due.empty() && f.due < today;
      o += "<tr><td class=\"nowrap" + std::string(f.priority == 1 ? " bad" : "") + "\">" +
           (L.en ? vuln::priority_en(f.priority) : vuln::priority_zh(f.priority)) + "</td><td>" +
           escape_html(f.asset.empty() ? f.ip : f.asset) + (f.port ? ":" + std::to_string(f.port) : "") + "</td><td>" + sys(f.system) +
           "</td><td>" + escape_html(f.title) + "<div class=\"muted\">" + escape_html(vuln::join_words(f.cves)) + "</div></td><td>" +
           fixed(vuln::base_score(f.scores), 1) + "</td><td class=\"nowrap" + (overdue ? " bad" : "") + "\">" + escape_html(f.due) +
           (overdue ? L("（超期）", " (overdue)") : "") + "</td></tr>";
    }
    o += "</table>";
  }
  o += "<h2>" + L("四、本月扫描", "4. Scans this month") + "</h2><table><tr><th class=\"nowrap\">" + L("导入时间", "Imported") +
       "</th><th>" + L("扫描器", "Scanner") + "</th><th>" + L("文件", "File") + "</th><th class=\"num\">" + L("主机", "Hosts") +
       "</th><th class=\"num\">" + L("发现", "Findings") + "</th><th class=\"num\">" + L("新增", "New") + "</th><th class=\"num\">" +
       L("已修复", "Fixed") + "</th></tr>";
  for (const auto& s : p->scans)
    o += "<tr><td class=\"nowrap\">" + local_time(s.at, src.tz_sec) + "</td><td>" + escape_html(s.scanner) + "</td><td>" +
         escape_html(s.file) + "</td><td class=\"num\">" + std::to_string(s.hosts) + "</td><td class=\"num\">" +
         std::to_string(s.findings) + "</td><td class=\"num\">" + std::to_string(s.added) + "</td><td class=\"num\">" +
         std::to_string(s.fixed) + "</td></tr>";
  if (p->scans.empty()) o += "<tr><td colspan=\"7\">" + L("无", "None") + "</td></tr>";
  o += "</table>";
  return month_document(L, escape_html(src.organization) + " " + title + L(" 漏洞管理月报", " vulnerability report"), o);
}

}  // namespace wardsec::report
