#include "vuln/reconcile.h"

#include <algorithm>
#include <map>

#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::vuln {

std::vector<AssetSight> reconcile(const AssetMap& assets, const std::vector<HostRow>& hosts, const std::vector<LogSource>& sources,
                                  int64_t now, int unseen_days) {
  std::map<std::string, AssetSight> by_key;
  for (const auto& a : assets.registered()) {
    AssetSight s;
    s.key = s.asset = a.asset;
    s.ip = a.ip;
    s.system = a.system;
    s.zone = a.zone;
    s.type = a.type;
    s.owner = a.owner;
    s.registered = true;
    by_key[a.key] = std::move(s);
  }
  for (const auto& h : hosts) {
    AssetRef r = assets.resolve(h.ip, h.hostname);  // the inventory may have changed since the scan
    AssetSight& s = by_key[r.key];
    if (s.key.empty()) {
      s.key = r.key;
      s.ip = h.ip;
    }
    s.hostname = h.hostname.empty() ? s.hostname : h.hostname;
    if (!h.os.empty()) s.os = h.os;
    if (h.last_seen >= s.scan_seen) {
      s.scan_seen = h.last_seen;
      s.services = h.services;
    }
  }
  for (const auto& src : sources) {
    AssetRef r = assets.resolve(src.address, src.name);
    if (!r.registered() && !looks_like_ip(src.address)) continue;  // a name only: nothing to match or scan
    AssetSight& s = by_key[r.key];
    if (s.key.empty()) {
      s.key = r.key;
      s.ip = src.address;
      s.hostname = src.name;
    }
    s.log_seen = std::max(s.log_seen, src.last);
  }
  std::vector<AssetSight> out;
  int64_t limit = now - static_cast<int64_t>(unseen_days) * 86400 * kSec;
  for (auto& [k, s] : by_key) {
    if (!s.registered)
      s.state = "unregistered";
    else if (s.last_seen() == 0)
      s.state = "never_seen";
    else if (s.last_seen() < limit)
      s.state = "unseen";
    else
      s.state = "ok";
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const AssetSight& a, const AssetSight& b) {
    auto rank = [](const std::string& st) { return st == "unregistered" ? 0 : st == "unseen" ? 1 : st == "never_seen" ? 2 : 3; };
    return rank(a.state) < rank(b.state);
  });
  return out;
}

}  // namespace wardsec::vuln
