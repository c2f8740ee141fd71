#include "mgmt/checks.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "compliance/assessment.h"
#include "compliance/inventory.h"
#include "core/timeutil.h"

namespace wardsec::mgmt {

namespace {

using json = nlohmann::json;

std::string str(const json& d, const char* k) { return d.contains(k) && d[k].is_string() ? d[k].get<std::string>() : ""; }

std::string plus_days(const std::string& date, int64_t days) {
  auto d = compliance::date_days(date);
  if (!d) return "";
  return format_rfc3339((*d + days) * 86400 * kSec).substr(0, 10);
}

// Days from a to b (b - a); 0 when either is no date.
int64_t span(const std::string& a, const std::string& b) {
  auto x = compliance::date_days(a), y = compliance::date_days(b);
  return x && y ? *y - *x : 0;
}

std::string title_of(const Kind& k, const Record& r) {
  std::string t = str(r.data, k.title_field.c_str());
  return t.empty() ? k.zh + " #" + std::to_string(r.id) : t;
}

const std::vector<Record>& of_kind(const RecordSets& sets, const std::string& kind) {
  static const std::vector<Record> none;
  auto it = sets.find(kind);
  return it == sets.end() ? none : it->second;
}

bool active(const Kind& k, const Record& r, const std::string& today) { return !r.withdrawn && (!k.active || k.active(r.data, today)); }

std::vector<std::string> list_of(const json& d, const char* k) {
  std::vector<std::string> out;
  if (d.contains(k) && d[k].is_array())
    for (const auto& v : d[k])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

Result<RecordSets> read_all(Records& rs) {
  RecordSets sets;
  for (const auto& k : kinds()) {
    auto l = rs.list(k.name);
    if (!l) return Error{l.error()};
    sets[k.name] = std::move(*l);
  }
  return sets;
}

std::string fresh_until(const Kind& k, const json& data) {
  if (k.date_fields.empty() || k.fresh_days <= 0) return "";
  std::string d = k.date_of(data);
  return d.empty() ? "" : plus_days(d, k.fresh_days);
}

bool stale(const Kind& k, const json& data, const std::string& today) {
  if (k.date_fields.empty() || k.fresh_days <= 0) return false;
  std::string until = fresh_until(k, data);
  return until.empty() || today > until;
}

std::map<std::string, std::vector<RecordLink>> evidence_index(const RecordSets& sets, const std::string& today) {
  std::map<std::string, std::vector<RecordLink>> out;
  for (const auto& k : kinds())
    for (const auto& r : of_kind(sets, k.name)) {
      if (!active(k, r, today)) continue;
      RecordLink l{k.name, r.id, title_of(k, r),     k.date_of(r.data), fresh_until(k, r.data), !stale(k, r.data, today),
                   "",     "",   k.system_of(r.data)};
      if (!l.fresh && l.date.empty()) {
        l.why_stale_zh = "记录没有日期";
        l.why_stale_en = "the record has no date";
      } else if (!l.fresh) {
        l.why_stale_zh = "已超过 " + std::to_string(k.fresh_days) + " 天（" + l.date + "）";
        l.why_stale_en = "older than " + std::to_string(k.fresh_days) + " days (" + l.date + ")";
      }
      for (const auto& item : k.items_of(r.data)) out[item].push_back(l);
    }
  return out;
}

std::vector<RecordLink> links_for(const std::map<std::string, std::vector<RecordLink>>& index, const std::string& item,
                                  const std::string& system) {
  std::vector<RecordLink> out;
  auto it = index.find(item);
  if (it == index.end()) return out;
  for (const auto& l : it->second)
    if (l.system.empty() || l.system == system) out.push_back(l);
  return out;
}

std::vector<Coverage> training_coverage(const RecordSets& sets, int year) {
  std::string y = std::to_string(year), start = y + "-01-01", end = y + "-12-31";
  std::set<std::string> trained;
  for (const auto& t : of_kind(sets, "training"))
    if (!t.withdrawn && str(t.data, "date").substr(0, 4) == y)
      for (const auto& n : list_of(t.data, "attendees")) trained.insert(n);
  std::map<std::string, Coverage> by;
  for (const auto& p : of_kind(sets, "person")) {
    if (p.withdrawn) continue;
    std::string joined = str(p.data, "joined"), left = str(p.data, "left");
    if ((!joined.empty() && joined > end) || (!left.empty() && left < start)) continue;
    std::string dept = str(p.data, "department"), name = str(p.data, "name");
    Coverage& c = by[dept];
    c.department = dept;
    c.staff++;
    if (trained.count(name))
      c.trained++;
    else
      c.untrained.push_back(name);
  }
  std::vector<Coverage> out;
  for (auto& [d, c] : by) out.push_back(std::move(c));
  return out;
}

std::vector<AccountGap> revocation_gaps(const RecordSets& sets, const std::vector<LiveAccount>& live, const std::string& today) {
  std::vector<AccountGap> out;
  auto check = [&](const char* kind, const Record& r, const std::string& owner, const std::string& ended,
                   const std::vector<std::string>& users) {
    if (ended.empty() || ended > today) return;
    for (const auto& u : users)
      for (const auto& a : live)
        if (a.user == u) out.push_back({kind, r.id, owner, ended, u, a.where});
  };
  for (const auto& p : of_kind(sets, "person"))
    if (!p.withdrawn) check("person", p, str(p.data, "name"), str(p.data, "left"), list_of(p.data, "accounts"));
  for (const auto& s : of_kind(sets, "supplier"))
    if (!s.withdrawn) check("supplier", s, str(s.data, "name"), str(s.data, "contract_end"), list_of(s.data, "remote_accounts"));
  return out;
}

std::vector<LiveAccount> unowned_accounts(const RecordSets& sets, const std::vector<LiveAccount>& live, const std::string& today) {
  std::set<std::string> owned;
  for (const auto& p : of_kind(sets, "person"))
    if (!p.withdrawn && (str(p.data, "left").empty() || str(p.data, "left") > today))
      for (const auto& u : list_of(p.data, "accounts")) owned.insert(u);
  for (const auto& s : of_kind(sets, "supplier"))
    if (!s.withdrawn && (str(s.data, "contract_end").empty() || str(s.data, "contract_end") >= today))
      for (const auto& u : list_of(s.data, "remote_accounts")) owned.insert(u);
  std::vector<LiveAccount> out;
  for (const auto& a : live)
    if (!owned.count(a.user)) out.push_back(a);
  return out;
}

DataSummary data_summary(const RecordSets& sets, const std::string& system) {
  DataSummary d;
  for (const auto& r : of_kind(sets, "data_asset")) {
    if (r.withdrawn || str(r.data, "system") != system) continue;
    d.assets++;
    d.items.push_back(&r);
    std::string g = str(r.data, "grade"), p = str(r.data, "personal");
    d.core += g == "核心数据";
    d.important += g == "重要数据";
    d.personal += p == "个人信息";
    d.sensitive_personal += p == "敏感个人信息";
  }
  if (d.assets == 0) return d;
  d.text_zh = "数据分类分级：登记数据 " + std::to_string(d.assets) + " 项，其中核心数据 " + std::to_string(d.core) + " 项、重要数据 " +
              std::to_string(d.important) + " 项，含敏感个人信息 " + std::to_string(d.sensitive_personal) + " 项、个人信息 " +
              std::to_string(d.personal) + " 项；业务信息受到破坏时的侵害程度应考虑这些数据。";
  d.text_en = "Data classification: " + std::to_string(d.assets) + " data assets, " + std::to_string(d.core) + " core and " +
              std::to_string(d.important) + " important, " + std::to_string(d.sensitive_personal) +
              " with sensitive personal information and " + std::to_string(d.personal) +
              " with personal information; the harm to business information should weigh them.";
  return d;
}

std::vector<std::string> sensitive_tables(const RecordSets& sets) {
  std::set<std::string> out;
  for (const auto& r : of_kind(sets, "data_asset")) {
    if (r.withdrawn) continue;
    std::string g = str(r.data, "grade");
    if (g != "核心数据" && g != "重要数据" && str(r.data, "personal") != "敏感个人信息") continue;
    for (const auto& t : list_of(r.data, "db_objects")) {
      std::string bare = t.substr(t.rfind('.') == std::string::npos ? 0 : t.rfind('.') + 1);
      std::transform(bare.begin(), bare.end(), bare.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!bare.empty()) out.insert(bare);
    }
  }
  return {out.begin(), out.end()};
}

bool change_approved(const json& data) {
  std::string st = str(data, "status");
  return st == "已批准" || st == "已实施" || st == "已回退";
}

int64_t approved_by_another(const std::vector<Record>& versions) {
  for (const auto& v : versions) {
    if (v.withdrawn) return 0;
    if (!change_approved(v.data)) continue;
    return v.version > 1 && v.by != v.created_by ? v.at : 0;
  }
  return 0;
}

const Record* covering_change(const RecordSets& sets, const std::vector<std::string>& names, const std::string& local,
                              const std::function<bool(const Record&)>& accept) {
  for (const auto& c : of_kind(sets, "change")) {
    if (c.withdrawn || !change_approved(c.data)) continue;
    std::string from = str(c.data, "window_start"), to = str(c.data, "window_end");
    if (from.empty() || to.empty() || local < from || local > to) continue;
    for (const auto& t : list_of(c.data, "targets"))
      if ((t == "*" || std::find(names.begin(), names.end(), t) != names.end()) && (!accept || accept(c))) return &c;
  }
  return nullptr;
}

Result<std::vector<Graded>> read_graded(const std::string& compliance_db, int tz_sec) {
  auto inv = compliance::Inventory::open(compliance_db);
  auto as = compliance::Assessments::open(compliance_db);
  if (!inv || !as) return Error{!inv ? inv.error() : as.error()};
  auto systems = (*inv)->systems();
  if (!systems) return Error{systems.error()};
  std::vector<Graded> out;
  for (const auto& s : *systems) {
    Graded g{s.id, s.name, s.level, ""};
    if (auto gs = (*as)->gradings(s.id); gs && !gs->empty()) g.graded = format_rfc3339(gs->back().at + tz_sec * kSec).substr(0, 10);
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<Reminder> filing_reminders(const RecordSets& sets, const std::vector<Graded>& systems, const std::string& today) {
  static const char* kLevels[] = {"", "第一级", "第二级", "第三级", "第四级", "第五级"};
  std::vector<Reminder> out;
  for (const auto& g : systems) {
    if (g.level < 2) continue;
    const Record* f = nullptr;
    for (const auto& r : of_kind(sets, "filing"))
      if (!r.withdrawn && str(r.data, "system") == g.system) f = &r;  // the newest
    std::string title = g.name.empty() ? g.system : g.name;
    if (f && !str(f->data, "certificate_no").empty()) {
      if (g.level <= 5 && str(f->data, "level") != kLevels[g.level])
        out.push_back({"filing", f->id, title,
                       "备案等级（" + str(f->data, "level") + "）与当前定级（" + kLevels[g.level] + "）不一致，须重新备案",
                       "filed at " + str(f->data, "level") + ", graded at level " + std::to_string(g.level) + ": file again", "", true});
      continue;
    }
    std::string from = g.graded;
    if (f)
      for (const char* k : {"graded", "go_live"})
        if (str(f->data, k) > from) from = str(f->data, k);
    if (f && !str(f->data, "filed").empty()) {
      out.push_back({"filing", f->id, title, "已提交备案（" + str(f->data, "filed") + "），待公安机关出具备案证明",
                     "filed on " + str(f->data, "filed") + ", waiting for the certificate", "", false});
      continue;
    }
    if (from.empty()) {
      out.push_back({"filing", f ? f->id : 0, title, "第" + std::to_string(g.level) + "级系统尚未定级备案",
                     "a level " + std::to_string(g.level) + " system, not yet filed", "", true});
      continue;
    }
    std::string due = plus_days(from, 30);
    out.push_back({"filing", f ? f->id : 0, title, "定级备案期限（定级或投入运行后 30 日内）",
                   "filing deadline (30 days after grading or going live)", due, due < today});
  }
  return out;
}

const std::vector<std::pair<std::string, std::vector<std::string>>>& inspection_checklists() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> all = {
      {"机房",
       {"门禁与出入登记", "外来人员陪同与登记", "温湿度", "UPS 与供配电", "空调", "消防设施与灭火器有效期", "漏水检测", "防雷接地",
        "机柜整洁与线缆标识"}},
      {"终端",
       {"防病毒软件运行且病毒库最新", "操作系统补丁", "屏幕保护与锁屏", "弱口令与共享账号", "违规外联与无线网卡", "移动介质使用",
        "违规软件"}},
      {"服务器",
       {"账户与口令策略", "登录失败锁定与超时退出", "审计服务开启", "高危漏洞与补丁", "不必要的服务与端口", "防恶意代码",
        "磁盘与资源使用"}},
      {"网络",
       {"安全区域边界访问控制策略", "无用策略清理", "设备管理经堡垒机且加密", "设备口令与默认账户", "配置备份", "设备日志发往日志审计",
        "违规接入"}},
      {"备份", {"备份作业成功", "异地备份", "备份介质与保存期", "恢复演练记录"}},
      {"制度执行", {"制度年度评审", "人员培训记录", "变更单与审批", "运维操作记录", "安全事件报告与处置记录", "外包人员访问登记"}},
      {"医疗设备", {"设备所在网络隔离", "老旧系统的补偿措施", "厂商远程维护经审批", "设备互联网访问"}},
  };
  return all;
}

std::vector<Reminder> reminders(const RecordSets& sets, const std::string& today, int ahead_days) {
  std::vector<Reminder> out;
  auto due = [&](const std::string& kind, const Record& r, const std::string& title, const std::string& date, const std::string& zh,
                 const std::string& en) {
    if (date.empty()) return;
    if (span(today, date) <= ahead_days) out.push_back({kind, r.id, title, zh, en, date, date < today});
  };
  auto missing = [&](const std::string& kind, const Record& r, const std::string& title, const std::string& zh, const std::string& en) {
    out.push_back({kind, r.id, title, zh, en, "", true});
  };
  const Kind* policy = find_kind("policy");
  for (const auto& p : of_kind(sets, "policy"))
    if (active(*policy, p, today))
      due("policy", p, title_of(*policy, p), plus_days(policy->date_of(p.data), 365), "制度年度评审", "the policy's yearly review");
  const Kind* person = find_kind("person");
  for (const auto& p : of_kind(sets, "person")) {
    if (p.withdrawn) continue;
    std::string name = title_of(*person, p);
    if (active(*person, p, today) && p.data.value("key_post", false)) {
      if (str(p.data, "nda").empty()) missing("person", p, name, "关键岗位未签保密协议", "key post without a confidentiality agreement");
      if (str(p.data, "background_check").empty())
        missing("person", p, name, "关键岗位未做背景审查", "key post without a background check");
      if (str(p.data, "duty_agreement").empty())
        missing("person", p, name, "关键岗位未签岗位责任协议", "key post without a responsibility agreement");
    }
    if (!str(p.data, "left").empty() && str(p.data, "left") <= today && str(p.data, "exit_done").empty())
      missing("person", p, name, "已离岗，调离手续未办结", "left, the leaving procedure is not done");
  }
  const Kind* supplier = find_kind("supplier");
  for (const auto& s : of_kind(sets, "supplier")) {
    if (!active(*supplier, s, today)) continue;
    std::string name = title_of(*supplier, s);
    if (str(s.data, "nda").empty()) missing("supplier", s, name, "未签保密协议", "no confidentiality agreement");
    std::string last = str(s.data, "last_assessment");
    if (last.empty())
      missing("supplier", s, name, "从未评估", "never assessed");
    else
      due("supplier", s, name, plus_days(last, 365), "供应商年度评估", "the supplier's yearly assessment");
    due("supplier", s, name, str(s.data, "contract_end"), "合同到期", "the contract ends");
  }
  // What the hospital documents ask for and nothing on file shows.
  Record none;
  // The posts (OR.POS, OR.STF): the leadership group's head, the security lead, the three
  // administrators held by three different people, a full-time security administrator.
  std::map<std::string, std::vector<const Record*>> by_role;
  for (const auto& p : of_kind(sets, "person"))
    if (active(*person, p, today)) by_role[str(p.data, "role")].push_back(&p);
  for (const char* post : {"网络安全领导小组组长", "安全主管", "系统管理员", "审计管理员", "安全管理员"})
    if (by_role[post].empty())
      missing("person", none, post, std::string("没有在岗的“") + post + "”", std::string("nobody on post as ") + post);
  if (!by_role["安全管理员"].empty() && std::none_of(by_role["安全管理员"].begin(), by_role["安全管理员"].end(),
                                                     [](const Record* p) { return p->data.value("full_time", false); }))
    missing("person", *by_role["安全管理员"].front(), "安全管理员", "安全管理员须为专职（OR.STF.b）",
            "the security administrator is to be full-time (OR.STF.b)");
  const char* three[] = {"系统管理员", "审计管理员", "安全管理员"};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      for (const auto* a : by_role[three[i]])
        for (const auto* b : by_role[three[j]])
          if (str(a->data, "name") == str(b->data, "name"))
            missing("person", *a, str(a->data, "name"), std::string("同一人兼任") + three[i] + "和" + three[j] + "（三员须分设）",
                    std::string("one person holds both ") + three[i] + " and " + three[j] + " (三员 are three people)");
  for (const char* cat : {"总体方针", "网络安全", "主机安全", "数据备份", "事件报告", "应急响应", "安全培训", "供应商管理", "机房管理",
                          "变更管理", "口令管理"}) {
    bool have = std::any_of(of_kind(sets, "policy").begin(), of_kind(sets, "policy").end(),
                            [&](const Record& p) { return active(*policy, p, today) && str(p.data, "category") == cat; });
    if (!have) missing("policy", none, cat, std::string("缺少生效的“") + cat + "”类制度", std::string("no policy in force for ") + cat);
  }
  auto last = [&](const char* kind, const std::function<bool(const Record&)>& which) {
    std::string d;
    for (const auto& r : of_kind(sets, kind))
      if (!r.withdrawn && which(r) && str(r.data, "date") > d) d = str(r.data, "date");
    return d;
  };
  std::string routine = last("inspection", [](const Record&) { return true; });
  std::string full = last("inspection", [](const Record& r) { return str(r.data, "type") == "全面检查"; });
  if (routine.empty())
    missing("inspection", none, "常规安全检查", "从未开展安全检查", "no inspection on file");
  else
    due("inspection", none, "常规安全检查", plus_days(routine, 92), "常规安全检查（每季度）", "the quarterly routine inspection");
  if (full.empty())
    missing("inspection", none, "全面安全检查", "从未开展全面安全检查", "no full inspection on file");
  else
    due("inspection", none, "全面安全检查", plus_days(full, 365), "全面安全检查（每年）", "the yearly full inspection");
  std::string trained = last("training", [](const Record&) { return true; });
  if (trained.substr(0, 4) != today.substr(0, 4))
    missing("training", none, "全院安全培训", "本年度尚未开展安全培训", "no training held this year");
  int year = std::atoi(today.substr(0, 4).c_str());
  for (const auto& c : training_coverage(sets, year))
    for (const auto& n : c.untrained) {
      Record rec;
      for (const auto& p : of_kind(sets, "person"))
        if (str(p.data, "name") == n && str(p.data, "department") == c.department) rec = p;
      due("person", rec, n, today.substr(0, 4) + "-12-31", "本年度尚未参加安全培训（" + c.department + "）",
          "not trained this year (" + c.department + ")");
    }
  std::sort(out.begin(), out.end(), [](const Reminder& a, const Reminder& b) {
    if (a.overdue != b.overdue) return a.overdue;
    return a.due < b.due;
  });
  return out;
}

}  // namespace wardsec::mgmt
