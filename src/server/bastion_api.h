// What the bastion's two route files share (private to server/).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "bastion/service.h"
#include "server/api.h"

namespace wardsec::server::bastion_api {

using server::id_param;

inline bastion::Service* svc(Api& api) { return api.opt.bastion; }

inline Response off() { return fail(404, "堡垒机未启用 / the bastion is off (bastion.listen)"); }

// A JSON array of strings (other members are skipped).
inline std::vector<std::string> strings(const nlohmann::json& j, const char* k) {
  std::vector<std::string> out;
  if (j.contains(k) && j[k].is_array())
    for (const auto& v : j[k])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// The rest of the bastion's routes (bastion_api2.cc).
void add_record_routes(std::vector<Route>& t, Api* api);

}  // namespace wardsec::server::bastion_api
