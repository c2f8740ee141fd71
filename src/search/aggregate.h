// Aggregations over matches: the commonest values of a field (terms, top-N) and counts over
// time (date histograms, one series or several). The dashboard, the search page's facets, the
// web-attack and database pages and the reports all count with these instead of writing their
// own group-bys. Each is bounded: a terms count keeps at most `max_values` distinct values and
// counts the rest as `other`, so a hostile field cannot grow it without limit.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wardsec::search {

class Terms {
 public:
  explicit Terms(size_t max_values = 20000) : max_(max_values) {}
  // Counts one value ("" is not a value). A value beyond the bound counts in other().
  void add(std::string_view value, uint64_t n = 1);
  // Counts each value of a comma-separated list (db.alert.kind, web.attack.classes ...).
  void add_list(std::string_view values, uint64_t n = 1);
  // The `n` commonest values, most first; equal counts in value order.
  std::vector<std::pair<std::string, uint64_t>> top(size_t n) const;
  uint64_t count(std::string_view value) const;
  uint64_t other() const { return other_; }
  // Adds another count's values (within this one's bound) and its other().
  void merge(const Terms& o);
  size_t distinct() const { return keys_.size(); }

 private:
  // Open addressing over (hash, index) pairs: a lookup touches one slot and, when the hash
  // matches, one key. Counting a million values a second (the search page's facets over
  // every match) is bound by these lookups.
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = 0;  // into keys_ and counts_, plus one; 0: empty
  };
  Slot* find(std::string_view value, uint64_t hash);
  const Slot* find(std::string_view value, uint64_t hash) const { return const_cast<Terms*>(this)->find(value, hash); }
  void grow();
  size_t max_;
  std::vector<Slot> slots_;
  std::vector<std::string> keys_;
  std::vector<uint64_t> counts_;
  uint64_t other_ = 0;
};

// Counts in `buckets` equal intervals from `from` (ns). A time outside [from, end) is not
// counted unless `clamp` puts it into the first or last bucket.
class DateHistogram {
 public:
  // Covers [from, to) with `buckets` intervals of equal width (at least 1 ns).
  static DateHistogram over(int64_t from, int64_t to, size_t buckets, bool clamp = false);
  // At most `buckets` intervals of a whole number of seconds covering [from, to), starting at
  // the second `from` falls in (what exact counts from block summaries need).
  static DateHistogram seconds(int64_t from, int64_t to, size_t buckets);
  // Intervals of a given width (an hour, a day) from `from`.
  static DateHistogram every(int64_t from, int64_t width, size_t buckets, bool clamp = false);
  std::optional<size_t> bucket(int64_t ts) const;
  void add(int64_t ts, uint64_t n = 1);
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t total() const;
  size_t size() const { return counts_.size(); }
  int64_t width() const { return width_; }
  int64_t start(size_t i) const { return from_ + static_cast<int64_t>(i) * width_; }
  int64_t from() const { return from_; }

 private:
  DateHistogram(int64_t from, int64_t width, size_t buckets, bool clamp) : from_(from), width_(width), counts_(buckets, 0), clamp_(clamp) {}
  int64_t from_, width_;
  std::vector<uint64_t> counts_;
  bool clamp_;
};

// One date histogram per key (alerts per level, attacks per class), over the same buckets.
// Keys named up front are always present; others appear when counted (at most `max_keys`).
class SeriesHistogram {
 public:
  SeriesHistogram(DateHistogram shape, std::vector<std::string> keys = {}, size_t max_keys = 64);
  void add(std::string_view key, int64_t ts, uint64_t n = 1);
  const std::map<std::string, DateHistogram, std::less<>>& series() const { return series_; }
  const DateHistogram& shape() const { return shape_; }

 private:
  DateHistogram shape_;
  std::map<std::string, DateHistogram, std::less<>> series_;
  size_t max_keys_;
};

}  // namespace wardsec::search
