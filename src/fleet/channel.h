// The agent channel (主机代理通道): HTTPS with mutual TLS on its own port. The server's
// certificate comes from the agents' CA (the agent pins the CA); a client certificate, when
// sent, must chain to that CA and carry clientAuth. Enrolment is the one request without one.
// Requests are small JSON POSTs handled on a pool of their own, answered when the service says
// (logs: once durable). Connections and bodies are bounded.
#pragma once
#include <utility>  // boost 1.74 asio uses std::exchange without including it
#include <boost/asio.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "fleet/service.h"

namespace wardsec::fleet {

struct ChannelOptions {
  std::string listen;              // "host:port"; "" off
  std::vector<std::string> names;  // the names agents reach the center by (the certificate's)
  std::string key_dir;             // where the channel's certificate is kept
  size_t max_body = 8u << 20;
  int max_connections = 4096;
};

class Channel {
 public:
  Channel(boost::asio::io_context& io, Service& svc, ChannelOptions opt);
  ~Channel();
  Status start();
  void stop();
  uint16_t port() const;
  uint64_t refused_connections() const;

  struct State;

 private:
  std::shared_ptr<State> st_;
};

}  // namespace wardsec::fleet
