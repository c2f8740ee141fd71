// Alerts about the center itself: its store found damaged at a start, its disk filling up.
// They are ordinary alerts (rule ids wardsec.center.*, kind "center") so they reach the
// console, mail and webhooks like any other.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wardsec::alert {

class AlertStore;
class Outputs;

struct CenterAlert {
  std::string id;     // wardsec.center.store_damaged, wardsec.center.disk_low ...
  std::string title;  // zh-CN first, English after " / "
  std::string level;  // low medium high critical
  std::string summary;
};
void raise_center_alert(AlertStore& store, Outputs& out, const CenterAlert& c);

// A function run on its own thread: `first_ns` after start(), then every `every_ns`, until
// stop() (which wakes and joins it).
class Periodic {
 public:
  ~Periodic() { stop(); }
  void start(int64_t first_ns, int64_t every_ns, std::function<void()> fn);
  void stop();
  bool stopping() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Free space where the store lives, how fast the store grows, and how many days are left.
struct DiskForecast {
  uint64_t free_bytes = 0, total_bytes = 0;
  double bytes_per_day = 0;  // measured over the last hours of writing (0 until known)
  double days_left = -1;     // free / growth; -1 while not known or not growing
};

class DiskWatch {
 public:
  // `stored_bytes` returns the bytes the store has written so far (it only grows).
  DiskWatch(std::string data_dir, std::function<uint64_t()> stored_bytes, std::function<void(const CenterAlert&)> raise, int warn_days = 30,
            int critical_days = 7);
  ~DiskWatch();
  void start();  // samples once a minute on its own thread
  void stop();
  DiskForecast forecast() const;
  // One sample (the thread calls it; tests call it with their own numbers).
  void sample(int64_t now, uint64_t stored, uint64_t free_bytes, uint64_t total_bytes);
  std::string metrics_json() const;  // "disk_free_bytes":..,"disk_days_left":..

 private:
  std::string dir_;
  std::function<uint64_t()> stored_;
  std::function<void(const CenterAlert&)> raise_;
  int warn_days_, critical_days_;
  mutable std::mutex mu_;  // fc_, window_, last_*
  DiskForecast fc_;
  struct Point {
    int64_t t;
    uint64_t stored;
  };
  std::vector<Point> window_;  // the last 6 hours, one a minute
  int64_t last_alert_ = 0;
  std::string last_level_;
  Periodic periodic_;  // last: its thread ends before the state it uses
};

}  // namespace wardsec::alert

namespace wardsec::alert {

// Reads every sealed block of the store in the background (once after start, then daily),
// checking digests, so damage in any segment — not only the one a start walks — is an error
// and an alert the day it appears, not when someone next searches there.
class StoreScrub {
 public:
  StoreScrub(std::string data_dir, std::function<void(const CenterAlert&)> raise, int64_t first_after_ns = 300LL * 1000000000,
             int64_t every_ns = 86400LL * 1000000000);
  ~StoreScrub();
  void start();
  void stop();
  // One pass over every segment but the newest (the writer's); returns the damage found (each
  // names segment, block and offset); raises an alert for damage not reported before.
  std::vector<std::string> run_once();
  std::string metrics_json() const;  // "scrub_runs":..,"scrub_blocks":..,"scrub_damaged":..,"scrub_last_run_ns":..

 private:
  std::string dir_;
  std::function<void(const CenterAlert&)> raise_;
  int64_t first_after_, every_;
  std::atomic<uint64_t> runs_{0}, blocks_{0}, damaged_{0};
  std::atomic<int64_t> last_run_{0};  // when the last pass ended, ns (0: none yet)
  std::mutex mu_;                     // reported_
  std::vector<std::string> reported_;
  Periodic periodic_;  // last: its thread ends before the state it uses
};

}  // namespace wardsec::alert
