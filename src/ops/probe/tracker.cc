#include "ops/probe/tracker.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/timeutil.h"

namespace wardsec::ops::probe {

namespace {
constexpr size_t kRecent = 60;
}

Tracker::Tracker(AvailabilityDb* db, int tz_sec) : db_(db), tz_(tz_sec) {
  if (!db_) return;
  auto open = db_->open_outages();
  if (!open) {
    spdlog::error("probes: cannot read the open outages: {}", open.error());
    return;
  }
  for (const auto& o : *open) {  // outages that lasted over a restart go on until a success
    auto& st = states_[o.probe];
    st.spec.id = o.probe;
    st.down = true;
    st.outage_id = o.id;
    st.down_alert = o.alert_id;
    st.fail_since = st.state_since = o.start;
    st.first_cause = o.cause;
  }
}

std::vector<int64_t> Tracker::set_specs(const std::vector<Spec>& specs, int64_t now) {
  std::vector<int64_t> closed;
  // A probe removed or disabled ends its outage (the time after is not watched) and its alerts.
  auto end = [&](State& st) {
    if (st.down && db_ && st.outage_id) (void)db_->close_outage(st.outage_id, now);
    for (int64_t id : {st.down_alert, st.slow_alert, st.cert_alert})
      if (id) closed.push_back(id);
    st.down = st.slow = st.cert_warned = false;
    st.fails = st.slows = 0;
    st.outage_id = st.down_alert = st.slow_alert = st.cert_alert = 0;
  };
  std::map<std::string, State> next;
  for (const auto& s : specs) {
    auto it = states_.find(s.id);
    State st = it != states_.end() ? std::move(it->second) : State{};
    if (it != states_.end()) states_.erase(it);
    if (st.spec.kind != s.kind || st.spec.target() != s.target()) st.recent.clear();  // another check now
    st.spec = s;
    if (!s.enabled) end(st);
    next[s.id] = std::move(st);
  }
  for (auto& [id, st] : states_) end(st);
  states_ = std::move(next);
  return closed;
}

std::vector<Change> Tracker::observe(const Spec& s, const Outcome& o, int64_t ts) {
  std::vector<Change> out;
  auto& st = states_[s.id];
  st.spec = s;
  int64_t observed = st.last_ts ? std::min<int64_t>(ts - st.last_ts, 2LL * s.interval_s * kSec) : 0;
  if (observed < 0) observed = 0;
  if (db_) db_->sample(s.id, s.system, ts, o.ok, o.rtt_ms, observed);
  st.last_ts = ts;
  st.last = o;
  if (!st.state_since) st.state_since = ts;
  st.recent.push_back({ts, o.ok, o.rtt_ms});
  if (st.recent.size() > kRecent) st.recent.pop_front();
  rates(st, o, ts);
  if (!o.ok) {
    if (st.fails++ == 0 && !st.down) {  // (down with no failure counted: an outage over a restart)
      st.fail_since = ts;
      st.first_cause = o.error;
    }
    st.slows = 0;
    if (!st.down && st.fails >= s.fail_after) {
      st.down = true;
      st.state_since = st.fail_since;
      Change c{Change::kDown, s, st.fail_since, st.first_cause};
      if (db_) {
        auto id = db_->open_outage({0, s.id, s.name, s.system, s.asset, st.fail_since, 0, st.first_cause, 0});
        if (id)
          st.outage_id = *id;
        else
          spdlog::error("probes: cannot record the outage of {}: {}", s.id, id.error());
      }
      c.outage_id = st.outage_id;
      out.push_back(std::move(c));
    }
  } else {
    if (st.down) {
      if (db_ && st.outage_id) (void)db_->close_outage(st.outage_id, ts);
      out.push_back({Change::kUp, s, st.fail_since, st.first_cause, st.down_alert, st.outage_id});
      st.down = false;
      st.outage_id = st.down_alert = 0;
      st.state_since = ts;
    }
    st.fails = 0;
    if (s.slow_ms > 0 && o.rtt_ms > s.slow_ms) {
      if (st.slows++ == 0) st.slow_since = ts;
      if (!st.slow && st.slows >= s.fail_after) {
        st.slow = true;
        out.push_back({Change::kSlow, s, st.slow_since,
                       "响应 " + std::to_string(static_cast<int>(o.rtt_ms)) + " ms，阈值 " + std::to_string(s.slow_ms) +
                           " ms / answered in " + std::to_string(static_cast<int>(o.rtt_ms)) + " ms, threshold " +
                           std::to_string(s.slow_ms) + " ms"});
      }
    } else {
      st.slows = 0;
      if (st.slow) {
        st.slow = false;
        out.push_back({Change::kFast, s, st.slow_since, "", st.slow_alert});
        st.slow_alert = 0;
      }
    }
  }
  if (o.cert_not_after > 0 && s.cert_warn_days > 0) {
    int64_t days = (o.cert_not_after - ts / kSec) / 86400;
    bool soon = days < s.cert_warn_days;
    if (soon && !st.cert_warned) {
      st.cert_warned = true;
      std::string when = local_time(o.cert_not_after * kSec, tz_).substr(0, 10);
      out.push_back({Change::kCertSoon, s, ts,
                     days < 0 ? "证书已于 " + when + " 过期 / the certificate expired on " + when
                              : "证书将于 " + when + " 过期（剩 " + std::to_string(days) + " 天） / the certificate expires on " + when +
                                    " (" + std::to_string(days) + " days)"});
    } else if (!soon && st.cert_warned) {
      st.cert_warned = false;
      out.push_back({Change::kCertOk, s, ts, "", st.cert_alert});
      st.cert_alert = 0;
    }
  }
  return out;
}

void Tracker::rates(State& st, const Outcome& o, int64_t ts) {
  for (const auto& f : o.interfaces) {
    auto& r = st.ifs[f.index];
    r.name = f.name;
    r.oper = f.oper;
    if (f.counters && r.ts && ts > r.ts && f.in_octets >= r.in && f.out_octets >= r.out) {
      double dt = static_cast<double>(ts - r.ts) / kSec;
      r.in_bps = static_cast<double>(f.in_octets - r.in) * 8 / dt;
      r.out_bps = static_cast<double>(f.out_octets - r.out) * 8 / dt;
    }
    if (f.counters) {
      r.in = f.in_octets;
      r.out = f.out_octets;
      r.ts = ts;
    }
  }
}

void Tracker::set_alert(const Change& c, int64_t alert_id) {
  auto it = states_.find(c.spec.id);
  if (it == states_.end()) return;
  if (c.kind == Change::kDown) {
    it->second.down_alert = alert_id;
    if (db_ && c.outage_id) (void)db_->set_alert(c.outage_id, alert_id);
  }
  if (c.kind == Change::kSlow) it->second.slow_alert = alert_id;
  if (c.kind == Change::kCertSoon) it->second.cert_alert = alert_id;
}

nlohmann::json Tracker::to_json(int64_t now) const {
  auto arr = nlohmann::json::array();
  for (const auto& [id, st] : states_) {
    const auto& s = st.spec;
    std::string state = !s.enabled    ? "disabled"
                        : st.down     ? "down"
                        : !st.last_ts ? "unknown"
                        : st.slow     ? "slow"
                        : st.fails    ? "failing"
                                      : "up";
    nlohmann::json j = {{"id", id},
                        {"name", s.name},
                        {"kind", s.kind},
                        {"target", s.kind.empty() ? "" : s.target()},
                        {"system", s.system},
                        {"asset", s.asset},
                        {"zone", s.zone},
                        {"state", state},
                        {"since", st.state_since / kSec},
                        {"last", st.last_ts / kSec},
                        {"rtt_ms", st.last.rtt_ms},
                        {"error", st.last.error},
                        {"detail", st.last.detail},
                        {"fails", st.fails},
                        {"interval_s", s.interval_s}};
    if (st.down) j["cause"] = st.first_cause;
    if (st.last.cert_not_after) j["cert_days"] = (st.last.cert_not_after - now / kSec) / 86400;
    auto recent = nlohmann::json::array();
    for (const auto& p : st.recent) recent.push_back({p.ts / kSec, p.ok ? nlohmann::json(p.rtt) : nlohmann::json()});
    j["recent"] = std::move(recent);
    if (!st.ifs.empty()) {
      auto ifs = nlohmann::json::array();
      for (const auto& [ix, r] : st.ifs)
        ifs.push_back({{"index", ix},
                       {"name", r.name},
                       {"oper", r.oper},
                       {"in_bps", r.in_bps < 0 ? nlohmann::json() : nlohmann::json(r.in_bps)},
                       {"out_bps", r.out_bps < 0 ? nlohmann::json() : nlohmann::json(r.out_bps)}});
      j["interfaces"] = std::move(ifs);
    }
    arr.push_back(std::move(j));
  }
  return {{"probes", arr}};
}

}  // namespace wardsec::ops::probe
