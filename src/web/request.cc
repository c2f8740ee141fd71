#include "web/request.h"

#include <nlohmann/json.hpp>

#include "core/event.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec::web {

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

size_t Request::header_count(std::string_view name) const {
  size_t n = 0;
  for (const auto& h : headers) n += iequals(h.first, name);
  return n;
}

std::string_view Request::path() const {
  std::string_view t = target;
  // Absolute form (proxies, scanners): scheme://authority/path
  size_t s = t.find("://");
  if (s != std::string_view::npos && s < t.find('/')) {
    size_t p = t.find('/', s + 3);
    t = p == std::string_view::npos ? std::string_view("/") : t.substr(p);
  }
  return t.substr(0, std::min(t.find('?'), t.find('#')));
}

std::string_view Request::query() const {
  std::string_view t = target;
  size_t q = t.find('?');
  if (q == std::string_view::npos) return {};
  t = t.substr(q + 1);
  return t.substr(0, t.find('#'));
}

namespace {

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Takes one line off `s`; notes a bare LF.
std::string_view take_line(std::string_view& s, bool& bare_lf) {
  size_t e = s.find('\n');
  std::string_view line = s.substr(0, e);
  s = e == std::string_view::npos ? std::string_view() : s.substr(e + 1);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  else if (e != std::string_view::npos)
    bare_lf = true;
  return line;
}

// De-chunks a chunked body; false when the framing is broken (what was read is kept).
bool dechunk(std::string_view s, std::string& out) {
  for (;;) {
    size_t e = s.find('\n');
    if (e == std::string_view::npos) return false;
    std::string_view size_line = trim(s.substr(0, e));
    size_line = size_line.substr(0, size_line.find(';'));
    uint64_t n = 0;
    if (size_line.empty() || size_line.size() > 15) return false;
    for (char c : size_line) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
              : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                          : -1;
      if (d < 0) return false;
      n = n * 16 + static_cast<uint64_t>(d);
    }
    s = s.substr(e + 1);
    if (n == 0) return true;
    if (n > s.size()) {
      out.append(s.substr(0, kMaxBody - std::min(out.size(), kMaxBody)));
      return false;
    }
    if (out.size() < kMaxBody) out.append(s.substr(0, std::min<size_t>(n, kMaxBody - out.size())));
    s = s.substr(n);
    if (starts_with(s, "\r\n"))
      s.remove_prefix(2);
    else if (starts_with(s, "\n"))
      s.remove_prefix(1);
    else
      return false;
  }
}

void bad(Request& r, std::string why) {
  if (!r.malformed) r.malformed_reason = std::move(why);
  r.malformed = true;
}

}  // namespace

Request parse_raw(std::string_view s) {
  Request r;
  r.headers.reserve(16);
  bool bare_lf = false;
  // Leading empty lines are tolerated by servers (RFC 9112 2.2).
  while (starts_with(s, "\r\n") || starts_with(s, "\n")) s.remove_prefix(s[0] == '\r' ? 2 : 1);
  std::string_view line = take_line(s, bare_lf);
  size_t a = line.find(' ');
  size_t b = line.rfind(' ');
  if (a == std::string_view::npos || a == 0) {
    bad(r, "no request line (method, target, version)");
    r.target = std::string(line.substr(0, 8192));
    return r;
  }
  r.method = std::string(line.substr(0, a));
  for (char c : r.method)
    if (!is_tchar(c)) {
      bad(r, "the method has a character a method cannot have");
      break;
    }
  if (b == a) {
    r.target = std::string(line.substr(a + 1));
    r.version = "0.9";
    r.anomalies.push_back("http09");
  } else {
    r.target = std::string(trim(line.substr(a + 1, b - a - 1)));
    std::string_view v = line.substr(b + 1);
    if (!starts_with(v, "HTTP/") || v.size() != 8 || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7]))
      bad(r, "the request line does not end in an HTTP version");
    r.version = std::string(starts_with(v, "HTTP/") ? v.substr(5) : v);
  }
  if (r.target.empty()) bad(r, "the request target is empty");
  size_t header_bytes = 0;
  bool ended = false;
  while (!s.empty()) {
    std::string_view h = take_line(s, bare_lf);
    if (h.empty()) {
      ended = true;
      break;
    }
    header_bytes += h.size();
    if (header_bytes > kMaxHeaderBytes) {
      bad(r, "the headers are longer than 64 KiB");
      r.anomalies.push_back("headers_too_long");
      break;
    }
    if ((h[0] == ' ' || h[0] == '\t')) {  // obs-fold: a continuation of the previous header
      r.anomalies.push_back("obs_fold");
      if (!r.headers.empty()) r.headers.back().second.append(" ").append(trim(h));
      continue;
    }
    size_t c = h.find(':');
    if (c == std::string_view::npos || c == 0) {
      bad(r, "a header line has no name and colon: " + std::string(h.substr(0, 60)));
      continue;
    }
    std::string_view name = h.substr(0, c);
    for (char ch : name)
      if (!is_tchar(ch)) {
        r.anomalies.push_back("header_name_invalid");
        break;
      }
    r.headers.emplace_back(std::string(name), std::string(trim(h.substr(c + 1))));
  }
  if (bare_lf) r.anomalies.push_back("bare_lf");
  if (!ended && r.malformed_reason.empty() && !s.empty()) bad(r, "the headers do not end in an empty line");
  // The body: chunked, or Content-Length, or whatever follows.
  const std::string* te = r.header("Transfer-Encoding");
  if (te && icontains(*te, "chunked")) {
    if (!dechunk(s, r.body)) r.anomalies.push_back("chunked_framing");
  } else {
    r.body = std::string(s.substr(0, kMaxBody));
  }
  r.body_truncated = s.size() > kMaxBody;
  return r;
}

namespace {

std::string json_str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return {};
}

// nginx escape=json writes "\x22"-style escapes for bytes it will not put in JSON text.
std::string unx(std::string s) {
  if (s.find("\\x") == std::string::npos) return s;
  std::string o;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && std::isxdigit(static_cast<unsigned char>(s[i + 2])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 3]))) {
      o.push_back(static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else {
      o.push_back(s[i]);
    }
  }
  return o;
}

// wardsec's JSON access-log format (docs/web.md): the fields nginx's log_format and Apache's
// LogFormat can write. Unknown keys are ignored; "-" and "" mean absent.
std::optional<Request> from_json(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    Request r;
    bad(r, "the line starts with '{' but is not a JSON object");
    r.target = std::string(line.substr(0, 200));
    return r;
  }
  Request r;
  std::string req = json_str(j, "request");  // "GET /x HTTP/1.1" when given whole
  r.method = json_str(j, "method");
  r.target = json_str(j, "uri");
  std::string proto = json_str(j, "protocol");
  if (!req.empty() && (r.method.empty() || r.target.empty())) {
    Request p = parse_raw(req + "\r\n\r\n");
    r.method = p.method;
    r.target = p.target;
    proto = "HTTP/" + p.version;
  }
  if (starts_with(proto, "HTTP/")) proto = proto.substr(5);
  r.version = proto;
  r.source_ip = json_str(j, "client");
  if (r.source_ip.empty()) r.source_ip = json_str(j, "remote_addr");
  std::string st = json_str(j, "status");
  uint64_t code = 0;
  if (parse_u64(st, code)) r.status = static_cast<int>(code);
  std::string t = json_str(j, "time");
  int64_t ns = 0;
  if (!t.empty() && parse_rfc3339(t, ns)) r.ts = ns;
  auto add = [&](const char* key, const char* header) {
    std::string v = unx(json_str(j, key));
    if (!v.empty() && v != "-") r.headers.emplace_back(header, std::move(v));
  };
  add("host", "Host");
  add("user_agent", "User-Agent");
  add("referer", "Referer");
  add("cookie", "Cookie");
  add("content_type", "Content-Type");
  add("origin", "Origin");
  add("x_forwarded_for", "X-Forwarded-For");
  add("x_csrf_token", "X-CSRF-Token");
  add("authorization", "Authorization");
  // Any other header, under "headers": {"Name": "value"}.
  if (auto h = j.find("headers"); h != j.end() && h->is_object())
    for (auto& [k, v] : h->items())
      if (v.is_string()) r.headers.emplace_back(k, unx(v.get<std::string>()));
  std::string body = unx(json_str(j, "body"));
  if (body != "-") r.body = body.substr(0, kMaxBody);
  if (r.method.empty() || r.target.empty()) bad(r, "the JSON line has no method or uri");
  return r;
}

}  // namespace

std::optional<Request> parse_log_line(std::string_view line) {
  line = trim(line);
  if (line.empty()) return std::nullopt;
  if (line[0] == '{') return from_json(line);
  Event ev;
  ev.raw = std::string(line);
  if (!parse_access(ev, ev.raw, true)) return std::nullopt;
  Request r;
  r.headers_complete = false;
  r.ts = ev.ts;
  r.method = std::string(ev.get(kHttpMethod));
  r.target = std::string(ev.get(kUrlOriginal));
  r.version = std::string(ev.get(kHttpVersion));
  r.source_ip = std::string(ev.get(kSourceAddress));
  uint64_t code = 0;
  if (parse_u64(ev.get(kHttpStatus), code)) r.status = static_cast<int>(code);
  if (auto ua = ev.get(kUserAgent); !ua.empty()) r.headers.emplace_back("User-Agent", std::string(ua));
  if (auto ref = ev.get(kHttpReferrer); !ref.empty()) r.headers.emplace_back("Referer", std::string(ref));
  if (r.method.empty()) bad(r, "the request field of the log line is not \"METHOD TARGET VERSION\"");
  // Combined format escapes '"' and non-printable bytes as \xHH.
  r.target = unx(r.target);
  return r;
}

}  // namespace wardsec::web
