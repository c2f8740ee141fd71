#include "bastion/model.h"

#include <sqlite3.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "server/auth.h"
#include "server/secretbox.h"

namespace wardsec::bastion {

using json = nlohmann::json;

namespace {

std::string list_text(const std::vector<std::string>& v) { return json(v).dump(); }
std::vector<std::string> text_list(const std::string& s) {
  try {
    auto j = json::parse(s);
    if (j.is_array()) return j.get<std::vector<std::string>>();
  } catch (const json::exception&) {
  }
  return {};
}

constexpr const char* kAccountCols = "id, asset, host, port, username, auth, secret IS NOT NULL AND secret != '', note, created, last_used";
HostAccount row_account(const sqlite::Stmt& st) {
  return {st.i64(0),  st.text(1), st.text(2), static_cast<int>(st.i64(3)), st.text(4), st.text(5), st.i64(6) != 0,
          st.text(7), st.i64(8),  st.i64(9)};
}

constexpr const char* kGrantCols = "id, name, subjects, targets, actions, days, from_min, to_min, expires, enabled, created_by, created";
Grant row_grant(const sqlite::Stmt& st) {
  Grant g;
  g.id = st.i64(0);
  g.name = st.text(1);
  g.subjects = text_list(st.text(2));
  g.targets = text_list(st.text(3));
  g.actions = text_list(st.text(4));
  g.days = static_cast<int>(st.i64(5));
  g.from_min = static_cast<int>(st.i64(6));
  g.to_min = static_cast<int>(st.i64(7));
  g.expires = st.i64(8);
  g.enabled = st.i64(9) != 0;
  g.created_by = st.text(10);
  g.created = st.i64(11);
  return g;
}

constexpr const char* kRuleCols = "id, priority, name, kind, pattern, action, users, assets, enabled";
CommandRule row_rule(const sqlite::Stmt& st) {
  CommandRule r;
  r.id = st.i64(0);
  r.priority = static_cast<int>(st.i64(1));
  r.name = st.text(2);
  r.kind = st.text(3);
  r.pattern = st.text(4);
  r.action = parse_action(st.text(5)).value_or(Action::kAllow);
  r.users = text_list(st.text(6));
  r.assets = text_list(st.text(7));
  r.enabled = st.i64(8) != 0;
  return r;
}

Status valid_name_list(const std::vector<std::string>& v, const char* what) {
  for (const auto& s : v)
    if (s.empty() || s.size() > 128) return Error{std::string(what) + ": 名称无效 / invalid name '" + s + "'"};
  return {};
}

bool in_window(const Grant& g, int64_t now, int tz_sec) {
  time_t t = static_cast<time_t>(now / 1000000000 + tz_sec);
  struct tm tm {};
  gmtime_r(&t, &tm);
  int day = (tm.tm_wday + 6) % 7;  // Monday 0
  int minute = tm.tm_hour * 60 + tm.tm_min;
  if (!(g.days & (1 << day))) return false;
  if (g.from_min <= g.to_min) return minute >= g.from_min && minute < g.to_min;
  return minute >= g.from_min || minute < g.to_min;  // a window across midnight
}

}  // namespace

Result<std::unique_ptr<Db>> Db::open(const std::string& path, const std::string& key_dir) {
  std::unique_ptr<Db> d(new Db());
  auto box = server::SecretBox::load_or_create(key_dir, "vault.key");
  if (!box) return Error{box.error()};
  d->vault_ = std::make_unique<server::SecretBox>(std::move(*box));
  Status s = sqlite::open(
      path, &d->db_,
      {"CREATE TABLE IF NOT EXISTS host_accounts(id INTEGER PRIMARY KEY, asset TEXT NOT NULL, host TEXT NOT NULL DEFAULT '', port INTEGER "
       "NOT NULL "
       "DEFAULT 22, username TEXT NOT NULL, auth TEXT NOT NULL, secret TEXT, note TEXT NOT NULL DEFAULT '', created INTEGER, last_used "
       "INTEGER NOT NULL DEFAULT 0, UNIQUE(asset, username))",
       "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
       "CREATE TABLE IF NOT EXISTS operator_groups(name TEXT PRIMARY KEY, members TEXT NOT NULL)",
       "CREATE TABLE IF NOT EXISTS grants(id INTEGER PRIMARY KEY, name TEXT NOT NULL, subjects TEXT NOT NULL, targets TEXT NOT NULL, "
       "actions "
       "TEXT NOT NULL, days INTEGER NOT NULL, from_min INTEGER NOT NULL, to_min INTEGER NOT NULL, expires INTEGER NOT NULL, enabled "
       "INTEGER "
       "NOT NULL, created_by TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL DEFAULT 0)",
       "CREATE TABLE IF NOT EXISTS command_rules(id INTEGER PRIMARY KEY, priority INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT "
       "NULL, "
       "pattern TEXT NOT NULL, action TEXT NOT NULL, users TEXT NOT NULL, assets TEXT NOT NULL, enabled INTEGER NOT NULL)",
       "CREATE TABLE IF NOT EXISTS ssh_keys(id INTEGER PRIMARY KEY, user TEXT NOT NULL, type TEXT NOT NULL, blob TEXT NOT NULL, comment "
       "TEXT, "
       "fingerprint TEXT NOT NULL, created INTEGER, UNIQUE(type, blob))",
       "CREATE TABLE IF NOT EXISTS sessions(id TEXT PRIMARY KEY, user TEXT, source_ip TEXT, asset TEXT, account TEXT, host TEXT, kind "
       "TEXT, "
       "state TEXT, reason TEXT, started INTEGER, ended INTEGER NOT NULL DEFAULT 0, recording TEXT, digest TEXT, bytes INTEGER NOT NULL "
       "DEFAULT 0, commands INTEGER NOT NULL DEFAULT 0, denied INTEGER NOT NULL DEFAULT 0, ended_by TEXT NOT NULL DEFAULT '')",
       "CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started)",
       "CREATE TABLE IF NOT EXISTS commands(session TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER, offset_ms INTEGER, command TEXT, "
       "action "
       "TEXT, rule TEXT, exit_status INTEGER, PRIMARY KEY(session, seq))",
       "CREATE INDEX IF NOT EXISTS commands_ts ON commands(ts)",
       "CREATE TABLE IF NOT EXISTS approvals(id INTEGER PRIMARY KEY, session TEXT, user TEXT, asset TEXT, command TEXT, rule TEXT, state "
       "TEXT, "
       "decided_by TEXT NOT NULL DEFAULT '', created INTEGER, decided INTEGER NOT NULL DEFAULT 0)",
       // The record is append-only: no statement of the center deletes these, and a trigger
       // refuses it from anything else that opens the file.
       "CREATE TRIGGER IF NOT EXISTS sessions_keep BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'bastion sessions are never "
       "deleted'); "
       "END",
       "CREATE TRIGGER IF NOT EXISTS commands_keep BEFORE DELETE ON commands BEGIN SELECT RAISE(ABORT, 'bastion commands are never "
       "deleted'); "
       "END"});
  if (!s) return Error{s.error()};
  // WAL with synchronous=NORMAL: a commit survives the center's crash (kill -9) without an
  // fsync each, so a paste of thousands of commands is not thousands of syncs; an OS crash may
  // lose the last commits here, never the store's signed events, which carry every command.
  if (Status n = sqlite::exec(d->db_, "PRAGMA synchronous=NORMAL"); !n) return Error{n.error()};
  return d;
}

Db::~Db() {
  if (db_) sqlite3_close(db_);
}

std::string Db::meta(const std::string& key) {
  std::string v;
  (void)sqlite::query(db_, "SELECT value FROM meta WHERE key = ?", {key}, [&](const sqlite::Stmt& st) { v = st.text(0); });
  return v;
}

Status Db::set_meta(const std::string& key, const std::string& value) {
  sqlite::Stmt st(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key).bind(2, value);
  return st.run();
}

// ---- host accounts ---------------------------------------------------------------------------

Result<std::vector<HostAccount>> Db::accounts() {
  std::vector<HostAccount> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kAccountCols + " FROM host_accounts ORDER BY asset, username", {},
                           [&](const sqlite::Stmt& st) { out.push_back(row_account(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<HostAccount> Db::account(int64_t id) {
  std::optional<HostAccount> a;
  Status s = sqlite::query(db_, std::string("SELECT ") + kAccountCols + " FROM host_accounts WHERE id = ?", {std::to_string(id)},
                           [&](const sqlite::Stmt& st) { a = row_account(st); });
  if (!s) return Error{s.error()};
  if (!a) return Error{"主机账号不存在 / no such host account: " + std::to_string(id)};
  return *a;
}

Result<int64_t> Db::add_account(const HostAccount& a, const std::string& secret, int64_t now) {
  if (a.asset.empty() || a.username.empty()) return Error{"资产和账号名必填 / asset and username are required"};
  if (a.auth != "password" && a.auth != "key") return Error{"认证方式须为 password 或 key / auth must be password or key"};
  if (a.port <= 0 || a.port > 65535) return Error{"端口无效 / invalid port"};
  sqlite::Stmt st(db_, "INSERT INTO host_accounts(asset, host, port, username, auth, secret, note, created) VALUES(?,?,?,?,?,?,?,?)");
  st.bind(1, a.asset).bind(2, a.host).bind(3, static_cast<int64_t>(a.port)).bind(4, a.username).bind(5, a.auth);
  st.bind(6, secret.empty() ? std::string() : vault_->seal(secret)).bind(7, a.note).bind(8, now);
  if (Status s = st.run(); !s) return Error{"主机账号已存在或无法保存 / host account exists or cannot be saved: " + s.error()};
  return sqlite::last_insert_id(db_);
}

Status Db::update_account(const HostAccount& a, const std::optional<std::string>& secret) {
  sqlite::Stmt st(db_, "UPDATE host_accounts SET host = ?, port = ?, auth = ?, note = ? WHERE id = ?");
  st.bind(1, a.host).bind(2, static_cast<int64_t>(a.port)).bind(3, a.auth).bind(4, a.note).bind(5, a.id);
  if (Status s = st.run(); !s) return s;
  if (sqlite::changes(db_) == 0) return Error{"主机账号不存在 / no such host account"};
  if (secret) {
    sqlite::Stmt u(db_, "UPDATE host_accounts SET secret = ? WHERE id = ?");
    u.bind(1, secret->empty() ? std::string() : vault_->seal(*secret)).bind(2, a.id);
    return u.run();
  }
  return {};
}

Status Db::remove_account(int64_t id) {
  sqlite::Stmt st(db_, "DELETE FROM host_accounts WHERE id = ?");
  st.bind(1, id);
  return st.run();
}

Result<std::string> Db::secret(int64_t id) {
  std::string sealed;
  Status s = sqlite::query(db_, "SELECT secret FROM host_accounts WHERE id = ?", {std::to_string(id)},
                           [&](const sqlite::Stmt& st) { sealed = st.text(0); });
  if (!s) return Error{s.error()};
  if (sealed.empty()) return std::string();
  auto plain = vault_->open(sealed);
  if (!plain) return Error{"凭据无法解密（密钥不符或数据被改动） / the credential cannot be opened (wrong vault key or altered)"};
  return *plain;
}

void Db::touch_account(int64_t id, int64_t now) {
  sqlite::Stmt st(db_, "UPDATE host_accounts SET last_used = ? WHERE id = ?");
  st.bind(1, now).bind(2, id);
  (void)st.run();
}

// ---- groups ----------------------------------------------------------------------------------

Result<std::vector<std::pair<std::string, std::vector<std::string>>>> Db::groups() {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  Status s = sqlite::query(db_, "SELECT name, members FROM operator_groups ORDER BY name", {},
                           [&](const sqlite::Stmt& st) { out.emplace_back(st.text(0), text_list(st.text(1))); });
  if (!s) return Error{s.error()};
  return out;
}

Status Db::set_group(const std::string& name, const std::vector<std::string>& members) {
  if (name.empty() || name.size() > 64) return Error{"组名无效 / invalid group name"};
  if (Status s = valid_name_list(members, "members"); !s) return s;
  sqlite::Stmt st(db_,
                  "INSERT INTO operator_groups(name, members) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET members = excluded.members");
  st.bind(1, name).bind(2, list_text(members));
  return st.run();
}

Status Db::remove_group(const std::string& name) {
  sqlite::Stmt st(db_, "DELETE FROM operator_groups WHERE name = ?");
  st.bind(1, name);
  return st.run();
}

// ---- grants ----------------------------------------------------------------------------------

Result<std::vector<Grant>> Db::grants() {
  std::vector<Grant> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kGrantCols + " FROM grants ORDER BY id", {},
                           [&](const sqlite::Stmt& st) { out.push_back(row_grant(st)); });
  if (!s) return Error{s.error()};
  return out;
}

namespace {
Status check_grant(const Grant& g) {
  if (g.name.empty()) return Error{"授权名称必填 / a grant needs a name"};
  if (g.subjects.empty() || g.targets.empty()) return Error{"授权须指明人员和目标 / a grant names who and which accounts"};
  for (const auto& a : g.actions)
    if (a != "shell" && a != "exec" && a != "sftp_upload" && a != "sftp_download" && a != "forward")
      return Error{"未知操作 / unknown action: " + a + " (shell, exec, sftp_upload, sftp_download, forward)"};
  if (g.from_min < 0 || g.from_min > 1440 || g.to_min < 0 || g.to_min > 1440 || g.days <= 0 || g.days > 0x7f)
    return Error{"时间窗口无效 / invalid time window"};
  if (Status s = valid_name_list(g.subjects, "subjects"); !s) return s;
  return valid_name_list(g.targets, "targets");
}
void bind_grant(sqlite::Stmt& st, const Grant& g) {
  st.bind(1, g.name).bind(2, list_text(g.subjects)).bind(3, list_text(g.targets)).bind(4, list_text(g.actions));
  st.bind(5, static_cast<int64_t>(g.days)).bind(6, static_cast<int64_t>(g.from_min)).bind(7, static_cast<int64_t>(g.to_min));
  st.bind(8, g.expires).bind(9, static_cast<int64_t>(g.enabled ? 1 : 0));
}
}  // namespace

Result<int64_t> Db::add_grant(const Grant& g) {
  if (Status s = check_grant(g); !s) return Error{s.error()};
  sqlite::Stmt st(db_,
                  "INSERT INTO grants(name, subjects, targets, actions, days, from_min, to_min, expires, enabled, created_by, created) "
                  "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  bind_grant(st, g);
  st.bind(10, g.created_by).bind(11, g.created);
  if (Status s = st.run(); !s) return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status Db::update_grant(const Grant& g) {
  if (Status s = check_grant(g); !s) return s;
  sqlite::Stmt st(
      db_, "UPDATE grants SET name=?, subjects=?, targets=?, actions=?, days=?, from_min=?, to_min=?, expires=?, enabled=? WHERE id=?");
  bind_grant(st, g);
  st.bind(10, g.id);
  if (Status s = st.run(); !s) return s;
  return sqlite::changes(db_) ? Status{} : Status{Error{"授权不存在 / no such grant"}};
}

Status Db::remove_grant(int64_t id) {
  sqlite::Stmt st(db_, "DELETE FROM grants WHERE id = ?");
  st.bind(1, id);
  return st.run();
}

Result<std::vector<std::pair<HostAccount, Grant>>> Db::allowed(const std::string& user, const std::string& action, int64_t now,
                                                               int tz_sec) {
  auto gs = grants();
  if (!gs) return Error{gs.error()};
  auto accs = accounts();
  if (!accs) return Error{accs.error()};
  auto grs = groups();
  if (!grs) return Error{grs.error()};
  auto member = [&](const std::string& subject) {
    if (subject == user) return true;
    if (subject.rfind("group:", 0) != 0) return false;
    for (const auto& [name, members] : *grs)
      if ("group:" + name == subject) return std::find(members.begin(), members.end(), user) != members.end();
    return false;
  };
  std::vector<std::pair<HostAccount, Grant>> out;
  for (const auto& a : *accs)
    for (const auto& g : *gs) {
      if (!g.enabled || (g.expires && now >= g.expires) || !in_window(g, now, tz_sec)) continue;
      if (std::find(g.actions.begin(), g.actions.end(), action) == g.actions.end()) continue;
      if (std::none_of(g.subjects.begin(), g.subjects.end(), member)) continue;
      bool target = std::any_of(g.targets.begin(), g.targets.end(),
                                [&](const std::string& t) { return t == std::to_string(a.id) || t == "asset:" + a.asset; });
      if (!target) continue;
      out.emplace_back(a, g);
      break;
    }
  return out;
}

std::string Db::refusal(const std::string& user, int64_t id, const std::string& action, int64_t now, int tz_sec) {
  auto ok = allowed(user, action, now, tz_sec);
  if (!ok) return ok.error();
  for (const auto& [a, g] : *ok)
    if (a.id == id) return "";
  return "未授权使用该主机账号（或不在授权时段、授权已过期） / not authorized for this host account (or outside the granted hours, or "
         "expired)";
}

// ---- command rules ---------------------------------------------------------------------------

Result<std::vector<CommandRule>> Db::rules() {
  std::vector<CommandRule> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kRuleCols + " FROM command_rules ORDER BY priority, id", {},
                           [&](const sqlite::Stmt& st) { out.push_back(row_rule(st)); });
  if (!s) return Error{s.error()};
  return out;
}

namespace {
void bind_rule(sqlite::Stmt& st, const CommandRule& r) {
  st.bind(1, static_cast<int64_t>(r.priority)).bind(2, r.name).bind(3, r.kind).bind(4, r.pattern).bind(5, action_name(r.action));
  st.bind(6, list_text(r.users)).bind(7, list_text(r.assets)).bind(8, static_cast<int64_t>(r.enabled ? 1 : 0));
}
}  // namespace

Result<int64_t> Db::add_rule(const CommandRule& r) {
  sqlite::Stmt st(db_, "INSERT INTO command_rules(priority, name, kind, pattern, action, users, assets, enabled) VALUES(?,?,?,?,?,?,?,?)");
  bind_rule(st, r);
  if (Status s = st.run(); !s) return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status Db::update_rule(const CommandRule& r) {
  sqlite::Stmt st(db_, "UPDATE command_rules SET priority=?, name=?, kind=?, pattern=?, action=?, users=?, assets=?, enabled=? WHERE id=?");
  bind_rule(st, r);
  st.bind(9, r.id);
  if (Status s = st.run(); !s) return s;
  return sqlite::changes(db_) ? Status{} : Status{Error{"命令规则不存在 / no such command rule"}};
}

Status Db::remove_rule(int64_t id) {
  sqlite::Stmt st(db_, "DELETE FROM command_rules WHERE id = ?");
  st.bind(1, id);
  return st.run();
}

}  // namespace wardsec::bastion
