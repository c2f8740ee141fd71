// Path checks: traversal, local and remote file inclusion, and server-side request forgery.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>

#include "core/strutil.h"
#include "web/checks.h"
#include "web/decode.h"

namespace wardsec::web::checks {

namespace {

// "etc" and, a few bytes on, a file of /etc an attacker reads (passwd, shadow, hosts...).
bool etc_file(std::string_view lo) {
  for (size_t e = lo.find("etc"); e != std::string_view::npos; e = lo.find("etc", e + 3)) {
    std::string_view next = lo.substr(e + 3, 24);
    for (std::string_view f : {"passwd", "shadow", "issue", "hosts", "group"})
      if (next.find(f) != std::string_view::npos) return true;
  }
  return false;
}

// A path as a lenient server reads it: "0x2e", "0x2f", "0x5c" spelled out, and every run of
// bytes that is no part of a name (undecodable "%c0%9v", "%uf025", high bytes, '?') taken for one
// separator; traversal tools try such spellings by the thousand (dotdotpwn). Empty when the value
// has none of them.
std::string lenient_path(std::string_view lo) {
  // Only a value with dot-dot, or '%' left after decoding, or spelled-out hex can hold such a path.
  if (lo.find("..") == std::string_view::npos && lo.find('%') == std::string_view::npos && lo.find("0x") == std::string_view::npos) {
    // "\xc0.\xc0./": a stray byte between the dots.
    bool stray = false;
    for (size_t i = 0; i + 1 < lo.size() && !stray; i++)
      stray = static_cast<unsigned char>(lo[i]) >= 0xC0 && (lo[i + 1] == '.' || lo[i + 1] == '/' || lo[i + 1] == '\\');
    if (!stray) return {};
  }
  std::string n;
  n.reserve(lo.size());
  auto junk = [&] {
    if (n.empty() || n.back() != '/') n.push_back('/');
  };
  for (size_t i = 0; i < lo.size(); i++) {
    unsigned char c = static_cast<unsigned char>(lo[i]);
    if (c == '0' && lo.substr(i, 2) == "0x" && i + 3 < lo.size()) {
      std::string_view h = lo.substr(i + 2, 2);
      if (h == "2e" || h == "2f" || h == "5c") {
        if (h == "2e")
          n.push_back('.');
        else
          junk();
        i += 3;
        continue;
      }
    }
    if (c == '%') {
      size_t k = i + 1;
      if (k < lo.size() && lo[k] == 'u') k++;
      size_t e = k;
      while (e < lo.size() && e < k + (k > i + 1 ? 4 : 2) && is_alnum_ascii(lo[e])) e++;
      junk();
      i = e - 1;
      continue;
    }
    if (c >= 0x80) {
      // A whole character stands for a separator ("%uf025"); a stray byte ("%c0." meant as '.')
      // is dropped, as a lenient decoder drops it.
      size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;
      bool whole = len > 1 && i + len <= lo.size();
      for (size_t k = 1; whole && k < len; k++) whole = (static_cast<unsigned char>(lo[i + k]) & 0xC0) == 0x80;
      if (whole) {
        junk();
        i += len - 1;
      }
      continue;
    }
    if (is_alnum_ascii(static_cast<char>(c)) || c == '.' || c == '_' || c == '-' || c == ':' || c == '$') {
      n.push_back(static_cast<char>(c));
    } else if (c == '/' || c == '\\' || c == '?' || c == '+' || c < 0x20) {
      junk();
    } else {
      n.push_back(static_cast<char>(c));
    }
  }
  return n;
}

}  // namespace

void check_paths(std::string_view lo, std::string_view v, bool is_path, std::vector<Finding>& out, const char* where,
                 const std::string& param, bool literals) {
  // Only worth building when there is a dot-dot, spelled-out hex, or a file an attacker reads.
  bool lenient = literals || lo.find("..") != std::string_view::npos || lo.find("0x") != std::string_view::npos || etc_file(lo);
  if (std::string n = lenient ? lenient_path(lo) : std::string(); !n.empty() && n != lo) {
    // Traversal or a system file under a spelling no standard decoder undoes.
    size_t ups = 0;
    for (size_t i = n.find("../"); i != std::string::npos; i = n.find("../", i + 3)) ups++;
    for (auto f : kSensitiveFiles)
      if (size_t at = n.find(f); at != std::string::npos && (at == 0 || n[at - 1] == '/') && (ups > 0 || at > 0)) {
        out.push_back({"traversal", "evasive path", where, param, around(v, 0), 80});
        return;
      }
    if (ups >= 3) {
      out.push_back({"traversal", "evasive path", where, param, around(v, 0), 75});
      return;
    }
  }
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
  // Local file inclusion: the whole value an absolute path into the system's configuration,
  // credentials or logs (/proc/self/environ, /usr/local/apache/conf/httpd.conf, C:\\xampp\\php\\php.ini),
  // or a file name cut short with a NUL (x.php%00).
  if (!is_path && (lo.size() < 256 && lo.find(' ') == std::string_view::npos) &&
      (starts_with(lo, "/") ||
       (lo.size() > 3 && std::isalpha(static_cast<unsigned char>(lo[0])) && lo[1] == ':' && (lo[2] == '\\' || lo[2] == '/')))) {
    static constexpr std::array<std::string_view, 12> kRoots = {"/etc/",          "/proc/",          "/sys/",
                                                                "/root/",         "/boot/",          "/var/log/",
                                                                "/var/lib/mysql", "/usr/local/etc/", "/usr/local/apache",
                                                                "/opt/lampp/",    "/private/etc/",   "/var/run/secrets"};
    // The file's own name (a NUL or %00 the attacker appends cut off), against files nobody serves.
    static constexpr std::array<std::string_view, 18> kFiles = {
        "httpd.conf",     "php.ini",      "my.cnf",     ".htaccess", ".htpasswd",       "error_log",
        "access_log",     "error.log",    "access.log", "id_rsa",    "authorized_keys", "web.config",
        "config.inc.php", "php-fpm.conf", "nginx.conf", "sam",       "ntds.dit",        "environ"};
    std::string_view name = lo.substr(lo.find_last_of("/\\") + 1);
    name = name.substr(0, std::min(name.find('\0'), name.find("%00")));
    bool hit = in(name, kFiles) &&
               (name != "sam" || lo.find("\\repair\\") != std::string_view::npos || lo.find("\\config\\") != std::string_view::npos);
    for (auto r : kRoots) hit = hit || starts_with(lo, r);
    if (hit) out.push_back({"lfi", "system path", where, param, clip(v), 70});
  }
  if (size_t nul = lo.find('\0'); nul != std::string_view::npos && nul > 2 && nul + 1 >= lo.size() &&
                                  lo.rfind('.', nul) != std::string_view::npos && nul - lo.rfind('.', nul) <= 6 &&
                                  lo.find_first_of("/\\") != std::string_view::npos && lo.find("://") == std::string_view::npos)
    out.push_back({"lfi", "null byte truncation", where, param, clip(v), 75});
  // Remote file inclusion over SMB: \\host\share\x.php, which PHP's include opens on Windows.
  if (starts_with(lo, "\\\\") && lo.size() < 256 && lo.find(' ') == std::string_view::npos) {
    std::string_view ext = lo.substr(lo.rfind('.') == std::string_view::npos ? lo.size() : lo.rfind('.'));
    static constexpr std::array<std::string_view, 9> kCode = {".php", ".phtml", ".inc", ".jsp", ".asp", ".aspx", ".dll", ".exe", ".txt"};
    if (in(ext, kCode)) out.push_back({"lfi", "remote file inclusion (unc)", where, param, clip(v), 75});
  }
  // Remote file inclusion: a URL whose query is left open for the application's suffix.
  if (!is_path && (starts_with(lo, "http://") || starts_with(lo, "https://") || starts_with(lo, "ftp://")) && lo.size() < 300 &&
      (lo.find(".txt?") != std::string_view::npos || ((ends_with(lo, "?") || ends_with(lo, "%00")) && lo.rfind('.') > lo.rfind('/'))))
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
  if (ent != std::string_view::npos &&
      (lo.find("system", ent) != std::string_view::npos || lo.find("public", ent) != std::string_view::npos))
    out.push_back({"lfi", "xxe", where, param, around(v, ent), 95});
  else if (lo.find("<!doctype") != std::string_view::npos && lo.find(" system \"") != std::string_view::npos)
    out.push_back({"lfi", "xxe", where, param, around(v, lo.find("<!doctype")), 80});
  else if (ent != std::string_view::npos)  // internal entities: the start of entity expansion bombs
    out.push_back({"lfi", "xml entity declaration", where, param, around(v, ent), 70});
  if (size_t at = lo.find("xmlns:php=\"http://php.net/xsl\""); at != std::string_view::npos)
    out.push_back({"cmdi", "xslt php functions", where, param, around(v, at), 85});
}

namespace {

bool internal_host(std::string_view host, bool& strong) {
  strong = true;
  if (host.empty()) return false;
  if (host == "localhost" || ends_with(host, ".localhost") || host == "0" || host == "0.0.0.0" || host == "[::]" || host == "[::1]" ||
      starts_with(host, "[0:0:0:0:0:") || starts_with(host, "[::ffff:") || host == "metadata.google.internal" || host == "metadata" ||
      host == "169.254.169.254" || host == "100.100.100.200" || ends_with(host, ".nip.io") || ends_with(host, ".xip.io") ||
      host == "localtest.me" || ends_with(host, ".localtest.me"))
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

}  // namespace

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
    static const std::array<std::string_view, 10> kServicePorts = {":6379", ":11211", ":3306", ":22",   ":25",
                                                                   ":2375", ":8500",  ":9200", ":5432", ":1433"};
    if (strong || in(port, kServicePorts) || scheme == "ftp" || scheme == "ldap" || scheme == "tftp") {
      out.push_back({"ssrf", strong ? "loopback or metadata address" : "internal service", where, param, around(v, at), strong ? 80 : 70});
      return;
    }
  }
}

}  // namespace wardsec::web::checks
