// The demo hospital's emergency plans and drills (emergency_seed.cc).
#pragma once
#include <cstdint>
#include <string>

#include "core/result.h"

namespace wardsec::demo {

// Writes the demo's plans and drills into an empty <data>/emergency.db (nothing when it has
// plans already); the graded systems come from the inventory already in <data>/compliance.db.
Status seed_emergency(const std::string& data_dir, const std::string& templates_dir, int tz_sec, int64_t now);

}  // namespace wardsec::demo
