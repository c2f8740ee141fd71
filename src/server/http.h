// HTTP API (Boost.Beast): search, ingest of JSON lines, health and metrics. Issue #5 adds
// HTTPS, accounts, roles and the web UI on top of this.
#pragma once
#include <utility>  // boost 1.74 asio uses std::exchange without including it
#include <boost/asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "ingest/pipeline.h"

namespace wardsec::alert {
class AlertStore;
}

namespace wardsec::server {

struct HttpOptions {
  std::string listen = "127.0.0.1:8480";
  std::string data_dir;
  size_t max_body = 16u << 20;
  int tz_sec = 8 * 3600;
  alert::AlertStore* alerts = nullptr;          // /api/v1/alerts when set
  std::function<std::string()> extra_metrics;   // more members for /api/v1/metrics ("\"k\":v,...")
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

std::map<std::string, std::string> parse_query_params(std::string_view target);

// The alert endpoints (alerts_api.cc): status and JSON body. `record` puts an event (a state
// change) into the store.
std::pair<int, std::string> handle_alerts(alert::AlertStore& store, const std::string& data_dir, const std::string& method,
                                          const std::string& target, const std::string& body, int tz_sec,
                                          const std::function<void(Event&&)>& record);

// The search endpoint's work, shared with tests: returns the HTTP status and JSON body.
std::pair<int, std::string> handle_search(const std::string& data_dir, const std::string& target, int tz_sec);

}  // namespace wardsec::server
