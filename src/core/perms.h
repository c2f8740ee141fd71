// Files only the service can read: what the center writes is 0600 in 0700 folders (the
// process runs with umask 077), and at start the data and key folders are checked and
// tightened, each fix named in the log.
#pragma once
#include <string>
#include <vector>

namespace wardsec {

// Sets umask 077 for the process (call first thing in main).
void restrict_umask();
// Walks `dir`: folders more open than 0700 and files more open than 0600 are tightened.
// Returns one line per fix ("chmod 0644 -> 0600 data/alerts.db"); errors are lines too.
std::vector<std::string> tighten_tree(const std::string& dir);

}  // namespace wardsec
