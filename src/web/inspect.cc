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
#include "web/checks.h"

namespace wardsec::web {

using namespace checks;

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

// One pass over a value: which of the characters the checks key on it holds.
enum : uint32_t {
  kLt = 1,
  kParen = 2,
  kBacktick = 4,
  kColon = 8,
  kBracket = 16,
  kEq = 32,
  kBrace = 64,
  kSemi = 128,
  kPipe = 256,
  kAmp = 512,
  kNewline = 1024,
  kDollar = 2048,
  kDot = 4096,
  kSlash = 8192,
  kBackslash = 16384,
  kHigh = 32768,
  kCloseParen = 65536,
  kXssChars = kLt | kParen | kBacktick | kColon | kBracket | kEq | kBrace,
  kShellChars = kSemi | kPipe | kAmp | kNewline | kBacktick | kDollar,
  kPathChars = kDot | kSlash | kBackslash | kColon,
};

uint32_t char_mask(std::string_view v) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    t['<'] = kLt;
    t['('] = kParen;
    t[')'] = kCloseParen;
    t['`'] = kBacktick;
    t[':'] = kColon;
    t['['] = kBracket;
    t['='] = kEq;
    t['{'] = kBrace;
    t[';'] = kSemi;
    t['|'] = kPipe;
    t['&'] = kAmp;
    t['\n'] = kNewline;
    t['$'] = kDollar;
    t['.'] = kDot;
    t['/'] = kSlash;
    t['\\'] = kBackslash;
    t[0xE5] = kHigh;
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
  // "..0x2f..0x2fetc0x2fpasswd": dot-dot with hex-spelled separators, which lenient servers decode.
  return v.find("..") == std::string_view::npos || v.find("0x") == std::string_view::npos;
}

// The injections made of inert characters (the SQL check decides): "1-false", "7-true", a number
// field evaluated as a boolean expression; "--sp_password", a comment that hides the statement
// from SQL Server's trace.
bool inert_sql(std::string_view v) {
  if (starts_with(v, "--")) return true;
  size_t i = 0;
  while (i < v.size() && is_digit(v[i])) i++;
  if (i == 0 || i + 1 >= v.size() || v[i] != '-') return false;
  std::string_view w = v.substr(i + 1);
  return iequals(w, "true") || iequals(w, "false");
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

bool is_state_changing(std::string_view m) { return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE"; }

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
  static const std::array<std::string_view, 24> kStd = {"accept",
                                                        "accept-encoding",
                                                        "accept-language",
                                                        "accept-charset",
                                                        "connection",
                                                        "cache-control",
                                                        "pragma",
                                                        "upgrade-insecure-requests",
                                                        "content-type",
                                                        "origin",
                                                        "dnt",
                                                        "te",
                                                        "priority",
                                                        "if-modified-since",
                                                        "if-none-match",
                                                        "authorization",
                                                        "range",
                                                        "if-range",
                                                        "upgrade",
                                                        "keep-alive",
                                                        "purpose",
                                                        "x-requested-with",
                                                        "content-encoding",
                                                        "expect"};
  return starts_with(l, "sec-") || in(l, kStd);
}

}  // namespace

Verdict Inspector::inspect(const Request& r, int64_t now) const {
  Verdict v;
  std::vector<Finding> all;
  if (now == 0) now = now_ns();
  // Protocol: what the request's framing says.
  auto proto = [&](const char* kind, const std::string& frag, int conf) {
    all.push_back({"protocol", kind, "request", "", clip(frag), conf});
  };
  const std::string* te = r.header("Transfer-Encoding");
  if (te && r.header("Content-Length")) proto("content-length with transfer-encoding (smuggling)", *te, 90);
  if (r.header_count("Content-Length") > 1)
    proto("duplicate content-length (smuggling)", "Content-Length x" + std::to_string(r.header_count("Content-Length")), 90);
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
  static const std::array<std::string_view, 16> kMethods = {"GET",   "HEAD",    "POST",     "PUT",       "DELETE", "OPTIONS",
                                                            "PATCH", "CONNECT", "PROPFIND", "PROPPATCH", "MKCOL",  "COPY",
                                                            "MOVE",  "LOCK",    "UNLOCK",   "REPORT"};
  if (!r.method.empty() && !in(std::string_view(r.method), kMethods))
    proto(r.method == "TRACE" || r.method == "TRACK" ? "trace method" : "unknown method", r.method,
          r.method == "TRACE" || r.method == "TRACK" ? 60 : 65);
  if (r.version == "0.9" ||
      (!r.version.empty() && r.version != "1.1" && r.version != "1.0" && r.version != "2.0" && r.version != "2" && r.version != "3"))
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
  bool binary_body = declared_binary(r);
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
    // Prototype pollution names the prototype as a key: {"__proto__": ...}, a[__proto__][x]=1.
    if ((p.where == Where::kJsonKey || p.where == Where::kQuery || p.where == Where::kBody) &&
        (p.value == "__proto__" || p.name.find("__proto__") != std::string::npos ||
         p.name.find("constructor[prototype]") != std::string::npos)) {
      found.push_back({"cmdi", "prototype pollution", where, p.name, clip(p.name.empty() ? p.value : p.name), 80});
      all.insert(all.end(), found.begin(), found.end());
      continue;
    }
    // Tokens, ids, numbers, words: nothing in [A-Za-z0-9_.-] can break out of any context.
    // Only a base64 payload could hide there, and that is looked at below.
    if (inert(p.value) && !is_path && !inert_sql(p.value)) {
      if (p.value.size() < 12) continue;
      auto b = base64_decode_text(p.value);
      if (!b || inert(*b)) continue;
    }
    auto forms = decoded_forms(p.value);
    bool bin = binary(p.value);
    // REST paths carry values too (/patients/1%20or%201=1): each segment is one.
    // A comment that spans segments (/1/**/union/**/select/...) reaches a route that takes the
    // rest of the path: the whole path is read as one value then.
    // It may start at any segment (the route's own part comes first). So may SQL that holds a
    // slash of its own (' / 1 / 1 =', 1/0): whenever a slash follows a character SQL breaks out with.
    size_t sq = is_path ? p.value.find_first_of("'\"( =;") : std::string::npos;
    if (is_path && (p.value.find("/*") != std::string::npos || p.value.find("*/") != std::string::npos ||
                    (sq != std::string::npos && p.value.find('/', sq) != std::string::npos)))
      for (size_t a = 0, n = 0; a < p.value.size() && n < 16 && found.empty(); a = p.value.find('/', a + 1), n++) {
        if (a == std::string::npos) break;
        for (const auto& sf : decoded_forms(p.value.substr(a + (p.value[a] == '/'))))
          if (auto s = detect_sqli(sf); s.found) {
            found.push_back({"sqli", s.reason, "path", "", clip(sf), s.confidence});
            break;
          }
      }
    if (is_path)
      for (size_t a = 0, b; a < p.value.size(); a = b + 1) {
        b = p.value.find('/', a);
        if (b == std::string::npos) b = p.value.size();
        std::string seg = p.value.substr(a, b - a);
        if (seg.find_first_of("'\"( ;=#@,*\n\t") != std::string::npos)
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
      // Binary data is not text to parse; but the form with control bytes taken out is
      // (a payload prefixed with \x18 or padded with NULs is still a payload), unless the
      // value is an uploaded file or a body the client declared binary.
      bool binary_data = bin && (binary(f) || p.where == Where::kFile || (binary_body && p.where == Where::kBody));
      if (!std_header && !binary_data) {
        if (auto s = detect_sqli(f); s.found && !is_path) found.push_back({"sqli", s.reason, where, p.name, clip(f), s.confidence});
        if (cm & kXssChars)
          if (auto x = detect_xss(f, lo); x.found) found.push_back({"xss", x.reason, where, p.name, x.fragment, x.confidence});
        if (p.where != Where::kFile &&
            ((cm & (kShellChars | kSlash | kBackslash)) || lo.find(" -") != std::string::npos || starts_as_command(lo)))
          check_cmdi(lo, f, found, where, p.name);
        if (literals || (cm & kPathChars)) check_paths(lo, f, is_path || p.where == Where::kFile, found, where, p.name, literals);
        if (!is_path && (cm & kColon)) check_ssrf(lo, f, found, where, p.name);
      }
      if (literals || (cm & (kBrace | kParen | kCloseParen | kDollar | kLt))) check_code(lo, f, found, where, p.name, literals);

      // CR/LF smuggled into a value that ends up in a header (response splitting).
      // A request line or header cannot carry a raw line break; a body can (text areas), so
      // there only mail commands count.
      bool in_body = p.where == Where::kBody || p.where == Where::kFile || p.where == Where::kJsonKey;
      for (size_t nl = (cm & kNewline) ? f.find('\n') : std::string::npos; nl != std::string::npos; nl = f.find('\n', nl + 1)) {
        std::string after = to_lower(trim(std::string_view(f).substr(nl + 1, 40)));
        bool mail = starts_with(after, "rcpt to:") || starts_with(after, "mail from:") || starts_with(after, "bcc:") ||
                    starts_with(after, "cc:") || after == "quit" || after == "data" || starts_with(after, "helo ") ||
                    starts_with(after, "ehlo ") ||
                    (after.size() > 4 && after[0] == 'v' && is_digit(after[1]) &&
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
      static const std::array<std::string_view, 12> kExec = {".php",   ".jsp",  ".jspx", ".asp", ".aspx", ".ashx",
                                                             ".phtml", ".php5", ".cer",  ".asa", ".war",  ".sh"};
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
    a["findings"].push_back({{"class", f.cls},
                             {"kind", f.kind},
                             {"where", f.where},
                             {"param", f.param},
                             {"fragment", f.fragment},
                             {"confidence", f.confidence}});
  j["attack"] = std::move(a);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::string policy_problem(const YAML::Node& web, Policy& out) {
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
          if (!e)
            return "web.apps[" + app.name + "].signed_cookies[" + sc.name + "]: environment variable " + c["key_env"].as<std::string>() +
                   " is not set";
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

}  // namespace

Status load_policy(const YAML::Node& web, Policy& out) {
  std::string e = policy_problem(web, out);
  if (e.empty()) return {};
  return Error{e};
}

}  // namespace wardsec::web
