// Incident response in the center: the service (record, clock, reminders) opened before
// detection, so its auto-open rules see every new alert; what it does by itself goes into the
// store as signed wardsec.incident events.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "center/center.h"
#include "core/datadir.h"
#include "core/fields.h"
#include "core/timeutil.h"

namespace wardsec::center {

Status Center::open_incident() {
  auto svc = incident::Service::open(DataDir(cfg_.data_dir).incident_db(), cfg_.incident);
  if (!svc) return Error{svc.error()};
  incident_ = std::move(*svc);
  incident_->record = [emit = signed_emitter("wardsec.incident")](const std::string& action, int64_t id, const std::string& detail) {
    static const FieldId inc = FieldRegistry::intern("wardsec.incident.id");
    int64_t now = now_ns();
    Event ev;
    ev.raw = nlohmann::json{
        {"@timestamp", format_rfc3339(now)},
        {"event.dataset", "wardsec.incident"},
        {"event.action", action},
        {"incident.id", id},
        {"detail",
         detail}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ev.ts = ev.received = now;
    ev.set(kEventDataset, "wardsec.incident");
    ev.set(kEventModule, "wardsec");
    ev.set(kEventAction, action);
    ev.set(inc, std::to_string(id));
    ev.set(kMessage, "wardsec " + action + " incident " + std::to_string(id) + (detail.empty() ? "" : ": " + detail));
    emit(std::move(ev));
  };
  cfg_.detection.on_alert = [svc = incident_.get()](const alert::Alert& a) { svc->consider(a); };
  cfg_.http.incidents = incident_.get();
  // The emergency plans and drills beside it (incidents start from plans).
  emergency::Options eo{cfg_.data_dir, resolve_shipped("plans/templates"), cfg_.tz_sec};
  auto em = emergency::Service::open(eo);
  if (!em) return Error{em.error()};
  emergency_ = std::move(*em);
  cfg_.http.emergency = emergency_.get();
  return {};
}

}  // namespace wardsec::center
