// The detection stage of the live pipeline: every stored event goes through the compiled
// Sigma engine; matches of stand-alone rules raise alerts, matches of rules that
// correlations use feed the correlator, whose hits raise alerts too. Alerts are
// deduplicated and stored (AlertStore), mirrored into the event store as event.kind:alert
// events, and sent to the configured outputs.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "alert/alert_store.h"
#include "alert/outputs.h"
#include "enrich/places.h"
#include "core/strutil.h"
#include "detect/correlate.h"
#include "detect/engine.h"

namespace wardsec::alert {

struct DetectorOptions {
  std::vector<std::string> rule_paths;
  std::string mapping;
  detect::LoadOptions load;  // placeholders for |expand
  int64_t dedup_ns = 3600LL * 1000000000LL;
  size_t max_groups = 200000;
  // Zones, assets and graded systems (src/enrich/places.h): alerts name the zone and the
  // system of their asset. The asset stage wrote the same answers onto the events.
  std::shared_ptr<const enrich::Places> places;
  // Called (on the detection thread) with each new alert after its notification is queued:
  // incident response's auto-open rules. Must not block.
  std::function<void(const Alert&)> on_alert;
  // Where compiled rule databases are kept between starts ("" none; detect/engine_cache.h).
  std::string cache_dir;
};

struct DetectorStats {
  std::atomic<uint64_t> events{0}, rule_matches{0}, correlation_hits{0}, alerts_created{0}, alerts_merged{0}, alerts_suppressed{0},
      alert_errors{0}, mirror_dropped{0};
};

class Detector {
 public:
  // Loads and compiles the rules; rule errors are logged and counted, never fatal.
  // `emit` hands alert events to the store without blocking (false: queue full).
  static Result<std::unique_ptr<Detector>> create(const DetectorOptions& opt, AlertStore& alerts, Outputs& outputs,
                                                  std::function<bool(std::vector<Event>&&)> emit);
  // A second detector over the rules this one loaded and compiled (they are shared, not loaded
  // again), for another thread: the catch-up on events stored but never examined.
  std::unique_ptr<Detector> sibling(std::function<bool(std::vector<Event>&&)> emit) const;
  // Runs detection over stored events (refs: their store references). count == 0: an idle
  // tick (closes correlation windows, retries pending alert events).
  void process(const std::vector<Event>& events, size_t count, const std::vector<uint64_t>& refs);
  // Examines what was stored but not yet examined (the server was killed, or events were
  // imported while it was down): refs from the saved cursor up to `end` (the store's next
  // reference), at most `max_events` of the newest of them. On a first start the cursor is
  // set to `end` (history is not re-examined). `progress` (if given) counts the backlog and
  // what was examined of it; `stop` ends it early (the cursor keeps how far it got).
  struct Progress {
    std::atomic<uint64_t> total{0}, done{0};
    std::atomic<bool> running{false};
  };
  Result<uint64_t> catch_up(const std::string& data_dir, uint64_t end, uint64_t max_events = 2000000, Progress* progress = nullptr,
                            const std::atomic<bool>* stop = nullptr);
  // Live detection starts at `end` while another detector catches up on what lies before it:
  // until release_cursor(), this one does not move the saved cursor (a stop in between
  // re-examines from the catch-up's position; repeats merge into the same alerts).
  void start_live_at(uint64_t end);
  void release_cursor() { cursor_held_ = false; }
  // Saves how far detection got and the repeats merged in memory (process() does both about
  // once a second).
  void save_cursor();
  const DetectorStats& stats() const { return stats_; }
  const detect::RuleSet& rules() const { return *set_; }
  const detect::Engine& engine() const { return *engine_; }
  const detect::Correlator& correlator() const { return *correlator_; }
  // The zone label ("core 核心业务区") of an address, "" when none holds it.
  std::string zone_of(std::string_view ip) const;

 private:
  Detector() = default;
  void raise_rule(size_t rule, const Event& ev, uint64_t ref, const std::vector<size_t>& also);
  void raise_correlation(const detect::CorrelationHit& h, const Event* ev);
  void raise(Alert& a);
  void flush_repeats();
  // Open alerts recently raised, so that repeats merge in memory and reach SQLite once a
  // second in one transaction instead of one write per matching event.
  struct Cached {
    int64_t id = 0;
    int64_t last_ts = 0;
    uint64_t pending = 0;
    std::vector<uint64_t> refs;
    Counts sources;  // of the pending raises
    Alert draft;     // the latest raise, to raise anew if the alert was closed meanwhile
  };
  std::unordered_map<std::string, Cached> open_;
  int64_t flushed_at_ = 0;
  void fill_from_event(Alert& a, const Event& ev, size_t rule);
  std::string_view inside_end(const Event& ev) const;
  void fill_system(Alert& a) const;

  DetectorOptions opt_;
  AlertStore* alerts_ = nullptr;
  Outputs* outputs_ = nullptr;
  std::function<bool(std::vector<Event>&&)> emit_;
  std::shared_ptr<const detect::RuleSet> set_;
  std::unique_ptr<detect::Engine> engine_;
  std::unique_ptr<detect::Correlator> correlator_;
  std::vector<detect::CorrelationHit> hits_;
  std::vector<Event> pending_mirror_;
  int64_t max_ts_ = 0;
  uint64_t next_ref_ = 0;  // the cursor: refs below it were examined
  bool cursor_dirty_ = false;
  std::atomic<bool> cursor_held_{false};
  int64_t cursor_saved_at_ = 0;
  DetectorStats stats_;
};

// The event that records an alert (or a state change) in the tamper-evident store.
Event alert_event(const Alert& a, const std::string& action, const std::string& who, int64_t now);

}  // namespace wardsec::alert
