// The self-assessment score and conclusion, computed the way the 2021 assessment report
// template (网络安全等级保护测评报告模版 2021版) is understood to compute them:
//
//   score = 100 − Σ_k f(w_k) × (1 − x_k) / n × 100   (never below 0)
//
// over the applicable items k (不适用 excluded, n of them), x_k the item's conformity (符合 1,
// 部分符合 partial, 不符合 0) and f(w_k) the weight of its importance (关键/重要/一般). The
// conclusion bands (优/良/中/差) and "any unresolved high risk makes 差" are well established;
// the weights, the partial value and the importance of each item are not verified, so all of
// them are data (catalog/scoring.yaml) and the result is labelled "参照2021版报告模版方法".
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compliance/catalog.h"
#include "core/result.h"

namespace wardsec::compliance {

enum class Conformity { kConform, kPartial, kNonConform, kNotApplicable };  // 符合 部分符合 不符合 不适用
enum class Risk { kNone, kLow, kMedium, kHigh };                            // problem risk after compensation
std::optional<Conformity> parse_conformity(std::string_view s);  // 符合|部分符合|不符合|不适用 or conform|partial|non-conform|na
std::optional<Risk> parse_risk(std::string_view s);              // 无|低|中|高 or none|low|medium|high
const char* conformity_zh(Conformity c);
const char* risk_zh(Risk r);  // 高, 中, 低, or "" for none

struct ItemAssessment {
  std::string id;
  Conformity result = Conformity::kConform;
  std::optional<double> x;  // conformity for 部分符合 when the assessor set it
  Risk risk = Risk::kNone;
};

struct ScoringConfig {
  std::string label = "自评估得分（参照2021版报告模版方法）";
  std::map<std::string, double> weights = {{"关键", 1.0}, {"重要", 0.5}, {"一般", 0.2}};
  double partial = 0.5;
  std::string default_importance = "重要";
  std::map<std::string, std::string> importance;  // item id -> 关键/重要/一般
  struct Band {
    std::string conclusion;
    double min_score = 0;
    Risk max_risk = Risk::kHigh;  // the worst risk allowed in this band
  };
  std::vector<Band> bands = {{"优", 90, Risk::kLow}, {"良", 80, Risk::kMedium}, {"中", 70, Risk::kMedium}, {"差", 0, Risk::kHigh}};
  static Result<ScoringConfig> load(const std::string& path);
};

struct CategoryResult {
  int applicable = 0, conform = 0, partial = 0, non_conform = 0, not_applicable = 0;
  int not_assessed = 0;   // catalog items of this category at the level without a result
  double compliance = 0;  // Σx / applicable, 0..1
};

// The conclusion of an assessment with items still open. A high risk already makes 差
// whatever the open items hold; otherwise no band is a conclusion until every item has a result.
inline constexpr const char* kIncomplete = "未完成";

struct ScoreResult {
  double score = 100;       // over the assessed items only (see complete())
  std::string conclusion;   // a band, or kIncomplete
  std::string provisional;  // when incomplete: the band the assessed items alone would give
  bool complete() const { return not_assessed.empty(); }
  int total() const { return applicable + static_cast<int>(not_assessed.size()); }  // applicable items, assessed or not
  int applicable = 0;
  int high = 0, medium = 0, low = 0;
  std::vector<std::string> high_risk_items;
  std::map<std::string, CategoryResult> per_category;  // by category code, in catalog order
  std::vector<std::string> unknown_items;              // ids not in the catalog (ignored)
  std::vector<std::string> not_assessed;               // applicable catalog items without a result
};

// Why a partial-conformity value cannot be used, or "" when it can: x is only for 部分符合 and
// lies between 0 and 1 (records stored before this check may hold either end, so both stay valid).
std::string check_partial(Conformity c, std::optional<double> x);

// `level`: the system's level (which catalog items apply). Refused, with the reason, rather than
// computed when the level is not one wardsec carries items for, an item id appears twice, or a
// partial value is out of range: a wrong score is never given silently. Ids not in the catalog
// at that level are listed in unknown_items and not scored (callers that read a file reject them).
Result<ScoreResult> compute_score(const std::vector<ItemAssessment>& items, const Catalog& catalog, int level, const ScoringConfig& cfg);

}  // namespace wardsec::compliance
