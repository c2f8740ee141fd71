// What an agent does, as its group's configuration that the center pushes signed (SM2 by the
// center's instance key): which logs it forwards, which paths it watches for integrity and
// which files it verifies as trusted, how often it takes inventory and runs the host checks,
// and its spool's bound. The same reader on both sides: the center checks a group's
// configuration before it stores it, the agent before it applies it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::fleet {

struct AgentConfig {
  int heartbeat_seconds = 10;
  std::vector<std::string> logs = {"/var/log/auth.log", "/var/log/secure", "/var/log/syslog", "/var/log/messages",
                                   "/var/log/audit/audit.log"};
  bool journald = false;
  // 完整性检测: watched paths, what is left out (globs), whose text changes are kept as diffs
  // (never secrets: no_diff wins).
  std::vector<std::string> fim_paths = {"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/etc", "/boot", "/var/www", "/opt/his"};
  std::vector<std::string> fim_exclude = {"/etc/mtab", "/etc/adjtime", "*.swp", "*~"};
  std::vector<std::string> diff_paths = {"/etc"};
  std::vector<std::string> no_diff = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-",       "/etc/gshadow-",
                                      "*.key",       "*.pem",        "/etc/ssh/ssh_host_*"};
  bool fim_realtime = true;
  bool whodata = true;
  std::string audit_log = "/var/log/audit/audit.log";  // who-data is read from here
  int fim_scan_minutes = 720;
  int64_t fim_max_files = 2000000;  // past this a scan counts what it left out
  int fim_max_watches = 65536;      // folders watched in real time; the rest by the scans
  // 可信验证: boot files and critical executables, against the baseline the center signed.
  std::vector<std::string> trusted_paths = {"/boot/vmlinuz-*", "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/usr/sbin/sshd",
                                            "/usr/bin/sudo",   "/usr/bin/su",         "/bin/login",           "/usr/bin/login",
                                            "/usr/bin/passwd", "/usr/sbin/init",      "/lib/systemd/systemd"};
  int trusted_minutes = 60;
  int inventory_minutes = 60;
  int checks_minutes = 720;
  int64_t spool_mib = 512;
  std::string host_root = "/";  // the files host checks and inventory read (a prepared tree in tests)
};

// Reads a configuration (JSON object); members left out keep their defaults. An error names
// the member and what is wrong.
Result<AgentConfig> parse_agent_config(const std::string& json);
std::string agent_config_json(const AgentConfig& c);
// What the center signs for a group's configuration (and the agent verifies): the group, its
// version and the configuration's text.
std::string config_message(const std::string& group, int64_t version, const std::string& text);

}  // namespace wardsec::fleet
