#include "ops/asset_alerts.h"

#include <fmt/format.h>

#include "ops/ops_alert.h"

namespace wardsec::ops {

void raise_scan_alerts(alert::AlertStore& alerts, alert::Outputs* outputs, const vuln::Taken& t, int64_t now) {
  static const AlertText kUnknown{"wardsec.asset.unregistered", "发现未登记资产", "An unregistered asset was found", "medium"};
  static const AlertText kService{"wardsec.asset.service_change", "服务器开放服务发生变化", "A server's open services changed", "low"};
  int64_t scan = t.res.scan.id;
  for (const auto& ip : t.res.unregistered) {
    auto a = ops_alert(
        kUnknown, ip,
        fmt::format("扫描 #{0} 发现 {1}，资产台账中没有此设备 / scan #{0} found {1}, which no registered asset names. ", scan, ip), now,
        {"OM.AST.a"}, "等保要求：编制并保存与保护对象相关的资产清单 / keep a list of the assets under protection");
    raise_alert(alerts, outputs, a, now);
  }
  for (const auto& c : t.res.changes) {
    std::string what = fmt::format("{}/{}{}", c.port, c.proto, c.name.empty() ? "" : " (" + c.name + ")");
    auto a = ops_alert(kService, c.akey,
                       c.change == "added" ? fmt::format("扫描 #{0}: 新开放服务 {1} / scan #{0}: a service opened: {1}. ", scan, what)
                                           : fmt::format("扫描 #{0}: 服务已关闭 {1} / scan #{0}: a service closed: {1}. ", scan, what),
                       now, {"CE.IPS.b"}, "等保要求：关闭不需要的系统服务和高危端口 / disable unneeded services and high-risk ports");
    a.dedup_key += "|" + what + "|" + c.change;
    raise_alert(alerts, outputs, a, now);
  }
}

}  // namespace wardsec::ops
