// The console's side of the agents: the list with each agent's state, a host's dossier, the
// enrolment tokens, groups and their configurations, revocation, trusted baselines, and the
// active-response policy and actions. Every change is a signed audit record.
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "fleet/service.h"
#include "fleet/service_detail.h"

namespace wardsec::fleet {
using json = nlohmann::json;
using namespace detail;

namespace {

json parsed(const std::string& s) {
  json j = json::parse(s, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

// The arguments of a response, checked for its action: an address to block, an account to
// lock, a process to end (pid and name, so a reused pid is not ended).
Result<json> check_args(const std::string& action, const std::string& args_json, int64_t seconds) {
  json a = json::parse(args_json, nullptr, false);
  if (!a.is_object()) return Error{"args: 须为 JSON 对象 / must be a JSON object"};
  json out = json::object();
  if (action == "block_ip") {
    std::string ip = json_text(a, "ip", 64);
    if (!looks_like_ip(ip) || ip.rfind("127.", 0) == 0 || ip == "::1")
      return Error{"args.ip: 须为非本机的 IP 地址 / must be an IP address other than the loopback"};
    out["ip"] = ip;
    out["seconds"] = a.contains("seconds") && a["seconds"].is_number_integer() ? a["seconds"].get<int64_t>() : seconds;
  } else if (action == "disable_account") {
    std::string u = json_text(a, "user", 64);
    if (u.empty() || u == "root" ||
        u.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos || u[0] == '-')
      return Error{"args.user: 须为普通账号名（不能是 root） / must be an account name other than root"};
    out["user"] = u;
    out["seconds"] = a.contains("seconds") && a["seconds"].is_number_integer() ? a["seconds"].get<int64_t>() : seconds;
  } else if (action == "kill_process") {
    int64_t pid = json_int(a, "pid");
    std::string name = json_text(a, "name", 64);
    if (pid <= 1 || name.empty()) return Error{"args: 须有 pid（大于 1）与进程名 / needs pid (above 1) and the process name"};
    out["pid"] = pid;
    out["name"] = name;
  } else {
    return Error{"action: 须为 block_ip、disable_account 或 kill_process / must be block_ip, disable_account or kill_process"};
  }
  if (out.contains("seconds") && (out["seconds"].get<int64_t>() < 0 || out["seconds"].get<int64_t>() > 30LL * 86400))
    return Error{"args.seconds: 须在 0 到 30 天之间 / must be from 0 to 30 days"};
  return out;
}

// An action's policy: as the security administrator set it, else off.
Registry::Policy policy_of(const std::vector<Registry::Policy>& have, const std::string& action) {
  Registry::Policy p;
  p.action = action;
  for (const auto& x : have)
    if (x.action == action) p = x;
  return p;
}

}  // namespace

std::string Service::agents_json(int64_t now) const {
  json out = json::array();
  for (const auto& a : reg_->agents()) {
    bool online = !a.revoked && a.last_seen > 0 && now - a.last_seen < static_cast<int64_t>(opt_.offline_after_seconds) * 1000000000LL;
    auto g = reg_->group(a.group);
    json st = parsed(a.status);
    out.push_back({{"id", a.id},
                   {"name", a.name},
                   {"ip", a.ip},
                   {"group", a.group},
                   {"state", a.revoked          ? "revoked"
                             : a.last_seen == 0 ? "never_seen"
                             : online           ? "online"
                                                : "offline"},
                   {"version", a.version},
                   {"upgrade", a.version.empty()           ? ""
                               : a.version == opt_.version ? "current"
                                                           : "outdated"},
                   {"os", a.os},
                   {"kernel", a.kernel},
                   {"last_seen", a.last_seen},
                   {"enrolled", a.enrolled},
                   {"cert_expires", a.cert_expires},
                   {"fingerprint", a.fingerprint},
                   {"config_version", a.config_version},
                   {"config_current", g && g->version == a.config_version},
                   {"revoked_by", a.revoked_by},
                   {"revoked_reason", a.revoked_reason},
                   {"status", st.is_object() ? st : json::object()}});
  }
  return dump(json{{"agents", out}, {"center_version", opt_.version}, {"ca_fingerprint", ca_->fingerprint()}, {"listen", opt_.listen}});
}

Result<std::string> Service::dossier_json(const std::string& id, int64_t now) const {
  auto a = reg_->agent(id);
  if (!a) return Error{"agent " + id + ": 不存在 / no such agent"};
  json agents = json::parse(agents_json(now))["agents"];
  json me;
  for (auto& x : agents)
    if (x["id"] == id) me = x;
  json out = {{"agent", me}};
  if (auto inv = reg_->inventory(id)) out["inventory"] = {{"at", inv->first}, {"snapshot", parsed(inv->second)}};
  json ch = json::array();
  for (const auto& c : reg_->changes(id, 500))
    ch.push_back({{"id", c.id}, {"at", c.at}, {"kind", c.kind}, {"change", c.change}, {"item", c.item}, {"detail", c.detail}});
  out["changes"] = ch;
  json fim = json::array();
  for (const auto& f : reg_->fim(id, 500))
    fim.push_back({{"id", f.id}, {"at", f.at}, {"path", f.path}, {"action", f.action}, {"detail", parsed(f.detail)}});
  out["fim"] = fim;
  if (auto c = reg_->checks(id)) out["checks"] = {{"at", c->first}, {"results", parsed(c->second)}};
  if (auto t = reg_->trusted(id))
    out["trusted"] = {{"adopted", t->adopted},
                      {"by", t->by},
                      {"files", parsed(t->files)},
                      {"last_check", t->last_check},
                      {"last_result", parsed(t->last_result)}};
  out["responses"] = parsed(responses_json(id))["responses"];
  return dump(out);
}

Result<std::string> Service::add_token(const std::string& group, const std::string& label, int64_t uses, int days, const std::string& who) {
  if (!reg_->group(group)) return Error{"group: 没有名为 " + group + " 的分组 / no group named " + group};
  if (uses < 1 || uses > 100000) return Error{"uses: 须为 1 到 100000 / must be from 1 to 100,000"};
  if (days < 1 || days > 90) return Error{"days: 须为 1 到 90 天 / must be from 1 to 90 days"};
  int64_t now = now_ns() / 1000000000;
  auto t = reg_->add_token(group, label, uses, now + static_cast<int64_t>(days) * 86400, who, now);
  if (!t) return Error{t.error()};
  audit("agent_token_add", who, "token " + std::to_string(t->first), true,
        "group " + group + ", " + std::to_string(uses) + " uses, " + std::to_string(days) + " days");
  return dump(json{{"id", t->first}, {"token", t->second}, {"ca_fingerprint", ca_->fingerprint()}});
}

Status Service::revoke_token(int64_t id, const std::string& who) {
  Status s = reg_->revoke_token(id);
  audit("agent_token_revoke", who, "token " + std::to_string(id), s.ok(), s ? "" : s.error());
  return s;
}

Status Service::revoke(const std::string& id, const std::string& reason, const std::string& who) {
  if (reason.empty()) return Error{"reason: 吊销须写明原因 / a revocation needs a reason"};
  Status s = reg_->revoke(id, who, reason, now_ns());
  audit("agent_revoke", who, id, s.ok(), s ? reason : s.error());
  return s;
}

Status Service::move(const std::string& id, const std::string& group, const std::string& who) {
  if (!reg_->group(group)) return Error{"group: 没有名为 " + group + " 的分组 / no group named " + group};
  Status s = reg_->set_group(id, group);
  audit("agent_move", who, id, s.ok(), "group " + group);
  return s;
}

Result<int64_t> Service::set_group(const std::string& name, const std::string& config_json, const std::string& who) {
  if (name.empty() || name.size() > 64 || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
    return Error{"name: 分组名须为小写字母、数字、- 或 _ / a group name is lower-case letters, digits, - and _"};
  auto c = parse_agent_config(config_json);
  if (!c) return Error{"config." + c.error()};
  auto v = reg_->set_group_config(name, agent_config_json(*c), who, now_ns());
  audit("agent_group_config", who, name, v.ok(), v ? "version " + std::to_string(*v) : v.error());
  return v;
}

Status Service::adopt_trusted(const std::string& id, const std::string& who) {
  auto t = reg_->trusted(id);
  if (!t || t->last_result.empty()) return Error{"agent " + id + ": 尚无可信验证结果 / no trusted verification reported yet"};
  json res = parsed(t->last_result);
  json files = parsed(t->files);
  if (!files.is_object()) files = json::object();
  int n = 0;
  if (res.is_object() && res.contains("mismatch") && res["mismatch"].is_array())
    for (const auto& m : res["mismatch"]) {
      std::string p = json_text(m, "path", 4096), f = json_text(m, "found", 200);
      if (p.empty()) continue;
      if (f == "not reported")
        files.erase(p);
      else
        files[p] = f;
      n++;
    }
  Status s = reg_->set_trusted_baseline(id, dump(files), who, now_ns());
  if (s)
    logged(reg_->set_trusted_result(id, dump(json{{"checked", files.size()}, {"mismatch", json::array()}, {"adopted_by", who}}), now_ns()),
           "set_trusted_result");
  audit("agent_trusted_adopt", who, id, s.ok(), std::to_string(n) + " files took their current digests");
  return s;
}

Status Service::set_policy(const std::string& action, bool enabled, const std::vector<std::string>& rules, int64_t seconds,
                           const std::string& who) {
  if (!known_action(action))
    return Error{"action: 须为 block_ip、disable_account 或 kill_process / must be block_ip, disable_account or kill_process"};
  if (seconds < 0 || seconds > 30LL * 86400) return Error{"seconds: 须在 0 到 30 天之间 / must be from 0 to 30 days"};
  if (action == "kill_process" && !rules.empty())
    return Error{"rules: 结束进程只能人工发起 / ending a process is only ever a person's action"};
  Status s = reg_->set_policy({action, enabled, rules, seconds, who, now_ns()});
  std::string list;
  for (const auto& r : rules) list += (list.empty() ? "" : ",") + r;
  audit("agent_response_policy", who, action, s.ok(),
        std::string(enabled ? "enabled" : "disabled") + " rules=" + list + " seconds=" + std::to_string(seconds));
  return s;
}

std::string Service::policy_json() const {
  json out = json::array();
  auto have = reg_->policies();
  for (const char* a : {"block_ip", "disable_account", "kill_process"}) {
    Registry::Policy p = policy_of(have, a);
    out.push_back({{"action", a}, {"enabled", p.enabled}, {"rules", p.rules}, {"seconds", p.seconds}, {"by", p.by}, {"at", p.at}});
  }
  return dump(json{{"policy", out}});
}

Result<int64_t> Service::respond(const std::string& agent, const std::string& action, const std::string& args_json,
                                 const std::string& reason, const std::string& who) {
  auto a = reg_->agent(agent);
  if (!a || a->revoked) return Error{"agent " + agent + ": 不存在或已吊销 / no such agent, or revoked"};
  Registry::Policy p = policy_of(reg_->policies(), action);
  if (!known_action(action) || !p.enabled)
    return Error{"action " + action + ": 未由安全管理员启用 / not enabled by the security administrator"};
  if (reason.empty()) return Error{"reason: 须写明原因 / a reason is required"};
  auto args = check_args(action, args_json, p.seconds);
  if (!args) return Error{args.error()};
  ResponseRow r;
  r.agent = agent;
  r.action = action;
  r.args = dump(*args);
  r.state = "pending";
  r.by = who;
  r.reason = reason;
  r.created = now_ns();
  auto id = reg_->add_response(r);
  audit("agent_response", who, agent, id.ok(), action + " " + r.args + ": " + reason);
  return id;
}

Result<int64_t> Service::revert(int64_t response_id, const std::string& who) {
  auto r = reg_->response(response_id);
  if (!r) return Error{"response " + std::to_string(response_id) + ": 不存在 / no such response"};
  if (r->action == "kill_process") return Error{"结束的进程无法恢复 / an ended process cannot be brought back"};
  if (r->state != "done") return Error{"只能撤销已执行的响应 / only a response that ran can be reverted"};
  ResponseRow x = *r;
  x.id = 0;
  x.state = "pending";
  x.by = who;
  x.reason = "revert #" + std::to_string(response_id);
  x.revert_of = response_id;
  x.created = now_ns();
  auto id = reg_->add_response(x);
  audit("agent_response_revert", who, r->agent, id.ok(), r->action + " " + r->args);
  return id;
}

std::string Service::responses_json(const std::string& agent) const {
  json out = json::array();
  for (const auto& r : reg_->responses(agent, 200))
    out.push_back({{"id", r.id},
                   {"agent", r.agent},
                   {"action", r.action},
                   {"args", parsed(r.args)},
                   {"state", r.state},
                   {"by", r.by},
                   {"reason", r.reason},
                   {"rule", r.rule},
                   {"created", r.created},
                   {"sent", r.sent},
                   {"done", r.done},
                   {"result", r.result},
                   {"revert_of", r.revert_of}});
  return dump(json{{"responses", out}});
}

void Service::consider(const alert::Alert& al) {
  auto pol = reg_->policies();
  for (const auto& p : pol) {
    if (!p.enabled || p.action == "kill_process" || std::find(p.rules.begin(), p.rules.end(), al.rule_id) == p.rules.end()) continue;
    std::string target = p.action == "block_ip" ? al.source_ip : al.user;
    if (target.empty()) continue;
    std::string args = p.action == "block_ip" ? dump(json{{"ip", target}}) : dump(json{{"user", target}});
    auto checked = check_args(p.action, args, p.seconds);
    if (!checked) continue;
    for (const auto& a : reg_->agents()) {
      if (a.revoked || (a.name != al.asset && a.ip != al.asset)) continue;
      // Once per alert and target: a merged raise does not queue it again.
      bool queued = false;
      for (const auto& r : reg_->responses(a.id, 50))
        if (r.action == p.action && r.args == dump(*checked) && r.revert_of == 0 &&
            (r.state == "pending" || r.state == "sent" || (r.state == "done" && now_ns() - r.created < p.seconds * 1000000000LL)))
          queued = true;
      if (queued) continue;
      ResponseRow r;
      r.agent = a.id;
      r.action = p.action;
      r.args = dump(*checked);
      r.state = "pending";
      r.by = "policy";
      r.rule = al.rule_id;
      r.reason = "alert #" + std::to_string(al.id) + " " + al.rule_id;
      r.created = now_ns();
      auto id = reg_->add_response(r);
      audit("agent_response", "policy", a.id, id.ok(), p.action + " " + r.args + " for alert #" + std::to_string(al.id));
    }
  }
}

}  // namespace wardsec::fleet
