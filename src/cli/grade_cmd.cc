// `wardsec grade` (定级, GB/T 22240-2020) and `wardsec score` (the self-assessment score).
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <map>
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
#include "compliance/grading_record.h"
#include "core/timeutil.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"

namespace wardsec::cli {

namespace {

struct GradeArgs {
  std::string business, service, kind, tier = "3", system, reason, business_reason, service_reason, downgrade_reason, by;
  bool record = false;
};

// `wardsec grade`: the calculation, or with --system … --record the grading confirmed for an
// inventoried system, by the same rules as the console (confirm_grading).
int run_grade(const Config& cfg, const GradeArgs& a) {
  auto split2 = [](const std::string& v) {
    size_t c = v.find(':');
    return std::pair{v.substr(0, c), c == std::string::npos ? std::string() : v.substr(c + 1)};
  };
  auto [bo, bd] = split2(a.business);
  auto [so, sd] = split2(a.service);
  auto o1 = compliance::parse_object(bo), o2 = compliance::parse_object(so);
  auto d1 = compliance::parse_degree(bd), d2 = compliance::parse_degree(sd);
  if (!o1 || !o2 || !d1 || !d2) {
    std::fprintf(stderr,
                 "wardsec grade: --business and --service take OBJECT:DEGREE, OBJECT citizens|society|nation, "
                 "DEGREE general|serious|very-serious (or the standard's Chinese terms)\n");
    return 2;
  }
  if (!a.kind.empty() && !compliance::known_kind(a.kind)) {
    std::fprintf(stderr, "wardsec grade: --kind: 未知的系统类型 / unknown system kind '%s' (%s)\n", a.kind.c_str(),
                 compliance::known_kinds());
    return 2;
  }
  if (!compliance::known_tier(a.tier)) {
    std::fprintf(stderr, "wardsec grade: --tier: 医院等级须为 1、2 或 3 / the hospital tier must be 1, 2 or 3, not '%s'\n", a.tier.c_str());
    return 2;
  }
  if (a.record && a.system.empty()) {
    std::fprintf(stderr, "wardsec grade: --record needs --system ID (an inventoried system)\n");
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
  auto warn = [&](const compliance::Suggestion& sug) {
    j["suggested"] = {{"level", sug.level}, {"basis", sug.basis}};
    if (std::string w = compliance::below_suggestion(g.level, sug); !w.empty()) {
      j["warning"] = w;
      std::fprintf(stderr, "wardsec grade: %s\n", w.c_str());
    }
  };
  if (!a.kind.empty()) warn(compliance::hospital_default(a.kind, a.tier));
  if (a.record) {
    // --reason is the 定级理由 of both dimensions unless each has its own.
    std::string business_reason = trim(a.business_reason).empty() ? a.reason : a.business_reason;
    std::string service_reason = trim(a.service_reason).empty() ? a.reason : a.service_reason;
    if (trim(business_reason).empty() || trim(service_reason).empty()) {
      std::fprintf(stderr, "wardsec grade: --record needs --reason (or --business-reason and --service-reason): 定级理由\n");
      return 2;
    }
    std::string dbp = DataDir(cfg.data_dir).compliance_db();
    auto as = compliance::Assessments::open(dbp);
    auto inv = compliance::Inventory::open(dbp);
    if (!as || !inv) {
      std::fprintf(stderr, "wardsec grade: %s\n", !as ? as.error().c_str() : inv.error().c_str());
      return 1;
    }
    std::string by = a.by.empty() ? cli_actor() : a.by;
    compliance::GradingRequest req{a.system, bo, bd, so, sd, business_reason, service_reason, a.downgrade_reason, a.tier, by};
    auto res = compliance::confirm_grading(**as, **inv, req, now_ns());
    if (!res) {
      std::fprintf(stderr, "wardsec grade: %s\n", res.error().c_str());
      return 2;
    }
    if (a.kind.empty()) warn(res->suggestion);
    if (!res->refused.empty()) {
      std::fprintf(stderr, "wardsec grade: %s (--downgrade-reason)\n", res->refused.c_str());
      return 3;
    }
    j["system"] = a.system;
    j["recorded"] = true;
    j["previous_level"] = res->previous_level;
    j["by"] = by;
    if (!res->note.empty()) j["downgrade"] = res->note;
  }
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

// A results CSV (id,result[,risk[,x]] per line; '#' comments; an optional header line
// starting with "id,"), checked against the catalog at `level`, or nullopt after saying what is
// wrong and where: an empty file, an id not in the catalog at that level, an id given twice, a
// partial value that is not a number between 0 and 1 all stop the score.
std::optional<std::vector<compliance::ItemAssessment>> read_results_csv(const std::string& results_file, const compliance::Catalog& cat,
                                                                        int level) {
  std::ifstream in(results_file);
  if (!in) {
    std::fprintf(stderr, "wardsec score: cannot read %s\n", results_file.c_str());
    return std::nullopt;
  }
  std::vector<compliance::ItemAssessment> items;
  std::map<std::string, int> first_line;
  std::string line;
  int n = 0;
  auto bad = [&](const std::string& what) {
    std::fprintf(stderr, "wardsec score: %s:%d: %s\n", results_file.c_str(), n, what.c_str());
    return std::nullopt;
  };
  while (std::getline(in, line)) {
    n++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a spreadsheet's BOM
    if (trim(line).empty() || line[0] == '#' || line.rfind("id,", 0) == 0) continue;
    std::vector<std::string> f;
    for (std::string_view c : split_view(line, ',')) f.emplace_back(trim(c));
    if (f.size() > 4) return bad("最多四列 id,result,risk,x / at most four columns: id,result,risk,x");
    const compliance::Requirement* req = cat.find(f[0]);
    if (!req)
      return bad("'" + f[0] + "' 不是要求项编号 / is not a catalog item id (wardsec catalog --level " + std::to_string(level) + ")");
    if (!req->applies(level))
      return bad(f[0] + " 不适用于第" + std::to_string(level) + "级 / does not apply at level " + std::to_string(level));
    if (auto it = first_line.find(f[0]); it != first_line.end())
      return bad(f[0] + " 已在第 " + std::to_string(it->second) + " 行给出结果 / already has a result on line " +
                 std::to_string(it->second));
    first_line[f[0]] = n;
    auto res = f.size() > 1 ? compliance::parse_conformity(f[1]) : std::nullopt;
    if (!res) return bad("结果须为 符合、部分符合、不符合 或 不适用 / the result must be 符合, 部分符合, 不符合 or 不适用");
    auto risk = compliance::parse_risk(f.size() > 2 ? f[2] : "");
    if (!risk) return bad("风险须为 高、中、低 或留空 / the risk must be 高, 中, 低 or empty");
    compliance::ItemAssessment a{f[0], *res, std::nullopt, *risk};
    if (f.size() > 3 && !f[3].empty()) {
      char* end = nullptr;
      errno = 0;
      double x = std::strtod(f[3].c_str(), &end);
      if (errno || end != f[3].c_str() + f[3].size()) return bad("x '" + f[3] + "' 不是数字 / is not a number");
      a.x = x;
    }
    if (std::string why = compliance::check_partial(a.result, a.x); !why.empty()) return bad(why);
    items.push_back(a);
  }
  if (items.empty()) {
    std::fprintf(stderr, "wardsec score: %s: 没有任何测评结果 / no results in the file (id,result,risk[,x] per line)\n",
                 results_file.c_str());
    return std::nullopt;
  }
  return items;
}

// Scores assessed items at `level` and prints the result as JSON.
int print_score(const std::vector<compliance::ItemAssessment>& items, const compliance::Catalog& cat, int level,
                const std::string& scoring_file) {
  auto cfg = compliance::ScoringConfig::load(resolve_shipped(scoring_file));
  if (!cfg) {
    std::fprintf(stderr, "wardsec score: %s\n", cfg.error().c_str());
    return 2;
  }
  auto scored = compliance::compute_score(items, cat, level, *cfg);
  if (!scored) {
    std::fprintf(stderr, "wardsec score: %s\n", scored.error().c_str());
    return 2;
  }
  const auto& r = *scored;
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
  nlohmann::json ext = nlohmann::json::array();
  for (const auto& x : compliance::extensions_not_carried()) ext.push_back(x.code);
  j["extensions_not_assessed"] = ext;  // the catalog carries the general requirements only
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
  auto cat = compliance::Catalog::load(resolve_shipped("catalog/gbt22239-2019.tsv"));
  if (!cat) {
    std::fprintf(stderr, "wardsec score: %s\n", cat.error().c_str());
    return 2;
  }
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
    if (!systems) {
      std::fprintf(stderr, "wardsec score: %s\n", systems.error().c_str());
      return 1;
    }
    auto sys = std::find_if(systems->begin(), systems->end(), [&](const auto& x) { return x.id == system; });
    if (sys == systems->end()) {
      std::fprintf(stderr, "wardsec score: 没有系统 %s / no system '%s' in the inventory\n", system.c_str(), system.c_str());
      return 2;
    }
    if (sys->level == 0) {
      std::fprintf(stderr, "wardsec score: %s 尚未定级 / %s is not graded yet (wardsec grade --system %s --record)\n", system.c_str(),
                   system.c_str(), system.c_str());
      return 2;
    }
    level = sys->level;
    auto cur = (*as)->current(system);
    if (!cur) {
      std::fprintf(stderr, "wardsec score: %s\n", cur.error().c_str());
      return 1;
    }
    std::vector<compliance::ItemAssessment> items;
    for (const auto& r : *cur) items.push_back({r.item, r.result, r.x, r.risk});
    return print_score(items, *cat, level, scoring);
  }
  if (results.empty()) {
    std::fprintf(stderr, "wardsec score: --results FILE or --system ID\n");
    return 2;
  }
  if (!compliance::assessable_level(level)) {
    std::fprintf(stderr, "wardsec score: %s\n", compliance::level_not_carried(level).c_str());
    return 2;
  }
  auto items = read_results_csv(results, *cat, level);
  return items ? print_score(*items, *cat, level, scoring) : 2;
}

}  // namespace

void add_grade_commands(Cli& cli) {
  auto g = std::make_shared<GradeArgs>();
  auto* grd = cli.command(nullptr, "grade",
                          "grade a system per GB/T 22240-2020 (定级): the level of each dimension and of the system; with --system and "
                          "--record, confirm it for an inventoried system",
                          [g](Config& cfg) { return run_grade(cfg, *g); });
  grd->add_option("--business", g->business, "business information security: OBJECT:DEGREE, e.g. citizens:serious")->required();
  grd->add_option("--service", g->service, "system service security: OBJECT:DEGREE, e.g. society:serious")->required();
  grd->add_option("--kind", g->kind, std::string("hospital system kind for a suggested level: ") + compliance::known_kinds());
  grd->add_option("--tier", g->tier, "hospital tier (3 for 三级), for the suggestion");
  grd->add_option("--system", g->system, "the inventoried system the grading is for");
  grd->add_flag("--record", g->record, "record the grading (with its reasons) as the console's 确认定级 does");
  grd->add_option("--reason", g->reason, "定级理由: why the object and degree of harm were chosen (required with --record)");
  grd->add_option("--business-reason", g->business_reason, "业务信息定级理由, when it differs from --reason");
  grd->add_option("--service-reason", g->service_reason, "系统服务定级理由, when it differs from --reason");
  grd->add_option("--downgrade-reason", g->downgrade_reason,
                  "why a level below the current or suggested one stands (a downgrade needs it)");
  grd->add_option("--by", g->by, "who confirms it (default cli:$USER)");

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
