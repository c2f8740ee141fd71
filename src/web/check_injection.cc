// Injection checks: OS commands, code and deserialization payloads, LDAP and NoSQL
// operators, XML entities and schemas; and the literal prefilter that lets most values skip
// them.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>

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

constexpr std::array<std::string_view, 70> kCommands = {
    "touch",     "mkdir",    "cp",    "mv",      "chown",  "kill",    "useradd", "crontab",  "sudo",   "nohup",      "ps",       "netstat",
    "tar",       "gcc",      "tftp",  "busybox", "socat",  "wmic",    "mshta",   "rundll32", "getent", "set",        "cat",      "ls",
    "id",        "whoami",   "uname", "pwd",     "wget",   "curl",    "nc",      "ncat",     "netcat", "bash",       "sh",       "zsh",
    "ping",      "nslookup", "dig",   "echo",    "python", "python3", "perl",    "ruby",     "php",    "powershell", "cmd",      "net",
    "ipconfig",  "ifconfig", "sleep", "chmod",   "rm",     "mkfifo",  "telnet",  "type",     "dir",    "systeminfo", "tasklist", "certutil",
    "bitsadmin", "base64",   "awk",   "find",    "head",   "tail",    "env",     "printenv", "expr",   "timeout"};
// Commands that prove themselves without arguments.
constexpr std::array<std::string_view, 11> kBareCommands = {"id",         "whoami",   "uname", "pwd", "ifconfig", "ipconfig",
                                                            "systeminfo", "tasklist", "ls",    "env", "printenv"};

}  // namespace

void check_cmdi(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param) {
  auto add = [&](int conf, const char* kind, size_t at) { out.push_back({"cmdi", kind, where, param, around(v, at), conf}); };
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
    if (w.empty() || !in(w, kCommands)) continue;
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
    {"${jndi:", "jndi lookup", 95},
    {"${${", "jndi lookup", 80},
    {"${::-j}", "jndi lookup", 95},
    {"java.lang.runtime", "java code", 90},
    {"getruntime().exec", "java code", 95},
    {"java.lang.processbuilder", "java code", 95},
    {"processbuilder", "java code", 80},
    {"<void class=", "xml decoder", 90},
    {"<java version", "xml decoder", 85},
    {"<java>", "xml decoder", 80},
    {"#_memberaccess", "ognl", 95},
    {"@java.lang", "ognl", 85},
    {"#context[", "ognl", 85},
    {"ognl.ognlcontext", "ognl", 95},
    {"class.module.classloader", "spring class loader", 95},
    {"class.classloader", "spring class loader", 85},
    {"t(java.lang", "spel", 95},
    {"javax.naming.initialcontext", "jndi lookup", 90},
    {"com.sun.rowset.jdbcrowsetimpl", "deserialization", 95},
    {"\"@type\"", "deserialization", 70},
    {"rO0AB", "java serialized object", 85},
    {"aced0005", "java serialized object", 85},
    {"<?php", "php code", 85},
    {"eval($_", "php code", 95},
    {"assert($_", "php code", 95},
    {"system($_", "php code", 95},
    {"passthru(", "php code", 85},
    {"shell_exec(", "php code", 90},
    {"base64_decode($", "php code", 80},
    {"call_user_func(", "php code", 75},
    {"phpinfo()", "php code", 80},
    {"file_put_contents(", "php code", 80},
    {"__import__(", "python code", 90},
    {"os.system(", "python code", 90},
    {"os.popen(", "python code", 90},
    {"subprocess.", "python code", 75},
    {".__class__", "template injection", 85},
    {"__globals__", "template injection", 90},
    {"__builtins__", "template injection", 85},
    {"{{config", "template injection", 80},
    {"freemarker.template.utility.execute", "template injection", 95},
    {"<#assign", "template injection", 85},
    {"!!python/", "yaml deserialization", 90},
    {"!!javax.", "yaml deserialization", 90},
    {"!!java.", "yaml deserialization", 90},
    {"#set($", "template injection", 70},
    {"system('", "code call", 85},
    {"system(\"", "code call", 85},
    {"exec('", "code call", 75},
    {"popen(", "code call", 80},
    {"proc_open(", "php code", 90},
    {"'+{", "ognl", 75},
    {"%{(#", "ognl", 90},
    {"%{#", "ognl", 85},
    {"{{7*7}}", "template injection", 80},
    {"${7*7}", "template injection", 80},
    {"#{7*7}", "template injection", 75},
    {"<%=", "template injection", 60},
    {"<!--#exec", "server side include", 95},
    {"<!--#include", "server side include", 85},
    {"() {", "shellshock", 0},
    {"<%@ page", "jsp code", 85},
    {"runtime.getruntime", "java code", 90},
    {"<jsp:", "jsp code", 80},
    {"response.write(", "asp code", 70},
    {"wscript.shell", "asp code", 90},
    {"createobject(", "asp code", 75},
    {"$where", "nosql injection", 70},
};

// One vectorscan scan tells whether a value holds any of the literals the checks below look
// for; almost no benign value does, so the per-literal searches run only for the few that do.

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
      if (size_t at = lo.find(d);
          at != std::string_view::npos && lo.find('=', at) != std::string_view::npos && lo.find('=', at) < at + 24) {
        out.push_back({"sqli", "ldap filter injection", where, param, around(v, at), 80});
        break;
      }
    if (starts_with(lo, "(&(") && lo.find(")(") != std::string_view::npos && lo.find('=') != std::string_view::npos)
      out.push_back({"sqli", "ldap filter injection", where, param, clip(v), 75});
    // MongoDB: operators and server-side JavaScript.
    for (std::string_view op : kMongoOps)
      if (size_t at = lo.find(op);
          at != std::string_view::npos && (at == 0 || lo[at - 1] == ' ' || lo[at - 1] == ',' || lo[at - 1] == '{')) {
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

}  // namespace wardsec::web::checks
