// sshd, sudo, su and PAM messages: who tried to log in or change identity, from where, and
// whether it worked.
#include "core/strutil.h"
#include "parse/parser.h"

namespace wardsec {
namespace {

std::string_view word_at(std::string_view s, size_t pos) {
  size_t e = pos;
  while (e < s.size() && s[e] != ' ' && s[e] != ';' && s[e] != ']') e++;
  return s.substr(pos, e - pos);
}

// Value of the first occurrence of `key` followed by a word; empty if absent.
std::string_view after(std::string_view s, std::string_view key) {
  size_t p = s.find(key);
  if (p == std::string_view::npos) return {};
  return word_at(s, p + key.size());
}

void set_auth(Event& ev, std::string_view dataset, std::string_view action, std::string_view outcome) {
  ev.set(kEventDataset, dataset);
  ev.set(kEventCategory, "authentication");
  if (!action.empty()) ev.set(kEventAction, action);
  if (!outcome.empty()) ev.set(kEventOutcome, outcome);
}

void set_port(Event& ev, std::string_view s) {
  std::string_view port = after(s, " port ");
  uint64_t v;
  if (parse_u64(port, v) && v < 65536) ev.set(kSourcePort, port);
}

// PAM's "key=value" list: "logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root"
void pam_kv(Event& ev, std::string_view s) {
  std::string_view rhost = after(s, "rhost=");
  set_source(ev, rhost);
  std::string_view user = after(s, " user=");
  if (!user.empty()) ev.set(kUserName, user);
  std::string_view tty = after(s, "tty=");
  if (!tty.empty()) ev.set(kUserTerminal, tty);
}

// Shared by sshd and the generic PAM parser: "pam_unix(svc:type): ..."
bool parse_pam_line(Event& ev, std::string_view body, std::string_view dataset) {
  size_t p = body.find("pam_");
  if (p > 8) return false;  // also npos
  size_t paren = body.find("): ", p);
  if (paren == std::string_view::npos) return false;
  std::string_view rest = body.substr(paren + 3);
  if (starts_with(rest, "authentication failure")) {
    set_auth(ev, dataset, "authentication_failure", "failure");
    pam_kv(ev, rest);
  } else if (starts_with(rest, "session opened for user ")) {
    set_auth(ev, dataset, "session_opened", "success");
    ev.set(kEventCategory, "session");
    std::string_view u = word_at(rest, 24);
    size_t paren2 = u.find('(');
    ev.set(kUserName, u.substr(0, paren2));
    std::string_view by = after(rest, " by ");
    size_t bp = by.find('(');
    if (!by.substr(0, bp).empty()) ev.set(kUserEffectiveName, by.substr(0, bp));
  } else if (starts_with(rest, "session closed for user ")) {
    set_auth(ev, dataset, "session_closed", "success");
    ev.set(kEventCategory, "session");
    ev.set(kUserName, word_at(rest, 24));
  } else if (starts_with(rest, "check pass; user unknown")) {
    set_auth(ev, dataset, "user_unknown", "failure");
  } else {
    set_auth(ev, dataset, "pam", "");
  }
  return true;
}

class Sshd : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view program, std::string_view b, const ParseContext&) const override {
    if (program != "sshd" && !starts_with(program, "sshd-")) return false;
    constexpr std::string_view ds = "sshd";
    std::string_view s = b;
    if (starts_with(s, "message repeated ")) {
      size_t br = s.find("[ ");
      if (br != std::string_view::npos) s = s.substr(br + 2);
    }
    if (starts_with(s, "error: ")) s.remove_prefix(7);
    if (starts_with(s, "fatal: ")) s.remove_prefix(7);
    if (parse_pam_line(ev, s, ds)) return true;
    if (starts_with(s, "Accepted ") || starts_with(s, "Failed ")) {
      bool ok = s[0] == 'A';
      size_t sp = s.find(' ');
      std::string_view method = word_at(s, sp + 1);
      set_auth(ev, ds, ok ? "logged_in" : "authentication_failure", ok ? "success" : "failure");
      ev.set(kSshMethod, method);
      size_t f = s.find(" for ");
      if (f != std::string_view::npos) {
        size_t u = f + 5;
        if (s.substr(u, 13) == "invalid user ") u += 13;
        // The user name ends at " from "; it may itself contain spaces.
        size_t from = s.find(" from ", u);
        if (from != std::string_view::npos) ev.set(kUserName, trim(s.substr(u, from - u)));
      }
      set_source(ev, after(s, " from "));
      set_port(ev, s);
      return true;
    }
    if (starts_with(s, "Invalid user ")) {
      set_auth(ev, ds, "invalid_user", "failure");
      size_t from = s.rfind(" from ");
      if (from != std::string_view::npos && from >= 13) {
        ev.set(kUserName, trim(s.substr(13, from - 13)));
        set_source(ev, word_at(s, from + 6));
      }
      set_port(ev, s);
      return true;
    }
    if (starts_with(s, "input_userauth_request: invalid user ")) {
      set_auth(ev, ds, "invalid_user", "failure");
      std::string_view rest = s.substr(37);
      size_t e = rest.rfind(" [preauth]");
      ev.set(kUserName, trim(e == std::string_view::npos ? rest : rest.substr(0, e)));
      return true;
    }
    if (starts_with(s, "Received disconnect from ") || starts_with(s, "Disconnected from ") || starts_with(s, "Connection closed by ") ||
        starts_with(s, "Connection reset by ") || starts_with(s, "Did not receive identification string from ") ||
        starts_with(s, "Connection from ")) {
      set_auth(ev, ds, s[0] == 'D' && s[1] == 'i' && s[2] == 'd' ? "no_identification" : "disconnect", "");
      ev.set(kEventCategory, "network");
      // What follows the opening phrase: "[authenticating |invalid ]user NAME ADDR port N" or "ADDR[:] ...".
      std::string_view rest = s;
      for (std::string_view lead :
           {std::string_view("Received disconnect from "), std::string_view("Disconnected from "),
            std::string_view("Connection closed by "), std::string_view("Connection reset by "),
            std::string_view("Did not receive identification string from "), std::string_view("Connection from ")}) {
        if (starts_with(rest, lead)) {
          rest.remove_prefix(lead.size());
          break;
        }
      }
      for (std::string_view k : {std::string_view("authenticating user "), std::string_view("invalid user "), std::string_view("user ")}) {
        if (starts_with(rest, k)) {
          rest.remove_prefix(k.size());
          size_t sp = rest.find(' ');
          ev.set(kUserName, trim(rest.substr(0, sp)));
          rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
          break;
        }
      }
      std::string_view w = word_at(rest, 0);
      if (!w.empty() && w.back() == ':') w.remove_suffix(1);
      set_source(ev, w);
      set_port(ev, s);
      if (ev.get(kEventAction) == "no_identification") ev.set(kEventOutcome, "failure");
      return true;
    }
    if (starts_with(s, "reverse mapping checking getaddrinfo for ")) {
      set_auth(ev, ds, "reverse_mapping_failed", "failure");
      ev.set(kEventCategory, "network");
      size_t lb = s.find(" [");
      if (lb != std::string_view::npos) set_source(ev, word_at(s, lb + 2));
      return true;
    }
    if (starts_with(s, "Disconnecting: Too many authentication failures")) {
      set_auth(ev, ds, "too_many_failures", "failure");
      std::string_view u = after(s, "failures for ");
      if (!u.empty() && u != "invalid")
        ev.set(kUserName, u);
      else if (u == "invalid")
        ev.set(kUserName, after(s, "invalid user "));
      std::string_view ip = after(s, " from ");
      set_source(ev, ip);
      set_port(ev, s);
      return true;
    }
    if (starts_with(s, "PAM ") && s.find("more authentication failure") != std::string_view::npos) {
      set_auth(ev, ds, "authentication_failure", "failure");
      pam_kv(ev, s);
      return true;
    }
    if (starts_with(s, "PAM service(")) {
      set_auth(ev, ds, "max_retries", "failure");
      return true;
    }
    if (starts_with(s, "Server listening on ")) {
      ev.set(kEventDataset, ds);
      ev.set(kEventCategory, "process");
      ev.set(kEventAction, "listening");
      return true;
    }
    // Junos's sshd: "SSHD_LOGIN_FAILED: Login failed for user 'root' from host '1.2.3.4'".
    constexpr std::string_view junos = "SSHD_LOGIN_FAILED: Login failed for user '";
    if (starts_with(s, junos)) {
      set_auth(ev, ds, "authentication_failure", "failure");
      std::string_view rest = s.substr(junos.size());
      size_t q = rest.find('\'');
      if (q != std::string_view::npos) {
        ev.set(kUserName, rest.substr(0, q));
        std::string_view host = after(rest, "from host '");
        set_source(ev, host.substr(0, host.find('\'')));
      }
      return true;
    }
    // Anything else from sshd is still an sshd event; keep the raw message.
    ev.set(kEventDataset, ds);
    std::string_view ip = after(s, " from ");
    set_source(ev, ip);
    set_port(ev, s);
    return true;
  }
};

class Sudo : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view program, std::string_view s, const ParseContext&) const override {
    if (program != "sudo") return false;
    if (parse_pam_line(ev, s, "sudo")) return true;
    // "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls -l"
    // "alice : 3 incorrect password attempts ; TTY=pts/0 ; ..."
    ev.set(kEventDataset, "sudo");
    ev.set(kEventCategory, "process");
    size_t c = s.find(" : ");
    if (c == std::string_view::npos) return true;
    ev.set(kUserName, trim(s.substr(0, c)));
    std::string_view rest = s.substr(c + 3);
    bool failed = rest.find("incorrect password") != std::string_view::npos || rest.find("NOT in sudoers") != std::string_view::npos ||
                  rest.find("command not allowed") != std::string_view::npos;
    ev.set(kEventAction, failed ? "sudo_denied" : "sudo_command");
    ev.set(kEventOutcome, failed ? "failure" : "success");
    std::string_view tty = after(rest, "TTY=");
    if (!tty.empty()) ev.set(kUserTerminal, tty);
    std::string_view pwd = after(rest, "PWD=");
    if (!pwd.empty()) ev.set(kProcessWorkingDir, pwd);
    std::string_view user = after(rest, "USER=");
    if (!user.empty()) ev.set(kUserEffectiveName, user);
    size_t cmd = rest.find("COMMAND=");
    if (cmd != std::string_view::npos) ev.set(kProcessCommandLine, rest.substr(cmd + 8));
    return true;
  }
};

class Su : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view program, std::string_view s, const ParseContext&) const override {
    if (program != "su") return false;
    if (parse_pam_line(ev, s, "su")) return true;
    // "(to root) alice on pts/0"  /  "FAILED SU (to root) alice on pts/0"
    //  "Successful su for root by alice" / "FAILED su for root by alice"
    ev.set(kEventDataset, "su");
    ev.set(kEventCategory, "authentication");
    bool failed = starts_with(s, "FAILED");
    size_t to = s.find("(to ");
    if (to != std::string_view::npos) {
      size_t close = s.find(')', to);
      if (close != std::string_view::npos) {
        ev.set(kUserTargetName, s.substr(to + 4, close - to - 4));
        std::string_view rest = s.substr(close + 1);
        rest = trim(rest);
        size_t on = rest.find(" on ");
        ev.set(kUserName, rest.substr(0, on));
        if (on != std::string_view::npos) ev.set(kUserTerminal, rest.substr(on + 4));
      }
    } else if (s.find(" su for ") != std::string_view::npos) {
      ev.set(kUserTargetName, after(s, " su for "));
      ev.set(kUserName, after(s, " by "));
    } else {
      return true;
    }
    ev.set(kEventAction, "su");
    ev.set(kEventOutcome, failed ? "failure" : "success");
    return true;
  }
};

// Any other program's PAM line (login, systemd-logind, cron, vsftpd...).
class Pam : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view program, std::string_view s, const ParseContext&) const override {
    if (!starts_with(s, "pam_")) return false;
    return parse_pam_line(ev, s, "pam");
  }
};

}  // namespace

MessageParserPtr make_sshd_parser() { return std::make_unique<Sshd>(); }
MessageParserPtr make_sudo_parser() { return std::make_unique<Sudo>(); }
MessageParserPtr make_su_parser() { return std::make_unique<Su>(); }
MessageParserPtr make_pam_parser() { return std::make_unique<Pam>(); }

}  // namespace wardsec
