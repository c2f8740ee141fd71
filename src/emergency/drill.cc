// Drills: scheduled against a plan's current version, run step by step with times, finished,
// evaluated with findings. Each action is a line in the drill's log.
#include <sqlite3.h>

#include <algorithm>
#include <map>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "emergency/store.h"

namespace wardsec::emergency {

using json = nlohmann::json;
using sqlite::Stmt;

namespace {

constexpr const char* kDrillCols =
    "id, plan, plan_version, title, kind, scheduled, status, started, restored, ended, rto, body, summary, evaluated, evaluated_by, "
    "created, created_by, cancel_reason";

// The parts kept as one JSON column, with times as nanoseconds.
std::string body_to_db(const Drill& d) {
  json people = json::array(), steps = json::array(), findings = json::array();
  for (const auto& p : d.participants) people.push_back({p.name, p.role});
  for (const auto& s : d.steps) steps.push_back({s.title, s.owner, s.minutes, s.done_at, s.result, s.done_by, s.note});
  for (const auto& f : d.findings) findings.push_back({f.text, f.item, f.owner, f.due, f.tasks});
  return json{{"p", people}, {"s", steps}, {"f", findings}}.dump();
}

void body_from_db(const std::string& text, Drill& d) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return;
  for (const auto& p : j.value("p", json::array())) d.participants.push_back({p.at(0).get<std::string>(), p.at(1).get<std::string>()});
  for (const auto& s : j.value("s", json::array()))
    d.steps.push_back({s.at(0).get<std::string>(), s.at(1).get<std::string>(), s.at(2).get<int>(), s.at(3).get<int64_t>(),
                       s.at(4).get<std::string>(), s.at(5).get<std::string>(), s.at(6).get<std::string>()});
  for (const auto& f : j.value("f", json::array()))
    d.findings.push_back({f.at(0).get<std::string>(), f.at(1).get<std::string>(), f.at(2).get<std::string>(), f.at(3).get<std::string>(),
                          f.at(4).get<std::vector<int64_t>>()});
}

Drill row_drill(const Stmt& st) {
  Drill d;
  d.id = st.i64(0);
  d.plan = st.i64(1);
  d.plan_version = static_cast<int>(st.i64(2));
  d.title = st.text(3);
  d.kind = st.text(4);
  d.scheduled = st.text(5);
  d.status = st.text(6);
  d.started = st.i64(7);
  d.restored = st.i64(8);
  d.ended = st.i64(9);
  d.rto_minutes = static_cast<int>(st.i64(10));
  try {
    body_from_db(st.text(11), d);
  } catch (const json::exception&) {
    // A body edited outside wardsec: shown without its parts rather than not at all.
  }
  d.summary = st.text(12);
  d.evaluated = st.i64(13);
  d.evaluated_by = st.text(14);
  d.created = st.i64(15);
  d.created_by = st.text(16);
  d.cancel_reason = st.text(17);
  return d;
}

const char* result_zh(const std::string& r) { return r == "ok" ? "完成 / ok" : r == "failed" ? "失败 / failed" : "跳过 / skipped"; }

Status text_ok(const std::string& what, const std::string& s, size_t max, bool required) {
  if (required && trim(s).empty()) return Error{what + ": 必填 / is required"};
  if (s.size() > max) return Error{what + " is longer than " + std::to_string(max) + " bytes"};
  if (!valid_utf8(s)) return Error{what + " is not valid UTF-8"};
  return {};
}

}  // namespace

// A line of the drill's log at the time it happened (`at`, 0: now); one recorded more than a
// minute after the fact says so.
Status Store::log(int64_t drill, const std::string& who, const std::string& text, int64_t at) {
  int64_t t = at ? at : now();
  std::string line = now() - t > 60'000'000'000LL ? text + "（补记 / recorded later）" : text;
  Stmt st(db_, "INSERT INTO drill_log(drill, at, who, text) VALUES(?,?,?,?)");
  return st.bind(1, drill).bind(2, t).bind(3, who).bind(4, line).run();
}

Status Store::save_drill(const Drill& d) {
  Stmt st(db_,
          "UPDATE drills SET status = ?, started = ?, restored = ?, ended = ?, body = ?, summary = ?, evaluated = ?, evaluated_by = ?, "
          "cancel_reason = ? WHERE id = ?");
  return st.bind(1, d.status)
      .bind(2, d.started)
      .bind(3, d.restored)
      .bind(4, d.ended)
      .bind(5, body_to_db(d))
      .bind(6, d.summary)
      .bind(7, d.evaluated)
      .bind(8, d.evaluated_by)
      .bind(9, d.cancel_reason)
      .bind(10, d.id)
      .run();
}

Status Store::record(const Drill& d, const std::string& who, const std::string& text, int64_t at) {
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  Status s = save_drill(d);
  if (s) s = log(d.id, who, text, at);
  return finish(std::move(s));
}

Result<int64_t> Store::when(int64_t at, int64_t not_before, const char* what) {
  int64_t t = at ? at : now();
  if (t > now() + 60'000'000'000LL) return Error{std::string(what) + ": 时间晚于当前 / the time is in the future"};
  if (not_before && t < not_before) return Error{std::string(what) + ": 时间早于演练开始 / the time is before the drill started"};
  return t;
}

Result<int64_t> Store::schedule_drill(int64_t plan_id, const std::string& date, const std::string& kind, const std::string& title,
                                      const std::string& who) {
  std::lock_guard g(mu_);
  if (!valid_day(date)) return Error{"演练日期 '" + date + "' 无效 / the drill's date '" + date + "' is not a date (YYYY-MM-DD)"};
  if (!valid_drill_kind(kind)) return Error{"the drill's kind is tabletop (桌面推演), functional (功能演练) or full (实战演练)"};
  if (auto st = text_ok("the drill's title", title, 600, false); !st) return Error{st.error()};
  auto p = plan(plan_id);
  if (!p) return Error{p.error()};
  if (p->status != "active")
    return Error{"plan " + std::to_string(plan_id) + " is " + p->status + "；只有已启用的预案可以演练 / drills are of active plans"};
  Drill d;
  for (const auto& s : p->steps) d.steps.push_back({s.title, s.owner, s.minutes, 0, "", "", ""});
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return Error{st.error()};
  Stmt st(db_,
          "INSERT INTO drills(plan, plan_version, title, kind, scheduled, status, started, restored, ended, rto, body, summary, "
          "evaluated, evaluated_by, created, created_by, cancel_reason) VALUES(?,?,?,?,?,'scheduled',0,0,0,?,?,'',0,'',?,?,'')");
  Status s = st.bind(1, plan_id)
                 .bind(2, static_cast<int64_t>(p->version))
                 .bind(3, title.empty() ? p->title : title)
                 .bind(4, kind)
                 .bind(5, date)
                 .bind(6, static_cast<int64_t>(p->rto_minutes))
                 .bind(7, body_to_db(d))
                 .bind(8, now())
                 .bind(9, who)
                 .run();
  int64_t id = s ? sqlite::last_insert_id(db_) : 0;
  if (s) s = log(id, who, "计划于 " + date + "（" + drill_kind_zh(kind) + "）/ scheduled for " + date);
  if (auto f = finish(std::move(s)); !f) return Error{f.error()};
  return id;
}

Result<Drill> Store::drill(int64_t id) {
  std::lock_guard g(mu_);
  std::optional<Drill> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kDrillCols + " FROM drills WHERE id = ?", {std::to_string(id)},
                           [&](const Stmt& st) { out = row_drill(st); });
  if (!s) return Error{s.error()};
  if (!out) return Error{"drill " + std::to_string(id) + " does not exist"};
  return std::move(*out);
}

Result<std::vector<Drill>> Store::drills(int64_t plan_id) {
  std::lock_guard g(mu_);
  std::vector<Drill> out;
  Status s = sqlite::query(
      db_, std::string("SELECT ") + kDrillCols + " FROM drills" + (plan_id ? " WHERE plan = ?" : "") + " ORDER BY scheduled DESC, id DESC",
      plan_id ? std::vector<std::string>{std::to_string(plan_id)} : std::vector<std::string>{},
      [&](const Stmt& st) { out.push_back(row_drill(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<std::vector<DrillLog>> Store::drill_log(int64_t id) {
  std::lock_guard g(mu_);
  std::vector<DrillLog> out;
  Status s = sqlite::query(db_, "SELECT at, who, text FROM drill_log WHERE drill = ? ORDER BY at, rowid", {std::to_string(id)},
                           [&](const Stmt& st) {
                             out.push_back({st.i64(0), st.text(1), st.text(2)});
                           });
  if (!s) return Error{s.error()};
  return out;
}

Result<Drill> Store::running(int64_t id, const char* need) {
  auto d = drill(id);
  if (!d) return d;
  if (d->status != need) {
    static const std::map<std::string, std::string> zh = {{"scheduled", "尚未开始 / not started"},
                                                          {"running", "进行中 / running"},
                                                          {"done", "已结束 / finished"},
                                                          {"cancelled", "已取消 / cancelled"}};
    auto it = zh.find(d->status);
    return Error{"drill " + std::to_string(id) + " is " + (it == zh.end() ? d->status : it->second) + "; this needs it " + need};
  }
  return d;
}

Status Store::start_drill(int64_t id, int64_t at, const std::string& who) {
  std::lock_guard g(mu_);
  auto d = running(id, "scheduled");
  if (!d) return Error{d.error()};
  auto t = when(at, 0, "start");
  if (!t) return Error{t.error()};
  d->status = "running";
  d->started = *t;
  return record(*d, who, "开始 / started", *t);
}

Status Store::record_step(int64_t id, size_t index, const std::string& result, const std::string& note, int64_t at,
                          const std::string& who) {
  std::lock_guard g(mu_);
  if (result != "ok" && result != "failed" && result != "skipped")
    return Error{"步骤结果应为 ok、failed 或 skipped / a step's result is ok, failed or skipped"};
  if (auto st = text_ok("the step's note", note, 8000, result != "ok"); !st)
    return Error{result == "ok" ? st.error() : "失败或跳过的步骤须说明原因 / a failed or skipped step needs a note saying why"};
  auto d = running(id, "running");
  if (!d) return Error{d.error()};
  if (index < 1 || index > d->steps.size()) return Error{"drill " + std::to_string(id) + " has no step " + std::to_string(index)};
  auto t = when(at, d->started, "step");
  if (!t) return Error{t.error()};
  auto& s = d->steps[index - 1];
  bool again = s.done_at != 0;
  s.done_at = *t;
  s.result = result;
  s.note = note;
  s.done_by = who;
  return record(*d, who,
                std::string(again ? "重新记录步骤 / step re-recorded " : "步骤 / step ") + std::to_string(index) + " " + s.title + ": " +
                    result_zh(result) + (note.empty() ? "" : "（" + note + "）"),
                *t);
}

Status Store::set_participants(int64_t id, std::vector<Participant> people, const std::string& who) {
  std::lock_guard g(mu_);
  auto d = drill(id);
  if (!d) return Error{d.error()};
  if (d->status == "cancelled" || d->evaluated)
    return Error{"drill " + std::to_string(id) + " is closed; its participants stay as recorded"};
  std::string names;
  for (const auto& p : people) names += (names.empty() ? "" : ", ") + p.name;
  d->participants = std::move(people);
  return record(*d, who, "参演人员 / participants: " + names);
}

Status Store::mark_restored(int64_t id, int64_t at, const std::string& who) {
  std::lock_guard g(mu_);
  auto d = running(id, "running");
  if (!d) return Error{d.error()};
  auto t = when(at, d->started, "restored");
  if (!t) return Error{t.error()};
  d->restored = *t;
  return record(*d, who, "业务恢复 / service restored", *t);
}

Status Store::finish_drill(int64_t id, int64_t at, const std::string& who) {
  std::lock_guard g(mu_);
  auto d = running(id, "running");
  if (!d) return Error{d.error()};
  if (d->participants.empty()) return Error{"drill " + std::to_string(id) + ": 请先登记参演人员 / record who took part first"};
  for (size_t i = 0; i < d->steps.size(); i++)
    if (d->steps[i].result.empty())
      return Error{"drill " + std::to_string(id) + ": step " + std::to_string(i + 1) + " (" + d->steps[i].title +
                   ") 尚未记录结果 / is not recorded (ok, failed or skipped)"};
  auto t = when(at, d->started, "end");
  if (!t) return Error{t.error()};
  d->status = "done";
  d->ended = *t;
  return record(*d, who, "结束 / ended", *t);
}

Status Store::evaluate_drill(int64_t id, const std::string& summary, std::vector<Finding> findings, const std::string& who) {
  std::lock_guard g(mu_);
  if (auto st = text_ok("the evaluation (summary)", summary, 16000, true); !st) return st;
  auto d = running(id, "done");
  if (!d) return Error{d.error()};
  if (d->evaluated) return Error{"drill " + std::to_string(id) + " is evaluated already (by " + d->evaluated_by + ")"};
  // A failed step or a missed RTO is a finding the evaluation must answer.
  bool failed = std::any_of(d->steps.begin(), d->steps.end(), [](const DrillStep& s) { return s.result == "failed"; });
  if ((failed || d->rto_met() == false) && findings.empty())
    return Error{"drill " + std::to_string(id) + (failed ? " has failed steps" : " missed its RTO") +
                 ": 须至少登记一项发现的问题 / record at least one finding"};
  d->summary = summary;
  d->findings = std::move(findings);
  d->evaluated = now();
  d->evaluated_by = who;
  auto met = d->rto_met();
  return record(*d, who,
                "评估 / evaluated: " + std::to_string(d->findings.size()) + " 项发现 findings; RTO " +
                    (met ? (*met ? "达标 met" : "未达标 missed") : std::string("未测 not measured")));
}

Status Store::set_finding_tasks(int64_t id, size_t finding, std::vector<int64_t> tasks) {
  std::lock_guard g(mu_);
  auto d = drill(id);
  if (!d) return Error{d.error()};
  if (finding >= d->findings.size()) return Error{"drill " + std::to_string(id) + " has no finding " + std::to_string(finding + 1)};
  d->findings[finding].tasks = std::move(tasks);
  return save_drill(*d);
}

Status Store::cancel_drill(int64_t id, const std::string& reason, const std::string& who) {
  std::lock_guard g(mu_);
  if (auto st = text_ok("the reason", reason, 2000, true); !st) return st;
  auto d = drill(id);
  if (!d) return Error{d.error()};
  if (d->status != "scheduled" && d->status != "running")
    return Error{"drill " + std::to_string(id) + " is " + d->status + "; only a scheduled or running drill is cancelled"};
  d->status = "cancelled";
  d->cancel_reason = reason;
  return record(*d, who, "取消 / cancelled: " + reason);
}

}  // namespace wardsec::emergency
