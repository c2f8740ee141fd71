#include "ops/netdevices.h"

#include <algorithm>

#include "core/fields.h"

namespace wardsec::ops {

using nlohmann::json;

std::string normal_mac(std::string_view s) {
  std::string hex;
  for (char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c)))
      hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    else if (c != ':' && c != '-' && c != '.')
      return "";
  }
  if (hex.size() != 12) return "";
  if (hex == "000000000000" || hex == "ffffffffffff") return "";
  int first = std::stoi(hex.substr(0, 2), nullptr, 16);
  if (first & 1) return "";  // multicast
  std::string out;
  for (size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
  return out;
}

void NetDevices::observe(std::span<const Event> batch) {
  static const FieldId kClientMac = FieldRegistry::intern("client.mac"), kSourceMac = FieldRegistry::intern("source.mac"),
                       kClientIp = FieldRegistry::intern("client.ip"), kClientDomain = FieldRegistry::intern("client.domain"),
                       kHostHostname = FieldRegistry::intern("host.hostname");
  for (const Event& ev : batch) {
    if (!(ev.seen & ((1ull << (kClientMac % 64)) | (1ull << (kSourceMac % 64))))) continue;  // most lines: no MAC at all
    std::string_view mac, ip, name, ds, host;
    for (const auto& f : ev.fields) {
      if (f.id == kClientMac || (f.id == kSourceMac && mac.empty()))
        mac = ev.value(f);
      else if (f.id == kClientIp || (f.id == kSourceIp && ip.empty()))
        ip = ev.value(f);
      else if (f.id == kClientDomain || (f.id == kHostHostname && name.empty()))
        name = ev.value(f);
      else if (f.id == kEventDataset)
        ds = ev.value(f);
      else if (f.id == kHostName)
        host = ev.value(f);
    }
    if (ds.substr(0, 8) == "wardsec.") continue;
    std::string m = normal_mac(mac);
    if (m.empty()) continue;
    std::lock_guard l(mu_);
    auto it = by_mac_.find(m);
    if (it == by_mac_.end()) {
      if (by_mac_.size() >= max_) {
        dropped_++;
        continue;
      }
      it = by_mac_.emplace(m, NetDevice{}).first;
      it->second.mac = m;
      it->second.first = ev.received;
    }
    NetDevice& d = it->second;
    d.last = std::max(d.last, ev.received);
    if (!ip.empty()) d.ip = std::string(ip.substr(0, 45));
    if (!name.empty()) d.name = std::string(name.substr(0, 128));
    d.via = std::string(ds.substr(0, 40)) + (host.empty() ? "" : "@" + std::string(host.substr(0, 80)));
  }
}

std::vector<NetDevice> NetDevices::list() const {
  std::lock_guard l(mu_);
  std::vector<NetDevice> out;
  out.reserve(by_mac_.size());
  for (const auto& [k, v] : by_mac_) out.push_back(v);
  return out;
}

void NetDevices::set_reported(const std::vector<std::string>& macs) {
  std::lock_guard l(mu_);
  for (const auto& m : macs)
    if (auto it = by_mac_.find(m); it != by_mac_.end()) it->second.reported = true;
}

uint64_t NetDevices::dropped() const {
  std::lock_guard l(mu_);
  return dropped_;
}

json NetDevices::to_json() const {
  std::lock_guard l(mu_);
  json a = json::array();
  for (const auto& [k, d] : by_mac_)
    a.push_back(
        {{"mac", d.mac}, {"ip", d.ip}, {"name", d.name}, {"via", d.via}, {"first", d.first}, {"last", d.last}, {"reported", d.reported}});
  return {{"devices", a}, {"dropped", dropped_}};
}

void NetDevices::load_json(const json& j) {
  if (!j.is_object() || !j.contains("devices") || !j["devices"].is_array()) return;
  std::lock_guard l(mu_);
  for (const auto& x : j["devices"]) {
    if (!x.is_object()) continue;
    NetDevice d;
    d.mac = normal_mac(x.value("mac", ""));
    if (d.mac.empty() || by_mac_.size() >= max_) continue;
    d.ip = x.value("ip", "");
    d.name = x.value("name", "");
    d.via = x.value("via", "");
    d.first = x.value("first", int64_t{0});
    d.last = x.value("last", int64_t{0});
    d.reported = x.value("reported", false);
    by_mac_[d.mac] = d;
  }
}

}  // namespace wardsec::ops
