// The discovery scans the center runs (资产发现): the daily one at the configured time and one
// asked for in the console, never two at once, each taken in like an imported report (the
// store, priorities, evidence) and handed to `on_taken` (the center raises the alerts). Its
// state (running, the last scan and its result or error) is what the console shows.
#pragma once
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "vuln/discovery.h"
#include "vuln/service.h"

namespace wardsec::vuln {

class Discoverer {
 public:
  Discoverer(DiscoveryConfig c, std::string data_dir, Options o, std::function<void(const Taken&)> on_taken);
  ~Discoverer();
  // Starts a scan of `targets` (empty: every configured network) unless one is running.
  Status start(const std::vector<std::string>& targets, const std::string& by);
  // The schedule: starts the day's scan once the configured time of day has passed.
  void tick(int64_t now);
  nlohmann::json state() const;
  const DiscoveryConfig& config() const { return cfg_; }
  int unseen_days() const { return opt_.unseen_days; }
  // Waits for a running scan (tests, the command line).
  void wait();

 private:
  void run(std::vector<std::string> targets, std::string by);
  DiscoveryConfig cfg_;
  std::string data_dir_;
  Options opt_;
  std::function<void(const Taken&)> on_taken_;
  mutable std::mutex mu_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, running_{false};
  std::string last_day_;  // the day the scheduled scan last started
  nlohmann::json last_ = nullptr;
};

}  // namespace wardsec::vuln
