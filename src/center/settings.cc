// The settings a hospital changes in the console (系统设置): kept in <data>/settings.json (JSON,
// which YAML reads) over the configuration file's, for the keys listed here only; checked by
// the same loader as the file, so a value the file would refuse is refused in the console too.
#include "center/settings.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "parse/source_zones.h"
#include "server/auth_json.h"

namespace wardsec {

const std::vector<std::string>& console_setting_keys() {
  static const std::vector<std::string> keys = {
      "organization", "hospital_tier", "timezone", "source_timezones", "store.retention_days",
      // account security (require_mfa stays in the file: the console cannot switch MFA off)
      "auth.lockout_failures", "auth.lockout_minutes", "auth.password_min_length", "auth.password_classes", "auth.password_max_age_days",
      "auth.password_history", "auth.idle_timeout_minutes", "auth.session_max_hours", "auth.single_session",
      // where logs come in, and the certificates
      "inputs.udp", "inputs.tcp", "inputs.tls", "inputs.relp", "inputs.tls_cert", "inputs.tls_key", "api.tls_cert", "api.tls_key",
      "api.public_name",
      // where alerts go
      "alerts.min_level", "alerts.syslog", "alerts.webhook", "alerts.webhook_secret", "alerts.ca_file", "alerts.console_url",
      "alerts.smtp.server", "alerts.smtp.from", "alerts.smtp.to", "alerts.smtp.user", "alerts.smtp.password"};
  return keys;
}

namespace {

Status check_node(const YAML::Node& n, const std::string& prefix, const std::string& where) {
  const auto& keys = console_setting_keys();
  for (const auto& kv : n) {
    std::string k = prefix + kv.first.as<std::string>();
    bool leaf = std::find(keys.begin(), keys.end(), k) != keys.end();
    if (kv.second.IsMap() && !leaf) {
      bool parent = std::any_of(keys.begin(), keys.end(), [&](const std::string& x) { return x.rfind(k + ".", 0) == 0; });
      if (!parent) return Error{where + ": '" + k + "' cannot be set in the console (edit the configuration file)"};
      if (Status s = check_node(kv.second, k + ".", where); !s) return s;
    } else if (!leaf) {
      return Error{where + ": '" + k + "' cannot be set in the console (edit the configuration file)"};
    }
  }
  return {};
}

void merge(YAML::Node into, const YAML::Node& from) {
  for (const auto& kv : from) {
    std::string k = kv.first.as<std::string>();
    if (kv.second.IsMap() && into[k] && into[k].IsMap())
      merge(into[k], kv.second);
    else
      into[k] = YAML::Clone(kv.second);
  }
}

}  // namespace

Status apply_console_settings(YAML::Node& root, const YAML::Node& overlay, const std::string& where) {
  if (!overlay || overlay.IsNull()) return {};
  if (!overlay.IsMap()) return Error{where + ": the console's settings must be an object"};
  if (Status s = check_node(overlay, "", where); !s) return s;
  merge(root, overlay);
  return {};
}

std::string console_settings_json(const Config& c) {
  using json = nlohmann::json;
  const auto& o = c.outputs;
  json zones = json::array();
  if (c.pipeline.zones)
    for (const auto& z : c.pipeline.zones->specs()) zones.push_back({{"source", z.source}, {"timezone", z.timezone}});
  json j = {
      {"organization", c.organization},
      {"hospital_tier", c.hospital_tier},
      {"timezone", tz_text(c.tz_sec)},
      {"source_timezones", zones},
      {"store", {{"retention_days", c.retention_days}}},
      {"auth", server::auth_policy_json(c.http.auth, false)},
      {"inputs",
       {{"udp", c.inputs.udp},
        {"tcp", c.inputs.tcp},
        {"tls", c.inputs.tls},
        {"relp", c.inputs.relp},
        {"tls_cert", c.inputs.tls_cert},
        {"tls_key", c.inputs.tls_key}}},
      {"api", {{"tls_cert", c.http.tls_cert}, {"tls_key", c.http.tls_key}, {"public_name", c.http.public_name}}},
      {"alerts",
       {{"min_level", o.min_level},
        {"syslog", o.syslog},
        {"webhook", o.webhook},
        {"webhook_secret", o.webhook_secret},
        {"ca_file", o.ca_file},
        {"console_url", o.console_url},
        {"smtp",
         {{"server", o.smtp.server}, {"from", o.smtp.from}, {"to", o.smtp.to}, {"user", o.smtp.user}, {"password", o.smtp.password}}}}}};
  return j.dump();
}

}  // namespace wardsec
