// Where an address or host is: the security zones (from the configuration's `zones` and the
// inventory's zones) and the inventory's assets with their graded systems. One lookup for the
// whole center: the asset stage writes its answers onto events, and detection, the dashboard
// and the reports read them (or ask this same object about an address an alert names).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compliance/inventory.h"
#include "core/result.h"
#include "core/strutil.h"
#include "enrich/stage.h"

namespace wardsec::enrich {

struct Zone {
  std::string key;      // "core": what events carry (host.zone, source.zone, destination.zone)
  std::string name_zh;  // "核心业务区"
  Cidr cidr;
  // "core 核心业务区": what alerts and the console show.
  std::string label() const { return name_zh.empty() ? key : key + " " + name_zh; }
};

// A zone from the configuration's form "core 核心业务区" (key, then the display name).
Zone zone_from_config(std::string_view name, const Cidr& cidr);

class Places {
 public:
  Places() = default;
  // Configured zones first (they win on overlap), then the inventory's zones not configured.
  Places(std::vector<Zone> configured, const std::vector<compliance::Zone>& inventory_zones, const std::vector<compliance::Asset>& assets,
         const std::vector<compliance::System>& systems);
  // The zone whose CIDR holds the address (first match), nullptr when none or not an address.
  const Zone* zone_of(std::string_view ip) const;
  // The zone's key, "public" for a public address that no zone holds, "" otherwise.
  std::string zone_key_of(std::string_view ip) const;
  // The inventory asset a host name or address names.
  std::optional<compliance::AssetIndex::Hit> asset(std::string_view host, std::string_view ip) const {
    if (assets_.size() == 0) return std::nullopt;
    return assets_.find(host, ip);
  }
  const std::vector<Zone>& zones() const { return zones_; }
  const Zone* zone(std::string_view key) const;

 private:
  std::vector<Zone> zones_;
  compliance::AssetIndex assets_;
};

bool is_private(const IpAddr& a);

// "tcp 10.20.0.5:41234" / "udp [::1]:514" (log.source.address) -> the address.
std::string_view sender_ip(std::string_view source_address);

// The asset and zone stage. On every event it writes, when not already there:
//   host.zone         zone key of the host that logged (host.ip, else the sender's address)
//   source.zone       zone key of source.ip ("public" for a public address)
//   destination.zone  zone key of destination.ip ("public" for a public address)
//   host.system       the graded system (inventory id) of the host, when it is an asset
class AssetStage final : public Stage {
 public:
  explicit AssetStage(std::shared_ptr<const Places> places) : places_(std::move(places)) {}
  std::string_view name() const override { return "asset-zone"; }
  void run(std::span<Event> batch) override;

 private:
  std::shared_ptr<const Places> places_;
};

}  // namespace wardsec::enrich
