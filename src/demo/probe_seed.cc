#include "demo/probe_seed.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"

namespace wardsec::demo {

namespace {
// "0.0.0.0:8443" is probed on the loopback.
std::pair<std::string, int> split(const std::string& addr) {
  auto c = addr.rfind(':');
  std::string host = addr.substr(0, c);
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "127.0.0.1";
  return {host, std::atoi(addr.c_str() + c + 1)};
}
}  // namespace

Status seed_probes(const std::string& data_dir, const std::string& console, const std::string& syslog_tcp, const std::string& bastion) {
  DataDir d(data_dir);
  std::error_code ec;
  if (std::filesystem::exists(d.ops_probes(), ec)) return {};
  std::filesystem::create_directories(d.ops(), ec);
  nlohmann::json base = {
      {"system", "安全管理中心"}, {"asset", "wardsec-01"}, {"zone", "安全运维区"}, {"interval_s", 30}, {"fail_after", 2}};
  auto probes = nlohmann::json::array();
  if (!console.empty()) {
    auto [h, p] = split(console);
    auto j = base;
    j.update({{"id", "wardsec-console"},
              {"name", "管理控制台 HTTPS"},
              {"kind", "http"},
              {"url", "https://" + h + ":" + std::to_string(p) + "/"},
              {"tls_verify", false},
              {"slow_ms", 2000}});  // the demo's certificate is self-signed
    probes.push_back(j);
  }
  if (!syslog_tcp.empty()) {
    auto [h, p] = split(syslog_tcp);
    auto j = base;
    j.update({{"id", "wardsec-syslog"}, {"name", "日志接收 TCP"}, {"kind", "tcp"}, {"host", h}, {"port", p}});
    probes.push_back(j);
  }
  if (!bastion.empty()) {
    auto [h, p] = split(bastion);
    auto j = base;
    j.update({{"id", "wardsec-bastion"}, {"name", "堡垒机 SSH"}, {"kind", "tcp"}, {"host", h}, {"port", p}});
    probes.push_back(j);
  }
  auto j = base;
  j.update({{"id", "wardsec-host"}, {"name", "中心主机 ICMP"}, {"kind", "icmp"}, {"host", "127.0.0.1"}});
  probes.push_back(j);
  return write_file_atomic(d.ops_probes(), nlohmann::json{{"probes", probes}}.dump(1));
}

// The devices the demo's network revealed over the last days: its core switch's LLDP neighbours
// (the second core switch, the HIS database server, and an access switch nobody registered), and DHCP clients (a nurse
// station and a CT console not in the inventory). Seen before watching began: listed on the 日志源
// page as registered or not, not alerted.
Status seed_netdevices(const std::string& data_dir, int64_t now) {
  DataDir d(data_dir);
  std::string path = d.ops() + "/netdevices.json";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return {};
  std::filesystem::create_directories(d.ops(), ec);
  constexpr int64_t kHour = 3600 * kSec;
  auto dev = [&](const char* id, const char* mac, const char* ip, const char* name, const char* via, const char* port, const char* platform,
                 int hours_ago) {
    nlohmann::json j = {{"id", id},
                        {"mac", mac},
                        {"ip", ip},
                        {"name", name},
                        {"via", via},
                        {"first", now - hours_ago * kHour},
                        {"last", now - kHour / 6},
                        {"reported", false}};
    if (*port) j["port"] = port;
    if (*platform) j["platform"] = platform;
    return j;
  };
  nlohmann::json devices = {
      dev("lldp:sw-core-02", "", "10.20.3.2", "sw-core-02", "lldp@sw-core-01 XGigabitEthernet0/0/48", "XGigabitEthernet0/0/48",
          "Huawei Versatile Routing Platform Software, S7700", 240),
      dev("70:7b:e8:1c:52:0a", "70:7b:e8:1c:52:0a", "10.50.0.252", "sw-acc-5f-02", "lldp@sw-core-01 GigabitEthernet0/0/17",
          "GigabitEthernet0/0/1", "H3C Comware Software, S5130S-28S-EI", 30),
      dev("00:1e:67:4a:10:0b", "00:1e:67:4a:10:0b", "10.20.0.13", "his-db-01", "lldp@sw-core-01 GigabitEthernet0/0/1", "enp3s0",
          "Kylin Linux Advanced Server V10 (lldpd)", 240),
      dev("3c:52:82:6e:01:9d", "3c:52:82:6e:01:9d", "10.50.3.12", "WS-NUR-0312", "dhcpd.lease@dhcp-01", "", "", 52),
      dev("00:0e:8c:a1:22:07", "00:0e:8c:a1:22:07", "10.60.1.22", "CT-CONSOLE-02", "dhcpd.lease@dhcp-01", "", "", 6),
  };
  return write_file_atomic(path, nlohmann::json{{"devices", devices}, {"dropped", 0}}.dump(1));
}

}  // namespace wardsec::demo
