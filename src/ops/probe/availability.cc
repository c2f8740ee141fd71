#include "ops/probe/availability.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include <sqlite3.h>

#include "core/sqlite.h"
#include "core/timeutil.h"

namespace wardsec::ops::probe {

namespace {
constexpr int64_t kHour = 3600 * kSec;

// The length of the union of intervals (each [start, end)).
int64_t union_length(std::vector<std::pair<int64_t, int64_t>> v) {
  std::sort(v.begin(), v.end());
  int64_t total = 0, cur_s = 0, cur_e = 0;
  bool open = false;
  for (auto [s, e] : v) {
    if (e <= s) continue;
    if (!open || s > cur_e) {
      if (open) total += cur_e - cur_s;
      cur_s = s;
      cur_e = e;
      open = true;
    } else {
      cur_e = std::max(cur_e, e);
    }
  }
  if (open) total += cur_e - cur_s;
  return total;
}

Outage outage_row(const sqlite::Stmt& st) {
  Outage o;
  o.id = st.i64(0);
  o.probe = st.text(1);
  o.name = st.text(2);
  o.system = st.text(3);
  o.asset = st.text(4);
  o.start = st.i64(5);
  o.end = st.is_null(6) ? 0 : st.i64(6);
  o.cause = st.text(7);
  o.alert_id = st.is_null(8) ? 0 : st.i64(8);
  return o;
}
const char* const kOutageCols = "SELECT id, probe, name, system, asset, start, end_ns, cause, alert_id FROM outages";

}  // namespace

Result<std::unique_ptr<AvailabilityDb>> AvailabilityDb::open(const std::string& path) {
  sqlite3* db = nullptr;
  Status s = sqlite::open(path, &db,
                          {"CREATE TABLE IF NOT EXISTS outages(id INTEGER PRIMARY KEY, probe TEXT NOT NULL, name TEXT NOT NULL, "
                           "system TEXT NOT NULL, asset TEXT NOT NULL, start INTEGER NOT NULL, end_ns INTEGER, cause TEXT NOT NULL, "
                           "alert_id INTEGER)",
                           "CREATE INDEX IF NOT EXISTS outages_time ON outages(start)",
                           "CREATE TABLE IF NOT EXISTS hours(probe TEXT NOT NULL, hour INTEGER NOT NULL, system TEXT NOT NULL, "
                           "checks INTEGER NOT NULL, fails INTEGER NOT NULL, observed INTEGER NOT NULL, rtt_sum REAL NOT NULL, "
                           "rtt_max REAL NOT NULL, PRIMARY KEY(probe, hour))",
                           "CREATE INDEX IF NOT EXISTS hours_time ON hours(hour)"});
  std::unique_ptr<AvailabilityDb> a(new AvailabilityDb(db));
  if (!s) return Error{s.error()};
  return a;
}

AvailabilityDb::~AvailabilityDb() {
  (void)flush();
  sqlite3_close_v2(db_);
}

void AvailabilityDb::sample(const std::string& probe, const std::string& system, int64_t ts, bool ok, double rtt_ms, int64_t observed) {
  std::lock_guard<std::mutex> l(mu_);
  auto& b = pending_[{probe, ts / kHour * kHour}];
  b.system = system;
  b.checks++;
  b.fails += ok ? 0 : 1;
  b.observed += observed;
  if (ok) {
    b.rtt_sum += rtt_ms;
    b.rtt_max = std::max(b.rtt_max, rtt_ms);
  }
}

Status AvailabilityDb::flush() {
  std::map<std::pair<std::string, int64_t>, Bucket> todo;
  {
    std::lock_guard<std::mutex> l(mu_);
    todo.swap(pending_);
  }
  if (todo.empty()) return {};
  if (Status b = sqlite::exec(db_, "BEGIN"); !b) return b;
  Status st;
  {
    sqlite::Stmt up(db_,
                    "INSERT INTO hours(probe, hour, system, checks, fails, observed, rtt_sum, rtt_max) VALUES(?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(probe, hour) DO UPDATE SET system=excluded.system, checks=checks+excluded.checks, "
                    "fails=fails+excluded.fails, observed=observed+excluded.observed, rtt_sum=rtt_sum+excluded.rtt_sum, "
                    "rtt_max=max(rtt_max, excluded.rtt_max)");
    for (const auto& [k, b] : todo) {
      up.reset();
      st = up.bind(1, k.first)
               .bind(2, k.second)
               .bind(3, b.system)
               .bind(4, b.checks)
               .bind(5, b.fails)
               .bind(6, b.observed)
               .bind(7, b.rtt_sum)
               .bind(8, b.rtt_max)
               .run();
      if (!st) break;
    }
  }
  return sqlite::end_transaction(db_, st);
}

Result<int64_t> AvailabilityDb::open_outage(const Outage& o) {
  sqlite::Stmt st(db_, "INSERT INTO outages(probe, name, system, asset, start, cause, alert_id) VALUES(?,?,?,?,?,?,?)");
  st.bind(1, o.probe).bind(2, o.name).bind(3, o.system).bind(4, o.asset).bind(5, o.start).bind(6, o.cause);
  if (o.alert_id)
    st.bind(7, o.alert_id);
  else
    st.bind_null(7);
  if (Status s = st.run(); !s) return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status AvailabilityDb::close_outage(int64_t id, int64_t end) {
  sqlite::Stmt st(db_, "UPDATE outages SET end_ns=? WHERE id=? AND end_ns IS NULL");
  return st.bind(1, end).bind(2, id).run();
}

Status AvailabilityDb::set_alert(int64_t outage_id, int64_t alert_id) {
  sqlite::Stmt st(db_, "UPDATE outages SET alert_id=? WHERE id=?");
  return st.bind(1, alert_id).bind(2, outage_id).run();
}

Result<std::vector<Outage>> AvailabilityDb::open_outages() {
  std::vector<Outage> out;
  Status s = sqlite::query(db_, std::string(kOutageCols) + " WHERE end_ns IS NULL", {},
                           [&](const sqlite::Stmt& st) { out.push_back(outage_row(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<std::vector<Outage>> AvailabilityDb::outages(int64_t from, int64_t to, const std::string& system, size_t limit) {
  std::vector<Outage> out;
  sqlite::Stmt st(db_, std::string(kOutageCols) +
                           " WHERE start < ? AND (end_ns IS NULL OR end_ns > ?) AND (? = '' OR system = ?) ORDER BY start DESC LIMIT ?");
  st.bind(1, to).bind(2, from).bind(3, system).bind(4, system).bind(5, static_cast<int64_t>(limit));
  while (st.row()) out.push_back(outage_row(st));
  if (Status s = st.status(); !s) return Error{s.error()};
  return out;
}

Result<nlohmann::json> AvailabilityDb::availability(int64_t from, int64_t to, int64_t now) {
  if (Status f = flush(); !f) return Error{f.error()};
  struct Acc {
    std::string system;
    int64_t checks = 0, fails = 0, observed = 0, down = 0, outages = 0;
    double rtt_sum = 0, rtt_max = 0;
    std::vector<std::pair<int64_t, int64_t>> spans;
  };
  std::map<std::string, Acc> probes, systems;
  std::map<std::string, std::map<int64_t, int64_t>> sys_hours;  // system -> hour -> the most any probe watched
  sqlite::Stmt h(db_, "SELECT probe, system, hour, checks, fails, observed, rtt_sum, rtt_max FROM hours WHERE hour >= ? AND hour < ?");
  h.bind(1, from / kHour * kHour).bind(2, to);
  while (h.row()) {
    auto& p = probes[h.text(0)];
    p.system = h.text(1);
    p.checks += h.i64(3);
    p.fails += h.i64(4);
    p.observed += h.i64(5);
    p.rtt_sum += h.dbl(6);
    p.rtt_max = std::max(p.rtt_max, h.dbl(7));
    if (!p.system.empty()) {
      auto& m = sys_hours[p.system][h.i64(2)];
      m = std::max(m, h.i64(5));
    }
  }
  if (Status s = h.status(); !s) return Error{s.error()};
  auto outs = outages(from, to, "", 100000);
  if (!outs) return Error{outs.error()};
  int64_t end_of = std::min(to, now);
  for (const auto& o : *outs) {
    std::pair<int64_t, int64_t> span{std::max(o.start, from), std::min(o.end ? o.end : now, end_of)};
    auto& p = probes[o.probe];
    if (p.system.empty()) p.system = o.system;
    p.spans.push_back(span);
    p.outages++;
    if (!o.system.empty()) {
      systems[o.system].spans.push_back(span);
      systems[o.system].outages++;
    }
  }
  auto row = [](const std::string& key, const char* name, Acc& a) {
    a.down = std::min(union_length(a.spans), a.observed);
    nlohmann::json j = {{name, key},
                        {"checks", a.checks},
                        {"fails", a.fails},
                        {"observed_s", a.observed / kSec},
                        {"down_s", a.down / kSec},
                        {"outages", a.outages},
                        {"rtt_max_ms", a.rtt_max}};
    j["availability"] =
        a.observed > 0 ? nlohmann::json(1.0 - static_cast<double>(a.down) / static_cast<double>(a.observed)) : nlohmann::json();
    int64_t good = a.checks - a.fails;
    j["rtt_avg_ms"] = good > 0 ? a.rtt_sum / static_cast<double>(good) : 0.0;
    return j;
  };
  nlohmann::json out = {{"from", from}, {"to", to}, {"systems", nlohmann::json::array()}, {"probes", nlohmann::json::array()}};
  for (auto& [id, p] : probes) {
    if (!p.system.empty()) {
      auto& s = systems[p.system];
      s.checks += p.checks;
      s.fails += p.fails;
      s.rtt_sum += p.rtt_sum;
      s.rtt_max = std::max(s.rtt_max, p.rtt_max);
    }
    auto j = row(id, "probe", p);
    j["system"] = p.system;
    out["probes"].push_back(std::move(j));
  }
  for (auto& [name, s] : systems) {
    for (auto [hour, obs] : sys_hours[name]) s.observed += obs;
    out["systems"].push_back(row(name, "system", s));
  }
  return out;
}

Result<nlohmann::json> AvailabilityDb::daily(const std::string& key, bool probe, int64_t from, int64_t to, int64_t now) {
  nlohmann::json days = nlohmann::json::array();
  for (int64_t d = from; d < to; d += 24 * kHour) {
    auto a = availability(d, std::min(to, d + 24 * kHour), now);
    if (!a) return Error{a.error()};
    nlohmann::json v;
    for (const auto& r : (*a)[probe ? "probes" : "systems"])
      if (r[probe ? "probe" : "system"] == key) v = r;
    days.push_back({{"day", d},
                    {"availability", v.is_null() ? nlohmann::json() : v["availability"]},
                    {"down_s", v.is_null() ? 0 : v["down_s"].get<int64_t>()},
                    {"rtt_avg_ms", v.is_null() ? 0.0 : v["rtt_avg_ms"].get<double>()}});
  }
  return days;
}

}  // namespace wardsec::ops::probe
