#include "enrich/places.h"

#include <algorithm>

namespace wardsec::enrich {

Zone zone_from_config(std::string_view name, const Cidr& cidr) {
  name = trim(name);
  size_t sp = name.find(' ');
  Zone z;
  z.key = std::string(name.substr(0, sp));
  if (sp != std::string_view::npos) z.name_zh = std::string(trim(name.substr(sp + 1)));
  z.cidr = cidr;
  return z;
}

Places::Places(std::vector<Zone> configured, const std::vector<compliance::Zone>& inventory_zones,
               const std::vector<compliance::Asset>& assets, const std::vector<compliance::System>& systems)
    : zones_(std::move(configured)), assets_(assets, systems) {
  for (const auto& iz : inventory_zones) {
    auto c = parse_cidr(iz.cidr);
    if (!c) continue;  // an inventory zone without an address range names no addresses
    auto known = std::find_if(zones_.begin(), zones_.end(), [&](const Zone& z) { return z.key == iz.name; });
    if (known == zones_.end())
      zones_.push_back({iz.name, iz.name_zh, *c});
    else if (known->name_zh.empty())
      known->name_zh = iz.name_zh;
  }
}

const Zone* Places::zone(std::string_view key) const {
  for (const auto& z : zones_)
    if (z.key == key) return &z;
  return nullptr;
}

const Zone* Places::zone_of(std::string_view ip) const {
  if (zones_.empty()) return nullptr;
  auto a = parse_ip(ip);
  if (!a) return nullptr;
  for (const auto& z : zones_)
    if (z.cidr.contains(*a)) return &z;
  return nullptr;
}

std::string Places::zone_key_of(std::string_view ip) const {
  auto a = parse_ip(ip);
  if (!a) return {};
  for (const auto& z : zones_)
    if (z.cidr.contains(*a)) return z.key;
  return is_private(*a) ? "" : "public";
}

bool is_private(const IpAddr& a) {
  static const std::vector<Cidr> nets = [] {
    std::vector<Cidr> v;
    for (const char* c : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "fc00::/7",
                          "fe80::/10", "::1"})
      v.push_back(*parse_cidr(c));
    return v;
  }();
  for (const auto& c : nets)
    if (c.contains(a)) return true;
  return false;
}

std::string_view sender_ip(std::string_view s) {
  if (auto sp = s.find(' '); sp != std::string_view::npos) s = s.substr(sp + 1);
  if (!s.empty() && s[0] == '[') return s.substr(1, s.find(']') - 1);
  if (s.find(':') == s.rfind(':')) return s.substr(0, s.find(':'));
  return s;
}

void AssetStage::run(std::span<Event> batch) {
  static const FieldId host_zone = FieldRegistry::intern("host.zone"), source_zone = FieldRegistry::intern("source.zone"),
                       destination_zone = FieldRegistry::intern("destination.zone"), host_system = FieldRegistry::intern("host.system");
  const Places& p = *places_;
  bool any_zone = !p.zones().empty();
  for (Event& ev : batch) {
    // Every lookup first: the values point into the event, which a set() may move.
    std::string_view hip = ev.get(kHostIp);
    if (hip.empty()) hip = sender_ip(ev.get(kLogSourceAddress));
    const Zone* hz = any_zone && !ev.has(host_zone) ? p.zone_of(hip) : nullptr;
    std::string sz = any_zone && !ev.has(source_zone) ? p.zone_key_of(ev.get(kSourceIp)) : std::string();
    std::string dz = any_zone && !ev.has(destination_zone) ? p.zone_key_of(ev.get(kDestinationIp)) : std::string();
    const compliance::System* sys = nullptr;
    if (!ev.has(host_system) && (ev.has(kHostName) || !hip.empty()))
      if (auto hit = p.asset(ev.get(kHostName), hip)) sys = hit->system;
    if (hz) ev.set(host_zone, hz->key);
    if (!sz.empty()) ev.set(source_zone, sz);
    if (!dz.empty()) ev.set(destination_zone, dz);
    if (sys) ev.set(host_system, sys->id);
  }
}

}  // namespace wardsec::enrich
