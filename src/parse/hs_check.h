// A vectorscan fault this center works around (found by the family_lines fuzz target, which
// checks vectorscan against PCRE2): Debian 12's libvectorscan5 5.4.9, scanning with AVX-512,
// misses matches depending on where the text lies in memory. "[^>]*>" after a long run is the
// plainest case (47 of 64 alignments miss "<script" + 100 characters + ">"), but fuzzing also
// found a miss of '\d+,\d{4}/\d\d/\d\d \d\d:\d\d:\d\d,[^,\n]*,(?:TRAFFIC|THREAT),' (Palo Alto) after
// unrelated text, so no list of constructs is known to be safe. Upstream fixed a tail masking
// fault of the same accelerator later (VectorCamp/vectorscan pull request 378).
//
// The library is tested once per process, on this machine; where it misses, no regex is left to
// it: the device families' regexes are decided by PCRE2 on every line that reaches them, and
// Sigma's regexes take the engine's PCRE2 path. Literals (the families' `contains`, the web
// detector's literal sets) stay with vectorscan.
#pragma once
#include <string_view>

namespace wardsec {

// The self-test: true when this machine's vectorscan misses a match it must find.
bool vectorscan_misses_matches();

// Whether vectorscan's answer for a regex can be trusted here.
inline bool vectorscan_trusts_regexes() { return !vectorscan_misses_matches(); }

}  // namespace wardsec
