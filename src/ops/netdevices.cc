#include "ops/netdevices.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/fields.h"

namespace wardsec::ops {

using nlohmann::json;

std::string normal_mac(std::string_view s) {
  if (s.size() < 12 || s.size() > 17) return "";  // a netfilter MAC= (both ends and the type) is not one
  char hex[12];
  size_t n = 0;
  for (char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      if (n == 12) return "";
      hex[n++] = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c != ':' && c != '-' && c != '.') {
      return "";
    }
  }
  if (n != 12) return "";
  std::string_view h(hex, 12);
  if (h == "000000000000" || h == "ffffffffffff") return "";
  int first = std::isdigit(static_cast<unsigned char>(hex[1])) ? hex[1] - '0' : hex[1] - 'a' + 10;
  if (first & 1) return "";  // multicast
  std::string out;
  out.reserve(17);
  for (size_t i = 0; i < 12; i += 2) {
    if (i) out += ':';
    out.append(hex + i, 2);
  }
  return out;
}

void NetDevices::observe(std::span<const Event> batch) {
  static const FieldId kClientMac = FieldRegistry::intern("client.mac"), kSourceMac = FieldRegistry::intern("source.mac"),
                       kClientIp = FieldRegistry::intern("client.ip"), kClientDomain = FieldRegistry::intern("client.domain"),
                       kHostHostname = FieldRegistry::intern("host.hostname");
  std::unique_lock l(mu_, std::defer_lock);  // taken once per batch, at its first MAC
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
    if (!l.owns_lock()) l.lock();
    NetDevice* p = find_or_add(m, ev.received);
    if (!p) continue;
    NetDevice& d = *p;
    if (d.mac.empty()) d.mac = m;
    d.last = std::max(d.last, ev.received);
    // The same device seen again (most lines): nothing copied unless it changed.
    if (!ip.empty() && d.ip != ip.substr(0, 45)) d.ip = std::string(ip.substr(0, 45));
    if (!name.empty() && d.name != name.substr(0, 128)) d.name = std::string(name.substr(0, 128));
    ds = ds.substr(0, 40);
    host = host.substr(0, 80);
    std::string_view via = d.via;
    bool same = host.empty()
                    ? via == ds
                    : via.size() == ds.size() + 1 + host.size() && via.starts_with(ds) && via[ds.size()] == '@' && via.ends_with(host);
    if (!same) d.via = fmt::format("{}{}{}", ds, host.empty() ? "" : "@", host);
  }
}

NetDevice* NetDevices::find_or_add(const std::string& id, int64_t now) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    if (by_id_.size() >= max_) {
      dropped_++;
      return nullptr;
    }
    it = by_id_.emplace(id, NetDevice{}).first;
    it->second.id = id;
    it->second.first = now;
  }
  return &it->second;
}

void NetDevices::observe_neighbours(const std::string& probe, std::span<const probe::Neighbour> ns, int64_t now) {
  std::lock_guard l(mu_);
  for (const auto& n : ns) {
    std::string mac = normal_mac(n.mac);
    std::string id = !mac.empty() ? mac : n.proto + ":" + (n.chassis.empty() ? n.name : n.chassis).substr(0, 128);
    NetDevice* d = find_or_add(id, now);
    if (!d) continue;
    d->last = std::max(d->last, now);
    if (!mac.empty()) d->mac = mac;
    if (!n.ip.empty()) d->ip = n.ip.substr(0, 45);
    if (!n.name.empty()) d->name = n.name.substr(0, 128);
    d->port = n.port.substr(0, 80);
    d->platform = n.platform.substr(0, 255);
    d->via = fmt::format("{}@{}{}{}", n.proto, probe.substr(0, 64), n.local_port.empty() ? "" : " ", n.local_port.substr(0, 80));
  }
}

std::vector<NetDevice> NetDevices::list() const {
  std::lock_guard l(mu_);
  std::vector<NetDevice> out;
  out.reserve(by_id_.size());
  for (const auto& [k, v] : by_id_) out.push_back(v);
  return out;
}

void NetDevices::set_reported(const std::vector<std::string>& ids) {
  std::lock_guard l(mu_);
  for (const auto& m : ids)
    if (auto it = by_id_.find(m); it != by_id_.end()) it->second.reported = true;
}

uint64_t NetDevices::dropped() const {
  std::lock_guard l(mu_);
  return dropped_;
}

json NetDevices::to_json() const {
  std::lock_guard l(mu_);
  json a = json::array();
  for (const auto& [k, d] : by_id_) {
    json x = {{"id", d.id},   {"mac", d.mac},     {"ip", d.ip},     {"name", d.name},
              {"via", d.via}, {"first", d.first}, {"last", d.last}, {"reported", d.reported}};
    if (!d.port.empty()) x["port"] = d.port;
    if (!d.platform.empty()) x["platform"] = d.platform;
    a.push_back(std::move(x));
  }
  return {{"devices", a}, {"dropped", dropped_}};
}

void NetDevices::load_json(const json& j) {
  if (!j.is_object() || !j.contains("devices") || !j["devices"].is_array()) return;
  std::lock_guard l(mu_);
  for (const auto& x : j["devices"]) {
    if (!x.is_object()) continue;
    NetDevice d;
    d.mac = normal_mac(x.value("mac", ""));
    d.id = x.value("id", d.mac);  // files before neighbours were read had no id: the MAC was the key
    bool neighbour = d.id.rfind("lldp:", 0) == 0 || d.id.rfind("cdp:", 0) == 0;
    if ((d.id != d.mac || d.mac.empty()) && !(neighbour && d.id.size() > 5)) continue;
    if (by_id_.size() >= max_) continue;
    d.port = x.value("port", "");
    d.platform = x.value("platform", "");
    d.ip = x.value("ip", "");
    d.name = x.value("name", "");
    d.via = x.value("via", "");
    d.first = x.value("first", int64_t{0});
    d.last = x.value("last", int64_t{0});
    d.reported = x.value("reported", false);
    by_id_[d.id] = d;
  }
}

}  // namespace wardsec::ops
