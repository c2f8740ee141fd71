// One statement, alert or encrypted session as the JSON object of `wardsec dbaudit --format
// json` (the command-line contract in docs/dbaudit.md) and of the center's database-audit
// input: one shape for scripts, the store and the console.
#pragma once
#include <nlohmann/json.hpp>

#include "dbaudit/policy.h"
#include "dbaudit/protocol.h"

namespace wardsec::dbaudit {

nlohmann::json statement_json(const Statement& s);
nlohmann::json alert_json(const Statement& s, const DbAlert& a);
nlohmann::json tls_session_json(const Session& se);

}  // namespace wardsec::dbaudit
