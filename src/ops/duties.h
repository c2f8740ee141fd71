// The scheduled duties (docs/operations.md): the daily data self-check (datacheck.h) with its
// message to the system administrator, and the report schedules — any report of the center
// (the weekly and monthly 网络系统运行状况分析报告, the monthly 防统方 report, the data
// self-check) made for the period just ended and sent to its recipients (mail with the report
// attached, WeCom/DingTalk robots, the console's messages). Looked at every minute; a period is
// done once, and one missed while the center was down is done at the next look. The schedules
// live in <data>/ops/schedules.json (the console's 运行状态 page), their last runs in
// <data>/ops/schedule_state.json.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/event.h"
#include "ops/datacheck.h"
#include "ops/notify.h"

namespace wardsec::alert {
class AlertStore;
class Outputs;
}  // namespace wardsec::alert

namespace wardsec::ops {

// A report a schedule can name: made for a period key (day "YYYY-MM-DD", week: its Monday
// "YYYY-MM-DD", month "YYYY-MM") as a whole HTML document.
struct ReportKind {
  std::string id, zh, en;
  std::string every;  // day, week, month
  // The report of the period `key` ("2026-11-30" the week's Monday, "2026-11" the month), of one
  // graded system when `per_system` (the schedule names it).
  std::function<Result<std::string>(const std::string& key, const std::string& lang, const std::string& system)> html;
  bool per_system = false;
};

struct Schedule {
  std::string id, report;
  std::string system;          // the graded system of a per-system report
  std::string at = "08:00";    // local time on the day after the period (the Monday, the 1st)
  std::string format = "pdf";  // pdf, html
  std::string lang = "zh-CN";
  Recipients to;
  bool enabled = true;
};
Result<Schedule> schedule_from_json(const nlohmann::json& j, const std::vector<ReportKind>& kinds);
nlohmann::json to_json(const Schedule& s, bool secrets);

// The period key of `every` that ended last before `now` (local time).
std::string period_key(const std::string& every, int64_t now, int tz_sec);

struct DutyOptions {
  std::string data_dir;
  int tz_sec = 8 * 3600;
  Notifier* notifier = nullptr;
  alert::AlertStore* alerts = nullptr;
  alert::Outputs* outputs = nullptr;
  std::function<void(Event&&)> record;  // signed into the store
  std::vector<ReportKind> kinds;
  // HTML → PDF (Chromium headless); tests may swap it.
  std::function<Status(const std::string& html, const std::string& pdf_path)> pdf;
};

class Duties {
 public:
  explicit Duties(DutyOptions o);
  // One look at `now`: what it did ("" nothing was due).
  std::string tick(int64_t now);
  // A schedule's report for its last period, made and sent now (the console's 立即发送). The
  // failures of delivery, if any.
  Result<std::vector<std::string>> run(const std::string& id, int64_t now, const std::string& by);
  // The data self-check of `day`, with its message.
  Result<DataCheckResult> check(const std::string& day, int64_t now);
  const std::vector<ReportKind>& kinds() const { return opt_.kinds; }

  static Result<std::vector<Schedule>> load(const std::string& data_dir, const std::vector<ReportKind>& kinds);
  static Status save(const std::string& data_dir, const std::vector<Schedule>& s);
  static Result<DataCheckOptions> datacheck_settings(const std::string& data_dir);
  static nlohmann::json state(const std::string& data_dir);

 private:
  Result<std::vector<std::string>> send(const Schedule& s, const ReportKind& k, const std::string& key, int64_t now, const std::string& by);
  void remember(const std::string& id, const std::string& key, int64_t now, const std::string& status);
  DutyOptions opt_;
  std::mutex mu_;  // one duty at a time (the minute's look, the console's 立即发送)
  std::map<std::string, int64_t> last_try_;
};

}  // namespace wardsec::ops
