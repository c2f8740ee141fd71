#include "server/auth.h"

#include <argon2.h>
#include <sqlite3.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/timeutil.h"
#include "core/sqlite.h"
#include "core/strutil.h"
#include "server/auth_internal.h"
#include "server/secretbox.h"

namespace wardsec::server {

using detail::kLocked;

// ---- roles ----------------------------------------------------------------------------------

namespace detail {

// The role table. The three administrators share nothing but their own profile: the system
// administrator runs the platform (accounts, settings, health) and sees no security data; the
// security administrator works the security data (events, alerts, assets, rules); the audit
// administrator reads what the other two did, and nothing else.
const std::vector<RoleInfo>& role_table() {
  static const std::vector<RoleInfo> t = {
      {Role::kSysAdmin,
       "sysadmin",
       "系统管理员",
       {Perm::kSelf, Perm::kSystemRead, Perm::kUsersRead, Perm::kUsersWrite, Perm::kSettingsRead, Perm::kSettingsWrite,
        Perm::kBastionAccounts, Perm::kBastionAccountsRead, Perm::kAgentsRead, Perm::kAgentsWrite}},
      {Role::kSecAdmin,
       "secadmin",
       "安全管理员",
       {Perm::kSelf, Perm::kDashboard, Perm::kEventsRead, Perm::kAlertsRead, Perm::kAlertsWrite, Perm::kAssetsRead, Perm::kAssetsWrite,
        Perm::kComplianceRead, Perm::kComplianceWrite, Perm::kSystemRead, Perm::kUsersApprove, Perm::kBastionWrite, Perm::kBastionRead,
        Perm::kBastionAccountsRead, Perm::kIncidentsRead, Perm::kIncidentsWrite, Perm::kAgentsRead, Perm::kAgentsRespond,
        Perm::kRegionScopes}},
      // The audit administrator approves only changes to security administrators' accounts
      // (approvals.cc), so a lone security administrator can be reset by two others.
      {Role::kAuditAdmin,
       "auditadmin",
       "审计管理员",
       {Perm::kSelf, Perm::kAuditRead, Perm::kUsersApprove, Perm::kBastionRead, Perm::kBastionAccountsRead}},
      {Role::kReadOnly,
       "readonly",
       "只读用户",
       {Perm::kSelf, Perm::kDashboard, Perm::kEventsRead, Perm::kAlertsRead, Perm::kAssetsRead, Perm::kComplianceRead, Perm::kSystemRead,
        Perm::kIncidentsRead, Perm::kAgentsRead}},
      // Log senders and scripts that only write events: API tokens, never an interactive login.
      {Role::kCollector, "collector", "数据接入", {Perm::kIngest}},
      // Operators work on servers through the bastion (SSH or the console's web terminal) and
      // see nothing else; what they may reach is the security administrator's grants.
      {Role::kOperator, "operator", "运维人员", {Perm::kSelf, Perm::kBastionUse}},
  };
  return t;
}

const RoleInfo& info(Role r) {
  for (const auto& i : role_table())
    if (i.role == r) return i;
  return role_table().back();
}

}  // namespace detail

using namespace detail;

const char* role_name(Role r) { return info(r).name; }
const char* role_name_zh(Role r) { return info(r).zh; }
std::optional<Role> parse_role(std::string_view s) {
  for (const auto& i : role_table())
    if (s == i.name) return i.role;
  return std::nullopt;
}

const char* perm_name(Perm p) {
  switch (p) {
    case Perm::kPublic: return "public";
    case Perm::kSelf: return "self";
    case Perm::kDashboard: return "dashboard.read";
    case Perm::kEventsRead: return "events.read";
    case Perm::kAlertsRead: return "alerts.read";
    case Perm::kAlertsWrite: return "alerts.write";
    case Perm::kAssetsRead: return "assets.read";
    case Perm::kAssetsWrite: return "assets.write";
    case Perm::kComplianceRead: return "compliance.read";
    case Perm::kComplianceWrite: return "compliance.write";
    case Perm::kSystemRead: return "system.read";
    case Perm::kUsersRead: return "users.read";
    case Perm::kUsersWrite: return "users.write";
    case Perm::kSettingsRead: return "settings.read";
    case Perm::kSettingsWrite: return "settings.write";
    case Perm::kAuditRead: return "audit.read";
    case Perm::kIngest: return "ingest";
    case Perm::kUsersApprove: return "users.approve";
    case Perm::kBastionAccounts: return "bastion.accounts";
    case Perm::kBastionAccountsRead: return "bastion.accounts.read";
    case Perm::kBastionWrite: return "bastion.write";
    case Perm::kBastionRead: return "bastion.read";
    case Perm::kBastionUse: return "bastion.use";
    case Perm::kIncidentsRead: return "incidents.read";
    case Perm::kIncidentsWrite: return "incidents.write";
    case Perm::kAgentsRead: return "agents.read";
    case Perm::kAgentsWrite: return "agents.write";
    case Perm::kAgentsRespond: return "agents.respond";
    case Perm::kRegionScopes: return "region.write";
  }
  return "?";
}

bool role_has(Role r, Perm p) {
  if (p == Perm::kPublic) return true;
  const auto& ps = info(r).perms;
  return std::find(ps.begin(), ps.end(), p) != ps.end();
}

bool Principal::may(Perm p) const {
  if (!role_has(role, p)) return false;
  return !token || p == Perm::kPublic || std::find(scopes.begin(), scopes.end(), p) != scopes.end();
}

std::vector<std::string> role_perms(Role r) {
  std::vector<std::string> out;
  for (Perm p : info(r).perms) out.push_back(perm_name(p));
  return out;
}

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kPasswordChange: return "password_change";
    case Stage::kMfaEnroll: return "mfa_enroll";
    case Stage::kMfa: return "mfa";
    case Stage::kActive: return "active";
  }
  return "?";
}

// ---- the account store ----------------------------------------------------------------------

namespace detail {

const char* kSchema =
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, display TEXT NOT NULL DEFAULT '', role TEXT NOT NULL,"
    " pw_hash TEXT NOT NULL DEFAULT '', pw_changed INTEGER NOT NULL DEFAULT 0, must_change INTEGER NOT NULL DEFAULT 1,"
    " totp_secret TEXT NOT NULL DEFAULT '', totp_last_step INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,"
    " locked_until INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,"
    " last_login INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS pw_history(name TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tokens(id INTEGER PRIMARY KEY, user TEXT NOT NULL, label TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL, last_used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS known_sources(name TEXT NOT NULL, ip TEXT NOT NULL, last INTEGER NOT NULL, PRIMARY KEY(name, ip));"
    "CREATE TABLE IF NOT EXISTS requests(id INTEGER PRIMARY KEY, action TEXT NOT NULL, target TEXT NOT NULL, by TEXT NOT NULL,"
    " role TEXT NOT NULL DEFAULT '', display TEXT NOT NULL DEFAULT '', disabled INTEGER NOT NULL DEFAULT 0, half_hash TEXT NOT NULL "
    "DEFAULT '',"
    " state TEXT NOT NULL DEFAULT 'pending', decided_by TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, decided INTEGER NOT NULL "
    "DEFAULT 0);";

// Columns added after the first release: added to older account stores at open.
const char* kMigrations[] = {
    "ALTER TABLE users ADD COLUMN mfa_failures INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE users ADD COLUMN mfa_locked_until INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE tokens ADD COLUMN expires INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT ''",
};

const char* kCols =
    "name, display, role, disabled, must_change, totp_secret != '', failures, locked_until, pw_changed, created, last_login, "
    "mfa_locked_until";

Account row_account(const sqlite::Stmt& s) {
  Account a;
  a.name = s.text(0);
  a.display = s.text(1);
  a.role = parse_role(s.text(2)).value_or(Role::kReadOnly);
  a.disabled = s.i64(3) != 0;
  a.must_change = s.i64(4) != 0;
  a.mfa_enrolled = s.i64(5) != 0;
  a.failures = static_cast<int>(s.i64(6));
  a.locked_until = s.i64(7);
  a.pw_changed = s.i64(8);
  a.created = s.i64(9);
  a.last_login = s.i64(10);
  a.mfa_locked_until = s.i64(11);
  return a;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

const AuthError kBadLogin{401, "用户名或密码错误 / wrong account name or password"};

}  // namespace detail

using namespace detail;

Result<std::unique_ptr<Auth>> Auth::open(const std::string& path, const AuthOptions& opt, const std::string& key_dir) {
  std::unique_ptr<Auth> a(new Auth());
  a->opt_ = opt;
  Status s = sqlite::open(path, &a->db_, {kSchema});
  if (!s) return Error{s.error()};
  for (const char* m : kMigrations) (void)sqlite::exec(a->db_, m);  // fails with "duplicate column" once migrated: expected
  if (Status p = sqlite::exec(a->db_, "PRAGMA secure_delete=ON"); !p)
    return Error{p.error()};  // replaced hashes and seeds are zeroed, not left in free pages
  auto box = SecretBox::load_or_create(key_dir);
  if (!box) return Error{box.error()};
  a->box_ = std::make_unique<SecretBox>(*box);
  // Tokens from before scopes and expiry: a collector's keeps ingest; others get their role's
  // read permissions; all expire after the default life from now.
  {
    std::vector<std::pair<int64_t, std::string>> old;
    if (Status q = sqlite::query(a->db_, "SELECT t.id, u.role FROM tokens t JOIN users u ON u.name = t.user WHERE t.scopes = ''", {},
                                 [&](const sqlite::Stmt& st) { old.emplace_back(st.i64(0), st.text(1)); });
        !q)
      return Error{q.error()};
    int64_t now = now_ns();
    for (const auto& [id, role] : old) {
      std::string scopes;
      for (Perm p : info(parse_role(role).value_or(Role::kReadOnly)).perms) {
        std::string n = perm_name(p);
        if (p != Perm::kSelf && p != Perm::kUsersApprove && n.find(".write") == std::string::npos)
          scopes += (scopes.empty() ? "" : ",") + n;
      }
      Status u = sqlite::Stmt(a->db_, "UPDATE tokens SET scopes = ?, expires = CASE WHEN expires = 0 THEN ? ELSE expires END WHERE id = ?")
                     .bind(1, scopes)
                     .bind(2, now + static_cast<int64_t>(opt.token_days) * 86400 * kSec)
                     .bind(3, id)
                     .run();
      if (!u) return Error{u.error()};
    }
  }
  // TOTP secrets stored in clear by an earlier version are sealed now.
  std::vector<std::pair<std::string, std::string>> clear;
  if (Status q = sqlite::query(a->db_, "SELECT name, totp_secret FROM users WHERE totp_secret != '' AND totp_secret NOT LIKE 'sm4$%'", {},
                               [&](const sqlite::Stmt& st) { clear.emplace_back(st.text(0), st.text(1)); });
      !q)
    return Error{q.error()};
  for (const auto& [n, sec] : clear)
    if (Status u = sqlite::Stmt(a->db_, "UPDATE users SET totp_secret = ? WHERE name = ?").bind(1, a->box_->seal(sec)).bind(2, n).run(); !u)
      return Error{u.error()};
  return a;
}

std::optional<std::string> Auth::totp_secret(const std::string& user) {
  std::string sealed;
  if (!sqlite::query(db_, "SELECT totp_secret FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) { sealed = st.text(0); }))
    return std::nullopt;  // unreadable: no code is accepted
  return box_->open(sealed);
}

Auth::~Auth() { sqlite3_close(db_); }

Result<Account> Auth::load(const std::string& name) {
  std::optional<Account> a;
  Status s = sqlite::query(db_, std::string("SELECT ") + kCols + " FROM users WHERE name = ?", {name},
                           [&](const sqlite::Stmt& st) { a = row_account(st); });
  if (!s) return Error{s.error()};
  if (!a) return Error{"no such account: " + name};
  return *a;
}

Result<std::vector<std::pair<std::string, std::string>>> Auth::bootstrap(const std::string& file, int64_t now) {
  std::vector<std::pair<std::string, std::string>> made;
  {
    std::lock_guard<std::mutex> g(mu_);
    int64_t n = 0;
    Status s = sqlite::query(db_, "SELECT count(*) FROM users", {}, [&](const sqlite::Stmt& st) { n = st.i64(0); });
    if (!s) return Error{s.error()};
    if (n > 0) return made;
  }
  const std::pair<const char*, const char*> three[] = {
      {"sysadmin", "系统管理员"}, {"secadmin", "安全管理员"}, {"auditadmin", "审计管理员"}};
  std::vector<std::string> passwords, hashes;
  for (size_t i = 0; i < std::size(three); i++) {  // hashed before the lock is taken
    passwords.push_back(one_time_password(16));
    auto h = hash_password(passwords.back());
    if (!h) return Error{h.error()};
    hashes.push_back(*h);
  }
  std::lock_guard<std::mutex> g(mu_);
  int64_t n = 0;
  Status s = sqlite::query(db_, "SELECT count(*) FROM users", {}, [&](const sqlite::Stmt& st) { n = st.i64(0); });
  if (!s) return Error{s.error()};
  if (n > 0) return made;  // another start made them meanwhile
  for (size_t i = 0; i < std::size(three); i++) {
    auto [name, display] = three[i];
    const std::string& pw = passwords[i];
    const std::string* h = &hashes[i];
    sqlite::Stmt ins(db_, "INSERT INTO users(name, display, role, pw_hash, pw_changed, must_change, created) VALUES(?,?,?,?,?,1,?)");
    ins.bind(1, std::string(name)).bind(2, std::string(display)).bind(3, std::string(name)).bind(4, *h).bind(5, now).bind(6, now);
    if (Status r = ins.run(); !r) return Error{r.error()};
    made.emplace_back(name, pw);
  }
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  FILE* f = std::fopen(file.c_str(), "w");
  if (!f) return Error{"cannot write " + file};
  ::chmod(file.c_str(), 0600);
  std::fprintf(f,
               "# wardsec one-time passwords, made at first start. Each must be changed at first login,\n"
               "# which also enrols the authenticator app (TOTP). Delete this file afterwards.\n");
  for (const auto& [u, p] : made) std::fprintf(f, "%s %s\n", u.c_str(), p.c_str());
  std::fclose(f);
  return made;
}

bool Auth::rate_ok(const std::string& ip, int64_t now) {
  auto& v = attempts_[ip];
  v.erase(std::remove_if(v.begin(), v.end(), [&](int64_t t) { return t < now - 60 * kSec; }), v.end());
  if (static_cast<int>(v.size()) >= opt_.login_rate_per_minute) return false;
  v.push_back(now);
  if (attempts_.size() > 10000) attempts_.erase(attempts_.begin());  // bounded: an address flood cannot grow it
  return true;
}

void Auth::end_sessions_of(const std::string& user, const std::string& except) {
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = (it->second.user == user && it->first != except) ? sessions_.erase(it) : std::next(it);
}

namespace {
// A session that has not finished its login (password change, code) lives 10 minutes at most.
constexpr int64_t kLoginStepNs = 10 * 60 * kSec;
bool expired(const Session& s, const AuthOptions& o, int64_t now) {
  return now - s.last_seen > static_cast<int64_t>(o.idle_timeout_minutes) * 60 * kSec ||
         now - s.created > static_cast<int64_t>(o.session_max_hours) * 3600 * kSec ||
         (s.stage != Stage::kActive && now - s.created > kLoginStepNs);
}
}  // namespace

void Auth::purge_sessions(int64_t now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) it = expired(it->second, opt_, now) ? sessions_.erase(it) : std::next(it);
}

bool Auth::source_locked(const std::string& user, const std::string& ip, int64_t now) {
  auto it = failures_.find({user, ip});
  return it != failures_.end() && it->second.locked_until > now;
}

bool Auth::known_source(const std::string& user, const std::string& ip) {
  bool known = false;
  // Unreadable: not known (the stricter answer).
  (void)sqlite::query(db_, "SELECT 1 FROM known_sources WHERE name = ? AND ip = ?", {user, ip}, [&](const sqlite::Stmt&) { known = true; });
  return known;
}

// Counted per (account, address), for unknown names too, so the answers cannot tell them
// apart. The lockout starts at lockout_minutes and doubles at each repeat within a day (at
// most 16x). It touches no session and no token: someone else's guesses end nothing of the
// account's owner.
AuthStatus Auth::count_failure(const std::string& user, const std::string& ip, int64_t now) {
  if (failures_.size() > 50000) {  // bounded: drop entries that lock nothing
    for (auto it = failures_.begin(); it != failures_.end();)
      it = it->second.locked_until <= now && now - it->second.last > 86400 * kSec ? failures_.erase(it) : std::next(it);
    if (failures_.size() > 50000) failures_.erase(failures_.begin());
  }
  Failures& f = failures_[{user, ip}];
  if (now - f.last > 86400 * kSec) f.level = 0;
  f.last = now;
  int64_t window = static_cast<int64_t>(opt_.lockout_minutes) * 60 * kSec;
  auto& all = account_failures_[user];
  all.erase(std::remove_if(all.begin(), all.end(), [&](int64_t t) { return t < now - window; }), all.end());
  all.push_back(now);
  if (account_failures_.size() > 50000) account_failures_.erase(account_failures_.begin());
  // The counts and locks live in memory first (failures_, account_failures_); the account
  // row mirrors them for the console, so a failed write here does not lift a lock.
  (void)sqlite::Stmt(db_, "UPDATE users SET failures = ? WHERE name = ?").bind(1, static_cast<int64_t>(all.size())).bind(2, user).run();
  // Many addresses guessing one account: locked for every address it never logged in from.
  if (static_cast<int>(all.size()) >= opt_.account_lock_failures)
    (void)sqlite::Stmt(db_, "UPDATE users SET locked_until = ? WHERE name = ?").bind(1, now + window).bind(2, user).run();
  if (++f.count < opt_.lockout_failures) return {};
  f.count = 0;
  f.locked_until = now + window * (int64_t{1} << std::min(f.level, 4));
  f.level++;
  return kLocked;
}

Result<Session, AuthError> Auth::login(const std::string& user, const std::string& password, const std::string& ip, int64_t now) {
  // The password hash is checked without the lock (argon2 takes tens of milliseconds and
  // memory): a login in progress must not stall every other request, which all take mu_.
  auto read = [&](std::string& hash) {
    std::optional<Account> acc;
    // Unreadable: no account, so the login fails (and is counted).
    if (!sqlite::query(db_, std::string("SELECT ") + kCols + ", pw_hash FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) {
          acc = row_account(st);
          hash = st.text(12);
        }))
      acc.reset();
    return acc;
  };
  std::string hash;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!rate_ok(ip, now)) return AuthError{429, "登录尝试过于频繁，请稍后再试 / too many login attempts from this address; wait a minute"};
    read(hash);
  }
  // Unknown accounts cost the same hash as known ones, so timing does not tell them apart;
  // and they are counted and locked the same way, so the answers do not either.
  static const std::string dummy = hash_password("wardsec-dummy-password").value();
  bool ok = verify_password(hash.empty() ? dummy : hash, password);
  std::lock_guard<std::mutex> g(mu_);
  // The account as it is now: a password changed or an account disabled while the hash was
  // being checked counts, not what was read before.
  std::string now_hash;
  std::optional<Account> acc = read(now_hash);
  if (now_hash != hash) ok = false;
  if (source_locked(user, ip, now)) return kLocked;
  if (acc && acc->locked_until > now && !known_source(user, ip)) return kLocked;
  if (!acc || acc->role == Role::kCollector || acc->disabled || !ok) {
    if (AuthStatus st = count_failure(user, ip, now); !st) return st.failure();
    return kBadLogin;
  }
  failures_.erase({user, ip});
  purge_sessions(now);
  Session s;
  s.id = to_hex(random_bytes(32));
  s.csrf = to_hex(random_bytes(32));
  s.user = user;
  s.ip = ip;
  s.role = acc->role;
  s.created = s.last_seen = now;
  bool pw_expired =
      opt_.password_max_age_days > 0 && now - acc->pw_changed > static_cast<int64_t>(opt_.password_max_age_days) * 86400 * kSec;
  if (acc->must_change || pw_expired)
    s.stage = Stage::kPasswordChange;
  else if (acc->mfa_enrolled)
    s.stage = Stage::kMfa;
  else if (opt_.require_mfa)
    s.stage = Stage::kMfaEnroll;
  else
    s.stage = Stage::kActive;
  if (s.stage == Stage::kActive) {
    sqlite::Stmt ll(db_, "UPDATE users SET last_login = ? WHERE name = ?");
    (void)ll.bind(1, now).bind(2, user).run();  // informational (shown in the console)
    if (opt_.single_session) end_sessions_of(user, "");
  }
  // At most max_sessions_per_account per account (the oldest go), and a bound in all.
  std::vector<std::pair<int64_t, std::string>> mine;
  for (const auto& [id, x] : sessions_)
    if (x.user == user) mine.emplace_back(x.created, id);
  std::sort(mine.begin(), mine.end());
  for (size_t i = 0; i < mine.size() && static_cast<int>(mine.size() - i) >= opt_.max_sessions_per_account; i++)
    sessions_.erase(mine[i].second);
  if (sessions_.size() > 10000) return AuthError{429, "too many open sessions"};
  sessions_[s.id] = s;
  return s;
}

// An account that finished its login steps: active, its address known (auth_mfa.cc).
void activate(Session& s, sqlite3* db, int64_t now);

Status Auth::store_password(const std::string& name, const std::string& hash, bool must_change, int64_t now) {
  sqlite::Stmt up(db_, "UPDATE users SET pw_hash = ?, pw_changed = ?, must_change = ? WHERE name = ?");
  up.bind(1, hash).bind(2, now).bind(3, static_cast<int64_t>(must_change)).bind(4, name);
  if (Status s = up.run(); !s) return s;
  sqlite::Stmt hi(db_, "INSERT INTO pw_history(name, hash, at) VALUES(?,?,?)");
  hi.bind(1, name).bind(2, hash).bind(3, now);
  return hi.run();
}

AuthStatus Auth::change_password(const std::string& sid, const std::string& old_pw, const std::string& new_pw, int64_t now) {
  // What the hashes need is read under the lock; argon2 runs without it (see login).
  std::string user, hash, display;
  std::vector<std::string> recent;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = sessions_.find(sid);
    if (it == sessions_.end()) return AuthError{401, "未登录或会话已过期 / not logged in, or the session expired"};
    const Session& s = it->second;
    if (s.stage != Stage::kPasswordChange && s.stage != Stage::kActive) return AuthError{409, "finish the login first"};
    user = s.user;
    Status r = sqlite::query(db_, "SELECT pw_hash, display FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) {
      hash = st.text(0);
      display = st.text(1);
    });
    if (r)
      r = sqlite::query(db_, "SELECT hash FROM pw_history WHERE name = ? ORDER BY at DESC LIMIT ?",
                        {user, std::to_string(opt_.password_history)}, [&](const sqlite::Stmt& st) { recent.push_back(st.text(0)); });
    if (!r) return AuthError{500, r.error()};
  }
  bool old_ok = verify_password(hash, old_pw);
  std::string problem;
  std::string new_hash;
  if (old_ok) {
    if (Status p = check_password(opt_, user, new_pw, display); !p) problem = p.error();
    recent.push_back(hash);
    for (const auto& h : recent)
      if (problem.empty() && verify_password(h, new_pw))
        problem = "不能重复使用最近 " + std::to_string(opt_.password_history) + " 次的密码 / must differ from the last " +
                  std::to_string(opt_.password_history) + " passwords";
    if (problem.empty()) {
      auto h = hash_password(new_pw);
      if (!h) return AuthError{500, h.error()};
      new_hash = *h;
    }
  }
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return AuthError{401, "未登录或会话已过期 / not logged in, or the session expired"};
  Session& s = it->second;
  if (!old_ok) {
    std::string ip = s.ip;
    if (AuthStatus st = count_failure(user, ip, now); !st) {
      sessions_.erase(it);  // this session guessed: it ends, the owner's others do not
      return st;
    }
    return AuthError{403, "原密码错误 / the current password is wrong"};
  }
  if (!problem.empty()) return AuthError{400, problem};
  std::string current;
  if (Status r =
          sqlite::query(db_, "SELECT pw_hash FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) { current = st.text(0); });
      !r)
    return AuthError{500, r.error()};
  if (current != hash) return AuthError{409, "密码已被同时修改，请重试 / the password was changed meanwhile; try again"};
  if (Status st = store_password(user, new_hash, false, now); !st) return AuthError{500, st.error()};
  if (s.stage == Stage::kPasswordChange) {
    auto a = load(user);
    if (a && a->mfa_enrolled)
      s.stage = Stage::kMfa;
    else if (opt_.require_mfa)
      s.stage = Stage::kMfaEnroll;
    else
      activate(s, db_, now);
  }
  end_sessions_of(user, sid);  // other sessions used the old password
  return {};
}

void Auth::logout(const std::string& sid) {
  std::lock_guard<std::mutex> g(mu_);
  sessions_.erase(sid);
}

std::optional<Session> Auth::rotate(const std::string& sid) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return std::nullopt;
  Session s = it->second;
  sessions_.erase(it);
  s.id = to_hex(random_bytes(32));
  s.csrf = to_hex(random_bytes(32));
  sessions_[s.id] = s;
  return s;
}

std::optional<Principal> Auth::session(const std::string& sid, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return std::nullopt;
  Session& s = it->second;
  if (expired(s, opt_, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  s.last_seen = now;
  return Principal{s.user, s.role, s.stage, s.id, s.csrf, false, {}};
}

std::optional<Principal> Auth::session_peek(const std::string& sid, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return std::nullopt;
  const Session& s = it->second;
  if (expired(s, opt_, now)) return std::nullopt;
  return Principal{s.user, s.role, s.stage, s.id, s.csrf, false, {}};
}

}  // namespace wardsec::server
