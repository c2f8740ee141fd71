// HTTP API (Boost.Beast): search, ingest of JSON lines, health and metrics. Issue #5 adds
// HTTPS, accounts, roles and the web UI on top of this.
#pragma once
#include <utility>  // boost 1.74 asio uses std::exchange without including it
#include <boost/asio.hpp>
#include <memory>
#include <string>

#include "core/result.h"
#include "ingest/pipeline.h"

namespace wardsec::server {

struct HttpOptions {
  std::string listen = "127.0.0.1:8480";
  std::string data_dir;
  size_t max_body = 16u << 20;
  int tz_sec = 8 * 3600;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, ingest::Pipeline& pipeline, HttpOptions opt);
  ~HttpServer();
  Status start();
  void stop();
  uint16_t port() const { return port_; }
  struct State;

 private:
  std::shared_ptr<State> st_;
  uint16_t port_ = 0;
};

// The search endpoint's work, shared with tests: returns the HTTP status and JSON body.
std::pair<int, std::string> handle_search(const std::string& data_dir, const std::string& target, int tz_sec);

}  // namespace wardsec::server
