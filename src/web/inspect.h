// The web-attack inspector: one request in, a verdict and its findings out. Each finding
// names the attack class, the parameter, the decoded fragment that proved it and a
// confidence. The hospital's policy marks which applications are CSRF-protected, which sign
// their session cookies (and with which key), and per-route exceptions.
#pragma once
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "web/request.h"

namespace YAML {
class Node;
}

namespace wardsec::web {

// The class names of the command-line contract (docs/web.md).
inline constexpr const char* kClasses[] = {"sqli", "xss", "traversal", "cmdi", "ssrf", "lfi", "scanner", "csrf", "cookie", "protocol"};

struct Finding {
  std::string cls;       // one of kClasses
  std::string kind;      // finer: "union select", "event handler", "jwt alg none", "xxe", ...
  std::string where;     // path, query, body, cookie, header, file, request
  std::string param;     // parameter/cookie/header name ("" for the path or the request)
  std::string fragment;  // the decoded part of the value that proved it (at most 200 bytes)
  int confidence = 0;    // 0..100
};

struct Verdict {
  std::string verdict;               // "attack", "benign", "malformed"
  std::vector<Finding> findings;     // attack findings at or above the threshold, strongest first
  std::vector<std::string> classes;  // distinct classes of `findings`, in kClasses order
  std::string malformed_reason;
  int max_confidence() const { return findings.empty() ? 0 : findings.front().confidence; }
};

struct SignedCookie {
  std::string name;    // cookie name
  std::string scheme;  // "jwt" (HS256/384/512; alg none and expiry checked) or "hmac-sha256" / "hmac-sha1"
                       // (value = [s:]payload.signature, signature hex or base64/base64url)
  std::string key;     // the secret (config: taken from a file or environment, never logged)
};

struct AppPolicy {
  std::string name;
  std::vector<std::string> hosts;  // Host header values ("" / empty: any)
  std::string path_prefix = "/";
  bool csrf = false;                         // state-changing requests need a same-origin Origin/Referer and a token
  std::vector<std::string> allowed_origins;  // besides the request's own host, e.g. "https://his.example"
  std::vector<std::string> csrf_fields{"csrf_token", "_csrf",    "csrfmiddlewaretoken", "authenticity_token", "__requestverificationtoken",
                                       "_token",     "csrftoken"};
  std::vector<std::string> csrf_headers{"x-csrf-token", "x-xsrf-token", "x-csrftoken", "x-requested-with"};
  std::vector<SignedCookie> signed_cookies;
  std::string session_cookie;  // without keys: cookies whose structure changes within this session are tampering
};

// A route where some classes are not findings (e.g. a rich-text editor's body for xss).
struct RouteException {
  std::string path_prefix;
  std::vector<std::string> classes;  // empty: all
  std::string param;                 // "" : every parameter
};

struct Policy {
  std::vector<AppPolicy> apps;
  std::vector<RouteException> exceptions;
  int min_confidence = 60;
};

// Reads the `web:` section of wardsec.yaml (docs/web.md). Errors name the key.
Status load_policy(const YAML::Node& web, Policy& out);

class Inspector {
 public:
  explicit Inspector(Policy p = {});
  ~Inspector();
  Inspector(Inspector&&) noexcept;
  // Thread-safe; the cookie-structure memory is shared and bounded (100 000 sessions).
  Verdict inspect(const Request& r, int64_t now_ns = 0) const;
  const Policy& policy() const { return p_; }

 private:
  const AppPolicy* app_for(const Request& r) const;
  void cookies(const Request& r, const AppPolicy& app, int64_t now, std::vector<Finding>& out) const;
  Policy p_;
  struct Shapes;
  std::unique_ptr<Shapes> shapes_;
};

// JSON of a verdict for `wardsec webcheck` and for events: {"verdict":..,"attack":{"classes":[..],
// "confidence":..,"findings":[..]}}.
std::string verdict_json_fields(const Verdict& v);

}  // namespace wardsec::web
