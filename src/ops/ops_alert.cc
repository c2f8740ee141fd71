#include "ops/ops_alert.h"

#include <spdlog/spdlog.h>

#include "alert/outputs.h"
#include "core/timeutil.h"

namespace wardsec::ops {

alert::Alert ops_alert(const AlertText& t, const std::string& asset, std::string summary, int64_t now, const std::vector<std::string>& mlps,
                       const char* basis) {
  alert::Alert a;
  a.rule_id = t.rule;
  a.rule_title_zh = t.zh;
  a.rule_title = t.en;
  a.rule_kind = "ops";
  a.level = t.level;
  a.mlps = mlps;
  a.asset = asset;
  a.summary = std::move(summary) + basis;
  a.first_ts = a.last_ts = now;
  a.dedup_key = a.rule_id + "|" + asset;
  return a;
}

int64_t raise_alert(alert::AlertStore& alerts, alert::Outputs* outputs, alert::Alert& a, int64_t now) {
  auto r = alerts.raise(a, 24 * 3600 * kSec, now);
  if (!r) {
    spdlog::error("cannot record the alert '{}' for {}: {}", a.rule_title, a.asset, r.error());
    return 0;
  }
  if (r->created && !r->suppressed && outputs) {
    a.id = r->id;
    outputs->notify(a);
  }
  return r->id;
}

void close_alert(alert::AlertStore& alerts, int64_t id, const std::string& why, int64_t now) {
  if (id) (void)alerts.set_state(id, alert::State::kClosedTruePositive, "wardsec", why, now);
}

}  // namespace wardsec::ops
