// The web-attack page's one answer: attacks over time by class, the most targeted URLs and
// parameters, the top sources, and the latest findings with their decoded evidence. Reads the
// web.attack.* fields the pipeline's inspector wrote (src/web/enrich.h).
#include <algorithm>
#include <map>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/search.h"
#include "server/api.h"
#include "web/inspect.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

Response web_attacks(Api& api, Request& r) {
  auto p = r.query;
  search::SearchOptions so;
  if (Status e = time_range(api, p, so); !e) return fail(400, e.error());
  std::string cls = p["class"];
  if (!cls.empty() &&
      std::find_if(std::begin(web::kClasses), std::end(web::kClasses), [&](const char* c) { return cls == c; }) == std::end(web::kClasses))
    return fail(400, "class: '" + cls + "' is not one of sqli, xss, traversal, cmdi, ssrf, lfi, scanner, csrf, cookie, protocol");
  std::string q = "web.attack.verdict:attack";
  if (!cls.empty()) q += " AND web.attack.classes:*" + cls + "*";
  auto parsed = search::Query::parse(q, api.opt.tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure())) return fail(500, "query: " + e->message);
  const size_t kBuckets = 48, max_scan = 100000, recent_max = 200;
  so.limit = max_scan;
  so.newest_first = true;
  std::vector<std::string> classes_known(std::begin(web::kClasses), std::end(web::kClasses));
  search::SeriesHistogram series(search::DateHistogram::over(so.from, so.to, kBuckets, true), classes_known, classes_known.size());
  search::Terms by_class, urls, params, sources, kinds;
  json recent = json::array();
  uint64_t n = 0;
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
        if ((n & 1023) == 0 && n && now_ns() > deadline) {
          timed_out = true;
          return false;
        }
        n++;
        oldest = std::min(oldest, ev.ts);
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
             {"recent", recent},
             {"truncated", timed_out || n >= max_scan},
             {"scanned_back_to", format_rfc3339(timed_out || n >= max_scan ? oldest : so.from)}});
}

}  // namespace

void add_web_routes(std::vector<Route>& t, Api* api) {
  t.push_back({"GET", "/api/v1/web/attacks", Perm::kEventsRead, false, [api](Request& r) { return web_attacks(*api, r); },
               "web attacks: over time by class, top URLs, parameters and sources, latest findings with evidence"});
}

}  // namespace wardsec::server
