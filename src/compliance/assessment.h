// Assessments: for each graded system and catalog item, the result (符合/部分符合/不符合/不适用),
// its risk, who assessed and when, a note, and evidence (automated check results with time and
// source, notes, attached documents). Every change is a new row: the current result of an item
// is its latest row, and the history shows what changed on re-assessment. Kept in
// <data>/compliance.db next to the inventory.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compliance/scoring.h"
#include "core/result.h"

struct sqlite3;

namespace wardsec::compliance {

struct AssessmentRecord {
  std::string system, item;
  Conformity result = Conformity::kConform;
  Risk risk = Risk::kNone;
  std::optional<double> x;
  std::string note, by;
  int64_t at = 0;  // ns
};

struct EvidenceRecord {
  std::string system, item;
  std::string kind;    // "check" (automated), "note", "document", "record" (wardsec's own: a plan, a drill)
  std::string source;  // check id and host, or a document's name
  std::string text;    // the result and its raw evidence, or the note
  int64_t at = 0;
};

// A rectification task (整改) for an item found 不符合 or 部分符合: owner, due date, plan,
// status; it closes only through a re-check: a new assessment of the item that conforms. A task
// with a source (a drill's finding: "drill:<id>") is opened from that finding, whatever the
// item's current result.
struct Rectification {
  int64_t id = 0;
  std::string system, item, owner, plan;
  std::string due;     // YYYY-MM-DD
  std::string status;  // open, in_progress, done
  std::string created_by;
  int64_t created = 0, closed = 0;
  std::string closed_by;
  std::string source;  // "" (an assessment) or where it came from ("drill:3")
};

// A confirmed grading (定级) of a system: the two dimensions with the reasons given, the
// levels they gave, the notes (the ambiguous cell), who confirmed it and when.
struct GradingRecord {
  std::string system;
  std::string business_object, business_degree, business_reason;  // as parse_object / parse_degree name them
  std::string service_object, service_degree, service_reason;
  int business_level = 0, service_level = 0, level = 0;
  std::string notes, by;
  int64_t at = 0;
};

// A real calendar date written YYYY-MM-DD (2026-02-30 is not): due dates, assessment dates.
bool is_date(const std::string& d);
// Its day number (days since 1970-01-01), for spans between dates; nullopt unless is_date.
std::optional<int64_t> date_days(const std::string& d);

class Assessments {
 public:
  static Result<std::unique_ptr<Assessments>> open(const std::string& path);
  ~Assessments();
  Status record(const AssessmentRecord& r);
  Status add_evidence(const EvidenceRecord& e);
  // The latest record of every item of a system.
  Result<std::vector<AssessmentRecord>> current(const std::string& system);
  // Every record of one item, oldest first.
  Result<std::vector<AssessmentRecord>> history(const std::string& system, const std::string& item);
  Result<std::vector<EvidenceRecord>> evidence(const std::string& system, const std::string& item);
  // Opens a task for an item whose current result is 不符合 or 部分符合 (or with a source).
  Result<int64_t> add_rectification(const Rectification& r);
  // A task opened from a vulnerability ("vuln:<id>") is not closed by hand: closing it needs
  // a re-scan that no longer finds the weakness, and close_by_rescan() is that re-scan's.
  Status set_rectification_status(int64_t id, const std::string& status, const std::string& by, int64_t now);
  Status close_by_rescan(int64_t id, const std::string& by, int64_t now);
  // system "" for all; `today` (YYYY-MM-DD) marks overdue tasks in the caller.
  Result<std::vector<Rectification>> rectifications(const std::string& system);
  // Gradings: every confirmation is kept; the latest is current.
  Status record_grading(const GradingRecord& g);
  Result<std::vector<GradingRecord>> gradings(const std::string& system);

 private:
  Assessments() = default;
  sqlite3* db_ = nullptr;
};

}  // namespace wardsec::compliance
