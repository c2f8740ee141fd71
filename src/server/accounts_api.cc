// The accounts' routes: the login sequence, one's own password and tokens, the accounts and
// their dual control (approvals), every token for the system administrator, and the policy in
// force. Registered by build_routes (routes.cc).
#include <qrencode.h>

#include <nlohmann/json.hpp>

#include "core/timeutil.h"
#include "server/api.h"

namespace wardsec::server {

using json = nlohmann::json;

namespace {

// The request body as a JSON object, or the 400 that says why not.
std::optional<json> body_object(const Request& r, Response& err) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) {
    err = fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

std::string qr_svg(const std::string& text) {
  QRcode* q = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!q) return "";
  int n = q->width, m = 4;  // quiet zone
  std::string path;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++)
      if (q->data[y * n + x] & 1) path += "M" + std::to_string(x + m) + " " + std::to_string(y + m) + "h1v1h-1z";
  QRcode_free(q);
  std::string size = std::to_string(n + 2 * m);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + " " + size +
         "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path +
         "\"/></svg>";
}

json account_json(const Account& a, int64_t now) {
  return {{"name", a.name},
          {"display", a.display},
          {"role", role_name(a.role)},
          {"role_zh", role_name_zh(a.role)},
          {"disabled", a.disabled},
          {"must_change", a.must_change},
          {"mfa_enrolled", a.mfa_enrolled},
          {"locked", a.locked_until > now || a.locked_sources > 0 || a.mfa_locked_until > now},
          {"locked_until", a.locked_until > now ? format_rfc3339(a.locked_until) : ""},
          {"locked_sources", a.locked_sources},
          {"mfa_locked_until", a.mfa_locked_until > now ? format_rfc3339(a.mfa_locked_until) : ""},
          {"password_changed", a.pw_changed ? format_rfc3339(a.pw_changed) : ""},
          {"created", a.created ? format_rfc3339(a.created) : ""},
          {"last_login", a.last_login ? format_rfc3339(a.last_login) : ""}};
}

Response session_cookie(Response res, const std::string& sid, bool clear = false) {
  std::string c = "wardsec_session=" + (clear ? std::string() : sid) + "; Path=/; Secure; HttpOnly; SameSite=Strict";
  if (clear) c += "; Max-Age=0";
  res.headers.push_back({"Set-Cookie", c});
  return res;
}

json me_json(const Principal& p, Auth& auth) {
  json j = {{"user", p.user},
            {"role", role_name(p.role)},
            {"role_zh", role_name_zh(p.role)},
            {"stage", stage_name(p.stage)},
            {"csrf", p.csrf},
            {"permissions", role_perms(p.role)},
            {"idle_timeout_minutes", auth.options().idle_timeout_minutes}};
  if (auto a = auth.account(p.user)) j["display"] = a->display;
  return j;
}

Response login(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  std::string user = str(*j, "username"), pw = str(*j, "password");
  if (user.empty() || pw.empty()) return fail(400, "请输入账号和密码 / username and password are required");
  auto res = api.auth.login(user, pw, r.ip, now_ns());
  if (auto* e = (res ? nullptr : &res.failure())) {
    api.audit(r, user, e->status == 423 ? "login_locked" : "login", false, "", e->message);
    return fail(e->status, e->message);
  }
  const Session& s = res.value();
  api.audit(r, user, "login", true, "", std::string("password accepted; next: ") + stage_name(s.stage));
  Principal p{s.user, s.role, s.stage, s.id, s.csrf, false, {}};
  return session_cookie(ok(me_json(p, api.auth)), s.id);
}

Response logout(Api& api, Request& r) {
  api.auth.logout(r.who.session_id);
  api.audit(r, r.who.user, "logout", true);
  return session_cookie(ok({{"ok", true}}), "", true);
}

Response me(Api& api, Request& r) { return ok(me_json(r.who, api.auth)); }

// The end of a login step: audited, then the error or the session as it now stands.
// Each finished step gets a new session id and CSRF token (a fixed or observed id from
// before the step is worth nothing after it).
Response step_done(Api& api, Request& r, const std::string& action, const AuthStatus& st, const std::string& target) {
  api.audit(r, r.who.user, action, st.ok(), target, st.error());
  if (!st) return fail(st.failure().status, st.error());
  auto rotated = api.auth.rotate(r.who.session_id);
  if (!rotated) return fail(401, "未登录或会话已过期 / not logged in, or the session expired");
  Principal p{rotated->user, rotated->role, rotated->stage, rotated->id, rotated->csrf, false, {}};
  return session_cookie(ok(me_json(p, api.auth)), rotated->id);
}

Response change_password(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  if (str(*j, "old_password").empty() || str(*j, "new_password").empty())
    return fail(400, "请输入原密码和新密码 / old_password and new_password are required");
  auto e = api.auth.change_password(r.who.session_id, str(*j, "old_password"), str(*j, "new_password"), now_ns());
  return step_done(api, r, "password_change", e, r.who.user);
}

Response mfa_begin(Api& api, Request& r) {
  auto uri = api.auth.mfa_begin(r.who.session_id);
  if (!uri) return fail(409, uri.error());
  auto q = uri->find("secret=");
  std::string secret = uri->substr(q + 7, uri->find('&', q) - q - 7);
  return ok({{"uri", *uri}, {"secret", secret}, {"qr_svg", qr_svg(*uri)}});
}

Response mfa_finish(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  return step_done(api, r, "mfa_enroll", api.auth.mfa_finish(r.who.session_id, str(*j, "code"), now_ns()), r.who.user);
}

Response mfa_verify(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  if (str(*j, "code").empty()) return fail(400, "请输入动态口令 / code is required");
  auto e = api.auth.verify_mfa(r.who.session_id, str(*j, "code"), now_ns());
  return step_done(api, r, !e && e.failure().status == 423 ? "login_locked" : "login_mfa", e, "");
}

json tokens_json(const std::vector<Auth::TokenInfo>& t) {
  json out = json::array();
  for (const auto& x : t)
    out.push_back({{"id", x.id},
                   {"label", x.label},
                   {"user", x.user},
                   {"created", format_rfc3339(x.created)},
                   {"last_used", x.last_used ? format_rfc3339(x.last_used) : ""},
                   {"expires", x.expires ? format_rfc3339(x.expires) : ""},
                   {"expired", x.expires && x.expires <= now_ns()},
                   {"scopes", x.scopes}});
  return out;
}

Response list_tokens(Api& api, Request& r) {
  auto t = api.auth.tokens(r.who.user);
  if (!t) return fail(500, t.error());
  return ok({{"tokens", tokens_json(*t)}});
}

// {"label", "scopes": ["events.read", ...] or ["all"] (default: the role's read permissions),
// "days": 1-365 (default 90)}. Only from an interactive session that passed the second factor.
Response create_token(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  std::vector<std::string> scopes;
  if (j->contains("scopes")) {
    if (!(*j)["scopes"].is_array()) return fail(400, "scopes must be a list of permission names");
    for (const auto& x : (*j)["scopes"])
      if (x.is_string())
        scopes.push_back(x.get<std::string>());
      else
        return fail(400, "scopes must be a list of permission names");
  }
  int days = 0;
  if (j->contains("days")) {
    if (!(*j)["days"].is_number_integer()) return fail(400, "days must be a whole number");
    days = (*j)["days"].get<int>();
    if (days < 1) return fail(400, "days must be at least 1");
  }
  auto t = api.auth.create_token(r.who.user, str(*j, "label"), scopes, days, now_ns());
  api.audit(r, r.who.user, "token_create", t.ok(), r.who.user, str(*j, "label") + (t ? "" : ": " + t.error()));
  if (!t) return fail(400, t.error());
  return ok({{"token", *t}, {"note", "shown once; keep it in a secret store"}}, 201);
}

Response revoke_token(Api& api, Request& r) {
  uint64_t id;
  if (!parse_u64(r.params[0], id)) return fail(404, "no such token");
  Status s = api.auth.revoke_token(r.who.user, static_cast<int64_t>(id));
  api.audit(r, r.who.user, "token_revoke", s.ok(), r.who.user, r.params[0]);
  if (!s) return fail(404, s.error());
  return ok({{"revoked", id}});
}

// Every account's tokens (no secrets), for the system administrator; and revocation of any.
Response all_tokens(Api& api, Request&) {
  auto t = api.auth.tokens("");
  if (!t) return fail(500, t.error());
  return ok({{"tokens", tokens_json(*t)}});
}

Response revoke_any_token(Api& api, Request& r) {
  uint64_t id;
  if (!parse_u64(r.params[0], id)) return fail(404, "no such token");
  std::string owner;
  if (auto t = api.auth.tokens(""))
    for (const auto& x : *t)
      if (x.id == static_cast<int64_t>(id)) owner = x.user;
  Status s = api.auth.revoke_token("", static_cast<int64_t>(id));
  api.audit(r, r.who.user, "token_revoke", s.ok(), owner, "token " + r.params[0]);
  if (!s) return fail(404, s.error());
  return ok({{"revoked", id}, {"user", owner}});
}

Response users(Api& api, Request&) {
  auto list = api.auth.accounts();
  if (!list) return fail(500, list.error());
  json out = json::array();
  int64_t now = now_ns();
  for (const auto& a : *list) out.push_back(account_json(a, now));
  return ok({{"users", out}, {"total", out.size()}});
}

json request_json(const Auth::Request& q) {
  return {{"id", q.id},
          {"action", q.action},
          {"target", q.target},
          {"by", q.by},
          {"role", q.role},
          {"display", q.display},
          {"state", q.state},
          {"decided_by", q.decided_by},
          {"created", format_rfc3339(q.created)},
          {"decided", q.decided ? format_rfc3339(q.decided) : ""}};
}

// A change that needs a second administrator (Auth::needs_approval) is filed as a request and
// answered 202 with its number and, for a new or reset password, the first half.
std::optional<Response> file_if_needed(Api& api, Request& r, const std::string& action, const std::string& target,
                                       const std::string& display, std::optional<Role> role, bool disabled) {
  std::string why = api.auth.needs_approval(action, target, role);
  if (why.empty()) return std::nullopt;
  auto rq = api.auth.request_change(r.who.user, action, target, display, role, disabled, now_ns());
  api.audit(r, r.who.user, "approval_request", rq.ok(), target,
            action + (role ? std::string(" role ") + role_name(*role) : "") + (rq ? "" : ": " + rq.error()));
  if (!rq) return fail(rq.error().rfind("no such", 0) == 0 ? 404 : 400, rq.error());
  json out = {{"request", request_json(rq->first)}, {"pending", true}, {"reason", why}};
  if (!rq->second.empty()) {
    out["password_first_half"] = rq->second;
    out["note"] =
        "密码前半部分，仅显示一次；后半部分在批准时显示给批准人 / the password's first half, shown once; the approver gets the second half";
  }
  return ok(out, 202);
}

Response create_user(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  auto role = parse_role(str(*j, "role"));
  if (!role)
    return fail(400,
                "role 须为 sysadmin、secadmin、auditadmin、readonly 或 collector / role must be sysadmin, secadmin, auditadmin, readonly "
                "or collector");
  if (auto filed = file_if_needed(api, r, "create", str(*j, "name"), str(*j, "display"), role, false)) return *filed;
  auto t = api.auth.create(str(*j, "name"), str(*j, "display"), *role, str(*j, "password"), now_ns());
  api.audit(r, r.who.user, "user_create", t.ok(), str(*j, "name"), std::string("role ") + role_name(*role) + (t ? "" : ": " + t.error()));
  if (!t) return fail(400, t.error());
  json out = {{"created", str(*j, "name")}, {"role", role_name(*role)}};
  if (!t->empty()) out["token"] = *t;
  return ok(out, 201);
}

Response update_user(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  const std::string& name = r.params[0];
  std::optional<std::string> display;
  std::optional<Role> role;
  std::optional<bool> disabled;
  if (j->contains("display")) display = str(*j, "display");
  if (j->contains("role")) {
    role = parse_role(str(*j, "role"));
    if (!role) return fail(400, "unknown role");
    // An administrator cannot hand their own account another role (and so cannot become the
    // audit administrator who would read their own trail).
    if (name == r.who.user) return fail(403, "不能修改自己的角色 / you cannot change your own role");
  }
  if (j->contains("disabled")) {
    if (!(*j)["disabled"].is_boolean()) return fail(400, "disabled must be true or false");
    disabled = (*j)["disabled"].get<bool>();
    if (name == r.who.user) return fail(403, "不能停用或启用自己的账号 / you cannot disable or enable your own account");
  }
  if ((role ? 1 : 0) + (disabled ? 1 : 0) > 1) return fail(400, "change the role and the disabled state in separate requests");
  if (role)
    if (auto filed = file_if_needed(api, r, "role", name, "", role, false)) return *filed;
  if (disabled)
    if (auto filed = file_if_needed(api, r, *disabled ? "disable" : "enable", name, "", std::nullopt, *disabled)) return *filed;
  Status s = api.auth.update(name, display, role, disabled);
  api.audit(r, r.who.user, "user_update", s.ok(), name, dump(*j).substr(0, 200));
  if (!s) return fail(s.error().rfind("no such", 0) == 0 ? 404 : 400, s.error());
  return ok({{"updated", name}});
}

Response user_action(Api& api, Request& r, const std::string& what) {
  const std::string& name = r.params[0];
  if (name == r.who.user && what != "unlock")
    return fail(403,
                "不能对自己的账号执行此操作（请在个人设置中修改密码）/ not on your own account (change your password in your profile)");
  if (!api.auth.account(name)) return fail(404, "no such account: " + name);
  if (auto filed = file_if_needed(api, r, what, name, "", std::nullopt, false)) return *filed;
  Status s;
  if (what == "unlock")
    s = api.auth.unlock(name);
  else if (what == "reset_mfa")
    s = api.auth.reset_mfa(name);
  else if (what == "delete")
    s = api.auth.remove(name);
  else if (what == "reset_password") {
    Response err;
    auto j = body_object(r, err);
    if (!j) return err;
    s = api.auth.reset_password(name, str(*j, "password"), now_ns());
  }
  api.audit(r, r.who.user, "user_" + what, s.ok(), name, s ? "" : s.error());
  if (!s) return fail(s.error().rfind("no such", 0) == 0 ? 404 : 400, s.error());
  return ok({{"done", what}, {"user", name}});
}

Response list_requests(Api& api, Request&) {
  auto l = api.auth.requests(now_ns());
  if (!l) return fail(500, l.error());
  json out = json::array();
  for (const auto& q : *l) out.push_back(request_json(q));
  return ok({{"requests", out}});
}

Response decide_request(Api& api, Request& r, bool approve) {
  uint64_t id;
  if (!parse_u64(r.params[0], id)) return fail(404, "no such request");
  std::string target;
  if (auto q = api.auth.request(static_cast<int64_t>(id))) target = q->target + " (" + q->action + " by " + q->by + ")";
  auto res = api.auth.decide(static_cast<int64_t>(id), r.who, approve, now_ns());
  api.audit(r, r.who.user, approve ? "approval_grant" : "approval_reject", res.ok(), target,
            "request " + r.params[0] + (res ? "" : ": " + res.error()));
  if (!res)
    return fail(res.error().rfind("no such", 0) == 0 ? 404
                : res.error().find("权限") != std::string::npos || res.error().find("不能") != std::string::npos ||
                        res.error().find("审计管理员") != std::string::npos
                    ? 403
                    : 409,
                res.error());
  json out = {{"id", id}, {"state", approve ? "approved" : "rejected"}};
  if (!res->empty()) {
    out["password_second_half"] = *res;
    out["note"] =
        "密码后半部分，仅显示一次；账号持有人须同时获得前后两半并在首次登录时修改 / the second half, shown once; the holder needs both "
        "halves and must change it at first login";
  }
  return ok(out);
}

}  // namespace

void add_account_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  auto act = [api](const char* what) { return [api, what](Request& r) { return user_action(*api, r, what); }; };
  std::vector<Route> own = {
      {"POST", "/api/v1/auth/login", P::kPublic, false, h(login), "password step of the login"},
      {"GET", "/api/v1/auth/me", P::kSelf, true, h(me), "the session: user, role, stage, CSRF token, permissions"},
      {"POST", "/api/v1/auth/logout", P::kSelf, true, h(logout), "end the session"},
      {"POST", "/api/v1/auth/password", P::kSelf, true, h(change_password), "change one's own password"},
      {"GET", "/api/v1/auth/mfa/enroll", P::kSelf, true, h(mfa_begin), "TOTP enrolment: otpauth URI and QR code"},
      {"POST", "/api/v1/auth/mfa/enroll", P::kSelf, true, h(mfa_finish), "confirm enrolment with a code"},
      {"POST", "/api/v1/auth/mfa", P::kSelf, true, h(mfa_verify), "second factor of the login"},
      {"GET", "/api/v1/auth/tokens", P::kSelf, false, h(list_tokens), "one's own API tokens"},
      {"GET", "/api/v1/tokens", P::kUsersRead, false, h(all_tokens), "every account's API tokens (no secrets)"},
      {"DELETE", "/api/v1/tokens/{id}", P::kUsersWrite, false, h(revoke_any_token), "revoke any account's API token"},
      {"GET", "/api/v1/users/requests", P::kUsersRead, false, h(list_requests), "account changes waiting for a second administrator"},
      {"GET", "/api/v1/approvals", P::kUsersApprove, false, h(list_requests), "account changes to approve or reject"},
      {"POST", "/api/v1/approvals/{id}/approve", P::kUsersApprove, false, [api](Request& r) { return decide_request(*api, r, true); },
       "approve (carry out) an account change"},
      {"POST", "/api/v1/approvals/{id}/reject", P::kUsersApprove, false, [api](Request& r) { return decide_request(*api, r, false); },
       "reject an account change"},
      {"POST", "/api/v1/auth/tokens", P::kSelf, false, h(create_token), "create an API token (shown once)"},
      {"DELETE", "/api/v1/auth/tokens/{id}", P::kSelf, false, h(revoke_token), "revoke an API token"},
      {"GET", "/api/v1/users", P::kUsersRead, false, h(users), "accounts"},
      {"POST", "/api/v1/users", P::kUsersWrite, false, h(create_user), "create an account"},
      {"PATCH", "/api/v1/users/{name}", P::kUsersWrite, false, h(update_user), "change display name, role or disabled"},
      {"DELETE", "/api/v1/users/{name}", P::kUsersWrite, false, act("delete"), "delete an account"},
      {"POST", "/api/v1/users/{name}/unlock", P::kUsersWrite, false, act("unlock"), "unlock a locked account"},
      {"POST", "/api/v1/users/{name}/reset-password", P::kUsersWrite, false, act("reset_password"), "set a one-time password"},
      {"POST", "/api/v1/users/{name}/reset-mfa", P::kUsersWrite, false, act("reset_mfa"), "make the account enrol TOTP again"},
  };
  t.insert(t.end(), own.begin(), own.end());
}

}  // namespace wardsec::server
