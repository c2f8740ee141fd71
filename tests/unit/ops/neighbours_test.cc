// LLDP/CDP neighbours from the variables of an SNMP walk, and their place among the network's
// devices (issue #20: a new SNMP neighbour is a new device).
#include <gtest/gtest.h>

#include "ops/netdevices.h"
#include "ops/probe/neighbours.h"

using namespace wardsec::ops;
using namespace wardsec::ops::probe;

namespace {

std::vector<uint32_t> oid(std::vector<uint32_t> base, std::initializer_list<uint32_t> more) {
  base.insert(base.end(), more);
  return base;
}
VarBind octets(std::vector<uint32_t> o, std::string b) { return {std::move(o), VarBind::kOctets, 0, std::move(b)}; }
VarBind integer(std::vector<uint32_t> o, int64_t n) { return {std::move(o), VarBind::kInteger, n, {}}; }

const auto& kRem = neighbour_tables()[0];
const auto& kMan = neighbour_tables()[1];
const auto& kLoc = neighbour_tables()[2];
const auto& kCdp = neighbour_tables()[3];

}  // namespace

TEST(Neighbours, LldpRemoteSystemsWithTheirAddressesAndOurPorts) {
  std::vector<VarBind> v = {
      // remote 1 on local port 5: chassis is a MAC, port an interface name, an IPv4 management address
      integer(oid(kRem, {4, 0, 5, 1}), 4),
      octets(oid(kRem, {5, 0, 5, 1}), std::string("\x00\x1b\x21\x3a\x4f\x10", 6)),
      integer(oid(kRem, {6, 0, 5, 1}), 5),
      octets(oid(kRem, {7, 0, 5, 1}), "GigabitEthernet0/0/24"),
      octets(oid(kRem, {9, 0, 5, 1}), "wk-access-sw-07"),
      octets(oid(kRem, {10, 0, 5, 1}), "Huawei Versatile Routing Platform Software"),
      integer(oid(kMan, {3, 0, 5, 1, 1, 4, 10, 20, 0, 7}), 2),
      // remote 2 on local port 6: chassis a network address (IPv4), port a MAC, binary sysName junk
      integer(oid(kRem, {4, 0, 6, 2}), 5),
      octets(oid(kRem, {5, 0, 6, 2}), std::string("\x01\x0a\x14\x00\x08", 5)),
      integer(oid(kRem, {6, 0, 6, 2}), 3),
      octets(oid(kRem, {7, 0, 6, 2}), std::string("\x00\x1b\x21\xaa\xbb\xcc", 6)),
      octets(oid(kRem, {9, 0, 6, 2}), std::string("a\x01\xff", 3)),
      // our ports
      octets(oid(kLoc, {3, 5}), "GE1/0/5"),
      octets(oid(kLoc, {4, 6}), "uplink to ward 6"),
      // a variable of another subtree and a malformed one (index too short) are skipped
      octets({1, 3, 6, 1, 2, 1, 1, 5, 0}, "me"),
      octets(oid(kRem, {9, 0, 7}), "short"),
  };
  auto n = neighbours_from(v);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].proto, "lldp");
  EXPECT_EQ(n[0].mac, "00:1b:21:3a:4f:10");
  EXPECT_EQ(n[0].chassis, "00:1b:21:3a:4f:10");
  EXPECT_EQ(n[0].name, "wk-access-sw-07");
  EXPECT_EQ(n[0].ip, "10.20.0.7");
  EXPECT_EQ(n[0].port, "GigabitEthernet0/0/24");
  EXPECT_EQ(n[0].local_port, "GE1/0/5");
  EXPECT_EQ(n[0].platform, "Huawei Versatile Routing Platform Software");
  EXPECT_EQ(n[1].mac, "") << "the chassis id is an address, not a MAC";
  EXPECT_EQ(n[1].chassis, "10.20.0.8");
  EXPECT_EQ(n[1].ip, "10.20.0.8");
  EXPECT_EQ(n[1].port, "00:1b:21:aa:bb:cc");
  EXPECT_EQ(n[1].name, "61 01 ff") << "bytes that are not text come as hex";
  EXPECT_EQ(n[1].local_port, "uplink to ward 6");
}

TEST(Neighbours, CdpCacheAndIpv6ManagementAddresses) {
  std::string v6(16, '\0');
  v6[0] = '\x20', v6[1] = '\x01', v6[2] = '\x0d', v6[3] = '\xb8', v6[15] = '\x09';
  std::vector<VarBind> v = {
      integer(oid(kCdp, {3, 10101, 1}), 1),
      octets(oid(kCdp, {4, 10101, 1}), std::string("\x0a\x14\x00\x09", 4)),
      octets(oid(kCdp, {6, 10101, 1}), "SEP001122334455"),
      octets(oid(kCdp, {7, 10101, 1}), "Port 1"),
      octets(oid(kCdp, {8, 10101, 1}), "Cisco IP Phone 8841"),
      octets(oid(kCdp, {6, 10102, 1}), ""),  // nothing that names it: left out
      integer(oid(kRem, {4, 0, 3, 9}), 7),
      octets(oid(kRem, {5, 0, 3, 9}), "pacs-modality-ct2"),
  };
  std::vector<uint32_t> addr;
  for (unsigned char c : v6) addr.push_back(c);
  auto m = oid(kMan, {3, 0, 3, 9, 2, 16});
  m.insert(m.end(), addr.begin(), addr.end());
  v.push_back(integer(m, 2));
  auto n = neighbours_from(v);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].proto, "lldp");
  EXPECT_EQ(n[0].chassis, "pacs-modality-ct2");
  EXPECT_EQ(n[0].ip, "2001:db8:0:0:0:0:0:9");
  EXPECT_EQ(n[0].local_port, "port 3");
  EXPECT_EQ(n[1].proto, "cdp");
  EXPECT_EQ(n[1].name, "SEP001122334455");
  EXPECT_EQ(n[1].ip, "10.20.0.9");
  EXPECT_EQ(n[1].platform, "Cisco IP Phone 8841");
  EXPECT_EQ(n[1].local_port, "ifIndex 10101");
}

TEST(Neighbours, BoundedAndTheManagementAddressLengthChecked) {
  std::vector<VarBind> v;
  for (uint32_t i = 1; i <= 50; i++) v.push_back(octets(oid(kRem, {9, 0, 1, i}), "n" + std::to_string(i)));
  EXPECT_EQ(neighbours_from(v, 10).size(), 10u);
  std::vector<VarBind> bad = {integer(oid(kMan, {3, 0, 1, 1, 1, 4, 10, 0, 0}), 2),        // the length says 4, 3 follow
                              integer(oid(kMan, {3, 0, 1, 2, 1, 4, 10, 0, 0, 300}), 2)};  // not a byte
  auto n = neighbours_from(bad);
  EXPECT_TRUE(n.empty()) << "no address, no name, no chassis: nothing to record";
  // 255 bytes that are not text: their hex stays within 255 characters (found by the fuzzer)
  std::vector<VarBind> long_bin = {octets(oid(kRem, {9, 0, 1, 1}), std::string(255, '\xff'))};
  auto l = neighbours_from(long_bin);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_LE(l[0].name.size(), 255u);
}

TEST(NetDevices, NeighboursJoinTheDevicesByMacOrByTheirChassis) {
  NetDevices nd;
  Neighbour a{"lldp", "00:1b:21:3a:4f:10", "00:1b:21:3a:4f:10", "wk-access-sw-07", "10.20.0.7", "GE0/0/24", "GE1/0/5", "VRP"};
  Neighbour b{"cdp", "", "SEP001122334455", "SEP001122334455", "10.20.0.9", "Port 1", "ifIndex 3", "Cisco IP Phone"};
  std::vector<Neighbour> ns = {a, b};
  nd.observe_neighbours("core-sw", ns, 1000);
  auto l = nd.list();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].id, "00:1b:21:3a:4f:10");
  EXPECT_EQ(l[0].via, "lldp@core-sw GE1/0/5");
  EXPECT_EQ(l[1].id, "cdp:SEP001122334455");
  EXPECT_EQ(l[1].mac, "");
  // the same MAC in a DHCP lease is the same device
  std::vector<wardsec::Event> batch(1);
  batch[0].raw = "x";
  batch[0].received = 2000;
  batch[0].set("client.mac", "00-1B-21-3A-4F-10");
  batch[0].set("client.ip", "10.20.0.7");
  nd.observe(batch);
  l = nd.list();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].first, 1000);
  EXPECT_EQ(l[0].last, 2000);
  nd.set_reported({"cdp:SEP001122334455"});
  NetDevices back;
  back.load_json(nd.to_json());
  auto r = back.list();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[1].reported);
  EXPECT_EQ(r[1].platform, "Cisco IP Phone");
  // an id that is neither a MAC nor a neighbour's is not taken from a hand-edited file
  back.load_json(nlohmann::json::parse(R"({"devices":[{"id":"x","mac":""},{"id":"lldp:","mac":""}]})"));
  EXPECT_EQ(back.list().size(), 2u);
}
