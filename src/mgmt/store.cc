#include "mgmt/store.h"

#include <sqlite3.h>

#include <utility>

#include "core/sqlite.h"

namespace wardsec::mgmt {

namespace {

using json = nlohmann::json;
using sqlite::Stmt;

constexpr const char* kSelect =
    "SELECT r.id, r.kind, v.version, v.data, r.created_by, r.created, v.by, v.at, r.withdrawn FROM records r "
    "JOIN record_versions v ON v.id = r.id AND v.version = r.version ";

Record from_row(const Stmt& st) {
  Record r;
  r.id = st.i64(0);
  r.kind = st.text(1);
  r.version = static_cast<int>(st.i64(2));
  r.data = json::parse(st.text(3), nullptr, false);
  if (r.data.is_discarded()) r.data = json::object();
  r.created_by = st.text(4);
  r.created = st.i64(5);
  r.by = st.text(6);
  r.at = st.i64(7);
  r.withdrawn = st.i64(8) != 0;
  return r;
}

Error no_record(const std::string& kind, int64_t id) { return Error{"没有此记录 / no such record: " + kind + " #" + std::to_string(id)}; }

}  // namespace

Result<std::unique_ptr<Records>> Records::open(const std::string& path) {
  std::unique_ptr<Records> r(new Records());
  Status s =
      sqlite::open(path, &r->db_,
                   {"CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
                    "version INTEGER NOT NULL, created_by TEXT NOT NULL, created INTEGER NOT NULL, withdrawn INTEGER NOT NULL DEFAULT 0)",
                    "CREATE INDEX IF NOT EXISTS records_kind ON records(kind)",
                    "CREATE TABLE IF NOT EXISTS record_versions(id INTEGER NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL, "
                    "by TEXT NOT NULL, at INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '', PRIMARY KEY(id, version))",
                    "CREATE TABLE IF NOT EXISTS record_attachments(record INTEGER NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, "
                    "size INTEGER NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL)"});
  if (!s) return Error{s.error()};
  return r;
}

Records::~Records() {
  if (db_) sqlite3_close(db_);
}

Result<int64_t> Records::insert(const Kind& k, const json& data, const std::string& by, int64_t now) {
  if (by.empty()) return Error{"须注明记录人 / a record needs who records it"};
  Stmt ins(db_, "INSERT INTO records(kind, version, created_by, created) VALUES(?, 1, ?, ?)");
  ins.bind(1, k.name).bind(2, by).bind(3, now);
  if (Status st = ins.run(); !st) return Error{st.error()};
  int64_t id = sqlite::last_insert_id(db_);
  Stmt v(db_, "INSERT INTO record_versions(id, version, data, by, at) VALUES(?, 1, ?, ?, ?)");
  v.bind(1, id).bind(2, data.dump()).bind(3, by).bind(4, now);
  if (Status st = v.run(); !st) return Error{st.error()};
  return id;
}

// Inside the transaction, so two writers cannot both add the one record of a kind that holds one.
Status Records::single_ok(const Kind& k, size_t adding) {
  if (!k.single || adding == 0) return {};
  auto cur = list(k.name);
  if (!cur) return Error{cur.error()};
  if (!cur->empty() || adding > 1)
    return Error{"“" + k.zh + "”只能有一条有效记录，请修改现有记录 / there is one " + k.en + " record: edit it instead"};
  return {};
}

Result<int64_t> Records::add(const Kind& k, const json& data, const std::string& by, int64_t now) {
  auto ids = add_all(k, {data}, by, now);
  if (!ids) return Error{ids.error()};
  return ids->front();
}

Result<std::vector<int64_t>> Records::add_all(const Kind& k, const std::vector<json>& data, const std::string& by, int64_t now) {
  if (Status st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return Error{st.error()};
  std::vector<int64_t> ids;
  Status st = single_ok(k, data.size());
  for (const auto& d : data) {
    if (!st) break;
    auto id = insert(k, d, by, now);
    if (!id) {
      st = Error{id.error()};
      break;
    }
    ids.push_back(*id);
  }
  if (Status end = sqlite::end_transaction(db_, st); !end) return Error{end.error()};
  return ids;
}

// Inside a transaction: the next version of a record (a withdrawal is a version of its own, so
// the history says who withdrew it and when).
Status Records::new_version(int64_t id, int version, const json& data, const std::string& by, int64_t now, const char* note) {
  Stmt v(db_, "INSERT INTO record_versions(id, version, data, by, at, note) VALUES(?, ?, ?, ?, ?, ?)");
  v.bind(1, id).bind(2, static_cast<int64_t>(version)).bind(3, data.dump()).bind(4, by).bind(5, now).bind(6, std::string(note));
  if (Status st = v.run(); !st) return st;
  Stmt u(db_,
         std::string("UPDATE records SET version = ?") + (std::string(note) == "withdrawn" ? ", withdrawn = 1" : "") + " WHERE id = ?");
  u.bind(1, static_cast<int64_t>(version)).bind(2, id);
  return u.run();
}

Status Records::update(const Kind& k, int64_t id, const json& data, const std::string& by, int64_t now) {
  auto cur = get(k.name, id);
  if (!cur) return Error{cur.error()};
  if (cur->withdrawn) return Error{"已作废的记录不能修改 / a withdrawn record cannot change: " + k.name + " #" + std::to_string(id)};
  if (Status st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  return sqlite::end_transaction(db_, new_version(id, cur->version + 1, data, by, now, ""));
}

Status Records::withdraw(const Kind& k, int64_t id, const std::string& by, int64_t now) {
  auto cur = get(k.name, id);
  if (!cur) return Error{cur.error()};
  if (cur->withdrawn) return Error{"记录已作废 / already withdrawn: " + k.name + " #" + std::to_string(id)};
  if (Status st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  return sqlite::end_transaction(db_, new_version(id, cur->version + 1, cur->data, by, now, "withdrawn"));
}

Result<std::pair<size_t, size_t>> Records::import(const Kind& k, const std::vector<std::pair<int64_t, json>>& rows, const std::string& by,
                                                  int64_t now) {
  if (by.empty()) return Error{"须注明记录人 / a record needs who records it"};
  size_t adds = 0;
  for (const auto& [id, d] : rows) adds += id == 0;
  if (Status st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return Error{st.error()};
  size_t added = 0, updated = 0;
  Status st = single_ok(k, adds);
  for (const auto& [id, d] : rows) {
    if (!st) break;
    if (id == 0) {
      auto n = insert(k, d, by, now);
      if (!n) st = Error{n.error()};
      added += n.ok();
    } else {
      auto cur = get(k.name, id);
      if (!cur || cur->withdrawn)
        st = Error{"编号 " + std::to_string(id) + " 不是一条有效的“" + k.zh + "”记录 / id " + std::to_string(id) + " is not a current " +
                   k.en + " record"};
      else if (cur->data != d) {
        st = new_version(id, cur->version + 1, d, by, now, "");
        updated += st.ok();
      }
    }
  }
  if (Status end = sqlite::end_transaction(db_, st); !end) return Error{end.error()};
  return std::make_pair(added, updated);
}

Result<std::vector<Record>> Records::list(const std::string& kind, bool with_withdrawn) {
  Stmt st(db_, std::string(kSelect) + "WHERE r.kind = ? " + (with_withdrawn ? "" : "AND r.withdrawn = 0 ") + "ORDER BY r.id");
  st.bind(1, kind);
  std::vector<Record> out;
  while (st.row()) out.push_back(from_row(st));
  if (!st.error().empty()) return Error{st.error()};
  return out;
}

Result<Record> Records::get(const std::string& kind, int64_t id) {
  Stmt st(db_, std::string(kSelect) + "WHERE r.kind = ? AND r.id = ?");
  st.bind(1, kind).bind(2, id);
  if (st.row()) return from_row(st);
  if (!st.error().empty()) return Error{st.error()};
  return no_record(kind, id);
}

Result<std::vector<Record>> Records::history(const std::string& kind, int64_t id) {
  Stmt st(db_,
          "SELECT r.id, r.kind, v.version, v.data, r.created_by, r.created, v.by, v.at, v.note = 'withdrawn' FROM records r "
          "JOIN record_versions v ON v.id = r.id WHERE r.kind = ? AND r.id = ? ORDER BY v.version");
  st.bind(1, kind).bind(2, id);
  std::vector<Record> out;
  while (st.row()) out.push_back(from_row(st));
  if (!st.error().empty()) return Error{st.error()};
  if (out.empty()) return no_record(kind, id);
  return out;
}

Status Records::attach(const std::string& kind, const Attachment& a) {
  auto cur = get(kind, a.record);
  if (!cur) return Error{cur.error()};
  Stmt st(db_, "INSERT INTO record_attachments(record, name, sha256, size, by, at) VALUES(?, ?, ?, ?, ?, ?)");
  st.bind(1, a.record).bind(2, a.name).bind(3, a.sha256).bind(4, a.size).bind(5, a.by).bind(6, a.at);
  return st.run();
}

Result<std::vector<Attachment>> Records::attachments(const std::string& kind, int64_t id) {
  auto cur = get(kind, id);
  if (!cur) return Error{cur.error()};
  Stmt st(db_, "SELECT record, name, sha256, size, by, at FROM record_attachments WHERE record = ? ORDER BY at");
  st.bind(1, id);
  std::vector<Attachment> out;
  while (st.row()) out.push_back({st.i64(0), st.text(1), st.text(2), st.i64(3), st.text(4), st.i64(5)});
  if (!st.error().empty()) return Error{st.error()};
  return out;
}

}  // namespace wardsec::mgmt
