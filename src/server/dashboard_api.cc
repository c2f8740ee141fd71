// The situational-awareness (态势感知) page's one answer: figures, alerts over 24 hours by level,
// top assets and sources, the zones with traffic and alerts between them, the graded systems
// with their scores, assets by protection level, and the oldest open serious alerts.
#include <algorithm>
#include <cmath>
#include <set>

#include "alert/alert_store.h"
#include "bastion/service.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "compliance/evaluation.h"
#include "compliance/scoring.h"
#include "core/datadir.h"
#include "core/fields.h"
#include "core/timeutil.h"
#include "enrich/places.h"
#include "search/aggregate.h"
#include "search/search.h"
#include "server/api.h"
#include "server/records_api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

// A zone's key: the first word of its label ("core 核心业务区" -> "core").
std::string zone_key(const std::string& name) { return name.substr(0, name.find(' ')); }

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
        std::vector<compliance::ItemAssessment> items;
        if (cur)
          for (const auto& rec : *cur) items.push_back({rec.item, rec.result, rec.x, rec.risk});
        auto sc = cat && scoring && !items.empty() ? compliance::compute_score(items, *cat, x.level, *scoring)
                                                   : Result<compliance::ScoreResult>(Error{""});
        if (!sc && !sc.error().empty()) sj["score_error"] = sc.error();  // a level wardsec does not score, said so
        if (sc) {
          sj["score"] = std::round(sc->score * 100) / 100;
          sj["conclusion"] = sc->conclusion;
          sj["high_risks"] = sc->high;
          sj["assessed"] = sc->applicable;  // applicable items with a result
          sj["applicable"] = sc->total();
          sj["complete"] = sc->complete();
        }
        systems.push_back(sj);
      }
    // Rectification tasks (整改): open and overdue.
    if (assessed) {
      if (auto tasks = (*assessed)->rectifications("")) {
        std::string today = local_today(api);
        int open = 0, overdue = 0;
        for (const auto& t : *tasks)
          if (t.status != "done") {
            open++;
            if (!t.due.empty() && t.due < today) overdue++;
          }
        out["rectification"] = {{"open", open}, {"overdue", overdue}};
      }
    }
    // The assessment cycle (等级测评, 密评): overdue, and due within 60 days.
    if (auto ev = compliance::Evaluations::open(DataDir(api.opt.data_dir).compliance_db()); ev)
      if (auto all = (*ev)->list(""); all)
        if (auto s = (*inv)->systems(); s) {
          std::string today = local_today(api);
          int overdue = 0, soon = 0;
          json items = json::array();
          for (const auto& d : compliance::evaluations_due(*s, *all, today)) {
            if (d.overdue)
              overdue++;
            else if (d.days_left <= 60)
              soon++;
            if (d.overdue || d.days_left <= 60)
              items.push_back({{"system", d.system}, {"kind", d.kind}, {"due", d.due}, {"overdue", d.overdue}, {"days_left", d.days_left}});
          }
          out["evaluations"] = {{"overdue", overdue}, {"due_soon", soon}, {"items", items}};
        }
    // The management records' reminders: filing deadlines, reviews, agreements (安全管理记录).
    if (auto rem = all_reminders(api)) {
      int overdue = 0, filing = 0;
      for (const auto& m : *rem) {
        overdue += m.overdue;
        filing += m.kind == "filing" && m.overdue;
      }
      out["records"] = {{"reminders", rem->size()}, {"overdue", overdue}, {"filing_overdue", filing}};
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
  int64_t start = now - 24 * 3600 * kSec;
  search::SeriesHistogram alert_hours(search::DateHistogram::every(start, 3600 * kSec, 24), levels, levels.size());
  search::Terms top_assets, top_sources, zone_alerts;
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>> links;  // (from, to) -> (events, alerts)
  json open_serious = json::array();
  uint64_t open_total = 0, open_serious_total = 0, open_serious_overdue = 0;
  if (api.opt.alerts) {
    alert::AlertQuery q;
    q.from = start;
    q.limit = 10000;
    if (auto list = api.opt.alerts->query(q)) {
      for (const auto& a : *list) {
        // By when it happened (the first event), not when detection got to it: a catch-up
        // after a restart must not pile the night's alerts into the current hour.
        alert_hours.add(a.level, a.first_ts ? std::max(a.first_ts, start) : a.created);
        top_assets.add(a.asset);
        top_sources.add(a.source_ip);
        std::string to = zone_key(a.zone), from = places.zone_key_of(a.source_ip);
        zone_alerts.add(to);
        if (!to.empty() && !from.empty()) links[{from, to}].second++;
      }
    }
    alert::AlertQuery oq;
    oq.state = "open";
    oq.min_level = "high";
    oq.limit = 10;
    oq.sort = "triage";  // 严重 before 高危, then the oldest: what to handle first
    if (auto n = api.opt.alerts->count(oq)) open_serious_total = *n;
    alert::AlertQuery late = oq;  // past the 24-hour clock
    late.to = now - 24 * 3600 * kSec;
    if (auto n = api.opt.alerts->count(late)) open_serious_overdue = *n;
    if (auto list = api.opt.alerts->query(oq)) {
      const std::vector<alert::Alert>& v = *list;
      for (size_t i = 0; i < v.size(); i++)
        open_serious.push_back({{"id", v[i].id},
                                {"title", v[i].rule_title},
                                {"title_zh", v[i].rule_title_zh},
                                {"level", v[i].level},
                                {"asset", v[i].asset},
                                {"system", v[i].system},
                                {"created", format_rfc3339(v[i].created)},
                                {"age_hours", static_cast<double>(now - v[i].created) / (3600.0 * kSec)},
                                {"state", alert::state_name(v[i].state)}});
    }
    alert::AlertQuery cq;
    cq.state = "open";
    if (auto c = api.opt.alerts->count(cq)) open_total = *c;
  }
  json hours = json::array(), series = json::object();
  for (size_t h = 0; h < alert_hours.shape().size(); h++) hours.push_back(format_rfc3339(alert_hours.shape().start(h)));
  for (const auto& [level, hist] : alert_hours.series()) series[level] = hist.counts();
  out["alerts_24h"] = {{"hours", hours}, {"series", series}};
  out["alerts_open"] = open_total;
  out["open_serious"] = open_serious;
  out["open_serious_total"] = open_serious_total;  // the panel says how many more there are
  out["open_serious_overdue"] = open_serious_overdue;
  auto top = [](const search::Terms& t, const char* key) {
    json arr = json::array();
    for (const auto& [v, n] : t.top(10)) arr.push_back({{key, v}, {"alerts", n}});
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
  if (auto* query = (q ? &q.value() : nullptr)) {
    search::SearchStats st;
    // A sample: a store that cannot be read shows fewer links here (the search page says why).
    (void)search::run_search(
        api.opt.data_dir, *query, so,
        [&](const Event& ev) {
          // The asset stage wrote both ends' zones (src/enrich/places.h); events stored before
          // it existed get the same lookup here.
          static const FieldId sz = FieldRegistry::intern("source.zone"), dz = FieldRegistry::intern("destination.zone");
          std::string from = ev.has(sz) ? std::string(ev.get(sz)) : places.zone_key_of(ev.get(kSourceIp));
          std::string to = ev.has(dz) ? std::string(ev.get(dz)) : places.zone_key_of(ev.get(kDestinationIp));
          if (!from.empty() && !to.empty()) links[{from, to}].first++;
          sampled++;
          return true;
        },
        st);
  }
  json zj = json::array();
  std::set<std::string> named;
  for (const auto& z : places.zones()) {
    if (!named.insert(z.key).second) continue;
    std::string zh = zone_zh.count(z.key) ? zone_zh[z.key] : z.name_zh.empty() ? z.key : z.name_zh;
    zj.push_back({{"name", z.key}, {"name_zh", zh}, {"alerts", zone_alerts.count(z.key)}});
  }
  zj.push_back({{"name", "public"}, {"name_zh", "互联网（外部）"}, {"alerts", 0}});
  out["zones"] = zj;
  json lj = json::array();
  for (const auto& [k, v] : links) lj.push_back({{"from", k.first}, {"to", k.second}, {"events", v.first}, {"alerts", v.second}});
  out["zone_links"] = lj;
  out["zone_sample_events"] = sampled;
  // The bastion today (local day): live sessions, sessions and commands since midnight, the
  // denied ones, approvals waiting. Absent when the bastion is off.
  if (bastion::Service* b = api.opt.bastion) {
    int64_t day = ((now / kSec + api.opt.tz_sec) / 86400 * 86400 - api.opt.tz_sec) * kSec;
    if (auto c = b->db().counts(day, now + 1))
      out["bastion"] = {{"live", b->live().size()},
                        {"sessions_today", c->sessions},
                        {"commands_today", c->commands},
                        {"denied_today", c->denied},
                        {"pending_approvals", c->pending}};
  }
  return ok(out);
}

}  // namespace

void add_dashboard_routes(std::vector<Route>& t, Api* api) {
  t.push_back({"GET", "/api/v1/dashboard", Perm::kDashboard, false, [api](Request& r) { return dashboard(*api, r); },
               "situational awareness in one answer"});
}

}  // namespace wardsec::server
