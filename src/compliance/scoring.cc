#include "compliance/scoring.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace wardsec::compliance {

std::optional<Conformity> parse_conformity(std::string_view s) {
  if (s == "符合" || s == "conform") return Conformity::kConform;
  if (s == "部分符合" || s == "partial") return Conformity::kPartial;
  if (s == "不符合" || s == "non-conform") return Conformity::kNonConform;
  if (s == "不适用" || s == "na") return Conformity::kNotApplicable;
  return std::nullopt;
}

std::optional<Risk> parse_risk(std::string_view s) {
  if (s.empty() || s == "无" || s == "none") return Risk::kNone;
  if (s == "低" || s == "low") return Risk::kLow;
  if (s == "中" || s == "medium") return Risk::kMedium;
  if (s == "高" || s == "high") return Risk::kHigh;
  return std::nullopt;
}

const char* risk_zh(Risk r) {
  switch (r) {
    case Risk::kHigh: return "高";
    case Risk::kMedium: return "中";
    case Risk::kLow: return "低";
    case Risk::kNone: return "";
  }
  return "";
}

const char* conformity_zh(Conformity c) {
  switch (c) {
    case Conformity::kConform: return "符合";
    case Conformity::kPartial: return "部分符合";
    case Conformity::kNonConform: return "不符合";
    case Conformity::kNotApplicable: return "不适用";
  }
  return "";
}

Result<ScoringConfig> ScoringConfig::load(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  ScoringConfig c;
  auto where = [&](const YAML::Node& n) { return path + ":" + std::to_string(n.Mark().line + 1); };
  try {
    for (const auto& kv : root) {
      std::string k = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (k == "label") {
        c.label = v.as<std::string>();
      } else if (k == "weights") {
        c.weights.clear();
        for (const auto& w : v) {
          double x = w.second.as<double>();
          if (x < 0 || x > 1) return Error{where(w.second) + ": a weight is between 0 and 1"};
          c.weights[w.first.as<std::string>()] = x;
        }
      } else if (k == "partial") {
        c.partial = v.as<double>();
        if (c.partial <= 0 || c.partial >= 1) return Error{where(v) + ": partial conformity is between 0 and 1 (exclusive)"};
      } else if (k == "default_importance") {
        c.default_importance = v.as<std::string>();
      } else if (k == "importance") {
        for (const auto& w : v) c.importance[w.first.as<std::string>()] = w.second.as<std::string>();
      } else if (k == "bands") {
        c.bands.clear();
        for (const auto& b : v) {
          Band band;
          band.conclusion = b["conclusion"].as<std::string>();
          band.min_score = b["min_score"].as<double>();
          auto r = parse_risk(b["max_risk"].as<std::string>());
          if (!r) return Error{where(b) + ": max_risk is none, low, medium or high"};
          band.max_risk = *r;
          c.bands.push_back(band);
        }
        if (c.bands.empty() || c.bands.back().min_score > 0 || c.bands.back().max_risk != Risk::kHigh)
          return Error{where(v) + ": the last band must take every score and every risk (min_score 0, max_risk high)"};
      } else {
        return Error{where(kv.first) + ": unknown key '" + k + "'"};
      }
    }
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  if (!c.weights.count(c.default_importance)) return Error{path + ": default_importance '" + c.default_importance + "' has no weight"};
  for (const auto& [id, imp] : c.importance)
    if (!c.weights.count(imp)) return Error{path + ": importance of " + id + " is '" + imp + "', which has no weight"};
  return c;
}

std::string check_partial(Conformity c, std::optional<double> x) {
  if (!x) return "";
  if (c != Conformity::kPartial) return "符合程度 x 只用于部分符合 / x is for 部分符合 (partial) only";
  if (!std::isfinite(*x) || *x < 0 || *x > 1) return "部分符合的符合程度 x 须在 0 到 1 之间 / x must lie between 0 and 1";
  return "";
}

Result<ScoreResult> compute_score(const std::vector<ItemAssessment>& items, const Catalog& catalog, int level, const ScoringConfig& cfg) {
  if (!assessable_level(level)) return Error{level_not_carried(level)};
  ScoreResult r;
  for (const auto& c : Catalog::categories()) r.per_category[c.code];
  std::set<std::string> seen;
  double deduction = 0;
  std::vector<std::pair<const Requirement*, const ItemAssessment*>> applicable;
  for (const auto& it : items) {
    if (std::string why = check_partial(it.result, it.x); !why.empty()) return Error{it.id + ": " + why};
    const Requirement* req = catalog.find(it.id);
    if (!req || !req->applies(level)) {
      r.unknown_items.push_back(it.id);
      continue;
    }
    if (!seen.insert(it.id).second) return Error{it.id + ": 同一要求项有两个结果 / two results for the same item"};
    CategoryResult& cat = r.per_category[req->category];
    if (it.result == Conformity::kNotApplicable) {
      cat.not_applicable++;
      continue;
    }
    applicable.emplace_back(req, &it);
  }
  r.applicable = static_cast<int>(applicable.size());
  for (const auto* req : catalog.at_level(level))
    if (!seen.count(req->id)) {
      r.not_assessed.push_back(req->id);
      r.per_category[req->category].not_assessed++;
    }
  for (auto [req, it] : applicable) {
    CategoryResult& cat = r.per_category[req->category];
    cat.applicable++;
    double x = it->result == Conformity::kConform ? 1.0 : it->result == Conformity::kPartial ? it->x.value_or(cfg.partial) : 0.0;
    if (it->result == Conformity::kConform)
      cat.conform++;
    else if (it->result == Conformity::kPartial)
      cat.partial++;
    else
      cat.non_conform++;
    cat.compliance += x;
    if (x < 1.0) {
      auto imp = cfg.importance.find(req->id);
      double w = cfg.weights.at(imp == cfg.importance.end() ? cfg.default_importance : imp->second);
      deduction += w * (1.0 - x) / static_cast<double>(applicable.size()) * 100.0;
      switch (it->risk) {
        case Risk::kHigh:
          r.high++;
          r.high_risk_items.push_back(req->id);
          break;
        case Risk::kMedium: r.medium++; break;
        case Risk::kLow: r.low++; break;
        case Risk::kNone: break;
      }
    }
  }
  for (auto& [code, cat] : r.per_category)
    if (cat.applicable) cat.compliance /= cat.applicable;
  // Two decimals, as reports print it, so that a band edge (90.00) is not missed by rounding.
  r.score = std::max(0.0, std::round((100.0 - deduction) * 100.0) / 100.0);
  Risk worst = r.high ? Risk::kHigh : r.medium ? Risk::kMedium : r.low ? Risk::kLow : Risk::kNone;
  for (const auto& b : cfg.bands)
    if (r.score >= b.min_score && worst <= b.max_risk) {
      r.conclusion = b.conclusion;
      break;
    }
  if (!r.complete() && worst != Risk::kHigh) r.provisional = std::exchange(r.conclusion, kIncomplete);
  return r;
}

}  // namespace wardsec::compliance
