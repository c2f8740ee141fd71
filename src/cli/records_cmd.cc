// `wardsec inventory`, `wardsec assess` and `wardsec rectify`: the inventory, the self-assessment results and the rectification tasks
// (整改).
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "compliance/scoring.h"
#include "core/datadir.h"
#include "cli/cli.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "core/timeutil.h"

namespace wardsec::cli {

namespace {

int run_inventory(const Config& cfg, bool import, const std::string& kind, const std::string& file) {
  std::filesystem::create_directories(cfg.data_dir);
  auto inv = compliance::Inventory::open(DataDir(cfg.data_dir).compliance_db());
  if (!inv) {
    std::fprintf(stderr, "wardsec inventory: %s\n", inv.error().c_str());
    return 1;
  }
  if (!import) {
    auto csv = (*inv)->export_csv(kind);
    if (!csv) {
      std::fprintf(stderr, "wardsec inventory: %s\n", csv.error().c_str());
      return 2;
    }
    std::fwrite(csv->data(), 1, csv->size(), stdout);
    return 0;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wardsec inventory: cannot read %s\n", file.c_str());
    return 2;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto n = (*inv)->import_csv(kind, text, file);
  if (!n) {
    std::fprintf(stderr, "wardsec inventory: %s\n", n.error().c_str());
    return 2;
  }
  std::fprintf(stderr, "imported %zu %s from %s\n", *n, kind.c_str(), file.c_str());
  return 0;
}

struct AssessArgs {
  std::string system, item, result, risk, by, note;
  double x = -1;
  std::string format = "table";
};

int run_assess(const Config& cfg, bool set, const AssessArgs& a) {
  std::filesystem::create_directories(cfg.data_dir);
  std::string dbp = DataDir(cfg.data_dir).compliance_db();
  auto inv = compliance::Inventory::open(dbp);
  auto as = compliance::Assessments::open(dbp);
  auto cat = compliance::Catalog::load(resolve_shipped("catalog/gbt22239-2019.tsv"));
  if (!inv || !as || !cat) {
    std::fprintf(stderr, "wardsec assess: %s\n", !inv ? inv.error().c_str() : !as ? as.error().c_str() : cat.error().c_str());
    return 1;
  }
  auto systems = (*inv)->systems();
  const compliance::System* sys = nullptr;
  if (systems)
    for (const auto& x : *systems)
      if (x.id == a.system) sys = &x;
  if (!sys) {
    std::fprintf(stderr, "wardsec assess: no graded system '%s' in the inventory (wardsec inventory export systems)\n", a.system.c_str());
    return 2;
  }
  if (set) {
    const compliance::Requirement* req = cat->find(a.item);
    if (std::string why = compliance::cannot_assess(sys->level); !why.empty()) {
      std::fprintf(stderr, "wardsec assess: %s: %s (wardsec grade --system %s --record)\n", a.system.c_str(), why.c_str(),
                   a.system.c_str());
      return 2;
    }
    if (!req || !req->applies(sys->level)) {
      std::fprintf(stderr, "wardsec assess: %s is not a catalog item at level %d\n", a.item.c_str(), sys->level);
      return 2;
    }
    auto res = compliance::parse_conformity(a.result);
    auto risk = compliance::parse_risk(a.risk);
    if (!res || !risk) {
      std::fprintf(stderr, "wardsec assess: --result 符合|部分符合|不符合|不适用, --risk 高|中|低 (or empty)\n");
      return 2;
    }
    compliance::AssessmentRecord r{a.system, a.item, *res, *risk, std::nullopt, a.note, a.by, now_ns()};
    if (a.x != -1) r.x = a.x;
    if (std::string why = compliance::check_partial(r.result, r.x); !why.empty()) {
      std::fprintf(stderr, "wardsec assess: --x: %s\n", why.c_str());
      return 2;
    }
    if (Status s = (*as)->record(r); !s) {
      std::fprintf(stderr, "wardsec assess: %s\n", s.error().c_str());
      return 2;
    }
    if (!a.note.empty()) (void)(*as)->add_evidence({a.system, a.item, "note", a.by, a.note, r.at});
    return 0;
  }
  auto cur = (*as)->current(a.system);
  if (!cur) {
    std::fprintf(stderr, "wardsec assess: %s\n", cur.error().c_str());
    return 1;
  }
  for (const auto& r : *cur) {
    auto ev = (*as)->evidence(a.system, r.item);
    auto hist = (*as)->history(a.system, r.item);
    if (a.format == "json") {
      nlohmann::json j{{"system", r.system},
                       {"id", r.item},
                       {"result", compliance::conformity_zh(r.result)},
                       {"note", r.note},
                       {"by", r.by},
                       {"at", format_rfc3339(r.at)},
                       {"changes", hist ? hist->size() : 0}};
      nlohmann::json e = nlohmann::json::array();
      if (ev)
        for (const auto& x : *ev) e.push_back({{"kind", x.kind}, {"source", x.source}, {"text", x.text}, {"at", format_rfc3339(x.at)}});
      j["evidence"] = e;
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("%-10s %-8s %-10s %s (%zu evidence, %zu changes)\n", r.item.c_str(), compliance::conformity_zh(r.result), r.by.c_str(),
                  r.note.c_str(), ev ? ev->size() : 0, hist ? hist->size() : 0);
    }
  }
  return 0;
}

int run_rectify(const Config& cfg, const std::string& action, const AssessArgs& a, const std::string& due, const std::string& plan,
                int64_t id, const std::string& status) {
  auto as = compliance::Assessments::open(DataDir(cfg.data_dir).compliance_db());
  if (!as) {
    std::fprintf(stderr, "wardsec rectify: %s\n", as.error().c_str());
    return 1;
  }
  if (action == "add") {
    auto r = (*as)->add_rectification({0, a.system, a.item, a.note, plan, due, "", a.by, now_ns(), 0, "", ""});
    if (!r) {
      std::fprintf(stderr, "wardsec rectify: %s\n", r.error().c_str());
      return 2;
    }
    std::printf("%lld\n", static_cast<long long>(*r));
    return 0;
  }
  if (action == "status") {
    Status s = (*as)->set_rectification_status(id, status, a.by, now_ns());
    if (!s) {
      std::fprintf(stderr, "wardsec rectify: %s\n", s.error().c_str());
      return 2;
    }
    return 0;
  }
  auto list = (*as)->rectifications(a.system);
  if (!list) {
    std::fprintf(stderr, "wardsec rectify: %s\n", list.error().c_str());
    return 1;
  }
  std::string today = format_rfc3339(now_ns() + static_cast<int64_t>(cfg.tz_sec) * 1000000000LL).substr(0, 10);
  for (const auto& r : *list) {
    bool overdue = r.status != "done" && r.due < today;
    if (a.format == "json") {
      nlohmann::json j{
          {"id", r.id},   {"system", r.system}, {"item", r.item},     {"owner", r.owner},           {"plan", r.plan},
          {"due", r.due}, {"status", r.status}, {"overdue", overdue}, {"created_by", r.created_by}, {"closed_by", r.closed_by}};
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("#%-4lld %-6s %-10s %-11s %-10s%s %s — %s\n", static_cast<long long>(r.id), r.system.c_str(), r.item.c_str(),
                  r.status.c_str(), r.due.c_str(), overdue ? " 已逾期 OVERDUE" : "", r.owner.c_str(), r.plan.c_str());
    }
  }
  return 0;
}

}  // namespace

void add_records_commands(Cli& cli) {
  struct InvArgs {
    std::string kind, file;
  };
  auto inv = std::make_shared<InvArgs>();
  auto* invc = cli.group("inventory", "zones, graded systems and assets: CSV import and export");
  auto* imp = cli.command(invc, "import", "import (upsert) a CSV of zones, systems or assets; all rows are checked first",
                          [inv](Config& cfg) { return run_inventory(cfg, true, inv->kind, inv->file); });
  imp->add_option("kind", inv->kind, "zones, systems or assets")->required()->check(CLI::IsMember({"zones", "systems", "assets"}));
  imp->add_option("file", inv->file, "CSV file (UTF-8, header line)")->required();
  auto* exp = cli.command(invc, "export", "print zones, systems or assets as CSV",
                          [inv](Config& cfg) { return run_inventory(cfg, false, inv->kind, ""); });
  exp->add_option("kind", inv->kind, "zones, systems or assets")->required()->check(CLI::IsMember({"zones", "systems", "assets"}));

  auto aa = std::make_shared<AssessArgs>();
  auto* asc = cli.group("assess", "record and show self-assessment results per graded system (history kept)");
  auto* as_set =
      cli.command(asc, "set", "record the result of one item for a system", [aa](Config& cfg) { return run_assess(cfg, true, *aa); });
  as_set->add_option("--system", aa->system, "graded system id (inventory)")->required();
  as_set->add_option("--item", aa->item, "catalog item id, e.g. CE.IA.b")->required();
  as_set->add_option("--result", aa->result, "符合, 部分符合, 不符合 or 不适用")->required();
  as_set->add_option("--risk", aa->risk, "高, 中 or 低 for a problem");
  as_set->add_option("--x", aa->x, "conformity of a 部分符合 item, 0..1 (default from catalog/scoring.yaml)");
  as_set->add_option("--by", aa->by, "who assessed")->required();
  as_set->add_option("--note", aa->note, "what was seen (kept as evidence)");
  auto* as_show = cli.command(asc, "show", "the current result of every assessed item of a system",
                              [aa](Config& cfg) { return run_assess(cfg, false, *aa); });
  as_show->add_option("--system", aa->system, "graded system id")->required();
  as_show->add_option("--format", aa->format, "table or json")->check(CLI::IsMember({"table", "json"}));

  struct RecArgs {
    std::string due, plan, status;
    int64_t id = 0;
  };
  auto r = std::make_shared<RecArgs>();
  auto* rec = cli.group("rectify", "rectification tasks (整改) for items assessed 不符合 or 部分符合");
  auto* add = cli.command(rec, "add", "open a task for an item whose current result is 不符合 or 部分符合",
                          [aa, r](Config& cfg) { return run_rectify(cfg, "add", *aa, r->due, r->plan, r->id, r->status); });
  add->add_option("--system", aa->system, "graded system id")->required();
  add->add_option("--item", aa->item, "catalog item id")->required();
  add->add_option("--owner", aa->note, "who fixes it")->required();
  add->add_option("--plan", r->plan, "what will be done")->required();
  add->add_option("--due", r->due, "due date, YYYY-MM-DD")->required();
  add->add_option("--by", aa->by, "who opens the task")->required();
  auto* status = cli.command(rec, "status", "move a task to in_progress or done (done needs a conforming re-assessment)",
                             [aa, r](Config& cfg) { return run_rectify(cfg, "status", *aa, r->due, r->plan, r->id, r->status); });
  status->add_option("id", r->id, "task number")->required();
  status->add_option("status", r->status, "open, in_progress or done")->required();
  status->add_option("--by", aa->by, "who")->required();
  auto* list = cli.command(rec, "list", "tasks, overdue ones marked",
                           [aa, r](Config& cfg) { return run_rectify(cfg, "list", *aa, r->due, r->plan, r->id, r->status); });
  list->add_option("--system", aa->system, "only this system");
  list->add_option("--format", aa->format, "table or json")->check(CLI::IsMember({"table", "json"}));
}

}  // namespace wardsec::cli
