// What a site tells the region about its 等保 work (docs/cluster.md): each graded system with
// its level, when it was graded and filed (定级备案), its last 等级测评 (date, score,
// conclusion) and whether the next is overdue, and its rectification tasks open and overdue;
// and its incidents by grade (一般/较大/重大/特别重大), open and of the last 30 days.
// Read from the site's own records (compliance.db, records.db); the collector publishes it on
// wardsec.<site>.compliance, the sink keeps the latest per site.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"

namespace wardsec::cluster {

Result<nlohmann::json> site_compliance(const std::string& data_dir, const std::string& today);

}  // namespace wardsec::cluster
