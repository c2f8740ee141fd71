// Line differences for the integrity events of text configuration files: the unified diff the
// device configurations use (ops/config/text.h, Myers), cut at a size.
#include <string>

#include "agent/fim.h"
#include "ops/config/text.h"

namespace wardsec::agent {

std::string text_diff(const std::string& before, const std::string& after, size_t max_bytes) {
  if (before == after) return "";
  std::string out = ops::config::diff(before, after, "before", "after").text;
  if (out.size() > max_bytes) {
    out.resize(max_bytes);
    out += "\n... (diff cut at " + std::to_string(max_bytes) + " bytes)\n";
  }
  return out;
}

}  // namespace wardsec::agent
