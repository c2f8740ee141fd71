// Which registered asset a scanned host is (by address first, then by host name, the short
// name of an FQDN too), and the context a finding's priority needs from it: its zone, its
// graded system's level, whether that system holds patients' data, whether it can be patched.
// A host no asset matches is keyed by its address ("ip:10.0.0.9"): an unregistered asset
// (未登记资产), tracked all the same.
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compliance/inventory.h"
#include "vuln/priority.h"

namespace wardsec::vuln {

struct AssetRef {
  std::string key;    // the asset's name, or "ip:<address>" when unregistered
  std::string asset;  // "" when unregistered
  std::string system, zone, type, owner, ip;
  AssetContext ctx;
  bool registered() const { return !asset.empty(); }
};

class AssetMap {
 public:
  AssetMap() = default;
  // `patient_systems`: the systems whose classified data holds personal information.
  AssetMap(const std::vector<compliance::Asset>& assets, const std::vector<compliance::System>& systems,
           const std::set<std::string>& patient_systems, const PriorityPolicy& policy);
  AssetRef resolve(std::string_view ip, std::string_view hostname) const;
  // A key as resolve() gives it back to its context (an unregistered key: no context).
  AssetRef by_key(const std::string& key) const;
  const std::vector<AssetRef>& registered() const { return refs_; }
  const PriorityPolicy& policy() const { return policy_; }

 private:
  std::vector<AssetRef> refs_;
  std::unordered_map<std::string, size_t> by_ip_, by_name_, by_key_;
  PriorityPolicy policy_;
};

}  // namespace wardsec::vuln
