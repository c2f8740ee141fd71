#include "compliance/evaluation.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::compliance {

namespace {

using sqlite::Stmt;

struct Ymd {
  int y = 0;
  unsigned m = 0, d = 0;
};

unsigned days_in_month(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::optional<Ymd> parse_ymd(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  Ymd r{std::stoi(s.substr(0, 4)), static_cast<unsigned>(std::stoi(s.substr(5, 2))), static_cast<unsigned>(std::stoi(s.substr(8, 2)))};
  if (r.m < 1 || r.m > 12 || r.d < 1 || r.d > days_in_month(r.y, r.m)) return std::nullopt;
  return r;
}

int64_t day_number(const Ymd& d) { return days_from_civil(d.y, d.m, d.d); }

// The date `months` later, the day kept or cut to the month's last (2026-08-31 + 6 = 2027-02-28).
std::string add_months(const Ymd& d, int months) {
  int total = d.y * 12 + static_cast<int>(d.m) - 1 + months;
  int y = total / 12;
  unsigned m = static_cast<unsigned>(total % 12 + 1);
  unsigned day = std::min(d.d, days_in_month(y, m));
  char b[32];
  std::snprintf(b, sizeof b, "%04d-%02u-%02u", y, m, day);
  return b;
}

Evaluation from_row(const Stmt& st) {
  Evaluation e;
  e.id = st.i64(0);
  e.system = st.text(1);
  e.kind = st.text(2);
  e.body = st.text(3);
  e.planned = st.text(4);
  e.done = st.text(5);
  if (!st.is_null(6)) e.score = st.dbl(6);
  e.conclusion = st.text(7);
  e.report_no = st.text(8);
  e.by = st.text(9);
  e.at = st.i64(10);
  return e;
}

constexpr const char* kColumns = "id, system, kind, body, planned, done, score, conclusion, report_no, by, at";

// The result of a finished assessment: its date, and a conclusion of its kind's scale.
Status check_result(const std::string& kind, const std::string& done, std::optional<double> score, const std::string& conclusion) {
  if (!is_date(done)) return Error{"测评完成日期须为 YYYY-MM-DD / the date done must be a real YYYY-MM-DD date, not '" + done + "'"};
  if (score && (!std::isfinite(*score) || *score < 0 || *score > 100)) return Error{"得分须在 0 到 100 之间 / the score lies in 0-100"};
  bool ok = kind == "mlps" ? (conclusion == "优" || conclusion == "良" || conclusion == "中" || conclusion == "差")
                           : (conclusion == "符合" || conclusion == "基本符合" || conclusion == "不符合");
  if (!ok)
    return Error{kind == "mlps" ? "等级测评结论须为 优、良、中 或 差 / the conclusion of an MLPS assessment: 优, 良, 中 or 差"
                                : "密评结论须为 符合、基本符合 或 不符合 / the conclusion of a 密评: 符合, 基本符合 or 不符合"};
  return {};
}

}  // namespace

bool is_date(const std::string& d) { return parse_ymd(d).has_value(); }

std::optional<int64_t> date_days(const std::string& d) {
  auto y = parse_ymd(d);
  if (!y) return std::nullopt;
  return day_number(*y);
}

Result<std::unique_ptr<Evaluations>> Evaluations::open(const std::string& path) {
  std::unique_ptr<Evaluations> e(new Evaluations());
  Status s = sqlite::open(path, &e->db_,
                          {"CREATE TABLE IF NOT EXISTS evaluations(id INTEGER PRIMARY KEY AUTOINCREMENT, system TEXT NOT NULL, "
                           "kind TEXT NOT NULL, body TEXT NOT NULL, planned TEXT NOT NULL, done TEXT NOT NULL DEFAULT '', score REAL, "
                           "conclusion TEXT NOT NULL DEFAULT '', report_no TEXT NOT NULL DEFAULT '', by TEXT NOT NULL, at INTEGER)"});
  if (!s) return Error{s.error()};
  return e;
}

Evaluations::~Evaluations() { sqlite3_close(db_); }

Result<int64_t> Evaluations::add(const Evaluation& e) {
  if (e.kind != "mlps" && e.kind != "crypto") return Error{"kind: mlps（等级测评）或 crypto（密评） / kind is mlps or crypto"};
  if (e.system.empty() || e.by.empty()) return Error{"一次测评须有系统和记录人 / an assessment needs its system and who records it"};
  if (e.body.empty()) return Error{"须填写测评机构 / the assessment body is required"};
  if (!is_date(e.planned))
    return Error{"计划日期须为 YYYY-MM-DD / the planned date must be a real YYYY-MM-DD date, not '" + e.planned + "'"};
  if (!e.done.empty()) {
    if (Status s = check_result(e.kind, e.done, e.score, e.conclusion); !s) return Error{s.error()};
  } else if (e.score || !e.conclusion.empty() || !e.report_no.empty()) {
    return Error{"得分、结论和报告编号随完成日期一起填写 / a score, conclusion or report number comes with the date done"};
  }
  Stmt st(db_,
          "INSERT INTO evaluations(system, kind, body, planned, done, score, conclusion, report_no, by, at) VALUES(?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, e.system).bind(2, e.kind).bind(3, e.body).bind(4, e.planned).bind(5, e.done);
  if (e.score)
    st.bind(6, *e.score);
  else
    st.bind_null(6);
  st.bind(7, e.conclusion).bind(8, e.report_no).bind(9, e.by).bind(10, e.at);
  if (Status s = st.run(); !s) return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status Evaluations::complete(int64_t id, const std::string& done, std::optional<double> score, const std::string& conclusion,
                             const std::string& report_no, const std::string& by, int64_t now) {
  auto e = get(id);
  if (!e) return Error{e.error()};
  if (!e->done.empty())
    return Error{"测评 " + std::to_string(id) + " 已于 " + e->done + " 完成 / assessment " + std::to_string(id) + " was done already"};
  if (Status s = check_result(e->kind, done, score, conclusion); !s) return s;
  if (by.empty()) return Error{"须有记录人 / who records it is required"};
  Stmt st(db_, "UPDATE evaluations SET done = ?, score = ?, conclusion = ?, report_no = ?, by = ?, at = ? WHERE id = ?");
  st.bind(1, done);
  if (score)
    st.bind(2, *score);
  else
    st.bind_null(2);
  st.bind(3, conclusion).bind(4, report_no).bind(5, by).bind(6, now).bind(7, id);
  return st.run();
}

Result<Evaluation> Evaluations::get(int64_t id) {
  std::optional<Evaluation> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kColumns + " FROM evaluations WHERE id = ?", {std::to_string(id)},
                           [&](const Stmt& st) { out = from_row(st); });
  if (!s) return Error{s.error()};
  if (!out) return Error{"没有测评记录 " + std::to_string(id) + " / no assessment " + std::to_string(id)};
  return *out;
}

Result<std::vector<Evaluation>> Evaluations::list(const std::string& system) {
  std::vector<Evaluation> out;
  Status s =
      sqlite::query(db_, std::string("SELECT ") + kColumns + " FROM evaluations WHERE ? = '' OR system = ? ORDER BY planned DESC, id DESC",
                    {system, system}, [&](const Stmt& st) { out.push_back(from_row(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<size_t> import_problems(Assessments& as, const Catalog& cat, const Evaluation& e, const System& sys, std::string_view csv,
                               const std::string& name, const std::string& by, int64_t now) {
  if (std::string why = cannot_assess(sys.level); !why.empty()) return Error{why};
  std::vector<std::pair<Rectification, std::string>> tasks;
  int n = 0;
  for (std::string_view raw : split_view(csv, '\n')) {
    n++;
    std::string line(raw);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a spreadsheet's BOM
    if (trim(line).empty() || line[0] == '#' || line.rfind("item,", 0) == 0) continue;
    std::vector<std::string> f;
    for (std::string_view c : split_view(line, ',')) f.emplace_back(trim(c));
    std::string where = name + ":" + std::to_string(n) + ": ";
    if (f.size() != 6) return Error{where + "须为 6 列 item,problem,risk,owner,plan,due / six columns: item,problem,risk,owner,plan,due"};
    const auto* q = cat.find(f[0]);
    if (!q || !q->applies(sys.level))
      return Error{where + f[0] + " 不是第" + std::to_string(sys.level) + "级的要求项 / not a catalog item at the system's level"};
    if (f[1].empty()) return Error{where + "问题描述为空 / the problem is empty"};
    if (!parse_risk(f[2])) return Error{where + "风险须为 高、中、低 或留空 / risk: 高, 中, 低 or empty"};
    if (f[3].empty() || f[4].empty()) return Error{where + "须有责任人和整改措施 / an owner and a plan are required"};
    if (!is_date(f[5])) return Error{where + "期限须为 YYYY-MM-DD / the due date must be a real YYYY-MM-DD date"};
    Rectification r;
    r.system = sys.id;
    r.item = f[0];
    r.owner = f[3];
    r.plan = f[4];
    r.due = f[5];
    r.created_by = by;
    r.created = now;
    r.source = "evaluation:" + std::to_string(e.id);
    tasks.emplace_back(r, "[" + f[2] + "] " + f[1]);
  }
  if (tasks.empty()) return Error{name + ": 没有问题行 / no problems in the file"};
  for (const auto& [r, problem] : tasks) {
    auto id = as.add_rectification(r);
    if (!id) return Error{r.item + ": " + id.error()};
    Status s = as.add_evidence({r.system, r.item, "record", r.source + (e.report_no.empty() ? "" : " " + e.report_no), problem, now});
    if (!s) return Error{r.item + ": " + s.error()};
  }
  return tasks.size();
}

std::vector<EvaluationDue> evaluations_due(const std::vector<System>& systems, const std::vector<Evaluation>& done,
                                           const std::string& today) {
  std::vector<EvaluationDue> out;
  auto now = parse_ymd(today);
  if (!now) return out;
  for (const auto& sys : systems) {
    struct Rule {
      const char* kind;
      int months;
      const char* basis;
    };
    std::vector<Rule> rules;
    if (sys.level >= 4)
      rules.push_back({"mlps", 6, "第四级每半年至少一次等级测评（信息安全等级保护管理办法第十四条） / level 4: every six months"});
    else if (sys.level == 3)
      rules.push_back({"mlps", 12, "第三级每年至少一次等级测评（信息安全等级保护管理办法第十四条） / level 3: every year"});
    else if (sys.level == 2)
      rules.push_back(
          {"mlps", 24, "第二级通常每两年一次（行业惯例，未见明文） / level 2: every two years (common practice, not a verified rule)"});
    if (sys.level >= 3)
      rules.push_back({"crypto", 12, "第三级及以上每年至少一次密评（商用密码应用安全性评估管理办法） / level 3 and above: yearly 密评"});
    for (const auto& r : rules) {
      EvaluationDue d{sys.id, r.kind, sys.level, "", "", true, 0, r.basis};
      for (const auto& e : done)
        if (e.system == sys.id && e.kind == r.kind && !e.done.empty() && e.done > d.last_done) d.last_done = e.done;
      if (!d.last_done.empty()) {
        d.due = add_months(*parse_ymd(d.last_done), r.months);
        d.days_left = static_cast<int>(day_number(*parse_ymd(d.due)) - day_number(*now));
        d.overdue = d.days_left < 0;
      }
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace wardsec::compliance
