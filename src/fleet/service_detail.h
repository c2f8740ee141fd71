// Helpers the fleet service's files share. Private to fleet/.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "core/result.h"

namespace wardsec::fleet::detail {

// A string member, cut at `max` bytes; "" when absent or not a string (never throws).
std::string text_of(const nlohmann::json& j, const char* k, size_t max);
// A number member; 0 when absent or not a number.
int64_t int_of(const nlohmann::json& j, const char* k);
std::string err(const std::string& m);  // {"error": m}
std::string dump(const nlohmann::json& j);
// A write of the dossier's tables that failed: logged (the event store has the record).
void logged(const Status& s, const char* what);

}  // namespace wardsec::fleet::detail
