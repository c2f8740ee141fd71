// Sigma correlation rules and filters: loading, reference resolution, window semantics,
// chaining, aliases, state bounds, and filters applied identically by both evaluators.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/strutil.h"
#include "detect/correlate.h"
#include "detect/engine.h"
#include "detect/ruleset.h"
#include "test_util.h"

namespace wardsec::detect {
namespace {

namespace fs = std::filesystem;

// A rule set from YAML text, routed without a mapping (every rule sees every event).
struct Fixture {
  std::string dir;
  std::unique_ptr<RuleSet> set;
  explicit Fixture(const std::string& yaml, const std::string& mapping = "logsources: []\n") {
    dir = (fs::temp_directory_path() / ("wardsec-corr-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++))).string();
    fs::create_directories(dir);
    std::ofstream(dir + "/mapping.yaml") << mapping;
    std::ofstream(dir + "/rules.yml") << yaml;
    auto m = Mapping::load(dir + "/mapping.yaml");
    set = std::make_unique<RuleSet>(std::move(m.value()));
    set->add_path(dir + "/rules.yml");
    set->finish();
  }
  ~Fixture() { fs::remove_all(dir); }
  static int& counter() {
    static int n = 0;
    return n;
  }
  // Feeds JSON events (each with "t": seconds) in order; returns the titles that fired,
  // with the index of the event that completed them.
  std::vector<std::string> run(const std::vector<std::string>& events, Correlator::Options opt = {}) {
    Correlator c(*set, opt);
    std::vector<CorrelationHit> hits;
    std::vector<std::string> out;
    auto collect = [&] {
      for (const auto& h : hits) out.push_back(set->correlations()[h.correlation].corr.title + "@" + std::to_string(h.events.back()));
      hits.clear();
    };
    for (size_t i = 0; i < events.size(); i++) {
      Event ev = test::decode(events[i]);
      for (size_t r : set->match(ev, true)) c.on_rule_match(r, ev, i, hits);
      c.advance(ev.ts, hits);
      collect();
    }
    c.advance(INT64_MAX, hits);
    collect();
    last_stats = c.stats();
    return out;
  }
  Correlator::Stats last_stats;
};

std::string ev(int sec, const std::string& fields) {
  return "{\"@timestamp\":\"" + std::to_string(1795694400LL + sec) + "\"," + fields + "}";
}

const char* kFailedLogin = R"(
title: failed login
id: 11111111-0000-0000-0000-000000000001
name: failed_login
logsource: {product: test}
detection:
  sel: {action: fail}
  condition: sel
---
title: successful login
id: 11111111-0000-0000-0000-000000000002
name: successful_login
logsource: {product: test}
detection:
  sel: {action: ok}
  condition: sel
)";

TEST(Correlation, TimespanParsing) {
  EXPECT_EQ(parse_timespan("90m"), 90LL * 60 * 1000000000LL);
  EXPECT_EQ(parse_timespan("1d"), 86400LL * 1000000000LL);
  EXPECT_EQ(parse_timespan("15s"), 15LL * 1000000000LL);
  for (const char* bad : {"", "m", "5", "5 m", "5M", "-5m", "0s", "1w", "1.5h"}) EXPECT_FALSE(parse_timespan(bad)) << bad;
}

TEST(Correlation, MalformedCorrelationsAreReportedWithTheirLine) {
  struct Case {
    const char* body;
    const char* reason;
  } cases[] = {
      {"  rules: [failed_login]\n  group-by: [user]\n  timespan: 5m\n  condition: {gte: 3}\n", "correlation has no type"},
      {"  type: event_sum\n  rules: [failed_login]\n  timespan: 5m\n  condition: {gte: 3}\n", "unsupported correlation type 'event_sum'"},
      {"  type: event_count\n  rules: [failed_login]\n  timespan: 5 minutes\n  condition: {gte: 3}\n", "timespan '5 minutes'"},
      {"  type: event_count\n  rules: [failed_login]\n  timespan: 5m\n", "event_count correlation has no condition"},
      {"  type: value_count\n  rules: [failed_login]\n  timespan: 5m\n  condition: {gte: 3}\n", "needs condition.field"},
      {"  type: event_count\n  rules: [failed_login]\n  timespan: 5m\n  condition: {gte: many}\n", "needs a number"},
      {"  type: event_count\n  rules: [failed_login]\n  timespan: 5m\n  condition: {above: 3}\n", "unknown correlation condition 'above'"},
      {"  type: event_count\n  rules: [no_such_rule]\n  timespan: 5m\n  condition: {gte: 3}\n",
       "names rule 'no_such_rule', which is not loaded"},
      {"  type: event_count\n  timespan: 5m\n  condition: {gte: 3}\n", "correlation names no rules"},
  };
  for (const auto& c : cases) {
    Fixture f(std::string(kFailedLogin) + "---\ntitle: bad\ncorrelation:\n" + c.body);
    ASSERT_EQ(f.set->errors().size(), 1u) << c.body;
    EXPECT_NE(f.set->errors()[0].reason.find(c.reason), std::string::npos) << f.set->errors()[0].to_string();
    EXPECT_GT(f.set->errors()[0].line, 17) << f.set->errors()[0].to_string();  // in the correlation document
    EXPECT_EQ(f.set->rules().size(), 2u);                                      // the good rules still load
    EXPECT_TRUE(f.set->correlations().empty());
  }
}

TEST(Correlation, CyclesAreErrors) {
  Fixture f(std::string(kFailedLogin) + R"(---
title: a
name: a
correlation: {type: event_count, rules: [b], timespan: 5m, condition: {gte: 1}}
---
title: b
name: b
correlation: {type: event_count, rules: [a], timespan: 5m, condition: {gte: 1}}
---
title: c
correlation: {type: event_count, rules: [failed_login], timespan: 5m, condition: {gte: 1}}
)");
  EXPECT_EQ(f.set->correlations().size(), 1u);
  ASSERT_GE(f.set->errors().size(), 2u);
  EXPECT_NE(f.set->errors()[0].reason.find("references itself"), std::string::npos) << f.set->errors()[0].to_string();
}

TEST(Correlation, EventCountSlidingWindowPerGroup) {
  Fixture f(std::string(kFailedLogin) + R"(---
title: brute force
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [src]
  timespan: 60s
  condition: {gte: 3}
)");
  ASSERT_TRUE(f.set->errors().empty()) << f.set->errors()[0].to_string();
  // Three from one address inside a minute: fires on the third; the group starts over.
  EXPECT_EQ(f.run({ev(0, R"("action":"fail","src":"a")"), ev(10, R"("action":"fail","src":"b")"), ev(20, R"("action":"fail","src":"a")"),
                   ev(30, R"("action":"fail","src":"a")"), ev(40, R"("action":"fail","src":"a")")}),
            std::vector<std::string>{"brute force@3"});
  // A sliding window: 0, 50, 100 is never three within 60 s; 50, 100, 105 is.
  EXPECT_EQ(f.run({ev(0, R"("action":"fail","src":"a")"), ev(50, R"("action":"fail","src":"a")"), ev(100, R"("action":"fail","src":"a")"),
                   ev(105, R"("action":"fail","src":"a")")}),
            std::vector<std::string>{"brute force@3"});
  EXPECT_TRUE(
      f.run({ev(0, R"("action":"fail","src":"a")"), ev(61, R"("action":"fail","src":"a")"), ev(122, R"("action":"fail","src":"a")")})
          .empty());
  // Events without the group-by field are counted and left out, not lumped together.
  EXPECT_TRUE(f.run({ev(0, R"("action":"fail")"), ev(1, R"("action":"fail")"), ev(2, R"("action":"fail")")}).empty());
  EXPECT_EQ(f.last_stats.missing_group_field, 3u);
}

TEST(Correlation, BoundedConditionsAreDecidedWhenTheWindowCloses) {
  Fixture f(std::string(kFailedLogin) + R"(---
title: few failures
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [src]
  timespan: 60s
  condition: {gt: 1, lte: 2}
)");
  ASSERT_TRUE(f.set->errors().empty());
  // Window of a: 0..60 holds two events -> fires when it closes (at the event at 100);
  // window of b holds three -> no. The window opened at 100 (one event) -> no.
  EXPECT_EQ(f.run({ev(0, R"("action":"fail","src":"a")"), ev(5, R"("action":"fail","src":"a")"), ev(6, R"("action":"fail","src":"b")"),
                   ev(7, R"("action":"fail","src":"b")"), ev(8, R"("action":"fail","src":"b")"), ev(100, R"("action":"fail","src":"a")")}),
            std::vector<std::string>{"few failures@1"});
}

TEST(Correlation, ValueCountCountsDistinctValues) {
  Fixture f(std::string(kFailedLogin) + R"(---
title: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [src]
  timespan: 10m
  condition: {field: user, gte: 3}
)");
  ASSERT_TRUE(f.set->errors().empty());
  EXPECT_TRUE(f.run({ev(0, R"("action":"fail","src":"a","user":"root")"), ev(1, R"("action":"fail","src":"a","user":"root")"),
                     ev(2, R"("action":"fail","src":"a","user":"admin")"), ev(3, R"("action":"fail","src":"a","user":"admin")")})
                  .empty());
  EXPECT_EQ(f.run({ev(0, R"("action":"fail","src":"a","user":"root")"), ev(1, R"("action":"fail","src":"a","user":"admin")"),
                   ev(2, R"("action":"fail","src":"b","user":"oracle")"), ev(3, R"("action":"fail","src":"a","user":"oracle")")}),
            std::vector<std::string>{"spray@3"});
}

TEST(Correlation, ValueSumAndAverage) {
  Fixture f(R"(
title: upload
name: upload
logsource: {product: test}
detection: {sel: {action: upload}, condition: sel}
---
title: exfiltration
correlation: {type: value_sum, rules: [upload], group-by: [user], timespan: 1h, condition: {field: bytes, gt: 1000}}
---
title: big average
correlation: {type: value_avg, rules: [upload], group-by: [user], timespan: 1h, condition: {field: bytes, gte: 600}}
)");
  ASSERT_TRUE(f.set->errors().empty()) << f.set->errors()[0].to_string();
  EXPECT_EQ(f.run({ev(0, R"("action":"upload","user":"li","bytes":"600")"), ev(1, R"("action":"upload","user":"li","bytes":"500")")}),
            (std::vector<std::string>{"big average@0", "exfiltration@1"}));
}

TEST(Correlation, TemporalAnyOrderAndOrdered) {
  std::string rules = std::string(kFailedLogin) + R"(---
title: recon
name: recon
logsource: {product: test}
detection: {sel: {action: whoami}, condition: sel}
)";
  Fixture any(rules + R"(---
title: all three
correlation: {type: temporal, rules: [failed_login, successful_login, recon], group-by: [user], timespan: 5m}
)");
  Fixture ordered(rules + R"(---
title: fail then ok
correlation: {type: temporal_ordered, rules: [failed_login, successful_login], group-by: [user], timespan: 5m}
)");
  ASSERT_TRUE(any.set->errors().empty());
  ASSERT_TRUE(ordered.set->errors().empty());
  std::vector<std::string> evs = {ev(0, R"("action":"whoami","user":"li")"), ev(10, R"("action":"ok","user":"li")"),
                                  ev(20, R"("action":"fail","user":"li")")};
  EXPECT_EQ(any.run(evs), std::vector<std::string>{"all three@2"});
  EXPECT_TRUE(ordered.run(evs).empty());  // ok came before fail
  EXPECT_EQ(ordered.run({ev(0, R"("action":"fail","user":"li")"), ev(30, R"("action":"fail","user":"li")"),
                         ev(320, R"("action":"ok","user":"li")")}),
            std::vector<std::string>{"fail then ok@2"});  // the later failure starts the chain in time
  EXPECT_TRUE(ordered.run({ev(0, R"("action":"fail","user":"li")"), ev(301, R"("action":"ok","user":"li")")}).empty());
  EXPECT_TRUE(ordered.run({ev(0, R"("action":"fail","user":"li")"), ev(1, R"("action":"ok","user":"wang")")}).empty());
}

// The specification's example: many failed logins, then a successful one, chained.
// The specification's example of chained correlations.
const char* kChained = R"(---
title: Correlation - Multiple Failed Logins Followed by Successful Login
correlation:
  type: temporal_ordered
  rules: [multiple_failed_login, successful_login]
  group-by: [User]
  timespan: 10m
---
title: Multiple failed logons
name: multiple_failed_login
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 10m
  condition: {gte: 3}
)";

TEST(Correlation, ChainedCorrelationsAsInTheSpecification) {
  Fixture f(std::string(kFailedLogin) + kChained);
  ASSERT_TRUE(f.set->errors().empty()) << f.set->errors()[0].to_string();
  // generate defaults to false: the referenced rule and correlation raise nothing alone.
  EXPECT_FALSE(f.set->rules()[0].standalone);
  EXPECT_FALSE(f.set->rules()[1].standalone);
  EXPECT_TRUE(f.set->correlations()[0].standalone);
  EXPECT_FALSE(f.set->correlations()[1].standalone);
  auto fired =
      f.run({ev(0, R"("action":"fail","User":"li")"), ev(1, R"("action":"fail","User":"li")"), ev(2, R"("action":"ok","User":"li")"),
             ev(3, R"("action":"fail","User":"li")"), ev(4, R"("action":"ok","User":"wang")"), ev(5, R"("action":"ok","User":"li")")});
  EXPECT_EQ(fired,
            (std::vector<std::string>{"Multiple failed logons@3", "Correlation - Multiple Failed Logins Followed by Successful Login@5"}));
}

// The evidence of a chained hit is the events that made it: the failures the nested count saw
// and the success, not a success that came before the failures nor another user's events.
TEST(Correlation, AChainedHitsEvidenceIsTheEventsThatMadeIt) {
  Fixture f(std::string(kFailedLogin) + kChained);
  ASSERT_TRUE(f.set->errors().empty()) << f.set->errors()[0].to_string();
  std::vector<std::string> events = {ev(0, R"("action":"ok","User":"li")"),     ev(1, R"("action":"fail","User":"li")"),
                                     ev(2, R"("action":"fail","User":"wang")"), ev(3, R"("action":"fail","User":"li")"),
                                     ev(4, R"("action":"fail","User":"li")"),   ev(5, R"("action":"ok","User":"wang")"),
                                     ev(6, R"("action":"ok","User":"li")")};
  Correlator c(*f.set, {});
  std::vector<CorrelationHit> hits;
  for (size_t i = 0; i < events.size(); i++) {
    Event e = test::decode(events[i]);
    for (size_t r : f.set->match(e, true)) c.on_rule_match(r, e, i, hits);
  }
  const CorrelationHit* top = nullptr;
  for (const auto& h : hits)
    if (f.set->correlations()[h.correlation].corr.type == Correlation::kTemporalOrdered) top = &h;
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->events, (std::vector<uint64_t>{1, 3, 4, 6}));
  EXPECT_EQ(top->event_count, 4u);
}

TEST(Correlation, AliasesGroupDifferentFieldsTogether) {
  Fixture f(R"(
title: internal error
name: internal_error
logsource: {product: test}
detection: {sel: {status: '500'}, condition: sel}
---
title: new connection
name: new_network_connection
logsource: {product: test}
detection: {sel: {action: connect}, condition: sel}
---
title: error then connection back
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip, remote_ip]
  timespan: 10s
  aliases:
    internal_ip: {internal_error: dst, new_network_connection: src}
    remote_ip: {internal_error: src, new_network_connection: dst}
)");
  ASSERT_TRUE(f.set->errors().empty()) << f.set->errors()[0].to_string();
  EXPECT_EQ(
      f.run({ev(0, R"("status":"500","src":"8.8.8.8","dst":"10.20.0.5")"), ev(3, R"("action":"connect","src":"10.20.0.6","dst":"8.8.8.8")"),
             ev(4, R"("action":"connect","src":"10.20.0.5","dst":"8.8.8.8")")}),
      std::vector<std::string>{"error then connection back@2"});
}

TEST(Correlation, AliasNamingAnUnreferencedRuleIsAnError) {
  Fixture f(std::string(kFailedLogin) + R"(---
title: bad alias
correlation:
  type: temporal
  rules: [failed_login, successful_login]
  group-by: [who]
  timespan: 10s
  aliases: {who: {failed_logon: user, successful_login: user}}
)");
  ASSERT_EQ(f.set->errors().size(), 1u);
  EXPECT_NE(f.set->errors()[0].reason.find("alias 'who' names rule 'failed_logon'"), std::string::npos);
}

TEST(Correlation, StateIsBoundedAndEvictionIsCounted) {
  Fixture f(std::string(kFailedLogin) + R"(---
title: brute force
correlation: {type: event_count, rules: [failed_login], group-by: [src], timespan: 1h, condition: {gte: 2}}
)");
  std::vector<std::string> evs;
  for (int i = 0; i < 100; i++) evs.push_back(ev(i, R"("action":"fail","src":"a)" + std::to_string(i) + "\""));
  Correlator::Options opt;
  opt.max_groups = 20;
  EXPECT_TRUE(f.run(evs, opt).empty());
  EXPECT_GT(f.last_stats.groups_evicted, 0u);
  EXPECT_LE(f.last_stats.groups, 20u);
}

const char* kFilterRules = R"(
title: whoami
id: 22222222-0000-0000-0000-000000000001
name: whoami
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
---
title: net user
id: 22222222-0000-0000-0000-000000000002
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\net.exe'}
  condition: sel
---
title: linux whoami
id: 22222222-0000-0000-0000-000000000003
logsource: {product: linux, category: process_creation}
detection:
  sel: {Image|endswith: '/whoami'}
  condition: sel
)";

TEST(Filter, AddsItsConditionToTheRulesItNames) {
  Fixture f(std::string(kFilterRules) + R"(---
title: Filter the admin jump host
logsource: {product: windows}
filter:
  rules: [whoami]
  selection: {Computer|startswith: 'ADM-'}
  condition: not selection
)");
  ASSERT_TRUE(f.set->errors().empty()) << f.set->errors()[0].to_string();
  auto fires = [&](const std::string& json) {
    std::vector<std::string> out;
    for (size_t i : f.set->match(test::decode(json), true)) out.push_back(f.set->rules()[i].rule.title);
    return out;
  };
  EXPECT_EQ(fires(R"({"Image":"C:\\Windows\\whoami.exe","Computer":"HIS-APP-01"})"), std::vector<std::string>{"whoami"});
  EXPECT_TRUE(fires(R"({"Image":"C:\\Windows\\whoami.exe","Computer":"ADM-01"})").empty());
  // Rules the filter does not name are untouched.
  EXPECT_EQ(fires(R"({"Image":"C:\\Windows\\net.exe","Computer":"ADM-01"})"), std::vector<std::string>{"net user"});
}

TEST(Filter, AnyRuleWithinItsLogsourceAndTheEngineAgrees) {
  const char* mapping = "logsources:\n  - logsource: {category: process_creation}\n    events: 'NOT event.dataset:none'\n";
  Fixture f(std::string(kFilterRules) + R"(---
title: Filter the admin jump host
logsource: {product: windows}
filter:
  rules: any
  jump: {Computer|startswith: 'ADM-'}
  trusted: {User: 'HOSPITAL\it-ops'}
  condition: not 1 of them
)",
            mapping);
  ASSERT_TRUE(f.set->errors().empty()) << f.set->errors()[0].to_string();
  std::vector<std::string> evs = {
      R"({"Image":"C:\\Windows\\whoami.exe","Computer":"HIS-APP-01","User":"HOSPITAL\\li"})",
      R"({"Image":"C:\\Windows\\whoami.exe","Computer":"ADM-01","User":"HOSPITAL\\li"})",
      R"({"Image":"C:\\Windows\\net.exe","Computer":"HIS-APP-01","User":"HOSPITAL\\it-ops"})",
      R"({"Image":"C:\\Windows\\net.exe","Computer":"HIS-APP-01","User":"HOSPITAL\\li"})",
      R"({"Image":"/usr/bin/whoami","Computer":"ADM-01"})",  // linux rule: outside the filter's logsource
  };
  std::vector<std::vector<size_t>> want = {{0}, {}, {}, {1}, {2}};
  auto engine = Engine::compile(*f.set);
  ASSERT_TRUE(engine.ok()) << engine.error();
  for (size_t i = 0; i < evs.size(); i++) {
    Event e = test::decode(evs[i]);
    EXPECT_EQ(f.set->match(e), want[i]) << evs[i];
    EXPECT_EQ((*engine)->match(e), want[i]) << evs[i];
  }
}

TEST(Filter, NamingAnUnknownRuleIsReported) {
  Fixture f(std::string(kFilterRules) + R"(---
title: stale filter
logsource: {product: windows}
filter:
  rules: [no-such-rule]
  selection: {Computer: X}
  condition: not selection
)");
  ASSERT_EQ(f.set->errors().size(), 1u);
  EXPECT_NE(f.set->errors()[0].reason.find("names rule 'no-such-rule'"), std::string::npos);
  EXPECT_EQ(f.set->errors()[0].line, 24);
}

}  // namespace
}  // namespace wardsec::detect

namespace wardsec::detect {
namespace {

// A region's correlators share the work by group (docs/cluster.md): every group is kept by
// exactly one of them, and what fires is what one correlator over everything fires.
TEST(Correlation, PartitionsKeepEachGroupOnce) {
  Fixture f(std::string(kFailedLogin) + R"(---
title: brute force
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [src]
  timespan: 5m
  condition: {gte: 3}
)");
  std::vector<std::string> events;
  for (int i = 0; i < 60; i++) events.push_back(ev(i, "\"action\":\"fail\",\"src\":\"10.0.0." + std::to_string(i % 20) + "\""));
  auto all = f.run(events);
  ASSERT_EQ(all.size(), 20u);  // each of the 20 sources fails three times
  std::vector<std::string> joined;
  uint64_t other = 0;
  for (uint32_t p = 0; p < 3; p++) {
    Correlator::Options o;
    o.partition = p;
    o.partitions = 3;
    auto part = f.run(events, o);
    EXPECT_FALSE(part.empty()) << "partition " << p << " kept no group";
    joined.insert(joined.end(), part.begin(), part.end());
    other += f.last_stats.other_partition;
  }
  std::sort(all.begin(), all.end());
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(joined, all);
  EXPECT_EQ(other, 2u * 60u);  // each match is kept by one partition and passed over by the other two
}

}  // namespace
}  // namespace wardsec::detect
