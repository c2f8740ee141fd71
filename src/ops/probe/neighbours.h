// A network device's neighbours as its own SNMP tables tell them (记录新接入网络的设备): the LLDP
// remote systems (LLDP-MIB, IEEE 802.1AB: lldpRemTable and lldpRemManAddrTable, with the local
// ports of lldpLocPortTable) and Cisco's CDP cache (CISCO-CDP-MIB cdpCacheTable). The walk
// (snmp_pool.cc) hands the variables it read here; this part does no I/O, so the fuzz build
// has it too (tests/fuzz snmp_neighbours).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace wardsec::ops::probe {

// One variable of a walk: its OID, and its value as an integer or as octets (other types: kOther).
struct VarBind {
  enum Type { kInteger, kOctets, kOther };
  std::vector<uint32_t> oid;
  Type type = kOther;
  int64_t num = 0;
  std::string bytes;
};

struct Neighbour {
  std::string proto;       // "lldp" or "cdp"
  std::string mac;         // the chassis' MAC ("00:1b:21:3a:4f:10") when its id is one
  std::string chassis;     // the chassis id as text (a MAC, an address, a name or hex)
  std::string name;        // lldpRemSysName / cdpCacheDeviceId
  std::string ip;          // its management address (the first IPv4 one, else IPv6)
  std::string port;        // its port towards us
  std::string local_port;  // our port towards it
  std::string platform;    // lldpRemSysDesc / cdpCachePlatform
};

// The subtrees a walk reads, in this order.
inline const std::vector<std::vector<uint32_t>>& neighbour_tables() {
  static const std::vector<std::vector<uint32_t>> t = {
      {1, 0, 8802, 1, 1, 2, 1, 4, 1, 1},         // lldpRemEntry
      {1, 0, 8802, 1, 1, 2, 1, 4, 2, 1},         // lldpRemManAddrEntry
      {1, 0, 8802, 1, 1, 2, 1, 3, 7, 1},         // lldpLocPortEntry
      {1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1},  // cdpCacheEntry
  };
  return t;
}

// The neighbours in the variables of a walk (any order; variables of other subtrees and
// malformed ones are skipped). At most `max` neighbours; each text at most 255 bytes, printable
// (control bytes and invalid UTF-8 make the value hex).
std::vector<Neighbour> neighbours_from(std::span<const VarBind> vars, size_t max = 1024);

}  // namespace wardsec::ops::probe
