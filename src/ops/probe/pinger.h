// ICMP echo for all the probes through one socket per family: a ping socket (SOCK_DGRAM, allowed
// by net.ipv4.ping_group_range, which covers ICMPv6 too) when the system allows it, else a raw
// socket (CAP_NET_RAW). Answers are matched to their request by sequence number and source
// address. IPv4 and IPv6.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
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
  // Sends an echo to `addr` and calls `done` once: the answer or the timeout.
  void ping(const boost::asio::ip::address& addr, int timeout_ms, Done done);
  std::string mode() const { return v4_.mode + (v6_.sock ? "" : "; IPv6 " + v6_.mode); }
  void stop();

 private:
  struct Pending {
    boost::asio::ip::address addr;
    std::chrono::steady_clock::time_point t0;
    std::shared_ptr<boost::asio::steady_timer> timer;
    Done done;
  };
  struct Family {
    std::unique_ptr<boost::asio::posix::stream_descriptor> sock;
    bool raw = false, v6 = false;
    std::string mode;
  };
  void open(Family& f, bool v6);
  void receive(Family& f);
  void finish(uint16_t seq, Outcome o);
  boost::asio::io_context& io_;
  Family v4_, v6_;
  uint16_t id_ = 0, seq_ = 0;
  std::map<uint16_t, Pending> pending_;
};

}  // namespace wardsec::ops::probe
