#include "incident/model.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "incident/taxonomy.h"

namespace wardsec::incident {

using json = nlohmann::json;

namespace {

constexpr const char* kStageNames[] = {"discovered", "triage", "containment", "recovery", "review", "closed"};
constexpr const char* kStageZh[] = {"发现", "研判", "处置", "恢复", "总结", "关闭"};

constexpr const char* kCols =
    "id, title, description, subcategory, grade, assessed, grade_reason, impact, stage, owner, source, summary, discovered, created, "
    "updated, closed, created_by, plan, report";

Incident row_incident(const sqlite::Stmt& st) {
  Incident i;
  i.id = st.i64(0);
  i.title = st.text(1);
  i.description = st.text(2);
  i.subcategory = st.text(3);
  i.grade = static_cast<Grade>(st.i64(4));
  i.assessed = static_cast<Grade>(st.i64(5));
  i.grade_reason = st.text(6);
  if (auto im = parse_impact(st.text(7))) i.impact = *im;
  i.stage = static_cast<Stage>(st.i64(8));
  i.owner = st.text(9);
  i.source = st.text(10);
  i.summary = st.text(11);
  i.discovered = st.i64(12);
  i.created = st.i64(13);
  i.updated = st.i64(14);
  i.closed = st.i64(15);
  i.created_by = st.text(16);
  i.plan = st.i64(17);
  json r = json::parse(st.text(18), nullptr, false);
  if (r.is_object())
    for (auto it = r.begin(); it != r.end(); ++it)
      if (it.value().is_string()) i.report[it.key()] = it.value().get<std::string>();
  return i;
}

Status check_text(const std::string& what, const std::string& v, size_t max) {
  if (!valid_utf8(v)) return Error{what + " is not valid UTF-8"};
  if (v.size() > max) return Error{what + " is longer than " + std::to_string(max) + " bytes"};
  return {};
}

Status check_subcategory(const std::string& code) {
  if (code.empty() || find_subcategory(code)) return {};
  return Error{"\"" + code + "\" is not a GB/T 20986-2023 subcategory code (GET /api/v1/incidents/taxonomy lists them)"};
}

}  // namespace

const std::vector<ReportKey>& report_keys() {
  // 《国家网络安全事件报告管理办法》: what a report contains, and what the summary analyses.
  static const std::vector<ReportKey> k = {
      {"contact", "事发单位联系人及联系方式", "Contact person and how to reach them", false},
      {"facility", "发生事件的设施、系统、平台的基本情况", "The facility, system or platform affected", false},
      {"place", "事件发生地点", "Where it happened", false},
      {"harm", "已造成的影响和危害", "Impact and harm so far", false},
      {"measures", "已采取的措施及效果", "Measures taken and their effect", false},
      {"ransom", "勒索软件攻击：要求支付赎金的金额、方式、日期", "Ransomware: the ransom demanded (amount, method, date)", false},
      {"trend", "事态发展趋势及可能造成的进一步影响和危害", "How it may develop and further harm", false},
      {"cause", "事件原因初步分析", "Preliminary analysis of the cause", false},
      {"next_steps", "拟进一步采取的应对措施以及请求支援事项", "Further measures planned and support requested", false},
      {"other", "其他应当报告的情况", "Anything else to report", false},
      {"clues", "溯源调查线索（可能的攻击者、攻击路径、存在的漏洞等）", "Tracing clues (possible attacker, path, vulnerabilities)", true},
      {"rectification", "整改情况", "Rectification done", true},
      {"lessons", "经验教训", "Lessons learned", true},
  };
  return k;
}

const char* stage_name(Stage s) { return kStageNames[static_cast<int>(s)]; }
const char* stage_zh(Stage s) { return kStageZh[static_cast<int>(s)]; }
std::optional<Stage> parse_stage(std::string_view s) {
  for (int i = 0; i < 6; ++i)
    if (s == kStageNames[i] || s == kStageZh[i]) return static_cast<Stage>(i);
  return std::nullopt;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path, ReportingConfig cfg, Clock now) {
  if (auto st = check(cfg); !st) return Error{st.error()};
  std::unique_ptr<Store> s(new Store());
  s->cfg_ = std::move(cfg);
  s->now_ = now ? std::move(now) : Clock([] { return now_ns(); });
  if (auto st = sqlite::open(
          path, &s->db_,
          {
              // An acknowledged change is on disk before the answer: incidents are evidence.
              "PRAGMA synchronous=FULL",
              "CREATE TABLE IF NOT EXISTS incidents(id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, description TEXT, "
              "subcategory TEXT, grade INTEGER, assessed INTEGER, grade_reason TEXT, impact TEXT, stage INTEGER, owner TEXT, "
              "source TEXT, summary TEXT, discovered INTEGER, created INTEGER, updated INTEGER, closed INTEGER, created_by TEXT, "
              "plan INTEGER DEFAULT 0, review_at INTEGER DEFAULT 0, report TEXT DEFAULT '{}')",
              "CREATE INDEX IF NOT EXISTS incidents_stage ON incidents(stage, grade)",
              "CREATE TABLE IF NOT EXISTS timeline(id INTEGER PRIMARY KEY AUTOINCREMENT, incident INTEGER, at INTEGER, who TEXT, "
              "kind TEXT, text TEXT)",
              "CREATE INDEX IF NOT EXISTS timeline_incident ON timeline(incident)",
              "CREATE TABLE IF NOT EXISTS links(incident INTEGER, kind TEXT, ref TEXT, note TEXT, who TEXT, at INTEGER, "
              "PRIMARY KEY(incident, kind, ref))",
              "CREATE INDEX IF NOT EXISTS links_ref ON links(kind, ref)",
              "CREATE TABLE IF NOT EXISTS obligations(id INTEGER PRIMARY KEY AUTOINCREMENT, incident INTEGER, kind TEXT, "
              "body TEXT, name_zh TEXT, name_en TEXT, basis TEXT, contact TEXT, minutes INTEGER, min_grade INTEGER, "
              "deadline INTEGER, reported_at INTEGER DEFAULT 0, reported_by TEXT DEFAULT '', channel TEXT DEFAULT '', "
              "reference TEXT DEFAULT '', missed_at INTEGER DEFAULT 0, withdrawn_at INTEGER DEFAULT 0, reminded INTEGER DEFAULT 0, "
              "UNIQUE(incident, kind, body))",
              "CREATE INDEX IF NOT EXISTS obligations_open ON obligations(reported_at, withdrawn_at)",
              "CREATE TABLE IF NOT EXISTS checklist(incident INTEGER, idx INTEGER, title TEXT, owner TEXT, detail TEXT, "
              "minutes INTEGER, done_at INTEGER DEFAULT 0, done_by TEXT DEFAULT '', note TEXT DEFAULT '', PRIMARY KEY(incident, idx))",
          });
      !st)
    return Error{st.error()};
  return s;
}

Store::~Store() {
  if (db_) sqlite3_close(db_);
}

Status Store::entry(int64_t id, const std::string& who, const std::string& kind, const std::string& text) {
  sqlite::Stmt st(db_, "INSERT INTO timeline(incident, at, who, kind, text) VALUES(?,?,?,?,?)");
  return st.bind(1, id).bind(2, now()).bind(3, who).bind(4, kind).bind(5, text).run();
}

Status Store::finish(Status st) { return sqlite::end_transaction(db_, std::move(st)); }

Status Store::touch(int64_t id) {
  sqlite::Stmt st(db_, "UPDATE incidents SET updated=? WHERE id=?");
  return st.bind(1, now()).bind(2, id).run();
}

Result<int64_t> Store::create(const NewIncident& n, const std::string& who) {
  std::lock_guard lk(mu_);
  if (n.title.empty()) return Error{"an incident needs a title"};
  for (auto [what, v, max] :
       {std::tuple{"title", &n.title, size_t{500}}, {"description", &n.description, size_t{100000}}, {"owner", &n.owner, size_t{200}}})
    if (auto st = check_text(what, *v, max); !st) return Error{st.error()};
  if (auto st = check_subcategory(n.subcategory); !st) return Error{st.error()};
  int64_t t = now();
  int64_t discovered = n.discovered ? n.discovered : t;
  if (discovered > t) return Error{"the discovery time is in the future"};
  Assessment a = assess(n.impact);
  Grade g = n.grade == Grade::kUngraded ? a.grade : n.grade;
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return Error{st.error()};
  sqlite::Stmt ins(db_,
                   "INSERT INTO incidents(title, description, subcategory, grade, assessed, grade_reason, impact, stage, owner, "
                   "source, summary, discovered, created, updated, closed, created_by, plan) VALUES(?,?,?,?,?,?,?,0,?,?,'',?,?,?,0,?,?)");
  ins.bind(1, n.title).bind(2, n.description).bind(3, n.subcategory).bind(4, int64_t(g)).bind(5, int64_t(a.grade));
  ins.bind(6, n.grade_reason).bind(7, impact_json(n.impact)).bind(8, n.owner).bind(9, n.source).bind(10, discovered).bind(11, t);
  ins.bind(12, t).bind(13, who).bind(14, n.plan);
  Status st = ins.run();
  int64_t id = sqlite::last_insert_id(db_);
  if (st) st = entry(id, who, "opened", n.source + ": " + n.title);
  for (size_t i = 0; st && i < n.checklist.size(); i++) {
    const CheckItem& c = n.checklist[i];
    sqlite::Stmt ci(db_, "INSERT INTO checklist(incident, idx, title, owner, detail, minutes) VALUES(?,?,?,?,?,?)");
    st = ci.bind(1, id).bind(2, int64_t(i + 1)).bind(3, c.title).bind(4, c.owner).bind(5, c.detail).bind(6, int64_t(c.minutes)).run();
  }
  if (st && g != Grade::kUngraded)
    st = entry(id, who, "grade", std::string(grade_zh(g)) + (n.grade == Grade::kUngraded ? "（按影响评定）" : ""));
  for (const auto& l : n.links) {
    if (!st) break;
    sqlite::Stmt li(db_, "INSERT OR IGNORE INTO links(incident, kind, ref, note, who, at) VALUES(?,?,?,?,?,?)");
    st = li.bind(1, id).bind(2, l.kind).bind(3, l.ref).bind(4, l.note).bind(5, who).bind(6, t).run();
  }
  if (st) {
    auto inc = get(id);
    st = inc ? sync_obligations(*inc, who) : Status{Error{inc.error()}};
  }
  if (auto c = finish(std::move(st)); !c) return Error{c.error()};
  return id;
}

Result<Incident> Store::get(int64_t id) {
  std::lock_guard lk(mu_);
  sqlite::Stmt st(db_, std::string("SELECT ") + kCols + " FROM incidents WHERE id=?");
  st.bind(1, id);
  if (st.row()) return row_incident(st);
  if (!st.error().empty()) return Error{st.error()};
  return Error{"no incident " + std::to_string(id)};
}

Result<std::vector<Incident>> Store::list(const IncidentFilter& f) {
  std::lock_guard lk(mu_);
  std::string sql = std::string("SELECT ") + kCols + " FROM incidents WHERE 1=1";
  std::vector<std::string> params;
  if (f.stage == "open") {
    sql += " AND stage < 5";
  } else if (!f.stage.empty()) {
    auto s = parse_stage(f.stage);
    if (!s) return Error{"stage must be open or one of discovered, triage, containment, recovery, review, closed"};
    sql += " AND stage = " + std::to_string(static_cast<int>(*s));
  }
  if (!f.grade.empty()) {
    auto g = parse_grade(f.grade);
    if (!g) return Error{"grade must be one of ungraded, general, larger, major, special"};
    sql += " AND grade = " + std::to_string(static_cast<int>(*g));
  }
  if (!f.text.empty()) {
    sql += " AND (instr(title, ?) > 0 OR instr(description, ?) > 0 OR instr(owner, ?) > 0)";
    params = {f.text, f.text, f.text};
  }
  sql += " ORDER BY stage = 5, grade DESC, discovered DESC LIMIT " + std::to_string(std::min<size_t>(f.limit, 1000)) + " OFFSET " +
         std::to_string(f.offset);
  std::vector<Incident> out;
  auto st = sqlite::query(db_, sql, params, [&](const sqlite::Stmt& s) { out.push_back(row_incident(s)); });
  if (!st) return Error{st.error()};
  return out;
}

Status Store::edit(int64_t id, const Edit& e, const std::string& who) {
  std::lock_guard lk(mu_);
  auto inc = get(id);
  if (!inc) return Error{inc.error()};
  if (inc->stage == Stage::kClosed) return Error{"incident " + std::to_string(id) + " is closed; reopen it to change it"};
  for (auto [what, v, max] : {std::tuple{"title", &e.title, size_t{500}},
                              {"description", &e.description, size_t{100000}},
                              {"owner", &e.owner, size_t{200}},
                              {"summary", &e.summary, size_t{200000}}})
    if (*v)
      if (auto st = check_text(what, **v, max); !st) return st;
  if (e.title && e.title->empty()) return Error{"an incident needs a title"};
  if (e.subcategory)
    if (auto st = check_subcategory(*e.subcategory); !st) return st;
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  Status st;
  std::vector<std::string> changed;
  auto set = [&](const char* col, const std::optional<std::string>& v, const std::string& old) {
    if (!st || !v || *v == old) return;
    sqlite::Stmt u(db_, std::string("UPDATE incidents SET ") + col + "=? WHERE id=?");
    st = u.bind(1, *v).bind(2, id).run();
    changed.push_back(col);
  };
  set("title", e.title, inc->title);
  set("description", e.description, inc->description);
  set("owner", e.owner, inc->owner);
  set("subcategory", e.subcategory, inc->subcategory);
  set("summary", e.summary, inc->summary);
  if (st && e.report) {
    std::map<std::string, std::string> merged = inc->report;
    for (const auto& [k, v] : *e.report) {
      bool known = false;
      for (const auto& rk : report_keys()) known = known || k == rk.key;
      if (!known)
        st = Error{"report: no field \"" + k +
                   "\" (the form's fields: contact, facility, place, harm, measures, ransom, trend, cause, next_steps, other, clues, "
                   "rectification, lessons)"};
      else if (auto c = check_text("report." + k, v, 20000); !c)
        st = c;
      else
        merged[k] = v;
    }
    if (st) {
      sqlite::Stmt u(db_, "UPDATE incidents SET report=? WHERE id=?");
      st = u.bind(1, json(merged).dump()).bind(2, id).run();
      changed.push_back("report");
    }
  }
  if (st && e.impact) {
    Assessment a = assess(*e.impact);
    sqlite::Stmt u(db_, "UPDATE incidents SET impact=?, assessed=? WHERE id=?");
    st = u.bind(1, impact_json(*e.impact)).bind(2, int64_t(a.grade)).bind(3, id).run();
    changed.push_back("impact");
    // A higher assessment raises the grade (never silently lowers it).
    if (st && a.grade > inc->grade) {
      sqlite::Stmt g(db_, "UPDATE incidents SET grade=?, grade_reason='' WHERE id=?");
      st = g.bind(1, int64_t(a.grade)).bind(2, id).run();
      if (st) st = entry(id, who, "grade", std::string(grade_zh(inc->grade)) + " → " + grade_zh(a.grade) + "（按影响评定）");
    }
  }
  if (st && !changed.empty()) {
    std::string what;
    for (const auto& c : changed) what += (what.empty() ? "" : ", ") + c;
    st = entry(id, who, "edit", what);
  }
  if (st) st = touch(id);
  if (st) {
    auto now_inc = get(id);
    st = now_inc ? sync_obligations(*now_inc, who) : Status{Error{now_inc.error()}};
  }
  return finish(std::move(st));
}

Status Store::note(int64_t id, const std::string& text, const std::string& who, const std::string& kind) {
  std::lock_guard lk(mu_);
  if (text.empty()) return Error{"the note is empty"};
  if (auto st = check_text("note", text, 100000); !st) return st;
  auto inc = get(id);
  if (!inc) return Error{inc.error()};
  if (auto st = entry(id, who, kind, text); !st) return st;
  return touch(id);
}

Status Store::link(int64_t id, const Link& l, const std::string& who) {
  std::lock_guard lk(mu_);
  static const char* kKinds[] = {"alert", "event", "asset", "recording", "finding", "statement"};
  if (std::find(std::begin(kKinds), std::end(kKinds), l.kind) == std::end(kKinds))
    return Error{"link kind must be alert, event, asset, recording, finding or statement"};
  if (l.ref.empty() || l.ref.size() > 500 || !valid_utf8(l.ref)) return Error{"link ref: 1-500 bytes of UTF-8"};
  if (auto st = check_text("link note", l.note, 2000); !st) return st;
  auto inc = get(id);
  if (!inc) return Error{inc.error()};
  sqlite::Stmt st(db_, "INSERT OR IGNORE INTO links(incident, kind, ref, note, who, at) VALUES(?,?,?,?,?,?)");
  if (auto s = st.bind(1, id).bind(2, l.kind).bind(3, l.ref).bind(4, l.note).bind(5, who).bind(6, now()).run(); !s) return s;
  if (sqlite::changes(db_) == 0) return {};  // already linked
  if (auto s = entry(id, who, "link", l.kind + " " + l.ref + (l.note.empty() ? "" : ": " + l.note)); !s) return s;
  return touch(id);
}

Result<std::vector<TimelineEntry>> Store::timeline(int64_t id) {
  std::lock_guard lk(mu_);
  std::vector<TimelineEntry> out;
  auto st = sqlite::query(db_, "SELECT id, at, who, kind, text FROM timeline WHERE incident=? ORDER BY id", {std::to_string(id)},
                          [&](const sqlite::Stmt& s) {
                            out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4)});
                          });
  if (!st) return Error{st.error()};
  return out;
}

Result<std::vector<Link>> Store::links(int64_t id) {
  std::lock_guard lk(mu_);
  std::vector<Link> out;
  auto st = sqlite::query(db_, "SELECT kind, ref, note, who, at FROM links WHERE incident=? ORDER BY at, kind, ref", {std::to_string(id)},
                          [&](const sqlite::Stmt& s) {
                            out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4)});
                          });
  if (!st) return Error{st.error()};
  return out;
}

Result<std::optional<int64_t>> Store::by_alert(int64_t alert) {
  std::lock_guard lk(mu_);
  std::optional<int64_t> found;
  auto st = sqlite::query(db_,
                          "SELECT i.id FROM incidents i LEFT JOIN links l ON l.incident = i.id AND l.kind = 'alert' AND l.ref = ?1 "
                          "WHERE i.stage < 5 AND (i.source = 'alert:' || ?1 OR l.ref IS NOT NULL) ORDER BY i.id LIMIT 1",
                          {std::to_string(alert)}, [&](const sqlite::Stmt& s) { found = s.i64(0); });
  if (!st) return Error{st.error()};
  return found;
}

}  // namespace wardsec::incident
