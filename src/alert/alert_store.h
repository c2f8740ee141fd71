// Alerts: what a rule or correlation raised, deduplicated, with its workflow state. Kept in
// SQLite (<data>/alerts.db, WAL) because alerts change state (acknowledged, closed as a true
// or false positive) and are listed by state, level, asset and time; every raise and every
// state change is also written into the tamper-evident event store as an event
// (event.kind:alert), so the trail is searchable and cannot be rewritten quietly.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

struct sqlite3;

namespace wardsec::alert {

enum class State { kNew, kAcknowledged, kClosedTruePositive, kClosedFalsePositive, kSuppressed };
const char* state_name(State s);  // "new", "acknowledged", "closed_tp", "closed_fp", "suppressed"
std::optional<State> parse_state(std::string_view s);
int level_rank(std::string_view level);  // informational 0 .. critical 4; unknown -1

// Values merged into an alert with how often each came, most first: at most kMaxCounted, the
// others summed under "".
using Counts = std::vector<std::pair<std::string, uint64_t>>;
inline constexpr size_t kMaxCounted = 50;
void merge_counts(Counts& into, const Counts& more, size_t max = kMaxCounted);

struct Alert {
  int64_t id = 0;
  std::string rule_id, rule_title, rule_kind;  // kind: "rule" or the correlation type
  std::string rule_title_zh;                   // the rule's Chinese title ("" none)
  std::string level;
  std::vector<std::string> attack;  // ATT&CK tags (attack.t1110 ...)
  std::vector<std::string> mlps;    // 等保 controls the rule supports (mlps.l3-ces1-02 ...)
  std::string dedup_key;
  std::string asset, zone, source_ip, user;
  std::string system;  // the graded system the asset belongs to (inventory), e.g. "his 医院信息系统 L3"
  Counts sources;      // the source addresses of every raise merged in (source_ip is the first)
  std::vector<std::pair<std::string, std::string>> group;  // correlation group-by values
  int64_t first_ts = 0, last_ts = 0, created = 0, updated = 0;
  uint64_t count = 1;            // raises merged into this alert
  std::vector<uint64_t> events;  // store references of (the last 64) matching events
  std::string summary;           // the first event's text, shortened
  State state = State::kNew;
  std::string state_by, comment;
  int64_t state_at = 0;
  std::string assignee;  // the account handling it ("" nobody yet)
  int64_t due = 0;       // when it must be handled by, ns (0: no time set)
};

struct HistoryEntry {
  int64_t at = 0;
  std::string who, from, to, comment;
};

struct Suppression {
  int64_t id = 0;
  std::string rule_id;  // "" any rule
  std::string field;    // asset, source_ip, user, zone ("" any)
  std::string value;
  int64_t until = 0;  // ns
  std::string who, reason;
  int64_t created = 0;
  uint64_t hits = 0;
};

struct AlertQuery {
  std::string state;  // a state name, "open" (new + acknowledged) or "" for all
  std::string min_level;
  std::string rule;            // rule id or title substring
  std::string asset;           // asset, zone or source address substring
  std::string text;            // anywhere in either title, summary, asset, user
  std::string assignee;        // exactly this account; "-" nobody
  int64_t from = 0, to = 0;    // created, ns; 0: unbounded
  bool by_event_time = false;  // from/to bound the first event's time instead (a month's report)
  size_t limit = 100, offset = 0;
  std::string sort = "id";  // id, created, last, level, count, asset; triage: worst level, then oldest
  bool ascending = false;
};

struct RaiseResult {
  int64_t id = 0;
  bool created = false;     // a new alert (notify); false: merged into an open one
  bool suppressed = false;  // matched a suppression window
};

class AlertStore {
 public:
  static Result<std::unique_ptr<AlertStore>> open(const std::string& path);
  ~AlertStore();
  // A new raise: merged into the open alert with the same dedup key when that alert's last
  // event is less than `dedup_ns` older; stored as suppressed when a suppression matches.
  Result<RaiseResult> raise(const Alert& a, int64_t dedup_ns, int64_t now);
  // Repeats the detector merged in memory, written in one transaction. For each: true when
  // applied, false when the alert is no longer open (closed meanwhile: raise anew).
  struct Repeat {
    int64_t id = 0;
    uint64_t count = 0;
    int64_t last_ts = 0;
    std::vector<uint64_t> events;
    Counts sources;
  };
  Result<std::vector<bool>> add_repeats(const std::vector<Repeat>& reps, int64_t now);
  Status set_state(int64_t id, State to, const std::string& who, const std::string& comment, int64_t now);
  // Gives an open alert to an account with a time to handle it by (0: none); recorded in
  // its history with who did it.
  Status assign(int64_t id, const std::string& to, int64_t due, const std::string& who, int64_t now);
  Result<Alert> get(int64_t id);
  Result<std::vector<Alert>> query(const AlertQuery& q);
  Result<uint64_t> count(const AlertQuery& q);
  Result<std::vector<HistoryEntry>> history(int64_t id);
  Result<int64_t> add_suppression(const Suppression& s);
  Result<std::vector<Suppression>> suppressions(int64_t now, bool include_expired);
  Status remove_suppression(int64_t id);
  // Whether a suppression window holds the alert now (the detector keeps suppressed raises
  // apart from open ones before merging them in memory).
  bool suppressed(const Alert& a, int64_t now);
  // The detection cursor: the last event reference detection finished (for catch-up after a
  // crash). Stored with the alerts so both move together.
  Result<std::optional<uint64_t>> cursor();
  Status set_cursor(uint64_t ref);

 private:
  AlertStore() = default;
  sqlite3* db_ = nullptr;
  std::mutex mu_;  // one connection, shared by the detection thread and the API
  // The windows, read again after a change (mu_ held).
  std::vector<Suppression> windows_;
  bool windows_stale_ = true;
  Result<int64_t> window_for(const Alert& a, int64_t now);
};

// The rule's title as people outside the console read it (mail, syslog, incident titles):
// "中文 / English", or the one there is.
std::string bilingual_title(const Alert& a);

// JSON of one alert (ECS-style keys: rule.id, rule.name, event.severity_name, ...).
std::string alert_to_json(const Alert& a);

}  // namespace wardsec::alert
