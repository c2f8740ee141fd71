// Reports an assessor reads (issue #4): the self-assessment report (score, conclusion, results
// per category with a chart, high-risk items, every item's result, the rectification plan),
// the grading report (定级报告, with the filing data), and the checklist as XLSX. HTML is the
// source; PDF is that HTML printed by Chromium headless (Debian's package), so what the browser
// shows and what is printed are the same document. Chinese first; English on request.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

namespace wardsec::bastion {
class Db;
}
namespace wardsec::incident {
class Store;
}

namespace wardsec::report {

// Everything one system's reports show, read once.
struct SystemData {
  std::string organization;  // the hospital (config `organization`)
  compliance::System system;
  std::optional<compliance::GradingRecord> grading;
  compliance::ScoringConfig scoring;
  compliance::ScoreResult score;
  std::vector<compliance::Requirement> items;  // applicable at the system's level, catalog order
  std::map<std::string, compliance::AssessmentRecord> results;
  std::map<std::string, size_t> evidence;  // evidence records per item (fresh management records included)
  // The management records (src/mgmt): the filing unit, this system's filing, its classified data.
  nlohmann::json unit = nlohmann::json::object(), filing = nlohmann::json::object();
  std::string data_zh, data_en;
  std::vector<compliance::Rectification> tasks;
  // The system's open critical and high vulnerabilities (<data>/vulns.db), most urgent first.
  struct Vuln {
    std::string asset, title, cves, due;
    int priority = 0, port = 0;
    double score = 0;
    bool overdue = false;
  };
  std::vector<Vuln> vulns;
  int level = 3;
  int64_t generated = 0;  // ns
  int tz_sec = 8 * 3600;
};

struct Sources {
  std::string data_dir, catalog_file, scoring_file, organization;
  int tz_sec = 8 * 3600;
};

enum class Kind { kSelfAssessment, kGrading, kRectification };

// Everything a report on `system` shows. The grading report and filing form need no requirement
// items; the others are refused for a level wardsec carries no items for (levels 1 and 4)
// rather than filled with another level's items.
Result<SystemData> gather(const Sources& src, const std::string& system, Kind kind);
std::optional<Kind> parse_kind(std::string_view s);  // self-assessment, grading, rectification

// A whole HTML document (inline CSS and SVG, no script), `lang` "zh-CN" or "en".
std::string html(Kind kind, const SystemData& d, const std::string& lang);
// The checklist (every item with its result) and the per-category results as an XLSX workbook.
Status checklist_xlsx(const SystemData& d, const std::string& path);
// The filing form's data (定级备案表要素) as an editable XLSX.
Status filing_xlsx(const SystemData& d, const std::string& path);
// The XLSX of a kind: the filing form for a grading, else the checklist.
Status xlsx(Kind kind, const SystemData& d, const std::string& path);

// The year's 等保 work summary across every graded system: grading, self-assessment results,
// rectification, security events handled, what is left for next year. A whole HTML document.
Result<std::string> annual_html(const Sources& src, int year, const std::string& lang);
// The month's 防统方 report from the database audit's statements in the store: 统方 attempts
// with account, client, program, statement and outcome; other database alerts; accounts and
// clients. A whole HTML document.
Result<std::string> dbaudit_month_html(const Sources& src, int year, int month, const std::string& lang);

// The month's 漏洞管理月报 from <data>/vulns.db: found, fixed, reopened, open and overdue, mean time
// to fix, by graded system; open critical and high findings; the scans (vuln_report.cc).
Result<std::string> vuln_month_html(const Sources& src, int year, int month, const std::string& lang);
// The month's 运维审计报告 from the bastion's record (bastion_report.cc).
Result<std::string> bastion_month_html(bastion::Db& db, const Sources& src, int year, int month, const std::string& lang);
// The month before the one `now` falls in, in the zone: the month a monthly report is for.
std::pair<int, int> previous_month(int64_t now, int tz_sec);
// The month a monthly report is for by default: the previous month, or this month when the
// store began this month (a new install has nothing in the previous one).
std::pair<int, int> default_report_month(const std::string& data_dir, int64_t now, int tz_sec);
// The incident report form (网络安全事件报告表): kind initial (初次报告), followup (续报) or
// summary (总结报告), from the incident's full record (incident_json with timeline and
// obligations); HTML (zh-CN, or English) and XLSX (zh-CN). The quarterly incident summary.
Result<std::string> incident_form_html(const nlohmann::json& incident, const std::string& kind, const std::string& organization, int tz_sec,
                                       const std::string& lang);
Status incident_form_xlsx(const nlohmann::json& incident, const std::string& kind, const std::string& organization, int tz_sec,
                          const std::string& path);
Result<std::string> incident_quarter_html(incident::Store& store, const std::string& organization, int year, int quarter, int tz_sec,
                                          const std::string& lang);
// The drill report (应急演练报告) from a drill's JSON (emergency::drill_json), its plan
// (plan_json) and its log ([{at, who, text}]) (drill_report.cc).
Result<std::string> drill_report_html(const nlohmann::json& drill, const nlohmann::json& plan, const nlohmann::json& log,
                                      const std::string& organization, int tz_sec, const std::string& lang);
// The weekly 网络系统运行状况分析报告 for the week (Monday to Sunday) holding `week` (YYYY-MM-DD),
// against the week before (ops_report.cc).
Result<std::string> ops_week_html(const Sources& src, const std::string& week, const std::string& lang);
// The same report over a month ("YYYY-MM") against the month before (网络系统运行状况分析报告（月报）).
Result<std::string> ops_month_html(const Sources& src, const std::string& month, const std::string& lang);
// The Monday (YYYY-MM-DD) of the week before the one `now` falls in: the week a weekly report is for.
std::string previous_week(int64_t now, int tz_sec);
// Prints HTML to PDF with Chromium headless; `chromium` empty: /usr/bin/chromium.
Status html_to_pdf(const std::string& html, const std::string& pdf_path, const std::string& chromium = "");

std::string escape_html(std::string_view s);

}  // namespace wardsec::report
