// Literals a regular expression cannot match without. The engine leaves some regexes to PCRE2
// (the ones this machine's vectorscan cannot be trusted with, parse/hs_check.h); without more,
// a rule with such a regex would be evaluated on every event its logsource accepts. With the
// regex's required literals scanned by vectorscan as plain literals (which it gets right), the
// rule is only evaluated when one of them is in the text, and PCRE2 still decides.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace wardsec::detect {

// Lower-cased literals such that every text the regex (PCRE2 syntax, UTF mode, any flags)
// matches contains at least one of them, compared without case (ASCII); empty when no such
// list can be named (the regex is only read, never trusted: anything not understood gives up).
// Literals shorter than `min_len` do not count. `caseless`: the regex may match without case
// (its i flag, or an inline option); PCRE2 then also matches k and s to the Kelvin sign and
// the long s, so those two letters are never part of a literal.
std::vector<std::string> required_literals(std::string_view re, bool caseless, size_t min_len = 2);

}  // namespace wardsec::detect
