// Probes of the clinical systems (运行监控 · 可用性): the prober runs the probes of
// <data>/ops/probes.json (picked up within seconds of a change); each result becomes an event
// of the store (event.dataset wardsec.probe, a name no input may write: parse/guard.cc) with its
// response time, handed over in batches; an outage, a slowdown or a certificate near expiry opens an alert that the
// recovery closes; availability goes to <data>/ops/availability.db and the live state to
// <data>/ops/probe_state.json, which the console's 运行状态 page reads.
#pragma once
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/event.h"
#include "ops/netdevices.h"
#include "ops/probe/prober.h"
#include "ops/probe/tracker.h"

namespace wardsec::alert {
class AlertStore;
class Outputs;
}  // namespace wardsec::alert

namespace wardsec::ops {

class ProbeMonitor {
 public:
  using Emit = std::function<void(std::vector<Event>&&)>;
  // `tz_sec`: the zone the alerts' texts give times in; `key_dir`: where probes.key (the SNMP
  // secrets' seal) is.
  static Result<std::unique_ptr<ProbeMonitor>> open(const std::string& data_dir, alert::AlertStore* alerts, alert::Outputs* outputs,
                                                    Emit emit, int tz_sec, const std::string& key_dir, int snmp_threads = 4);
  ~ProbeMonitor();
  // Where the SNMP probes' LLDP/CDP neighbours go (before start).
  void set_netdevices(std::shared_ptr<NetDevices> d) { netdevices_ = std::move(d); }
  void start();
  void stop();

 private:
  ProbeMonitor(std::string data_dir, alert::AlertStore* alerts, alert::Outputs* outputs, Emit emit);
  void result(const probe::Spec& s, const probe::Outcome& o, int64_t ts);
  void change(probe::Change& c, int64_t now);
  void reload();
  void save();
  void tick();
  void flush_events();
  std::string data_dir_;
  alert::AlertStore* alerts_;
  alert::Outputs* outputs_;
  Emit emit_;
  std::unique_ptr<probe::AvailabilityDb> db_;
  std::unique_ptr<probe::Tracker> tracker_;  // the prober's thread only
  std::unique_ptr<probe::Prober> prober_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::filesystem::file_time_type seen_{};
  int ticks_ = 0;
  int tz_ = 8 * 3600;
  std::string key_dir_;
  std::shared_ptr<NetDevices> netdevices_;
  std::vector<Event> events_;  // results not yet handed to the store (at most kBatch)
  static constexpr size_t kBatch = 512;
};

// One result as an event of the store.
Event probe_event(const probe::Spec& s, const probe::Outcome& o, int64_t ts);

}  // namespace wardsec::ops
