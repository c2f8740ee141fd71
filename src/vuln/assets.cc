#include "vuln/assets.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::vuln {

AssetMap::AssetMap(const std::vector<compliance::Asset>& assets, const std::vector<compliance::System>& systems,
                   const std::set<std::string>& patient_systems, const PriorityPolicy& policy)
    : policy_(policy) {
  auto in = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  for (const auto& a : assets) {
    AssetRef r;
    r.key = r.asset = a.name;
    r.system = a.system;
    r.zone = a.zone;
    r.type = a.type;
    r.owner = a.owner;
    r.ip = a.ip;
    r.ctx.internet = in(policy.internet_zones, a.zone);
    r.ctx.unpatchable = in(policy.unpatchable_types, a.type);
    for (const auto& s : systems)
      if (s.id == a.system) r.ctx.level = s.level;
    r.ctx.patient_data = !a.system.empty() && patient_systems.count(a.system) > 0;
    size_t i = refs_.size();
    refs_.push_back(std::move(r));
    if (!a.ip.empty()) by_ip_.emplace(a.ip, i);
    by_name_.emplace(to_lower(a.name), i);
    by_key_.emplace(a.name, i);
  }
}

AssetRef AssetMap::resolve(std::string_view ip, std::string_view hostname) const {
  if (auto it = by_ip_.find(std::string(ip)); !ip.empty() && it != by_ip_.end()) return refs_[it->second];
  std::string h = to_lower(hostname);
  if (!h.empty()) {
    if (auto it = by_name_.find(h); it != by_name_.end()) return refs_[it->second];
    if (size_t dot = h.find('.'); dot != std::string::npos)
      if (auto it = by_name_.find(h.substr(0, dot)); it != by_name_.end()) return refs_[it->second];
  }
  AssetRef r;
  r.key = "ip:" + std::string(ip.empty() ? hostname : ip);
  r.ip = std::string(ip);
  return r;
}

AssetRef AssetMap::by_key(const std::string& key) const {
  if (auto it = by_key_.find(key); it != by_key_.end()) return refs_[it->second];
  AssetRef r;
  r.key = key;
  if (key.rfind("ip:", 0) == 0) r.ip = key.substr(3);
  return r;
}

}  // namespace wardsec::vuln
