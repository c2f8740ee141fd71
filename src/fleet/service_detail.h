// Helpers the fleet service's files share. Private to fleet/.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "core/result.h"
#include "fleet/json_get.h"

namespace wardsec::fleet::detail {

using fleet::json_int;
using fleet::json_text;
std::string err(const std::string& m);  // {"error": m}
std::string dump(const nlohmann::json& j);
// A write of the dossier's tables that failed: logged (the event store has the record).
void logged(const Status& s, const char* what);

}  // namespace wardsec::fleet::detail
