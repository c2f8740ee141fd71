// The center's own security (等保 asks it of the management center itself): local accounts
// with argon2id password hashes, a complexity / expiry / history policy, lockout after
// repeated failures, TOTP second factor (RFC 6238), sessions with idle and absolute timeouts
// and a CSRF token, API tokens for scripts and log senders, and the role table that keeps the
// three administrators (三员: system, security, audit) apart.
//
// Accounts live in <data>/accounts.db (SQLite). Sessions live in memory: a restart logs
// everybody out, which is the safe direction.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"

struct sqlite3;

namespace wardsec::server {

// ---- roles and permissions ------------------------------------------------------------------

// One role per account, so one account can never combine two of the three administrators.
// kOperator: a server administrator or vendor engineer who works through the bastion only.
enum class Role { kSysAdmin, kSecAdmin, kAuditAdmin, kReadOnly, kCollector, kOperator };
const char* role_name(Role r);     // sysadmin, secadmin, auditadmin, readonly, collector, operator
const char* role_name_zh(Role r);  // 系统管理员 ...
std::optional<Role> parse_role(std::string_view s);

// What a route needs. kPublic: nobody needs to be logged in; kSelf: any fully logged-in
// account (its own profile, password, tokens).
enum class Perm {
  kPublic,
  kSelf,
  kDashboard,
  kEventsRead,
  kAlertsRead,
  kAlertsWrite,
  kAssetsRead,
  kAssetsWrite,
  kComplianceRead,
  kComplianceWrite,
  kSystemRead,
  kUsersRead,
  kUsersWrite,
  kSettingsRead,
  kSettingsWrite,  // 系统设置: the system administrator changes the console-settable configuration
  kAuditRead,
  kIngest,
  kUsersApprove,  // approve another administrator's account change (dual control)
  // The bastion: host accounts and their credentials (the system administrator), grants,
  // command rules, approvals and ending sessions (the security administrator), the sessions'
  // record and recordings (security and audit administrators), using it (operators).
  kBastionAccounts,
  kBastionAccountsRead,  // the host accounts' list (no credentials): all three administrators
  kBastionWrite,
  kBastionRead,
  kBastionUse,
  // Incident response: incidents, reports, evidence, the roster (the security administrator);
  // reading them (also read-only accounts).
  kIncidentsRead,
  kIncidentsWrite,
  // The host agents: their state and dossiers (read), enrolment tokens, groups and their
  // configurations, revocation (the system administrator), active response and trusted
  // baselines (the security administrator).
  kAgentsRead,
  kAgentsWrite,
  kAgentsRespond,
  kRegionScopes,  // which sites a regional console's account reads (the security administrator)
};
const char* perm_name(Perm p);  // "alerts.write" ...
bool role_has(Role r, Perm p);
std::vector<std::string> role_perms(Role r);

// ---- primitives (tested against published vectors) -------------------------------------------

std::string random_bytes(size_t n);
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);  // nullopt unless even-length hex
std::string sha256_hex(std::string_view data);
std::string base32_encode(std::string_view bytes);                // RFC 4648, no padding
std::optional<std::string> base32_decode(std::string_view text);  // case-insensitive, spaces ignored
// RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) for the step `step` (= unix seconds / 30).
std::string totp_code(std::string_view secret, int64_t step, int digits = 6);
// argon2id, encoded ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
Result<std::string> hash_password(std::string_view password);
bool verify_password(const std::string& encoded, std::string_view password);
bool const_time_equal(std::string_view a, std::string_view b);
// A password nobody knows: n characters cycling through four classes, no look-alikes (the
// accounts bootstrap makes; the halves of dual-control passwords).
std::string one_time_password(size_t n);

// ---- policy ---------------------------------------------------------------------------------

struct AuthOptions {
  // Lockout is per account *and* source address (an outsider's guesses lock out only the
  // outsider), doubling at each repeat up to 16x. Failures of one account from all addresses
  // past account_lock_failures lock it for addresses it never logged in from; its known
  // addresses, its live sessions and its API tokens keep working. Codes have their own count.
  int lockout_failures = 5;        // failed passwords (or codes) from one address before it is locked out
  int lockout_minutes = 30;        // the first lockout; each repeat within a day doubles it
  int account_lock_failures = 20;  // failures from all addresses within lockout_minutes
  int password_min_length = 10;
  int password_classes = 3;        // of: lower, upper, digit, other
  int password_max_age_days = 90;  // 0: never expires
  int password_history = 5;        // the last N passwords cannot be reused
  int idle_timeout_minutes = 15;
  int session_max_hours = 12;
  bool single_session = false;     // a new login ends the account's other sessions
  bool require_mfa = true;         // every interactive account enrols TOTP at first login
  int login_rate_per_minute = 20;  // login attempts per source address
  std::string issuer = "wardsec";  // shown in authenticator apps
  int token_days = 90;             // an API token's default life
  int token_max_days = 365;
  int max_sessions_per_account = 20;
};

// The password policy: an error with the reason (Chinese first, English after " / ") when pw
// is not acceptable for `user`.
// `display`: the person's name (the account's display name), refused inside the password too.
Status check_password(const AuthOptions& o, std::string_view user, std::string_view pw, std::string_view display = {});

// ---- accounts, sessions, tokens --------------------------------------------------------------

struct Account {
  std::string name, display;
  Role role = Role::kReadOnly;
  bool disabled = false, must_change = false, mfa_enrolled = false;
  int failures = 0;
  int64_t locked_until = 0, pw_changed = 0, created = 0, last_login = 0;  // ns
  int locked_sources = 0;                                                 // addresses locked out for this account now
  int64_t mfa_locked_until = 0;
};

// Where a session is in the login sequence. Only kActive may use the API beyond auth.
enum class Stage { kPasswordChange, kMfaEnroll, kMfa, kActive };
const char* stage_name(Stage s);  // password_change, mfa_enroll, mfa, active

struct Session {
  std::string id, csrf, user, ip;
  Role role = Role::kReadOnly;
  Stage stage = Stage::kMfa;
  int64_t created = 0, last_seen = 0;
  std::string pending_secret;  // TOTP secret shown during enrolment, not yet confirmed
};

// Who made a request: a session (cookie) or an API token (Authorization: Bearer).
struct Principal {
  std::string user;
  Role role = Role::kReadOnly;
  Stage stage = Stage::kActive;
  std::string session_id, csrf;  // empty for tokens
  bool token = false;
  std::vector<Perm> scopes;  // a token's: what it may do (within its owner's role)
  bool may(Perm p) const;    // the role has it, and a token's scopes include it
};

class SecretBox;

struct AuthError {
  int status;           // 401, 403, 423 (locked), 429 (rate)
  std::string message;  // for the user; never says whether the account exists
};
// Success, or why not with the HTTP status to answer.
using AuthStatus = BasicStatus<AuthError>;

class Auth {
 public:
  // `key_dir`: where the key that seals the TOTP secrets lives (outside the data folder).
  static Result<std::unique_ptr<Auth>> open(const std::string& path, const AuthOptions& opt, const std::string& key_dir);
  ~Auth();
  const AuthOptions& options() const { return opt_; }

  // First start: when there is no account, makes sysadmin, secadmin and auditadmin with
  // random one-time passwords (changed at first login) and writes them to `file` (0600).
  // Returns the accounts made (empty when accounts existed).
  Result<std::vector<std::pair<std::string, std::string>>> bootstrap(const std::string& file, int64_t now);

  // Password step. On success a session whose stage says what comes next.
  Result<Session, AuthError> login(const std::string& user, const std::string& password, const std::string& ip, int64_t now);
  // The code step (stage kMfa): 6 digits from the authenticator.
  AuthStatus verify_mfa(const std::string& sid, const std::string& code, int64_t now);
  // The second factor alone, after a first factor that is not a password (the bastion's SSH
  // public key): the account must be usable (enabled, enrolled, password not due, `ip` not
  // locked out) and the code right; wrong codes count as in verify_mfa.
  AuthStatus second_factor(const std::string& user, const std::string& code, const std::string& ip, int64_t now);
  // Enrolment (stage kMfaEnroll): begin returns the otpauth:// URI; finish checks a code.
  Result<std::string> mfa_begin(const std::string& sid);
  AuthStatus mfa_finish(const std::string& sid, const std::string& code, int64_t now);
  // Own password change (stage kPasswordChange or kActive).
  AuthStatus change_password(const std::string& sid, const std::string& old_pw, const std::string& new_pw, int64_t now);
  void logout(const std::string& sid);
  // A new id and CSRF token for a session (after each login step): the old id stops working.
  std::optional<Session> rotate(const std::string& sid);
  // The session behind a cookie, touched; nullopt when unknown, idle too long or too old.
  std::optional<Principal> session(const std::string& sid, int64_t now);
  // The same without touching it (the live socket must not keep a session alive).
  std::optional<Principal> session_peek(const std::string& sid, int64_t now);
  std::optional<Principal> token(const std::string& bearer, int64_t now);

  // Administration (the routes check the caller's permission; these check the rules).
  Result<std::vector<Account>> accounts();
  Result<Account> account(const std::string& name);
  // A new interactive account gets `password` and must change it; a collector gets a token
  // instead, returned once.
  Result<std::string> create(const std::string& name, const std::string& display, Role role, const std::string& password, int64_t now);
  Status update(const std::string& name, const std::optional<std::string>& display, const std::optional<Role>& role,
                const std::optional<bool>& disabled);
  // A password of two halves (dual control): account made or reset with `password` and
  // must_change; its tokens are revoked on a reset.
  Status unlock(const std::string& name);
  Status reset_password(const std::string& name, const std::string& password, int64_t now);
  Status reset_mfa(const std::string& name);
  Status remove(const std::string& name);
  // API tokens of an account: the secret is returned once, only its hash is kept. `scopes`:
  // permission names within the role ("all": the whole role; empty: its read permissions);
  // `days`: 0 for the default life.
  Result<std::string> create_token(const std::string& user, const std::string& label, const std::vector<std::string>& scopes, int days,
                                   int64_t now);
  struct TokenInfo {
    int64_t id = 0;
    std::string label, user;
    int64_t created = 0, last_used = 0, expires = 0;
    std::vector<std::string> scopes;
  };
  Result<std::vector<TokenInfo>> tokens(const std::string& user);  // "" : every account's
  Status revoke_token(const std::string& user, int64_t id);        // "" : any account's

  // ---- dual control (approvals.cc): changes to accounts that need a second administrator --
  struct Request {
    int64_t id = 0;
    std::string action, target, by, role, display, state, decided_by;  // state: pending, approved, rejected, expired
    bool disabled = false;
    int64_t created = 0, decided = 0;
  };
  // Whether `action` on `target` (with the new role, for create and role changes) needs a
  // second administrator's approval, and why (Chinese / English); "" when it does not.
  std::string needs_approval(const std::string& action, const std::string& target, std::optional<Role> new_role);
  // Files the request; returns it with the first half of the password where one is made.
  Result<std::pair<Request, std::string>> request_change(const std::string& by, const std::string& action, const std::string& target,
                                                         const std::string& display, std::optional<Role> role, bool disabled, int64_t now);
  Result<std::vector<Request>> requests(int64_t now);
  // One request; `sealed` receives its sealed first password half (for decide).
  std::optional<Request> request(int64_t id, std::string* sealed = nullptr);
  // Approves (carries out) or rejects. The approver must hold users.approve, differ from the
  // requester and from the account concerned; returns the second half of the password.
  Result<std::string> decide(int64_t id, const Principal& who, bool approve, int64_t now);
  size_t session_count();
  // Called (with the account's name) when an account's access is taken away or handed over —
  // disabled, role changed, password or authenticator reset, removed — so the parts that keep
  // their own sessions (the bastion's SSH sessions) end them too.
  void on_access_removed(std::function<void(const std::string&)> f) { access_removed_ = std::move(f); }
  // Small named values kept with the accounts (digests of the last start's configuration).
  std::optional<std::string> setting(const std::string& key);
  Status set_setting(const std::string& key, const std::string& value);

 private:
  Auth() = default;
  bool rate_ok(const std::string& ip, int64_t now);
  void end_sessions_of(const std::string& user, const std::string& except);
  void purge_sessions(int64_t now);
  // A wrong password from `ip`: counted per account and address; the lockout, when it starts.
  AuthStatus count_failure(const std::string& user, const std::string& ip, int64_t now);
  bool source_locked(const std::string& user, const std::string& ip, int64_t now);
  bool known_source(const std::string& user, const std::string& ip);
  std::optional<std::string> totp_secret(const std::string& user);
  Status carry_out(const Request& rq, const std::string& password, int64_t now);
  bool check_code(const std::string& user, const std::string& secret, const std::string& code, int64_t now);
  // The code check with its failure count and lockout (mu_ held); true in *locked when the
  // account's codes are now locked.
  AuthStatus code_step(const std::string& user, const std::string& code, int64_t now, bool* locked);
  // Stores a password hash made beforehand (argon2 runs outside mu_: a login in progress
  // must not stall every other request). Called with mu_ held.
  Status store_password(const std::string& name, const std::string& hash, bool must_change, int64_t now);
  Result<Account> load(const std::string& name);

  AuthOptions opt_;
  sqlite3* db_ = nullptr;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, std::vector<int64_t>> attempts_;  // login attempts per address (rate limit)
  struct Failures {
    int count = 0, level = 0;
    int64_t locked_until = 0, last = 0;
  };
  std::map<std::pair<std::string, std::string>, Failures> failures_;  // (account, address), known or not
  std::map<std::string, std::vector<int64_t>> account_failures_;      // per account, any address
  std::unique_ptr<SecretBox> box_;
  std::function<void(const std::string&)> access_removed_;
  void access_removed(const std::string& name) {
    end_sessions_of(name, "");
    if (access_removed_) access_removed_(name);
  }
};

}  // namespace wardsec::server
