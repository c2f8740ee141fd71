// Which scanned tests a rule cannot be true without: the compiled engine evaluates a rule's
// condition only when one of these "anchors" had a hit in the event's scan. The anchors follow
// the condition: `a and b` needs only the better of a's and b's anchors, `a or b` both sides',
// `all of x*` the best detection's, a detection one test of each of its alternatives (the
// most selective: the longest literal). A condition that can hold without any hit (`not`,
// `exists`, a matcher nothing scans) has none, and its rule is evaluated on every event.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "detect/sigma.h"

namespace wardsec::detect {

struct AnchorContext {
  // The matcher is false on an event unless the scan hit its slot.
  std::function<bool(const Matcher&)> scanned;
  // How selective its scan is: the length of the literal text a hit needs.
  std::function<size_t(const Matcher&)> literal;
};

// The anchor tests of a rule (each non-negated, every matcher scanned), or nullopt when the
// rule's condition can be true without a hit.
std::optional<std::vector<const FieldTest*>> rule_anchors(const Rule& r, const AnchorContext& cx);

}  // namespace wardsec::detect
