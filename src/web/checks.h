// The inspector's checks, one file each: injection (OS commands, code, LDAP, NoSQL, XXE:
// check_injection.cc), paths (traversal, file inclusion, SSRF: check_paths.cc), cookies
// (check_cookies.cc); inspect.cc runs them over every place of a request. Internal to web/.
#pragma once
#include <hs/hs.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <list>
#include <mutex>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "web/inspect.h"

namespace wardsec::web::checks {

// At most n bytes, never cut inside a UTF-8 sequence.
std::string clip(std::string_view s, size_t n = 200);
// The text around a finding (30 bytes before it, `len` in all).
std::string around(std::string_view v, size_t at, size_t len = 120);

// A set of bytes with a table lookup per byte: string_view::find_first_of calls memchr on the
// set for every byte of the text, which the hot loops cannot afford.
class ByteSet {
 public:
  constexpr explicit ByteSet(std::string_view chars) {
    for (char c : chars) t_[static_cast<unsigned char>(c)] = true;
  }
  size_t find(std::string_view s, size_t from = 0) const {
    for (size_t i = from; i < s.size(); i++)
      if (t_[static_cast<unsigned char>(s[i])]) return i;
    return std::string_view::npos;
  }
  bool any(std::string_view s) const { return find(s) != std::string_view::npos; }

 private:
  std::array<bool, 256> t_{};
};

template <size_t N>
bool in(std::string_view w, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

class Literals {
 public:
  // The literals of the value checks below, and the scanner probe paths.
  static const Literals& get();
  static const Literals& probes();
  static const Literals& windows();  // the words of Windows command shapes (cmd, powershell, for /...)
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
    hs_scan(
        db_, s.data(), static_cast<unsigned>(std::min<size_t>(s.size(), UINT32_MAX)), 0, scratch,
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

// Each check appends its findings for one value: `lo` is the value lower-cased, `v` as it is.
void check_cmdi(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param);
// The value's first word is a command (the whole value may be a command line).
bool starts_as_command(std::string_view lo);
void check_code(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param,
                bool literals);
void check_paths(std::string_view lo, std::string_view v, bool is_path, std::vector<Finding>& out, const char* where,
                 const std::string& param, bool literals);
void check_ssrf(std::string_view lo, std::string_view v, std::vector<Finding>& out, const char* where, const std::string& param);

// Files an attacker reads (traversal, inclusion), also literals of the prefilter.
inline constexpr std::array<std::string_view, 24> kSensitiveFiles = {
    "etc/passwd", "etc/shadow",     "etc/group",       "etc/hosts", "etc/issue",   "proc/self/",    "proc/version", "win.ini",
    "boot.ini",   "system32",       "web-inf/web.xml", "web-inf/",  "etc/php.ini", ".htpasswd",     ".ssh/id_rsa",  ".bash_history",
    "etc/my.cnf", "windows/repair", "inetpub",         "var/log/",  "etc/nginx",   "wp-config.php", "/web.xml",     "ntuser.dat"};

// Literals of the value checks (and of the prefilter).
inline constexpr std::string_view kOast[] = {".interact.sh", "burpcollaborator.net", ".oast.pro",    ".oast.fun", ".oast.me",
                                             ".oast.site",   ".oast.live",           ".oast.online", "dnslog.cn", ".ceye.io"};
inline constexpr std::string_view kLdap[] = {")(|(", ")(&(", "*)(", "(|(objectclass=", "(&(objectclass=", ":2.5.13.", "(!(&(", "*(|("};
inline constexpr std::string_view kMongoOps[] = {"$or:", "$and:", "$ne:", "$gt:", "$regex:", "$nin:", "$where:"};
inline constexpr std::string_view kWrappers[] = {"php://",  "file://", "zip://",           "phar://", "expect://",
                                                 "glob://", "data://", "compress.zlib://", "jar:"};
inline constexpr std::string_view kSchemas[] = {"<xs:include", "<xs:import", "xsi:schemalocation=", "<xi:include",
                                                "xsi:nonamespaceschemalocation="};
inline constexpr std::string_view kOtherLiterals[] = {
    "<!entity", "<!doctype", "new date", "db.",     ".txt?",     "c$",        "admin$",
    "ipc$",     "(&(",       "[$",       ";return", "xmlns:php", "__proto__", "constructor.prototype"};

// Shell commands an injection runs (cmdi, and code calls whose argument is one).
inline constexpr std::array<std::string_view, 70> kCommands = {
    "touch",     "mkdir",    "cp",    "mv",      "chown",  "kill",    "useradd", "crontab",  "sudo",   "nohup",      "ps",       "netstat",
    "tar",       "gcc",      "tftp",  "busybox", "socat",  "wmic",    "mshta",   "rundll32", "getent", "set",        "cat",      "ls",
    "id",        "whoami",   "uname", "pwd",     "wget",   "curl",    "nc",      "ncat",     "netcat", "bash",       "sh",       "zsh",
    "ping",      "nslookup", "dig",   "echo",    "python", "python3", "perl",    "ruby",     "php",    "powershell", "cmd",      "net",
    "ipconfig",  "ifconfig", "sleep", "chmod",   "rm",     "mkfifo",  "telnet",  "type",     "dir",    "systeminfo", "tasklist", "certutil",
    "bitsadmin", "base64",   "awk",   "find",    "head",   "tail",    "env",     "printenv", "expr",   "timeout"};

// The literals of check_code (for the prefilter).
std::vector<std::string_view> code_literals();

// Scanner user agents and the paths scanners probe first.
inline constexpr std::array<std::string_view, 38> kScannerAgents = {"sqlmap",   "nikto",      "nmap",
                                                                    "masscan",  "zgrab",      "acunetix",
                                                                    "appscan",  "nessus",     "openvas",
                                                                    "awvs",     "netsparker", "dirbuster",
                                                                    "gobuster", "dirsearch",  "wfuzz",
                                                                    "ffuf",     "nuclei",     "w3af",
                                                                    "whatweb",  "xray",       "goby",
                                                                    "fscan",    "hydra",      "fuzz faster u fool",
                                                                    "nasl",     "zmeu",       "morfeus",
                                                                    "jorgee",   "wpscan",     "arachni",
                                                                    "skipfish", "commix",     "burpcollaborator",
                                                                    "havij",    "pangolin",   "webinspect",
                                                                    "qualys",   "vega/"};
inline constexpr std::array<std::string_view, 31> kProbePaths = {
    "/.git/",           "/.svn/",       "/.env",          "/.htaccess",        "/.htpasswd",
    "/.ds_store",       "/web.config",  "/phpinfo.php",   "/actuator/env",     "/actuator/heapdump",
    "/server-status",   "/jmx-console", "/invoker/",      "/manager/html",     "/solr/admin",
    "/wls-wsat/",       "/_async/",     "/console/css/",  "/phpmyadmin",       "/.bash_history",
    "/etc/passwd",      "/cgi-bin/php", "/wp-config.php", "/www.zip",          "/backup.zip",
    "/db.sql",          "/backup.sql",  "/.idea/",        "/druid/index.html", "/swagger-resources",
    "/minio/bootstrap/"};

std::string b64url_decode(std::string_view s);
std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data);
// Constant-time comparison.
bool same(std::string_view a, std::string_view b);

}  // namespace wardsec::web::checks

namespace wardsec::web {

// Cookie shapes per session (the cookie check), shared by the inspector's copies.
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

}  // namespace wardsec::web
