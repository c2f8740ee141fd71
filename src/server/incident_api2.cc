// Incident response's routes beside the incident itself: evidence bundles (seal, list,
// download), the on-call roster (值班表) and the notification policy as configured (channels
// without their secrets).
#include "bastion/service.h"
#include "core/timeutil.h"
#include "incident/evidence.h"
#include "incident/json.h"
#include "report/report.h"
#include "server/incident_api.h"

namespace wardsec::server::incident_api {

namespace {

using json = nlohmann::json;
using namespace wardsec::incident;

json duty_json(const RosterEntry& e) {
  return {{"id", e.id},
          {"starts", format_rfc3339(e.starts)},
          {"ends", format_rfc3339(e.ends)},
          {"name", e.name},
          {"role", e.role},
          {"phone", e.phone},
          {"mail", e.mail}};
}

Response roster(Api& api, Request& r) {
  if (!svc(api)) return off();
  int64_t from = svc(api)->store().now() - 7LL * 86400 * 1000000000LL, to = 0;
  if (auto v = r.query["from"]; !v.empty() && !parse_user_time(v, api.opt.tz_sec, from)) return fail(400, "from: not a time");
  if (auto v = r.query["to"]; !v.empty() && !parse_user_time(v, api.opt.tz_sec, to)) return fail(400, "to: not a time");
  auto l = svc(api)->roster(from, to);
  if (!l) return fail(500, l.error());
  json out = json::array(), now = json::array();
  for (const auto& e : *l) out.push_back(duty_json(e));
  if (auto d = svc(api)->on_duty(svc(api)->store().now()))
    for (const auto& e : *d) now.push_back(duty_json(e));
  return ok({{"roster", out}, {"on_duty", now}, {"total", out.size()}});
}

Response duty_add(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto b = body_object(r);
  if (!b) return fail(400, "the body must be a JSON object");
  RosterEntry e{0, 0, 0, str(*b, "name"), str(*b, "role"), str(*b, "phone"), str(*b, "mail")};
  if (!parse_user_time(str(*b, "starts"), api.opt.tz_sec, e.starts) || !parse_user_time(str(*b, "ends"), api.opt.tz_sec, e.ends))
    return fail(400, "starts and ends: times (RFC 3339 or 2026-12-04 08:00)");
  auto id = svc(api)->add_duty(e);
  api.audit(r, r.who.user, "incident_roster_add", id.ok(), e.name, id ? str(*b, "starts") + " - " + str(*b, "ends") : id.error());
  if (!id) return fail(400, id.error());
  e.id = *id;
  return ok(duty_json(e), 201);
}

Response duty_remove(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such roster entry");
  auto st = svc(api)->remove_duty(*id);
  api.audit(r, r.who.user, "incident_roster_remove", st.ok(), std::to_string(*id), st ? "" : st.error());
  if (!st) return fail(404, st.error());
  return ok({{"removed", *id}});
}

Response policy(Api& api, Request&) {
  if (!svc(api)) return off();
  const Options& o = svc(api)->options();
  json channels = json::array(), rules = json::array(), bodies = json::array(), auto_open = json::array();
  for (const auto& c : o.channels)
    channels.push_back({{"id", c.id},
                        {"kind", c.kind},
                        {"target", c.kind == "mail" ? json(c.to) : json(alert::url_origin(c.url))},
                        {"signed", !c.secret.empty()}});
  for (const auto& p : o.policy) rules.push_back({{"min_grade", grade_name(p.min_grade)}, {"channels", p.channels}, {"hours", p.hours}});
  // Whom each grade is reported to (一般 only when the hospital added a body for it).
  for (int g = 1; g <= 4; ++g)
    for (const auto& b : bodies_for(o.reporting, Grade(g)))
      bodies.push_back({{"grade", grade_name(Grade(g))},
                        {"id", b.id},
                        {"name_zh", b.name_zh},
                        {"name_en", b.name_en},
                        {"minutes", b.minutes},
                        {"basis", b.basis},
                        {"contact", b.contact}});
  for (const auto& a : o.auto_open)
    auto_open.push_back({{"name", a.name},
                         {"min_level", a.min_level},
                         {"system_level", a.system_level},
                         {"rule", a.rule},
                         {"subcategory", a.subcategory},
                         {"grade", grade_name(a.grade)}});
  return ok({{"operator_type", o.reporting.operator_type},
             {"organization", o.organization},
             {"channels", channels},
             {"policy", rules},
             {"bodies", bodies},
             {"auto_open", auto_open},
             {"working_hours", o.working_hours},
             {"summary_workdays", o.reporting.summary_workdays},
             {"remind_at", o.reporting.remind_at},
             {"final_minutes", o.reporting.final_minutes},
             {"mail_server", alert::url_origin(o.mail.server)}});
}

// Seals a bundle: the window from the body (default: an hour before discovery until now), the
// bastion recordings of sessions to the linked assets in it.
Response evidence_seal(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto b = body_object(r);
  if (!id || !b) return fail(400, "POST {from, to} to /api/v1/incidents/{id}/evidence");
  if (!api.opt.audit_key) return fail(503, "the center's instance key is not available");
  incident::SealInput in;
  in.data_dir = api.opt.data_dir;
  in.alerts = api.opt.alerts;
  in.key = api.opt.audit_key;
  in.who = r.who.user;
  if (auto v = str(*b, "from"); !v.empty() && !parse_user_time(v, api.opt.tz_sec, in.from)) return fail(400, "from: not a time");
  if (auto v = str(*b, "to"); !v.empty() && !parse_user_time(v, api.opt.tz_sec, in.to)) return fail(400, "to: not a time");
  auto inc = svc(api)->store().get(*id);
  if (!inc) return fail(404, inc.error());
  if (api.opt.bastion) {
    auto links = svc(api)->store().links(*id);
    int64_t from = in.from ? in.from : inc->discovered - 3600LL * 1000000000LL, to = in.to ? in.to : svc(api)->store().now() + 1;
    if (links)
      for (const auto& l : *links) {
        if (l.kind == "recording") in.recordings.push_back(l.ref);
        if (l.kind != "asset") continue;
        bastion::SessionFilter f;
        f.asset = l.ref;
        f.from = from;
        f.to = to;
        f.limit = 500;
        if (auto ss = api.opt.bastion->db().sessions(f))
          for (const auto& s : *ss)
            if (!s.recording.empty()) in.recordings.push_back(s.recording);
      }
    std::sort(in.recordings.begin(), in.recordings.end());
    in.recordings.erase(std::unique(in.recordings.begin(), in.recordings.end()), in.recordings.end());
  }
  auto s = incident::seal(svc(api)->store(), *id, in);
  api.audit(r, r.who.user, "incident_evidence_seal", s.ok(), std::to_string(*id),
            s ? s->name + " manifest sha256 " + s->manifest_sha256 : s.error());
  if (!s) return fail(400, s.error());
  return ok({{"name", s->name},
             {"files", s->files},
             {"events", s->events},
             {"alerts", s->alerts},
             {"recordings", s->recordings},
             {"truncated", s->truncated},
             {"manifest_sha256", s->manifest_sha256},
             {"key_fingerprint", api.opt.audit_key->fingerprint()}},
            201);
}

Response evidence_list(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such incident");
  json out = json::array();
  for (const auto& n : incident::bundles(api.opt.data_dir, *id)) {
    auto c = incident::verify_bundle(api.opt.data_dir + "/evidence/" + n, "");
    out.push_back({{"name", n}, {"intact", c.ok}, {"files", c.files}, {"problems", c.problems}, {"key_fingerprint", c.fingerprint}});
  }
  return ok({{"bundles", out}, {"key_fingerprint", api.opt.audit_key ? api.opt.audit_key->fingerprint() : ""}});
}

Response evidence_download(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id || r.params.size() < 2 || !starts_with(r.params[1], "incident-" + std::to_string(*id) + "-")) return fail(404, "no such bundle");
  auto tar = incident::bundle_tar(api.opt.data_dir, r.params[1]);
  api.audit(r, r.who.user, "incident_evidence_export", tar.ok(), std::to_string(*id), r.params[1]);
  if (!tar) return fail(404, tar.error());
  return {200, std::move(*tar), "application/x-tar", {{"Content-Disposition", "attachment; filename=\"" + r.params[1] + ".tar\""}}};
}

// GET /api/v1/incidents/{id}/form?kind=initial|followup|summary&format=html|pdf|xlsx&lang=
Response form(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such incident");
  std::string kind = r.query["kind"].empty() ? "initial" : r.query["kind"];
  std::string fmt = r.query["format"].empty() ? "html" : r.query["format"];
  if (kind != "initial" && kind != "followup" && kind != "summary") return fail(400, "kind must be initial, followup or summary");
  if (fmt != "html" && fmt != "pdf" && fmt != "xlsx") return fail(400, "format must be html, pdf or xlsx");
  auto rec = incident::record_json(svc(api)->store(), *id);
  if (!rec) return fail(404, rec.error());
  const std::string& org = svc(api)->options().organization.empty() ? api.opt.organization : svc(api)->options().organization;
  std::string file = "incident-" + std::to_string(*id) + "-" + kind + "." + fmt;
  api.audit(r, r.who.user, "export", true, "incident report", file);
  if (fmt == "xlsx")
    return file_answer([&](const std::string& tmp) { return report::incident_form_xlsx(*rec, kind, org, api.opt.tz_sec, tmp); }, file);
  auto html = report::incident_form_html(*rec, kind, org, api.opt.tz_sec, r.query["lang"] == "en" ? "en" : "zh-CN");
  if (!html) return fail(400, html.error());
  if (fmt == "html") return {200, *html, "text/html; charset=utf-8"};
  return file_answer([&](const std::string& tmp) { return report::html_to_pdf(*html, tmp); }, file);
}

// GET /api/v1/incidents/summary?year=&quarter=&format=html|pdf&lang= (default: this quarter)
Response quarter(Api& api, Request& r) {
  if (!svc(api)) return off();
  std::string today = local_time(svc(api)->store().now(), api.opt.tz_sec);
  int year = std::stoi(today.substr(0, 4)), q = (std::stoi(today.substr(5, 2)) - 1) / 3 + 1;
  uint64_t v = 0;
  if (!r.query["year"].empty()) {
    if (!parse_u64(r.query["year"], v) || v < 2000 || v > 2100) return fail(400, "year must be between 2000 and 2100");
    year = static_cast<int>(v);
  }
  if (!r.query["quarter"].empty()) {
    if (!parse_u64(r.query["quarter"], v) || v < 1 || v > 4) return fail(400, "quarter must be 1 to 4");
    q = static_cast<int>(v);
  }
  std::string fmt = r.query["format"].empty() ? "html" : r.query["format"];
  if (fmt != "html" && fmt != "pdf") return fail(400, "format must be html or pdf");
  auto html = report::incident_quarter_html(svc(api)->store(), api.opt.organization, year, q, api.opt.tz_sec,
                                            r.query["lang"] == "en" ? "en" : "zh-CN");
  if (!html) return fail(400, html.error());
  std::string file = "incidents-" + std::to_string(year) + "-Q" + std::to_string(q) + ".pdf";
  api.audit(r, r.who.user, "export", true, "incident summary", file);
  if (fmt == "html") return {200, *html, "text/html; charset=utf-8"};
  return file_answer([&](const std::string& tmp) { return report::html_to_pdf(*html, tmp); }, file);
}

}  // namespace

void add_incident_routes2(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.insert(
      t.end(),
      {
          {"GET", "/api/v1/incidents/roster", P::kIncidentsRead, false, h(roster), "the on-call roster (值班表) and who is on duty now"},
          {"POST", "/api/v1/incidents/roster", P::kIncidentsWrite, false, h(duty_add), "add a duty to the roster"},
          {"DELETE", "/api/v1/incidents/roster/{id}", P::kIncidentsWrite, false, h(duty_remove), "remove a duty"},
          {"GET", "/api/v1/incidents/policy", P::kIncidentsRead, false, h(policy),
           "the reporting bodies, channels and notification policy (configuration)"},
          {"GET", "/api/v1/incidents/summary", P::kIncidentsRead, false, h(quarter), "the quarterly incident summary (html or pdf)"},
          {"GET", "/api/v1/incidents/{id}/form", P::kIncidentsRead, false, h(form),
           "the report form: initial, followup or summary; html, pdf or xlsx"},
          {"POST", "/api/v1/incidents/{id}/evidence", P::kIncidentsWrite, false, h(evidence_seal),
           "seal an evidence bundle (signed manifest)"},
          {"GET", "/api/v1/incidents/{id}/evidence", P::kIncidentsRead, false, h(evidence_list),
           "the incident's evidence bundles, each checked"},
          {"GET", "/api/v1/incidents/{id}/evidence/{name}", P::kIncidentsRead, false, h(evidence_download), "a bundle as a tar archive"},
      });
}

}  // namespace wardsec::server::incident_api
