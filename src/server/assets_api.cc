// The assets' routes beyond the inventory (资产核对与档案): discovered against registered (scans and
// log sources side by side, with unregistered and long-unseen assets marked), a discovery scan
// with Nmap started from the console (targets only inside the configured networks), and one
// asset's dossier: its zone, graded system and owner, the services scans saw, the logs it sends,
// its alerts, vulnerabilities, configuration versions and bastion sessions.
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "bastion/service.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "ops/config/watcher.h"
#include "server/api.h"
#include "vuln/discoverer.h"
#include "vuln/reconcile.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

std::string ts(int64_t ns) { return ns ? format_rfc3339(ns) : ""; }

json services_json(const std::vector<vuln::Service>& v) {
  json out = json::array();
  for (const auto& s : v)
    out.push_back({{"port", s.port}, {"proto", s.proto}, {"name", s.name}, {"product", s.product}, {"version", s.version}});
  return out;
}

// What the center saw passively: log sources (ops/sources.json) and the devices of DHCP, ARP and
// neighbour tables (ops/netdevices.json).
std::vector<vuln::LogSource> log_sources(Api& api) {
  std::vector<vuln::LogSource> out;
  auto text = read_file(DataDir(api.opt.data_dir).ops_sources());
  if (!text) return out;
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("sources") || !j["sources"].is_array()) return out;
  for (const auto& s : j["sources"]) {
    if (!s.is_object()) continue;
    int64_t last = 0;
    parse_rfc3339(str(s, "last"), last);
    out.push_back({str(s, "source"), str(s, "address"), last});
  }
  // Devices operations monitoring saw in DHCP leases, ARP tables and switches' neighbour tables.
  if (auto nd = read_file(DataDir(api.opt.data_dir).ops() + "/netdevices.json")) {
    auto n = json::parse(*nd, nullptr, false);
    if (n.is_object() && n.contains("devices") && n["devices"].is_array())
      for (const auto& d : n["devices"])
        if (d.is_object() && !str(d, "ip").empty() && d.contains("last") && d["last"].is_number_integer())
          out.push_back({str(d, "name"), str(d, "ip"), d["last"].get<int64_t>()});
  }
  return out;
}

// Days without a sight before a registered asset is flagged (discovery.unseen_days).
int unseen_days(Api& api) { return api.opt.discovery ? api.opt.discovery->unseen_days() : 30; }

struct Sights {
  std::vector<vuln::AssetSight> rows;
  std::string error;
};

Sights sights(Api& api) {
  Sights s;
  auto assets = vuln::load_assets(DataDir(api.opt.data_dir), vuln::PriorityPolicy{});
  auto st = vuln::Store::open(DataDir(api.opt.data_dir).vulns_db());
  if (!assets || !st) {
    s.error = !assets ? assets.error() : st.error();
    return s;
  }
  auto hosts = (*st)->hosts();
  if (!hosts) {
    s.error = hosts.error();
    return s;
  }
  s.rows = vuln::reconcile(*assets, *hosts, log_sources(api), now_ns(), unseen_days(api));
  return s;
}

json sight_json(const vuln::AssetSight& a) {
  return {{"key", a.key},
          {"asset", a.asset},
          {"ip", a.ip},
          {"hostname", a.hostname},
          {"system", a.system},
          {"zone", a.zone},
          {"type", a.type},
          {"owner", a.owner},
          {"os", a.os},
          {"registered", a.registered},
          {"state", a.state},
          {"scan_seen", ts(a.scan_seen)},
          {"log_seen", ts(a.log_seen)},
          {"services", services_json(a.services)}};
}

Response discovery(Api& api, Request&) {
  auto s = sights(api);
  if (!s.error.empty()) return fail(500, s.error);
  json rows = json::array();
  std::map<std::string, int> counts = {{"ok", 0}, {"unregistered", 0}, {"unseen", 0}, {"never_seen", 0}};
  for (const auto& a : s.rows) {
    rows.push_back(sight_json(a));
    counts[a.state]++;
  }
  json state = api.opt.discovery ? api.opt.discovery->state() : json{{"enabled", false}};
  return ok({{"assets", rows}, {"counts", counts}, {"unseen_days", unseen_days(api)}, {"discovery", state}});
}

Response discovery_scan(Api& api, Request& r) {
  auto j = body_object(r);
  if (!j) return fail(400, "须为 JSON 对象 / a JSON object is required");
  if (!api.opt.discovery) return fail(503, "资产发现在此实例不可用 / discovery is not available in this instance");
  std::vector<std::string> targets;
  if (j->contains("targets") && (*j)["targets"].is_array())
    for (const auto& t : (*j)["targets"])
      if (t.is_string()) targets.push_back(t.get<std::string>());
  Status s = api.opt.discovery->start(targets, r.who.user);
  std::string what;
  for (const auto& t : targets) what += (what.empty() ? "" : " ") + t;
  api.audit(r, r.who.user, "discovery_scan", s.ok(), what.empty() ? "configured networks" : what, s ? "" : s.error());
  if (!s) return fail(s.error().find("already running") != std::string::npos ? 409 : 400, s.error());
  return ok(api.opt.discovery->state(), 202);
}

Response dossier(Api& api, Request& r) {
  const std::string& name = r.params[0];
  auto s = sights(api);
  if (!s.error.empty()) return fail(500, s.error);
  const vuln::AssetSight* a = nullptr;
  for (const auto& x : s.rows)
    if (x.key == name || (!x.asset.empty() && x.asset == name)) a = &x;
  if (!a) return fail(404, "没有此资产 / no such asset: " + name);
  json out = sight_json(*a);
  std::string today = local_today(api);
  // Vulnerabilities.
  auto st = vuln::Store::open(DataDir(api.opt.data_dir).vulns_db());
  if (!st) return fail(500, st.error());
  auto c = (*st)->counts(today, a->key);
  vuln::Filter f;
  f.akey = a->key;
  f.status = "active";
  f.limit = 200;
  auto open = (*st)->findings(f);
  if (!c || !open) return fail(500, !c ? c.error() : open.error());
  json vulns = json::array();
  for (const auto& v : *open)
    vulns.push_back({{"id", v.id},
                     {"title", v.title},
                     {"port", v.port},
                     {"priority", v.priority},
                     {"status", v.status},
                     {"due", v.due},
                     {"cves", v.cves},
                     {"overdue", v.status == "open" && !v.due.empty() && v.due < today}});
  out["vulnerabilities"] = {
      {"open", c->open},
      {"overdue", c->overdue},
      {"fixed", c->fixed},
      {"accepted", c->accepted},
      {"open_by_priority", {c->open_by_priority[0], c->open_by_priority[1], c->open_by_priority[2], c->open_by_priority[3]}},
      {"items", vulns}};
  // Logs it sends (the source monitor's view).
  json logs = json::array();
  for (const auto& src : log_sources(api))
    if ((!a->ip.empty() && src.address == a->ip) || (!a->asset.empty() && src.name == a->asset))
      logs.push_back({{"source", src.name}, {"address", src.address}, {"last", ts(src.last)}});
  out["log_sources"] = logs;
  // Alerts.
  json alerts = json::array();
  if (api.opt.alerts) {
    alert::AlertQuery q;
    q.asset = a->asset.empty() ? a->ip : a->asset;
    q.limit = 20;
    if (auto list = api.opt.alerts->query(q))
      for (const auto& x : *list)
        alerts.push_back({{"id", x.id},
                          {"title", x.rule_title_zh.empty() ? x.rule_title : x.rule_title_zh},
                          {"level", x.level},
                          {"state", alert::state_name(x.state)},
                          {"last", ts(x.last_ts)}});
  }
  out["alerts"] = alerts;
  // Device configurations (network devices whose configuration the center keeps).
  json configs = json::array();
  if (api.opt.configs && !a->asset.empty()) {
    if (auto devs = api.opt.configs->store().devices())
      for (const auto& d : *devs) {
        if (d.asset != a->asset) continue;
        auto vs = api.opt.configs->store().versions(d.id, 1);
        configs.push_back({{"device", d.id},
                           {"name", d.name},
                           {"latest", vs && !vs->empty() ? ts(vs->front().ts) : ""},
                           {"source", vs && !vs->empty() ? vs->front().source : ""}});
      }
  }
  out["configs"] = configs;
  // Bastion sessions on it.
  json sessions = json::array();
  if (api.opt.bastion && !a->asset.empty()) {
    bastion::SessionFilter sf;
    sf.asset = a->asset;
    sf.limit = 20;
    if (auto list = api.opt.bastion->db().sessions(sf))
      for (const auto& x : *list)
        sessions.push_back({{"id", x.id},
                            {"user", x.user},
                            {"account", x.account},
                            {"kind", x.kind},
                            {"state", x.state},
                            {"started", ts(x.started)},
                            {"commands", x.commands},
                            {"denied", x.denied}});
  }
  out["bastion_sessions"] = sessions;
  return ok(out);
}

}  // namespace

void add_asset_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*fn)(Api&, Request&)) { return [api, fn](Request& r) { return fn(*api, r); }; };
  t.push_back({"GET", "/api/v1/assets/discovery", P::kAssetsRead, false, h(discovery), "discovered against registered assets"});
  t.push_back({"POST", "/api/v1/assets/discovery/scan", P::kAssetsWrite, false, h(discovery_scan), "start a discovery scan (Nmap)"});
  t.push_back({"GET", "/api/v1/assets/{name}/dossier", P::kAssetsRead, false, h(dossier), "one asset's dossier"});
}

}  // namespace wardsec::server
