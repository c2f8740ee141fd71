// What the incident routes share (private to server/).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>

#include "incident/service.h"
#include "server/api.h"

namespace wardsec::server::incident_api {

inline incident::Service* svc(Api& api) { return api.opt.incidents; }
inline Response off() { return fail(404, "应急响应未启用 / incident response is not running"); }

using server::body_object;
using server::id_param;

// Reports, evidence, roster and policy (incident_api2.cc).
void add_incident_routes2(std::vector<Route>& t, Api* api);

}  // namespace wardsec::server::incident_api
