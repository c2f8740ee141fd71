// The plan library: plans, their versions and re-evaluations, and what is due (drill.cc has
// the drills).
#include "emergency/store.h"

#include <sqlite3.h>

#include <map>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::emergency {

using json = nlohmann::json;
using sqlite::Stmt;

namespace {

constexpr const char* kPlanCols = "id, body, status, version, created, created_by, updated, updated_by, reviewed, reviewed_by";

Result<Plan> row_plan(const Stmt& st) {
  auto p = parse_plan_text(st.text(1));
  if (!p) return Error{"plan " + std::to_string(st.i64(0)) + " in the store does not read: " + p.error()};
  p->id = st.i64(0);
  p->status = st.text(2);
  p->version = static_cast<int>(st.i64(3));
  p->created = st.i64(4);
  p->created_by = st.text(5);
  p->updated = st.i64(6);
  p->updated_by = st.text(7);
  p->reviewed = st.i64(8);
  p->reviewed_by = st.text(9);
  return p;
}

Status check_note(const std::string& what, const std::string& s, bool required) {
  if (required && trim(s).empty()) return Error{what + ": 必填 / is required"};
  if (s.size() > 8000) return Error{what + " is longer than 8000 bytes"};
  if (!valid_utf8(s)) return Error{what + " is not valid UTF-8"};
  return {};
}

// The local calendar day of `ns` as days since 1970-01-01, and back to YYYY-MM-DD.
int64_t day_of(int64_t ns, int tz_sec) {
  int64_t s = ns / 1000000000 + tz_sec;
  return s >= 0 ? s / 86400 : (s - 86399) / 86400;
}
std::string day_text(int64_t day) { return local_time(day * 86400LL * 1000000000LL, 0).substr(0, 10); }

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, Clock now) {
  std::unique_ptr<Store> s(new Store());
  s->now_ = now ? std::move(now) : Clock([] { return now_ns(); });
  if (auto st = sqlite::open(path, &s->db_,
                             {
                                 // Plans and drill records are evidence: on disk before the answer.
                                 "PRAGMA synchronous=FULL",
                                 "CREATE TABLE IF NOT EXISTS plans(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, status TEXT, "
                                 "version INTEGER, created INTEGER, created_by TEXT, updated INTEGER, updated_by TEXT, "
                                 "reviewed INTEGER DEFAULT 0, reviewed_by TEXT DEFAULT '', activated INTEGER DEFAULT 0)",
                                 "CREATE TABLE IF NOT EXISTS plan_versions(plan INTEGER, version INTEGER, kind TEXT, by TEXT, "
                                 "note TEXT, at INTEGER, body TEXT)",
                                 "CREATE INDEX IF NOT EXISTS plan_versions_plan ON plan_versions(plan)",
                                 "CREATE TABLE IF NOT EXISTS drills(id INTEGER PRIMARY KEY AUTOINCREMENT, plan INTEGER, "
                                 "plan_version INTEGER, title TEXT, kind TEXT, scheduled TEXT, status TEXT, started INTEGER, "
                                 "restored INTEGER, ended INTEGER, rto INTEGER, body TEXT, summary TEXT, evaluated INTEGER, "
                                 "evaluated_by TEXT, created INTEGER, created_by TEXT, cancel_reason TEXT)",
                                 "CREATE INDEX IF NOT EXISTS drills_plan ON drills(plan)",
                                 "CREATE TABLE IF NOT EXISTS drill_log(drill INTEGER, at INTEGER, who TEXT, text TEXT)",
                                 "CREATE INDEX IF NOT EXISTS drill_log_drill ON drill_log(drill)",
                             });
      !st)
    return Error{st.error()};
  return s;
}

Store::~Store() {
  if (db_) sqlite3_close(db_);
}

Status Store::finish(Status st) { return sqlite::end_transaction(db_, std::move(st)); }

Status Store::version_row(int64_t plan, int version, const std::string& kind, const std::string& note, const std::string& who,
                          const json& body) {
  Stmt st(db_, "INSERT INTO plan_versions(plan, version, kind, by, note, at, body) VALUES(?,?,?,?,?,?,?)");
  return st.bind(1, plan)
      .bind(2, static_cast<int64_t>(version))
      .bind(3, kind)
      .bind(4, who)
      .bind(5, note)
      .bind(6, now())
      .bind(7, body.is_null() ? std::string() : body.dump())
      .run();
}

Result<int64_t> Store::create_plan(const Plan& p, const std::string& who) {
  std::lock_guard g(mu_);
  if (who.empty()) return Error{"a plan needs who wrote it"};
  json body = plan_body_json(p);
  if (auto chk = parse_plan(body); !chk) return Error{chk.error()};
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return Error{st.error()};
  Stmt st(db_, "INSERT INTO plans(body, status, version, created, created_by, updated, updated_by) VALUES(?,'draft',1,?,?,?,?)");
  Status s = st.bind(1, body.dump()).bind(2, now()).bind(3, who).bind(4, now()).bind(5, who).run();
  int64_t id = s ? sqlite::last_insert_id(db_) : 0;
  if (s) s = version_row(id, 1, "created", "", who, body);
  if (auto f = finish(std::move(s)); !f) return Error{f.error()};
  return id;
}

Status Store::revise_plan(int64_t id, const Plan& p, const std::string& note, const std::string& who) {
  std::lock_guard g(mu_);
  if (auto st = check_note("what changed (note)", note, true); !st) return st;
  auto cur = plan(id);
  if (!cur) return Error{cur.error()};
  if (cur->status == "retired") return Error{"plan " + std::to_string(id) + " 已废止，保持原样 / is retired; it is kept as it was"};
  json body = plan_body_json(p);
  if (auto chk = parse_plan(body); !chk) return Error{chk.error()};
  if (body == plan_body_json(*cur)) return Error{"预案内容没有变化 / nothing changed in plan " + std::to_string(id)};
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  Stmt st(db_, "UPDATE plans SET body = ?, version = version + 1, updated = ?, updated_by = ? WHERE id = ?");
  Status s = st.bind(1, body.dump()).bind(2, now()).bind(3, who).bind(4, id).run();
  if (s) s = version_row(id, cur->version + 1, "revised", note, who, body);
  return finish(std::move(s));
}

Status Store::set_plan_status(int64_t id, const std::string& status, const std::string& note, const std::string& who) {
  std::lock_guard g(mu_);
  if (status != "draft" && status != "active" && status != "retired")
    return Error{"预案状态应为 draft、active 或 retired / a plan's status is draft, active or retired"};
  if (auto st = check_note("the note", note, status == "retired"); !st) return st;
  auto cur = plan(id);
  if (!cur) return Error{cur.error()};
  if (cur->status == status) return Error{"plan " + std::to_string(id) + " is already " + status};
  if (cur->status == "retired") return Error{"plan " + std::to_string(id) + " 已废止，请新建预案 / is retired; write a new plan instead"};
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  // The first activation is when the drill and review clocks start.
  Stmt st(db_,
          "UPDATE plans SET status = ?, updated = ?, updated_by = ?, activated = CASE WHEN ? = 'active' AND activated = 0 "
          "THEN ? ELSE activated END WHERE id = ?");
  Status s = st.bind(1, status).bind(2, now()).bind(3, who).bind(4, status).bind(5, now()).bind(6, id).run();
  if (s) s = version_row(id, cur->version, status == "active" ? "activated" : status, note, who, json());
  return finish(std::move(s));
}

Status Store::review_plan(int64_t id, const std::string& note, const std::string& who) {
  std::lock_guard g(mu_);
  if (auto st = check_note("the review's conclusion (note)", note, true); !st) return st;
  auto cur = plan(id);
  if (!cur) return Error{cur.error()};
  if (cur->status == "retired") return Error{"plan " + std::to_string(id) + " is retired"};
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  Stmt st(db_, "UPDATE plans SET reviewed = ?, reviewed_by = ? WHERE id = ?");
  Status s = st.bind(1, now()).bind(2, who).bind(3, id).run();
  if (s) s = version_row(id, cur->version, "reviewed", note, who, json());
  return finish(std::move(s));
}

Result<Plan> Store::plan(int64_t id) {
  std::lock_guard g(mu_);
  std::optional<Result<Plan>> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kPlanCols + " FROM plans WHERE id = ?", {std::to_string(id)},
                           [&](const Stmt& st) { out = row_plan(st); });
  if (!s) return Error{s.error()};
  if (!out) return Error{"plan " + std::to_string(id) + " does not exist"};
  return std::move(*out);
}

Result<std::vector<Plan>> Store::plans(const std::string& status) {
  std::lock_guard g(mu_);
  std::vector<Plan> out;
  std::string err;
  Status s =
      sqlite::query(db_, std::string("SELECT ") + kPlanCols + " FROM plans" + (status.empty() ? "" : " WHERE status = ?") + " ORDER BY id",
                    status.empty() ? std::vector<std::string>{} : std::vector<std::string>{status}, [&](const Stmt& st) {
                      auto p = row_plan(st);
                      if (p)
                        out.push_back(std::move(*p));
                      else if (err.empty())
                        err = p.error();
                    });
  if (!s) return Error{s.error()};
  if (!err.empty()) return Error{err};
  return out;
}

Result<std::vector<PlanVersion>> Store::history(int64_t plan) {
  std::lock_guard g(mu_);
  std::vector<PlanVersion> out;
  Status s = sqlite::query(db_, "SELECT version, kind, by, note, at, body FROM plan_versions WHERE plan = ? ORDER BY rowid",
                           {std::to_string(plan)}, [&](const Stmt& st) {
                             PlanVersion v{static_cast<int>(st.i64(0)), st.text(1), st.text(2), st.text(3), st.i64(4), json()};
                             if (!st.text(5).empty()) v.body = json::parse(st.text(5), nullptr, false);
                             out.push_back(std::move(v));
                           });
  if (!s) return Error{s.error()};
  return out;
}

Result<std::vector<DueItem>> Store::due(int tz_sec) {
  std::lock_guard g(mu_);
  auto active = plans("active");
  if (!active) return Error{active.error()};
  std::map<int64_t, int64_t> activated;
  if (Status s = sqlite::query(db_, "SELECT id, activated FROM plans WHERE status = 'active'", {},
                               [&](const Stmt& st) { activated[st.i64(0)] = st.i64(1); });
      !s)
    return Error{s.error()};
  auto all = drills();
  if (!all) return Error{all.error()};
  int64_t today = day_of(now(), tz_sec);
  std::vector<DueItem> out;
  for (const auto& p : *active) {
    // The last drill that was held (finished) and any scheduled or running one.
    int64_t last = activated[p.id] ? activated[p.id] : p.created;
    const Drill* next = nullptr;
    for (const auto& d : *all) {
      if (d.plan != p.id) continue;
      if (d.status == "done" && d.ended > last) last = d.ended;
      if ((d.status == "scheduled" || d.status == "running") && (!next || d.scheduled < next->scheduled)) next = &d;
    }
    int64_t drill_day = day_of(last, tz_sec) + p.drill_days;
    DueItem di{p.id, p.title, "drill", day_text(drill_day), today > drill_day, next ? next->id : 0, next ? next->scheduled : ""};
    out.push_back(di);
    int64_t review_from = p.reviewed ? p.reviewed : (activated[p.id] ? activated[p.id] : p.created);
    int64_t review_day = day_of(review_from, tz_sec) + p.review_days;
    out.push_back({p.id, p.title, "review", day_text(review_day), today > review_day, 0, ""});
  }
  std::sort(out.begin(), out.end(), [](const DueItem& a, const DueItem& b) { return a.due < b.due; });
  return out;
}

}  // namespace wardsec::emergency
