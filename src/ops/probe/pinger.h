// ICMP echo for all the probes through one socket: a ping socket (SOCK_DGRAM, allowed by
// net.ipv4.ping_group_range) when the system allows it, else a raw socket (CAP_NET_RAW).
// Answers are matched to their request by sequence number and source address. IPv4.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "ops/probe/checks.h"

namespace wardsec::ops::probe {

class Pinger {
 public:
  explicit Pinger(boost::asio::io_context& io);
  ~Pinger();
  // Sends an echo to `addr` (IPv4, network order) and calls `done` once: the answer or the timeout.
  void ping(uint32_t addr, int timeout_ms, Done done);
  std::string mode() const { return mode_; }
  void stop();

 private:
  struct Pending {
    uint32_t addr;
    std::chrono::steady_clock::time_point t0;
    std::shared_ptr<boost::asio::steady_timer> timer;
    Done done;
  };
  void receive();
  void finish(uint16_t seq, Outcome o);
  boost::asio::io_context& io_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> sock_;
  bool raw_ = false;
  std::string mode_;
  uint16_t id_ = 0, seq_ = 0;
  std::map<uint16_t, Pending> pending_;
};

}  // namespace wardsec::ops::probe
