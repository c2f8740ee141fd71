// Incidents and obligations as the API, the CLI and the reports show them (JSON, times RFC 3339).
#pragma once
#include <nlohmann/json.hpp>

#include "incident/model.h"

namespace wardsec::incident {

nlohmann::json incident_json(const Incident& i, int64_t now);
nlohmann::json obligation_json(const Obligation& o, int64_t now);
// The whole record: incident_json with its timeline, links and obligations (the API's detail,
// the CLI's show, the report forms, the evidence bundle's incident.json).
Result<nlohmann::json> record_json(Store& store, int64_t id);
// The GB/T 20986-2023 categories, each with its subcategories ({code, zh, en}).
nlohmann::json categories_json();

}  // namespace wardsec::incident
