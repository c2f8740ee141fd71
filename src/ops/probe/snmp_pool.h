// SNMP (v2c and v3) through net-snmp's single-session API, on a few threads of its own: a
// request waits on its own session, so the io_context never does. The queue is bounded: a
// run that finds it full fails at once, and is counted (dropped()).
#pragma once
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "ops/probe/checks.h"

namespace wardsec::ops::probe {

class SnmpPool {
 public:
  SnmpPool(boost::asio::io_context& io, int threads);
  ~SnmpPool();
  // Queues a run; `done` is posted to the io_context.
  void submit(const Spec& s, Done done);
  void stop();
  uint64_t dropped() const { return dropped_; }

 private:
  static constexpr size_t kQueue = 4096;
  void work();
  boost::asio::io_context& io_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Spec, Done>> q_;
  bool stop_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::vector<std::thread> threads_;
};

// One SNMP GET run, synchronous (the pool's threads call it): sysUpTime, sysName and, for each
// interface asked, its name, status and 64-bit octet counters.
Outcome snmp_get(const Spec& s);

}  // namespace wardsec::ops::probe
