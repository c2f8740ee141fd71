// The database-audit stage of the live pipeline (PipelineOptions::enrich): statements that
// arrive as events (wardsec's own capture input, `wardsec dbaudit --format json` output sent
// to the center, MariaDB server_audit and pgaudit records over syslog) are analyzed and
// checked against the 防统方 policy as they are decoded, and the findings are written into the
// event (db.alert.*), so that search, the console's database pages and the Sigma rules
// rules/hospital/db_*.yml all read the same fields.
#pragma once
#include <functional>

#include "core/event.h"
#include "dbaudit/policy.h"

namespace wardsec::dbaudit {

// Fields written on statements:
//   db.operation, db.sql.tables, db.sql.group_by, db.sql.aggregates (comma-separated), db.sql.fingerprint
//   db.alert.kind     comma-separated alert kinds (tongfang, bulk_patient_read, ...)
//   db.alert.level    the highest: critical | high | medium
//   db.alert.reason   the reasons, "; "-separated
//   db.alert.evidence the statements behind cross-statement alerts, as a JSON array
// Returns true when the event was a statement.
bool enrich(Auditor& auditor, Event& ev);

std::function<void(Event&)> make_enricher(const Policy& policy);

}  // namespace wardsec::dbaudit
