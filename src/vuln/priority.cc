#include "vuln/priority.h"

#include <algorithm>
#include <cstdio>

namespace wardsec::vuln {

double base_score(const Scores& s) {
  if (s.cvss3) return *s.cvss3;
  if (s.cvss4) return *s.cvss4;
  if (s.cvss2) return *s.cvss2;
  static constexpr double kMid[] = {0.0, 2.0, 5.0, 7.5, 9.5};
  return kMid[std::clamp(s.severity, 0, 4)];
}

Priority prioritize(const Scores& s, const AssetContext& a) {
  Priority p;
  double base = base_score(s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "CVSS %.1f", base);
  p.why_zh = p.why_en = buf;
  double adj = base;
  auto add = [&](double d, const char* zh, const char* en) {
    adj += d;
    p.why_zh += std::string("；") + zh;
    p.why_en += std::string("; ") + en;
  };
  if (base > 0) {
    if (a.internet) add(1.0, "互联网可达", "reachable from the internet");
    if (a.level >= 3) add(0.5, "三级及以上系统", "a level-3+ system");
    if (a.patient_data) add(0.5, "含患者个人信息", "holds patients' personal data");
    if (s.exploit) add(0.5, "有公开利用代码", "a public exploit exists");
  }
  p.score = std::min(adj, 10.0);
  if (p.score >= 9.0)
    p.level = 1;
  else if (p.score >= 7.0)
    p.level = 2;
  else if (p.score >= 4.0)
    p.level = 3;
  else
    p.level = 4;
  if (s.kev) {
    p.why_zh += "；在已知被利用漏洞清单 (KEV) 中";
    p.why_en += "; on the known-exploited list (KEV)";
    p.level = std::min(p.level, base >= 7.0 || a.internet ? 1 : 2);
  }
  return p;
}

const char* priority_zh(int level) {
  static const char* n[] = {"紧急", "高", "中", "低"};
  return n[std::clamp(level, 1, 4) - 1];
}
const char* priority_en(int level) {
  static const char* n[] = {"critical", "high", "medium", "low"};
  return n[std::clamp(level, 1, 4) - 1];
}

}  // namespace wardsec::vuln
