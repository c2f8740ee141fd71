// Incident response's routes: incidents (list, open, read, edit, grade, stage, notes, links),
// the reporting obligations (record a report as made), and the taxonomy. Every change is
// audited into the tamper-evident store; the incident's own timeline says the same in words.
#include "server/incident_api.h"

#include "alert/alert_store.h"
#include "core/timeutil.h"
#include "incident/json.h"
#include "incident/taxonomy.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;
using namespace incident_api;
using namespace wardsec::incident;

Response taxonomy(Api&, Request&) {
  json grades = json::array(), stages = json::array();
  for (int g = 1; g <= 4; ++g) grades.push_back({{"name", grade_name(Grade(g))}, {"zh", grade_zh(Grade(g))}});
  for (int s = 0; s <= 5; ++s) stages.push_back({{"name", stage_name(incident::Stage(s))}, {"zh", stage_zh(incident::Stage(s))}});
  return ok({{"categories", incident::categories_json()}, {"grades", grades}, {"stages", stages}, {"standard", "GB/T 20986-2023"}});
}

Response list(Api& api, Request& r) {
  if (!svc(api)) return off();
  IncidentFilter f;
  f.stage = r.query["stage"];
  f.grade = r.query["grade"];
  f.text = r.query["q"];
  auto l = svc(api)->store().list(f);
  if (!l) return fail(400, l.error());
  int64_t now = svc(api)->store().now();
  json out = json::array();
  for (const auto& i : *l) {
    json j = incident::incident_json(i, now);
    // The clock: the nearest open deadline and how many are overdue.
    auto obs = svc(api)->store().obligations(i.id);
    int overdue = 0;
    json next;
    if (obs)
      for (const auto& o : *obs) {
        if (o.reported_at || o.withdrawn_at) continue;
        if (now >= o.deadline)
          ++overdue;
        else if (next.is_null())
          next = incident::obligation_json(o, now);
      }
    j["overdue"] = overdue;
    if (!next.is_null()) j["next_deadline"] = next;
    out.push_back(std::move(j));
  }
  return ok({{"incidents", out}, {"total", out.size()}});
}

Result<Impact> impact_of(const json& b) {
  if (!b.contains("impact")) return Impact{};
  return parse_impact(b["impact"].dump());
}

Response create(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  NewIncident n;
  n.title = str(*b, "title");
  n.description = str(*b, "description");
  n.subcategory = str(*b, "subcategory");
  n.owner = str(*b, "owner");
  if (auto g = str(*b, "grade"); !g.empty()) {
    auto pg = parse_grade(g);
    if (!pg) return fail(400, "grade must be general, larger, major or special");
    n.grade = *pg;
  }
  if (auto d = str(*b, "discovered"); !d.empty() && !parse_user_time(d, api.opt.tz_sec, n.discovered))
    return fail(400, "discovered: not a time (RFC 3339, a date, or now-2h)");
  auto im = impact_of(*b);
  if (!im) return fail(400, im.error());
  n.impact = *im;
  // Opened from alerts: each is linked, and the first names the incident when it has no title.
  if (b->contains("alerts")) {
    if (!(*b)["alerts"].is_array()) return fail(400, "alerts: a list of alert ids");
    for (const auto& a : (*b)["alerts"]) {
      if (!a.is_number_integer()) return fail(400, "alerts: a list of alert ids");
      int64_t id = a.get<int64_t>();
      if (!api.opt.alerts) return fail(400, "detection is off: there are no alerts to link");
      auto al = api.opt.alerts->get(id);
      if (!al) return fail(400, "alert " + std::to_string(id) + ": " + al.error());
      if (n.title.empty()) n.title = alert::bilingual_title(*al) + (al->asset.empty() ? "" : " @ " + al->asset);
      if (n.source == "manual") n.source = "alert:" + std::to_string(id);
      n.links.push_back({"alert", std::to_string(id), alert::bilingual_title(*al), "", 0});
      if (!al->asset.empty()) n.links.push_back({"asset", al->asset, al->system, "", 0});
    }
  }
  auto id = svc(api)->store().create(n, r.who.user);
  api.audit(r, r.who.user, "incident_open", id.ok(), id ? std::to_string(*id) : "", id ? n.title : id.error());
  if (!id) return fail(400, id.error());
  svc(api)->opened(*id);
  auto inc = svc(api)->store().get(*id);
  if (!inc) return fail(500, inc.error());
  return ok(incident::incident_json(*inc, svc(api)->store().now()), 201);
}

Response read(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such incident");
  auto rec = incident::record_json(svc(api)->store(), *id);
  if (!rec) return fail(404, rec.error());
  json j = std::move(*rec), dels = json::array();
  if (auto d = svc(api)->deliveries(*id))
    for (const auto& x : *d)
      dels.push_back({{"at", format_rfc3339(x.at)},
                      {"channel", x.channel},
                      {"what", x.what},
                      {"ok", x.ok},
                      {"attempts", x.attempts},
                      {"error", x.error}});
  j["deliveries"] = dels;
  return ok(j);
}

Response edit(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such incident");
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  Store::Edit e;
  for (auto [k, f] : {std::pair{"title", &e.title},
                      {"description", &e.description},
                      {"owner", &e.owner},
                      {"subcategory", &e.subcategory},
                      {"summary", &e.summary}}) {
    if (!b->contains(k)) continue;
    if (!(*b)[k].is_string()) return fail(400, std::string(k) + ": a string");
    *f = (*b)[k].get<std::string>();
  }
  if (b->contains("impact")) {
    auto im = impact_of(*b);
    if (!im) return fail(400, im.error());
    e.impact = *im;
  }
  if (b->contains("report")) {
    const json& rep = (*b)["report"];
    if (!rep.is_object()) return fail(400, "report: an object of the form's fields");
    std::map<std::string, std::string> m;
    for (auto it = rep.begin(); it != rep.end(); ++it) {
      if (!it.value().is_string()) return fail(400, "report." + it.key() + ": a string");
      m[it.key()] = it.value().get<std::string>();
    }
    e.report = std::move(m);
  }
  auto st = svc(api)->store().edit(*id, e, r.who.user);
  api.audit(r, r.who.user, "incident_edit", st.ok(), std::to_string(*id), st ? "" : st.error());
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response grade(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto b = body_object(r);
  if (!id || !b) return fail(400, "POST {grade, reason} to /api/v1/incidents/{id}/grade");
  auto g = parse_grade(str(*b, "grade"));
  if (!g || *g == Grade::kUngraded) return fail(400, "grade must be general, larger, major or special");
  auto st = svc(api)->store().set_grade(*id, *g, str(*b, "reason"), r.who.user);
  api.audit(r, r.who.user, "incident_grade", st.ok(), std::to_string(*id), std::string(grade_name(*g)) + (st ? "" : ": " + st.error()));
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response stage(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto b = body_object(r);
  if (!id || !b) return fail(400, "POST {stage, reason} to /api/v1/incidents/{id}/stage");
  auto s = incident::parse_stage(str(*b, "stage"));
  if (!s) return fail(400, "stage must be discovered, triage, containment, recovery, review or closed");
  auto st = svc(api)->store().advance(*id, *s, str(*b, "reason"), r.who.user);
  api.audit(r, r.who.user, "incident_stage", st.ok(), std::to_string(*id), std::string(stage_name(*s)) + (st ? "" : ": " + st.error()));
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response note(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto b = body_object(r);
  if (!id || !b) return fail(400, "POST {text} to /api/v1/incidents/{id}/notes");
  auto st = svc(api)->store().note(*id, str(*b, "text"), r.who.user);
  api.audit(r, r.who.user, "incident_note", st.ok(), std::to_string(*id), st ? "" : st.error());
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response link(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto b = body_object(r);
  if (!id || !b) return fail(400, "POST {kind, ref, note} to /api/v1/incidents/{id}/links");
  Link l{str(*b, "kind"), str(*b, "ref"), str(*b, "note"), "", 0};
  if (l.kind == "alert") {
    int64_t aid = 0;
    if (!parse_i64(l.ref, aid) || !api.opt.alerts || !api.opt.alerts->get(aid)) return fail(400, "alert " + l.ref + " does not exist");
  }
  auto st = svc(api)->store().link(*id, l, r.who.user);
  api.audit(r, r.who.user, "incident_link", st.ok(), std::to_string(*id), l.kind + " " + l.ref + (st ? "" : ": " + st.error()));
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response reported(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto b = body_object(r);
  int64_t ob = 0;
  if (!id || !b || r.params.size() < 2 || !parse_i64(r.params[1], ob))
    return fail(400, "POST {channel, reference} to /api/v1/incidents/{id}/reports/{obligation}");
  auto st = svc(api)->store().reported(*id, ob, str(*b, "channel"), str(*b, "reference"), r.who.user);
  api.audit(r, r.who.user, "incident_reported", st.ok(), std::to_string(*id), "obligation " + r.params[1] + (st ? "" : ": " + st.error()));
  if (!st) return fail(400, st.error());
  return read(api, r);
}

// POST /api/v1/incidents/{id}/checklist/{index} {done, note}: a step of the plan it started from.
Response tick(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto b = body_object(r);
  int64_t idx = 0;
  if (!id || !b || r.params.size() < 2 || !parse_i64(r.params[1], idx) || !b->contains("done") || !(*b)["done"].is_boolean())
    return fail(400, "POST {done: true|false, note} to /api/v1/incidents/{id}/checklist/{index}");
  bool done = (*b)["done"].get<bool>();
  auto st = svc(api)->store().tick(*id, static_cast<int>(std::clamp<int64_t>(idx, 0, 100000)), done, str(*b, "note"), r.who.user);
  api.audit(r, r.who.user, "incident_checklist", st.ok(), std::to_string(*id),
            "step " + r.params[1] + (done ? " done" : " reopened") + (st ? "" : ": " + st.error()));
  if (!st) return fail(400, st.error());
  return read(api, r);
}

}  // namespace

void add_incident_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.insert(
      t.end(),
      {
          {"GET", "/api/v1/incidents/taxonomy", P::kIncidentsRead, false, h(taxonomy), "GB/T 20986-2023 categories, grades and stages"},
          {"GET", "/api/v1/incidents", P::kIncidentsRead, false, h(list), "incidents (?stage=open|<stage>&grade=&q=) with their clock"},
          {"POST", "/api/v1/incidents", P::kIncidentsWrite, false, h(create), "open an incident (by hand or from alerts)"},
      });
  add_incident_routes2(t, api);  // before /{id}: its fixed paths (roster, policy, summary) come first
  t.insert(
      t.end(),
      {
          {"GET", "/api/v1/incidents/{id}", P::kIncidentsRead, false, h(read), "an incident with timeline, links, obligations, deliveries"},
          {"PATCH", "/api/v1/incidents/{id}", P::kIncidentsWrite, false, h(edit),
           "edit title, description, owner, category, impact, summary"},
          {"POST", "/api/v1/incidents/{id}/grade", P::kIncidentsWrite, false, h(grade),
           "set the grade (lower than assessed needs a reason)"},
          {"POST", "/api/v1/incidents/{id}/stage", P::kIncidentsWrite, false, h(stage),
           "move the stage (skipping or going back needs a reason)"},
          {"POST", "/api/v1/incidents/{id}/notes", P::kIncidentsWrite, false, h(note), "add a note to the timeline"},
          {"POST", "/api/v1/incidents/{id}/links", P::kIncidentsWrite, false, h(link), "link an alert, event, asset, recording or finding"},
          {"POST", "/api/v1/incidents/{id}/reports/{obligation}", P::kIncidentsWrite, false, h(reported), "record a report as made"},
          {"POST", "/api/v1/incidents/{id}/checklist/{index}", P::kIncidentsWrite, false, h(tick),
           "tick a step of the plan's checklist done (or reopen it with a note)"},
      });
}

}  // namespace wardsec::server
