// Discovered against registered (资产核对): every registered asset and every host that scans or
// log sources saw, side by side. A host no asset matches is unregistered (未登记资产); a
// registered asset neither a scan nor its logs have shown for `unseen_days` is flagged (长期未见),
// and one never seen at all is told apart from it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "vuln/assets.h"
#include "vuln/store.h"

namespace wardsec::vuln {

// A log source as the source monitor knows it (ops/sources.json): passive discovery.
struct LogSource {
  std::string name, address;
  int64_t last = 0;
};

struct AssetSight {
  std::string key, asset, ip, hostname, system, zone, type, owner, os;
  bool registered = false;
  int64_t scan_seen = 0, log_seen = 0;  // ns, 0 never
  std::string state;                    // ok, unregistered, unseen, never_seen
  std::vector<Service> services;
  int64_t last_seen() const { return std::max(scan_seen, log_seen); }
};

std::vector<AssetSight> reconcile(const AssetMap& assets, const std::vector<HostRow>& hosts, const std::vector<LogSource>& sources,
                                  int64_t now, int unseen_days);

}  // namespace wardsec::vuln
