// Incidents and obligations as the API, the CLI and the reports show them (JSON, times RFC 3339).
#pragma once
#include <nlohmann/json.hpp>

#include "incident/model.h"

namespace wardsec::incident {

nlohmann::json incident_json(const Incident& i, int64_t now);
nlohmann::json obligation_json(const Obligation& o, int64_t now);

}  // namespace wardsec::incident
