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

using namespace detail;

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
    bool scored = compliance::assessable_level(sys.level);
    auto d = gather(src, sys.id, scored ? Kind::kSelfAssessment : Kind::kGrading);
    if (!d) continue;
    std::string lv = sys.level ? L("第", "level ") + std::to_string(sys.level) + L("级", "") : L("未定级", "not graded");
    std::string gdate = d->grading ? local_time(d->grading->at, src.tz_sec).substr(0, 10) : "—";
    if (d->grading)
      graded++;
    else
      todo.push_back(L("完成定级：", "Grade: ") + escape_html(sys.name));
    grading_rows += "<tr><td>" + escape_html(sys.name) + "</td><td>" + lv + "</td><td>" + gdate + "</td><td>" +
                    (d->grading ? escape_html(d->grading->by) : "—") + "</td></tr>";
    if (sys.level > 3)
      todo.push_back(escape_html(sys.name) + L("：第", ": level ") + std::to_string(sys.level) +
                     L("级系统的测评项不在 wardsec 目录中，按测评机构的报告跟踪",
                       " items are not in wardsec's catalog; track the assessment body's report"));
    if (scored) {
      int total = d->score.total();
      if (d->score.applicable > 0) {
        assessed++;
        // An incomplete assessment's score is interim, and says so beside it.
        score_rows += "<tr><td>" + escape_html(sys.name) + "</td><td class=\"num\">" + fixed(d->score.score, 2) +
                      (d->score.complete() ? "" : L("（暂算）", " (interim)")) + "</td><td" +
                      (d->score.conclusion == "差" || !d->score.complete() ? " class=\"bad\"" : "") + ">" +
                      escape_html(conclusion_words(d->score.conclusion, L)) + "</td><td class=\"num\">" +
                      std::to_string(d->score.applicable) + " / " + std::to_string(total) + "</td><td class=\"num\">" +
                      std::to_string(d->score.high) + "</td></tr>";
        high_total += d->score.high;
        if (!d->score.not_assessed.empty())
          todo.push_back(escape_html(sys.name) + L("：完成其余 ", ": assess the remaining ") +
                         std::to_string(d->score.not_assessed.size()) + L(" 个测评项", " items"));
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
      task_rows += "<tr><td>" + escape_html(sys.name) + "</td><td>" + escape_html(t.item) + "</td><td>" + escape_html(t.plan) +
                   "</td><td>" + escape_html(t.owner) + "</td><td" + (overdue ? " class=\"bad\"" : "") + ">" + escape_html(t.due) +
                   "</td><td>" +
                   (t.status == "done"          ? L("已完成", "done")
                    : t.status == "in_progress" ? L("整改中", "in progress")
                                                : L("待整改", "to do")) +
                   "</td></tr>";
    }
  }
  o += "<h2>" + L("一、工作概况", "1. Overview") + "</h2><p>" + L("本年度共有定级对象 ", "Graded systems: ") +
       std::to_string(systems->size()) + L(" 个，其中已确认定级 ", "; gradings confirmed: ") + std::to_string(graded) +
       L(" 个，已开展自评估 ", "; self-assessed: ") + std::to_string(assessed) + L(" 个；发现高风险问题 ", "; high-risk findings: ") +
       std::to_string(high_total) + L(" 项；本年度新开整改任务 ", "; rectification tasks opened this year: ") +
       std::to_string(tasks_open + tasks_done) + L(" 项，已完成 ", ", done: ") + std::to_string(tasks_done) +
       L(" 项，逾期 ", ", overdue: ") + std::to_string(tasks_overdue) + L(" 项。", ".") + "</p>";
  o += "<h2>" + L("二、定级与备案", "2. Grading and filing") + "</h2><table><tr><th>" + L("定级对象", "System") + "</th><th>" +
       L("等级", "Level") + "</th><th>" + L("定级确认时间", "Graded on") + "</th><th>" + L("确认人", "By") + "</th></tr>" + grading_rows +
       "</table>";
  o += "<h2>" + L("三、自评估结果", "3. Self-assessment results") + "</h2>";
  o += score_rows.empty() ? "<p>" + L("本年度尚未开展自评估。", "No self-assessment yet.") + "</p>"
                          : "<table><tr><th>" + L("定级对象", "System") + "</th><th class=\"num\">" + L("得分", "Score") + "</th><th>" +
                                L("结论", "Conclusion") + "</th><th class=\"num\">" + L("已测评/适用", "Assessed / applicable") +
                                "</th><th class=\"num\">" + L("高风险", "High risks") + "</th></tr>" + score_rows + "</table>";
  o += "<h2>" + L("四、整改情况", "4. Rectification") + "</h2>";
  o += task_rows.empty() ? "<p>" + L("本年度无整改任务。", "No rectification tasks this year.") + "</p>"
                         : "<table><tr><th>" + L("定级对象", "System") + "</th><th>" + L("测评项", "Item") + "</th><th>" +
                               L("整改措施", "Plan") + "</th><th>" + L("责任人", "Owner") + "</th><th>" + L("期限", "Due") + "</th><th>" +
                               L("状态", "Status") + "</th></tr>" + task_rows + "</table>";
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
        const char* zh = std::string(lv) == "critical" ? "严重"
                         : std::string(lv) == "high"   ? "高危"
                         : std::string(lv) == "medium" ? "中危"
                                                       : "低危";
        o += "<tr><td>" + std::string(L.en ? lv : zh) + "</td><td class=\"num\">" + std::to_string(count("")) + "</td><td class=\"num\">" +
             std::to_string(count("closed_tp")) + "</td><td class=\"num\">" + std::to_string(count("closed_fp")) +
             "</td><td class=\"num\">" + std::to_string(count("open")) + "</td></tr>";
      }
      o += "</table>";
    }
  } else {
    o += "<p>" + L("检测尚未在本数据目录运行。", "Detection has not run on this data folder.") + "</p>";
  }
  o += "<h2>" + L("六、下一年度工作重点", "6. Next year's priorities") + "</h2><ul>";
  if (todo.empty())
    todo.push_back(L("保持现有防护水平，按期开展年度测评。", "Keep the protection in place and have the yearly assessment done on time."));
  for (const auto& t : todo) o += "<li>" + t + "</li>";
  o += "</ul>";
  return "<!doctype html><html lang=\"" + std::string(L.en ? "en" : "zh-CN") + "\"><head><meta charset=\"utf-8\"><title>" +
         std::to_string(year) + L(" 年度等保工作总结", " MLPS annual summary") + "</title><style>" + kCss + "</style></head><body>" + o +
         "<footer>" +
         L("本总结由 wardsec 根据定级、自评估、整改和告警记录生成。",
           "Generated by wardsec from the grading, self-assessment, rectification and alert records.") +
         "</footer></body></html>";
}

}  // namespace wardsec::report
