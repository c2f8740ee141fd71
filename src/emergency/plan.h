// Emergency plans (应急预案) and drills (演练) as data: what a plan holds (scope, roles and
// contacts, trigger conditions, steps with owners, the recovery time objective, the 等保 items
// it evidences), what a drill records, and how both are read from outside (the API's JSON,
// the shipped hospital templates under plans/templates/; fuzzed: tests/fuzz).
//
// GB/T 22239-2019 8.1.10.12 应急预案管理 (catalog ids OM.EMG.a-d) asks for a plan framework,
// plans for important events with handling and recovery steps, training and periodic drills,
// and periodic re-evaluation of the plans; the 《医疗卫生机构网络安全管理办法》 (2022) asks for
// plans that keep medical work going and for drills. docs/emergency.md.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wardsec::emergency {

struct Role {
  std::string role, person, contact;  // 角色 (e.g. 信息科科长), who, how to reach them
};

struct Step {
  std::string title, owner, detail;  // owner: one of the plan's roles
  int minutes = 0;                   // the step's target time (0: none)
};

struct Plan {
  int64_t id = 0;
  std::string title;
  std::string scenario = "custom";   // the template it came from (his-downtime, ransomware ...) or custom
  std::string scope;                 // 适用范围
  std::vector<std::string> systems;  // graded systems it covers (inventory ids); empty: the whole hospital
  std::vector<Role> roles;
  std::vector<std::string> triggers;  // 启动条件
  std::vector<Step> steps;
  int rto_minutes = 0;             // 恢复时间目标
  std::vector<std::string> items;  // catalog ids it evidences (OM.EMG.a, OM.EMG.b ...)
  std::string subcategory;         // GB/T 20986-2023 code an incident started from it takes ("" none)
  int drill_days = 365;            // a drill at least this often (at most 365: yearly)
  int review_days = 365;           // re-evaluated at least this often
  std::string status = "draft";    // draft, active, retired
  int version = 0;
  int64_t created = 0, updated = 0, reviewed = 0;  // ns
  std::string created_by, updated_by, reviewed_by;
};

// The parts a person writes, as JSON (the API's body, a version's snapshot) and back. An
// error names the field and what is wrong with it.
nlohmann::json plan_body_json(const Plan& p);
Result<Plan> parse_plan(const nlohmann::json& body);
Result<Plan> parse_plan_text(std::string_view text);
// The whole plan as the API shows it: the body with id, status, version and times.
nlohmann::json plan_json(const Plan& p);

// A shipped template: one scenario in Chinese and English, each a plan body, and the kinds of
// graded system it is about (the inventory's kind column: his, emr, website ...; none: the
// whole hospital), which pick the hospital's own systems when a plan is made from it.
struct Template {
  std::string key;
  nlohmann::json zh, en;
  std::vector<std::string> system_kinds;
};
// Reads plans/templates/*.json (key, system_kinds, zh, en and the fields both share); each
// language's body must parse as a plan.
Result<std::vector<Template>> load_templates(const std::string& dir);
Result<Template> parse_template(std::string_view text, const std::string& name);

// Drills.
struct DrillStep {
  std::string title, owner;
  int minutes = 0;
  int64_t done_at = 0;  // ns; 0 not yet
  std::string result;   // ok, failed, skipped ("" not yet)
  std::string done_by, note;
};
struct Participant {
  std::string name, role;
};
struct Finding {
  std::string text, item, owner, due;  // item: the catalog id the rectification task is for
  std::vector<int64_t> tasks;          // the rectification tasks opened (one per system)
};

struct Drill {
  int64_t id = 0, plan = 0;
  int plan_version = 0;
  std::string title;
  std::string kind = "tabletop";                 // tabletop (桌面推演), functional (功能演练), full (实战演练)
  std::string scheduled;                         // YYYY-MM-DD
  std::string status = "scheduled";              // scheduled, running, done, cancelled
  int64_t started = 0, restored = 0, ended = 0;  // ns; restored: the service back (RTO measured to it)
  int rto_minutes = 0;                           // the plan's when scheduled
  std::vector<Participant> participants;
  std::vector<DrillStep> steps;
  std::vector<Finding> findings;
  std::string summary;  // 评估: what went well, what failed
  int64_t evaluated = 0;
  std::string evaluated_by, created_by, cancel_reason;
  int64_t created = 0;
  // Minutes from start to restored (nullopt: not measured); met when within the RTO.
  std::optional<double> recovery_minutes() const;
  std::optional<bool> rto_met() const;
};

const char* drill_kind_zh(std::string_view kind);
bool valid_day(const std::string& yyyy_mm_dd);  // a real calendar date
bool valid_drill_kind(std::string_view kind);
nlohmann::json drill_json(const Drill& d);
// A person's part of a drill from the API (participants, findings), checked.
Status parse_drill_body(const nlohmann::json& j, Drill& d);

}  // namespace wardsec::emergency
