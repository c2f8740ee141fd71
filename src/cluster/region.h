// The regional console's reads (docs/cluster.md): search in ClickHouse with the search language,
// a time histogram, and the 监管 view's per-site health and counts. Every statement is bounded
// (LIMIT, a time range, at most max_scan rows read to answer one search) and built from
// literals (clickhouse.h); an account scoped to a hospital's sites reads those sites only.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/clickhouse.h"
#include "core/result.h"
#include "search/query.h"

namespace wardsec::cluster {

struct RegionOptions {
  ClickHouseOptions clickhouse;
  int silent_after_seconds = 120;  // no status from a site for this long: silent
  // account -> the sites it may read (a hospital's staff); accounts not named read every site.
  // From the configuration file (cluster.scopes); the console's, kept in scopes_file, come first.
  std::map<std::string, std::vector<std::string>> scopes;
  std::string scopes_file;   // JSON {account: [sites]}: [] reads every site
  size_t max_scan = 200000;  // rows read to answer one search, at most
};

// An account's scope as the console lists it.
struct ScopeEntry {
  std::string user;
  std::vector<std::string> sites;  // empty: every site
  std::string source;              // "console" or "config"
};

class Region {
 public:
  explicit Region(RegionOptions o) : o_(std::move(o)) {}
  const RegionOptions& options() const { return o_; }
  // Reads the console's scopes (scopes_file); a file that is not one is an error naming it.
  Status load_scopes();
  // The sites `user` may read; empty: all of them.
  std::vector<std::string> scope_of(const std::string& user) const;
  // Every account with a scope: the console's, then the configuration's not overridden.
  std::vector<ScopeEntry> scopes() const;
  // Sets an account's scope from the console (empty: every site), or with nullopt removes the
  // console's entry (the configuration's, if any, applies again). Written before it applies.
  Status set_scope(const std::string& user, const std::optional<std::vector<std::string>>& sites);
  // `wanted` narrowed to the scope; an error when it asks for a site outside it.
  Result<std::vector<std::string>> sites_for(const std::string& user, const std::vector<std::string>& wanted) const;

  // Newest first; {"events": [...each with "site"...], "stats": {...}}.
  Result<nlohmann::json> search(const search::Query& q, const std::vector<std::string>& sites, int64_t from, int64_t to, size_t limit,
                                int64_t deadline_ns);
  // Counts per bucket of `step_ns`: {"buckets": [[t, n], ...], "exact": bool}.
  Result<nlohmann::json> histogram(const search::Query& q, const std::vector<std::string>& sites, int64_t from, int64_t to,
                                   int64_t step_ns);
  // Per site: hospital, last status, lag, silent, events and alerts (by severity) in the last
  // 24 hours, incident actions in the last 7 days.
  Result<nlohmann::json> sites(const std::vector<std::string>& sites, int64_t now);
  // The region's correlation alerts (wardsec correlate), newest first; a scoped account sees
  // those whose events are all from its sites.
  Result<nlohmann::json> alerts(const std::vector<std::string>& sites, int64_t from, size_t limit);

 private:
  RegionOptions o_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>> console_scopes_;
};

}  // namespace wardsec::cluster
