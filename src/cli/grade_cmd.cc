// `wardsec grade` (定级, GB/T 22240-2020) and `wardsec score` (the self-assessment score).
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "core/datadir.h"
#include "cli/cli.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/grading.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"

namespace wardsec::cli {

namespace {

int run_grade(const std::string& business, const std::string& service, const std::string& kind, const std::string& tier) {
  auto split2 = [](const std::string& v) {
    size_t c = v.find(':');
    return std::pair{v.substr(0, c), c == std::string::npos ? std::string() : v.substr(c + 1)};
  };
  auto [bo, bd] = split2(business);
  auto [so, sd] = split2(service);
  auto o1 = compliance::parse_object(bo), o2 = compliance::parse_object(so);
  auto d1 = compliance::parse_degree(bd), d2 = compliance::parse_degree(sd);
  if (!o1 || !o2 || !d1 || !d2) {
    std::fprintf(stderr,
                 "wardsec grade: --business and --service take OBJECT:DEGREE, OBJECT citizens|society|nation, "
                 "DEGREE general|serious|very-serious (or the standard's Chinese terms)\n");
    return 2;
  }
  compliance::GradingInput in;
  in.business_object = *o1;
  in.business_degree = *d1;
  in.service_object = *o2;
  in.service_degree = *d2;
  auto g = compliance::grade(in);
  nlohmann::json j;
  j["business"] = {{"object", compliance::object_zh(*o1)}, {"degree", compliance::degree_zh(*d1)}, {"level", g.business_level}};
  j["service"] = {{"object", compliance::object_zh(*o2)}, {"degree", compliance::degree_zh(*d2)}, {"level", g.service_level}};
  j["level"] = g.level;
  j["notes"] = g.notes;
  if (!kind.empty()) {
    auto sug = compliance::hospital_default(kind, tier);
    j["suggested"] = {{"level", sug.level}, {"basis", sug.basis}};
  }
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

// A results CSV (id,result[,risk[,x]] per line; '#' comments; an optional header line
// starting with "id,"), or nullopt after saying what is wrong.
std::optional<std::vector<compliance::ItemAssessment>> read_results_csv(const std::string& results_file) {
  std::ifstream in(results_file);
  if (!in) {
    std::fprintf(stderr, "wardsec score: cannot read %s\n", results_file.c_str());
    return std::nullopt;
  }
  std::vector<compliance::ItemAssessment> items;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    n++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line.rfind("id,", 0) == 0) continue;
    std::vector<std::string> f;
    size_t p = 0;
    for (;;) {
      size_t c = line.find(',', p);
      f.emplace_back(trim(std::string_view(line).substr(p, c == std::string::npos ? std::string::npos : c - p)));
      if (c == std::string::npos) break;
      p = c + 1;
    }
    auto where = results_file + ":" + std::to_string(n);
    auto res = f.size() > 1 ? compliance::parse_conformity(f[1]) : std::nullopt;
    if (!res) {
      std::fprintf(stderr, "wardsec score: %s: the result must be 符合, 部分符合, 不符合 or 不适用\n", where.c_str());
      return std::nullopt;
    }
    auto risk = compliance::parse_risk(f.size() > 2 ? f[2] : "");
    if (!risk) {
      std::fprintf(stderr, "wardsec score: %s: the risk must be 高, 中, 低 or empty\n", where.c_str());
      return std::nullopt;
    }
    compliance::ItemAssessment a{f[0], *res, std::nullopt, *risk};
    if (f.size() > 3 && !f[3].empty()) a.x = std::strtod(f[3].c_str(), nullptr);
    items.push_back(a);
  }
  return items;
}

// Scores assessed items at `level` and prints the result as JSON.
int print_score(const std::vector<compliance::ItemAssessment>& items, int level, const std::string& scoring_file) {
  auto cat = compliance::Catalog::load(resolve_shipped("catalog/gbt22239-2019.tsv"));
  if (!cat) {
    std::fprintf(stderr, "wardsec score: %s\n", cat.error().c_str());
    return 2;
  }
  auto cfg = compliance::ScoringConfig::load(resolve_shipped(scoring_file));
  if (!cfg) {
    std::fprintf(stderr, "wardsec score: %s\n", cfg.error().c_str());
    return 2;
  }
  auto r = compliance::compute_score(items, *cat, level, *cfg);
  nlohmann::json j;
  j["label"] = cfg->label;
  j["level"] = level;
  j["score"] = r.score;
  j["conclusion"] = r.conclusion;  // 未完成 while items are open (and no high risk)
  j["complete"] = r.complete();
  if (!r.provisional.empty()) j["provisional"] = r.provisional;
  j["applicable"] = r.applicable;
  j["risks"] = {{"high", r.high}, {"medium", r.medium}, {"low", r.low}};
  j["high_risk_items"] = r.high_risk_items;
  j["not_assessed"] = r.not_assessed.size();
  j["unknown_items"] = r.unknown_items;
  nlohmann::json cats = nlohmann::json::array();
  for (const auto& c : compliance::Catalog::categories()) {
    const auto& cr = r.per_category.at(c.code);
    cats.push_back({{"category", c.zh},
                    {"applicable", cr.applicable},
                    {"conform", cr.conform},
                    {"partial", cr.partial},
                    {"non_conform", cr.non_conform},
                    {"not_applicable", cr.not_applicable},
                    {"compliance", std::round(cr.compliance * 1000) / 10}});
  }
  j["categories"] = cats;
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

int run_score(const Config& cfg, const std::string& results, const std::string& system, int level, const std::string& scoring) {
  if (!system.empty()) {
    // The stored assessment, at the system's level from the inventory.
    std::string dbp = DataDir(cfg.data_dir).compliance_db();
    auto as = compliance::Assessments::open(dbp);
    auto inv = compliance::Inventory::open(dbp);
    if (!as || !inv) {
      std::fprintf(stderr, "wardsec score: %s\n", !as ? as.error().c_str() : inv.error().c_str());
      return 1;
    }
    auto systems = (*inv)->systems();
    if (systems)
      for (const auto& x : *systems)
        if (x.id == system && x.level) level = std::min(x.level, 3);
    auto cur = (*as)->current(system);
    if (!cur) {
      std::fprintf(stderr, "wardsec score: %s\n", cur.error().c_str());
      return 1;
    }
    std::vector<compliance::ItemAssessment> items;
    for (const auto& r : *cur) items.push_back({r.item, r.result, r.x, r.risk});
    return print_score(items, level, scoring);
  }
  if (results.empty()) {
    std::fprintf(stderr, "wardsec score: --results FILE or --system ID\n");
    return 2;
  }
  auto items = read_results_csv(results);
  return items ? print_score(*items, level, scoring) : 2;
}

}  // namespace

void add_grade_commands(Cli& cli) {
  struct GradeArgs {
    std::string business, service, kind, tier = "3";
  };
  auto g = std::make_shared<GradeArgs>();
  auto* grd = cli.command(nullptr, "grade", "grade a system per GB/T 22240-2020 (定级): the level of each dimension and of the system",
                          [g](Config&) { return run_grade(g->business, g->service, g->kind, g->tier); });
  grd->add_option("--business", g->business, "business information security: OBJECT:DEGREE, e.g. citizens:serious")->required();
  grd->add_option("--service", g->service, "system service security: OBJECT:DEGREE, e.g. society:serious")->required();
  grd->add_option(
      "--kind", g->kind,
      "hospital system kind for a suggested level: his, emr, lis, pacs, ris, platform, internet-hospital, insurance, oa, website");
  grd->add_option("--tier", g->tier, "hospital tier (3 for 三级), for the suggestion");

  struct ScoreArgs {
    std::string results, scoring = "catalog/scoring.yaml", system;
    int level = 3;
  };
  auto s = std::make_shared<ScoreArgs>();
  auto* scr = cli.command(nullptr, "score", "score a self-assessment (results CSV: id,result,risk[,x]) per the 2021 template's method",
                          [s](Config& cfg) { return run_score(cfg, s->results, s->system, s->level, s->scoring); });
  auto* res = scr->add_option("--results", s->results, "CSV of results: id,result(符合|部分符合|不符合|不适用),risk(高|中|低|empty)[,x]");
  scr->add_option("--system", s->system, "score the stored assessment of a graded system instead (wardsec assess)")->excludes(res);
  scr->add_option("--level", s->level, "the system's level (2 or 3)");
  scr->add_option("--scoring", s->scoring, "weights and bands (default catalog/scoring.yaml)");
}

}  // namespace wardsec::cli
