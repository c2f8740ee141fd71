// `wardsec evaluation …`: the assessment cycle (等级测评, 密评) from the shell: record a planned or
// finished assessment, its result, what is due by level, and a report's problems as
// rectification tasks. The same store the console reads (<data>/compliance.db).
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "cli/cli.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/evaluation.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"
#include "core/datadir.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::cli {

namespace evaluation_cmd {

struct Args {
  compliance::Evaluation e;
  double score = std::numeric_limits<double>::quiet_NaN();  // not given
  int64_t id = 0;
  std::string file, format = "table", tz = "8";
};

int say(const std::string& what, int code = 2) {
  std::fprintf(stderr, "wardsec evaluation: %s\n", what.c_str());
  return code;
}

std::string today_local() { return local_time(now_ns(), 8 * 3600).substr(0, 10); }

nlohmann::json to_json(const compliance::Evaluation& e) {
  nlohmann::json j = {{"id", e.id},     {"system", e.system},         {"kind", e.kind},           {"body", e.body}, {"planned", e.planned},
                      {"done", e.done}, {"conclusion", e.conclusion}, {"report_no", e.report_no}, {"by", e.by}};
  j["score"] = e.score ? nlohmann::json(*e.score) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json due_json(const compliance::EvaluationDue& d) {
  return {{"system", d.system}, {"kind", d.kind},       {"level", d.level},         {"last_done", d.last_done},
          {"due", d.due},       {"overdue", d.overdue}, {"days_left", d.days_left}, {"basis", d.basis}};
}

int run(const Config& cfg, const std::string& action, Args a) {
  std::string dbp = DataDir(cfg.data_dir).compliance_db();
  auto ev = compliance::Evaluations::open(dbp);
  auto inv = compliance::Inventory::open(dbp);
  if (!ev || !inv) return say(!ev ? ev.error() : inv.error(), 1);
  auto systems = (*inv)->systems();
  if (!systems) return say(systems.error(), 1);
  auto system_of = [&](const std::string& id) -> const compliance::System* {
    for (const auto& s : *systems)
      if (s.id == id) return &s;
    return nullptr;
  };
  if (a.e.by.empty()) a.e.by = cli_actor();
  std::optional<double> score;
  if (!std::isnan(a.score)) score = a.score;  // out of range is refused by the store, not dropped
  if (action == "add") {
    if (!system_of(a.e.system)) return say("没有系统 " + a.e.system + " / no system '" + a.e.system + "' in the inventory");
    a.e.score = score;
    a.e.at = now_ns();
    auto id = (*ev)->add(a.e);
    if (!id) return say(id.error());
    std::printf("%lld\n", static_cast<long long>(*id));
    return 0;
  }
  if (action == "done") {
    Status s = (*ev)->complete(a.id, a.e.done, score, a.e.conclusion, a.e.report_no, a.e.by, now_ns());
    if (!s) return say(s.error());
    return 0;
  }
  if (action == "list") {
    auto list = (*ev)->list(a.e.system);
    if (!list) return say(list.error(), 1);
    for (const auto& e : *list) {
      if (a.format == "json") {
        std::printf("%s\n", to_json(e).dump().c_str());
        continue;
      }
      std::printf("%-4lld %-8s %-7s %-10s %-10s %-6s %-4s %s\n", static_cast<long long>(e.id), e.system.c_str(),
                  e.kind == "mlps" ? "等级测评" : "密评", e.planned.c_str(), e.done.empty() ? "(计划)" : e.done.c_str(),
                  e.score ? std::to_string(*e.score).substr(0, 5).c_str() : "-", e.conclusion.c_str(), e.body.c_str());
    }
    return 0;
  }
  if (action == "due") {
    auto all = (*ev)->list("");
    if (!all) return say(all.error(), 1);
    for (const auto& d : compliance::evaluations_due(*systems, *all, today_local())) {
      if (a.format == "json") {
        std::printf("%s\n", due_json(d).dump().c_str());
        continue;
      }
      std::string when = d.due.empty() ? "从未测评，应尽快安排 / never assessed: due now" : d.due;
      std::printf("%-8s L%d %-7s %s%s\n", d.system.c_str(), d.level, d.kind == "mlps" ? "等级测评" : "密评", when.c_str(),
                  d.overdue ? "  逾期 OVERDUE" : "");
    }
    return 0;
  }
  // problems: a report's problems (CSV: item,problem,risk,owner,plan,due) as rectification tasks.
  auto e = (*ev)->get(a.id);
  if (!e) return say(e.error());
  const compliance::System* sys = system_of(e->system);
  if (!sys) return say("没有系统 " + e->system + " / no system '" + e->system + "'");
  auto cat = compliance::Catalog::load(resolve_shipped("catalog/gbt22239-2019.tsv"));
  if (!cat) return say(cat.error(), 1);
  auto as = compliance::Assessments::open(dbp);
  if (!as) return say(as.error(), 1);
  auto text = read_file(a.file);
  if (!text) return say("cannot read " + a.file);
  auto n = compliance::import_problems(**as, *cat, *e, *sys, *text, a.file, a.e.by, now_ns());
  if (!n) return say(n.error());
  std::printf("%zu rectification tasks opened from assessment %lld\n", *n, static_cast<long long>(e->id));
  return 0;
}

}  // namespace evaluation_cmd

void add_evaluation_commands(Cli& cli) {
  using evaluation_cmd::Args;
  auto a = std::make_shared<Args>();
  auto* g = cli.group("evaluation", "the assessment cycle: 等级测评 and 密评 planned and done, what is due, a report's problems as tasks");
  auto* add = cli.command(g, "add", "record a planned (or finished) assessment of a system",
                          [a](Config& cfg) { return evaluation_cmd::run(cfg, "add", *a); });
  add->add_option("--system", a->e.system, "inventoried system id")->required();
  add->add_option("--kind", a->e.kind, "mlps (等级测评) or crypto (密评)")->required()->check(CLI::IsMember({"mlps", "crypto"}));
  add->add_option("--body", a->e.body, "the assessment body (测评机构)")->required();
  add->add_option("--planned", a->e.planned, "planned date, YYYY-MM-DD")->required();
  add->add_option("--done", a->e.done, "the date it was done, with --score and --conclusion");
  add->add_option("--score", a->score, "the report's score, 0-100");
  add->add_option("--conclusion", a->e.conclusion, "优/良/中/差 (mlps) or 符合/基本符合/不符合 (crypto)");
  add->add_option("--report-no", a->e.report_no, "the report's number");
  add->add_option("--by", a->e.by, "who records it (default cli:$USER)");
  auto* done = cli.command(g, "done", "record the result of a planned assessment",
                           [a](Config& cfg) { return evaluation_cmd::run(cfg, "done", *a); });
  done->add_option("id", a->id, "the assessment's number (evaluation list)")->required();
  done->add_option("--date", a->e.done, "the date it was done, YYYY-MM-DD")->required();
  done->add_option("--score", a->score, "the report's score, 0-100");
  done->add_option("--conclusion", a->e.conclusion, "优/良/中/差 (mlps) or 符合/基本符合/不符合 (crypto)")->required();
  done->add_option("--report-no", a->e.report_no, "the report's number");
  done->add_option("--by", a->e.by, "who records it (default cli:$USER)");
  auto* list = cli.command(g, "list", "assessments, newest first", [a](Config& cfg) { return evaluation_cmd::run(cfg, "list", *a); });
  list->add_option("--system", a->e.system, "only this system");
  list->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* due = cli.command(g, "due", "the next assessment of each kind for every graded system, overdue marked",
                          [a](Config& cfg) { return evaluation_cmd::run(cfg, "due", *a); });
  due->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* pr = cli.command(g, "problems", "open rectification tasks from a report's problems (CSV: item,problem,risk,owner,plan,due)",
                         [a](Config& cfg) { return evaluation_cmd::run(cfg, "problems", *a); });
  pr->add_option("id", a->id, "the assessment the report belongs to")->required();
  pr->add_option("file", a->file, "CSV file")->required();
  pr->add_option("--by", a->e.by, "who opens the tasks (default cli:$USER)");
}

}  // namespace wardsec::cli
