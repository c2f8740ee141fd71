// Reading members of JSON from the other side of the agent channel (either side) without
// trusting their types: a wrong type is "" or 0, never an exception.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace wardsec::fleet {

// A string member, cut at `max` bytes; "" when `j` is not an object, or it is absent or not a string.
std::string json_text(const nlohmann::json& j, const char* k, size_t max = 1u << 20);
// A number member (a float is truncated, an unsigned beyond int64 saturates); 0 otherwise.
int64_t json_int(const nlohmann::json& j, const char* k);

}  // namespace wardsec::fleet
