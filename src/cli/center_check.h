// `wardsec check center`: the center's evidence about itself (center_check.cc).
#pragma once
#include <string>

#include "compliance/hostcheck.h"

namespace wardsec {

// Prints one result per check (table or JSON lines, as `check host`); with `record_system`,
// stores each result as evidence for its catalog items of that graded system.
int run_check_center(const std::string& data_dir, int retention_days, const std::string& format, const std::string& record_system,
                     const std::string& key_dir = "");

}  // namespace wardsec
