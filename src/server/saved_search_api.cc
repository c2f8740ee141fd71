// Saved searches (保存的搜索): a name for a query, its time range and the columns shown, kept
// in <data>/console.db for the account that saved it, or shared with everyone who can search.
// The query is checked by the parser before it is kept; saving and deleting are audited.
#include <sqlite3.h>

#include <algorithm>

#include "core/datadir.h"
#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/query.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxPerAccount = 100, kMaxName = 60, kMaxQuery = 4000, kMaxColumns = 12;
const char* const kRanges[] = {"15m", "1h", "24h", "7d"};

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

Status open(const Api& api, Db& d) {
  return sqlite::open(
      DataDir(api.opt.data_dir).console_db(), &d.db,
      {"CREATE TABLE IF NOT EXISTS saved_searches (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, "
       "query TEXT NOT NULL, range TEXT NOT NULL, columns TEXT NOT NULL, shared INTEGER NOT NULL, created INTEGER NOT NULL, "
       "UNIQUE(owner, name))"});
}

json row_json(const sqlite::Stmt& s) {
  json cols = json::parse(s.text(5), nullptr, false);
  return {{"id", s.i64(0)},          {"owner", s.text(1)},
          {"name", s.text(2)},       {"query", s.text(3)},
          {"range", s.text(4)},      {"columns", cols.is_array() ? cols : json::array()},
          {"shared", s.i64(6) != 0}, {"created", format_rfc3339(s.i64(7))}};
}

// The account's own searches and those shared, by name.
Response list(Api& api, Request& r) {
  Db d;
  if (Status s = open(api, d); !s) return fail(500, s.error());
  json out = json::array();
  Status s = sqlite::query(d.db,
                           "SELECT id, owner, name, query, range, columns, shared, created FROM saved_searches "
                           "WHERE owner = ?1 OR shared = 1 ORDER BY name, id",
                           {r.who.user}, [&](const sqlite::Stmt& st) { out.push_back(row_json(st)); });
  if (!s) return fail(500, s.error());
  return ok({{"searches", out}, {"total", out.size()}});
}

Response create(Api& api, Request& r) {
  auto j = body_object(r);
  if (!j) return fail(400, "body must be a JSON object");
  std::string name(trim(str(*j, "name"))), query = str(*j, "query"), range = str(*j, "range").empty() ? "24h" : str(*j, "range");
  bool shared = j->contains("shared") && (*j)["shared"].is_boolean() && (*j)["shared"].get<bool>();
  if (name.empty() || name.size() > kMaxName * 3) return fail(400, "name: 1 to 60 characters");
  if (query.size() > kMaxQuery) return fail(400, "query: at most 4000 characters");
  if (std::find_if(std::begin(kRanges), std::end(kRanges), [&](const char* x) { return range == x; }) == std::end(kRanges))
    return fail(400, "range: one of 15m, 1h, 24h, 7d");
  if (auto parsed = search::Query::parse(query.empty() ? "*" : query, api.opt.tz_sec); !parsed) {
    const auto& e = parsed.failure();
    return fail(400, "query error at column " + std::to_string(e.column) + ": " + e.message);
  }
  json cols = json::array();
  if (j->contains("columns")) {
    const json& c = (*j)["columns"];
    if (!c.is_array() || c.size() > kMaxColumns) return fail(400, "columns: a list of at most 12 field names");
    for (const auto& f : c) {
      if (!f.is_string() || f.get<std::string>().empty() || f.get<std::string>().size() > 128 ||
          f.get<std::string>().find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") != std::string::npos)
        return fail(400, "columns: a list of at most 12 field names");
      cols.push_back(f);
    }
  }
  Db d;
  if (Status s = open(api, d); !s) return fail(500, s.error());
  uint64_t mine = 0;
  Status s = sqlite::query(d.db, "SELECT count(*) FROM saved_searches WHERE owner = ?1", {r.who.user},
                           [&](const sqlite::Stmt& st) { mine = static_cast<uint64_t>(st.i64(0)); });
  if (!s) return fail(500, s.error());
  if (mine >= kMaxPerAccount) return fail(409, "saved searches: at most 100 per account; delete one first");
  sqlite::Stmt ins(d.db,
                   "INSERT INTO saved_searches (owner, name, query, range, columns, shared, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                   "ON CONFLICT(owner, name) DO UPDATE SET query = excluded.query, range = excluded.range, columns = excluded.columns, "
                   "shared = excluded.shared");
  ins.bind(1, r.who.user)
      .bind(2, name)
      .bind(3, query)
      .bind(4, range)
      .bind(5, dump(cols))
      .bind(6, int64_t{shared ? 1 : 0})
      .bind(7, now_ns());
  s = ins.run();
  api.audit(r, r.who.user, "saved_search_save", s.ok(), name, (shared ? "shared: " : "") + query);
  if (!s) return fail(500, s.error());
  json out;
  s = sqlite::query(d.db,
                    "SELECT id, owner, name, query, range, columns, shared, created FROM saved_searches WHERE owner = ?1 AND name = ?2",
                    {r.who.user, name}, [&](const sqlite::Stmt& st) { out = row_json(st); });
  if (!s) return fail(500, s.error());
  return ok(out, 201);
}

// Only the account that saved a search deletes it (a shared one too).
Response remove(Api& api, Request& r) {
  auto id = id_param(r);
  if (!id) return fail(404, "no such saved search");
  Db d;
  if (Status s = open(api, d); !s) return fail(500, s.error());
  std::string owner, name;
  Status s =
      sqlite::query(d.db, "SELECT owner, name FROM saved_searches WHERE id = ?1", {std::to_string(*id)}, [&](const sqlite::Stmt& st) {
        owner = st.text(0);
        name = st.text(1);
      });
  if (!s) return fail(500, s.error());
  if (owner.empty()) return fail(404, "no such saved search");
  if (owner != r.who.user) {
    api.audit(r, r.who.user, "saved_search_delete", false, name, "owned by " + owner);
    return fail(403, "only the account that saved a search deletes it");
  }
  sqlite::Stmt del(d.db, "DELETE FROM saved_searches WHERE id = ?1");
  s = del.bind(1, *id).run();
  api.audit(r, r.who.user, "saved_search_delete", s.ok(), name);
  if (!s) return fail(500, s.error());
  return ok({{"deleted", *id}});
}

}  // namespace

void add_saved_search_routes(std::vector<Route>& t, Api* api) {
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.push_back(
      {"GET", "/api/v1/saved-searches", Perm::kEventsRead, false, h(list), "saved searches: the account's own and the shared ones"});
  t.push_back({"POST", "/api/v1/saved-searches", Perm::kEventsRead, false, h(create),
               "save a search (name, query, range, columns, shared); the same name replaces it"});
  t.push_back({"DELETE", "/api/v1/saved-searches/{id}", Perm::kEventsRead, false, h(remove), "delete a saved search (its owner only)"});
}

}  // namespace wardsec::server
