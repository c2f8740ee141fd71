// The database-audit stage of the live pipeline (PipelineOptions::enrich): statements that
// arrive as events (wardsec's own capture input, `wardsec dbaudit --format json` output sent
// to the center, MariaDB server_audit and pgaudit records over syslog) are analyzed and
// checked against the 防统方 policy as they are decoded, and the findings are written into the
// event (db.alert.*), so that search, the console's database pages and the Sigma rules
// rules/hospital/db_*.yml all read the same fields.
#pragma once

#include "core/event.h"
#include "dbaudit/policy.h"
#include "enrich/stage.h"

namespace wardsec::enrich {

// Fields written on statements:
//   db.operation, db.sql.tables, db.sql.group_by, db.sql.aggregates (comma-separated), db.sql.fingerprint
//   db.alert.kind     comma-separated alert kinds (tongfang, bulk_patient_read, ...)
//   db.alert.level    the highest: critical | high | medium
//   db.alert.reason   the reasons, "; "-separated
//   db.alert.evidence the statements behind cross-statement alerts, as a JSON array
// Returns true when the event was a statement.
bool audit_statement(dbaudit::Auditor& auditor, Event& ev);

// An event for a statement the capture input decoded and analysed (flag kAnalysed): the
// raw record is its JSON form, the fields are set directly, and the policy's findings come
// from `auditor` (the capture's own), so the stage does not analyse it a second time.
Event statement_event(const dbaudit::Statement& s, dbaudit::Auditor& auditor, int64_t received);
// An encrypted session the capture saw (its statements cannot be read).
Event session_event(const dbaudit::Session& se, int64_t received);

// The stage: owns its auditor, whose cross-statement state (bulk reads, 统方 patterns over
// several statements) lives from batch to batch.
class DbStatementStage final : public Stage {
 public:
  explicit DbStatementStage(const dbaudit::Policy& policy) : auditor_(policy) {}
  std::string_view name() const override { return "db-statement"; }
  void run(std::span<Event> batch) override {
    for (Event& ev : batch) audit_statement(auditor_, ev);
  }

 private:
  dbaudit::Auditor auditor_;
};

}  // namespace wardsec::enrich
