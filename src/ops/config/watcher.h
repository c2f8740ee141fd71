// The configuration record's job (运行监控: 及时记录网络设备的配置变更): it fetches each device's
// running configuration on its schedule, soon after the device logs a change (a minute of quiet
// after the last change line, so a session of commands is one version), or when asked; keeps a
// version when the text changed; names who changed it (the device's log lines, the bastion
// sessions on it at the time); checks the change against the change tickets and the weekly
// change windows; records each change in the tamper-evident store (event.dataset wardsec.config,
// signed) and raises an alert for an unplanned change or a fetch that keeps failing.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "enrich/stage.h"
#include "bastion/ssh_login.h"
#include "ops/config/store.h"

namespace wardsec::alert {
class AlertStore;
class Outputs;
}  // namespace wardsec::alert
namespace wardsec::bastion {
class Db;
}

namespace wardsec::ops::config {

struct WatcherOptions {
  std::string data_dir, key_dir;
  std::string known_hosts;  // "": <key_dir>/bastion_known_hosts (the bastion's pins)
  int tz_sec = 8 * 3600;
  alert::AlertStore* alerts = nullptr;
  alert::Outputs* outputs = nullptr;
  std::function<void(Event&&)> record;  // signed into the store
};

class Watcher {
 public:
  static Result<std::shared_ptr<Watcher>> open(WatcherOptions o);
  ~Watcher();
  void start();
  void stop();
  Store& store() { return *store_; }

  // The pipeline's lines: change lines of known devices are kept for their next fetch.
  void observe(std::span<const Event> batch);
  // One round at `now`: queued lines saved, due fetches run (tests call it; the thread does).
  void tick(int64_t now);
  // A fetch now, on the job's thread (the console's 立即获取).
  void request(const std::string& device, const std::string& by);
  // A configuration handed in (the console's upload, or a device with no SSH): kept as a version
  // when it differs. The version, or nullopt when it equals the latest.
  Result<std::optional<Version>> upload(const std::string& device, const std::string& text, const std::string& by, const std::string& note,
                                        int64_t now);
  // Seconds of quiet after a device's last change line before it is fetched (meta "debounce").
  int debounce_seconds();
  // Whether the bastion's vault holds host account `id` (a device may log in with it).
  Status check_account(int64_t id);
  // The login to host account `id` (its credential from the vault, the pinned host keys);
  // `fallback_host` when the account names none.
  Result<bastion::LoginTarget> login_for(int64_t id, const std::string& fallback_host = "");
  // The devices changed (added, edited, removed): the line index is rebuilt.
  void devices_changed() { reindex_.store(true); }

  struct Stats {
    uint64_t lines = 0, dropped = 0, fetches = 0, failures = 0, versions = 0;
  };
  Stats stats() const;

 private:
  Watcher() = default;
  void run();
  void reindex();
  Status fetch_device(const Device& d, const std::string& source, const std::string& by, int64_t now);
  Result<std::optional<Version>> keep(const Device& d, const std::string& raw, const std::string& command, const std::string& source,
                                      const std::string& by, const std::string& note, int64_t now);
  void attribute(const Device& d, Version& v, const std::vector<Trigger>& triggers, int64_t prev_ts, int64_t now);
  void plan_check(const Device& d, Version& v, int64_t now);
  void record(const Device& d, const Version& v, int64_t now);
  void fetch_failed(const Device& d, const std::string& error, int64_t now);
  bastion::Db* vault();

  WatcherOptions opt_;
  std::unique_ptr<Store> store_;
  std::mutex vault_mu_;  // opened at first use
  std::unique_ptr<bastion::Db> vault_;
  std::string salt_;
  // Lines from the pipeline, saved by the job's thread (bounded).
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Trigger>> queued_;
  std::map<std::string, std::pair<int64_t, int64_t>> due_;           // device → (first line, fetch at) in ns
  std::map<std::string, std::string> asked_;                         // device → who asked for a fetch
  std::shared_ptr<const std::map<std::string, std::string>> index_;  // host name / address (lower case) → device id
  std::atomic<bool> reindex_{true};
  bool restored_ = false;  // the job's thread only
  Stats stats_;
  std::mutex fetch_mu_;  // one fetch or upload at a time: versions follow one another
  std::atomic<bool> stop_{false};
  std::condition_variable cv_;
  std::thread thread_;
};

// The pipeline stage that hands lines to the watcher (writes nothing on them).
class ConfigStage final : public enrich::Stage {
 public:
  explicit ConfigStage(std::shared_ptr<Watcher> w) : w_(std::move(w)) {}
  std::string_view name() const override { return "config-changes"; }
  void run(std::span<Event> batch) override { w_->observe(batch); }

 private:
  std::shared_ptr<Watcher> w_;
};

}  // namespace wardsec::ops::config
