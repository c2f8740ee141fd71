#include "core/datadir.h"
#include "server/http.h"
#include "server/messages.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "alert/alert_store.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "ingest/net.h"
#include "search/search.h"
#include "server/api.h"
#include "server/http_state.h"

namespace wardsec::server {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
// "host:port" / "[v6]:port" -> (host, port); port "" when absent.
std::pair<std::string, std::string> split_host_port(const std::string& a) {
  if (!a.empty() && a[0] == '[') {
    auto e = a.find(']');
    if (e == std::string::npos) return {a, ""};
    return {a.substr(1, e - 1), e + 1 < a.size() && a[e + 1] == ':' ? a.substr(e + 2) : ""};
  }
  auto c = a.rfind(':');
  if (c == std::string::npos || a.find(':') != c) return {a, ""};
  return {a.substr(0, c), a.substr(c + 1)};
}
}  // namespace

namespace {

// 'wasm-unsafe-eval' lets the session player (asciinema-player) compile its terminal emulator,
// which is WebAssembly; it does not allow eval() or inline script.
const char* kCsp =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' "
    "data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

template <class Res>
void security_headers(Res& res) {
  res.set(http::field::server, "wardsec");
  res.set(http::field::strict_transport_security, "max-age=31536000");
  res.set("Content-Security-Policy", kCsp);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
}

std::string content_type(const std::string& path) {
  auto ends = [&](const char* s) {
    return path.size() >= std::strlen(s) && path.compare(path.size() - std::strlen(s), std::string::npos, s) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".json")) return "application/json";
  if (ends(".woff2")) return "font/woff2";
  return "application/octet-stream";
}

std::string gzip_text(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END && out.size() < in.size() ? out : "";
}

// Loads the built UI into memory (and gzips it once): the process serves what was there at start.
void load_files(HttpServer::State& st) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (st.opt.web_root.empty() || !fs::is_directory(st.opt.web_root, ec)) {
    spdlog::warn("web UI not found at '{}': the API works, the pages do not (build it with 'make build')", st.opt.web_root);
    return;
  }
  for (auto it = fs::recursive_directory_iterator(st.opt.web_root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec || !it->is_regular_file()) continue;
    std::ifstream f(it->path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string rel = "/" + fs::relative(it->path(), st.opt.web_root).generic_string();
    StaticFile sf{ss.str(), content_type(rel), "", rel.rfind("/assets/", 0) == 0};
    if (sf.body.size() > 1024 && sf.type.rfind("image/png", 0) != 0) sf.gzip = gzip_text(sf.body);
    st.files[rel] = std::move(sf);
  }
  spdlog::info("web UI: {} files from {}", st.files.size(), st.opt.web_root);
}

// The origins browsers use for the console: the configured public names (comma-separated),
// else the listen address. Never the request's Host header, which the client writes.
Result<std::vector<std::string>> console_origins(const HttpOptions& o, uint16_t port) {
  std::vector<std::string> out;
  std::string names = o.public_name;
  if (names.empty()) {
    auto [host, _] = split_host_port(o.listen);
    if (host.empty() || host == "0.0.0.0" || host == "::")
      return Error{"api.listen " + o.listen +
                   " 监听全部地址，须设置 api.public_name（--public-name）为浏览器访问的名称或地址:端口 / listens on every address: set "
                   "api.public_name (--public-name) to the name or address:port browsers use"};
    names = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
  for (auto part : split_view(names, ',')) {
    std::string name(trim(part));
    if (name.rfind("https://", 0) == 0) name = name.substr(8);
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ":443") == 0) name.resize(name.size() - 4);
    if (!name.empty()) out.push_back("https://" + name);
  }
  if (out.empty()) return Error{"api.public_name '" + o.public_name + "' names no host"};
  return out;
}

bool same_origin(const HttpServer::State& st, const Request& r);

// Who a request's headers name: an API token (Authorization: Bearer) or a session cookie
// (touched: a request keeps its session alive).
std::optional<Principal> authenticate(HttpServer::State& st, const std::string& auth_header, const std::string& session_id) {
  int64_t now = now_ns();
  if (auth_header.rfind("Bearer ", 0) == 0) return st.auth->token(auth_header.substr(7), now);
  if (!session_id.empty()) return st.auth->session(session_id, now);
  return std::nullopt;
}

// The body a route may receive from an authenticated caller.
size_t body_limit_for(const HttpServer::State& st, const std::string& method, const std::string& path) {
  for (const auto& rt : st.routes) {
    std::vector<std::string> params;
    if (rt.method == method && match_route(rt.pattern, path, params)) return rt.large_body ? st.opt.max_body : st.opt.max_body_small;
  }
  return st.opt.max_body_anonymous;
}

bool same_origin(const HttpServer::State& st, const Request& r) {
  // Browsers send Origin on every state-changing request; one that is not the console's is a
  // cross-site request whatever the cookie says. Scripts send none (and need a token or the
  // session's CSRF token anyway).
  if (r.origin.empty()) return true;
  return std::find(st.origins.begin(), st.origins.end(), r.origin) != st.origins.end();
}

// Authenticates, authorizes and runs one API request (on the pool). The rules, in order: an
// unknown path is 404, a known path with another method 405; a public route runs; otherwise a
// session cookie or a bearer token must name a principal (401); a session must have finished
// its login (403 with the stage) unless the route is part of the login; the role must hold the
// route's permission (403); a cookie-authenticated change must carry the session's CSRF token
// and come from our own origin (403).
Response dispatch(HttpServer::State& st, Request& r) {
  const Route* route = nullptr;
  bool path_known = false;
  for (const auto& rt : st.routes) {
    std::vector<std::string> params;
    if (!match_route(rt.pattern, r.path, params)) continue;
    path_known = true;
    if (rt.method != r.method) continue;
    route = &rt;
    r.params = std::move(params);
    break;
  }
  if (!route) {
    if (path_known) return {405, error_json("method " + r.method + " is not allowed on " + r.path)};
    return {404, error_json("no such endpoint: " + r.path)};
  }
  std::optional<Principal> who = r.pre_authed ? r.pre_who : authenticate(st, r.auth_header, r.session_id);
  if (who) {
    r.who = *who;
    r.authenticated = true;
  }
  bool changes = r.method != "GET" && r.method != "HEAD";
  if (changes && !same_origin(st, r)) return {403, error_json("cross-origin request refused (Origin: " + r.origin + ")")};
  if (route->perm == Perm::kPublic) return route->handler(r);
  if (!who) return {401, error_json("未登录或会话已过期 / not logged in, or the session expired")};
  if (who->stage != Stage::kActive && !route->session_any_stage)
    return {403, std::string("{\"error\":\"请先完成登录 / finish logging in first\",\"stage\":\"") + stage_name(who->stage) + "\"}"};
  if (route->session_any_stage && who->token) return {403, error_json("this route is for interactive sessions")};
  if (!route->session_any_stage && !who->may(route->perm))
    return {403, error_json(std::string("权限不足 / your role (") + role_name(who->role) + (who->token ? ", or this token's scopes," : "") +
                            ") lacks " + perm_name(route->perm))};
  if (changes && !who->token) {
    if (!const_time_equal(r.csrf_header, who->csrf)) return {403, error_json("CSRF token missing or wrong (send X-CSRF-Token)")};
  }
  return route->handler(r);
}

// ---- HTTPS sessions -------------------------------------------------------------------------

class HttpsConn : public std::enable_shared_from_this<HttpsConn> {
 public:
  HttpsConn(StatePtr st, tcp::socket s, std::string ip)
      : st_(std::move(st)), stream_(beast::tcp_stream(std::move(s)), *st_->tls), ip_(std::move(ip)) {}
  ~HttpsConn() {
    release_body();
    st_->give_conn(ip_);
  }

  void start() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    auto self = shared_from_this();
    stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void release_body() {
    if (reserved_) st_->body_bytes -= reserved_;
    reserved_ = 0;
  }

  bool read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) return send({413, error_json("request body larger than the limit for this request")}, false), true;
    if (ec == http::error::header_limit) return send({431, error_json("request headers larger than 16 KiB")}, false), true;
    if (ec == http::error::bad_target || ec == http::error::bad_method || ec == http::error::bad_field || ec == http::error::bad_value ||
        ec == http::error::bad_version || ec == http::error::bad_content_length || ec == http::error::bad_chunk ||
        ec == http::error::bad_transfer_encoding)
      return send({400, error_json("malformed HTTP request: " + ec.message())}, false), true;
    return bool(ec);
  }

  // Headers first (10 s), then the body with a limit that depends on who asks: a request with
  // no valid session or token may send only a login's worth; the route decides the rest.
  void read() {
    release_body();
    authed_ = false;
    who_.reset();
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    // Beast checks Content-Length against this while it reads the headers; the limit for
    // who asks is set (and checked) in read_body, before any of the body is read.
    parser_->body_limit(st_->opt.max_body);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    auto self = shared_from_this();
    http::async_read_header(stream_, buf_, *parser_, [self](beast::error_code ec, size_t) {
      if (self->read_error(ec)) return;
      self->read_body();
    });
  }

  void read_body() {
    const auto& req = parser_->get();
    std::string target(req.target());
    size_t limit = st_->opt.max_body_anonymous;
    if (target.rfind("/api/", 0) == 0) {
      std::string path = target.substr(0, target.find('?'));
      who_ = authenticate(*st_, std::string(req[http::field::authorization]),
                          cookie_value(std::string(req[http::field::cookie]), "wardsec_session"));
      authed_ = true;
      if (who_) limit = body_limit_for(*st_, std::string(req.method_string()), path);
    }
    auto len = parser_->content_length();
    if (len && *len > limit) return send({413, error_json("request body larger than the limit for this request")}, false);
    size_t want = len ? static_cast<size_t>(*len) : (parser_->chunked() ? limit : 0);
    if (want && !st_->reserve_body(want)) return send({503, error_json("服务器繁忙 / too many request bodies in flight; retry")}, false);
    reserved_ = want;
    parser_->body_limit(limit);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
    auto self = shared_from_this();
    http::async_read(stream_, buf_, *parser_, [self](beast::error_code ec, size_t) {
      if (self->read_error(ec)) return;
      self->handle(self->parser_->release());
    });
  }

  // While a handler runs, a client that closes its connection cancels it (a search stops).
  void watch_disconnect(const std::shared_ptr<std::atomic<bool>>& cancelled, const std::shared_ptr<std::atomic<bool>>& done) {
    auto& sock = beast::get_lowest_layer(stream_).socket();
    auto self = shared_from_this();
    sock.async_wait(tcp::socket::wait_read, [self, cancelled, done](beast::error_code ec) {
      if (ec || *done) return;
      char c;
      auto& s = beast::get_lowest_layer(self->stream_).socket();
      ssize_t n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) *cancelled = true;
    });
  }

  void send(Response r, bool keep_alive) {
    if (r.status >= 400) translate_error_body(r.body);  // every error in both languages
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    security_headers(*res);
    res->set(http::field::content_type, r.type);
    bool cached = false;
    for (auto& [k, v] : r.headers) {
      if (k == "Cache-Control") cached = true;
      res->set(k, v);
    }
    if (!cached) res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    auto self = shared_from_this();
    http::async_write(stream_, *res, [self, res, keep_alive](beast::error_code ec, size_t) {
      if (ec) return;
      if (!keep_alive) {
        self->stream_.async_shutdown([self](beast::error_code) {});
        return;
      }
      self->read();
    });
  }

  // The audit record of a socket opened here, written on the pool (it may wait for room in the
  // queue; the I/O thread never does).
  void audit_later(const std::shared_ptr<Request>& r, const std::string& user, const char* action, const Status& s,
                   const std::string& target) {
    asio::post(st_->pool, [st = st_, r, user, action, ok = s.ok(), target, detail = s ? std::string() : s.error()] {
      st->api->audit(*r, user, action, ok, target, detail);
    });
  }

  // The bastion's WebSockets: /api/v1/bastion/terminal?account=&cols=&rows= (bastion.use) and
  // /api/v1/bastion/live/{id}/watch (bastion.read). A browser always sends Origin on a
  // WebSocket: here it must be present and the console's own (no cross-site terminal).
  void bastion_socket(const std::shared_ptr<Request>& r, const http::request<http::string_body>& req) {
    auto who = st_->auth->session(r->session_id, now_ns());
    if (r->origin.empty() || !same_origin(*st_, *r)) return send({403, error_json("cross-origin WebSocket refused")}, false);
    if (!who) return send({401, error_json("not logged in")}, false);
    std::string watch_prefix = "/api/v1/bastion/live/";
    if (r->path == "/api/v1/bastion/terminal" && st_->opt.bastion_ssh) {
      if (who->stage != Stage::kActive || !who->may(Perm::kBastionUse))
        return send({403, error_json("your role lacks bastion.use")}, false);
      auto num = [&](const char* k, int64_t dflt) {
        auto it = r->query.find(k);
        if (it == r->query.end()) return dflt;
        try {
          return static_cast<int64_t>(std::stoll(it->second));
        } catch (...) {
          return int64_t{-1};
        }
      };
      int64_t account = num("account", -1);
      if (account <= 0) return send({400, error_json("account: a host account id is required")}, false);
      Status s = start_web_terminal(st_, std::move(stream_), *who, r->ip, req, account, static_cast<int>(num("cols", 80)),
                                    static_cast<int>(num("rows", 24)));
      return audit_later(r, who->user, "bastion_web_terminal", s, "account " + std::to_string(account));
    }
    if (r->path.rfind(watch_prefix, 0) == 0 && r->path.size() > watch_prefix.size() + 6 &&
        r->path.compare(r->path.size() - 6, 6, "/watch") == 0) {
      if (who->stage != Stage::kActive || !who->may(Perm::kBastionRead))
        return send({403, error_json("your role lacks bastion.read")}, false);
      std::string id = r->path.substr(watch_prefix.size(), r->path.size() - watch_prefix.size() - 6);
      Status s = start_watch(st_, std::move(stream_), *who, req, id);
      return audit_later(r, who->user, "bastion_session_watch", s, id);
    }
    send({404, error_json("no such WebSocket")}, false);
  }

  void handle(http::request<http::string_body> req) {
    bool ka = req.keep_alive();
    auto r = std::make_shared<Request>();
    r->method = std::string(req.method_string());
    r->target = std::string(req.target());
    r->path = r->target.substr(0, r->target.find('?'));
    r->query = parse_query_params(r->target);
    r->origin = std::string(req[http::field::origin]);
    r->host = std::string(req[http::field::host]);
    r->session_id = cookie_value(std::string(req[http::field::cookie]), "wardsec_session");
    r->accept_gzip = std::string(req[http::field::accept_encoding]).find("gzip") != std::string::npos;
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) r->ip = ep.address().to_string();

    if (r->path.rfind("/api/", 0) != 0) return send_static(*r, ka);

    if (r->path == "/api/v1/live" && websocket::is_upgrade(req)) {
      auto who = st_->auth->session(r->session_id, now_ns());
      if (!same_origin(*st_, *r)) return send({403, error_json("cross-origin WebSocket refused")}, false);
      if (!who) return send({401, error_json("not logged in")}, false);
      if (who->stage != Stage::kActive || !role_has(who->role, Perm::kDashboard))
        return send({403, error_json("your role lacks dashboard.read")}, false);
      start_live_socket(st_, std::move(stream_), r->session_id, std::move(req));
      return;
    }
    if (r->path.rfind("/api/v1/bastion/", 0) == 0 && websocket::is_upgrade(req) && st_->opt.bastion) return bastion_socket(r, req);
    r->csrf_header = std::string(req["X-CSRF-Token"]);
    r->auth_header = std::string(req[http::field::authorization]);
    r->pre_authed = authed_;
    r->pre_who = who_;
    r->body = std::move(req.body());
    auto self = shared_from_this();
    auto done = std::make_shared<std::atomic<bool>>(false);
    r->respond = [self, ka, done](Response res) {
      *done = true;
      asio::post(self->stream_.get_executor(), [self, ka, res = std::move(res)]() mutable { self->send(std::move(res), ka); });
    };
    if (r->path == "/api/v1/health" && r->method == "GET") return send({200, "{\"status\":\"ok\",\"version\":\"0.1.0\"}"}, ka);
    // Handlers read stores and hash passwords: never on the I/O thread that receives logs.
    bool login_step = r->path.rfind("/api/v1/auth/", 0) == 0 && r->path.rfind("/api/v1/auth/tokens", 0) != 0;
    if (!login_step) watch_disconnect(r->cancelled, done);
    asio::post(login_step ? st_->login_pool : st_->pool, [self, r] {
      Response res;
      try {
        res = dispatch(*self->st_, *r);
      } catch (const std::exception& e) {
        spdlog::error("api {} {}: {}", r->method, r->path, e.what());
        res = {500, error_json(std::string("internal error: ") + e.what())};
      }
      if (!res.deferred) r->respond(std::move(res));
    });
  }

  void send_static(const Request& r, bool ka) {
    if (r.method != "GET" && r.method != "HEAD") return send({405, error_json("use GET")}, ka);
    auto it = st_->files.find(r.path);
    bool found = it != st_->files.end();
    // The UI routes its own paths (history mode): any other page path gets index.html.
    if (!found) it = st_->files.find("/index.html");
    bool gz = false;
    if (it == st_->files.end())
      return send({503, "<!doctype html><meta charset=utf-8><title>wardsec</title><p>界面未构建 / The web UI is not built: run make build.",
                   "text/html; charset=utf-8"},
                  ka);
    gz = !it->second.gzip.empty() && r.accept_gzip;
    Response res{200, gz ? it->second.gzip : it->second.body, it->second.type};
    res.headers.push_back({"Vary", "Accept-Encoding"});
    if (gz) res.headers.push_back({"Content-Encoding", "gzip"});
    if (found && it->second.immutable) res.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
    send(std::move(res), ka);
  }

  StatePtr st_;
  TlsStream stream_;
  std::string ip_;
  size_t reserved_ = 0;
  bool authed_ = false;           // read_body authenticated this request's headers
  std::optional<Principal> who_;  // and found this principal
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// Plain HTTP: every request gets a permanent redirect to the same path over HTTPS.
class Redirect : public std::enable_shared_from_this<Redirect> {
 public:
  Redirect(StatePtr st, tcp::socket s) : st_(std::move(st)), stream_(std::move(s)) {}
  void start() {
    stream_.expires_after(std::chrono::seconds(10));
    auto self = shared_from_this();
    http::async_read(stream_, buf_, req_, [self](beast::error_code ec, size_t) {
      if (ec) return;
      auto res = std::make_shared<http::response<http::string_body>>(http::status::permanent_redirect, 11);
      res->set(http::field::server, "wardsec");
      // To the configured console name, never to whatever Host the client sent.
      res->set(http::field::location, self->st_->origins.front() + std::string(self->req_.target()));
      res->set(http::field::content_type, "text/plain");
      res->body() = "wardsec is served over HTTPS only\n";
      res->keep_alive(false);
      res->prepare_payload();
      http::async_write(self->stream_, *res, [self, res](beast::error_code, size_t) {
        beast::error_code ig;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ig);
      });
    });
  }

 private:
  StatePtr st_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::empty_body> req_;
};

template <class Conn>
void accept_loop(StatePtr st, tcp::acceptor* acc) {
  acc->async_accept([st, acc](beast::error_code ec, tcp::socket s) {
    if (st->stopping || ec == asio::error::operation_aborted) return;
    if (!ec) {
      if constexpr (std::is_same_v<Conn, HttpsConn>) {
        beast::error_code e2;
        auto ep = s.remote_endpoint(e2);
        std::string ip = e2 ? std::string("?") : ep.address().to_string();
        // Bounded: connections per address and in all; over it, the connection is closed at once.
        if (st->take_conn(ip))
          std::make_shared<HttpsConn>(st, std::move(s), ip)->start();
        else
          s.close(e2);
      } else {
        std::make_shared<Conn>(st, std::move(s))->start();
      }
    }
    accept_loop<Conn>(st, acc);
  });
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, ingest::Pipeline& pipeline, HttpOptions opt)
    : st_(std::make_shared<State>(io, pipeline, std::move(opt))) {}
HttpServer::~HttpServer() { stop(); }

const std::vector<std::pair<std::string, std::string>>& HttpServer::initial_accounts() const { return st_->initial; }
Auth* HttpServer::auth() { return st_->auth.get(); }

Status HttpServer::start() {
  auto& o = st_->opt;
  auto auth = Auth::open(DataDir(o.data_dir).accounts_db(), o.auth, o.key_dir);
  if (!auth) return Error{auth.error()};
  st_->auth = std::move(auth.value());
  auto made = st_->auth->bootstrap(o.key_dir + "/initial-passwords.txt", now_ns());
  if (!made) return Error{made.error()};
  st_->initial = *made;
  st_->api = std::make_unique<Api>(st_->pipeline, st_->opt, *st_->auth);
  st_->routes = build_routes(st_->api.get());
  load_files(*st_);

  std::string cert = o.tls_cert, key = o.tls_key;
  if (cert.empty() || key.empty()) {
    Status s = ingest::ensure_self_signed(o.key_dir, cert, key, "api");
    if (!s) return s;
  }
  st_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  st_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  // TLS 1.2 with forward-secret AEAD suites only (no CBC, no SHA-1 MACs); TLS 1.3's are all AEAD.
  SSL_CTX_set_cipher_list(st_->tls->native_handle(), "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL");
  boost::system::error_code ec;
  st_->tls->use_certificate_chain_file(cert, ec);
  if (ec) return Error{"https: cannot load certificate " + cert + ": " + ec.message()};
  st_->tls->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return Error{"https: cannot load key " + key + ": " + ec.message()};

  auto acc = ingest::open_acceptor(st_->io, o.listen, "https");
  if (!acc) return Error{acc.error()};
  st_->acc = std::move(acc.value());
  port_ = st_->acc->local_endpoint().port();
  auto origins = console_origins(o, port_);
  if (!origins) return Error{origins.error()};
  st_->origins = *origins;
  accept_loop<HttpsConn>(st_, st_->acc.get());
  if (!o.redirect_listen.empty()) {
    auto r = ingest::open_acceptor(st_->io, o.redirect_listen, "http redirect");
    if (!r) return Error{r.error()};
    st_->redirect_acc = std::move(r.value());
    redirect_port_ = st_->redirect_acc->local_endpoint().port();
    accept_loop<Redirect>(st_, st_->redirect_acc.get());
  }
  return {};
}

void HttpServer::record_start(const std::vector<std::pair<std::string, std::string>>& digests, const std::string& config_path) {
  Request r;
  r.method = "START";
  r.path = "wardsec";
  std::string all;
  for (const auto& [name, digest] : digests) {
    all += (all.empty() ? "" : " ") + name + "=sha256:" + digest;
    auto before = st_->auth->setting("digest." + name);
    if (before && *before != digest)
      st_->api->audit(r, "wardsec", name + "_changed", true, name == "config" ? (config_path.empty() ? "(defaults)" : config_path) : name,
                      "sha256 " + before->substr(0, 16) + "... -> " + digest.substr(0, 16) + "...");
    if (Status s = st_->auth->set_setting("digest." + name, digest); !s)
      spdlog::error("the {} digest was not saved (the next start cannot tell whether it changed): {}", name, s.error());
  }
  st_->api->audit(r, "wardsec", "start", true, config_path, all);
}

void HttpServer::stop() {
  st_->stopping = true;
  st_->pool.stop();
  st_->login_pool.stop();
  beast::error_code ec;
  if (st_->acc) st_->acc->close(ec);
  if (st_->redirect_acc) st_->redirect_acc->close(ec);
}

}  // namespace wardsec::server
