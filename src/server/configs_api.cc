// 配置变更: the configuration record of network and security devices (ops/config). The system
// administrator registers devices (each with a host account of the bastion's vault to fetch
// with), asks for a fetch, uploads a configuration, and files change tickets before a change;
// the security administrator sets the weekly change windows; whoever reads the system's health
// reads the versions and their diffs (secrets masked when kept). Every change in the audit trail.
#include "core/timeutil.h"
#include "ops/config/text.h"
#include "ops/config/watcher.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using nlohmann::json;
namespace cfg = ops::config;

Response no_watcher() { return fail(503, "配置变更记录未启用 / the configuration record is not running"); }

// GET: the devices with their latest version and waiting change lines; the policy; the tickets.
Response list(Api& api, Request&) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  auto devs = w->store().devices();
  if (!devs) return fail(500, devs.error());
  json out = json::array();
  for (const auto& d : *devs) {
    json j = cfg::to_json(d);
    auto v = w->store().latest(d.id, false);
    j["latest"] = v && *v ? cfg::to_json(**v) : json();
    auto p = w->store().pending(d.id);
    j["pending"] = p ? p->size() : 0;
    out.push_back(std::move(j));
  }
  auto ws = w->store().windows();
  auto ts = w->store().tickets();
  json tickets = json::array();
  if (ts)
    for (const auto& t : *ts) tickets.push_back(cfg::to_json(t));
  auto st = w->stats();
  return ok(
      {{"devices", out},
       {"windows", ws ? cfg::windows_to_json(*ws) : json::array()},
       {"debounce_seconds", w->debounce_seconds()},
       {"tickets", tickets},
       {"stats",
        {{"lines", st.lines}, {"dropped", st.dropped}, {"fetches", st.fetches}, {"failures", st.failures}, {"versions", st.versions}}}});
}

// POST (new) and PUT (changed) a device.
Response put(Api& api, Request& r, bool create) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  auto body = body_object(r);
  if (!body) return fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
  std::string id = create ? str(*body, "id") : r.params.at(0);
  (*body)["id"] = id;
  auto d = cfg::device_from_json(*body);
  const char* action = create ? "config_device_create" : "config_device_change";
  if (!d) {
    api.audit(r, r.who.user, action, false, id, d.error());
    return fail(400, d.error());
  }
  if (d->account) {
    if (Status a = w->check_account(d->account); !a) {
      api.audit(r, r.who.user, action, false, id, a.error());
      return fail(400, a.error());
    }
  }
  auto old = w->store().device(id);
  if (create && old) return fail(409, "设备 " + id + " 已存在 / device " + id + " exists");
  if (!create && !old) return fail(404, "无此设备 / no device " + id);
  if (create) {
    auto n = w->store().devices();
    if (n && n->size() >= 5000) return fail(400, "设备数量已达上限 5000 / at most 5,000 devices");
    d->created = now_ns();
  }
  Status s = create ? w->store().add_device(*d) : w->store().update_device(*d);
  if (!s) return fail(500, s.error());
  w->devices_changed();
  api.audit(r, r.who.user, action, true, id,
            d->asset + " " + d->mode + " " + d->command + (d->account ? " account " + std::to_string(d->account) : ""));
  return ok({{"device", cfg::to_json(*d)}}, create ? 201 : 200);
}

Response remove(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  std::string id = r.params.at(0);
  auto d = w->store().device(id);
  if (!d) return fail(404, d.error());
  if (Status s = w->store().remove_device(id); !s) return fail(500, s.error());
  w->devices_changed();
  api.audit(r, r.who.user, "config_device_delete", true, id, d->asset + "（其版本保留 / its versions are kept）");
  return ok({{"deleted", id}});
}

Response fetch_now(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  std::string id = r.params.at(0);
  auto d = w->store().device(id);
  if (!d) return fail(404, d.error());
  if (!d->account) return fail(400, "该设备未设置登录账号，请上传配置 / the device has no login account: upload its configuration");
  w->request(id, r.who.user);
  api.audit(r, r.who.user, "config_fetch", true, id, d->asset);
  return ok({{"queued", id}}, 202);
}

Response upload(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  std::string id = r.params.at(0);
  auto body = body_object(r);
  if (!body || !(*body)["content"].is_string())
    return fail(400, "请求体须为 {\"content\": \"...\", \"note\": \"...\"} / the body must be {content, note}");
  auto v = w->upload(id, (*body)["content"].get<std::string>(), r.who.user, str(*body, "note"), now_ns());
  if (!v) {
    api.audit(r, r.who.user, "config_upload", false, id, v.error());
    return fail(v.error().rfind("无此设备", 0) == 0 ? 404 : 400, v.error());
  }
  api.audit(r, r.who.user, "config_upload", true, id, *v ? "version " + std::to_string((*v)->id) : "unchanged");
  if (!*v) return ok({{"unchanged", true}});
  return ok({{"version", cfg::to_json(**v)}}, 201);
}

Response versions(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  auto vs = w->store().versions(r.params.at(0));
  if (!vs) return fail(500, vs.error());
  json out = json::array();
  for (const auto& v : *vs) out.push_back(cfg::to_json(v));
  auto p = w->store().pending(r.params.at(0));
  json pending = json::array();
  if (p)
    for (const auto& t : *p)
      pending.push_back({{"ts", t.ts / kSec}, {"user", t.user}, {"ip", t.ip}, {"action", t.action}, {"command", t.command}});
  return ok({{"versions", out}, {"pending", pending}});
}

Response version(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  auto id = id_param(r);
  if (!id) return fail(400, "版本编号无效 / bad version id");
  auto v = w->store().version(*id, true);
  if (!v) return fail(404, v.error());
  return ok({{"version", cfg::to_json(*v)}});
}

// The diff of a version against ?against= (default: the device's version before it).
Response version_diff(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  auto id = id_param(r);
  if (!id) return fail(400, "版本编号无效 / bad version id");
  auto b = w->store().version(*id, true);
  if (!b) return fail(404, b.error());
  cfg::Version a;
  if (r.query.count("against")) {
    int64_t other = std::atoll(r.query["against"].c_str());
    auto x = w->store().version(other, true);
    if (!x) return fail(404, x.error());
    if (x->device != b->device) return fail(400, "两个版本不属于同一设备 / the versions belong to different devices");
    a = std::move(*x);
  } else {
    auto all = w->store().versions(b->device, 100000);
    if (!all) return fail(500, all.error());
    for (const auto& v : *all)
      if (v.id < b->id) {
        auto x = w->store().version(v.id, true);
        if (x) a = std::move(*x);
        break;
      }
  }
  cfg::Diff d = cfg::diff(a.content, b->content, a.id ? "version " + std::to_string(a.id) : "(none)", "version " + std::to_string(b->id));
  return ok({{"from", a.id}, {"to", b->id}, {"diff", d.text}, {"added", d.added}, {"removed", d.removed}, {"truncated", d.truncated}});
}

// Changes of every device in ?from=&to= (user times; default the last 7 days).
Response changes(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  int64_t to = now_ns(), from = to - 7 * 86400 * kSec;
  if (r.query.count("from") && !parse_user_time(r.query["from"], api.opt.tz_sec, from))
    return fail(400, "from 不是可识别的时间 / from is not a time");
  if (r.query.count("to") && !parse_user_time(r.query["to"], api.opt.tz_sec, to))
    return fail(400, "to 不是可识别的时间 / to is not a time");
  auto cs = w->store().changes(from, to);
  if (!cs) return fail(500, cs.error());
  json out = json::array();
  for (const auto& v : *cs) out.push_back(cfg::to_json(v));
  return ok({{"changes", out}});
}

Response add_ticket(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  auto body = body_object(r);
  if (!body) return fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
  auto t = cfg::ticket_from_json(*body, api.opt.tz_sec);
  if (!t) {
    api.audit(r, r.who.user, "change_ticket_create", false, str(*body, "id"), t.error());
    return fail(400, t.error());
  }
  int64_t now = now_ns();
  // A ticket plans a change: it cannot be filed afterwards to cover one already made.
  if (t->starts < now - 5 * 60 * kSec) {
    api.audit(r, r.who.user, "change_ticket_create", false, t->id, "starts in the past");
    return fail(
        400,
        "变更单的开始时间不能早于现在（不可补登已发生的变更）/ a ticket cannot start in the past (it cannot cover a change already made)");
  }
  t->by = r.who.user;
  t->created = now;
  if (Status s = w->store().add_ticket(*t); !s)
    return fail(s.error().find("UNIQUE") != std::string::npos ? 409 : 500,
                s.error().find("UNIQUE") != std::string::npos ? "变更单号已存在 / the ticket exists" : s.error());
  api.audit(r, r.who.user, "change_ticket_create", true, t->id,
            t->title + " " + json(t->devices).dump() + " " + format_rfc3339(t->starts) + " – " + format_rfc3339(t->ends));
  return ok({{"ticket", cfg::to_json(*t)}}, 201);
}

// The security administrator approves a ticket (三员): until then it covers no change.
Response approve_ticket(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  std::string id = r.params.at(0);
  Status s = w->store().approve_ticket(id, r.who.user, now_ns());
  api.audit(r, r.who.user, "change_ticket_approve", bool(s), id, s ? "" : s.error());
  if (!s) return fail(409, s.error());
  return ok({{"approved", id}});
}

Response remove_ticket(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  std::string id = r.params.at(0);
  auto ts = w->store().tickets();
  if (!ts) return fail(500, ts.error());
  auto it = std::find_if(ts->begin(), ts->end(), [&](const cfg::Ticket& t) { return t.id == id; });
  if (it == ts->end()) return fail(404, "无此变更单 / no ticket " + id);
  if (it->starts <= now_ns()) return fail(409, "变更单已开始，作为记录保留 / the ticket has started and is kept as a record");
  if (Status s = w->store().remove_ticket(id); !s) return fail(500, s.error());
  api.audit(r, r.who.user, "change_ticket_delete", true, id, it->title);
  return ok({{"deleted", id}});
}

// PUT the change policy: the weekly windows and the quiet time before a fetch.
Response put_policy(Api& api, Request& r) {
  auto* w = api.opt.configs;
  if (!w) return no_watcher();
  auto body = body_object(r);
  if (!body) return fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
  std::string detail;
  if (body->contains("windows")) {
    auto ws = cfg::windows_from_json((*body)["windows"]);
    if (!ws) {
      api.audit(r, r.who.user, "change_policy_change", false, "windows", ws.error());
      return fail(400, ws.error());
    }
    if (Status s = w->store().set_windows(*ws); !s) return fail(500, s.error());
    detail += "windows " + cfg::windows_to_json(*ws).dump();
  }
  if (body->contains("debounce_seconds")) {
    const json& d = (*body)["debounce_seconds"];
    if (!d.is_number_integer() || d.get<int>() < 0 || d.get<int>() > 3600)
      return fail(400, "debounce_seconds 须为 0–3600 的整数 / debounce_seconds must be an integer 0-3600");
    if (Status s = w->store().set_meta("debounce", std::to_string(d.get<int>())); !s) return fail(500, s.error());
    detail += (detail.empty() ? "" : "; ") + std::string("debounce ") + std::to_string(d.get<int>()) + " s";
  }
  api.audit(r, r.who.user, "change_policy_change", true, "configs", detail);
  return list(api, r);
}

}  // namespace

void add_config_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto R = [&](const char* m, const char* p, Perm perm, Response (*h)(Api&, Request&), const char* what, bool large = false) {
    t.push_back({m, p, perm, false, [api, h](Request& r) { return h(*api, r); }, what, large});
  };
  R("GET", "/api/v1/ops/configs", P::kSystemRead, list,
    "配置变更: devices whose running configuration is kept, the change windows and tickets");
  t.push_back({"POST", "/api/v1/ops/configs", P::kSettingsWrite, false, [api](Request& r) { return put(*api, r, true); },
               "register a device (asset, bastion host account, command; audited)"});
  t.push_back({"PUT", "/api/v1/ops/configs/{id}", P::kSettingsWrite, false, [api](Request& r) { return put(*api, r, false); },
               "change a device (audited)"});
  R("DELETE", "/api/v1/ops/configs/{id}", P::kSettingsWrite, remove, "remove a device; its versions are kept (audited)");
  R("POST", "/api/v1/ops/configs/{id}/fetch", P::kSettingsWrite, fetch_now, "fetch the device's configuration now over SSH (audited)");
  R("POST", "/api/v1/ops/configs/{id}/upload", P::kSettingsWrite, upload, "hand in a configuration as text (audited)", true);
  R("GET", "/api/v1/ops/configs/{id}/versions", P::kSystemRead, versions,
    "a device's versions and the change lines waiting for its next fetch");
  R("GET", "/api/v1/ops/config-versions/{id}", P::kSystemRead, version, "one version with its text (secrets masked)");
  R("GET", "/api/v1/ops/config-versions/{id}/diff", P::kSystemRead, version_diff, "a version against the one before it or ?against=");
  R("GET", "/api/v1/ops/config-changes", P::kSystemRead, changes, "configuration changes of all devices in ?from=&to=");
  R("POST", "/api/v1/ops/change-tickets", P::kSettingsWrite, add_ticket, "file a change ticket (变更单) before a change (audited)");
  R("DELETE", "/api/v1/ops/change-tickets/{id}", P::kSettingsWrite, remove_ticket, "withdraw a ticket that has not started (audited)");
  R("POST", "/api/v1/ops/change-tickets/{id}/approve", P::kAssetsWrite, approve_ticket,
    "the security administrator approves a ticket; only approved tickets cover changes made after the approval (audited)");
  R("PUT", "/api/v1/ops/change-policy", P::kAssetsWrite, put_policy,
    "the weekly change windows and the quiet time before a fetch (audited)");
}

}  // namespace wardsec::server
