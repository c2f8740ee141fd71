// The offline vulnerability feed (OSV advisories) and the hosts' package inventories in the
// store.
#include <sqlite3.h>

#include "vuln/store.h"
#include "vuln/store_detail.h"

namespace wardsec::vuln {

using sqlite::Stmt;

Result<int64_t> Store::import_feed(const std::vector<Advisory>& advisories) {
  Status st = sqlite::exec(db_, "BEGIN IMMEDIATE");
  if (!st) return Error{st.error()};
  Stmt ins(db_, "INSERT OR REPLACE INTO advisories(id, ecosystem, package, data) VALUES(?,?,?,?)");
  for (const auto& a : advisories) {
    ins.reset();
    ins.bind(1, a.id).bind(2, a.ecosystem).bind(3, a.package).bind(4, advisory_json(a));
    if (st = ins.run(); !st) break;
  }
  if (st = sqlite::end_transaction(db_, st); !st) return Error{st.error()};
  int64_t n = 0;
  st = sqlite::query(db_, "SELECT count(*) FROM advisories", {}, [&](const Stmt& s) { n = s.i64(0); });
  if (!st) return Error{st.error()};
  return n;
}

Result<std::vector<Advisory>> Store::advisories_for(const std::vector<std::string>& packages) {
  std::vector<Advisory> out;
  Stmt q(db_, "SELECT data FROM advisories WHERE package = ?");
  for (const auto& p : packages) {
    q.reset();
    q.bind(1, p);
    while (q.row()) out.push_back(advisory_from_json(q.text(0)));
    if (!q.error().empty()) return Error{q.error()};
  }
  return out;
}

Status Store::save_inventory(const StoredInventory& inv) {
  Stmt up(db_, "INSERT OR REPLACE INTO inventories(ip, hostname, ecosystem, text, name, at) VALUES(?,?,?,?,?,?)");
  up.bind(1, inv.ip).bind(2, inv.hostname).bind(3, inv.ecosystem).bind(4, inv.text).bind(5, inv.name).bind(6, inv.at);
  return up.run();
}

Result<std::vector<Store::StoredInventory>> Store::inventories() {
  std::vector<StoredInventory> out;
  Status st = sqlite::query(db_, "SELECT ip, hostname, ecosystem, text, name, at FROM inventories ORDER BY ip", {}, [&](const Stmt& s) {
    out.push_back(StoredInventory{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.i64(5)});
  });
  if (!st) return Error{st.error()};
  return out;
}

}  // namespace wardsec::vuln
