#include "detect/correlate.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <unordered_set>

#include "core/strutil.h"

namespace wardsec::detect {

namespace {

constexpr int64_t kNone = INT64_MIN;

bool has_upper_bound(const Correlation& c) {
  return std::any_of(c.condition.begin(), c.condition.end(),
                     [](const auto& b) { return b.first != Correlation::kGt && b.first != Correlation::kGte; });
}

bool needs_value(const Correlation& c) {
  return c.type == Correlation::kValueCount || c.type == Correlation::kValueSum || c.type == Correlation::kValueAvg;
}

// The field a group-by name (or the condition field) stands for in events of one referenced
// rule: an alias resolves per rule name; anything else is the field itself.
const std::string& resolve_field(const Correlation& c, const std::string& name, const std::string& rule_name) {
  auto a = c.aliases.find(name);
  if (a == c.aliases.end()) return name;
  auto f = a->second.find(rule_name);
  return f == a->second.end() ? name : f->second;
}

}  // namespace

Correlator::Correlator(const RuleSet& set, Options opt) : set_(set), opt_(opt) {
  state_.resize(set.correlations().size());
  for (size_t i = 0; i < state_.size(); i++) state_[i].bounded = has_upper_bound(set.correlations()[i].corr);
  empty_ = state_.empty();
}

Correlator::~Correlator() = default;

void Correlator::on_rule_match(size_t rule, const Event& ev, uint64_t ref, std::vector<CorrelationHit>& out) {
  for (size_t ci : set_.rules()[rule].correlations) {
    const auto& refs = set_.correlations()[ci].refs;
    // Later positions first, so one event cannot both start and extend an ordered chain.
    for (size_t k = refs.size(); k-- > 0;) {
      if (refs[k].is_correlation || refs[k].index != rule) continue;
      Input in{ev.ts, ref, k, [&](const std::string& f) { return set_.lookup(rule, ev, f); }};
      feed(ci, in, out);
    }
  }
}

void Correlator::feed(size_t ci, const Input& in, std::vector<CorrelationHit>& out) {
  stats_.inputs++;
  const LoadedCorrelation& lc = set_.correlations()[ci];
  const Correlation& c = lc.corr;
  const std::string& rname = lc.refs[in.ref_index].name;
  std::string key;
  std::vector<std::pair<std::string, std::string>> key_fields;
  for (const auto& g : c.group_by) {
    auto v = in.get(resolve_field(c, g, rname));
    if (!v) {
      stats_.missing_group_field++;
      return;
    }
    key.append(*v).push_back('\x1f');
    key_fields.emplace_back(g, std::string(*v));
  }
  if (opt_.partitions > 1 && depth_ == 0 && hash64(c.id + '\x1e' + c.name + '\x1e' + key) % opt_.partitions != opt_.partition) {
    stats_.other_partition++;  // another correlator of the region keeps this group
    return;
  }
  Entry e{in.ts, in.ref, lc.refs[in.ref_index].pos, {}, 0, in.earlier ? *in.earlier : std::vector<uint64_t>{}};
  if (needs_value(c)) {
    auto v = in.get(resolve_field(c, c.field, rname));
    if (!v) {
      stats_.missing_value_field++;
      return;
    }
    e.value.assign(*v);
    if (c.type != Correlation::kValueCount) {
      double d = 0;
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
      if (ec != std::errc() || p != v->data() + v->size()) {
        stats_.missing_value_field++;
        return;
      }
      e.num = d;
    }
  }
  State& st = state_[ci];
  auto it = st.groups.find(key);
  if (it == st.groups.end()) {
    if (stats_.groups >= opt_.max_groups && depth_ == 0) enforce_bound(in.ts, out);
    it = st.groups.emplace(key, Group{}).first;
    it->second.key = std::move(key_fields);
    stats_.groups++;
  }
  Group& g = it->second;
  const int64_t span = c.timespan_ns;
  g.last_ts = std::max(g.last_ts, in.ts);
  if (st.bounded) {
    if (!g.entries.empty() && in.ts >= g.window_start + span) close_window(ci, g, out);
    if (g.entries.empty()) g.window_start = in.ts;
    g.entries.push_back(std::move(e));
    return;
  }
  size_t pos = e.pos;
  g.entries.push_back(std::move(e));
  while (!g.entries.empty() && g.entries.front().ts < in.ts - span) g.entries.pop_front();
  if (c.type == Correlation::kTemporalOrdered) {
    size_t n = c.rules.size();
    if (g.chain.size() != n) g.chain.assign(n, kNone);
    for (auto& t : g.chain)
      if (t != kNone && in.ts - t > span) t = kNone;
    if (pos == 0)
      g.chain[0] = in.ts;
    else if (g.chain[pos - 1] != kNone)
      g.chain[pos] = std::max(g.chain[pos], g.chain[pos - 1]);
    if (g.chain[n - 1] != kNone) fire(ci, g, static_cast<double>(n), out);
    return;
  }
  double v = value_of(ci, g);
  bool holds = c.condition.empty() ? v >= static_cast<double>(c.rules.size()) : correlation_condition_holds(c, v);
  if (holds) fire(ci, g, v, out);
}

double Correlator::value_of(size_t ci, const Group& g) const {
  const Correlation& c = set_.correlations()[ci].corr;
  switch (c.type) {
    case Correlation::kEventCount: return static_cast<double>(g.entries.size());
    case Correlation::kValueCount: {
      std::unordered_set<std::string_view> distinct;
      for (const auto& e : g.entries) distinct.insert(e.value);
      return static_cast<double>(distinct.size());
    }
    case Correlation::kValueSum:
    case Correlation::kValueAvg: {
      double sum = 0;
      for (const auto& e : g.entries) sum += e.num;
      if (c.type == Correlation::kValueSum) return sum;
      return g.entries.empty() ? 0 : sum / static_cast<double>(g.entries.size());
    }
    case Correlation::kTemporal:
    case Correlation::kTemporalOrdered: {
      std::vector<bool> seen(c.rules.size(), false);
      for (const auto& e : g.entries) seen[e.pos] = true;
      return static_cast<double>(std::count(seen.begin(), seen.end(), true));
    }
  }
  return 0;
}

void Correlator::fire(size_t ci, Group& g, double value, std::vector<CorrelationHit>& out) {
  CorrelationHit h;
  h.correlation = ci;
  h.value = value;
  h.group = g.key;
  h.first_ts = INT64_MAX;
  h.last_ts = INT64_MIN;
  for (const auto& e : g.entries) {
    h.first_ts = std::min(h.first_ts, e.ts);
    h.last_ts = std::max(h.last_ts, e.ts);
  }
  // The evidence is the events that made the hit, nested hits' events included (the latest
  // max_refs of them).
  // In an ordered one, a step's event before the previous step happened is not part of it.
  const bool ordered = set_.correlations()[ci].corr.type == Correlation::kTemporalOrdered;
  std::vector<bool> reached(ordered ? set_.correlations()[ci].corr.rules.size() : 0, false);
  for (const auto& e : g.entries) {
    if (ordered) {
      if (e.pos > 0 && !reached[e.pos - 1]) continue;
      reached[e.pos] = true;
    }
    h.events.insert(h.events.end(), e.earlier.begin(), e.earlier.end());
    h.events.push_back(e.ref);
  }
  h.event_count = h.events.size();
  if (h.events.size() > opt_.max_refs) h.events.erase(h.events.begin(), h.events.end() - static_cast<std::ptrdiff_t>(opt_.max_refs));
  g.entries.clear();
  g.chain.clear();
  stats_.fired++;
  uint64_t last_ref = h.events.empty() ? 0 : h.events.back();
  std::vector<uint64_t> earlier;
  if (!set_.correlations()[ci].correlations.empty()) earlier.assign(h.events.begin(), h.events.end() - (h.events.empty() ? 0 : 1));
  out.push_back(h);
  // Correlations of correlations: the hit is an input with its group values as fields.
  // (No eviction while nested: callers up the stack hold references to groups.)
  depth_++;
  for (size_t parent : set_.correlations()[ci].correlations) {
    const auto& refs = set_.correlations()[parent].refs;
    for (size_t k = refs.size(); k-- > 0;) {
      if (!refs[k].is_correlation || refs[k].index != ci) continue;
      Input in{h.last_ts, last_ref, k,
               [&h](const std::string& f) -> std::optional<std::string_view> {
                 for (const auto& [name, v] : h.group)
                   if (name == f) return std::string_view(v);
                 return std::nullopt;
               },
               &earlier};
      feed(parent, in, out);
    }
  }
  depth_--;
}

void Correlator::close_window(size_t ci, Group& g, std::vector<CorrelationHit>& out) {
  const Correlation& c = set_.correlations()[ci].corr;
  double v = value_of(ci, g);
  if (!g.entries.empty() && correlation_condition_holds(c, v)) fire(ci, g, v, out);
  g.entries.clear();
}

void Correlator::advance(int64_t now, std::vector<CorrelationHit>& out) {
  if (empty_ || now - last_sweep_ < 1000000000LL) return;
  last_sweep_ = now;
  for (size_t ci = 0; ci < state_.size(); ci++) {
    State& st = state_[ci];
    const int64_t span = set_.correlations()[ci].corr.timespan_ns;
    for (auto it = st.groups.begin(); it != st.groups.end();) {
      Group& g = it->second;
      if (st.bounded && !g.entries.empty() && now >= g.window_start + span) close_window(ci, g, out);
      if (!st.bounded)
        while (!g.entries.empty() && g.entries.front().ts < now - span) g.entries.pop_front();
      if (g.entries.empty()) {
        it = st.groups.erase(it);
        stats_.groups--;
      } else {
        ++it;
      }
    }
  }
}

void Correlator::enforce_bound(int64_t now, std::vector<CorrelationHit>& out) {
  last_sweep_ = 0;
  advance(now, out);
  if (stats_.groups < opt_.max_groups) return;
  // Still full of live groups: evict the oldest tenth, counted so the overload is visible.
  std::vector<std::pair<int64_t, size_t>> ages;  // (last_ts, correlation)
  for (size_t ci = 0; ci < state_.size(); ci++)
    for (const auto& [k, g] : state_[ci].groups) ages.emplace_back(g.last_ts, ci);
  size_t n = std::max<size_t>(1, ages.size() / 10);
  std::nth_element(ages.begin(), ages.begin() + static_cast<std::ptrdiff_t>(n - 1), ages.end());
  int64_t cutoff = ages[n - 1].first;
  for (auto& st : state_)
    for (auto it = st.groups.begin(); it != st.groups.end();) {
      if (it->second.last_ts <= cutoff) {
        it = st.groups.erase(it);
        stats_.groups--;
        stats_.groups_evicted++;
      } else {
        ++it;
      }
    }
}

}  // namespace wardsec::detect
