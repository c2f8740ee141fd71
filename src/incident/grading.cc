#include "incident/grading.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/strutil.h"

namespace wardsec::incident {

const char* grade_name(Grade g) {
  switch (g) {
    case Grade::kGeneral: return "general";
    case Grade::kLarger: return "larger";
    case Grade::kMajor: return "major";
    case Grade::kSpecial: return "special";
    case Grade::kUngraded: break;
  }
  return "ungraded";
}

const char* grade_zh(Grade g) {
  switch (g) {
    case Grade::kGeneral: return "一般";
    case Grade::kLarger: return "较大";
    case Grade::kMajor: return "重大";
    case Grade::kSpecial: return "特别重大";
    case Grade::kUngraded: break;
  }
  return "未定级";
}

std::optional<Grade> parse_grade(std::string_view s) {
  for (int i = 0; i <= 4; ++i) {
    auto g = static_cast<Grade>(i);
    if (iequals(s, grade_name(g)) || s == grade_zh(g) || (s.size() == 1 && s[0] == '0' + i)) return g;
  }
  return std::nullopt;
}

namespace {

// One quantitative criterion: the thresholds for 特别重大, 重大 and 较大 (0: none at that grade).
struct Threshold {
  int64_t special, major, larger;
};

Grade meets(int64_t v, const Threshold& t) {
  if (t.special && v >= t.special) return Grade::kSpecial;
  if (t.major && v >= t.major) return Grade::kMajor;
  if (t.larger && v >= t.larger) return Grade::kLarger;
  return Grade::kUngraded;
}

// The section of the annex each grade is in: 一、特别重大 二、重大 三、较大 四、一般.
const char* section(Grade g) {
  switch (g) {
    case Grade::kSpecial: return "一";
    case Grade::kMajor: return "二";
    case Grade::kLarger: return "三";
    default: return "四";
  }
}

std::string people(int64_t n) {
  if (n >= 100000000 && n % 100000000 == 0) return fmt::format("{}亿", n / 100000000);
  if (n >= 10000 && n % 10000 == 0) return fmt::format("{}万", n / 10000);
  return std::to_string(n);
}

}  // namespace

Assessment assess(const Impact& im) {
  Assessment a;
  auto add = [&](Grade g, std::string zh, std::string en) {
    if (g == Grade::kUngraded) return;
    a.reasons.push_back({g, fmt::format("《网络安全事件分级指南》{}、{}：{}", section(g), grade_zh(g), zh), std::move(en)});
  };
  if (im.cii) {
    Grade w = meets(im.cii_whole_minutes, {360, 120, 30});
    add(w, fmt::format("关键信息基础设施整体中断运行{}分钟", im.cii_whole_minutes),
        fmt::format("critical information infrastructure out of operation as a whole for {} minutes", im.cii_whole_minutes));
    Grade m = meets(im.cii_main_minutes, {1440, 360, 120});
    add(m, fmt::format("关键信息基础设施主要功能中断运行{}分钟", im.cii_main_minutes),
        fmt::format("main functions of critical information infrastructure out of operation for {} minutes", im.cii_main_minutes));
  }
  add(meets(im.people_affected, {10000000, 1000000, 100000}), fmt::format("影响{}人的就医等工作、生活", people(im.people_affected)),
      fmt::format("care or daily life of {} people affected", im.people_affected));
  add(meets(im.personal_info, {100000000, 10000000, 1000000}), fmt::format("泄露{}人的个人信息", people(im.personal_info)),
      fmt::format("personal information of {} people leaked", im.personal_info));
  add(meets(im.loss_yuan, {100000000, 20000000, 5000000}), fmt::format("造成{}元直接经济损失", people(im.loss_yuan)),
      fmt::format("direct economic loss of {} yuan", im.loss_yuan));
  static const char* kThreat[] = {"", "", "较严重", "严重", "特别严重"};
  if (im.important_data >= Grade::kLarger)
    add(im.important_data,
        fmt::format("重要数据泄露或被窃取，对国家安全和社会稳定构成{}威胁", kThreat[static_cast<int>(im.important_data)]),
        "important data leaked or stolen");
  std::stable_sort(a.reasons.begin(), a.reasons.end(), [](const Reason& x, const Reason& y) { return x.grade > y.grade; });
  if (!a.reasons.empty()) {
    a.grade = a.reasons.front().grade;
    return a;
  }
  // None of the annex's thresholds: 一般 when something was affected, with what.
  for (const auto& [name, level] : im.systems)
    add(Grade::kGeneral, fmt::format("影响等保{}级系统 {}", level, name), fmt::format("level-{} system {} affected", level, name));
  if (im.outage_minutes > 0)
    add(Grade::kGeneral, fmt::format("业务中断{}分钟", im.outage_minutes),
        fmt::format("service interrupted for {} minutes", im.outage_minutes));
  if (im.patient_records > 0)
    add(Grade::kGeneral, fmt::format("{}条患者信息暴露", im.patient_records),
        fmt::format("{} patient records exposed", im.patient_records));
  if (im.personal_info > 0 || im.people_affected > 0 || im.loss_yuan > 0 || im.cii_whole_minutes > 0 || im.cii_main_minutes > 0 ||
      im.important_data == Grade::kGeneral)
    add(Grade::kGeneral, "低于较大事件各项标准，对公众利益构成一定威胁", "below every threshold of a 较大 incident");
  if (!a.reasons.empty()) a.grade = Grade::kGeneral;
  return a;
}

}  // namespace wardsec::incident
