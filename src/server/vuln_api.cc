// Vulnerability management's routes (漏洞管理): the findings with their filters and counts, one
// finding with its history, people's decisions (accepted risk, false positive), opening a
// rectification task (整改) for a finding, importing a scanner's report and the known-exploited
// list, the scan history and the per-system summary. The rules are in src/vuln; every change
// is audited. An import raises alerts for hosts no asset matches (未登记资产) and for services
// that appeared or went away.
#include <nlohmann/json.hpp>

#include "compliance/assessment.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "ops/asset_alerts.h"
#include "report/report.h"
#include "server/api.h"
#include "server/auth.h"
#include "vuln/service.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

json opt_num(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json finding_json(const vuln::FindingRow& f, const std::string& today, bool full) {
  json j = {{"id", f.id},
            {"asset", f.asset},
            {"akey", f.akey},
            {"ip", f.ip},
            {"hostname", f.hostname},
            {"system", f.system},
            {"zone", f.zone},
            {"port", f.port},
            {"proto", f.proto},
            {"service", f.service},
            {"title", f.title},
            {"cves", f.cves},
            {"cnvd", f.cnvd},
            {"cnnvd", f.cnnvd},
            {"sources", f.sources},
            {"cvss2", opt_num(f.scores.cvss2)},
            {"cvss3", opt_num(f.scores.cvss3)},
            {"cvss4", opt_num(f.scores.cvss4)},
            {"score", vuln::base_score(f.scores)},
            {"severity", f.scores.severity},
            {"exploit", f.scores.exploit},
            {"kev", f.scores.kev},
            {"first_seen", format_rfc3339(f.first_seen)},
            {"last_seen", format_rfc3339(f.last_seen)},
            {"status", f.status},
            {"priority", f.priority},
            {"priority_zh", vuln::priority_zh(f.priority)},
            {"priority_en", vuln::priority_en(f.priority)},
            {"due", f.due},
            {"overdue", f.status == "open" && !f.due.empty() && f.due < today},
            {"reopened", f.reopened},
            {"rectification", f.rectification},
            {"unpatchable", f.unpatchable}};
  if (!full) return j;
  j["description"] = f.description;
  j["solution"] = f.solution;
  j["evidence"] = f.evidence;
  j["cvss3_vector"] = f.cvss3_vector;
  j["cvss4_vector"] = f.cvss4_vector;
  j["why_zh"] = f.why_zh;
  j["why_en"] = f.why_en;
  j["reason"] = f.reason;
  j["status_by"] = f.status_by;
  j["status_at"] = f.status_at ? format_rfc3339(f.status_at) : "";
  j["accept_until"] = f.accept_until;
  j["fixed_at"] = f.fixed_at ? format_rfc3339(f.fixed_at) : "";
  j["fixed_scan"] = f.fixed_scan;
  return j;
}

json counts_json(const vuln::Counts& c) {
  return {{"total", c.total},
          {"open", c.open},
          {"fixed", c.fixed},
          {"accepted", c.accepted},
          {"false_positive", c.false_positive},
          {"overdue", c.overdue},
          {"open_by_priority", {c.open_by_priority[0], c.open_by_priority[1], c.open_by_priority[2], c.open_by_priority[3]}}};
}

json scan_json(const vuln::ScanRow& s) {
  return {{"id", s.id},
          {"scanner", s.scanner},
          {"name", s.name},
          {"file", s.file},
          {"sha256", s.sha256},
          {"by", s.by},
          {"at", format_rfc3339(s.at)},
          {"started", s.started ? format_rfc3339(s.started) : ""},
          {"finished", s.finished ? format_rfc3339(s.finished) : ""},
          {"hosts", s.hosts},
          {"findings", s.findings},
          {"added", s.added},
          {"reopened", s.reopened},
          {"fixed", s.fixed},
          {"unregistered", s.unregistered},
          {"skipped_info", s.skipped_info},
          {"report", s.sha256.size() == 64 ? "/api/v1/compliance/documents/" + s.sha256 : ""}};
}

Result<std::unique_ptr<vuln::Store>> open_store(Api& api) { return vuln::Store::open(DataDir(api.opt.data_dir).vulns_db()); }

int64_t num(const std::string& s, int64_t dflt) {
  try {
    return s.empty() ? dflt : std::stoll(s);
  } catch (...) {
    return dflt;
  }
}

Response list(Api& api, Request& r) {
  auto st = open_store(api);
  if (!st) return fail(500, st.error());
  std::string today = local_today(api);
  vuln::Filter f;
  f.status = r.query["status"];
  f.akey = r.query["asset"];
  f.system = r.query["system"];
  f.cve = r.query["cve"];
  f.q = r.query["q"];
  f.scanner = r.query["scanner"];
  f.priority = static_cast<int>(num(r.query["priority"], 0));
  f.overdue_only = r.query["overdue"] == "1" || r.query["overdue"] == "true";
  f.today = today;
  f.sort = r.query["sort"].empty() ? "priority" : r.query["sort"];
  f.limit = std::clamp<int64_t>(num(r.query["limit"], 100), 1, 1000);
  f.offset = std::max<int64_t>(0, num(r.query["offset"], 0));
  int64_t total = 0;
  auto rows = (*st)->findings(f, &total);
  if (!rows) return fail(500, rows.error());
  auto c = (*st)->counts(today);
  if (!c) return fail(500, c.error());
  json out = json::array();
  for (const auto& x : *rows) out.push_back(finding_json(x, today, false));
  return ok({{"findings", out}, {"total", total}, {"counts", counts_json(*c)}, {"today", today}});
}

Response one(Api& api, Request& r) {
  auto id = id_param(r);
  if (!id) return fail(400, "漏洞编号无效 / bad finding id");
  auto st = open_store(api);
  if (!st) return fail(500, st.error());
  auto f = (*st)->finding(*id);
  if (!f) return fail(404, f.error());
  auto log = (*st)->log(*id);
  if (!log) return fail(500, log.error());
  json j = finding_json(*f, local_today(api), true);
  json l = json::array();
  for (const auto& e : *log)
    l.push_back({{"at", format_rfc3339(e.at)}, {"what", e.what}, {"by", e.by}, {"scan", e.scan}, {"note", e.note}});
  j["log"] = l;
  return ok(j);
}

Response set_status(Api& api, Request& r) {
  auto id = id_param(r);
  auto j = body_object(r);
  if (!id || !j) return fail(400, "须提供漏洞编号与 JSON 对象 / a finding id and a JSON object are required");
  auto st = open_store(api);
  if (!st) return fail(500, st.error());
  std::string status = str(*j, "status");
  Status s = (*st)->set_status(*id, status, str(*j, "reason"), str(*j, "until"), r.who.user, local_today(api), now_ns());
  api.audit(r, r.who.user, "vuln_status", s.ok(), "finding " + r.params[0], status + (s ? "" : ": " + s.error()));
  if (!s) return fail(s.error().find("no such finding") != std::string::npos ? 404 : 409, s.error());
  return ok({{"id", *id}, {"status", status}});
}

// A rectification task (整改) for an open finding, on the graded system of its asset and the item
// for timely repair (CE.IPS.e); it closes when a re-scan no longer finds the weakness.
Response rectify(Api& api, Request& r) {
  auto id = id_param(r);
  auto j = body_object(r);
  if (!id || !j) return fail(400, "须提供漏洞编号与 JSON 对象 / a finding id and a JSON object are required");
  auto st = open_store(api);
  if (!st) return fail(500, st.error());
  auto f = (*st)->finding(*id);
  if (!f) return fail(404, f.error());
  if (f->status != "open") return fail(409, "只有未修复的漏洞可以整改 / only an open finding gets a rectification task: " + f->status);
  if (f->rectification) return fail(409, "此漏洞已有整改任务 / the finding already has task #" + std::to_string(f->rectification));
  if (f->system.empty())
    return fail(409, "资产未登记或不属于定级系统，请先登记资产 / the asset is unregistered or in no graded system: register it first (" +
                         f->akey + ")");
  auto as = compliance::Assessments::open(DataDir(api.opt.data_dir).compliance_db());
  if (!as) return fail(500, as.error());
  compliance::Rectification t;
  t.system = f->system;
  t.item = "CE.IPS.e";
  t.owner = str(*j, "owner");
  t.plan = str(*j, "plan");
  if (t.plan.empty()) t.plan = f->solution.empty() ? f->title : f->solution;
  t.due = str(*j, "due").empty() ? f->due : str(*j, "due");
  t.created_by = r.who.user;
  t.created = now_ns();
  t.source = "vuln:" + std::to_string(*id);
  auto task = (*as)->add_rectification(t);
  if (task) (void)(*st)->set_rectification(*id, *task, r.who.user, t.created);
  api.audit(r, r.who.user, "vuln_rectification", task.ok(), "finding " + r.params[0],
            task ? "task " + std::to_string(*task) : task.error());
  if (!task) return fail(400, task.error());
  return ok({{"id", *id}, {"task", *task}}, 201);
}

Response import(Api& api, Request& r) {
  std::string file = r.query["file"].empty() ? "upload" : r.query["file"];
  std::optional<vuln::Format> f =
      r.query["format"].empty() ? vuln::sniff_format(std::string_view(r.body).substr(0, 4096)) : vuln::parse_format(r.query["format"]);
  if (!f) return fail(400, "无法识别报告格式，请指定 format=nmap|greenbone|nessus|csv / name the format: nmap, greenbone, nessus or csv");
  std::vector<std::pair<std::string, std::string>> mapping;
  if (!r.query["map"].empty()) {
    auto m = json::parse(r.query["map"], nullptr, false);
    if (!m.is_object()) return fail(400, "map 须为 JSON 对象 {字段: 表头} / map must be a JSON object {field: header}");
    for (const auto& [k, v] : m.items())
      if (v.is_string()) mapping.emplace_back(k, v.get<std::string>());
  }
  auto rep = vuln::read_any(*f, vuln::XmlInput{"", r.body, file}, r.query["scanner"], mapping);
  if (!rep) {
    api.audit(r, r.who.user, "vuln_import", false, file, rep.error());
    return fail(400, rep.error());
  }
  // The report itself is kept as evidence under its digest (the scan names it): whoever closes a
  // finding with a re-scan leaves the re-scan for an assessor to read.
  auto kept = keep_document(api, r.body);
  if (!kept) return fail(500, kept.error());
  vuln::Options o;
  o.tz_sec = api.opt.tz_sec;
  vuln::ImportMeta meta{file, *kept, r.who.user, now_ns(), api.opt.tz_sec};
  auto t = vuln::take_report(DataDir(api.opt.data_dir), *rep, meta, o, local_today(api));
  api.audit(r, r.who.user, "vuln_import", t.ok(), file,
            t ? vuln::format_name(*f) + std::string(" scan #") + std::to_string(t->res.scan.id) +
                    (t->res.duplicate ? " (duplicate)" : ": " + std::to_string(t->res.scan.findings) + " findings")
              : t.error());
  if (!t) return fail(500, t.error());
  if (!t->res.duplicate && api.opt.alerts) ops::raise_scan_alerts(*api.opt.alerts, api.opt.outputs, *t, now_ns());
  json j = scan_json(t->res.scan);
  j["duplicate"] = t->res.duplicate;
  j["format"] = vuln::format_name(*f);
  j["unregistered_hosts"] = t->res.unregistered;
  j["tasks_closed"] = t->tasks_closed;
  j["systems"] = t->systems;
  json ch = json::array();
  for (const auto& c : t->res.changes)
    ch.push_back({{"ip", c.ip}, {"asset", c.akey}, {"port", c.port}, {"proto", c.proto}, {"change", c.change}});
  j["service_changes"] = ch;
  return ok(j, t->res.duplicate ? 200 : 201);
}

// A host's installed packages (dpkg status, dpkg -l, rpm -qa ...) matched against the feed.
Response packages(Api& api, Request& r) {
  std::string file = r.query["file"].empty() ? "packages" : r.query["file"];
  vuln::Options o;
  o.tz_sec = api.opt.tz_sec;
  vuln::ImportMeta meta{file, sha256_hex(r.query["host"] + "\n" + r.query["ecosystem"] + "\n" + r.body), r.who.user, now_ns(),
                        api.opt.tz_sec};
  auto t = vuln::take_inventory(DataDir(api.opt.data_dir), r.query["host"], r.query["hostname"], r.query["ecosystem"], r.body, meta, o,
                                local_today(api));
  api.audit(r, r.who.user, "vuln_packages", t.ok(), r.query["host"] + " " + file,
            t ? "scan #" + std::to_string(t->res.scan.id) + ": " + std::to_string(t->res.scan.findings) + " findings" : t.error());
  if (!t) return fail(400, t.error());
  json j = scan_json(t->res.scan);
  j["duplicate"] = t->res.duplicate;
  j["tasks_closed"] = t->tasks_closed;
  return ok(j, t->res.duplicate ? 200 : 201);
}

// The offline vulnerability feed (OSV JSON or JSON lines); every kept inventory is matched again.
Response feed(Api& api, Request& r) {
  std::string file = r.query["file"].empty() ? "feed" : r.query["file"];
  vuln::Options o;
  o.tz_sec = api.opt.tz_sec;
  vuln::ImportMeta meta{file, "", r.who.user, now_ns(), api.opt.tz_sec};
  auto t = vuln::take_feed(DataDir(api.opt.data_dir), r.body, meta, o, local_today(api));
  api.audit(r, r.who.user, "vuln_feed", t.ok(), file, t ? std::to_string(t->advisories) + " advisories" : t.error());
  if (!t) return fail(400, t.error());
  int64_t added = 0, fixed = 0;
  for (const auto& x : t->rematched) {
    added += x.res.scan.added;
    fixed += x.res.scan.fixed;
  }
  return ok({{"advisories", t->advisories}, {"hosts", t->rematched.size()}, {"added", added}, {"fixed", fixed}});
}

Response scans(Api& api, Request&) {
  auto st = open_store(api);
  if (!st) return fail(500, st.error());
  auto s = (*st)->scans();
  if (!s) return fail(500, s.error());
  json out = json::array();
  for (const auto& x : *s) out.push_back(scan_json(x));
  return ok({{"scans", out}});
}

Response kev(Api& api, Request& r) {
  auto st = open_store(api);
  if (!st) return fail(500, st.error());
  std::string file = r.query["file"].empty() ? "kev" : r.query["file"];
  auto n = (*st)->import_kev(r.body, file);
  if (n) {
    auto assets = vuln::load_assets(DataDir(api.opt.data_dir), vuln::PriorityPolicy{});
    if (!assets) return fail(500, assets.error());
    if (auto c = (*st)->refresh(*assets, local_today(api), now_ns(), api.opt.tz_sec); !c) return fail(500, c.error());
  }
  api.audit(r, r.who.user, "vuln_kev_import", n.ok(), file, n ? std::to_string(*n) + " CVEs" : n.error());
  if (!n) return fail(400, n.error());
  return ok({{"cves", *n}});
}

Response summary(Api& api, Request&) {
  auto st = open_store(api);
  if (!st) return fail(500, st.error());
  std::string today = local_today(api);
  auto c = (*st)->counts(today);
  auto by = (*st)->by_system(today);
  auto sc = (*st)->scans(1);
  if (!c || !by || !sc) return fail(500, !c ? c.error() : !by ? by.error() : sc.error());
  json systems = json::array();
  for (const auto& s : *by)
    systems.push_back({{"system", s.system},
                       {"open", s.open},
                       {"open_urgent", s.open_urgent},
                       {"overdue", s.overdue},
                       {"fixed", s.fixed},
                       {"accepted", s.accepted},
                       {"false_positive", s.false_positive},
                       {"fix_rate", s.fix_rate()},
                       {"mean_days_to_fix", s.mean_days_to_fix < 0 ? json(nullptr) : json(s.mean_days_to_fix)}});
  return ok({{"counts", counts_json(*c)},
             {"systems", systems},
             {"last_scan", sc->empty() ? json(nullptr) : scan_json(sc->front())},
             {"sla_days", vuln::PriorityPolicy{}.sla_days}});
}

// The month's 漏洞管理月报 (HTML or PDF); default: last month.
Response month_report(Api& api, Request& r) {
  return monthly_report(api, r, "vulns", [&](int year, int month, const std::string& lang) {
    return report::vuln_month_html({api.opt.data_dir, api.opt.catalog_file, api.opt.scoring_file, api.opt.organization, api.opt.tz_sec},
                                   year, month, lang);
  });
}

}  // namespace

void add_vuln_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*fn)(Api&, Request&)) { return [api, fn](Request& r) { return fn(*api, r); }; };
  t.push_back({"GET", "/api/v1/vulns", P::kAssetsRead, false, h(list), "vulnerability findings with filters and counts"});
  t.push_back({"GET", "/api/v1/vulns/summary", P::kAssetsRead, false, h(summary), "vulnerabilities by graded system, fix rates"});
  t.push_back({"GET", "/api/v1/vulns/report", P::kAssetsRead, false, h(month_report), "the month's vulnerability report (HTML, PDF)"});
  t.push_back({"GET", "/api/v1/vulns/scans", P::kAssetsRead, false, h(scans), "imported scans"});
  t.push_back({"POST", "/api/v1/vulns/import", P::kAssetsWrite, false, h(import), "import a scanner's report", true});
  t.push_back({"POST", "/api/v1/vulns/packages", P::kAssetsWrite, false, h(packages),
               "a host's installed packages matched against the feed", true});
  t.push_back({"POST", "/api/v1/vulns/feed", P::kAssetsWrite, false, h(feed), "import the vulnerability feed (OSV)", true});
  t.push_back({"POST", "/api/v1/vulns/kev", P::kAssetsWrite, false, h(kev), "import the known-exploited list", true});
  t.push_back({"GET", "/api/v1/vulns/{id}", P::kAssetsRead, false, h(one), "one finding with its history"});
  t.push_back({"POST", "/api/v1/vulns/{id}/status", P::kAssetsWrite, false, h(set_status), "accept a risk, mark a false positive, reopen"});
  t.push_back(
      {"POST", "/api/v1/vulns/{id}/rectification", P::kComplianceWrite, false, h(rectify), "open a rectification task for a finding"});
}

}  // namespace wardsec::server
