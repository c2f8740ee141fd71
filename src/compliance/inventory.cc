#include "compliance/inventory.h"

#include "core/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>

namespace wardsec::compliance {

namespace {

struct Kind {
  const char* name;
  const char* table;
  std::vector<const char*> columns;  // the first is the key
  std::vector<const char*> required;
};

const Kind* kind_of(const std::string& k) {
  static const Kind kinds[] = {
      {"zones", "zones", {"name", "name_zh", "cidr", "description"}, {"name", "cidr"}},
      {"systems", "systems", {"id", "name", "name_en", "kind", "level", "owner", "business", "users", "data"}, {"id", "name"}},
      {"assets", "assets", {"name", "ip", "type", "zone", "system", "os", "owner"}, {"name"}},
  };
  for (const auto& x : kinds)
    if (k == x.name) return &x;
  return nullptr;
}

Result<std::vector<std::vector<std::string>>> select_all(sqlite3* db, const Kind& k) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < k.columns.size(); i++) sql += std::string(i ? "," : "") + k.columns[i];
  sql += std::string(" FROM ") + k.table + " ORDER BY rowid";
  std::vector<std::vector<std::string>> out;
  Status s = sqlite::query(db, sql, {}, [&](const sqlite::Stmt& st) {
    std::vector<std::string> row;
    for (int i = 0; i < static_cast<int>(k.columns.size()); i++) row.push_back(st.text(i));
    out.push_back(std::move(row));
  });
  if (!s) return Error{s.error()};
  return out;
}

}  // namespace

Result<std::unique_ptr<Inventory>> Inventory::open(const std::string& path) {
  std::unique_ptr<Inventory> inv(new Inventory());
  Status s = sqlite::open(
      path, &inv->db_,
      {"CREATE TABLE IF NOT EXISTS zones(name TEXT PRIMARY KEY, name_zh TEXT, cidr TEXT, description TEXT)",
       "CREATE TABLE IF NOT EXISTS systems(id TEXT PRIMARY KEY, name TEXT, name_en TEXT, kind TEXT, level TEXT, "
       "owner TEXT, business TEXT, users TEXT, data TEXT)",
       "CREATE TABLE IF NOT EXISTS assets(name TEXT PRIMARY KEY, ip TEXT, type TEXT, zone TEXT, system TEXT, os TEXT, owner TEXT)"});
  if (!s) return Error{s.error()};
  return inv;
}

Inventory::~Inventory() { sqlite3_close(db_); }

Result<size_t> Inventory::import_csv(const std::string& kind, std::string_view text, const std::string& name) {
  const Kind* k = kind_of(kind);
  if (!k) return Error{"unknown inventory kind '" + kind + "' (zones, systems, assets)"};
  auto rows = parse_csv(text, name);
  if (!rows) return Error{rows.error()};
  if (rows->empty()) return Error{name + ": empty (a header line is required)"};
  // Columns by header name; unknown headers are errors (a typo would lose data silently).
  std::vector<int> col(k->columns.size(), -1);
  const auto& head = (*rows)[0];
  for (size_t i = 0; i < head.size(); i++) {
    std::string h(trim(head[i]));
    auto it = std::find_if(k->columns.begin(), k->columns.end(), [&](const char* c) { return h == c; });
    if (it == k->columns.end()) {
      std::string known;
      for (const char* c : k->columns) known += std::string(known.empty() ? "" : ", ") + c;
      return Error{name + ":1: unknown column '" + h + "' (" + kind + " has: " + known + ")"};
    }
    col[static_cast<size_t>(it - k->columns.begin())] = static_cast<int>(i);
  }
  for (const char* r : k->required) {
    size_t idx = static_cast<size_t>(
        std::find_if(k->columns.begin(), k->columns.end(), [&](const char* c) { return std::string(c) == r; }) - k->columns.begin());
    if (col[idx] < 0) return Error{name + ":1: the column '" + r + "' is required"};
  }
  std::vector<std::vector<std::string>> values;
  std::map<std::string, size_t> seen;
  for (size_t r = 1; r < rows->size(); r++) {
    const auto& row = (*rows)[r];
    std::string where = name + ": row " + std::to_string(r + 1);
    if (row.size() != head.size())
      return Error{where + ": " + std::to_string(row.size()) + " fields, the header has " + std::to_string(head.size())};
    std::vector<std::string> v(k->columns.size());
    for (size_t c = 0; c < k->columns.size(); c++)
      if (col[c] >= 0) v[c] = std::string(trim(row[static_cast<size_t>(col[c])]));
    for (const char* req : k->required)
      for (size_t c = 0; c < k->columns.size(); c++)
        if (std::string(k->columns[c]) == req && v[c].empty()) return Error{where + ": '" + req + "' is empty"};
    if (kind == "zones" && !parse_cidr(v[2])) return Error{where + ": '" + v[2] + "' is not a CIDR block such as 10.20.0.0/22"};
    if (kind == "systems" && !v[4].empty() && v[4] != "1" && v[4] != "2" && v[4] != "3" && v[4] != "4")
      return Error{where + ": level must be 1 to 4 or empty (not graded yet), not '" + v[4] + "'"};
    if (kind == "assets" && !v[1].empty() && !parse_ip(v[1])) return Error{where + ": '" + v[1] + "' is not an IP address"};
    if (auto [it, fresh] = seen.emplace(v[0], r + 1); !fresh)
      return Error{where + ": '" + v[0] + "' is already on row " + std::to_string(it->second)};
    values.push_back(std::move(v));
  }
  std::string sql = std::string("INSERT OR REPLACE INTO ") + k->table + "(";
  for (size_t i = 0; i < k->columns.size(); i++) sql += std::string(i ? "," : "") + k->columns[i];
  sql += ") VALUES(";
  for (size_t i = 0; i < k->columns.size(); i++) sql += i ? ",?" : "?";
  sql += ")";
  if (Status s = sqlite::exec(db_, "BEGIN IMMEDIATE"); !s) return Error{s.error()};
  sqlite::Stmt st(db_, sql);
  for (const auto& v : values) {
    st.reset();
    for (size_t i = 0; i < v.size(); i++) st.bind(static_cast<int>(i + 1), v[i]);
    if (Status s = st.run(); !s) {
      (void)sqlite::exec(db_, "ROLLBACK");
      return Error{s.error()};
    }
  }
  if (Status s = sqlite::exec(db_, "COMMIT"); !s) return Error{s.error()};
  return values.size();
}

Result<std::string> Inventory::export_csv(const std::string& kind) {
  const Kind* k = kind_of(kind);
  if (!k) return Error{"unknown inventory kind '" + kind + "' (zones, systems, assets)"};
  auto rows = select_all(db_, *k);
  if (!rows) return Error{rows.error()};
  std::string out = csv_line(std::vector<std::string>(k->columns.begin(), k->columns.end())) + "\r\n";
  for (auto r : *rows) {
    for (auto& cell : r) defuse_formula(cell);
    out += csv_line(r) + "\r\n";
  }
  return out;
}

Result<std::vector<Zone>> Inventory::zones() {
  auto rows = select_all(db_, *kind_of("zones"));
  if (!rows) return Error{rows.error()};
  std::vector<Zone> out;
  for (auto& r : *rows) out.push_back({r[0], r[1], r[2], r[3]});
  return out;
}

Result<std::vector<System>> Inventory::systems() {
  auto rows = select_all(db_, *kind_of("systems"));
  if (!rows) return Error{rows.error()};
  std::vector<System> out;
  for (auto& r : *rows) out.push_back({r[0], r[1], r[2], r[3], r[4].empty() ? 0 : std::stoi(r[4]), r[5], r[6], r[7], r[8]});
  return out;
}

Result<std::vector<Asset>> Inventory::assets() {
  auto rows = select_all(db_, *kind_of("assets"));
  if (!rows) return Error{rows.error()};
  std::vector<Asset> out;
  for (auto& r : *rows) out.push_back({r[0], r[1], r[2], r[3], r[4], r[5], r[6]});
  return out;
}

Status Inventory::set_level(const std::string& system, int level) {
  if (level < 1 || level > 5) return Error{"level must be 1-5"};
  sqlite::Stmt st(db_, "UPDATE systems SET level = ? WHERE id = ?");
  st.bind(1, std::to_string(level)).bind(2, system);
  if (Status r = st.run(); !r) return r;
  if (sqlite::changes(db_) == 0) return Error{"no such graded system: " + system};
  return {};
}

bool Inventory::empty() {
  auto s = systems();
  auto a = assets();
  return s && a && s->empty() && a->empty();
}

AssetIndex::AssetIndex(const std::vector<Asset>& assets, const std::vector<System>& systems) : assets_(assets), systems_(systems) {
  for (size_t i = 0; i < assets_.size(); i++) {
    by_name_.emplace_back(to_lower(assets_[i].name), i);
    if (!assets_[i].ip.empty()) by_ip_.emplace_back(assets_[i].ip, i);
  }
  std::sort(by_name_.begin(), by_name_.end());
  std::sort(by_ip_.begin(), by_ip_.end());
}

std::optional<AssetIndex::Hit> AssetIndex::find(std::string_view host, std::string_view ip) const {
  auto look = [](const std::vector<std::pair<std::string, size_t>>& v, const std::string& key) -> std::optional<size_t> {
    auto it = std::lower_bound(v.begin(), v.end(), std::pair<std::string, size_t>(key, 0));
    if (it != v.end() && it->first == key) return it->second;
    return std::nullopt;
  };
  std::optional<size_t> i;
  if (!host.empty()) i = look(by_name_, to_lower(host));
  if (!i && !ip.empty()) i = look(by_ip_, std::string(ip));
  if (!i) return std::nullopt;
  const Asset* a = &assets_[*i];
  const System* s = nullptr;
  for (const auto& sys : systems_)
    if (sys.id == a->system) s = &sys;
  return Hit{a, s};
}

}  // namespace wardsec::compliance
