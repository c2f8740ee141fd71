// Sigma correlation rules on a live stream. Rules that a correlation references feed it
// their matches; it keeps per-group state (group-by values) for its timespan and fires when
// its condition holds. A correlation that fires feeds the correlations that reference it.
//
// Windows, as implemented (docs/detection.md):
// - Conditions that can only become true as events arrive (gt/gte, and temporal types
//   without a condition) use a sliding window: the correlation fires on the event that
//   makes the condition hold, with the events of the last `timespan`, and the group
//   starts over.
// - Conditions with an upper bound (lt, lte, eq, neq, ranges) are decided when a window
//   closes: a window opens at a group's first event and closes `timespan` later (seen on
//   the next event of the group or by advance()). A group with no events has no window,
//   so "fewer than N" means "at least one and fewer than N".
// - temporal_ordered needs the referenced rules to match in the order listed, all within
//   `timespan` of the first.
// State is bounded (max_groups over all correlations); groups whose window is over are
// swept, and when live groups still exceed the bound the oldest are evicted and counted.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/ruleset.h"

namespace wardsec::detect {

struct CorrelationHit {
  size_t correlation = 0;  // index into RuleSet::correlations()
  int64_t first_ts = 0, last_ts = 0;
  double value = 0;                                        // the count, distinct count, sum or average that met the condition
  std::vector<std::pair<std::string, std::string>> group;  // group-by field -> value
  std::vector<uint64_t> events;                            // references of the contributing events (the last max_refs)
  uint64_t event_count = 0;                                // all contributing events
};

class Correlator {
 public:
  struct Options {
    size_t max_groups = 200000;
    size_t max_refs = 32;
    // One of `partitions` correlators sharing the work (a region's, docs/cluster.md): each
    // keeps only the groups whose group-by values hash to `partition`. Rule matches only;
    // a correlation's own hits feed the correlations above it in the same partition.
    uint32_t partition = 0, partitions = 1;
  };
  struct Stats {
    uint64_t inputs = 0, fired = 0, missing_group_field = 0, missing_value_field = 0, groups_evicted = 0, other_partition = 0;
    size_t groups = 0;
  };

  // `set` must be finished and outlive the correlator.
  Correlator(const RuleSet& set, Options opt);
  Correlator(const RuleSet& set) : Correlator(set, Options{}) {}
  ~Correlator();
  bool empty() const { return empty_; }
  // Rule `rule` matched `ev` (stored as `ref`): updates every correlation that references the
  // rule; appends what fired (including correlations of correlations) to `out`.
  void on_rule_match(size_t rule, const Event& ev, uint64_t ref, std::vector<CorrelationHit>& out);
  // Event time moved on to `now`: closes windows that ended (bounded conditions fire here)
  // and forgets idle groups.
  void advance(int64_t now, std::vector<CorrelationHit>& out);
  const Stats& stats() const { return stats_; }

 private:
  struct Input {
    int64_t ts;
    uint64_t ref;
    size_t ref_index;  // which entry of the correlation's refs
    std::function<std::optional<std::string_view>(const std::string&)> get;
    const std::vector<uint64_t>* earlier = nullptr;  // a correlation's hit: its events before `ref`
  };
  struct Entry {
    int64_t ts;
    uint64_t ref;
    size_t pos;
    std::string value;
    double num;
    std::vector<uint64_t> earlier;  // evidence that came with the input (a nested hit's events)
  };
  struct Group {
    std::vector<std::pair<std::string, std::string>> key;
    std::deque<Entry> entries;
    int64_t window_start = 0, last_ts = 0;
    std::vector<int64_t> chain;  // temporal_ordered: latest start of a chain through step i
  };
  struct State {
    std::unordered_map<std::string, Group> groups;
    bool bounded = false;  // condition with an upper bound: decided at window close
  };
  void feed(size_t corr, const Input& in, std::vector<CorrelationHit>& out);
  void fire(size_t corr, Group& g, double value, std::vector<CorrelationHit>& out);
  double value_of(size_t corr, const Group& g) const;
  void close_window(size_t corr, Group& g, std::vector<CorrelationHit>& out);
  void enforce_bound(int64_t now, std::vector<CorrelationHit>& out);

  const RuleSet& set_;
  Options opt_;
  std::vector<State> state_;
  Stats stats_;
  bool empty_ = true;
  int64_t last_sweep_ = 0;
  int depth_ = 0;
};

}  // namespace wardsec::detect
