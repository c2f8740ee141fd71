#include "detect/engine_anchors.h"

#include <algorithm>
#include <climits>

namespace wardsec::detect {

namespace {

// A set of anchor tests and how selective the set is (its least selective test).
struct Anchors {
  std::vector<const FieldTest*> tests;
  size_t score = SIZE_MAX;
  void add(const Anchors& o) {
    for (const FieldTest* t : o.tests)
      if (std::find(tests.begin(), tests.end(), t) == tests.end()) tests.push_back(t);
    score = std::min(score, o.score);
  }
};

// Better: more selective, then fewer tests.
bool better(const Anchors& a, const Anchors& b) { return a.score != b.score ? a.score > b.score : a.tests.size() < b.tests.size(); }

struct Planner {
  const Rule& r;
  const AnchorContext& cx;

  // A test that is false unless one of its matchers hit, with its selectivity.
  std::optional<size_t> test_score(const FieldTest& t) const {
    if (t.negate || t.values.empty()) return std::nullopt;
    size_t score = SIZE_MAX;
    for (const auto& v : t.values) {
      if (v.empty()) return std::nullopt;
      for (const auto& m : v) {
        if (!cx.scanned(m)) return std::nullopt;
        score = std::min(score, cx.literal(m) + (t.field.empty() ? 0 : 1));
      }
    }
    return score;
  }
  std::optional<Anchors> detection(const Detection& d) const {
    if (d.alternatives.empty()) return std::nullopt;
    Anchors out;
    for (const auto& alt : d.alternatives) {
      const FieldTest* best = nullptr;
      size_t best_score = 0;
      for (const auto& t : alt)
        if (auto s = test_score(t); s && (!best || *s > best_score)) {
          best = &t;
          best_score = *s;
        }
      if (!best) return std::nullopt;  // this alternative can be true without a hit
      out.add({{best}, best_score});
    }
    return out;
  }
  std::optional<Anchors> cond(const Condition& c) const {
    switch (c.kind) {
      case Condition::kRef: {
        auto it = r.detections.find(c.name);
        return it == r.detections.end() ? std::nullopt : detection(it->second);
      }
      case Condition::kNot: return std::nullopt;
      case Condition::kAnd: {
        auto a = cond(*c.kids[0]), b = cond(*c.kids[1]);
        if (a && b) return better(*a, *b) ? a : b;
        return a ? a : b;
      }
      case Condition::kOr: {
        auto a = cond(*c.kids[0]), b = cond(*c.kids[1]);
        if (!a || !b) return std::nullopt;
        a->add(*b);
        return a;
      }
      case Condition::kOneOf: {  // one of them true: every one's anchors
        Anchors out;
        bool any = false;
        for (const auto& [n, d] : r.detections) {
          if (!detection_name_matches(n, c.name)) continue;
          auto x = detection(d);
          if (!x) return std::nullopt;
          out.add(*x);
          any = true;
        }
        return any ? std::optional<Anchors>(out) : std::nullopt;
      }
      case Condition::kAllOf: {  // all of them true: the best one's anchors are enough
        std::optional<Anchors> best;
        for (const auto& [n, d] : r.detections) {
          if (!detection_name_matches(n, c.name)) continue;
          auto x = detection(d);
          if (x && (!best || better(*x, *best))) best = x;
        }
        return best;  // none (or none named: vacuously true): evaluated on every event
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<std::vector<const FieldTest*>> rule_anchors(const Rule& r, const AnchorContext& cx) {
  Planner p{r, cx};
  Anchors all;
  if (r.conditions.empty()) return std::nullopt;
  for (const auto& c : r.conditions) {
    auto a = p.cond(*c);
    if (!a) return std::nullopt;
    all.add(*a);
  }
  return all.tests;
}

}  // namespace wardsec::detect
