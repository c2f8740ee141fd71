#include "cluster/region.h"

#include <algorithm>
#include <filesystem>

#include "cluster/batch.h"
#include "cluster/query_sql.h"
#include "cluster/rows.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/search.h"

namespace wardsec::cluster {

namespace {

std::vector<std::vector<std::string>> tsv_rows(const std::string& body) {
  std::vector<std::vector<std::string>> out;
  for (auto line : split_view(body, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string> row;
    for (auto f : split_view(line, '\t')) {
      auto v = tsv_unescape(f);
      row.push_back(v ? std::move(*v) : std::string(f));
    }
    out.push_back(std::move(row));
  }
  return out;
}

int64_t to_i64(const std::string& s) {
  int64_t v = 0;
  return parse_i64(s, v) ? v : 0;
}

}  // namespace

std::vector<std::string> Region::scope_of(const std::string& user) const {
  std::lock_guard lk(mu_);
  if (auto c = console_scopes_.find(user); c != console_scopes_.end()) return c->second;
  auto it = o_.scopes.find(user);
  return it == o_.scopes.end() ? std::vector<std::string>{} : it->second;
}

Status Region::load_scopes() {
  if (o_.scopes_file.empty()) return {};
  std::error_code ec;
  if (!std::filesystem::exists(o_.scopes_file, ec)) return {};
  auto text = read_file(o_.scopes_file);
  if (!text) return Error{o_.scopes_file + ": cannot be read"};
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return Error{o_.scopes_file + ": not a JSON object of account -> [sites]"};
  std::map<std::string, std::vector<std::string>> m;
  for (auto& [user, sites] : j.items()) {
    if (!sites.is_array()) return Error{o_.scopes_file + ": " + user + ": not a list of sites"};
    for (const auto& s : sites) {
      if (!s.is_string() || !valid_site(s.get<std::string>()))
        return Error{o_.scopes_file + ": " + user + ": not a site name: " + s.dump()};
      m[user].push_back(s.get<std::string>());
    }
    m[user];  // [] : every site
  }
  std::lock_guard lk(mu_);
  console_scopes_ = std::move(m);
  return {};
}

std::vector<ScopeEntry> Region::scopes() const {
  std::lock_guard lk(mu_);
  std::vector<ScopeEntry> out;
  for (const auto& [u, s] : console_scopes_) out.push_back({u, s, "console"});
  for (const auto& [u, s] : o_.scopes)
    if (!console_scopes_.count(u)) out.push_back({u, s, "config"});
  return out;
}

Status Region::set_scope(const std::string& user, const std::optional<std::vector<std::string>>& sites) {
  if (sites)
    for (const auto& s : *sites)
      if (!valid_site(s)) return Error{"\"" + s.substr(0, 64) + "\" 不是站点名 / is not a site name"};
  if (o_.scopes_file.empty()) return Error{"本控制台不保存账号范围 / this console keeps no scopes (no scopes file)"};
  std::lock_guard lk(mu_);
  auto next = console_scopes_;
  if (sites) {
    std::vector<std::string> v = *sites;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    next[user] = std::move(v);
  } else {
    next.erase(user);
  }
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [u, s] : next) j[u] = s;
  if (Status w = write_file_atomic(o_.scopes_file, j.dump(1)); !w) return Error{"保存账号范围失败 / saving the scopes: " + w.error()};
  console_scopes_ = std::move(next);
  return {};
}

Result<std::vector<std::string>> Region::sites_for(const std::string& user, const std::vector<std::string>& wanted) const {
  for (const auto& s : wanted)
    if (!valid_site(s)) return Error{"\"" + s.substr(0, 64) + "\" 不是站点名 / is not a site name"};
  auto scope = scope_of(user);
  if (scope.empty()) return wanted;
  if (wanted.empty()) return scope;
  for (const auto& s : wanted)
    if (std::find(scope.begin(), scope.end(), s) == scope.end())
      return Error{"无权查看站点 " + s + " / site " + s + " is outside this account's hospital"};
  return wanted;
}

Result<nlohmann::json> Region::search(const search::Query& q, const std::vector<std::string>& sites, int64_t from, int64_t to, size_t limit,
                                      int64_t deadline_ns) {
  ClickHouse ch(o_.clickhouse);
  SqlWhere w = compile_query(q);
  // Newest first, a window at a time: the last hour, then twice as far back each time, so that the
  // newest matches (what a search page shows) are found without reading the whole range.
  if (!to) to = now_ns();
  int64_t span = 3600LL * 1000000000LL, win_to = to;
  int64_t win_from = from ? std::max(from, to - span) : to - span;
  std::string where = where_clause(w, sites, win_from, win_to);
  size_t page = w.exact ? std::max<size_t>(limit, 1) : std::clamp<size_t>(limit * 4, 1000, 10000);
  nlohmann::json events = nlohmann::json::array();
  size_t scanned = 0, kept = 0;
  bool more = true, truncated = false;
  std::string after;  // keyset: rows older than the last one read
  std::string last_site;
  uint64_t last_ref = UINT64_MAX;
  int64_t started = now_ns();
  while (more && kept < limit) {
    if (scanned >= o_.max_scan || (deadline_ns && now_ns() > deadline_ns)) {
      truncated = true;
      break;
    }
    auto r = ch.query("SELECT " + std::string(table_columns()) + " FROM " + ch.table("events") + " WHERE " + where + after +
                      " ORDER BY ts DESC, site DESC, ref DESC LIMIT " + std::to_string(page) + " FORMAT TabSeparated");
    if (!r) return Error{r.error()};
    size_t n = 0;
    TableRow last;
    for (auto line : split_view(*r, '\n')) {
      if (line.empty()) continue;
      auto t = parse_table_row(line);
      if (!t) return Error{"ClickHouse row: " + t.error()};
      n++;
      scanned++;
      bool dup = t->site == last_site && t->row.ref == last_ref;  // a redelivered batch before its merge
      last_site = t->site;
      last_ref = t->row.ref;
      last = *t;
      if (dup || kept >= limit) continue;
      Event ev = event_from_row(t->row);
      if (!w.exact && !q.matches(ev)) continue;
      auto j = nlohmann::json::parse(search::event_to_json(ev), nullptr, false);
      if (!j.is_object()) continue;
      j["site"] = t->site;
      j["ref"] = std::to_string(t->row.ref);
      events.push_back(std::move(j));
      kept++;
    }
    more = n == page;
    if (!more && (!from || win_from > from) && win_from > 0) {  // this window is done: the next, older and wider
      span *= 2;
      win_to = win_from;
      win_from = from ? std::max(from, win_to - span) : std::max<int64_t>(0, win_to - span);
      where = where_clause(w, sites, win_from, win_to);
      after.clear();
      more = true;
      continue;
    }
    if (more)
      after = " AND (ts < " + std::to_string(last.row.ts) + " OR (ts = " + std::to_string(last.row.ts) + " AND (site < " +
              sql_string(last.site) + " OR (site = " + sql_string(last.site) + " AND ref < " + std::to_string(last.row.ref) + "))))";
  }
  nlohmann::json stats = {
      {"matched", kept},       {"scanned", scanned}, {"exact", w.exact}, {"truncated", truncated}, {"ms", (now_ns() - started) / 1000000},
      {"engine", "clickhouse"}};
  return nlohmann::json{{"events", std::move(events)}, {"stats", std::move(stats)}};
}

Result<nlohmann::json> Region::histogram(const search::Query& q, const std::vector<std::string>& sites, int64_t from, int64_t to,
                                         int64_t step_ns) {
  if (step_ns < 1000000000LL) return Error{"interval must be at least one second"};
  if (from && to && (to - from) / step_ns > 2000) return Error{"at most 2000 buckets: widen the interval"};
  ClickHouse ch(o_.clickhouse);
  SqlWhere w = compile_query(q);
  std::string step = std::to_string(step_ns);
  auto r = ch.query("SELECT intDiv(ts, " + step + ") * " + step + " AS t, count() FROM " + ch.table("events") + " WHERE " +
                    where_clause(w, sites, from, to) + " GROUP BY t ORDER BY t LIMIT 2001 FORMAT TabSeparated");
  if (!r) return Error{r.error()};
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& row : tsv_rows(*r))
    if (row.size() == 2) buckets.push_back({to_i64(row[0]), to_i64(row[1])});
  // exact: the query said exactly in SQL; otherwise the counts are of the wider SQL form
  return nlohmann::json{{"buckets", std::move(buckets)}, {"exact", w.exact}, {"step", step_ns}};
}

Result<nlohmann::json> Region::sites(const std::vector<std::string>& sites, int64_t now) {
  ClickHouse ch(o_.clickhouse);
  std::string in;
  for (const auto& s : sites) in += (in.empty() ? "" : ", ") + sql_string(s);
  std::string only = sites.empty() ? "1" : "site IN (" + in + ")";
  int64_t day_ago = now - 86400LL * 1000000000LL, week_ago = now - 7 * 86400LL * 1000000000LL;
  std::string since_week = " AND day >= toDate(" + sql_string(utc_day(week_ago)) + ")";
  auto st = ch.query(
      "SELECT site, argMax(hospital, at), max(at), argMax(lag_seconds, at), argMax(behind_blocks, at), argMax(published, at), "
      "argMax(last_error, at), argMax(status, at) FROM " +
      ch.table("sites") + " WHERE " + only + " GROUP BY site ORDER BY site LIMIT 10000 FORMAT TabSeparated");
  if (!st) return Error{st.error()};
  std::map<std::string, nlohmann::json> out;
  for (const auto& r : tsv_rows(*st)) {
    if (r.size() != 8) continue;
    int64_t at = to_i64(r[2]);
    double lag = std::strtod(r[3].c_str(), nullptr);
    out[r[0]] = {{"site", r[0]},
                 {"hospital", r[1]},
                 {"last_status", at},
                 {"silent", now - at > static_cast<int64_t>(o_.silent_after_seconds) * 1000000000LL},
                 {"lag_seconds", lag},
                 {"behind_blocks", to_i64(r[4])},
                 {"published", to_i64(r[5])},
                 {"last_error", r[6]},
                 {"events_24h", 0},
                 {"alerts_24h", nlohmann::json::object()},
                 {"incidents", nlohmann::json::object()}};
    // the site's log sources, as its newest status counts them (silent ones by name)
    auto status = nlohmann::json::parse(r[7], nullptr, false);
    out[r[0]]["sources"] =
        status.is_object() && status.contains("sources") && status["sources"].is_object() ? status["sources"] : nlohmann::json(nullptr);
  }
  auto ev = ch.query("SELECT site, count() FROM " + ch.table("events") + " WHERE " + only + " AND ts >= " + std::to_string(day_ago) +
                     since_week + " GROUP BY site FORMAT TabSeparated");
  if (!ev) return Error{ev.error()};
  for (const auto& r : tsv_rows(*ev))
    if (r.size() == 2 && out.count(r[0])) out[r[0]]["events_24h"] = to_i64(r[1]);
  auto al = ch.query("SELECT site, attrs.v[indexOf(attrs.k, 'event.severity_name')] AS sev, count() FROM " + ch.table("events") +
                     " WHERE " + only + " AND dataset = 'wardsec.alert' AND action = 'alert_raised' AND ts >= " + std::to_string(day_ago) +
                     since_week + " GROUP BY site, sev FORMAT TabSeparated");
  if (!al) return Error{al.error()};
  for (const auto& r : tsv_rows(*al))
    if (r.size() == 3 && out.count(r[0])) out[r[0]]["alerts_24h"][r[1].empty() ? "unknown" : r[1]] = to_i64(r[2]);
  auto cs =
      ch.query("SELECT site, argMax(summary, at) FROM " + ch.table("compliance") + " WHERE " + only + " GROUP BY site FORMAT TabSeparated");
  if (!cs) return Error{cs.error()};
  for (const auto& r : tsv_rows(*cs)) {
    if (r.size() != 2 || !out.count(r[0])) continue;
    auto j = nlohmann::json::parse(r[1], nullptr, false);
    if (!j.is_object()) continue;
    if (j.contains("systems")) out[r[0]]["systems"] = j["systems"];
    if (j.contains("incidents") && j["incidents"].is_object()) out[r[0]]["incidents"] = j["incidents"];
  }
  nlohmann::json arr = nlohmann::json::array();
  for (auto& [_, j] : out) {
    if (!j.contains("systems")) j["systems"] = nlohmann::json::array();
    arr.push_back(std::move(j));
  }
  return nlohmann::json{{"sites", std::move(arr)}, {"now", now}};
}

Result<nlohmann::json> Region::alerts(const std::vector<std::string>& sites, int64_t from, size_t limit) {
  ClickHouse ch(o_.clickhouse);
  std::string in;
  for (const auto& x : sites) in += (in.empty() ? "" : ", ") + sql_string(x);
  std::string only = sites.empty() ? "1" : "arrayAll(x -> has([" + in + "], x), sites)";
  auto exists = ch.query("EXISTS TABLE " + ch.table("alerts"));
  if (!exists) return Error{exists.error()};
  nlohmann::json arr = nlohmann::json::array();
  if (std::string(trim(*exists)) != "1") return nlohmann::json{{"alerts", std::move(arr)}};  // no correlator has written yet
  auto r = ch.query(
      "SELECT id, rule_id, title, title_zh, level, first_ts, last_ts, value, event_count, group_k, group_v, events, sites, hosts FROM " +
      ch.table("alerts") + " FINAL WHERE " + only + " AND last_ts >= " + std::to_string(from) + " ORDER BY last_ts DESC LIMIT " +
      std::to_string(limit) + " FORMAT TabSeparated");
  if (!r) return Error{r.error()};
  for (auto line : split_view(*r, '\n')) {
    if (line.empty()) continue;
    auto f = split_view(line, '\t');
    if (f.size() != 14) continue;
    auto text = [&](size_t i) {
      auto v = tsv_unescape(f[i]);
      return v ? std::move(*v) : std::string(f[i]);
    };
    auto list = [&](size_t i) {
      auto v = tsv_parse_array(f[i]);
      return v ? std::move(*v) : std::vector<std::string>{};
    };
    nlohmann::json group = nlohmann::json::object();
    auto gk = list(9), gv = list(10);
    for (size_t i = 0; i < gk.size() && i < gv.size(); i++) group[gk[i]] = gv[i];
    arr.push_back({{"id", text(0)},
                   {"rule_id", text(1)},
                   {"title", text(2)},
                   {"title_zh", text(3)},
                   {"level", text(4)},
                   {"first_ts", to_i64(text(5))},
                   {"last_ts", to_i64(text(6))},
                   {"value", std::strtod(text(7).c_str(), nullptr)},
                   {"event_count", to_i64(text(8))},
                   {"group", std::move(group)},
                   {"events", list(11)},
                   {"sites", list(12)},
                   {"hosts", list(13)}});
  }
  return nlohmann::json{{"alerts", std::move(arr)}};
}

}  // namespace wardsec::cluster
