#include "emergency/service.h"

#include <fmt/format.h>
#include <openssl/sha.h>

#include <algorithm>
#include <filesystem>

#include "compliance/assessment.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"

namespace wardsec::emergency {

namespace {

std::string digest(const std::string& text) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  std::string hex;
  for (unsigned char c : md) hex += fmt::format("{:02x}", c);
  return hex;
}

std::string day_after(const std::string& today, int days) {
  int64_t ns = 0;
  if (!parse_rfc3339(today + "T00:00:00Z", ns)) return today;
  return format_rfc3339(ns + int64_t(days) * 86400 * 1000000000LL).substr(0, 10);
}

}  // namespace

Result<std::unique_ptr<Service>> Service::open(const Options& o, Store::Clock now) {
  std::unique_ptr<Service> s(new Service());
  s->opt_ = o;
  std::filesystem::create_directories(o.data_dir);
  auto st = Store::open(DataDir(o.data_dir).emergency_db(), std::move(now));
  if (!st) return Error{st.error()};
  s->store_ = std::move(*st);
  // No folder of templates (an installation without them): plans are written by hand.
  std::error_code ec;
  if (!o.templates_dir.empty() && std::filesystem::is_directory(o.templates_dir, ec)) {
    auto t = load_templates(o.templates_dir);
    if (!t) return Error{"emergency plan templates: " + t.error()};
    s->templates_ = std::move(*t);
  }
  return s;
}

const Template* Service::find_template(const std::string& key) const {
  for (const auto& t : templates_)
    if (t.key == key) return &t;
  return nullptr;
}

Result<Plan> Service::from_template(const std::string& key, const std::string& lang) const {
  const Template* t = find_template(key);
  if (!t) return Error{"no plan template '" + key + "' (GET /api/v1/emergency/templates lists them)"};
  if (lang != "zh" && lang != "en") return Error{"a template's language is zh or en"};
  auto p = parse_plan(lang == "zh" ? t->zh : t->en);
  if (!p || t->system_kinds.empty()) return p;
  // The hospital's own systems of the kinds the template is about.
  auto inv = compliance::Inventory::open(DataDir(opt_.data_dir).compliance_db());
  if (!inv) return Error{inv.error()};
  auto sys = (*inv)->systems();
  if (!sys) return Error{sys.error()};
  for (const auto& s : *sys)
    if (std::find(t->system_kinds.begin(), t->system_kinds.end(), s.kind) != t->system_kinds.end()) p->systems.push_back(s.id);
  return p;
}

Result<std::vector<std::string>> Service::systems_of(const Plan& p) {
  if (!p.systems.empty()) return p.systems;
  auto inv = compliance::Inventory::open(DataDir(opt_.data_dir).compliance_db());
  if (!inv) return Error{inv.error()};
  auto sys = (*inv)->systems();
  if (!sys) return Error{sys.error()};
  std::vector<std::string> out;
  for (const auto& s : *sys)
    if (s.level > 0) out.push_back(s.id);
  return out;
}

Status Service::evidence(const Plan& p, const std::vector<std::string>& items, const std::string& source, const std::string& text) {
  auto systems = systems_of(p);
  if (!systems) return Error{systems.error()};
  auto as = compliance::Assessments::open(DataDir(opt_.data_dir).compliance_db());
  if (!as) return Error{as.error()};
  for (const auto& sys : *systems)
    for (const auto& item : items)
      if (Status st = (*as)->add_evidence({sys, item, "record", source, text, store_->now()}); !st) return st;
  return {};
}

Status Service::activate(int64_t id, const std::string& note, const std::string& who) {
  if (Status st = store_->set_plan_status(id, "active", note, who); !st) return st;
  auto p = store_->plan(id);
  if (!p) return Error{p.error()};
  return evidence(*p, p->items, fmt::format("应急预案 #{} v{}", p->id, p->version),
                  fmt::format("《{}》 v{} 启用 / activated by {}; RTO {} 分钟, {} 个步骤 / steps; sha256 {}", p->title, p->version, who,
                              p->rto_minutes, p->steps.size(), digest(plan_body_json(*p).dump())));
}

Status Service::revise(int64_t id, const Plan& next, const std::string& note, const std::string& who) {
  if (Status st = store_->revise_plan(id, next, note, who); !st) return st;
  auto p = store_->plan(id);
  if (!p) return Error{p.error()};
  if (p->status != "active") return {};
  // A revised active plan is the plan now in force: its items get the new version, and the
  // revision itself is the 修订 that OM.EMG.d asks for.
  std::vector<std::string> items = p->items;
  items.push_back("OM.EMG.d");
  return evidence(*p, items, fmt::format("应急预案 #{} v{}", p->id, p->version),
                  fmt::format("《{}》 修订为 / revised to v{} by {}: {}; sha256 {}", p->title, p->version, who, note,
                              digest(plan_body_json(*p).dump())));
}

Status Service::review(int64_t id, const std::string& note, const std::string& who) {
  if (Status st = store_->review_plan(id, note, who); !st) return st;
  auto p = store_->plan(id);
  if (!p) return Error{p.error()};
  if (p->status != "active") return {};
  return evidence(*p, {"OM.EMG.d"}, fmt::format("应急预案 #{} v{} 评审", p->id, p->version),
                  fmt::format("《{}》 v{} 评审 / reviewed by {}: {}", p->title, p->version, who, note));
}

Result<std::vector<int64_t>> Service::evaluate(int64_t drill_id, const std::string& summary, std::vector<Finding> findings,
                                               const std::string& who) {
  if (Status st = store_->evaluate_drill(drill_id, summary, std::move(findings), who); !st) return Error{st.error()};
  auto d = store_->drill(drill_id);
  if (!d) return Error{d.error()};
  auto p = store_->plan(d->plan);
  if (!p) return Error{p.error()};
  auto systems = systems_of(*p);
  if (!systems) return Error{systems.error()};
  auto as = compliance::Assessments::open(DataDir(opt_.data_dir).compliance_db());
  if (!as) return Error{as.error()};
  std::string today = format_rfc3339(store_->now() + int64_t(opt_.tz_sec) * 1000000000LL).substr(0, 10);
  std::vector<int64_t> opened;
  for (size_t i = 0; i < d->findings.size(); i++) {
    const auto& f = d->findings[i];
    std::vector<int64_t> tasks;
    for (const auto& sys : *systems) {
      compliance::Rectification r;
      r.system = sys;
      r.item = f.item.empty() ? "OM.EMG.b" : f.item;
      r.owner = f.owner.empty() ? who : f.owner;
      r.plan = fmt::format("演练 #{} 发现 / drill finding {}: {}", d->id, i + 1, f.text);
      r.due = f.due.empty() ? day_after(today, 30) : f.due;
      r.created_by = who;
      r.created = store_->now();
      r.source = fmt::format("drill:{}", d->id);
      auto id = (*as)->add_rectification(r);
      if (!id) return Error{"drill " + std::to_string(d->id) + " finding " + std::to_string(i + 1) + ": " + id.error()};
      tasks.push_back(*id);
      opened.push_back(*id);
    }
    if (Status st = store_->set_finding_tasks(d->id, i, tasks); !st) return Error{st.error()};
  }
  size_t ok = 0, failed = 0, skipped = 0;
  for (const auto& s : d->steps) (s.result == "ok" ? ok : s.result == "failed" ? failed : skipped)++;
  auto rec = d->recovery_minutes();
  auto met = d->rto_met();
  std::string text = fmt::format(
      "《{}》 {} {}: 参与 {} 人 / participants; 步骤 / steps {} 完成 ok, {} 失败 failed, {} 跳过 skipped; RTO {} 分钟, 实际 / actual {}; "
      "发现 / findings {}; 评估 / evaluated by {}: {}",
      d->title, drill_kind_zh(d->kind), local_time(d->started, opt_.tz_sec).substr(0, 16), d->participants.size(), ok, failed, skipped,
      d->rto_minutes, rec ? fmt::format("{:.0f} 分钟 ({})", *rec, *met ? "达标 met" : "未达标 missed") : std::string("未测 not measured"),
      d->findings.size(), who, summary);
  for (const auto& sys : *systems)
    if (Status st = (*as)->add_evidence({sys, "OM.EMG.c", "record", fmt::format("演练记录 #{}", d->id), text, store_->now()}); !st)
      return Error{st.error()};
  return opened;
}

}  // namespace wardsec::emergency
