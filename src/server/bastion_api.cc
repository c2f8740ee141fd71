// The bastion's routes: host accounts (the system administrator; credentials go in and never
// come out), grants, operator groups, command rules and approvals (the security
// administrator), the sessions' record, recordings and live sessions (security and audit
// administrators), and the operators' own SSH keys and targets. Every change is audited.
#include <algorithm>

#include "bastion/service.h"
#include "core/timeutil.h"
#include "server/api.h"
#include "server/bastion_api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

using namespace bastion_api;

json account_json(const bastion::HostAccount& a) {
  return {{"id", a.id},
          {"asset", a.asset},
          {"host", a.host},
          {"port", a.port},
          {"username", a.username},
          {"auth", a.auth},
          {"has_secret", a.has_secret},
          {"note", a.note},
          {"created", format_rfc3339(a.created)},
          {"last_used", a.last_used ? format_rfc3339(a.last_used) : ""}};
}

json grant_json(const bastion::Grant& g) {
  char from[16], to[16];
  snprintf(from, sizeof from, "%02d:%02d", g.from_min / 60, g.from_min % 60);
  snprintf(to, sizeof to, "%02d:%02d", g.to_min / 60, g.to_min % 60);
  return {{"id", g.id},
          {"name", g.name},
          {"subjects", g.subjects},
          {"targets", g.targets},
          {"actions", g.actions},
          {"days", g.days},
          {"from", from},
          {"to", to},
          {"expires", g.expires ? format_rfc3339(g.expires) : ""},
          {"enabled", g.enabled},
          {"created_by", g.created_by},
          {"created", format_rfc3339(g.created)}};
}

int parse_hhmm(const std::string& s, int dflt) {
  int h = 0, m = 0;
  if (s.empty()) return dflt;
  if (sscanf(s.c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 24 || m < 0 || m > 59 || h * 60 + m > 1440) return -1;
  return h * 60 + m;
}

// ---- host accounts ---------------------------------------------------------------------------

Response accounts_list(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto a = svc(api)->db().accounts();
  if (!a) return fail(500, a.error());
  json out = json::array();
  for (const auto& x : *a) out.push_back(account_json(x));
  return ok({{"accounts", out}, {"total", out.size()}});
}

Response account_save(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "请求体须为 JSON 对象 / body must be a JSON object");
  bastion::HostAccount a;
  a.asset = str(j, "asset");
  a.host = str(j, "host");
  a.username = str(j, "username");
  a.auth = str(j, "auth").empty() ? "password" : str(j, "auth");
  a.note = str(j, "note");
  a.port = j.contains("port") && j["port"].is_number_integer() ? j["port"].get<int>() : 22;
  std::optional<std::string> secret;
  if (j.contains("secret") && j["secret"].is_string()) secret = j["secret"].get<std::string>();
  Status st;
  std::string target = a.username + "@" + a.asset;
  if (r.method == "POST") {
    auto id = svc(api)->db().add_account(a, secret.value_or(""), now_ns());
    if (id) a.id = *id;
    st = id ? Status{} : Status{Error{id.error()}};
  } else {
    auto cur = id_param(r) ? svc(api)->db().account(*id_param(r)) : Result<bastion::HostAccount>(Error{"id"});
    if (!cur) return fail(404, cur.error());
    a.id = cur->id;
    a.asset = cur->asset;
    a.username = cur->username;
    target = a.username + "@" + a.asset;
    if (!j.contains("port")) a.port = cur->port;
    if (!j.contains("host")) a.host = cur->host;
    if (!j.contains("auth")) a.auth = cur->auth;
    if (!j.contains("note")) a.note = cur->note;
    st = svc(api)->db().update_account(a, secret);
  }
  // The credential is never in the audit trail: only whether one was set.
  api.audit(r, r.who.user, r.method == "POST" ? "bastion_account_add" : "bastion_account_update", st.ok(), target,
            std::string("secret ") + (secret ? "set" : "unchanged") + (st ? "" : ": " + st.error()));
  if (!st) return fail(400, st.error());
  auto saved = svc(api)->db().account(a.id);
  return saved ? ok(account_json(*saved), r.method == "POST" ? 201 : 200) : fail(500, saved.error());
}

Response account_remove(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  auto cur = id ? svc(api)->db().account(*id) : Result<bastion::HostAccount>(Error{"no such host account"});
  if (!cur) return fail(404, cur.error());
  Status st = svc(api)->db().remove_account(*id);
  api.audit(r, r.who.user, "bastion_account_remove", st.ok(), cur->username + "@" + cur->asset);
  return st ? ok({{"removed", *id}}) : fail(500, st.error());
}

// ---- grants and groups -----------------------------------------------------------------------

Response grants_list(Api& api, Request&) {
  if (!svc(api)) return off();
  auto g = svc(api)->db().grants();
  if (!g) return fail(500, g.error());
  auto groups = svc(api)->db().groups();
  json out = json::array(), gs = json::array();
  for (const auto& x : *g) out.push_back(grant_json(x));
  if (groups)
    for (const auto& [name, members] : *groups) gs.push_back({{"name", name}, {"members", members}});
  return ok({{"grants", out}, {"groups", gs}, {"total", out.size()}});
}

Response grant_save(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "请求体须为 JSON 对象 / body must be a JSON object");
  bastion::Grant g;
  g.name = str(j, "name");
  g.subjects = strings(j, "subjects");
  g.targets = strings(j, "targets");
  g.actions = j.contains("actions") ? strings(j, "actions") : std::vector<std::string>{"shell", "exec"};
  g.days = j.contains("days") && j["days"].is_number_integer() ? j["days"].get<int>() : 0x7f;
  g.from_min = parse_hhmm(str(j, "from"), 0);
  g.to_min = parse_hhmm(str(j, "to"), 1440);
  g.enabled = !j.contains("enabled") || !j["enabled"].is_boolean() || j["enabled"].get<bool>();
  // Nobody grants themselves access to servers: a grant naming its author, or a group the
  // author belongs to, needs another security administrator.
  if (auto groups = svc(api)->db().groups(); groups)
    for (const auto& sub : g.subjects) {
      bool self = sub == r.who.user;
      for (const auto& [name, members] : *groups)
        if (sub == "group:" + name && std::find(members.begin(), members.end(), r.who.user) != members.end()) self = true;
      if (self) {
        api.audit(r, r.who.user, "bastion_grant_add", false, g.name, "self-grant refused");
        return fail(403,
                    "不能给自己授权（须由另一位安全管理员授权） / you cannot grant yourself access (another security administrator must)");
      }
    }
  if (!str(j, "expires").empty() && !parse_user_time(str(j, "expires"), api.opt.tz_sec, g.expires))
    return fail(400, "expires: 时间格式无效 / not a time");
  g.created_by = r.who.user;
  g.created = now_ns();
  Status st;
  if (r.method == "POST") {
    auto id = svc(api)->db().add_grant(g);
    st = id ? Status{} : Status{Error{id.error()}};
    if (id) g.id = *id;
  } else {
    auto id = id_param(r);
    if (!id) return fail(404, "no such grant");
    g.id = *id;
    st = svc(api)->db().update_grant(g);
  }
  api.audit(r, r.who.user, r.method == "POST" ? "bastion_grant_add" : "bastion_grant_update", st.ok(), g.name,
            st ? dump(grant_json(g)).substr(0, 300) : st.error());
  if (!st) return fail(400, st.error());
  return ok(grant_json(g), r.method == "POST" ? 201 : 200);
}

Response grant_remove(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto id = id_param(r);
  if (!id) return fail(404, "no such grant");
  Status st = svc(api)->db().remove_grant(*id);
  api.audit(r, r.who.user, "bastion_grant_remove", st.ok(), std::to_string(*id));
  return st ? ok({{"removed", *id}}) : fail(500, st.error());
}

Response group_save(Api& api, Request& r) {
  if (!svc(api)) return off();
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "请求体须为 JSON 对象 / body must be a JSON object");
  auto members = strings(j, "members");
  if (r.method != "DELETE" && std::find(members.begin(), members.end(), r.who.user) != members.end())
    return fail(403, "不能把自己加入运维组（须由另一位安全管理员操作） / you cannot add yourself to an operator group");
  Status st = r.method == "DELETE" ? svc(api)->db().remove_group(r.params[0]) : svc(api)->db().set_group(r.params[0], members);
  api.audit(r, r.who.user, r.method == "DELETE" ? "bastion_group_remove" : "bastion_group_set", st.ok(), r.params[0],
            r.body.substr(0, 300));
  return st ? ok({{"name", r.params[0]}}) : fail(400, st.error());
}

}  // namespace

void add_bastion_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.insert(t.end(), {
                        {"GET", "/api/v1/bastion/accounts", P::kBastionAccountsRead, false, h(accounts_list),
                         "bastion host accounts (no credentials)"},
                        {"POST", "/api/v1/bastion/accounts", P::kBastionAccounts, false, h(account_save), "add a host account"},
                        {"PATCH", "/api/v1/bastion/accounts/{id}", P::kBastionAccounts, false, h(account_save), "change a host account"},
                        {"DELETE", "/api/v1/bastion/accounts/{id}", P::kBastionAccounts, false, h(account_remove), "remove a host account"},
                        {"GET", "/api/v1/bastion/grants", P::kBastionRead, false, h(grants_list), "bastion grants and operator groups"},
                        {"POST", "/api/v1/bastion/grants", P::kBastionWrite, false, h(grant_save), "add a grant"},
                        {"PATCH", "/api/v1/bastion/grants/{id}", P::kBastionWrite, false, h(grant_save), "change a grant"},
                        {"DELETE", "/api/v1/bastion/grants/{id}", P::kBastionWrite, false, h(grant_remove), "remove a grant"},
                        {"PUT", "/api/v1/bastion/groups/{name}", P::kBastionWrite, false, h(group_save), "set an operator group"},
                        {"DELETE", "/api/v1/bastion/groups/{name}", P::kBastionWrite, false, h(group_save), "remove an operator group"},
                    });
  bastion_api::add_record_routes(t, api);
}

}  // namespace wardsec::server
