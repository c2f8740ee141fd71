// A vectorscan fault this center works around (found by the family_lines fuzz target, which
// checks vectorscan against PCRE2): Debian 12's libvectorscan5 5.4.9, scanning with AVX-512,
// misses matches of a negated one-character class followed by that character ("[^>]*>",
// "[^\"]*\" fw=") when the run is longer than a vector, depending on where the text lies in
// memory (47 of 64 alignments miss "<script" + 100 characters + ">"). Upstream fixed a tail
// masking fault of the same accelerator later (VectorCamp/vectorscan pull request 378).
//
// The library is tested once per process, on this machine; where it misses, a regex with the
// construct is left to PCRE2 (the device families' scan, Sigma's regexes). Literals and the
// other constructs checked are matched correctly and stay with vectorscan.
#pragma once
#include <string_view>

namespace wardsec {

// The self-test: true when this machine's vectorscan misses a match it must find.
bool vectorscan_misses_negated_runs();

// "[^x]" with one character (or one escaped character) in the class, anywhere in `regex`.
bool has_negated_one_char_class(std::string_view regex);

// Whether vectorscan's answer for `regex` can be trusted here (no to both of the above).
inline bool vectorscan_trusts(std::string_view regex) { return !has_negated_one_char_class(regex) || !vectorscan_misses_negated_runs(); }

}  // namespace wardsec
