#include "enrich/db_statement.h"

#include <nlohmann/json.hpp>

#include "dbaudit/record.h"
#include "dbaudit/sql.h"
#include "parse/parser.h"

namespace wardsec::enrich {

using namespace dbaudit;

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string o;
  for (const auto& x : v) o += (o.empty() ? "" : sep) + x;
  return o;
}

int rank(const std::string& level) { return level == "critical" ? 3 : level == "high" ? 2 : 1; }

struct Ids {
  FieldId statement = FieldRegistry::intern("db.statement"), system = FieldRegistry::intern("db.system"),
          user = FieldRegistry::intern("db.user.name"), db = FieldRegistry::intern("db.name"),
          program = FieldRegistry::intern("client.program"), host = FieldRegistry::intern("client.host"),
          sip = FieldRegistry::intern("source.ip"), rows = FieldRegistry::intern("db.response.returned_rows"),
          affected = FieldRegistry::intern("db.response.affected_rows"), operation = FieldRegistry::intern("db.operation"),
          tables = FieldRegistry::intern("db.sql.tables"), group_by = FieldRegistry::intern("db.sql.group_by"),
          aggregates = FieldRegistry::intern("db.sql.aggregates"), fingerprint = FieldRegistry::intern("db.sql.fingerprint"),
          kind = FieldRegistry::intern("db.alert.kind"), level = FieldRegistry::intern("db.alert.level"),
          reason = FieldRegistry::intern("db.alert.reason"), evidence = FieldRegistry::intern("db.alert.evidence"),
          dataset = FieldRegistry::intern("event.dataset"), error = FieldRegistry::intern("error.code");
};
const Ids& ids() {
  static const Ids i;
  return i;
}

}  // namespace

namespace {

// What the analysis and the policy found, as db.* fields.
void write_findings(Event& ev, const SqlInfo& sql, const std::vector<DbAlert>& alerts) {
  const Ids& f = ids();
  ev.set(f.operation, sql.operation);
  ev.set(f.tables, join(sql.tables));
  if (!sql.group_by.empty()) ev.set(f.group_by, join(sql.group_by));
  if (!sql.aggregates.empty()) ev.set(f.aggregates, join(sql.aggregates));
  ev.set(f.fingerprint, sql.fingerprint);
  if (alerts.empty()) return;
  std::vector<std::string> kinds, reasons;
  std::string level = "medium";
  nlohmann::json evidence = nlohmann::json::array();
  for (const auto& a : alerts) {
    if (std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end()) kinds.push_back(a.kind);
    reasons.push_back(a.kind + ": " + a.reason);
    if (rank(a.level) > rank(level)) level = a.level;
    if (a.statements.size() > 1)
      for (const auto& t : a.statements) evidence.push_back(t);
  }
  ev.set(f.kind, join(kinds));
  ev.set(f.level, level);
  ev.set(f.reason, join(reasons, "; "));
  if (!evidence.empty()) ev.set(f.evidence, evidence.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

bool audit_statement(Auditor& auditor, Event& ev) {
  const Ids& f = ids();
  if (ev.flags & kAnalysed) return true;   // built by the capture input, which analysed it
  if (!ev.has(f.statement)) return false;  // server_audit and pgaudit lines: parse/dbaudit_log.h
  auto se = std::make_shared<Session>();
  se->system = std::string(ev.get(f.system));
  se->user = std::string(ev.get(f.user));
  se->database = std::string(ev.get(f.db));
  se->program = std::string(ev.get(f.program));
  se->client_host = std::string(ev.get(f.host));
  se->client.ip = std::string(ev.get(f.sip));
  Statement s;
  s.session = se;
  s.text = std::string(ev.get(f.statement));
  s.ts = ev.ts;
  uint64_t v;
  if (parse_u64(ev.get(f.rows), v)) s.rows = static_cast<int64_t>(v);
  if (parse_u64(ev.get(f.affected), v)) s.affected = static_cast<int64_t>(v);
  s.sql = analyze_sql(s.text);
  write_findings(ev, s.sql, auditor.check(s));
  return true;
}

Event statement_event(const Statement& s, Auditor& auditor, int64_t received) {
  Event ev;
  ev.raw = statement_json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ParseContext ctx;
  ctx.received = received;
  ev.received = received;
  parse_json_object(ev, ev.raw, ctx, true);  // the same fields a sender of this record gets
  write_findings(ev, s.sql, auditor.check(s));
  ev.flags |= kAnalysed;
  return ev;
}

Event session_event(const Session& se, int64_t received) {
  Event ev;
  ev.raw = tls_session_json(se).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ParseContext ctx;
  ctx.received = received;
  ev.received = received;
  ev.ts = received;
  parse_json_object(ev, ev.raw, ctx, false);
  return ev;
}

}  // namespace wardsec::enrich
