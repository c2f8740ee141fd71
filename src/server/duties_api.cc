// The duties' settings and results (ops/duties.h): report schedules with their recipients (the
// security administrator, who owns the reports), the data self-check's settings, the system
// administrator's recipients and the check's results (the system administrator, whose duty it
// is), and the console's messages (消息) for whoever reads the system's health.
#include <filesystem>
#include <mutex>

#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "ops/config/sftp_put.h"
#include "ops/config/watcher.h"
#include "ops/duties.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using nlohmann::json;
std::mutex g_mu;  // read-modify-write of schedules.json / notify.json / datacheck.json

// The robots' URLs and the DingTalk secret are never read back (masked): left out of a change,
// or sent back masked, the stored ones stay.
void keep_secrets(json& to, const ops::Recipients& old) {
  if (!to.is_object()) return;
  json prev = ops::to_json(old, true);
  for (const char* k : {"wecom", "dingtalk", "dingtalk_secret"})
    if (!to.contains(k) || (to[k].is_string() && to[k].get<std::string>().find("…") != std::string::npos) || to[k] == "••••")
      to[k] = prev[k];
}

Response off() { return fail(503, "运行职责未启用 / the scheduled duties are not running"); }

Response schedules(Api& api, Request&) {
  auto* d = api.opt.duties;
  if (!d) return off();
  auto all = ops::Duties::load(api.opt.data_dir, d->kinds());
  if (!all) return fail(500, all.error());
  json st = ops::Duties::state(api.opt.data_dir), out = json::array(), kinds = json::array();
  for (const auto& s : *all) {
    json j = ops::to_json(s, false);
    j["last"] = st.contains(s.id) ? st[s.id] : json();
    out.push_back(std::move(j));
  }
  for (const auto& k : d->kinds())
    kinds.push_back({{"id", k.id}, {"zh", k.zh}, {"en", k.en}, {"every", k.every}, {"per_system", k.per_system}});
  return ok({{"schedules", out}, {"reports", kinds}});
}

Response put_schedule(Api& api, Request& r, bool create) {
  auto* d = api.opt.duties;
  if (!d) return off();
  auto body = body_object(r);
  if (!body) return fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
  std::lock_guard l(g_mu);
  auto all = ops::Duties::load(api.opt.data_dir, d->kinds());
  if (!all) return fail(500, all.error());
  std::string id = create ? str(*body, "id") : r.params.at(0);
  (*body)["id"] = id;
  auto it = std::find_if(all->begin(), all->end(), [&](const ops::Schedule& s) { return s.id == id; });
  if (create && it != all->end()) return fail(409, "报表计划 " + id + " 已存在 / schedule " + id + " exists");
  if (!create && it == all->end()) return fail(404, "无此报表计划 / no schedule " + id);
  // Robots' URLs and secrets left out of a change (they are never read back) are kept.
  if (!create && body->contains("to")) keep_secrets((*body)["to"], it->to);
  auto s = ops::schedule_from_json(*body, d->kinds());
  const char* action = create ? "schedule_create" : "schedule_change";
  if (!s) {
    api.audit(r, r.who.user, action, false, id, s.error());
    return fail(400, s.error());
  }
  if (create && all->size() >= 100) return fail(400, "报表计划至多 100 个 / at most 100 schedules");
  if (create)
    all->push_back(*s);
  else
    *it = *s;
  if (Status w = ops::Duties::save(api.opt.data_dir, *all); !w) return fail(500, w.error());
  std::string who;
  for (const auto& m : s->to.mail) who += (who.empty() ? "" : ",") + m;
  api.audit(r, r.who.user, action, true, id,
            s->report + " → " + who + (s->to.wecom.empty() ? "" : " wecom") + (s->to.dingtalk.empty() ? "" : " dingtalk"));
  return ok({{"schedule", ops::to_json(*s, false)}}, create ? 201 : 200);
}

Response remove_schedule(Api& api, Request& r) {
  auto* d = api.opt.duties;
  if (!d) return off();
  std::lock_guard l(g_mu);
  auto all = ops::Duties::load(api.opt.data_dir, d->kinds());
  if (!all) return fail(500, all.error());
  std::string id = r.params.at(0);
  auto it = std::find_if(all->begin(), all->end(), [&](const ops::Schedule& s) { return s.id == id; });
  if (it == all->end()) return fail(404, "无此报表计划 / no schedule " + id);
  all->erase(it);
  if (Status w = ops::Duties::save(api.opt.data_dir, *all); !w) return fail(500, w.error());
  api.audit(r, r.who.user, "schedule_delete", true, id);
  return ok({{"deleted", id}});
}

Response run_schedule(Api& api, Request& r) {
  auto* d = api.opt.duties;
  if (!d) return off();
  std::string id = r.params.at(0);
  auto res = d->run(id, now_ns(), r.who.user);
  api.audit(r, r.who.user, "schedule_run", res && res->empty(), id, !res ? res.error() : res->empty() ? "sent" : res->front());
  if (!res) return fail(res.error().rfind("无此", 0) == 0 ? 404 : 502, res.error());
  return ok({{"sent", res->empty()}, {"failed", *res}});
}

// GET: the settings, the system administrator's recipients (secrets masked) and recent results.
Response datacheck(Api& api, Request&) {
  auto o = ops::Duties::datacheck_settings(api.opt.data_dir);
  if (!o) return fail(500, o.error());
  auto to = ops::Notifier::sysadmin(api.opt.data_dir);
  json days = json::array();
  std::string dir = DataDir(api.opt.data_dir).ops() + "/datacheck";
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.size() == 15 && n.ends_with(".json") && n[4] == '-') names.push_back(n.substr(0, 10));
  }
  std::sort(names.rbegin(), names.rend());
  for (size_t i = 0; i < names.size() && i < 31; i++) {
    auto t = read_file(dir + "/" + names[i] + ".json");
    auto j = t ? json::parse(*t, nullptr, false) : json();
    if (!j.is_object()) continue;
    size_t bad = 0;
    for (const auto& b : j.value("backups", json::array())) bad += b.value("state", "") != "ok";
    days.push_back({{"day", names[i]},
                    {"findings", j.value("findings", false)},
                    {"bulk_total", j.value("bulk_total", 0)},
                    {"swings", j.value("swings", json::array()).size()},
                    {"backups_bad", bad}});
  }
  return ok({{"settings", ops::to_json(*o)},
             {"to", to ? ops::to_json(*to, false) : json::object()},
             {"days", days},
             {"state", ops::Duties::state(api.opt.data_dir).value("_datacheck", json())}});
}

Response put_datacheck(Api& api, Request& r) {
  auto body = body_object(r);
  if (!body) return fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
  std::lock_guard l(g_mu);
  std::string ops_dir = DataDir(api.opt.data_dir).ops();
  std::error_code ec;
  std::filesystem::create_directories(ops_dir, ec);
  std::string detail;
  if (body->contains("settings")) {
    auto o = ops::datacheck_options((*body)["settings"]);
    if (!o) {
      api.audit(r, r.who.user, "datacheck_change", false, "settings", o.error());
      return fail(400, o.error());
    }
    if (Status w = write_file_atomic(ops_dir + "/datacheck.json", ops::to_json(*o).dump(1)); !w) return fail(500, w.error());
    detail += "settings " + ops::to_json(*o).dump();
  }
  if (body->contains("to")) {
    json to = (*body)["to"];
    auto old = ops::Notifier::sysadmin(api.opt.data_dir);
    if (old) keep_secrets(to, *old);
    auto rc = ops::recipients_from_json(to, "to");
    if (!rc) {
      api.audit(r, r.who.user, "datacheck_change", false, "to", rc.error());
      return fail(400, rc.error());
    }
    auto t = read_file(ops_dir + "/notify.json");
    json doc = t ? json::parse(*t, nullptr, false) : json::object();
    if (!doc.is_object()) doc = json::object();
    doc["sysadmin"] = ops::to_json(*rc, true);
    if (Status w = write_file_atomic(ops_dir + "/notify.json", doc.dump(1)); !w) return fail(500, w.error());
    std::string who;
    for (const auto& m : rc->mail) who += (who.empty() ? "" : ",") + m;
    detail += (detail.empty() ? "" : "; ") + std::string("recipients ") + who;
  }
  api.audit(r, r.who.user, "datacheck_change", true, "datacheck", detail);
  return datacheck(api, r);
}

Response run_datacheck(Api& api, Request& r) {
  auto* d = api.opt.duties;
  if (!d) return off();
  auto body = body_object(r);
  std::string day = body && body->contains("day") ? str(*body, "day") : ops::period_key("day", now_ns(), api.opt.tz_sec);
  auto res = d->check(day, now_ns());
  api.audit(r, r.who.user, "datacheck_run", bool(res), day, res ? "" : res.error());
  if (!res) return fail(400, res.error());
  return ok({{"result", ops::to_json(*res)}});
}

Response datacheck_day(Api& api, Request& r) {
  std::string day = r.params.at(0);
  if (day.size() != 10 || day.find_first_not_of("0123456789-") != std::string::npos)
    return fail(400, "日期须为 YYYY-MM-DD / the day must be YYYY-MM-DD");
  auto t = read_file(DataDir(api.opt.data_dir).ops() + "/datacheck/" + day + ".json");
  if (!t) return fail(404, "该日无检测结果 / no result for " + day);
  auto j = json::parse(*t, nullptr, false);
  if (j.is_discarded()) return fail(500, "结果文件已损坏 / the result file is damaged");
  return ok({{"result", j}});
}

// Where the daily export is sent: a host account of the bastion's vault and a folder (account 0: none).
Response export_target(Api& api, Request&) {
  auto t = ops::config::export_target(api.opt.data_dir);
  if (!t) return fail(500, t.error());
  auto st = read_file(DataDir(api.opt.data_dir).ops() + "/export_shipped.json");
  json last = st ? json::parse(*st, nullptr, false) : json();
  return ok({{"account", t->account}, {"dir", t->dir}, {"last", last.is_discarded() ? json() : last}});
}

Response put_export_target(Api& api, Request& r) {
  auto body = body_object(r);
  if (!body) return fail(400, "请求体须为 JSON 对象 / the body must be a JSON object");
  ops::config::ExportTarget t;
  if (body->contains("account")) {
    if (!(*body)["account"].is_number_integer() || (*body)["account"].get<int64_t>() < 0)
      return fail(400, "account 须为主机账号编号 / account must be a host account id");
    t.account = (*body)["account"].get<int64_t>();
  }
  t.dir = str(*body, "dir");
  if (t.account) {
    if (t.dir.empty() || t.dir.front() != '/' || t.dir.find("..") != std::string::npos || t.dir.size() > 500)
      return fail(400, "dir 须为备份服务器上的绝对路径 / dir must be an absolute folder on the backup server");
    if (!api.opt.configs) return fail(503, "配置变更记录未启用 / the configuration record is not running");
    if (Status a = api.opt.configs->check_account(t.account); !a) {
      api.audit(r, r.who.user, "export_target_change", false, std::to_string(t.account), a.error());
      return fail(400, a.error());
    }
  }
  if (Status w = ops::config::save_export_target(api.opt.data_dir, t); !w) return fail(500, w.error());
  api.audit(r, r.who.user, "export_target_change", true, std::to_string(t.account), t.dir);
  return export_target(api, r);
}

Response messages(Api& api, Request& r) {
  size_t limit = r.query.count("limit") ? std::clamp<size_t>(std::atoi(r.query["limit"].c_str()), 1, 500) : 50;
  return ok(ops::Notifier::inbox(api.opt.data_dir, r.who.user, limit));
}

Response read_messages(Api& api, Request& r) {
  auto body = body_object(r);
  std::vector<int64_t> ids;
  if (body && body->contains("ids") && (*body)["ids"].is_array())
    for (const auto& i : (*body)["ids"])
      if (i.is_number_integer()) ids.push_back(i.get<int64_t>());
  if (Status s = ops::Notifier::mark_read(api.opt.data_dir, r.who.user, ids); !s) return fail(500, s.error());
  return ok(ops::Notifier::inbox(api.opt.data_dir, r.who.user, 50));
}

}  // namespace

void add_duty_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto R = [&](const char* m, const char* p, Perm perm, Response (*h)(Api&, Request&), const char* what) {
    t.push_back({m, p, perm, false, [api, h](Request& r) { return h(*api, r); }, what});
  };
  R("GET", "/api/v1/ops/schedules", P::kDashboard, schedules,
    "report schedules (weekly and monthly operations reports, 防统方 monthly) and their last runs");
  t.push_back({"POST", "/api/v1/ops/schedules", P::kComplianceWrite, false, [api](Request& r) { return put_schedule(*api, r, true); },
               "add a report schedule with its recipients (audited)"});
  t.push_back({"PUT", "/api/v1/ops/schedules/{id}", P::kComplianceWrite, false, [api](Request& r) { return put_schedule(*api, r, false); },
               "change a report schedule; robots' keys left out are kept (audited)"});
  R("DELETE", "/api/v1/ops/schedules/{id}", P::kComplianceWrite, remove_schedule, "remove a report schedule (audited)");
  R("POST", "/api/v1/ops/schedules/{id}/run", P::kComplianceWrite, run_schedule,
    "make and send a schedule's report for its last period now (audited)");
  R("GET", "/api/v1/ops/datacheck", P::kSettingsRead, datacheck,
    "the data self-check's settings, the system administrator's recipients, recent results");
  R("PUT", "/api/v1/ops/datacheck", P::kSettingsWrite, put_datacheck, "set the data self-check and its recipients (audited)");
  R("POST", "/api/v1/ops/datacheck/run", P::kSettingsWrite, run_datacheck, "run the data self-check of a day now (audited)");
  R("GET", "/api/v1/ops/datacheck/{day}", P::kSettingsRead, datacheck_day, "one day's data self-check result");
  R("GET", "/api/v1/ops/export-target", P::kSettingsRead, export_target,
    "where the daily log export is sent (SFTP with a bastion host account)");
  R("PUT", "/api/v1/ops/export-target", P::kSettingsWrite, put_export_target, "set where the daily log export is sent (audited)");
  R("GET", "/api/v1/messages", P::kSystemRead, messages,
    "the console's messages (data self-check, scheduled reports) with the caller's read marks");
  R("POST", "/api/v1/messages/read", P::kSystemRead, read_messages, "mark messages read (all when no ids)");
}

}  // namespace wardsec::server
