// The demo's configuration record (配置变更): the core switches and the DMZ firewall of the demo
// hospital with a week of versions — a baseline, a change made under a ticket, and an unplanned
// night-time ACL change by a vendor account — so the page and the weekly report show what a
// hospital will see. The devices have no login (the demo has no real switch to fetch from):
// versions are handed in as uploads would be.
#pragma once
#include <cstdint>
#include <string>

#include "core/result.h"

namespace wardsec::demo {

// Seeds <data>/ops/configs.db when it holds no device, and the data self-check's settings
// (<data>/ops/datacheck.json: the demo's HIS tables and its Bacula backup) when there are none.
Status seed_configs(const std::string& data_dir, const std::string& key_dir, int tz_sec, int64_t now);

}  // namespace wardsec::demo
