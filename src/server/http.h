// The console's server (Boost.Beast): HTTPS on one port (a self-signed certificate made at
// first start, or the one configured), plain HTTP on another that only redirects, the REST API
// under /api/v1 (routes.cc: one table, every route with the permission it needs), a WebSocket
// for live figures and alerts, and the built web UI (web/dist) with strict security headers.
#pragma once
#include <utility>  // boost 1.74 asio uses std::exchange without including it
#include <boost/asio.hpp>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/crypto.h"
#include "ingest/pipeline.h"
#include "server/auth.h"
#include "search/query.h"
#include "server/httputil.h"

namespace wardsec::alert {
class AlertStore;
class Outputs;
}  // namespace wardsec::alert
namespace wardsec::detect {
class RuleSet;
}
namespace wardsec::enrich {
class Places;
}
namespace wardsec::ops::config {
class Watcher;
}
namespace wardsec::ops {
class Duties;
}
namespace wardsec::bastion {
class Service;
class SshServer;
}  // namespace wardsec::bastion

namespace wardsec::emergency {
class Service;
}
namespace wardsec::vuln {
class Discoverer;
}
namespace wardsec::fleet {
class Service;
}
namespace wardsec::incident {
class Service;
}
namespace wardsec::cluster {
class Region;
}

namespace wardsec::server {

struct HttpOptions {
  std::string listen = "127.0.0.1:8443";           // HTTPS
  std::string redirect_listen = "127.0.0.1:8480";  // plain HTTP, answers only with a redirect; "" off
  std::string tls_cert, tls_key;                   // PEM; empty: self-signed in key_dir
  std::string key_dir;
  std::string data_dir;
  std::string web_root;                    // the built UI; empty: web/dist beside the binary
  std::string catalog_file, scoring_file;  // for the compliance scores on the dashboard
  std::string policy_templates_dir;        // policies/templates: the policy library's templates
  std::string organization;                // the hospital's name, on reports
  std::string hospital_tier = "3";         // 三级 "3", 二级 "2", 一级 "1" (grading suggestions)
  // 系统设置: the console-settable values (JSON) that the configuration file and
  // <data>/settings.json give at the next start, or with `overlay` (JSON) in place of that file;
  // an error names the key. Unset: the console cannot change settings.
  std::function<Result<std::string>(const std::string* overlay)> settings;
  size_t max_body = 16u << 20;           // the largest body (ingest, imports, documents)
  size_t max_body_small = 1u << 20;      // every other route's bodies
  size_t max_body_anonymous = 8u << 10;  // bodies of requests with no valid session or token (login)
  size_t max_bodies_total = 256u << 20;  // request bodies held at once, all connections
  int max_connections = 512;             // HTTPS connections at once
  int max_connections_per_ip = 32;
  int search_budget_seconds = 10;  // a search's time budget
  // The name clients reach the console by ("wardsec.hospital.local" or "10.30.0.5:8443"):
  // the Origin check and the HTTP redirect use it, never the request's Host header. Empty:
  // the listen address (with 0.0.0.0/:: the check accepts only requests without Origin).
  std::string public_name;
  const KeyPair* audit_key = nullptr;  // signs the audit trail (the store's instance key)
  int tz_sec = 8 * 3600;
  AuthOptions auth;
  alert::AlertStore* alerts = nullptr;  // /api/v1/alerts when set
  // The loaded detection rules (set once detection started; nullptr: none), and the ATT&CK
  // names file: the alert detail's rule texts and tag names, /api/v1/rules.
  std::function<const detect::RuleSet*()> rules;
  std::string attack_names_file;
  std::shared_ptr<const enrich::Places> places;  // zones and assets (dashboard)
  std::function<std::string()> extra_metrics;    // more members for /api/v1/metrics ("\"k\":v,...")
  bastion::Service* bastion = nullptr;           // /api/v1/bastion/* when set
  bastion::SshServer* bastion_ssh = nullptr;     // the web terminal's sessions
  int bastion_port = 0;                          // the bastion's SSH port, shown to operators
  incident::Service* incidents = nullptr;        // /api/v1/incidents/* when set
  emergency::Service* emergency = nullptr;       // /api/v1/emergency/* (plans, drills) when set
  ops::config::Watcher* configs = nullptr;       // /api/v1/ops/configs/* (device configurations) when set
  ops::Duties* duties = nullptr;                 // report schedules and the data self-check when set
  vuln::Discoverer* discovery = nullptr;         // /api/v1/assets/discovery/scan when set
  alert::Outputs* outputs = nullptr;             // sends the alerts the API raises (scan imports)
  fleet::Service* fleet = nullptr;               // /api/v1/agents/* (the host agents) when set
  std::shared_ptr<cluster::Region> region;       // /api/v1/region/* (a region's ClickHouse) when set
};

// One API request as the handlers see it.
struct Request {
  std::string method, target, path, body, ip, origin, host;
  std::map<std::string, std::string> query;
  std::vector<std::string> params;       // the {x} parts of the route's pattern, in order
  std::string session_id;                // the cookie, when there is one
  std::string csrf_header, auth_header;  // X-CSRF-Token, Authorization
  Principal who;                         // valid when the route is not public
  bool authenticated = false;
  // Set when the connection already authenticated the headers (to size the body): dispatch
  // uses that answer instead of looking the session or token up again.
  bool pre_authed = false;
  std::optional<Principal> pre_who;
  bool accept_gzip = false;
  std::function<void(struct Response)> respond;  // for deferred answers (ingest)
  // Set when the client closed the connection while the handler ran (searches stop).
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
};

struct Response {
  Response() = default;
  Response(int s, std::string b, std::string t = "application/json; charset=utf-8", std::vector<std::pair<std::string, std::string>> h = {})
      : status(s), body(std::move(b)), type(std::move(t)), headers(std::move(h)) {}
  int status = 200;
  std::string body;
  std::string type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  bool deferred = false;  // the handler answers later through Request::respond
};

// kSession: a logged-in session at any stage of the login sequence (the auth routes).
struct Route {
  std::string method, pattern;  // pattern: /api/v1/alerts/{id}/state
  Perm perm;
  bool session_any_stage = false;
  std::function<Response(Request&)> handler;
  std::string summary;
  bool large_body = false;  // takes HttpOptions::max_body (ingest, imports, documents), else max_body_small
};

class Api;  // the routes' shared state (routes.cc)

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, ingest::Pipeline& pipeline, HttpOptions opt);
  ~HttpServer();
  Status start();
  void stop();
  uint16_t port() const { return port_; }
  uint16_t redirect_port() const { return redirect_port_; }
  // Audits the start: the digests of configuration and rules, and "<name>_changed" for each
  // that differs from the previous start's.
  void record_start(const std::vector<std::pair<std::string, std::string>>& digests, const std::string& config_path);
  // One-time passwords of the accounts made at first start ({} when accounts existed).
  const std::vector<std::pair<std::string, std::string>>& initial_accounts() const;
  // The accounts (after start): the bastion logs operators in with them.
  Auth* auth();
  struct State;

 private:
  std::shared_ptr<State> st_;
  uint16_t port_ = 0, redirect_port_ = 0;
};

// The route table (routes.cc), also printed by `wardsec api routes` for the OpenAPI test.
std::vector<Route> build_routes(Api* api);
std::string error_json(std::string_view msg, long column = -1);

// The alert endpoints (alerts_api.cc): status and JSON body. `record` puts an event (a state
// change) into the store; `guide` names the rule's texts and tags in an alert's detail.
Response handle_alerts(alert::AlertStore& store, const std::string& data_dir, const std::string& method, const std::string& target,
                       const std::string& body, int tz_sec, const std::function<void(Event&&)>& record,
                       const class RuleGuide* guide = nullptr);

// The search endpoint's work, shared with tests: returns the HTTP status and JSON body.
struct SearchScope {
  const search::Query* restrict = nullptr;   // ANDed to the user's query as a syntax tree
  std::function<bool(const Event&)> accept;  // drops matches
  // Extra JSON members for a match (",\"k\":v"), appended to its object.
  std::function<std::string(const Event&)> annotate;
  bool budgeted = false;                      // the user's query is held to Query::within_budget
  int64_t budget_ns = 0;                      // time budget (0: none); the answer says timed_out
  const std::atomic<bool>* cancel = nullptr;  // set when the client went away
};
// An audit record's signature by the instance key (wardsec.audit.signature over its text):
// none (from before signing), valid, or invalid (altered, or another key). routes.cc.
enum class AuditSignature { kNone, kValid, kInvalid };
AuditSignature audit_signature(const KeyPair* key, const Event& ev);

// Searches stopped early, for /api/v1/metrics (overload is visible).
struct SearchCounters {
  std::atomic<uint64_t> cancelled{0}, timed_out{0};
};
SearchCounters& search_counters();
Response handle_search(const std::string& data_dir, const std::string& target, int tz_sec, const SearchScope& scope = {});

}  // namespace wardsec::server
