#include "compliance/grading.h"

#include <algorithm>

namespace wardsec::compliance {

std::optional<HarmedObject> parse_object(std::string_view s) {
  if (s == "citizens" || s == "公民、法人和其他组织" || s == "公民") return HarmedObject::kCitizens;
  if (s == "society" || s == "社会秩序、公共利益" || s == "社会秩序") return HarmedObject::kSociety;
  if (s == "nation" || s == "国家安全") return HarmedObject::kNation;
  return std::nullopt;
}

std::optional<HarmDegree> parse_degree(std::string_view s) {
  if (s == "general" || s == "一般损害") return HarmDegree::kGeneral;
  if (s == "serious" || s == "严重损害") return HarmDegree::kSerious;
  if (s == "very-serious" || s == "特别严重损害") return HarmDegree::kVerySerious;
  return std::nullopt;
}

const char* object_zh(HarmedObject o) {
  switch (o) {
    case HarmedObject::kCitizens: return "公民、法人和其他组织的合法权益";
    case HarmedObject::kSociety: return "社会秩序、公共利益";
    case HarmedObject::kNation: return "国家安全";
  }
  return "";
}

const char* degree_zh(HarmDegree d) {
  switch (d) {
    case HarmDegree::kGeneral: return "一般损害";
    case HarmDegree::kSerious: return "严重损害";
    case HarmDegree::kVerySerious: return "特别严重损害";
  }
  return "";
}

int matrix_level(HarmedObject o, HarmDegree d) {
  static const int kMatrix[3][3] = {{1, 2, 2}, {2, 3, 4}, {3, 4, 5}};
  return kMatrix[static_cast<int>(o)][static_cast<int>(d)];
}

Grading grade(const GradingInput& in) {
  Grading g;
  g.business_level = matrix_level(in.business_object, in.business_degree);
  g.service_level = matrix_level(in.service_object, in.service_degree);
  g.level = std::max(g.business_level, g.service_level);
  auto ambiguous = [](HarmedObject o, HarmDegree d) { return o == HarmedObject::kCitizens && d == HarmDegree::kVerySerious; };
  if (ambiguous(in.business_object, in.business_degree) || ambiguous(in.service_object, in.service_degree))
    g.notes.push_back(
        "按 GB/T 22240-2020 表 2，公民、法人和其他组织的合法权益受到特别严重损害为第二级；2018 年《网络安全等级保护条例（征求意见稿）》"
        "的表述把这种情形归入第三级，专家评审可能据此上调 / GB/T 22240-2020 table 2 gives level 2 for especially serious harm "
        "to citizens; the 2018 draft regulation words it as level 3, and an expert review may raise it");
  if (g.level >= 2)
    g.notes.push_back(
        "第二级及以上须经专家评审、主管部门核准，并在定级后 30 日内到公安机关备案 / level 2 and above: expert review, "
        "approval by the supervising department, and filing with public security within 30 days");
  else
    g.notes.push_back("第一级可自主定级，无需专家评审和备案 / level 1 is self-determined, without review or filing");
  return g;
}

Suggestion hospital_default(std::string_view kind, std::string_view tier) {
  bool core = kind == "his" || kind == "emr" || kind == "lis" || kind == "pacs" || kind == "platform";
  if (kind == "internet-hospital")
    return {3, "互联网医院管理办法（试行）(2018) 要求互联网医院信息系统按第三级保护 / internet hospitals: level 3"};
  if (kind == "insurance") return {3, "医保接口连接医保结算网络，通常按第三级保护 / insurance interfaces are usually level 3"};
  if (core && tier == "3")
    return {3, "卫办发〔2011〕85号：三级甲等医院核心业务信息系统原则上不低于第三级 / core systems of tertiary hospitals: level 3 at least"};
  if (core) return {2, "二级及以下医院核心业务系统通常为第二级，按实际影响评估 / core systems of other hospitals: usually level 2"};
  return {2, "一般业务系统（办公、门户网站、RIS 等）通常为第二级 / ordinary systems (OA, website, RIS): usually level 2"};
}

bool known_kind(std::string_view kind) {
  for (std::string_view k : {"his", "emr", "lis", "pacs", "ris", "platform", "internet-hospital", "insurance", "oa", "website", "other"})
    if (kind == k) return true;
  return false;
}

bool known_tier(std::string_view tier) { return tier == "1" || tier == "2" || tier == "3"; }

const char* known_kinds() { return "his, emr, lis, pacs, ris, platform, internet-hospital, insurance, oa, website, other"; }

std::string below_suggestion(int level, const Suggestion& s) {
  if (level >= s.level) return "";
  return "计算结果第" + std::to_string(level) + "级低于卫生健康行业对此类系统的建议（第" + std::to_string(s.level) + "级：" + s.basis +
         "）；请复核受侵害客体和侵害程度，确需降级的须写明理由 / the computed level " + std::to_string(level) +
         " is below the health sector's suggestion for this kind of system (level " + std::to_string(s.level) +
         "); check the object and degree of harm, and give the reason if the lower level stands";
}

}  // namespace wardsec::compliance
