// Devices the network itself reveals (记录每台新接入网络的设备): a MAC address with its IP address
// in a line the center already reads — a DHCP server's lease (ISC dhcpd DHCPACK, Windows DHCP
// audit lines as the families decode them), a switch's or firewall's ARP or MAC-learning record —
// is a device on the network whether or not it sends logs itself; so is a switch's or router's
// LLDP or CDP neighbour, read by its SNMP probe (probe/neighbours.h). Each is kept (MAC, last
// address, name, first and last seen, which device told) in <data>/ops/netdevices.json, keyed
// by its MAC, or for a neighbour whose chassis id is not a MAC by "lldp:<chassis>" or
// "cdp:<device id>"; the source monitor raises the new-device alert for one first seen after the
// first population was known and not in the inventory (by name or address).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "core/event.h"
#include "enrich/stage.h"
#include "ops/probe/neighbours.h"

namespace wardsec::ops {

struct NetDevice {
  std::string id;                  // the key: the MAC, or "lldp:…"/"cdp:…"
  std::string mac, ip, name, via;  // via: the dataset and host that reported it, or the probe and port
  std::string port, platform;      // a neighbour's port towards the device that saw it, and its system
  int64_t first = 0, last = 0;
  bool reported = false;  // alerted as new once
};

// "00:1B:21:3A:4F:10", "001b.213a.4f10", "00-1b-21-3a-4f-10" → "00:1b:21:3a:4f:10"; "" not a MAC
// (or a broadcast, zero or multicast one).
std::string normal_mac(std::string_view s);

class NetDevices {
 public:
  explicit NetDevices(size_t max = 100000) : max_(max) {}
  void observe(std::span<const Event> batch);
  // The neighbours an SNMP probe (`probe`, of the device `device`) read at `now`.
  void observe_neighbours(const std::string& probe, std::span<const probe::Neighbour> ns, int64_t now);
  std::vector<NetDevice> list() const;
  void set_reported(const std::vector<std::string>& ids);
  nlohmann::json to_json() const;
  void load_json(const nlohmann::json& j);
  uint64_t dropped() const;

 private:
  mutable std::mutex mu_;
  NetDevice* find_or_add(const std::string& id, int64_t now);  // null when full (counted)
  std::map<std::string, NetDevice> by_id_;
  size_t max_;
  uint64_t dropped_ = 0;
};

class NetDeviceStage final : public enrich::Stage {
 public:
  explicit NetDeviceStage(std::shared_ptr<NetDevices> d) : d_(std::move(d)) {}
  std::string_view name() const override { return "net-devices"; }
  void run(std::span<Event> batch) override { d_->observe(batch); }

 private:
  std::shared_ptr<NetDevices> d_;
};

}  // namespace wardsec::ops
