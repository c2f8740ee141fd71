// The composition root: one place that builds the center from its configuration — the store,
// the pipeline with its decoder and enrichment stages, detection with the alert store and the
// outputs, the center's health watches, the network inputs, the database capture and the
// console — and starts and stops them in order. Every command (serve, demo, import, rules
// test, dbaudit) and the tests build what they need here instead of wiring it themselves.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "center/config.h"
#include "core/result.h"
#include "dbaudit/policy.h"
#include "emergency/service.h"
#include "enrich/places.h"
#include "enrich/stage.h"

namespace wardsec::ops {
class SourceHealth;
}
namespace wardsec::store {
class StoreWriter;
}
namespace wardsec::ingest {
class Pipeline;
class Inputs;
}  // namespace wardsec::ingest
namespace wardsec::alert {
class AlertStore;
class Detector;
class Outputs;
}  // namespace wardsec::alert
namespace wardsec::server {
class HttpServer;
}
namespace wardsec::bastion {
class Service;
class SshServer;
}  // namespace wardsec::bastion
namespace wardsec::fleet {
class Service;
class Channel;
}  // namespace wardsec::fleet
namespace wardsec::center {

// Zones (configuration, then the inventory in <data>/compliance.db) and the inventory's assets.
std::shared_ptr<const enrich::Places> load_places(const Config& cfg);

// The 防统方 policy the configuration names (dbaudit.policy); `override_path` wins when set.
Result<dbaudit::Policy> load_dbaudit_policy(const Config& cfg, const std::string& override_path = {});

// The enrichment stages, in the order they run. Adding one is one line here.
Result<std::unique_ptr<enrich::Chain>> build_stages(const Config& cfg, std::shared_ptr<const enrich::Places> places);

// What a command builds.
struct Parts {
  bool detection = false;  // the alert store, the outputs and the detector (serve)
  bool network = false;    // the syslog/RELP inputs and the console (serve)
  bool health = false;     // the disk forecast and the store scrub (serve)
  bool capture = false;    // the database capture input, when the configuration names one
};

class Center {
 public:
  // Opens the store and builds the parts; nothing runs until start(). Errors name what failed.
  static Result<std::unique_ptr<Center>> open(Config cfg, Parts parts);
  ~Center();
  Center(const Center&) = delete;
  Center& operator=(const Center&) = delete;

  // Starts the pipeline, detection (with the catch-up of what was stored but not examined),
  // the outputs, the health watches, the inputs and the console.
  Status start();
  // A thread that feeds the pipeline until the center stops (the demo generator). Call after
  // start().
  void add_feeder(std::function<void(ingest::Pipeline&, const std::atomic<bool>& stop)> feed);
  // Serves until SIGINT or SIGTERM (network parts), then stops.
  void run();
  // Drains the queues, saves detection's place and stops everything, in order. Idempotent.
  void stop();

  const Config& config() const { return cfg_; }
  const std::atomic<bool>& stopping() const { return stop_; }
  ingest::Pipeline& pipeline() { return *pipeline_; }
  store::StoreWriter& store() { return *writer_; }
  alert::Detector* detector() { return detector_.get(); }
  ingest::Inputs* inputs() { return inputs_.get(); }
  server::HttpServer* http() { return http_.get(); }
  bastion::Service* bastion() { return bastion_.get(); }
  bastion::SshServer* bastion_ssh() { return ssh_.get(); }
  incident::Service* incidents() { return incident_.get(); }
  fleet::Channel* agent_channel() { return channel_.get(); }
  fleet::Service* fleet() { return fleet_.get(); }
  // The health of the log sources (运行监控); null when the center runs without health watches.
  std::shared_ptr<ops::SourceHealth> source_health() const;
  const std::vector<std::string_view> stage_names() const { return stages_->names(); }

 private:
  Center() = default;
  Status open_detection();
  void raise_recovery_alerts();
  std::string metrics_json() const;

  Config cfg_;
  Parts parts_;
  std::atomic<bool> stop_{false};
  bool started_ = false, stopped_ = false;
  std::unique_ptr<store::StoreWriter> writer_;
  std::shared_ptr<const enrich::Places> places_;
  std::shared_ptr<enrich::Chain> stages_;
  std::unique_ptr<ingest::Pipeline> pipeline_;
  std::unique_ptr<alert::AlertStore> alerts_;
  std::unique_ptr<alert::Outputs> outputs_;
  std::unique_ptr<alert::Detector> detector_, backlog_detector_;
  struct Backlog;
  std::unique_ptr<Backlog> backlog_;
  struct Health;
  std::unique_ptr<Health> health_;
  struct Net;
  std::unique_ptr<Net> net_;
  std::unique_ptr<ingest::Inputs> inputs_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<bastion::Service> bastion_;
  std::unique_ptr<bastion::SshServer> ssh_;
  std::unique_ptr<incident::Service> incident_;
  std::unique_ptr<emergency::Service> emergency_;  // plans and drills (no thread of its own)
  Status open_bastion();
  Status open_incident();  // incident.cc
  // The host agents (fleet.cc): their record and service, the channel when agents.listen is set.
  Status open_fleet();
  std::unique_ptr<fleet::Service> fleet_;
  std::unique_ptr<fleet::Channel> channel_;
  // Hands the center's own records (the bastion's facts, incident response's actions) to the
  // store, signed by the instance key (fields <ns>.signature, <ns>.key), waiting for room in
  // the queue rather than dropped.
  std::function<void(Event&&)> signed_emitter(const std::string& ns);
  std::vector<std::thread> feeders_;
};

// The database capture input (dbaudit.interface or dbaudit.pcap): statements, decoded and
// analysed once, as events into the pipeline until `stop`. Not joinable when none is
// configured. (capture.cc)
std::thread start_dbaudit_capture(const Config& cfg, const dbaudit::Policy& policy, ingest::Pipeline& pipeline,
                                  const std::atomic<bool>& stop);

}  // namespace wardsec::center
