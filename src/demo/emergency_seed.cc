// The demo hospital's emergency plans and drills (docs/emergency.md): each shipped template as
// a plan with the information department's people in its roles; most in force, one still a
// draft; last year's network drill held and evaluated (one failed step, one finding), this
// month's HIS downtime tabletop exercise scheduled, the power plan's drill overdue. Written
// once, into an empty emergency.db, with the clock set back so the dates tell that story.
#include "demo/emergency_seed.h"

#include <algorithm>
#include <map>

#include "core/timeutil.h"
#include "emergency/service.h"

namespace wardsec::demo {

namespace {

constexpr int64_t kMin = 60LL * 1000000000LL;
constexpr int64_t kDay = 1440 * kMin;

// Who fills which role in the demo hospital (DEMO-HOSPITAL.md: 信息科 has six people).
const std::map<std::string, std::pair<const char*, const char*>> kPeople = {
    {"应急领导小组组长（分管院领导）", {"周建国 副院长", "0000-12345601"}},
    {"信息科科长", {"张伟", "0000-12345602"}},
    {"系统管理员", {"王芳", "0000-12345603"}},
    {"网络管理员", {"李强", "0000-12345604"}},
    {"数据库管理员", {"陈静", "0000-12345605"}},
    {"安全管理员", {"杨敏", "0000-12345606"}},
    {"医务处、护理部值班负责人", {"医务处总值班", "0000-12345610"}},
    {"门诊部、收费处负责人", {"刘洋", "0000-12345611"}},
    {"厂商驻场工程师", {"HIS 厂商 赵工", "0000-12345620"}},
    {"总务科（供电、空调）", {"总务科值班", "0000-12345630"}},
    {"保卫科（公安联络）", {"保卫科 孙科长", "0000-12345640"}},
};

}  // namespace

Status seed_emergency(const std::string& data_dir, const std::string& templates_dir, int tz_sec, int64_t now) {
  int64_t t = now;
  auto svc = emergency::Service::open({data_dir, templates_dir, tz_sec}, [&t] { return t; });
  if (!svc) return Error{svc.error()};
  auto& s = (*svc)->store();
  auto existing = s.plans();
  if (!existing) return Error{existing.error()};
  if (!existing->empty()) return {};
  auto day = [&](int64_t ns) { return local_time(ns, tz_sec).substr(0, 10); };
  // Days ago each plan came into force (0: still a draft).
  const std::map<std::string, int> activated = {{"his-downtime", 400},      {"network-core", 400},  {"ransomware", 400},
                                                {"patient-data-leak", 200}, {"tongfang-leak", 200}, {"power-machine-room", 400},
                                                {"web-defacement", 150},    {"db-restore", 0}};
  std::map<std::string, int64_t> ids;
  for (const auto& tpl : (*svc)->templates()) {
    auto p = (*svc)->from_template(tpl.key, "zh");
    if (!p) return Error{p.error()};
    for (auto& r : p->roles)
      if (auto it = kPeople.find(r.role); it != kPeople.end()) {
        r.person = it->second.first;
        r.contact = it->second.second;
      }
    int ago = activated.count(tpl.key) ? activated.at(tpl.key) : 0;
    t = now - (ago ? ago + 10 : 5) * kDay;
    auto id = s.create_plan(*p, "secadmin");
    if (!id) return Error{id.error()};
    ids[tpl.key] = *id;
    if (!ago) continue;
    t = now - ago * kDay;
    if (Status st = (*svc)->activate(*id, "院长办公会审议通过（演示）", "secadmin"); !st) return st;
  }
  // A drill held and evaluated: every step recorded at its time, one failed.
  auto hold = [&](const std::string& key, int days_ago, const char* kind, const char* title, int failed, const char* why, int restored_min,
                  const std::string& summary, std::vector<emergency::Finding> findings) -> Status {
    if (!ids.count(key)) return {};
    t = now - (days_ago + 14) * kDay;
    int64_t start = now - days_ago * kDay + 9 * 60 * kMin - tz_sec * 1000000000LL;  // 09:00 local
    auto d = s.schedule_drill(ids[key], day(start), kind, title, "secadmin");
    if (!d) return Error{d.error()};
    t = start + kMin;
    if (Status st = s.start_drill(*d, start, "secadmin"); !st) return st;
    auto steps = s.drill(*d)->steps.size();
    for (size_t i = 1; i <= steps; i++) {
      t = start + static_cast<int64_t>(i) * 12 * kMin;
      if (Status st = s.record_step(*d, i, static_cast<int>(i) == failed ? "failed" : "ok", static_cast<int>(i) == failed ? why : "", 0,
                                    "secadmin");
          !st)
        return st;
    }
    if (Status st = s.set_participants(
            *d, {{"张伟", "信息科科长"}, {"李强", "网络管理员"}, {"王芳", "系统管理员"}, {"医务处总值班", "医务处"}}, "secadmin");
        !st)
      return st;
    t = std::max(t, start + restored_min * kMin) + 5 * kMin;
    if (Status st = s.mark_restored(*d, start + restored_min * kMin, "secadmin"); !st) return st;
    if (Status st = s.finish_drill(*d, 0, "secadmin"); !st) return st;
    t += 60 * kMin;
    auto tasks = (*svc)->evaluate(*d, summary, std::move(findings), "secadmin");
    return tasks ? Status{} : Status{Error{tasks.error()}};
  };
  if (Status st = hold("network-core", 300, "functional", "核心交换机主备切换演练", 3, "VRRP 备用成员未自动接管，人工切换用时 25 分钟", 95,
                       "链路切换在 RTO 内完成；VRRP 自动切换失效，已人工处置。",
                       {{"VRRP 备用成员未自动接管", "OM.EMG.b", "李强", day(now - 240 * kDay), {}}});
      !st)
    return st;
  if (Status st =
          hold("ransomware", 100, "tabletop", "勒索软件桌面推演", 0, "", 600, "隔离、报告、恢复流程清楚；离线备份恢复时间需实测。", {});
      !st)
    return st;
  t = now - 100 * kDay + 120 * kMin;
  if (ids.count("ransomware"))
    if (Status st = (*svc)->review(ids["ransomware"], "推演后评审：补充离线备份恢复实测要求", "secadmin"); !st) return st;
  t = now - 30 * kDay;
  if (ids.count("his-downtime"))
    if (Status st = (*svc)->review(ids["his-downtime"], "年度评审：更新停机应急包清单", "secadmin"); !st) return st;
  // This month's HIS downtime tabletop, scheduled for next week.
  t = now - 2 * kDay;
  if (ids.count("his-downtime"))
    if (auto d = s.schedule_drill(ids["his-downtime"], day(now + 7 * kDay), "tabletop", "HIS 停机转纸质流程桌面推演", "secadmin"); !d)
      return Error{d.error()};
  return {};
}

}  // namespace wardsec::demo
