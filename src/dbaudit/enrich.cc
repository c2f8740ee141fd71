#include "dbaudit/enrich.h"

#include <nlohmann/json.hpp>

#include "dbaudit/auditlog.h"

namespace wardsec::dbaudit {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string o;
  for (const auto& x : v) o += (o.empty() ? "" : sep) + x;
  return o;
}

int rank(const std::string& level) { return level == "critical" ? 3 : level == "high" ? 2 : 1; }

struct Ids {
  FieldId statement = FieldRegistry::intern("db.statement"), system = FieldRegistry::intern("db.system"),
          user = FieldRegistry::intern("db.user.name"), db = FieldRegistry::intern("db.name"), program = FieldRegistry::intern("client.program"),
          host = FieldRegistry::intern("client.host"), sip = FieldRegistry::intern("source.ip"), rows = FieldRegistry::intern("db.response.returned_rows"),
          affected = FieldRegistry::intern("db.response.affected_rows"), operation = FieldRegistry::intern("db.operation"),
          tables = FieldRegistry::intern("db.sql.tables"), group_by = FieldRegistry::intern("db.sql.group_by"),
          aggregates = FieldRegistry::intern("db.sql.aggregates"), fingerprint = FieldRegistry::intern("db.sql.fingerprint"),
          kind = FieldRegistry::intern("db.alert.kind"), level = FieldRegistry::intern("db.alert.level"), reason = FieldRegistry::intern("db.alert.reason"),
          evidence = FieldRegistry::intern("db.alert.evidence"), dataset = FieldRegistry::intern("event.dataset"), error = FieldRegistry::intern("error.code");
};
const Ids& ids() {
  static const Ids i;
  return i;
}

// A server_audit or pgaudit record that came over syslog: its statement as db.* fields.
bool from_syslog(Event& ev, const Ids& f) {
  std::string_view prog = ev.get(kProcessName), msg = ev.get(kMessage);
  if (msg.empty()) return false;
  Statement s;
  bool ok = false;
  if (prog.find("server_audit") != std::string_view::npos || prog == "mysql-server_auditing") ok = parse_mariadb_audit(msg, s);
  else if (msg.find("AUDIT: ") != std::string_view::npos && (prog.empty() || prog.find("postgres") != std::string_view::npos)) ok = parse_pgaudit(msg, s);
  if (!ok) return false;
  const Session& se = *s.session;
  ev.set(f.statement, s.text);
  ev.set(f.system, se.system);
  if (!se.user.empty()) ev.set(f.user, se.user);
  if (!se.database.empty()) ev.set(f.db, se.database);
  if (!se.client.ip.empty()) ev.set(f.sip, se.client.ip);
  if (!s.error_code.empty()) ev.set(f.error, s.error_code);
  ev.set(f.dataset, "dbaudit.statement");
  return true;
}

}  // namespace

bool enrich(Auditor& auditor, Event& ev) {
  const Ids& f = ids();
  if (!ev.has(f.statement) && !from_syslog(ev, f)) return false;
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
  ev.set(f.operation, s.sql.operation);
  ev.set(f.tables, join(s.sql.tables));
  if (!s.sql.group_by.empty()) ev.set(f.group_by, join(s.sql.group_by));
  if (!s.sql.aggregates.empty()) ev.set(f.aggregates, join(s.sql.aggregates));
  ev.set(f.fingerprint, s.sql.fingerprint);
  auto alerts = auditor.check(s);
  if (alerts.empty()) return true;
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
  return true;
}

std::function<void(Event&)> make_enricher(const Policy& policy) {
  auto a = std::make_shared<Auditor>(policy);
  return [a](Event& ev) { enrich(*a, ev); };
}

}  // namespace wardsec::dbaudit
