#include "incident/clock.h"

#include <set>

namespace wardsec::incident {

namespace {
constexpr int64_t kSec = 1000000000LL;
constexpr int64_t kDay = 86400 * kSec;
constexpr int64_t kChina = 8 * 3600 * kSec;  // UTC+8, no daylight saving
}  // namespace

std::vector<Body> bodies_for(const ReportingConfig& c, Grade g) {
  std::vector<Body> out;
  if (g >= Grade::kLarger) {
    const std::string basis = "《国家网络安全事件报告管理办法》第四条";
    if (c.operator_type == "cii") {
      out.push_back({"cii-protection", "保护工作部门", "CII protection department", 60, Grade::kLarger, basis, ""});
      out.push_back({"cii-police", "公安机关", "Public security organ", 60, Grade::kLarger, basis, ""});
    } else if (c.operator_type == "central") {
      out.push_back({"dept-cac", "本部门网信工作机构", "The department's cyberspace office", 120, Grade::kLarger, basis, ""});
    } else {
      out.push_back({"cac-province", "属地省级网信部门", "Provincial cyberspace office", 240, Grade::kLarger, basis, ""});
    }
  }
  for (const auto& b : c.bodies) {
    if (g < b.min_grade || g == Grade::kUngraded) continue;
    // A configured body with the 办法's id replaces it (its contact, a stricter deadline).
    bool replaced = false;
    for (auto& o : out)
      if (o.id == b.id) o = b, replaced = true;
    if (!replaced) out.push_back(b);
  }
  return out;
}

Status check(const ReportingConfig& c) {
  if (c.operator_type != "cii" && c.operator_type != "central" && c.operator_type != "other")
    return Error{"incident.operator_type must be cii, central or other, not \"" + c.operator_type + "\""};
  std::set<std::string> ids;
  for (const auto& b : c.bodies) {
    if (b.id.empty() || b.name_zh.empty()) return Error{"incident.bodies: every body needs an id and a name_zh"};
    if (!ids.insert(b.id).second) return Error{"incident.bodies: the id \"" + b.id + "\" is used twice"};
    if (b.minutes <= 0) return Error{"incident.bodies." + b.id + ".minutes must be more than 0"};
    if (b.min_grade == Grade::kUngraded) return Error{"incident.bodies." + b.id + ".min_grade must be a grade (general .. special)"};
  }
  if (c.summary_workdays <= 0) return Error{"incident.summary_workdays must be more than 0"};
  for (double f : c.remind_at)
    if (!(f > 0 && f < 1)) return Error{"incident.remind_at: each fraction is between 0 and 1"};
  if (c.final_minutes < 0) return Error{"incident.final_minutes must not be negative"};
  return {};
}

int64_t add_workdays(int64_t from_ns, int days) {
  int64_t t = from_ns;
  while (days > 0) {
    t += kDay;
    int64_t local_days = (t + kChina) / kDay;         // days since 1970-01-01 (a Thursday)
    int wd = static_cast<int>((local_days + 4) % 7);  // 0 Sunday .. 6 Saturday
    if (wd != 0 && wd != 6) --days;
  }
  return t;
}

}  // namespace wardsec::incident
