// The bastion's routes, part two: command rules (and a dry run), the sessions' record and
// recordings, live sessions, approvals (二次审批), operators' SSH keys and their own targets.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bastion/recording.h"
#include "bastion/service.h"
#include "core/timeutil.h"
#include "report/report.h"
#include "server/api.h"
#include "server/bastion_api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

using namespace bastion_api;

json rule_json(const bastion::CommandRule& r) {
  return {{"id", r.id},       {"priority", r.priority}, {"name", r.name},
          {"kind", r.kind},   {"pattern", r.pattern},   {"action", bastion::action_name(r.action)},
          {"users", r.users}, {"assets", r.assets},     {"enabled", r.enabled}};
}

json session_json(const bastion::SessionRecord& s) {
  return {{"id", s.id},
          {"user", s.user},
          {"source_ip", s.source_ip},
          {"asset", s.asset},
          {"account", s.account},
          {"host", s.host},
          {"kind", s.kind},
          {"state", s.state},
          {"reason", s.reason},
          {"started", format_rfc3339(s.started)},
          {"ended", s.ended ? format_rfc3339(s.ended) : ""},
          {"recording_sha256", s.digest},
          {"bytes", s.bytes},
          {"commands", s.commands},
          {"denied", s.denied},
          {"ended_by", s.ended_by}};
}

json approval_json(const bastion::Approval& a) {
  return {{"id", a.id},
          {"session", a.session},
          {"user", a.user},
          {"asset", a.asset},
          {"command", a.command},
          {"rule", a.rule},
          {"state", a.state},
          {"decided_by", a.decided_by},
          {"created", format_rfc3339(a.created)},
          {"decided", a.decided ? format_rfc3339(a.decided) : ""}};
}

// ---- command rules ---------------------------------------------------------------------------

Response rules_list(Api& api, Request&) {
  if (!svc(api)) return off();
  auto rs = svc(api)->db().rules();
  if (!rs) return fail(500, rs.error());
  json out = json::array(), groups = json::array();
  for (const auto& r : *rs) out.push_back(rule_json(r));
  for (const auto& g : svc(api)->groups()) {
    json ps = json::array();
    for (const auto& p : g.patterns) ps.push_back({{"kind", p.kind}, {"pattern", p.pattern}});
    groups.push_back({{"name", g.name}, {"title", g.title}, {"title_en", g.title_en}, {"patterns", ps}});
  }
  return ok({{"rules", out}, {"groups", groups}, {"total", out.size()}});
}

Response rule_save(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "请求体须为 JSON 对象 / body must be a JSON object");
  bastion::CommandRule rule;
  rule.name = str(j, "name");
  rule.kind = str(j, "kind");
  rule.pattern = str(j, "pattern");
  auto action = bastion::parse_action(str(j, "action"));
  if (!action) return fail(400, "action 须为 allow/alert/review/deny / action must be allow, alert, review or deny");
  rule.action = *action;
  rule.priority = j.contains("priority") && j["priority"].is_number_integer() ? j["priority"].get<int>() : 100;
  rule.users = strings(j, "users");
  rule.assets = strings(j, "assets");
  rule.enabled = !j.contains("enabled") || !j["enabled"].is_boolean() || j["enabled"].get<bool>();
  if (rule.name.empty()) return fail(400, "规则名称必填 / a rule needs a name");
  // Compile it alone first: a rule that does not compile never reaches the table.
  if (auto c = bastion::CommandPolicy::compile({rule}, svc(api)->groups()); !c) return fail(400, c.error());
  Status st;
  if (r.method == "POST") {
    auto id = svc(api)->db().add_rule(rule);
    st = id ? Status{} : Status{Error{id.error()}};
    if (id) rule.id = *id;
  } else {
    auto id = id_param(r);
    if (!id) return fail(404, "no such rule");
    rule.id = *id;
    st = svc(api)->db().update_rule(rule);
  }
  if (st) st = svc(api)->reload();
  api.audit(r, r.who.user, r.method == "POST" ? "bastion_rule_add" : "bastion_rule_update", st.ok(), rule.name,
            st ? dump(rule_json(rule)).substr(0, 300) : st.error());
  if (!st) return fail(400, st.error());
  return ok(rule_json(rule), r.method == "POST" ? 201 : 200);
}

Response rule_remove(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such rule");
  Status st = svc(api)->db().remove_rule(*id);
  if (st) st = svc(api)->reload();
  api.audit(r, r.who.user, "bastion_rule_remove", st.ok(), std::to_string(*id));
  return st ? ok({{"removed", *id}}) : fail(500, st.error());
}

// What the rules would do with a command: for writing and checking rules.
Response rule_test(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "请求体须为 JSON 对象 / body must be a JSON object");
  auto policy = svc(api)->policy();
  bastion::Aliases aliases;
  std::string line = str(j, "command");
  bastion::Verdict v = policy ? policy->check(line, str(j, "user"), str(j, "asset"), &aliases) : bastion::Verdict{};
  json cmds = json::array();
  for (const auto& c : bastion::split_commands(line)) cmds.push_back(c.text);
  return ok({{"action", bastion::action_name(v.action)}, {"rule", v.rule_name}, {"matched", v.matched}, {"commands", cmds}});
}

// ---- sessions, recordings, live --------------------------------------------------------------

Response sessions_list(Api& api, Request& r) {
  if (!svc(api)) return off();
  bastion::SessionFilter f;
  f.user = r.query["user"];
  f.asset = r.query["asset"];
  f.command = r.query["command"];
  f.state = r.query["state"];
  if (!r.query["from"].empty() && !parse_user_time(r.query["from"], api.opt.tz_sec, f.from))
    return fail(400, "from: 时间格式无效 / not a time");
  if (!r.query["to"].empty() && !parse_user_time(r.query["to"], api.opt.tz_sec, f.to)) return fail(400, "to: 时间格式无效 / not a time");
  try {
    if (!r.query["limit"].empty()) f.limit = std::clamp<size_t>(std::stoul(r.query["limit"]), 1, 1000);
    if (!r.query["offset"].empty()) f.offset = std::stoul(r.query["offset"]);
  } catch (...) {
    return fail(400, "limit/offset: 须为数字 / must be numbers");
  }
  int64_t total = 0;
  auto s = svc(api)->db().sessions(f, &total);
  if (!s) return fail(500, s.error());
  json out = json::array();
  for (const auto& x : *s) out.push_back(session_json(x));
  return ok({{"sessions", out}, {"total", total}, {"report_month", report_month(api)}});
}

Response session_detail(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto s = svc(api)->db().session(r.params[0]);
  if (!s) return fail(404, s.error());
  auto cmds = svc(api)->db().commands(s->id);
  json cs = json::array();
  if (cmds)
    for (const auto& c : *cmds)
      cs.push_back({{"seq", c.seq},
                    {"time", format_rfc3339(c.ts)},
                    {"offset_ms", c.offset_ms},
                    {"command", c.command},
                    {"action", c.action},
                    {"rule", c.rule},
                    {"exit_status", c.exit_status ? json(*c.exit_status) : json(nullptr)}});
  json out = session_json(*s);
  out["command_list"] = cs;
  // The recording as it is now, against the digest taken when the session ended.
  std::string path = svc(api)->recordings_dir() + "/" + s->recording;
  std::string now_digest = s->ended && !s->recording.empty() ? bastion::file_sha256(path) : "";
  // null: still running, or a session without a recording (SFTP: its file operations are in
  // the command list and in the store as events).
  out["recording_intact"] = s->ended && !s->recording.empty() ? json(!now_digest.empty() && now_digest == s->digest) : json(nullptr);
  api.audit(r, r.who.user, "bastion_session_view", true, s->id);
  return ok(out);
}

Response session_recording(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto s = svc(api)->db().session(r.params[0]);
  if (!s) return fail(404, s.error());
  if (s->recording.empty()) return fail(404, "该会话没有录像（SFTP） / this session has no recording (SFTP)");
  std::ifstream f(svc(api)->recordings_dir() + "/" + s->recording, std::ios::binary);
  if (!f) return fail(404, "录像文件缺失 / the recording file is missing: " + s->recording);
  std::stringstream ss;
  ss << f.rdbuf();
  api.audit(r, r.who.user, "bastion_recording_view", true, s->id);
  return {200, ss.str(), "application/x-asciicast", {{"Content-Disposition", "inline; filename=\"" + s->recording + "\""}}};
}

Response live_list(Api& api, Request&) {
  if (!svc(api)) return off();
  json out = json::array();
  for (const auto& l : svc(api)->live().list())
    out.push_back({{"id", l.id},
                   {"user", l.user},
                   {"source_ip", l.source_ip},
                   {"asset", l.asset},
                   {"account", l.account},
                   {"kind", l.kind},
                   {"started", format_rfc3339(l.started)},
                   {"commands", l.commands},
                   {"waiting", l.waiting}});
  return ok({{"sessions", out}, {"total", out.size()}});
}

Response live_end(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto s = svc(api)->live().find(r.params[0]);
  auto j = json::parse(r.body, nullptr, false);
  std::string reason = j.is_object() ? str(j, "reason") : "";
  if (s) s->end(r.who.user, reason);
  api.audit(r, r.who.user, "bastion_session_end", s != nullptr, r.params[0], reason);
  return s ? ok({{"ended", r.params[0]}}) : fail(404, "会话不在线 / no such live session");
}

// Blocks an operator from the bastion (and ends their sessions now), or lifts it.
Response operator_block(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto j = json::parse(r.body, nullptr, false);
  bool block = !j.is_object() || !j.contains("blocked") || !j["blocked"].is_boolean() || j["blocked"].get<bool>();
  const std::string& user = r.params[0];
  Status st = svc(api)->db().set_meta("blocked:" + user, block ? "1" : "");
  int ended = block && st ? svc(api)->live().end_user(user, r.who.user, "运维权限已被冻结 / bastion access blocked") : 0;
  api.audit(r, r.who.user, block ? "bastion_operator_block" : "bastion_operator_unblock", st.ok(), user,
            std::to_string(ended) + " sessions ended");
  return st ? ok({{"user", user}, {"blocked", block}, {"sessions_ended", ended}}) : fail(500, st.error());
}

// ---- approvals -------------------------------------------------------------------------------

Response approvals_list(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto a = svc(api)->db().approvals(r.query["state"]);
  if (!a) return fail(500, a.error());
  json out = json::array();
  for (const auto& x : *a) out.push_back(approval_json(x));
  return ok({{"approvals", out}, {"total", out.size()}});
}

Response approval_decide(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto a = id ? svc(api)->db().approval(*id) : Result<bastion::Approval>(Error{"no such approval"});
  if (!a) return fail(404, a.error());
  if (a->user == r.who.user) return fail(403, "不能审批自己的命令 / you cannot approve your own command");
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("approve") || !j["approve"].is_boolean()) return fail(400, "approve: true 或 false / true or false");
  bool approve = j["approve"].get<bool>();
  Status st = svc(api)->db().decide_approval(*id, approve ? "approved" : "rejected", r.who.user, now_ns());
  if (st) {
    auto live = svc(api)->live().find(a->session);
    if (!live || !live->decide(*id, approve)) st = Error{"会话已不在等待该审批 / the session no longer waits for it"};
  }
  api.audit(r, r.who.user, approve ? "bastion_approve" : "bastion_reject", st.ok(), a->user + "@" + a->asset, a->command.substr(0, 200));
  return st ? ok(approval_json(*svc(api)->db().approval(*id))) : fail(409, st.error());
}

// ---- operators' own --------------------------------------------------------------------------

Response keys_list(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto k = svc(api)->db().keys(r.who.user);
  if (!k) return fail(500, k.error());
  json out = json::array();
  for (const auto& x : *k)
    out.push_back(
        {{"id", x.id}, {"type", x.type}, {"fingerprint", x.fingerprint}, {"comment", x.comment}, {"created", format_rfc3339(x.created)}});
  return ok({{"keys", out}, {"total", out.size()}});
}

Response key_add(Api& api, Request& r) {
  if (!svc(api)) return off();
  if (r.who.token) return fail(403, "SSH 公钥只能在登录会话中登记 / keys are registered from a logged-in session, not a token");
  auto j = json::parse(r.body, nullptr, false);
  auto id = svc(api)->db().add_key(r.who.user, j.is_object() ? str(j, "key") : "", now_ns());
  api.audit(r, r.who.user, "bastion_key_add", id.ok(), r.who.user, id ? "" : id.error());
  return id ? ok({{"id", *id}}, 201) : fail(400, id.error());
}

Response key_remove(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  Status st = id ? svc(api)->db().remove_key(r.who.user, *id) : Status{Error{"no such key"}};
  api.audit(r, r.who.user, "bastion_key_remove", st.ok(), r.who.user);
  return st ? ok({{"removed", *id}}) : fail(404, st.error());
}

// The month's 运维审计报告 (HTML or PDF); default: last month.
Response bastion_report(Api& api, Request& r) {
  if (!svc(api)) return off();
  return monthly_report(api, r, "bastion", [&](int year, int month, const std::string& lang) {
    return report::bastion_month_html(svc(api)->db(), {api.opt.data_dir, "", "", api.opt.organization, api.opt.tz_sec}, year, month, lang);
  });
}

Response my_targets(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto a = svc(api)->db().allowed(r.who.user, "shell", now_ns(), api.opt.tz_sec);
  if (!a) return fail(500, a.error());
  json out = json::array();
  for (const auto& [acc, g] : *a)
    out.push_back({{"id", acc.id}, {"asset", acc.asset}, {"username", acc.username}, {"host", acc.host}, {"grant", g.name}});
  return ok({{"targets", out}, {"total", out.size()}, {"ssh_port", api.opt.bastion_port}});
}

}  // namespace

void bastion_api::add_record_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.insert(t.end(),
           {
               {"GET", "/api/v1/bastion/rules", P::kBastionRead, false, h(rules_list), "command rules and command groups"},
               {"POST", "/api/v1/bastion/rules", P::kBastionWrite, false, h(rule_save), "add a command rule"},
               {"PATCH", "/api/v1/bastion/rules/{id}", P::kBastionWrite, false, h(rule_save), "change a command rule"},
               {"DELETE", "/api/v1/bastion/rules/{id}", P::kBastionWrite, false, h(rule_remove), "remove a command rule"},
               {"POST", "/api/v1/bastion/rules/test", P::kBastionRead, false, h(rule_test), "what the rules do with a command"},
               {"GET", "/api/v1/bastion/sessions", P::kBastionRead, false, h(sessions_list), "bastion sessions (search)"},
               {"GET", "/api/v1/bastion/sessions/{id}", P::kBastionRead, false, h(session_detail), "a session with its commands"},
               {"GET", "/api/v1/bastion/sessions/{id}/recording", P::kBastionRead, false, h(session_recording),
                "a session's recording (asciicast v2)"},
               {"GET", "/api/v1/bastion/live", P::kBastionRead, false, h(live_list), "sessions running now"},
               {"POST", "/api/v1/bastion/live/{id}/end", P::kBastionWrite, false, h(live_end), "end a live session"},
               {"POST", "/api/v1/bastion/operators/{name}/block", P::kBastionWrite, false, h(operator_block),
                "block an operator (ends their sessions) or lift it"},
               {"GET", "/api/v1/bastion/approvals", P::kBastionRead, false, h(approvals_list), "command approvals"},
               {"POST", "/api/v1/bastion/approvals/{id}", P::kBastionWrite, false, h(approval_decide), "approve or reject a command"},
               {"GET", "/api/v1/bastion/keys", P::kSelf, false, h(keys_list), "own SSH public keys"},
               {"POST", "/api/v1/bastion/keys", P::kSelf, false, h(key_add), "register an own SSH public key"},
               {"DELETE", "/api/v1/bastion/keys/{id}", P::kSelf, false, h(key_remove), "remove an own SSH public key"},
               {"GET", "/api/v1/bastion/mine", P::kBastionUse, false, h(my_targets), "the host accounts granted to me now"},
               {"GET", "/api/v1/bastion/report", P::kBastionRead, false, h(bastion_report),
                "the month's 运维审计报告 (HTML, PDF): sessions by operator and asset, high-risk operations, sessions outside the "
                "granted windows, unused host accounts"},
           });
}

}  // namespace wardsec::server
