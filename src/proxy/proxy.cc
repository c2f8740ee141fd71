#include "proxy/proxy.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::atomic<bool> g_stop{false};

bool split_hostport(const std::string& s, std::string& host, std::string& port) {
  size_t c = s.rfind(':');
  if (c == std::string::npos || c == 0 || c + 1 >= s.size()) return false;
  host = s.substr(0, c);
  port = s.substr(c + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return true;
}

// Where findings go: a JSON-lines file and/or a syslog receiver over UDP.
class Reporter {
 public:
  Reporter(const Options& o, asio::io_context& io) : sock_(io) {
    host_ = asio::ip::host_name();
    if (!o.log_file.empty()) {
      file_.open(o.log_file, std::ios::app);
      if (!file_) std::fprintf(stderr, "wardsec proxy: cannot open the log file %s\n", o.log_file.c_str());
    }
    std::string h, p;
    if (!o.syslog.empty() && split_hostport(o.syslog, h, p)) {
      boost::system::error_code ec;
      auto res = asio::ip::udp::resolver(io).resolve(h, p, ec);
      if (!ec && res.begin() != res.end()) {
        dest_ = *res.begin();
        sock_.open(dest_.protocol(), ec);
        have_dest_ = !ec;
      }
      if (!have_dest_) std::fprintf(stderr, "wardsec proxy: cannot reach the syslog receiver %s\n", o.syslog.c_str());
    }
  }
  void report(const std::string& line) {
    std::lock_guard lk(mu_);
    if (file_) {
      file_ << line << '\n';
      file_.flush();
    }
    if (have_dest_) {
      // RFC 3164 framing, facility local7 (23), severity warning (4): <188>
      // RFC 5424, facility local7 (23), severity warning (4); the JSON line is the message.
      std::string msg = "<188>1 " + format_rfc3339(now_ns()) + " " + host_ + " wardsec-proxy - - - " + line;
      boost::system::error_code ec;
      sock_.send_to(asio::buffer(msg.data(), std::min<size_t>(msg.size(), 60000)), dest_, 0, ec);
    }
  }

 private:
  std::mutex mu_;
  std::ofstream file_;
  asio::ip::udp::socket sock_;
  asio::ip::udp::endpoint dest_;
  bool have_dest_ = false;
  std::string host_;
};

bool block_for(const Options& o, std::string_view path) {
  size_t best = 0;
  bool block = o.block;
  for (const auto& r : o.routes)
    if (starts_with(path, r.path_prefix) && r.path_prefix.size() >= best) {
      best = r.path_prefix.size();
      block = r.block;
    }
  return block;
}

std::string log_line(const web::Request& r, const web::Verdict& v, int status, const std::string& action, const std::string& client) {
  nlohmann::json j;
  j["time"] = format_rfc3339(now_ns());
  j["client"] = client;
  j["method"] = r.method;
  j["uri"] = r.target;
  j["protocol"] = "HTTP/" + r.version;
  j["status"] = status;
  auto hdr = [&](const char* name, const char* key) {
    if (const std::string* h = r.header(name)) j[key] = *h;
  };
  hdr("Host", "host");
  hdr("User-Agent", "user_agent");
  hdr("Referer", "referer");
  hdr("Cookie", "cookie");
  hdr("Content-Type", "content_type");
  hdr("Origin", "origin");
  hdr("X-Forwarded-For", "x_forwarded_for");
  if (!r.body.empty()) j["body"] = r.body.substr(0, 64 << 10);
  j["wardsec_action"] = action;  // forwarded, blocked, refused
  j["wardsec_verdict"] = v.verdict;
  std::string classes;
  for (const auto& c : v.classes) classes += (classes.empty() ? "" : ",") + c;
  if (!classes.empty()) j["wardsec_classes"] = classes;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

template <class Body>
web::Request to_request(const http::request<Body>& m, const std::string& client) {
  web::Request r;
  r.method = std::string(m.method_string());
  r.target = std::string(m.target());
  r.version = std::to_string(m.version() / 10) + "." + std::to_string(m.version() % 10);
  for (const auto& f : m) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  r.body = m.body();
  r.source_ip = client;
  return r;
}

http::response<http::string_body> page(int status, unsigned version, bool keep_alive, const std::string& incident) {
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::server, "wardsec-proxy");
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  std::string title = status == 403   ? "请求已被拦截 / Request blocked"
                      : status == 400 ? "请求格式错误 / Bad request"
                      : status == 413 ? "请求过大 / Request too large"
                      : status == 503 ? "服务繁忙 / Busy"
                                      : "上游服务不可用 / Upstream unavailable";
  res.body() = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>" + title +
               "</title><body style=\"font-family:sans-serif;margin:3em\"><h1>" + title +
               "</h1><p>如您认为这是误判，请将事件编号告知医院信息科。If you think this is a mistake, tell the hospital's IT department "
               "this incident number.</p><p><code>" +
               incident + "</code></p></body></html>";
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

void session(tcp::socket client_sock, const Options& opt, const web::Inspector& insp, Reporter& rep, Stats& st,
             std::atomic<size_t>& active) {
  struct Release {
    std::atomic<size_t>& a;
    ~Release() { a--; }
  } release{active};
  beast::tcp_stream client(std::move(client_sock));
  std::string client_ip;
  boost::system::error_code ec;
  auto ep = client.socket().remote_endpoint(ec);
  if (!ec) client_ip = ep.address().to_string();
  std::string uh, up;
  split_hostport(opt.upstream, uh, up);
  asio::io_context uio;
  beast::tcp_stream upstream(uio);
  bool connected = false;
  beast::flat_buffer cbuf, ubuf;
  for (;;) {
    if (g_stop) return;
    client.expires_after(std::chrono::seconds(opt.timeout_sec));
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 << 10);
    parser.body_limit(opt.max_body);
    http::read(client, cbuf, parser, ec);
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout || ec == asio::error::connection_reset)
      return;
    char incident_buf[24];
    std::snprintf(incident_buf, sizeof incident_buf, "WP-%llx", static_cast<unsigned long long>(now_ns()));
    std::string incident = incident_buf;
    if (ec) {
      // Malformed or oversized: answered and reported, never silently dropped.
      st.requests++;
      st.malformed++;
      bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
      web::Request r;
      r.method = std::string(parser.get().method_string());
      r.target = std::string(parser.get().target());
      r.malformed = true;
      r.malformed_reason = ec.message();
      web::Verdict v;
      v.verdict = "malformed";
      v.malformed_reason = ec.message();
      rep.report(log_line(r, v, too_big ? 413 : 400, "refused", client_ip));
      auto res = page(too_big ? 413 : 400, 11, false, incident);
      http::write(client, res, ec);
      return;
    }
    auto& req = parser.get();
    st.requests++;
    web::Request wr = to_request(req, client_ip);
    web::Verdict v = insp.inspect(wr);
    bool attack = v.verdict == "attack";
    if (attack) st.attacks++;
    if (attack && block_for(opt, wr.path())) {
      st.blocked++;
      rep.report(log_line(wr, v, 403, "blocked", client_ip));
      auto res = page(403, req.version(), req.keep_alive(), incident);
      http::write(client, res, ec);
      if (ec || !req.keep_alive()) return;
      continue;
    }
    // Forward: X-Forwarded-For carries the client; the Host header is kept.
    if (const auto xff = req["X-Forwarded-For"]; !xff.empty())
      req.set("X-Forwarded-For", std::string(xff) + ", " + client_ip);
    else
      req.set("X-Forwarded-For", client_ip);
    req.set("X-Forwarded-Proto", "http");
    bool keep = req.keep_alive();
    req.keep_alive(true);
    int status = 502;
    bool answered = false;
    boost::system::error_code uec;  // the upstream's errors; `ec` stays the client's
    for (int attempt = 0; attempt < 2 && !answered; attempt++) {
      if (!connected) {
        tcp::resolver res(uio);
        auto eps = res.resolve(uh, up, uec);
        if (!uec) upstream.connect(eps, uec);
        connected = !uec;
        if (!connected) break;
      }
      upstream.expires_after(std::chrono::seconds(opt.timeout_sec));
      http::write(upstream, req, uec);
      if (uec) {
        connected = false;  // a kept-alive upstream connection the server closed: one retry
        upstream.socket().close(uec);
        continue;
      }
      http::response_parser<http::string_body> rp;
      rp.body_limit(opt.max_response);
      if (req.method() == http::verb::head) rp.skip(true);
      http::read(upstream, ubuf, rp, uec);
      if (uec) {
        connected = false;
        bool got_some = rp.got_some();
        upstream.socket().close(uec);
        ubuf.consume(ubuf.size());
        // Retry only a kept-alive connection the server had closed before answering anything:
        // a request it may have acted on is not sent twice.
        if (got_some) break;
        continue;
      }
      auto res = rp.release();
      status = res.result_int();
      if (!res.keep_alive()) {
        connected = false;
        upstream.socket().close(uec);
      }
      res.keep_alive(keep);
      http::write(client, res, ec);
      answered = true;
    }
    if (!answered) {
      st.upstream_errors++;
      status = 502;
      auto res = page(502, req.version(), false, incident);
      http::write(client, res, ec);
      keep = false;
    }
    if (attack) rep.report(log_line(wr, v, status, "forwarded", client_ip));
    if (ec || !keep) return;
  }
}

}  // namespace

int run(const Options& opt) {
  std::string lh, lp, uh, up;
  if (!split_hostport(opt.listen, lh, lp)) {
    std::fprintf(stderr, "wardsec proxy: --listen '%s' is not host:port\n", opt.listen.c_str());
    return 2;
  }
  if (!split_hostport(opt.upstream, uh, up)) {
    std::fprintf(stderr, "wardsec proxy: --upstream '%s' is not host:port\n", opt.upstream.c_str());
    return 2;
  }
  asio::io_context io;
  boost::system::error_code ec;
  tcp::resolver res(io);
  auto eps = res.resolve(lh, lp, ec);
  if (ec || eps.begin() == eps.end()) {
    std::fprintf(stderr, "wardsec proxy: cannot resolve %s: %s\n", opt.listen.c_str(), ec.message().c_str());
    return 1;
  }
  tcp::acceptor acc(io);
  tcp::endpoint ep = *eps.begin();
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "wardsec proxy: cannot listen on %s: %s\n", opt.listen.c_str(), ec.message().c_str());
    return 1;
  }
  // Sessions run on their own threads and may outlive this function by their timeout at
  // stop; what they share lives as long as the last of them.
  struct Shared {
    asio::io_context io;  // the reporter's socket
    Options opt;
    web::Inspector insp;
    Reporter rep;
    Stats st;
    std::atomic<size_t> active{0};
    explicit Shared(const Options& o) : opt(o), insp(o.policy), rep(o, io) {}
  };
  auto sh = std::make_shared<Shared>(opt);
  auto& st = sh->st;
  auto& active = sh->active;
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGPIPE, SIG_IGN);
  std::fprintf(stderr, "wardsec proxy: listening on %s, upstream %s, default mode %s\n", opt.listen.c_str(), opt.upstream.c_str(),
               opt.block ? "block" : "detect");
  // Accept with a short poll so a signal stops the loop.
  acc.non_blocking(true, ec);
  while (!g_stop) {
    tcp::socket s(io);
    acc.accept(s, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (ec) continue;
    s.non_blocking(false, ec);
    if (active.load() >= opt.max_connections) {
      // Overload is visible: counted, answered, and the connection closed.
      st.refused_busy++;
      beast::tcp_stream cs(std::move(s));
      auto r = page(503, 11, false, "busy");
      http::write(cs, r, ec);
      continue;
    }
    active++;
    std::thread([sh, sock = std::move(s)]() mutable { session(std::move(sock), sh->opt, sh->insp, sh->rep, sh->st, sh->active); }).detach();
  }
  // Let sessions notice the stop (they time out at most opt.timeout_sec later).
  for (int i = 0; i < 50 && active.load() > 0; i++) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::fprintf(stderr,
               "wardsec proxy: %llu requests, %llu attacks, %llu blocked, %llu malformed, %llu upstream errors, %llu refused busy\n",
               static_cast<unsigned long long>(st.requests.load()), static_cast<unsigned long long>(st.attacks.load()),
               static_cast<unsigned long long>(st.blocked.load()), static_cast<unsigned long long>(st.malformed.load()),
               static_cast<unsigned long long>(st.upstream_errors.load()), static_cast<unsigned long long>(st.refused_busy.load()));
  return 0;
}

}  // namespace wardsec::proxy
