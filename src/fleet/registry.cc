#include "fleet/registry.h"

#include <openssl/rand.h>
#include <sqlite3.h>

#include "core/sqlite.h"
#include "store/crypto.h"

namespace wardsec::fleet {
namespace {

const char* kSchema =
    "CREATE TABLE IF NOT EXISTS agents(id TEXT PRIMARY KEY, name TEXT NOT NULL, ip TEXT NOT NULL DEFAULT '', grp TEXT NOT NULL,"
    " serial TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL, enrolled INTEGER NOT NULL, cert_expires INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0, revoked_by TEXT NOT NULL DEFAULT '', revoked_reason TEXT NOT NULL DEFAULT '',"
    " last_seen INTEGER NOT NULL DEFAULT 0, version TEXT NOT NULL DEFAULT '', os TEXT NOT NULL DEFAULT '', kernel TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL DEFAULT '{}', log_seq INTEGER NOT NULL DEFAULT 0, config_version INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS tokens(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, grp TEXT NOT NULL, label TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL, uses_left INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0,"
    " by TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS groups(name TEXT PRIMARY KEY, config TEXT NOT NULL, version INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " by TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS inventory(agent TEXT PRIMARY KEY, at INTEGER NOT NULL, snapshot TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS changes(id INTEGER PRIMARY KEY, agent TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,"
    " change TEXT NOT NULL, item TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS changes_agent ON changes(agent, id);"
    "CREATE TABLE IF NOT EXISTS fim(id INTEGER PRIMARY KEY, agent TEXT NOT NULL, at INTEGER NOT NULL, path TEXT NOT NULL,"
    " action TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX IF NOT EXISTS fim_agent ON fim(agent, id);"
    "CREATE TABLE IF NOT EXISTS checks(agent TEXT PRIMARY KEY, at INTEGER NOT NULL, results TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS trusted(agent TEXT PRIMARY KEY, files TEXT NOT NULL, adopted INTEGER NOT NULL, by TEXT NOT NULL,"
    " last_check INTEGER NOT NULL DEFAULT 0, last_result TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS responses(id INTEGER PRIMARY KEY, agent TEXT NOT NULL, action TEXT NOT NULL, args TEXT NOT NULL,"
    " state TEXT NOT NULL, by TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', rule TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,"
    " sent INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL DEFAULT '',"
    " revert_of INTEGER NOT NULL DEFAULT 0, expires INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS responses_agent ON responses(agent, state);"
    "CREATE TABLE IF NOT EXISTS policy(action TEXT PRIMARY KEY, enabled INTEGER NOT NULL, rules TEXT NOT NULL, seconds INTEGER NOT NULL,"
    " by TEXT NOT NULL, at INTEGER NOT NULL);";

const char* kAgentCols =
    "id, name, ip, grp, serial, fingerprint, enrolled, cert_expires, revoked, revoked_by, revoked_reason, last_seen, version, os, kernel,"
    " status, log_seq, config_version";

AgentRow agent_of(const sqlite::Stmt& s) {
  AgentRow a;
  a.id = s.text(0);
  a.name = s.text(1);
  a.ip = s.text(2);
  a.group = s.text(3);
  a.serial = s.text(4);
  a.fingerprint = s.text(5);
  a.enrolled = s.i64(6);
  a.cert_expires = s.i64(7);
  a.revoked = s.i64(8);
  a.revoked_by = s.text(9);
  a.revoked_reason = s.text(10);
  a.last_seen = s.i64(11);
  a.version = s.text(12);
  a.os = s.text(13);
  a.kernel = s.text(14);
  a.status = s.text(15);
  a.log_seq = s.i64(16);
  a.config_version = s.i64(17);
  return a;
}

const char* kRespCols = "id, agent, action, args, state, by, reason, rule, created, sent, done, result, revert_of, expires";
ResponseRow response_of(const sqlite::Stmt& s) {
  ResponseRow r;
  r.id = s.i64(0);
  r.agent = s.text(1);
  r.action = s.text(2);
  r.args = s.text(3);
  r.state = s.text(4);
  r.by = s.text(5);
  r.reason = s.text(6);
  r.rule = s.text(7);
  r.created = s.i64(8);
  r.sent = s.i64(9);
  r.done = s.i64(10);
  r.result = s.text(11);
  r.revert_of = s.i64(12);
  r.expires = s.i64(13);
  return r;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t a = 0;
  while (a < s.size()) {
    size_t b = s.find(',', a);
    if (b == std::string::npos) b = s.size();
    if (b > a) out.push_back(s.substr(a, b - a));
    a = b + 1;
  }
  return out;
}

}  // namespace

Registry::~Registry() {
  if (db_) sqlite3_close(db_);
}

Result<std::unique_ptr<Registry>> Registry::open(const std::string& path) {
  std::unique_ptr<Registry> r(new Registry());
  if (Status s = sqlite::open(path, &r->db_, {kSchema}); !s) return Error{s.error()};
  return r;
}

Result<std::pair<int64_t, std::string>> Registry::add_token(const std::string& group, const std::string& label, int64_t uses,
                                                            int64_t expires, const std::string& by, int64_t now) {
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) return Error{"no randomness"};
  static const char* a = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string tok = "wst_";
  for (unsigned char c : raw) tok += a[c % 57];
  sqlite::Stmt s(db_, "INSERT INTO tokens(hash, grp, label, created, expires, uses_left, by) VALUES(?,?,?,?,?,?,?)");
  s.bind(1, sha256_hex(tok)).bind(2, group).bind(3, label).bind(4, now).bind(5, expires).bind(6, uses).bind(7, by);
  if (Status st = s.run(); !st) return Error{st.error()};
  return std::make_pair(sqlite::last_insert_id(db_), tok);
}

std::vector<TokenRow> Registry::tokens() const {
  std::vector<TokenRow> out;
  sqlite::Stmt s(db_, "SELECT id, grp, label, by, created, expires, uses_left, used, revoked FROM tokens ORDER BY id DESC LIMIT 500");
  while (s.row()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.i64(5), s.i64(6), s.i64(7), s.i64(8) != 0});
  return out;
}

Status Registry::revoke_token(int64_t id) {
  sqlite::Stmt s(db_, "UPDATE tokens SET revoked=1 WHERE id=?");
  s.bind(1, id);
  if (Status st = s.run(); !st) return st;
  if (sqlite::changes(db_) == 0) return Error{"token " + std::to_string(id) + ": 不存在 / no such token"};
  return {};
}

Result<std::string> Registry::use_token(const std::string& token, int64_t now) {
  // One statement: two enrolments racing for the last use cannot both have it.
  sqlite::Stmt s(db_,
                 "UPDATE tokens SET uses_left=uses_left-1, used=used+1 WHERE hash=? AND revoked=0 AND uses_left>0 AND expires>? "
                 "RETURNING grp");
  s.bind(1, sha256_hex(token)).bind(2, now);
  if (s.row()) return s.text(0);
  return Error{"令牌无效、已过期或已用完 / the token is unknown, expired, revoked or used up"};
}

Status Registry::add_agent(const AgentRow& a) {
  sqlite::Stmt s(db_,
                 "INSERT INTO agents(id, name, ip, grp, serial, fingerprint, enrolled, cert_expires, version, os, kernel) "
                 "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, a.id).bind(2, a.name).bind(3, a.ip).bind(4, a.group).bind(5, a.serial).bind(6, a.fingerprint).bind(7, a.enrolled);
  s.bind(8, a.cert_expires).bind(9, a.version).bind(10, a.os).bind(11, a.kernel);
  return s.run();
}

std::optional<AgentRow> Registry::agent(const std::string& id) const {
  sqlite::Stmt s(db_, std::string("SELECT ") + kAgentCols + " FROM agents WHERE id=?");
  s.bind(1, id);
  if (s.row()) return agent_of(s);
  return std::nullopt;
}

std::optional<AgentRow> Registry::agent_by_serial(const std::string& serial) const {
  sqlite::Stmt s(db_, std::string("SELECT ") + kAgentCols + " FROM agents WHERE serial=?");
  s.bind(1, serial);
  if (s.row()) return agent_of(s);
  return std::nullopt;
}

std::vector<AgentRow> Registry::agents() const {
  std::vector<AgentRow> out;
  sqlite::Stmt s(db_, std::string("SELECT ") + kAgentCols + " FROM agents ORDER BY name, id");
  while (s.row()) out.push_back(agent_of(s));
  return out;
}

Status Registry::revoke(const std::string& id, const std::string& by, const std::string& reason, int64_t now) {
  sqlite::Stmt s(db_, "UPDATE agents SET revoked=?, revoked_by=?, revoked_reason=? WHERE id=? AND revoked=0");
  s.bind(1, now).bind(2, by).bind(3, reason).bind(4, id);
  if (Status st = s.run(); !st) return st;
  if (sqlite::changes(db_) == 0) return Error{"agent " + id + ": 不存在或已吊销 / no such agent, or already revoked"};
  return {};
}

Status Registry::set_group(const std::string& id, const std::string& group) {
  sqlite::Stmt s(db_, "UPDATE agents SET grp=? WHERE id=?");
  s.bind(1, group).bind(2, id);
  if (Status st = s.run(); !st) return st;
  if (sqlite::changes(db_) == 0) return Error{"agent " + id + ": 不存在 / no such agent"};
  return {};
}

Status Registry::seen(const std::string& id, const std::string& ip, const std::string& version, const std::string& os,
                      const std::string& kernel, const std::string& status, int64_t config_version, int64_t now) {
  sqlite::Stmt s(db_, "UPDATE agents SET ip=?, version=?, os=?, kernel=?, status=?, config_version=?, last_seen=? WHERE id=?");
  s.bind(1, ip).bind(2, version).bind(3, os).bind(4, kernel).bind(5, status).bind(6, config_version).bind(7, now).bind(8, id);
  return s.run();
}

Status Registry::set_log_seq(const std::string& id, int64_t seq) {
  sqlite::Stmt s(db_, "UPDATE agents SET log_seq=max(log_seq, ?) WHERE id=?");
  s.bind(1, seq).bind(2, id);
  return s.run();
}

std::vector<GroupRow> Registry::groups() const {
  std::vector<GroupRow> out;
  sqlite::Stmt s(db_, "SELECT name, config, by, version, updated FROM groups ORDER BY name");
  while (s.row()) out.push_back({s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4)});
  return out;
}

std::optional<GroupRow> Registry::group(const std::string& name) const {
  sqlite::Stmt s(db_, "SELECT name, config, by, version, updated FROM groups WHERE name=?");
  s.bind(1, name);
  if (s.row()) return GroupRow{s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4)};
  return std::nullopt;
}

Result<int64_t> Registry::set_group_config(const std::string& name, const std::string& config, const std::string& by, int64_t now) {
  // Versions only grow (an agent takes a configuration newer than its own).
  sqlite::Stmt s(db_,
                 "INSERT INTO groups(name, config, version, updated, by) VALUES(?,?,1,?,?) ON CONFLICT(name) DO UPDATE SET "
                 "config=excluded.config, version=version+1, updated=excluded.updated, by=excluded.by RETURNING version");
  s.bind(1, name).bind(2, config).bind(3, now).bind(4, by);
  if (s.row()) return s.i64(0);
  return Error{s.error().empty() ? "group not stored" : s.error()};
}

std::optional<std::pair<int64_t, std::string>> Registry::inventory(const std::string& agent) const {
  sqlite::Stmt s(db_, "SELECT at, snapshot FROM inventory WHERE agent=?");
  s.bind(1, agent);
  if (s.row()) return std::make_pair(s.i64(0), s.text(1));
  return std::nullopt;
}

Status Registry::set_inventory(const std::string& agent, int64_t at, const std::string& snapshot) {
  sqlite::Stmt s(db_, "INSERT OR REPLACE INTO inventory(agent, at, snapshot) VALUES(?,?,?)");
  s.bind(1, agent).bind(2, at).bind(3, snapshot);
  return s.run();
}

Status Registry::add_changes(const std::vector<ChangeRow>& rows) {
  if (Status b = sqlite::exec(db_, "BEGIN IMMEDIATE"); !b) return b;
  Status st;
  sqlite::Stmt s(db_, "INSERT INTO changes(agent, at, kind, change, item, detail) VALUES(?,?,?,?,?,?)");
  for (const auto& r : rows) {
    s.reset();
    s.bind(1, r.agent).bind(2, r.at).bind(3, r.kind).bind(4, r.change).bind(5, r.item).bind(6, r.detail);
    if (st = s.run(); !st) break;
  }
  return sqlite::end_transaction(db_, st);
}

std::vector<ChangeRow> Registry::changes(const std::string& agent, int limit) const {
  std::vector<ChangeRow> out;
  sqlite::Stmt s(db_, "SELECT id, at, agent, kind, change, item, detail FROM changes WHERE agent=? ORDER BY id DESC LIMIT ?");
  s.bind(1, agent).bind(2, static_cast<int64_t>(limit));
  while (s.row()) out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)});
  return out;
}

Status Registry::add_fim(const std::vector<FimRow>& rows) {
  if (rows.empty()) return {};
  if (Status b = sqlite::exec(db_, "BEGIN IMMEDIATE"); !b) return b;
  Status st;
  sqlite::Stmt s(db_, "INSERT INTO fim(agent, at, path, action, detail) VALUES(?,?,?,?,?)");
  for (const auto& r : rows) {
    s.reset();
    s.bind(1, r.agent).bind(2, r.at).bind(3, r.path).bind(4, r.action).bind(5, r.detail);
    if (st = s.run(); !st) break;
  }
  if (st) {  // the event store keeps them all; this table is the dossier's recent view
    sqlite::Stmt d(db_, "DELETE FROM fim WHERE agent=? AND id <= (SELECT id FROM fim WHERE agent=? ORDER BY id DESC LIMIT 1 OFFSET 5000)");
    d.bind(1, rows.front().agent).bind(2, rows.front().agent);
    st = d.run();
  }
  return sqlite::end_transaction(db_, st);
}

std::vector<FimRow> Registry::fim(const std::string& agent, int limit) const {
  std::vector<FimRow> out;
  sqlite::Stmt s(db_, "SELECT id, at, agent, path, action, detail FROM fim WHERE agent=? ORDER BY id DESC LIMIT ?");
  s.bind(1, agent).bind(2, static_cast<int64_t>(limit));
  while (s.row()) out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4), s.text(5)});
  return out;
}

std::optional<std::pair<int64_t, std::string>> Registry::checks(const std::string& agent) const {
  sqlite::Stmt s(db_, "SELECT at, results FROM checks WHERE agent=?");
  s.bind(1, agent);
  if (s.row()) return std::make_pair(s.i64(0), s.text(1));
  return std::nullopt;
}

Status Registry::set_checks(const std::string& agent, int64_t at, const std::string& results) {
  sqlite::Stmt s(db_, "INSERT OR REPLACE INTO checks(agent, at, results) VALUES(?,?,?)");
  s.bind(1, agent).bind(2, at).bind(3, results);
  return s.run();
}

std::optional<Registry::Trusted> Registry::trusted(const std::string& agent) const {
  sqlite::Stmt s(db_, "SELECT files, by, last_result, adopted, last_check FROM trusted WHERE agent=?");
  s.bind(1, agent);
  if (s.row()) return Trusted{s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4)};
  return std::nullopt;
}

Status Registry::set_trusted_baseline(const std::string& agent, const std::string& files, const std::string& by, int64_t now) {
  sqlite::Stmt s(db_,
                 "INSERT INTO trusted(agent, files, adopted, by) VALUES(?,?,?,?) ON CONFLICT(agent) DO UPDATE SET files=excluded.files, "
                 "adopted=excluded.adopted, by=excluded.by");
  s.bind(1, agent).bind(2, files).bind(3, now).bind(4, by);
  return s.run();
}

Status Registry::set_trusted_result(const std::string& agent, const std::string& result, int64_t now) {
  sqlite::Stmt s(db_, "UPDATE trusted SET last_result=?, last_check=? WHERE agent=?");
  s.bind(1, result).bind(2, now).bind(3, agent);
  return s.run();
}

std::vector<Registry::Policy> Registry::policies() const {
  std::vector<Policy> out;
  sqlite::Stmt s(db_, "SELECT action, enabled, rules, seconds, by, at FROM policy ORDER BY action");
  while (s.row()) out.push_back({s.text(0), s.i64(1) != 0, split(s.text(2)), s.i64(3), s.text(4), s.i64(5)});
  return out;
}

Status Registry::set_policy(const Policy& p) {
  sqlite::Stmt s(db_, "INSERT OR REPLACE INTO policy(action, enabled, rules, seconds, by, at) VALUES(?,?,?,?,?,?)");
  s.bind(1, p.action).bind(2, static_cast<int64_t>(p.enabled)).bind(3, join(p.rules)).bind(4, p.seconds).bind(5, p.by).bind(6, p.at);
  return s.run();
}

Result<int64_t> Registry::add_response(const ResponseRow& r) {
  sqlite::Stmt s(db_,
                 "INSERT INTO responses(agent, action, args, state, by, reason, rule, created, revert_of, expires) "
                 "VALUES(?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.agent).bind(2, r.action).bind(3, r.args).bind(4, r.state).bind(5, r.by).bind(6, r.reason).bind(7, r.rule);
  s.bind(8, r.created).bind(9, r.revert_of).bind(10, r.expires);
  if (Status st = s.run(); !st) return Error{st.error()};
  return sqlite::last_insert_id(db_);
}

std::vector<ResponseRow> Registry::responses(const std::string& agent, int limit) const {
  std::vector<ResponseRow> out;
  sqlite::Stmt s(db_, std::string("SELECT ") + kRespCols + " FROM responses WHERE ?='' OR agent=? ORDER BY id DESC LIMIT ?");
  s.bind(1, agent).bind(2, agent).bind(3, static_cast<int64_t>(limit));
  while (s.row()) out.push_back(response_of(s));
  return out;
}

std::optional<ResponseRow> Registry::response(int64_t id) const {
  sqlite::Stmt s(db_, std::string("SELECT ") + kRespCols + " FROM responses WHERE id=?");
  s.bind(1, id);
  if (s.row()) return response_of(s);
  return std::nullopt;
}

std::vector<ResponseRow> Registry::pending_responses(const std::string& agent) const {
  std::vector<ResponseRow> out;
  sqlite::Stmt s(db_, std::string("SELECT ") + kRespCols + " FROM responses WHERE agent=? AND state IN ('pending','sent') ORDER BY id");
  s.bind(1, agent);
  while (s.row()) out.push_back(response_of(s));
  return out;
}

Status Registry::set_response_state(int64_t id, const std::string& state, const std::string& result, int64_t now) {
  sqlite::Stmt s(db_, state == "sent" ? "UPDATE responses SET state=?, result=?, sent=? WHERE id=?"
                                      : "UPDATE responses SET state=?, result=?, done=? WHERE id=?");
  s.bind(1, state).bind(2, result).bind(3, now).bind(4, id);
  return s.run();
}

}  // namespace wardsec::fleet
