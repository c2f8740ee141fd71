// Internal to the host checks (src/compliance/hostcheck*.cc): reading a host's configuration
// files as the programs that read them do, and the check functions host_checks() lists.
#pragma once
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compliance/hostcheck.h"

namespace wardsec::compliance::hostcheck_detail {

using R = CheckResult;

std::vector<std::string_view> split(std::string_view s, char sep);
// The line without its '#' comment, trimmed.
std::string_view uncomment(std::string_view l);
// "KEY value", "KEY=value" or "key = value": the key (case-insensitive) and its value.
std::optional<std::string> value_of(std::string_view line, std::string_view key);
struct Found {
  std::string value;
  Evidence ev;
};
// The setting in a file: the last occurrence (login.defs, pwquality), or the first (sshd).
std::optional<Found> setting(const HostView& h, const std::string& file, std::string_view key, bool first = false);
// sshd_config with its Include files expanded in place (sshd takes the first value it sees).
std::vector<Evidence> sshd_lines(const HostView& h);
std::optional<Found> sshd_setting(const std::vector<Evidence>& lines, std::string_view key);
// Every line of the PAM stacks named (Debian and RHEL names), from /etc/pam.d.
std::vector<Evidence> pam_lines(const HostView& h, const std::vector<std::string>& files);
// "deny=5" in a PAM module's arguments.
std::optional<long> pam_arg(std::string_view line, std::string_view key);
long to_long(const std::string& s, long dflt = -1);
// Units enabled under the systemd "wants" folders.
std::vector<Evidence> enabled_units(const HostView& h);
const Evidence* unit_enabled(const std::vector<Evidence>& units, std::initializer_list<const char*> names);
// Calls fn(file, line number, text) for every line of the files that exist, until fn returns
// false; returns whether any file existed.
bool each_line(const HostView& h, const std::vector<std::string>& files,
               const std::function<bool(const std::string&, int, const std::string&)>& fn);
R pass(std::string why, std::vector<Evidence> ev = {});
R fail(std::string why, std::vector<Evidence> ev = {});
R na(std::string why, std::vector<Evidence> ev = {});

// Accounts, passwords, logins and remote access (hostcheck_accounts.cc).
R password_max_age(const HostView& h);
R password_complexity(const HostView& h);
R login_lockout(const HostView& h);
R session_timeout(const HostView& h);
R remote_admin_encrypted(const HostView& h);
R ssh_root_login(const HostView& h);
R uid0_accounts(const HostView& h);
R empty_passwords(const HostView& h);
R sudo_nopasswd_all(const HostView& h);
R password_min_age(const HostView& h);
R password_history(const HostView& h);
R unlock_time(const HostView& h);
R ssh_crypto(const HostView& h);
R ssh_auth_limits(const HostView& h);
R management_sources(const HostView& h);
R inactive_accounts(const HostView& h);
R default_umask(const HostView& h);

// Audit, time, logs, services, ports, malware and files (hostcheck_system.cc).
R audit_enabled(const HostView& h);
R audit_protected(const HostView& h);
R time_sync(const HostView& h);
R unneeded_services(const HostView& h);
R listening_ports(const HostView& h);
R malware_protection(const HostView& h);
R key_file_permissions(const HostView& h);
R log_forwarding(const HostView& h);
R mac_enforcing(const HostView& h);
R audit_coverage(const HostView& h);
R log_retention(const HostView& h);
R malware_fresh(const HostView& h);
R suid_and_writable(const HostView& h);

}  // namespace wardsec::compliance::hostcheck_detail
