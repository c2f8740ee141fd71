#include "search/aggregate.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::search {

namespace {
uint64_t text_hash(std::string_view v) { return std::hash<std::string_view>{}(v) | 1; }
}  // namespace

Terms::Slot* Terms::find(std::string_view value, uint64_t hash) {
  if (slots_.empty()) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(hash) & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (!s.index || (s.hash == hash && keys_[s.index - 1] == value)) return &s;
  }
}

void Terms::grow() {
  std::vector<Slot> old(std::max<size_t>(64, slots_.size() * 2));
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.index) continue;
    size_t i = static_cast<size_t>(s.hash) & mask;
    while (slots_[i].index) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void Terms::add(std::string_view value, uint64_t n) {
  if (value.empty()) return;
  uint64_t h = text_hash(value);
  Slot* s = find(value, h);
  if (s && s->index) {
    counts_[s->index - 1] += n;
    return;
  }
  if (keys_.size() >= max_) {
    other_ += n;
    return;
  }
  if ((keys_.size() + 1) * 2 > slots_.size()) {
    grow();
    s = find(value, h);
  }
  keys_.emplace_back(value);
  counts_.push_back(n);
  *s = {h, static_cast<uint32_t>(keys_.size())};
}

void Terms::merge(const Terms& o) {
  for (size_t i = 0; i < o.keys_.size(); i++) add(o.keys_[i], o.counts_[i]);
  other_ += o.other_;
}

void Terms::add_list(std::string_view values, uint64_t n) {
  for (std::string_view v : split_view(values, ',')) add(trim(v), n);
}

std::vector<std::pair<std::string, uint64_t>> Terms::top(size_t n) const {
  std::vector<std::pair<std::string, uint64_t>> v;
  v.reserve(keys_.size());
  for (size_t i = 0; i < keys_.size(); i++) v.emplace_back(keys_[i], counts_[i]);
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
  const Slot* s = find(value, text_hash(value));
  return s && s->index ? counts_[s->index - 1] : 0;
}

DateHistogram DateHistogram::over(int64_t from, int64_t to, size_t buckets, bool clamp) {
  buckets = std::max<size_t>(buckets, 1);
  int64_t span = std::max<int64_t>(to - from, 1);
  int64_t width = std::max<int64_t>((span + static_cast<int64_t>(buckets) - 1) / static_cast<int64_t>(buckets), 1);
  return DateHistogram(from, width, buckets, clamp);
}

DateHistogram DateHistogram::seconds(int64_t from, int64_t to, size_t buckets) {
  constexpr int64_t kSec = 1000000000;
  buckets = std::max<size_t>(buckets, 1);
  int64_t start = from / kSec * kSec;
  if (start > from) start -= kSec;  // before 1970: round down too
  int64_t span = std::max<int64_t>(to - start, 1);
  int64_t width = (span + static_cast<int64_t>(buckets) - 1) / static_cast<int64_t>(buckets);
  width = std::max<int64_t>((width + kSec - 1) / kSec, 1) * kSec;
  return DateHistogram(start, width, static_cast<size_t>((span + width - 1) / width), false);
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
