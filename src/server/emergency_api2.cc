// Drills' routes (演练): schedule against an active plan, start, record steps with their times,
// participants, the moment service was restored, finish, evaluate (findings open rectification
// tasks; the drill becomes OM.EMG.c evidence), cancel; the drill report. Every change is audited.
#include "compliance/catalog.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "report/report.h"
#include "server/emergency_api.h"

namespace wardsec::server::emergency_api {

namespace {

using json = nlohmann::json;

Response drills(Api& api, Request& r) {
  if (!svc(api)) return off();
  int64_t plan = 0;
  if (!r.query["plan"].empty() && (!parse_i64(r.query["plan"], plan) || plan <= 0)) return fail(400, "plan must be a plan id");
  auto list = svc(api)->store().drills(plan);
  if (!list) return fail(500, list.error());
  json out = json::array();
  for (const auto& d : *list) {
    json j = emergency::drill_json(d);
    if (auto p = svc(api)->store().plan(d.plan)) j["plan_title"] = p->title;
    out.push_back(std::move(j));
  }
  return ok({{"drills", out}, {"total", out.size()}});
}

Result<json> drill_record(Api& api, int64_t id) {
  auto d = svc(api)->store().drill(id);
  if (!d) return Error{d.error()};
  json j = emergency::drill_json(*d), log = json::array();
  auto l = svc(api)->store().drill_log(id);
  if (!l) return Error{l.error()};
  for (const auto& e : *l) log.push_back({{"at", format_rfc3339(e.at)}, {"who", e.who}, {"text", e.text}});
  j["log"] = log;
  if (auto p = svc(api)->store().plan(d->plan)) j["plan_title"] = p->title;
  return j;
}

Response read(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such drill");
  auto j = drill_record(api, *id);
  if (!j) return fail(404, j.error());
  return ok(*j);
}

Response schedule(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto b = body_object(r);
  if (!b || !b->contains("plan") || !(*b)["plan"].is_number_integer()) return fail(400, "POST {plan, date, kind, title}");
  int64_t plan = (*b)["plan"].get<int64_t>();
  std::string kind = str(*b, "kind").empty() ? "tabletop" : str(*b, "kind");
  auto id = svc(api)->store().schedule_drill(plan, str(*b, "date"), kind, str(*b, "title"), r.who.user);
  api.audit(r, r.who.user, "drill_schedule", id.ok(), id ? "drill " + std::to_string(*id) : "plan " + std::to_string(plan),
            id ? str(*b, "date") + " " + kind : id.error());
  if (!id) return fail(400, id.error());
  auto j = drill_record(api, *id);
  if (!j) return fail(500, j.error());
  return ok(*j, 201);
}

// The time a body gives ("at": a user time), 0 when none; false when it does not read.
bool time_of(Api& api, const json& b, int64_t& at) {
  at = 0;
  std::string s = str(b, "at");
  return s.empty() || parse_user_time(s, api.opt.tz_sec, at);
}

// The drill actions that take {at?} or more and answer with the drill.
Response act(Api& api, Request& r, const char* action, const std::function<Status(int64_t, const json&, int64_t)>& f) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such drill");
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  int64_t at = 0;
  if (!time_of(api, *b, at)) return fail(400, "at: not a time (RFC 3339, YYYY-MM-DD HH:MM, or now-10m)");
  Status st = f(*id, *b, at);
  std::string what = r.params.size() > 1 ? "step " + r.params[1] : "";
  api.audit(r, r.who.user, action, st.ok(), "drill " + std::to_string(*id), st ? what : what + (what.empty() ? "" : ": ") + st.error());
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response start(Api& api, Request& r) {
  return act(api, r, "drill_start", [&](int64_t id, const json&, int64_t at) { return svc(api)->store().start_drill(id, at, r.who.user); });
}

Response step(Api& api, Request& r) {
  return act(api, r, "drill_step", [&](int64_t id, const json& b, int64_t at) -> Status {
    int64_t idx = 0;
    if (r.params.size() < 2 || !parse_i64(r.params[1], idx) || idx < 1) return Error{"no such step"};
    return svc(api)->store().record_step(id, static_cast<size_t>(idx), str(b, "result"), str(b, "note"), at, r.who.user);
  });
}

Response participants(Api& api, Request& r) {
  return act(api, r, "drill_participants", [&](int64_t id, const json& b, int64_t) -> Status {
    if (!b.contains("participants")) return Error{"PUT {participants: [{name, role}]}"};
    emergency::Drill d;
    if (Status st = emergency::parse_drill_body(json{{"participants", b["participants"]}}, d); !st) return st;
    return svc(api)->store().set_participants(id, d.participants, r.who.user);
  });
}

Response restored(Api& api, Request& r) {
  return act(api, r, "drill_restored",
             [&](int64_t id, const json&, int64_t at) { return svc(api)->store().mark_restored(id, at, r.who.user); });
}

Response finish(Api& api, Request& r) {
  return act(api, r, "drill_finish",
             [&](int64_t id, const json&, int64_t at) { return svc(api)->store().finish_drill(id, at, r.who.user); });
}

Response cancel(Api& api, Request& r) {
  return act(api, r, "drill_cancel",
             [&](int64_t id, const json& b, int64_t) { return svc(api)->store().cancel_drill(id, str(b, "reason"), r.who.user); });
}

Response evaluate(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such drill");
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  emergency::Drill d;
  if (Status st = emergency::parse_drill_body(json{{"findings", b->value("findings", json::array())}}, d); !st)
    return fail(400, st.error());
  auto cat = compliance::Catalog::load(api.opt.catalog_file);
  if (!cat) return fail(500, cat.error());
  for (const auto& f : d.findings)
    if (!f.item.empty() && !cat->find(f.item)) return fail(400, "findings: '" + f.item + "' is not in the requirement catalog");
  auto tasks = svc(api)->evaluate(*id, str(*b, "summary"), d.findings, r.who.user);
  std::string opened;
  if (tasks)
    for (int64_t t : *tasks) opened += (opened.empty() ? "tasks " : ", ") + std::to_string(t);
  api.audit(r, r.who.user, "drill_evaluate", tasks.ok(), "drill " + std::to_string(*id),
            tasks ? std::to_string(d.findings.size()) + " findings; " + opened : tasks.error());
  if (!tasks) return fail(400, tasks.error());
  return read(api, r);
}

// GET /api/v1/emergency/drills/{id}/report?format=html|pdf&lang=
Response report(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such drill");
  std::string fmt = r.query["format"].empty() ? "html" : r.query["format"];
  if (fmt != "html" && fmt != "pdf") return fail(400, "format must be html or pdf");
  auto j = drill_record(api, *id);
  if (!j) return fail(404, j.error());
  auto p = svc(api)->store().plan((*j)["plan"].get<int64_t>());
  if (!p) return fail(500, p.error());
  auto html = report::drill_report_html(*j, emergency::plan_json(*p), (*j)["log"], api.opt.organization, api.opt.tz_sec,
                                        r.query["lang"] == "en" ? "en" : "zh-CN");
  if (!html) return fail(400, html.error());
  std::string file = "drill-" + std::to_string(*id) + "." + fmt;
  api.audit(r, r.who.user, "export", true, "drill report", file);
  if (fmt == "html") return {200, *html, "text/html; charset=utf-8"};
  return file_answer([&](const std::string& tmp) { return report::html_to_pdf(*html, tmp); }, file);
}

}  // namespace

void add_drill_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.insert(
      t.end(),
      {
          {"GET", "/api/v1/emergency/drills", P::kIncidentsRead, false, h(drills), "drills (?plan=)"},
          {"POST", "/api/v1/emergency/drills", P::kIncidentsWrite, false, h(schedule), "schedule a drill {plan, date, kind, title}"},
          {"GET", "/api/v1/emergency/drills/{id}", P::kIncidentsRead, false, h(read), "a drill with its steps, findings and log"},
          {"POST", "/api/v1/emergency/drills/{id}/start", P::kIncidentsWrite, false, h(start), "start a drill {at?}"},
          {"POST", "/api/v1/emergency/drills/{id}/steps/{index}", P::kIncidentsWrite, false, h(step),
           "record a step {result: ok|failed|skipped, note, at?}"},
          {"PUT", "/api/v1/emergency/drills/{id}/participants", P::kIncidentsWrite, false, h(participants),
           "who took part {participants: [{name, role}]}"},
          {"POST", "/api/v1/emergency/drills/{id}/restored", P::kIncidentsWrite, false, h(restored),
           "service restored {at?} (the RTO is measured to it)"},
          {"POST", "/api/v1/emergency/drills/{id}/finish", P::kIncidentsWrite, false, h(finish), "end a drill {at?}"},
          {"POST", "/api/v1/emergency/drills/{id}/evaluate", P::kIncidentsWrite, false, h(evaluate),
           "evaluate {summary, findings: [{text, item, owner, due}]}; opens rectification tasks"},
          {"POST", "/api/v1/emergency/drills/{id}/cancel", P::kIncidentsWrite, false, h(cancel), "cancel {reason}"},
          {"GET", "/api/v1/emergency/drills/{id}/report", P::kIncidentsRead, false, h(report), "the drill report (?format=html|pdf&lang=)"},
      });
}

}  // namespace wardsec::server::emergency_api
