// The search endpoint's work (shared by the routes, the live socket and tests), and the JSON
// error body every route answers with.
#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/search.h"
#include "server/http.h"
#include "server/httputil.h"

namespace wardsec::server {

SearchCounters& search_counters() {
  static SearchCounters c;
  return c;
}

std::string error_json(std::string_view msg, long column) {
  std::string out = "{\"error\":\"";
  search::json_escape(msg, out);
  out += "\"";
  if (column >= 0) out += ",\"column\":" + std::to_string(column);
  out += "}";
  return out;
}

static std::string json_string_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& x : v) {
    if (out.size() > 1) out += ",";
    out += "\"";
    search::json_escape(x, out);
    out += "\"";
  }
  return out + "]";
}

Response handle_search(const std::string& data_dir, const std::string& target, int tz_sec, const SearchScope& scope) {
  auto p = parse_query_params(target);
  auto parsed = search::Query::parse(p["q"], tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure()))
    return {400, error_json("query error at column " + std::to_string(e->column) + ": " + e->message, static_cast<long>(e->column))};
  if (scope.budgeted)
    if (auto st = parsed.value().within_budget(); !st) return {400, error_json(st.error())};
  // The restriction is joined as a syntax tree: nothing in q can reach outside its parentheses.
  search::Query q = scope.restrict ? search::Query::all_of(parsed.value(), *scope.restrict) : parsed.value();
  search::SearchOptions so;
  size_t limit = 100;
  if (!p["limit"].empty()) {
    uint64_t l;
    if (!parse_u64(p["limit"], l) || l > 10000) return {400, error_json("limit must be a number from 0 to 10000")};
    limit = l;
  }
  for (const char* k : {"from", "to"}) {
    if (p[k].empty()) continue;
    int64_t t;
    if (!parse_user_time(p[k], tz_sec, t)) return {400, error_json(std::string(k) + ": '" + p[k] + "' is not a time")};
    (std::string_view(k) == "from" ? so.from : so.to) = t;
  }
  so.newest_first = p["order"] != "oldest";
  so.deadline = scope.budget_ns ? now_ns() + scope.budget_ns : 0;
  so.cancel = scope.cancel;
  std::string out = "{\"events\":[";
  search::SearchStats st;
  uint64_t kept = 0, refused = 0;
  Status s = search::run_search(
      data_dir, q, so,
      [&](const Event& ev) {
        if (limit && kept >= limit) return false;
        if (scope.accept && !scope.accept(ev)) {
          refused++;
          return true;
        }
        if (kept++) out += ",";
        out += search::event_to_json(ev);
        if (scope.annotate && out.back() == '}') {
          out.pop_back();
          out += scope.annotate(ev) + "}";
        }
        return !limit || kept < limit;
      },
      st);
  if (!s) return {500, error_json(s.error())};
  if (st.cancelled) search_counters().cancelled++;
  if (st.timed_out) search_counters().timed_out++;
  out += "],\"stats\":{\"matched\":" + std::to_string(kept) + ",\"blocks_total\":" + std::to_string(st.blocks_total) +
         ",\"blocks_read\":" + std::to_string(st.blocks_read) + ",\"events_scanned\":" + std::to_string(st.events_scanned) +
         ",\"timed_out\":" + (st.timed_out ? "true" : "false") + ",\"damaged_total\":" + std::to_string(st.damaged_total) +
         ",\"damaged\":" + json_string_array(st.damaged) + (scope.accept ? ",\"refused\":" + std::to_string(refused) : "") + "}}";
  return {200, out};
}

// ---- shared state ---------------------------------------------------------------------------

}  // namespace wardsec::server
