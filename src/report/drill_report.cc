// The drill report (应急演练报告, issue #17): what plan was drilled and how, who took part, each
// step with its time and result, the recovery time against the plan's RTO, the findings with
// the rectification tasks they opened, the evaluation, and the drill's log. HTML (PDF through
// Chromium), in Chinese or English. GB/T 22239-2019 OM.EMG.c asks for drills to be held; this
// is the record an assessor reads.
#include <nlohmann/json.hpp>

#include "core/timeutil.h"
#include "report/common.h"
#include "report/report.h"

namespace wardsec::report {

using namespace detail;
using json = nlohmann::json;

namespace {

std::string s(const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; }

std::string at(const std::string& rfc, int tz) {
  int64_t ns = 0;
  if (rfc.empty() || !parse_rfc3339(rfc, ns)) return "—";
  return local_time(ns, tz).substr(0, 16);
}

// Minutes from the drill's start to a step's time.
std::string since(const std::string& start, const std::string& t) {
  int64_t a = 0, b = 0;
  if (!parse_rfc3339(start, a) || !parse_rfc3339(t, b) || b < a) return "";
  return fixed(static_cast<double>(b - a) / 60e9, 0);
}

std::string kind_name(const std::string& k, const Words& L) {
  return k == "tabletop" ? L("桌面推演", "tabletop") : k == "functional" ? L("功能演练", "functional") : L("实战演练", "full-scale");
}

std::string result_name(const std::string& r, const Words& L) {
  return r == "ok"        ? L("完成", "done")
         : r == "failed"  ? L("失败", "FAILED")
         : r == "skipped" ? L("跳过", "skipped")
                          : L("未记录", "not recorded");
}

std::string row(std::initializer_list<std::string> cells, bool head = false) {
  std::string o = "<tr>";
  for (const auto& c : cells) o += (head ? "<th>" : "<td>") + escape_html(c) + (head ? "</th>" : "</td>");
  return o + "</tr>";
}

}  // namespace

Result<std::string> drill_report_html(const json& drill, const json& plan, const json& log, const std::string& org, int tz_sec,
                                      const std::string& lang) {
  if (!drill.is_object() || !plan.is_object()) return Error{"drill report: no drill or plan"};
  Words L{lang == "en"};
  std::string title = L("应急演练报告", "Emergency drill report");
  std::string b = "<h1>" + title + "</h1><p class=\"muted\">" + L("单位：", "Organization: ") + escape_html(org) + "　" +
                  L("生成时间：", "Generated: ") + local_time(now_ns(), tz_sec).substr(0, 16) + L("（北京时间）", " (China time)") + "</p>";
  std::string status = s(drill, "status");
  std::string rto = std::to_string(drill.value("rto_minutes", 0)) + L(" 分钟", " min");
  std::string actual = drill.contains("recovery_minutes") && drill["recovery_minutes"].is_number()
                           ? fixed(drill["recovery_minutes"].get<double>(), 0) + L(" 分钟", " min")
                           : L("未测（未记录恢复时间）", "not measured (no restore time recorded)");
  std::string met = drill.contains("rto_met") && drill["rto_met"].is_boolean()
                        ? (drill["rto_met"].get<bool>() ? L("达标", "met") : L("未达标", "MISSED"))
                        : L("无法判断", "cannot tell");
  b += "<table class=\"form\">";
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {L("演练编号", "Drill"), "#" + std::to_string(drill.value("id", 0)) + " " + s(drill, "title")},
           {L("应急预案", "Plan"),
            "#" + std::to_string(plan.value("id", 0)) + " 《" + s(plan, "title") + "》 v" + std::to_string(drill.value("plan_version", 0))},
           {L("演练形式", "Kind"), kind_name(s(drill, "kind"), L)},
           {L("计划日期", "Scheduled"), s(drill, "scheduled")},
           {L("开始 / 结束", "Started / ended"), at(s(drill, "started"), tz_sec) + " / " + at(s(drill, "ended"), tz_sec)},
           {L("恢复时间目标（RTO）", "Recovery time objective"), rto},
           {L("实际恢复用时", "Time to restore"), actual + "（" + met + "）"},
           {L("状态", "Status"),
            status == "done" ? (s(drill, "evaluated").empty() ? L("已结束，待评估", "finished, not evaluated") : L("已评估", "evaluated"))
            : status == "cancelled" ? L("已取消：", "cancelled: ") + s(drill, "cancel_reason")
            : status == "running"   ? L("进行中", "running")
                                    : L("已计划", "scheduled")},
       })
    b += "<tr><th style=\"width:28%\">" + escape_html(k) + "</th><td>" + escape_html(v) + "</td></tr>";
  b += "</table>";

  b += "<h2>" + L("参演人员", "Participants") + "</h2><table>" + row({L("姓名", "Name"), L("角色", "Role")}, true);
  for (const auto& p : drill.value("participants", json::array())) b += row({s(p, "name"), s(p, "role")});
  b += "</table>";

  // The time and the result stay on one line each.
  b += "<style>table.steps td:nth-child(5), table.steps td:nth-child(7) { white-space: nowrap; }</style>";
  b += "<h2>" + L("演练步骤", "Steps") + "</h2><table class=\"steps\">" +
       row({"#", L("步骤", "Step"), L("负责", "Owner"), L("目标（分钟）", "Target (min)"), L("完成时间", "Time"),
            L("开始后（分钟）", "Min from start"), L("结果", "Result"), L("说明", "Note")},
           true);
  int i = 0;
  for (const auto& st : drill.value("steps", json::array()))
    b += row({std::to_string(++i), s(st, "title"), s(st, "owner"), st.value("minutes", 0) ? std::to_string(st.value("minutes", 0)) : "",
              at(s(st, "done_at"), tz_sec), since(s(drill, "started"), s(st, "done_at")), result_name(s(st, "result"), L), s(st, "note")});
  b += "</table>";

  b += "<h2>" + L("发现的问题与整改", "Findings and rectification") + "</h2>";
  if (drill.value("findings", json::array()).empty())
    b += "<p>" + L("无", "None") + "</p>";
  else {
    b += "<table>" +
         row({"#", L("问题", "Finding"), L("等保条款", "Item"), L("责任人", "Owner"), L("期限", "Due"), L("整改任务", "Tasks")}, true);
    i = 0;
    for (const auto& f : drill["findings"]) {
      std::string tasks;
      for (const auto& t : f.value("tasks", json::array())) tasks += (tasks.empty() ? "#" : ", #") + std::to_string(t.get<int64_t>());
      b += row({std::to_string(++i), s(f, "text"), s(f, "item").empty() ? "OM.EMG.b" : s(f, "item"), s(f, "owner"), s(f, "due"), tasks});
    }
    b += "</table>";
  }
  b += "<h2>" + L("演练评估", "Evaluation") + "</h2><p>" +
       (s(drill, "summary").empty() ? L("尚未评估", "Not evaluated yet") : escape_html(s(drill, "summary"))) + "</p>";
  if (!s(drill, "evaluated").empty())
    b += "<p class=\"muted\">" + L("评估人：", "Evaluated by: ") + escape_html(s(drill, "evaluated_by")) + "　" +
         at(s(drill, "evaluated"), tz_sec) + "</p>";

  b += "<h2>" + L("演练记录", "Drill log") + "</h2><table>" + row({L("时间", "Time"), L("人员", "Who"), L("记录", "Record")}, true);
  for (const auto& e : log) b += row({at(s(e, "at"), tz_sec), s(e, "who"), s(e, "text")});
  b += "</table>";
  b += "<p style=\"margin-top:28pt\">" +
       L("演练负责人（签字）：__________　　信息科负责人（签字）：__________　　日期：__________",
         "Drill lead (signature): __________   Head of IT (signature): __________   Date: __________") +
       "</p>";
  return month_document(L, title, b);
}

}  // namespace wardsec::report
