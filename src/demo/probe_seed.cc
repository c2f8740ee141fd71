#include "demo/probe_seed.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/datadir.h"
#include "core/files.h"

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

}  // namespace wardsec::demo
