// The host's inventory (主机资产清单), read from its files under a root ("/" on the host):
// the OS (os-release) and kernel, packages with versions (dpkg's status; rpm -qa where rpm
// is), users and groups, who holds administrator rights (uid 0, the sudo/wheel/admin groups, a
// sudoers rule for ALL), the sudo rules, listening ports with their processes (/proc/net and
// the processes' sockets), running services (systemd) and scheduled tasks (cron, timers).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace wardsec::agent {

nlohmann::json collect_inventory(const std::string& root);
// The running kernel ("6.1.0-18-amd64 x86_64").
std::string kernel_release();

// The parts, for the tests and the fuzz target.
nlohmann::json parse_os_release(const std::string& text);
nlohmann::json parse_passwd(const std::string& text);
nlohmann::json parse_group(const std::string& text);
nlohmann::json parse_dpkg_status(const std::string& text);
// /proc/net/tcp{,6} or udp{,6}: listening sockets (tcp state 0A; udp unconnected), with inode.
nlohmann::json parse_proc_net(const std::string& text, const std::string& proto);
// Rule lines of a sudoers file (comments, Defaults and blank lines left out).
std::vector<std::string> sudo_rules(const std::string& text);

}  // namespace wardsec::agent
