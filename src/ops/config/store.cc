#include "ops/config/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>

#include "core/sqlite.h"
#include "core/timeutil.h"

namespace wardsec::ops::config {

using nlohmann::json;

namespace {

const char* kDeviceCols =
    "id, name, asset, host, account, vendor, command, mode, interval_hours, enabled, created, last_try, last_ok, last_error, fetch_alert";
const char* kVersionCols =
    "id, device, ts, changed_at, sha256, bytes, source, by_user, users, ips, commands, sessions, ticket, planned, added, removed, "
    "alert_id, "
    "note";

std::vector<std::string> str_list(const std::string& text) {
  std::vector<std::string> out;
  auto j = json::parse(text, nullptr, false);
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}
std::string list_text(const std::vector<std::string>& v) { return json(v).dump(); }

Device device_row(const sqlite::Stmt& s) {
  Device d;
  d.id = s.text(0);
  d.name = s.text(1);
  d.asset = s.text(2);
  d.host = s.text(3);
  d.account = s.i64(4);
  d.vendor = s.text(5);
  d.command = s.text(6);
  d.mode = s.text(7);
  d.interval_hours = static_cast<int>(s.i64(8));
  d.enabled = s.i64(9) != 0;
  d.created = s.i64(10);
  d.last_try = s.i64(11);
  d.last_ok = s.i64(12);
  d.last_error = s.text(13);
  d.fetch_alert = s.i64(14);
  return d;
}

Version version_row(const sqlite::Stmt& s) {
  Version v;
  v.id = s.i64(0);
  v.device = s.text(1);
  v.ts = s.i64(2);
  v.changed_at = s.i64(3);
  v.sha256 = s.text(4);
  v.bytes = s.i64(5);
  v.source = s.text(6);
  v.by = s.text(7);
  v.users = str_list(s.text(8));
  v.ips = str_list(s.text(9));
  v.commands = str_list(s.text(10));
  v.sessions = str_list(s.text(11));
  v.ticket = s.text(12);
  v.planned = s.text(13);
  v.added = s.i64(14);
  v.removed = s.i64(15);
  v.alert_id = s.i64(16);
  v.note = s.text(17);
  return v;
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

Result<int> minutes(const json& j, const char* k, const std::string& where) {
  if (!j.contains(k) || !j[k].is_string()) return Error{where + "." + k + " 须为 HH:MM / must be HH:MM"};
  int h = 0, m = 0;
  char tail = 0;
  std::string v = j[k].get<std::string>();
  if (std::sscanf(v.c_str(), "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m))
    return Error{where + "." + k + " 须为 HH:MM（00:00–24:00）/ must be HH:MM (00:00-24:00): " + v};
  return h * 60 + m;
}

std::string hhmm(int min) {
  char b[16];
  std::snprintf(b, sizeof b, "%02d:%02d", min / 60, min % 60);
  return b;
}

}  // namespace

bool config_command_ok(std::string_view cmd) {
  if (cmd.find_first_of(";|&`$<>\\") != std::string_view::npos) return false;
  size_t b = cmd.find_first_not_of(" \t");
  if (b == std::string_view::npos) return false;
  std::string w(cmd.substr(b, cmd.find_first_of(" \t", b) - b));
  for (char& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return w == "display" || w == "dis" || w == "disp" || w == "show" || w == "sh" || w == "more" || w == "get" || w == "cat";
}

json to_json(const Device& d) {
  return {{"id", d.id},
          {"name", d.name},
          {"asset", d.asset},
          {"host", d.host},
          {"account", d.account},
          {"vendor", d.vendor},
          {"command", d.command},
          {"mode", d.mode},
          {"interval_hours", d.interval_hours},
          {"enabled", d.enabled},
          {"created", d.created},
          {"last_try", d.last_try},
          {"last_ok", d.last_ok},
          {"last_error", d.last_error}};
}

json to_json(const Version& v) {
  json j{{"id", v.id},
         {"device", v.device},
         {"ts", v.ts},
         {"changed_at", v.changed_at},
         {"sha256", v.sha256},
         {"bytes", v.bytes},
         {"source", v.source},
         {"by", v.by},
         {"users", v.users},
         {"ips", v.ips},
         {"commands", v.commands},
         {"sessions", v.sessions},
         {"ticket", v.ticket},
         {"planned", v.planned},
         {"added", v.added},
         {"removed", v.removed},
         {"alert_id", v.alert_id},
         {"note", v.note}};
  if (!v.content.empty()) j["content"] = v.content;
  return j;
}

json to_json(const Ticket& t) {
  return {{"id", t.id}, {"title", t.title},     {"devices", t.devices},         {"starts", t.starts},          {"ends", t.ends},
          {"by", t.by}, {"created", t.created}, {"approved_by", t.approved_by}, {"approved_at", t.approved_at}};
}

Result<Device> device_from_json(const json& j) {
  if (!j.is_object()) return Error{"设备须为 JSON 对象 / a device must be a JSON object"};
  auto s = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  Device d;
  d.id = s("id");
  if (!valid_id(d.id)) return Error{"id 须为 1–64 个字母、数字、-_. / id must be 1-64 letters, digits, -_.: " + d.id};
  d.name = s("name").empty() ? d.id : s("name");
  d.asset = s("asset");
  if (d.asset.empty()) return Error{"asset 必填（资产清单中的主机名）/ asset is required (the inventory's host name)"};
  d.host = s("host");
  d.vendor = s("vendor").empty() ? "other" : s("vendor");
  if (d.vendor != "huawei" && d.vendor != "h3c" && d.vendor != "cisco" && d.vendor != "ruijie" && d.vendor != "other")
    return Error{"vendor 须为 huawei/h3c/cisco/ruijie/other / vendor must be huawei, h3c, cisco, ruijie or other: " + d.vendor};
  d.command = s("command");
  if (d.command.empty()) d.command = d.vendor == "cisco" || d.vendor == "ruijie" ? "show running-config" : "display current-configuration";
  if (d.command.size() > 200 || d.command.find_first_of("\r\n") != std::string::npos)
    return Error{"command 须为一行、至多 200 字符 / command must be one line of at most 200 characters"};
  // The center logs in with a vault credential no grant covers: it may only read. A command that
  // could change the device (reload, a configuration command, a chained one) is refused.
  if (!config_command_ok(d.command))
    return Error{
        "command 只能是查看配置的命令（display/show/more/get …），不得含 ; | & ` $ < > / command must only read the "
        "configuration (display, show, more, get ...), with no ; | & ` $ < >: " +
        d.command};
  d.mode = s("mode").empty() ? "exec" : s("mode");
  if (d.mode != "exec" && d.mode != "shell") return Error{"mode 须为 exec 或 shell / mode must be exec or shell: " + d.mode};
  if (j.contains("account")) {
    if (!j["account"].is_number_integer() || j["account"].get<int64_t>() < 0)
      return Error{"account 须为主机账号编号 / account must be a host account id"};
    d.account = j["account"].get<int64_t>();
  }
  if (j.contains("interval_hours")) {
    if (!j["interval_hours"].is_number_integer() || j["interval_hours"].get<int>() < 0 || j["interval_hours"].get<int>() > 24 * 31)
      return Error{"interval_hours 须为 0–744 的整数 / interval_hours must be an integer 0-744"};
    d.interval_hours = j["interval_hours"].get<int>();
  }
  if (j.contains("enabled")) {
    if (!j["enabled"].is_boolean()) return Error{"enabled 须为 true/false / enabled must be true or false"};
    d.enabled = j["enabled"].get<bool>();
  }
  return d;
}

Result<Ticket> ticket_from_json(const json& j, int tz_sec) {
  if (!j.is_object()) return Error{"变更单须为 JSON 对象 / a change ticket must be a JSON object"};
  Ticket t;
  t.id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
  if (t.id.empty() || t.id.size() > 64)
    return Error{"id 必填（变更单号，至多 64 字符）/ id is required (the ticket number, at most 64 characters)"};
  t.title = j.contains("title") && j["title"].is_string() ? j["title"].get<std::string>() : "";
  if (t.title.empty() || t.title.size() > 500) return Error{"title 必填（变更内容）/ title is required (what changes)"};
  if (!j.contains("devices") || !j["devices"].is_array() || j["devices"].empty())
    return Error{"devices 须为设备编号列表（\"*\" 为全部）/ devices must be a list of device ids (\"*\": all)"};
  for (const auto& d : j["devices"]) {
    if (!d.is_string() || (d != "*" && !valid_id(d.get<std::string>()))) return Error{"devices 含无效编号 / devices holds an invalid id"};
    t.devices.push_back(d.get<std::string>());
  }
  for (const char* k : {"starts", "ends"}) {
    if (!j.contains(k) || !j[k].is_string()) return Error{std::string(k) + " 须为时间（2026-12-06T22:00:00+08:00）/ must be a time"};
    int64_t ns = 0;
    if (!parse_user_time(j[k].get<std::string>(), tz_sec, ns))
      return Error{std::string(k) + " 不是可识别的时间 / is not a time: " + j[k].get<std::string>()};
    (std::string(k) == "starts" ? t.starts : t.ends) = ns;
  }
  if (t.ends <= t.starts) return Error{"ends 须晚于 starts / ends must be after starts"};
  if (t.ends - t.starts > 31 * 86400 * kSec) return Error{"变更窗口至多 31 天 / a ticket spans at most 31 days"};
  return t;
}

Result<std::vector<Window>> windows_from_json(const json& j) {
  if (!j.is_array()) return Error{"windows 须为数组 / windows must be an array"};
  if (j.size() > 50) return Error{"windows 至多 50 个 / at most 50 windows"};
  std::vector<Window> out;
  for (size_t i = 0; i < j.size(); i++) {
    std::string where = "windows[" + std::to_string(i) + "]";
    const json& w = j[i];
    if (!w.is_object()) return Error{where + " 须为对象 / must be an object"};
    Window x;
    if (w.contains("days")) {
      if (!w["days"].is_array() || w["days"].empty())
        return Error{where + ".days 须为 1–7 的列表（1=周一）/ must be a list of 1-7 (1 Monday)"};
      x.days = 0;
      for (const auto& d : w["days"]) {
        if (!d.is_number_integer() || d.get<int>() < 1 || d.get<int>() > 7)
          return Error{where + ".days 须为 1–7 的列表（1=周一）/ must be a list of 1-7 (1 Monday)"};
        x.days |= 1 << (d.get<int>() - 1);
      }
    }
    auto f = minutes(w, "from", where);
    if (!f) return Error{f.error()};
    auto t = minutes(w, "to", where);
    if (!t) return Error{t.error()};
    if (*f == *t) return Error{where + ": from 与 to 相同 / from equals to"};
    x.from_min = *f;
    x.to_min = *t;
    out.push_back(x);
  }
  return out;
}

json windows_to_json(const std::vector<Window>& ws) {
  json out = json::array();
  for (const auto& w : ws) {
    json days = json::array();
    for (int d = 0; d < 7; d++)
      if (w.days & (1 << d)) days.push_back(d + 1);
    out.push_back({{"days", days}, {"from", hhmm(w.from_min)}, {"to", hhmm(w.to_min)}});
  }
  return out;
}

bool in_window(const std::vector<Window>& ws, int64_t local_sec) {
  int64_t day = local_sec >= 0 ? local_sec / 86400 : (local_sec - 86399) / 86400;
  int min = static_cast<int>((local_sec - day * 86400) / 60);
  int dow = weekday_of(day);  // 0 Monday
  for (const auto& w : ws) {
    if (w.from_min < w.to_min) {
      if ((w.days & (1 << dow)) && min >= w.from_min && min < w.to_min) return true;
    } else {  // spans midnight: the evening belongs to its day, the small hours to the day before
      if ((w.days & (1 << dow)) && min >= w.from_min) return true;
      if ((w.days & (1 << ((dow + 6) % 7))) && min < w.to_min) return true;
    }
  }
  return false;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  std::unique_ptr<Store> s(new Store());
  Status st = sqlite::open(
      path, &s->db_,
      {"CREATE TABLE IF NOT EXISTS devices(id TEXT PRIMARY KEY, name TEXT NOT NULL, asset TEXT NOT NULL, host TEXT NOT NULL, "
       "account INTEGER NOT NULL, vendor TEXT NOT NULL, command TEXT NOT NULL, mode TEXT NOT NULL, interval_hours INTEGER NOT NULL, "
       "enabled INTEGER NOT NULL, created INTEGER NOT NULL, last_try INTEGER NOT NULL DEFAULT 0, last_ok INTEGER NOT NULL DEFAULT 0, "
       "last_error TEXT NOT NULL DEFAULT '', fetch_alert INTEGER NOT NULL DEFAULT 0)",
       "CREATE TABLE IF NOT EXISTS versions(id INTEGER PRIMARY KEY, device TEXT NOT NULL, ts INTEGER NOT NULL, changed_at INTEGER NOT "
       "NULL, "
       "sha256 TEXT NOT NULL, bytes INTEGER NOT NULL, source TEXT NOT NULL, by_user TEXT NOT NULL, users TEXT NOT NULL, ips TEXT NOT NULL, "
       "commands TEXT NOT NULL, sessions TEXT NOT NULL, ticket TEXT NOT NULL, planned TEXT NOT NULL, added INTEGER NOT NULL, "
       "removed INTEGER NOT NULL, alert_id INTEGER NOT NULL, note TEXT NOT NULL, content TEXT NOT NULL)",
       "CREATE INDEX IF NOT EXISTS versions_device ON versions(device, id)", "CREATE INDEX IF NOT EXISTS versions_ts ON versions(ts)",
       "CREATE TABLE IF NOT EXISTS triggers(id INTEGER PRIMARY KEY, device TEXT NOT NULL, ts INTEGER NOT NULL, user TEXT NOT NULL, "
       "ip TEXT NOT NULL, action TEXT NOT NULL, command TEXT NOT NULL)",
       "CREATE TABLE IF NOT EXISTS tickets(id TEXT PRIMARY KEY, title TEXT NOT NULL, devices TEXT NOT NULL, starts INTEGER NOT NULL, "
       "ends INTEGER NOT NULL, by_user TEXT NOT NULL, created INTEGER NOT NULL)",
       "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"});
  if (!st) return Error{st.error()};
  // Columns added after the first release (an error: the column is there already).
  (void)sqlite::exec(s->db_, "ALTER TABLE tickets ADD COLUMN approved_by TEXT NOT NULL DEFAULT ''");
  (void)sqlite::exec(s->db_, "ALTER TABLE tickets ADD COLUMN approved_at INTEGER NOT NULL DEFAULT 0");
  return s;
}

Store::~Store() {
  if (db_) sqlite3_close(db_);
}

Result<std::vector<Device>> Store::devices() {
  std::lock_guard l(mu_);
  std::vector<Device> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kDeviceCols + " FROM devices ORDER BY id", {},
                           [&](const sqlite::Stmt& st) { out.push_back(device_row(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<Device> Store::device(const std::string& id) {
  std::lock_guard l(mu_);
  std::optional<Device> d;
  Status s = sqlite::query(db_, std::string("SELECT ") + kDeviceCols + " FROM devices WHERE id = ?", {id},
                           [&](const sqlite::Stmt& st) { d = device_row(st); });
  if (!s) return Error{s.error()};
  if (!d) return Error{"无此设备 / no device " + id};
  return *d;
}

Status Store::add_device(const Device& d) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_,
                  "INSERT INTO devices(id, name, asset, host, account, vendor, command, mode, interval_hours, enabled, created) "
                  "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, d.id).bind(2, d.name).bind(3, d.asset).bind(4, d.host).bind(5, d.account).bind(6, d.vendor).bind(7, d.command);
  st.bind(8, d.mode).bind(9, int64_t{d.interval_hours}).bind(10, int64_t{d.enabled}).bind(11, d.created);
  return st.run();
}

Status Store::update_device(const Device& d) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_,
                  "UPDATE devices SET name=?, asset=?, host=?, account=?, vendor=?, command=?, mode=?, interval_hours=?, enabled=? "
                  "WHERE id=?");
  st.bind(1, d.name).bind(2, d.asset).bind(3, d.host).bind(4, d.account).bind(5, d.vendor).bind(6, d.command).bind(7, d.mode);
  st.bind(8, int64_t{d.interval_hours}).bind(9, int64_t{d.enabled}).bind(10, d.id);
  return st.run();
}

Status Store::remove_device(const std::string& id) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, "DELETE FROM devices WHERE id = ?");
  st.bind(1, id);
  if (Status s = st.run(); !s) return s;
  sqlite::Stmt t(db_, "DELETE FROM triggers WHERE device = ?");
  t.bind(1, id);
  return t.run();
}

Status Store::set_fetch(const std::string& id, int64_t tried, bool ok, const std::string& error, int64_t alert_id) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, ok ? "UPDATE devices SET last_try=?, last_ok=?, last_error='', fetch_alert=? WHERE id=?"
                          : "UPDATE devices SET last_try=?, last_error=?, fetch_alert=? WHERE id=?");
  if (ok)
    st.bind(1, tried).bind(2, tried).bind(3, alert_id).bind(4, id);
  else
    st.bind(1, tried).bind(2, error).bind(3, alert_id).bind(4, id);
  return st.run();
}

Result<std::vector<Version>> Store::versions(const std::string& device, size_t limit) {
  std::lock_guard l(mu_);
  std::vector<Version> out;
  Status s = sqlite::query(
      db_, std::string("SELECT ") + kVersionCols + " FROM versions WHERE device = ? ORDER BY id DESC LIMIT " + std::to_string(limit),
      {device}, [&](const sqlite::Stmt& st) { out.push_back(version_row(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<Version> Store::version(int64_t id, bool content) {
  std::lock_guard l(mu_);
  std::optional<Version> v;
  sqlite::Stmt st(db_, std::string("SELECT ") + kVersionCols + ", content FROM versions WHERE id = ?");
  st.bind(1, id);
  if (st.row()) {
    v = version_row(st);
    if (content) v->content = st.text(18);
  }
  if (!st.error().empty()) return Error{st.error()};
  if (!v) return Error{"无此版本 / no version " + std::to_string(id)};
  return *v;
}

Result<std::optional<Version>> Store::latest(const std::string& device, bool content) {
  int64_t id = 0;
  {
    std::lock_guard l(mu_);
    Status s = sqlite::query(db_, "SELECT max(id) FROM versions WHERE device = ?", {device}, [&](const sqlite::Stmt& st) {
      if (!st.is_null(0)) id = st.i64(0);
    });
    if (!s) return Error{s.error()};
  }
  if (!id) return std::optional<Version>{};
  auto v = version(id, content);
  if (!v) return Error{v.error()};
  return std::optional<Version>{std::move(*v)};
}

Result<int64_t> Store::add_version(const Version& v) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_,
                  "INSERT INTO versions(device, ts, changed_at, sha256, bytes, source, by_user, users, ips, commands, sessions, ticket, "
                  "planned, added, removed, alert_id, note, content) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, v.device).bind(2, v.ts).bind(3, v.changed_at).bind(4, v.sha256).bind(5, v.bytes).bind(6, v.source).bind(7, v.by);
  st.bind(8, list_text(v.users)).bind(9, list_text(v.ips)).bind(10, list_text(v.commands)).bind(11, list_text(v.sessions));
  st.bind(12, v.ticket).bind(13, v.planned).bind(14, v.added).bind(15, v.removed).bind(16, v.alert_id).bind(17, v.note).bind(18, v.content);
  if (Status s = st.run(); !s) return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status Store::set_version_alert(int64_t id, int64_t alert_id) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, "UPDATE versions SET alert_id = ? WHERE id = ?");
  st.bind(1, alert_id).bind(2, id);
  return st.run();
}

Result<std::vector<Version>> Store::changes(int64_t from, int64_t to, size_t limit) {
  std::lock_guard l(mu_);
  std::vector<Version> out;
  sqlite::Stmt st(db_, std::string("SELECT ") + kVersionCols + " FROM versions WHERE ts >= ? AND ts < ? AND source != 'baseline' " +
                           "ORDER BY ts DESC LIMIT " + std::to_string(limit));
  st.bind(1, from).bind(2, to);
  while (st.row()) out.push_back(version_row(st));
  if (!st.error().empty()) return Error{st.error()};
  return out;
}

Status Store::add_trigger(const std::string& device, const Trigger& t) {
  std::lock_guard l(mu_);
  // Bounded: a device that logs a flood of commands before its fetch keeps its first 500.
  int64_t n = 0;
  (void)sqlite::query(db_, "SELECT count(*) FROM triggers WHERE device = ?", {device}, [&](const sqlite::Stmt& st) { n = st.i64(0); });
  if (n >= 500) return {};
  sqlite::Stmt st(db_, "INSERT INTO triggers(device, ts, user, ip, action, command) VALUES(?,?,?,?,?,?)");
  st.bind(1, device).bind(2, t.ts).bind(3, t.user).bind(4, t.ip).bind(5, t.action).bind(6, t.command);
  return st.run();
}

Result<std::vector<Trigger>> Store::pending(const std::string& device) {
  std::lock_guard l(mu_);
  std::vector<Trigger> out;
  Status s = sqlite::query(db_, "SELECT ts, user, ip, action, command FROM triggers WHERE device = ? ORDER BY ts, id", {device},
                           [&](const sqlite::Stmt& st) {
                             Trigger t;
                             t.ts = st.i64(0);
                             t.user = st.text(1);
                             t.ip = st.text(2);
                             t.action = st.text(3);
                             t.command = st.text(4);
                             out.push_back(std::move(t));
                           });
  if (!s) return Error{s.error()};
  return out;
}

Result<std::vector<Trigger>> Store::take_triggers(const std::string& device) {
  auto t = pending(device);
  if (!t) return t;
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, "DELETE FROM triggers WHERE device = ?");
  st.bind(1, device);
  if (Status s = st.run(); !s) return Error{s.error()};
  return t;
}

Result<std::vector<Ticket>> Store::tickets() {
  std::lock_guard l(mu_);
  std::vector<Ticket> out;
  Status s = sqlite::query(
      db_, "SELECT id, title, devices, starts, ends, by_user, created, approved_by, approved_at FROM tickets ORDER BY starts DESC", {},
      [&](const sqlite::Stmt& st) {
        Ticket t;
        t.id = st.text(0);
        t.title = st.text(1);
        t.devices = str_list(st.text(2));
        t.starts = st.i64(3);
        t.ends = st.i64(4);
        t.by = st.text(5);
        t.created = st.i64(6);
        t.approved_by = st.text(7);
        t.approved_at = st.i64(8);
        out.push_back(std::move(t));
      });
  if (!s) return Error{s.error()};
  return out;
}

Status Store::add_ticket(const Ticket& t) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, "INSERT INTO tickets(id, title, devices, starts, ends, by_user, created) VALUES(?,?,?,?,?,?,?)");
  st.bind(1, t.id).bind(2, t.title).bind(3, list_text(t.devices)).bind(4, t.starts).bind(5, t.ends).bind(6, t.by).bind(7, t.created);
  return st.run();
}

Status Store::approve_ticket(const std::string& id, const std::string& by, int64_t at) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, "UPDATE tickets SET approved_by = ?, approved_at = ? WHERE id = ? AND approved_at = 0");
  st.bind(1, by).bind(2, at).bind(3, id);
  if (Status s = st.run(); !s) return s;
  if (sqlite::changes(db_) != 1) return Error{"变更单不存在或已批准 / no such ticket, or approved already: " + id};
  return {};
}

Status Store::remove_ticket(const std::string& id) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, "DELETE FROM tickets WHERE id = ?");
  st.bind(1, id);
  return st.run();
}

Result<std::vector<Window>> Store::windows() {
  std::string text = meta("windows");
  if (text.empty()) return std::vector<Window>{};
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error{"configs.db: windows is not JSON"};
  return windows_from_json(j);
}

Status Store::set_windows(const std::vector<Window>& w) { return set_meta("windows", windows_to_json(w).dump()); }

std::string Store::meta(const std::string& key) {
  std::lock_guard l(mu_);
  std::string v;
  (void)sqlite::query(db_, "SELECT value FROM meta WHERE key = ?", {key}, [&](const sqlite::Stmt& st) { v = st.text(0); });
  return v;
}

Status Store::set_meta(const std::string& key, const std::string& value) {
  std::lock_guard l(mu_);
  sqlite::Stmt st(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key).bind(2, value);
  return st.run();
}

}  // namespace wardsec::ops::config
