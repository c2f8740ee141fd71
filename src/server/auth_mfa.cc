// The second factor: TOTP codes (RFC 6238) checked once each, enrolment, and the code step of
// a login with its own lockout.
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

bool Auth::check_code(const std::string& user, const std::string& secret_b32, const std::string& code, int64_t now) {
  auto secret = base32_decode(secret_b32);
  if (!secret || code.size() != 6) return false;
  int64_t last = 0;
  // Replay protection: when the last used step cannot be read or written, no code is accepted.
  if (!sqlite::query(db_, "SELECT totp_last_step FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) { last = st.i64(0); }))
    return false;
  int64_t step = now / kSec / 30;
  for (int64_t d = -1; d <= 1; d++) {
    // A code is good once: a step at or before the last one used is a replay.
    if (step + d > last && const_time_equal(totp_code(*secret, step + d), code)) {
      sqlite::Stmt up(db_, "UPDATE users SET totp_last_step = ? WHERE name = ?");
      return up.bind(1, step + d).bind(2, user).run().ok();
    }
  }
  return false;
}

namespace {
AuthStatus wrong_stage(const Session* s, Stage want) {
  if (!s) return AuthError{401, "未登录或会话已过期 / not logged in, or the session expired"};
  if (s->stage != want) return AuthError{409, std::string("this step is not expected now (stage: ") + stage_name(s->stage) + ")"};
  return {};
}
}  // namespace

void activate(Session& s, sqlite3* db, int64_t now) {
  s.stage = Stage::kActive;
  s.last_seen = now;
  sqlite::Stmt ll(db, "UPDATE users SET last_login = ? WHERE name = ?");
  (void)ll.bind(1, now).bind(2, s.user).run();  // informational
  // An address the account completed a login from: a flood of failures from elsewhere does
  // not lock it out there.
  // Not written: the address stays unknown (the stricter state), nothing else changes.
  (void)sqlite::Stmt(db, "INSERT INTO known_sources(name, ip, last) VALUES(?,?,?) ON CONFLICT(name, ip) DO UPDATE SET last = excluded.last")
      .bind(1, s.user)
      .bind(2, s.ip)
      .bind(3, now)
      .run();
}

// Codes are counted on their own, per account: a correct password does not reset the count,
// so guessing codes between fresh logins gets nowhere. Whoever reaches this step knows the
// password, so the lock is on the account's code step.
AuthStatus Auth::verify_mfa(const std::string& sid, const std::string& code, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  Session* s = it == sessions_.end() ? nullptr : &it->second;
  if (AuthStatus st = wrong_stage(s, Stage::kMfa); !st) return st;
  std::string user = s->user;
  auto acc = load(user);
  if (!acc) return AuthError{401, "未登录或会话已过期 / not logged in, or the session expired"};
  if (acc->mfa_locked_until > now) {
    sessions_.erase(it);
    return kLocked;
  }
  bool locked = false;
  if (AuthStatus c = code_step(user, code, now, &locked); !c) {
    if (locked) sessions_.erase(it);
    return c;
  }
  activate(*s, db_, now);
  if (opt_.single_session) end_sessions_of(user, sid);
  return {};
}

AuthStatus Auth::code_step(const std::string& user, const std::string& code, int64_t now, bool* locked) {
  auto secret = totp_secret(user);
  if (!secret || !check_code(user, *secret, code, now)) {
    int64_t n = opt_.lockout_failures;  // a count that cannot be kept locks (fails closed)
    if (sqlite::Stmt(db_, "UPDATE users SET mfa_failures = mfa_failures + 1 WHERE name = ?").bind(1, user).run())
      (void)sqlite::query(db_, "SELECT mfa_failures FROM users WHERE name = ?", {user}, [&](const sqlite::Stmt& st) { n = st.i64(0); });
    if (n >= opt_.lockout_failures) {
      // Not written: the caller still ends the attempt here, and the next code is counted again.
      (void)sqlite::Stmt(db_, "UPDATE users SET mfa_failures = 0, mfa_locked_until = ? WHERE name = ?")
          .bind(1, now + static_cast<int64_t>(opt_.lockout_minutes) * 60 * kSec)
          .bind(2, user)
          .run();
      *locked = true;
      return kLocked;
    }
    return AuthError{401, "动态口令错误 / wrong authenticator code"};
  }
  (void)sqlite::Stmt(db_, "UPDATE users SET mfa_failures = 0 WHERE name = ?").bind(1, user).run();  // only loosens: may fail
  return {};
}

AuthStatus Auth::second_factor(const std::string& user, const std::string& code, const std::string& ip, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  if (!rate_ok(ip, now)) return AuthError{429, "尝试过于频繁，请稍后再试 / too many attempts, try again later"};
  auto acc = load(user);
  if (!acc || acc->disabled || acc->role == Role::kCollector) return AuthError{401, "认证失败 / authentication failed"};
  if (acc->mfa_locked_until > now || source_locked(user, ip, now)) return kLocked;
  if (!acc->mfa_enrolled || acc->must_change)
    return AuthError{403,
                     "请先登录控制台修改初始密码并绑定动态口令 / log in to the console first to set a password and enrol an authenticator"};
  if (opt_.password_max_age_days > 0 && now - acc->pw_changed > static_cast<int64_t>(opt_.password_max_age_days) * 86400 * kSec)
    return AuthError{403, "密码已过期，请先登录控制台修改 / the password has expired: change it in the console first"};
  bool locked = false;
  return code_step(user, code, now, &locked);
}

Result<std::string> Auth::mfa_begin(const std::string& sid) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  Session* s = it == sessions_.end() ? nullptr : &it->second;
  if (AuthStatus st = wrong_stage(s, Stage::kMfaEnroll); !st) return Error{st.error()};
  if (s->pending_secret.empty()) s->pending_secret = base32_encode(random_bytes(20));
  auto enc = [](const std::string& v) {
    std::string o;
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_')
        o.push_back(static_cast<char>(c));
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

AuthStatus Auth::mfa_finish(const std::string& sid, const std::string& code, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(sid);
  Session* s = it == sessions_.end() ? nullptr : &it->second;
  if (AuthStatus st = wrong_stage(s, Stage::kMfaEnroll); !st) return st;
  if (s->pending_secret.empty()) return AuthError{409, "start enrolment first (GET /api/v1/auth/mfa/enroll)"};
  sqlite::Stmt z(db_, "UPDATE users SET totp_last_step = 0 WHERE name = ?");
  if (Status e = z.bind(1, s->user).run(); !e) return AuthError{500, e.error()};
  if (!check_code(s->user, s->pending_secret, code, now))
    return AuthError{401, "动态口令错误，请核对手机时间 / wrong code; check the phone's clock"};
  sqlite::Stmt up(db_, "UPDATE users SET totp_secret = ?, mfa_failures = 0, mfa_locked_until = 0 WHERE name = ?");
  if (Status e = up.bind(1, box_->seal(s->pending_secret)).bind(2, s->user).run(); !e) return AuthError{500, e.error()};
  s->pending_secret.clear();
  activate(*s, db_, now);
  if (opt_.single_session) end_sessions_of(s->user, sid);
  return {};
}

}  // namespace wardsec::server
