// The libFuzzer entry points (the ASan build with -DWARDSEC_FUZZ=ON): one binary for every
// target, the target named by $WARDSEC_FUZZ_TARGET (scripts/fuzz.sh sets it).
#include <cstdio>
#include <cstdlib>

#include "fuzz.h"

namespace {
const wardsec::fuzz::Target* current = nullptr;
}

// The targets build what they share once, in statics (every family compiled into one vectorscan
// database, the Sigma rules): done here, before the fuzzing starts, so that one-time work never
// counts against the first input's -timeout on a loaded machine.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* name = std::getenv("WARDSEC_FUZZ_TARGET");
  current = name ? wardsec::fuzz::find_target(name) : nullptr;
  if (!current) {
    std::fprintf(stderr, "set WARDSEC_FUZZ_TARGET to one of the targets (fuzz_replay --list); %s is none\n", name ? name : "unset");
    std::exit(2);
  }
  static const uint8_t empty = 0;
  current->fn({}, &empty, 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  current->fn({reinterpret_cast<const char*>(data), size}, data, size);
  return 0;
}
