// /api/v1/alerts and /api/v1/suppressions: list, read, change state, manage suppression
// windows. Who acts ("by") is the logged-in account: routes.cc sets it from the session.
#include <set>

#include <nlohmann/json.hpp>

#include "alert/detector.h"
#include "core/timeutil.h"
#include "search/search.h"
#include "server/http.h"
#include "server/messages.h"
#include "server/rule_guide.h"
#include "store/store.h"

namespace wardsec::server {

namespace {

Response err(int code, const std::string& msg) {
  return {code, nlohmann::json{{"error", msg}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

std::string param(const std::map<std::string, std::string>& p, const char* k) {
  auto it = p.find(k);
  return it == p.end() ? "" : it->second;
}

// A POST body's string member ("" when absent or not a string).
std::string member(const nlohmann::json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

std::optional<int64_t> to_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end) return std::nullopt;
  return v;
}

// One alert's state change ("acknowledged", "closed_tp", "closed_fp", "new") or assignment
// ("assign": members assignee, due) from a request body whose "by" the caller set; recorded
// in the event store. The answer: 200 and the alert's JSON, or the status and the reason.
std::pair<int, std::string> apply(alert::AlertStore& store, int64_t id, const std::string& action, const nlohmann::json& j, int tz_sec,
                                  int64_t now, const std::function<void(Event&&)>& record) {
  auto no = [](int code, std::string why) { return std::pair{code, std::move(why)}; };
  std::string by = member(j, "by");
  Status s;
  if (action == "assign") {
    // The account was checked by the caller (routes.cc): it exists and may handle alerts.
    int64_t due = 0;
    if (!member(j, "due").empty() && !parse_user_time(member(j, "due"), tz_sec, due))
      return no(400, "due: 不是时间 / not a time (RFC 3339 or a date)");
    if (due && due < now) return no(400, "due: 期限已过 / the time is in the past");
    s = store.assign(id, member(j, "assignee"), due, by, now);
  } else {
    auto to = alert::parse_state(action);
    if (!to) return no(400, "state must be new, acknowledged, closed_tp or closed_fp");
    s = store.set_state(id, *to, by, member(j, "comment"), now);
  }
  if (!s) return no(s.error().find("does not exist") != std::string::npos ? 404 : 409, s.error());
  auto a = store.get(id);
  if (!a) return no(500, a.error());
  if (record) record(alert::alert_event(*a, action == "assign" ? "alert_assigned" : "alert_state_changed", by, now));
  return {200, alert::alert_to_json(*a)};
}

}  // namespace

Response handle_alerts(alert::AlertStore& store, const std::string& data_dir, const std::string& method, const std::string& target,
                       const std::string& body, int tz_sec, const std::function<void(Event&&)>& record, const RuleGuide* guide) {
  std::string path = target.substr(0, target.find('?'));
  auto p = parse_query_params(target);
  int64_t now = now_ns();
  if (path == "/api/v1/alerts") {
    if (method != "GET") return err(405, "use GET");
    alert::AlertQuery q;
    q.state = param(p, "state");
    if (!q.state.empty() && q.state != "open" && !alert::parse_state(q.state))
      return err(400, "state must be open, new, acknowledged, closed_tp, closed_fp or suppressed");
    q.min_level = param(p, "level");
    if (!q.min_level.empty() && alert::level_rank(q.min_level) < 0)
      return err(400, "level must be informational, low, medium, high or critical");
    q.rule = param(p, "rule");
    q.asset = param(p, "asset");
    q.text = param(p, "q");
    q.assignee = param(p, "assignee");
    for (auto [key, out] : {std::pair{"from", &q.from}, std::pair{"to", &q.to}}) {
      std::string v = param(p, key);
      if (!v.empty() && !parse_user_time(v, tz_sec, *out)) return err(400, std::string(key) + ": not a time (RFC 3339, a date, or now-2h)");
    }
    q.sort = param(p, "sort").empty() ? "id" : param(p, "sort");
    static const std::set<std::string> sorts = {"id", "created", "last", "level", "count", "asset", "triage"};
    if (!sorts.count(q.sort)) return err(400, "sort must be id, created, last, level, count, asset or triage");
    std::string dir = param(p, "dir");
    if (!dir.empty() && dir != "asc" && dir != "desc") return err(400, "dir must be asc or desc");
    q.ascending = dir == "asc";
    if (auto l = to_int(param(p, "limit"))) q.limit = static_cast<size_t>(std::clamp<int64_t>(*l, 1, 1000));
    if (auto o = to_int(param(p, "offset"))) q.offset = static_cast<size_t>(std::max<int64_t>(*o, 0));
    auto list = store.query(q);
    if (!list) return err(500, list.error());
    auto total = store.count(q);
    if (!total) return err(500, total.error());
    std::string out = "{\"total\":" + std::to_string(*total) + ",\"alerts\":[";
    for (size_t i = 0; i < list->size(); i++) out += (i ? "," : "") + alert::alert_to_json((*list)[i]);
    return {200, out + "]}"};
  }
  if (path == "/api/v1/alerts/bulk") {
    // The same change to many alerts (at most 500): each applied on its own, so one that
    // cannot change (closed meanwhile) does not stop the others; the answer says which.
    if (method != "POST") return err(405, "use POST with {\"ids\":[...], \"action\":..., \"comment\":...}");
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object()) return err(400, "body must be a JSON object");
    std::string action = member(j, "action");
    static const std::set<std::string> actions = {"acknowledged", "closed_tp", "closed_fp", "new", "assign"};
    if (!actions.count(action)) return err(400, "action must be acknowledged, closed_tp, closed_fp, new or assign");
    if (!j.contains("ids") || !j["ids"].is_array() || j["ids"].empty() || j["ids"].size() > 500) return err(400, "ids: 1 to 500 alert ids");
    std::vector<int64_t> ids;  // checked before any alert changes
    for (const auto& x : j["ids"]) {
      if (!x.is_number_integer()) return err(400, "ids: alert ids are integers");
      if (std::find(ids.begin(), ids.end(), x.get<int64_t>()) == ids.end()) ids.push_back(x.get<int64_t>());
    }
    nlohmann::json done = nlohmann::json::array(), failed = nlohmann::json::array();
    for (int64_t id : ids) {
      auto [code, answer] = apply(store, id, action, j, tz_sec, now, record);
      if (code == 200)
        done.push_back(id);
      else
        failed.push_back({{"id", id}, {"error", bilingual(answer)}});
    }
    return {failed.empty() || !done.empty() ? 200 : 409,
            nlohmann::json{{"done", done}, {"failed", failed}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  }
  if (path.rfind("/api/v1/alerts/", 0) == 0) {
    std::string rest = path.substr(15);
    bool state_change = false, assign = false;
    if (rest.size() > 6 && rest.compare(rest.size() - 6, 6, "/state") == 0) {
      state_change = true;
      rest.resize(rest.size() - 6);
    } else if (rest.size() > 7 && rest.ends_with("/assign")) {
      assign = true;
      rest.resize(rest.size() - 7);
    }
    auto id = to_int(rest);
    if (!id) return err(404, "no such alert: " + rest);
    if (assign || state_change) {
      if (method != "POST")
        return err(405, assign ? "use POST with {\"assignee\":..., \"due\":...}" : "use POST with {\"state\":..., \"comment\":...}");
      auto j = nlohmann::json::parse(body, nullptr, false);
      if (!j.is_object()) return err(400, "body must be a JSON object");
      // An assignment only through /assign, where the caller checked the account.
      std::string action = assign ? "assign" : member(j, "state");
      if (!assign && action == "assign") return err(400, "state must be new, acknowledged, closed_tp or closed_fp");
      auto [code, answer] = apply(store, *id, action, j, tz_sec, now, record);
      return code == 200 ? Response{200, answer} : err(code, answer);
    }
    if (method != "GET") return err(405, "use GET");
    auto a = store.get(*id);
    if (!a) return err(404, a.error());
    auto hist = store.history(*id);
    if (!hist) return err(500, hist.error());
    nlohmann::json h = nlohmann::json::array();
    for (const auto& e : *hist)
      h.push_back({{"at", format_rfc3339(e.at)}, {"by", e.who}, {"from", e.from}, {"to", e.to}, {"comment", e.comment}});
    // The referenced events, read back from the store (at most 20).
    std::string events = "[";
    size_t n = 0;
    for (uint64_t ref : a->events) {
      if (n == 20) break;
      auto ev = search::read_event_by_ref(data_dir, ref);
      std::string item = ev ? search::event_to_json(*ev) : nlohmann::json{{"error", ev.error()}}.dump();
      events += (n++ ? "," : "") + std::string("{\"ref\":\"") + store::ref_to_string(ref) + "\",\"event\":" + item + "}";
    }
    events += "]";
    // What the rule means and what to do about it, and its tags by name.
    nlohmann::json rule, tags = nlohmann::json::array();
    if (guide) {
      if (auto g = guide->rule(a->rule_id)) rule = std::move(*g);
      for (const auto& t : a->attack) tags.push_back(guide->tag(t));
      for (const auto& t : a->mlps) tags.push_back(guide->tag("mlps." + t));
    }
    return {200, "{\"alert\":" + alert::alert_to_json(*a) + ",\"history\":" + h.dump() + ",\"events\":" + events +
                     ",\"rule\":" + rule.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                     ",\"tags\":" + tags.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}"};
  }
  if (path == "/api/v1/suppressions") {
    if (method == "GET") {
      auto list = store.suppressions(now, param(p, "all") == "1");
      if (!list) return err(500, list.error());
      nlohmann::json out = nlohmann::json::array();
      for (const auto& s : *list)
        out.push_back({{"id", s.id},
                       {"rule_id", s.rule_id},
                       {"field", s.field},
                       {"value", s.value},
                       {"until", format_rfc3339(s.until)},
                       {"by", s.who},
                       {"reason", s.reason},
                       {"hits", s.hits}});
      return {200, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    }
    if (method != "POST") return err(405, "use GET or POST");
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object()) return err(400, "body must be a JSON object");
    auto str = [&](const char* k) { return member(j, k); };
    alert::Suppression s;
    s.rule_id = str("rule_id");
    s.field = str("field");
    s.value = str("value");
    s.who = str("by");
    s.reason = str("reason");
    s.created = now;
    int64_t minutes = j.contains("minutes") && j["minutes"].is_number_integer() ? j["minutes"].get<int64_t>() : 0;
    // At most a year: a whitelist entry too expires and is looked at again.
    if (minutes <= 0 || minutes > 365 * 24 * 60) return err(400, "minutes: 1 到 525600（365 天） / between 1 and 525600 (365 days)");
    s.until = now + minutes * 60LL * 1000000000LL;
    auto id = store.add_suppression(s);
    if (!id) return err(400, id.error());
    return {201, nlohmann::json{{"id", *id}, {"until", format_rfc3339(s.until)}}.dump()};
  }
  if (path.rfind("/api/v1/suppressions/", 0) == 0) {
    if (method != "DELETE") return err(405, "use DELETE");
    auto id = to_int(path.substr(21));
    if (!id) return err(404, "no such suppression");
    Status s = store.remove_suppression(*id);
    if (!s) return err(404, s.error());
    return {200, "{\"removed\":" + std::to_string(*id) + "}"};
  }
  return err(404, "no such endpoint: " + path);
}

}  // namespace wardsec::server
