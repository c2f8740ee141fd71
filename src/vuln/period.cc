// The store read for a period (the monthly report) and for one system (the self-assessment
// report's open high-risk findings).
#include <sqlite3.h>

#include <map>

#include "vuln/store.h"
#include "vuln/store_detail.h"

namespace wardsec::vuln {

using sqlite::Stmt;

Result<Period> Store::period(int64_t from, int64_t to, const std::string& today) {
  Period p;
  std::map<std::string, PeriodRow> by;
  std::vector<std::string> range = {std::to_string(from), std::to_string(to)};
  auto each = [&](const std::string& sql, const std::vector<std::string>& args, const std::function<void(PeriodRow&, const Stmt&)>& f) {
    return sqlite::query(db_, sql, args, [&](const Stmt& s) {
      PeriodRow& r = by[s.text(0)];
      r.system = s.text(0);
      f(r, s);
    });
  };
  Status st = each("SELECT system, count(*) FROM findings WHERE first_seen >= ? AND first_seen < ? GROUP BY system", range,
                   [](PeriodRow& r, const Stmt& s) { r.found = s.i64(1); });
  if (st)
    st = each(
        "SELECT system, count(*), avg((fixed_at - opened_at) / 86400e9) FROM findings WHERE status = 'fixed' AND fixed_at >= ? AND "
        "fixed_at < ? GROUP BY system",
        range, [](PeriodRow& r, const Stmt& s) {
          r.fixed = s.i64(1);
          if (!s.is_null(2)) r.mean_days_to_fix = s.dbl(2);
        });
  if (st)
    st = each(
        "SELECT f.system, count(*) FROM finding_log l JOIN findings f ON f.id = l.finding WHERE l.what = 'reopened' AND l.at >= ? AND "
        "l.at < ? GROUP BY f.system",
        range, [](PeriodRow& r, const Stmt& s) { r.reopened = s.i64(1); });
  if (st)
    st = each("SELECT system, count(*), sum(due != '' AND due < ?) FROM findings WHERE status = 'open' GROUP BY system", {today},
              [](PeriodRow& r, const Stmt& s) {
                r.open_now = s.i64(1);
                r.overdue_now = s.i64(2);
              });
  if (!st) return Error{st.error()};
  double fixed_days = 0;
  for (auto& [k, r] : by) {
    p.total.found += r.found;
    p.total.fixed += r.fixed;
    p.total.reopened += r.reopened;
    p.total.open_now += r.open_now;
    p.total.overdue_now += r.overdue_now;
    if (r.mean_days_to_fix >= 0) fixed_days += r.mean_days_to_fix * static_cast<double>(r.fixed);
    p.systems.push_back(r);
  }
  if (p.total.fixed) p.total.mean_days_to_fix = fixed_days / static_cast<double>(p.total.fixed);
  Filter f;
  f.status = "open";
  f.limit = 200;
  f.today = today;
  auto urgent = findings(f);
  if (!urgent) return Error{urgent.error()};
  for (auto& x : *urgent)
    if (x.priority <= 2) p.urgent.push_back(std::move(x));
  auto sc = scans(100000);
  if (!sc) return Error{sc.error()};
  for (auto& s : *sc)
    if (s.at >= from && s.at < to) p.scans.push_back(std::move(s));
  return p;
}

}  // namespace wardsec::vuln
