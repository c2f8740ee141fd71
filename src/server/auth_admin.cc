// Accounts and API tokens as the administrators and scripts see them: the list, creation,
// changes, resets and removal (the routes check who may; approvals.cc who must agree), and
// tokens with their scopes and life.
#include <sqlite3.h>

#include <algorithm>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "server/auth.h"
#include "server/auth_internal.h"

namespace wardsec::server {

using namespace detail;

// A token works while its account is enabled and until it expires; its owner's lockout (by
// someone else's guesses) does not stop it.
std::optional<Principal> Auth::token(const std::string& bearer, int64_t now) {
  if (bearer.size() < 20) return std::nullopt;
  std::lock_guard<std::mutex> g(mu_);
  std::optional<Principal> p;
  int64_t id = 0, last = 0;
  // Unreadable: no principal (the token is refused).
  (void)sqlite::query(db_,
                      "SELECT t.id, u.name, u.role, t.scopes, t.last_used FROM tokens t JOIN users u ON u.name = t.user WHERE t.hash = ? "
                      "AND u.disabled = 0 AND (t.expires = 0 OR t.expires > ?)",
                      {sha256_hex(bearer), std::to_string(now)}, [&](const sqlite::Stmt& st) {
                        id = st.i64(0);
                        last = st.i64(4);
                        p = Principal{st.text(1), parse_role(st.text(2)).value_or(Role::kReadOnly), Stage::kActive, "", "", true, {}};
                        std::string scopes = st.text(3);
                        for (auto sc : split_view(scopes, ','))
                          for (const auto& i : role_table())
                            for (Perm q : i.perms)
                              if (sc == perm_name(q) && std::find(p->scopes.begin(), p->scopes.end(), q) == p->scopes.end())
                                p->scopes.push_back(q);
                      });
  // At most one write a minute per token: a busy script should not turn reads into writes.
  if (p && last < now - 60 * kSec)
    (void)sqlite::Stmt(db_, "UPDATE tokens SET last_used = ? WHERE id = ?").bind(1, now).bind(2, id).run();  // informational
  return p;
}

Result<std::vector<Account>> Auth::accounts() {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<Account> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kCols + " FROM users ORDER BY name", {},
                           [&](const sqlite::Stmt& st) { out.push_back(row_account(st)); });
  if (!s) return Error{s.error()};
  int64_t now = now_ns();
  for (auto& a : out)
    for (auto it = failures_.lower_bound({a.name, ""}); it != failures_.end() && it->first.first == a.name; ++it)
      if (it->second.locked_until > now) a.locked_sources++;
  return out;
}

Result<Account> Auth::account(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  return load(name);
}

Result<std::string> Auth::create(const std::string& name, const std::string& display, Role role, const std::string& password, int64_t now) {
  if (!valid_name(name)) return Error{"账号名须为 1-64 个字母、数字、_ - . / name: 1-64 letters, digits, _ - ."};
  std::string hash;
  if (role != Role::kCollector) {  // hashed before the lock is taken (see Auth::login)
    if (Status p = check_password(opt_, name, password, display); !p) return Error{p.error()};
    auto h = hash_password(password);
    if (!h) return Error{h.error()};
    hash = *h;
  }
  std::lock_guard<std::mutex> g(mu_);
  if (load(name)) return Error{"账号已存在 / account exists: " + name};
  sqlite::Stmt ins(db_, "INSERT INTO users(name, display, role, pw_hash, pw_changed, must_change, created) VALUES(?,?,?,?,?,1,?)");
  ins.bind(1, name).bind(2, display).bind(3, std::string(role_name(role))).bind(4, hash).bind(5, now).bind(6, now);
  if (Status s = ins.run(); !s) return Error{s.error()};
  if (role != Role::kCollector) {
    sqlite::Stmt hi(db_, "INSERT INTO pw_history(name, hash, at) VALUES(?,?,?)");
    if (Status s = hi.bind(1, name).bind(2, hash).bind(3, now).run(); !s) return Error{s.error()};
    return std::string();
  }
  std::string secret = "wst_" + to_hex(random_bytes(24));
  sqlite::Stmt tk(db_, "INSERT INTO tokens(user, label, hash, created, expires, scopes) VALUES(?,?,?,?,?,'ingest')");
  tk.bind(1, name)
      .bind(2, std::string("initial"))
      .bind(3, sha256_hex(secret))
      .bind(4, now)
      .bind(5, now + static_cast<int64_t>(opt_.token_max_days) * 86400 * kSec);
  if (Status s = tk.run(); !s) return Error{s.error()};
  return secret;
}

Status Auth::update(const std::string& name, const std::optional<std::string>& display, const std::optional<Role>& role,
                    const std::optional<bool>& disabled) {
  std::lock_guard<std::mutex> g(mu_);
  auto a = load(name);
  if (!a) return Error{a.error()};
  if (role && ((*role == Role::kCollector) != (a->role == Role::kCollector)))
    return Error{"数据接入账号与登录账号不能互换角色 / a collector cannot become an interactive account or the other way round"};
  Status s;
  if (display && s) s = sqlite::Stmt(db_, "UPDATE users SET display = ? WHERE name = ?").bind(1, *display).bind(2, name).run();
  if (role && s)
    s = sqlite::Stmt(db_, "UPDATE users SET role = ? WHERE name = ?").bind(1, std::string(role_name(*role))).bind(2, name).run();
  if (disabled && s)
    s = sqlite::Stmt(db_, "UPDATE users SET disabled = ? WHERE name = ?").bind(1, static_cast<int64_t>(*disabled)).bind(2, name).run();
  if (!s) return s;
  if (role || (disabled && *disabled)) access_removed(name);  // a changed role takes effect at once
  return {};
}

Status Auth::unlock(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (auto a = load(name); !a) return Error{a.error()};
  failures_.erase(failures_.lower_bound({name, ""}), failures_.lower_bound({name + '\x01', ""}));
  account_failures_.erase(name);
  return sqlite::Stmt(db_, "UPDATE users SET locked_until = 0, failures = 0, mfa_failures = 0, mfa_locked_until = 0 WHERE name = ?")
      .bind(1, name)
      .run();
}

Status Auth::reset_password(const std::string& name, const std::string& password, int64_t now) {
  if (Status p = check_password(opt_, name, password); !p) return p;
  auto h = hash_password(password);  // before the lock is taken (see Auth::login)
  if (!h) return Error{h.error()};
  std::lock_guard<std::mutex> g(mu_);
  auto a = load(name);
  if (!a) return Error{a.error()};
  if (a->role == Role::kCollector) return Error{"a collector has tokens, not a password"};
  access_removed(name);
  // A reset hands the account over: no token survives it.
  if (Status d = sqlite::Stmt(db_, "DELETE FROM tokens WHERE user = ?").bind(1, name).run(); !d) return d;
  return store_password(name, *h, true, now);
}

Status Auth::reset_mfa(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (auto a = load(name); !a) return Error{a.error()};
  access_removed(name);
  if (Status d = sqlite::Stmt(db_, "DELETE FROM tokens WHERE user = ?").bind(1, name).run(); !d) return d;
  return sqlite::Stmt(db_, "UPDATE users SET totp_secret = '', totp_last_step = 0, mfa_failures = 0, mfa_locked_until = 0 WHERE name = ?")
      .bind(1, name)
      .run();
}

Status Auth::remove(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (auto a = load(name); !a) return Error{a.error()};
  access_removed(name);
  if (Status d = sqlite::Stmt(db_, "DELETE FROM tokens WHERE user = ?").bind(1, name).run(); !d) return d;
  if (Status d = sqlite::Stmt(db_, "DELETE FROM pw_history WHERE name = ?").bind(1, name).run(); !d) return d;
  return sqlite::Stmt(db_, "DELETE FROM users WHERE name = ?").bind(1, name).run();
}

Result<std::string> Auth::create_token(const std::string& user, const std::string& label, const std::vector<std::string>& scopes, int days,
                                       int64_t now) {
  if (label.empty() || label.size() > 100) return Error{"令牌须有 1-100 个字符的名称 / a token needs a label of 1-100 characters"};
  if (days < 0 || days > opt_.token_max_days)
    return Error{"有效期须为 1-" + std::to_string(opt_.token_max_days) + " 天 / days must be 1-" + std::to_string(opt_.token_max_days)};
  std::lock_guard<std::mutex> g(mu_);
  auto a = load(user);
  if (!a) return Error{a.error()};
  // Scopes within the role; "all" is the whole role, none its read permissions. Never the
  // account's own profile (password, tokens): a token cannot mint tokens.
  std::vector<std::string> granted;
  const auto& perms = info(a->role).perms;
  for (Perm p : perms) {
    std::string n = perm_name(p);
    if (p == Perm::kSelf) continue;
    bool want = scopes.empty() ? (n.find(".write") == std::string::npos && p != Perm::kUsersApprove)
                               : std::find(scopes.begin(), scopes.end(), "all") != scopes.end() ||
                                     std::find(scopes.begin(), scopes.end(), n) != scopes.end();
    if (want) granted.push_back(n);
  }
  for (const auto& sc : scopes)
    if (sc != "all" && std::find(granted.begin(), granted.end(), sc) == granted.end())
      return Error{"权限范围 '" + sc + "' 不在该账号角色之内 / scope '" + sc + "' is not a permission of the role " + role_name(a->role)};
  std::string joined;
  for (const auto& g2 : granted) joined += (joined.empty() ? "" : ",") + g2;
  std::string secret = "wst_" + to_hex(random_bytes(24));
  int64_t expires = now + static_cast<int64_t>(days ? days : opt_.token_days) * 86400 * kSec;
  sqlite::Stmt tk(db_, "INSERT INTO tokens(user, label, hash, created, expires, scopes) VALUES(?,?,?,?,?,?)");
  tk.bind(1, user).bind(2, label).bind(3, sha256_hex(secret)).bind(4, now).bind(5, expires).bind(6, joined);
  if (Status s = tk.run(); !s) return Error{s.error()};
  return secret;
}

Result<std::vector<Auth::TokenInfo>> Auth::tokens(const std::string& user) {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<TokenInfo> out;
  Status s =
      sqlite::query(db_, "SELECT id, label, user, created, last_used, expires, scopes FROM tokens WHERE user = ? OR ? = '' ORDER BY id",
                    {user, user}, [&](const sqlite::Stmt& st) {
                      TokenInfo t{st.i64(0), st.text(1), st.text(2), st.i64(3), st.i64(4), st.i64(5), {}};
                      std::string scopes = st.text(6);
                      for (auto sc : split_view(scopes, ',')) t.scopes.emplace_back(sc);
                      out.push_back(std::move(t));
                    });
  if (!s) return Error{s.error()};
  return out;
}

Status Auth::revoke_token(const std::string& user, int64_t id) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = sqlite::Stmt(db_, "DELETE FROM tokens WHERE id = ? AND (user = ? OR ? = '')").bind(1, id).bind(2, user).bind(3, user).run();
  if (!s) return s;
  if (sqlite::changes(db_) == 0) return Error{"no such token"};
  return {};
}

std::optional<std::string> Auth::setting(const std::string& key) {
  std::lock_guard<std::mutex> g(mu_);
  std::optional<std::string> v;
  if (!sqlite::query(db_, "SELECT value FROM settings WHERE key = ?", {key}, [&](const sqlite::Stmt& st) { v = st.text(0); }))
    return std::nullopt;
  return v;
}

Status Auth::set_setting(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> g(mu_);
  return sqlite::Stmt(db_, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(1, key)
      .bind(2, value)
      .run();
}

size_t Auth::session_count() {
  std::lock_guard<std::mutex> g(mu_);
  return sessions_.size();
}

}  // namespace wardsec::server
