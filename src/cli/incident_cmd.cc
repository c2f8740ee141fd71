// `wardsec incident ...`: the incident record from the shell, on the data folder (the same
// rules as the console: stages cannot be skipped silently, a lower grade needs a reason).
// Output is JSON for scripts. Who acts is "cli:<login>"; the console's API is the path whose
// changes are also audited into the tamper-evident store.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/cli.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "incident/json.h"
#include "incident/service.h"
#include "incident/taxonomy.h"

namespace wardsec::cli {

namespace {

using json = nlohmann::json;
using namespace wardsec::incident;

std::string who() { return cli_actor(); }

int fail(const std::string& what) {
  std::fprintf(stderr, "wardsec incident: %s\n", what.c_str());
  return 1;
}

Result<std::unique_ptr<Store>> open_store(const Config& cfg) {
  std::filesystem::create_directories(cfg.data_dir);
  return Store::open(DataDir(cfg.data_dir).incident_db(), cfg.incident.reporting);
}

int print(const json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  return 0;
}

int show(Store& s, int64_t id) {
  auto rec = record_json(s, id);
  if (!rec) return fail(rec.error());
  return print(*rec);
}

struct Args {
  int64_t id = 0, obligation = 0;
  std::string stage, grade, title, description, subcategory, owner, discovered, reason, text, channel, reference;
};

}  // namespace

void add_incident_commands(Cli& cli) {
  auto a = std::make_shared<Args>();
  auto* grp = cli.group("incident", "incident response (应急响应): incidents, grades, stages, reports");
  auto with = [a](const std::function<int(Store&)>& f) {
    return [a, f](Config& cfg) {
      auto s = open_store(cfg);
      if (!s) return fail(s.error());
      return f(**s);
    };
  };
  auto* ls = cli.command(grp, "list", "list incidents (JSON)", with([a](Store& s) {
                           IncidentFilter f;
                           f.stage = a->stage;
                           f.grade = a->grade;
                           auto l = s.list(f);
                           if (!l) return fail(l.error());
                           json out = json::array();
                           for (const auto& i : *l) out.push_back(incident_json(i, s.now()));
                           return print(out);
                         }));
  ls->add_option("--stage", a->stage, "open, or one of discovered, triage, containment, recovery, review, closed");
  ls->add_option("--grade", a->grade, "general, larger, major or special");
  auto* sh =
      cli.command(grp, "show", "an incident with its timeline and obligations (JSON)", with([a](Store& s) { return show(s, a->id); }));
  sh->add_option("id", a->id, "incident number")->required();
  auto* op = cli.command(grp, "open", "open an incident", with([a](Store& s) {
                           NewIncident n;
                           n.title = a->title;
                           n.description = a->description;
                           n.subcategory = a->subcategory;
                           n.owner = a->owner;
                           if (!a->grade.empty()) {
                             auto g = parse_grade(a->grade);
                             if (!g) return fail("--grade: general, larger, major or special");
                             n.grade = *g;
                           }
                           if (!a->discovered.empty() && !parse_user_time(a->discovered, 8 * 3600, n.discovered))
                             return fail("--discovered: not a time (RFC 3339, 2026-12-04 08:00, now-2h)");
                           auto id = s.create(n, who());
                           if (!id) return fail(id.error());
                           return show(s, *id);
                         }));
  op->add_option("--title", a->title, "what happened")->required();
  op->add_option("--description", a->description, "details");
  op->add_option("--subcategory", a->subcategory, "GB/T 20986-2023 code (wardsec incident taxonomy)");
  op->add_option("--grade", a->grade, "general, larger, major or special (default: from the impact, or left to 研判)");
  op->add_option("--owner", a->owner, "who handles it");
  op->add_option("--discovered", a->discovered, "when it was discovered (default now; the reporting clock starts here)");
  auto* gr = cli.command(grp, "grade", "set the grade", with([a](Store& s) {
                           auto g = parse_grade(a->grade);
                           if (!g) return fail("grade: general, larger, major or special");
                           if (auto st = s.set_grade(a->id, *g, a->reason, who()); !st) return fail(st.error());
                           return show(s, a->id);
                         }));
  gr->add_option("id", a->id, "incident number")->required();
  gr->add_option("grade", a->grade, "general, larger, major or special")->required();
  gr->add_option("--reason", a->reason, "why (required below what the impact assesses)");
  auto* st = cli.command(grp, "stage", "move the stage", with([a](Store& s) {
                           auto to = parse_stage(a->stage);
                           if (!to) return fail("stage: discovered, triage, containment, recovery, review or closed");
                           if (auto r = s.advance(a->id, *to, a->reason, who()); !r) return fail(r.error());
                           return show(s, a->id);
                         }));
  st->add_option("id", a->id, "incident number")->required();
  st->add_option("stage", a->stage, "discovered, triage, containment, recovery, review or closed (or 发现 研判 处置 恢复 总结 关闭)")
      ->required();
  st->add_option("--reason", a->reason, "why (required to skip a stage or go back)");
  auto* nt = cli.command(grp, "note", "add a note to the timeline", with([a](Store& s) {
                           if (auto r = s.note(a->id, a->text, who()); !r) return fail(r.error());
                           return show(s, a->id);
                         }));
  nt->add_option("id", a->id, "incident number")->required();
  nt->add_option("text", a->text, "the note")->required();
  auto* rp = cli.command(grp, "reported", "record a report to a body as made", with([a](Store& s) {
                           if (auto r = s.reported(a->id, a->obligation, a->channel, a->reference, who()); !r) return fail(r.error());
                           return show(s, a->id);
                         }));
  rp->add_option("id", a->id, "incident number")->required();
  rp->add_option("obligation", a->obligation, "the obligation's number (wardsec incident show)")->required();
  rp->add_option("--channel", a->channel, "how: 电话, 网上报送平台, 书面 ...")->required();
  rp->add_option("--reference", a->reference, "the receiver's reference number");
  cli.command(grp, "taxonomy", "the GB/T 20986-2023 categories and subcategory codes (JSON)",
              [](Config&) { return print(categories_json()); });
}

}  // namespace wardsec::cli
