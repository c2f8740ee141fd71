#include "web/inspect.h"

#include <hs/hs.h>
#include <openssl/hmac.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "web/decode.h"
#include "web/sqli.h"
#include "web/xss.h"

namespace wardsec::web {

namespace {

std::string clip(std::string_view s, size_t n = 200) {
  std::string o(s.substr(0, n));
  // Never cut inside a UTF-8 sequence.
  while (!o.empty() && (static_cast<unsigned char>(o.back()) & 0xC0) == 0x80) o.pop_back();
  if (!o.empty() && static_cast<unsigned char>(o.back()) >= 0xC0) o.pop_back();
  return o;
}

std::string around(std::string_view v, size_t at, size_t len = 120) {
  size_t from = at > 30 ? at - 30 : 0;
  // back up to a UTF-8 boundary
  while (from > 0 && (static_cast<unsigned char>(v[from]) & 0xC0) == 0x80) from--;
  return clip(v.substr(from), len);
}


// ---- OS command and code injection ---------------------------------------------------

constexpr std::array<std::string_view, 70> kCommands = {
    "touch",  "mkdir",  "cp",       "mv",      "chown",   "kill",     "useradd", "crontab", "sudo",    "nohup",
    "ps",     "netstat", "tar",     "gcc",     "tftp",    "busybox",  "socat",   "wmic",    "mshta",   "rundll32",
    "getent", "set",
    "cat",    "ls",     "id",       "whoami",  "uname",   "pwd",      "wget",    "curl",   "nc",      "ncat",
    "netcat", "bash",   "sh",       "zsh",     "ping",    "nslookup", "dig",     "echo",   "python",  "python3",
    "perl",   "ruby",   "php",      "powershell", "cmd",  "net",      "ipconfig", "ifconfig", "sleep", "chmod",
    "rm",     "mkfifo", "telnet",   "type",    "dir",     "systeminfo", "tasklist", "certutil", "bitsadmin", "base64",
    "awk",    "find",   "head",     "tail",    "env",     "printenv", "expr",    "timeout"};
// Commands that prove themselves without arguments.
constexpr std::array<std::string_view, 11> kBareCommands = {"id", "whoami", "uname", "pwd", "ifconfig", "ipconfig", "systeminfo",
                                                            "tasklist", "ls", "env", "printenv"};

template <size_t N>
bool in(std::string_view w, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

void check_cmdi(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param) {
  auto add = [&](int conf, const char* kind, size_t at) {
    out.push_back({"cmdi", kind, where, param, around(v, at), conf});
  };
  // Separators, then a command word. A newline separates commands only in a short value: in
  // a text area or a GraphQL document it separates lines.
  bool short_text = lo.size() < 200 && std::count(lo.begin(), lo.end(), '\n') <= 2;
  for (size_t i = 0; i < lo.size(); i++) {
    char c = lo[i];
    size_t j;
    if (c == '\n' && !short_text) continue;
    if (c == ';' || c == '|' || c == '&' || c == '\n' || c == '`') {
      j = i + 1;
      while (j < lo.size() && (lo[j] == '|' || lo[j] == '&')) j++;
    } else if (c == '$' && i + 1 < lo.size() && lo[i + 1] == '(') {
      j = i + 2;
    } else {
      continue;
    }
    while (j < lo.size() && (lo[j] == ' ' || lo[j] == '\t' || lo[j] == '+' || lo[j] == '{')) j++;
    // ${IFS}, $IFS$9 and '{cat,/etc/passwd}' are shell-only spellings.
    size_t s = j;
    if (lo.substr(j, 5) == "/bin/" || lo.substr(j, 9) == "/usr/bin/") {
      add(85, "shell command", i);
      return;
    }
    while (j < lo.size() && ((lo[j] >= 'a' && lo[j] <= 'z') || is_digit(lo[j]) || lo[j] == '_')) j++;
    std::string_view w = lo.substr(s, j - s);
    if (w.empty() || !in(w, kCommands)) continue;
    std::string_view rest = lo.substr(j, 24);
    bool end = j >= lo.size() || rest[0] == ';' || rest[0] == '|' || rest[0] == '&' || rest[0] == '`' || rest[0] == ')' ||
               rest[0] == '\'' || rest[0] == '"' || rest[0] == '\n' || rest[0] == '#';
    bool args = !rest.empty() && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '+' || rest[0] == '$' || rest[0] == ',' || rest[0] == '<' || rest[0] == '>');
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
  if (lo.find("${ifs}") != std::string_view::npos || lo.find("$ifs$") != std::string_view::npos)
    add(85, "shell command", lo.find("$ifs") != std::string_view::npos ? lo.find("$ifs") : lo.find("${ifs}"));
}

// Code injection, template injection, deserialization and JNDI lookups: server-side code
// execution of any language is reported as cmdi with its kind.
struct CodeSig {
  std::string_view needle;
  const char* kind;
  int conf;
};
constexpr CodeSig kCode[] = {
    {"${jndi:", "jndi lookup", 95},          {"${${", "jndi lookup", 80},         {"${::-j}", "jndi lookup", 95},
    {"java.lang.runtime", "java code", 90},   {"getruntime().exec", "java code", 95}, {"java.lang.processbuilder", "java code", 95},
    {"processbuilder", "java code", 80},      {"<void class=", "xml decoder", 90}, {"<java version", "xml decoder", 85},
    {"<java>", "xml decoder", 80},            {"#_memberaccess", "ognl", 95},      {"@java.lang", "ognl", 85},
    {"#context[", "ognl", 85},                {"ognl.ognlcontext", "ognl", 95},    {"class.module.classloader", "spring class loader", 95},
    {"class.classloader", "spring class loader", 85}, {"t(java.lang", "spel", 95}, {"javax.naming.initialcontext", "jndi lookup", 90},
    {"com.sun.rowset.jdbcrowsetimpl", "deserialization", 95}, {"\"@type\"", "deserialization", 70},
    {"rO0AB", "java serialized object", 85}, {"aced0005", "java serialized object", 85},
    {"<?php", "php code", 85},                {"eval($_", "php code", 95},         {"assert($_", "php code", 95},
    {"system($_", "php code", 95},            {"passthru(", "php code", 85},       {"shell_exec(", "php code", 90},
    {"base64_decode($", "php code", 80},      {"call_user_func(", "php code", 75}, {"phpinfo()", "php code", 80},
    {"file_put_contents(", "php code", 80},   {"__import__(", "python code", 90},  {"os.system(", "python code", 90},
    {"os.popen(", "python code", 90},         {"subprocess.", "python code", 75},  {".__class__", "template injection", 85},
    {"__globals__", "template injection", 90}, {"__builtins__", "template injection", 85}, {"{{config", "template injection", 80},
    {"freemarker.template.utility.execute", "template injection", 95}, {"<#assign", "template injection", 85},
    {"!!python/", "yaml deserialization", 90}, {"!!javax.", "yaml deserialization", 90}, {"!!java.", "yaml deserialization", 90},
    {"#set($", "template injection", 70},     {"system('", "code call", 85},       {"system(\"", "code call", 85},
    {"exec('", "code call", 75},              {"popen(", "code call", 80},         {"proc_open(", "php code", 90},
    {"'+{", "ognl", 75},                      {"%{(#", "ognl", 90},                {"%{#", "ognl", 85},     {"{{7*7}}", "template injection", 80}, {"${7*7}", "template injection", 80},
    {"#{7*7}", "template injection", 75},     {"<%=", "template injection", 60},   {"<!--#exec", "server side include", 95},
    {"<!--#include", "server side include", 85}, {"() {", "shellshock", 0},        {"<%@ page", "jsp code", 85},
    {"runtime.getruntime", "java code", 90},  {"<jsp:", "jsp code", 80},           {"response.write(", "asp code", 70},
    {"wscript.shell", "asp code", 90},        {"createobject(", "asp code", 75},   {"$where", "nosql injection", 70},
};

constexpr std::string_view kOast[] = {".interact.sh", "burpcollaborator.net", ".oast.pro", ".oast.fun", ".oast.me",
                                      ".oast.site", ".oast.live", ".oast.online", "dnslog.cn", ".ceye.io"};
constexpr std::string_view kLdap[] = {")(|(", ")(&(", "*)(", "(|(objectclass=", "(&(objectclass=", ":2.5.13.", "(!(&(", "*(|("};
constexpr std::string_view kMongoOps[] = {"$or:", "$and:", "$ne:", "$gt:", "$regex:", "$nin:", "$where:"};
constexpr std::string_view kWrappers[] = {"php://", "file://", "zip://", "phar://", "expect://", "glob://", "data://", "compress.zlib://", "jar:"};
constexpr std::string_view kSchemas[] = {"<xs:include", "<xs:import", "xsi:schemalocation=", "<xi:include", "xsi:nonamespaceschemalocation="};
constexpr std::string_view kOtherLiterals[] = {"<!entity", "<!doctype", "new date", "db.", ".txt?", "c$", "admin$", "ipc$", "(&("};

// One vectorscan scan tells whether a value holds any of the literals the checks below look
// for; almost no benign value does, so the per-literal searches run only for the few that do.
class Literals {
 public:
  // The literals of the value checks below, and the scanner probe paths.
  static const Literals& get();
  static const Literals& probes();
  bool any(std::string_view s) const {
    if (!db_ || s.empty()) return true;
    // One scratch per thread, grown once for each database it serves.
    thread_local hs_scratch_t* scratch = nullptr;
    thread_local std::vector<const hs_database_t*> grown;
    if (std::find(grown.begin(), grown.end(), db_) == grown.end()) {
      if (hs_alloc_scratch(db_, &scratch) != HS_SUCCESS) return true;
      grown.push_back(db_);
    }
    bool hit = false;
    hs_scan(db_, s.data(), static_cast<unsigned>(std::min<size_t>(s.size(), UINT32_MAX)), 0, scratch,
            [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
              *static_cast<bool*>(ctx) = true;
              return 1;  // one is enough
            },
            &hit);
    return hit;
  }

 private:
  explicit Literals(const std::vector<std::string_view>& lits);
  hs_database_t* db_ = nullptr;
};

void check_code(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param,
                bool literals) {
  for (const auto& sig : kCode) {
    if (!literals) break;
    size_t at;
    if (sig.needle == "rO0AB" || sig.needle == "aced0005") {
      at = v.find(sig.needle == "rO0AB" ? "rO0AB" : "aced0005");
      if (at == std::string_view::npos) at = sig.needle == "aced0005" ? lo.find("aced0005") : at;
    } else {
      at = lo.find(sig.needle);
    }
    if (at == std::string_view::npos) continue;
    int conf = sig.conf;
    if (sig.kind == std::string_view("code call")) {
      // system('touch /tmp/x'): a call whose string argument is a shell command.
      std::string_view arg = lo.substr(at + sig.needle.size(), 40);
      std::string_view w = arg.substr(0, arg.find_first_of(" '\")"));
      if (!in(w, kCommands) && !starts_with(arg, "/")) continue;
    }
    if (sig.needle == "() {") {
      // Shellshock: a function definition at the start of a header or CGI variable.
      if (at > 2 || lo.find("};", at) == std::string_view::npos) continue;
      conf = 95;
    }
    out.push_back({"cmdi", sig.kind, where, param, around(v, at), conf});
    return;
  }
  // Out-of-band callback domains: blind injections of every kind phone home through them.
  if (literals) {
  for (auto d : kOast)
    if (size_t at = lo.find(d); at != std::string_view::npos) {
      out.push_back({"scanner", "out-of-band callback domain", where, param, around(v, at), 85});
      break;
    }
  // LDAP filter injection: filters closed and reopened, wildcard matches, matching rules.
  for (auto d : kLdap)
    if (size_t at = lo.find(d); at != std::string_view::npos && lo.find('=', at) != std::string_view::npos &&
                                 lo.find('=', at) < at + 24) {
      out.push_back({"sqli", "ldap filter injection", where, param, around(v, at), 80});
      break;
    }
  if (starts_with(lo, "(&(") && lo.find(")(") != std::string_view::npos && lo.find('=') != std::string_view::npos)
    out.push_back({"sqli", "ldap filter injection", where, param, clip(v), 75});
  // MongoDB: operators and server-side JavaScript.
  for (std::string_view op : kMongoOps)
    if (size_t at = lo.find(op); at != std::string_view::npos && (at == 0 || lo[at - 1] == ' ' || lo[at - 1] == ',' || lo[at - 1] == '{')) {
      out.push_back({"sqli", "nosql operator", where, param, around(v, at), 75});
      break;
    }
  if (lo.find("new date") != std::string_view::npos && lo.find("while(") != std::string_view::npos)
    out.push_back({"sqli", "nosql javascript (time based)", where, param, around(v, lo.find("while(")), 80});
  if (starts_with(lo, "db.") || lo.find(";db.") != std::string_view::npos) {
    size_t at = lo.find("db.");
    size_t dot = lo.find('.', at + 3);
    if (dot != std::string_view::npos && dot < at + 40) {
      std::string_view m = lo.substr(dot + 1, 12);
      for (std::string_view x : {"insert(", "find(", "drop(", "remove(", "update(", "aggregate(", "deletemany(", "insertone("})
        if (starts_with(m, x)) {
          out.push_back({"sqli", "nosql statement", where, param, around(v, at), 85});
          break;
        }
    }
  }
  }
  // Expression-language probes: ${233*233}, %{7*7}, #{9*9}, {233*233} (OGNL, SpEL, EL, Jinja).
  for (size_t b = lo.find('{'); b != std::string_view::npos; b = lo.find('{', b + 1)) {
    size_t k = b + 1;
    size_t d1 = k;
    while (k < lo.size() && is_digit(lo[k])) k++;
    if (k == d1 || k >= lo.size() || lo[k] != '*') continue;
    size_t d2 = ++k;
    while (k < lo.size() && (is_digit(lo[k]) || lo[k] == '*')) k++;
    if (k > d2 && k < lo.size() && lo[k] == '}') {
      out.push_back({"cmdi", "expression language probe", where, param, around(v, b), 80});
      return;
    }
  }
}

// ---- traversal, file inclusion, SSRF ----------------------------------------------------

constexpr std::array<std::string_view, 24> kSensitiveFiles = {
    "etc/passwd", "etc/shadow", "etc/group", "etc/hosts", "etc/issue", "proc/self/", "proc/version", "win.ini", "boot.ini",
    "system32", "web-inf/web.xml", "web-inf/", "etc/php.ini", ".htpasswd", ".ssh/id_rsa", ".bash_history", "etc/my.cnf",
    "windows/repair", "inetpub", "var/log/", "etc/nginx", "wp-config.php", "/web.xml", "ntuser.dat"};

void check_paths(std::string_view lo, std::string_view v, bool is_path, std::vector<Finding>& out, const char* where,
                 const std::string& param, bool literals) {
  size_t ups = 0, first = std::string_view::npos;
  for (size_t i = 0; i + 2 < lo.size(); i++) {
    if (lo[i] == '.' && lo[i + 1] == '.' && (lo[i + 2] == '/' || lo[i + 2] == '\\' || lo[i + 2] == ';')) {
      if (first == std::string_view::npos) first = i;
      ups++;
      i += 2;
    }
  }
  size_t sens = std::string_view::npos;
  for (auto f : kSensitiveFiles)
    if (!literals || (sens = lo.find(f)) != std::string_view::npos) break;
  if (ups >= 2 || (ups == 1 && (is_path || sens != std::string_view::npos))) {
    out.push_back({"traversal", "dot-dot-slash", where, param, around(v, first), ups >= 3 || sens != std::string_view::npos ? 90 : 70});
  }
  if (is_path && lo.find("/..;/") != std::string_view::npos)
    out.push_back({"traversal", "path parameter traversal", where, param, around(v, lo.find("/..;/")), 85});
  // File inclusion: stream wrappers, and values that name a system file.
  for (auto w : kWrappers) {
    if (!literals) break;
    size_t at = lo.find(w);
    if (at != std::string_view::npos && (at == 0 || !is_path || w == "file://")) {
      out.push_back({"lfi", "stream wrapper", where, param, around(v, at), w == "data://" || w == "jar:" ? 65 : 90});
      break;
    }
  }
  if (sens != std::string_view::npos) {
    // "/etc/passwd" as a value, or at the end of a traversal; not a word in prose.
    bool pathish = sens == 0 || lo[sens - 1] == '/' || lo[sens - 1] == '\\' || lo[sens - 1] == ':' || lo[sens - 1] == '=';
    if (pathish && !(is_path && ups == 0 && lo.find("web-inf") == std::string_view::npos))
      out.push_back({"lfi", "system file", where, param, around(v, sens), ups > 0 ? 90 : 75});
    else if (is_path && ups == 0 && lo.find("web-inf") != std::string_view::npos)
      out.push_back({"lfi", "protected file", where, param, around(v, sens), 80});
  }
  // Remote file inclusion: a URL whose query is left open for the application's suffix.
  if (!is_path && (starts_with(lo, "http://") || starts_with(lo, "https://") || starts_with(lo, "ftp://")) && lo.size() < 300 &&
      (lo.find(".txt?") != std::string_view::npos ||
       ((ends_with(lo, "?") || ends_with(lo, "%00")) && lo.rfind('.') > lo.rfind('/'))))
    out.push_back({"lfi", "remote file inclusion", where, param, clip(v), 65});
  if (!literals) return;
  // UNC paths to administrative shares (two backslashes, a host, then c$, admin$ or ipc$).
  if ((starts_with(lo, "\\\\") || starts_with(lo, "//")) &&
      (lo.find("\\c$") != std::string_view::npos || lo.find("/c$") != std::string_view::npos ||
       lo.find("admin$") != std::string_view::npos || lo.find("ipc$") != std::string_view::npos))
    out.push_back({"lfi", "unc administrative share", where, param, clip(v), 85});
  // External schemas and XInclude make the XML parser fetch what the attacker names.
  for (std::string_view x : kSchemas)
    if (size_t at = lo.find(x); at != std::string_view::npos && lo.find("http", at) != std::string_view::npos) {
      out.push_back({"lfi", "xml external schema", where, param, around(v, at), 75});
      break;
    }
  // XML external entities read files and reach internal hosts.
  size_t ent = lo.find("<!entity");
  if (ent != std::string_view::npos && (lo.find("system", ent) != std::string_view::npos || lo.find("public", ent) != std::string_view::npos))
    out.push_back({"lfi", "xxe", where, param, around(v, ent), 95});
  else if (lo.find("<!doctype") != std::string_view::npos && lo.find(" system \"") != std::string_view::npos)
    out.push_back({"lfi", "xxe", where, param, around(v, lo.find("<!doctype")), 80});
}

bool internal_host(std::string_view host, bool& strong) {
  strong = true;
  if (host.empty()) return false;
  if (host == "localhost" || ends_with(host, ".localhost") || host == "0" || host == "0.0.0.0" || host == "[::]" ||
      host == "[::1]" || starts_with(host, "[0:0:0:0:0:") || starts_with(host, "[::ffff:") || host == "metadata.google.internal" ||
      host == "metadata" || host == "169.254.169.254" || host == "100.100.100.200" || ends_with(host, ".nip.io") ||
      ends_with(host, ".xip.io") || host == "localtest.me" || ends_with(host, ".localtest.me"))
    return true;
  // Obfuscated numbers: 2130706433, 0x7f000001, 0177.0.0.1
  if (std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c); }) && host.size() >= 8) return true;
  if (starts_with(host, "0x") || (host.size() > 1 && host[0] == '0' && is_digit(host[1]))) return true;
  if (starts_with(host, "127.") || starts_with(host, "169.254.")) return true;
  strong = false;
  if (starts_with(host, "10.") || starts_with(host, "192.168.")) return true;
  if (starts_with(host, "172.")) {
    int b = std::atoi(std::string(host.substr(4, 3)).c_str());
    return b >= 16 && b <= 31;
  }
  return false;
}

void check_ssrf(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param) {
  // Each "://" in the value, with the scheme before it.
  for (size_t cs = lo.find("://"); cs != std::string_view::npos; cs = lo.find("://", cs + 3)) {
    size_t at = cs;
    while (at > 0 && std::isalpha(static_cast<unsigned char>(lo[at - 1]))) at--;
    std::string_view scheme = lo.substr(at, cs - at);
    if (at >= 4 && lo.substr(at - 4, 4) == "jar:") at -= 4;  // jar:http://
    if (scheme == "gopher" || scheme == "dict" || scheme == "netdoc") {
      out.push_back({"ssrf", "internal protocol", where, param, around(v, at), 85});
      return;
    }
    if (scheme != "http" && scheme != "https" && scheme != "ftp" && scheme != "ldap" && scheme != "tftp" && scheme != "sftp") continue;
    if (at != 0 && lo[at - 1] != '=' && lo[at - 1] != '"' && lo[at - 1] != '\'' && lo[at - 1] != '@') continue;
    std::string_view rest = lo.substr(cs + 3);
    std::string_view auth = rest.substr(0, rest.find_first_of("/?#\\"));
    if (size_t u = auth.rfind('@'); u != std::string_view::npos) auth = auth.substr(u + 1);
    std::string_view host = auth;
    std::string_view port;
    if (!host.empty() && host[0] == '[') {
      size_t rb = host.find(']');
      if (rb != std::string_view::npos) {
        port = host.substr(rb + 1);
        host = host.substr(0, rb + 1);
      }
    } else if (size_t c = host.rfind(':'); c != std::string_view::npos) {
      port = host.substr(c);
      host = host.substr(0, c);
    }
    bool strong;
    if (!internal_host(host, strong)) continue;
    static const std::array<std::string_view, 10> kServicePorts = {":6379", ":11211", ":3306", ":22", ":25", ":2375",
                                                                  ":8500", ":9200", ":5432", ":1433"};
    if (strong || in(port, kServicePorts) || scheme == "ftp" || scheme == "ldap" || scheme == "tftp") {
      out.push_back({"ssrf", strong ? "loopback or metadata address" : "internal service", where, param, around(v, at), strong ? 80 : 70});
      return;
    }
  }
}

// ---- scanners and protocol abuse ------------------------------------------------------

constexpr std::array<std::string_view, 38> kScannerAgents = {
    "sqlmap", "nikto",   "nmap",   "masscan", "zgrab",   "acunetix", "appscan",  "nessus",   "openvas", "awvs",
    "netsparker", "dirbuster", "gobuster", "dirsearch", "wfuzz", "ffuf", "nuclei", "w3af", "whatweb", "xray",
    "goby", "fscan",  "hydra",  "fuzz faster u fool", "nasl", "zmeu",    "morfeus", "jorgee",  "wpscan",   "arachni",  "skipfish", "commix",
    "burpcollaborator", "havij", "pangolin", "webinspect", "qualys", "vega/"};
constexpr std::array<std::string_view, 31> kProbePaths = {
    "/.git/",   "/.svn/",    "/.env",        "/.htaccess",  "/.htpasswd",   "/.ds_store",     "/web.config",    "/phpinfo.php",
    "/actuator/env", "/actuator/heapdump", "/server-status", "/jmx-console", "/invoker/", "/manager/html", "/solr/admin",
    "/wls-wsat/", "/_async/", "/console/css/", "/phpmyadmin", "/.bash_history", "/etc/passwd", "/cgi-bin/php",
    "/wp-config.php", "/www.zip", "/backup.zip", "/db.sql", "/backup.sql", "/.idea/", "/druid/index.html", "/swagger-resources", "/minio/bootstrap/"};

}  // namespace

const Literals& Literals::get() {
  static const Literals l = [] {
    std::vector<std::string_view> v;
    for (const auto& c : kCode) v.push_back(c.needle);
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

struct Inspector::Shapes {
  std::mutex mu;
  // session -> (cookie name -> shape); LRU order in `order`.
  struct Entry {
    std::unordered_map<std::string, std::string> shapes;
    std::list<std::string>::iterator pos;
  };
  std::unordered_map<std::string, Entry> map;
  std::list<std::string> order;
  static constexpr size_t kMax = 100000;
};

Inspector::Inspector(Policy p) : p_(std::move(p)), shapes_(std::make_unique<Shapes>()) {}
Inspector::~Inspector() = default;
Inspector::Inspector(Inspector&&) noexcept = default;

const AppPolicy* Inspector::app_for(const Request& r) const {
  const std::string* host = r.header("Host");
  std::string h = host ? to_lower(*host) : std::string();
  std::string_view path = r.path();
  for (const auto& a : p_.apps) {
    if (!starts_with(path, a.path_prefix)) continue;
    if (a.hosts.empty()) return &a;
    for (const auto& x : a.hosts)
      if (iequals(x, h) || (h.find(':') != std::string::npos && iequals(x, std::string_view(h).substr(0, h.find(':'))))) return &a;
  }
  return nullptr;
}

namespace {

std::string b64url_decode(std::string_view s) {
  std::string o;
  return base64_decode(s, o) ? o : std::string();
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (size_t i = 0; i < a.size(); i++) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

// The shape of a cookie value: its character classes and separators, not its content.
std::string shape_of(std::string_view v) {
  bool digit = false, lower = false, upper = false, b64 = false, other = false;
  int dots = 0, seps = 0;
  for (char c : v) {
    if (is_digit(c)) digit = true;
    else if (c >= 'a' && c <= 'z') lower = true;
    else if (c >= 'A' && c <= 'Z') upper = true;
    else if (c == '-' || c == '_' || c == '+' || c == '/' || c == '=' || c == '%') b64 = true;
    else if (c == '.') dots++;
    else if (c == '|' || c == ':' || c == '!') seps++;
    else other = true;
  }
  size_t len = v.size();
  size_t bucket = len < 8 ? len : len < 64 ? 8 + len / 8 : 16 + len / 64;
  std::string o;
  o += digit ? 'd' : '-';
  o += lower ? 'l' : '-';
  o += upper ? 'u' : '-';
  o += b64 ? 'b' : '-';
  o += other ? 'o' : '-';
  o += std::to_string(dots) + "." + std::to_string(seps) + "." + std::to_string(bucket);
  return o;
}

// One pass over a value: which of the characters the checks key on it holds.
enum : uint32_t {
  kLt = 1, kParen = 2, kBacktick = 4, kColon = 8, kBracket = 16, kEq = 32, kBrace = 64, kSemi = 128, kPipe = 256, kAmp = 512,
  kNewline = 1024, kDollar = 2048, kDot = 4096, kSlash = 8192, kBackslash = 16384, kHigh = 32768,
  kXssChars = kLt | kParen | kBacktick | kColon | kBracket | kEq | kBrace,
  kShellChars = kSemi | kPipe | kAmp | kNewline | kBacktick | kDollar,
  kPathChars = kDot | kSlash | kBackslash | kColon,
};
uint32_t char_mask(std::string_view v) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    t['<'] = kLt; t['('] = kParen; t['`'] = kBacktick; t[':'] = kColon; t['['] = kBracket; t['='] = kEq; t['{'] = kBrace;
    t[';'] = kSemi; t['|'] = kPipe; t['&'] = kAmp; t['\n'] = kNewline; t['$'] = kDollar; t['.'] = kDot; t['/'] = kSlash;
    t['\\'] = kBackslash; t[0xE5] = kHigh;
    return t;
  }();
  uint32_t m = 0;
  for (unsigned char c : v) m |= table[c];
  return m;
}

bool inert(std::string_view v) {
  static const auto table = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; c++) t[c] = true;
    for (int c = 'a'; c <= 'z'; c++) t[c] = t[c - 32] = true;
    t['_'] = t['.'] = t['-'] = true;
    return t;
  }();
  for (unsigned char c : v)
    if (!table[c]) return false;
  return true;
}

// Protobuf, images and other binary bodies: many control bytes. Text tokenizers would read
// noise there; only the code signatures are looked for.
bool binary(std::string_view v) {
  size_t ctl = 0;
  for (unsigned char c : v) ctl += c < 0x20 && c != '\t' && c != '\n' && c != '\r';
  return ctl * 20 > v.size();
}

// Values an application decodes once more: base64 (whole value, or a string inside JSON or a
// PHP-serialized value), and JSON whose strings the application reads.
void add_embedded(std::vector<std::string>& forms, bool json_leaves) {
  std::vector<std::string> extra;
  auto try_b64 = [&](std::string_view s) {
    if (s.size() < 8 || s.size() > 8192) return;
    if (auto b = base64_decode_text(s)) extra.push_back(std::move(*b));
  };
  auto strings_of = [&](std::string_view s) {
    // "..." runs: JSON string values and s:N:"..." of PHP serialization.
    for (size_t q = s.find('"'); q != std::string_view::npos && extra.size() < 16;) {
      size_t e = s.find('"', q + 1);
      if (e == std::string_view::npos) break;
      std::string_view in = s.substr(q + 1, e - q - 1);
      try_b64(in);
      q = s.find('"', e + 1);
    }
  };
  for (const auto& f : forms) {
    try_b64(f);
    if (f.size() < 4096 && f.find('"') != std::string::npos) strings_of(f);
  }
  for (size_t i = 0; i < extra.size() && i < 16; i++) {
    // A decoded JSON object: its strings too ({"id":"1 and 1=1"}).
    if (!extra[i].empty() && extra[i][0] == '{') {
      auto j = nlohmann::json::parse(extra[i], nullptr, false);
      if (j.is_object())
        for (auto& [k, v] : j.items())
          if (v.is_string()) extra.push_back(v.get<std::string>());
    }
  }
  // JSON in a query value: its string leaves
  for (const auto& f : forms) {
    if (!json_leaves) break;
    if (f.size() > 1 && f.size() < 4096 && f[0] == '{') {
      auto j = nlohmann::json::parse(f, nullptr, false);
      if (j.is_object())
        for (auto& [k, v] : j.items())
          if (v.is_string()) extra.push_back(v.get<std::string>());
    }
  }
  for (auto& e : extra)
    if (std::find(forms.begin(), forms.end(), e) == forms.end()) forms.push_back(std::move(e));
}

bool is_state_changing(std::string_view m) {
  return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE";
}

std::string origin_of(std::string_view url) {
  size_t s = url.find("://");
  if (s == std::string_view::npos) return {};
  size_t e = url.find_first_of("/?#", s + 3);
  return to_lower(url.substr(0, e));
}

bool standard_header(std::string_view k) {
  if (k.size() > 40) return false;
  char buf[40];
  for (size_t i = 0; i < k.size(); i++) buf[i] = lower_ascii(k[i]);
  std::string_view l(buf, k.size());
  static const std::array<std::string_view, 24> kStd = {
      "accept", "accept-encoding", "accept-language", "accept-charset", "connection", "cache-control", "pragma",
      "upgrade-insecure-requests", "content-type", "origin", "dnt", "te", "priority", "if-modified-since",
      "if-none-match", "authorization", "range", "if-range", "upgrade", "keep-alive", "purpose", "x-requested-with",
      "content-encoding", "expect"};
  return starts_with(l, "sec-") || in(l, kStd);
}

}  // namespace

void Inspector::cookies(const Request& r, const AppPolicy& app, int64_t now, std::vector<Finding>& out) const {
  const std::string* ch = r.header("Cookie");
  if (!ch) return;
  std::vector<Param> cs;
  split_cookies(*ch, cs, true);
  auto add = [&](const std::string& name, const char* kind, std::string_view frag, int conf) {
    out.push_back({"cookie", kind, "cookie", name, clip(frag), conf});
  };
  for (const auto& sc : app.signed_cookies) {
    for (const auto& c : cs) {
      if (c.name != sc.name) continue;
      std::string v = url_decode(c.value, false);
      if (sc.scheme == "jwt") {
        size_t d1 = v.find('.'), d2 = d1 == std::string::npos ? d1 : v.find('.', d1 + 1);
        if (d2 == std::string::npos) {
          add(c.name, "jwt malformed", v, 80);
          continue;
        }
        auto head = nlohmann::json::parse(b64url_decode(std::string_view(v).substr(0, d1)), nullptr, false);
        auto body = nlohmann::json::parse(b64url_decode(std::string_view(v).substr(d1 + 1, d2 - d1 - 1)), nullptr, false);
        if (!head.is_object() || !body.is_object()) {
          add(c.name, "jwt malformed", v, 80);
          continue;
        }
        std::string alg = head.value("alg", std::string());
        if (iequals(alg, "none") || alg.empty()) {
          add(c.name, "jwt alg none", head.dump(), 95);
          continue;
        }
        const EVP_MD* md = alg == "HS256" ? EVP_sha256() : alg == "HS384" ? EVP_sha384() : alg == "HS512" ? EVP_sha512() : nullptr;
        if (!md) {
          add(c.name, "jwt unexpected algorithm", head.dump(), 85);
          continue;
        }
        std::string sig = b64url_decode(std::string_view(v).substr(d2 + 1));
        if (!same(sig, hmac(md, sc.key, std::string_view(v).substr(0, d2)))) {
          add(c.name, "jwt signature mismatch", body.dump(), 95);
          continue;
        }
        if (auto ex = body.find("exp"); ex != body.end() && ex->is_number() && now > 0 &&
                                        ex->get<double>() * 1e9 < static_cast<double>(now))
          add(c.name, "jwt expired", body.dump(), 70);
      } else {
        // [s:]payload.signature (Express cookie-signature, and most hand-rolled schemes)
        std::string_view sv = v;
        if (starts_with(sv, "s:")) sv.remove_prefix(2);
        size_t dot = sv.rfind('.');
        if (dot == std::string_view::npos) {
          add(c.name, "signed cookie without signature", v, 85);
          continue;
        }
        std::string_view payload = sv.substr(0, dot), sig = sv.substr(dot + 1);
        std::string mac = hmac(sc.scheme == "hmac-sha1" ? EVP_sha1() : EVP_sha256(), sc.key, payload);
        std::string want_hex = hex(mac.data(), mac.size());
        std::string got = b64url_decode(sig);
        bool ok = iequals(sig, want_hex) || same(got, mac);
        if (!ok) add(c.name, "cookie signature mismatch", payload, 95);
      }
    }
  }
  if (app.session_cookie.empty()) return;
  std::string session;
  for (const auto& c : cs)
    if (c.name == app.session_cookie) session = c.value;
  if (session.empty()) return;
  std::lock_guard lk(shapes_->mu);
  auto it = shapes_->map.find(session);
  if (it == shapes_->map.end()) {
    if (shapes_->map.size() >= Shapes::kMax) {
      shapes_->map.erase(shapes_->order.back());
      shapes_->order.pop_back();
    }
    shapes_->order.push_front(session);
    it = shapes_->map.emplace(session, Shapes::Entry{{}, shapes_->order.begin()}).first;
  } else {
    shapes_->order.splice(shapes_->order.begin(), shapes_->order, it->second.pos);
  }
  for (const auto& c : cs) {
    if (c.name == app.session_cookie) continue;
    std::string sh = shape_of(c.value);
    auto [pos, fresh] = it->second.shapes.emplace(c.name, sh);
    if (!fresh && pos->second != sh) {
      add(c.name, "cookie structure changed within the session", c.value, 70);
      pos->second = sh;
    }
  }
}

Verdict Inspector::inspect(const Request& r, int64_t now) const {
  Verdict v;
  std::vector<Finding> all;
  if (now == 0) now = now_ns();
  // Protocol: what the request's framing says.
  auto proto = [&](const char* kind, std::string frag, int conf) { all.push_back({"protocol", kind, "request", "", clip(frag), conf}); };
  const std::string* te = r.header("Transfer-Encoding");
  if (te && r.header("Content-Length")) proto("content-length with transfer-encoding (smuggling)", *te, 90);
  if (r.header_count("Content-Length") > 1) proto("duplicate content-length (smuggling)", "Content-Length x" + std::to_string(r.header_count("Content-Length")), 90);
  if (r.header_count("Transfer-Encoding") > 1 || (te && !iequals(trim(*te), "chunked") && icontains(*te, "chunked")))
    proto("obfuscated transfer-encoding (smuggling)", te ? *te : "", 85);
  for (const auto& a : r.anomalies) {
    if (a == "header_name_invalid") proto("invalid header name", "", 70);
    if (a == "obs_fold") proto("obsolete header folding", "", 60);
    if (a == "headers_too_long") proto("oversized headers", "", 70);
    if (a == "chunked_framing") proto("broken chunked framing", "", 60);
  }
  if (r.headers.size() > 100) proto("too many headers", std::to_string(r.headers.size()) + " headers", 65);
  for (const auto& [k, hv] : r.headers)
    if (hv.size() > 8192 && !iequals(k, "Cookie")) proto("oversized header", k, 60);
  static const std::array<std::string_view, 16> kMethods = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT",
                                                            "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT"};
  if (!r.method.empty() && !in(std::string_view(r.method), kMethods))
    proto(r.method == "TRACE" || r.method == "TRACK" ? "trace method" : "unknown method", r.method, r.method == "TRACE" || r.method == "TRACK" ? 60 : 65);
  if (r.version == "0.9" || (!r.version.empty() && r.version != "1.1" && r.version != "1.0" && r.version != "2.0" && r.version != "2" && r.version != "3"))
    proto("unusual http version", r.version, 60);
  if (r.target.find('\0') != std::string::npos || r.target.find("%00") != std::string::npos) proto("nul byte in target", r.target, 70);

  // Scanners: tool user agents and probes of files nobody links to.
  if (const std::string* ua = r.header("User-Agent")) {
    std::string l = to_lower(*ua);
    for (auto a : kScannerAgents)
      if (l.find(a) != std::string::npos) {
        all.push_back({"scanner", "attack tool user agent", "header", "User-Agent", clip(*ua), 90});
        break;
      }
  }
  for (const auto& [k, hv] : r.headers) {
    std::string l = to_lower(k);
    if (l == "acunetix-aspect" || l == "x-scanner" || l == "acunetix-product" || l.find("netsparker") != std::string::npos ||
        l == "x-wvs-id") {
      all.push_back({"scanner", "scanner header", "header", k, clip(hv), 90});
      break;
    }
  }
  {
    std::string lp = to_lower(url_decode(r.path(), false));
    if (Literals::probes().any(lp))
    for (auto p : kProbePaths)
      if (lp.find(p) != std::string::npos) {
        all.push_back({"scanner", "probe of a sensitive file", "path", "", clip(lp), 65});
        break;
      }
  }

  // Every value, in every decoded form.
  auto params = extract_params(r);
  // Parameter names are input too (name[0 or updatexml(...)#]=x): a name with characters no
  // form field has is inspected as a value.
  for (size_t i = 0, n = params.size(); i < n; i++) {
    const auto& p = params[i];
    if ((p.where == Where::kQuery || p.where == Where::kBody) && p.name.find_first_of("'\"()<>; `|$") != std::string::npos)
      params.push_back({p.where, "(name)", p.name});
  }
  for (const auto& p : params) {
    const char* where = where_name(p.where);
    bool header = p.where == Where::kHeader;
    bool std_header = header && standard_header(p.name);
    bool is_path = p.where == Where::kPath;
    std::vector<Finding> found;
    // Header values repeat from request to request (the same browsers' User-Agent, the same
    // Sec-Ch-Ua): their findings are remembered per thread, bounded.
    thread_local std::unordered_map<uint64_t, std::vector<Finding>> header_memo;
    uint64_t memo_key = 0;
    if (header && p.value.size() < 2048) {
      memo_key = hash64(p.value, hash64(p.name));
      if (auto m = header_memo.find(memo_key); m != header_memo.end()) {
        all.insert(all.end(), m->second.begin(), m->second.end());
        continue;
      }
    }
    struct Remember {
      std::unordered_map<uint64_t, std::vector<Finding>>& memo;
      uint64_t key;
      const std::vector<Finding>& found;
      ~Remember() {
        if (!key) return;
        if (memo.size() >= 4096) memo.clear();
        memo.emplace(key, found);
      }
    } remember{header_memo, memo_key, found};
    if (std_header) {
      // Accept, Sec-*, Cache-Control...: fixed syntax no injection lives in, but a JNDI
      // lookup or a Shellshock definition is aimed at any header a framework logs.
      if (Literals::get().any(p.value)) check_code(to_lower(p.value), p.value, found, where, p.name, true);
      all.insert(all.end(), found.begin(), found.end());  // copied: the memo keeps `found`
      continue;
    }
    // Tokens, ids, numbers, words: nothing in [A-Za-z0-9_.-] can break out of any context.
    // Only a base64 payload could hide there, and that is looked at below.
    if (inert(p.value) && !is_path) {
      if (p.value.size() < 12) continue;
      auto b = base64_decode_text(p.value);
      if (!b || inert(*b)) continue;
    }
    auto forms = decoded_forms(p.value);
    bool bin = binary(p.value);
    // REST paths carry values too (/patients/1%20or%201=1): each segment is one.
    if (is_path)
      for (size_t a = 0, b; a < p.value.size(); a = b + 1) {
        b = p.value.find('/', a);
        if (b == std::string::npos) b = p.value.size();
        std::string seg = p.value.substr(a, b - a);
        if (seg.find_first_of("'\"( ;=") != std::string::npos)
          for (const auto& sf : decoded_forms(seg))
            if (auto s = detect_sqli(sf); s.found) {
              found.push_back({"sqli", s.reason, "path", "", clip(sf), s.confidence});
              break;
            }
      }
    // A value the application will base64-decode is only known where it is marked; JWTs and
    // base64 JSON blobs carry payloads in the clear once decoded.
    if (p.where != Where::kFile && p.value.size() < 8192) add_embedded(forms, p.where != Where::kBody && p.where != Where::kJsonKey);
    for (size_t fi = 0; fi < forms.size(); fi++) {
      const std::string& f = forms[fi];
      if (f.empty()) continue;
      thread_local std::string lo;
      lo.assign(f);
      for (auto& ch : lo) ch = lower_ascii(ch);
      bool literals = Literals::get().any(f);
      // Which characters the value has decides which checks can find anything in it.
      uint32_t cm = char_mask(f);
      if (!std_header && !bin) {
        if (auto s = detect_sqli(f); s.found && !is_path)
          found.push_back({"sqli", s.reason, where, p.name, clip(f), s.confidence});
        if (cm & kXssChars)
          if (auto x = detect_xss(f, lo); x.found) found.push_back({"xss", x.reason, where, p.name, x.fragment, x.confidence});
        if (p.where != Where::kFile && (cm & kShellChars)) check_cmdi(lo, f, found, where, p.name);
        if (literals || (cm & kPathChars)) check_paths(lo, f, is_path || p.where == Where::kFile, found, where, p.name, literals);
        if (!is_path && (cm & kColon)) check_ssrf(lo, f, found, where, p.name);
      }
      if (literals || (cm & kBrace)) check_code(lo, f, found, where, p.name, literals);

      // CR/LF smuggled into a value that ends up in a header (response splitting).
      // A request line or header cannot carry a raw line break; a body can (text areas), so
      // there only mail commands count.
      bool in_body = p.where == Where::kBody || p.where == Where::kFile || p.where == Where::kJsonKey;
      for (size_t nl = (cm & kNewline) ? f.find('\n') : std::string::npos; nl != std::string::npos; nl = f.find('\n', nl + 1)) {
        std::string after = to_lower(trim(std::string_view(f).substr(nl + 1, 40)));
        bool mail = starts_with(after, "rcpt to:") || starts_with(after, "mail from:") || starts_with(after, "bcc:") ||
                    starts_with(after, "cc:") || after == "quit" || after == "data" || starts_with(after, "helo ") ||
                    starts_with(after, "ehlo ") || (after.size() > 4 && after[0] == 'v' && is_digit(after[1]) &&
                                                    (after.find(" capability") != std::string::npos || after.find(" fetch") != std::string::npos ||
                                                     after.find(" login") != std::string::npos));
        if (mail && (f.size() < 300 || !in_body)) {
          found.push_back({"protocol", "mail command injection", where, p.name, around(f, nl), 80});
          break;
        }
      }
      if (!in_body && (cm & kNewline)) {
        for (size_t nl = f.find('\n'); nl != std::string::npos; nl = f.find('\n', nl + 1)) {
          std::string after = to_lower(trim(std::string_view(f).substr(nl + 1, 40)));
          if (starts_with(after, "set-cookie:") || starts_with(after, "location:") || starts_with(after, "content-") ||
              starts_with(after, "refresh:") || starts_with(after, "access-control-") || starts_with(after, "http/1.") ||
              (starts_with(after, "x-") && after.find(':') != std::string::npos && after.find(':') < 30)) {
            found.push_back({"protocol", "crlf injection", where, p.name, around(f, nl), 85});
            break;
          }
        }
      }
      // U+560A/U+560D: servers that keep the low byte of a code point turn them into LF/CR.
      if (cm & kHigh)
      for (std::string_view u : {"\xe5\x98\x8a", "\xe5\x98\x8d"})
        if (size_t at = f.find(u); at != std::string::npos) {
          std::string after = to_lower(std::string_view(f).substr(at + 3, 20));
          size_t colon = after.find(':');
          if (colon != std::string::npos && colon > 2 && colon < 16) {
            found.push_back({"protocol", "unicode crlf injection", where, p.name, around(f, at), 80});
            break;
          }
        }
      // NoSQL operators in parameter names: user[$ne]=x
      if (p.where == Where::kQuery || p.where == Where::kBody || p.where == Where::kJsonKey) {
        if (lo.size() < 16 && (lo == "$ne" || lo == "$gt" || lo == "$regex" || lo == "$where" || lo == "$nin" || lo == "$exists") &&
            p.where == Where::kJsonKey)
          found.push_back({"sqli", "nosql operator", where, p.name, lo, 70});
      }
    }
    if ((p.where == Where::kQuery || p.where == Where::kBody) && (p.name.find("[$") != std::string::npos))
      found.push_back({"sqli", "nosql operator", where, p.name, clip(p.name), 70});
    if (p.where == Where::kFile && p.value.size() < 512) {
      std::string l = to_lower(p.value);
      static const std::array<std::string_view, 12> kExec = {".php", ".jsp", ".jspx", ".asp", ".aspx", ".ashx", ".phtml", ".php5",
                                                             ".cer", ".asa", ".war", ".sh"};
      for (auto e : kExec)
        if (ends_with(l, e) || l.find(std::string(e) + ".") != std::string::npos || l.find(std::string(e) + "%00") != std::string::npos ||
            l.find(std::string(e) + ";") != std::string::npos) {
          found.push_back({"cmdi", "executable file upload", "file", p.name, clip(p.value), 75});
          break;
        }
    }
    all.insert(all.end(), found.begin(), found.end());  // copied: the memo keeps `found`
  }

  // CSRF and cookie tampering: only for the applications the hospital described.
  if (const AppPolicy* app = app_for(r)) {
    if (app->csrf && is_state_changing(r.method)) {
      const std::string* host = r.header("Host");
      auto allowed = [&](const std::string& origin) {
        if (origin.empty()) return false;
        std::string_view o = origin;
        std::string_view h = o.substr(o.find("://") + 3);
        if (host && iequals(h, *host)) return true;
        for (const auto& a : app->allowed_origins)
          if (iequals(a, o)) return true;
        return false;
      };
      const std::string* origin = r.header("Origin");
      const std::string* referer = r.header("Referer");
      if (origin && *origin != "null" && !allowed(to_lower(*origin)))
        all.push_back({"csrf", "foreign origin", "header", "Origin", clip(*origin), 85});
      else if (origin && *origin == "null")
        all.push_back({"csrf", "opaque origin", "header", "Origin", "null", 75});
      else if (!origin && referer && !allowed(origin_of(*referer)))
        all.push_back({"csrf", "foreign referer", "header", "Referer", clip(*referer), 80});
      else if (!origin && !referer && r.headers_complete)
        all.push_back({"csrf", "no origin or referer", "request", "", r.method + " " + clip(r.target), 65});
      if (r.headers_complete) {
        bool token = false;
        for (const auto& h : app->csrf_headers) token |= r.header(h) != nullptr;
        if (!token) {
          // The values extracted above: the query's, and the body's where the body is a form;
          // for multipart and JSON bodies every value, as the application reads them.
          const std::string* ct = r.header("Content-Type");
          bool form = ct && icontains(*ct, "x-www-form-urlencoded");
          bool all_values = ct && (icontains(*ct, "multipart") || icontains(*ct, "json"));
          for (const auto& p : params) {
            if (!all_values && p.where != Where::kQuery && !(form && p.where == Where::kBody)) continue;
            for (const auto& f : app->csrf_fields) token |= iequals(p.name, f) && !p.value.empty();
          }
        }
        if (!token) all.push_back({"csrf", "no anti-csrf token", "request", "", r.method + " " + clip(r.target), 70});
      }
    }
    cookies(r, *app, now, all);
  }

  // Route exceptions.
  std::string_view path = r.path();
  std::erase_if(all, [&](const Finding& f) {
    for (const auto& e : p_.exceptions) {
      if (!starts_with(path, e.path_prefix)) continue;
      if (!e.param.empty() && e.param != f.param) continue;
      if (e.classes.empty() || std::find(e.classes.begin(), e.classes.end(), f.cls) != e.classes.end()) return true;
    }
    return f.confidence < p_.min_confidence;
  });
  // Strongest first; a scanner's fingerprint or a protocol oddity yields to an attack up to 15
  // points weaker, so the alert names the injection rather than the tool.
  auto rank = [](const Finding& f) { return f.confidence * 2 + (f.cls == "scanner" || f.cls == "protocol" ? 0 : 31); };
  std::stable_sort(all.begin(), all.end(), [&](const Finding& a, const Finding& b) { return rank(a) > rank(b); });
  // One finding per class and parameter is enough evidence.
  std::vector<Finding> kept;
  for (auto& f : all) {
    bool dup = false;
    for (const auto& k : kept) dup |= k.cls == f.cls && k.param == f.param && k.where == f.where;
    if (!dup && kept.size() < 32) kept.push_back(std::move(f));
  }
  v.findings = std::move(kept);
  for (const char* c : kClasses)
    for (const auto& f : v.findings)
      if (f.cls == c) {
        v.classes.emplace_back(c);
        break;
      }
  if (r.malformed) {
    v.verdict = "malformed";
    v.malformed_reason = r.malformed_reason;
  } else {
    v.verdict = v.findings.empty() ? "benign" : "attack";
  }
  return v;
}

std::string verdict_json_fields(const Verdict& v) {
  nlohmann::json j;
  j["verdict"] = v.verdict;
  if (!v.malformed_reason.empty()) j["malformed_reason"] = v.malformed_reason;
  nlohmann::json a;
  a["classes"] = v.classes;
  a["confidence"] = v.max_confidence();
  a["findings"] = nlohmann::json::array();
  for (const auto& f : v.findings)
    a["findings"].push_back({{"class", f.cls}, {"kind", f.kind}, {"where", f.where}, {"param", f.param},
                             {"fragment", f.fragment}, {"confidence", f.confidence}});
  j["attack"] = std::move(a);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string load_policy(const YAML::Node& web, Policy& out) {
  if (!web) return {};
  try {
    if (web["min_confidence"]) out.min_confidence = web["min_confidence"].as<int>();
    for (const auto& a : web["apps"]) {
      AppPolicy app;
      app.name = a["name"].as<std::string>("");
      if (a["hosts"])
        for (const auto& h : a["hosts"]) app.hosts.push_back(to_lower(h.as<std::string>()));
      app.path_prefix = a["path_prefix"].as<std::string>("/");
      app.csrf = a["csrf"].as<bool>(false);
      if (a["allowed_origins"])
        for (const auto& o : a["allowed_origins"]) app.allowed_origins.push_back(to_lower(o.as<std::string>()));
      if (a["csrf_fields"]) {
        app.csrf_fields.clear();
        for (const auto& f : a["csrf_fields"]) app.csrf_fields.push_back(f.as<std::string>());
      }
      if (a["csrf_headers"]) {
        app.csrf_headers.clear();
        for (const auto& f : a["csrf_headers"]) app.csrf_headers.push_back(f.as<std::string>());
      }
      app.session_cookie = a["session_cookie"].as<std::string>("");
      for (const auto& c : a["signed_cookies"]) {
        SignedCookie sc;
        sc.name = c["name"].as<std::string>("");
        sc.scheme = c["scheme"].as<std::string>("jwt");
        if (sc.scheme != "jwt" && sc.scheme != "hmac-sha256" && sc.scheme != "hmac-sha1")
          return "web.apps[" + app.name + "].signed_cookies: scheme must be jwt, hmac-sha256 or hmac-sha1, not " + sc.scheme;
        if (c["key_env"]) {
          const char* e = std::getenv(c["key_env"].as<std::string>().c_str());
          if (!e) return "web.apps[" + app.name + "].signed_cookies[" + sc.name + "]: environment variable " + c["key_env"].as<std::string>() + " is not set";
          sc.key = e;
        } else {
          sc.key = c["key"].as<std::string>("");
        }
        if (sc.name.empty() || sc.key.empty()) return "web.apps[" + app.name + "].signed_cookies: each needs name and key (or key_env)";
        app.signed_cookies.push_back(std::move(sc));
      }
      out.apps.push_back(std::move(app));
    }
    for (const auto& e : web["exceptions"]) {
      RouteException x;
      x.path_prefix = e["path_prefix"].as<std::string>("/");
      x.param = e["param"].as<std::string>("");
      if (e["classes"])
        for (const auto& c : e["classes"]) {
          std::string cls = c.as<std::string>();
          if (std::find_if(std::begin(kClasses), std::end(kClasses), [&](const char* k) { return cls == k; }) == std::end(kClasses))
            return "web.exceptions: unknown class " + cls;
          x.classes.push_back(cls);
        }
      out.exceptions.push_back(std::move(x));
    }
  } catch (const YAML::Exception& e) {
    return std::string("web: ") + e.what();
  }
  return {};
}

}  // namespace wardsec::web
