// The host checks on audit, time, logs, services, ports, malware and key files.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
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

// CE.AC.g: mandatory access control (security labels) enforcing: SELinux (RHEL, Kylin,
// openEuler, UOS server) or AppArmor (Debian, Ubuntu).
R mac_enforcing(const HostView& h) {
  if (auto s = setting(h, "/etc/selinux/config", "SELINUX")) {
    if (iequals(s->value, "enforcing")) return pass("SELinux is enforcing", {s->ev});
    return fail("SELinux is " + s->value + " (enforcing expected)", {s->ev});
  }
  auto units = enabled_units(h);
  if (const Evidence* a = unit_enabled(units, {"apparmor.service"})) {
    if (h.list("/etc/apparmor.d").size() > 0) return pass("AppArmor is enabled with profiles", {*a});
    return fail("AppArmor is enabled without profiles", {*a});
  }
  if (h.exists("/etc/apparmor.d")) return fail("AppArmor is installed but not enabled at boot");
  return fail("no mandatory access control (SELinux or AppArmor)");
}

// CE.AUD.a/c: what the audit rules cover (identity files, privilege use, logins, time and the
// audit configuration itself), and what auditd does when its disk fills.
R audit_coverage(const HostView& h) {
  if (!h.exists("/etc/audit/auditd.conf")) return na("auditd is not installed");
  struct Area {
    const char* what;
    std::vector<const char*> any;  // a rule mentioning any of these covers the area
  };
  static const std::vector<Area> kAreas = {
      {"account files (/etc/passwd, /etc/shadow, /etc/group)", {"/etc/passwd", "/etc/shadow", "/etc/group"}},
      {"privilege use (sudo, su, sudoers)", {"/etc/sudoers", "/usr/bin/sudo", "/bin/su", "/usr/bin/su", "execve"}},
      {"logins (lastlog, faillog, faillock)",
       {"/var/log/lastlog", "/var/log/faillog", "/var/run/faillock", "/var/log/wtmp", "/var/log/btmp"}},
      {"time changes", {"adjtimex", "settimeofday", "clock_settime", "/etc/localtime"}},
      {"the audit configuration", {"/etc/audit/", "/var/log/audit"}},
  };
  std::vector<std::string> rules;
  std::vector<Evidence> ev;
  each_line(h, audit_rule_files(h), [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    if (starts_with(l, "-w ") || starts_with(l, "-a ")) {
      rules.emplace_back(l);
      if (ev.size() < 5) ev.push_back({f, n, text});
    }
    return true;
  });
  std::vector<std::string> missing;
  for (const auto& a : kAreas)
    if (std::none_of(rules.begin(), rules.end(), [&](const std::string& r) {
          return std::any_of(a.any.begin(), a.any.end(), [&](const char* k) { return r.find(k) != std::string::npos; });
        }))
      missing.push_back(a.what);
  auto full = setting(h, "/etc/audit/auditd.conf", "disk_full_action");
  auto left = setting(h, "/etc/audit/auditd.conf", "space_left_action");
  if (full) ev.push_back(full->ev);
  if (left) ev.push_back(left->ev);
  std::string full_v = full ? full->value : "SUSPEND";  // auditd's default: stop logging silently
  bool full_ok = iequals(full_v, "halt") || iequals(full_v, "single");
  std::string left_v = left ? left->value : "SYSLOG";
  bool left_ok = iequals(left_v, "email") || iequals(left_v, "exec") || iequals(left_v, "single") || iequals(left_v, "halt") ||
                 iequals(left_v, "syslog");
  std::string why;
  if (!missing.empty()) {
    why = "audit rules do not cover: ";
    for (size_t i = 0; i < missing.size(); i++) why += (i ? "; " : "") + missing[i];
  }
  if (!full_ok)
    why += std::string(why.empty() ? "" : ". ") + "disk_full_action is " + full_v +
           ": audit stops silently when the disk fills (HALT or SINGLE expected)";
  if (!left_ok)
    why += std::string(why.empty() ? "" : ". ") + "space_left_action is " + left_v + ": nobody is told the audit disk is filling";
  if (!why.empty()) return fail(why, ev);
  return pass("audit rules cover accounts, privilege use, logins, time and the audit configuration; a full disk stops the host", ev);
}

// MC.CEN.d / 网络安全法 art. 21: logs kept at least 180 days on the host (logrotate) or journald,
// unless they are forwarded (linux.log.forwarding judges that).
R log_retention(const HostView& h) {
  std::vector<std::string> files = {"/etc/logrotate.conf"};
  for (const auto& f : h.list("/etc/logrotate.d")) files.push_back(f);
  // The stanza that rotates the system log, else the global defaults of logrotate.conf.
  auto days_of = [](const std::string& period, long rotate) -> long {
    long per = period == "daily" ? 1 : period == "weekly" ? 7 : period == "monthly" ? 30 : period == "yearly" ? 365 : 7;
    return per * rotate;
  };
  std::string g_period = "weekly", period;
  long g_rotate = 4, rotate = -1;
  std::optional<Evidence> ev;
  bool in_syslog = false, in_block = false, pending_syslog = false;
  auto names_syslog = [](std::string_view l) {
    return l.find("/var/log/messages") != std::string_view::npos || l.find("/var/log/syslog") != std::string_view::npos ||
           l.find("/var/log/secure") != std::string_view::npos || l.find("/var/log/auth.log") != std::string_view::npos;
  };
  bool any = each_line(h, files, [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    // The files a stanza rotates are named before its '{', on that line or the lines before.
    if (!in_block && names_syslog(l)) {
      pending_syslog = true;
      if (!ev) ev = Evidence{f, n, text};
    }
    if (l.find('{') != std::string_view::npos) {
      in_block = true;
      in_syslog = pending_syslog;
      pending_syslog = false;
      return true;
    }
    if (l.find('}') != std::string_view::npos) {
      in_block = in_syslog = false;
      return true;
    }
    for (const char* p : {"daily", "weekly", "monthly", "yearly"})
      if (l == p) {
        if (in_syslog)
          period = p;
        else if (!in_block)
          g_period = p;
      }
    if (starts_with(l, "rotate ")) {
      long r = to_long(std::string(trim(l.substr(7))));
      if (in_syslog)
        rotate = r;
      else if (!in_block)
        g_rotate = r;
    }
    return true;
  });
  if (!any) return na("no logrotate configuration");
  long days = days_of(period.empty() ? g_period : period, rotate >= 0 ? rotate : g_rotate);
  std::vector<Evidence> e;
  if (ev) e.push_back(*ev);
  if (days >= 180) return pass("system logs are kept about " + std::to_string(days) + " days on the host", e);
  return fail("system logs are kept about " + std::to_string(days) + " days on the host (180 days at least expected, 网络安全法 art. 21)",
              e);
}

// CE.MAL.a: anti-malware running with fresh signatures. ClamAV's can be read from its files;
// a commercial agent keeps its own, which its console shows.
R malware_fresh(const HostView& h) {
  auto units = enabled_units(h);
  bool clam = h.exists("/usr/bin/clamscan") || h.exists("/usr/sbin/clamd");
  if (!clam) return na("no ClamAV: the signature age of another agent is on its own console");
  const Evidence* upd = unit_enabled(units, {"clamav-freshclam.service", "clamd@scan.service", "clamav-daemon.service"});
  std::optional<long> newest;
  std::string newest_file;
  for (const char* dir : {"/var/lib/clamav", "/var/clamav"})
    for (const auto& f : h.list(dir))
      if (ends_with(f, ".cvd") || ends_with(f, ".cld"))
        if (auto a = h.age_seconds(f); a && (!newest || *a < *newest)) {
          newest = *a;
          newest_file = f;
        }
  if (!newest) return fail("ClamAV has no signature database (/var/lib/clamav/*.cvd or .cld)");
  long days = *newest / 86400;
  std::vector<Evidence> ev{{newest_file, 0, std::to_string(days) + " day(s) old"}};
  if (upd) ev.push_back(*upd);
  if (days > 7) return fail("ClamAV's newest signatures are " + std::to_string(days) + " days old (7 at most expected)", ev);
  if (!upd) return fail("ClamAV's signatures are fresh, but neither freshclam nor clamd is enabled at boot", ev);
  return pass("ClamAV runs with signatures " + std::to_string(days) + " day(s) old", ev);
}

// CE.AC.d / CE.IPS.a: SUID programs beyond the ones a distribution ships, and files anyone can
// write in the system's configuration and program folders.
R suid_and_writable(const HostView& h) {
  static const std::set<std::string> kKnownSuid = {"passwd",
                                                   "su",
                                                   "sudo",
                                                   "mount",
                                                   "umount",
                                                   "chsh",
                                                   "chfn",
                                                   "gpasswd",
                                                   "newgrp",
                                                   "pkexec",
                                                   "ping",
                                                   "ping6",
                                                   "crontab",
                                                   "at",
                                                   "fusermount",
                                                   "fusermount3",
                                                   "unix_chkpwd",
                                                   "chage",
                                                   "expiry",
                                                   "ssh-keysign",
                                                   "dbus-daemon-launch-helper",
                                                   "pam_timestamp_check",
                                                   "userhelper",
                                                   "mount.nfs",
                                                   "staprun",
                                                   "Xorg.wrap",
                                                   "polkit-agent-helper-1",
                                                   "newuidmap",
                                                   "newgidmap",
                                                   "sg",
                                                   "ntfs-3g",
                                                   "suexec",
                                                   "sudoedit",
                                                   "mount.cifs",
                                                   "pppd"};
  std::vector<Evidence> suid, writable;
  bool any = false;
  size_t looked = 0;
  for (const char* dir : {"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", "/usr/local/sbin", "/usr/libexec"})
    for (const auto& f : h.list(dir)) {
      any = true;
      int m = h.mode(f);
      if (m < 0 || h.is_dir(f)) continue;
      looked++;
      std::string name = f.substr(f.rfind('/') + 1);
      char mode[24];
      std::snprintf(mode, sizeof mode, "mode %04o", static_cast<unsigned>(m));
      if ((m & 04000) && !kKnownSuid.count(name)) suid.push_back({f, 0, mode});
      if (m & 02) writable.push_back({f, 0, "world-writable"});
    }
  for (const auto& f : h.list("/etc")) {
    int m = h.mode(f);
    if (m >= 0 && !h.is_dir(f) && (m & 02)) writable.push_back({f, 0, "world-writable"});
  }
  if (!any) return na("no program folders to look at");
  if (!suid.empty() || !writable.empty()) {
    std::vector<Evidence> ev = suid;
    ev.insert(ev.end(), writable.begin(), writable.end());
    if (ev.size() > 20) ev.resize(20);
    return fail(std::to_string(suid.size()) + " unexpected SUID program(s), " + std::to_string(writable.size()) +
                    " world-writable file(s) in /etc or the program folders",
                ev);
  }
  return pass("no unexpected SUID program and no world-writable file in /etc or the program folders",
              {{"/usr/bin", 0, std::to_string(looked) + " files looked at"}});
}

}  // namespace wardsec::compliance::hostcheck_detail
