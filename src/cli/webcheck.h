// `wardsec webcheck`: inspect access-log lines or raw HTTP requests and print one verdict per
// request (the command-line contract in docs/web.md).
#pragma once
#include <string>
#include <vector>

#include "web/inspect.h"

namespace wardsec {

int run_webcheck(const std::vector<std::string>& files, bool raw, const std::string& format, const web::Policy& policy);

}  // namespace wardsec
