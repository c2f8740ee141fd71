// Active response on the agent (主动响应), only the fixed list and only what the center's
// security administrator enabled: block an address with nftables (a set with timeouts in
// table inet wardsec), lock an account (usermod -L and expiry; never root), end a process
// (only when its pid still names the process given). Each is reversible but the last.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace wardsec::agent {

struct Outcome {
  bool ok = false;
  std::string result;
};

// `revert`: undo what `action` with `args` did.
Outcome run_response(const std::string& action, const nlohmann::json& args, bool revert);

}  // namespace wardsec::agent
