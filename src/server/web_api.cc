// The web-attack page's one answer: attacks over time by class, the most targeted URLs and
// parameters, the top sources, and the latest findings with their decoded evidence. Reads the
// web.attack.* fields the pipeline's inspector wrote (src/web/enrich.h).
#include <algorithm>
#include <map>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "enrich/places.h"
#include "search/search.h"
#include "server/api.h"
#include "web/inspect.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

// The web system a request was aimed at: the inventory asset the request went to (the
// destination of mirrored traffic or a proxy's upstream, else the host whose access log it is)
// and its graded system. Without an inventory entry, the address or host name as logged.
struct Target {
  std::string host, system, system_name;
};
Target target_of(const enrich::Places* places, const Event& ev) {
  static const FieldId fHostSystem = FieldRegistry::intern("host.system");
  std::string_view dst = ev.get(kDestinationIp), host = ev.get(kHostName), ip = ev.get(kHostIp);
  if (ip.empty()) ip = enrich::sender_ip(ev.get(kLogSourceAddress));
  Target t;
  std::optional<compliance::AssetIndex::Hit> hit;
  // A request with a destination went there (not to the sensor or proxy that logged it).
  if (places) hit = !dst.empty() ? places->asset("", dst) : places->asset(host, ip);
  if (hit) {
    t.host = hit->asset->name;
    if (hit->system)
      t.system = hit->system->id, t.system_name = hit->system->name;
    else
      t.system = hit->asset->system;
  } else {
    t.host = std::string(!dst.empty() ? dst : !host.empty() ? host : ip);
    if (dst.empty()) t.system = std::string(ev.get(fHostSystem));
  }
  return t;
}

Response web_attacks(Api& api, Request& r) {
  auto p = r.query;
  search::SearchOptions so;
  if (Status e = time_range(api, p, so); !e) return fail(400, e.error());
  std::string cls = p["class"];
  if (!cls.empty() &&
      std::find_if(std::begin(web::kClasses), std::end(web::kClasses), [&](const char* c) { return cls == c; }) == std::end(web::kClasses))
    return fail(400, "class: '" + cls + "' is not one of sqli, xss, traversal, cmdi, ssrf, lfi, scanner, csrf, cookie, protocol");
  // Attacks against one graded system (its inventory id: his, emr ...) or one host (asset name
  // or address), e.g. "attacks against the HIS".
  std::string want_system = p["system"], want_host = to_lower(p["host"]);
  std::string q = "web.attack.verdict:attack";
  if (!cls.empty()) q += " AND web.attack.classes:*" + cls + "*";
  auto parsed = search::Query::parse(q, api.opt.tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure())) return fail(500, "query: " + e->message);
  const size_t kBuckets = 48, max_scan = 100000, recent_max = 200;
  so.limit = max_scan;
  so.newest_first = true;
  std::vector<std::string> classes_known(std::begin(web::kClasses), std::end(web::kClasses));
  search::SeriesHistogram series(search::DateHistogram::over(so.from, so.to, kBuckets, true), classes_known, classes_known.size());
  search::Terms by_class, urls, params, sources, kinds, targets, systems;
  std::map<std::string, std::string> system_names;
  json recent = json::array();
  uint64_t n = 0, scanned = 0;  // findings kept (after the target filters), events read
  const int64_t deadline = now_ns() + 2 * kSec;
  bool timed_out = false;
  int64_t oldest = so.to;
  static const FieldId fClasses = FieldRegistry::intern("web.attack.classes"), fKind = FieldRegistry::intern("web.attack.kind"),
                       fParam = FieldRegistry::intern("web.attack.param"), fWhere = FieldRegistry::intern("web.attack.where"),
                       fFrag = FieldRegistry::intern("web.attack.fragment"), fConf = FieldRegistry::intern("web.attack.confidence"),
                       fFindings = FieldRegistry::intern("web.attack.findings");
  search::SearchStats st;
  Status s = search::run_search(
      api.opt.data_dir, parsed.value(), so,
      [&](const Event& ev) {
        if ((++scanned & 1023) == 0 && now_ns() > deadline) {
          timed_out = true;
          return false;
        }
        oldest = std::min(oldest, ev.ts);
        Target tg = target_of(api.opt.places.get(), ev);
        if (!tg.system.empty()) {  // every system attacked in the range: the filter's choices
          systems.add(tg.system);
          if (!tg.system_name.empty()) system_names.emplace(tg.system, tg.system_name);
        }
        if (!want_system.empty() && tg.system != want_system) return true;
        if (!want_host.empty() && to_lower(tg.host) != want_host) return true;
        n++;
        targets.add(tg.host);
        std::string classes(ev.get(fClasses));
        for (std::string_view part : split_view(classes, ',')) {
          series.add(part, ev.ts);
          by_class.add(part);
        }
        std::string path(ev.get(kUrlPath));
        urls.add(path);
        std::string param(ev.get(fParam));
        if (!param.empty()) params.add(path + " " + param);
        std::string src(ev.get(kSourceIp));
        sources.add(src);
        kinds.add(ev.get(fKind));
        if (recent.size() < recent_max) {
          json f = json::parse(ev.get(fFindings), nullptr, false);
          recent.push_back({{"ts", format_rfc3339(ev.ts)},
                            {"source_ip", src},
                            {"target", tg.host},
                            {"system", tg.system},
                            {"system_name", tg.system_name},
                            {"method", std::string(ev.get(kHttpMethod))},
                            {"url", search::display_text(ev.get(kUrlOriginal))},
                            {"status", std::string(ev.get(kHttpStatus))},
                            {"classes", classes},
                            {"kind", std::string(ev.get(fKind))},
                            {"where", std::string(ev.get(fWhere))},
                            {"param", search::display_text(param)},
                            {"fragment", search::display_text(ev.get(fFrag))},
                            {"confidence", std::atoi(std::string(ev.get(fConf)).c_str())},
                            {"findings", f.is_discarded() ? json::array() : f},
                            {"user_agent", search::display_text(ev.get(kUserAgent))}});
        }
        return true;
      },
      st);
  if (!s.ok()) return fail(500, s.error());
  json sj = json::object();
  for (const auto& [k, v] : series.series())
    if (by_class.count(k)) sj[k] = v.counts();
  json bc = json::object();
  for (const auto& [k, v] : by_class.top(by_class.distinct())) bc[k] = v;
  json sys = json::array();
  for (const auto& [k, v] : systems.top(systems.distinct())) {
    auto it = system_names.find(k);
    sys.push_back({{"id", k}, {"name", it == system_names.end() ? k : it->second}, {"count", v}});
  }
  return ok({{"from", format_rfc3339(so.from)},
             {"to", format_rfc3339(so.to)},
             {"bucket_seconds", series.shape().width() / kSec},
             {"total", n},
             {"series", sj},
             {"by_class", bc},
             {"top_urls", top_json(urls, 10)},
             {"top_params", top_json(params, 10)},
             {"top_sources", top_json(sources, 10)},
             {"top_kinds", top_json(kinds, 10)},
             {"top_targets", top_json(targets, 10)},
             {"systems", sys},
             {"recent", recent},
             {"truncated", timed_out || scanned >= max_scan},
             {"scanned_back_to", format_rfc3339(timed_out || scanned >= max_scan ? oldest : so.from)}});
}

}  // namespace

void add_web_routes(std::vector<Route>& t, Api* api) {
  t.push_back({"GET", "/api/v1/web/attacks", Perm::kEventsRead, false, [api](Request& r) { return web_attacks(*api, r); },
               "web attacks: over time by class, top URLs, parameters and sources, latest findings with evidence"});
}

}  // namespace wardsec::server
