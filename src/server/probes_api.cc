// 运行状态: the probes of the clinical systems (ops/probe), their live state, availability and
// outages. The system administrator sets the probes (written to <data>/ops/probes.json, which the
// prober picks up within seconds; every change in the audit trail; SNMP secrets never read
// back); whoever reads the system's health reads their state.
#include <mutex>

#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "ops/probe/availability.h"
#include "ops/probe/spec.h"
#include "report/report.h"
#include "server/api.h"
#include "server/secretbox.h"

namespace wardsec::server {

namespace {

using nlohmann::json;
namespace probe = ops::probe;
constexpr int64_t kDay = 86400;

std::mutex g_file_mu;  // read-modify-write of probes.json

json read_json(const std::string& path, json fallback) {
  auto t = read_file(path);
  if (!t) return fallback;
  auto j = json::parse(*t, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

// The key that seals the probes' SNMP secrets in probes.json (<key_dir>/probes.key).
Result<SecretBox> probe_box(const Api& api) { return SecretBox::load_or_create(api.opt.key_dir, "probes.key"); }

// The probes in force. A probes.json that is not JSON is an error (a change saved over it would
// lose every probe in it), never an empty list.
Result<std::vector<probe::Spec>> load_specs(const Api& api) {
  std::string path = DataDir(api.opt.data_dir).ops_probes();
  auto text = read_file(path);
  json doc = text ? json::parse(*text, nullptr, false) : json{{"probes", json::array()}};
  if (doc.is_discarded()) return Error{path + " 不是 JSON，请修复或移走 / " + path + " is not JSON: fix or move it"};
  auto box = probe_box(api);
  if (!box) return Error{box.error()};
  if (Status o = probe::open_secrets(doc, [&](std::string_view v) { return box->open(v); }); !o) return Error{o.error()};
  return probe::specs_from_json(doc);
}

Status save_specs(const Api& api, const std::vector<probe::Spec>& specs) {
  json arr = json::array();
  for (const auto& s : specs) arr.push_back(probe::spec_to_json(s, true));
  json doc{{"probes", arr}};
  auto box = probe_box(api);
  if (!box) return Error{box.error()};
  probe::seal_secrets(doc, [&](std::string_view v) { return box->seal(v); });
  std::error_code ec;
  std::filesystem::create_directories(DataDir(api.opt.data_dir).ops(), ec);
  return write_file_atomic(DataDir(api.opt.data_dir).ops_probes(), doc.dump(1));
}

// GET: every probe with its live state (the prober's last save), and the prober's own figures.
Response list(Api& api, Request&) {
  auto specs = load_specs(api);
  if (!specs) return fail(500, specs.error());
  json state = read_json(DataDir(api.opt.data_dir).ops_probe_state(), json::object());
  std::map<std::string, json> live;
  if (state.contains("probes") && state["probes"].is_array())
    for (const auto& p : state["probes"])
      if (p.is_object() && p.contains("id") && p["id"].is_string()) live[p["id"].get<std::string>()] = p;
  json out = json::array();
  for (const auto& s : *specs) {
    json j = probe::spec_to_json(s, false);
    auto it = live.find(s.id);
    json st = it != live.end() ? it->second : json::object();
    for (const char* k : {"since", "last", "rtt_ms", "error", "detail", "cause", "cert_days", "recent", "interfaces", "fails"})
      if (st.contains(k)) j[k] = st[k];
    j["state"] = !s.enabled ? "disabled" : st.contains("state") && st["state"] != "disabled" ? st["state"] : json("unknown");
    out.push_back(std::move(j));
  }
  return ok(
      {{"probes", out}, {"prober", state.value("prober", json::object())}, {"saved", state.value("saved", 0)}, {"kinds", probe::kinds()}});
}

// POST (new) and PUT (changed): the probe checked; a secret left out of a change is kept.
Response put(Api& api, Request& r, bool create) {
  auto body = body_object(r);
  if (!body) return fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
  std::lock_guard<std::mutex> l(g_file_mu);
  auto specs = load_specs(api);
  if (!specs) return fail(500, specs.error());
  std::string id = create ? str(*body, "id") : r.params.at(0);
  (*body)["id"] = id;
  auto it = std::find_if(specs->begin(), specs->end(), [&](const probe::Spec& s) { return s.id == id; });
  if (create && it != specs->end()) return fail(409, "探测 " + id + " 已存在 / probe " + id + " exists");
  if (!create && it == specs->end()) return fail(404, "无此探测 / no probe " + id);
  if (!create)
    for (const char* k : {"community", "auth_pass", "priv_pass"})
      if (!body->contains(k)) {
        const auto& old = std::string(k) == "community" ? it->community : std::string(k) == "auth_pass" ? it->auth_pass : it->priv_pass;
        (*body)[k] = old;
      }
  auto s = probe::spec_from_json(*body);
  if (!s) {
    api.audit(r, r.who.user, create ? "probe_create" : "probe_change", false, id, s.error());
    return fail(400, s.error());
  }
  if (specs->size() >= 5000 && create) return fail(400, "探测数量已达上限 5000 / at most 5,000 probes");
  if (create)
    specs->push_back(*s);
  else
    *it = *s;
  if (Status w = save_specs(api, *specs); !w) return fail(500, w.error());
  api.audit(r, r.who.user, create ? "probe_create" : "probe_change", true, id, s->kind + " " + s->target());
  return ok({{"probe", probe::spec_to_json(*s, false)}}, create ? 201 : 200);
}

Response remove(Api& api, Request& r) {
  std::lock_guard<std::mutex> l(g_file_mu);
  auto specs = load_specs(api);
  if (!specs) return fail(500, specs.error());
  std::string id = r.params.at(0);
  auto it = std::find_if(specs->begin(), specs->end(), [&](const probe::Spec& s) { return s.id == id; });
  if (it == specs->end()) return fail(404, "无此探测 / no probe " + id);
  std::string what = it->kind + " " + it->target();
  specs->erase(it);
  if (Status w = save_specs(api, *specs); !w) return fail(500, w.error());
  api.audit(r, r.who.user, "probe_delete", true, id, what);
  return ok({{"deleted", id}});
}

// The period of ?period=day|week|month&date=YYYY-MM-DD (the display time zone; default: the
// one holding now): [from, to) in ns.
Result<std::pair<int64_t, int64_t>> period(const Api& api, Request& r, std::string& name) {
  name = r.query.count("period") ? r.query["period"] : "week";
  int tz = api.opt.tz_sec;
  int64_t now = now_ns() / kSec + tz, day = now / kDay;
  if (r.query.count("date")) {
    int y = 0, m = 0, d = 0;
    if (std::sscanf(r.query["date"].c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
      return Error{"date 须为 YYYY-MM-DD / date must be YYYY-MM-DD"};
    day = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  }
  int64_t from = day, to = day + 1;
  if (name == "week") {
    from = day - weekday_of(day);  // Monday starts the week
    to = from + 7;
  } else if (name == "month") {
    std::string ymd = local_time(day * kDay * kSec, 0);
    int y = std::stoi(ymd.substr(0, 4)), m = std::stoi(ymd.substr(5, 2));
    from = days_from_civil(y, static_cast<unsigned>(m), 1);
    to = m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, static_cast<unsigned>(m + 1), 1);
  } else if (name != "day") {
    return Error{"period 须为 day、week 或 month / period must be day, week or month"};
  }
  return std::pair<int64_t, int64_t>{(from * kDay - tz) * kSec, (to * kDay - tz) * kSec};
}

json outage_json(const probe::Outage& o) {
  return {{"id", o.id},
          {"probe", o.probe},
          {"name", o.name},
          {"system", o.system},
          {"asset", o.asset},
          {"start", o.start / kSec},
          {"end", o.end ? json(o.end / kSec) : json()},
          {"cause", o.cause},
          {"alert_id", o.alert_id}};
}

// GET availability: each system's and probe's availability over the period, its outages, and
// (with ?system= or ?probe=) the daily history of one.
Response availability(Api& api, Request& r) {
  std::string name;
  auto p = period(api, r, name);
  if (!p) return fail(400, p.error());
  std::string path = DataDir(api.opt.data_dir).ops_availability();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return ok({{"period", name},
               {"from", p->first / kSec},
               {"to", p->second / kSec},
               {"systems", json::array()},
               {"probes", json::array()},
               {"outages", json::array()}});
  auto db = probe::AvailabilityDb::open(path);
  if (!db) return fail(500, db.error());
  int64_t now = now_ns();
  auto a = (*db)->availability(p->first, p->second, now);
  if (!a) return fail(500, a.error());
  std::string sys = r.query.count("system") ? r.query["system"] : "";
  auto outs = (*db)->outages(p->first, p->second, sys, 500);
  if (!outs) return fail(500, outs.error());
  json j = *a;
  j["period"] = name;
  j["from"] = p->first / kSec;
  j["to"] = p->second / kSec;
  j["outages"] = json::array();
  for (const auto& o : *outs) j["outages"].push_back(outage_json(o));
  std::string key = !sys.empty() ? sys : r.query.count("probe") ? r.query["probe"] : "";
  if (!key.empty()) {
    int64_t days = (p->second - p->first) / (kDay * kSec);  // 1, 7, or the month's 28-31
    auto d = (*db)->daily(key, sys.empty(), p->second - days * kDay * kSec, p->second, now);
    if (!d) return fail(500, d.error());
    j["daily"] = *d;
  }
  return ok(j);
}

// The 网络系统运行状况分析报告 (HTML or PDF): of the month ?month=YYYY-MM, else of the week holding
// ?week=YYYY-MM-DD (default: last week).
Response weekly_report(Api& api, Request& r) {
  bool monthly = !r.query["month"].empty();
  std::string period = monthly                   ? r.query["month"]
                       : r.query["week"].empty() ? report::previous_week(now_ns(), api.opt.tz_sec)
                                                 : r.query["week"];
  std::string fmt = r.query["format"].empty() ? "html" : r.query["format"];
  if (fmt != "html" && fmt != "pdf") return fail(400, "format 须为 html 或 pdf / format must be html or pdf");
  report::Sources src{api.opt.data_dir, api.opt.catalog_file, api.opt.scoring_file, api.opt.organization, api.opt.tz_sec};
  std::string lang = r.query["lang"] == "en" ? "en" : "zh-CN";
  auto html = monthly ? report::ops_month_html(src, period, lang) : report::ops_week_html(src, period, lang);
  std::string e = html ? std::string() : html.error();
  if (!html) return fail(e.rfind("week:", 0) == 0 || e.rfind("month", 0) == 0 || e.rfind("year", 0) == 0 ? 400 : 500, e);
  std::string name = (monthly ? "ops-month-" : "ops-week-") + period;
  api.audit(r, r.who.user, "export", true, "ops report", name + " " + fmt);
  if (fmt == "html") return {200, *html, "text/html; charset=utf-8"};
  return file_answer([&](const std::string& tmp) { return report::html_to_pdf(*html, tmp); },
                     std::string(monthly ? "运行状况月报-" : "运行状况周报-") + period + ".pdf");
}

}  // namespace

void add_probe_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  t.push_back(
      {"GET", "/api/v1/ops/probes", P::kSystemRead, false, [api](Request& r) { return list(*api, r); },
       "运行状态: the probes (ICMP, TCP, HTTP(S), DNS, database handshakes, SNMP) with their live state and recent response times"});
  t.push_back(
      {"POST", "/api/v1/ops/probes", P::kSettingsWrite, false, [api](Request& r) { return put(*api, r, true); }, "add a probe (audited)"});
  t.push_back({"PUT", "/api/v1/ops/probes/{id}", P::kSettingsWrite, false, [api](Request& r) { return put(*api, r, false); },
               "change a probe; a secret left out is kept (audited)"});
  t.push_back({"DELETE", "/api/v1/ops/probes/{id}", P::kSettingsWrite, false, [api](Request& r) { return remove(*api, r); },
               "remove a probe (audited)"});
  t.push_back({"GET", "/api/v1/ops/availability", P::kSystemRead, false, [api](Request& r) { return availability(*api, r); },
               "availability of each system and probe over a day, week or month, its outages, and a system's daily history"});
  t.push_back(
      {"GET", "/api/v1/ops/report", P::kDashboard, false, [api](Request& r) { return weekly_report(*api, r); },
       "the weekly (?week=) or monthly (?month=YYYY-MM) 网络系统运行状况分析报告 (HTML, PDF): availability, outages, log sources, alerts, "
       "exports, configuration changes, data self-check, rectification, risks"});
}

}  // namespace wardsec::server
