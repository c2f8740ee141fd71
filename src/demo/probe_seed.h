// The demo's probes (运行状态): the center's own services, which answer on any machine — its
// console (HTTPS), its syslog TCP input, its bastion's SSH port and ICMP to the host — as the
// 安全管理中心 system in the 安全运维区. The hospital's own systems (HIS, PACS ...) exist only in
// the demo's logs, so probing them would show made-up outages: a hospital adds its real ones.
#pragma once
#include <string>

#include "core/result.h"

namespace wardsec::demo {

// Writes <data>/ops/probes.json when there is none. Addresses "host:port"; "" leaves one out.
Status seed_probes(const std::string& data_dir, const std::string& console, const std::string& syslog_tcp, const std::string& bastion);

// The devices the demo's network revealed (<data>/ops/netdevices.json), unless it exists.
Status seed_netdevices(const std::string& data_dir, int64_t now);

}  // namespace wardsec::demo
