// Incident response's documents (issue #17): the incident report form (网络安全事件报告表) as
// the first report (初次报告), a follow-up (续报) or the summary report (总结报告), from the
// incident's record in the words 《国家网络安全事件报告管理办法》 asks for; as HTML (PDF
// through Chromium) and XLSX. And the quarterly incident summary.
#include <map>
#include <nlohmann/json.hpp>

#include "core/timeutil.h"
#include "incident/json.h"
#include "incident/taxonomy.h"
#include "report/book.h"
#include "report/common.h"
#include "report/report.h"

namespace wardsec::report {

using namespace detail;
using json = nlohmann::json;

namespace {

std::string s(const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; }

// A time from the record (RFC 3339, UTC) in China time, to the minute.
std::string when(const std::string& rfc, int tz_sec) {
  int64_t ns = 0;
  if (rfc.empty() || !parse_rfc3339(rfc, ns)) return "";
  return local_time(ns, tz_sec).substr(0, 16);
}

const char* title_of(const std::string& kind, const Words& L) {
  static std::string t;
  t = kind == "summary"    ? L("网络安全事件总结报告", "Cybersecurity incident summary report")
      : kind == "followup" ? L("网络安全事件报告表（续报）", "Cybersecurity incident report (follow-up)")
                           : L("网络安全事件报告表（初次报告）", "Cybersecurity incident report (first report)");
  return t.c_str();
}

std::string impact_text(const json& im, const Words& L) {
  std::string o;
  auto num = [&](const char* k) { return im.contains(k) && im[k].is_number() ? im[k].get<int64_t>() : 0; };
  if (im.value("cii", false)) o += L("涉及关键信息基础设施；", "critical information infrastructure; ");
  if (auto v = num("cii_whole_minutes"))
    o += L("整体中断运行 ", "out of operation as a whole ") + std::to_string(v) + L(" 分钟；", " min; ");
  if (auto v = num("cii_main_minutes")) o += L("主要功能中断 ", "main functions out ") + std::to_string(v) + L(" 分钟；", " min; ");
  if (auto v = num("outage_minutes")) o += L("业务中断 ", "service interrupted ") + std::to_string(v) + L(" 分钟；", " min; ");
  if (auto v = num("people_affected")) o += L("影响 ", "") + std::to_string(v) + L(" 人就医等；", " people affected; ");
  if (auto v = num("personal_info"))
    o += L("泄露个人信息 ", "personal information of ") + std::to_string(v) + L(" 人；", " people leaked; ");
  if (auto v = num("patient_records")) o += L("患者信息暴露 ", "") + std::to_string(v) + L(" 条；", " patient records exposed; ");
  if (auto v = num("loss_yuan")) o += L("直接经济损失 ", "direct loss ") + std::to_string(v) + L(" 元；", " yuan; ");
  if (im.contains("systems"))
    for (const auto& sys : im["systems"])
      o += L("受影响系统：", "system: ") + s(sys, "name") + L("（等保", " (level ") + std::to_string(sys.value("level", 0)) +
           L("级）；", "); ");
  return o;
}

// The form's rows: label and value (plain text), in order.
std::vector<std::pair<std::string, std::string>> rows(const json& inc, const std::string& kind, const std::string& org, int tz,
                                                      const Words& L) {
  const json rep = inc.contains("report") ? inc["report"] : json::object();
  auto field = [&](const char* k) { return s(rep, k); };
  std::vector<std::pair<std::string, std::string>> r;
  r.emplace_back(L("事发单位", "Organization"), org);
  r.emplace_back(L("事件编号", "Incident number"), "#" + std::to_string(inc.value("id", 0)));
  r.emplace_back(L("事件名称", "Incident"), s(inc, "title"));
  r.emplace_back(L("事件发现时间", "Discovered"), when(s(inc, "discovered"), tz));
  std::string cat = s(inc, "subcategory").empty() ? L("未分类", "not categorised")
                                                  : (L.en ? s(inc, "category_en") + " / " + s(inc, "subcategory_en")
                                                          : s(inc, "category_zh") + " / " + s(inc, "subcategory_zh")) +
                                                        " (" + s(inc, "subcategory") + ")";
  r.emplace_back(L("事件类型（GB/T 20986-2023）", "Category (GB/T 20986-2023)"), cat);
  std::string grade = L.en ? s(inc, "grade") : s(inc, "grade_zh");
  if (inc.contains("reasons"))
    for (const auto& x : inc["reasons"]) grade += "\n· " + (L.en ? s(x, "en") : s(x, "zh"));
  if (!s(inc, "grade_reason").empty()) grade += "\n" + L("定级说明：", "Grader's note: ") + s(inc, "grade_reason");
  r.emplace_back(L("事件级别", "Grade"), grade);
  r.emplace_back(L("处置阶段", "Stage"), L.en ? s(inc, "stage") : s(inc, "stage_zh"));
  for (const auto& k : incident::report_keys()) {
    if (k.summary_only && kind != "summary") continue;
    std::string v = field(k.key);
    if (std::string(k.key) == "harm") {
      std::string im = inc.contains("impact") ? impact_text(inc["impact"], L) : "";
      v = v.empty() ? im : v + (im.empty() ? "" : "\n" + im);
    }
    if (std::string(k.key) == "ransom" && v.empty() && s(inc, "subcategory") != "MPRANS") continue;
    if (std::string(k.key) == "facility" && v.empty() && inc.contains("impact") && inc["impact"].contains("systems"))
      for (const auto& sys : inc["impact"]["systems"])
        v += (v.empty() ? "" : "；") + s(sys, "name") + L("（等保", " (level ") + std::to_string(sys.value("level", 0)) + L("级）", ")");
    r.emplace_back(L(k.zh, k.en), v);
  }
  if (kind == "summary")
    r.emplace_back(L("总结（原因、处置措施、整改、教训）", "Summary (cause, measures, rectification, lessons)"), s(inc, "summary"));
  // To whom, by when, and whether it was made.
  std::string obs;
  if (inc.contains("obligations"))
    for (const auto& o : inc["obligations"]) {
      if (s(o, "state") == "withdrawn") continue;
      obs += (obs.empty() ? "" : "\n") + (L.en && !s(o, "name_en").empty() ? s(o, "name_en") : s(o, "name_zh")) + " — " +
             (s(o, "kind") == "summary" ? L("总结报告", "summary") : L("事件报告", "report")) + L("，时限 ", ", due ") +
             when(s(o, "deadline"), tz) + L("（", " (") + s(o, "basis") + L("）：", "): ") +
             (s(o, "reported_at").empty() ? (s(o, "state") == "overdue" ? L("逾期未报", "OVERDUE") : L("待报", "pending"))
                                          : L("已于 ", "made ") + when(s(o, "reported_at"), tz) + L(" 通过", " by ") + s(o, "channel") +
                                                (s(o, "state") == "reported_late" ? L("（迟报）", " (late)") : ""));
    }
  r.emplace_back(L("报告对象及时限", "Reported to, and deadlines"),
                 obs.empty() ? L("未达到须报告的级别（较大及以上）", "below the grade that must be reported (较大 and above)") : obs);
  return r;
}

std::string cell_html(const std::string& v) {
  std::string e = escape_html(v), o;
  for (char c : e) o += c == '\n' ? std::string("<br>") : std::string(1, c);
  return o;
}

}  // namespace

Result<std::string> incident_form_html(const json& inc, const std::string& kind, const std::string& org, int tz_sec,
                                       const std::string& lang) {
  if (kind != "initial" && kind != "followup" && kind != "summary") return Error{"form must be initial, followup or summary"};
  Words L{lang == "en"};
  std::string body = "<h1>" + std::string(title_of(kind, L)) + "</h1><p class=\"muted\">" + L("报告单位：", "Reporting organization: ") +
                     escape_html(org) + "　" + L("生成时间：", "Generated: ") + local_time(now_ns(), tz_sec).substr(0, 16) +
                     L("（北京时间）", " (China time)") + "</p><table class=\"form\">";
  for (const auto& [k, v] : rows(inc, kind, org, tz_sec, L))
    body += "<tr><th style=\"width:28%\">" + escape_html(k) + "</th><td>" + cell_html(v) + "</td></tr>";
  body += "</table>";
  if (kind != "initial" && inc.contains("timeline")) {
    body += "<h2>" + L("处置经过", "What was done") + "</h2><table><tr><th>" + L("时间", "Time") + "</th><th>" + L("人员", "Who") +
            "</th><th>" + L("记录", "Record") + "</th></tr>";
    for (const auto& e : inc["timeline"])
      body += "<tr><td>" + when(s(e, "at"), tz_sec) + "</td><td>" + escape_html(s(e, "who")) + "</td><td>" + cell_html(s(e, "text")) +
              "</td></tr>";
    body += "</table>";
  }
  body += "<p style=\"margin-top:28pt\">" +
          L("单位负责人（签字）：__________　　报告人：__________　　联系电话：__________　　（单位盖章）",
            "Head of organization (signature): __________   Reported by: __________   Phone: __________   (seal)") +
          "</p>";
  return month_document(L, title_of(kind, L), body);
}

Status incident_form_xlsx(const json& inc, const std::string& kind, const std::string& org, int tz_sec, const std::string& path) {
  if (kind != "initial" && kind != "followup" && kind != "summary") return Error{"form must be initial, followup or summary"};
  Words L{false};
  Book book(path);
  if (!book.wb) return Error{"cannot create " + path};
  lxw_worksheet* ws = workbook_add_worksheet(book.wb, "事件报告表");
  worksheet_set_column(ws, 0, 0, 30, nullptr);
  worksheet_set_column(ws, 1, 1, 80, nullptr);
  worksheet_write_string(ws, 0, 0, title_of(kind, L), book.head);
  worksheet_write_string(ws, 0, 1, org.c_str(), book.head);
  lxw_row_t r = 1;
  for (const auto& [k, v] : rows(inc, kind, org, tz_sec, L)) {
    worksheet_write_string(ws, r, 0, k.c_str(), book.head);
    worksheet_write_string(ws, r, 1, v.c_str(), book.cell);
    ++r;
  }
  if (inc.contains("timeline")) {
    lxw_worksheet* tl = workbook_add_worksheet(book.wb, "处置时间线");
    const char* cols[] = {"时间", "人员", "类别", "记录"};
    double widths[] = {18, 14, 12, 90};
    for (int c = 0; c < 4; ++c) {
      worksheet_write_string(tl, 0, static_cast<lxw_col_t>(c), cols[c], book.head);
      worksheet_set_column(tl, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths[c], nullptr);
    }
    lxw_row_t i = 1;
    for (const auto& e : inc["timeline"]) {
      worksheet_write_string(tl, i, 0, when(s(e, "at"), tz_sec).c_str(), book.cell);
      worksheet_write_string(tl, i, 1, s(e, "who").c_str(), book.cell);
      worksheet_write_string(tl, i, 2, s(e, "kind").c_str(), book.cell);
      worksheet_write_string(tl, i, 3, s(e, "text").c_str(), book.cell);
      ++i;
    }
  }
  return book.close(path);
}

Result<std::string> incident_quarter_html(incident::Store& store, const std::string& org, int year, int quarter, int tz_sec,
                                          const std::string& lang) {
  if (quarter < 1 || quarter > 4) return Error{"quarter must be 1-4"};
  Words L{lang == "en"};
  int64_t from = 0, to = 0, x = 0;
  if (Status r = month_range(year, (quarter - 1) * 3 + 1, tz_sec, from, x); !r) return Error{r.error()};
  if (Status r = month_range(year, quarter * 3, tz_sec, x, to); !r) return Error{r.error()};
  incident::IncidentFilter f;
  f.limit = 1000;
  std::vector<incident::Incident> all;
  for (size_t off = 0;; off += 1000) {
    f.offset = off;
    auto page = store.list(f);
    if (!page) return Error{page.error()};
    for (const auto& i : *page)
      if (i.discovered >= from && i.discovered < to) all.push_back(i);
    if (page->size() < 1000) break;
  }
  std::map<std::string, int> by_grade, by_cat, by_stage;
  int on_time = 0, late = 0, open_overdue = 0;
  double close_hours = 0;
  int closed = 0;
  int64_t now = store.now();
  for (const auto& i : all) {
    by_grade[L.en ? incident::grade_name(i.grade) : incident::grade_zh(i.grade)]++;
    const auto* sc = incident::find_subcategory(i.subcategory);
    const auto* c = sc ? incident::find_category(sc->category) : nullptr;
    by_cat[c ? std::string(L.en ? c->en : c->zh) : L("未分类", "not categorised")]++;
    by_stage[L.en ? incident::stage_name(i.stage) : incident::stage_zh(i.stage)]++;
    if (i.closed) {
      close_hours += static_cast<double>(i.closed - i.discovered) / 3.6e12;
      ++closed;
    }
    if (auto obs = store.obligations(i.id))
      for (const auto& o : *obs) {
        if (o.withdrawn_at) continue;
        if (o.reported_at)
          (o.reported_at <= o.deadline ? on_time : late)++;
        else if (now >= o.deadline)
          ++open_overdue;
      }
  }
  auto table = [&](const std::string& head, const std::map<std::string, int>& m) {
    std::string t = "<h2>" + head + "</h2><table><tr><th>" + head + "</th><th>" + L("数量", "Count") + "</th></tr>";
    for (const auto& [k, v] : m) t += "<tr><td>" + escape_html(k) + "</td><td>" + std::to_string(v) + "</td></tr>";
    return t + "</table>";
  };
  std::string title =
      std::to_string(year) + L("年第", " Q") + std::to_string(quarter) + L("季度网络安全事件汇总", " cybersecurity incident summary");
  std::string body = "<h1>" + escape_html(title) + "</h1><p class=\"muted\">" + escape_html(org) + "　" +
                     local_time(from, tz_sec).substr(0, 10) + " — " + local_time(to - 1, tz_sec).substr(0, 10) + "</p>";
  body += "<p>" + L("本季度发现事件 ", "Incidents discovered: ") + std::to_string(all.size()) + L(" 起，已关闭 ", "; closed: ") +
          std::to_string(closed) + L(" 起", "") +
          (closed ? L("，平均处置时长 ", "; mean time to close ") + fixed(close_hours / closed, 1) + L(" 小时", " h") : "") +
          L("。报告义务：按时 ", ". Reports: on time ") + std::to_string(on_time) + L(" 项，迟报 ", ", late ") + std::to_string(late) +
          L(" 项，逾期未报 ", ", overdue and not made ") + std::to_string(open_overdue) + L(" 项。", ".") + "</p>";
  body += table(L("事件级别", "Grade"), by_grade) + table(L("事件类别（GB/T 20986-2023）", "Category (GB/T 20986-2023)"), by_cat) +
          table(L("处置阶段", "Stage"), by_stage);
  body += "<h2>" + L("事件清单", "Incidents") + "</h2><table><tr><th>#</th><th>" + L("发现时间", "Discovered") + "</th><th>" +
          L("事件", "Incident") + "</th><th>" + L("级别", "Grade") + "</th><th>" + L("阶段", "Stage") + "</th><th>" + L("负责人", "Owner") +
          "</th></tr>";
  for (const auto& i : all)
    body += "<tr><td>" + std::to_string(i.id) + "</td><td>" + local_time(i.discovered, tz_sec).substr(0, 16) + "</td><td>" +
            escape_html(i.title) + "</td><td>" + (L.en ? incident::grade_name(i.grade) : incident::grade_zh(i.grade)) + "</td><td>" +
            (L.en ? incident::stage_name(i.stage) : incident::stage_zh(i.stage)) + "</td><td>" + escape_html(i.owner) + "</td></tr>";
  body += "</table>";
  return month_document(L, title, body);
}

}  // namespace wardsec::report
