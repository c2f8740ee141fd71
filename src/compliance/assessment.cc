#include "compliance/assessment.h"

#include "core/sqlite.h"

#include <sqlite3.h>

#include <algorithm>

namespace wardsec::compliance {

namespace {

using sqlite::query;
using sqlite::Stmt;

AssessmentRecord to_record(const Stmt& st) {
  AssessmentRecord r;
  r.system = st.text(0);
  r.item = st.text(1);
  r.result = parse_conformity(st.text(2)).value_or(Conformity::kNonConform);
  r.risk = parse_risk(st.text(3)).value_or(Risk::kNone);
  if (!st.is_null(4)) r.x = st.dbl(4);
  r.note = st.text(5);
  r.by = st.text(6);
  r.at = st.i64(7);
  return r;
}

}  // namespace

Result<std::unique_ptr<Assessments>> Assessments::open(const std::string& path) {
  std::unique_ptr<Assessments> a(new Assessments());
  Status s = sqlite::open(path, &a->db_,
                          {"CREATE TABLE IF NOT EXISTS assessments(system TEXT, item TEXT, result TEXT, risk TEXT, x REAL, note TEXT, "
                           "by TEXT, at INTEGER)",
                           "CREATE INDEX IF NOT EXISTS assessments_item ON assessments(system, item)",
                           "CREATE TABLE IF NOT EXISTS evidence(system TEXT, item TEXT, kind TEXT, source TEXT, text TEXT, at INTEGER)",
                           "CREATE INDEX IF NOT EXISTS evidence_item ON evidence(system, item)",
                           "CREATE TABLE IF NOT EXISTS rectifications(id INTEGER PRIMARY KEY AUTOINCREMENT, system TEXT, item TEXT, "
                           "owner TEXT, plan TEXT, due TEXT, status TEXT, created_by TEXT, created INTEGER, closed INTEGER DEFAULT 0, "
                           "closed_by TEXT DEFAULT '')",
                           "CREATE TABLE IF NOT EXISTS gradings(system TEXT, business_object TEXT, business_degree TEXT, "
                           "business_reason TEXT, service_object TEXT, service_degree TEXT, service_reason TEXT, business_level INTEGER, "
                           "service_level INTEGER, level INTEGER, notes TEXT, by TEXT, at INTEGER)"});
  if (!s) return Error{s.error()};
  // Columns added after the first release of the table.
  if (Status st = sqlite::exec(a->db_, "ALTER TABLE rectifications ADD COLUMN source TEXT DEFAULT ''");
      !st && st.error().find("duplicate column") == std::string::npos)
    return Error{path + ": " + st.error()};
  return a;
}

Assessments::~Assessments() { sqlite3_close(db_); }

Status Assessments::record(const AssessmentRecord& r) {
  if (r.by.empty()) return Error{"an assessment needs who made it"};
  if (std::string why = check_partial(r.result, r.x); !why.empty()) return Error{why};
  if ((r.result == Conformity::kConform || r.result == Conformity::kNotApplicable) && r.risk != Risk::kNone)
    return Error{"a risk is only for 部分符合 or 不符合"};
  Stmt st(db_, "INSERT INTO assessments(system, item, result, risk, x, note, by, at) VALUES(?,?,?,?,?,?,?,?)");
  st.bind(1, r.system).bind(2, r.item).bind(3, std::string(conformity_zh(r.result))).bind(4, std::string(risk_zh(r.risk)));
  if (r.x)
    st.bind(5, *r.x);
  else
    st.bind_null(5);
  st.bind(6, r.note).bind(7, r.by).bind(8, r.at);
  return st.run();
}

Status Assessments::add_evidence(const EvidenceRecord& e) {
  if (e.kind != "check" && e.kind != "note" && e.kind != "document" && e.kind != "record")
    return Error{"evidence kind is check, note, document or record"};
  return query(db_, "INSERT INTO evidence(system, item, kind, source, text, at) VALUES(?,?,?,?,?,?)",
               {e.system, e.item, e.kind, e.source, e.text, std::to_string(e.at)});
}

Result<std::vector<AssessmentRecord>> Assessments::current(const std::string& system) {
  std::vector<AssessmentRecord> out;
  Status s = query(db_,
                   "SELECT system, item, result, risk, x, note, by, at FROM assessments a WHERE system = ? AND rowid = "
                   "(SELECT max(rowid) FROM assessments b WHERE b.system = a.system AND b.item = a.item) ORDER BY item",
                   {system}, [&](const Stmt& st) { out.push_back(to_record(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<std::vector<AssessmentRecord>> Assessments::history(const std::string& system, const std::string& item) {
  std::vector<AssessmentRecord> out;
  Status s = query(db_, "SELECT system, item, result, risk, x, note, by, at FROM assessments WHERE system = ? AND item = ? ORDER BY rowid",
                   {system, item}, [&](const Stmt& st) { out.push_back(to_record(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<std::vector<EvidenceRecord>> Assessments::evidence(const std::string& system, const std::string& item) {
  std::vector<EvidenceRecord> out;
  Status s = query(db_, "SELECT system, item, kind, source, text, at FROM evidence WHERE system = ? AND item = ? ORDER BY rowid",
                   {system, item}, [&](const Stmt& st) {
                     out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.i64(5)});
                   });
  if (!s) return Error{s.error()};
  return out;
}

Result<int64_t> Assessments::add_rectification(const Rectification& r) {
  if (r.owner.empty() || r.plan.empty() || r.created_by.empty())
    return Error{"a rectification task needs an owner, a plan and who opened it"};
  if (!is_date(r.due)) return Error{"due date '" + r.due + "' is not YYYY-MM-DD"};
  auto cur = current(r.system);
  if (!cur) return Error{cur.error()};
  auto it = std::find_if(cur->begin(), cur->end(), [&](const AssessmentRecord& a) { return a.item == r.item; });
  if (r.source.empty() && (it == cur->end() || (it->result != Conformity::kNonConform && it->result != Conformity::kPartial)))
    return Error{r.item + " of " + r.system + " is not assessed as 不符合 or 部分符合; nothing to rectify"};
  Status s = query(db_,
                   "INSERT INTO rectifications(system, item, owner, plan, due, status, created_by, created, source) "
                   "VALUES(?,?,?,?,?,'open',?,?,?)",
                   {r.system, r.item, r.owner, r.plan, r.due, r.created_by, std::to_string(r.created), r.source});
  if (!s) return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status Assessments::set_rectification_status(int64_t id, const std::string& status, const std::string& by, int64_t now) {
  if (status != "open" && status != "in_progress" && status != "done") return Error{"status is open, in_progress or done"};
  if (by.empty()) return Error{"a status change needs who made it"};
  std::optional<Rectification> r;
  Status s = query(db_, "SELECT system, item, status, source FROM rectifications WHERE id = ?", {std::to_string(id)}, [&](const Stmt& st) {
    r = Rectification{};
    r->system = st.text(0);
    r->item = st.text(1);
    r->status = st.text(2);
    r->source = st.text(3);
  });
  if (!s) return s;
  if (!r) return Error{"rectification task " + std::to_string(id) + " does not exist"};
  if (r->status == "done") return Error{"task " + std::to_string(id) + " is done"};
  if (status == "done" && r->source.rfind("vuln:", 0) == 0)
    return Error{"此整改在复扫不再发现漏洞时自动关闭 / task " + std::to_string(id) + " closes when a re-scan no longer finds " + r->source};
  if (status == "done") {
    // The re-check: the item's current assessment must now conform (or not apply).
    auto cur = current(r->system);
    if (!cur) return Error{cur.error()};
    auto it = std::find_if(cur->begin(), cur->end(), [&](const AssessmentRecord& a) { return a.item == r->item; });
    if (it == cur->end() || (it->result != Conformity::kConform && it->result != Conformity::kNotApplicable))
      return Error{"task " + std::to_string(id) + " closes through a re-check: assess " + r->item + " again as 符合 first"};
  }
  return query(db_, "UPDATE rectifications SET status = ?, closed = ?, closed_by = ? WHERE id = ?",
               {status, status == "done" ? std::to_string(now) : "0", status == "done" ? by : "", std::to_string(id)});
}

Status Assessments::close_by_rescan(int64_t id, const std::string& by, int64_t now) {
  return query(db_, "UPDATE rectifications SET status = 'done', closed = ?, closed_by = ? WHERE id = ? AND status != 'done'",
               {std::to_string(now), by, std::to_string(id)});
}

Result<std::vector<Rectification>> Assessments::rectifications(const std::string& system) {
  std::vector<Rectification> out;
  Status s = query(db_,
                   std::string("SELECT id, system, item, owner, plan, due, status, created_by, created, closed, closed_by, source FROM "
                               "rectifications") +
                       (system.empty() ? "" : " WHERE system = ?") + " ORDER BY due, id",
                   system.empty() ? std::vector<std::string>{} : std::vector<std::string>{system}, [&](const Stmt& st) {
                     out.push_back({st.i64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6), st.text(7),
                                    st.i64(8), st.i64(9), st.text(10), st.text(11)});
                   });
  if (!s) return Error{s.error()};
  return out;
}

Status Assessments::record_grading(const GradingRecord& g) {
  if (g.by.empty()) return Error{"a grading needs who confirmed it"};
  if (g.business_reason.empty() || g.service_reason.empty()) return Error{"a grading needs the reasons for both dimensions (定级理由)"};
  return query(
      db_,
      "INSERT INTO gradings(system, business_object, business_degree, business_reason, service_object, service_degree, "
      "service_reason, business_level, service_level, level, notes, by, at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {g.system, g.business_object, g.business_degree, g.business_reason, g.service_object, g.service_degree, g.service_reason,
       std::to_string(g.business_level), std::to_string(g.service_level), std::to_string(g.level), g.notes, g.by, std::to_string(g.at)});
}

Result<std::vector<GradingRecord>> Assessments::gradings(const std::string& system) {
  std::vector<GradingRecord> out;
  Status s = query(
      db_,
      "SELECT system, business_object, business_degree, business_reason, service_object, service_degree, service_reason, "
      "business_level, service_level, level, notes, by, at FROM gradings WHERE system = ? ORDER BY rowid",
      {system}, [&](const Stmt& st) {
        out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6), static_cast<int>(st.i64(7)),
                       static_cast<int>(st.i64(8)), static_cast<int>(st.i64(9)), st.text(10), st.text(11), st.i64(12)});
      });
  if (!s) return Error{s.error()};
  return out;
}

}  // namespace wardsec::compliance
