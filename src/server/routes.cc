// The API's route table: every route with the permission it needs (checked in http.cc before
// the handler runs) and a one-line summary. docs/openapi.json describes the same routes; a test
// checks that the two agree, and another walks every route with every role.
#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "alert/alert_store.h"
#include "alert/detector.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"
#include "core/fields.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/query.h"
#include "search/search.h"
#include "server/api.h"

namespace wardsec::server {

using json = nlohmann::json;

namespace {

constexpr const char* kAuditDataset = "wardsec.audit";


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

bool is_private(const IpAddr& a) {
  static const std::vector<Cidr> nets = [] {
    std::vector<Cidr> v;
    for (const char* c : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "fc00::/7",
                          "fe80::/10", "::1"})
      v.push_back(*parse_cidr(c));
    return v;
  }();
  for (const auto& c : nets)
    if (c.contains(a)) return true;
  return false;
}

// A zone's key: the first word of its configured name ("core 核心业务区" -> "core").
std::string zone_key(const std::string& name) { return name.substr(0, name.find(' ')); }

// Which zone an address is in; "public" for a public address no zone names.
std::string zone_of(const std::vector<alert::Zone>& zones, std::string_view ip) {
  auto a = parse_ip(ip);
  if (!a) return "";
  for (const auto& z : zones)
    if (z.cidr.contains(*a)) return zone_key(z.name);
  return is_private(*a) ? "" : "public";
}

}  // namespace

Api::Api(ingest::Pipeline& p, HttpOptions& o, Auth& a)
    : pipeline(p),
      opt(o),
      auth(a),
      not_audit(std::get<search::Query>(search::Query::parse(std::string("NOT event.dataset:") + kAuditDataset))),
      audit_only(std::get<search::Query>(search::Query::parse(std::string("event.dataset:") + kAuditDataset))) {}

namespace {
const FieldId kAuditSig = FieldRegistry::intern("wardsec.audit.signature");
const FieldId kAuditKey = FieldRegistry::intern("wardsec.audit.key");
}  // namespace

bool Api::authentic(const Event& ev) const {
  if (ev.get(kEventDataset) != kAuditDataset || !opt.audit_key) return false;
  std::string_view sig = ev.get(kAuditSig);
  auto bin = from_hex(sig);
  return bin && opt.audit_key->verify(ev.raw, *bin);
}

void Api::audit(const Request& r, const std::string& user, const std::string& action, bool ok_, const std::string& target,
                const std::string& detail) {
  static const FieldId kind = FieldRegistry::intern("event.kind"), roles = FieldRegistry::intern("user.roles"),
                       target_user = FieldRegistry::intern("user.target.name"), url = FieldRegistry::intern("url.path"),
                       method = FieldRegistry::intern("http.request.method");
  int64_t now = now_ns();
  json raw = {{"@timestamp", format_rfc3339(now)}, {"event.dataset", kAuditDataset}, {"event.action", action},     {"event.outcome", ok_ ? "success" : "failure"},
              {"user.name", user},                 {"source.ip", r.ip},         {"http.request.method", r.method},
              {"url.path", r.path},                {"target", target},          {"detail", detail}};
  if (r.authenticated) raw["user.roles"] = role_name(r.who.role);
  Event ev;
  ev.raw = dump(raw);
  ev.ts = ev.received = now;
  ev.set(kind, "event");
  ev.set(kEventDataset, kAuditDataset);
  ev.set(kEventModule, "wardsec");
  ev.set(kEventCategory, action.rfind("login", 0) == 0 || action.rfind("logout", 0) == 0 || action.rfind("mfa", 0) == 0 ? "authentication"
                         : action.rfind("user", 0) == 0 || action.rfind("password", 0) == 0 || action.rfind("token", 0) == 0 ? "iam"
                                                                                                                            : "configuration");
  ev.set(kEventAction, action);
  ev.set(kEventOutcome, ok_ ? "success" : "failure");
  if (!user.empty()) ev.set(kUserName, user);
  if (r.authenticated) ev.set(roles, role_name(r.who.role));
  if (!r.ip.empty()) ev.set(kSourceIp, r.ip);
  if (!target.empty()) ev.set(target_user, target);
  ev.set(url, r.path);
  ev.set(method, r.method);
  ev.set(kMessage, "wardsec " + action + (ok_ ? " ok" : " failed") + " by " + (user.empty() ? "-" : user) +
                       (target.empty() ? "" : " on " + target) + (detail.empty() ? "" : ": " + detail));
  // Signed by the instance key over the record's text: the audit administrator's view shows
  // only records whose signature verifies.
  if (opt.audit_key) {
    if (auto sig = opt.audit_key->sign(ev.raw)) {
      ev.set(kAuditSig, to_hex(*sig));
      ev.set(kAuditKey, opt.audit_key->fingerprint());
    }
  }
  std::vector<Event> v;
  v.push_back(std::move(ev));
  pipeline.submit_events(std::move(v), nullptr);
}

double Api::events_per_second() {
  std::lock_guard<std::mutex> g(rate_mu_);
  int64_t now = now_ns();
  uint64_t stored = pipeline.metrics().stored.load();
  if (last_t_ == 0) {
    last_t_ = now;
    last_stored_ = stored;
  } else if (now - last_t_ >= kSec) {
    double inst = static_cast<double>(stored - last_stored_) * 1e9 / static_cast<double>(now - last_t_);
    eps_ = eps_ == 0 ? inst : 0.5 * eps_ + 0.5 * inst;
    last_t_ = now;
    last_stored_ = stored;
  }
  return eps_;
}

std::string Api::metrics_json() {
  const auto& m = pipeline.metrics();
  std::string out = "{\"received\":" + std::to_string(m.received.load()) + ",\"stored\":" + std::to_string(m.stored.load()) +
                    ",\"dropped\":" + std::to_string(m.dropped.load()) + ",\"blocked\":" + std::to_string(m.blocked.load()) +
                    ",\"parse_errors\":" + std::to_string(m.parse_errors.load()) + ",\"store_errors\":" +
                    std::to_string(m.store_errors.load()) + ",\"commits\":" + std::to_string(m.commits.load()) +
                    ",\"queued_bytes\":" + std::to_string(pipeline.queued_bytes()) + ",\"observer_waits\":" +
                    std::to_string(m.observer_waits.load()) + ",\"detect_queued_bytes\":" + std::to_string(pipeline.observer_queued_bytes()) +
                    ",\"sessions\":" + std::to_string(auth.session_count()) +
                    ",\"reserved_renamed\":" + std::to_string(m.reserved_renamed.load());
  if (opt.extra_metrics) out += "," + opt.extra_metrics();
  return out + "}";
}

namespace {

// ---- handlers -------------------------------------------------------------------------------

Response login(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  std::string user = str(*j, "username"), pw = str(*j, "password");
  if (user.empty() || pw.empty()) return fail(400, "请输入账号和密码 / username and password are required");
  auto res = api.auth.login(user, pw, r.ip, now_ns());
  if (auto* e = std::get_if<AuthError>(&res)) {
    api.audit(r, user, e->status == 423 ? "login_locked" : "login", false, "", e->message);
    return fail(e->status, e->message);
  }
  const Session& s = std::get<Session>(res);
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
Response step_done(Api& api, Request& r, const std::string& action, const std::optional<AuthError>& e, const std::string& target) {
  api.audit(r, r.who.user, action, !e, target, e ? e->message : "");
  if (e) return fail(e->status, e->message);
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
  return step_done(api, r, e && e->status == 423 ? "login_locked" : "login_mfa", e, "");
}

json tokens_json(const std::vector<Auth::TokenInfo>& t) {
  json out = json::array();
  for (const auto& x : t)
    out.push_back({{"id", x.id}, {"label", x.label}, {"user", x.user}, {"created", format_rfc3339(x.created)},
                   {"last_used", x.last_used ? format_rfc3339(x.last_used) : ""}, {"expires", x.expires ? format_rfc3339(x.expires) : ""},
                   {"expired", x.expires && x.expires <= now_ns()}, {"scopes", x.scopes}});
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
      if (x.is_string()) scopes.push_back(x.get<std::string>());
      else return fail(400, "scopes must be a list of permission names");
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
  return {{"id", q.id}, {"action", q.action}, {"target", q.target}, {"by", q.by}, {"role", q.role}, {"display", q.display},
          {"state", q.state}, {"decided_by", q.decided_by}, {"created", format_rfc3339(q.created)},
          {"decided", q.decided ? format_rfc3339(q.decided) : ""}};
}

// A change that needs a second administrator (Auth::needs_approval) is filed as a request and
// answered 202 with its number and, for a new or reset password, the first half.
std::optional<Response> file_if_needed(Api& api, Request& r, const std::string& action, const std::string& target, const std::string& display,
                                       std::optional<Role> role, bool disabled) {
  std::string why = api.auth.needs_approval(action, target, role);
  if (why.empty()) return std::nullopt;
  auto rq = api.auth.request_change(r.who.user, action, target, display, role, disabled, now_ns());
  api.audit(r, r.who.user, "approval_request", rq.ok(), target, action + (role ? std::string(" role ") + role_name(*role) : "") + (rq ? "" : ": " + rq.error()));
  if (!rq) return fail(rq.error().rfind("no such", 0) == 0 ? 404 : 400, rq.error());
  json out = {{"request", request_json(rq->first)}, {"pending", true}, {"reason", why}};
  if (!rq->second.empty()) {
    out["password_first_half"] = rq->second;
    out["note"] = "密码前半部分，仅显示一次；后半部分在批准时显示给批准人 / the password's first half, shown once; the approver gets the second half";
  }
  return ok(out, 202);
}

Response create_user(Api& api, Request& r) {
  Response err;
  auto j = body_object(r, err);
  if (!j) return err;
  auto role = parse_role(str(*j, "role"));
  if (!role) return fail(400, "role 须为 sysadmin, secadmin, auditadmin, readonly 或 collector");
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
    return fail(403, "不能对自己的账号执行此操作（请在个人设置中修改密码）/ not on your own account (change your password in your profile)");
  if (!api.auth.account(name)) return fail(404, "no such account: " + name);
  if (auto filed = file_if_needed(api, r, what, name, "", std::nullopt, false)) return *filed;
  Status s;
  if (what == "unlock") s = api.auth.unlock(name);
  else if (what == "reset_mfa") s = api.auth.reset_mfa(name);
  else if (what == "delete") s = api.auth.remove(name);
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
  auto res = api.auth.decide(static_cast<int64_t>(id), r.who, approve, now_ns());
  std::string target;
  if (auto l = api.auth.requests(now_ns()))
    for (const auto& q : *l)
      if (q.id == static_cast<int64_t>(id)) target = q.target + " (" + q.action + " by " + q.by + ")";
  api.audit(r, r.who.user, approve ? "approval_grant" : "approval_reject", res.ok(), target, "request " + r.params[0] + (res ? "" : ": " + res.error()));
  if (!res) return fail(res.error().rfind("no such", 0) == 0 ? 404 : res.error().find("权限") != std::string::npos || res.error().find("不能") != std::string::npos || res.error().find("审计管理员") != std::string::npos ? 403 : 409, res.error());
  json out = {{"id", id}, {"state", approve ? "approved" : "rejected"}};
  if (!res->empty()) {
    out["password_second_half"] = *res;
    out["note"] = "密码后半部分，仅显示一次；账号持有人须同时获得前后两半并在首次登录时修改 / the second half, shown once; the holder needs both halves and must change it at first login";
  }
  return ok(out);
}

Response settings(Api& api, Request&) {
  const auto& a = api.auth.options();
  json j = {{"auth",
             {{"lockout_failures", a.lockout_failures},
              {"lockout_minutes", a.lockout_minutes},
              {"password_min_length", a.password_min_length},
              {"password_classes", a.password_classes},
              {"password_max_age_days", a.password_max_age_days},
              {"password_history", a.password_history},
              {"idle_timeout_minutes", a.idle_timeout_minutes},
              {"session_max_hours", a.session_max_hours},
              {"single_session", a.single_session},
              {"require_mfa", a.require_mfa},
              {"login_rate_per_minute", a.login_rate_per_minute}}}};
  return ok(j);
}

// A user's search: everything but the audit trail, within the query budget and a time limit,
// stopped when the client goes away.
SearchScope user_scope(Api& api, Request& r) {
  SearchScope s;
  s.restrict = &api.not_audit;
  s.budgeted = true;
  s.budget_ns = static_cast<int64_t>(api.opt.search_budget_seconds) * kSec;
  s.cancel = r.cancelled.get();
  return s;
}

Response search(Api& api, Request& r) {
  auto [code, body] = handle_search(api.opt.data_dir, r.target, api.opt.tz_sec, user_scope(api, r));
  return {code, std::move(body)};
}

// The audit trail: the center's own records. No input can write their dataset (guard.cc), and
// each record says whether its signature by the instance key verifies: records from before
// signing (an upgraded center) show as unverified; one whose signature fails was altered.
Response audit_trail(Api& api, Request& r) {
  SearchScope s = user_scope(api, r);
  s.restrict = &api.audit_only;
  s.annotate = [&api](const Event& ev) {
    return std::string(",\"wardsec.audit.verified\":") + (api.authentic(ev) ? "true" : "false");
  };
  auto [code, body] = handle_search(api.opt.data_dir, r.target, api.opt.tz_sec, s);
  return {code, std::move(body)};
}

}  // namespace

std::string time_range(const Api& api, std::map<std::string, std::string>& p, search::SearchOptions& so) {
  int64_t now = now_ns();
  so.to = now;
  so.from = now - 24 * 3600 * kSec;
  for (const char* k : {"from", "to"}) {
    if (p[k].empty()) continue;
    int64_t t;
    if (!parse_user_time(p[k], api.opt.tz_sec, t)) return std::string(k) + ": '" + p[k] + "' is not a time";
    (std::string_view(k) == "from" ? so.from : so.to) = t;
  }
  return so.to <= so.from ? "to must be after from" : "";
}

namespace {

// Matches over time (a histogram) and the commonest values of a few fields: what the search
// page draws above its results. Scans at most `max_scan` matches, newest first, and says so.
Response search_stats(Api& api, Request& r) {
  auto p = r.query;
  auto parsed = search::Query::parse(p["q"], api.opt.tz_sec);
  if (auto* e = std::get_if<search::QueryError>(&parsed)) return {400, error_json("query error: " + e->message, static_cast<long>(e->column))};
  if (auto e = std::get<search::Query>(parsed).over_budget()) return fail(400, e->message);
  search::Query query = search::Query::all_of(std::get<search::Query>(parsed), api.not_audit);
  search::SearchOptions so;
  if (std::string e = time_range(api, p, so); !e.empty()) return fail(400, e);
  const size_t kBuckets = 60, max_scan = 200000;
  so.limit = max_scan;
  so.newest_first = true;
  int64_t width = std::max<int64_t>((so.to - so.from + kBuckets - 1) / kBuckets, 1);
  std::vector<uint64_t> hist(kBuckets, 0);
  static const std::vector<std::string> facet_fields = {"event.dataset", "host.name", "source.ip", "user.name", "event.outcome", "event.action"};
  std::vector<FieldId> ids;
  for (const auto& f : facet_fields) ids.push_back(FieldRegistry::intern(f));
  std::vector<std::map<std::string, uint64_t>> facets(facet_fields.size());
  size_t n = 0;
  search::SearchStats st;
  // An interactive page waits for this: stop after 2 seconds and say how far back it got
  // (newest first, so the recent part of the histogram is always complete).
  const int64_t deadline = now_ns() + 2 * kSec;
  so.cancel = r.cancelled.get();
  int64_t oldest = so.to;
  bool timed_out = false;
  so.deadline = deadline;
  Status s = search::run_search(api.opt.data_dir, query, so, [&](const Event& ev) {
    if ((n & 1023) == 0 && n && now_ns() > deadline) {
      timed_out = true;
      return false;
    }
    oldest = std::min(oldest, ev.ts);
    size_t b = static_cast<size_t>((ev.ts - so.from) / width);
    if (b < kBuckets) hist[b]++;
    if (n++ < 5000)
      for (size_t i = 0; i < ids.size(); i++) {
        auto v = ev.get(ids[i]);
        if (!v.empty() && facets[i].size() < 2000) facets[i][search::display_text(v)]++;
      }
    return true;
  }, st);
  if (!s) return fail(500, s.error());
  json h = json::array();
  for (size_t i = 0; i < kBuckets; i++) h.push_back({{"t", format_rfc3339(so.from + static_cast<int64_t>(i) * width)}, {"count", hist[i]}});
  json f = json::object();
  for (size_t i = 0; i < ids.size(); i++) {
    std::vector<std::pair<std::string, uint64_t>> v(facets[i].begin(), facets[i].end());
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    json arr = json::array();
    for (size_t k = 0; k < v.size() && k < 8; k++) arr.push_back({{"value", v[k].first}, {"count", v[k].second}});
    f[facet_fields[i]] = arr;
  }
  json out = {{"histogram", h}, {"bucket_seconds", width / kSec}, {"facets", f}, {"scanned", n},
              {"truncated", n >= max_scan || timed_out || st.timed_out}, {"facet_sample", std::min<size_t>(n, 5000)}};
  if (n >= max_scan || timed_out || st.timed_out) out["complete_from"] = format_rfc3339(oldest);  // counts older than this are missing
  return ok(out);
}

// CSV or JSON lines of up to 10 000 matches; an export is an audited action.
Response search_export(Api& api, Request& r) {
  std::string target = r.target;
  if (r.query.find("limit") == r.query.end()) target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("limit=10000");
  std::string fmt = r.query["format"].empty() ? "csv" : r.query["format"];
  if (fmt != "csv" && fmt != "json") return fail(400, "format must be csv or json");
  auto [code, body] = handle_search(api.opt.data_dir, target, api.opt.tz_sec, user_scope(api, r));
  api.audit(r, r.who.user, "export", code == 200, "events", "q=" + r.query["q"] + " format=" + fmt);
  if (code != 200) return {code, body};
  auto j = json::parse(body, nullptr, false);
  if (fmt == "json") {
    std::string out;
    for (const auto& e : j["events"]) out += dump(e) + "\n";
    return {200, out, "application/x-ndjson; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"wardsec-events.jsonl\""}}};
  }
  std::vector<std::string> cols = {"@timestamp", "host.name", "event.dataset", "source.ip", "user.name", "event.action", "event.outcome", "message"};
  std::string out = "\xEF\xBB\xBF" + compliance::csv_line(cols) + "\r\n";  // BOM: Excel opens UTF-8 Chinese correctly
  for (const auto& e : j["events"]) {
    std::vector<std::string> row;
    for (const auto& c : cols) {
      std::string v = e.contains(c) && e[c].is_string() ? e[c].get<std::string>() : e.contains(c) ? dump(e[c]) : "";
      defuse_formula(v);  // log lines are attacker-controlled (CSV injection)
      row.push_back(std::move(v));
    }
    out += compliance::csv_line(row) + "\r\n";
  }
  return {200, out, "text/csv; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"wardsec-events.csv\""}}};
}

Response alerts(Api& api, Request& r) {
  if (!api.opt.alerts) return fail(503, "detection is off");
  std::string body = r.body;
  if (r.method == "POST") {
    // Who acts is the logged-in account, whatever the body says.
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object()) return fail(400, "body must be a JSON object");
    j["by"] = r.who.user;
    body = dump(j);
  }
  auto record = [&api](Event&& ev) {
    std::vector<Event> v;
    v.push_back(std::move(ev));
    api.pipeline.submit_events(std::move(v), nullptr);
  };
  auto [code, out] = handle_alerts(*api.opt.alerts, api.opt.data_dir, r.method, r.target, body, api.opt.tz_sec, record);
  if (r.method != "GET") {
    std::string action = r.path.rfind("/api/v1/suppressions", 0) == 0 ? (r.method == "DELETE" ? "suppression_remove" : "suppression_add")
                                                                       : "alert_state";
    api.audit(r, r.who.user, action, code < 300, r.path, r.body.substr(0, 300));
  }
  return {code, std::move(out)};
}

Response inventory_list(Api& api, Request& r, const std::string& kind) {
  auto inv = compliance::Inventory::open(api.opt.data_dir + "/compliance.db");
  if (!inv) return fail(500, inv.error());
  json out = json::array();
  if (kind == "zones") {
    auto z = (*inv)->zones();
    if (!z) return fail(500, z.error());
    for (const auto& x : *z) out.push_back({{"name", x.name}, {"name_zh", x.name_zh}, {"cidr", x.cidr}, {"description", x.description}});
  } else if (kind == "systems") {
    auto s = (*inv)->systems();
    if (!s) return fail(500, s.error());
    for (const auto& x : *s)
      out.push_back({{"id", x.id}, {"name", x.name}, {"name_en", x.name_en}, {"kind", x.kind}, {"level", x.level}, {"owner", x.owner},
                     {"business", x.business}, {"users", x.users}, {"data", x.data}});
  } else {
    auto a = (*inv)->assets();
    if (!a) return fail(500, a.error());
    std::string q = r.query["q"];
    for (const auto& x : *a) {
      if (!q.empty() && (x.name + " " + x.ip + " " + x.system + " " + x.zone + " " + x.type).find(q) == std::string::npos) continue;
      out.push_back({{"name", x.name}, {"ip", x.ip}, {"type", x.type}, {"zone", x.zone}, {"system", x.system}, {"os", x.os}, {"owner", x.owner}});
    }
  }
  return ok({{kind, out}, {"total", out.size()}});
}

Response inventory_import(Api& api, Request& r) {
  const std::string& kind = r.params[0];
  if (kind != "zones" && kind != "systems" && kind != "assets") return fail(404, "kind must be zones, systems or assets");
  auto inv = compliance::Inventory::open(api.opt.data_dir + "/compliance.db");
  if (!inv) return fail(500, inv.error());
  auto n = (*inv)->import_csv(kind, r.body, kind + ".csv");
  api.audit(r, r.who.user, "inventory_import", n.ok(), kind, n ? std::to_string(*n) + " rows" : n.error());
  if (!n) return fail(400, n.error());
  return ok({{"imported", *n}, {"kind", kind}});
}

Response inventory_export(Api& api, Request& r) {
  const std::string& kind = r.params[0];
  if (kind != "zones" && kind != "systems" && kind != "assets") return fail(404, "kind must be zones, systems or assets");
  auto inv = compliance::Inventory::open(api.opt.data_dir + "/compliance.db");
  if (!inv) return fail(500, inv.error());
  auto csv = (*inv)->export_csv(kind);
  api.audit(r, r.who.user, "export", csv.ok(), kind);
  if (!csv) return fail(500, csv.error());
  return {200, "\xEF\xBB\xBF" + *csv, "text/csv; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"" + kind + ".csv\""}}};
}

// The situational-awareness page in one answer: figures, alerts over 24 hours by level, top
// assets and sources, the zones with traffic and alerts between them, assets by protection
// level, and the oldest open serious alerts with their age.
Response dashboard(Api& api, Request&) {
  int64_t now = now_ns();
  json out;
  out["metrics"] = json::parse(api.metrics_json(), nullptr, false);
  out["eps"] = api.events_per_second();
  out["generated"] = format_rfc3339(now);
  std::vector<alert::Zone> zones = api.opt.zones ? *api.opt.zones : std::vector<alert::Zone>{};
  // Inventory: zones' Chinese names, assets by graded system level.
  std::map<std::string, std::string> zone_zh;
  std::map<std::string, int> sys_level;
  json by_level = json::object();
  if (auto inv = compliance::Inventory::open(api.opt.data_dir + "/compliance.db")) {
    if (auto z = (*inv)->zones())
      for (const auto& x : *z) zone_zh[x.name] = x.name_zh;
    // Each graded system with its self-assessment score and conclusion where it has been
    // assessed (the method and weights of catalog/scoring.yaml, as `wardsec score --system`).
    json systems = json::array();
    auto cat = compliance::Catalog::load(api.opt.catalog_file);
    auto scoring = compliance::ScoringConfig::load(api.opt.scoring_file);
    auto assessed = compliance::Assessments::open(api.opt.data_dir + "/compliance.db");
    if (auto s = (*inv)->systems())
      for (const auto& x : *s) {
        sys_level[x.id] = x.level;
        json sj = {{"id", x.id}, {"name", x.name}, {"level", x.level}};
        auto cur = assessed ? (*assessed)->current(x.id) : Result<std::vector<compliance::AssessmentRecord>>(Error{"no store"});
        if (cat && scoring && cur && !cur->empty() && x.level >= 2) {
          std::vector<compliance::ItemAssessment> items;
          for (const auto& rec : *cur) items.push_back({rec.item, rec.result, rec.x, rec.risk});
          auto sc = compliance::compute_score(items, *cat, std::min(x.level, 3), *scoring);
          sj["score"] = std::round(sc.score * 100) / 100;
          sj["conclusion"] = sc.conclusion;
          sj["high_risks"] = sc.high;
          sj["assessed"] = sc.applicable;  // applicable items with a result
          sj["applicable"] = sc.applicable + static_cast<int>(sc.not_assessed.size());
        }
        systems.push_back(sj);
      }
    // Rectification tasks (整改): open and overdue.
    if (assessed) {
      if (auto tasks = (*assessed)->rectifications("")) {
        std::string today = format_rfc3339(now + api.opt.tz_sec * kSec).substr(0, 10);
        int open = 0, overdue = 0;
        for (const auto& t : *tasks)
          if (t.status != "done") {
            open++;
            if (!t.due.empty() && t.due < today) overdue++;
          }
        out["rectification"] = {{"open", open}, {"overdue", overdue}};
      }
    }
    std::map<std::string, int> counts;
    if (auto a = (*inv)->assets())
      for (const auto& x : *a) {
        auto it = sys_level.find(x.system);
        counts[it == sys_level.end() || it->second == 0 ? "未定级" : "第" + std::to_string(it->second) + "级"]++;
      }
    for (auto& [k, v] : counts) by_level[k] = v;
    out["systems"] = systems;
  }
  out["assets_by_level"] = by_level;
  // Alerts of the last 24 hours.
  const std::vector<std::string> levels = {"critical", "high", "medium", "low", "informational"};
  json series = json::object();
  for (const auto& l : levels) series[l] = std::vector<uint64_t>(24, 0);
  std::map<std::string, uint64_t> top_assets, top_sources;
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>> links;  // (from, to) -> (events, alerts)
  std::map<std::string, uint64_t> zone_alerts;
  json open_serious = json::array();
  uint64_t open_total = 0;
  int64_t start = now - 24 * 3600 * kSec;
  if (api.opt.alerts) {
    alert::AlertQuery q;
    q.from = start;
    q.limit = 10000;
    if (auto list = api.opt.alerts->query(q)) {
      for (const auto& a : *list) {
        // By when it happened (the first event), not when detection got to it: a catch-up
        // after a restart must not pile the night's alerts into the current hour.
        int64_t at = a.first_ts ? std::max(a.first_ts, start) : a.created;
        int h = static_cast<int>((at - start) / (3600 * kSec));
        if (h >= 0 && h < 24 && series.contains(a.level)) series[a.level][h] = series[a.level][h].get<uint64_t>() + 1;
        if (!a.asset.empty()) top_assets[a.asset] += 1;
        if (!a.source_ip.empty()) top_sources[a.source_ip] += 1;
        std::string to = zone_key(a.zone), from = zone_of(zones, a.source_ip);
        if (!to.empty()) zone_alerts[to]++;
        if (!to.empty() && !from.empty()) links[{from, to}].second++;
      }
    }
    alert::AlertQuery oq;
    oq.state = "open";
    oq.min_level = "high";
    oq.limit = 1000;
    if (auto list = api.opt.alerts->query(oq)) {
      std::vector<alert::Alert> v = *list;
      std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.created < b.created; });
      for (size_t i = 0; i < v.size() && i < 10; i++)
        open_serious.push_back({{"id", v[i].id}, {"title", v[i].rule_title}, {"level", v[i].level}, {"asset", v[i].asset},
                                {"system", v[i].system}, {"created", format_rfc3339(v[i].created)},
                                {"age_hours", static_cast<double>(now - v[i].created) / (3600.0 * kSec)}, {"state", alert::state_name(v[i].state)}});
    }
    alert::AlertQuery cq;
    cq.state = "open";
    if (auto c = api.opt.alerts->count(cq)) open_total = *c;
  }
  json hours = json::array();
  for (int h = 0; h < 24; h++) hours.push_back(format_rfc3339(start + h * 3600 * kSec));
  out["alerts_24h"] = {{"hours", hours}, {"series", series}};
  out["alerts_open"] = open_total;
  out["open_serious"] = open_serious;
  auto top = [](const std::map<std::string, uint64_t>& m, const char* key) {
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    json arr = json::array();
    for (size_t i = 0; i < v.size() && i < 10; i++) arr.push_back({{key, v[i].first}, {"alerts", v[i].second}});
    return arr;
  };
  out["top_assets"] = top(top_assets, "asset");
  out["top_sources"] = top(top_sources, "source");
  for (auto& s : out["top_sources"]) s["zone"] = zone_of(zones, s["source"].get<std::string>());
  // Traffic between zones: a sample of the last 15 minutes' events that name both ends.
  search::SearchOptions so;
  so.from = now - 15 * 60 * kSec;
  so.limit = 5000;
  so.newest_first = true;
  auto q = search::Query::parse("source.ip:* AND destination.ip:*", api.opt.tz_sec);
  uint64_t sampled = 0;
  if (auto* query = std::get_if<search::Query>(&q)) {
    search::SearchStats st;
    search::run_search(api.opt.data_dir, *query, so, [&](const Event& ev) {
      std::string from = zone_of(zones, ev.get(kSourceIp)), to = zone_of(zones, ev.get(kDestinationIp));
      if (!from.empty() && !to.empty()) links[{from, to}].first++;
      sampled++;
      return true;
    }, st);
  }
  json zj = json::array();
  std::set<std::string> named;
  for (const auto& z : zones) {
    std::string k = zone_key(z.name);
    if (!named.insert(k).second) continue;
    std::string zh = zone_zh.count(k) ? zone_zh[k] : z.name.size() > k.size() ? z.name.substr(k.size() + 1) : k;
    zj.push_back({{"name", k}, {"name_zh", zh}, {"alerts", zone_alerts[k]}});
  }
  zj.push_back({{"name", "public"}, {"name_zh", "互联网（外部）"}, {"alerts", 0}});
  out["zones"] = zj;
  json lj = json::array();
  for (const auto& [k, v] : links) lj.push_back({{"from", k.first}, {"to", k.second}, {"events", v.first}, {"alerts", v.second}});
  out["zone_links"] = lj;
  out["zone_sample_events"] = sampled;
  return ok(out);
}

Response ingest(Api& api, Request& r) {
  ingest::RawBatch b;
  b.input = "http";
  b.source = r.ip + " (" + r.who.user + ")";
  std::string_view body = r.body;
  size_t line_no = 0;
  int64_t now = now_ns();
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = trim(body.substr(0, nl));
    line_no++;
    if (!line.empty()) {
      if (line.front() != '{') return fail(400, "line " + std::to_string(line_no) + ": not a JSON object");
      b.add(line, now);
    }
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  size_t n = b.msgs.size();
  if (n == 0) return fail(400, "empty batch: send one JSON object per line");
  auto respond = r.respond;
  b.on_durable = [respond, n](bool good) {
    if (good) respond({200, "{\"accepted\":" + std::to_string(n) + "}"});
    else respond({503, error_json("event store error; retry")});
  };
  if (!api.pipeline.try_submit(b)) return fail(503, "ingest queue full; retry later");
  Response res;
  res.deferred = true;
  return res;
}

}  // namespace

std::vector<Route> build_routes(Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  auto act = [api](const char* what) { return [api, what](Request& r) { return user_action(*api, r, what); }; };
  auto inv = [api](const char* kind) { return [api, kind](Request& r) { return inventory_list(*api, r, kind); }; };
  std::vector<Route> t = {
      {"GET", "/api/v1/health", P::kPublic, false, [](Request&) { return ok({{"status", "ok"}, {"version", "0.1.0"}}); }, "liveness"},
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
      {"POST", "/api/v1/approvals/{id}/approve", P::kUsersApprove, false,
       [api](Request& r) { return decide_request(*api, r, true); }, "approve (carry out) an account change"},
      {"POST", "/api/v1/approvals/{id}/reject", P::kUsersApprove, false,
       [api](Request& r) { return decide_request(*api, r, false); }, "reject an account change"},
      {"POST", "/api/v1/auth/tokens", P::kSelf, false, h(create_token), "create an API token (shown once)"},
      {"DELETE", "/api/v1/auth/tokens/{id}", P::kSelf, false, h(revoke_token), "revoke an API token"},
      {"GET", "/api/v1/metrics", P::kSystemRead, false, [api](Request&) { return Response{200, api->metrics_json()}; }, "ingest and detection counters"},
      {"GET", "/api/v1/dashboard", P::kDashboard, false, h(dashboard), "situational awareness in one answer"},
      {"GET", "/api/v1/search", P::kEventsRead, false, h(search), "search stored events"},
      {"GET", "/api/v1/search/stats", P::kEventsRead, false, h(search_stats), "histogram and field facets of a search"},
      {"GET", "/api/v1/search/export", P::kEventsRead, false, h(search_export), "export matches as CSV or JSON lines"},
      {"GET", "/api/v1/alerts", P::kAlertsRead, false, h(alerts), "list alerts"},
      {"GET", "/api/v1/alerts/{id}", P::kAlertsRead, false, h(alerts), "one alert with history and events"},
      {"POST", "/api/v1/alerts/{id}/state", P::kAlertsWrite, false, h(alerts), "acknowledge or close an alert"},
      {"GET", "/api/v1/suppressions", P::kAlertsRead, false, h(alerts), "suppression windows"},
      {"POST", "/api/v1/suppressions", P::kAlertsWrite, false, h(alerts), "add a suppression window"},
      {"DELETE", "/api/v1/suppressions/{id}", P::kAlertsWrite, false, h(alerts), "remove a suppression window"},
      {"GET", "/api/v1/zones", P::kAssetsRead, false, inv("zones"), "security zones"},
      {"GET", "/api/v1/systems", P::kAssetsRead, false, inv("systems"), "graded systems"},
      {"GET", "/api/v1/assets", P::kAssetsRead, false, inv("assets"), "assets"},
      {"POST", "/api/v1/inventory/{kind}", P::kAssetsWrite, false, h(inventory_import), "import zones, systems or assets (CSV)", true},
      {"GET", "/api/v1/inventory/{kind}/export", P::kAssetsRead, false, h(inventory_export), "export zones, systems or assets (CSV)"},
      {"GET", "/api/v1/users", P::kUsersRead, false, h(users), "accounts"},
      {"POST", "/api/v1/users", P::kUsersWrite, false, h(create_user), "create an account"},
      {"PATCH", "/api/v1/users/{name}", P::kUsersWrite, false, h(update_user), "change display name, role or disabled"},
      {"DELETE", "/api/v1/users/{name}", P::kUsersWrite, false, act("delete"), "delete an account"},
      {"POST", "/api/v1/users/{name}/unlock", P::kUsersWrite, false, act("unlock"), "unlock a locked account"},
      {"POST", "/api/v1/users/{name}/reset-password", P::kUsersWrite, false, act("reset_password"), "set a one-time password"},
      {"POST", "/api/v1/users/{name}/reset-mfa", P::kUsersWrite, false, act("reset_mfa"), "make the account enrol TOTP again"},
      {"GET", "/api/v1/settings", P::kSettingsRead, false, h(settings), "the account security policy in force"},
      {"GET", "/api/v1/audit", P::kAuditRead, false, h(audit_trail), "the administrators' audit trail"},
      {"GET", "/api/v1/live", P::kDashboard, false,
       [](Request&) { return Response{426, error_json("open a WebSocket here"), "application/json; charset=utf-8", {{"Upgrade", "websocket"}}}; },
       "WebSocket: figures, new alerts and new events every second"},
      {"POST", "/api/v1/ingest", P::kIngest, false, h(ingest), "JSON lines into the store (answers when durable)", true},
  };
  add_compliance_routes(t, api);
  add_web_routes(t, api);
  add_db_routes(t, api);
  return t;
}

}  // namespace wardsec::server
