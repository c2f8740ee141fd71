// The alerts a scan gives (资产核对): a host no registered asset matches (未登记资产, OM.AST.a) and
// a server whose open services changed between two port scans (CE.IPS.b). Raised like the other
// operations alerts (merged into the open one of the day, sent out when new).
#pragma once
#include <cstdint>

#include "alert/alert_store.h"
#include "vuln/service.h"

namespace wardsec::alert {
class Outputs;
}

namespace wardsec::ops {

void raise_scan_alerts(alert::AlertStore& alerts, alert::Outputs* outputs, const vuln::Taken& t, int64_t now);

}  // namespace wardsec::ops
