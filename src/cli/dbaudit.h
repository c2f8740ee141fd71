// `wardsec dbaudit`: database statements from a pcap file or a live interface (issue #6).
#pragma once
#include <string>

namespace wardsec {

// `policy_file`: the 防统方 policy (config/dbaudit/policy.yaml); statements that break it are
// followed by alert objects (alert.kind tongfang, bulk_patient_read, tool_access, ...).
int run_dbaudit(const std::string& pcap_file, const std::string& interface, const std::string& filter, const std::string& format,
                const std::string& policy_file);

}  // namespace wardsec
