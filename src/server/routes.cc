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
#include "server/api.h"

namespace wardsec::server {

using json = nlohmann::json;

namespace {

constexpr const char* kAuditDataset = "wardsec.audit";


// A zone's key: the first word of its label ("core 核心业务区" -> "core").
std::string zone_key(const std::string& name) { return name.substr(0, name.find(' ')); }

}  // namespace

Api::Api(ingest::Pipeline& p, HttpOptions& o, Auth& a)
    : pipeline(p),
      opt(o),
      auth(a),
      not_audit(std::get<search::Query>(search::Query::parse(std::string("NOT event.dataset:") + kAuditDataset))),
      audit_only(std::get<search::Query>(search::Query::parse(std::string("event.dataset:") + kAuditDataset))) {}

namespace {
const FieldId kAuditSig = FieldRegistry::intern("wardsec.audit.signature");
const FieldId kAuditKey = FieldRegistry::intern("wardsec.audit.key");
}  // namespace

AuditSignature audit_signature(const KeyPair* key, const Event& ev) {
  std::string_view sig = ev.get(kAuditSig);
  if (sig.empty()) return AuditSignature::kNone;
  auto bin = from_hex(sig);
  return key && bin && key->verify(ev.raw, *bin) ? AuditSignature::kValid : AuditSignature::kInvalid;
}

bool Api::authentic(const Event& ev) const {
  return ev.get(kEventDataset) == kAuditDataset && audit_signature(opt.audit_key, ev) == AuditSignature::kValid;
}

void Api::audit(const Request& r, const std::string& user, const std::string& action, bool ok_, const std::string& target,
                const std::string& detail) {
  static const FieldId kind = FieldRegistry::intern("event.kind"), roles = FieldRegistry::intern("user.roles"),
                       target_user = FieldRegistry::intern("user.target.name"), url = FieldRegistry::intern("url.path"),
                       method = FieldRegistry::intern("http.request.method");
  int64_t now = now_ns();
  json raw = {{"@timestamp", format_rfc3339(now)}, {"event.dataset", kAuditDataset}, {"event.action", action},     {"event.outcome", ok_ ? "success" : "failure"},
              {"user.name", user},                 {"source.ip", r.ip},         {"http.request.method", r.method},
              {"url.path", r.path},                {"target", target},          {"detail", detail}};
  if (r.authenticated) raw["user.roles"] = role_name(r.who.role);
  Event ev;
  ev.raw = dump(raw);
  ev.ts = ev.received = now;
  ev.set(kind, "event");
  ev.set(kEventDataset, kAuditDataset);
  ev.set(kEventModule, "wardsec");
  ev.set(kEventCategory, action.rfind("login", 0) == 0 || action.rfind("logout", 0) == 0 || action.rfind("mfa", 0) == 0 ? "authentication"
                         : action.rfind("user", 0) == 0 || action.rfind("password", 0) == 0 || action.rfind("token", 0) == 0 ? "iam"
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
  std::string out = "{\"received\":" + std::to_string(m.received.load()) + ",\"stored\":" + std::to_string(m.stored.load()) +
                    ",\"dropped\":" + std::to_string(m.dropped.load()) + ",\"blocked\":" + std::to_string(m.blocked.load()) +
                    ",\"parse_errors\":" + std::to_string(m.parse_errors.load()) + ",\"store_errors\":" +
                    std::to_string(m.store_errors.load()) + ",\"commits\":" + std::to_string(m.commits.load()) +
                    ",\"queued_bytes\":" + std::to_string(pipeline.queued_bytes()) + ",\"observer_waits\":" +
                    std::to_string(m.observer_waits.load()) + ",\"detect_queued_bytes\":" + std::to_string(pipeline.observer_queued_bytes()) +
                    ",\"sessions\":" + std::to_string(auth.session_count()) +
                    ",\"reserved_renamed\":" + std::to_string(m.reserved_renamed.load()) +
                    ",\"store_discarded\":" + std::to_string(m.store_discarded.load()) +
                    ",\"store_failing\":" + (m.store_failing.load() ? "true" : "false") +
                    ",\"searches_cancelled\":" + std::to_string(search_counters().cancelled.load()) +
                    ",\"searches_timed_out\":" + std::to_string(search_counters().timed_out.load());
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

Response search(Api& api, Request& r) {
  auto [code, body] = handle_search(api.opt.data_dir, r.target, api.opt.tz_sec, user_scope(api, r));
  return {code, std::move(body)};
}

// The audit trail: the center's own records. No input can write their dataset (guard.cc), and
// each record says whether its signature by the instance key verifies: records from before
// signing (an upgraded center) show as unverified; one whose signature fails was altered.
Response audit_trail(Api& api, Request& r) {
  SearchScope s = user_scope(api, r);
  s.restrict = &api.audit_only;
  s.annotate = [&api](const Event& ev) {
    return std::string(",\"wardsec.audit.verified\":") + (api.authentic(ev) ? "true" : "false");
  };
  auto [code, body] = handle_search(api.opt.data_dir, r.target, api.opt.tz_sec, s);
  return {code, std::move(body)};
}

}  // namespace

std::string time_range(const Api& api, std::map<std::string, std::string>& p, search::SearchOptions& so) {
  int64_t now = now_ns();
  so.to = now;
  so.from = now - 24 * 3600 * kSec;
  for (const char* k : {"from", "to"}) {
    if (p[k].empty()) continue;
    int64_t t;
    if (!parse_user_time(p[k], api.opt.tz_sec, t)) return std::string(k) + ": '" + p[k] + "' is not a time";
    (std::string_view(k) == "from" ? so.from : so.to) = t;
  }
  return so.to <= so.from ? "to must be after from" : "";
}

namespace {

// Matches over time (a histogram) and the commonest values of a few fields: what the search
// page draws above its results. Scans at most `max_scan` matches, newest first, and says so.
Response search_stats(Api& api, Request& r) {
  auto p = r.query;
  auto parsed = search::Query::parse(p["q"], api.opt.tz_sec);
  if (auto* e = std::get_if<search::QueryError>(&parsed)) return {400, error_json("query error: " + e->message, static_cast<long>(e->column))};
  if (auto e = std::get<search::Query>(parsed).over_budget()) return fail(400, e->message);
  search::Query query = search::Query::all_of(std::get<search::Query>(parsed), api.not_audit);
  search::SearchOptions so;
  if (std::string e = time_range(api, p, so); !e.empty()) return fail(400, e);
  const size_t kBuckets = 60, max_scan = 200000;
  so.limit = max_scan;
  so.newest_first = true;
  int64_t width = std::max<int64_t>((so.to - so.from + kBuckets - 1) / kBuckets, 1);
  std::vector<uint64_t> hist(kBuckets, 0);
  static const std::vector<std::string> facet_fields = {"event.dataset", "host.name", "source.ip", "user.name", "event.outcome", "event.action"};
  std::vector<FieldId> ids;
  for (const auto& f : facet_fields) ids.push_back(FieldRegistry::intern(f));
  std::vector<std::map<std::string, uint64_t>> facets(facet_fields.size());
  size_t n = 0;
  search::SearchStats st;
  // An interactive page waits for this: stop after 2 seconds and say how far back it got
  // (newest first, so the recent part of the histogram is always complete).
  const int64_t deadline = now_ns() + 2 * kSec;
  so.cancel = r.cancelled.get();
  int64_t oldest = so.to;
  bool timed_out = false;
  so.deadline = deadline;
  Status s = search::run_search(api.opt.data_dir, query, so, [&](const Event& ev) {
    if ((n & 1023) == 0 && n && now_ns() > deadline) {
      timed_out = true;
      return false;
    }
    oldest = std::min(oldest, ev.ts);
    size_t b = static_cast<size_t>((ev.ts - so.from) / width);
    if (b < kBuckets) hist[b]++;
    if (n++ < 5000)
      for (size_t i = 0; i < ids.size(); i++) {
        auto v = ev.get(ids[i]);
        if (!v.empty() && facets[i].size() < 2000) facets[i][search::display_text(v)]++;
      }
    return true;
  }, st);
  if (!s) return fail(500, s.error());
  json h = json::array();
  for (size_t i = 0; i < kBuckets; i++) h.push_back({{"t", format_rfc3339(so.from + static_cast<int64_t>(i) * width)}, {"count", hist[i]}});
  json f = json::object();
  for (size_t i = 0; i < ids.size(); i++) {
    std::vector<std::pair<std::string, uint64_t>> v(facets[i].begin(), facets[i].end());
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    json arr = json::array();
    for (size_t k = 0; k < v.size() && k < 8; k++) arr.push_back({{"value", v[k].first}, {"count", v[k].second}});
    f[facet_fields[i]] = arr;
  }
  json out = {{"histogram", h}, {"bucket_seconds", width / kSec}, {"facets", f}, {"scanned", n},
              {"truncated", n >= max_scan || timed_out || st.timed_out}, {"facet_sample", std::min<size_t>(n, 5000)},
              {"damaged_total", st.damaged_total}, {"damaged", st.damaged}};
  if (n >= max_scan || timed_out || st.timed_out) out["complete_from"] = format_rfc3339(oldest);  // counts older than this are missing
  return ok(out);
}

// CSV or JSON lines of up to 10 000 matches; an export is an audited action.
Response search_export(Api& api, Request& r) {
  std::string target = r.target;
  if (r.query.find("limit") == r.query.end()) target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("limit=10000");
  std::string fmt = r.query["format"].empty() ? "csv" : r.query["format"];
  if (fmt != "csv" && fmt != "json") return fail(400, "format must be csv or json");
  auto [code, body] = handle_search(api.opt.data_dir, target, api.opt.tz_sec, user_scope(api, r));
  api.audit(r, r.who.user, "export", code == 200, "events", "q=" + r.query["q"] + " format=" + fmt);
  if (code != 200) return {code, body};
  auto j = json::parse(body, nullptr, false);
  if (fmt == "json") {
    std::string out;
    for (const auto& e : j["events"]) out += dump(e) + "\n";
    return {200, out, "application/x-ndjson; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"wardsec-events.jsonl\""}}};
  }
  std::vector<std::string> cols = {"@timestamp", "host.name", "event.dataset", "source.ip", "user.name", "event.action", "event.outcome", "message"};
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
  return {200, out, "text/csv; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"wardsec-events.csv\""}}};
}

Response alerts(Api& api, Request& r) {
  if (!api.opt.alerts) return fail(503, "detection is off");
  std::string body = r.body;
  if (r.method == "POST") {
    // Who acts is the logged-in account, whatever the body says.
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object()) return fail(400, "body must be a JSON object");
    j["by"] = r.who.user;
    body = dump(j);
  }
  auto record = [&api](Event&& ev) {
    std::vector<Event> v;
    v.push_back(std::move(ev));
    api.pipeline.submit_events(std::move(v), nullptr, false);  // an alert record: stored, not examined again
  };
  auto [code, out] = handle_alerts(*api.opt.alerts, api.opt.data_dir, r.method, r.target, body, api.opt.tz_sec, record);
  if (r.method != "GET") {
    std::string action = r.path.rfind("/api/v1/suppressions", 0) == 0 ? (r.method == "DELETE" ? "suppression_remove" : "suppression_add")
                                                                       : "alert_state";
    api.audit(r, r.who.user, action, code < 300, r.path, r.body.substr(0, 300));
  }
  return {code, std::move(out)};
}

Response inventory_list(Api& api, Request& r, const std::string& kind) {
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!inv) return fail(500, inv.error());
  json out = json::array();
  if (kind == "zones") {
    auto z = (*inv)->zones();
    if (!z) return fail(500, z.error());
    for (const auto& x : *z) out.push_back({{"name", x.name}, {"name_zh", x.name_zh}, {"cidr", x.cidr}, {"description", x.description}});
  } else if (kind == "systems") {
    auto s = (*inv)->systems();
    if (!s) return fail(500, s.error());
    for (const auto& x : *s)
      out.push_back({{"id", x.id}, {"name", x.name}, {"name_en", x.name_en}, {"kind", x.kind}, {"level", x.level}, {"owner", x.owner},
                     {"business", x.business}, {"users", x.users}, {"data", x.data}});
  } else {
    auto a = (*inv)->assets();
    if (!a) return fail(500, a.error());
    std::string q = r.query["q"];
    for (const auto& x : *a) {
      if (!q.empty() && (x.name + " " + x.ip + " " + x.system + " " + x.zone + " " + x.type).find(q) == std::string::npos) continue;
      out.push_back({{"name", x.name}, {"ip", x.ip}, {"type", x.type}, {"zone", x.zone}, {"system", x.system}, {"os", x.os}, {"owner", x.owner}});
    }
  }
  return ok({{kind, out}, {"total", out.size()}});
}

Response inventory_import(Api& api, Request& r) {
  const std::string& kind = r.params[0];
  if (kind != "zones" && kind != "systems" && kind != "assets") return fail(404, "kind must be zones, systems or assets");
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!inv) return fail(500, inv.error());
  auto n = (*inv)->import_csv(kind, r.body, kind + ".csv");
  api.audit(r, r.who.user, "inventory_import", n.ok(), kind, n ? std::to_string(*n) + " rows" : n.error());
  if (!n) return fail(400, n.error());
  return ok({{"imported", *n}, {"kind", kind}});
}

Response inventory_export(Api& api, Request& r) {
  const std::string& kind = r.params[0];
  if (kind != "zones" && kind != "systems" && kind != "assets") return fail(404, "kind must be zones, systems or assets");
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!inv) return fail(500, inv.error());
  auto csv = (*inv)->export_csv(kind);
  api.audit(r, r.who.user, "export", csv.ok(), kind);
  if (!csv) return fail(500, csv.error());
  return {200, "\xEF\xBB\xBF" + *csv, "text/csv; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"" + kind + ".csv\""}}};
}

// The situational-awareness page in one answer: figures, alerts over 24 hours by level, top
// assets and sources, the zones with traffic and alerts between them, assets by protection
// level, and the oldest open serious alerts with their age.
Response dashboard(Api& api, Request&) {
  int64_t now = now_ns();
  json out;
  out["metrics"] = json::parse(api.metrics_json(), nullptr, false);
  out["eps"] = api.events_per_second();
  out["generated"] = format_rfc3339(now);
  const enrich::Places empty_places;
  const enrich::Places& places = api.opt.places ? *api.opt.places : empty_places;
  // Inventory: zones' Chinese names, assets by graded system level.
  std::map<std::string, std::string> zone_zh;
  std::map<std::string, int> sys_level;
  json by_level = json::object();
  if (auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db())) {
    if (auto z = (*inv)->zones())
      for (const auto& x : *z) zone_zh[x.name] = x.name_zh;
    // Each graded system with its self-assessment score and conclusion where it has been
    // assessed (the method and weights of catalog/scoring.yaml, as `wardsec score --system`).
    json systems = json::array();
    auto cat = compliance::Catalog::load(api.opt.catalog_file);
    auto scoring = compliance::ScoringConfig::load(api.opt.scoring_file);
    auto assessed = compliance::Assessments::open(DataDir(api.opt.data_dir).compliance_db());
    if (auto s = (*inv)->systems())
      for (const auto& x : *s) {
        sys_level[x.id] = x.level;
        json sj = {{"id", x.id}, {"name", x.name}, {"level", x.level}};
        auto cur = assessed ? (*assessed)->current(x.id) : Result<std::vector<compliance::AssessmentRecord>>(Error{"no store"});
        if (cat && scoring && cur && !cur->empty() && x.level >= 2) {
          std::vector<compliance::ItemAssessment> items;
          for (const auto& rec : *cur) items.push_back({rec.item, rec.result, rec.x, rec.risk});
          auto sc = compliance::compute_score(items, *cat, std::min(x.level, 3), *scoring);
          sj["score"] = std::round(sc.score * 100) / 100;
          sj["conclusion"] = sc.conclusion;
          sj["high_risks"] = sc.high;
          sj["assessed"] = sc.applicable;  // applicable items with a result
          sj["applicable"] = sc.applicable + static_cast<int>(sc.not_assessed.size());
        }
        systems.push_back(sj);
      }
    // Rectification tasks (整改): open and overdue.
    if (assessed) {
      if (auto tasks = (*assessed)->rectifications("")) {
        std::string today = format_rfc3339(now + api.opt.tz_sec * kSec).substr(0, 10);
        int open = 0, overdue = 0;
        for (const auto& t : *tasks)
          if (t.status != "done") {
            open++;
            if (!t.due.empty() && t.due < today) overdue++;
          }
        out["rectification"] = {{"open", open}, {"overdue", overdue}};
      }
    }
    std::map<std::string, int> counts;
    if (auto a = (*inv)->assets())
      for (const auto& x : *a) {
        auto it = sys_level.find(x.system);
        counts[it == sys_level.end() || it->second == 0 ? "未定级" : "第" + std::to_string(it->second) + "级"]++;
      }
    for (auto& [k, v] : counts) by_level[k] = v;
    out["systems"] = systems;
  }
  out["assets_by_level"] = by_level;
  // Alerts of the last 24 hours.
  const std::vector<std::string> levels = {"critical", "high", "medium", "low", "informational"};
  json series = json::object();
  for (const auto& l : levels) series[l] = std::vector<uint64_t>(24, 0);
  std::map<std::string, uint64_t> top_assets, top_sources;
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>> links;  // (from, to) -> (events, alerts)
  std::map<std::string, uint64_t> zone_alerts;
  json open_serious = json::array();
  uint64_t open_total = 0;
  int64_t start = now - 24 * 3600 * kSec;
  if (api.opt.alerts) {
    alert::AlertQuery q;
    q.from = start;
    q.limit = 10000;
    if (auto list = api.opt.alerts->query(q)) {
      for (const auto& a : *list) {
        // By when it happened (the first event), not when detection got to it: a catch-up
        // after a restart must not pile the night's alerts into the current hour.
        int64_t at = a.first_ts ? std::max(a.first_ts, start) : a.created;
        int h = static_cast<int>((at - start) / (3600 * kSec));
        if (h >= 0 && h < 24 && series.contains(a.level)) series[a.level][h] = series[a.level][h].get<uint64_t>() + 1;
        if (!a.asset.empty()) top_assets[a.asset] += 1;
        if (!a.source_ip.empty()) top_sources[a.source_ip] += 1;
        std::string to = zone_key(a.zone), from = places.zone_key_of(a.source_ip);
        if (!to.empty()) zone_alerts[to]++;
        if (!to.empty() && !from.empty()) links[{from, to}].second++;
      }
    }
    alert::AlertQuery oq;
    oq.state = "open";
    oq.min_level = "high";
    oq.limit = 1000;
    if (auto list = api.opt.alerts->query(oq)) {
      std::vector<alert::Alert> v = *list;
      std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.created < b.created; });
      for (size_t i = 0; i < v.size() && i < 10; i++)
        open_serious.push_back({{"id", v[i].id}, {"title", v[i].rule_title}, {"level", v[i].level}, {"asset", v[i].asset},
                                {"system", v[i].system}, {"created", format_rfc3339(v[i].created)},
                                {"age_hours", static_cast<double>(now - v[i].created) / (3600.0 * kSec)}, {"state", alert::state_name(v[i].state)}});
    }
    alert::AlertQuery cq;
    cq.state = "open";
    if (auto c = api.opt.alerts->count(cq)) open_total = *c;
  }
  json hours = json::array();
  for (int h = 0; h < 24; h++) hours.push_back(format_rfc3339(start + h * 3600 * kSec));
  out["alerts_24h"] = {{"hours", hours}, {"series", series}};
  out["alerts_open"] = open_total;
  out["open_serious"] = open_serious;
  auto top = [](const std::map<std::string, uint64_t>& m, const char* key) {
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    json arr = json::array();
    for (size_t i = 0; i < v.size() && i < 10; i++) arr.push_back({{key, v[i].first}, {"alerts", v[i].second}});
    return arr;
  };
  out["top_assets"] = top(top_assets, "asset");
  out["top_sources"] = top(top_sources, "source");
  for (auto& s : out["top_sources"]) s["zone"] = places.zone_key_of(s["source"].get<std::string>());
  // Traffic between zones: a sample of the last 15 minutes' events that name both ends.
  search::SearchOptions so;
  so.from = now - 15 * 60 * kSec;
  so.limit = 5000;
  so.newest_first = true;
  auto q = search::Query::parse("source.ip:* AND destination.ip:*", api.opt.tz_sec);
  uint64_t sampled = 0;
  if (auto* query = std::get_if<search::Query>(&q)) {
    search::SearchStats st;
    // A sample: a store that cannot be read shows fewer links here (the search page says why).
    (void)search::run_search(api.opt.data_dir, *query, so, [&](const Event& ev) {
      // The asset stage wrote both ends' zones (src/enrich/places.h); events stored before
      // it existed get the same lookup here.
      static const FieldId sz = FieldRegistry::intern("source.zone"), dz = FieldRegistry::intern("destination.zone");
      std::string from = ev.has(sz) ? std::string(ev.get(sz)) : places.zone_key_of(ev.get(kSourceIp));
      std::string to = ev.has(dz) ? std::string(ev.get(dz)) : places.zone_key_of(ev.get(kDestinationIp));
      if (!from.empty() && !to.empty()) links[{from, to}].first++;
      sampled++;
      return true;
    }, st);
  }
  json zj = json::array();
  std::set<std::string> named;
  for (const auto& z : places.zones()) {
    if (!named.insert(z.key).second) continue;
    std::string zh = zone_zh.count(z.key) ? zone_zh[z.key] : z.name_zh.empty() ? z.key : z.name_zh;
    zj.push_back({{"name", z.key}, {"name_zh", zh}, {"alerts", zone_alerts[z.key]}});
  }
  zj.push_back({{"name", "public"}, {"name_zh", "互联网（外部）"}, {"alerts", 0}});
  out["zones"] = zj;
  json lj = json::array();
  for (const auto& [k, v] : links) lj.push_back({{"from", k.first}, {"to", k.second}, {"events", v.first}, {"alerts", v.second}});
  out["zone_links"] = lj;
  out["zone_sample_events"] = sampled;
  return ok(out);
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
    if (good) respond({200, "{\"accepted\":" + std::to_string(n) + "}"});
    else respond({503, error_json("event store error; retry")});
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
  auto inv = [api](const char* kind) { return [api, kind](Request& r) { return inventory_list(*api, r, kind); }; };
  std::vector<Route> t = {
      {"GET", "/api/v1/health", P::kPublic, false, [](Request&) { return ok({{"status", "ok"}, {"version", "0.1.0"}}); }, "liveness"},
      {"GET", "/api/v1/metrics", P::kSystemRead, false, [api](Request&) { return Response{200, api->metrics_json()}; }, "ingest and detection counters"},
      {"GET", "/api/v1/dashboard", P::kDashboard, false, h(dashboard), "situational awareness in one answer"},
      {"GET", "/api/v1/search", P::kEventsRead, false, h(search), "search stored events"},
      {"GET", "/api/v1/search/stats", P::kEventsRead, false, h(search_stats), "histogram and field facets of a search"},
      {"GET", "/api/v1/search/export", P::kEventsRead, false, h(search_export), "export matches as CSV or JSON lines"},
      {"GET", "/api/v1/alerts", P::kAlertsRead, false, h(alerts), "list alerts"},
      {"GET", "/api/v1/alerts/{id}", P::kAlertsRead, false, h(alerts), "one alert with history and events"},
      {"POST", "/api/v1/alerts/{id}/state", P::kAlertsWrite, false, h(alerts), "acknowledge or close an alert"},
      {"GET", "/api/v1/suppressions", P::kAlertsRead, false, h(alerts), "suppression windows"},
      {"POST", "/api/v1/suppressions", P::kAlertsWrite, false, h(alerts), "add a suppression window"},
      {"DELETE", "/api/v1/suppressions/{id}", P::kAlertsWrite, false, h(alerts), "remove a suppression window"},
      {"GET", "/api/v1/zones", P::kAssetsRead, false, inv("zones"), "security zones"},
      {"GET", "/api/v1/systems", P::kAssetsRead, false, inv("systems"), "graded systems"},
      {"GET", "/api/v1/assets", P::kAssetsRead, false, inv("assets"), "assets"},
      {"POST", "/api/v1/inventory/{kind}", P::kAssetsWrite, false, h(inventory_import), "import zones, systems or assets (CSV)", true},
      {"GET", "/api/v1/inventory/{kind}/export", P::kAssetsRead, false, h(inventory_export), "export zones, systems or assets (CSV)"},
      {"GET", "/api/v1/audit", P::kAuditRead, false, h(audit_trail), "the administrators' audit trail"},
      {"GET", "/api/v1/live", P::kDashboard, false,
       [](Request&) { return Response{426, error_json("open a WebSocket here"), "application/json; charset=utf-8", {{"Upgrade", "websocket"}}}; },
       "WebSocket: figures, new alerts and new events every second"},
      {"POST", "/api/v1/ingest", P::kIngest, false, h(ingest), "JSON lines into the store (answers when durable)", true},
  };
  add_account_routes(t, api);
  add_compliance_routes(t, api);
  add_web_routes(t, api);
  add_db_routes(t, api);
  return t;
}

}  // namespace wardsec::server
