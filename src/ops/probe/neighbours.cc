#include "ops/probe/neighbours.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/strutil.h"

namespace wardsec::ops::probe {

namespace {

constexpr size_t kText = 255;

bool under(const std::vector<uint32_t>& oid, const std::vector<uint32_t>& root) {
  return oid.size() > root.size() && std::equal(root.begin(), root.end(), oid.begin());
}

std::string hex(std::string_view b, char sep) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < b.size() && s.size() + (i && sep ? 3 : 2) <= kText; i++) {
    if (i && sep) s += sep;
    auto c = static_cast<unsigned char>(b[i]);
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

// Printable text as it is (trailing NULs and blanks dropped), anything else in hex.
std::string text(std::string_view b) {
  while (!b.empty() && (b.back() == '\0' || b.back() == ' ')) b.remove_suffix(1);
  if (b.size() > kText) b = b.substr(0, kText);
  bool printable = valid_utf8(b) && std::none_of(b.begin(), b.end(), [](char c) {
                     auto u = static_cast<unsigned char>(c);
                     return u < 0x20 || u == 0x7f;
                   });
  return printable ? std::string(b) : hex(b, ' ');
}

std::string mac_of(std::string_view b) {
  if (b.size() != 6) return "";
  std::string m = hex(b, ':');
  if (m == "00:00:00:00:00:00" || m == "ff:ff:ff:ff:ff:ff" || (static_cast<unsigned char>(b[0]) & 1)) return "";
  return m;
}

std::string ipv4(std::span<const uint32_t> o) {
  if (o.size() != 4 || std::any_of(o.begin(), o.end(), [](uint32_t x) { return x > 255; })) return "";
  return std::to_string(o[0]) + "." + std::to_string(o[1]) + "." + std::to_string(o[2]) + "." + std::to_string(o[3]);
}

std::string ipv6(std::span<const uint32_t> o) {
  if (o.size() != 16 || std::any_of(o.begin(), o.end(), [](uint32_t x) { return x > 255; })) return "";
  std::string s;
  for (size_t i = 0; i < 16; i += 2) {
    char g[8];
    std::snprintf(g, sizeof g, "%s%x", i ? ":" : "", (o[i] << 8) | o[i + 1]);
    s += g;
  }
  return s;
}

std::string bytes_ip(std::string_view b) {
  std::vector<uint32_t> o;
  for (char c : b) o.push_back(static_cast<unsigned char>(c));
  return b.size() == 4 ? ipv4(o) : b.size() == 16 ? ipv6(o) : "";
}

struct Lldp {
  int64_t chassis_type = 0, port_type = 0;
  std::string chassis, port, port_desc, name, desc, ip4, ip6;
  uint32_t local = 0;
};

}  // namespace

std::vector<Neighbour> neighbours_from(std::span<const VarBind> vars, size_t max) {
  const auto& t = neighbour_tables();
  const auto &rem = t[0], &man = t[1], &loc = t[2], &cdp = t[3];
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, Lldp> lldp;
  std::map<uint32_t, std::string> local_id, local_desc;
  std::map<std::pair<uint32_t, uint32_t>, Neighbour> cdps;
  auto room = [&] { return lldp.size() + cdps.size() < max; };
  for (const VarBind& v : vars) {
    const auto& o = v.oid;
    if (under(o, rem) && o.size() == rem.size() + 4) {  // column . timeMark . localPort . index
      auto key = std::make_tuple(o[rem.size() + 1], o[rem.size() + 2], o[rem.size() + 3]);
      if (!lldp.count(key) && !room()) continue;
      Lldp& n = lldp[key];
      n.local = o[rem.size() + 2];
      uint32_t col = o[rem.size()];
      if (v.type == VarBind::kInteger) {
        if (col == 4) n.chassis_type = v.num;
        if (col == 6) n.port_type = v.num;
      } else if (v.type == VarBind::kOctets) {
        if (col == 5) n.chassis = v.bytes.substr(0, kText);
        if (col == 7) n.port = v.bytes.substr(0, kText);
        if (col == 8) n.port_desc = text(v.bytes);
        if (col == 9) n.name = text(v.bytes);
        if (col == 10) n.desc = text(v.bytes);
      }
    } else if (under(o, man) && o.size() > man.size() + 5) {  // column . timeMark . localPort . index . subtype . len . addr
      auto key = std::make_tuple(o[man.size() + 1], o[man.size() + 2], o[man.size() + 3]);
      auto it = lldp.find(key);
      if (it == lldp.end()) {
        if (!room()) continue;
        it = lldp.emplace(key, Lldp{}).first;
        it->second.local = o[man.size() + 2];
      }
      uint32_t subtype = o[man.size() + 4], len = o[man.size() + 5];
      std::span<const uint32_t> addr(o.data() + man.size() + 6, o.size() - man.size() - 6);
      if (addr.size() != len) continue;
      if (subtype == 1 && it->second.ip4.empty()) it->second.ip4 = ipv4(addr);
      if (subtype == 2 && it->second.ip6.empty()) it->second.ip6 = ipv6(addr);
    } else if (under(o, loc) && o.size() == loc.size() + 2 && v.type == VarBind::kOctets && local_id.size() < 4096) {
      uint32_t col = o[loc.size()], port = o[loc.size() + 1];
      if (col == 3) local_id[port] = text(v.bytes);
      if (col == 4) local_desc[port] = text(v.bytes);
    } else if (under(o, cdp) && o.size() == cdp.size() + 3) {  // column . ifIndex . deviceIndex
      auto key = std::make_pair(o[cdp.size() + 1], o[cdp.size() + 2]);
      if (!cdps.count(key) && !room()) continue;
      Neighbour& n = cdps[key];
      n.proto = "cdp";
      n.local_port = "ifIndex " + std::to_string(key.first);
      uint32_t col = o[cdp.size()];
      if (v.type != VarBind::kOctets) continue;
      if (col == 4) n.ip = bytes_ip(v.bytes);  // cdpCacheAddress (cdpCacheAddressType 1: ip)
      if (col == 6) n.name = n.chassis = text(v.bytes);
      if (col == 7) n.port = text(v.bytes);
      if (col == 8) n.platform = text(v.bytes);
    }
  }
  std::vector<Neighbour> out;
  for (auto& [k, l] : lldp) {
    Neighbour n;
    n.proto = "lldp";
    if (l.chassis_type == 4) n.mac = mac_of(l.chassis);  // macAddress
    std::string chassis_ip;                              // networkAddress: IANA family 1 (IPv4) or 2 (IPv6), then the address
    if (l.chassis_type == 5 && l.chassis.size() > 1 && (l.chassis[0] == 1 || l.chassis[0] == 2))
      chassis_ip = n.chassis = bytes_ip(std::string_view(l.chassis).substr(1));
    if (n.chassis.empty()) n.chassis = !n.mac.empty() ? n.mac : text(l.chassis);
    n.port = l.port_type == 3 && !mac_of(l.port).empty() ? mac_of(l.port) : text(l.port);  // macAddress
    if (n.port.empty()) n.port = l.port_desc;
    n.name = l.name;
    n.platform = l.desc;
    n.ip = !l.ip4.empty() ? l.ip4 : !l.ip6.empty() ? l.ip6 : chassis_ip;
    auto id = local_id.find(l.local), desc = local_desc.find(l.local);
    n.local_port = id != local_id.end() && !id->second.empty()         ? id->second
                   : desc != local_desc.end() && !desc->second.empty() ? desc->second
                                                                       : "port " + std::to_string(l.local);
    if (n.chassis.empty() && n.name.empty() && n.ip.empty()) continue;  // nothing that names it
    out.push_back(std::move(n));
  }
  for (auto& [k, n] : cdps)
    if (!n.name.empty() || !n.ip.empty()) out.push_back(std::move(n));
  return out;
}

}  // namespace wardsec::ops::probe
