// The assessment cycle (等级测评 and 密评): each assessment of a graded system by an assessment
// body, planned and then done, with the report's score, conclusion and number; when the next
// one is due, by level. A level-3 system is assessed every year and a level-4 one every six
// months (信息安全等级保护管理办法 art. 14); level 2 every two years is common practice, not a
// rule we could verify, and is labelled so. The commercial cryptography assessment (密评) is
// yearly from level 3 (商用密码应用安全性评估管理办法, 2023). Kept in <data>/compliance.db. A
// report's problems become rectification tasks (Assessments::add_rectification with the
// assessment as their source).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "core/result.h"

struct sqlite3;

namespace wardsec::compliance {

struct Evaluation {
  int64_t id = 0;
  std::string system;
  std::string kind;     // "mlps" 等级测评 or "crypto" 密评
  std::string body;     // 测评机构
  std::string planned;  // YYYY-MM-DD
  std::string done;     // YYYY-MM-DD, "" while planned
  std::optional<double> score;
  std::string conclusion;  // mlps: 优/良/中/差; crypto: 符合/基本符合/不符合; "" while planned
  std::string report_no;
  std::string by;
  int64_t at = 0;  // ns, when recorded
};

// When a system's next assessment of a kind is due.
struct EvaluationDue {
  std::string system, kind;
  int level = 0;
  std::string last_done;  // "" when never
  std::string due;        // YYYY-MM-DD; "" when never assessed (due now)
  bool overdue = false;   // never assessed, or the due date has passed
  int days_left = 0;      // negative when overdue
  std::string basis;      // the rule, zh / en
};

class Evaluations {
 public:
  static Result<std::unique_ptr<Evaluations>> open(const std::string& path);
  ~Evaluations();
  // Checks every field (kind, dates, score 0-100, the conclusion for its kind, done with its
  // result) and returns the id.
  Result<int64_t> add(const Evaluation& e);
  // Records the result of a planned assessment.
  Status complete(int64_t id, const std::string& done, std::optional<double> score, const std::string& conclusion,
                  const std::string& report_no, const std::string& by, int64_t now);
  Result<std::vector<Evaluation>> list(const std::string& system);  // "" for all, newest planned first
  Result<Evaluation> get(int64_t id);

 private:
  Evaluations() = default;
  sqlite3* db_ = nullptr;
};

// The next assessment of each kind for every graded system that needs one, given what was done;
// `today` is YYYY-MM-DD.
std::vector<EvaluationDue> evaluations_due(const std::vector<System>& systems, const std::vector<Evaluation>& done,
                                           const std::string& today);

// A report's problems (CSV: item,problem,risk,owner,plan,due; a header line and '#' comments
// allowed) as rectification tasks of the assessed system, sourced to the assessment. Every line
// is checked (an item at the system's level, a risk, an owner, a plan, a real due date) before
// any task opens: a report is taken whole or not at all. Returns how many tasks were opened;
// errors name the file and line.
Result<size_t> import_problems(Assessments& as, const Catalog& cat, const Evaluation& e, const System& sys, std::string_view csv,
                               const std::string& name, const std::string& by, int64_t now);

}  // namespace wardsec::compliance
