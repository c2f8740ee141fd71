// The source monitor: the health of every log source (source_health.h) judged once a minute,
// an alert when a source goes silent or abnormal (closed by the center when it recovers), an
// alert for an inventory asset that never sent a line, and the state kept in
// <data>/ops/sources.json (DataDir::ops_sources) — which the console's 日志源 page reads and a restart loads.
#pragma once
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "alert/center_health.h"
#include "ops/netdevices.h"
#include "ops/source_health.h"

namespace wardsec::alert {
class AlertStore;
class Outputs;
struct Alert;
}  // namespace wardsec::alert

namespace wardsec::compliance {
struct Asset;
}

namespace wardsec::ops {

struct MonitorOptions {
  HealthOptions health;
  int evaluate_seconds = 60;
};

class SourceMonitor {
 public:
  // alerts/outputs may be null (no detection): states are still kept and shown.
  SourceMonitor(std::string data_dir, MonitorOptions o, alert::AlertStore* alerts, alert::Outputs* outputs);
  ~SourceMonitor();
  const std::shared_ptr<SourceHealth>& health() const { return health_; }
  // The devices the network's own lines reveal (DHCP leases, ARP and MAC records).
  const std::shared_ptr<NetDevices>& netdevices() const { return netdevices_; }
  void start();
  void stop();
  // One round at `now`: states judged, alerts raised and closed, assets checked, state saved.
  void tick(int64_t now);

 private:
  static constexpr size_t kMaxEach = 10;  // more sources turning at once: one alert for them all
  void raise(const Transition& t, int64_t now);
  void raise_many(const std::vector<Transition>& changes, size_t bad, int64_t now);
  void check_assets(int64_t now);
  void check_new_sources(const std::vector<compliance::Asset>& assets, int64_t after, int64_t now);
  void check_netdevices(const std::vector<compliance::Asset>& assets, int64_t after, int64_t now);
  void save(int64_t now);
  std::string data_dir_;
  MonitorOptions opt_;
  alert::AlertStore* alerts_;
  alert::Outputs* outputs_;
  std::shared_ptr<SourceHealth> health_;
  std::shared_ptr<NetDevices> netdevices_ = std::make_shared<NetDevices>();
  std::set<std::string> reported_assets_;  // alerted once as never sending (kept in the state file)
  std::set<std::string> reported_new_;     // new unregistered sources alerted once (kept too)
  alert::Periodic periodic_;               // last: its thread ends before the state it uses
};

}  // namespace wardsec::ops
