#include "dbaudit/record.h"

#include "core/timeutil.h"

namespace wardsec::dbaudit {

namespace {
void who(nlohmann::json& j, const Session& se) {
  j["db.system"] = se.system;
  j["db.user.name"] = se.user;
  j["db.name"] = se.database;
  j["client.program"] = se.program;
  if (!se.client_host.empty()) j["client.host"] = se.client_host;
  j["source.ip"] = se.client.ip;
  if (se.client.port) j["source.port"] = se.client.port;
  if (!se.server.ip.empty()) j["destination.ip"] = se.server.ip;
  if (se.server.port) j["destination.port"] = se.server.port;
  if (se.midstream) j["db.session.midstream"] = true;
  if (se.login_encrypted) j["db.session.login_encrypted"] = true;
}
}  // namespace

nlohmann::json statement_json(const Statement& s) {
  nlohmann::json j;
  j["@timestamp"] = format_rfc3339(s.ts);
  j["event.dataset"] = "dbaudit.statement";
  if (s.session) who(j, *s.session);
  j["db.statement"] = s.text;
  j["db.statement.kind"] = s.kind;
  j["db.operation"] = s.sql.operation;
  j["db.sql.tables"] = s.sql.tables;
  j["db.sql.columns"] = s.sql.columns;
  j["db.sql.aggregates"] = s.sql.aggregates;
  j["db.sql.group_by"] = s.sql.group_by;
  j["db.sql.has_where"] = s.sql.has_where;
  j["db.sql.fingerprint"] = s.sql.fingerprint;
  if (s.rows >= 0) j["db.response.returned_rows"] = s.rows;
  if (s.affected >= 0) j["db.response.affected_rows"] = s.affected;
  if (!s.error_code.empty()) {
    j["error.code"] = s.error_code;
    j["error.message"] = s.error_message;
  }
  if (s.latency_ns >= 0) j["event.duration"] = s.latency_ns;
  return j;
}

nlohmann::json alert_json(const Statement& s, const DbAlert& a) {
  nlohmann::json j;
  j["@timestamp"] = format_rfc3339(s.ts);
  j["event.dataset"] = "dbaudit.alert";
  j["alert.kind"] = a.kind;
  j["alert.level"] = a.level;
  j["alert.reason"] = a.reason;
  if (s.session) who(j, *s.session);
  j["statements"] = a.statements;
  return j;
}

nlohmann::json tls_session_json(const Session& se) {
  nlohmann::json j;
  j["event.dataset"] = "dbaudit.session";
  who(j, se);
  j["db.session.tls"] = true;
  return j;
}

}  // namespace wardsec::dbaudit
