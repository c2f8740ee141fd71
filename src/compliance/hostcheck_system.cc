// The host checks on audit, time, logs, services, ports, malware and key files.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "compliance/hostcheck_detail.h"
#include "core/strutil.h"

namespace wardsec::compliance::hostcheck_detail {

static std::vector<std::string> audit_rule_files(const HostView& h) {
  std::vector<std::string> files = h.list("/etc/audit/rules.d", ".rules");
  files.push_back("/etc/audit/audit.rules");
  return files;
}

R audit_enabled(const HostView& h) {
  auto units = enabled_units(h);
  const Evidence* on = unit_enabled(units, {"auditd.service"});
  if (!h.exists("/etc/audit/auditd.conf") && !on) return fail("auditd is not installed");
  if (!on)
    return fail("auditd is installed but not enabled at boot",
                {{"/etc/audit/auditd.conf", 0, "(auditd.service not in any .wants folder)"}});
  std::vector<Evidence> rules;
  each_line(h, audit_rule_files(h), [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    if (starts_with(l, "-w ") || starts_with(l, "-a ")) rules.push_back({f, n, text});
    return true;
  });
  if (rules.empty()) return fail("auditd runs without audit rules (-w/-a)", {*on});
  std::vector<Evidence> ev{*on};
  ev.insert(ev.end(), rules.begin(), rules.begin() + std::min<size_t>(rules.size(), 5));
  return pass("auditd is enabled with " + std::to_string(rules.size()) + " rules", ev);
}

R audit_protected(const HostView& h) {
  if (!h.exists("/etc/audit/auditd.conf")) return na("auditd is not installed");
  std::optional<Evidence> immutable;
  each_line(h, audit_rule_files(h), [&](const std::string& f, int n, const std::string& text) {
    if (uncomment(text) == "-e 2") immutable = Evidence{f, n, text};
    return !immutable;
  });
  if (immutable) return pass("audit rules are immutable until reboot (-e 2)", {*immutable});
  return fail("audit rules can be changed or audit switched off at run time (no '-e 2')");
}

R time_sync(const HostView& h) {
  auto units = enabled_units(h);
  if (const Evidence* c = unit_enabled(units, {"chrony.service", "chronyd.service"})) {
    for (const char* f : {"/etc/chrony/chrony.conf", "/etc/chrony.conf"})
      if (auto ls = h.lines(f))
        for (size_t i = 0; i < ls->size(); i++) {
          std::string_view l = uncomment((*ls)[i]);
          if (starts_with(l, "server ") || starts_with(l, "pool "))
            return pass("chrony synchronises time", {*c, {f, static_cast<int>(i + 1), (*ls)[i]}});
        }
    return fail("chrony is enabled without a server or pool", {*c});
  }
  if (const Evidence* n = unit_enabled(units, {"ntp.service", "ntpd.service", "ntpsec.service"}))
    return pass("ntpd synchronises time", {*n});
  if (const Evidence* t = unit_enabled(units, {"systemd-timesyncd.service"})) {
    std::vector<Evidence> ev{*t};
    if (auto s = setting(h, "/etc/systemd/timesyncd.conf", "NTP"); s && !s->value.empty()) ev.push_back(s->ev);
    return pass("systemd-timesyncd synchronises time", ev);
  }
  return fail("no time synchronisation service is enabled (chrony, ntpd or systemd-timesyncd)");
}

R unneeded_services(const HostView& h) {
  std::vector<Evidence> bad;
  for (const auto& u : enabled_units(h))
    for (const char* n : {"telnet.socket", "rsh.socket", "rlogin.socket", "rexec.socket", "tftp.socket", "tftpd-hpa.service",
                          "vsftpd.service", "xinetd.service", "avahi-daemon.service", "cups.service", "nfs-server.service",
                          "rpcbind.service", "rpcbind.socket", "smbd.service", "snmpd.service", "bluetooth.service"})
      if (u.text == n) bad.push_back(u);
  if (!bad.empty()) return fail("services a server does not need are enabled", bad);
  return pass("no unneeded network service is enabled");
}

R listening_ports(const HostView& h) {
  // /proc/net/tcp{,6}: "sl local_address rem_address st ..." with st 0A = LISTEN, port in hex.
  static const std::pair<int, const char*> kRisky[] = {{21, "FTP"},     {23, "telnet"},   {69, "TFTP"},  {111, "rpcbind"},
                                                       {135, "RPC"},    {139, "NetBIOS"}, {445, "SMB"},  {512, "rexec"},
                                                       {513, "rlogin"}, {514, "rsh"},     {2049, "NFS"}, {6000, "X11"}};
  bool any = false;
  std::vector<Evidence> bad;
  for (const char* f : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    auto ls = h.lines(f);
    if (!ls) continue;
    any = true;
    for (size_t i = 1; i < ls->size(); i++) {
      auto cols = split(trim((*ls)[i]), ' ');
      std::vector<std::string_view> c;
      for (auto x : cols)
        if (!x.empty()) c.push_back(x);
      if (c.size() < 4 || c[3] != "0A") continue;
      auto colon = c[1].rfind(':');
      if (colon == std::string_view::npos) continue;
      int port = static_cast<int>(std::strtol(std::string(c[1].substr(colon + 1)).c_str(), nullptr, 16));
      for (auto [p, name] : kRisky)
        if (p == port) bad.push_back({f, static_cast<int>(i + 1), "listening on " + std::to_string(port) + " (" + name + ")"});
    }
  }
  if (!any) return na("no /proc/net/tcp (not a live system)");
  if (!bad.empty()) return fail("high-risk ports are listening", bad);
  return pass("no high-risk port is listening");
}

R malware_protection(const HostView& h) {
  static const char* kAgents[] = {"/usr/bin/clamscan",
                                  "/usr/sbin/clamd",
                                  "/etc/clamav/freshclam.conf",
                                  "/opt/CrowdStrike/falconctl",
                                  "/opt/microsoft/mdatp",
                                  "/opt/sangfor",
                                  "/opt/qaxsafe",
                                  "/opt/360safe",
                                  "/usr/local/qaxsafe",
                                  "/opt/huorong"};
  for (const char* a : kAgents)
    if (h.exists(a)) return pass("anti-malware present", {{a, 0, "present"}});
  return fail("no known anti-malware or EDR agent found (ClamAV, Defender, Falcon, Sangfor, QAX, 360, Huorong)");
}

R key_file_permissions(const HostView& h) {
  struct Want {
    const char* file;
    int forbidden;  // bits that must not be set
  } wants[] = {{"/etc/passwd", 0022}, {"/etc/shadow", 0037},  {"/etc/gshadow", 0037},
               {"/etc/group", 0022},  {"/etc/sudoers", 0022}, {"/etc/ssh/sshd_config", 0022}};
  std::vector<Evidence> bad, ok;
  for (const auto& w : wants) {
    int m = h.mode(w.file);
    if (m < 0) continue;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", m);
    (m & w.forbidden ? bad : ok).push_back({w.file, 0, std::string("mode ") + buf});
  }
  if (ok.empty() && bad.empty()) return na("none of the key files exists");
  if (!bad.empty()) return fail("key account and access files are writable (or readable) by others", bad);
  return pass("key account and access files are protected", ok);
}

R log_forwarding(const HostView& h) {
  std::vector<std::string> files = {"/etc/rsyslog.conf"};
  for (const auto& f : h.list("/etc/rsyslog.d", ".conf")) files.push_back(f);
  for (const auto& f : h.list("/etc/syslog-ng/conf.d", ".conf")) files.push_back(f);
  files.push_back("/etc/syslog-ng/syslog-ng.conf");
  std::optional<Evidence> found;
  bool any = each_line(h, files, [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    bool legacy = l.find(" @") != std::string_view::npos || l.find("\t@") != std::string_view::npos;
    bool action = l.find("omfwd") != std::string_view::npos || l.find("omrelp") != std::string_view::npos;
    bool ng = l.find("network(") != std::string_view::npos || l.find("syslog(") != std::string_view::npos ||
              l.find("tcp(") != std::string_view::npos || l.find("udp(") != std::string_view::npos;
    if (legacy || action || (ng && f.find("syslog-ng") != std::string::npos)) found = Evidence{f, n, text};
    return !found;
  });
  if (found) return pass("logs are forwarded to a central collector", {*found});
  if (!any) return fail("no syslog daemon configuration (rsyslog or syslog-ng) found");
  return fail("logs stay on the host: no forwarding action in the syslog configuration");
}

}  // namespace wardsec::compliance::hostcheck_detail
