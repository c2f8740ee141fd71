// Incidents opened by rules: an alert matching an auto_open rule opens an incident (or joins
// the one the same rule opened for the same system or asset).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/strutil.h"
#include "incident/service.h"

namespace wardsec::incident {

namespace {

constexpr size_t kMaxPending = 1000;
constexpr int64_t kJoinWindow = 24LL * 3600 * 1000000000LL;

// "his 医院信息系统 L3" → 3 (the detector's system label); 0 when unknown.
int system_level(const std::string& system) {
  auto p = system.rfind(" L");
  if (p == std::string::npos || p + 3 != system.size() || !is_digit(system[p + 2])) return 0;
  return system[p + 2] - '0';
}

}  // namespace

const AutoOpen* Service::matches(const alert::Alert& a) const {
  for (const auto& r : opt_.auto_open) {
    if (alert::level_rank(a.level) < alert::level_rank(r.min_level)) continue;
    if (r.system_level > 0 && system_level(a.system) < r.system_level) continue;
    if (!r.rule.empty() && !glob_match(a.rule_id, to_lower(r.rule)) && !glob_match(to_lower(a.rule_title), to_lower(r.rule)) &&
        !glob_match(a.rule_title_zh, r.rule))
      continue;
    return &r;
  }
  return nullptr;
}

void Service::consider(const alert::Alert& a) {
  const AutoOpen* r = matches(a);
  if (!r) return;
  {
    std::lock_guard lk(mu_);
    if (pending_.size() >= kMaxPending) {
      if (auto_dropped++ % 100 == 0)
        spdlog::error("incident auto-open: queue full ({} alerts); alert {} not considered ({} so far)", pending_.size(), a.id,
                      auto_dropped.load());
      return;
    }
    pending_.emplace_back(a, r);
  }
  cv_.notify_all();
}

void Service::open_for(const alert::Alert& a, const AutoOpen& rule) {
  std::string source = "rule:" + rule.name;
  std::string place = !a.system.empty() ? a.system : a.asset;
  alert::Alert copy = a;
  // An open incident the same rule (or one of the same category) opened for the same place
  // within a day takes the alert.
  IncidentFilter f;
  f.stage = "open";
  f.limit = 1000;
  if (auto open = store_->list(f)) {
    for (const auto& inc : *open) {
      bool kin =
          inc.source == source || (!rule.subcategory.empty() && inc.subcategory == rule.subcategory && starts_with(inc.source, "rule:"));
      if (!kin || store_->now() - inc.discovered > kJoinWindow) continue;
      auto links = store_->links(inc.id);
      bool same = false;
      if (links)
        for (const auto& l : *links) same = same || (l.kind == "asset" && (l.ref == place || l.ref == a.asset));
      if (!same) continue;
      auto st = store_->link(inc.id, {"alert", std::to_string(a.id), bilingual_title(a), "", 0}, "wardsec");
      if (st && !a.asset.empty()) st = store_->link(inc.id, {"asset", a.asset, a.system, "", 0}, "wardsec");
      if (!st) spdlog::error("incident {}: linking alert {}: {}", inc.id, a.id, st.error());
      auto_linked++;
      return;
    }
  }
  NewIncident n;
  n.title = bilingual_title(a) + (a.asset.empty() ? "" : " @ " + a.asset);
  n.description = fmt::format("由规则“{}”自动创建：告警 #{}（{}，{}）。\nOpened by the auto-open rule \"{}\" from alert #{}.\n{}",
                              rule.name, a.id, bilingual_title(a), a.level, rule.name, a.id, a.summary);
  n.subcategory = rule.subcategory;
  n.grade = rule.grade;
  if (rule.grade != Grade::kUngraded)
    n.grade_reason = fmt::format("自动立案规则“{}”定为{}，待研判确认 / set by the auto-open rule {} until triage confirms it", rule.name,
                                 grade_zh(rule.grade), rule.name);
  n.source = source;
  // Discovered when the center raised the alert (now): the clock starts then.
  if (int level = system_level(a.system); level > 0) n.impact.systems.emplace_back(a.system, level);
  n.links.push_back({"alert", std::to_string(a.id), bilingual_title(a), "", 0});
  if (!a.asset.empty()) n.links.push_back({"asset", a.asset, a.system, "", 0});
  if (!a.system.empty() && a.system != a.asset) n.links.push_back({"asset", a.system, "graded system", "", 0});
  auto id = store_->create(n, "wardsec");
  if (!id) {
    spdlog::error("incident auto-open for alert {}: {}", a.id, id.error());
    if (record) record("incident_open_failed", 0, fmt::format("alert {}: {}", a.id, id.error()));
    return;
  }
  auto_opened++;
  if (record) record("incident_opened", *id, fmt::format("rule {} from alert {}", rule.name, a.id));
  opened(*id);
}

}  // namespace wardsec::incident
