// The reporting clock: to whom an incident must be reported and by when.
//
// 《国家网络安全事件报告管理办法》 第四条: an incident graded 较大 or above is reported, counted
// from its discovery (发现或获知), by a CII operator to its protection department and the
// public security organ within 1 hour; by central and state bodies to their own cyberspace
// office within 2 hours; by every other operator to the provincial cyberspace office within 4
// hours. A hospital adds its own bodies (the health commission 卫健委, the local police's
// 网安 unit for its 等保 duty, ...) in the configuration, each with its deadline and the
// lowest grade it applies to. After the handling ends (恢复), the summary report is due within
// `summary_workdays` working days (Monday to Friday; public holidays are not known).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "incident/grading.h"

namespace wardsec::incident {

struct Body {
  std::string id;                // "cac-province", "police", "nhc" ...: stable key
  std::string name_zh, name_en;  // 属地省级网信部门 ...
  int minutes = 240;             // from discovery
  Grade min_grade = Grade::kLarger;
  std::string basis;    // 《办法》第四条 / the hospital's rule
  std::string contact;  // phone, mail or platform the report goes to
};

struct ReportingConfig {
  std::string operator_type = "other";  // "cii", "central" or "other" (《办法》第四条)
  std::vector<Body> bodies;             // the hospital's own, beside the 办法's
  int summary_workdays = 5;
  // Reminders before a deadline: at these fractions of the window gone (e.g. 0.5, 0.75),
  // and always `final_minutes` before it.
  std::vector<double> remind_at = {0.5, 0.75};
  int final_minutes = 15;
};

// The bodies an incident of grade `g` must be reported to: the 办法's for the operator type
// and the configured ones whose min_grade `g` reaches.
std::vector<Body> bodies_for(const ReportingConfig& c, Grade g);
Status check(const ReportingConfig& c);  // operator type known, ids unique and non-empty, minutes > 0

// `days` working days (Monday-Friday) after `from_ns`, at the same time of day (China time).
int64_t add_workdays(int64_t from_ns, int days);

}  // namespace wardsec::incident
