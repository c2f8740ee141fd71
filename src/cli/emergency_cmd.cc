// `wardsec emergency ...`: emergency plans and drills from the shell, on the data folder, by
// the same rules as the console (a revision needs a note, a drill finishes only with every step
// recorded, an evaluation with failed steps needs findings). Output is JSON for scripts. Who
// acts is "cli:<login>".
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "emergency/service.h"

namespace wardsec::cli {

namespace {

using json = nlohmann::json;
using namespace wardsec::emergency;

std::string who() { return cli_actor(); }

int fail(const std::string& what) {
  std::fprintf(stderr, "wardsec emergency: %s\n", what.c_str());
  return 1;
}

int print(const json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  return 0;
}

struct Args {
  int64_t id = 0, plan = 0;
  size_t step = 0;
  std::string status, tmpl, lang = "zh", file, note, date, kind = "tabletop", title, result, at, summary, findings, people;
};

int show_plan(Service& s, int64_t id) {
  auto p = s.store().plan(id);
  if (!p) return fail(p.error());
  json j = plan_json(*p), hist = json::array();
  if (auto h = s.store().history(id))
    for (const auto& v : *h)
      hist.push_back({{"version", v.version}, {"kind", v.kind}, {"by", v.by}, {"note", v.note}, {"at", format_rfc3339(v.at)}});
  j["history"] = hist;
  return print(j);
}

int show_drill(Service& s, int64_t id) {
  auto d = s.store().drill(id);
  if (!d) return fail(d.error());
  json j = drill_json(*d), log = json::array();
  if (auto l = s.store().drill_log(id))
    for (const auto& e : *l) log.push_back({{"at", format_rfc3339(e.at)}, {"who", e.who}, {"text", e.text}});
  j["log"] = log;
  return print(j);
}

Result<json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path + ": cannot read"};
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return Error{path + ": not valid JSON"};
  return j;
}

}  // namespace

void add_emergency_commands(Cli& cli) {
  auto a = std::make_shared<Args>();
  auto* grp = cli.group("emergency", "emergency plans and drills (应急预案与演练)");
  auto with = [a](const std::function<int(Service&)>& f) {
    return [f](Config& cfg) {
      auto s = Service::open({cfg.data_dir, resolve_shipped("plans/templates"), cfg.tz_sec});
      if (!s) return fail(s.error());
      return f(**s);
    };
  };
  cli.command(grp, "templates", "the hospital plan templates (JSON)", with([](Service& s) {
                json out = json::array();
                for (const auto& t : s.templates())
                  out.push_back({{"key", t.key}, {"system_kinds", t.system_kinds}, {"zh", t.zh}, {"en", t.en}});
                return print(out);
              }));
  auto* ls = cli.command(grp, "plans", "list plans (JSON)", with([a](Service& s) {
                           auto l = s.store().plans(a->status);
                           if (!l) return fail(l.error());
                           json out = json::array();
                           for (const auto& p : *l) out.push_back(plan_json(p));
                           return print(out);
                         }));
  ls->add_option("--status", a->status, "draft, active or retired");
  cli.command(grp, "plan", "a plan with its versions (JSON)", with([a](Service& s) { return show_plan(s, a->id); }))
      ->add_option("id", a->id, "plan number")
      ->required();
  auto* nw = cli.command(grp, "new", "a plan from a template (--template) or a JSON file (--file)", with([a](Service& s) {
                           Result<Plan> p = Error{"give --template KEY or --file PLAN.json"};
                           if (!a->tmpl.empty())
                             p = s.from_template(a->tmpl, a->lang);
                           else if (!a->file.empty()) {
                             auto j = read_json(a->file);
                             if (!j) return fail(j.error());
                             p = parse_plan(*j);
                           }
                           if (!p) return fail(p.error());
                           auto id = s.store().create_plan(*p, who());
                           if (!id) return fail(id.error());
                           return show_plan(s, *id);
                         }));
  nw->add_option("--template", a->tmpl, "template key (wardsec emergency templates)");
  nw->add_option("--lang", a->lang, "the template's language: zh (default) or en");
  nw->add_option("--file", a->file, "a plan body as JSON (the API's format)");
  auto* ac = cli.command(grp, "activate", "put a plan in force (evidence for its 等保 items)", with([a](Service& s) {
                           if (auto st = s.activate(a->id, a->note, who()); !st) return fail(st.error());
                           return show_plan(s, a->id);
                         }));
  ac->add_option("id", a->id, "plan number")->required();
  ac->add_option("--note", a->note, "approval note (e.g. 院长办公会 2026-11-20 审议通过)");
  auto* rv = cli.command(grp, "review", "record a re-evaluation of a plan (评审, OM.EMG.d)", with([a](Service& s) {
                           if (auto st = s.review(a->id, a->note, who()); !st) return fail(st.error());
                           return show_plan(s, a->id);
                         }));
  rv->add_option("id", a->id, "plan number")->required();
  rv->add_option("--note", a->note, "the review's conclusion")->required();
  cli.command(
      grp, "due", "drills and reviews due per active plan (JSON)", with([](Service& s) {
        auto d = s.store().due(s.options().tz_sec);
        if (!d) return fail(d.error());
        json out = json::array();
        for (const auto& x : *d)
          out.push_back(
              {{"plan", x.plan}, {"title", x.title}, {"what", x.what}, {"due", x.due}, {"overdue", x.overdue}, {"scheduled", x.scheduled}});
        return print(out);
      }));
  auto* dl = cli.command(grp, "drills", "list drills (JSON)", with([a](Service& s) {
                           auto l = s.store().drills(a->plan);
                           if (!l) return fail(l.error());
                           json out = json::array();
                           for (const auto& d : *l) out.push_back(drill_json(d));
                           return print(out);
                         }));
  dl->add_option("--plan", a->plan, "only this plan's");
  cli.command(grp, "drill", "a drill with its steps, findings and log (JSON)", with([a](Service& s) { return show_drill(s, a->id); }))
      ->add_option("id", a->id, "drill number")
      ->required();
  auto* sc = cli.command(grp, "schedule", "schedule a drill of an active plan", with([a](Service& s) {
                           auto id = s.store().schedule_drill(a->plan, a->date, a->kind, a->title, who());
                           if (!id) return fail(id.error());
                           return show_drill(s, *id);
                         }));
  sc->add_option("--plan", a->plan, "plan number")->required();
  sc->add_option("--date", a->date, "YYYY-MM-DD")->required();
  sc->add_option("--kind", a->kind, "tabletop (default), functional or full");
  sc->add_option("--title", a->title, "the drill's name (default: the plan's)");
  // Recording a drill as it happens: start, steps, participants, restored, finish, evaluate.
  auto at = [a]() -> Result<int64_t> {
    int64_t t = 0;
    if (!a->at.empty() && !parse_user_time(a->at, 8 * 3600, t)) return Error{"--at: not a time (RFC 3339, 2026-12-04 08:00, now-10m)"};
    return t;
  };
  auto run = [a, at](const std::function<Status(Service&, int64_t)>& f) {
    return [a, at, f](Service& s) {
      auto t = at();
      if (!t) return fail(t.error());
      if (auto st = f(s, *t); !st) return fail(st.error());
      return show_drill(s, a->id);
    };
  };
  auto* st =
      cli.command(grp, "start", "start a drill", with(run([a](Service& s, int64_t t) { return s.store().start_drill(a->id, t, who()); })));
  auto* sp =
      cli.command(grp, "step", "record a drill step",
                  with(run([a](Service& s, int64_t t) { return s.store().record_step(a->id, a->step, a->result, a->note, t, who()); })));
  sp->add_option("--result", a->result, "ok, failed or skipped")->required();
  sp->add_option("--note", a->note, "what happened (required for failed and skipped)");
  auto* pp = cli.command(grp, "participants", "who took part (JSON list of {name, role})", with(run([a](Service& s, int64_t) -> Status {
                           Drill d;
                           json j = json::parse(a->people, nullptr, false);
                           if (Status r = parse_drill_body(json{{"participants", j}}, d); !r) return r;
                           return s.store().set_participants(a->id, d.participants, who());
                         })));
  pp->add_option("people", a->people, "[{\"name\":\"张伟\",\"role\":\"信息科科长\"}, ...]")->required();
  auto* rs = cli.command(grp, "restored", "service restored (the RTO is measured to it)",
                         with(run([a](Service& s, int64_t t) { return s.store().mark_restored(a->id, t, who()); })));
  auto* fn =
      cli.command(grp, "finish", "end a drill", with(run([a](Service& s, int64_t t) { return s.store().finish_drill(a->id, t, who()); })));
  auto* ev = cli.command(grp, "evaluate", "evaluate a finished drill; findings open rectification tasks",
                         with(run([a](Service& s, int64_t) -> Status {
                           Drill d;
                           json j = a->findings.empty() ? json::array() : json::parse(a->findings, nullptr, false);
                           if (Status r = parse_drill_body(json{{"findings", j}}, d); !r) return r;
                           auto tasks = s.evaluate(a->id, a->summary, d.findings, who());
                           return tasks ? Status{} : Status{Error{tasks.error()}};
                         })));
  ev->add_option("--summary", a->summary, "the evaluation: what went well, what failed")->required();
  ev->add_option("--findings", a->findings, "[{\"text\":...,\"item\":\"OM.EMG.b\",\"owner\":...,\"due\":\"YYYY-MM-DD\"}]");
  for (auto* c : {st, sp, pp, rs, fn, ev}) c->add_option("id", a->id, "drill number")->required();
  sp->add_option("step", a->step, "the step's number (1-based)")->required();
  for (auto* c : {st, sp, rs, fn}) c->add_option("--at", a->at, "when it happened (default now)");
}

}  // namespace wardsec::cli
