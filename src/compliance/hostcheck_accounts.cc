// The host checks on accounts, passwords, logins and remote access.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "compliance/hostcheck_detail.h"
#include "core/strutil.h"

namespace wardsec::compliance::hostcheck_detail {

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
    if (!deny) return fail("pam_tally2 without deny= never locks an account (its default is 0)", ev);
    if (*deny > 0 && *deny <= 10) return pass("accounts lock after " + std::to_string(*deny) + " failed logins", ev);
    return fail("the lockout threshold is " + std::to_string(*deny) + " (1 to 10 expected)", ev);
  }
  return fail("no login-failure lockout (pam_faillock or pam_tally2) in the PAM authentication stack", {pam.front()});
}

R session_timeout(const HostView& h) {
  // Debian/Ubuntu read /etc/bash.bashrc; RHEL, Kylin, UOS and openEuler /etc/bashrc.
  std::vector<std::string> files = {"/etc/profile", "/etc/bash.bashrc", "/etc/bashrc"};
  for (const auto& f : h.list("/etc/profile.d", ".sh")) files.push_back(f);
  for (const auto& f : files) {
    auto ls = h.lines(f);
    if (!ls) continue;
    for (size_t i = 0; i < ls->size(); i++) {
      std::string_view l = uncomment((*ls)[i]);
      for (std::string_view pre : {"export ", "readonly ", "declare -r ", "typeset -r "})
        if (starts_with(l, pre)) l = trim(l.substr(pre.size()));
      if (auto v = value_of(l, "TMOUT")) {
        // A shell statement ends at ';', '&' or a blank: "readonly TMOUT=600 ; export TMOUT".
        if (size_t end = v->find_first_of(";& \t"); end != std::string::npos) *v = std::string(trim(v->substr(0, end)));
        if (v->size() >= 2 && (v->front() == '"' || v->front() == '\'') && v->back() == v->front()) *v = v->substr(1, v->size() - 2);
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
    if (cm && to_long(cm->value) == 0)
      return fail("ClientAliveCountMax 0 never ends an idle session (OpenSSH 8.2 and later: 0 turns termination off)", {ci->ev, cm->ev});
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

R sudo_nopasswd_all(const HostView& h) {
  std::vector<std::string> files = {"/etc/sudoers"};
  for (const auto& f : h.list("/etc/sudoers.d")) files.push_back(f);
  std::vector<Evidence> bad;
  bool any = each_line(h, files, [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    std::string_view who = l.substr(0, l.find_first_of(" \t"));
    if (l.empty() || who == "root" || starts_with(l, "Defaults")) return true;
    // Blanks do not matter to sudo ("NOPASSWD:ALL", "NOPASSWD : ALL"); other tags may follow
    // (NOPASSWD: SETENV: ALL). Password-less and the command list is ALL: unrestricted.
    std::string t;
    for (char ch : l)
      if (ch != ' ' && ch != '\t') t += ch;
    size_t p = t.find("NOPASSWD:");
    if (p == std::string::npos) return true;
    std::string_view rest = std::string_view(t).substr(p + 9);
    while (true) {
      size_t colon = rest.find(':');
      if (colon == std::string_view::npos ||
          rest.substr(0, colon).find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != std::string_view::npos)
        break;
      rest.remove_prefix(colon + 1);
    }
    if (rest == "ALL") bad.push_back({f, n, text});
    return true;
  });
  if (!any) return na("no sudoers file");
  if (!bad.empty()) return fail("unrestricted password-less sudo (NOPASSWD: ALL)", bad);
  return pass("no unrestricted password-less sudo");
}

}  // namespace wardsec::compliance::hostcheck_detail
