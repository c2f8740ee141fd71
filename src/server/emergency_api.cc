// Emergency plans' routes (应急预案): the shipped templates, the plan library (create from a
// template or by hand, revise with a note, activate or retire, re-evaluate), what is due, and
// starting an incident from a plan (its steps become the incident's checklist). Drills are in
// emergency_api2.cc. Every change is audited into the tamper-evident store.
#include "server/emergency_api.h"

#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "incident/json.h"
#include "incident/service.h"
#include "incident/taxonomy.h"

namespace wardsec::server {

namespace emergency_api {

using json = nlohmann::json;

Status check_refs(Api& api, const emergency::Plan& p) {
  if (!p.subcategory.empty() && !incident::find_subcategory(p.subcategory))
    return Error{"plan.subcategory: '" + p.subcategory + "' is not a GB/T 20986-2023 code (GET /api/v1/incidents/taxonomy)"};
  auto cat = compliance::Catalog::load(api.opt.catalog_file);
  if (!cat) return Error{cat.error()};
  for (const auto& i : p.items)
    if (!cat->find(i)) return Error{"plan.items: '" + i + "' is not in the requirement catalog"};
  if (p.systems.empty()) return {};
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!inv) return Error{inv.error()};
  auto sys = (*inv)->systems();
  if (!sys) return Error{sys.error()};
  for (const auto& id : p.systems)
    if (std::none_of(sys->begin(), sys->end(), [&](const compliance::System& s) { return s.id == id; }))
      return Error{"plan.systems: '" + id + "' is not a graded system in the inventory"};
  return {};
}

}  // namespace emergency_api

namespace {

using json = nlohmann::json;
using namespace emergency_api;

Response templates(Api& api, Request&) {
  if (!svc(api)) return off();
  json out = json::array();
  for (const auto& t : svc(api)->templates()) out.push_back({{"key", t.key}, {"system_kinds", t.system_kinds}, {"zh", t.zh}, {"en", t.en}});
  return ok({{"templates", out}});
}

// Each plan with its next drill and review dates.
Response plans(Api& api, Request& r) {
  if (!svc(api)) return off();
  const std::string& status = r.query["status"];
  if (!status.empty() && status != "draft" && status != "active" && status != "retired")
    return fail(400, "status must be draft, active or retired");
  auto list = svc(api)->store().plans(status);
  if (!list) return fail(500, list.error());
  auto due = svc(api)->store().due(api.opt.tz_sec);
  if (!due) return fail(500, due.error());
  json out = json::array();
  for (const auto& p : *list) {
    json j = emergency::plan_json(p);
    for (const auto& d : *due)
      if (d.plan == p.id)
        j[d.what == "drill" ? "next_drill" : "next_review"] = {{"due", d.due}, {"overdue", d.overdue}, {"scheduled", d.scheduled}};
    out.push_back(std::move(j));
  }
  return ok({{"plans", out}, {"total", out.size()}});
}

Response create(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  Result<emergency::Plan> p = Error{""};
  if (b->contains("template")) {
    std::string lang = str(*b, "lang").empty() ? "zh" : str(*b, "lang");
    p = svc(api)->from_template(str(*b, "template"), lang);
  } else {
    p = emergency::parse_plan(*b);
  }
  if (!p) return fail(400, p.error());
  if (Status st = check_refs(api, *p); !st) return fail(400, st.error());
  auto id = svc(api)->store().create_plan(*p, r.who.user);
  api.audit(r, r.who.user, "plan_create", id.ok(), id ? "plan " + std::to_string(*id) : "", id ? p->title : id.error());
  if (!id) return fail(400, id.error());
  auto got = svc(api)->store().plan(*id);
  if (!got) return fail(500, got.error());
  return ok(emergency::plan_json(*got), 201);
}

Response read(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such plan");
  auto p = svc(api)->store().plan(*id);
  if (!p) return fail(404, p.error());
  json j = emergency::plan_json(*p), hist = json::array(), drills = json::array();
  auto h = svc(api)->store().history(*id);
  if (!h) return fail(500, h.error());
  for (const auto& v : *h)
    hist.push_back(
        {{"version", v.version}, {"kind", v.kind}, {"by", v.by}, {"note", v.note}, {"at", format_rfc3339(v.at)}, {"body", v.body}});
  auto d = svc(api)->store().drills(*id);
  if (!d) return fail(500, d.error());
  for (const auto& x : *d) drills.push_back(emergency::drill_json(x));
  auto systems = svc(api)->systems_of(*p);
  j["history"] = hist;
  j["drills"] = drills;
  j["covers"] = systems ? json(*systems) : json::array();
  return ok(j);
}

Response revise(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such plan");
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  auto p = emergency::parse_plan(*b);
  if (!p) return fail(400, p.error());
  if (Status st = check_refs(api, *p); !st) return fail(400, st.error());
  Status st = svc(api)->revise(*id, *p, str(*b, "note"), r.who.user);
  api.audit(r, r.who.user, "plan_revise", st.ok(), "plan " + std::to_string(*id), st ? str(*b, "note") : st.error());
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response status(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such plan");
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  std::string to = str(*b, "status"), note = str(*b, "note");
  Status st = to == "active" ? svc(api)->activate(*id, note, r.who.user) : svc(api)->store().set_plan_status(*id, to, note, r.who.user);
  api.audit(r, r.who.user, "plan_status", st.ok(), "plan " + std::to_string(*id), to + (st ? "" : ": " + st.error()));
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response review(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such plan");
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  Status st = svc(api)->review(*id, str(*b, "note"), r.who.user);
  api.audit(r, r.who.user, "plan_review", st.ok(), "plan " + std::to_string(*id), st ? str(*b, "note") : st.error());
  if (!st) return fail(400, st.error());
  return read(api, r);
}

Response due(Api& api, Request&) {
  if (!svc(api)) return off();
  auto d = svc(api)->store().due(api.opt.tz_sec);
  if (!d) return fail(500, d.error());
  json out = json::array();
  for (const auto& x : *d)
    out.push_back({{"plan", x.plan},
                   {"title", x.title},
                   {"what", x.what},
                   {"due", x.due},
                   {"overdue", x.overdue},
                   {"scheduled", x.scheduled},
                   {"scheduled_on", x.scheduled_on}});
  return ok({{"due", out}});
}

// POST /api/v1/emergency/plans/{id}/incident {title?, description?, discovered?, owner?}: an
// incident started from an active plan, with the plan's category and its steps as the checklist.
Response start_incident(Api& api, Request& r) {
  if (!svc(api)) return off();
  if (!api.opt.incidents) return fail(404, "应急响应未启用 / incident response is not running");
  auto id = id_param(r);
  if (!id) return fail(404, "no such plan");
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  auto p = svc(api)->store().plan(*id);
  if (!p) return fail(404, p.error());
  if (p->status != "active") return fail(400, "plan " + std::to_string(*id) + " is " + p->status + "; incidents start from active plans");
  incident::NewIncident n;
  n.title = str(*b, "title").empty() ? p->title : str(*b, "title");
  n.description = str(*b, "description");
  n.owner = str(*b, "owner");
  n.subcategory = p->subcategory;
  n.source = "plan:" + std::to_string(p->id);
  n.plan = p->id;
  if (auto d = str(*b, "discovered"); !d.empty() && !parse_user_time(d, api.opt.tz_sec, n.discovered))
    return fail(400, "discovered: not a time (RFC 3339, a date, or now-2h)");
  for (const auto& s : p->steps) n.checklist.push_back({0, s.title, s.owner, s.detail, s.minutes, 0, "", ""});
  auto inc = api.opt.incidents->store().create(n, r.who.user);
  api.audit(r, r.who.user, "incident_open", inc.ok(), inc ? std::to_string(*inc) : "",
            inc ? n.title + " (plan " + std::to_string(p->id) + " v" + std::to_string(p->version) + ")" : inc.error());
  if (!inc) return fail(400, inc.error());
  api.opt.incidents->opened(*inc);
  auto rec = incident::record_json(api.opt.incidents->store(), *inc);
  if (!rec) return fail(500, rec.error());
  return ok(*rec, 201);
}

}  // namespace

void add_emergency_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.insert(
      t.end(),
      {
          {"GET", "/api/v1/emergency/templates", P::kIncidentsRead, false, h(templates), "the hospital plan templates (zh, en)"},
          {"GET", "/api/v1/emergency/due", P::kIncidentsRead, false, h(due), "drills and reviews due per active plan"},
          {"GET", "/api/v1/emergency/plans", P::kIncidentsRead, false, h(plans), "emergency plans (?status=) with next drill and review"},
          {"POST", "/api/v1/emergency/plans", P::kIncidentsWrite, false, h(create), "a plan from a template {template, lang} or a body"},
          {"GET", "/api/v1/emergency/plans/{id}", P::kIncidentsRead, false, h(read), "a plan with its versions and drills"},
          {"PUT", "/api/v1/emergency/plans/{id}", P::kIncidentsWrite, false, h(revise), "revise a plan (a new version; note required)"},
          {"POST", "/api/v1/emergency/plans/{id}/status", P::kIncidentsWrite, false, h(status), "activate, set back to draft or retire"},
          {"POST", "/api/v1/emergency/plans/{id}/review", P::kIncidentsWrite, false, h(review), "record a re-evaluation (评审)"},
          {"POST", "/api/v1/emergency/plans/{id}/incident", P::kIncidentsWrite, false, h(start_incident),
           "open an incident from the plan (its steps become the checklist)"},
      });
  emergency_api::add_drill_routes(t, api);
}

}  // namespace wardsec::server
