// Sections of the operations report kept apart from ops_report.cc (private to report/).
#pragma once
#include <cstdint>
#include <string>

#include "core/result.h"
#include "report/common.h"
#include "report/report.h"

namespace wardsec::report {

struct DutyCounts {
  size_t changes = 0, unplanned = 0, bulk = 0, backup_bad = 0;
};
// "七、网络设备配置变更" and "八、数据自我检测与备份" for [from, to).
Result<std::string> ops_duty_sections(const Sources& src, int64_t from, int64_t to, const detail::Words& L, DutyCounts& n);

// The security incidents (incident/) discovered in [from, to) and in [prev, from), by grade,
// with those still open and those whose report deadline was missed: a table for section 五.
Result<std::string> ops_incident_table(const Sources& src, int64_t from, int64_t to, int64_t prev, const detail::Words& L);

}  // namespace wardsec::report
