// The host checks on accounts, passwords, logins and remote access.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
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

// The login-failure lockout module of the PAM authentication stack and its setting `key`:
// pam_faillock reads its arguments, else faillock.conf, else its built-in default; pam_tally2
// only its arguments (value nullopt when unset). nullopt: no lockout module at all.
struct Lockout {
  std::vector<Evidence> ev;
  std::optional<long> value;
};
static std::optional<Lockout> lockout_setting(const HostView& h, const std::vector<Evidence>& pam, const char* key, long faillock_default) {
  for (const auto& e : pam) {
    bool faillock = e.text.find("pam_faillock.so") != std::string::npos, tally = e.text.find("pam_tally2.so") != std::string::npos;
    if (!faillock && !tally) continue;
    Lockout out{{e}, pam_arg(e.text, key)};
    if (!out.value && faillock) {
      if (auto s = setting(h, "/etc/security/faillock.conf", key)) {
        out.value = to_long(s->value);
        out.ev.push_back(s->ev);
      } else {
        out.value = faillock_default;
      }
    }
    return out;
  }
  return std::nullopt;
}

R login_lockout(const HostView& h) {
  auto pam = pam_lines(h, {"common-auth", "system-auth", "password-auth"});
  if (pam.empty()) return na("no PAM authentication stack found");
  auto l = lockout_setting(h, pam, "deny", 3);  // pam_faillock's default deny is 3
  if (!l) return fail("no login-failure lockout (pam_faillock or pam_tally2) in the PAM authentication stack", {pam.front()});
  if (!l->value) return fail("pam_tally2 without deny= never locks an account (its default is 0)", l->ev);
  long deny = *l->value;
  if (deny > 0 && deny <= 10) return pass("accounts lock after " + std::to_string(deny) + " failed logins", l->ev);
  return fail("the lockout threshold is " + std::to_string(deny) + " (1 to 10 expected)", l->ev);
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

R password_min_age(const HostView& h) {
  if (!h.exists("/etc/login.defs")) return na("no /etc/login.defs");
  auto s = setting(h, "/etc/login.defs", "PASS_MIN_DAYS");
  if (s && to_long(s->value) >= 1) return pass("a password is kept at least " + s->value + " day(s) before it can change", {s->ev});
  return fail("PASS_MIN_DAYS is " + (s ? s->value : std::string("not set")) + ": a password can be changed back at once (1 expected)",
              s ? std::vector<Evidence>{s->ev} : std::vector<Evidence>{{"/etc/login.defs", 0, "(no PASS_MIN_DAYS)"}});
}

R password_history(const HostView& h) {
  auto pam = pam_lines(h, {"common-password", "system-auth", "password-auth"});
  if (pam.empty()) return na("no PAM password stack found");
  for (const auto& e : pam) {
    bool hist = e.text.find("pam_pwhistory.so") != std::string::npos, unix_mod = e.text.find("pam_unix.so") != std::string::npos;
    if (!hist && !unix_mod) continue;
    std::optional<long> n = pam_arg(e.text, "remember");
    std::vector<Evidence> ev{e};
    if (!n && hist)
      if (auto s = setting(h, "/etc/security/pwhistory.conf", "remember")) {
        n = to_long(s->value);
        ev.push_back(s->ev);
      }
    if (!n && hist) n = 10;  // pam_pwhistory's default
    if (n && *n >= 5) return pass("the last " + std::to_string(*n) + " passwords cannot be reused", ev);
    if (n) return fail("only the last " + std::to_string(*n) + " passwords are remembered (5 expected)", ev);
  }
  return fail("no password history (pam_pwhistory or pam_unix remember=): an old password can be reused", {pam.front()});
}

R unlock_time(const HostView& h) {
  auto pam = pam_lines(h, {"common-auth", "system-auth", "password-auth"});
  if (pam.empty()) return na("no PAM authentication stack found");
  auto l = lockout_setting(h, pam, "unlock_time", 600);  // pam_faillock's default unlock_time is 600 s
  if (!l) return na("no login-failure lockout to unlock (see linux.login.lockout)");
  if (!l->value) return fail("pam_tally2 without unlock_time=: how long a lockout lasts is left to chance", l->ev);
  long t = *l->value;
  if (t == 0) return pass("a locked account stays locked until an administrator unlocks it", l->ev);
  if (t >= 300) return pass("a locked account unlocks after " + std::to_string(t) + " s", l->ev);
  return fail("a locked account unlocks after " + std::to_string(t) + " s (300 s at least expected)", l->ev);
}

// The weak SSH algorithms an assessor's scanner names (CBC and RC4 ciphers, MD5/SHA-1 MACs,
// SHA-1 key exchange).
R ssh_crypto(const HostView& h) {
  auto sshd = sshd_lines(h);
  if (sshd.empty()) return na("no sshd_config");
  std::vector<Evidence> bad, seen;
  for (const char* key : {"Ciphers", "MACs", "KexAlgorithms"}) {
    auto s = sshd_setting(sshd, key);
    if (!s) continue;
    seen.push_back(s->ev);
    for (std::string_view alg : split(s->value, ',')) {
      alg = trim(alg);
      if (!alg.empty() && (alg[0] == '+' || alg[0] == '^')) alg.remove_prefix(1);
      bool weak = alg.find("-cbc") != std::string_view::npos || alg.find("arcfour") != std::string_view::npos ||
                  alg.find("3des") != std::string_view::npos || alg.find("hmac-md5") != std::string_view::npos || alg == "hmac-sha1" ||
                  alg == "hmac-sha1-96" || alg == "hmac-sha1-etm@openssh.com" || alg.find("group1-sha1") != std::string_view::npos ||
                  alg.find("group14-sha1") != std::string_view::npos || alg.find("group-exchange-sha1") != std::string_view::npos;
      if (weak) {
        bad.push_back(s->ev);
        break;
      }
    }
  }
  if (!bad.empty()) return fail("sshd offers weak algorithms (CBC/RC4/3DES ciphers, MD5/SHA-1 MACs or SHA-1 key exchange)", bad);
  if (seen.empty()) return pass("sshd keeps OpenSSH's defaults (no CBC, RC4, MD5 or SHA-1 key exchange offered by current releases)");
  return pass("sshd's ciphers, MACs and key exchange are all strong", seen);
}

R ssh_auth_limits(const HostView& h) {
  auto sshd = sshd_lines(h);
  if (sshd.empty()) return na("no sshd_config");
  std::vector<Evidence> ev;
  auto empty = sshd_setting(sshd, "PermitEmptyPasswords");
  if (empty && iequals(empty->value, "yes")) return fail("PermitEmptyPasswords yes: an account without a password logs in", {empty->ev});
  if (empty) ev.push_back(empty->ev);
  auto tries = sshd_setting(sshd, "MaxAuthTries");
  long n = tries ? to_long(tries->value) : 6;  // sshd's default is 6
  if (n < 1 || n > 5)
    return fail("MaxAuthTries is " + (tries ? tries->value : std::string("6 (the default)")) + " (at most 5 expected)",
                tries ? std::vector<Evidence>{tries->ev} : std::vector<Evidence>{});
  ev.push_back(tries->ev);
  return pass("at most " + tries->value + " password tries per connection, no empty passwords", ev);
}

// CE.IPS.c: management terminals limited by address: sshd AllowUsers/AllowGroups/ListenAddress
// on a management address, hosts.allow with hosts.deny ALL, or a host firewall with rules.
R management_sources(const HostView& h) {
  auto sshd = sshd_lines(h);
  for (const char* key : {"AllowUsers", "AllowGroups"})
    if (auto s = sshd_setting(sshd, key); s && s->value.find('@') != std::string::npos)
      return pass("sshd admits named users from named addresses only", {s->ev});
  std::vector<Evidence> ev;
  bool deny_all = false, allow_sshd = false;
  each_line(h, {"/etc/hosts.deny"}, [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    if (starts_with(l, "ALL") && l.find(':') != std::string_view::npos && trim(l.substr(l.find(':') + 1)).substr(0, 3) == "ALL") {
      deny_all = true;
      ev.push_back({f, n, text});
    }
    return true;
  });
  each_line(h, {"/etc/hosts.allow"}, [&](const std::string& f, int n, const std::string& text) {
    if (uncomment(text).find("sshd") != std::string_view::npos) {
      allow_sshd = true;
      ev.push_back({f, n, text});
    }
    return true;
  });
  if (deny_all && allow_sshd) return pass("TCP wrappers admit sshd from listed addresses only", ev);
  // A host firewall that is enabled and has rules naming the SSH port or source addresses.
  for (const char* f : {"/etc/sysconfig/iptables", "/etc/iptables/rules.v4", "/etc/nftables.conf"}) {
    bool limits = false;
    Evidence where;
    each_line(h, {f}, [&](const std::string& file, int n, const std::string& text) {
      std::string_view l = uncomment(text);
      bool ssh = l.find("dport 22") != std::string_view::npos || l.find("--dport 22") != std::string_view::npos;
      bool src = l.find("-s ") != std::string_view::npos || l.find("saddr") != std::string_view::npos;
      if (ssh && src) {
        limits = true;
        where = {file, n, text};
        return false;
      }
      return true;
    });
    if (limits) return pass("the host firewall admits SSH from named addresses only", {where});
  }
  for (const auto& z : h.list("/etc/firewalld/zones", ".xml")) {
    bool rich = false;
    Evidence where;
    each_line(h, {z}, [&](const std::string& file, int n, const std::string& text) {
      if (text.find("source address") != std::string::npos) {
        rich = true;
        where = {file, n, text};
        return false;
      }
      return true;
    });
    if (rich) return pass("firewalld admits named source addresses only", {where});
  }
  if (auto s = sshd_setting(sshd, "ListenAddress"); s && s->value != "0.0.0.0" && s->value != "::" && s->value.rfind("0.0.0.0:", 0) != 0)
    return pass("sshd listens on the management address " + s->value + " only", {s->ev});
  return fail(
      "management access is not limited by address (no AllowUsers user@addr, hosts.allow/deny, host firewall rule or "
      "management ListenAddress)");
}

// CE.AC.c: accounts that can log in but have no password set or are disabled elsewhere, and the
// expiry of inactive passwords (INACTIVE in /etc/default/useradd).
R inactive_accounts(const HostView& h) {
  auto useradd = setting(h, "/etc/default/useradd", "INACTIVE");
  auto passwd = h.lines("/etc/passwd");
  if (!passwd) return na("no /etc/passwd");
  std::set<std::string> shells_ok = {"/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync"};
  std::vector<Evidence> bad;
  std::map<std::string, std::string> shadow;
  if (auto sh = h.lines("/etc/shadow"))
    for (const auto& l : *sh) {
      auto f = split(l, ':');
      if (f.size() > 1) shadow[std::string(f[0])] = std::string(f[1]);
    }
  for (size_t i = 0; i < passwd->size(); i++) {
    auto f = split((*passwd)[i], ':');
    if (f.size() < 7) continue;
    long uid = to_long(std::string(f[2]));
    std::string shell(f[6]);
    // A system account (UID 1-999) with a login shell is a door nobody watches.
    if (uid > 0 && uid < 1000 && !shells_ok.count(shell) && shell != "" && f[0] != "sync" && f[0] != "shutdown" && f[0] != "halt")
      bad.push_back({"/etc/passwd", static_cast<int>(i + 1), (*passwd)[i]});
  }
  if (!bad.empty()) return fail("system accounts have a login shell (set /usr/sbin/nologin)", bad);
  long days = useradd ? to_long(useradd->value) : -1;
  if (days < 0 || days > 90)
    return fail("INACTIVE is " + (useradd ? useradd->value : std::string("not set")) +
                    " in /etc/default/useradd: accounts whose password expired stay usable (at most 90 days expected)",
                useradd ? std::vector<Evidence>{useradd->ev} : std::vector<Evidence>{{"/etc/default/useradd", 0, "(no INACTIVE)"}});
  return pass("no system account has a login shell; expired passwords lock the account after " + useradd->value + " days", {useradd->ev});
}

// CE.AC.d: files new users create are not readable by everyone (umask 027 or stricter).
R default_umask(const HostView& h) {
  std::vector<std::string> files = {"/etc/profile", "/etc/bashrc", "/etc/bash.bashrc", "/etc/login.defs"};
  for (const auto& f : h.list("/etc/profile.d", ".sh")) files.push_back(f);
  std::optional<Evidence> found;
  long mask = -1;
  each_line(h, files, [&](const std::string& f, int n, const std::string& text) {
    std::string_view l = uncomment(text);
    std::string v;
    if (starts_with(l, "umask "))
      v = std::string(trim(l.substr(6)));
    else if (auto u = value_of(l, "UMASK"); u && f == "/etc/login.defs")
      v = *u;
    if (v.empty()) return true;
    std::string digits(v.substr(0, v.find_first_of(" ;\t")));
    char* end = nullptr;
    long m = std::strtol(digits.c_str(), &end, 8);
    if (!digits.empty() && !*end) {
      mask = m;
      found = Evidence{f, n, text};
    }
    return true;
  });
  if (!found) return fail("no default umask is set (022 is the usual default: new files readable by everyone)");
  if ((mask & 027) == 027) return pass("the default umask keeps new files from other users", {*found});
  return fail("the default umask lets other users read new files (027 or 077 expected)", {*found});
}

}  // namespace wardsec::compliance::hostcheck_detail
