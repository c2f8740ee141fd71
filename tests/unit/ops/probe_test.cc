// Probes (运行监控): the answers' readers on real and hostile bytes, the probe definitions'
// checks, the outage state machine and the availability it computes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/timeutil.h"
#include "ops/probe/availability.h"
#include "ops/probe/spec.h"
#include "ops/probe/tracker.h"
#include "ops/probe/wire.h"
#include "ops/daily_export.h"
#include "report/report.h"
#include "store/crypto.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::ops::probe;

namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s += static_cast<char>(b);
  return s;
}

Spec spec(const std::string& id, int fail_after = 3, int slow_ms = 0, const std::string& system = "HIS") {
  auto s = spec_from_json({{"id", id},
                           {"kind", "tcp"},
                           {"host", "10.20.1.10"},
                           {"port", 80},
                           {"interval_s", 10},
                           {"fail_after", fail_after},
                           {"slow_ms", slow_ms},
                           {"system", system}});
  EXPECT_TRUE(s) << s.error();
  return *s;
}

Outcome result(bool ok, double rtt = 5, std::string err = "") {
  Outcome o;
  o.ok = ok;
  o.rtt_ms = rtt;
  o.error = ok ? "" : (err.empty() ? "connection refused" : err);
  return o;
}

const int64_t kT0 = 1'790'000'000LL / 86400 * 86400 * kSec;

}  // namespace

TEST(ProbeWire, IcmpEchoHasAValidChecksumAndReadsBack) {
  auto p = icmp_echo(0x1234, 7, "wardsec");
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < p.size(); i += 2) sum += static_cast<uint8_t>(p[i]) << 8 | static_cast<uint8_t>(p[i + 1]);
  if (p.size() % 2) sum += static_cast<uint8_t>(p.back()) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ(sum, 0xffffu);
  auto r = read_icmp(p, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, 8);
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_EQ(r->seq, 7);
  std::string ip = bytes({0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1});
  EXPECT_TRUE(read_icmp(ip + p, true));
  EXPECT_FALSE(read_icmp(ip.substr(0, 10), true));
  EXPECT_FALSE(read_icmp(bytes({0x4f}) + p, true));  // a header longer than the packet
}

TEST(ProbeWire, DnsQueryAndAnswer) {
  auto q = dns_query(0xbeef, "his.rk.local.", 1);
  ASSERT_TRUE(q);
  EXPECT_FALSE(dns_query(1, "bad name", 1));
  EXPECT_FALSE(dns_query(1, std::string(64, 'a') + ".cn", 1));
  EXPECT_FALSE(dns_query(1, "a..b", 1));
  // The answer: the query turned into a response, with one A record by a compression pointer.
  std::string a = *q;
  a[2] = static_cast<char>(0x81);
  a[3] = static_cast<char>(0x80);
  a[7] = 1;
  a += bytes({0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 20, 1, 10});
  auto r = read_dns(a);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->id, 0xbeef);
  EXPECT_EQ(r->rcode, 0);
  ASSERT_EQ(r->addresses.size(), 1u);
  EXPECT_EQ(r->addresses[0], "10.20.1.10");
  EXPECT_FALSE(read_dns(*q));                                // a query is not an answer
  EXPECT_FALSE(read_dns(a.substr(0, a.size() - 2)));         // cut short
  std::string loop = a.substr(0, 12) + bytes({0xc0, 0x0c});  // a pointer to itself, as a question
  loop[7] = 0;
  EXPECT_FALSE(read_dns(loop));
}

TEST(ProbeWire, MysqlGreetingAndRefusals) {
  std::string greet = bytes({10}) + "10.11.6-MariaDB" + std::string(1, '\0') + std::string(20, 'x');
  std::string pkt = bytes({static_cast<int>(greet.size()), 0, 0, 0}) + greet;
  EXPECT_EQ(mysql_frame(pkt), pkt.size());
  auto h = read_mysql(pkt);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->up);
  EXPECT_EQ(h->version, "10.11.6-MariaDB");
  std::string err = bytes({0xff, 0x10, 0x04}) + "Too many connections";  // 1040
  auto e = read_mysql(bytes({static_cast<int>(err.size()), 0, 0, 0}) + err);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->up);
  EXPECT_NE(e->message.find("1040"), std::string::npos);
  std::string host = bytes({0xff, 0x6a, 0x04}) + "Host '10.1.1.1' is not allowed";  // 1130: the server answers
  EXPECT_TRUE(read_mysql(bytes({static_cast<int>(host.size()), 0, 0, 0}) + host)->up);
  EXPECT_FALSE(read_mysql(bytes({1, 0, 0, 0, 0x47})));  // "G": an HTTP server on the port
  EXPECT_FALSE(read_mysql(bytes({3, 0, 0, 0, 0xff})));
}

TEST(ProbeWire, PostgresStartupAndAnswers) {
  auto m = pg_startup("wardsec_probe", "postgres");
  EXPECT_EQ(static_cast<size_t>(static_cast<uint8_t>(m[3])), m.size());
  EXPECT_NE(m.find("wardsec_probe"), std::string::npos);
  auto auth = bytes({'R', 0, 0, 0, 8, 0, 0, 0, 10});
  EXPECT_EQ(pg_frame(auth), auth.size());
  EXPECT_TRUE(read_pg(auth)->up);
  auto error = [](const std::string& code, const std::string& msg) {
    std::string f = "SFATAL" + std::string(1, '\0') + "C" + code + std::string(1, '\0') + "M" + msg + std::string(2, '\0');
    return bytes({'E', 0, 0, 0, static_cast<int>(f.size() + 4)}) + f;
  };
  auto starting = read_pg(error("57P03", "the database system is starting up"));
  ASSERT_TRUE(starting);
  EXPECT_FALSE(starting->up);
  EXPECT_EQ(starting->message, "57P03: the database system is starting up");
  EXPECT_FALSE(read_pg(error("53300", "sorry, too many clients already"))->up);
  EXPECT_TRUE(read_pg(error("28000", "no pg_hba.conf entry"))->up);
  EXPECT_FALSE(read_pg(bytes({'H', 0, 0, 0, 4})));
}

TEST(ProbeWire, TdsPreloginAndResponse) {
  auto p = tds_prelogin();
  EXPECT_EQ(p[0], 0x12);
  EXPECT_EQ(static_cast<size_t>(static_cast<uint8_t>(p[2]) << 8 | static_cast<uint8_t>(p[3])), p.size());
  // A SQL Server 2019 (15.0.2000) answer: VERSION and ENCRYPTION options.
  std::string body = bytes({0, 0, 11, 0, 6, 1, 0, 17, 0, 1, 0xff, 15, 0, 0x07, 0xd0, 0, 0, 2});
  std::string resp = bytes({4, 1, 0, static_cast<int>(8 + body.size()), 0, 0, 1, 0}) + body;
  EXPECT_EQ(tds_frame(resp), resp.size());
  auto h = read_tds(resp);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->up);
  EXPECT_EQ(h->version, "15.0.2000");
  EXPECT_FALSE(read_tds(bytes({0x12, 1, 0, 8, 0, 0, 0, 0})));
  std::string bad = bytes({4, 1, 0, 13, 0, 0, 1, 0, 0, 0xff, 0xf0, 0, 6});  // the version's offset beyond the packet
  EXPECT_TRUE(read_tds(bad)->version.empty());
}

TEST(ProbeSpec, ChecksEachFieldAndNamesIt) {
  auto bad = [](nlohmann::json j, const char* field) {
    auto s = spec_from_json(j);
    ASSERT_FALSE(s) << j.dump();
    EXPECT_NE(s.error().find(field), std::string::npos) << s.error();
  };
  bad({{"id", "a b"}, {"kind", "tcp"}, {"host", "h"}}, "id");
  bad({{"id", "a"}, {"kind", "smtp"}, {"host", "h"}}, "kind");
  bad({{"id", "a"}, {"kind", "tcp"}, {"host", "h;rm -rf"}}, "host");
  bad({{"id", "a"}, {"kind", "tcp"}, {"host", "h"}, {"interval_s", 9}}, "interval_s");
  bad({{"id", "a"}, {"kind", "tcp"}, {"host", "h"}, {"interval_s", 10}, {"timeout_ms", 20000}}, "timeout_ms");
  bad({{"id", "a"}, {"kind", "http"}, {"url", "ftp://x/"}}, "url");
  bad({{"id", "a"}, {"kind", "http"}, {"url", "http://u:p@x/"}}, "url");
  bad({{"id", "a"}, {"kind", "dns"}, {"host", "10.0.0.53"}}, "dns_name");
  bad({{"id", "a"}, {"kind", "snmp"}, {"host", "h"}}, "community");
  bad({{"id", "a"}, {"kind", "snmp"}, {"host", "h"}, {"snmp_version", "3"}, {"snmp_user", "u"}, {"auth_pass", "short"}}, "auth_pass");
  bad({{"id", "a"}, {"kind", "tcp"}, {"host", "h"}, {"name", std::string("x\n", 2)}}, "name");
  auto u = spec_from_json({{"id", "web"}, {"kind", "http"}, {"url", "https://[fd00::1]:8443/his?x=1"}});
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->host, "fd00::1");
  EXPECT_EQ(u->port, 8443);
  auto s = spec_from_json({{"id", "sw"}, {"kind", "snmp"}, {"host", "10.0.0.1"}, {"community", "c0mm"}});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->target(), "10.0.0.1:161");
  EXPECT_FALSE(spec_to_json(*s, false).contains("community"));
  EXPECT_TRUE(spec_to_json(*s, false)["community_set"].get<bool>());
  EXPECT_FALSE(specs_from_json({{"probes", {spec_to_json(*s, true), spec_to_json(*s, true)}}}));  // the same id twice
}

TEST(ProbeTracker, OutageAfterFailuresDatedFromTheFirstAndClosedOnRecovery) {
  test::TempDir t;
  auto db = AvailabilityDb::open(t.path() + "/a.db");
  ASSERT_TRUE(db);
  Tracker tr(db->get());
  auto s = spec("his-web", 3);
  (void)tr.set_specs({s}, kT0);
  int64_t ts = kT0;
  EXPECT_TRUE(tr.observe(s, result(true), ts).empty());
  EXPECT_TRUE(tr.observe(s, result(false), ts += 10 * kSec).empty());
  EXPECT_TRUE(tr.observe(s, result(true), ts += 10 * kSec).empty());  // one failure is not an outage
  int64_t first = ts + 10 * kSec;
  EXPECT_TRUE(tr.observe(s, result(false, 0, "timed out"), ts += 10 * kSec).empty());
  EXPECT_TRUE(tr.observe(s, result(false), ts += 10 * kSec).empty());
  auto down = tr.observe(s, result(false), ts += 10 * kSec);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].kind, Change::kDown);
  EXPECT_EQ(down[0].since, first);
  EXPECT_EQ(down[0].cause, "timed out");
  tr.set_alert(down[0], 42);
  EXPECT_TRUE(tr.observe(s, result(false), ts += 10 * kSec).empty());  // still down: no second alert
  auto up = tr.observe(s, result(true), ts += 10 * kSec);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].kind, Change::kUp);
  EXPECT_EQ(up[0].alert_id, 42);
  auto outs = (*db)->outages(kT0, kT0 + 86400 * kSec, "HIS", 10);
  ASSERT_TRUE(outs);
  ASSERT_EQ(outs->size(), 1u);
  EXPECT_EQ((*outs)[0].start, first);
  EXPECT_EQ((*outs)[0].end, ts);
  EXPECT_EQ((*outs)[0].alert_id, 42);
  // The day's availability: 40 s down out of 70 s watched (the first check only starts the watch).
  auto a = (*db)->availability(kT0, kT0 + 86400 * kSec, ts + kSec);
  ASSERT_TRUE(a);
  auto his = (*a)["systems"][0];
  EXPECT_EQ(his["system"], "HIS");
  EXPECT_EQ(his["down_s"], 40);
  EXPECT_EQ(his["observed_s"], 70);
  EXPECT_DOUBLE_EQ(his["availability"].get<double>(), 1.0 - 40.0 / 70.0);
}

TEST(ProbeTracker, SystemDownWhileAnyProbeIsAndOverlapsCountOnce) {
  test::TempDir t;
  auto db = AvailabilityDb::open(t.path() + "/a.db");
  ASSERT_TRUE(db);
  Tracker tr(db->get());
  auto web = spec("his-web", 1), dbp = spec("his-db", 1);
  (void)tr.set_specs({web, dbp}, kT0);
  int64_t ts = kT0;
  for (int i = 0; i < 10; i++, ts += 10 * kSec) {
    bool web_ok = !(i >= 2 && i < 6), db_ok = !(i >= 4 && i < 8);  // overlapping outages: 20-60 s and 40-80 s
    (void)tr.observe(web, result(web_ok), ts);
    (void)tr.observe(dbp, result(db_ok), ts);
  }
  auto a = (*db)->availability(kT0, kT0 + 86400 * kSec, ts);
  ASSERT_TRUE(a);
  auto his = (*a)["systems"][0];
  EXPECT_EQ(his["down_s"], 60);  // 20-80 s, not 40 + 40
  EXPECT_EQ(his["observed_s"], 90);
  EXPECT_EQ(his["outages"], 2);
}

TEST(ProbeTracker, SlowdownAndCertificate) {
  Tracker tr(nullptr);
  auto s = spec("pacs", 2, 500);
  s.cert_warn_days = 30;
  (void)tr.set_specs({s}, kT0);
  int64_t ts = kT0;
  EXPECT_TRUE(tr.observe(s, result(true, 900), ts).empty());
  auto slow = tr.observe(s, result(true, 800), ts += 10 * kSec);
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0].kind, Change::kSlow);
  tr.set_alert(slow[0], 7);
  auto fast = tr.observe(s, result(true, 20), ts += 10 * kSec);
  ASSERT_EQ(fast.size(), 1u);
  EXPECT_EQ(fast[0].kind, Change::kFast);
  EXPECT_EQ(fast[0].alert_id, 7);
  Outcome o = result(true);
  o.cert_not_after = ts / kSec + 5 * 86400;
  auto cert = tr.observe(s, o, ts += 10 * kSec);
  ASSERT_EQ(cert.size(), 1u);
  EXPECT_EQ(cert[0].kind, Change::kCertSoon);
  EXPECT_TRUE(tr.observe(s, o, ts += 10 * kSec).empty());  // once
  o.cert_not_after += 365 * 86400;
  auto renewed = tr.observe(s, o, ts += 10 * kSec);
  ASSERT_EQ(renewed.size(), 1u);
  EXPECT_EQ(renewed[0].kind, Change::kCertOk);
}

TEST(ProbeTracker, AnOutageOverARestartGoesOnUntilASuccess) {
  test::TempDir t;
  auto s = spec("lis", 1, 0, "LIS");
  int64_t ts = kT0;
  {
    auto db = AvailabilityDb::open(t.path() + "/a.db");
    ASSERT_TRUE(db);
    Tracker tr(db->get());
    (void)tr.set_specs({s}, kT0);
    auto d = tr.observe(s, result(false), ts);
    ASSERT_EQ(d.size(), 1u);
    tr.set_alert(d[0], 9);
  }
  auto db = AvailabilityDb::open(t.path() + "/a.db");
  ASSERT_TRUE(db);
  Tracker tr(db->get());
  (void)tr.set_specs({s}, kT0);
  EXPECT_TRUE(tr.observe(s, result(false), ts += 10 * kSec).empty());  // no second outage
  auto up = tr.observe(s, result(true), ts += 10 * kSec);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].alert_id, 9);
  EXPECT_EQ(up[0].since, kT0);
}

TEST(ProbeTracker, ARemovedOrDisabledProbeEndsItsOutageAndAlerts) {
  test::TempDir t;
  auto db = AvailabilityDb::open(t.path() + "/a.db");
  ASSERT_TRUE(db);
  Tracker tr(db->get());
  auto a = spec("a", 1), b = spec("b", 1);
  (void)tr.set_specs({a, b}, kT0);
  for (auto* s : {&a, &b}) {
    auto d = tr.observe(*s, result(false), kT0);
    ASSERT_EQ(d.size(), 1u);
    tr.set_alert(d[0], s == &a ? 11 : 12);
  }
  b.enabled = false;
  auto closed = tr.set_specs({b}, kT0 + 60 * kSec);  // a removed, b disabled
  std::sort(closed.begin(), closed.end());
  EXPECT_EQ(closed, (std::vector<int64_t>{11, 12}));
  auto open = (*db)->open_outages();
  ASSERT_TRUE(open);
  EXPECT_TRUE(open->empty());
  auto state = tr.to_json(kT0 + 60 * kSec);
  ASSERT_EQ(state["probes"].size(), 1u);
  EXPECT_EQ(state["probes"][0]["state"], "disabled");
}

// The daily export's schedule, with the time injected: nothing before the set time, yesterday
// once after it (a start late in the day exports too), recorded in the store, never twice.
TEST(DailyExport, RunsOnceADayAfterItsTime) {
  test::TempDir t;
  auto key = KeyPair::load_or_create(t.path() + "/keys", SignAlg::kEd25519);
  ASSERT_TRUE(key) << key.error();
  std::vector<Event> recorded;
  ops::ExportOptions o;
  o.at = "01:30";
  ops::ExportJob job(t.path(), o, 8 * 3600, &*key, nullptr, nullptr, [&](std::vector<Event>&& v) {
    for (auto& e : v) recorded.push_back(std::move(e));
  });
  int64_t midnight = 0;  // 2026-12-06 00:00 +08:00
  ASSERT_TRUE(parse_user_time("2026-12-06", 8 * 3600, midnight));
  EXPECT_EQ(job.tick(midnight + 3600 * kSec), "");  // 01:00: not yet
  EXPECT_EQ(job.tick(midnight + 5400 * kSec), "exported 2026-12-05");
  EXPECT_EQ(job.tick(midnight + 5460 * kSec), "");
  EXPECT_EQ(job.tick(midnight + 20 * 3600 * kSec), "");
  EXPECT_EQ(job.tick(midnight + (24 + 2) * 3600 * kSec), "exported 2026-12-06");
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].get(kEventDataset), "wardsec.export");
  EXPECT_TRUE(std::filesystem::exists(t.path() + "/exports/2026-12-05/manifest.sig"));
  EXPECT_EQ(ops::previous_day(midnight + 60 * kSec, 8 * 3600), "2026-12-05");
}

// The weekly report's week: Monday to Sunday, the one before now's; a report over an empty data
// folder says there is no probe data rather than failing.
TEST(WeeklyReport, LastWeekAndAnEmptyCenter) {
  int64_t sunday = 0, monday = 0;
  ASSERT_TRUE(parse_user_time("2026-12-06T23:00:00+08:00", 8 * 3600, sunday));
  ASSERT_TRUE(parse_user_time("2026-12-07T00:30:00+08:00", 8 * 3600, monday));
  EXPECT_EQ(report::previous_week(sunday, 8 * 3600), "2026-11-23");
  EXPECT_EQ(report::previous_week(monday, 8 * 3600), "2026-11-30");
  test::TempDir t;
  auto h = report::ops_week_html({t.path(), "", "", "示范市第一人民医院", 8 * 3600}, "2026-12-02", "zh-CN");
  ASSERT_TRUE(h) << h.error();
  EXPECT_NE(h->find("2026-11-30 — 2026-12-06"), std::string::npos);
  EXPECT_NE(h->find("本周没有业务系统的探测数据"), std::string::npos);
  EXPECT_FALSE(report::ops_week_html({t.path(), "", "", "", 8 * 3600}, "last week", "zh-CN"));
}

// The SNMP secrets in probes.json: sealed in place, opened back, and a text the key cannot open
// is an error naming the probe and the field.
TEST(ProbeSpec, SecretsAreSealedAndOpened) {
  nlohmann::json doc = {{"probes",
                         {{{"id", "sw"}, {"kind", "snmp"}, {"host", "10.0.0.1"}, {"community", "c0mm"}},
                          {{"id", "web"}, {"kind", "http"}, {"url", "http://10.0.0.2/"}}}}};
  seal_secrets(doc, [](std::string_view v) { return "sm4$" + std::string(v.rbegin(), v.rend()); });
  EXPECT_EQ(doc["probes"][0]["community"], "sm4$mm0c");
  EXPECT_FALSE(doc["probes"][1].contains("community"));
  auto copy = doc;
  ASSERT_TRUE(open_secrets(copy, [](std::string_view v) -> std::optional<std::string> {
    auto s = std::string(v.substr(4));
    return std::string(s.rbegin(), s.rend());
  }));
  EXPECT_EQ(copy["probes"][0]["community"], "c0mm");
  auto bad = open_secrets(doc, [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("community"), std::string::npos);
  EXPECT_NE(bad.error().find("sw"), std::string::npos);
}
