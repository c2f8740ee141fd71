// Network inputs: syslog over UDP, TCP and TLS (RFC 5425), and RELP (rsyslog's omrelp).
// All run on one Boost.Asio io_context. TCP-based inputs apply back-pressure (they stop
// reading) when the pipeline queue is full; UDP cannot, so it drops and counts.
#pragma once
#include <utility>  // boost 1.74 asio uses std::exchange without including it
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "ingest/pipeline.h"

namespace wardsec::ingest {

struct InputOptions {
  std::string udp;  // "host:port"; empty disables
  std::string tcp;
  std::string tls;
  std::string relp;
  std::string tls_cert, tls_key;  // PEM files; generated (self-signed) in key_dir if empty
  std::string key_dir;
  size_t max_connections = 2000;
};

// Parses "host:port" / "[v6]:port" / ":port".
Result<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& s);
// Opens, binds and listens; the error names `what` and the address.
Result<std::unique_ptr<boost::asio::ip::tcp::acceptor>> open_acceptor(boost::asio::io_context& io, const std::string& where,
                                                                      const char* what);
// Creates key_dir/tls.crt and key_dir/tls.key (self-signed, EC P-256) if they do not exist.
// `setting` is the configuration section whose tls_cert/tls_key would replace it ("api",
// "inputs"): the log line names it.
Status ensure_self_signed(const std::string& key_dir, std::string& cert, std::string& key, const char* setting);

class Inputs {
 public:
  Inputs(boost::asio::io_context& io, Pipeline& pipeline, InputOptions opt);
  ~Inputs();
  Status start();
  void stop();
  // Bound ports (useful with port 0), 0 if the input is off.
  uint16_t udp_port() const { return udp_port_; }
  uint16_t tcp_port() const { return tcp_port_; }
  uint16_t tls_port() const { return tls_port_; }
  uint16_t relp_port() const { return relp_port_; }
  uint64_t connections() const;
  // "framing_errors":N,"relp_protocol_errors":N,"framing_errors_by_source":{"10.0.0.5":3,...}
  std::string metrics_json() const;

  struct State;

 private:
  std::shared_ptr<State> st_;
  uint16_t udp_port_ = 0, tcp_port_ = 0, tls_port_ = 0, relp_port_ = 0;
};

}  // namespace wardsec::ingest
