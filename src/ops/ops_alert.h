// The alerts of operations monitoring (the source monitor's and the prober's): made with their
// 等保 items and basis, raised (merged into the open one within a day, sent out when new) and
// closed by the center when the problem ends.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "alert/alert_store.h"

namespace wardsec::alert {
class Outputs;
}

namespace wardsec::ops {

struct AlertText {
  const char* rule;
  const char* zh;
  const char* en;
  const char* level;
};

// The alert for `asset`, tagged with the 等保 items (`mlps`, as the rules tag them without
// "mlps.") and `basis` (the requirement's text, appended to the summary).
alert::Alert ops_alert(const AlertText& t, const std::string& asset, std::string summary, int64_t now, const std::vector<std::string>& mlps,
                       const char* basis);
// Raised; sent out when new. Its id, 0 when it could not be recorded.
int64_t raise_alert(alert::AlertStore& alerts, alert::Outputs* outputs, alert::Alert& a, int64_t now);
// Closed by the center (a person's closing stands).
void close_alert(alert::AlertStore& alerts, int64_t id, const std::string& why, int64_t now);

}  // namespace wardsec::ops
