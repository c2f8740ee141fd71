// The HTTPS server's shared state and stream types, for http.cc and the live socket
// (live_socket.cc). Private to server/.
#pragma once
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/api.h"
#include "server/http.h"

namespace wardsec::server {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct StaticFile {
  std::string body, type;
  std::string gzip;        // the same, compressed once at start (empty when it does not pay)
  bool immutable = false;  // Vite's hashed asset names never change content
};

struct HttpServer::State {
  asio::io_context& io;
  ingest::Pipeline& pipeline;
  HttpOptions opt;
  std::unique_ptr<Auth> auth;
  std::unique_ptr<Api> api;
  std::vector<Route> routes;
  std::map<std::string, StaticFile> files;  // "/index.html" -> content
  std::vector<std::pair<std::string, std::string>> initial;
  std::unique_ptr<ssl::context> tls;
  std::unique_ptr<tcp::acceptor> acc, redirect_acc;
  // Handlers never run on the I/O thread: API work on `pool`, the login steps on `login_pool`
  // so that searches, however heavy, cannot keep anyone from logging in. Health answers on
  // the I/O thread itself.
  asio::thread_pool pool{2}, login_pool{1};
  std::atomic<bool> stopping{false};
  // Connections per address and in all, and request bodies held at once (bytes).
  std::mutex conn_mu;
  std::map<std::string, int> conns_per_ip;
  int conns = 0;
  std::atomic<uint64_t> refused_conns{0};
  std::atomic<size_t> body_bytes{0};
  std::vector<std::string> origins;  // console_origins()
  bool take_conn(const std::string& ip) {
    std::lock_guard<std::mutex> g(conn_mu);
    int& n = conns_per_ip[ip];
    if (conns >= opt.max_connections || n >= opt.max_connections_per_ip) {
      if (n == 0) conns_per_ip.erase(ip);
      refused_conns++;
      return false;
    }
    n++;
    conns++;
    return true;
  }
  void give_conn(const std::string& ip) {
    std::lock_guard<std::mutex> g(conn_mu);
    conns--;
    if (--conns_per_ip[ip] <= 0) conns_per_ip.erase(ip);
  }
  bool reserve_body(size_t n) {
    size_t cur = body_bytes.load();
    do {
      if (cur + n > opt.max_bodies_total) return false;
    } while (!body_bytes.compare_exchange_weak(cur, cur + n));
    return true;
  }
  State(asio::io_context& i, ingest::Pipeline& p, HttpOptions o) : io(i), pipeline(p), opt(std::move(o)) {}
};

using StatePtr = std::shared_ptr<HttpServer::State>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Takes over an upgraded connection: figures, new alerts and new events every second while
// the session lives (live_socket.cc).
void start_live_socket(StatePtr st, TlsStream&& stream, std::string sid, beast::http::request<beast::http::string_body> req);

// The bastion's sockets (terminal_socket.cc): the web terminal to host account `account`, and
// watching live session `id`. An error (not granted, full, no such session) is told to the
// browser in the socket's last frame and returned for the audit record.
Status start_web_terminal(const StatePtr& st, TlsStream&& stream, const Principal& who, const std::string& ip,
                          const beast::http::request<beast::http::string_body>& req, int64_t account, int cols, int rows);
Status start_watch(const StatePtr& st, TlsStream&& stream, const Principal& who, const beast::http::request<beast::http::string_body>& req,
                   const std::string& id);

}  // namespace wardsec::server
