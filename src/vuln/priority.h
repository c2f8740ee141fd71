// How urgent a finding is (漏洞优先级): its CVSS with the asset's context (reachable from the
// internet, a level-3 or higher system, holding patients' data, an exploit or the known-
// exploited list) gives a priority 1 (紧急) to 4 (低), and the priority a deadline for the fix
// (SLA). Medical devices and other assets that cannot be patched meet the deadline with
// compensating controls instead of a patch. docs/vulnerabilities.md explains the rules.
#pragma once
#include <array>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wardsec::vuln {

struct AssetContext {
  bool internet = false;      // in a zone reachable from the internet (互联网接入区, 外联区)
  int level = 0;              // the graded system's level, 0 when none
  bool patient_data = false;  // the system holds personal or sensitive personal data (数据分类分级)
  bool unpatchable = false;   // a medical device or IoT asset: compensating controls, not patches
};

struct PriorityPolicy {
  std::array<int, 4> sla_days{7, 30, 90, 180};  // P1 .. P4
  std::vector<std::string> internet_zones{"internet", "external-link"};
  std::vector<std::string> unpatchable_types{"medical", "iot"};  // asset types
};

struct Scores {
  std::optional<double> cvss2, cvss3, cvss4;
  int severity = 0;
  bool exploit = false, kev = false;
};

struct Priority {
  int level = 4;     // 1 紧急, 2 高, 3 中, 4 低
  double score = 0;  // the adjusted score
  std::string why_zh, why_en;
};

// The score a finding is ranked by: CVSS v3.1, else v4.0, else v2, else the scanner's severity.
double base_score(const Scores& s);
Priority prioritize(const Scores& s, const AssetContext& a);
const char* priority_zh(int level);  // 紧急 高 中 低
const char* priority_en(int level);  // critical high medium low

}  // namespace wardsec::vuln
