// `wardsec api routes` (every API route with the permission it needs) and `wardsec version`.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/cli.h"
#include "server/http.h"

namespace wardsec::cli {

void add_api_commands(Cli& cli) {
  cli.command(nullptr, "version", "print the version", [](Config&) {
    std::printf("wardsec %s\n", kVersion);
    return 0;
  });
  auto* api = cli.group("api", "the console's API");
  cli.command(api, "routes", "print every API route with the permission it needs (JSON lines)", [](Config&) {
    for (const auto& r : server::build_routes(nullptr))
      std::printf("%s\n", nlohmann::json{{"method", r.method},
                                         {"path", r.pattern},
                                         {"permission", server::perm_name(r.perm)},
                                         {"login_step", r.session_any_stage},
                                         {"summary", r.summary}}
                              .dump()
                              .c_str());
    return 0;
  });
}

}  // namespace wardsec::cli
