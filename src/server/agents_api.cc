// The host agents' routes (主机代理管理): the agents with their state, a host's dossier
// (integrity events, inventory and its changes, host checks, trusted verification, responses),
// enrolment tokens, groups and their signed configurations, revocation, the active-response
// policy and actions. The system administrator manages enrolment and configuration; the
// security administrator enables and runs responses and adopts trusted baselines (三员).
#include <nlohmann/json.hpp>

#include "core/timeutil.h"
#include "fleet/service.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

Response need_fleet(Api& api) { return fail(404, "主机代理未启用 / the host agents are not enabled"); }

json body_of(const Request& r) {
  json j = json::parse(r.body, nullptr, false);
  return j.is_object() ? j : json::object();
}

Response status_result(Api& api, Request& r, const char* action, const Status& s, const std::string& target) {
  api.audit(r, r.who.user, action, s.ok(), target, s ? "" : s.error());
  if (!s) return fail(400, s.error());
  return ok({{"ok", true}});
}

Response list(Api& api, Request&) { return {200, api.opt.fleet->agents_json(now_ns())}; }

Response one(Api& api, Request& r) {
  auto d = api.opt.fleet->dossier_json(r.params[0], now_ns());
  if (!d) return fail(404, d.error());
  return {200, *d};
}

Response revoke(Api& api, Request& r) {
  return status_result(api, r, "agent_revoke", api.opt.fleet->revoke(r.params[0], str(body_of(r), "reason"), r.who.user), r.params[0]);
}

Response move(Api& api, Request& r) {
  return status_result(api, r, "agent_move", api.opt.fleet->move(r.params[0], str(body_of(r), "group"), r.who.user), r.params[0]);
}

Response adopt(Api& api, Request& r) {
  return status_result(api, r, "agent_trusted_adopt", api.opt.fleet->adopt_trusted(r.params[0], r.who.user), r.params[0]);
}

Response respond(Api& api, Request& r) {
  json b = body_of(r);
  std::string args = b.contains("args") && b["args"].is_object() ? b["args"].dump() : "{}";
  auto id = api.opt.fleet->respond(r.params[0], str(b, "action"), args, str(b, "reason"), r.who.user);
  api.audit(r, r.who.user, "agent_response", id.ok(), r.params[0], id ? str(b, "action") + " " + args : id.error());
  if (!id) return fail(400, id.error());
  return ok({{"id", *id}});
}

Response tokens(Api& api, Request&) {
  json out = json::array();
  for (const auto& t : api.opt.fleet->registry().tokens())
    out.push_back({{"id", t.id},
                   {"group", t.group},
                   {"label", t.label},
                   {"by", t.by},
                   {"created", t.created},
                   {"expires", t.expires},
                   {"uses_left", t.uses_left},
                   {"used", t.used},
                   {"revoked", t.revoked}});
  return ok({{"tokens", out}, {"ca_fingerprint", api.opt.fleet->ca().fingerprint()}});
}

Response add_token(Api& api, Request& r) {
  json b = body_of(r);
  int64_t uses = b.contains("uses") && b["uses"].is_number_integer() ? b["uses"].get<int64_t>() : 1;
  int days =
      b.contains("days") && b["days"].is_number_integer() ? static_cast<int>(std::clamp<int64_t>(b["days"].get<int64_t>(), -1, 1000)) : 7;
  std::string group = str(b, "group").empty() ? "default" : str(b, "group");
  // The token itself is shown once and never written to the audit trail.
  auto t = api.opt.fleet->add_token(group, str(b, "label"), uses, days, r.who.user);
  api.audit(r, r.who.user, "agent_token_add", t.ok(), group, t ? "" : t.error());
  if (!t) return fail(400, t.error());
  return {200, *t};
}

Response revoke_token(Api& api, Request& r) {
  int64_t id = std::strtoll(r.params[0].c_str(), nullptr, 10);
  return status_result(api, r, "agent_token_revoke", api.opt.fleet->revoke_token(id, r.who.user), "token " + r.params[0]);
}

Response groups(Api& api, Request&) {
  json out = json::array();
  for (const auto& g : api.opt.fleet->registry().groups()) {
    json c = json::parse(g.config, nullptr, false);
    out.push_back({{"name", g.name}, {"version", g.version}, {"updated", g.updated}, {"by", g.by}, {"config", c}});
  }
  return ok({{"groups", out}});
}

Response set_group(Api& api, Request& r) {
  json b = body_of(r);
  std::string config = b.contains("config") && b["config"].is_object() ? b["config"].dump() : "";
  if (config.empty()) return fail(400, "config: 须为 JSON 对象 / must be a JSON object");
  auto v = api.opt.fleet->set_group(str(b, "name"), config, r.who.user);
  api.audit(r, r.who.user, "agent_group_config", v.ok(), str(b, "name"), v ? "version " + std::to_string(*v) : v.error());
  if (!v) return fail(400, v.error());
  return ok({{"version", *v}});
}

Response policy(Api& api, Request&) { return {200, api.opt.fleet->policy_json()}; }

Response set_policy(Api& api, Request& r) {
  json b = body_of(r);
  std::vector<std::string> rules;
  if (b.contains("rules") && b["rules"].is_array())
    for (const auto& x : b["rules"])
      if (x.is_string() && !x.get<std::string>().empty()) rules.push_back(x.get<std::string>());
  bool enabled = b.contains("enabled") && b["enabled"].is_boolean() && b["enabled"].get<bool>();
  int64_t seconds = b.contains("seconds") && b["seconds"].is_number_integer() ? b["seconds"].get<int64_t>() : 3600;
  return status_result(api, r, "agent_response_policy", api.opt.fleet->set_policy(str(b, "action"), enabled, rules, seconds, r.who.user),
                       str(b, "action"));
}

Response responses(Api& api, Request& r) {
  auto it = r.query.find("agent");
  return {200, api.opt.fleet->responses_json(it == r.query.end() ? "" : it->second)};
}

Response revert(Api& api, Request& r) {
  auto id = api.opt.fleet->revert(std::strtoll(r.params[0].c_str(), nullptr, 10), r.who.user);
  api.audit(r, r.who.user, "agent_response_revert", id.ok(), "response " + r.params[0], id ? "" : id.error());
  if (!id) return fail(400, id.error());
  return ok({{"id", *id}});
}

}  // namespace

void add_agent_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*fn)(Api&, Request&)) {
    return [api, fn](Request& r) { return api->opt.fleet ? fn(*api, r) : need_fleet(*api); };
  };
  t.push_back({"GET", "/api/v1/agents", P::kAgentsRead, false, h(list), "host agents with their state"});
  t.push_back({"GET", "/api/v1/agents/tokens", P::kAgentsWrite, false, h(tokens), "enrolment tokens"});
  t.push_back({"POST", "/api/v1/agents/tokens", P::kAgentsWrite, false, h(add_token), "a new enrolment token (shown once)"});
  t.push_back({"POST", "/api/v1/agents/tokens/{id}/revoke", P::kAgentsWrite, false, h(revoke_token), "revoke an enrolment token"});
  t.push_back({"GET", "/api/v1/agents/groups", P::kAgentsRead, false, h(groups), "agent groups and their configurations"});
  t.push_back({"POST", "/api/v1/agents/groups", P::kAgentsWrite, false, h(set_group), "set a group's configuration (pushed signed)"});
  t.push_back({"GET", "/api/v1/agents/policy", P::kAgentsRead, false, h(policy), "the active-response policy"});
  t.push_back({"POST", "/api/v1/agents/policy", P::kAgentsRespond, false, h(set_policy), "enable or disable a response action"});
  t.push_back({"GET", "/api/v1/agents/responses", P::kAssetsRead, false, h(responses), "active responses and their outcomes"});
  t.push_back({"POST", "/api/v1/agents/responses/{id}/revert", P::kAgentsRespond, false, h(revert), "undo a response"});
  // The dossier is security data (integrity events, accounts, responses): not the system administrator's.
  t.push_back({"GET", "/api/v1/agents/{id}", P::kAssetsRead, false, h(one), "one agent's host dossier"});
  t.push_back({"POST", "/api/v1/agents/{id}/revoke", P::kAgentsWrite, false, h(revoke), "revoke an agent"});
  t.push_back({"POST", "/api/v1/agents/{id}/group", P::kAgentsWrite, false, h(move), "move an agent to a group"});
  t.push_back(
      {"POST", "/api/v1/agents/{id}/trusted", P::kAgentsRespond, false, h(adopt), "adopt the current digests as the trusted baseline"});
  t.push_back({"POST", "/api/v1/agents/{id}/respond", P::kAgentsRespond, false, h(respond), "run an enabled response on the agent"});
}

}  // namespace wardsec::server
