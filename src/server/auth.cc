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

namespace wardsec::server {

// ---- roles ----------------------------------------------------------------------------------

namespace {

struct RoleInfo {
  Role role;
  const char* name;
  const char* zh;
  std::vector<Perm> perms;
};

// The role table. The three administrators share nothing but their own profile: the system
// administrator runs the platform (accounts, settings, health) and sees no security data; the
// security administrator works the security data (events, alerts, assets, rules); the audit
// administrator reads what the other two did, and nothing else.
const std::vector<RoleInfo>& role_table() {
  static const std::vector<RoleInfo> t = {
      {Role::kSysAdmin, "sysadmin", "系统管理员",
       {Perm::kSelf, Perm::kSystemRead, Perm::kUsersRead, Perm::kUsersWrite, Perm::kSettingsRead}},
      {Role::kSecAdmin, "secadmin", "安全管理员",
       {Perm::kSelf, Perm::kDashboard, Perm::kEventsRead, Perm::kAlertsRead, Perm::kAlertsWrite, Perm::kAssetsRead,
        Perm::kAssetsWrite, Perm::kComplianceRead, Perm::kComplianceWrite, Perm::kSystemRead}},
      {Role::kAuditAdmin, "auditadmin", "审计管理员", {Perm::kSelf, Perm::kAuditRead}},
      {Role::kReadOnly, "readonly", "只读用户",
       {Perm::kSelf, Perm::kDashboard, Perm::kEventsRead, Perm::kAlertsRead, Perm::kAssetsRead, Perm::kComplianceRead,
        Perm::kSystemRead}},
      // Log senders and scripts that only write events: API tokens, never an interactive login.
      {Role::kCollector, "collector", "数据接入", {Perm::kIngest}},
  };
  return t;
}

const RoleInfo& info(Role r) {
  for (const auto& i : role_table())
    if (i.role == r) return i;
  return role_table().back();
}

}  // namespace

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
    case Perm::kAuditRead: return "audit.read";
    case Perm::kIngest: return "ingest";
  }
  return "?";
}

bool role_has(Role r, Perm p) {
  if (p == Perm::kPublic) return true;
  const auto& ps = info(r).perms;
  return std::find(ps.begin(), ps.end(), p) != ps.end();
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

// ---- primitives -----------------------------------------------------------------------------

std::string random_bytes(size_t n) {
  std::string s(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n)) != 1) std::abort();  // no entropy: cannot go on safely
  return s;
}

std::string to_hex(std::string_view b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (unsigned char c : b) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view h) {
  if (h.size() % 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(h.size() / 2);
  for (size_t i = 0; i < h.size(); i += 2) {
    int a = nib(h[i]), b = nib(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out.push_back(static_cast<char>(a << 4 | b));
  }
  return out;
}

std::string base32_encode(std::string_view b) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : b) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(a[(buf >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(a[(buf << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> base32_decode(std::string_view t) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : t) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a';
    else if (c >= '2' && c <= '7') v = c - '2' + 26;
    else if (c == ' ' || c == '=' || c == '-') continue;
    else return std::nullopt;
    buf = (buf << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buf >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string totp_code(std::string_view secret, int64_t step, int digits) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; i--) {
    msg[i] = static_cast<unsigned char>(step & 0xff);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &len);
  int off = mac[len - 1] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[off] & 0x7f) << 24) | (static_cast<uint32_t>(mac[off + 1]) << 16) |
                 (static_cast<uint32_t>(mac[off + 2]) << 8) | mac[off + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; i++) mod *= 10;
  std::string s = std::to_string(bin % mod);
  return std::string(static_cast<size_t>(digits) - s.size(), '0') + s;
}

namespace {
// argon2id as OWASP recommends for interactive logins: 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kArgonT = 2, kArgonM = 19456, kArgonP = 1;
}  // namespace

Result<std::string> hash_password(std::string_view pw) {
  std::string salt = random_bytes(16);
  std::string enc(argon2_encodedlen(kArgonT, kArgonM, kArgonP, 16, 32, Argon2_id) + 1, '\0');
  int rc = argon2id_hash_encoded(kArgonT, kArgonM, kArgonP, pw.data(), pw.size(), salt.data(), salt.size(), 32, enc.data(), enc.size());
  if (rc != ARGON2_OK) return Error{std::string("password hashing failed: ") + argon2_error_message(rc)};
  enc.resize(std::strlen(enc.c_str()));
  return enc;
}

bool verify_password(const std::string& encoded, std::string_view pw) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), pw.data(), pw.size()) == ARGON2_OK;
}

std::string sha256_hex(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<char*>(md), n));
}

bool const_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---- policy ---------------------------------------------------------------------------------

std::string password_problem(const AuthOptions& o, std::string_view user, std::string_view pw) {
  size_t chars = 0;  // code points, so a Chinese pass phrase counts its characters, not bytes
  bool lower = false, upper = false, digit = false, other = false;
  for (unsigned char c : pw) {
    if ((c & 0xc0) != 0x80) chars++;
    if (c >= 'a' && c <= 'z') lower = true;
    else if (c >= 'A' && c <= 'Z') upper = true;
    else if (c >= '0' && c <= '9') digit = true;
    else other = true;
  }
  if (chars < static_cast<size_t>(o.password_min_length))
    return "密码至少 " + std::to_string(o.password_min_length) + " 个字符 / at least " + std::to_string(o.password_min_length) +
           " characters";
  if (pw.size() > 256) return "密码过长 / longer than 256 bytes";
  int classes = lower + upper + digit + other;
  if (classes < o.password_classes)
    return "密码须包含大写字母、小写字母、数字、符号中的至少 " + std::to_string(o.password_classes) + " 类 / needs " +
           std::to_string(o.password_classes) + " of: lower case, upper case, digits, symbols";
  auto lc = [](std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  };
  if (!user.empty() && lc(pw).find(lc(user)) != std::string::npos) return "密码不能包含用户名 / must not contain the account name";
  return "";
}

// ---- the account store ----------------------------------------------------------------------

namespace {


const char* kSchema =
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, display TEXT NOT NULL DEFAULT '', role TEXT NOT NULL,"
    " pw_hash TEXT NOT NULL DEFAULT '', pw_changed INTEGER NOT NULL DEFAULT 0, must_change INTEGER NOT NULL DEFAULT 1,"
    " totp_secret TEXT NOT NULL DEFAULT '', totp_last_step INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,"
    " locked_until INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,"
    " last_login INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS pw_history(name TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tokens(id INTEGER PRIMARY KEY, user TEXT NOT NULL, label TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL, last_used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);";

const char* kCols = "name, display, role, disabled, must_change, totp_secret != '', failures, locked_until, pw_changed, created, last_login";

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
  return a;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

// A password nobody knows, for the accounts bootstrap makes: 16 characters of four classes.
std::string one_time_password() {
  static const char* sets[] = {"abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "@#%+=!?"};
  std::string rnd = random_bytes(16), out;
  for (size_t i = 0; i < 16; i++) {
    const char* set = sets[i % 4];
    out.push_back(set[static_cast<unsigned char>(rnd[i]) % std::strlen(set)]);
  }
  return out;
}

const AuthError kBadLogin{401, "用户名或密码错误 / wrong account name or password"};

}  // namespace

Result<std::unique_ptr<Auth>> Auth::open(const std::string& path, AuthOptions opt) {
  std::unique_ptr<Auth> a(new Auth());
  a->opt_ = opt;
  Status s = sqlite::open(path, &a->db_, {kSchema});
  if (!s) return Error{s.error()};
  ::chmod(path.c_str(), 0600);
  return a;
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
  std::lock_guard<std::mutex> g(mu_);
  std::vector<std::pair<std::string, std::string>> made;
  int64_t n = 0;
  Status s = sqlite::query(db_, "SELECT count(*) FROM users", {}, [&](const sqlite::Stmt& st) { n = st.i64(0); });
  if (!s) return Error{s.error()};
  if (n > 0) return made;
  const std::pair<const char*, const char*> three[] = {{"sysadmin", "系统管理员"}, {"secadmin", "安全管理员"}, {"auditadmin", "审计管理员"}};
  for (auto [name, display] : three) {
    std::string pw = one_time_password();
    auto h = hash_password(pw);
    if (!h) return Error{h.error()};
    sqlite::Stmt ins(db_, "INSERT INTO users(name, display, role, pw_hash, pw_changed, must_change, created) VALUES(?,?,?,?,?,1,?)");
    ins.bind(1, std::string(name)).bind(2, std::string(display)).bind(3, std::string(name)).bind(4, *h).bind(5, now).bind(6, now);
    if (Status r = ins.run(); !r) return Error{r.error()};
    made.emplace_back(name, pw);
  }
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  FILE* f = std::fopen(file.c_str(), "w");
  if (!f) return Error{"cannot write " + file};
  ::chmod(file.c_str(), 0600);
  std::fprintf(f, "# wardsec one-time passwords, made at first start. Each must be changed at first login,\n"
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

std::optional<AuthError> Auth::count_failure(const std::string& user, int64_t now) {
  sqlite::Stmt up(db_, "UPDATE users SET failures = failures + 1 WHERE name = ?");
  up.bind(1, user).run();
  auto a = load(user);
  if (a && a->failures >= opt_.lockout_failures) {
    sqlite::Stmt lk(db_, "UPDATE users SET locked_until = ?, failures = 0 WHERE name = ?");
    lk.bind(1, now + static_cast<int64_t>(opt_.lockout_minutes) * 60 * kSec).bind(2, user).run();
    end_sessions_of(user, "");
    return AuthError{423, "连续失败次数过多，账号已锁定 " + std::to_string(opt_.lockout_minutes) + " 分钟 / too many failures: locked for " +
                              std::to_string(opt_.lockout_minutes) + " minutes"};
  }
  return std::nullopt;
}

std::variant<Session, AuthError> Auth::login(const std::string& user, const std::string& password, const std::string& ip, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  if (!rate_ok(ip, now)) return AuthError{429, "登录尝试过于频繁，请稍后再试 / too many login attempts from this address; wait a minute"};
  std::string hash;
  std::optional<Account> acc;
  sqlite::query(db_, std::string("SELECT ") + kCols + ", pw_hash FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) {
    acc = row_account(st);
    hash = st.text(11);
  });
  // Unknown accounts cost the same hash as known ones, so timing does not tell them apart.
  static const std::string dummy = hash_password("wardsec-dummy-password").value();
  bool ok = verify_password(acc ? hash : dummy, password);
  if (!acc || acc->role == Role::kCollector) return kBadLogin;
  if (acc->locked_until > now)
    return AuthError{423, "账号已锁定，请稍后再试或联系系统管理员解锁 / account locked; try later or ask the system administrator"};
  if (acc->disabled) return kBadLogin;
  if (!ok) {
    if (auto e = count_failure(user, now)) return *e;
    return kBadLogin;
  }
  sqlite::Stmt up(db_, "UPDATE users SET failures = 0, locked_until = 0 WHERE name = ?");
  up.bind(1, user).run();
  Session s;
  s.id = to_hex(random_bytes(32));
  s.csrf = to_hex(random_bytes(32));
  s.user = user;
  s.ip = ip;
  s.role = acc->role;
  s.created = s.last_seen = now;
  bool expired = opt_.password_max_age_days > 0 && now - acc->pw_changed > static_cast<int64_t>(opt_.password_max_age_days) * 86400 * kSec;
  if (acc->must_change || expired) s.stage = Stage::kPasswordChange;
  else if (acc->mfa_enrolled) s.stage = Stage::kMfa;
  else if (opt_.require_mfa) s.stage = Stage::kMfaEnroll;
  else s.stage = Stage::kActive;
  if (s.stage == Stage::kActive) {
    sqlite::Stmt ll(db_, "UPDATE users SET last_login = ? WHERE name = ?");
    ll.bind(1, now).bind(2, user).run();
    if (opt_.single_session) end_sessions_of(user, "");
  }
  if (sessions_.size() > 10000) return AuthError{429, "too many open sessions"};
  sessions_[s.id] = s;
  return s;
}

bool Auth::check_code(const std::string& user, const std::string& secret_b32, const std::string& code, int64_t now) {
  auto secret = base32_decode(secret_b32);
  if (!secret || code.size() != 6) return false;
  int64_t last = 0;
  sqlite::query(db_, "SELECT totp_last_step FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) { last = st.i64(0); });
  int64_t step = now / kSec / 30;
  for (int64_t d = -1; d <= 1; d++) {
    // A code is good once: a step at or before the last one used is a replay.
    if (step + d > last && const_time_equal(totp_code(*secret, step + d), code)) {
      sqlite::Stmt up(db_, "UPDATE users SET totp_last_step = ? WHERE name = ?");
      up.bind(1, step + d).bind(2, user).run();
      return true;
    }
  }
  return false;
}

namespace {
std::optional<AuthError> wrong_stage(const Session* s, Stage want) {
  if (!s) return AuthError{401, "未登录或会话已过期 / not logged in, or the session expired"};
  if (s->stage != want) return AuthError{409, std::string("this step is not expected now (stage: ") + stage_name(s->stage) + ")"};
  return std::nullopt;
}
}  // namespace

static void activate(Session& s, sqlite3* db, int64_t now) {
  s.stage = Stage::kActive;
  s.last_seen = now;
  sqlite::Stmt ll(db, "UPDATE users SET last_login = ? WHERE name = ?");
  ll.bind(1, now).bind(2, s.user).run();
}

std::optional<AuthError> Auth::verify_mfa(const std::string& sid, const std::string& code, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  Session* s = it == sessions_.end() ? nullptr : &it->second;
  if (auto e = wrong_stage(s, Stage::kMfa)) return e;
  std::string secret;
  sqlite::query(db_, "SELECT totp_secret FROM users WHERE name = ?", {s->user}, [&](const sqlite::Stmt& st) { secret = st.text(0); });
  if (!check_code(s->user, secret, code, now)) {
    std::string user = s->user;
    if (auto e = count_failure(user, now)) return e;
    return AuthError{401, "动态口令错误 / wrong authenticator code"};
  }
  sqlite::Stmt up(db_, "UPDATE users SET failures = 0 WHERE name = ?");
  up.bind(1, s->user).run();
  activate(*s, db_, now);
  if (opt_.single_session) end_sessions_of(s->user, sid);
  return std::nullopt;
}

Result<std::string> Auth::mfa_begin(const std::string& sid) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  Session* s = it == sessions_.end() ? nullptr : &it->second;
  if (auto e = wrong_stage(s, Stage::kMfaEnroll)) return Error{e->message};
  if (s->pending_secret.empty()) s->pending_secret = base32_encode(random_bytes(20));
  auto enc = [](const std::string& v) {
    std::string o;
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_') o.push_back(static_cast<char>(c));
      else {
        char b[4];
        std::snprintf(b, sizeof b, "%%%02X", c);
        o += b;
      }
    }
    return o;
  };
  return "otpauth://totp/" + enc(opt_.issuer) + ":" + enc(s->user) + "?secret=" + s->pending_secret + "&issuer=" + enc(opt_.issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

std::optional<AuthError> Auth::mfa_finish(const std::string& sid, const std::string& code, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  Session* s = it == sessions_.end() ? nullptr : &it->second;
  if (auto e = wrong_stage(s, Stage::kMfaEnroll)) return e;
  if (s->pending_secret.empty()) return AuthError{409, "start enrolment first (GET /api/v1/auth/mfa/enroll)"};
  sqlite::Stmt z(db_, "UPDATE users SET totp_last_step = 0 WHERE name = ?");
  z.bind(1, s->user).run();
  if (!check_code(s->user, s->pending_secret, code, now)) return AuthError{401, "动态口令错误，请核对手机时间 / wrong code; check the phone's clock"};
  sqlite::Stmt up(db_, "UPDATE users SET totp_secret = ? WHERE name = ?");
  up.bind(1, s->pending_secret).bind(2, s->user).run();
  s->pending_secret.clear();
  activate(*s, db_, now);
  if (opt_.single_session) end_sessions_of(s->user, sid);
  return std::nullopt;
}

Status Auth::set_password(const std::string& name, const std::string& pw, bool must_change, int64_t now) {
  auto h = hash_password(pw);
  if (!h) return Error{h.error()};
  sqlite::Stmt up(db_, "UPDATE users SET pw_hash = ?, pw_changed = ?, must_change = ? WHERE name = ?");
  up.bind(1, *h).bind(2, now).bind(3, static_cast<int64_t>(must_change)).bind(4, name);
  if (Status s = up.run(); !s) return s;
  sqlite::Stmt hi(db_, "INSERT INTO pw_history(name, hash, at) VALUES(?,?,?)");
  hi.bind(1, name).bind(2, *h).bind(3, now);
  return hi.run();
}

std::optional<AuthError> Auth::change_password(const std::string& sid, const std::string& old_pw, const std::string& new_pw, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return AuthError{401, "未登录或会话已过期 / not logged in, or the session expired"};
  Session& s = it->second;
  if (s.stage != Stage::kPasswordChange && s.stage != Stage::kActive) return AuthError{409, "finish the login first"};
  std::string hash;
  sqlite::query(db_, "SELECT pw_hash FROM users WHERE name = ?", {s.user}, [&](const sqlite::Stmt& st) { hash = st.text(0); });
  if (!verify_password(hash, old_pw)) {
    std::string user = s.user;
    if (auto e = count_failure(user, now)) return e;
    return AuthError{403, "原密码错误 / the current password is wrong"};
  }
  if (auto p = password_problem(opt_, s.user, new_pw); !p.empty()) return AuthError{400, p};
  std::vector<std::string> recent;
  sqlite::query(db_, "SELECT hash FROM pw_history WHERE name = ? ORDER BY at DESC LIMIT ?", {s.user, std::to_string(opt_.password_history)},
                [&](const sqlite::Stmt& st) { recent.push_back(st.text(0)); });
  recent.push_back(hash);
  for (const auto& h : recent)
    if (verify_password(h, new_pw))
      return AuthError{400, "不能重复使用最近 " + std::to_string(opt_.password_history) + " 次的密码 / must differ from the last " +
                                std::to_string(opt_.password_history) + " passwords"};
  if (Status st = set_password(s.user, new_pw, false, now); !st) return AuthError{500, st.error()};
  if (s.stage == Stage::kPasswordChange) {
    auto a = load(s.user);
    if (a && a->mfa_enrolled) s.stage = Stage::kMfa;
    else if (opt_.require_mfa) s.stage = Stage::kMfaEnroll;
    else activate(s, db_, now);
  }
  end_sessions_of(s.user, sid);  // other sessions used the old password
  return std::nullopt;
}

void Auth::logout(const std::string& sid) {
  std::lock_guard<std::mutex> g(mu_);
  sessions_.erase(sid);
}

std::optional<Principal> Auth::session(const std::string& sid, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return std::nullopt;
  Session& s = it->second;
  if (now - s.last_seen > static_cast<int64_t>(opt_.idle_timeout_minutes) * 60 * kSec ||
      now - s.created > static_cast<int64_t>(opt_.session_max_hours) * 3600 * kSec) {
    sessions_.erase(it);
    return std::nullopt;
  }
  s.last_seen = now;
  return Principal{s.user, s.role, s.stage, s.id, s.csrf, false};
}

std::optional<Principal> Auth::session_peek(const std::string& sid, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return std::nullopt;
  const Session& s = it->second;
  if (now - s.last_seen > static_cast<int64_t>(opt_.idle_timeout_minutes) * 60 * kSec ||
      now - s.created > static_cast<int64_t>(opt_.session_max_hours) * 3600 * kSec)
    return std::nullopt;
  return Principal{s.user, s.role, s.stage, s.id, s.csrf, false};
}

std::optional<Principal> Auth::token(const std::string& bearer, int64_t now) {
  if (bearer.size() < 20) return std::nullopt;
  std::lock_guard<std::mutex> g(mu_);
  std::optional<Principal> p;
  int64_t id = 0;
  sqlite::query(db_,
                "SELECT t.id, u.name, u.role FROM tokens t JOIN users u ON u.name = t.user WHERE t.hash = ? AND u.disabled = 0 "
                "AND u.locked_until <= ?",
                {sha256_hex(bearer), std::to_string(now)}, [&](const sqlite::Stmt& st) {
                  id = st.i64(0);
                  p = Principal{st.text(1), parse_role(st.text(2)).value_or(Role::kReadOnly), Stage::kActive, "", "", true};
                });
  if (p) {
    // At most one write a minute per token: a busy script should not turn reads into writes.
    sqlite::Stmt up(db_, "UPDATE tokens SET last_used = ? WHERE id = ? AND last_used < ?");
    up.bind(1, now).bind(2, id).bind(3, now - 60 * kSec).run();
  }
  return p;
}

Result<std::vector<Account>> Auth::accounts() {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<Account> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kCols + " FROM users ORDER BY name", {},
                           [&](const sqlite::Stmt& st) { out.push_back(row_account(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<Account> Auth::account(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  return load(name);
}

Result<std::string> Auth::create(const std::string& name, const std::string& display, Role role, const std::string& password, int64_t now) {
  if (!valid_name(name)) return Error{"账号名须为 1-64 个字母、数字、_ - . / name: 1-64 letters, digits, _ - ."};
  std::lock_guard<std::mutex> g(mu_);
  if (load(name)) return Error{"账号已存在 / account exists: " + name};
  std::string hash;
  if (role != Role::kCollector) {
    if (auto p = password_problem(opt_, name, password); !p.empty()) return Error{p};
    auto h = hash_password(password);
    if (!h) return Error{h.error()};
    hash = *h;
  }
  sqlite::Stmt ins(db_, "INSERT INTO users(name, display, role, pw_hash, pw_changed, must_change, created) VALUES(?,?,?,?,?,1,?)");
  ins.bind(1, name).bind(2, display).bind(3, std::string(role_name(role))).bind(4, hash).bind(5, now).bind(6, now);
  if (Status s = ins.run(); !s) return Error{s.error()};
  if (role != Role::kCollector) {
    sqlite::Stmt hi(db_, "INSERT INTO pw_history(name, hash, at) VALUES(?,?,?)");
    if (Status s = hi.bind(1, name).bind(2, hash).bind(3, now).run(); !s) return Error{s.error()};
    return std::string();
  }
  std::string secret = "wst_" + to_hex(random_bytes(24));
  sqlite::Stmt tk(db_, "INSERT INTO tokens(user, label, hash, created) VALUES(?,?,?,?)");
  tk.bind(1, name).bind(2, std::string("initial")).bind(3, sha256_hex(secret)).bind(4, now);
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
  if (display) sqlite::Stmt(db_, "UPDATE users SET display = ? WHERE name = ?").bind(1, *display).bind(2, name).run();
  if (role) sqlite::Stmt(db_, "UPDATE users SET role = ? WHERE name = ?").bind(1, std::string(role_name(*role))).bind(2, name).run();
  if (disabled) sqlite::Stmt(db_, "UPDATE users SET disabled = ? WHERE name = ?").bind(1, static_cast<int64_t>(*disabled)).bind(2, name).run();
  if (role || (disabled && *disabled)) end_sessions_of(name, "");  // a changed role takes effect at once
  return {};
}

Status Auth::unlock(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (auto a = load(name); !a) return Error{a.error()};
  return sqlite::Stmt(db_, "UPDATE users SET locked_until = 0, failures = 0 WHERE name = ?").bind(1, name).run();
}

Status Auth::reset_password(const std::string& name, const std::string& password, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto a = load(name);
  if (!a) return Error{a.error()};
  if (a->role == Role::kCollector) return Error{"a collector has tokens, not a password"};
  if (auto p = password_problem(opt_, name, password); !p.empty()) return Error{p};
  end_sessions_of(name, "");
  return set_password(name, password, true, now);
}

Status Auth::reset_mfa(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (auto a = load(name); !a) return Error{a.error()};
  end_sessions_of(name, "");
  return sqlite::Stmt(db_, "UPDATE users SET totp_secret = '', totp_last_step = 0 WHERE name = ?").bind(1, name).run();
}

Status Auth::remove(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (auto a = load(name); !a) return Error{a.error()};
  end_sessions_of(name, "");
  sqlite::Stmt(db_, "DELETE FROM tokens WHERE user = ?").bind(1, name).run();
  sqlite::Stmt(db_, "DELETE FROM pw_history WHERE name = ?").bind(1, name).run();
  return sqlite::Stmt(db_, "DELETE FROM users WHERE name = ?").bind(1, name).run();
}

Result<std::string> Auth::create_token(const std::string& user, const std::string& label, int64_t now) {
  if (label.empty() || label.size() > 100) return Error{"a token needs a label of 1-100 characters"};
  std::lock_guard<std::mutex> g(mu_);
  if (auto a = load(user); !a) return Error{a.error()};
  std::string secret = "wst_" + to_hex(random_bytes(24));
  sqlite::Stmt tk(db_, "INSERT INTO tokens(user, label, hash, created) VALUES(?,?,?,?)");
  tk.bind(1, user).bind(2, label).bind(3, sha256_hex(secret)).bind(4, now);
  if (Status s = tk.run(); !s) return Error{s.error()};
  return secret;
}

Result<std::vector<Auth::TokenInfo>> Auth::tokens(const std::string& user) {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<TokenInfo> out;
  Status s = sqlite::query(db_, "SELECT id, label, user, created, last_used FROM tokens WHERE user = ? ORDER BY id", {user},
                           [&](const sqlite::Stmt& st) { out.push_back({st.i64(0), st.text(1), st.text(2), st.i64(3), st.i64(4)}); });
  if (!s) return Error{s.error()};
  return out;
}

Status Auth::revoke_token(const std::string& user, int64_t id) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = sqlite::Stmt(db_, "DELETE FROM tokens WHERE id = ? AND user = ?").bind(1, id).bind(2, user).run();
  if (!s) return s;
  if (sqlite::changes(db_) == 0) return Error{"no such token"};
  return {};
}

std::optional<std::string> Auth::setting(const std::string& key) {
  std::lock_guard<std::mutex> g(mu_);
  std::optional<std::string> v;
  sqlite::query(db_, "SELECT value FROM settings WHERE key = ?", {key}, [&](const sqlite::Stmt& st) { v = st.text(0); });
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
