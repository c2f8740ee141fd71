// Grading (定级) per GB/T 22240-2020: the object harmed (受侵害的客体) and the degree of harm
// (侵害程度) give a level, once for business information security (业务信息安全) and once for
// system service security (系统服务安全); the system's level is the higher of the two. The
// reasons the user gives are kept with the result. Hospital defaults are suggestions only.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wardsec::compliance {

enum class HarmedObject { kCitizens = 0, kSociety = 1, kNation = 2 };  // 公民、法人和其他组织 / 社会秩序、公共利益 / 国家安全
enum class HarmDegree { kGeneral = 0, kSerious = 1, kVerySerious = 2 };  // 一般损害 / 严重损害 / 特别严重损害

std::optional<HarmedObject> parse_object(std::string_view s);  // citizens|society|nation or the Chinese names
std::optional<HarmDegree> parse_degree(std::string_view s);    // general|serious|very-serious or the Chinese names
const char* object_zh(HarmedObject o);
const char* degree_zh(HarmDegree d);

// The standard's matrix (GB/T 22240-2020 table 2).
int matrix_level(HarmedObject o, HarmDegree d);

struct GradingInput {
  HarmedObject business_object = HarmedObject::kCitizens;
  HarmDegree business_degree = HarmDegree::kGeneral;
  std::string business_reason;
  HarmedObject service_object = HarmedObject::kCitizens;
  HarmDegree service_degree = HarmDegree::kGeneral;
  std::string service_reason;
};

struct Grading {
  int business_level = 1, service_level = 1, level = 1;
  std::vector<std::string> notes;  // zh-CN, with English after " / "
};

Grading grade(const GradingInput& in);

// A default for a hospital system, to be confirmed by the user: its level and the rule it
// comes from. `kind`: his, emr, lis, pacs, ris, platform (集成平台), internet-hospital,
// insurance (医保接口), oa, website, other; `tier`: "3" for 三级 hospitals, "2", "1".
struct Suggestion {
  int level = 2;
  std::string basis;
};
Suggestion hospital_default(std::string_view kind, std::string_view tier);
// The kinds and tiers above; anything else is refused where a person types it, never read as "other".
bool known_kind(std::string_view kind);
bool known_tier(std::string_view tier);
const char* known_kinds();  // "his, emr, …" for messages
// The warning shown when a computed level is below the suggestion (zh / en), or "".
std::string below_suggestion(int level, const Suggestion& s);

}  // namespace wardsec::compliance
