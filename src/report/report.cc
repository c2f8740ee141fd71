#include "core/datadir.h"
#include "report/report.h"
#include "vuln/store.h"
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
#include <map>

#include "alert/alert_store.h"
#include "compliance/grading.h"
#include "core/timeutil.h"
#include "mgmt/checks.h"
#include "report/common.h"

namespace wardsec::report {

namespace detail {

std::string object_name(const std::string& key, const Words& L) {
  auto o = compliance::parse_object(key);
  if (!o) return escape_html(key);
  if (L.en)
    return *o == compliance::HarmedObject::kCitizens  ? "citizens, legal persons and other organisations"
           : *o == compliance::HarmedObject::kSociety ? "social order and public interest"
                                                      : "national security";
  return compliance::object_zh(*o);
}

std::string degree_name(const std::string& key, const Words& L) {
  auto d = compliance::parse_degree(key);
  if (!d) return escape_html(key);
  if (L.en)
    return *d == compliance::HarmDegree::kGeneral   ? "general harm"
           : *d == compliance::HarmDegree::kSerious ? "serious harm"
                                                    : "especially serious harm";
  return compliance::degree_zh(*d);
}

// Horizontal bars of compliance per category, as inline SVG (prints without script).
std::string record_text(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (!j[key].is_array()) return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
  std::string s;
  for (const auto& v : j[key]) s += (s.empty() ? "" : "、") + (v.is_string() ? v.get<std::string>() : v.dump());
  return s;
}

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string coverage_line(const compliance::ScoreResult& sc, const Words& L) {
  int total = sc.total();
  double pct = total ? std::floor(1000.0 * sc.applicable / total) / 10 : 0;
  return std::string("<p class=\"coverage") + (sc.complete() ? "" : " bad") + "\">" + L("测评进度：已测评 ", "Coverage: ") +
         std::to_string(sc.applicable) + " / " + std::to_string(total) + L(" 项（", " items assessed (") + fixed(pct, 1) + L("%）", "%)") +
         (sc.complete() ? L("，全部完成。", ", complete.")
                        : L("，尚有 ", ", ") + std::to_string(sc.not_assessed.size()) +
                              L(" 项未测评，自评估未完成。", " not assessed: the self-assessment is not complete.")) +
         "</p>";
}

std::string conclusion_words(const std::string& c, const Words& L) {
  if (!L.en) return c;
  static const std::map<std::string, std::string> en = {
      {"优", "优 (excellent)"}, {"良", "良 (good)"}, {"中", "中 (fair)"}, {"差", "差 (poor)"}, {compliance::kIncomplete, "incomplete"}};
  auto it = en.find(c);
  return it == en.end() ? c : it->second;
}

Status month_range(int year, int month, int tz_sec, int64_t& from, int64_t& to) {
  if (month < 1 || month > 12) return Error{"month " + std::to_string(month) + " is not 1 to 12"};
  char a[32], b[32];
  std::snprintf(a, sizeof a, "%04d-%02d-01T00:00:00", year, month);
  std::snprintf(b, sizeof b, "%04d-%02d-01T00:00:00", month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1);
  if (!parse_rfc3339(a, from, tz_sec) || !parse_rfc3339(b, to, tz_sec)) return Error{"year " + std::to_string(year) + " is not a year"};
  return {};
}

std::string month_document(const Words& L, const std::string& title, const std::string& body) {
  std::string css = std::string(kCss) +
                    " td.sql { font-family: monospace; font-size: 8.5pt; word-break: break-all; } .muted { color: #666; } td:first-child { "
                    "white-space: nowrap; }";
  css +=
      " td.nowrap, th.nowrap { white-space: nowrap; } table.sign { margin-top: 12mm; border: none; } table.sign td { border: none; "
      "padding: 6mm 2mm 0; width: 33%; white-space: nowrap; }";
  std::string sign = "<table class=\"sign\"><tr><td>" + L("编制：", "Prepared by: ") + "____________</td><td>" +
                     L("审核：", "Reviewed by: ") + "____________</td><td>" + L("批准：", "Approved by: ") +
                     "____________</td></tr><tr><td>" + L("日期：", "Date: ") + "____________</td><td>" + L("日期：", "Date: ") +
                     "____________</td><td>" + L("日期：", "Date: ") + "____________</td></tr></table>";
  return "<!doctype html><html lang=\"" + std::string(L.en ? "en" : "zh-CN") + "\"><head><meta charset=\"utf-8\"><title>" + title +
         "</title><style>" + css + "</style></head><body>" + body + sign + "</body></html>";
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

Result<SystemData> gather(const Sources& src, const std::string& system, Kind kind) {
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
  d.level = d.system.level;
  // The management records, when there are any (nothing is created by a report).
  std::map<std::string, std::vector<mgmt::RecordLink>> record_ev;
  if (std::string db = DataDir(src.data_dir).records_db(); std::filesystem::exists(db)) {
    auto rs = mgmt::Records::open(db);
    if (!rs) return Error{rs.error()};
    auto all = mgmt::read_all(**rs);
    if (!all) return Error{all.error()};
    mgmt::RecordSets& sets = *all;
    if (!sets["unit"].empty()) d.unit = sets["unit"].front().data;
    if (d.organization.empty()) d.organization = d.unit.value("name", "");  // the filing unit names the hospital too
    for (const auto& f : sets["filing"])
      if (f.data.value("system", "") == system) d.filing = f.data;
    auto ds = mgmt::data_summary(sets, system);
    d.data_zh = ds.text_zh;
    d.data_en = ds.text_en;
    record_ev = mgmt::evidence_index(sets, local_time(d.generated, d.tz_sec).substr(0, 10));
  }
  if (!compliance::assessable_level(d.level)) {
    if (kind == Kind::kGrading) return d;
    return Error{system + ": " + compliance::cannot_assess(d.level)};
  }
  for (const auto* q : cat->at_level(d.level)) d.items.push_back(*q);
  auto cur = (*as)->current(system);
  if (!cur) return Error{cur.error()};
  std::vector<compliance::ItemAssessment> scored;
  for (const auto& r : *cur) {
    d.results[r.item] = r;
    scored.push_back({r.item, r.result, r.x, r.risk});
  }
  for (const auto& q : d.items) {
    if (auto ev = (*as)->evidence(system, q.id)) d.evidence[q.id] = ev->size();
    for (const auto& l : mgmt::links_for(record_ev, q.id, system)) d.evidence[q.id] += l.fresh;
  }
  auto sc = compliance::compute_score(scored, *cat, d.level, d.scoring);
  if (!sc) return Error{sc.error()};
  d.score = std::move(*sc);
  if (auto t = (*as)->rectifications(system)) d.tasks = *t;
  if (std::filesystem::exists(DataDir(src.data_dir).vulns_db())) {
    auto vs = vuln::Store::open(DataDir(src.data_dir).vulns_db());
    if (!vs) return Error{vs.error()};
    std::string today = local_time(d.generated, src.tz_sec).substr(0, 10);
    vuln::Filter f;
    f.system = system;
    f.status = "open";
    f.limit = 1000;
    auto open = (*vs)->findings(f);
    if (!open) return Error{open.error()};
    for (const auto& v : *open)
      if (v.priority <= 2)
        d.vulns.push_back({v.asset.empty() ? v.ip : v.asset, v.title, vuln::join_words(v.cves), v.due, v.priority, v.port,
                           vuln::base_score(v.scores), !v.due.empty() && v.due < today});
  }
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
  o +=
      "<p class=\"note\">" + L("确认人：", "Confirmed by ") + escape_html(g.by) + L("，时间：", ", ") + local_time(g.at, d.tz_sec) + "</p>";
  return o;
}

// The rectification tasks with owner, due date (overdue marked) and state.
std::string task_table(const SystemData& d, const Words& L) {
  std::string o;
  if (d.tasks.empty())
    o += "<p>" + L("暂无整改任务。", "No rectification tasks.") + "</p>";
  else {
    std::string today = local_time(d.generated, d.tz_sec).substr(0, 10);
    o += "<table><tr><th>" + L("测评项", "Item") + "</th><th>" + L("整改措施", "Plan") + "</th><th>" + L("责任人", "Owner") + "</th><th>" +
         L("完成期限", "Due") + "</th><th>" + L("状态", "Status") + "</th></tr>";
    for (const auto& t : d.tasks) {
      std::string st = t.status == "done"          ? L("已完成（复测符合）", "done (re-checked)")
                       : t.status == "in_progress" ? L("整改中", "in progress")
                                                   : L("待整改", "to do");
      bool overdue = t.status != "done" && t.due < today;
      o += "<tr><td>" + escape_html(t.item) + "</td><td>" + escape_html(t.plan) + "</td><td>" + escape_html(t.owner) + "</td><td" +
           (overdue ? " class=\"bad\"" : "") + ">" + escape_html(t.due) + (overdue ? L("（已逾期）", " (overdue)") : "") + "</td><td>" +
           st + "</td></tr>";
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
      if (t.item == q.id && t.status != "done")
        plan += escape_html(t.plan) + L("（", " (") + escape_html(t.owner) + L("，", ", ") + escape_html(t.due) + L("）", ")") + "<br>";
    if (plan.empty()) {
      without++;
      plan = "<span class=\"bad\">" + L("尚未制定整改任务", "no task yet") + "</span>";
    }
    rows += "<tr><td>" + escape_html(q.id) + "</td><td>" + escape_html(L.en ? q.control_point_en : q.control_point_zh) + "</td><td>" +
            compliance::conformity_zh(res.result) + "</td><td" + (res.risk == compliance::Risk::kHigh ? " class=\"bad\"" : "") + ">" +
            compliance::risk_zh(res.risk) + "</td><td>" + escape_html(res.note) + "</td><td>" + plan + "</td></tr>";
  }
  if (rows.empty())
    o += "<p class=\"ok\">" + L("已测评项中没有不符合或部分符合的项。", "No assessed item is non-conforming or partial.") + "</p>";
  else
    o += "<table><tr><th>" + L("编号", "Item") + "</th><th>" + L("控制点", "Control point") + "</th><th>" + L("结果", "Result") +
         "</th><th>" + L("风险", "Risk") + "</th><th>" + L("问题", "Finding") + "</th><th>" +
         L("整改措施（责任人，期限）", "Plan (owner, due)") + "</th></tr>" + rows + "</table>";
  if (without) o += "<p class=\"bad\">" + std::to_string(without) + L(" 个问题尚无整改任务。", " problem(s) have no task yet.") + "</p>";
  o += "<h2>" + L("三、整改任务进展", "3. Progress of the tasks") + "</h2>" + task_table(d, L);
  o += "<p class=\"note\">" +
       L("整改任务只能在相应测评项复测为\"符合\"后关闭。", "A task closes only when its item is re-checked as conforming.") + "</p>";
  return o;
}

std::string self_assessment(const SystemData& d, const Words& L) {
  const auto& sc = d.score;
  std::string o;
  o += "<div class=\"cover\"><h1>" + escape_html(d.system.name) + "<br>" +
       L("网络安全等级保护自评估报告", "MLPS 2.0 self-assessment report") + "</h1><div class=\"org\">" + escape_html(d.organization) +
       "</div><div class=\"meta\">" + L("依据 GB/T 22239-2019 第", "Against GB/T 22239-2019, level ") + std::to_string(d.level) +
       L("级通用要求 · 生成时间 ", " general requirements · generated ") + local_time(d.generated, d.tz_sec) + "</div>" +
       coverage_line(sc, L) + "</div>";
  o += "<h2>" + L("一、被测对象", "1. The system assessed") + "</h2>" + system_table(d, L);
  o += "<h2>" + L("二、定级情况", "2. Grading") + "</h2>" + grading_table(d, L);
  int total = sc.total();
  o += "<h2>" + L("三、自评估结论", "3. Conclusion") + "</h2>";
  // Coverage first; a score over part of the items is said to be that, beside it.
  o += coverage_line(sc, L);
  std::string basis = sc.complete()
                          ? L("（按全部 ", " (over all ") + std::to_string(sc.applicable) + L(" 个适用测评项）", " applicable items)")
                          : L("（暂算，仅按已测评的 ", " (interim, over the ") + std::to_string(sc.applicable) +
                                L(" 项，不作为结论）", " assessed items only; not a conclusion)");
  o += "<p>" + L(sc.complete() ? "综合得分：" : "暂算得分：", sc.complete() ? "Score: " : "Interim score: ") +
       "<span class=\"conclusion\">" + fixed(sc.score, 2) + "</span>" + basis + "　" + L("结论：", "Conclusion: ") +
       "<span class=\"conclusion" + std::string(sc.conclusion == "差" || !sc.complete() ? " bad" : "") + "\">" +
       escape_html(conclusion_words(sc.conclusion, L)) + "</span></p>";
  o += "<p>" + L("适用测评项 ", "Applicable items: ") + std::to_string(total) + L(" 项，已测评 ", ", assessed ") +
       std::to_string(sc.applicable) + L(" 项，未测评 ", ", not assessed ") + std::to_string(sc.not_assessed.size()) +
       L(" 项。高风险 ", ". High risks: ") + std::to_string(sc.high) + L(" 项，中风险 ", ", medium: ") + std::to_string(sc.medium) +
       L(" 项，低风险 ", ", low: ") + std::to_string(sc.low) + L(" 项。", ".") + "</p>";
  o += "<p class=\"bad\">" + escape_html(compliance::extensions_not_assessed(L.en)) + "</p>";
  o += "<p class=\"note\">" + escape_html(d.scoring.label) +
       L("。权重、部分符合的取值与结论阈值见 catalog/scoring.yaml，可按测评机构口径调整；有任一高风险项时结论为\"差\"。",
         ". Weights, the value of a partial result and the bands are in catalog/scoring.yaml and can follow the assessor's method; any "
         "high risk makes the conclusion 差 (poor).") +
       "</p>";
  o += "<h2>" + L("四、各安全类测评结果", "4. Results per category") + "</h2>" + category_chart(d, L);
  o += "<table><tr><th>" + L("安全类", "Category") + "</th><th class=\"num\">" + L("适用", "Applicable") + "</th><th class=\"num\">" +
       L("符合", "Conform") + "</th><th class=\"num\">" + L("部分符合", "Partial") + "</th><th class=\"num\">" +
       L("不符合", "Non-conform") + "</th><th class=\"num\">" + L("不适用", "N/A") + "</th><th class=\"num\">" + L("符合率", "Compliance") +
       "</th></tr>";
  for (const auto& c : compliance::Catalog::categories()) {
    auto it = sc.per_category.find(c.code);
    if (it == sc.per_category.end()) continue;
    const auto& r = it->second;
    o += "<tr><td>" + escape_html(L.en ? c.en : c.zh) + "</td><td class=\"num\">" + std::to_string(r.applicable) +
         "</td><td class=\"num\">" + std::to_string(r.conform) + "</td><td class=\"num\">" + std::to_string(r.partial) +
         "</td><td class=\"num\">" + std::to_string(r.non_conform) + "</td><td class=\"num\">" + std::to_string(r.not_applicable) +
         "</td><td class=\"num\">" + (r.applicable ? fixed(r.compliance * 100, 1) + "%" : std::string("—")) + "</td></tr>";
  }
  o += "</table>";
  o += "<h2>" + L("五、高风险问题", "5. High-risk findings") + "</h2>";
  if (sc.high_risk_items.empty())
    o += "<p class=\"ok\">" + L("未发现高风险问题。", "No high-risk findings.") + "</p>";
  else {
    o += "<table><tr><th>" + L("编号", "Item") + "</th><th>" + L("控制点", "Control point") + "</th><th>" + L("测评记录", "Finding") +
         "</th></tr>";
    for (const auto& id : sc.high_risk_items) {
      std::string cp, note;
      for (const auto& q : d.items)
        if (q.id == id) cp = L.en ? q.control_point_en : q.control_point_zh;
      if (auto it = d.results.find(id); it != d.results.end()) note = it->second.note;
      o += "<tr><td>" + escape_html(id) + "</td><td>" + escape_html(cp) + "</td><td>" + escape_html(note) + "</td></tr>";
    }
    o += "</table>";
  }
  o += "<h3>" + L("未修复的紧急和高优先级漏洞", "Open critical and high vulnerabilities") + "</h3>";
  if (d.vulns.empty()) {
    o += "<p class=\"ok\">" + L("无（以漏洞扫描记录为准）。", "None (as the vulnerability scans record it).") + "</p>";
  } else {
    o += "<table><tr><th>" + L("资产", "Asset") + "</th><th>" + L("漏洞", "Finding") + "</th><th class=\"nowrap\">" +
         L("优先级", "Priority") + "</th><th class=\"nowrap\">CVSS</th><th class=\"nowrap\">" + L("修复期限", "Due") + "</th></tr>";
    for (const auto& v : d.vulns)
      o += "<tr><td>" + escape_html(v.asset) + (v.port ? ":" + std::to_string(v.port) : "") + "</td><td>" + escape_html(v.title) +
           "<div class=\"muted\">" + escape_html(v.cves) + "</div></td><td class=\"nowrap" + (v.priority == 1 ? " bad" : "") + "\">" +
           (L.en ? vuln::priority_en(v.priority) : vuln::priority_zh(v.priority)) + "</td><td>" + fixed(v.score, 1) +
           "</td><td class=\"nowrap" + (v.overdue ? " bad" : "") + "\">" + escape_html(v.due) +
           (v.overdue ? L("（超期）", " (overdue)") : "") + "</td></tr>";
    o += "</table>";
  }
  o += "<h2>" + L("六、整改方案与进展", "6. Rectification plan and progress") + "</h2>" + task_table(d, L);
  o += "<h2 class=\"break\">" + L("附：测评项结果", "Appendix: results of every item") +
       "</h2><table class=\"small\"><tr><th style=\"width:9%\">" + L("编号", "Item") + "</th><th style=\"width:11%\">" +
       L("控制点", "Control point") + "</th><th>" + L("要求摘要", "Requirement (summary)") + "</th><th style=\"width:8%\">" +
       L("结果", "Result") + "</th><th style=\"width:7%\">" + L("风险", "Risk") + "</th><th style=\"width:16%\">" + L("测评记录", "Note") +
       "</th><th class=\"num\" style=\"width:7%\">" + L("证据", "Evidence") + "</th></tr>";
  for (const auto& q : d.items) {
    auto it = d.results.find(q.id);
    std::string res = it == d.results.end() ? L("未测评", "not assessed") : compliance::conformity_zh(it->second.result);
    bool bad = it != d.results.end() && it->second.result == compliance::Conformity::kNonConform;
    o += "<tr><td>" + escape_html(q.id) + "</td><td>" + escape_html(L.en ? q.control_point_en : q.control_point_zh) + "</td><td>" +
         escape_html(q.text(d.level, L.en)) + "</td><td" + (bad ? " class=\"bad\"" : "") + ">" + res + "</td><td>" +
         (it == d.results.end() ? "" : compliance::risk_zh(it->second.risk)) + "</td><td>" +
         (it == d.results.end() ? "" : escape_html(it->second.note)) + "</td><td class=\"num\">" +
         std::to_string(d.evidence.count(q.id) ? d.evidence.at(q.id) : 0) + "</td></tr>";
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
  o += "<p>" +
       L("分别确定业务信息安全和系统服务安全受到破坏时所侵害的客体和侵害程度，由二者的等级取较高者为定级对象的安全保护等级。",
         "For business information security and for system service security, the object harmed and the degree of harm give a level; "
         "the system's level is the higher of the two.") +
       "</p>";
  o += grading_table(d, L);
  if (!d.data_zh.empty()) o += "<p>" + escape_html(L.en ? d.data_en : d.data_zh) + "</p>";
  o += "<h2>" + L("三、备案信息（定级备案表要素）", "3. Filing data (for the filing form)") + "</h2><table class=\"kv\">";
  auto row = [&](const std::string& k, const std::string& v) { o += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
  // A field of the filing unit's or this system's filing record, "—" when not recorded.
  auto rec = [&](const nlohmann::json& j, const char* k) {
    std::string v = record_text(j, k);
    return v.empty() ? std::string("—") : escape_html(v);
  };
  row(L("单位名称", "Organization"), escape_html(d.organization.empty() ? "—" : d.organization));
  row(L("统一社会信用代码", "Unified social credit code"), rec(d.unit, "credit_code"));
  row(L("单位负责人 / 责任部门 / 联系人", "Head / department / contact"), rec(d.unit, "leader") + " / " + rec(d.unit, "security_dept") +
                                                                              " / " + rec(d.unit, "security_contact") + " " +
                                                                              rec(d.unit, "security_phone"));
  row(L("定级对象名称", "System"), escape_html(d.system.name));
  row(L("业务类型 / 承载业务", "Business"), escape_html(d.system.business));
  row(L("服务范围 / 服务对象", "Users"), escape_html(d.system.users));
  row(L("涉及的数据", "Data"), escape_html(d.system.data));
  row(L("业务信息安全保护等级", "Business information security level"), d.grading ? std::to_string(d.grading->business_level) : "—");
  row(L("系统服务安全保护等级", "System service security level"), d.grading ? std::to_string(d.grading->service_level) : "—");
  row(L("安全保护等级", "Protection level"), std::to_string(d.system.level));
  row(L("定级时间", "Graded on"), d.grading ? local_time(d.grading->at, d.tz_sec).substr(0, 10) : "—");
  row(L("对象类型 / 网络性质 / 投入运行", "Object type / network / in service since"),
      rec(d.filing, "object_type") + " / " + rec(d.filing, "network_type") + " / " + rec(d.filing, "go_live"));
  row(L("系统互联情况", "Interconnections"), rec(d.filing, "interconnections"));
  row(L("专家评审", "Expert review"), rec(d.filing, "expert_review") + " " + rec(d.filing, "experts"));
  row(L("主管部门审核", "Supervisor's approval"), rec(d.filing, "supervisor") + " " + rec(d.filing, "supervisor_review"));
  row(L("备案材料", "Attachments"), rec(d.filing, "attachments_list"));
  row(L("提交备案 / 受理公安机关", "Filed / public security office"), rec(d.filing, "filed") + " / " + rec(d.filing, "police_office"));
  row(L("备案证明编号 / 日期", "Filing certificate / date"), rec(d.filing, "certificate_no") + " / " + rec(d.filing, "certificate_date"));
  o += "</table>";
  if (d.filing.empty())
    o += "<p class=\"note\">" +
         L("本系统尚无备案记录（安全管理记录 › 定级备案）。第二级及以上须经专家评审和主管部门核准后，于定级或投入运行后 30 "
           "日内向公安机关备案。",
           "No filing is recorded for this system (management records › grading and filing). Level 2 and above are filed with the "
           "public security organ within 30 days of grading or going live, after an expert review and the supervisor's approval.") +
         "</p>";
  return o;
}

}  // namespace

std::string html(Kind kind, const SystemData& d, const std::string& lang) {
  Words L{lang == "en"};
  std::string title = escape_html(d.system.name) + " " +
                      (kind == Kind::kGrading         ? L("定级报告", "grading report")
                       : kind == Kind::kRectification ? L("整改方案", "rectification plan")
                                                      : L("自评估报告", "self-assessment report"));
  std::string body = kind == Kind::kGrading         ? grading_report(d, L)
                     : kind == Kind::kRectification ? rectification_plan(d, L)
                                                    : self_assessment(d, L);
  return "<!doctype html><html lang=\"" + std::string(L.en ? "en" : "zh-CN") + "\"><head><meta charset=\"utf-8\"><title>" + title +
         "</title><style>" + kCss + "</style></head><body>" + body + "<footer>" +
         L("本报告由 wardsec 医院等保安全管理中心根据自评估记录生成，供单位自查和整改使用；正式测评结论以测评机构出具的报告为准。",
           "Generated by wardsec from the hospital's own assessment records, for self-checking and rectification; the formal conclusion is "
           "the assessment body's report.") +
         "</footer></body></html>";
}

}  // namespace wardsec::report
