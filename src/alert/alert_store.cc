#include "alert/alert_store.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "core/sqlite.h"
#include "core/timeutil.h"
#include "search/search.h"
#include "store/store.h"

namespace wardsec::alert {

using sqlite::Stmt;

namespace {

std::string json_list(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }
std::vector<std::string> parse_list(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& x : j)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}
std::string refs_json(const std::vector<uint64_t>& v) { return nlohmann::json(v).dump(); }
std::vector<uint64_t> parse_refs(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  std::vector<uint64_t> out;
  if (j.is_array())
    for (const auto& x : j)
      if (x.is_number_unsigned()) out.push_back(x.get<uint64_t>());
  return out;
}
std::string group_json(const std::vector<std::pair<std::string, std::string>>& g) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [k, v] : g) j.push_back({k, v});
  return j.dump();
}
std::vector<std::pair<std::string, std::string>> parse_group(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  std::vector<std::pair<std::string, std::string>> out;
  if (j.is_array())
    for (const auto& x : j)
      if (x.is_array() && x.size() == 2 && x[0].is_string() && x[1].is_string())
        out.emplace_back(x[0].get<std::string>(), x[1].get<std::string>());
  return out;
}

std::string counts_json(const Counts& c) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [k, n] : c) j.push_back({k, n});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
Counts parse_counts(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  Counts out;
  if (j.is_array())
    for (const auto& x : j)
      if (x.is_array() && x.size() == 2 && x[0].is_string() && x[1].is_number_unsigned())
        out.emplace_back(x[0].get<std::string>(), x[1].get<uint64_t>());
  return out;
}

constexpr const char* kColumns =
    "id, rule_id, rule_title, rule_kind, level, attack, mlps, dedup_key, asset, zone, source_ip, user_name, group_json, "
    "first_ts, last_ts, created, updated, count, events, summary, state, state_by, state_at, comment, system, sources, assignee, due, "
    "rule_title_zh";

Alert row_to_alert(const Stmt& s) {
  Alert a;
  a.id = s.i64(0);
  a.rule_id = s.text(1);
  a.rule_title = s.text(2);
  a.rule_kind = s.text(3);
  a.level = s.text(4);
  a.attack = parse_list(s.text(5));
  a.mlps = parse_list(s.text(6));
  a.dedup_key = s.text(7);
  a.asset = s.text(8);
  a.zone = s.text(9);
  a.source_ip = s.text(10);
  a.user = s.text(11);
  a.group = parse_group(s.text(12));
  a.first_ts = s.i64(13);
  a.last_ts = s.i64(14);
  a.created = s.i64(15);
  a.updated = s.i64(16);
  a.count = static_cast<uint64_t>(s.i64(17));
  a.events = parse_refs(s.text(18));
  a.summary = s.text(19);
  a.state = parse_state(s.text(20)).value_or(State::kNew);
  a.state_by = s.text(21);
  a.state_at = s.i64(22);
  a.comment = s.text(23);
  a.system = s.text(24);
  a.sources = parse_counts(s.text(25));
  a.assignee = s.text(26);
  a.due = s.i64(27);
  a.rule_title_zh = s.text(28);
  return a;
}

constexpr size_t kMaxRefs = 64;

}  // namespace

const char* state_name(State s) {
  switch (s) {
    case State::kNew: return "new";
    case State::kAcknowledged: return "acknowledged";
    case State::kClosedTruePositive: return "closed_tp";
    case State::kClosedFalsePositive: return "closed_fp";
    case State::kSuppressed: return "suppressed";
  }
  return "new";
}

std::optional<State> parse_state(std::string_view s) {
  for (State st : {State::kNew, State::kAcknowledged, State::kClosedTruePositive, State::kClosedFalsePositive, State::kSuppressed})
    if (s == state_name(st)) return st;
  return std::nullopt;
}

int level_rank(std::string_view l) {
  if (l == "informational") return 0;
  if (l == "low") return 1;
  if (l == "medium") return 2;
  if (l == "high") return 3;
  if (l == "critical") return 4;
  return -1;
}

Result<std::unique_ptr<AlertStore>> AlertStore::open(const std::string& path) {
  std::unique_ptr<AlertStore> s(new AlertStore());
  if (Status st =
          sqlite::open(path, &s->db_,
                       {
                           "PRAGMA synchronous=NORMAL",  // WAL: survives a killed process; the events themselves are in the store
                           "CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY AUTOINCREMENT, rule_id TEXT, rule_title TEXT, "
                           "rule_kind TEXT, level TEXT, level_rank INTEGER, attack TEXT, mlps TEXT, dedup_key TEXT, asset TEXT, zone TEXT, "
                           "source_ip TEXT, user_name TEXT, group_json TEXT, first_ts INTEGER, last_ts INTEGER, created INTEGER, "
                           "updated INTEGER, count INTEGER, events TEXT, summary TEXT, state TEXT, state_by TEXT, state_at INTEGER, "
                           "comment TEXT)",
                           "CREATE INDEX IF NOT EXISTS alerts_dedup ON alerts(dedup_key, state)",
                           "CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created)",
                           "CREATE INDEX IF NOT EXISTS alerts_state ON alerts(state, level_rank)",
                           "CREATE TABLE IF NOT EXISTS alert_history(alert_id INTEGER, at INTEGER, who TEXT, from_state TEXT, "
                           "to_state TEXT, comment TEXT)",
                           "CREATE INDEX IF NOT EXISTS alert_history_id ON alert_history(alert_id)",
                           "CREATE TABLE IF NOT EXISTS suppressions(id INTEGER PRIMARY KEY AUTOINCREMENT, rule_id TEXT, field TEXT, "
                           "value TEXT, until INTEGER, who TEXT, reason TEXT, created INTEGER, hits INTEGER DEFAULT 0)",
                           "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)",
                       });
      !st)
    return Error{st.error()};
  // Columns added after the first release of the table.
  for (const char* add : {"ALTER TABLE alerts ADD COLUMN system TEXT DEFAULT ''", "ALTER TABLE alerts ADD COLUMN sources TEXT DEFAULT '[]'",
                          "ALTER TABLE alerts ADD COLUMN assignee TEXT DEFAULT ''", "ALTER TABLE alerts ADD COLUMN due INTEGER DEFAULT 0",
                          "ALTER TABLE alerts ADD COLUMN rule_title_zh TEXT DEFAULT ''"})
    if (Status st = sqlite::exec(s->db_, add); !st && st.error().find("duplicate column") == std::string::npos)
      return Error{path + ": " + st.error()};
  return s;
}

AlertStore::~AlertStore() { sqlite3_close(db_); }

Result<RaiseResult> AlertStore::raise(const Alert& a, int64_t dedup_ns, int64_t now) {
  std::lock_guard lk(mu_);
  RaiseResult res;
  auto window = window_for(a, now);
  if (!window) return Error{window.error()};
  bool suppressed = *window != 0;
  if (suppressed) {
    Stmt u(db_, "UPDATE suppressions SET hits = hits + 1 WHERE id = ?");
    u.bind(1, *window);
    if (Status st = u.run(); !st) return Error{"alerts: " + st.error()};
  }
  const char* open_state = suppressed ? "suppressed" : "new";
  // Merge into the open alert of the same key whose last event is recent enough.
  {
    Stmt q(db_,
           suppressed
               ? "SELECT id, events, last_ts, sources FROM alerts WHERE dedup_key = ? AND state = 'suppressed' ORDER BY id DESC LIMIT 1"
               : "SELECT id, events, last_ts, sources FROM alerts WHERE dedup_key = ? AND state IN ('new','acknowledged') ORDER BY id "
                 "DESC LIMIT 1");
    q.bind(1, a.dedup_key);
    bool open_alert = q.row();
    if (open_alert && a.first_ts - q.i64(2) < dedup_ns) {
      int64_t id = q.i64(0);
      auto refs = parse_refs(q.text(1));
      refs.insert(refs.end(), a.events.begin(), a.events.end());
      if (refs.size() > kMaxRefs) refs.erase(refs.begin(), refs.end() - static_cast<std::ptrdiff_t>(kMaxRefs));
      Counts sources = parse_counts(q.text(3));
      merge_counts(sources, a.sources);
      Stmt u(db_, "UPDATE alerts SET count = count + ?, last_ts = max(last_ts, ?), updated = ?, events = ?, sources = ? WHERE id = ?");
      u.bind(1, static_cast<int64_t>(a.count)).bind(2, a.last_ts).bind(3, now).bind(4, refs_json(refs)).bind(5, counts_json(sources));
      u.bind(6, id);
      if (Status st = u.run(); !st) return Error{"alerts: " + st.error()};
      res.id = id;
      res.suppressed = suppressed;
      return res;
    }
    if (!q.error().empty()) return Error{"alerts: " + q.error()};
  }
  std::vector<uint64_t> refs = a.events;
  if (refs.size() > kMaxRefs) refs.erase(refs.begin(), refs.end() - static_cast<std::ptrdiff_t>(kMaxRefs));
  Stmt ins(db_,
           "INSERT INTO alerts(rule_id, rule_title, rule_kind, level, level_rank, attack, mlps, dedup_key, asset, zone, "
           "source_ip, user_name, group_json, first_ts, last_ts, created, updated, count, events, summary, state, "
           "state_by, state_at, comment, system, sources, rule_title_zh) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'',0,'',?,?,?)");
  ins.bind(1, a.rule_id).bind(2, a.rule_title).bind(3, a.rule_kind).bind(4, a.level).bind(5, int64_t{level_rank(a.level)});
  ins.bind(6, json_list(a.attack)).bind(7, json_list(a.mlps)).bind(8, a.dedup_key).bind(9, a.asset).bind(10, a.zone);
  ins.bind(11, a.source_ip).bind(12, a.user).bind(13, group_json(a.group)).bind(14, a.first_ts).bind(15, a.last_ts);
  ins.bind(16, now).bind(17, now).bind(18, static_cast<int64_t>(a.count)).bind(19, refs_json(refs)).bind(20, a.summary);
  Counts sources;
  merge_counts(sources, a.sources);
  ins.bind(21, std::string(open_state)).bind(22, a.system).bind(23, counts_json(sources)).bind(24, a.rule_title_zh);
  if (Status st = ins.run(); !st) return Error{"alerts: " + st.error()};
  res.id = sqlite::last_insert_id(db_);
  res.created = !suppressed;
  res.suppressed = suppressed;
  return res;
}

Result<std::vector<bool>> AlertStore::add_repeats(const std::vector<Repeat>& reps, int64_t now) {
  std::lock_guard lk(mu_);
  std::vector<bool> applied;
  if (reps.empty()) return applied;
  if (Status s = sqlite::exec(db_, "BEGIN IMMEDIATE"); !s) return Error{"alerts: " + s.error()};
  for (const auto& r : reps) {
    Stmt q(db_, "SELECT events, sources FROM alerts WHERE id = ? AND state IN ('new','acknowledged','suppressed')");
    q.bind(1, r.id);
    if (!q.row()) {
      if (!q.error().empty()) {
        (void)sqlite::exec(db_, "ROLLBACK");
        return Error{"alerts: " + q.error()};
      }
      applied.push_back(false);
      continue;
    }
    auto refs = parse_refs(q.text(0));
    refs.insert(refs.end(), r.events.begin(), r.events.end());
    if (refs.size() > kMaxRefs) refs.erase(refs.begin(), refs.end() - static_cast<std::ptrdiff_t>(kMaxRefs));
    Counts sources = parse_counts(q.text(1));
    merge_counts(sources, r.sources);
    Stmt u(db_, "UPDATE alerts SET count = count + ?, last_ts = max(last_ts, ?), updated = ?, events = ?, sources = ? WHERE id = ?");
    u.bind(1, static_cast<int64_t>(r.count)).bind(2, r.last_ts).bind(3, now).bind(4, refs_json(refs)).bind(5, counts_json(sources));
    u.bind(6, r.id);
    if (Status st = u.run(); !st) {
      (void)sqlite::exec(db_, "ROLLBACK");
      return Error{"alerts: " + st.error()};
    }
    applied.push_back(true);
  }
  if (Status s = sqlite::exec(db_, "COMMIT"); !s) return Error{"alerts: " + s.error()};
  return applied;
}

Status AlertStore::set_state(int64_t id, State to, const std::string& who, const std::string& comment, int64_t now) {
  std::lock_guard lk(mu_);
  Stmt q(db_, "SELECT state FROM alerts WHERE id = ?");
  q.bind(1, id);
  if (!q.row()) return Error{"alert " + std::to_string(id) + " does not exist"};
  State from = parse_state(q.text(0)).value_or(State::kNew);
  if (who.empty()) return Error{"a state change needs who made it"};
  if (from == to) return Error{"alert " + std::to_string(id) + " is already " + state_name(to)};
  bool closed_from = from == State::kClosedTruePositive || from == State::kClosedFalsePositive;
  if (to == State::kSuppressed) return Error{"alerts are suppressed by suppression windows, not by hand"};
  if (to == State::kAcknowledged && from != State::kNew && from != State::kSuppressed)
    return Error{"only a new alert can be acknowledged (alert " + std::to_string(id) + " is " + state_name(from) + ")"};
  if (to == State::kNew && !closed_from) return Error{"only a closed alert can be reopened"};
  bool closing = to == State::kClosedTruePositive || to == State::kClosedFalsePositive;
  if (closing && closed_from) return Error{"alert " + std::to_string(id) + " is already closed; reopen it first"};
  if (closing && comment.empty()) return Error{"closing an alert needs a comment (what was found)"};
  if (Status b = sqlite::exec(db_, "BEGIN IMMEDIATE"); !b) return Error{"alerts: cannot start a transaction: " + b.error()};
  Stmt u(db_, "UPDATE alerts SET state = ?, state_by = ?, state_at = ?, comment = ?, updated = ? WHERE id = ?");
  u.bind(1, std::string(state_name(to))).bind(2, who).bind(3, now).bind(4, comment).bind(5, now).bind(6, id);
  Stmt h(db_, "INSERT INTO alert_history(alert_id, at, who, from_state, to_state, comment) VALUES(?,?,?,?,?,?)");
  h.bind(1, id).bind(2, now).bind(3, who).bind(4, std::string(state_name(from))).bind(5, std::string(state_name(to))).bind(6, comment);
  Status su = u.run(), sh = su ? h.run() : su;
  if (!su || !sh) {
    (void)sqlite::exec(db_, "ROLLBACK");
    return Error{"alerts: " + (!su ? su.error() : sh.error())};
  }
  return sqlite::exec(db_, "COMMIT");
}

Status AlertStore::assign(int64_t id, const std::string& to, int64_t due, const std::string& who, int64_t now) {
  std::lock_guard lk(mu_);
  Stmt q(db_, "SELECT state FROM alerts WHERE id = ?");
  q.bind(1, id);
  if (!q.row()) return Error{"alert " + std::to_string(id) + " does not exist"};
  std::string state = q.text(0);
  if (state != "new" && state != "acknowledged")
    return Error{"alert " + std::to_string(id) + " is " + state + ": only an open alert is assigned"};
  if (who.empty()) return Error{"an assignment needs who made it"};
  if (Status b = sqlite::exec(db_, "BEGIN IMMEDIATE"); !b) return Error{"alerts: cannot start a transaction: " + b.error()};
  Stmt u(db_, "UPDATE alerts SET assignee = ?, due = ?, updated = ? WHERE id = ?");
  u.bind(1, to).bind(2, due).bind(3, now).bind(4, id);
  std::string note =
      to.empty() ? "取消指派 / unassigned" : "指派给 / assigned to " + to + (due ? "，期限 / due " + format_rfc3339(due) : std::string());
  Stmt h(db_, "INSERT INTO alert_history(alert_id, at, who, from_state, to_state, comment) VALUES(?,?,?,?,?,?)");
  h.bind(1, id).bind(2, now).bind(3, who).bind(4, state).bind(5, state).bind(6, note);
  Status su = u.run(), sh = su ? h.run() : su;
  if (!su || !sh) {
    (void)sqlite::exec(db_, "ROLLBACK");
    return Error{"alerts: " + (!su ? su.error() : sh.error())};
  }
  return sqlite::exec(db_, "COMMIT");
}

Result<Alert> AlertStore::get(int64_t id) {
  std::lock_guard lk(mu_);
  Stmt q(db_, std::string("SELECT ") + kColumns + " FROM alerts WHERE id = ?");
  q.bind(1, id);
  if (!q.row()) return Error{"alert " + std::to_string(id) + " does not exist"};
  return row_to_alert(q);
}

namespace {
// WHERE clause and its parameters for an AlertQuery.
std::pair<std::string, std::vector<std::string>> where_of(const AlertQuery& q) {
  std::string w = " WHERE 1=1";
  std::vector<std::string> p;
  if (q.state == "open") {
    w += " AND state IN ('new','acknowledged')";
  } else if (!q.state.empty()) {
    w += " AND state = ?";
    p.push_back(q.state);
  }
  if (!q.min_level.empty()) {
    w += " AND level_rank >= " + std::to_string(std::max(0, level_rank(q.min_level)));
  }
  auto like = [&](const char* cols, const std::string& v) {
    if (v.empty()) return;
    w += std::string(" AND (") + cols + ")";
    size_t n = std::count(cols, cols + std::strlen(cols), '?');
    for (size_t i = 0; i < n; i++) p.push_back("%" + v + "%");
  };
  like("rule_id = ? OR rule_title LIKE ? OR rule_title_zh LIKE ?", q.rule);
  if (!q.rule.empty()) p[p.size() - 3] = q.rule;  // the id compares exactly
  like("asset LIKE ? OR zone LIKE ? OR source_ip LIKE ? OR system LIKE ?", q.asset);
  like("rule_title LIKE ? OR rule_title_zh LIKE ? OR summary LIKE ? OR asset LIKE ? OR user_name LIKE ? OR source_ip LIKE ?", q.text);
  if (q.assignee == "-") {
    w += " AND assignee = ''";
  } else if (!q.assignee.empty()) {
    w += " AND assignee = ?";
    p.push_back(q.assignee);
  }
  const char* when = q.by_event_time ? "first_ts" : "created";
  if (q.from) w += std::string(" AND ") + when + " >= " + std::to_string(q.from);
  if (q.to) w += std::string(" AND ") + when + " < " + std::to_string(q.to);
  return {w, p};
}
}  // namespace

Result<std::vector<Alert>> AlertStore::query(const AlertQuery& q) {
  std::lock_guard lk(mu_);
  auto [w, params] = where_of(q);
  // Sorting by a known column only (never text from the request in the SQL).
  static const std::pair<const char*, const char*> sorts[] = {
      {"id", "id"}, {"created", "created"}, {"last", "last_ts"}, {"level", "level_rank"}, {"count", "count"}, {"asset", "asset"}};
  std::string order = "id";
  for (auto [k, col] : sorts)
    if (q.sort == k) order = col;
  order += q.ascending ? " ASC" : " DESC";
  if (order.rfind("id ", 0) != 0) order += ", id DESC";
  if (q.sort == "triage") order = "level_rank DESC, created ASC, id ASC";  // the worst, then the oldest
  Stmt s(db_, std::string("SELECT ") + kColumns + " FROM alerts" + w + " ORDER BY " + order + " LIMIT " +
                  std::to_string(std::min<size_t>(q.limit, 10000)) + " OFFSET " + std::to_string(q.offset));
  for (size_t i = 0; i < params.size(); i++) s.bind(static_cast<int>(i + 1), params[i]);
  std::vector<Alert> out;

  while (s.row()) out.push_back(row_to_alert(s));
  if (!s.error().empty()) return Error{"alerts: " + s.error()};
  return out;
}

Result<uint64_t> AlertStore::count(const AlertQuery& q) {
  std::lock_guard lk(mu_);
  auto [w, params] = where_of(q);
  Stmt s(db_, "SELECT count(*) FROM alerts" + w);
  for (size_t i = 0; i < params.size(); i++) s.bind(static_cast<int>(i + 1), params[i]);
  if (!s.row()) return Error{"alerts: " + s.error()};
  return static_cast<uint64_t>(s.i64(0));
}

Result<std::vector<HistoryEntry>> AlertStore::history(int64_t id) {
  std::lock_guard lk(mu_);
  Stmt s(db_, "SELECT at, who, from_state, to_state, comment FROM alert_history WHERE alert_id = ? ORDER BY rowid");
  s.bind(1, id);
  std::vector<HistoryEntry> out;

  while (s.row()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  if (!s.error().empty()) return Error{"alerts: " + s.error()};
  return out;
}

Result<int64_t> AlertStore::add_suppression(const Suppression& x) {
  static const char* kFields[] = {"", "asset", "source_ip", "user", "zone"};
  if (std::find(std::begin(kFields), std::end(kFields), x.field) == std::end(kFields))
    return Error{"suppression field must be asset, source_ip, user or zone, not '" + x.field + "'"};
  if (!x.field.empty() && x.value.empty()) return Error{"suppression on '" + x.field + "' needs a value"};
  if (x.who.empty() || x.reason.empty()) return Error{"a suppression needs who set it and why"};
  if (x.rule_id.empty() && x.field.empty()) return Error{"a suppression must name a rule or a field value (it would silence everything)"};
  std::lock_guard lk(mu_);
  Stmt s(db_, "INSERT INTO suppressions(rule_id, field, value, until, who, reason, created) VALUES(?,?,?,?,?,?,?)");
  s.bind(1, x.rule_id).bind(2, x.field).bind(3, x.value).bind(4, x.until).bind(5, x.who).bind(6, x.reason).bind(7, x.created);
  if (Status st = s.run(); !st) return Error{"alerts: " + st.error()};
  windows_stale_ = true;
  return sqlite::last_insert_id(db_);
}

Result<std::vector<Suppression>> AlertStore::suppressions(int64_t now, bool include_expired) {
  std::lock_guard lk(mu_);
  Stmt s(db_, std::string("SELECT id, rule_id, field, value, until, who, reason, created, hits FROM suppressions") +
                  (include_expired ? "" : " WHERE until > ?") + " ORDER BY id");
  if (!include_expired) s.bind(1, now);
  std::vector<Suppression> out;

  while (s.row())
    out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.text(5), s.text(6), s.i64(7), static_cast<uint64_t>(s.i64(8))});
  if (!s.error().empty()) return Error{"alerts: " + s.error()};
  return out;
}

Status AlertStore::remove_suppression(int64_t id) {
  std::lock_guard lk(mu_);
  Stmt s(db_, "DELETE FROM suppressions WHERE id = ?");
  s.bind(1, id);
  if (Status st = s.run(); !st) return Error{"alerts: " + st.error()};
  if (sqlite::changes(db_) == 0) return Error{"suppression " + std::to_string(id) + " does not exist"};
  windows_stale_ = true;
  return {};
}

Result<int64_t> AlertStore::window_for(const Alert& a, int64_t now) {
  if (windows_stale_) {
    Stmt q(db_, "SELECT id, rule_id, field, value, until FROM suppressions ORDER BY id");
    std::vector<Suppression> w;
    while (q.row()) w.push_back({q.i64(0), q.text(1), q.text(2), q.text(3), q.i64(4), "", "", 0, 0});
    if (!q.error().empty()) return Error{"alerts: " + q.error()};
    windows_ = std::move(w);
    windows_stale_ = false;
  }
  // Rule (or any) and one field value (or any), not expired.
  for (const auto& x : windows_) {
    if (x.until <= now || (!x.rule_id.empty() && x.rule_id != a.rule_id)) continue;
    const std::string* have = x.field == "asset"       ? &a.asset
                              : x.field == "source_ip" ? &a.source_ip
                              : x.field == "user"      ? &a.user
                              : x.field == "zone"      ? &a.zone
                                                       : nullptr;
    if (x.field.empty() || (have && *have == x.value)) return x.id;
  }
  return int64_t{0};
}

bool AlertStore::suppressed(const Alert& a, int64_t now) {
  std::lock_guard lk(mu_);
  auto w = window_for(a, now);
  return w && *w != 0;
}

void merge_counts(Counts& into, const Counts& more, size_t max) {
  for (const auto& m : more) {
    auto it = std::find_if(into.begin(), into.end(), [&m](const auto& x) { return x.first == m.first; });
    if (it != into.end())
      it->second += m.second;
    else
      into.push_back(m);
  }
  // Most first, the others ("") last; past `max` the least seen join the others.
  auto order = [](const auto& x, const auto& y) { return x.first.empty() != y.first.empty() ? y.first.empty() : x.second > y.second; };
  std::stable_sort(into.begin(), into.end(), order);
  if (into.size() <= max) return;
  uint64_t rest = 0;
  for (size_t i = max - 1; i < into.size(); i++) rest += into[i].second;
  into.resize(max - 1);
  into.emplace_back("", rest);
}

Result<std::optional<uint64_t>> AlertStore::cursor() {
  std::lock_guard lk(mu_);
  Stmt s(db_, "SELECT value FROM meta WHERE key = 'detect_cursor'");
  if (!s.row()) {
    if (!s.error().empty()) return Error{"alerts: " + s.error()};
    return std::optional<uint64_t>{};
  }
  return std::optional<uint64_t>{std::stoull(s.text(0))};
}

Status AlertStore::set_cursor(uint64_t ref) {
  std::lock_guard lk(mu_);
  Stmt s(db_, "INSERT INTO meta(key, value) VALUES('detect_cursor', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, std::to_string(ref));
  if (Status st = s.run(); !st) return Error{"alerts: " + st.error()};
  return {};
}

std::string bilingual_title(const Alert& a) {
  return a.rule_title_zh.empty() || a.rule_title_zh == a.rule_title ? a.rule_title : a.rule_title_zh + " / " + a.rule_title;
}

std::string alert_to_json(const Alert& a) {
  nlohmann::json j;
  j["id"] = a.id;
  j["rule.id"] = a.rule_id;
  j["rule.name"] = a.rule_title;
  j["rule.name_zh"] = a.rule_title_zh;
  j["rule.kind"] = a.rule_kind;
  j["event.severity_name"] = a.level;
  j["threat.technique"] = a.attack;
  j["mlps.controls"] = a.mlps;
  j["host.name"] = a.asset;
  j["network.zone"] = a.zone;
  j["system"] = a.system;
  j["source.ip"] = a.source_ip;
  nlohmann::json src = nlohmann::json::array();
  for (const auto& [ip, n] : a.sources) src.push_back({{"ip", ip}, {"count", n}});  // "": the others, counted together
  j["sources"] = src;
  j["user.name"] = a.user;
  nlohmann::json g = nlohmann::json::object();
  for (const auto& [k, v] : a.group) g[k] = v;
  j["group"] = g;
  j["first_ts"] = format_rfc3339(a.first_ts);
  j["last_ts"] = format_rfc3339(a.last_ts);
  j["created"] = format_rfc3339(a.created);
  j["updated"] = format_rfc3339(a.updated);
  j["count"] = a.count;
  nlohmann::json refs = nlohmann::json::array();
  for (uint64_t r : a.events) refs.push_back(store::ref_to_string(r));
  j["events"] = refs;
  j["summary"] = a.summary;
  j["state"] = state_name(a.state);
  j["state_by"] = a.state_by;
  j["state_at"] = a.state_at ? format_rfc3339(a.state_at) : "";
  j["comment"] = a.comment;
  j["assignee"] = a.assignee;
  j["due"] = a.due ? format_rfc3339(a.due) : "";
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wardsec::alert
