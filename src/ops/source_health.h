// Log sources and their health (运行监控, issue #20): every source that sends logs live — by the
// host its lines name, else the address they come from — with its first and last line, its
// lines per hour for two days, the programs and formats it sends, and a state:
//   ok       正常  lines arrive as they used to;
//   silent   静默  nothing for longer than the source's own longest recent pause (twice it),
//                  and never less than silent_minutes: a device whose logs stopped reaching the
//                  center, the assessor's first question (AB.AUD.a, CE.AUD.a, MC.CEN.d);
//   abnormal 异常  the last full hour far below (drop) or above (flood) the median of the 24
//                  before it.
// Imported files are history and do not count; nor do the center's own records.
//
// Thread-safe: observe() runs on the pipeline's decode thread, evaluate() and the JSON on the
// monitor's. Time is passed in, so a test runs days in a second.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/event.h"

namespace wardsec::ops {

struct HealthOptions {
  int silent_minutes = 30;     // the shortest silence that counts
  size_t max_sources = 20000;  // more are counted (dropped), not tracked
  int asset_grace_hours = 24;  // an inventory asset is "never sent" only after this long watching
};

struct SourceView {
  std::string source, address, state, reason;   // reason: why silent or abnormal (zh / en)
  std::vector<std::string> programs, datasets;  // the last few seen
  int64_t first = 0, last = 0;                  // reception, ns
  uint64_t total = 0;
  int64_t silent_after = 0;        // ns without a line before it is silent
  std::vector<uint32_t> per_hour;  // the last 24 hours, oldest first
};

// A change of state evaluate() found: raise (or close) an alert for it.
struct Transition {
  std::string source, from, to, reason;
  int64_t alert_id = 0;  // the open alert of the source's last problem (to close on recovery)
};

class SourceHealth {
 public:
  explicit SourceHealth(HealthOptions o = {}) : opt_(o) {}
  void observe(std::span<const Event> batch);
  // One line by hand (tests; the stage calls observe).
  void observe_one(std::string_view source, std::string_view address, std::string_view program, std::string_view dataset, int64_t received);
  // The states now; the transitions since the last call.
  std::vector<Transition> evaluate(int64_t now);
  // The open alert raised for a source's problem (0: none), kept to close it on recovery.
  void set_alert(const std::string& source, int64_t id);
  std::vector<SourceView> view(int64_t now) const;
  // How many sources are tracked, silent and abnormal, and the first `max_names` silent ones:
  // a count under the lock, without view()'s copies (the collector's status, every 5 s).
  struct Summary {
    uint64_t tracked = 0, silent = 0, abnormal = 0;
    std::vector<std::string> silent_names;
  };
  Summary summary(size_t max_names) const;
  bool known(std::string_view host_or_address) const;  // case-insensitive
  int64_t since() const;                               // when tracking began (kept across restarts)
  uint64_t dropped() const;
  // The state as JSON (what the console reads) and back (at start).
  nlohmann::json to_json(int64_t now) const;
  void load_json(const nlohmann::json& j);

 private:
  static constexpr int kHours = 48;
  struct Track {
    std::string name, address;                    // as the source names itself; its sender's address
    std::vector<std::string> programs, datasets;  // at most 4 each, the newest last
    int64_t first = 0, last = 0;
    uint64_t total = 0;
    std::array<uint32_t, kHours> hours{};  // hours[h % kHours] counts hour h (ns / 1h) when stamp[h % kHours] == h
    std::array<int64_t, kHours> stamp{};
    std::array<int64_t, 16> gaps{};  // the last pauses of 1 s and more between lines, ns
    size_t next_gap = 0;
    std::string state = "ok", reason;
    int64_t alert_id = 0;
  };
  Track* track(std::string_view source, int64_t received);  // found or added (mu_ held); null when full
  void add(Track& t, std::string_view address, std::string_view program, std::string_view dataset, int64_t received);
  uint32_t hour_count(const Track& t, int64_t hour) const;
  int64_t silent_after(const Track& t) const;
  std::pair<std::string, std::string> judge(const Track& t, int64_t now) const;  // state, reason
  HealthOptions opt_;
  mutable std::mutex mu_;
  std::map<std::string, Track, std::less<>> tracks_;         // key: lower-case source (nodes stay put: recent_ points at them)
  std::array<std::pair<std::string, Track*>, 64> recent_{};  // by the hash of the name as written: no lower-casing per line
  int64_t since_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace wardsec::ops
