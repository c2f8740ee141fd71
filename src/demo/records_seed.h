// The demo hospital's management records (records_seed.cc): staff, policies, training,
// inspections, suppliers and changes from demo/hospital/records/*.csv.
#pragma once
#include <cstdint>
#include <string>

#include "core/result.h"

namespace wardsec::demo {

// Imports each kind's file into an empty kind of <data>/records.db (a kind with records is left
// alone). The files are written for 2026; their dates move by whole years to today's, so the
// demo's training is this year's whenever it runs.
Status seed_records(const std::string& data_dir, const std::string& dir, const std::string& catalog_file, int tz_sec, int64_t now);

}  // namespace wardsec::demo
