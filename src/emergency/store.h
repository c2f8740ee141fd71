// The plan library and the drill record (<data>/emergency.db, SQLite, synchronous commits).
//
// A plan is a draft until activated; every revision is a new version whose text is kept, and
// every re-evaluation (评审) is written with who and when, so an assessor sees the plan as it
// was on any day. A drill is scheduled against a plan's current version (its steps and RTO
// are copied), started, has its steps recorded with times as they happen, the moment service
// was restored (the RTO is measured from the start to it), its participants, then is finished
// and evaluated with findings. Each action is a line in the drill's log, at the time it
// happened (one recorded later says so). Time comes from the clock given to open(), so tests
// run in seconds.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emergency/plan.h"

struct sqlite3;

namespace wardsec::emergency {

struct PlanVersion {
  int version = 0;
  std::string kind;  // created, revised, reviewed, activated, retired, draft
  std::string by, note;
  int64_t at = 0;
  nlohmann::json body;  // the plan's text at that version (created and revised)
};

struct DrillLog {
  int64_t at = 0;
  std::string who, text;
};

// What is due for an active plan: its next drill and its next re-evaluation.
struct DueItem {
  int64_t plan = 0;
  std::string title;
  std::string what;  // drill, review
  std::string due;   // YYYY-MM-DD (local)
  bool overdue = false;
  int64_t scheduled = 0;  // a drill already scheduled for it (0: none)
  std::string scheduled_on;
};

class Store {
 public:
  using Clock = std::function<int64_t()>;
  static Result<std::unique_ptr<Store>> open(const std::string& path, Clock now = nullptr);
  ~Store();
  int64_t now() const { return now_(); }

  Result<int64_t> create_plan(const Plan& p, const std::string& who);
  // A new version of the text; an active plan stays active. `note` says what changed.
  Status revise_plan(int64_t id, const Plan& p, const std::string& note, const std::string& who);
  Status set_plan_status(int64_t id, const std::string& status, const std::string& note, const std::string& who);
  Status review_plan(int64_t id, const std::string& note, const std::string& who);
  Result<Plan> plan(int64_t id);
  Result<std::vector<Plan>> plans(const std::string& status = "");
  Result<std::vector<PlanVersion>> history(int64_t plan);

  Result<int64_t> schedule_drill(int64_t plan, const std::string& date, const std::string& kind, const std::string& title,
                                 const std::string& who);
  Result<Drill> drill(int64_t id);
  Result<std::vector<Drill>> drills(int64_t plan = 0);
  Result<std::vector<DrillLog>> drill_log(int64_t id);
  // `at` 0: now. Times given are when it happened (recorded later from notes), never ahead.
  Status start_drill(int64_t id, int64_t at, const std::string& who);
  Status record_step(int64_t id, size_t index, const std::string& result, const std::string& note, int64_t at, const std::string& who);
  Status set_participants(int64_t id, std::vector<Participant> people, const std::string& who);
  Status mark_restored(int64_t id, int64_t at, const std::string& who);
  // Ends the drill: it needs participants and every step recorded (done, failed or skipped).
  Status finish_drill(int64_t id, int64_t at, const std::string& who);
  // The evaluation (评估) of a finished drill: what went well and what failed, with findings.
  Status evaluate_drill(int64_t id, const std::string& summary, std::vector<Finding> findings, const std::string& who);
  // The rectification tasks opened for a finding (after evaluate_drill).
  Status set_finding_tasks(int64_t id, size_t finding, std::vector<int64_t> tasks);
  Status cancel_drill(int64_t id, const std::string& reason, const std::string& who);

  // For each active plan: the next drill (the last finished one + drill_days, or activation +
  // drill_days) and the next review. `tz_sec` decides what day it is.
  Result<std::vector<DueItem>> due(int tz_sec);

 private:
  Store() = default;
  Status version_row(int64_t plan, int version, const std::string& kind, const std::string& note, const std::string& who,
                     const nlohmann::json& body);
  Status log(int64_t drill, const std::string& who, const std::string& text, int64_t at = 0);
  Status save_drill(const Drill& d);
  // Saves the drill and writes its log line in one transaction.
  Status record(const Drill& d, const std::string& who, const std::string& text, int64_t at = 0);
  Result<Drill> running(int64_t id, const char* need);  // the drill, in state `need`
  Result<int64_t> when(int64_t at, int64_t not_before, const char* what);
  Status finish(Status st);
  std::recursive_mutex mu_;
  sqlite3* db_ = nullptr;
  Clock now_;
};

}  // namespace wardsec::emergency
