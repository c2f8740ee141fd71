// 区域监管: the regional console's routes over the region's ClickHouse (docs/cluster.md). An
// account named in cluster.scopes reads its hospital's sites only; the site filter and the
// query are joined server-side, as literals, never as text.
#include "cluster/region.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;
constexpr int64_t kSec = 1000000000LL;

// The sites asked for (?site=a,b) within the account's scope; a 403 when outside it.
std::optional<Response> sites_of(const Api& api, const Request& r, std::vector<std::string>& out) {
  std::vector<std::string> wanted;
  auto it = r.query.find("site");
  if (it != r.query.end())
    for (auto s : split_view(it->second, ','))
      if (!trim(s).empty()) wanted.emplace_back(trim(s));
  auto ok_sites = api.opt.region->sites_for(r.who.user, wanted);
  if (!ok_sites) return fail(403, ok_sites.error());
  out = std::move(*ok_sites);
  return std::nullopt;
}

std::optional<Response> not_regional(const Api& api) {
  if (!api.opt.region)
    return fail(404, "这不是区域控制台（未配置 cluster.clickhouse） / not a regional console (cluster.clickhouse is not set)");
  return std::nullopt;
}

// q, from and to as the search page sends them (default: the last 24 hours).
std::optional<Response> query_and_range(Api& api, Request& r, std::optional<search::Query>& q, search::SearchOptions& so) {
  auto parsed = search::Query::parse(r.query["q"], api.opt.tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure()))
    return Response{400, error_json("查询语句第 " + std::to_string(e->column) + " 列有误 / query error at column " +
                                        std::to_string(e->column) + ": " + e->message,
                                    static_cast<long>(e->column))};
  if (auto st = parsed.value().within_budget(); !st) return fail(400, st.error());
  if (Status s = time_range(api, r.query, so); !s) return fail(400, s.error());
  q = std::move(parsed.value());
  return std::nullopt;
}

// What a search and a histogram both take: a regional console, the sites in scope, the query
// and the time range.
struct Ask {
  std::vector<std::string> sites;
  std::optional<search::Query> q;
  search::SearchOptions so;
};
std::optional<Response> ask(Api& api, Request& r, Ask& a) {
  if (auto e = not_regional(api)) return e;
  if (auto e = sites_of(api, r, a.sites)) return e;
  return query_and_range(api, r, a.q, a.so);
}

Response search(Api& api, Request& r) {
  Ask a;
  if (auto e = ask(api, r, a)) return *e;
  auto& [sites, q, so] = a;
  uint64_t limit = 100;
  if (!r.query["limit"].empty() && (!parse_u64(r.query["limit"], limit) || limit < 1 || limit > 1000))
    return fail(400, "limit 须为 1 到 1000 / limit must be from 1 to 1000");
  auto res =
      api.opt.region->search(*q, sites, so.from, so.to, limit, now_ns() + static_cast<int64_t>(api.opt.search_budget_seconds) * kSec);
  if (!res) return fail(502, "区域存储查询失败 / the region's ClickHouse: " + res.error());
  return ok(*res);
}

Response histogram(Api& api, Request& r) {
  Ask a;
  if (auto e = ask(api, r, a)) return *e;
  auto& [sites, q, so] = a;
  uint64_t interval = 3600;
  if (!r.query["interval"].empty() && (!parse_u64(r.query["interval"], interval) || interval < 1 || interval > 31 * 86400))
    return fail(400, "interval 须为 1 到 2678400 秒 / interval must be from 1 to 2678400 seconds");
  auto res = api.opt.region->histogram(*q, sites, so.from, so.to, static_cast<int64_t>(interval) * kSec);
  if (!res) return fail(res.error().find("ClickHouse") == std::string::npos ? 400 : 502, res.error());
  return ok(*res);
}

Response sites(Api& api, Request& r) {
  if (auto e = not_regional(api)) return *e;
  std::vector<std::string> sites;
  if (auto e = sites_of(api, r, sites)) return *e;
  auto res = api.opt.region->sites(sites, now_ns());
  if (!res) return fail(502, "区域存储查询失败 / the region's ClickHouse: " + res.error());
  (*res)["scoped"] = !api.opt.region->scope_of(r.who.user).empty();
  return ok(*res);
}

Response alerts(Api& api, Request& r) {
  if (auto e = not_regional(api)) return *e;
  std::vector<std::string> sites;
  if (auto e = sites_of(api, r, sites)) return *e;
  search::SearchOptions so;
  if (Status s = time_range(api, r.query, so); !s) return fail(400, s.error());
  auto res = api.opt.region->alerts(sites, so.from, 500);
  if (!res) return fail(502, "区域存储查询失败 / the region's ClickHouse: " + res.error());
  return ok(*res);
}

// The accounts' scopes: which sites each reads (the security administrator's to set).
Response scopes(Api& api, Request&) {
  if (auto e = not_regional(api)) return *e;
  json arr = json::array();
  for (const auto& s : api.opt.region->scopes()) arr.push_back({{"user", s.user}, {"sites", s.sites}, {"source", s.source}});
  return ok({{"scopes", std::move(arr)}});
}

Response set_scope(Api& api, Request& r) {
  if (auto e = not_regional(api)) return *e;
  const std::string& user = r.params[0];
  std::optional<std::vector<std::string>> sites;
  std::string detail = "removed (the configuration's or every site applies)";
  if (r.method != "DELETE") {
    auto b = json::parse(r.body, nullptr, false);
    if (!b.is_object() || !b.contains("sites") || !b["sites"].is_array())
      return fail(400, "请求体须为 {\"sites\": [站点…]}（空表示全部站点） / the body must be {\"sites\": [...]} ([] for every site)");
    sites.emplace();
    for (const auto& s : b["sites"]) {
      if (!s.is_string()) return fail(400, "sites 须为站点名列表 / sites must be a list of site names");
      sites->push_back(s.get<std::string>());
    }
    detail = sites->empty() ? "every site" : "";
    for (const auto& s : *sites) detail += (detail.empty() ? "" : ",") + s.substr(0, 64);
  }
  auto acct = api.auth.account(user);
  if (!acct) {
    api.audit(r, r.who.user, "region_scope", false, user, "no such account");
    return fail(404, "无此账号 / no such account: " + user.substr(0, 64));
  }
  if (acct->role != Role::kReadOnly) {  // the three administrators' own reach is their role's, not a scope
    api.audit(r, r.who.user, "region_scope", false, user, "not a read-only account");
    return fail(400, "只能为只读账号设置站点范围 / only a read-only account takes a site scope");
  }
  Status s = api.opt.region->set_scope(user, sites);
  api.audit(r, r.who.user, "region_scope", s.ok(), user, s ? detail : s.error());
  if (!s) return fail(400, s.error());
  return scopes(api, r);
}

}  // namespace

void add_region_routes(std::vector<Route>& t, Api* api) {
  t.push_back(
      {"GET", "/api/v1/region/sites", Perm::kDashboard, false, [api](Request& r) { return sites(*api, r); },
       "区域监管: each site's hospital, status, lag, log sources, events and alerts (by severity) in 24 hours, incidents by grade"});
  t.push_back({"GET", "/api/v1/region/search", Perm::kEventsRead, false, [api](Request& r) { return search(*api, r); },
               "search the region's ClickHouse with the search language (?q=&site=&from=&to=&limit=); newest first"});
  t.push_back({"GET", "/api/v1/region/histogram", Perm::kEventsRead, false, [api](Request& r) { return histogram(*api, r); },
               "events per interval in the region's ClickHouse (?q=&site=&from=&to=&interval=seconds)"});
  t.push_back({"GET", "/api/v1/region/alerts", Perm::kAlertsRead, false, [api](Request& r) { return alerts(*api, r); },
               "the region's correlation alerts (wardsec correlate) spanning sites or hosts, newest first (?site=&from=)"});
  t.push_back({"GET", "/api/v1/region/scopes", Perm::kRegionScopes, false, [api](Request& r) { return scopes(*api, r); },
               "the accounts' site scopes: from the console, then the configuration's (cluster.scopes)"});
  t.push_back({"PUT", "/api/v1/region/scopes/{user}", Perm::kRegionScopes, false, [api](Request& r) { return set_scope(*api, r); },
               "set a read-only account's sites ({\"sites\": [...]}, [] for every site); audited"});
  t.push_back({"DELETE", "/api/v1/region/scopes/{user}", Perm::kRegionScopes, false, [api](Request& r) { return set_scope(*api, r); },
               "remove the console's scope of an account (the configuration's applies again); audited"});
}

}  // namespace wardsec::server
