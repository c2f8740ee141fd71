#include "fleet/agent_config.h"

#include <nlohmann/json.hpp>

namespace wardsec::fleet {
using json = nlohmann::json;

namespace {

struct Reader {
  const json& j;
  std::string err;
  bool has(const char* k) const { return j.contains(k); }
  void num(const char* k, int64_t& v, int64_t lo, int64_t hi) {
    if (!err.empty() || !has(k)) return;
    if (!j[k].is_number_integer() || j[k].get<int64_t>() < lo || j[k].get<int64_t>() > hi) {
      err = std::string(k) + ": 须为 " + std::to_string(lo) + " 到 " + std::to_string(hi) + " 的整数 / must be a whole number from " +
            std::to_string(lo) + " to " + std::to_string(hi);
      return;
    }
    v = j[k].get<int64_t>();
  }
  void num(const char* k, int& v, int lo, int hi) {
    int64_t x = v;
    num(k, x, lo, hi);
    v = static_cast<int>(x);
  }
  void flag(const char* k, bool& v) {
    if (!err.empty() || !has(k)) return;
    if (!j[k].is_boolean()) {
      err = std::string(k) + ": 须为 true 或 false / must be true or false";
      return;
    }
    v = j[k].get<bool>();
  }
  void path(const char* k, std::string& v) {
    if (!err.empty() || !has(k)) return;
    if (!j[k].is_string() || j[k].get<std::string>().empty() || j[k].get<std::string>()[0] != '/') {
      err = std::string(k) + ": 须为绝对路径 / must be an absolute path";
      return;
    }
    v = j[k].get<std::string>();
  }
  // A list of absolute paths or globs ("*.swp" is allowed where `globs`).
  void paths(const char* k, std::vector<std::string>& v, bool globs = false) {
    if (!err.empty() || !has(k)) return;
    if (!j[k].is_array() || j[k].size() > 1000) {
      err = std::string(k) + ": 须为路径列表（至多 1000 项） / must be a list of at most 1,000 paths";
      return;
    }
    std::vector<std::string> out;
    for (const auto& e : j[k]) {
      if (!e.is_string() || e.get<std::string>().empty() || e.get<std::string>().size() > 4096 ||
          (e.get<std::string>()[0] != '/' && !(globs && e.get<std::string>()[0] == '*')) ||
          e.get<std::string>().find('\0') != std::string::npos) {
        err = std::string(k) + ": 每项须为绝对路径 / each entry must be an absolute path";
        return;
      }
      out.push_back(e.get<std::string>());
    }
    v = std::move(out);
  }
};

const char* kKeys[] = {"heartbeat_seconds", "logs",           "journald",        "fim_paths",     "fim_exclude",
                       "diff_paths",        "no_diff",        "fim_realtime",    "whodata",       "audit_log",
                       "fim_scan_minutes",  "fim_max_files",  "fim_max_watches", "trusted_paths", "trusted_minutes",
                       "inventory_minutes", "checks_minutes", "spool_mib",       "host_root"};

}  // namespace

Result<AgentConfig> parse_agent_config(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"配置须为 JSON 对象 / the configuration must be a JSON object"};
  for (const auto& [k, _] : j.items())
    if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys)) return Error{k + ": 未知的配置项 / unknown setting"};
  AgentConfig c;
  Reader r{j, {}};
  r.num("heartbeat_seconds", c.heartbeat_seconds, 1, 3600);
  r.paths("logs", c.logs);
  r.flag("journald", c.journald);
  r.paths("fim_paths", c.fim_paths);
  r.paths("fim_exclude", c.fim_exclude, true);
  r.paths("diff_paths", c.diff_paths);
  r.paths("no_diff", c.no_diff, true);
  r.flag("fim_realtime", c.fim_realtime);
  r.flag("whodata", c.whodata);
  r.path("audit_log", c.audit_log);
  r.num("fim_scan_minutes", c.fim_scan_minutes, 1, 7 * 1440);
  r.num("fim_max_files", c.fim_max_files, 1, 100000000);
  r.num("fim_max_watches", c.fim_max_watches, 0, 1000000);
  r.paths("trusted_paths", c.trusted_paths);
  r.num("trusted_minutes", c.trusted_minutes, 1, 7 * 1440);
  r.num("inventory_minutes", c.inventory_minutes, 1, 7 * 1440);
  r.num("checks_minutes", c.checks_minutes, 1, 30 * 1440);
  r.num("spool_mib", c.spool_mib, 1, 1 << 20);
  r.path("host_root", c.host_root);
  if (!r.err.empty()) return Error{r.err};
  return c;
}

std::string agent_config_json(const AgentConfig& c) {
  json j = {{"heartbeat_seconds", c.heartbeat_seconds},
            {"logs", c.logs},
            {"journald", c.journald},
            {"fim_paths", c.fim_paths},
            {"fim_exclude", c.fim_exclude},
            {"diff_paths", c.diff_paths},
            {"no_diff", c.no_diff},
            {"fim_realtime", c.fim_realtime},
            {"whodata", c.whodata},
            {"audit_log", c.audit_log},
            {"fim_scan_minutes", c.fim_scan_minutes},
            {"fim_max_files", c.fim_max_files},
            {"fim_max_watches", c.fim_max_watches},
            {"trusted_paths", c.trusted_paths},
            {"trusted_minutes", c.trusted_minutes},
            {"inventory_minutes", c.inventory_minutes},
            {"checks_minutes", c.checks_minutes},
            {"spool_mib", c.spool_mib},
            {"host_root", c.host_root}};
  return j.dump();
}

std::string config_message(const std::string& group, int64_t version, const std::string& text) {
  return "wardsec-config\n" + group + "\n" + std::to_string(version) + "\n" + text;
}

}  // namespace wardsec::fleet
