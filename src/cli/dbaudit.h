// `wardsec dbaudit`: database statements from a pcap file, a live interface, or the
// databases' own audit logs (issue #6).
#pragma once
#include <string>

#include "dbaudit/policy.h"

namespace wardsec {

struct DbauditOptions {
  std::string pcap_file, interface, filter;
  std::string log_file, log_format = "auto";  // an audit log export instead of traffic
  std::string format = "json";                // json or text
  std::string policy_file;                    // the 防统方 policy; empty: dbaudit.policy of the config
};

// Statements that break the policy are followed by alert objects (alert.kind tongfang,
// bulk_patient_read, tool_access, ...; docs/dbaudit.md).
int run_dbaudit(const DbauditOptions& o, const dbaudit::Policy& policy);

}  // namespace wardsec
