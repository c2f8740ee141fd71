// Each probe's state from its results (运行监控): an outage after `fail_after` failures in a
// row (dated from the first), recovery at the first success, a slowdown after `fail_after`
// answers slower than `slow_ms`, a certificate near its expiry. What changed comes back as
// Changes for the monitor to alert on; results and outages go into the AvailabilityDb.
#pragma once
#include <deque>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "ops/probe/availability.h"
#include "ops/probe/checks.h"

namespace wardsec::ops::probe {

struct Change {
  enum Kind { kDown, kUp, kSlow, kFast, kCertSoon, kCertOk } kind;
  Spec spec;
  int64_t since = 0;     // when the problem began (kUp/kFast: when it began, for its duration)
  std::string cause;     // the failure's text, the slow time, the expiry
  int64_t alert_id = 0;  // kUp/kFast/kCertOk: the problem's alert, to close
  int64_t outage_id = 0;
};

class Tracker {
 public:
  // db may be null (tests); tz_sec: the zone of the dates in the changes' texts.
  explicit Tracker(AvailabilityDb* db, int tz_sec = 8 * 3600);
  // The probes in force; the state of one that stays is kept. A probe removed or disabled ends
  // its outage at `now`; the alerts of its problems are returned, to close.
  std::vector<int64_t> set_specs(const std::vector<Spec>& specs, int64_t now);
  std::vector<Change> observe(const Spec& s, const Outcome& o, int64_t ts);
  // The alert raised for a change, closed when the problem ends.
  void set_alert(const Change& c, int64_t alert_id);
  // {"probes": [...]} with state, last result, recent response times and interfaces.
  nlohmann::json to_json(int64_t now) const;

 private:
  struct Point {
    int64_t ts;
    bool ok;
    double rtt;
  };
  struct IfRate {
    std::string name;
    int oper = 0;
    uint64_t in = 0, out = 0;
    int64_t ts = 0;
    double in_bps = -1, out_bps = -1;
  };
  struct State {
    Spec spec;
    int fails = 0, slows = 0;
    bool down = false, slow = false, cert_warned = false;
    int64_t fail_since = 0, slow_since = 0, last_ts = 0, state_since = 0;
    std::string first_cause;
    Outcome last;
    int64_t outage_id = 0, down_alert = 0, slow_alert = 0, cert_alert = 0;
    std::deque<Point> recent;
    std::map<int, IfRate> ifs;
  };
  void rates(State& st, const Outcome& o, int64_t ts);
  AvailabilityDb* db_;
  int tz_;
  std::map<std::string, State> states_;
};

}  // namespace wardsec::ops::probe
