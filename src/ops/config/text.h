// The text of a device's running configuration, as the configuration record keeps it: the
// transport's debris removed (carriage returns, terminal escapes, "---- More ----" pagers, the
// echoed command and the closing prompt of an interactive fetch), the lines that change on
// every fetch without a change (Cisco's "! Last configuration change at", "ntp clock-period")
// dropped, and secrets (passwords, SNMP communities, keys) replaced by a short digest so a
// changed secret still shows as a change while nobody reads it. And the line diff of two
// versions. Pure functions: fuzzed (tests/fuzz config_text).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace wardsec::ops::config {

// The configuration as kept. `command`: the command that printed it (its echo and what came
// before it are dropped when present: an interactive shell's banner and prompt).
// `salt`: keys the secrets' digests (per installation), so a weak password cannot be guessed
// back from its digest.
std::string normalize(std::string_view raw, std::string_view command, std::string_view salt);

// A line with its secret values masked ("snmp-server community <secret:3f2a91c0> RO").
std::string mask_secrets(std::string_view line, std::string_view salt);

struct Diff {
  std::string text;  // unified diff (---/+++ headers, @@ hunks, 3 lines of context)
  size_t added = 0, removed = 0;
  bool truncated = false;  // too different to compare line by line within the bound: all replaced
};
// `a` → `b`, line by line (Myers' O(ND) algorithm, bounded: beyond `max_edits` edits the whole
// text counts as replaced).
Diff diff(std::string_view a, std::string_view b, std::string_view a_name = "a", std::string_view b_name = "b", size_t max_edits = 2000);

}  // namespace wardsec::ops::config
