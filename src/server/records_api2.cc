// The management records' summary (reminders, training coverage, accounts of people who left,
// sessions and configuration changes without an approved change) and the kind-specific actions:
// the policy templates, a training's sign-in sheet, an inspection's findings as rectification
// tasks.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "bastion/service.h"
#include "compliance/assessment.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "mgmt/exchange.h"
#include "ops/config/watcher.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/records_api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kLookbackDays = 30;

// Every account that still lets someone in: the center's (not disabled), the bastion's grants
// (enabled, not expired) and operators' SSH keys.
std::vector<mgmt::LiveAccount> live_accounts(Api& api, int64_t now) {
  std::vector<mgmt::LiveAccount> out;
  if (auto accs = api.auth.accounts())
    for (const auto& a : *accs)
      if (!a.disabled) out.push_back({a.name, "中心账号 / center account"});
  if (!api.opt.bastion) return out;
  auto& db = api.opt.bastion->db();
  if (auto gs = db.grants())
    for (const auto& g : *gs)
      if (g.enabled && (g.expires == 0 || g.expires > now))
        for (const auto& s : g.subjects)
          if (s.rfind("group:", 0) != 0) out.push_back({s, "堡垒机授权 / bastion grant: " + g.name});
  if (auto ks = db.keys(""))
    for (const auto& k : *ks) out.push_back({k.user, "堡垒机公钥 / bastion SSH key: " + k.fingerprint});
  return out;
}

std::string local_minute(const Api& api, int64_t ns) {
  std::string s = format_rfc3339(ns + api.opt.tz_sec * kSec).substr(0, 16);
  if (s.size() == 16) s[10] = ' ';
  return s;
}

// Bastion sessions and configuration changes of the last 30 days that no change approved (in
// wardsec, by a second account, before the work) covers.
json without_change(Api& api, mgmt::Records& rs, const mgmt::RecordSets& sets, int64_t now) {
  json sessions = json::array(), configs = json::array();
  int64_t from = now - kLookbackDays * 86400 * kSec;
  if (api.opt.bastion) {
    bastion::SessionFilter f;
    f.from = from;
    f.to = now;
    f.limit = 500;
    std::map<int64_t, int64_t> approved;  // each change's approval time, its history read once
    auto approval = [&](int64_t id) {
      auto it = approved.find(id);
      if (it != approved.end()) return it->second;
      auto h = rs.history("change", id);
      return approved[id] = h ? mgmt::approved_by_another(*h) : 0;
    };
    if (auto ss = api.opt.bastion->db().sessions(f))
      for (const auto& s : *ss) {
        std::string at = local_minute(api, s.started);
        auto approved_before = [&](const mgmt::Record& c) {
          int64_t when = approval(c.id);
          return when != 0 && when <= s.started;
        };
        if (mgmt::covering_change(sets, {s.asset, s.host}, at, approved_before)) continue;
        sessions.push_back({{"id", s.id}, {"user", s.user}, {"asset", s.asset}, {"account", s.account}, {"started", at}, {"kind", s.kind}});
      }
  }
  if (api.opt.configs)
    if (auto vs = api.opt.configs->store().changes(from, now, 500))
      for (const auto& v : *vs)
        if (v.planned.empty())
          configs.push_back(
              {{"id", v.id}, {"device", v.device}, {"at", local_minute(api, v.changed_at ? v.changed_at : v.ts)}, {"users", v.users}});
  return {{"days", kLookbackDays}, {"sessions", sessions}, {"configs", configs}};
}

// GET /api/v1/records/summary?year=
Response summary(Api& api, Request& r) {
  RecordsCtx c = open_records(api, "");
  if (!c.error.empty()) return fail(c.status, c.error);
  auto sets = mgmt::read_all(*c.rs);
  if (!sets) return fail(500, sets.error());
  std::string today = local_today(api);
  int year = r.query["year"].empty() ? std::atoi(today.substr(0, 4).c_str()) : std::atoi(r.query["year"].c_str());
  if (year < 2000 || year > 2100) return fail(400, "year: 年份须在 2000 到 2100 之间 / the year lies in 2000-2100");
  int64_t now = now_ns();
  json cov = json::array();
  for (const auto& cv : mgmt::training_coverage(*sets, year))
    cov.push_back({{"department", cv.department}, {"staff", cv.staff}, {"trained", cv.trained}, {"untrained", cv.untrained}});
  auto live = live_accounts(api, now);
  json gaps = json::array(), unowned = json::array(), rem = json::array();
  for (const auto& g : mgmt::revocation_gaps(*sets, live, today))
    gaps.push_back({{"kind", g.kind}, {"id", g.id}, {"owner", g.owner}, {"ended", g.ended}, {"user", g.user}, {"where", g.where}});
  for (const auto& a : mgmt::unowned_accounts(*sets, live, today)) unowned.push_back({{"user", a.user}, {"where", a.where}});
  auto all_rem = all_reminders(api);
  if (!all_rem) return fail(500, all_rem.error());
  for (const auto& m : *all_rem)
    rem.push_back(
        {{"kind", m.kind}, {"id", m.id}, {"title", m.title}, {"zh", m.what_zh}, {"en", m.what_en}, {"due", m.due}, {"overdue", m.overdue}});
  size_t fresh = 0, stale = 0;
  for (const auto& [item, links] : mgmt::evidence_index(*sets, today))
    (std::any_of(links.begin(), links.end(), [](const auto& l) { return l.fresh; }) ? fresh : stale)++;
  json counts = json::object();
  for (const auto& [k, l] : *sets) counts[k] = l.size();
  return ok({{"today", today},
             {"year", year},
             {"counts", counts},
             {"reminders", rem},
             {"training_coverage", cov},
             {"revocation_gaps", gaps},
             {"unowned_accounts", unowned},
             {"without_change", without_change(api, *c.rs, *sets, now)},
             {"evidence", {{"items_fresh", fresh}, {"items_stale", stale}}}});
}

// The policy templates: policies/templates/<key>.md, whose first lines are "# 标题" and
// "类别：<category>".
struct PolicyTemplate {
  std::string key, title, category, text;
};

std::vector<PolicyTemplate> policy_templates(const Api& api) {
  std::vector<PolicyTemplate> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(api.opt.policy_templates_dir, ec)) {
    if (e.path().extension() != ".md" || e.path().stem() == "README") continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    PolicyTemplate t{e.path().stem().string(), "", "", text};
    std::istringstream in(text);
    for (std::string line; std::getline(in, line) && (t.title.empty() || t.category.empty());) {
      if (line.rfind("# ", 0) == 0 && t.title.empty()) t.title = line.substr(2);
      if (line.rfind("类别：", 0) == 0) t.category = line.substr(std::string("类别：").size());
    }
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

Response templates(Api& api, Request&) {
  json out = json::array();
  for (const auto& t : policy_templates(api))
    out.push_back({{"key", t.key}, {"title", t.title}, {"category", t.category}, {"text", t.text}});
  return ok({{"templates", out}});
}

// POST /api/v1/records/policy/from-template {key, owner, version?}: a draft policy with the
// template's text attached.
Response from_template(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "body: {key, owner, version?}");
  auto all = policy_templates(api);
  auto t = std::find_if(all.begin(), all.end(), [&](const auto& x) { return x.key == str(j, "key"); });
  if (t == all.end()) return fail(404, "没有此模板 / no such template: " + str(j, "key"));
  RecordsCtx c = open_records(api, "policy");
  if (!c.error.empty()) return fail(c.status, c.error);
  json d = {{"title", t->title},        {"category", t->category},       {"version", str(j, "version").empty() ? "1.0" : str(j, "version")},
            {"owner", str(j, "owner")}, {"published", local_today(api)}, {"status", "草稿"}};
  auto v = mgmt::validate(*c.kind, d, c.lookup());
  if (!v) return fail(400, v.error());
  auto digest = keep_document(api, t->text);
  if (!digest) return fail(500, digest.error());
  int64_t now = now_ns();
  auto id = c.rs->add(*c.kind, *v, r.who.user, now);
  if (id) (void)c.rs->attach("policy", {*id, t->key + ".md", *digest, static_cast<int64_t>(t->text.size()), r.who.user, now});
  api.audit(r, r.who.user, "record_add", id.ok(), id ? "policy #" + std::to_string(*id) : "policy", "from template " + t->key);
  if (!id) return fail(500, id.error());
  return ok({{"id", *id}}, 201);
}

// GET /api/v1/records/inspection/checklists: the standard checks of each scope.
Response checklists(Api&, Request&) {
  json out = json::array();
  for (const auto& [scope, checks] : mgmt::inspection_checklists()) out.push_back({{"scope", scope}, {"checks", checks}});
  return ok({{"checklists", out}});
}

// POST /api/v1/records/training/{id}/sign-in: a sign-in sheet (CSV) joined to the attendees.
Response sign_in(Api& api, Request& r) {
  RecordsCtx c = open_records(api, "training");
  if (!c.error.empty()) return fail(c.status, c.error);
  int64_t id = std::atoll(r.params[0].c_str());
  auto cur = c.rs->get("training", id);
  if (!cur) return fail(404, cur.error());
  std::string name = r.query["filename"].empty() ? "sign-in.csv" : r.query["filename"];
  auto merged = mgmt::merge_sign_in(cur->data, r.body, name);
  if (!merged) return fail(400, merged.error());
  auto v = mgmt::validate(*c.kind, *merged, c.lookup());
  if (!v) return fail(400, v.error());
  Status s = c.rs->update(*c.kind, id, *v, r.who.user, now_ns());
  api.audit(r, r.who.user, "record_update", s.ok(), "training #" + r.params[0], s ? "sign-in sheet " + name : s.error());
  if (!s) return fail(409, s.error());
  return ok({{"attendees", (*v)["attendees"].size()}, {"pass_rate", v->value("pass_rate", json(nullptr))}});
}

// POST /api/v1/records/inspection/{id}/findings {system, item, problem, owner, due}: a finding
// as a rectification task sourced to the inspection.
Response finding(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "body: {system, item, problem, owner, due}");
  RecordsCtx c = open_records(api, "inspection");
  if (!c.error.empty()) return fail(c.status, c.error);
  int64_t id = std::atoll(r.params[0].c_str());
  auto cur = c.rs->get("inspection", id);
  if (!cur) return fail(404, cur.error());
  if (cur->withdrawn) return fail(409, "已作废的检查记录 / the inspection is withdrawn");
  std::string db = DataDir(api.opt.data_dir).compliance_db();
  auto inv = compliance::Inventory::open(db);
  auto as = compliance::Assessments::open(db);
  if (!inv || !as) return fail(500, !inv ? inv.error() : as.error());
  auto systems = (*inv)->systems();
  if (!systems) return fail(500, systems.error());
  auto sys = std::find_if(systems->begin(), systems->end(), [&](const auto& s) { return s.id == str(j, "system"); });
  if (sys == systems->end()) return fail(404, "没有系统 / no such system: " + str(j, "system"));
  const auto* q = c.cat->find(str(j, "item"));
  if (!q || !q->applies(sys->level))
    return fail(400, "测评项不在该系统的级别中 / the item is not in the catalog at the system's level: " + str(j, "item"));
  if (str(j, "problem").empty() || str(j, "owner").empty()) return fail(400, "须写明问题和责任人 / the problem and its owner are required");
  compliance::Rectification t;
  t.system = sys->id;
  t.item = q->id;
  t.owner = str(j, "owner");
  t.plan = str(j, "problem");
  t.due = str(j, "due");
  t.created_by = r.who.user;
  t.created = now_ns();
  t.source = "inspection:" + std::to_string(id);
  auto tid = (*as)->add_rectification(t);
  api.audit(r, r.who.user, "rectification_add", tid.ok(), sys->id + " " + q->id, tid ? "from inspection #" + r.params[0] : tid.error());
  if (!tid) return fail(400, tid.error());
  return ok({{"rectification", *tid}}, 201);
}

}  // namespace

// Every inventoried system with its level and the date of its latest grading.
Result<std::vector<mgmt::Graded>> graded_systems(Api& api) {
  return mgmt::read_graded(DataDir(api.opt.data_dir).compliance_db(), api.opt.tz_sec);
}

Result<std::vector<mgmt::Reminder>> all_reminders(Api& api) {
  auto rs = mgmt::Records::open(DataDir(api.opt.data_dir).records_db());
  if (!rs) return Error{rs.error()};
  auto sets = mgmt::read_all(**rs);
  if (!sets) return Error{sets.error()};
  auto graded = graded_systems(api);
  if (!graded) return Error{graded.error()};
  std::string today = local_today(api);
  auto out = mgmt::filing_reminders(*sets, *graded, today);
  for (auto& m : mgmt::reminders(*sets, today)) out.push_back(std::move(m));
  return out;
}

void add_records_routes2(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  std::vector<Route> more = {
      {"GET", "/api/v1/records/summary", P::kComplianceRead, false, h(summary),
       "reminders, training coverage, accounts of people who left, work without an approved change"},
      {"GET", "/api/v1/records/policy/templates", P::kComplianceRead, false, h(templates), "the policy templates"},
      {"POST", "/api/v1/records/policy/from-template", P::kComplianceWrite, false, h(from_template), "a draft policy from a template"},
      {"GET", "/api/v1/records/inspection/checklists", P::kComplianceRead, false, h(checklists),
       "the standard checks of each inspection scope"},
      {"POST", "/api/v1/records/training/{id}/sign-in", P::kComplianceWrite, false, h(sign_in),
       "a sign-in sheet (CSV) joined to a training", true},
      {"POST", "/api/v1/records/inspection/{id}/findings", P::kComplianceWrite, false, h(finding),
       "an inspection finding as a rectification task"},
  };
  t.insert(t.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace wardsec::server
