// The prober (运行监控): runs every enabled probe at its interval on one thread of its own —
// each on a fixed cadence (start + k × interval, so a slow answer never pushes the next run),
// first runs spread over the interval — and hands each result to `on_result` on that thread.
// How late runs start (the timing jitter) is measured.
#pragma once
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <thread>
#include <vector>

#include "ops/probe/checks.h"

namespace wardsec::ops::probe {

class Prober {
 public:
  using OnResult = std::function<void(const Spec&, const Outcome&, int64_t started_ns)>;
  Prober(OnResult on_result, int snmp_threads = 4);
  ~Prober();
  // Replaces the probes (any thread): a probe that stays unchanged keeps its cadence.
  void set(std::vector<Spec> specs);
  void start();
  void stop();
  boost::asio::io_context& io() { return io_; }
  // {"runs", "late_ms": {p50, p99, max} over the last 10,000 runs, "icmp", "snmp_dropped", "in_flight"}.
  nlohmann::json stats() const;

 private:
  struct Slot;
  void apply(const std::vector<Spec>& specs);
  void schedule(const std::shared_ptr<Slot>& slot);
  void fire(const std::shared_ptr<Slot>& slot);
  boost::asio::io_context io_{1};
  std::unique_ptr<Checks> checks_;
  OnResult on_result_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;  // io thread only
  std::thread thread_;
  mutable std::mutex stats_mu_;
  std::vector<double> late_;  // ring of the last runs' lateness (ms)
  size_t late_pos_ = 0;
  uint64_t runs_ = 0;
  int64_t in_flight_ = 0;
};

}  // namespace wardsec::ops::probe
