// The account security policy as JSON: what 系统设置 shows in force (GET /api/v1/settings) and
// what the configuration will give at the next start (center/settings.cc), the same keys.
#pragma once
#include <nlohmann/json.hpp>

#include "server/auth.h"

namespace wardsec::server {

// The keys the console may change (auth.* in center/settings.cc's list); `all` adds the ones
// it only shows (require_mfa, login_rate_per_minute).
inline nlohmann::json auth_policy_json(const AuthOptions& a, bool all) {
  nlohmann::json j = {{"lockout_failures", a.lockout_failures},
                      {"lockout_minutes", a.lockout_minutes},
                      {"password_min_length", a.password_min_length},
                      {"password_classes", a.password_classes},
                      {"password_max_age_days", a.password_max_age_days},
                      {"password_history", a.password_history},
                      {"idle_timeout_minutes", a.idle_timeout_minutes},
                      {"session_max_hours", a.session_max_hours},
                      {"single_session", a.single_session}};
  if (all) {
    j["require_mfa"] = a.require_mfa;
    j["login_rate_per_minute"] = a.login_rate_per_minute;
  }
  return j;
}

}  // namespace wardsec::server
