// What the emergency plan and drill routes share (private to server/).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>

#include "emergency/service.h"
#include "server/api.h"

namespace wardsec::server::emergency_api {

inline emergency::Service* svc(Api& api) { return api.opt.emergency; }
inline Response off() { return fail(404, "应急预案未启用 / emergency plans are not available"); }

using server::body_object;
using server::id_param;
// A plan's references exist: its GB/T 20986 code, its catalog items, its graded systems.
Status check_refs(Api& api, const emergency::Plan& p);

// Drills (emergency_api2.cc).
void add_drill_routes(std::vector<Route>& t, Api* api);

}  // namespace wardsec::server::emergency_api
