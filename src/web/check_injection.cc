// Injection checks: OS commands, code and deserialization payloads, LDAP and NoSQL
// operators, XML entities and schemas; and the literal prefilter that lets most values skip
// them.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <fnmatch.h>

#include "core/strutil.h"
#include "web/checks.h"
#include "web/decode.h"

namespace wardsec::web::checks {

std::string clip(std::string_view s, size_t n) {
  std::string o(s.substr(0, n));
  // Never cut inside a UTF-8 sequence.
  while (!o.empty() && (static_cast<unsigned char>(o.back()) & 0xC0) == 0x80) o.pop_back();
  if (!o.empty() && static_cast<unsigned char>(o.back()) >= 0xC0) o.pop_back();
  return o;
}

std::string around(std::string_view v, size_t at, size_t len) {
  size_t from = at > 30 ? at - 30 : 0;
  // back up to a UTF-8 boundary
  while (from > 0 && (static_cast<unsigned char>(v[from]) & 0xC0) == 0x80) from--;
  return clip(v.substr(from), len);
}

namespace {

// ---- OS command and code injection ---------------------------------------------------

// Commands that prove themselves without arguments.
constexpr std::array<std::string_view, 14> kBareCommands = {"id",       "whoami", "uname", "pwd",      "ifconfig", "ipconfig", "systeminfo",
                                                            "tasklist", "ls",     "env",   "printenv", "dir",      "ver",      "hostname"};

// Files and programs an injected command names; a glob that matches one of them is no accident.
constexpr std::array<std::string_view, 18> kGlobTargets = {
    "/etc/passwd",   "/etc/shadow",     "/etc/hosts",   "/etc/group",      "/bin/cat",      "/bin/sh",
    "/bin/bash",     "/bin/nc",         "/bin/ls",      "/usr/bin/id",     "/usr/bin/nc",   "/usr/bin/wget",
    "/usr/bin/curl", "/usr/bin/whoami", "/bin/busybox", "/usr/bin/python", "/usr/bin/perl", "/bin/netcat"};

constexpr std::array<std::string_view, 6> kWindowsAdmin = {"net", "netsh", "reg", "which", "sc", "schtasks"};

// Whether `rest` reads as the arguments a shell gives command `w`: a flag then nothing or a path
// (ls -l /etc/, uname -a), an absolute system path (type C:\\Windows\\..., dir c:\\users), or
// one of Windows' administrative subcommands (net user, netsh firewall, reg add).
bool command_line(std::string_view w, std::string_view rest) {
  if (!in(w, kCommands) && !in(w, kWindowsAdmin)) return false;
  std::string_view a = trim(rest);
  std::string_view arg = a.substr(0, a.find(' '));
  std::string_view after = trim(a.substr(arg.size()));
  bool flag = arg.size() >= 2 && arg.size() <= 5 && arg[0] == '-' &&
              std::all_of(arg.begin() + 1, arg.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  bool abs = starts_with(arg, "/etc") || starts_with(arg, "/var/") || starts_with(arg, "/usr/") || starts_with(arg, "/bin/") ||
             starts_with(arg, "/tmp") || starts_with(arg, "/home/") || starts_with(arg, "/root") || starts_with(arg, "/proc/") ||
             starts_with(arg, "c:\\") || starts_with(arg, "%systemroot%") || starts_with(arg, "%windir%") ||
             starts_with(arg, "%userprofile%");
  bool win = (w == "net" && (arg == "user" || arg == "localgroup" || arg == "view" || arg == "share" || arg == "use")) ||
             (w == "netsh" && (arg == "firewall" || arg == "advfirewall" || arg == "interface" || arg == "wlan")) ||
             (w == "reg" && (arg == "add" || arg == "query" || arg == "delete" || arg == "save")) || (w == "which" && in(arg, kCommands));
  return (flag && (after.empty() || after[0] == '/' || after[0] == '.' || after[0] == '|' || after[0] == '>')) || abs || win;
}

// A whole command line as the value: a program an attacker runs, then flags or paths that only
// a shell reads; or any command with a shell's arguments.
bool whole_command(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param) {
  auto add = [&](int conf, const char* kind, size_t at) {
    out.push_back({"cmdi", kind, where, param, around(v, at), conf});
    return true;
  };
  size_t e = 0;
  while (e < lo.size() && (is_alnum_ascii((lo[e])) || lo[e] == '_')) e++;
  std::string_view w = lo.substr(0, e);
  static constexpr std::array<std::string_view, 16> kRunners = {"nc",   "ncat", "netcat", "bash",    "sh",     "wget", "curl",  "python",
                                                                "perl", "php",  "socat",  "busybox", "telnet", "rm",   "chmod", "mkfifo"};
  if (e < lo.size() && lo[e] == ' ' && in(w, kRunners)) {
    std::string_view rest = lo.substr(e);
    if (rest.find(" -e ") != std::string_view::npos || rest.find(" -c ") != std::string_view::npos ||
        rest.find(" /bin/") != std::string_view::npos || rest.find(" /tmp/") != std::string_view::npos ||
        rest.find(" /dev/") != std::string_view::npos || rest.find('|') != std::string_view::npos ||
        rest.find(" -rf ") != std::string_view::npos || rest.find(" > ") != std::string_view::npos ||
        rest.find(" +x ") != std::string_view::npos)
      return add(80, "shell command line", 0);
  }
  // Any command with the arguments of a shell, as the whole value.
  if (e < lo.size() && lo[e] == ' ' && command_line(w, lo.substr(e, 80))) return add(75, "shell command line", 0);
  return false;
}

// Shell shapes that need no separator: a glob standing for a system file or program
// (/etc/[p]asswd, /???/c?t, /e*c/pa??wd), Windows FOR loops and interpreters, and a whole
// command line given as the value (nc -lvp 4444 -e /bin/sh).
bool shell_forms(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param) {
  auto add = [&](int conf, const char* kind, size_t at) {
    out.push_back({"cmdi", kind, where, param, around(v, at), conf});
    return true;
  };
  static constexpr ByteSet kGlob("?*[");
  bool glob = kGlob.any(lo);
  for (size_t s = glob ? lo.find('/') : std::string_view::npos; s != std::string_view::npos; s = lo.find('/', s + 1)) {
    if (s > 0 && lo[s - 1] != ' ' && lo[s - 1] != '=' && lo[s - 1] != '\'' && lo[s - 1] != '"' && lo[s - 1] != ';' && lo[s - 1] != '|' &&
        lo[s - 1] != '`' && lo[s - 1] != '(' && lo[s - 1] != '&' && lo[s - 1] != '+')
      continue;
    size_t e = s;
    while (e < lo.size() && lo[e] != ' ' && lo[e] != ';' && lo[e] != '|' && lo[e] != '&' && lo[e] != '\'' && lo[e] != '"' && lo[e] != '`' &&
           lo[e] != ')' && e - s < 64)
      e++;
    std::string_view tv = lo.substr(s, e - s);
    if (!kGlob.any(tv)) continue;
    std::string tok(tv);
    for (auto t : kGlobTargets)
      if (fnmatch(tok.c_str(), std::string(t).c_str(), FNM_PATHNAME) == 0) return add(85, "shell glob", s);
  }
  // Windows shapes, only when one of their words is there at all (one vectorscan pass).
  if (!Literals::windows().any(lo)) return whole_command(lo, v, out, where, param);
  // for /r c:\ %i in (*) do ..., for /f "tokens=*" %a in ('whoami') do ...
  for (size_t f = lo.find("for /"); f != std::string_view::npos; f = lo.find("for /", f + 5)) {
    if (f + 5 < lo.size() && std::string_view("rfld").find(lo[f + 5]) != std::string_view::npos &&
        lo.find(" do ", f) != std::string_view::npos && lo.find(" in (", f) != std::string_view::npos)
      return add(85, "windows command loop", f);
  }
  for (std::string_view x : {"cmd /c", "cmd.exe /c", "cmd /k", "cmd.exe /k", "%comspec%", "powershell -", "powershell.exe", "pwsh -c",
                             "invoke-expression", "iex(new-object", "certutil -urlcache", "bitsadmin /transfer"})
    if (size_t at = lo.find(x); at != std::string_view::npos && (at == 0 || !is_alnum_ascii((lo[at - 1]))))
      return add(85, "windows command", at);
  return whole_command(lo, v, out, where, param);
}

}  // namespace

bool starts_as_command(std::string_view lo) {
  size_t e = 0;
  while (e < lo.size() && e < 12 && ((lo[e] >= 'a' && lo[e] <= 'z') || is_digit(lo[e]))) e++;
  return e < lo.size() && lo[e] == ' ' && (in(lo.substr(0, e), kCommands) || in(lo.substr(0, e), kWindowsAdmin));
}

void check_cmdi(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param) {
  auto add = [&](int conf, const char* kind, size_t at) { out.push_back({"cmdi", kind, where, param, around(v, at), conf}); };
  // Separators, then a command word. A newline separates commands only in a short value: in
  // a text area or a GraphQL document it separates lines.
  // From separator to separator (a leading quote breaks out of the application's own quoting).
  static constexpr ByteSet kSep(";|&\n`$");
  size_t first = !lo.empty() && (lo[0] == '\'' || lo[0] == '"') ? 0 : kSep.find(lo);
  bool short_text = first != std::string_view::npos && lo.size() < 200 && std::count(lo.begin(), lo.end(), '\n') <= 2;
  for (size_t i = first; i != std::string_view::npos && i < lo.size(); i = kSep.find(lo, i + 1)) {
    char c = lo[i];
    size_t j;
    if (c == '\n' && !short_text) continue;
    if (c == ';' || c == '|' || c == '&' || c == '\n' || c == '`' || (i == 0 && (c == '\'' || c == '"'))) {
      j = i + 1;
      while (j < lo.size() && (lo[j] == '|' || lo[j] == '&')) j++;
    } else if (c == '$' && i + 1 < lo.size() && lo[i + 1] == '(') {
      j = i + 2;
    } else {
      continue;
    }
    // "data:image/png;base64,/9j/...": a data URI's own syntax, not a command after a separator.
    if (c == ';' && lo.substr(j, 7) == "base64," && lo.rfind("data:", i) != std::string_view::npos &&
        lo.substr(lo.rfind("data:", i), i - lo.rfind("data:", i)).find_first_of(" ;|&`") == std::string_view::npos)
      continue;
    while (j < lo.size() && (lo[j] == ' ' || lo[j] == '\t' || lo[j] == '+' || lo[j] == '{')) j++;
    // ${IFS}, $IFS$9 and '{cat,/etc/passwd}' are shell-only spellings.
    size_t s = j;
    if (lo.substr(j, 5) == "/bin/" || lo.substr(j, 9) == "/usr/bin/") {
      add(85, "shell command", i);
      return;
    }
    while (j < lo.size() && ((lo[j] >= 'a' && lo[j] <= 'z') || is_digit(lo[j]) || lo[j] == '_')) j++;
    std::string_view w = lo.substr(s, j - s);
    // Quotes, backslashes and carets inside the word, and empty expansions ($@, $9), vanish when
    // the shell reads it: c'a't, c\at, w^h^o^a^m^i, ca$@t. Nobody writes a command so but to hide it.
    if (!w.empty() && j < lo.size() && (lo[j] == '\'' || lo[j] == '"' || lo[j] == '\\' || lo[j] == '^' || lo[j] == '$')) {
      std::string clean;
      size_t k = s;
      for (; k < lo.size() && k < s + 48; k++) {
        char ch = lo[k];
        if ((ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '_') {
          clean.push_back(ch);
        } else if (ch == '$' && k + 1 < lo.size() && (lo[k + 1] == '@' || is_digit(lo[k + 1]))) {
          k++;
        } else if (ch != '\'' && ch != '"' && ch != '\\' && ch != '^') {
          break;
        }
      }
      if (clean.size() > w.size() && (in(std::string_view(clean), kCommands) || in(std::string_view(clean), kWindowsAdmin))) {
        add(80, "obfuscated shell command", i);
        return;
      }
    }
    if (w.empty() || (!in(w, kCommands) && !in(w, kWindowsAdmin))) continue;
    if (c != '`' && c != '$' && command_line(w, lo.substr(j, 80))) {
      add(c == '&' || c == '\'' || c == '"' ? 75 : 85, "shell command", i);
      return;
    }
    std::string_view rest = lo.substr(j, 24);
    bool end = j >= lo.size() || rest[0] == ';' || rest[0] == '|' || rest[0] == '&' || rest[0] == '`' || rest[0] == ')' ||
               rest[0] == '\'' || rest[0] == '"' || rest[0] == '\n' || rest[0] == '#';
    bool args = !rest.empty() && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '+' || rest[0] == '$' || rest[0] == ',' ||
                                  rest[0] == '<' || rest[0] == '>');
    std::string_view a = trim(rest.substr(args ? 1 : 0));
    bool shell_arg = !a.empty() && (a[0] == '/' || a[0] == '-' || a[0] == '>' || a[0] == '<' || a[0] == '$' || a[0] == '.' ||
                                    a[0] == '\\' || starts_with(a, "c:") || starts_with(a, "%") || starts_with(a, "{ifs}") ||
                                    starts_with(a, "http") || starts_with(a, "ftp") ||
                                    (w == "ping" || w == "nslookup" || w == "dig" || w == "sleep" || w == "echo" || w == "timeout" ||
                                     w == "getent" || w == "wget" || w == "curl" || w == "nc" || w == "telnet"));
    if (c == '`' && (s != i + 1 || lo.find('`', j) == std::string_view::npos || lo.find('`', j) > j + 60)) continue;
    if (c == '`' || (c == '$')) {
      add(85, "command substitution", i);
      return;
    }
    if ((end && in(w, kBareCommands)) || (args && shell_arg)) {
      add(c == '&' ? 75 : 85, "shell command", i);
      return;
    }
  }
  if (lo.find("${ifs}") != std::string_view::npos || lo.find("$ifs$") != std::string_view::npos) {
    add(85, "shell command", lo.find("$ifs") != std::string_view::npos ? lo.find("$ifs") : lo.find("${ifs}"));
    return;
  }
  shell_forms(lo, v, out, where, param);
}

const Literals& Literals::get() {
  static const Literals l = [] {
    std::vector<std::string_view> v;
    for (auto x : code_literals()) v.push_back(x);
    for (auto x : kSensitiveFiles) v.push_back(x);
    for (auto x : kOast) v.push_back(x);
    for (auto x : kLdap) v.push_back(x);
    for (auto x : kMongoOps) v.push_back(x);
    for (auto x : kWrappers) v.push_back(x);
    for (auto x : kSchemas) v.push_back(x);
    for (auto x : kOtherLiterals) v.push_back(x);
    return Literals(v);
  }();
  return l;
}

const Literals& Literals::windows() {
  static const Literals l(std::vector<std::string_view>{"for /", "cmd", "%comspec%", "powershell", "pwsh", "invoke-expression", "iex(",
                                                        "certutil", "bitsadmin"});
  return l;
}

const Literals& Literals::probes() {
  static const Literals l(std::vector<std::string_view>(kProbePaths.begin(), kProbePaths.end()));
  return l;
}

Literals::Literals(const std::vector<std::string_view>& lits) {
  std::vector<std::string> pats;
  auto add = [&](std::string_view lit) {
    std::string re;
    for (unsigned char c : lit) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      re += b;
    }
    pats.push_back(std::move(re));
  };
  for (auto x : lits) add(x);
  std::vector<const char*> ptrs;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < pats.size(); i++) {
    ptrs.push_back(pats[i].c_str());
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK, nullptr, &db_, &err) !=
      HS_SUCCESS) {
    // Programmer error (the list is fixed); without the database every value takes the slow path.
    std::fprintf(stderr, "web: literal prefilter: %s\n", err ? err->message : "?");
    hs_free_compile_error(err);
    db_ = nullptr;
  }
}

}  // namespace wardsec::web::checks
