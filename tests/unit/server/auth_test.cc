// The center's own security: TOTP and base32 against their RFCs' vectors, the password policy,
// argon2id, the login sequence, lockout, timeouts, tokens and the role table, with the clock
// passed in so nothing here waits.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "core/sqlite.h"
#include "server/auth.h"

namespace wardsec::server {
namespace {

constexpr int64_t kSec = 1000000000LL;

TEST(Totp, Rfc6238Sha1Vectors) {
  // RFC 6238 appendix B, SHA-1, 8 digits, the 20-byte ASCII secret.
  const std::string secret = "12345678901234567890";
  const std::pair<int64_t, const char*> v[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
                                               {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (auto [t, code] : v) EXPECT_EQ(totp_code(secret, t / 30, 8), code) << t;
  EXPECT_EQ(totp_code(secret, 59 / 30), "287082");  // 6 digits: the last six
}

TEST(Base32, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {
      {"", ""}, {"f", "MY"}, {"fo", "MZXQ"}, {"foo", "MZXW6"}, {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"}};
  for (auto [plain, enc] : v) {
    EXPECT_EQ(base32_encode(plain), enc);
    EXPECT_EQ(base32_decode(enc).value(), plain);
  }
  EXPECT_EQ(base32_decode("mzxw 6ytb-oi====").value(), "foobar");  // as people type it
  EXPECT_FALSE(base32_decode("MZX!").has_value());
}

TEST(Password, PolicyAndHash) {
  AuthOptions o;
  EXPECT_FALSE(check_password(o, "li", "Short1!").ok());
  EXPECT_FALSE(check_password(o, "li", "alllowercaseletters").ok());     // one class
  EXPECT_TRUE(check_password(o, "li", "Two-Classes-Here").ok());         // upper, lower, other
  EXPECT_FALSE(check_password(o, "zhangsan", "ZhangSan-2026!").ok());    // contains the name
  EXPECT_TRUE(check_password(o, "li", "医院信息科值班密码2026a").ok());  // Chinese counts as characters
  auto h = hash_password("Correct-Horse-1");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *h;
  EXPECT_TRUE(verify_password(*h, "Correct-Horse-1"));
  EXPECT_FALSE(verify_password(*h, "Correct-Horse-2"));
  EXPECT_NE(*h, hash_password("Correct-Horse-1").value());  // salted
  EXPECT_FALSE(verify_password("$2y$10$bcrypt-is-not-accepted", "x"));
}

TEST(Roles, ThreeAdministratorsAreSeparate) {
  for (Role r : {Role::kSysAdmin, Role::kSecAdmin, Role::kAuditAdmin, Role::kReadOnly, Role::kCollector}) {
    // Nobody both manages accounts and reads the security data or the audit trail.
    EXPECT_FALSE(role_has(r, Perm::kUsersWrite) && (role_has(r, Perm::kEventsRead) || role_has(r, Perm::kAuditRead))) << role_name(r);
    // Only the audit administrator reads the audit trail.
    EXPECT_EQ(role_has(r, Perm::kAuditRead), r == Role::kAuditAdmin) << role_name(r);
  }
  // The audit administrator reads (the audit trail, the bastion's record) and changes nothing.
  EXPECT_EQ(role_perms(Role::kAuditAdmin),
            (std::vector<std::string>{"self", "audit.read", "users.approve", "bastion.read", "bastion.accounts.read"}));
  // The bastion: who keeps credentials never grants their use, and the other way round; an
  // operator has the bastion and nothing else.
  for (Role r : {Role::kSysAdmin, Role::kSecAdmin, Role::kAuditAdmin, Role::kReadOnly, Role::kCollector, Role::kOperator})
    EXPECT_FALSE(role_has(r, Perm::kBastionAccounts) && (role_has(r, Perm::kBastionWrite) || role_has(r, Perm::kBastionRead)))
        << role_name(r);
  EXPECT_EQ(role_perms(Role::kOperator), (std::vector<std::string>{"self", "bastion.use"}));
  // Nobody both files account changes and approves them.
  for (Role r : {Role::kSysAdmin, Role::kSecAdmin, Role::kAuditAdmin, Role::kReadOnly, Role::kCollector, Role::kOperator})
    EXPECT_FALSE(role_has(r, Perm::kUsersWrite) && role_has(r, Perm::kUsersApprove)) << role_name(r);
  EXPECT_EQ(role_perms(Role::kCollector), (std::vector<std::string>{"ingest"}));
  EXPECT_FALSE(role_has(Role::kReadOnly, Perm::kAlertsWrite));
  EXPECT_TRUE(role_has(Role::kSecAdmin, Perm::kAlertsWrite));
  EXPECT_EQ(parse_role("secadmin"), Role::kSecAdmin);
  EXPECT_FALSE(parse_role("root").has_value());
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wardsec-auth-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    AuthOptions o;
    o.login_rate_per_minute = 1000;
    open(o);
  }
  void TearDown() override {
    auth_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open(AuthOptions o) {
    auth_.reset();
    auth_ = Auth::open((dir_ / "accounts.db").string(), o, (dir_ / "keys").string()).value();
  }
  std::string secret_of(const std::string& uri) {
    auto q = uri.find("secret=");
    return base32_decode(uri.substr(q + 7, uri.find('&', q) - q - 7)).value();
  }
  // Logs in all the way (first time: change and enrol). Returns the session id.
  std::string full_login(const std::string& user, const std::string& pw, const std::string& new_pw, int64_t now) {
    auto s = auth_->login(user, pw, "10.30.0.5", now).value();
    EXPECT_EQ(s.stage, Stage::kPasswordChange);
    EXPECT_TRUE(auth_->change_password(s.id, pw, new_pw, now).ok());
    auto uri = auth_->mfa_begin(s.id).value();
    secret_ = secret_of(uri);
    EXPECT_TRUE(auth_->mfa_finish(s.id, totp_code(secret_, now / kSec / 30), now).ok());
    EXPECT_EQ(auth_->session(s.id, now)->stage, Stage::kActive);
    return s.id;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Auth> auth_;
  std::string secret_;
  int64_t t0_ = 1795694400LL * kSec;
};

TEST_F(AuthTest, BootstrapMakesThreeAdministratorsOnce) {
  auto made = auth_->bootstrap((dir_ / "keys" / "initial.txt").string(), t0_).value();
  ASSERT_EQ(made.size(), 3u);
  EXPECT_EQ(made[0].first, "sysadmin");
  EXPECT_TRUE(check_password(auth_->options(), made[0].first, made[0].second).ok());
  EXPECT_EQ(std::filesystem::status(dir_ / "keys" / "initial.txt").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(auth_->bootstrap((dir_ / "keys" / "initial.txt").string(), t0_)->empty());
  EXPECT_EQ(auth_->account("auditadmin")->role, Role::kAuditAdmin);
}

TEST_F(AuthTest, LoginSequenceAndReplay) {
  ASSERT_TRUE(auth_->create("li.qiang", "李强", Role::kSecAdmin, "First-Pass-001", t0_).ok());
  std::string sid = full_login("li.qiang", "First-Pass-001", "Second-Pass-002", t0_);
  // Next time: password, then a code; the enrolment's code cannot be replayed.
  int64_t t1 = t0_ + 10 * kSec;
  auto s = auth_->login("li.qiang", "Second-Pass-002", "10.30.0.5", t1).value();
  EXPECT_EQ(s.stage, Stage::kMfa);
  EXPECT_EQ(auth_->verify_mfa(s.id, totp_code(secret_, t0_ / kSec / 30), t1).failure().status, 401);
  EXPECT_TRUE(auth_->verify_mfa(s.id, totp_code(secret_, t1 / kSec / 30 + 1), t1).ok());
  EXPECT_EQ(auth_->session(s.id, t1)->stage, Stage::kActive);
  // The old password is in the history; the account name may not be in the password.
  EXPECT_EQ(auth_->change_password(s.id, "Second-Pass-002", "First-Pass-001", t1).failure().status, 400);
  EXPECT_EQ(auth_->change_password(s.id, "Second-Pass-002", "Li.Qiang-Pass-9", t1).failure().status, 400);
  // A changed password ends the account's other sessions.
  EXPECT_TRUE(auth_->change_password(s.id, "Second-Pass-002", "Third-Pass-0003", t1).ok());
  EXPECT_FALSE(auth_->session(sid, t1).has_value());
  EXPECT_TRUE(auth_->session(s.id, t1).has_value());
}

TEST_F(AuthTest, AccessRemovedReachesTheBastion) {
  std::vector<std::string> ended;
  auth_->on_access_removed([&](const std::string& u) { ended.push_back(u); });
  ASSERT_TRUE(auth_->create("ops.li", "", Role::kOperator, "First-Pass-001", t0_).ok());
  ASSERT_TRUE(auth_->update("ops.li", std::nullopt, std::nullopt, true).ok());  // disabled
  ASSERT_TRUE(auth_->reset_mfa("ops.li").ok());
  EXPECT_EQ(ended, (std::vector<std::string>{"ops.li", "ops.li"}));
  ASSERT_TRUE(auth_->update("ops.li", std::string("李"), std::nullopt, std::nullopt).ok());  // a new display name takes nothing away
  EXPECT_EQ(ended.size(), 2u);
}

TEST_F(AuthTest, LockoutAfterFiveFailures) {
  ASSERT_TRUE(auth_->create("wang", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  for (int i = 0; i < 4; i++) EXPECT_EQ(auth_->login("wang", "nope", "1.2.3.4", t0_).failure().status, 401);
  EXPECT_EQ(auth_->login("wang", "nope", "1.2.3.4", t0_).failure().status, 423);
  EXPECT_EQ(auth_->login("wang", "First-Pass-001", "1.2.3.4", t0_ + kSec).failure().status, 423);
  // After the lockout time (30 minutes) the password works again.
  EXPECT_TRUE(auth_->login("wang", "First-Pass-001", "1.2.3.4", t0_ + 31 * 60 * kSec).ok());
  // An administrator's unlock ends it early.
  for (int i = 0; i < 5; i++) EXPECT_FALSE(auth_->login("wang", "nope", "1.2.3.4", t0_ + 32 * 60 * kSec).ok());
  EXPECT_EQ(auth_->login("wang", "First-Pass-001", "1.2.3.4", t0_ + 33 * 60 * kSec).failure().status, 423);
  ASSERT_TRUE(auth_->unlock("wang").ok());
  EXPECT_TRUE(auth_->login("wang", "First-Pass-001", "1.2.3.4", t0_ + 33 * 60 * kSec).ok());
  // Unknown accounts and wrong passwords get the same answer.
  EXPECT_EQ(auth_->login("nobody", "x", "1.2.3.4", t0_).failure().message,
            auth_->login("wang", "x", "1.2.3.4", t0_ + 34 * 60 * kSec).failure().message);
}

TEST_F(AuthTest, WrongCodesCountTowardsLockout) {
  ASSERT_TRUE(auth_->create("zhao", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  full_login("zhao", "First-Pass-001", "Second-Pass-002", t0_);
  auto s = auth_->login("zhao", "Second-Pass-002", "1.2.3.4", t0_ + kSec).value();
  for (int i = 0; i < 4; i++) EXPECT_EQ(auth_->verify_mfa(s.id, "000000", t0_ + kSec).failure().status, 401);
  EXPECT_EQ(auth_->verify_mfa(s.id, "000000", t0_ + kSec).failure().status, 423);
  EXPECT_FALSE(auth_->session(s.id, t0_ + kSec).has_value());  // the lockout ends the half-open session
}

TEST_F(AuthTest, IdleAndAbsoluteTimeouts) {
  ASSERT_TRUE(auth_->create("qian", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  std::string sid = full_login("qian", "First-Pass-001", "Second-Pass-002", t0_);
  EXPECT_TRUE(auth_->session(sid, t0_ + 14 * 60 * kSec).has_value());
  EXPECT_TRUE(auth_->session_peek(sid, t0_ + 28 * 60 * kSec).has_value());   // 14 min idle: peek does not touch
  EXPECT_FALSE(auth_->session_peek(sid, t0_ + 30 * 60 * kSec).has_value());  // 16 min idle
  EXPECT_FALSE(auth_->session(sid, t0_ + 30 * 60 * kSec).has_value());
  // Busy, but past the absolute limit (12 h).
  ASSERT_TRUE(auth_->create("sun", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  std::string busy = full_login("sun", "First-Pass-001", "Second-Pass-002", t0_);
  int64_t t = t0_;
  for (; t < t0_ + 12 * 3600 * kSec; t += 10 * 60 * kSec) ASSERT_TRUE(auth_->session(busy, t).has_value());
  EXPECT_FALSE(auth_->session(busy, t + 10 * 60 * kSec).has_value());
}

TEST_F(AuthTest, ExpiredPasswordMustChange) {
  ASSERT_TRUE(auth_->create("zhou", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  full_login("zhou", "First-Pass-001", "Second-Pass-002", t0_);
  auto s = auth_->login("zhou", "Second-Pass-002", "1.2.3.4", t0_ + 91LL * 86400 * kSec).value();
  EXPECT_EQ(s.stage, Stage::kPasswordChange);
}

TEST_F(AuthTest, SingleSessionOption) {
  AuthOptions o;
  o.single_session = true;
  o.login_rate_per_minute = 1000;
  open(o);
  ASSERT_TRUE(auth_->create("wu", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  std::string first = full_login("wu", "First-Pass-001", "Second-Pass-002", t0_);
  auto s = auth_->login("wu", "Second-Pass-002", "1.2.3.4", t0_ + kSec).value();
  EXPECT_TRUE(auth_->verify_mfa(s.id, totp_code(secret_, t0_ / kSec / 30 + 1), t0_ + kSec).ok());
  EXPECT_FALSE(auth_->session(first, t0_ + kSec).has_value());
  EXPECT_TRUE(auth_->session(s.id, t0_ + kSec).has_value());
}

TEST_F(AuthTest, RateLimitPerAddress) {
  AuthOptions o;
  o.login_rate_per_minute = 3;
  open(o);
  for (int i = 0; i < 3; i++) EXPECT_EQ(auth_->login("x", "y", "9.9.9.9", t0_).failure().status, 401);
  EXPECT_EQ(auth_->login("x", "y", "9.9.9.9", t0_).failure().status, 429);
  EXPECT_EQ(auth_->login("x", "y", "9.9.9.8", t0_).failure().status, 401);  // another address
  EXPECT_EQ(auth_->login("x", "y", "9.9.9.9", t0_ + 61 * kSec).failure().status, 401);
}

TEST_F(AuthTest, TokensAndCollectors) {
  auto tok = auth_->create("syslog-gw", "", Role::kCollector, "", t0_).value();
  EXPECT_EQ(tok.rfind("wst_", 0), 0u);
  auto p = auth_->token(tok, t0_);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->role, Role::kCollector);
  EXPECT_TRUE(p->token);
  EXPECT_FALSE(auth_->token(tok + "x", t0_).has_value());
  // A collector never logs in with a password, whatever it sends.
  EXPECT_EQ(auth_->login("syslog-gw", "", "1.2.3.4", t0_).failure().status, 401);
  EXPECT_FALSE(auth_->update("syslog-gw", std::nullopt, Role::kSecAdmin, std::nullopt).ok());
  // A disabled account's tokens stop working; revoked ones too.
  ASSERT_TRUE(auth_->create("script", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  auto t2 = auth_->create_token("script", "nightly report", {}, 0, t0_).value();
  EXPECT_TRUE(auth_->token(t2, t0_).has_value());
  ASSERT_TRUE(auth_->update("script", std::nullopt, std::nullopt, true).ok());
  EXPECT_FALSE(auth_->token(t2, t0_).has_value());
  ASSERT_TRUE(auth_->update("script", std::nullopt, std::nullopt, false).ok());
  auto list = auth_->tokens("script").value();
  ASSERT_EQ(list.size(), 1u);
  ASSERT_TRUE(auth_->revoke_token("script", list[0].id).ok());
  EXPECT_FALSE(auth_->token(t2, t0_).has_value());
  EXPECT_FALSE(auth_->revoke_token("script", list[0].id).ok());
}

// An outsider's guesses lock out the outsider: the owner's address, live session and tokens
// keep working; unknown names answer exactly like known ones; repeats double the lockout.
TEST_F(AuthTest, LockoutCannotBeTurnedAgainstTheOwner) {
  ASSERT_TRUE(auth_->create("admin2", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  std::string sid = full_login("admin2", "First-Pass-001", "Second-Pass-002", t0_);  // from 10.30.0.5
  auto tok = auth_->create_token("admin2", "script", {}, 0, t0_).value();
  std::vector<int> known, unknown;
  for (int i = 0; i < 6; i++) {
    auto a = auth_->login("admin2", "guess" + std::to_string(i), "203.0.113.9", t0_ + kSec);
    auto b = auth_->login("no-such-admin", "guess" + std::to_string(i), "203.0.113.9", t0_ + kSec);
    known.push_back(a.failure().status);
    unknown.push_back(b.failure().status);
    EXPECT_EQ(a.failure().message, b.failure().message);
  }
  EXPECT_EQ(known, (std::vector<int>{401, 401, 401, 401, 423, 423}));
  EXPECT_EQ(known, unknown);                                     // no account enumeration
  EXPECT_TRUE(auth_->session(sid, t0_ + 2 * kSec).has_value());  // the owner's session lives on
  EXPECT_TRUE(auth_->token(tok, t0_ + 2 * kSec).has_value());    // and the token works
  EXPECT_TRUE(auth_->login("admin2", "Second-Pass-002", "10.30.0.5", t0_ + 3 * kSec).ok());
  // The attacker's lockout doubles on repeat: 30 minutes, then 60.
  for (int i = 0; i < 5; i++) EXPECT_FALSE(auth_->login("admin2", "again", "203.0.113.9", t0_ + 31 * 60 * kSec).ok());
  EXPECT_EQ(auth_->login("admin2", "Second-Pass-002", "203.0.113.9", t0_ + 80 * 60 * kSec).failure().status, 423);
  EXPECT_TRUE(auth_->login("admin2", "Second-Pass-002", "203.0.113.9", t0_ + 92 * 60 * kSec).ok());
}

TEST_F(AuthTest, ManyAddressesLockOnlyUnknownAddresses) {
  ASSERT_TRUE(auth_->create("li", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  full_login("li", "First-Pass-001", "Second-Pass-002", t0_);  // known address 10.30.0.5
  for (int i = 0; i < 25; i++) EXPECT_FALSE(auth_->login("li", "x", "198.51.100." + std::to_string(i), t0_ + kSec).ok());
  EXPECT_EQ(auth_->login("li", "Second-Pass-002", "198.51.100.200", t0_ + 2 * kSec).failure().status, 423);
  EXPECT_TRUE(auth_->login("li", "Second-Pass-002", "10.30.0.5", t0_ + 2 * kSec).ok());
}

// Codes are counted on their own: logging in again with the right password does not reset
// the count, so 80 guesses a minute become 5 per lockout.
TEST_F(AuthTest, CodeFailuresSurviveFreshLogins) {
  ASSERT_TRUE(auth_->create("qian", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  full_login("qian", "First-Pass-001", "Second-Pass-002", t0_);
  int last = 0;
  for (int round = 0; round < 5; round++) {
    auto s = auth_->login("qian", "Second-Pass-002", "10.30.0.5", t0_ + kSec).value();
    last = auth_->verify_mfa(s.id, "000000", t0_ + kSec).failure().status;
  }
  EXPECT_EQ(last, 423);
  auto s = auth_->login("qian", "Second-Pass-002", "10.30.0.5", t0_ + 2 * kSec).value();
  EXPECT_EQ(auth_->verify_mfa(s.id, totp_code(secret_, (t0_ + 2 * kSec) / kSec / 30), t0_ + 2 * kSec).failure().status, 423);
}

TEST_F(AuthTest, ExpiredSessionsArePurged) {
  ASSERT_TRUE(auth_->create("sun", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  AuthOptions o;
  o.login_rate_per_minute = 1000000;
  open(o);
  for (int i = 0; i < 30; i++) EXPECT_TRUE(auth_->login("sun", "First-Pass-001", "10.0.0.1", t0_ + i * kSec).ok());
  // Each login above left a half-open session: one account holds at most 20.
  EXPECT_LE(auth_->session_count(), 20u);
  // Half-open sessions expire after 10 minutes and are purged at the next login.
  EXPECT_TRUE(auth_->login("sun", "First-Pass-001", "10.0.0.1", t0_ + 11 * 60 * kSec).ok());
  EXPECT_EQ(auth_->session_count(), 1u);
}

TEST_F(AuthTest, TokensExpireHaveScopesAndDieOnReset) {
  ASSERT_TRUE(auth_->create("zhou", "", Role::kSecAdmin, "First-Pass-001", t0_).ok());
  auto ro = auth_->create_token("zhou", "read", {}, 0, t0_).value();
  auto p = auth_->token(ro, t0_).value();
  EXPECT_TRUE(p.may(Perm::kEventsRead));
  EXPECT_FALSE(p.may(Perm::kAlertsWrite));  // default: read permissions only
  EXPECT_FALSE(p.may(Perm::kSelf));         // never: a token cannot mint tokens
  auto all = auth_->create_token("zhou", "all", {"all"}, 1, t0_).value();
  EXPECT_TRUE(auth_->token(all, t0_)->may(Perm::kAlertsWrite));
  EXPECT_FALSE(auth_->token(all, t0_ + 2 * 86400 * kSec).has_value());           // expired after a day
  EXPECT_FALSE(auth_->create_token("zhou", "x", {"users.write"}, 0, t0_).ok());  // not the role's
  EXPECT_FALSE(auth_->create_token("zhou", "x", {}, 400, t0_).ok());
  EXPECT_EQ(auth_->tokens("").value().size(), 2u);  // the administrator's view
  ASSERT_TRUE(auth_->reset_password("zhou", "Reset-Pass-0001", t0_).ok());
  EXPECT_FALSE(auth_->token(ro, t0_).has_value());
}

TEST_F(AuthTest, TotpSecretsAreSealedAtRest) {
  ASSERT_TRUE(auth_->create("wu", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  full_login("wu", "First-Pass-001", "Second-Pass-002", t0_);
  auth_.reset();
  std::ifstream f(dir_ / "accounts.db", std::ios::binary);
  std::string db((std::istreambuf_iterator<char>(f)), {});
  std::ifstream w(dir_ / "accounts.db-wal", std::ios::binary);
  db += std::string((std::istreambuf_iterator<char>(w)), {});
  EXPECT_EQ(db.find(base32_encode(secret_)), std::string::npos);
  EXPECT_NE(db.find("sm4$"), std::string::npos);
  AuthOptions o;
  o.login_rate_per_minute = 1000;
  open(o);  // and still verify
  auto s = auth_->login("wu", "Second-Pass-002", "10.30.0.5", t0_ + 60 * kSec).value();
  EXPECT_TRUE(auth_->verify_mfa(s.id, totp_code(secret_, (t0_ + 60 * kSec) / kSec / 30), t0_ + 60 * kSec).ok());
}

// An account store written by the version before scopes, expiry and sealed seeds: tokens keep
// working within their role's read permissions (a collector's: ingest), and the clear TOTP
// seed is sealed at open and still verifies.
TEST_F(AuthTest, AnOlderAccountStoreIsUpgradedAtOpen) {
  auth_.reset();
  std::filesystem::remove(dir_ / "accounts.db");
  sqlite3* db = nullptr;
  ASSERT_TRUE(
      sqlite::open((dir_ / "accounts.db").string(), &db,
                   {"CREATE TABLE users(name TEXT PRIMARY KEY, display TEXT NOT NULL DEFAULT '', role TEXT NOT NULL,"
                    " pw_hash TEXT NOT NULL DEFAULT '', pw_changed INTEGER NOT NULL DEFAULT 0, must_change INTEGER NOT NULL DEFAULT 1,"
                    " totp_secret TEXT NOT NULL DEFAULT '', totp_last_step INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,"
                    " locked_until INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,"
                    " last_login INTEGER NOT NULL DEFAULT 0);"
                    "CREATE TABLE pw_history(name TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL);"
                    "CREATE TABLE tokens(id INTEGER PRIMARY KEY, user TEXT NOT NULL, label TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
                    " created INTEGER NOT NULL, last_used INTEGER NOT NULL DEFAULT 0);"
                    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"})
          .ok());
  std::string seed = random_bytes(20), b32 = base32_encode(seed);
  std::string pw = hash_password("Second-Pass-002").value();
  ASSERT_TRUE(
      sqlite::Stmt(db, "INSERT INTO users(name, role, pw_hash, pw_changed, must_change, totp_secret) VALUES('old', 'secadmin', ?, ?, 0, ?)")
          .bind(1, pw)
          .bind(2, t0_)
          .bind(3, b32)
          .run()
          .ok());
  ASSERT_TRUE(sqlite::Stmt(db, "INSERT INTO users(name, role) VALUES('gw', 'collector')").run().ok());
  ASSERT_TRUE(sqlite::Stmt(db, "INSERT INTO tokens(user, label, hash, created) VALUES('gw', 'initial', ?, ?)")
                  .bind(1, sha256_hex("wst_old_collector_token_0001"))
                  .bind(2, t0_)
                  .run()
                  .ok());
  ASSERT_TRUE(sqlite::Stmt(db, "INSERT INTO tokens(user, label, hash, created) VALUES('old', 'script', ?, ?)")
                  .bind(1, sha256_hex("wst_old_secadmin_token_00001"))
                  .bind(2, t0_)
                  .run()
                  .ok());
  sqlite3_close(db);
  AuthOptions o;
  o.login_rate_per_minute = 1000;
  open(o);
  auto gw = auth_->token("wst_old_collector_token_0001", t0_);
  ASSERT_TRUE(gw.has_value());
  EXPECT_TRUE(gw->may(Perm::kIngest));
  auto sec = auth_->token("wst_old_secadmin_token_00001", t0_);
  ASSERT_TRUE(sec.has_value());
  EXPECT_TRUE(sec->may(Perm::kEventsRead));
  EXPECT_FALSE(sec->may(Perm::kAlertsWrite));
  EXPECT_FALSE(sec->may(Perm::kUsersApprove));
  EXPECT_FALSE(auth_->tokens("old").value()[0].expires == 0);
  auth_.reset();
  std::ifstream f(dir_ / "accounts.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  std::ifstream w(dir_ / "accounts.db-wal", std::ios::binary);
  bytes += std::string((std::istreambuf_iterator<char>(w)), {});
  EXPECT_EQ(bytes.find(b32), std::string::npos);  // sealed, and the clear value overwritten (secure_delete)
  open(o);
  auto s = auth_->login("old", "Second-Pass-002", "10.0.0.1", t0_ + 60 * kSec).value();
  EXPECT_EQ(s.stage, Stage::kMfa);
  EXPECT_TRUE(auth_->verify_mfa(s.id, totp_code(seed, (t0_ + 60 * kSec) / kSec / 30), t0_ + 60 * kSec).ok());
}

TEST_F(AuthTest, PasswordPolicyRefusesGuessablePasswords) {
  AuthOptions o;
  for (const char* bad : {"Password1!", "aaaaaaaaA1", "Qwerty12345!", "Abcd-1234-xyz", "Welcome@2026", "P@ssw0rd2026", "Hospital123",
                          "Hospital@2026", "Yiyuan@2026!", "Admin@12345", "1qaz@WSX3edc", "Zaq1@Xsw2", "Wardsec@2026", "Huanzhe#2026"})
    EXPECT_FALSE(check_password(o, "someone", bad).ok()) << bad;
  for (const char* good : {"Zhiban-Pass-01", "Sys-Admin-2026!", "Li.Qiang-Pass-9", "t7#Kq9!xRm2v", "Yiyuan-Bingfang-7#"})
    EXPECT_TRUE(check_password(o, "someone", good).ok()) << good;
  // the person's own name, as written or in its Latin words
  EXPECT_FALSE(check_password(o, "wf01", "王芳的密码Abc-2026", "王芳").ok());
  EXPECT_FALSE(check_password(o, "wf01", "Fang-Secure-99#x", "Wang Fang").ok());
  EXPECT_TRUE(check_password(o, "wf01", "Fang-Secure-99#x", "王芳").ok());
}

// 三员: the system administrator alone grants nothing beyond collectors.
TEST_F(AuthTest, DualControlOfAccounts) {
  ASSERT_TRUE(auth_->create("sys2", "", Role::kSysAdmin, "First-Pass-001", t0_).ok());
  ASSERT_TRUE(auth_->create("sec2", "", Role::kSecAdmin, "First-Pass-001", t0_).ok());
  ASSERT_TRUE(auth_->create("aud2", "", Role::kAuditAdmin, "First-Pass-001", t0_).ok());
  Principal sys{"sys2", Role::kSysAdmin, Stage::kActive, "", "", false, {}};
  Principal sec{"sec2", Role::kSecAdmin, Stage::kActive, "", "", false, {}};
  Principal aud{"aud2", Role::kAuditAdmin, Stage::kActive, "", "", false, {}};
  EXPECT_NE(auth_->needs_approval("create", "x", Role::kAuditAdmin), "");
  EXPECT_NE(auth_->needs_approval("create", "x", Role::kReadOnly), "");
  EXPECT_EQ(auth_->needs_approval("create", "x", Role::kCollector), "");
  EXPECT_NE(auth_->needs_approval("role", "sec2", Role::kReadOnly), "");
  EXPECT_NE(auth_->needs_approval("disable", "aud2", std::nullopt), "");
  EXPECT_NE(auth_->needs_approval("reset_password", "aud2", std::nullopt), "");
  EXPECT_NE(auth_->needs_approval("reset_mfa", "aud2", std::nullopt), "");
  EXPECT_EQ(auth_->needs_approval("unlock", "aud2", std::nullopt), "");
  // A new audit administrator: the requester's half and the approver's half.
  auto rq = auth_->request_change("sys2", "create", "aud3", "", Role::kAuditAdmin, false, t0_).value();
  EXPECT_EQ(rq.second.size(), 8u);
  EXPECT_FALSE(auth_->decide(rq.first.id, sys, true, t0_).ok());  // not the requester
  EXPECT_FALSE(auth_->decide(rq.first.id, aud, true, t0_).ok());  // the audit admin approves only secadmin changes
  EXPECT_FALSE(auth_->account("aud3").ok());
  auto second = auth_->decide(rq.first.id, sec, true, t0_).value();
  EXPECT_EQ(second.size(), 8u);
  EXPECT_FALSE(auth_->decide(rq.first.id, sec, true, t0_).ok());  // once
  auto s = auth_->login("aud3", rq.second, "10.0.0.9", t0_);
  EXPECT_TRUE(!s.ok());  // half a password is no password
  auto full = auth_->login("aud3", rq.second + second, "10.0.0.9", t0_);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.value().stage, Stage::kPasswordChange);
  // A change to a security administrator: not by that security administrator; by the audit
  // administrator.
  auto r2 = auth_->request_change("sys2", "reset_password", "sec2", "", std::nullopt, false, t0_).value();
  EXPECT_FALSE(auth_->decide(r2.first.id, sec, true, t0_).ok());
  EXPECT_TRUE(auth_->decide(r2.first.id, aud, true, t0_).ok());
  // Not on one's own account; rejected requests change nothing; requests expire after a day.
  EXPECT_FALSE(auth_->request_change("sys2", "role", "sys2", "", Role::kAuditAdmin, false, t0_).ok());
  auto r3 = auth_->request_change("sys2", "role", "aud2", "", Role::kReadOnly, false, t0_).value();
  EXPECT_TRUE(auth_->decide(r3.first.id, sec, false, t0_).ok());
  EXPECT_EQ(auth_->account("aud2")->role, Role::kAuditAdmin);
  auto r4 = auth_->request_change("sys2", "disable", "aud2", "", std::nullopt, true, t0_).value();
  EXPECT_FALSE(auth_->decide(r4.first.id, sec, true, t0_ + 25 * 3600 * kSec).ok());
  EXPECT_FALSE(auth_->account("aud2")->disabled);
}

TEST_F(AuthTest, AdministrationRules) {
  EXPECT_FALSE(auth_->create("bad name", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  EXPECT_FALSE(auth_->create("ok", "", Role::kReadOnly, "weak", t0_).ok());
  ASSERT_TRUE(auth_->create("ok", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  EXPECT_FALSE(auth_->create("ok", "", Role::kReadOnly, "First-Pass-001", t0_).ok());
  std::string sid = full_login("ok", "First-Pass-001", "Second-Pass-002", t0_);
  // A role change takes effect at once: the sessions end.
  ASSERT_TRUE(auth_->update("ok", std::string("赵六"), Role::kSecAdmin, std::nullopt).ok());
  EXPECT_FALSE(auth_->session(sid, t0_).has_value());
  EXPECT_EQ(auth_->account("ok")->display, "赵六");
  // A reset password must be changed; a reset authenticator must be enrolled again.
  ASSERT_TRUE(auth_->reset_password("ok", "Reset-Pass-0001", t0_).ok());
  ASSERT_TRUE(auth_->reset_mfa("ok").ok());
  auto s = auth_->login("ok", "Reset-Pass-0001", "1.2.3.4", t0_).value();
  EXPECT_EQ(s.stage, Stage::kPasswordChange);
  EXPECT_TRUE(auth_->change_password(s.id, "Reset-Pass-0001", "Fourth-Pass-004", t0_).ok());
  EXPECT_EQ(auth_->session(s.id, t0_)->stage, Stage::kMfaEnroll);
  ASSERT_TRUE(auth_->remove("ok").ok());
  EXPECT_FALSE(auth_->account("ok").ok());
}

}  // namespace
}  // namespace wardsec::server
