// The incident record (<data>/incident.db, SQLite): incidents with their category (GB/T
// 20986-2023), grade and the reasons for it (the 办法's annex), owner, stage, timeline,
// linked alerts, events and assets, and the reporting obligations with their deadlines.
//
// Stages go 发现 → 研判 → 处置 → 恢复 → 总结 → 关闭. A step forward is one stage; more than
// one, or any step back, needs a reason and is written into the timeline as such. Leaving 研判
// needs a category and a grade; closing needs the summary and every obligation reported.
// Every change is a timeline entry (who, when, what); the console also audits it into the
// tamper-evident store. Time comes from the clock given to open(), so tests run deadlines in
// seconds.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "incident/clock.h"
#include "incident/grading.h"
#include "incident/input.h"

struct sqlite3;

namespace wardsec::incident {

enum class Stage { kDiscovered = 0, kTriage, kContainment, kRecovery, kReview, kClosed };
const char* stage_name(Stage s);  // discovered, triage, containment, recovery, review, closed
const char* stage_zh(Stage s);    // 发现, 研判, 处置, 恢复, 总结, 关闭
std::optional<Stage> parse_stage(std::string_view s);

struct Incident {
  int64_t id = 0;
  std::string title, description;
  std::string subcategory;  // GB/T 20986-2023 code ("MPRANS"); its category follows from it
  Grade grade = Grade::kUngraded;
  Grade assessed = Grade::kUngraded;  // what the annex's criteria give for `impact`
  std::string grade_reason;           // the grader's words when the grade differs from `assessed`
  Impact impact;
  Stage stage = Stage::kDiscovered;
  std::string owner, source;                                     // source: "manual", "alert:<id>", "rule:<id>", "plan:<id>"
  std::string summary;                                           // the 总结: cause, measures, lessons
  int64_t discovered = 0, created = 0, updated = 0, closed = 0;  // ns
  std::string created_by;
  int64_t plan = 0;  // the emergency plan it started from (0: none)
  // The report form's answers (report_keys()): contact, measures taken, cause, ...
  std::map<std::string, std::string> report;
};

// The report form's fields, in the form's order: key, Chinese label, English label. The
// first report (《办法》 lists what it contains) and the summary report's own.
struct ReportKey {
  const char* key;
  const char* zh;
  const char* en;
  bool summary_only;
};
const std::vector<ReportKey>& report_keys();

struct TimelineEntry {
  int64_t id = 0, at = 0;
  std::string who, kind, text;  // kind: opened, stage, grade, edit, note, link, report, reminder, missed, evidence ...
};

struct Link {
  std::string kind;  // alert, event, asset, recording, finding
  std::string ref, note, who;
  int64_t at = 0;
};

struct Obligation {
  int64_t id = 0, incident = 0;
  std::string kind;  // "initial" (the 办法's first report) or "summary" (the 总结报告)
  Body body;
  int64_t deadline = 0;
  int64_t reported_at = 0;  // 0: not yet
  std::string reported_by, channel, reference;
  int64_t missed_at = 0;     // set once when the deadline passed unreported
  int64_t withdrawn_at = 0;  // the grade fell below the body's
  int reminded = 0;          // reminders sent (each fraction of remind_at, then the final one)
};

// A step of the emergency plan an incident started from: its checklist (清单), ticked off as
// the handling goes.
struct CheckItem {
  int index = 0;  // 1-based, the plan's order
  std::string title, owner, detail;
  int minutes = 0;      // the plan's target
  int64_t done_at = 0;  // 0: open
  std::string done_by, note;
};

struct NewIncident {
  std::string title, description, subcategory, owner, source = "manual";
  int64_t plan = 0;                  // the emergency plan it starts from
  std::vector<CheckItem> checklist;  // that plan's steps
  Grade grade = Grade::kUngraded;
  std::string grade_reason;  // why that grade (e.g. the auto-open rule that gave it)
  Impact impact;
  int64_t discovered = 0;  // 0: now
  std::vector<Link> links;
};

struct IncidentFilter {
  std::string stage;  // a stage name, "open" (not closed) or ""
  std::string grade;  // a grade name or ""
  std::string text;
  size_t limit = 200, offset = 0;
};

// A reminder to send or a deadline just missed, from due().
struct Due {
  Obligation obligation;
  std::string incident_title;
  Grade grade = Grade::kUngraded;
  bool missed = false;  // the deadline passed (else a reminder before it)
  int stage = 0;        // the reminder's number (missed: remind_at.size() + 1)
};

class Store {
 public:
  using Clock = std::function<int64_t()>;
  static Result<std::unique_ptr<Store>> open(const std::string& path, ReportingConfig cfg, Clock now = nullptr);
  ~Store();
  int64_t now() const { return now_(); }
  const ReportingConfig& config() const { return cfg_; }

  Result<int64_t> create(const NewIncident& n, const std::string& who);
  Result<Incident> get(int64_t id);
  Result<std::vector<Incident>> list(const IncidentFilter& f);
  // Edits: title, description, owner, subcategory, impact (re-assessed). Fields left empty
  // (nullopt) stay.
  struct Edit {
    std::optional<std::string> title, description, owner, subcategory, summary;
    std::optional<Impact> impact;
    std::optional<std::map<std::string, std::string>> report;  // merged into the form's answers
  };
  Status edit(int64_t id, const Edit& e, const std::string& who);
  // Sets the grade. Below what the impact assesses needs a reason.
  Status set_grade(int64_t id, Grade g, const std::string& reason, const std::string& who);
  Status advance(int64_t id, Stage to, const std::string& reason, const std::string& who);
  Status note(int64_t id, const std::string& text, const std::string& who, const std::string& kind = "note");
  Status link(int64_t id, const Link& l, const std::string& who);
  // An obligation reported: how (channel) and the receiver's reference.
  Status reported(int64_t id, int64_t obligation, const std::string& channel, const std::string& reference, const std::string& who);

  Result<std::vector<TimelineEntry>> timeline(int64_t id);
  Result<std::vector<Link>> links(int64_t id);
  Result<std::vector<Obligation>> obligations(int64_t id);
  Result<std::vector<CheckItem>> checklist(int64_t id);
  // Ticks a checklist step done (or open again, with a note saying why).
  Status tick(int64_t id, int index, bool done, const std::string& note, const std::string& who);
  // Open incidents linked to an alert or naming it as their source.
  Result<std::optional<int64_t>> by_alert(int64_t alert);

  // The reminders and misses due at now(); each is returned once: call mark() after handling.
  Result<std::vector<Due>> due();
  Status mark(const Due& d);

 private:
  Store() = default;
  Status sync_obligations(const Incident& inc, const std::string& who);
  Status entry(int64_t id, const std::string& who, const std::string& kind, const std::string& text);
  Status touch(int64_t id);
  Status finish(Status st);  // COMMIT when st is fine, else ROLLBACK and st
  std::recursive_mutex mu_;  // one operation at a time (each reads, checks, then writes)
  sqlite3* db_ = nullptr;
  ReportingConfig cfg_;
  Clock now_;
};

}  // namespace wardsec::incident
