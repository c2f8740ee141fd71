// The demo hospital's vulnerability scans (vuln_seed.cc): demo/hospital/vulns.csv, three scans
// (Greenbone 40 days ago, Nessus 20 days ago, Greenbone again 5 days ago), taken in as real
// imports so the pages show new, merged, fixed, overdue and unregistered findings. Only into a
// data folder that has no scans yet.
#pragma once
#include <cstdint>
#include <string>

#include "core/result.h"

namespace wardsec::demo {

Status seed_vulns(const std::string& data_dir, const std::string& csv_file, int tz_sec, int64_t now);

}  // namespace wardsec::demo
