// `wardsec dbaudit`: database statements from a pcap file or a live interface (issue #6).
#pragma once
#include <string>

namespace wardsec {

int run_dbaudit(const std::string& pcap_file, const std::string& interface, const std::string& filter, const std::string& format);

}  // namespace wardsec
