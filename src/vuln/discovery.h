// Active discovery (资产发现) with Nmap, Debian's `nmap` run as a child process: a TCP connect
// scan (no root needed) with service and version detection of the configured networks, its XML
// read by read_nmap. Opt-in: nothing is scanned unless networks are configured, and a scan
// asked for by hand may only name targets inside them. Targets and ports are checked character
// by character before they reach nmap's command line (no shell is involved either way).
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include "core/result.h"
#include "vuln/report.h"

namespace wardsec::vuln {

struct DiscoveryConfig {
  std::vector<std::string> networks;  // CIDRs, e.g. 10.20.0.0/22; empty: discovery is off
  std::string ports = "top:200";      // "top:N" (nmap --top-ports) or a list "22,80,443,1000-1100"
  bool versions = true;               // -sV (service and version detection)
  int timeout_sec = 3600;             // the whole scan; nmap is killed past it
  int host_timeout_sec = 300;
  std::string nmap = "/usr/bin/nmap";
  std::string schedule;  // "HH:MM" daily, "" none (a scan only when asked)
};

// Problems with a configuration ("" when fine): networks that are not CIDRs, ports nmap would
// not take.
std::string check_config(const DiscoveryConfig& c);
// The targets a scan may take: each an address or CIDR inside a configured network; all the
// configured networks when `targets` is empty.
Result<std::vector<std::string>> scan_targets(const DiscoveryConfig& c, const std::vector<std::string>& targets);
// The command line (for the log and the tests), without the output file.
std::vector<std::string> nmap_args(const DiscoveryConfig& c, const std::vector<std::string>& targets);
// Runs nmap in `workdir` and reads its XML. Errors say what nmap said.
// `stop` (when given) ends the scan early: nmap is killed.
Result<ScanReport> run_nmap(const DiscoveryConfig& c, const std::vector<std::string>& targets, const std::string& workdir,
                            const std::atomic<bool>* stop = nullptr);

}  // namespace wardsec::vuln
