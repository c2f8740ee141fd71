// Grading an incident by the annex of 《国家网络安全事件报告管理办法》 (国家互联网信息办公室,
// 2025-09-11, in force 2025-11-01): 《网络安全事件分级指南》, four grades (特别重大, 重大,
// 较大, 一般) with quantitative criteria ("以上" includes the number). Only the criteria a
// hospital's incident can meet are asked for: critical information infrastructure (CII)
// outage, people whose care (就医) or daily life was affected, citizens' personal information
// leaked, direct economic loss, and important data leaked. The rest of the annex (party and
// news websites, harmful-content spread) is outside a hospital and left to the grader's
// judgement. docs/incident.md gives the sources and the thresholds.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wardsec::incident {

enum class Grade { kUngraded = 0, kGeneral = 1, kLarger = 2, kMajor = 3, kSpecial = 4 };
const char* grade_name(Grade g);                       // ungraded, general, larger, major, special
const char* grade_zh(Grade g);                         // 未定级, 一般, 较大, 重大, 特别重大
std::optional<Grade> parse_grade(std::string_view s);  // the name, the Chinese name, or 0-4

struct Impact {
  bool cii = false;                         // the affected network is critical information infrastructure
  int64_t cii_whole_minutes = 0;            // CII out of operation as a whole
  int64_t cii_main_minutes = 0;             // CII's main functions out of operation
  int64_t people_affected = 0;              // people whose care, water, power, transport ... was affected
  int64_t personal_info = 0;                // people whose personal information leaked
  int64_t loss_yuan = 0;                    // direct economic loss (元)
  Grade important_data = Grade::kUngraded;  // important data leaked: the threat it poses, as the grade it meets
  // The hospital's own measures (not in the annex; they explain a 一般 grade):
  int64_t outage_minutes = 0;                        // how long the affected systems were down
  int64_t patient_records = 0;                       // patients' records exposed
  std::vector<std::pair<std::string, int>> systems;  // affected graded systems and their 等保 level
};

struct Reason {
  Grade grade;
  std::string zh, en;  // what was met, with the annex's item
};
struct Assessment {
  Grade grade = Grade::kUngraded;
  std::vector<Reason> reasons;  // every criterion met, highest grade first
};

// The lowest grade the annex's criteria require for `impact`: the highest any criterion meets;
// 一般 when none is met but something was affected; ungraded when nothing is known.
Assessment assess(const Impact& impact);

}  // namespace wardsec::incident
