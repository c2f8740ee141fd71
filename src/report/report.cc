#include "core/datadir.h"
#include "report/report.h"
#include <thread>
#include <atomic>
#include <sys/socket.h>
#include <pwd.h>
#include <netinet/in.h>
#include <grp.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "alert/alert_store.h"
#include "compliance/grading.h"
#include "core/timeutil.h"
#include "report/common.h"

namespace wardsec::report {

namespace detail {

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

}  // namespace detail

using namespace detail;

std::string escape_html(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o.push_back(c);
    }
  }
  return o;
}

std::optional<Kind> parse_kind(std::string_view s) {
  if (s == "self-assessment") return Kind::kSelfAssessment;
  if (s == "grading") return Kind::kGrading;
  if (s == "rectification") return Kind::kRectification;
  return std::nullopt;
}

Result<SystemData> gather(const Sources& src, const std::string& system) {
  auto cat = compliance::Catalog::load(src.catalog_file);
  if (!cat) return Error{cat.error()};
  auto scoring = compliance::ScoringConfig::load(src.scoring_file);
  if (!scoring) return Error{scoring.error()};
  auto inv = compliance::Inventory::open(DataDir(src.data_dir).compliance_db());
  if (!inv) return Error{inv.error()};
  auto as = compliance::Assessments::open(DataDir(src.data_dir).compliance_db());
  if (!as) return Error{as.error()};
  SystemData d;
  d.organization = src.organization;
  d.tz_sec = src.tz_sec;
  d.scoring = *scoring;
  d.generated = now_ns();
  auto systems = (*inv)->systems();
  if (!systems) return Error{systems.error()};
  bool found = false;
  for (const auto& s : *systems)
    if (s.id == system) {
      d.system = s;
      found = true;
    }
  if (!found) return Error{"no such graded system: " + system};
  if (auto g = (*as)->gradings(system); g && !g->empty()) d.grading = g->back();
  d.level = std::clamp(d.system.level, 2, 3);
  for (const auto* q : cat->at_level(d.level)) d.items.push_back(*q);
  auto cur = (*as)->current(system);
  if (!cur) return Error{cur.error()};
  std::vector<compliance::ItemAssessment> scored;
  for (const auto& r : *cur) {
    d.results[r.item] = r;
    scored.push_back({r.item, r.result, r.x, r.risk});
  }
  for (const auto& q : d.items)
    if (auto ev = (*as)->evidence(system, q.id)) d.evidence[q.id] = ev->size();
  d.score = compliance::compute_score(scored, *cat, d.level, d.scoring);
  if (auto t = (*as)->rectifications(system)) d.tasks = *t;
  return d;
}

namespace detail {
const char* const kCss = R"(
@page { size: A4; margin: 18mm 16mm; }
body { font-family: 'Noto Serif CJK SC', 'Noto Sans CJK SC', 'Source Han Serif SC', serif; color: #111; font-size: 10.5pt; line-height: 1.55; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 6mm; letter-spacing: 2px; }
h2 { font-size: 13pt; border-bottom: 1.5px solid #1f3f7a; padding-bottom: 2px; margin: 7mm 0 3mm; color: #1f3f7a; }
.cover { text-align: center; margin: 20mm 0 14mm; }
.cover .org { font-size: 14pt; margin-top: 8mm; }
.cover .meta { color: #444; margin-top: 4mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; page-break-inside: auto; }
th, td { border: 0.6px solid #888; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eef2f8; font-weight: 600; }
tr { page-break-inside: avoid; }
td.num, th.num { text-align: right; }
.conclusion { font-size: 15pt; font-weight: 700; }
.bad { color: #a8071a; font-weight: 600; }
.ok { color: #2b6a2b; }
.note { color: #555; font-size: 9pt; }
.kv td:first-child { width: 32%; background: #f7f8fa; }
.small { font-size: 9pt; }
h2.break { page-break-before: always; }
footer { margin-top: 8mm; color: #666; font-size: 8.5pt; border-top: 0.5px solid #aaa; padding-top: 2mm; }
)";
}  // namespace detail

namespace {

std::string object_name(const std::string& key, const Words& L) {
  auto o = compliance::parse_object(key);
  if (!o) return escape_html(key);
  if (L.en) return *o == compliance::HarmedObject::kCitizens ? "citizens, legal persons and other organisations"
                   : *o == compliance::HarmedObject::kSociety ? "social order and public interest"
                                                               : "national security";
  return compliance::object_zh(*o);
}

std::string degree_name(const std::string& key, const Words& L) {
  auto d = compliance::parse_degree(key);
  if (!d) return escape_html(key);
  if (L.en) return *d == compliance::HarmDegree::kGeneral ? "general harm" : *d == compliance::HarmDegree::kSerious ? "serious harm"
                                                                                                                 : "especially serious harm";
  return compliance::degree_zh(*d);
}

// Horizontal bars of compliance per category, as inline SVG (prints without script).
std::string category_chart(const SystemData& d, const Words& L) {
  const auto& cats = compliance::Catalog::categories();
  int rows = 0;
  for (const auto& c : cats)
    if (d.score.per_category.count(c.code)) rows++;
  int h = 24 * rows + 30, label_w = L.en ? 190 : 110, bar_w = 380;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(label_w + bar_w + 60) + "\" height=\"" +
                    std::to_string(h) + "\" font-size=\"11\">";
  int y = 8;
  for (const auto& c : cats) {
    auto it = d.score.per_category.find(c.code);
    if (it == d.score.per_category.end()) continue;
    double pct = it->second.applicable ? it->second.compliance * 100 : 0;
    int w = static_cast<int>(std::lround(bar_w * pct / 100));
    std::string color = pct >= 90 ? "#3b7d3b" : pct >= 70 ? "#d08a10" : "#b02a2a";
    svg += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y + 13) + "\" text-anchor=\"end\">" +
           escape_html(L.en ? c.en : c.zh) + "</text>";
    svg += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" + std::to_string(bar_w) +
           "\" height=\"15\" fill=\"#eef1f5\"/>";
    svg += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" + std::to_string(w) +
           "\" height=\"15\" fill=\"" + color + "\"/>";
    svg += "<text x=\"" + std::to_string(label_w + bar_w + 6) + "\" y=\"" + std::to_string(y + 13) + "\">" +
           (it->second.applicable ? fixed(pct, 1) + "%" : std::string("—")) + "</text>";
    y += 24;
  }
  svg += "<text x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(h - 4) + "\" fill=\"#666\">" +
         L("各安全类符合率（已测评项）", "Compliance per category (assessed items)") + "</text></svg>";
  return svg;
}

std::string system_table(const SystemData& d, const Words& L) {
  const auto& s = d.system;
  std::string o = "<table class=\"kv\">";
  auto row = [&](const std::string& k, const std::string& v) { o += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
  row(L("定级对象名称", "Graded system"), escape_html(s.name) + (s.name_en.empty() ? "" : " (" + escape_html(s.name_en) + ")"));
  row(L("运营使用单位", "Operator"), escape_html(d.organization.empty() ? "—" : d.organization));
  row(L("安全保护等级", "Protection level"), L("第", "Level ") + std::to_string(s.level) + L("级", ""));
  row(L("责任部门/人", "Owner"), escape_html(s.owner));
  row(L("承载的业务", "Business"), escape_html(s.business));
  row(L("服务对象", "Users"), escape_html(s.users));
  row(L("处理的数据", "Data"), escape_html(s.data));
  return o + "</table>";
}

std::string grading_table(const SystemData& d, const Words& L) {
  if (!d.grading) return "<p class=\"bad\">" + L("尚无确认的定级记录。", "No confirmed grading yet.") + "</p>";
  const auto& g = *d.grading;
  std::string o = "<table><tr><th style=\"width:13%\">" + L("安全", "Security of") + "</th><th style=\"width:17%\">" +
                  L("受侵害的客体", "Object harmed") + "</th><th style=\"width:13%\">" + L("侵害程度", "Degree of harm") +
                  "</th><th style=\"width:7%\">" + L("等级", "Level") + "</th><th>" + L("定级理由", "Reason") + "</th></tr>";
  o += "<tr><td>" + L("业务信息安全", "Business information") + "</td><td>" + object_name(g.business_object, L) + "</td><td>" +
       degree_name(g.business_degree, L) + "</td><td class=\"num\">" + std::to_string(g.business_level) + "</td><td>" +
       escape_html(g.business_reason) + "</td></tr>";
  o += "<tr><td>" + L("系统服务安全", "System service") + "</td><td>" + object_name(g.service_object, L) + "</td><td>" +
       degree_name(g.service_degree, L) + "</td><td class=\"num\">" + std::to_string(g.service_level) + "</td><td>" +
       escape_html(g.service_reason) + "</td></tr></table>";
  o += "<p>" + L("系统安全保护等级取两者中的较高者：", "The system's level is the higher of the two: ") + "<b>" + L("第", "level ") +
       std::to_string(g.level) + L("级", "") + "</b>" + L("（GB/T 22240-2020）。", " (GB/T 22240-2020).") + "</p>";
  // The standard's notes are stored as "中文 / English", one a line: the report's language only.
  std::string_view notes = g.notes;
  while (!notes.empty()) {
    std::string_view line = notes.substr(0, notes.find('\n'));
    notes.remove_prefix(std::min(notes.size(), line.size() + 1));
    size_t sep = line.find(" / ");
    std::string_view part = sep == std::string_view::npos ? line : L.en ? line.substr(sep + 3) : line.substr(0, sep);
    if (!part.empty()) o += "<p class=\"note\">" + escape_html(part) + "</p>";
  }
  o += "<p class=\"note\">" + L("确认人：", "Confirmed by ") + escape_html(g.by) + L("，时间：", ", ") + local_time(g.at, d.tz_sec) + "</p>";
  return o;
}

// The rectification tasks with owner, due date (overdue marked) and state.
std::string task_table(const SystemData& d, const Words& L) {
  std::string o;
  if (d.tasks.empty()) o += "<p>" + L("暂无整改任务。", "No rectification tasks.") + "</p>";
  else {
    std::string today = local_time(d.generated, d.tz_sec).substr(0, 10);
    o += "<table><tr><th>" + L("测评项", "Item") + "</th><th>" + L("整改措施", "Plan") + "</th><th>" + L("责任人", "Owner") + "</th><th>" +
         L("完成期限", "Due") + "</th><th>" + L("状态", "Status") + "</th></tr>";
    for (const auto& t : d.tasks) {
      std::string st = t.status == "done" ? L("已完成（复测符合）", "done (re-checked)") : t.status == "in_progress" ? L("整改中", "in progress")
                                                                                                                 : L("待整改", "to do");
      bool overdue = t.status != "done" && t.due < today;
      o += "<tr><td>" + escape_html(t.item) + "</td><td>" + escape_html(t.plan) + "</td><td>" + escape_html(t.owner) + "</td><td" +
           (overdue ? " class=\"bad\"" : "") + ">" + escape_html(t.due) + (overdue ? L("（已逾期）", " (overdue)") : "") + "</td><td>" + st + "</td></tr>";
    }
    o += "</table>";
  }
  return o;
}

// 整改方案: every problem found (不符合/部分符合) with its risk and finding, and the task that
// addresses it, or a note that none does yet.
std::string rectification_plan(const SystemData& d, const Words& L) {
  std::string o;
  o += "<div class=\"cover\"><h1>" + escape_html(d.system.name) + "<br>" + L("网络安全等级保护整改方案", "MLPS 2.0 rectification plan") +
       "</h1><div class=\"org\">" + escape_html(d.organization) + "</div><div class=\"meta\">" + L("生成时间 ", "Generated ") +
       local_time(d.generated, d.tz_sec) + "</div></div>";
  o += "<h2>" + L("一、被测对象", "1. The system") + "</h2>" + system_table(d, L);
  o += "<h2>" + L("二、存在的问题与整改措施", "2. Problems found and what is done about them") + "</h2>";
  std::string rows;
  int without = 0;
  for (const auto& q : d.items) {
    auto it = d.results.find(q.id);
    if (it == d.results.end()) continue;
    const auto& res = it->second;
    if (res.result != compliance::Conformity::kNonConform && res.result != compliance::Conformity::kPartial) continue;
    std::string plan;
    for (const auto& t : d.tasks)
      if (t.item == q.id && t.status != "done") plan += escape_html(t.plan) + L("（", " (") + escape_html(t.owner) + L("，", ", ") + escape_html(t.due) + L("）", ")") + "<br>";
    if (plan.empty()) {
      without++;
      plan = "<span class=\"bad\">" + L("尚未制定整改任务", "no task yet") + "</span>";
    }
    rows += "<tr><td>" + escape_html(q.id) + "</td><td>" + escape_html(L.en ? q.control_point_en : q.control_point_zh) + "</td><td>" +
            compliance::conformity_zh(res.result) + "</td><td" + (res.risk == compliance::Risk::kHigh ? " class=\"bad\"" : "") + ">" +
            compliance::risk_zh(res.risk) + "</td><td>" + escape_html(res.note) + "</td><td>" + plan + "</td></tr>";
  }
  if (rows.empty()) o += "<p class=\"ok\">" + L("已测评项中没有不符合或部分符合的项。", "No assessed item is non-conforming or partial.") + "</p>";
  else
    o += "<table><tr><th>" + L("编号", "Item") + "</th><th>" + L("控制点", "Control point") + "</th><th>" + L("结果", "Result") + "</th><th>" +
         L("风险", "Risk") + "</th><th>" + L("问题", "Finding") + "</th><th>" + L("整改措施（责任人，期限）", "Plan (owner, due)") + "</th></tr>" +
         rows + "</table>";
  if (without) o += "<p class=\"bad\">" + std::to_string(without) + L(" 个问题尚无整改任务。", " problem(s) have no task yet.") + "</p>";
  o += "<h2>" + L("三、整改任务进展", "3. Progress of the tasks") + "</h2>" + task_table(d, L);
  o += "<p class=\"note\">" + L("整改任务只能在相应测评项复测为\"符合\"后关闭。", "A task closes only when its item is re-checked as conforming.") + "</p>";
  return o;
}

std::string self_assessment(const SystemData& d, const Words& L) {
  const auto& sc = d.score;
  std::string o;
  o += "<div class=\"cover\"><h1>" + escape_html(d.system.name) + "<br>" +
       L("网络安全等级保护自评估报告", "MLPS 2.0 self-assessment report") + "</h1><div class=\"org\">" + escape_html(d.organization) +
       "</div><div class=\"meta\">" + L("依据 GB/T 22239-2019 第", "Against GB/T 22239-2019, level ") + std::to_string(d.level) +
       L("级通用要求 · 生成时间 ", " general requirements · generated ") + local_time(d.generated, d.tz_sec) + "</div></div>";
  o += "<h2>" + L("一、被测对象", "1. The system assessed") + "</h2>" + system_table(d, L);
  o += "<h2>" + L("二、定级情况", "2. Grading") + "</h2>" + grading_table(d, L);
  int total = sc.applicable + static_cast<int>(sc.not_assessed.size());
  o += "<h2>" + L("三、自评估结论", "3. Conclusion") + "</h2>";
  o += "<p>" + L("综合得分：", "Score: ") + "<span class=\"conclusion\">" + fixed(sc.score, 2) + "</span>　" + L("结论：", "Conclusion: ") +
       "<span class=\"conclusion" + std::string(sc.conclusion == "差" ? " bad" : "") + "\">" + escape_html(sc.conclusion) + "</span></p>";
  o += "<p>" + L("适用测评项 ", "Applicable items: ") + std::to_string(total) + L(" 项，已测评 ", ", assessed ") + std::to_string(sc.applicable) +
       L(" 项，未测评 ", ", not assessed ") + std::to_string(sc.not_assessed.size()) + L(" 项。高风险 ", ". High risks: ") +
       std::to_string(sc.high) + L(" 项，中风险 ", ", medium: ") + std::to_string(sc.medium) + L(" 项，低风险 ", ", low: ") +
       std::to_string(sc.low) + L(" 项。", ".") + "</p>";
  if (!sc.not_assessed.empty())
    o += "<p class=\"bad\">" + L("尚有测评项未测评，得分仅反映已测评项。", "Some items are not assessed: the score reflects the assessed items only.") + "</p>";
  o += "<p class=\"note\">" + escape_html(d.scoring.label) +
       L("。权重、部分符合的取值与结论阈值见 catalog/scoring.yaml，可按测评机构口径调整；有任一高风险项时结论为\"差\"。",
         ". Weights, the value of a partial result and the bands are in catalog/scoring.yaml and can follow the assessor's method; any high risk makes the conclusion 差 (poor).") +
       "</p>";
  o += "<h2>" + L("四、各安全类测评结果", "4. Results per category") + "</h2>" + category_chart(d, L);
  o += "<table><tr><th>" + L("安全类", "Category") + "</th><th class=\"num\">" + L("适用", "Applicable") + "</th><th class=\"num\">" +
       L("符合", "Conform") + "</th><th class=\"num\">" + L("部分符合", "Partial") + "</th><th class=\"num\">" + L("不符合", "Non-conform") +
       "</th><th class=\"num\">" + L("不适用", "N/A") + "</th><th class=\"num\">" + L("符合率", "Compliance") + "</th></tr>";
  for (const auto& c : compliance::Catalog::categories()) {
    auto it = sc.per_category.find(c.code);
    if (it == sc.per_category.end()) continue;
    const auto& r = it->second;
    o += "<tr><td>" + escape_html(L.en ? c.en : c.zh) + "</td><td class=\"num\">" + std::to_string(r.applicable) + "</td><td class=\"num\">" +
         std::to_string(r.conform) + "</td><td class=\"num\">" + std::to_string(r.partial) + "</td><td class=\"num\">" +
         std::to_string(r.non_conform) + "</td><td class=\"num\">" + std::to_string(r.not_applicable) + "</td><td class=\"num\">" +
         (r.applicable ? fixed(r.compliance * 100, 1) + "%" : std::string("—")) + "</td></tr>";
  }
  o += "</table>";
  o += "<h2>" + L("五、高风险问题", "5. High-risk findings") + "</h2>";
  if (sc.high_risk_items.empty()) o += "<p class=\"ok\">" + L("未发现高风险问题。", "No high-risk findings.") + "</p>";
  else {
    o += "<table><tr><th>" + L("编号", "Item") + "</th><th>" + L("控制点", "Control point") + "</th><th>" + L("测评记录", "Finding") + "</th></tr>";
    for (const auto& id : sc.high_risk_items) {
      std::string cp, note;
      for (const auto& q : d.items)
        if (q.id == id) cp = L.en ? q.control_point_en : q.control_point_zh;
      if (auto it = d.results.find(id); it != d.results.end()) note = it->second.note;
      o += "<tr><td>" + escape_html(id) + "</td><td>" + escape_html(cp) + "</td><td>" + escape_html(note) + "</td></tr>";
    }
    o += "</table>";
  }
  o += "<h2>" + L("六、整改方案与进展", "6. Rectification plan and progress") + "</h2>" + task_table(d, L);
  o += "<h2 class=\"break\">" + L("附：测评项结果", "Appendix: results of every item") + "</h2><table class=\"small\"><tr><th style=\"width:9%\">" +
       L("编号", "Item") + "</th><th style=\"width:11%\">" + L("控制点", "Control point") + "</th><th>" + L("要求摘要", "Requirement (summary)") +
       "</th><th style=\"width:8%\">" + L("结果", "Result") + "</th><th style=\"width:5%\">" + L("风险", "Risk") + "</th><th style=\"width:20%\">" +
       L("测评记录", "Note") + "</th><th class=\"num\" style=\"width:5%\">" + L("证据", "Evidence") + "</th></tr>";
  for (const auto& q : d.items) {
    auto it = d.results.find(q.id);
    std::string res = it == d.results.end() ? L("未测评", "not assessed") : compliance::conformity_zh(it->second.result);
    bool bad = it != d.results.end() && it->second.result == compliance::Conformity::kNonConform;
    o += "<tr><td>" + escape_html(q.id) + "</td><td>" + escape_html(L.en ? q.control_point_en : q.control_point_zh) + "</td><td>" +
         escape_html(q.summary) + "</td><td" + (bad ? " class=\"bad\"" : "") + ">" + res + "</td><td>" +
         (it == d.results.end() ? "" : compliance::risk_zh(it->second.risk)) + "</td><td>" + (it == d.results.end() ? "" : escape_html(it->second.note)) +
         "</td><td class=\"num\">" + std::to_string(d.evidence.count(q.id) ? d.evidence.at(q.id) : 0) + "</td></tr>";
  }
  o += "</table>";
  return o;
}

std::string grading_report(const SystemData& d, const Words& L) {
  std::string o;
  o += "<div class=\"cover\"><h1>" + escape_html(d.system.name) + "<br>" + L("网络安全等级保护定级报告", "MLPS 2.0 grading report") +
       "</h1><div class=\"org\">" + escape_html(d.organization) + "</div><div class=\"meta\">" +
       L("依据 GB/T 22240-2020 · 生成时间 ", "Per GB/T 22240-2020 · generated ") + local_time(d.generated, d.tz_sec) + "</div></div>";
  o += "<h2>" + L("一、定级对象描述", "1. The graded system") + "</h2>" + system_table(d, L);
  o += "<h2>" + L("二、安全保护等级的确定", "2. Determining the protection level") + "</h2>";
  o += "<p>" + L("分别确定业务信息安全和系统服务安全受到破坏时所侵害的客体和侵害程度，由二者的等级取较高者为定级对象的安全保护等级。",
                 "For business information security and for system service security, the object harmed and the degree of harm give a level; "
                 "the system's level is the higher of the two.") + "</p>";
  o += grading_table(d, L);
  o += "<h2>" + L("三、备案信息（定级备案表要素）", "3. Filing data (for the filing form)") + "</h2><table class=\"kv\">";
  auto row = [&](const std::string& k, const std::string& v) { o += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
  row(L("单位名称", "Organization"), escape_html(d.organization.empty() ? "—" : d.organization));
  row(L("定级对象名称", "System"), escape_html(d.system.name));
  row(L("业务类型 / 承载业务", "Business"), escape_html(d.system.business));
  row(L("服务范围 / 服务对象", "Users"), escape_html(d.system.users));
  row(L("涉及的数据", "Data"), escape_html(d.system.data));
  row(L("业务信息安全保护等级", "Business information security level"), d.grading ? std::to_string(d.grading->business_level) : "—");
  row(L("系统服务安全保护等级", "System service security level"), d.grading ? std::to_string(d.grading->service_level) : "—");
  row(L("安全保护等级", "Protection level"), std::to_string(d.system.level));
  row(L("定级时间", "Graded on"), d.grading ? local_time(d.grading->at, d.tz_sec).substr(0, 10) : "—");
  row(L("专家评审 / 主管部门审核", "Expert review / competent authority"), L("（第二级及以上须经专家评审和主管部门核准后，向公安机关备案）",
                                                                          "(level 2 and above: expert review and the authority's approval, then filing with the public security organ)"));
  return o + "</table>";
}

}  // namespace

std::string html(Kind kind, const SystemData& d, const std::string& lang) {
  Words L{lang == "en"};
  std::string title = escape_html(d.system.name) + " " +
                      (kind == Kind::kGrading         ? L("定级报告", "grading report")
                       : kind == Kind::kRectification ? L("整改方案", "rectification plan")
                                                      : L("自评估报告", "self-assessment report"));
  std::string body = kind == Kind::kGrading ? grading_report(d, L) : kind == Kind::kRectification ? rectification_plan(d, L) : self_assessment(d, L);
  return "<!doctype html><html lang=\"" + std::string(L.en ? "en" : "zh-CN") + "\"><head><meta charset=\"utf-8\"><title>" + title +
         "</title><style>" + kCss + "</style></head><body>" + body + "<footer>" +
         L("本报告由 wardsec 医院等保安全管理中心根据自评估记录生成，供单位自查和整改使用；正式测评结论以测评机构出具的报告为准。",
           "Generated by wardsec from the hospital's own assessment records, for self-checking and rectification; the formal conclusion is the assessment body's report.") +
         "</footer></body></html>";
}

namespace {

// A workbook with the reports' two formats: a header cell and a wrapped, bordered cell.
struct Book {
  lxw_workbook* wb;
  lxw_format *head = nullptr, *cell = nullptr;
  explicit Book(const std::string& path) : wb(workbook_new(path.c_str())) {
    if (!wb) return;
    head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xEEF2F8);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(head);
    cell = workbook_add_format(wb);
    format_set_text_wrap(cell);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_align(cell, LXW_ALIGN_VERTICAL_TOP);
  }
  Status close(const std::string& path) {
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) return Error{"writing " + path + ": " + lxw_strerror(e)};
    return {};
  }
};

}  // namespace

Status checklist_xlsx(const SystemData& d, const std::string& path) {
  Book book(path);
  if (!book.wb) return Error{"cannot create " + path};
  lxw_workbook* wb = book.wb;
  lxw_format *head = book.head, *cell = book.cell;
  lxw_format* bad = workbook_add_format(wb);
  format_set_font_color(bad, 0xA8071A);
  format_set_bold(bad);
  format_set_border(bad, LXW_BORDER_THIN);
  format_set_align(bad, LXW_ALIGN_VERTICAL_TOP);

  lxw_worksheet* ws = workbook_add_worksheet(wb, "测评检查表");
  const char* cols[] = {"编号", "安全类", "控制点", "要求摘要", "GB/T 28448 编号", "结果", "风险", "测评记录", "测评人", "测评时间", "证据数"};
  const double widths[] = {10, 12, 14, 48, 16, 9, 6, 30, 10, 17, 7};
  for (int c = 0; c < 11; c++) {
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), cols[c], head);
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths[c], nullptr);
  }
  worksheet_freeze_panes(ws, 1, 1);
  lxw_row_t r = 1;
  for (const auto& q : d.items) {
    auto it = d.results.find(q.id);
    bool has = it != d.results.end();
    auto str = [&](int c, const std::string& v, lxw_format* f) { worksheet_write_string(ws, r, static_cast<lxw_col_t>(c), v.c_str(), f); };
    str(0, q.id, cell);
    str(1, q.category_zh, cell);
    str(2, q.control_point_zh, cell);
    str(3, q.summary, cell);
    str(4, q.code_28448, cell);
    str(5, has ? compliance::conformity_zh(it->second.result) : "未测评",
        has && it->second.result == compliance::Conformity::kNonConform ? bad : cell);
    str(6, has ? compliance::risk_zh(it->second.risk) : "", cell);
    str(7, has ? it->second.note : "", cell);
    str(8, has ? it->second.by : "", cell);
    str(9, has ? local_time(it->second.at, d.tz_sec) : "", cell);
    worksheet_write_number(ws, r, 10, static_cast<double>(d.evidence.count(q.id) ? d.evidence.at(q.id) : 0), cell);
    r++;
  }
  worksheet_autofilter(ws, 0, 0, r - 1, 10);

  lxw_worksheet* sum = workbook_add_worksheet(wb, "得分汇总");
  const char* scols[] = {"安全类", "适用", "符合", "部分符合", "不符合", "不适用", "符合率"};
  for (int c = 0; c < 7; c++) {
    worksheet_write_string(sum, 0, static_cast<lxw_col_t>(c), scols[c], head);
    worksheet_set_column(sum, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), c == 0 ? 16 : 10, nullptr);
  }
  lxw_format* pct = workbook_add_format(wb);
  format_set_num_format(pct, "0.0%");
  r = 1;
  for (const auto& c : compliance::Catalog::categories()) {
    auto it = d.score.per_category.find(c.code);
    if (it == d.score.per_category.end()) continue;
    const auto& x = it->second;
    worksheet_write_string(sum, r, 0, c.zh, nullptr);
    worksheet_write_number(sum, r, 1, x.applicable, nullptr);
    worksheet_write_number(sum, r, 2, x.conform, nullptr);
    worksheet_write_number(sum, r, 3, x.partial, nullptr);
    worksheet_write_number(sum, r, 4, x.non_conform, nullptr);
    worksheet_write_number(sum, r, 5, x.not_applicable, nullptr);
    worksheet_write_number(sum, r, 6, x.compliance, pct);
    r++;
  }
  r++;
  worksheet_write_string(sum, r, 0, "综合得分", head);
  worksheet_write_number(sum, r, 1, std::round(d.score.score * 100) / 100, nullptr);
  worksheet_write_string(sum, ++r, 0, "结论", head);
  worksheet_write_string(sum, r, 1, d.score.conclusion.c_str(), nullptr);
  worksheet_write_string(sum, ++r, 0, "计分方法", head);
  worksheet_write_string(sum, r, 1, d.scoring.label.c_str(), nullptr);
  worksheet_write_string(sum, ++r, 0, "定级对象", head);
  worksheet_write_string(sum, r, 1, (d.system.name + "（第" + std::to_string(d.system.level) + "级）").c_str(), nullptr);
  return book.close(path);
}

Status filing_xlsx(const SystemData& d, const std::string& path) {
  Book book(path);
  if (!book.wb) return Error{"cannot create " + path};
  lxw_format *head = book.head, *cell = book.cell;
  lxw_worksheet* ws = workbook_add_worksheet(book.wb, "定级备案信息");
  worksheet_set_column(ws, 0, 0, 26, nullptr);
  worksheet_set_column(ws, 1, 1, 60, nullptr);
  const auto* g = d.grading ? &*d.grading : nullptr;
  Words L{false};
  std::vector<std::pair<std::string, std::string>> rows = {
      {"单位名称", d.organization},
      {"定级对象名称", d.system.name},
      {"定级对象英文名/简称", d.system.name_en},
      {"责任部门/人", d.system.owner},
      {"承载的业务", d.system.business},
      {"服务对象/范围", d.system.users},
      {"涉及的数据", d.system.data},
      {"业务信息安全受侵害客体", g ? object_name(g->business_object, L) : ""},
      {"业务信息安全侵害程度", g ? degree_name(g->business_degree, L) : ""},
      {"业务信息安全保护等级", g ? std::to_string(g->business_level) : ""},
      {"业务信息安全定级理由", g ? g->business_reason : ""},
      {"系统服务安全受侵害客体", g ? object_name(g->service_object, L) : ""},
      {"系统服务安全侵害程度", g ? degree_name(g->service_degree, L) : ""},
      {"系统服务安全保护等级", g ? std::to_string(g->service_level) : ""},
      {"系统服务安全定级理由", g ? g->service_reason : ""},
      {"安全保护等级", std::to_string(d.system.level)},
      {"定级确认人", g ? g->by : ""},
      {"定级时间", g ? local_time(g->at, d.tz_sec).substr(0, 10) : ""},
      {"专家评审情况", ""},
      {"主管部门审核情况", ""},
  };
  worksheet_write_string(ws, 0, 0, "项目", head);
  worksheet_write_string(ws, 0, 1, "内容（可编辑后用于填写备案表）", head);
  lxw_row_t r = 1;
  for (const auto& [k, v] : rows) {
    worksheet_write_string(ws, r, 0, k.c_str(), head);
    worksheet_write_string(ws, r, 1, v.c_str(), cell);
    r++;
  }
  return book.close(path);
}

Status xlsx(Kind kind, const SystemData& d, const std::string& path) {
  return kind == Kind::kGrading ? filing_xlsx(d, path) : checklist_xlsx(d, path);
}

Result<std::string> annual_html(const Sources& src, int year, const std::string& lang) {
  Words L{lang == "en"};
  auto inv = compliance::Inventory::open(DataDir(src.data_dir).compliance_db());
  if (!inv) return Error{inv.error()};
  auto systems = (*inv)->systems();
  if (!systems) return Error{systems.error()};
  // The year, in the configured zone: [from, to).
  int64_t from = 0, to = 0;
  if (!parse_rfc3339(std::to_string(year) + "-01-01T00:00:00", from, src.tz_sec) ||
      !parse_rfc3339(std::to_string(year + 1) + "-01-01T00:00:00", to, src.tz_sec))
    return Error{"year " + std::to_string(year) + " is not a year"};
  std::string o = "<div class=\"cover\"><h1>" + escape_html(src.organization) + "<br>" + std::to_string(year) +
                  L(" 年度网络安全等级保护工作总结", " MLPS 2.0 annual work summary") + "</h1><div class=\"meta\">" +
                  L("生成时间 ", "Generated ") + local_time(now_ns(), src.tz_sec) + "</div></div>";
  // 1. Systems, levels, gradings; 2. self-assessment results; 3. rectification.
  std::string grading_rows, score_rows, task_rows;
  int graded = 0, assessed = 0, tasks_open = 0, tasks_done = 0, tasks_overdue = 0, high_total = 0;
  std::vector<std::string> todo;
  std::string today = local_time(now_ns(), src.tz_sec).substr(0, 10);
  for (const auto& sys : *systems) {
    auto d = gather(src, sys.id);
    if (!d) continue;
    std::string lv = sys.level ? L("第", "level ") + std::to_string(sys.level) + L("级", "") : L("未定级", "not graded");
    std::string gdate = d->grading ? local_time(d->grading->at, src.tz_sec).substr(0, 10) : "—";
    if (d->grading) graded++;
    else todo.push_back(L("完成定级：", "Grade: ") + escape_html(sys.name));
    grading_rows += "<tr><td>" + escape_html(sys.name) + "</td><td>" + lv + "</td><td>" + gdate + "</td><td>" +
                    (d->grading ? escape_html(d->grading->by) : "—") + "</td></tr>";
    if (sys.level >= 2) {
      int total = d->score.applicable + static_cast<int>(d->score.not_assessed.size());
      if (d->score.applicable > 0) {
        assessed++;
        score_rows += "<tr><td>" + escape_html(sys.name) + "</td><td class=\"num\">" + fixed(d->score.score, 2) + "</td><td" +
                      (d->score.conclusion == "差" ? " class=\"bad\"" : "") + ">" + escape_html(d->score.conclusion) +
                      "</td><td class=\"num\">" + std::to_string(d->score.applicable) + " / " + std::to_string(total) +
                      "</td><td class=\"num\">" + std::to_string(d->score.high) + "</td></tr>";
        high_total += d->score.high;
        if (!d->score.not_assessed.empty())
          todo.push_back(escape_html(sys.name) + L("：完成其余 ", ": assess the remaining ") + std::to_string(d->score.not_assessed.size()) +
                         L(" 个测评项", " items"));
      } else {
        todo.push_back(L("开展自评估：", "Self-assess: ") + escape_html(sys.name));
      }
    }
    for (const auto& t : d->tasks) {
      if (t.created < from || t.created >= to) continue;
      bool overdue = t.status != "done" && t.due < today;
      (t.status == "done" ? tasks_done : tasks_open)++;
      if (overdue) {
        tasks_overdue++;
        todo.push_back(L("逾期整改：", "Overdue rectification: ") + escape_html(sys.name) + " " + escape_html(t.item));
      }
      task_rows += "<tr><td>" + escape_html(sys.name) + "</td><td>" + escape_html(t.item) + "</td><td>" + escape_html(t.plan) + "</td><td>" +
                   escape_html(t.owner) + "</td><td" + (overdue ? " class=\"bad\"" : "") + ">" + escape_html(t.due) + "</td><td>" +
                   (t.status == "done" ? L("已完成", "done") : t.status == "in_progress" ? L("整改中", "in progress") : L("待整改", "to do")) +
                   "</td></tr>";
    }
  }
  o += "<h2>" + L("一、工作概况", "1. Overview") + "</h2><p>" + L("本年度共有定级对象 ", "Graded systems: ") + std::to_string(systems->size()) +
       L(" 个，其中已确认定级 ", "; gradings confirmed: ") + std::to_string(graded) + L(" 个，已开展自评估 ", "; self-assessed: ") +
       std::to_string(assessed) + L(" 个；发现高风险问题 ", "; high-risk findings: ") + std::to_string(high_total) +
       L(" 项；本年度新开整改任务 ", "; rectification tasks opened this year: ") + std::to_string(tasks_open + tasks_done) +
       L(" 项，已完成 ", ", done: ") + std::to_string(tasks_done) + L(" 项，逾期 ", ", overdue: ") + std::to_string(tasks_overdue) +
       L(" 项。", ".") + "</p>";
  o += "<h2>" + L("二、定级与备案", "2. Grading and filing") + "</h2><table><tr><th>" + L("定级对象", "System") + "</th><th>" +
       L("等级", "Level") + "</th><th>" + L("定级确认时间", "Graded on") + "</th><th>" + L("确认人", "By") + "</th></tr>" + grading_rows + "</table>";
  o += "<h2>" + L("三、自评估结果", "3. Self-assessment results") + "</h2>";
  o += score_rows.empty() ? "<p>" + L("本年度尚未开展自评估。", "No self-assessment yet.") + "</p>"
                          : "<table><tr><th>" + L("定级对象", "System") + "</th><th class=\"num\">" + L("得分", "Score") + "</th><th>" +
                                L("结论", "Conclusion") + "</th><th class=\"num\">" + L("已测评/适用", "Assessed / applicable") +
                                "</th><th class=\"num\">" + L("高风险", "High risks") + "</th></tr>" + score_rows + "</table>";
  o += "<h2>" + L("四、整改情况", "4. Rectification") + "</h2>";
  o += task_rows.empty() ? "<p>" + L("本年度无整改任务。", "No rectification tasks this year.") + "</p>"
                         : "<table><tr><th>" + L("定级对象", "System") + "</th><th>" + L("测评项", "Item") + "</th><th>" + L("整改措施", "Plan") +
                               "</th><th>" + L("责任人", "Owner") + "</th><th>" + L("期限", "Due") + "</th><th>" + L("状态", "Status") + "</th></tr>" +
                               task_rows + "</table>";
  // 5. Security events of the year.
  o += "<h2>" + L("五、安全事件监测与处置", "5. Security events detected and handled") + "</h2>";
  std::error_code ec;
  if (std::filesystem::exists(DataDir(src.data_dir).alerts_db(), ec)) {
    auto store = alert::AlertStore::open(DataDir(src.data_dir).alerts_db());
    if (store) {
      o += "<table><tr><th>" + L("级别", "Level") + "</th><th class=\"num\">" + L("告警", "Alerts") + "</th><th class=\"num\">" +
           L("确认属实", "True positive") + "</th><th class=\"num\">" + L("误报", "False positive") + "</th><th class=\"num\">" +
           L("未处置", "Open") + "</th></tr>";
      for (const char* lv : {"critical", "high", "medium", "low"}) {
        auto count = [&](const std::string& state) {
          alert::AlertQuery q;
          q.from = from;
          q.to = to;
          q.min_level = lv;
          q.state = state;
          auto n = (*store)->count(q);
          alert::AlertQuery above = q;  // min_level is "at least": subtract the levels above
          auto r = alert::level_rank(lv);
          uint64_t more = 0;
          for (const char* up : {"critical", "high", "medium", "low"})
            if (alert::level_rank(up) == r + 1) {
              above.min_level = up;
              if (auto m = (*store)->count(above)) more = *m;
            }
          return n ? *n - more : 0;
        };
        const char* zh = std::string(lv) == "critical" ? "严重" : std::string(lv) == "high" ? "高危" : std::string(lv) == "medium" ? "中危" : "低危";
        o += "<tr><td>" + std::string(L.en ? lv : zh) + "</td><td class=\"num\">" + std::to_string(count("")) + "</td><td class=\"num\">" +
             std::to_string(count("closed_tp")) + "</td><td class=\"num\">" + std::to_string(count("closed_fp")) + "</td><td class=\"num\">" +
             std::to_string(count("open")) + "</td></tr>";
      }
      o += "</table>";
    }
  } else {
    o += "<p>" + L("检测尚未在本数据目录运行。", "Detection has not run on this data folder.") + "</p>";
  }
  o += "<h2>" + L("六、下一年度工作重点", "6. Next year's priorities") + "</h2><ul>";
  if (todo.empty()) todo.push_back(L("保持现有防护水平，按期开展年度测评。", "Keep the protection in place and have the yearly assessment done on time."));
  for (const auto& t : todo) o += "<li>" + t + "</li>";
  o += "</ul>";
  return "<!doctype html><html lang=\"" + std::string(L.en ? "en" : "zh-CN") + "\"><head><meta charset=\"utf-8\"><title>" +
         std::to_string(year) + L(" 年度等保工作总结", " MLPS annual summary") + "</title><style>" + kCss + "</style></head><body>" + o +
         "<footer>" + L("本总结由 wardsec 根据定级、自评估、整改和告警记录生成。", "Generated by wardsec from the grading, self-assessment, rectification and alert records.") +
         "</footer></body></html>";
}

namespace {

// The page Chromium prints, served once from loopback at a random path: the browser never
// opens a file:// page (which could pull other local files into the PDF), and everything
// but this one address goes to a proxy that does not exist.
class OnePageServer {
 public:
  explicit OnePageServer(std::string html) : html_(std::move(html)), path_("/" + random_hex()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      return;
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OnePageServer() {
    stop_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + path_; }

 private:
  static std::string random_hex() {
    unsigned char b[16];
    std::ifstream("/dev/urandom", std::ios::binary).read(reinterpret_cast<char*>(b), sizeof b);
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) out += {d[c >> 4], d[c & 15]};
    return out;
  }
  void serve() {
    while (!stop_) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      bool mine = req.rfind("GET " + path_ + " ", 0) == 0;
      std::string body = mine ? html_ : std::string("not found\n");
      std::string head = std::string(mine ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                         "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Security-Policy: default-src 'none'; script-src 'none'; "
                         "frame-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
      std::string out = head + body;
      for (size_t off = 0; off < out.size();) {
        ssize_t n = ::send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      ::close(c);
    }
  }
  std::string html_, path_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

// Chromium prints with its sandbox on (as root, which the sandbox refuses, it runs as the
// unprivileged user nobody), no network but the one page (a proxy that does not exist for
// everything else, loopback included, and no name resolution), and the page's own CSP
// turning off scripts, frames and every load but inline styles and data: images. (Chromium's
// scriptEnabled=false setting also stops headless printing, so the CSP does that job.)
Status html_to_pdf(const std::string& html, const std::string& pdf_path, const std::string& chromium) {
  namespace fs = std::filesystem;
  std::string exe = chromium.empty() ? "/usr/bin/chromium" : chromium;
  if (access(exe.c_str(), X_OK) != 0)
    return Error{"PDF needs Chromium (" + exe + "): apt-get install chromium; HTML and XLSX work without it"};
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec) / ("wardsec-report-" + std::to_string(getpid()) + "-" + std::to_string(now_ns()));
  fs::create_directories(dir / "profile", ec);
  if (ec) return Error{"cannot make a temporary folder: " + ec.message()};
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (uid == 0) {
    const passwd* pw = getpwnam("nobody");
    if (!pw) return Error{"PDF: running as root and there is no user 'nobody' to print as"};
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    for (const auto& p : {dir, dir / "profile"})
      if (::chown(p.c_str(), uid, gid) != 0) return Error{"cannot hand the print folder to nobody"};
  }
  OnePageServer page(html);
  if (!page.port()) return Error{"PDF: cannot serve the page on loopback"};
  fs::path out = dir / "out.pdf";
  std::string out_arg = "--print-to-pdf=" + out.string();
  std::string profile = "--user-data-dir=" + (dir / "profile").string();
  std::string bypass = "--proxy-bypass-list=<-loopback>;127.0.0.1:" + std::to_string(page.port());
  std::string url = page.url();
  pid_t pid = fork();
  if (pid < 0) return Error{"fork failed"};
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) _exit(126);
    setenv("HOME", dir.c_str(), 1);
    execl(exe.c_str(), exe.c_str(), "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-pdf-header-footer",
          "--run-all-compositor-stages-before-draw", "--disable-extensions",
          "--disable-background-networking", "--no-first-run", "--proxy-server=http://127.0.0.1:9", bypass.c_str(),
          "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", profile.c_str(), out_arg.c_str(), url.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Chromium prints within seconds; a hung browser must not hang the caller.
  int status = 0;
  bool done = false;
  for (int i = 0; i < 1200 && !done; i++) {  // 120 s
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) done = true;
    else usleep(100000);
  }
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  bool printed = done && WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(out) && fs::file_size(out, ec) > 0;
  if (printed) fs::copy_file(out, pdf_path, fs::copy_options::overwrite_existing, ec);
  fs::remove_all(dir, ec);
  if (!done) return Error{"Chromium did not finish printing within 120 s"};
  if (!printed || !fs::exists(pdf_path))
    return Error{"Chromium could not print the PDF (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                 "; its sandbox needs unprivileged user namespaces)"};
  return {};
}

}  // namespace wardsec::report
