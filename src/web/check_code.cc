// Code injection: server-side code of any language (PHP, Java and its expression languages,
// Node.js, Perl, Python, Ruby, ASP), template injection, deserialization markers and JNDI
// lookups, reported as cmdi with their kind. Two parts: reasoning about the code's shape (a
// function called by a name built from strings, a variable called as a function, reflection
// inside an expression, an interpreter's own object graph), then literal signatures.
#include <algorithm>
#include <array>
#include <cctype>

#include "core/strutil.h"
#include "web/checks.h"

namespace wardsec::web::checks {

namespace {

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

// PHP functions that run commands or code, and those that read or write files.
constexpr std::array<std::string_view, 14> kExecFns = {"system",    "exec",       "passthru",       "shell_exec",  "popen",
                                                       "proc_open", "pcntl_exec", "assert",         "eval",        "create_function",
                                                       "phpinfo",   "include",    "call_user_func", "preg_replace"};
constexpr std::array<std::string_view, 8> kFileFns = {"file_get_contents", "file_put_contents", "fopen",  "readfile",
                                                      "show_source",       "highlight_file",    "unlink", "base64_decode"};

// The name a call at `paren` is made by, when it is built from string literals: "system"(ls),
// 'sys'.'tem'('id'), ("ex"."ec")(...). Empty when the callee is not a string.
std::string string_callee(std::string_view lo, size_t paren) {
  size_t i = paren;
  while (i > 0 && lo[i - 1] == ' ') i--;
  if (i > 0 && lo[i - 1] == ')') i--;  // ("sys"."tem")(
  std::string name;
  for (int parts = 0; parts < 8 && i > 0; parts++) {
    char q = lo[i - 1];
    if ((q != '"' && q != '\'') || i < 2) break;
    size_t open = lo.rfind(q, i - 2);
    if (open == std::string_view::npos || i - 1 - open > 32) break;
    name.insert(0, lo.substr(open + 1, i - 2 - open));
    i = open;
    while (i > 0 && lo[i - 1] == ' ') i--;
    if (i > 0 && lo[i - 1] == '.') {
      i--;
      while (i > 0 && lo[i - 1] == ' ') i--;
      continue;
    }
    break;
  }
  return name;
}

// The identifier right before `paren` (spaces allowed between).
std::string_view ident_before(std::string_view lo, size_t paren) {
  size_t e = paren;
  while (e > 0 && lo[e - 1] == ' ') e--;
  size_t b = e;
  while (b > 0 && (is_alnum_ascii((lo[b - 1])) || lo[b - 1] == '_')) b--;
  return lo.substr(b, e - b);
}

// Reflection and process vocabulary of Java and its expression languages (EL, OGNL, SpEL, MVEL).
constexpr std::array<std::string_view, 16> kReflect = {
    "getclass",       "forname",   "getruntime", "getmethod", "getdeclared", "newinstance",  "classloader", "scriptengine",
    "processbuilder", "getengine", ".exec(",     "invoke(",   "java.lang",   "javax.script", "@java",       "t(java"};
// Node.js, Perl, Python, Ruby and .NET spellings that only code injection uses.
constexpr CodeSig kMarkers[] = {
    {"process.mainmodule", "node.js code", 90},
    {"child_process", "node.js code", 90},
    {"process.binding(", "node.js code", 90},
    {"constructor.constructor(", "node.js code", 90},
    {"global.process", "node.js code", 85},
    {"require('fs')", "node.js code", 80},
    {"require(\"fs\")", "node.js code", 80},
    {"@{[", "perl code", 85},
    {"qx{", "perl code", 80},
    {"qx(", "perl code", 75},
    {"getattr(__", "python code", 85},
    {"cposix\nsystem", "python pickle", 90},
    {"cos\nsystem", "python pickle", 90},
    {"c__builtin__\n", "python pickle", 90},
    {"!ruby/object", "ruby deserialization", 90},
    {"kernel.exec", "ruby code", 85},
    {"io.popen", "ruby code", 85},
    {"objectdataprovider", ".net deserialization", 90},
    {"system.diagnostics.process", ".net code", 90},
    {"aaeaaad/////", ".net deserialization", 85},
    {"\"$type\":\"system.", ".net deserialization", 90},
    {"\"$type\": \"system.", ".net deserialization", 90},
};

// The reasoning part: true when it found something (the signatures then add nothing).
// Each part looks only where its characters are ('(', '$', '<?', ':"', '{'); the fixed markers
// only when the literal prefilter saw one (`literals`).
bool code_reasoning(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param,
                    bool literals) {
  auto add = [&](const char* kind, size_t at, int conf) {
    out.push_back({"cmdi", kind, where, param, around(v, at), conf});
    return true;
  };
  // Calls: by a string-built name, or by a plain name with a command, a variable or code as argument.
  for (size_t p = lo.find('('); p != std::string_view::npos; p = lo.find('(', p + 1)) {
    if (std::string name = string_callee(lo, p);
        !name.empty() && (in(std::string_view(name), kExecFns) || in(std::string_view(name), kFileFns)))
      return add("php code", p, 90);
    std::string_view fn = ident_before(lo, p);
    if (fn.empty() || !in(fn, kExecFns)) continue;
    std::string_view arg = trim(lo.substr(p + 1, 40));
    std::string_view w = arg.substr(0, arg.find_first_of(" '\");,"));
    if (fn == "phpinfo" && starts_with(arg, ")")) return add("php code", p, 80);
    if (!arg.empty() && (arg[0] == '$' || arg[0] == '`' || in(w, kCommands) || starts_with(arg, "base64_decode") ||
                         starts_with(arg, "str_rot13") || starts_with(arg, "gzinflate") || starts_with(arg, "chr(")))
      return add("php code", p, 85);
    if ((arg.size() > 1 && (arg[0] == '\'' || arg[0] == '"')) && in(arg.substr(1, arg.find_first_of(" '\"", 1) - 1), kCommands))
      return add("php code", p, 85);
  }
  // PHP variables called as functions and the request superglobals: $_(3), $a($b), $_GET[x](...).
  for (size_t d = lo.find('$'); d != std::string_view::npos; d = lo.find('$', d + 1)) {
    size_t e = d + 1;
    while (e < lo.size() && (is_alnum_ascii((lo[e])) || lo[e] == '_')) e++;
    std::string_view var = lo.substr(d + 1, e - d - 1);
    if (var.empty()) continue;
    if (var == "_get" || var == "_post" || var == "_request" || var == "_cookie" || var == "_server" || var == "_files" ||
        var == "globals") {
      if (e < lo.size() && lo[e] == '[') return add("php code", d, 80);
    }
    while (e < lo.size() && lo[e] == ' ') e++;
    if (e < lo.size() && lo[e] == '(' &&
        (var[0] == '_' || (e + 1 < lo.size() && (lo[e + 1] == '$' || lo[e + 1] == '\'' || lo[e + 1] == '"'))))
      return add("php code", d, 85);
  }
  // PHP open tags the short way, or broken over a line: "<?=", "<? php", "<?\nphp".
  for (size_t t = lo.find("<?"); t != std::string_view::npos; t = lo.find("<?", t + 2)) {
    size_t e = t + 2;
    while (e < lo.size() && std::isspace(static_cast<unsigned char>(lo[e]))) e++;
    if ((e > t + 2 && lo.substr(e, 3) == "php") || (e == t + 2 && e < lo.size() && lo[e] == '=')) return add("php code", t, 85);
  }
  // PHP serialized objects: O:8:"stdClass":1:{...}, C:11:"ArrayObject":...
  for (size_t o = lo.find(":\""); o != std::string_view::npos; o = lo.find(":\"", o + 2)) {
    size_t b = o;
    while (b > 0 && is_digit(lo[b - 1])) b--;
    if (b == o || b < 2 || lo[b - 1] != ':' || (lo[b - 2] != 'o' && lo[b - 2] != 'c')) continue;
    if (b > 2 && is_alnum_ascii((lo[b - 3]))) continue;
    size_t q = lo.find('"', o + 2);
    if (q != std::string_view::npos && q - o < 80 && lo.substr(q + 1, 1) == ":" && lo.find(":{", q) != std::string_view::npos &&
        lo.find(":{", q) < q + 12)
      return add("php object injection", b - 2, 90);
  }
  // Expressions (${...}, #{...}, %{...}, *{...}, @{...}, {{...}}) that reach Java's reflection.
  for (size_t b = lo.find('{'); b != std::string_view::npos; b = lo.find('{', b + 1)) {
    if (b == 0 || std::string_view("$#%*@{").find(lo[b - 1]) == std::string_view::npos) continue;
    std::string_view body = lo.substr(b + 1, 400);
    for (auto r : kReflect)
      if (body.find(r) != std::string_view::npos) return add("expression language code", b - 1, 90);
  }
  if (!literals) return false;
  if (size_t at = lo.find("class.forname("); at != std::string_view::npos) return add("java code", at, 85);
  for (const auto& mk : kMarkers)
    if (size_t at = lo.find(mk.needle); at != std::string_view::npos) return add(mk.kind, at, mk.conf);
  if (size_t at = lo.find("require("); at != std::string_view::npos) {
    std::string_view m = lo.substr(at + 8, 24);
    for (std::string_view x : {"'child_process'", "\"child_process\"", "'net'", "\"net\"", "'vm'", "\"vm\""})
      if (starts_with(m, x)) return add("node.js code", at, 90);
  }
  return false;
}

}  // namespace

std::vector<std::string_view> code_literals() {
  std::vector<std::string_view> v;
  for (const auto& c : kCode) v.push_back(c.needle);
  for (const auto& m : kMarkers) v.push_back(m.needle);
  for (std::string_view x : {"require(", "class.forname("}) v.push_back(x);
  return v;
}

void check_code(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param,
                bool literals) {
  if (code_reasoning(lo, v, out, where, param, literals)) return;
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
  // A filter closed early: "*)(&", "*))%00", ")(cn=))", "x)(|(": the value ends the
  // application's filter and opens its own or cuts the rest with a NUL.
  for (size_t at = lo.find(")(") != std::string_view::npos || lo.find("))") != std::string_view::npos ? lo.find(')')
                                                                                                      : std::string_view::npos;
       at != std::string_view::npos; at = lo.find(')', at + 1)) {
    std::string_view r = lo.substr(at + 1, 24);
    bool reopen = starts_with(r, "(&") || starts_with(r, "(|") || starts_with(r, "(!");
    if (!reopen && starts_with(r, "(")) {
      size_t k = 1;
      while (k < r.size() && (is_alnum_ascii((r[k])) || r[k] == '-')) k++;
      reopen = k > 1 && k < r.size() && r[k] == '=';
    }
    bool cut = starts_with(r, ")") && (r.find('\0') != std::string_view::npos || r.find("%00") != std::string_view::npos);
    if ((reopen && (at == 0 || lo[at - 1] == '*' || lo[at - 1] == ')' || r.find(')') != std::string_view::npos)) ||
        (cut && at > 0 && lo[at - 1] == '*')) {
      out.push_back({"sqli", "ldap filter injection", where, param, around(v, at), 75});
      break;
    }
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
    // Operators as a value's bracketed key ("[$ne]=1"), and server-side JavaScript cut in ("0;return true").
    for (std::string_view op : {"[$ne]", "[$gt]", "[$lt]", "[$regex]", "[$where]", "[$exists]", "[$nin]", "[$in]"})
      if (size_t at = lo.find(op); at != std::string_view::npos) {
        out.push_back({"sqli", "nosql operator", where, param, around(v, at), 70});
        break;
      }
    for (std::string_view js : {";return ", "'; return ", ";return(", "';return "}) {
      size_t at = lo.find(js);
      if (at >= 40) continue;  // not found (npos) or not near the start
      std::string_view r = trim(lo.substr(at + js.size()));
      bool code = false;
      for (std::string_view x : {"true", "1", "'", "\"", "this", "db."}) code = code || starts_with(r, x);
      if (code) {
        out.push_back({"sqli", "nosql javascript", where, param, around(v, at), 65});
        break;
      }
    }
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
  // Prototype pollution: a JSON key or a query key path into an object's prototype (Node.js).
  for (std::string_view x : {"__proto__", "constructor[prototype]", "constructor.prototype"})
    if (size_t at = lo.find(x); at != std::string_view::npos) {
      out.push_back({"cmdi", "prototype pollution", where, param, around(v, at), 80});
      return;
    }
  // Template objects an injection reaches for: {{self}}, {{request|attr(...)}}, {{ [].class.base.subclasses() }}.
  for (size_t b = lo.find("{{"); b != std::string_view::npos; b = lo.find("{{", b + 2)) {
    size_t e = lo.find("}}", b);
    if (e == std::string_view::npos || e - b > 400) continue;
    std::string_view body = trim(lo.substr(b + 2, e - b - 2));
    std::string_view head = body.substr(0, body.find_first_of(" .|[("));
    static constexpr std::array<std::string_view, 11> kObjects = {"self",   "request", "config", "app",       "_self",   "lipsum",
                                                                  "cycler", "joiner",  "range",  "namespace", "settings"};
    if (in(head, kObjects) || starts_with(body, "dump(") || body.find("subclasses") != std::string_view::npos ||
        body.find("|attr") != std::string_view::npos || body.find("|filter(") != std::string_view::npos ||
        body.find(".mro") != std::string_view::npos || body.find("getattribute") != std::string_view::npos) {
      out.push_back({"cmdi", "template injection", where, param, around(v, b), 75});
      return;
    }
  }
  // Django's {% debug %}: the whole template context printed.
  if (size_t at = lo.find("{%"); at != std::string_view::npos && trim(lo.substr(at + 2, 8)).starts_with("debug"))
    out.push_back({"cmdi", "template injection", where, param, around(v, at), 75});
  // Expression-language probes: ${233*233}, %{7*7}, #{9*9}, {233*233}, {{7*'7'}}, {{= 7*7 }},
  // @(7*7) (OGNL, SpEL, EL, Jinja, doT, Razor): a product of two numbers, either one quoted.
  for (size_t b = lo.find_first_of("{("); b != std::string_view::npos; b = lo.find_first_of("{(", b + 1)) {
    if (lo[b] == '(' && (b == 0 || lo[b - 1] != '@')) continue;
    size_t k = b + 1;
    auto spaces = [&] {
      while (k < lo.size() && lo[k] == ' ') k++;
    };
    auto number = [&] {
      char q = k < lo.size() && (lo[k] == '\'' || lo[k] == '"') ? lo[k] : 0;
      k += q != 0;
      size_t d = k;
      while (k < lo.size() && is_digit(lo[k])) k++;
      if (k == d || (q && (k >= lo.size() || lo[k++] != q))) return false;
      return true;
    };
    spaces();
    if (k < lo.size() && (lo[k] == '=' || lo[k] == '~' || lo[k] == '-')) k++;  // {{= …}}, {{~ …}}, <%- …
    spaces();
    if (!number()) continue;
    spaces();
    if (k >= lo.size() || lo[k] != '*') continue;
    bool more = true;
    while (more && k < lo.size() && lo[k] == '*') {  // 233*233*233
      k++;
      spaces();
      more = number();
      spaces();
    }
    if (more && k < lo.size() && lo[k] == (lo[b] == '(' ? ')' : '}')) {
      out.push_back({"cmdi", "expression language probe", where, param, around(v, b), 80});
      return;
    }
  }
}

}  // namespace wardsec::web::checks
