// The incident's stages, its grade, and its reporting obligations with their reminders.
#include <sqlite3.h>

#include <fmt/format.h>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "incident/model.h"

namespace wardsec::incident {

namespace {

constexpr int64_t kMinute = 60LL * 1000000000LL;

constexpr const char* kObCols =
    "id, incident, kind, body, name_zh, name_en, basis, contact, minutes, min_grade, deadline, reported_at, reported_by, channel, "
    "reference, missed_at, withdrawn_at, reminded";

Obligation row_obligation(const sqlite::Stmt& s) {
  Obligation o;
  o.id = s.i64(0);
  o.incident = s.i64(1);
  o.kind = s.text(2);
  o.body = {s.text(3), s.text(4), s.text(5), static_cast<int>(s.i64(8)), static_cast<Grade>(s.i64(9)), s.text(6), s.text(7)};
  o.deadline = s.i64(10);
  o.reported_at = s.i64(11);
  o.reported_by = s.text(12);
  o.channel = s.text(13);
  o.reference = s.text(14);
  o.missed_at = s.i64(15);
  o.withdrawn_at = s.i64(16);
  o.reminded = static_cast<int>(s.i64(17));
  return o;
}

}  // namespace

Status Store::set_grade(int64_t id, Grade g, const std::string& reason, const std::string& who) {
  std::lock_guard lk(mu_);
  auto inc = get(id);
  if (!inc) return Error{inc.error()};
  if (inc->stage == Stage::kClosed) return Error{"incident " + std::to_string(id) + " is closed; reopen it to change it"};
  if (g == Grade::kUngraded) return Error{"a grade is one of general, larger, major, special"};
  if (g < inc->assessed && reason.empty())
    return Error{fmt::format("the impact recorded meets {} (the annex's criteria); a lower grade needs a reason", grade_zh(inc->assessed))};
  if (reason.size() > 4000) return Error{"the reason is longer than 4000 bytes"};
  if (g == inc->grade) return {};
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  sqlite::Stmt u(db_, "UPDATE incidents SET grade=?, grade_reason=?, updated=? WHERE id=?");
  Status st = u.bind(1, int64_t(g)).bind(2, reason).bind(3, now()).bind(4, id).run();
  if (st) st = entry(id, who, "grade", fmt::format("{} → {}{}", grade_zh(inc->grade), grade_zh(g), reason.empty() ? "" : "：" + reason));
  if (st) {
    inc->grade = g;
    st = sync_obligations(*inc, who);
  }
  return finish(std::move(st));
}

Status Store::advance(int64_t id, Stage to, const std::string& reason, const std::string& who) {
  std::lock_guard lk(mu_);
  auto inc = get(id);
  if (!inc) return Error{inc.error()};
  Stage from = inc->stage;
  if (to == from) return Error{fmt::format("incident {} is already at {}", id, stage_zh(to))};
  if (reason.size() > 4000) return Error{"the reason is longer than 4000 bytes"};
  int step = static_cast<int>(to) - static_cast<int>(from);
  if ((step != 1) && reason.empty())
    return Error{step > 1 ? fmt::format("{} → {} skips a stage; say why (reason)", stage_zh(from), stage_zh(to))
                          : fmt::format("{} → {} goes back; say why (reason)", stage_zh(from), stage_zh(to))};
  // What each stage must leave behind, also when it is skipped.
  if (from <= Stage::kTriage && to > Stage::kTriage) {
    if (inc->subcategory.empty()) return Error{"研判 must give the incident a GB/T 20986-2023 category (subcategory) first"};
    if (inc->grade == Grade::kUngraded) return Error{"研判 must grade the incident first"};
  }
  if (to == Stage::kClosed) {
    if (inc->summary.empty()) return Error{"closing needs the 总结 (summary: cause, measures, lessons)"};
    auto obs = obligations(id);
    if (!obs) return Error{obs.error()};
    for (const auto& o : *obs)
      if (!o.reported_at && !o.withdrawn_at && o.kind == "initial")
        return Error{fmt::format("the report to {} is not recorded as made; record it (even late) before closing", o.body.name_zh)};
  }
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  int64_t t = now();
  sqlite::Stmt u(db_, "UPDATE incidents SET stage=?, updated=?, closed=? WHERE id=?");
  Status st = u.bind(1, int64_t(static_cast<int>(to))).bind(2, t).bind(3, to == Stage::kClosed ? t : 0).bind(4, id).run();
  std::string text = fmt::format("{} → {}", stage_zh(from), stage_zh(to));
  if (step > 1) {
    text += "（跳过";
    for (int s = static_cast<int>(from) + 1; s < static_cast<int>(to); ++s)
      text += std::string(s > static_cast<int>(from) + 1 ? "、" : "") + stage_zh(static_cast<Stage>(s));
    text += "）";
  } else if (step < 0) {
    text += "（退回）";
  }
  if (!reason.empty()) text += "：" + reason;
  if (st) st = entry(id, who, "stage", text);
  // The 总结报告 is due a number of working days after the handling ends (entering 总结).
  if (st && to == Stage::kReview && inc->grade >= Grade::kLarger) {
    sqlite::Stmt ob(
        db_,
        "INSERT OR IGNORE INTO obligations(incident, kind, body, name_zh, name_en, basis, contact, minutes, min_grade, deadline) "
        "SELECT incident, 'summary', body, name_zh, name_en, basis, contact, minutes, min_grade, ? FROM obligations "
        "WHERE incident=? AND kind='initial' AND withdrawn_at=0");
    st = ob.bind(1, add_workdays(t, cfg_.summary_workdays)).bind(2, id).run();
  }
  return finish(std::move(st));
}

Status Store::sync_obligations(const Incident& inc, const std::string& who) {
  auto want = bodies_for(cfg_, inc.grade);
  auto have = obligations(inc.id);
  if (!have) return Error{have.error()};
  for (const auto& b : want) {
    bool found = false;
    for (const auto& o : *have) {
      if (o.kind != "initial" || o.body.id != b.id) continue;
      found = true;
      if (o.withdrawn_at) {  // the grade came back up: the obligation stands again, same deadline
        sqlite::Stmt u(db_, "UPDATE obligations SET withdrawn_at=0 WHERE id=?");
        if (auto st = u.bind(1, o.id).run(); !st) return st;
        if (auto st = entry(inc.id, who, "obligation", "须报告：" + b.name_zh); !st) return st;
      }
    }
    if (found) continue;
    int64_t deadline = inc.discovered + b.minutes * kMinute;
    sqlite::Stmt ins(db_,
                     "INSERT INTO obligations(incident, kind, body, name_zh, name_en, basis, contact, minutes, min_grade, deadline) "
                     "VALUES(?, 'initial', ?,?,?,?,?,?,?,?)");
    ins.bind(1, inc.id).bind(2, b.id).bind(3, b.name_zh).bind(4, b.name_en).bind(5, b.basis).bind(6, b.contact);
    if (auto st = ins.bind(7, int64_t(b.minutes)).bind(8, int64_t(b.min_grade)).bind(9, deadline).run(); !st) return st;
    if (auto st = entry(inc.id, who, "obligation",
                        fmt::format("须在 {} 前报告{}（{}，发现后{}分钟内）", format_rfc3339(deadline), b.name_zh, b.basis, b.minutes));
        !st)
      return st;
  }
  for (const auto& o : *have) {
    if (o.kind != "initial" || o.reported_at || o.withdrawn_at) continue;
    bool still = false;
    for (const auto& b : want) still = still || b.id == o.body.id;
    if (still) continue;
    sqlite::Stmt u(db_, "UPDATE obligations SET withdrawn_at=? WHERE id=?");
    if (auto st = u.bind(1, now()).bind(2, o.id).run(); !st) return st;
    if (auto st = entry(inc.id, who, "obligation", "定级为" + std::string(grade_zh(inc.grade)) + "，无须报告" + o.body.name_zh); !st)
      return st;
  }
  return {};
}

Result<std::vector<Obligation>> Store::obligations(int64_t id) {
  std::lock_guard lk(mu_);
  std::vector<Obligation> out;
  auto st = sqlite::query(db_, std::string("SELECT ") + kObCols + " FROM obligations WHERE incident=? ORDER BY kind, deadline, id",
                          {std::to_string(id)}, [&](const sqlite::Stmt& s) { out.push_back(row_obligation(s)); });
  if (!st) return Error{st.error()};
  return out;
}

Status Store::reported(int64_t id, int64_t obligation, const std::string& channel, const std::string& reference, const std::string& who) {
  std::lock_guard lk(mu_);
  if (channel.empty() || channel.size() > 200 || !valid_utf8(channel)) return Error{"channel: how it was reported (1-200 bytes)"};
  if (reference.size() > 500 || !valid_utf8(reference)) return Error{"reference: up to 500 bytes of UTF-8"};
  auto obs = obligations(id);
  if (!obs) return Error{obs.error()};
  const Obligation* o = nullptr;
  for (const auto& x : *obs)
    if (x.id == obligation) o = &x;
  if (!o) return Error{fmt::format("incident {} has no obligation {}", id, obligation)};
  if (o->reported_at) return Error{fmt::format("the report to {} was already recorded", o->body.name_zh)};
  int64_t t = now();
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  sqlite::Stmt u(db_, "UPDATE obligations SET reported_at=?, reported_by=?, channel=?, reference=? WHERE id=?");
  Status st = u.bind(1, t).bind(2, who).bind(3, channel).bind(4, reference).bind(5, obligation).run();
  std::string late = t > o->deadline ? fmt::format("（迟报 {} 分钟）", (t - o->deadline + kMinute - 1) / kMinute) : "";
  if (st)
    st = entry(id, who, "report",
               fmt::format("已{}报告{}，方式：{}{}{}", o->kind == "summary" ? "提交总结" : "", o->body.name_zh, channel,
                           reference.empty() ? "" : "，编号 " + reference, late));
  if (st) st = touch(id);
  return finish(std::move(st));
}

Result<std::vector<Due>> Store::due() {
  std::lock_guard lk(mu_);
  int64_t t = now();
  std::vector<Due> out;
  auto st = sqlite::query(db_,
                          std::string("SELECT ") + kObCols +
                              ", (SELECT title FROM incidents WHERE id = o.incident), (SELECT grade FROM incidents WHERE id = o.incident) "
                              "FROM obligations o WHERE reported_at = 0 AND withdrawn_at = 0 AND missed_at = 0 ORDER BY deadline",
                          {}, [&](const sqlite::Stmt& s) {
                            Obligation o = row_obligation(s);
                            int n = static_cast<int>(cfg_.remind_at.size());
                            int64_t start = o.deadline - int64_t(o.body.minutes) * kMinute;
                            if (o.kind == "summary") start = o.deadline - int64_t(cfg_.summary_workdays) * 86400LL * 1000000000LL;
                            Due d{o, s.text(18), static_cast<Grade>(s.i64(19)), false, 0};
                            if (t >= o.deadline) {
                              d.missed = true;
                              d.stage = n + 2;
                            } else {
                              // The latest reminder now due that was not sent: fractions of the window, then the final one.
                              for (int i = 0; i < n; ++i)
                                if (t >= start + static_cast<int64_t>(cfg_.remind_at[i] * double(o.deadline - start))) d.stage = i + 1;
                              if (t >= o.deadline - int64_t(cfg_.final_minutes) * kMinute) d.stage = n + 1;
                              if (d.stage <= o.reminded) return;
                            }
                            out.push_back(std::move(d));
                          });
  if (!st) return Error{st.error()};
  return out;
}

Status Store::mark(const Due& d) {
  std::lock_guard lk(mu_);
  const Obligation& o = d.obligation;
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  Status st;
  if (d.missed) {
    sqlite::Stmt u(db_, "UPDATE obligations SET missed_at=? WHERE id=? AND missed_at=0");
    st = u.bind(1, now()).bind(2, o.id).run();
    if (st && sqlite::changes(db_) > 0)
      st = entry(o.incident, "wardsec", "missed",
                 fmt::format("未在时限 {} 前{}报告{}（{}）", format_rfc3339(o.deadline), o.kind == "summary" ? "提交总结" : "",
                             o.body.name_zh, o.body.basis));
  } else {
    sqlite::Stmt u(db_, "UPDATE obligations SET reminded=? WHERE id=? AND reminded < ?");
    st = u.bind(1, int64_t(d.stage)).bind(2, o.id).bind(3, int64_t(d.stage)).run();
    if (st && sqlite::changes(db_) > 0) {
      int64_t left = (o.deadline - now()) / kMinute;
      st = entry(o.incident, "wardsec", "reminder",
                 fmt::format("提醒：距{}报告{}时限还有 {} 分钟", o.kind == "summary" ? "总结" : "", o.body.name_zh, left));
    }
  }
  return finish(std::move(st));
}

}  // namespace wardsec::incident
