// What the API's routes share: the accounts, the pipeline (metrics, and the audit trail that
// goes into the tamper-evident store), the alert store, and the options. Private to server/.
#pragma once
#include <mutex>
#include <nlohmann/json.hpp>

#include "search/aggregate.h"
#include "search/search.h"
#include "server/http.h"
#include "server/rule_guide.h"

namespace wardsec::server {

class Api {
 public:
  Api(ingest::Pipeline& p, HttpOptions& o, Auth& a);

  // An administrative action into the store (event.dataset wardsec.audit): who, from where,
  // what, on what, and whether it worked. Waits for room in the queue: never dropped.
  void audit(const Request& r, const std::string& user, const std::string& action, bool ok, const std::string& target = "",
             const std::string& detail = "");

  // True when an event is one of the center's own audit records: its dataset is reserved (no
  // input can write it: parse/guard.cc) and its signature by the instance key verifies.
  bool authentic(const Event& ev) const;

  // The metrics object (JSON) the API and the live socket share.
  std::string metrics_json();
  // Events per second over the last few seconds (sampled each call, at most once a second).
  double events_per_second();

  ingest::Pipeline& pipeline;
  HttpOptions& opt;
  Auth& auth;
  // The restrictions the routes join to users' queries (as trees): everything but the audit
  // trail, and the audit trail alone.
  search::Query not_audit, audit_only;
  // The rules' texts and tag names, made at first use (detection starts after the server).
  std::shared_ptr<const RuleGuide> guide();

 private:
  std::mutex guide_mu_;
  std::shared_ptr<const RuleGuide> guide_;
  std::mutex rate_mu_;
  int64_t last_t_ = 0;
  uint64_t last_stored_ = 0;
  double eps_ = 0;
};

// What the handlers share to answer in JSON.
inline std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }
inline Response ok(const nlohmann::json& j, int status = 200) { return {status, dump(j)}; }
inline Response fail(int status, const std::string& msg) { return {status, error_json(msg)}; }
// The route's first {id} as a positive number.
std::optional<int64_t> id_param(const Request& r);
// The body as a JSON object ("" is {}); nullopt when it is not one.
std::optional<nlohmann::json> body_object(const Request& r);
// The commonest values of a terms count: [{"value": v, "count": n}, ...], most first.
nlohmann::json top_json(const search::Terms& t, size_t n, const char* key = "value");
inline std::string str(const nlohmann::json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

// A search's time range from the query's from/to (user time forms; default: the last 24
// hours). "" when fine, else the message for a 400.
Status time_range(const Api& api, std::map<std::string, std::string>& query, search::SearchOptions& so);
// An interactive page's scan (the search page's facets, the log sources): newest first, at most
// `max` matches, stopping `budget` ns from now (a page waits for it) or when the client goes; how
// many it saw, how far back it got, and whether it stopped early (then counts older than
// `oldest` are missing).
struct PageScan {
  size_t n = 0;
  int64_t oldest = 0;
  bool truncated = false;
  search::SearchStats st;
};
Result<PageScan> page_scan(const Api& api, Request& r, const search::Query& q, search::SearchOptions so, size_t max, int64_t budget,
                           const std::function<void(const Event&)>& each);

// A PDF or XLSX that `make` writes to a temporary file, answered as a download (503 with the
// error when it cannot be made).
Response file_answer(const std::function<Status(const std::string&)>& make, const std::string& filename);
// A monthly report from ?year=&month=&format=html|pdf&lang= (default: report_month), exported
// into the audit trail as "<name> report" (db_api.cc).
Response monthly_report(Api& api, Request& r, const std::string& name,
                        const std::function<Result<std::string>(int year, int month, const std::string& lang)>& make);
// Today in the center's time zone, YYYY-MM-DD (due dates, overdue marks, freshness).
std::string local_today(const Api& api);
// "YYYY-MM": the month the monthly reports default to (last month; this month on a new install).
std::string report_month(const Api& api);

// The accounts' routes (accounts_api.cc): login, own password and tokens, accounts, approvals.
void add_account_routes(std::vector<Route>& t, Api* api);
// The compliance routes (compliance_api.cc), appended to the table.
void add_compliance_routes(std::vector<Route>& t, Api* api);
void add_evaluation_routes(std::vector<Route>& t, Api* api);  // 等级测评 and 密评 (evaluation_api.cc)
// The management records (records_api.cc, records_api2.cc).
void add_records_routes(std::vector<Route>& t, Api* api);
// Vulnerability management: findings, scans, imports (vuln_api.cc).
void add_vuln_routes(std::vector<Route>& t, Api* api);
void add_agent_routes(std::vector<Route>& t, Api* api);
void add_asset_routes(std::vector<Route>& t, Api* api);  // discovery, dossier (assets_api.cc)
// An attached document kept once by its SHA-256 under <data>/evidence (compliance_api.cc): the
// problem with its name or body ("" when fine), and keeping it (its digest).
std::string document_name_problem(const std::string& name, const std::string& body);
Result<std::string> keep_document(Api& api, const std::string& body);
// The web-attack page's route (web_api.cc).
void add_web_routes(std::vector<Route>& t, Api* api);
// The database-audit pages' routes (db_api.cc).
void add_db_routes(std::vector<Route>& t, Api* api);
// The dashboard (dashboard_api.cc) and the inventory (inventory_api.cc).
void add_dashboard_routes(std::vector<Route>& t, Api* api);
void add_inventory_routes(std::vector<Route>& t, Api* api);
// The bastion (bastion_api.cc, bastion_api2.cc).
void add_bastion_routes(std::vector<Route>& t, Api* api);
// Incident response (incident_api.cc, incident_api2.cc).
void add_incident_routes(std::vector<Route>& t, Api* api);
// Emergency plans and drills (emergency_api.cc, emergency_api2.cc).
void add_emergency_routes(std::vector<Route>& t, Api* api);
// The log sources: lines understood per source (sources_api.cc).
void add_sources_routes(std::vector<Route>& t, Api* api);
// 运行状态: the probes and availability (probes_api.cc).
void add_probe_routes(std::vector<Route>& t, Api* api);
// 配置变更: device configurations, tickets and windows (configs_api.cc).
void add_config_routes(std::vector<Route>& t, Api* api);
// Report schedules, the data self-check, the console's messages (duties_api.cc).
void add_duty_routes(std::vector<Route>& t, Api* api);
// Saved searches (saved_search_api.cc).
void add_saved_search_routes(std::vector<Route>& t, Api* api);
// 系统状态 (status_api.cc) and 系统设置 (settings_api.cc).
void add_status_routes(std::vector<Route>& t, Api* api);
void add_region_routes(std::vector<Route>& t, Api* api);  // 区域监管: the region's ClickHouse (region_api.cc)
void add_settings_routes(std::vector<Route>& t, Api* api);

}  // namespace wardsec::server
