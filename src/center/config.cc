#include "center/config.h"
#include "cluster/batch.h"
#include "parse/source_zones.h"
#include "center/settings.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "core/datadir.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec {

Config::Config() {
  inputs.udp = "0.0.0.0:5514";
  inputs.tcp = "0.0.0.0:5514";
  inputs.tls = "0.0.0.0:6514";
  inputs.relp = "0.0.0.0:2514";
  detection.rule_paths = {"rules/hospital"};
  detection.mapping = "rules/mapping/sigma.yaml";
}

std::string resolve_shipped(const std::string& p) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (p.empty() || fs::path(p).is_absolute() || fs::exists(p, ec)) return p;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return p;
  for (const fs::path& base : {exe.parent_path() / "../share/wardsec", exe.parent_path() / "../.."}) {
    fs::path cand = base / p;
    if (fs::exists(cand, ec)) return fs::weakly_canonical(cand, ec).string();
  }
  return p;
}

void Config::finalize() {
  for (auto& r : detection.rule_paths) r = resolve_shipped(r);
  detection.mapping = resolve_shipped(detection.mapping);
  parsers_dir = resolve_shipped(parsers_dir);
  detection.load.tz_sec = tz_sec;  // time modifiers on @timestamp read local time
  store.data_dir = data_dir;
  store.key_dir = key_dir.empty() ? store::default_key_dir(data_dir) : key_dir;
  inputs.key_dir = store.key_dir;
  http.data_dir = data_dir;
  http.key_dir = store.key_dir;
  http.tz_sec = tz_sec;
  http.web_root = resolve_shipped(http.web_root.empty() ? "web/dist" : http.web_root);
  http.catalog_file = resolve_shipped("catalog/gbt22239-2019.tsv");
  http.policy_templates_dir = resolve_shipped("policies/templates");
  http.organization = organization;
  http.hospital_tier = hospital_tier;
  http.scoring_file = resolve_shipped("catalog/scoring.yaml");
  pipeline.parse.tz_sec = tz_sec;
  bastion.groups = resolve_shipped(bastion.groups);
  bastion.tz_sec = tz_sec;
  pipeline.retention_ns = static_cast<int64_t>(retention_days) * 86400LL * 1000000000LL;
}

namespace {

struct Walker {
  std::string file;
  Status err;
  void check_keys(const YAML::Node& n, const std::string& where, const std::set<std::string>& allowed) {
    if (!n || n.IsNull() || !err.ok()) return;
    if (!n.IsMap()) {
      err = Error{file + ": '" + where + "' must be a mapping"};
      return;
    }
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        err =
            Error{file + ":" + std::to_string(kv.first.Mark().line + 1) + ": unknown key '" + (where.empty() ? "" : where + ".") + k + "'"};
        return;
      }
    }
  }
  template <class T>
  void get(const YAML::Node& n, const char* key, T& out, const std::string& where) {
    if (!n || !n[key] || !err.ok()) return;
    try {
      out = n[key].as<T>();
    } catch (const YAML::Exception& e) {
      err = Error{file + ":" + std::to_string(n[key].Mark().line + 1) + ": '" + where + key + "' has the wrong type"};
    }
  }
};

}  // namespace

namespace {

// "HH:MM", a time of day.
bool time_of_day(const std::string& s) {
  int hh = -1, mm = -1;
  char extra = 0;
  return std::sscanf(s.c_str(), "%d:%d%c", &hh, &mm, &extra) == 2 && hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59;
}

}  // namespace

Result<Config> load_config(const std::string& file, const std::string& data_dir, const std::string* overlay) {
  Config c;
  YAML::Node root(YAML::NodeType::Map);
  if (!file.empty()) try {
      root = YAML::LoadFile(file);
    } catch (const YAML::Exception& e) {
      return Error{file + ": " + e.what()};
    }
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) return Error{file + ": the configuration must be a mapping"};
  // The console's settings (系统设置) over the file's: src/center/settings.cc.
  std::string data = data_dir;
  if (data.empty()) data = root["data"] && root["data"].IsScalar() ? root["data"].as<std::string>() : c.data_dir;
  std::string ov_path = DataDir(data).console_settings();
  try {
    YAML::Node ov;
    std::error_code ec;
    if (overlay)
      ov = YAML::Load(*overlay);
    else if (std::filesystem::exists(ov_path, ec))
      ov = YAML::LoadFile(ov_path);
    if (Status s = apply_console_settings(root, ov, overlay ? "settings" : ov_path); !s) return Error{s.error()};
  } catch (const YAML::Exception& e) {
    return Error{(overlay ? std::string("settings") : ov_path) + ": " + e.what()};
  }
  const std::string path = file.empty() ? ov_path : file;
  Walker w{path, {}};
  w.check_keys(root, "",
               {"data",      "organization",     "hospital_tier", "timezone",  "api",    "auth",    "inputs",  "store",    "pipeline",
                "detection", "alerts",           "zones",         "web",       "proxy",  "dbaudit", "bastion", "incident", "parsers",
                "multiline", "source_timezones", "ops",           "discovery", "agents", "cluster"});
  w.get(root, "data", c.data_dir, "");
  w.get(root, "organization", c.organization, "");
  w.get(root, "hospital_tier", c.hospital_tier, "");
  if (w.err.ok() && c.hospital_tier != "1" && c.hospital_tier != "2" && c.hospital_tier != "3")
    return Error{path + ": hospital_tier: '" + c.hospital_tier + "' is not 1, 2 or 3 (一级, 二级, 三级 hospital)"};
  if (root["parsers"]) {  // the device families' folder; named, it must exist ("" loads none)
    w.get(root, "parsers", c.parsers_dir, "");
    if (!c.parsers_dir.empty() && !std::filesystem::is_directory(resolve_shipped(c.parsers_dir)))
      return Error{path + ": parsers: '" + c.parsers_dir + "' is not a folder (the device families, docs/parsers.md)"};
  }
  if (YAML::Node ml = root["multiline"]) {  // multi-line events per source: a list of rules
    if (!ml.IsSequence()) return Error{path + ": multiline: a list of {sources, programs, start | continue, end, ...}"};
    for (const auto& x : ml) {
      auto spec = parse_multiline(x, path);
      if (!spec) return Error{spec.error()};
      if (spec->name.empty()) spec->name = "multiline[" + std::to_string(c.multiline.size()) + "]";
      c.multiline.push_back(std::move(*spec));
    }
    if (auto rules = ingest::MultilineRules::compile(c.multiline); !rules) return Error{rules.error()};  // regexes checked now
  }
  std::string tz;
  w.get(root, "timezone", tz, "");
  if (!tz.empty() && !parse_zone(tz, c.tz_sec)) return Error{path + ": timezone '" + tz + "' is not an offset like +08:00"};
  if (YAML::Node st = root["source_timezones"]; st && !st.IsNull()) {  // the zone of sources that write times without one
    const std::string shape = ": source_timezones: a list of {source: address, CIDR, host name or path, timezone: +00:00}";
    if (!st.IsSequence()) return Error{path + shape};
    std::vector<SourceZoneSpec> specs;
    for (const auto& x : st) {
      if (!x.IsMap() || !x["source"] || !x["source"].IsScalar() || !x["timezone"] || !x["timezone"].IsScalar() || x.size() != 2)
        return Error{path + shape + " (entry " + std::to_string(specs.size()) + ")"};
      specs.push_back({x["source"].as<std::string>(), x["timezone"].as<std::string>()});
    }
    auto z = SourceZones::compile(specs, path + ": source_timezones");
    if (!z) return Error{z.error()};
    c.pipeline.zones = std::move(*z);
  }
  if (auto wb = root["web"]) {
    w.check_keys(wb, "web", {"enabled", "min_confidence", "apps", "exceptions"});
    w.get(wb, "enabled", c.web_enabled, "web.");
    if (Status e = web::load_policy(wb, c.web); !e) return Error{path + ": " + e.error()};
  }
  if (auto db = root["dbaudit"]) {
    w.check_keys(db, "dbaudit", {"enabled", "policy", "interface", "pcap", "filter"});
    w.get(db, "enabled", c.dbaudit_enabled, "dbaudit.");
    w.get(db, "policy", c.dbaudit_policy, "dbaudit.");
    w.get(db, "interface", c.dbaudit_interface, "dbaudit.");
    w.get(db, "pcap", c.dbaudit_pcap, "dbaudit.");
    w.get(db, "filter", c.dbaudit_filter, "dbaudit.");
    if (!c.dbaudit_interface.empty() && !c.dbaudit_pcap.empty()) return Error{path + ": dbaudit: name interface or pcap, not both"};
  }
  if (auto bh = root["bastion"]) {
    w.check_keys(bh, "bastion",
                 {"listen", "groups", "review_timeout_seconds", "max_sessions", "login_timeout_seconds", "idle_timeout_minutes",
                  "connect_timeout_seconds", "known_hosts"});
    auto& b = c.bastion;
    w.get(bh, "listen", b.listen, "bastion.");
    w.get(bh, "groups", b.groups, "bastion.");
    w.get(bh, "review_timeout_seconds", b.review_timeout_sec, "bastion.");
    w.get(bh, "max_sessions", b.max_sessions, "bastion.");
    w.get(bh, "login_timeout_seconds", b.login_timeout_sec, "bastion.");
    w.get(bh, "idle_timeout_minutes", b.idle_timeout_min, "bastion.");
    w.get(bh, "connect_timeout_seconds", b.connect_timeout_sec, "bastion.");
    w.get(bh, "known_hosts", b.target_known_hosts, "bastion.");
    if (b.review_timeout_sec < 10 || b.review_timeout_sec > 86400 || b.max_sessions < 1 || b.login_timeout_sec < 5 ||
        b.idle_timeout_min < 0 || b.connect_timeout_sec < 1)
      return Error{path +
                   ": bastion: review_timeout_seconds 10-86400, max_sessions >= 1, login_timeout_seconds >= 5, "
                   "idle_timeout_minutes >= 0, connect_timeout_seconds >= 1"};
  }
  if (auto px = root["proxy"]) {
    w.check_keys(px, "proxy",
                 {"listen", "upstream", "mode", "routes", "log_file", "syslog", "max_connections", "max_body_mib", "timeout_seconds"});
    w.get(px, "listen", c.proxy.listen, "proxy.");
    w.get(px, "upstream", c.proxy.upstream, "proxy.");
    std::string mode = "detect";
    w.get(px, "mode", mode, "proxy.");
    if (mode != "detect" && mode != "block") return Error{path + ": proxy.mode must be detect or block, not " + mode};
    c.proxy.block = mode == "block";
    w.get(px, "log_file", c.proxy.log_file, "proxy.");
    w.get(px, "syslog", c.proxy.syslog, "proxy.");
    w.get(px, "max_connections", c.proxy.max_connections, "proxy.");
    size_t mib = 0;
    w.get(px, "max_body_mib", mib, "proxy.");
    if (mib) c.proxy.max_body = mib << 20;
    w.get(px, "timeout_seconds", c.proxy.timeout_sec, "proxy.");
    for (const auto& r : px["routes"]) {
      std::string m = r["mode"] ? r["mode"].as<std::string>("") : "";
      if (m != "detect" && m != "block") return Error{path + ": proxy.routes: each route needs path_prefix and mode detect or block"};
      c.proxy.routes.push_back({r["path_prefix"].as<std::string>("/"), m == "block"});
    }
  }
  auto api = root["api"];
  w.check_keys(api, "api",
               {"listen", "redirect_listen", "tls_cert", "tls_key", "web_root", "max_body_mib", "public_name", "max_connections",
                "max_connections_per_ip", "search_budget_seconds"});
  w.get(api, "public_name", c.http.public_name, "api.");
  w.get(api, "max_connections", c.http.max_connections, "api.");
  w.get(api, "max_connections_per_ip", c.http.max_connections_per_ip, "api.");
  w.get(api, "search_budget_seconds", c.http.search_budget_seconds, "api.");
  if (c.http.max_connections < 1 || c.http.max_connections_per_ip < 1)
    return Error{path + ": api.max_connections and max_connections_per_ip must be at least 1"};
  if (c.http.search_budget_seconds < 1 || c.http.search_budget_seconds > 600)
    return Error{path + ": api.search_budget_seconds must be 1-600"};
  w.get(api, "listen", c.http.listen, "api.");
  w.get(api, "redirect_listen", c.http.redirect_listen, "api.");
  w.get(api, "tls_cert", c.http.tls_cert, "api.");
  w.get(api, "tls_key", c.http.tls_key, "api.");
  w.get(api, "web_root", c.http.web_root, "api.");
  auto au = root["auth"];
  w.check_keys(au, "auth",
               {"lockout_failures", "lockout_minutes", "password_min_length", "password_classes", "password_max_age_days",
                "password_history", "idle_timeout_minutes", "session_max_hours", "single_session", "require_mfa", "login_rate_per_minute",
                "account_lock_failures", "token_days", "token_max_days", "max_sessions_per_account"});
  w.get(au, "account_lock_failures", c.http.auth.account_lock_failures, "auth.");
  w.get(au, "token_days", c.http.auth.token_days, "auth.");
  w.get(au, "token_max_days", c.http.auth.token_max_days, "auth.");
  w.get(au, "max_sessions_per_account", c.http.auth.max_sessions_per_account, "auth.");
  if (c.http.auth.token_days < 1 || c.http.auth.token_max_days < c.http.auth.token_days || c.http.auth.token_max_days > 3650)
    return Error{path + ": auth.token_days must be 1..token_max_days, and token_max_days at most 3650"};
  if (c.http.auth.account_lock_failures < 1 || c.http.auth.max_sessions_per_account < 1)
    return Error{path + ": auth.account_lock_failures and max_sessions_per_account must be at least 1"};
  auto& ao = c.http.auth;
  w.get(au, "lockout_failures", ao.lockout_failures, "auth.");
  w.get(au, "lockout_minutes", ao.lockout_minutes, "auth.");
  w.get(au, "password_min_length", ao.password_min_length, "auth.");
  w.get(au, "password_classes", ao.password_classes, "auth.");
  w.get(au, "password_max_age_days", ao.password_max_age_days, "auth.");
  w.get(au, "password_history", ao.password_history, "auth.");
  w.get(au, "idle_timeout_minutes", ao.idle_timeout_minutes, "auth.");
  w.get(au, "session_max_hours", ao.session_max_hours, "auth.");
  w.get(au, "single_session", ao.single_session, "auth.");
  w.get(au, "require_mfa", ao.require_mfa, "auth.");
  w.get(au, "login_rate_per_minute", ao.login_rate_per_minute, "auth.");
  if (ao.lockout_failures < 1 || ao.lockout_failures > 10) return Error{path + ": auth.lockout_failures must be 1-10"};
  if (ao.password_min_length < 8) return Error{path + ": auth.password_min_length must be at least 8 (等保 asks for complexity)"};
  if (ao.password_classes < 1 || ao.password_classes > 4) return Error{path + ": auth.password_classes must be 1-4"};
  if (ao.idle_timeout_minutes < 1) return Error{path + ": auth.idle_timeout_minutes must be at least 1"};
  size_t mib = 16;
  w.get(api, "max_body_mib", mib, "api.");
  c.http.max_body = mib << 20;
  auto in = root["inputs"];
  w.check_keys(in, "inputs", {"udp", "tcp", "tls", "relp", "tls_cert", "tls_key", "max_connections"});
  w.get(in, "udp", c.inputs.udp, "inputs.");
  w.get(in, "tcp", c.inputs.tcp, "inputs.");
  w.get(in, "tls", c.inputs.tls, "inputs.");
  w.get(in, "relp", c.inputs.relp, "inputs.");
  w.get(in, "tls_cert", c.inputs.tls_cert, "inputs.");
  w.get(in, "tls_key", c.inputs.tls_key, "inputs.");
  w.get(in, "max_connections", c.inputs.max_connections, "inputs.");
  auto st = root["store"];
  w.check_keys(st, "store",
               {"key_dir", "digest", "signature", "retention_days", "block_kib", "segment_mib", "checkpoint_every_blocks",
                "checkpoint_every_seconds", "zstd_level", "witness_files", "witness_syslog"});
  w.get(st, "key_dir", c.key_dir, "store.");
  std::string dg, sg;
  w.get(st, "digest", dg, "store.");
  w.get(st, "signature", sg, "store.");
  if (!dg.empty()) {
    auto a = digest_alg_from_name(dg);
    if (!a) return Error{path + ": store.digest: " + a.error()};
    c.store.digest = *a;
  }
  if (!sg.empty()) {
    auto a = sign_alg_from_name(sg);
    if (!a) return Error{path + ": store.signature: " + a.error()};
    c.store.sign = *a;
  }
  w.get(st, "retention_days", c.retention_days, "store.");
  size_t kib = 2048, seg = 64;
  w.get(st, "block_kib", kib, "store.");
  w.get(st, "segment_mib", seg, "store.");
  if (kib < 16 || kib > 65536)
    return Error{path + ": store.block_kib is " + std::to_string(kib) + ": use 16 to 65536 (KiB of events per block)"};
  if (seg < 1 || seg > 65536)
    return Error{path + ": store.segment_mib is " + std::to_string(seg) + ": use 1 to 65536 (MiB per segment file)"};
  if (static_cast<uint64_t>(seg) << 20 < static_cast<uint64_t>(kib) << 10)
    return Error{path + ": store.segment_mib must be at least one block (store.block_kib)"};
  c.store.block_bytes = kib << 10;
  c.store.segment_bytes = static_cast<uint64_t>(seg) << 20;
  w.get(st, "checkpoint_every_blocks", c.store.checkpoint_every_blocks, "store.");
  int secs = 60;
  w.get(st, "checkpoint_every_seconds", secs, "store.");
  c.store.checkpoint_every_ns = static_cast<int64_t>(secs) * 1000000000LL;
  w.get(st, "zstd_level", c.store.zstd_level, "store.");
  w.get(st, "witness_files", c.store.witness_files, "store.");
  w.get(st, "witness_syslog", c.store.witness_syslog, "store.");
  auto pl = root["pipeline"];
  w.check_keys(pl, "pipeline", {"queue_mib", "flush_interval_ms", "future_hours", "past_days"});
  size_t q = 64;
  w.get(pl, "queue_mib", q, "pipeline.");
  if (q < 1) return Error{path + ": pipeline.queue_mib must be at least 1"};
  c.pipeline.queue_bytes = q << 20;
  w.get(pl, "flush_interval_ms", c.pipeline.flush_interval_ms, "pipeline.");
  if (c.pipeline.flush_interval_ms < 1) return Error{path + ": pipeline.flush_interval_ms must be at least 1"};
  // The window an event's own time may fall in around its reception; outside it, the event is
  // filed at reception and keeps the sender's time in event.original_time.
  int64_t future_hours = 24, past_days = 3650;
  w.get(pl, "future_hours", future_hours, "pipeline.");
  w.get(pl, "past_days", past_days, "pipeline.");
  if (future_hours < 0 || future_hours > 24 * 366) return Error{path + ": pipeline.future_hours must be 0 to 8784"};
  if (past_days < 1 || past_days > 36500) return Error{path + ": pipeline.past_days must be 1 to 36500"};
  c.pipeline.parse.max_future_ns = future_hours * 3600 * kSec;
  c.pipeline.parse.max_past_ns = past_days * 86400 * kSec;
  auto dt = root["detection"];
  w.check_keys(dt, "detection", {"enabled", "rules", "mapping", "queue_mib", "max_correlation_groups", "placeholders"});
  w.get(dt, "placeholders", c.detection.load.placeholders, "detection.");
  w.get(dt, "enabled", c.detection_enabled, "detection.");
  w.get(dt, "rules", c.detection.rule_paths, "detection.");
  w.get(dt, "mapping", c.detection.mapping, "detection.");
  w.get(dt, "queue_mib", c.detection_queue_mib, "detection.");
  w.get(dt, "max_correlation_groups", c.detection.max_groups, "detection.");
  auto al = root["alerts"];
  w.check_keys(al, "alerts",
               {"dedup_minutes", "min_level", "syslog", "webhook", "smtp", "console_url", "retries", "retry_delay_ms", "timeout_ms",
                "webhook_secret", "ca_file"});
  w.get(al, "webhook_secret", c.outputs.webhook_secret, "alerts.");
  w.get(al, "ca_file", c.outputs.ca_file, "alerts.");
  w.get(al, "retries", c.outputs.retries, "alerts.");
  w.get(al, "retry_delay_ms", c.outputs.retry_delay_ms, "alerts.");
  w.get(al, "timeout_ms", c.outputs.timeout_ms, "alerts.");
  int dedup = 60;
  w.get(al, "dedup_minutes", dedup, "alerts.");
  c.detection.dedup_ns = static_cast<int64_t>(dedup) * 60LL * 1000000000LL;
  w.get(al, "min_level", c.outputs.min_level, "alerts.");
  w.get(al, "syslog", c.outputs.syslog, "alerts.");
  w.get(al, "webhook", c.outputs.webhook, "alerts.");
  w.get(al, "console_url", c.outputs.console_url, "alerts.");
  const YAML::Node sm = al ? al["smtp"] : YAML::Node();
  w.check_keys(sm, "alerts.smtp", {"server", "from", "to", "user", "password"});
  w.get(sm, "server", c.outputs.smtp.server, "alerts.smtp.");
  w.get(sm, "from", c.outputs.smtp.from, "alerts.smtp.");
  w.get(sm, "to", c.outputs.smtp.to, "alerts.smtp.");
  w.get(sm, "user", c.outputs.smtp.user, "alerts.smtp.");
  w.get(sm, "password", c.outputs.smtp.password, "alerts.smtp.");
  if (alert::level_rank(c.outputs.min_level) < 0)
    return Error{path + ": alerts.min_level must be informational, low, medium, high or critical"};
  if (auto z = root["zones"]; z && w.err.ok()) {
    if (!z.IsSequence()) return Error{path + ":" + std::to_string(z.Mark().line + 1) + ": zones must be a list of {name, cidr}"};
    for (const auto& item : z) {
      std::string where = path + ":" + std::to_string(item.Mark().line + 1);
      w.check_keys(item, "zones[]", {"name", "cidr"});
      std::string name, cidr;
      w.get(item, "name", name, "zones[].");
      w.get(item, "cidr", cidr, "zones[].");
      auto ci = parse_cidr(cidr);
      if (name.empty() || !ci) return Error{where + ": a zone needs a name and a CIDR such as 10.20.0.0/22"};
      c.zones.push_back(enrich::zone_from_config(name, *ci));
    }
  }
  if (!w.err.ok()) return Error{w.err.error()};
  // Incident reminders go by the alerts' mail server and CA unless the section names its own.
  c.incident.mail = {c.outputs.smtp.server, c.outputs.smtp.from, c.outputs.smtp.user, c.outputs.smtp.password, c.outputs.smtp.helo};
  c.incident.transport = {c.outputs.ca_file, c.outputs.timeout_ms};
  c.incident.console_url = c.outputs.console_url;
  c.incident.organization = c.organization;
  if (auto e = incident::load_options(root["incident"], path, c.incident); !e) return Error{e.error()};
  if (auto op = root["ops"]) {  // operations monitoring: the health of log sources
    w.check_keys(op, "ops", {"silent_minutes", "asset_grace_hours", "evaluate_seconds", "export"});
    w.get(op, "silent_minutes", c.ops.health.silent_minutes, "ops.");
    w.get(op, "asset_grace_hours", c.ops.health.asset_grace_hours, "ops.");
    w.get(op, "evaluate_seconds", c.ops.evaluate_seconds, "ops.");
    if (!w.err.ok()) return Error{w.err.error()};
    if (c.ops.health.silent_minutes < 1 || c.ops.health.asset_grace_hours < 0 || c.ops.evaluate_seconds < 1 ||
        c.ops.evaluate_seconds > 3600)
      return Error{path + ": ops: silent_minutes >= 1, asset_grace_hours >= 0, evaluate_seconds 1-3600"};
    if (auto ex = op["export"]) {  // the daily log export (docs/operations.md)
      w.check_keys(ex, "ops.export", {"enabled", "dir", "at", "devices"});
      w.get(ex, "enabled", c.ops_export.enabled, "ops.export.");
      w.get(ex, "dir", c.ops_export.dir, "ops.export.");
      w.get(ex, "at", c.ops_export.at, "ops.export.");
      w.get(ex, "devices", c.ops_export.devices, "ops.export.");
      if (!w.err.ok()) return Error{w.err.error()};
      if (!time_of_day(c.ops_export.at)) return Error{path + ": ops.export.at must be a time of day HH:MM, not '" + c.ops_export.at + "'"};
    }
  }
  if (auto ag = root["agents"]) {  // the host agents' channel (docs/agents.md)
    w.check_keys(ag, "agents", {"listen", "names", "offline_after_seconds", "cert_days", "max_connections"});
    w.get(ag, "listen", c.agents.listen, "agents.");
    w.get(ag, "names", c.agents.names, "agents.");
    w.get(ag, "offline_after_seconds", c.agents_offline_seconds, "agents.");
    w.get(ag, "cert_days", c.agents_cert_days, "agents.");
    w.get(ag, "max_connections", c.agents.max_connections, "agents.");
    if (w.err.ok() && (c.agents_cert_days < 1 || c.agents_cert_days > 3650))
      return Error{path + ": agents.cert_days must be from 1 to 3650"};
    if (w.err.ok() && c.agents_offline_seconds < 5) return Error{path + ": agents.offline_after_seconds must be at least 5"};
  }
  if (auto cl = root["cluster"]) {  // scale-out for a region (docs/cluster.md)
    w.check_keys(cl, "cluster",
                 {"site", "hospital", "nats", "nats_ca", "nats_cert", "nats_key", "nats_creds", "clickhouse", "clickhouse_user",
                  "clickhouse_password_file", "clickhouse_ca", "clickhouse_database", "keys", "retention_days", "batch_events", "scopes",
                  "clickhouse_replicated"});
    auto& k = c.cluster;
    w.get(cl, "site", k.site, "cluster.");
    w.get(cl, "hospital", k.hospital, "cluster.");
    w.get(cl, "nats", k.nats.url, "cluster.");
    w.get(cl, "nats_ca", k.nats.ca_file, "cluster.");
    w.get(cl, "nats_cert", k.nats.cert_file, "cluster.");
    w.get(cl, "nats_key", k.nats.key_file, "cluster.");
    w.get(cl, "nats_creds", k.nats.creds_file, "cluster.");
    w.get(cl, "clickhouse", k.clickhouse.url, "cluster.");
    k.regional = static_cast<bool>(cl["clickhouse"]);
    w.get(cl, "clickhouse_user", k.clickhouse.user, "cluster.");
    std::string pw_file;
    w.get(cl, "clickhouse_password_file", pw_file, "cluster.");
    w.get(cl, "clickhouse_ca", k.clickhouse.ca_file, "cluster.");
    w.get(cl, "clickhouse_database", k.clickhouse.database, "cluster.");
    w.get(cl, "clickhouse_replicated", k.clickhouse.replicated, "cluster.");
    w.get(cl, "keys", k.keys_dir, "cluster.");
    w.get(cl, "retention_days", k.retention_days, "cluster.");
    w.get(cl, "batch_events", k.batch_events, "cluster.");
    if (!w.err.ok()) return Error{w.err.error()};
    if (!pw_file.empty()) {  // a file only the service reads, never the password in the config
      auto pw = read_file(pw_file);
      if (!pw) return Error{path + ": cluster.clickhouse_password_file: cannot read " + pw_file};
      k.clickhouse.password = std::string(trim(*pw));
    }
    if (auto sc = cl["scopes"]) {  // account: [site, ...]: a hospital's staff read their own sites only
      if (!sc.IsMap()) return Error{path + ": cluster.scopes must map account names to lists of sites"};
      for (const auto& kv : sc) {
        std::vector<std::string> sites;
        if (!kv.second.IsSequence() || kv.second.size() == 0)
          return Error{path + ": cluster.scopes." + kv.first.as<std::string>() + " must be a non-empty list of sites"};
        for (const auto& x : kv.second) {
          sites.push_back(x.as<std::string>());
          if (!cluster::valid_site(sites.back()))
            return Error{path + ": cluster.scopes." + kv.first.as<std::string>() + ": \"" + sites.back() + "\" is not a site name"};
        }
        k.scopes[kv.first.as<std::string>()] = std::move(sites);
      }
    }
    if (k.batch_events < 1 || k.batch_events > 100000) return Error{path + ": cluster.batch_events must be from 1 to 100000"};
    if (k.retention_days < 1) return Error{path + ": cluster.retention_days must be at least 1"};
  }
  if (auto d = root["discovery"]) {  // asset discovery with Nmap (docs/vulnerabilities.md)
    w.check_keys(d, "discovery", {"networks", "ports", "versions", "timeout_seconds", "host_timeout_seconds", "at", "unseen_days"});
    w.get(d, "networks", c.discovery.networks, "discovery.");
    w.get(d, "ports", c.discovery.ports, "discovery.");
    w.get(d, "versions", c.discovery.versions, "discovery.");
    w.get(d, "timeout_seconds", c.discovery.timeout_sec, "discovery.");
    w.get(d, "host_timeout_seconds", c.discovery.host_timeout_sec, "discovery.");
    w.get(d, "at", c.discovery.schedule, "discovery.");
    w.get(d, "unseen_days", c.discovery_unseen_days, "discovery.");
    if (!w.err.ok()) return Error{w.err.error()};
    if (std::string p = vuln::check_config(c.discovery); !p.empty()) return Error{path + ": " + p};
    if (!c.discovery.schedule.empty() && (!time_of_day(c.discovery.schedule) || c.discovery.schedule.size() != 5))
      return Error{path + ": discovery.at must be a time of day HH:MM, not '" + c.discovery.schedule + "'"};
    if (c.discovery_unseen_days < 1) return Error{path + ": discovery.unseen_days must be at least 1"};
  }
  if (c.retention_days < 1) return Error{path + ": store.retention_days must be at least 1"};
  // Below 180 days is allowed (tests, labs) but under the legal minimum; `serve` warns at start-up.
  c.finalize();
  return c;
}

}  // namespace wardsec
