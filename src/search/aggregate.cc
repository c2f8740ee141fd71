#include "search/aggregate.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::search {

void Terms::add(std::string_view value, uint64_t n) {
  if (value.empty()) return;
  auto it = counts_.find(std::string(value));
  if (it != counts_.end())
    it->second += n;
  else if (counts_.size() < max_)
    counts_.emplace(std::string(value), n);
  else
    other_ += n;
}

void Terms::add_list(std::string_view values, uint64_t n) {
  for (std::string_view v : split_view(values, ',')) add(trim(v), n);
}

std::vector<std::pair<std::string, uint64_t>> Terms::top(size_t n) const {
  std::vector<std::pair<std::string, uint64_t>> v(counts_.begin(), counts_.end());
  auto most = [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); };
  if (v.size() > n) {
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(), most);
    v.resize(n);
  } else {
    std::sort(v.begin(), v.end(), most);
  }
  return v;
}

uint64_t Terms::count(std::string_view value) const {
  auto it = counts_.find(std::string(value));
  return it == counts_.end() ? 0 : it->second;
}

DateHistogram DateHistogram::over(int64_t from, int64_t to, size_t buckets, bool clamp) {
  buckets = std::max<size_t>(buckets, 1);
  int64_t span = std::max<int64_t>(to - from, 1);
  int64_t width = std::max<int64_t>((span + static_cast<int64_t>(buckets) - 1) / static_cast<int64_t>(buckets), 1);
  return DateHistogram(from, width, buckets, clamp);
}

DateHistogram DateHistogram::every(int64_t from, int64_t width, size_t buckets, bool clamp) {
  return DateHistogram(from, std::max<int64_t>(width, 1), std::max<size_t>(buckets, 1), clamp);
}

std::optional<size_t> DateHistogram::bucket(int64_t ts) const {
  int64_t n = static_cast<int64_t>(counts_.size());
  if (ts < from_) return clamp_ ? std::optional<size_t>(0) : std::nullopt;
  int64_t b = (ts - from_) / width_;
  if (b >= n) return clamp_ ? std::optional<size_t>(static_cast<size_t>(n - 1)) : std::nullopt;
  return static_cast<size_t>(b);
}

void DateHistogram::add(int64_t ts, uint64_t n) {
  if (auto b = bucket(ts)) counts_[*b] += n;
}

uint64_t DateHistogram::total() const {
  uint64_t t = 0;
  for (uint64_t c : counts_) t += c;
  return t;
}

SeriesHistogram::SeriesHistogram(DateHistogram shape, std::vector<std::string> keys, size_t max_keys)
    : shape_(std::move(shape)), max_keys_(max_keys) {
  for (auto& k : keys) series_.emplace(std::move(k), shape_);
}

void SeriesHistogram::add(std::string_view key, int64_t ts, uint64_t n) {
  auto it = series_.find(key);
  if (it == series_.end()) {
    if (series_.size() >= max_keys_ || key.empty()) return;
    it = series_.emplace(std::string(key), shape_).first;
  }
  it->second.add(ts, n);
}

}  // namespace wardsec::search
