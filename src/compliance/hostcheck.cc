#include "compliance/hostcheck.h"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>

#include "core/strutil.h"

namespace wardsec::compliance {

namespace fs = std::filesystem;

const char* result_name(CheckResult::Result r) { return r == CheckResult::kPass ? "pass" : r == CheckResult::kFail ? "fail" : "na"; }

HostView::HostView(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string HostView::real(const std::string& path) const { return root_ == "/" ? path : root_ + path; }

std::optional<std::vector<std::string>> HostView::lines(const std::string& path) const {
  std::ifstream in(real(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<std::string> out;
  std::string l;
  while (std::getline(in, l) && out.size() < 100000) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(std::move(l));
  }
  return out;
}

bool HostView::exists(const std::string& path) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(real(path), ec)) && !ec;
}

std::vector<std::string> HostView::list(const std::string& dir, const std::string& suffix) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(real(dir), ec)) {
    std::string name = e.path().filename().string();
    if (suffix.empty() || ends_with(name, suffix)) out.push_back(dir + "/" + name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

int HostView::mode(const std::string& path) const {
  struct stat st;
  if (::stat(real(path).c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

namespace {

using R = CheckResult;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

std::string_view uncomment(std::string_view l) {
  if (size_t h = l.find('#'); h != std::string_view::npos) l = l.substr(0, h);
  return trim(l);
}

// "KEY value", "KEY=value" or "key = value": the key (case-insensitive) and its value.
std::optional<std::string> value_of(std::string_view line, std::string_view key) {
  std::string_view l = uncomment(line);
  if (l.size() <= key.size() || !iequals(l.substr(0, key.size()), key)) return std::nullopt;
  std::string_view rest = l.substr(key.size());
  if (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '=') return std::nullopt;
  rest = trim(rest);
  if (!rest.empty() && rest[0] == '=') rest = trim(rest.substr(1));
  std::string v(rest);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  return v;
}

struct Found {
  std::string value;
  Evidence ev;
};

// The setting in a file: the last occurrence (login.defs, pwquality), or the first (sshd).
std::optional<Found> setting(const HostView& h, const std::string& file, std::string_view key, bool first = false) {
  auto ls = h.lines(file);
  if (!ls) return std::nullopt;
  std::optional<Found> out;
  for (size_t i = 0; i < ls->size(); i++)
    if (auto v = value_of((*ls)[i], key)) {
      out = Found{*v, {file, static_cast<int>(i + 1), (*ls)[i]}};
      if (first) break;
    }
  return out;
}

// sshd_config with its Include files expanded in place (sshd takes the first value it sees).
std::vector<Evidence> sshd_lines(const HostView& h) {
  std::vector<Evidence> out;
  auto ls = h.lines("/etc/ssh/sshd_config");
  if (!ls) return out;
  for (size_t i = 0; i < ls->size(); i++) {
    std::string_view l = uncomment((*ls)[i]);
    if (auto inc = value_of(l, "Include")) {
      std::string pat = *inc;
      if (pat[0] != '/') pat = "/etc/ssh/" + pat;
      size_t slash = pat.rfind('/');
      std::string dir = pat.substr(0, slash), name = pat.substr(slash + 1);
      std::string suffix = name.rfind("*", 0) == 0 ? name.substr(1) : name;
      for (const auto& f : h.list(dir, suffix))
        if (auto fl = h.lines(f))
          for (size_t j = 0; j < fl->size(); j++) out.push_back({f, static_cast<int>(j + 1), (*fl)[j]});
      continue;
    }
    out.push_back({"/etc/ssh/sshd_config", static_cast<int>(i + 1), (*ls)[i]});
  }
  return out;
}

std::optional<Found> sshd_setting(const std::vector<Evidence>& lines, std::string_view key) {
  for (const auto& e : lines) {
    std::string_view l = uncomment(e.text);
    if (iequals(l.substr(0, 5), "Match")) break;  // conditional blocks do not set the global value
    if (auto v = value_of(l, key)) return Found{*v, e};
  }
  return std::nullopt;
}

// Every line of the PAM stacks that decide logins and password changes (Debian and RHEL names).
std::vector<Evidence> pam_lines(const HostView& h, const std::vector<std::string>& files) {
  std::vector<Evidence> out;
  for (const auto& f : files)
    if (auto ls = h.lines("/etc/pam.d/" + f))
      for (size_t i = 0; i < ls->size(); i++)
        if (!uncomment((*ls)[i]).empty()) out.push_back({"/etc/pam.d/" + f, static_cast<int>(i + 1), (*ls)[i]});
  return out;
}

// "deny=5" in a PAM module's arguments.
std::optional<long> pam_arg(std::string_view line, std::string_view key) {
  std::string_view l = uncomment(line);
  size_t p = 0;
  while ((p = l.find(key, p)) != std::string_view::npos) {
    bool start = p == 0 || l[p - 1] == ' ' || l[p - 1] == '\t';
    if (start && p + key.size() < l.size() && l[p + key.size()] == '=') {
      std::string v(l.substr(p + key.size() + 1, l.find_first_of(" \t", p) == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : l.find_first_of(" \t", p) - p - key.size() - 1));
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (!v.empty() && !*end) return n;
    }
    p += key.size();
  }
  return std::nullopt;
}

long to_long(const std::string& s, long dflt = -1) {
  char* end = nullptr;
  long n = std::strtol(s.c_str(), &end, 10);
  return s.empty() || *end ? dflt : n;
}

// Units enabled under the systemd "wants" folders.
std::vector<Evidence> enabled_units(const HostView& h) {
  std::vector<Evidence> out;
  for (const char* base : {"/etc/systemd/system"})
    for (const auto& d : h.list(base, ".wants"))
      for (const auto& u : h.list(d)) out.push_back({u, 0, u.substr(u.rfind('/') + 1)});
  return out;
}

const Evidence* unit_enabled(const std::vector<Evidence>& units, std::initializer_list<const char*> names) {
  for (const auto& u : units)
    for (const char* n : names)
      if (u.text == n) return &u;
  return nullptr;
}

// Calls fn(file, line number, text) for every line of the files that exist, until fn returns
// false; returns whether any file existed.
bool each_line(const HostView& h, const std::vector<std::string>& files,
               const std::function<bool(const std::string&, int, const std::string&)>& fn) {
  bool any = false;
  for (const auto& f : files) {
    auto ls = h.lines(f);
    if (!ls) continue;
    any = true;
    for (size_t i = 0; i < ls->size(); i++)
      if (!fn(f, static_cast<int>(i + 1), (*ls)[i])) return true;
  }
  return any;
}

R pass(std::string why, std::vector<Evidence> ev = {}) { return {R::kPass, std::move(why), std::move(ev)}; }
R fail(std::string why, std::vector<Evidence> ev = {}) { return {R::kFail, std::move(why), std::move(ev)}; }
R na(std::string why, std::vector<Evidence> ev = {}) { return {R::kNa, std::move(why), std::move(ev)}; }

// ---- the checks --------------------------------------------------------------------------

R password_max_age(const HostView& h) {
  auto s = setting(h, "/etc/login.defs", "PASS_MAX_DAYS");
  if (!h.exists("/etc/login.defs")) return na("no /etc/login.defs");
  if (!s) return fail("PASS_MAX_DAYS is not set: passwords never expire", {{"/etc/login.defs", 0, "(no PASS_MAX_DAYS)"}});
  long d = to_long(s->value);
  if (d > 0 && d <= 90) return pass("passwords expire after " + s->value + " days", {s->ev});
  return fail("PASS_MAX_DAYS is " + s->value + " (at most 90 expected)", {s->ev});
}

R password_complexity(const HostView& h) {
  auto pam = pam_lines(h, {"common-password", "system-auth", "password-auth"});
  const Evidence* mod = nullptr;
  for (const auto& e : pam)
    if (e.text.find("pam_pwquality.so") != std::string::npos || e.text.find("pam_cracklib.so") != std::string::npos) mod = &e;
  if (!mod) {
    if (pam.empty()) return na("no PAM password stack found");
    return fail("no password quality module (pam_pwquality or pam_cracklib) in the PAM password stack", {pam.front()});
  }
  // Settings from the module's arguments, else /etc/security/pwquality.conf.
  auto get = [&](const char* k) -> std::pair<long, std::optional<Evidence>> {
    if (auto v = pam_arg(mod->text, k)) return {*v, *mod};
    if (auto s = setting(h, "/etc/security/pwquality.conf", k)) return {to_long(s->value, 0), s->ev};
    return {0, std::nullopt};
  };
  std::vector<Evidence> ev{*mod};
  auto [minlen, e1] = get("minlen");
  auto [minclass, e2] = get("minclass");
  int credits = 0;
  for (const char* k : {"dcredit", "ucredit", "lcredit", "ocredit"}) {
    auto [v, e] = get(k);
    if (v < 0) {
      credits++;
      if (e) ev.push_back(*e);
    }
  }
  if (e1) ev.push_back(*e1);
  if (e2) ev.push_back(*e2);
  bool classes = minclass >= 3 || credits >= 3;
  if (minlen >= 8 && classes) return pass("minimum length " + std::to_string(minlen) + " and at least three character classes", ev);
  return fail("password quality: minimum length " + std::to_string(minlen) + " (8 expected), " +
                  (classes ? "three classes required" : "fewer than three character classes required"),
              ev);
}

R login_lockout(const HostView& h) {
  auto pam = pam_lines(h, {"common-auth", "system-auth", "password-auth"});
  if (pam.empty()) return na("no PAM authentication stack found");
  for (const auto& e : pam) {
    bool faillock = e.text.find("pam_faillock.so") != std::string::npos, tally = e.text.find("pam_tally2.so") != std::string::npos;
    if (!faillock && !tally) continue;
    std::vector<Evidence> ev{e};
    std::optional<long> deny = pam_arg(e.text, "deny");
    if (!deny && faillock)
      if (auto s = setting(h, "/etc/security/faillock.conf", "deny")) {
        deny = to_long(s->value);
        ev.push_back(s->ev);
      }
    if (!deny && faillock) deny = 3;  // pam_faillock's default
    if (*deny > 0 && *deny <= 10) return pass("accounts lock after " + std::to_string(*deny) + " failed logins", ev);
    return fail("the lockout threshold is " + std::to_string(*deny) + " (1 to 10 expected)", ev);
  }
  return fail("no login-failure lockout (pam_faillock or pam_tally2) in the PAM authentication stack", {pam.front()});
}

R session_timeout(const HostView& h) {
  std::vector<std::string> files = {"/etc/profile", "/etc/bash.bashrc"};
  for (const auto& f : h.list("/etc/profile.d", ".sh")) files.push_back(f);
  for (const auto& f : files) {
    auto ls = h.lines(f);
    if (!ls) continue;
    for (size_t i = 0; i < ls->size(); i++) {
      std::string_view l = uncomment((*ls)[i]);
      for (std::string_view pre : {"export ", "readonly ", "declare -r ", "typeset -r "})
        if (starts_with(l, pre)) l = trim(l.substr(pre.size()));
      if (auto v = value_of(l, "TMOUT")) {
        long t = to_long(*v);
        Evidence e{f, static_cast<int>(i + 1), (*ls)[i]};
        if (t > 0 && t <= 1800) return pass("idle shells end after " + *v + " s", {e});
        return fail("TMOUT is " + *v + " (1 to 1800 s expected)", {e});
      }
    }
  }
  auto sshd = sshd_lines(h);
  auto ci = sshd_setting(sshd, "ClientAliveInterval");
  if (ci && to_long(ci->value) > 0) {
    auto cm = sshd_setting(sshd, "ClientAliveCountMax");
    long total = to_long(ci->value) * (cm ? std::max(1L, to_long(cm->value, 3)) : 3);
    std::vector<Evidence> ev{ci->ev};
    if (cm) ev.push_back(cm->ev);
    if (total <= 1800) return pass("idle SSH sessions end after " + std::to_string(total) + " s", ev);
    return fail("idle SSH sessions end only after " + std::to_string(total) + " s", ev);
  }
  return fail("no idle timeout: neither TMOUT in the shell profiles nor ClientAliveInterval in sshd");
}

R remote_admin_encrypted(const HostView& h) {
  std::vector<Evidence> bad;
  auto units = enabled_units(h);
  for (const char* u : {"telnet.socket", "telnetd.service", "rsh.socket", "rlogin.socket", "rexec.socket", "inetutils-telnetd.service"})
    if (const Evidence* e = unit_enabled(units, {u})) bad.push_back(*e);
  if (auto ls = h.lines("/etc/inetd.conf"))
    for (size_t i = 0; i < ls->size(); i++) {
      std::string_view l = uncomment((*ls)[i]);
      for (const char* svc : {"telnet", "shell", "login", "exec"})
        if (starts_with(l, svc) && l.size() > std::strlen(svc) && (l[std::strlen(svc)] == ' ' || l[std::strlen(svc)] == '\t'))
          bad.push_back({"/etc/inetd.conf", static_cast<int>(i + 1), (*ls)[i]});
    }
  for (const auto& f : h.list("/etc/xinetd.d")) {
    std::string name = f.substr(f.rfind('/') + 1);
    if (name != "telnet" && name != "rsh" && name != "rlogin" && name != "rexec") continue;
    auto d = setting(h, f, "disable");
    if (!d || !iequals(d->value, "yes")) bad.push_back({f, d ? d->ev.line : 0, d ? d->ev.text : "(not disabled)"});
  }
  auto proto = sshd_setting(sshd_lines(h), "Protocol");
  if (proto && proto->value.find('1') != std::string::npos) bad.push_back(proto->ev);
  if (!bad.empty()) return fail("clear-text remote administration is enabled (telnet/rsh/rlogin or SSH protocol 1)", bad);
  if (!h.exists("/etc/ssh/sshd_config")) return na("no sshd and no clear-text remote login found");
  return pass("remote administration only over SSH");
}

R ssh_root_login(const HostView& h) {
  auto lines = sshd_lines(h);
  if (lines.empty()) return na("no /etc/ssh/sshd_config");
  auto s = sshd_setting(lines, "PermitRootLogin");
  if (!s)
    return pass("PermitRootLogin not set: OpenSSH's default (prohibit-password) refuses root passwords",
                {{"/etc/ssh/sshd_config", 0, "(no PermitRootLogin)"}});
  std::string v = to_lower(s->value);
  if (v == "no" || v == "prohibit-password" || v == "without-password" || v == "forced-commands-only")
    return pass("root cannot log in over SSH with a password", {s->ev});
  return fail("PermitRootLogin " + s->value + ": root logs in over SSH with a password", {s->ev});
}

R uid0_accounts(const HostView& h) {
  auto ls = h.lines("/etc/passwd");
  if (!ls) return na("no /etc/passwd");
  std::vector<Evidence> bad;
  for (size_t i = 0; i < ls->size(); i++) {
    auto f = split((*ls)[i], ':');
    if (f.size() >= 4 && f[2] == "0" && f[0] != "root") bad.push_back({"/etc/passwd", static_cast<int>(i + 1), (*ls)[i]});
  }
  if (!bad.empty()) return fail("accounts other than root have UID 0", bad);
  return pass("only root has UID 0");
}

R empty_passwords(const HostView& h) {
  auto ls = h.lines("/etc/shadow");
  if (!ls) return na("/etc/shadow is missing or not readable (run as root)");
  std::vector<Evidence> bad;
  for (size_t i = 0; i < ls->size(); i++) {
    auto f = split((*ls)[i], ':');
    if (f.size() >= 2 && f[1].empty()) bad.push_back({"/etc/shadow", static_cast<int>(i + 1), std::string(f[0]) + ":(empty password)"});
  }
  if (!bad.empty()) return fail("accounts without a password", bad);
  return pass("every account has a password or is locked");
}

std::vector<std::string> audit_rule_files(const HostView& h) {
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

R sudo_nopasswd_all(const HostView& h) {
  std::vector<std::string> files = {"/etc/sudoers"};
  for (const auto& f : h.list("/etc/sudoers.d")) files.push_back(f);
  std::vector<Evidence> bad;
  bool any = each_line(h, files, [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    if (!l.empty() && !starts_with(l, "Defaults") && !starts_with(l, "root") && l.find("NOPASSWD: ALL") != std::string_view::npos &&
        ends_with(l, "ALL"))
      bad.push_back({f, n, text});
    return true;
  });
  if (!any) return na("no sudoers file");
  if (!bad.empty()) return fail("unrestricted password-less sudo (NOPASSWD: ALL)", bad);
  return pass("no unrestricted password-less sudo");
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

}  // namespace

const std::vector<HostCheck>& host_checks() {
  // One line per check: id, titles, the catalog items it supports, the function.
  static const std::vector<HostCheck> checks = {
      {"linux.password.max_age", "口令定期更换", "Passwords expire", {"CE.IA.a"}, password_max_age},
      {"linux.password.complexity", "口令复杂度", "Password complexity", {"CE.IA.a"}, password_complexity},
      {"linux.accounts.empty_password", "无空口令账户", "No accounts without a password", {"CE.IA.a"}, empty_passwords},
      {"linux.login.lockout", "登录失败处理", "Lockout after failed logins", {"CE.IA.b"}, login_lockout},
      {"linux.session.timeout", "登录连接超时自动退出", "Idle sessions end", {"CE.IA.b"}, session_timeout},
      {"linux.remote.encrypted", "远程管理防窃听", "Remote administration encrypted", {"CE.IA.c"}, remote_admin_encrypted},
      {"linux.ssh.root_login", "禁止 root 口令远程登录", "No SSH root password login", {"CE.AC.b", "CE.AC.d"}, ssh_root_login},
      {"linux.accounts.uid0", "无多余超级用户", "No extra UID 0 accounts", {"CE.AC.b", "CE.AC.c"}, uid0_accounts},
      {"linux.sudo.nopasswd_all", "最小权限（sudo）", "No unrestricted password-less sudo", {"CE.AC.d"}, sudo_nopasswd_all},
      {"linux.files.permissions", "关键文件权限", "Key file permissions", {"CE.AC.d", "CE.DI.b"}, key_file_permissions},
      {"linux.audit.enabled", "安全审计开启", "Audit enabled", {"CE.AUD.a", "CE.AUD.b"}, audit_enabled},
      {"linux.audit.protected", "审计进程保护", "Audit protected", {"CE.AUD.c", "CE.AUD.d"}, audit_protected},
      {"linux.time.sync", "时间同步", "Time synchronisation", {"CE.AUD.b", "MC.CEN.d"}, time_sync},
      {"linux.log.forwarding", "日志集中收集", "Logs forwarded to the center", {"CE.AUD.c", "MC.CEN.d"}, log_forwarding},
      {"linux.services.unneeded", "关闭不需要的服务", "Unneeded services off", {"CE.IPS.a", "CE.IPS.b"}, unneeded_services},
      {"linux.ports.listening", "关闭高危端口", "No high-risk ports", {"CE.IPS.b"}, listening_ports},
      {"linux.malware.protection", "恶意代码防范", "Anti-malware present", {"CE.MAL.a"}, malware_protection},
  };
  return checks;
}

std::string check_to_json(const HostCheck& c, const CheckResult& r) {
  nlohmann::json j;
  j["check.id"] = c.id;
  j["check.title"] = c.title_zh;
  j["check.title_en"] = c.title_en;
  j["result"] = result_name(r.result);
  j["requirements"] = c.requirements;
  j["reason"] = r.reason;
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : r.evidence) {
    nlohmann::json x{{"file", e.file}, {"text", e.text}};
    if (e.line) x["line"] = e.line;
    ev.push_back(x);
  }
  j["evidence"] = ev;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wardsec::compliance
