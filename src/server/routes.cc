// The API's route table: every route with the permission it needs (checked in http.cc before
// the handler runs) and a one-line summary. docs/openapi.json describes the same routes; a test
// checks that the two agree, and another walks every route with every role.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/datadir.h"
#include "alert/alert_store.h"
#include "enrich/places.h"
#include "alert/detector.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"
#include "core/fields.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/query.h"
#include "search/search.h"
#include "search/stats.h"
#include "store/summary.h"
#include "server/api.h"

namespace wardsec::server {

using json = nlohmann::json;

namespace {

constexpr const char* kAuditDataset = "wardsec.audit";

}  // namespace

std::shared_ptr<const RuleGuide> Api::guide() {
  std::lock_guard lk(guide_mu_);
  const detect::RuleSet* set = opt.rules ? opt.rules() : nullptr;
  // Kept once the rules are there; before detection started, made again on the next call.
  if (!guide_ || (set && !guide_->has_rules())) guide_ = std::make_shared<RuleGuide>(set, opt.attack_names_file, opt.catalog_file);
  return guide_;
}

Api::Api(ingest::Pipeline& p, HttpOptions& o, Auth& a)
    : pipeline(p),
      opt(o),
      auth(a),
      not_audit(search::Query::parse(std::string("NOT event.dataset:") + kAuditDataset).value()),
      audit_only(search::Query::parse(std::string("event.dataset:") + kAuditDataset).value()) {}

namespace {
const FieldId kAuditSig = FieldRegistry::intern("wardsec.audit.signature");
const FieldId kAuditKey = FieldRegistry::intern("wardsec.audit.key");
}  // namespace

json top_json(const search::Terms& t, size_t n, const char* key) {
  json out = json::array();
  for (const auto& [v, c] : t.top(n)) out.push_back({{key, v}, {"count", c}});
  return out;
}

AuditSignature audit_signature(const KeyPair* key, const Event& ev) {
  std::string_view sig = ev.get(kAuditSig);
  if (sig.empty()) return AuditSignature::kNone;
  auto bin = from_hex(sig);
  return key && bin && key->verify(ev.raw, *bin) ? AuditSignature::kValid : AuditSignature::kInvalid;
}

bool Api::authentic(const Event& ev) const {
  return ev.get(kEventDataset) == kAuditDataset && audit_signature(opt.audit_key, ev) == AuditSignature::kValid;
}

std::optional<nlohmann::json> body_object(const Request& r) {
  nlohmann::json j = nlohmann::json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

std::optional<int64_t> id_param(const Request& r) {
  try {
    size_t used = 0;
    int64_t v = std::stoll(r.params.at(0), &used);
    if (used == r.params[0].size() && v > 0) return v;
  } catch (...) {
  }
  return std::nullopt;
}

void Api::audit(const Request& r, const std::string& user, const std::string& action, bool ok_, const std::string& target,
                const std::string& detail) {
  static const FieldId kind = FieldRegistry::intern("event.kind"), roles = FieldRegistry::intern("user.roles"),
                       target_user = FieldRegistry::intern("user.target.name"), url = FieldRegistry::intern("url.path"),
                       method = FieldRegistry::intern("http.request.method");
  int64_t now = now_ns();
  json raw = {{"@timestamp", format_rfc3339(now)},
              {"event.dataset", kAuditDataset},
              {"event.action", action},
              {"event.outcome", ok_ ? "success" : "failure"},
              {"user.name", user},
              {"source.ip", r.ip},
              {"http.request.method", r.method},
              {"url.path", r.path},
              {"target", target},
              {"detail", detail}};
  if (r.authenticated) raw["user.roles"] = role_name(r.who.role);
  Event ev;
  ev.raw = dump(raw);
  ev.ts = ev.received = now;
  ev.set(kind, "event");
  ev.set(kEventDataset, kAuditDataset);
  ev.set(kEventModule, "wardsec");
  ev.set(kEventCategory, action.rfind("login", 0) == 0 || action.rfind("logout", 0) == 0 || action.rfind("mfa", 0) == 0 ? "authentication"
                         : action.rfind("user", 0) == 0 || action.rfind("password", 0) == 0 || action.rfind("token", 0) == 0
                             ? "iam"
                             : "configuration");
  ev.set(kEventAction, action);
  ev.set(kEventOutcome, ok_ ? "success" : "failure");
  if (!user.empty()) ev.set(kUserName, user);
  if (r.authenticated) ev.set(roles, role_name(r.who.role));
  if (!r.ip.empty()) ev.set(kSourceIp, r.ip);
  if (!target.empty()) ev.set(target_user, target);
  ev.set(url, r.path);
  ev.set(method, r.method);
  ev.set(kMessage, "wardsec " + action + (ok_ ? " ok" : " failed") + " by " + (user.empty() ? "-" : user) +
                       (target.empty() ? "" : " on " + target) + (detail.empty() ? "" : ": " + detail));
  // Signed by the instance key over the record's text: the audit administrator's view shows
  // only records whose signature verifies.
  if (opt.audit_key) {
    if (auto sig = opt.audit_key->sign(ev.raw)) {
      ev.set(kAuditSig, to_hex(*sig));
      ev.set(kAuditKey, opt.audit_key->fingerprint());
    }
  }
  std::vector<Event> v;
  v.push_back(std::move(ev));
  pipeline.submit_events(std::move(v), nullptr);
}

double Api::events_per_second() {
  std::lock_guard<std::mutex> g(rate_mu_);
  int64_t now = now_ns();
  uint64_t stored = pipeline.metrics().stored.load();
  if (last_t_ == 0) {
    last_t_ = now;
    last_stored_ = stored;
  } else if (now - last_t_ >= kSec) {
    double inst = static_cast<double>(stored - last_stored_) * 1e9 / static_cast<double>(now - last_t_);
    eps_ = eps_ == 0 ? inst : 0.5 * eps_ + 0.5 * inst;
    last_t_ = now;
    last_stored_ = stored;
  }
  return eps_;
}

std::string Api::metrics_json() {
  const auto& m = pipeline.metrics();
  std::string out =
      "{\"received\":" + std::to_string(m.received.load()) + ",\"stored\":" + std::to_string(m.stored.load()) +
      ",\"dropped\":" + std::to_string(m.dropped.load()) + ",\"blocked\":" + std::to_string(m.blocked.load()) +
      ",\"parse_errors\":" + std::to_string(m.parse_errors.load()) + ",\"store_errors\":" + std::to_string(m.store_errors.load()) +
      ",\"commits\":" + std::to_string(m.commits.load()) + ",\"queued_bytes\":" + std::to_string(pipeline.queued_bytes()) +
      ",\"observer_waits\":" + std::to_string(m.observer_waits.load()) +
      ",\"detect_queued_bytes\":" + std::to_string(pipeline.observer_queued_bytes()) +
      ",\"sessions\":" + std::to_string(auth.session_count()) + ",\"reserved_renamed\":" + std::to_string(m.reserved_renamed.load()) +
      ",\"store_discarded\":" + std::to_string(m.store_discarded.load()) +
      ",\"store_failing\":" + (m.store_failing.load() ? "true" : "false") +
      ",\"searches_cancelled\":" + std::to_string(search_counters().cancelled.load()) +
      ",\"searches_timed_out\":" + std::to_string(search_counters().timed_out.load()) +
      ",\"multiline\":{\"events\":" + std::to_string(m.multiline_events.load()) + ",\"lines\":" + std::to_string(m.multiline_lines.load()) +
      ",\"cut\":" + std::to_string(m.multiline_cut.load()) + ",\"held\":" + std::to_string(m.multiline_held.load()) + "}";
  if (opt.extra_metrics) out += "," + opt.extra_metrics();
  return out + "}";
}

namespace {

// ---- handlers -------------------------------------------------------------------------------

// A user's search: everything but the audit trail, within the query budget and a time limit,
// stopped when the client goes away.
SearchScope user_scope(Api& api, Request& r) {
  SearchScope s;
  s.restrict = &api.not_audit;
  s.budgeted = true;
  s.budget_ns = static_cast<int64_t>(api.opt.search_budget_seconds) * kSec;
  s.cancel = r.cancelled.get();
  return s;
}

Response search(Api& api, Request& r) { return handle_search(api.opt.data_dir, r.target, api.opt.tz_sec, user_scope(api, r)); }

// The audit trail: the center's own records. No input can write their dataset (guard.cc), and
// each record says whether its signature by the instance key verifies: records from before
// signing (an upgraded center) show as unverified; one whose signature fails was altered.
SearchScope audit_scope(Api& api, Request& r) {
  SearchScope s = user_scope(api, r);
  s.restrict = &api.audit_only;
  s.annotate = [&api](const Event& ev) { return std::string(",\"wardsec.audit.verified\":") + (api.authentic(ev) ? "true" : "false"); };
  return s;
}

Response audit_trail(Api& api, Request& r) { return handle_search(api.opt.data_dir, r.target, api.opt.tz_sec, audit_scope(api, r)); }

}  // namespace

Status time_range(const Api& api, std::map<std::string, std::string>& p, search::SearchOptions& so) {
  int64_t now = now_ns();
  so.to = now;
  so.from = now - 24 * 3600 * kSec;
  for (const char* k : {"from", "to"}) {
    if (p[k].empty()) continue;
    int64_t t;
    if (!parse_user_time(p[k], api.opt.tz_sec, t)) return Error{std::string(k) + ": '" + p[k] + "' is not a time"};
    (std::string_view(k) == "from" ? so.from : so.to) = t;
  }
  if (so.to <= so.from) return Error{"to must be after from"};
  return {};
}

Result<PageScan> page_scan(const Api& api, Request& r, const search::Query& q, search::SearchOptions so, size_t max, int64_t budget,
                           const std::function<void(const Event&)>& each) {
  PageScan out;
  out.oldest = so.to;
  so.limit = max;
  so.newest_first = true;
  so.cancel = r.cancelled.get();
  so.deadline = now_ns() + budget;
  Status s = search::run_search(
      api.opt.data_dir, q, so,
      [&](const Event& ev) {
        out.n++;
        out.oldest = std::min(out.oldest, ev.ts);
        each(ev);
        return true;
      },
      out.st);
  if (!s) return Error{s.error()};
  out.truncated = out.n >= max || out.st.timed_out;
  return out;
}

namespace {

// Matches over time (a histogram) and the commonest values of a few fields: what the search
// page draws above its results. Exact: every match in the range is counted, from the blocks'
// facet summaries where the query allows (search/stats.h); the search budget stays as a guard
// and, when it stops the count, the answer says from which time on it is complete.
Response search_stats(Api& api, Request& r) {
  auto p = r.query;
  auto parsed = search::Query::parse(p["q"], api.opt.tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure()))
    return {400, error_json("query error: " + e->message, static_cast<long>(e->column))};
  if (auto st = parsed.value().within_budget(); !st) return fail(400, st.error());
  search::Query query = search::Query::all_of(parsed.value(), api.not_audit);
  search::SearchOptions so;
  if (Status e = time_range(api, p, so); !e) return fail(400, e.error());
  // Whole seconds, so every block summary's times place events exactly (search/stats.h).
  so.from -= (so.from % kSec + kSec) % kSec;
  if (int64_t part = (so.to % kSec + kSec) % kSec; part && so.to <= std::numeric_limits<int64_t>::max() - kSec) so.to += kSec - part;
  so.newest_first = true;  // when the guard stops the count, the recent part is complete
  so.cancel = r.cancelled.get();
  so.deadline = now_ns() + 2 * kSec;
  // The fields every block summarises (store/summary.h): counted without decoding.
  static const std::vector<std::string> facet_fields(store::summary_fields().begin(), store::summary_fields().end());
  search::StatsResult res(search::DateHistogram::seconds(so.from, so.to, 60));
  if (Status s = search::run_stats(api.opt.data_dir, query, so, facet_fields, res); !s) return fail(500, s.error());
  bool truncated = res.st.timed_out || res.st.cancelled;
  json h = json::array();
  for (size_t i = 0; i < res.hist.size(); i++) h.push_back({{"t", format_rfc3339(res.hist.start(i))}, {"count", res.hist.counts()[i]}});
  json f = json::object();
  for (size_t i = 0; i < facet_fields.size(); i++) f[facet_fields[i]] = top_json(res.facets[i], 8);
  json out = {{"histogram", h},
              {"bucket_seconds", res.hist.width() / kSec},
              {"facets", f},
              {"scanned", res.matched},
              {"truncated", truncated},
              {"exact", !truncated && res.facets_complete && res.st.damaged_total == 0},
              {"facet_sample", res.matched},
              {"blocks_summarised", res.blocks_summarised},
              {"blocks_decoded", res.blocks_decoded},
              {"damaged_total", res.st.damaged_total},
              {"damaged", res.st.damaged}};
  if (truncated) out["complete_from"] = format_rfc3339(res.oldest ? res.oldest : so.to);  // counts older than this are missing
  return ok(out);
}

// Matches as CSV (with a BOM, so Excel reads the Chinese) or JSON lines, at most 10,000 unless
// the request says otherwise; the export itself is audited.
Response export_matches(Api& api, Request& r, const SearchScope& scope, const std::vector<std::string>& cols, const std::string& what) {
  std::string target = r.target;
  if (r.query.find("limit") == r.query.end()) target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("limit=10000");
  std::string fmt = r.query["format"].empty() ? "csv" : r.query["format"];
  if (fmt != "csv" && fmt != "json") return fail(400, "format must be csv or json");
  Response found = handle_search(api.opt.data_dir, target, api.opt.tz_sec, scope);
  api.audit(r, r.who.user, "export", found.status == 200, what, "q=" + r.query["q"] + " format=" + fmt);
  if (found.status != 200) return found;
  auto j = json::parse(found.body, nullptr, false);
  std::string file = "wardsec-" + what;
  if (fmt == "json") {
    std::string out;
    for (const auto& e : j["events"]) out += dump(e) + "\n";
    return {200, out, "application/x-ndjson; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"" + file + ".jsonl\""}}};
  }
  std::string out = "\xEF\xBB\xBF" + compliance::csv_line(cols) + "\r\n";  // BOM: Excel opens UTF-8 Chinese correctly
  for (const auto& e : j["events"]) {
    std::vector<std::string> row;
    for (const auto& c : cols) {
      std::string v = e.contains(c) && e[c].is_string() ? e[c].get<std::string>() : e.contains(c) ? dump(e[c]) : "";
      defuse_formula(v);  // log lines are attacker-controlled (CSV injection)
      row.push_back(std::move(v));
    }
    out += compliance::csv_line(row) + "\r\n";
  }
  return {200, out, "text/csv; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"" + file + ".csv\""}}};
}

Response search_export(Api& api, Request& r) {
  return export_matches(api, r, user_scope(api, r),
                        {"@timestamp", "host.name", "event.dataset", "source.ip", "user.name", "event.action", "event.outcome", "message"},
                        "events");
}

// The audit trail for the auditor's records (审计日志导出): each row with whether its signature
// verifies.
Response audit_export(Api& api, Request& r) {
  return export_matches(api, r, audit_scope(api, r),
                        {"@timestamp", "user.name", "user.roles", "event.action", "user.target.name", "event.outcome", "source.ip",
                         "message", "wardsec.audit.verified"},
                        "audit");
}

Response alerts(Api& api, Request& r) {
  if (!api.opt.alerts) return fail(503, "detection is off");
  std::string body = r.body;
  const bool bulk = r.path == "/api/v1/alerts/bulk";
  bool assign = r.path.ends_with("/assign");
  if (r.method == "POST") {
    // Who acts is the logged-in account, whatever the body says.
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object()) return fail(400, "body must be a JSON object");
    j["by"] = r.who.user;
    body = dump(j);
    if (bulk && j.contains("action") && j["action"] == "assign") assign = true;
    // An alert is given only to an enabled account that may handle alerts.
    if (assign && j.contains("assignee") && j["assignee"].is_string() && !j["assignee"].get<std::string>().empty()) {
      auto who = api.auth.account(j["assignee"].get<std::string>());
      if (!who || who->disabled || !role_has(who->role, Perm::kAlertsWrite)) {
        api.audit(r, r.who.user, bulk ? "alert_bulk" : "alert_assign", false, r.path, r.body.substr(0, 300));
        return fail(400, "assignee: 不是可处置告警的账号 / not an account that handles alerts");
      }
    }
  }
  auto record = [&api](Event&& ev) {
    std::vector<Event> v;
    v.push_back(std::move(ev));
    api.pipeline.submit_events(std::move(v), nullptr, false);  // an alert record: stored, not examined again
  };
  auto guide = r.method == "GET" ? api.guide() : nullptr;
  Response res = handle_alerts(*api.opt.alerts, api.opt.data_dir, r.method, r.target, body, api.opt.tz_sec, record, guide.get());
  if (r.method != "GET") {
    std::string action = r.path.rfind("/api/v1/suppressions", 0) == 0 ? (r.method == "DELETE" ? "suppression_remove" : "suppression_add")
                         : bulk                                       ? "alert_bulk"
                         : assign                                     ? "alert_assign"
                                                                      : "alert_state";
    // A bulk change: the request and which alerts changed (each is also in the event store).
    std::string detail = r.body.substr(0, 300) + (bulk ? " -> " + res.body.substr(0, 700) : "");
    api.audit(r, r.who.user, action, res.status < 300, r.path, detail);
  }
  return res;
}

Response ingest(Api& api, Request& r) {
  ingest::RawBatch b;
  b.input = "http";
  b.source = r.ip + " (" + r.who.user + ")";
  std::string_view body = r.body;
  size_t line_no = 0;
  int64_t now = now_ns();
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = trim(body.substr(0, nl));
    line_no++;
    if (!line.empty()) {
      if (line.front() != '{') return fail(400, "line " + std::to_string(line_no) + ": not a JSON object");
      b.add(line, now);
    }
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  size_t n = b.msgs.size();
  if (n == 0) return fail(400, "empty batch: send one JSON object per line");
  auto respond = r.respond;
  b.on_durable = [respond, n](bool good) {
    if (good)
      respond({200, "{\"accepted\":" + std::to_string(n) + "}"});
    else
      respond({503, error_json("event store error; retry")});
  };
  if (!api.pipeline.try_submit(b)) return fail(503, "ingest queue full; retry later");
  Response res;
  res.deferred = true;
  return res;
}

}  // namespace

std::vector<Route> build_routes(Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  std::vector<Route> t = {
      {"GET", "/api/v1/health", P::kPublic, false,
       [](Request&) {
         return ok({{"status", "ok"}, {"version", "0.1.0"}});
       },
       "liveness"},
      {"GET", "/api/v1/metrics", P::kSystemRead, false,
       [api](Request&) {
         return Response{200, api->metrics_json()};
       },
       "ingest and detection counters"},
      {"GET", "/api/v1/search", P::kEventsRead, false, h(search), "search stored events"},
      {"GET", "/api/v1/search/stats", P::kEventsRead, false, h(search_stats), "histogram and field facets of a search"},
      {"GET", "/api/v1/search/export", P::kEventsRead, false, h(search_export), "export matches as CSV or JSON lines"},
      {"GET", "/api/v1/alerts", P::kAlertsRead, false, h(alerts), "list alerts"},
      {"POST", "/api/v1/alerts/bulk", P::kAlertsWrite, false, h(alerts), "acknowledge, close or assign many alerts at once"},
      {"GET", "/api/v1/alerts/{id}", P::kAlertsRead, false, h(alerts), "one alert with history, events, the rule's texts and tags"},
      {"GET", "/api/v1/rules", P::kAlertsRead, false,
       [api](Request&) {
         return Response{200, api->guide()->list().dump(-1, ' ', false, json::error_handler_t::replace)};
       },
       "the rules that raise alerts: id, level and titles"},
      {"POST", "/api/v1/alerts/{id}/state", P::kAlertsWrite, false, h(alerts), "acknowledge or close an alert"},
      {"POST", "/api/v1/alerts/{id}/assign", P::kAlertsWrite, false, h(alerts), "give an open alert to an account with a due time"},
      {"GET", "/api/v1/suppressions", P::kAlertsRead, false, h(alerts), "suppression windows"},
      {"POST", "/api/v1/suppressions", P::kAlertsWrite, false, h(alerts), "add a suppression window"},
      {"DELETE", "/api/v1/suppressions/{id}", P::kAlertsWrite, false, h(alerts), "remove a suppression window"},
      {"GET", "/api/v1/audit", P::kAuditRead, false, h(audit_trail), "the administrators' audit trail"},
      {"GET", "/api/v1/audit/export", P::kAuditRead, false, h(audit_export), "export the audit trail as CSV or JSON lines"},
      {"GET", "/api/v1/live", P::kDashboard, false,
       [](Request&) {
         return Response{426, error_json("open a WebSocket here"), "application/json; charset=utf-8", {{"Upgrade", "websocket"}}};
       },
       "WebSocket: figures, new alerts and new events every second"},
      {"POST", "/api/v1/ingest", P::kIngest, false, h(ingest), "JSON lines into the store (answers when durable)", true},
  };
  add_dashboard_routes(t, api);
  add_inventory_routes(t, api);
  add_account_routes(t, api);
  add_compliance_routes(t, api);
  add_evaluation_routes(t, api);
  add_records_routes(t, api);
  add_vuln_routes(t, api);
  add_agent_routes(t, api);
  add_asset_routes(t, api);
  add_web_routes(t, api);
  add_db_routes(t, api);
  add_bastion_routes(t, api);
  add_incident_routes(t, api);
  add_emergency_routes(t, api);
  add_sources_routes(t, api);
  add_probe_routes(t, api);
  add_config_routes(t, api);
  add_duty_routes(t, api);
  add_saved_search_routes(t, api);
  add_status_routes(t, api);
  add_region_routes(t, api);
  add_settings_routes(t, api);
  return t;
}

}  // namespace wardsec::server
