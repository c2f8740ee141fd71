// `wardsec webcheck`: inspect access-log lines or raw HTTP requests and print one verdict per
// request (the command-line contract in docs/web.md).
#pragma once
#include <string>
#include <vector>

#include "web/inspect.h"

namespace wardsec {

int run_webcheck(const std::vector<std::string>& files, bool raw, const std::string& format, const web::Policy& policy);

// Mirrored traffic: HTTP/1.1 requests reassembled from a pcap file or a live interface
// (until SIGINT/SIGTERM); one verdict per request, with the flow, as above.
int run_webcheck_capture(const std::string& pcap_file, const std::string& interface, const std::string& filter, const std::string& format,
                         const web::Policy& policy);

}  // namespace wardsec
