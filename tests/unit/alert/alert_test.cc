// Alerts: deduplication, suppression windows, the triage state machine with who/when, queries,
// the detection cursor, and the texts the outputs send (the syslog line parsed back by
// wardsec's own RFC 5424 parser).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "alert/alert_store.h"
#include "alert/center_health.h"
#include "store/store.h"
#include "alert/outputs.h"
#include "test_util.h"

namespace wardsec::alert {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMin = 60LL * 1000000000LL;

struct Db {
  std::string dir;
  std::unique_ptr<AlertStore> store;
  Db() {
    static int n = 0;
    dir = (fs::temp_directory_path() / ("wardsec-alerts-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
    fs::create_directories(dir);
    auto s = AlertStore::open(dir + "/alerts.db");
    EXPECT_TRUE(s.ok()) << s.error();
    store = std::move(s.value());
  }
  ~Db() {
    store.reset();
    fs::remove_all(dir);
  }
};

Alert sample(int64_t ts, const std::string& asset = "his-db-01", const std::string& key = "k1") {
  Alert a;
  a.rule_id = "rule-1";
  a.rule_title = "SSH brute force against a server";
  a.rule_kind = "event_count";
  a.level = "high";
  a.attack = {"attack.t1110.001"};
  a.mlps = {"l3-ces1-02"};
  a.asset = asset;
  a.zone = "core";
  a.source_ip = "45.95.147.201";
  a.user = "root";
  a.first_ts = a.last_ts = ts;
  a.events = {static_cast<uint64_t>(ts / kMin)};
  a.dedup_key = key;
  a.summary = "Failed password for root";
  return a;
}

TEST(AlertStore, RepeatsWithinTheWindowMergeIntoTheOpenAlert) {
  Db db;
  auto r1 = db.store->raise(sample(0), 60 * kMin, 1);
  ASSERT_TRUE(r1.ok()) << r1.error();
  EXPECT_TRUE(r1->created);
  auto r2 = db.store->raise(sample(30 * kMin), 60 * kMin, 2);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->created);
  EXPECT_EQ(r2->id, r1->id);
  auto a = db.store->get(r1->id);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->count, 2u);
  EXPECT_EQ(a->last_ts, 30 * kMin);
  EXPECT_EQ(a->events.size(), 2u);
  // Past the window: a new alert. Another key: a new alert.
  auto r3 = db.store->raise(sample(91 * kMin), 60 * kMin, 3);
  EXPECT_TRUE(r3->created);
  auto r4 = db.store->raise(sample(92 * kMin, "emr-db-01", "k2"), 60 * kMin, 4);
  EXPECT_TRUE(r4->created);
  // A closed alert takes no more repeats.
  ASSERT_TRUE(db.store->set_state(r3->id, State::kClosedFalsePositive, "secadmin", "backup job with an old password", 5).ok());
  auto r5 = db.store->raise(sample(93 * kMin), 60 * kMin, 6);
  EXPECT_TRUE(r5->created);
  EXPECT_NE(r5->id, r3->id);
}

TEST(AlertStore, TriageStateMachineRecordsWhoAndWhen) {
  Db db;
  int64_t id = db.store->raise(sample(0), kMin, 1)->id;
  EXPECT_FALSE(db.store->set_state(id, State::kAcknowledged, "", "", 2).ok());  // who is required
  EXPECT_FALSE(db.store->set_state(id, State::kNew, "secadmin", "", 2).ok());   // already new
  ASSERT_TRUE(db.store->set_state(id, State::kAcknowledged, "secadmin", "", 10).ok());
  EXPECT_FALSE(db.store->set_state(id, State::kAcknowledged, "secadmin", "", 11).ok());
  Status s = db.store->set_state(id, State::kClosedTruePositive, "secadmin", "", 12);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error().find("comment"), std::string::npos);
  ASSERT_TRUE(db.store->set_state(id, State::kClosedTruePositive, "secadmin", "blocked at the NGFW", 20).ok());
  EXPECT_FALSE(db.store->set_state(id, State::kClosedFalsePositive, "auditadmin", "x", 21).ok());  // reopen first
  ASSERT_TRUE(db.store->set_state(id, State::kNew, "auditadmin", "the NGFW rule was removed", 30).ok());
  EXPECT_FALSE(db.store->set_state(999, State::kAcknowledged, "secadmin", "", 31).ok());
  auto a = db.store->get(id);
  EXPECT_EQ(a->state, State::kNew);
  EXPECT_EQ(a->state_by, "auditadmin");
  EXPECT_EQ(a->state_at, 30);
  auto h = db.store->history(id);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].to, "acknowledged");
  EXPECT_EQ((*h)[1].who, "secadmin");
  EXPECT_EQ((*h)[1].comment, "blocked at the NGFW");
  EXPECT_EQ((*h)[2].from, "closed_tp");
  EXPECT_EQ((*h)[2].at, 30);
}

TEST(AlertStore, SuppressionWindowsStoreButDoNotNotify) {
  Db db;
  Suppression s;
  s.rule_id = "rule-1";
  s.field = "asset";
  s.value = "his-db-01";
  s.until = 100 * kMin;
  s.who = "secadmin";
  s.reason = "planned penetration test, change 2026-117";
  EXPECT_FALSE(db.store->add_suppression({0, "", "", "", 1, "secadmin", "everything", 0, 0}).ok());  // too broad
  EXPECT_FALSE(db.store->add_suppression({0, "rule-1", "hostname", "x", 1, "secadmin", "r", 0, 0}).ok());
  auto sid = db.store->add_suppression(s);
  ASSERT_TRUE(sid.ok()) << sid.error();
  auto r1 = db.store->raise(sample(0), kMin, 10 * kMin);
  EXPECT_TRUE(r1->suppressed);
  EXPECT_FALSE(r1->created);
  EXPECT_EQ(db.store->get(r1->id)->state, State::kSuppressed);
  // Another asset, or after the window: notified as usual.
  EXPECT_TRUE(db.store->raise(sample(0, "emr-db-01", "k2"), kMin, 10 * kMin)->created);
  EXPECT_TRUE(db.store->raise(sample(0, "his-db-01", "k3"), kMin, 101 * kMin)->created);
  auto list = db.store->suppressions(10 * kMin, false);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].hits, 1u);
  EXPECT_TRUE(db.store->suppressions(101 * kMin, false)->empty());
  EXPECT_EQ(db.store->suppressions(101 * kMin, true)->size(), 1u);
  EXPECT_TRUE(db.store->remove_suppression(*sid).ok());
  EXPECT_FALSE(db.store->remove_suppression(*sid).ok());
}

TEST(AlertStore, QueriesFilterByStateLevelRuleAssetAndText) {
  Db db;
  Alert low = sample(0, "oa-web-01", "a");
  low.level = "low";
  low.rule_id = "rule-2";
  low.rule_title = "sudo denied";
  ASSERT_TRUE(db.store->raise(low, kMin, 1).ok());
  int64_t id = db.store->raise(sample(0, "his-db-01", "b"), kMin, 2)->id;
  ASSERT_TRUE(db.store->raise(sample(0, "emr-db-01", "c"), kMin, 3).ok());
  ASSERT_TRUE(db.store->set_state(id, State::kClosedTruePositive, "secadmin", "done", 4).ok());
  auto n = [&](AlertQuery q) { return *db.store->count(q); };
  EXPECT_EQ(n({}), 3u);
  EXPECT_EQ(n({.state = "open"}), 2u);
  EXPECT_EQ(n({.state = "closed_tp"}), 1u);
  EXPECT_EQ(n({.min_level = "high"}), 2u);
  EXPECT_EQ(n({.rule = "rule-2"}), 1u);
  EXPECT_EQ(n({.rule = "brute"}), 2u);
  EXPECT_EQ(n({.asset = "db-01"}), 2u);
  EXPECT_EQ(n({.text = "oa-web"}), 1u);
  EXPECT_EQ(n({.text = "'; DROP TABLE alerts; --"}), 0u);  // parameters, not SQL
  auto page = db.store->query({.limit = 2, .offset = 0});
  ASSERT_EQ(page->size(), 2u);
  EXPECT_GT((*page)[0].id, (*page)[1].id);  // newest first
  EXPECT_EQ(db.store->query({.limit = 2, .offset = 2})->size(), 1u);
}

// The dashboard's panel: every 严重 before any 高危 however many 高危 came first, then the
// oldest; the count says how many there are beyond the page.
TEST(AlertStore, TriageOrderIsWorstLevelThenOldest) {
  Db db;
  for (int i = 0; i < 12; i++)
    ASSERT_TRUE(db.store->raise(sample(i * kMin, "fw-" + std::to_string(i), "h" + std::to_string(i)), kMin, i + 1).ok());
  for (int i = 0; i < 3; i++) {
    Alert c = sample(i * kMin, "his-db-01", "c" + std::to_string(i));
    c.level = "critical";
    ASSERT_TRUE(db.store->raise(c, kMin, 100 - i).ok());  // the first raised is the newest
  }
  auto page = db.store->query({.state = "open", .min_level = "high", .limit = 10, .sort = "triage"});
  ASSERT_EQ(page->size(), 10u);
  for (int i = 0; i < 3; i++) EXPECT_EQ((*page)[i].level, "critical") << i;
  EXPECT_LT((*page)[0].created, (*page)[1].created);
  for (size_t i = 3; i < page->size(); i++) EXPECT_EQ((*page)[i].level, "high") << i;
  EXPECT_EQ((*page)[3].asset, "fw-0");  // the oldest 高危
  EXPECT_EQ(*db.store->count({.state = "open", .min_level = "high"}), 15u);
}

TEST(AlertStore, SurvivesReopeningAndKeepsTheCursor) {
  Db db;
  EXPECT_FALSE(db.store->cursor()->has_value());
  ASSERT_TRUE(db.store->set_cursor(12345).ok());
  int64_t id = db.store->raise(sample(0), kMin, 1)->id;
  db.store.reset();
  auto again = AlertStore::open(db.dir + "/alerts.db");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(**(*again)->cursor(), 12345u);
  EXPECT_EQ((*again)->get(id)->rule_title, "SSH brute force against a server");
  db.store = std::move(again.value());
}

TEST(AlertOutputs, SyslogLineIsRfc5424ThatWardsecParsesBack) {
  Alert a = sample(1795694400LL * 1000000000LL);
  a.id = 42;
  a.created = a.first_ts;
  a.rule_title = "统方 query \"by doctor\" [drug]";
  std::string line = syslog_line(a, "wardsec-01");
  EXPECT_EQ(line.rfind("<163>1 ", 0), 0u) << line;  // local4.err for high
  Event ev = test::decode(line);
  EXPECT_EQ(ev.flags & kParseError, 0u) << line;
  EXPECT_EQ(ev.get(kHostName), "wardsec-01");
  EXPECT_EQ(ev.get(kProcessName), "wardsec");
  EXPECT_EQ(ev.get(kSyslogMsgId), "ALERT");
  EXPECT_NE(ev.get(kSyslogSd).find("rule_id=\"rule-1\""), std::string_view::npos);
  EXPECT_NE(ev.get(kMessage).find("统方 query \"by doctor\" [drug]"), std::string_view::npos) << ev.get(kMessage);
  EXPECT_EQ(syslog_line(Alert{.level = "critical"}, "h").rfind("<162>1 ", 0), 0u);
  EXPECT_EQ(syslog_line(Alert{.level = "low"}, "h").rfind("<165>1 ", 0), 0u);
}

TEST(AlertOutputs, MailIsChineseFirstWithEnglish) {
  Alert a = sample(0);
  a.id = 7;
  EXPECT_EQ(mail_subject(a), "[wardsec 告警 高危/high] SSH brute force against a server @ his-db-01");
  std::string body = mail_body(a, "https://wardsec.example/alerts/7");
  for (const char* want : {"告警编号 Alert: #7", "等保控制点 MLPS 2.0 controls: l3-ces1-02", "ATT&CK: attack.t1110.001",
                           "资产 Asset: his-db-01", "https://wardsec.example/alerts/7"})
    EXPECT_NE(body.find(want), std::string::npos) << want;
  EXPECT_EQ(level_zh("critical"), "严重");
}

TEST(AlertOutputs, UnreachableReceiversAreErrorsNamingThem) {
  OutputOptions o;
  o.syslog = "tcp://127.0.0.1:1";
  o.webhook = "http://127.0.0.1:1/hook";
  o.smtp.server = "127.0.0.1:1";
  o.smtp.from = "wardsec@hospital.example";
  o.smtp.to = {"soc@hospital.example"};
  o.timeout_ms = 500;
  Outputs out(o);
  Alert a = sample(0);
  for (Status s : {out.send_syslog(a), out.send_webhook(a), out.send_mail(a)}) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error().find("127.0.0.1:1"), std::string::npos) << s.error();
  }
  OutputOptions bad;
  bad.syslog = "127.0.0.1";
  bad.webhook = "http://wardsec-test.invalid/x";  // clear text across the network: refused before any connection
  Outputs out2(bad);
  EXPECT_NE(out2.send_syslog(a).error().find("no port"), std::string::npos);
  EXPECT_NE(out2.send_webhook(a).error().find("use https://"), std::string::npos);
  // A signature a receiver can recompute: HMAC-SHA256 over "timestamp.body".
  EXPECT_EQ(webhook_signature("key", "1700000000", "{}"), "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
}

}  // namespace
}  // namespace wardsec::alert

// The disk forecast: growth measured over the samples, days left, an alert well before full
// (once per level, not once a minute).
TEST(DiskWatch, WarnsDaysBeforeTheDiskFills) {
  using wardsec::kSec;
  std::vector<wardsec::alert::CenterAlert> raised;
  wardsec::alert::DiskWatch w(
      "/", nullptr, [&](const wardsec::alert::CenterAlert& c) { raised.push_back(c); }, 30, 7);
  const int64_t t0 = 1'800'000'000LL * kSec, gib = 1LL << 30;
  const uint64_t total = 1000 * gib;
  // 10 GiB a day, 500 GiB free: 50 days, no alert.
  for (int m = 0; m <= 60; m++) w.sample(t0 + m * 60 * kSec, static_cast<uint64_t>(10.0 * gib * m / 1440), 500 * gib, total);
  auto f = w.forecast();
  EXPECT_NEAR(f.bytes_per_day / gib, 10.0, 0.1);
  EXPECT_NEAR(f.days_left, 50.0, 1.0);
  EXPECT_TRUE(raised.empty());
  // 200 GiB free: 20 days: one "high" alert, not one per sample.
  for (int m = 61; m <= 120; m++) w.sample(t0 + m * 60 * kSec, static_cast<uint64_t>(10.0 * gib * m / 1440), 200 * gib, total);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].level, "high");
  EXPECT_EQ(raised[0].id, "wardsec.center.disk_low");
  EXPECT_NE(raised[0].summary.find("20"), std::string::npos) << raised[0].summary;
  // 50 GiB free: 5 days: critical, raised at once.
  w.sample(t0 + 121 * 60 * kSec, static_cast<uint64_t>(10.0 * gib * 121 / 1440), 50 * gib, total);
  ASSERT_EQ(raised.size(), 2u);
  EXPECT_EQ(raised[1].level, "critical");
  EXPECT_NE(w.metrics_json().find("\"disk_days_left\":5"), std::string::npos) << w.metrics_json();
}

// The background scrub finds damage in any sealed segment, alerts once per damage.
TEST(StoreScrub, FindsDamageInOlderSegmentsAndAlertsOnce) {
  using namespace wardsec;
  test::TempDir t;
  store::StoreOptions o;
  o.data_dir = t.path() + "/data";
  o.key_dir = t.path() + "/keys";
  o.block_events = 50;
  {
    auto w = store::StoreWriter::open(o);
    ASSERT_TRUE(w.ok());
    for (int seg = 0; seg < 3; seg++) {
      for (int i = 0; i < 200; i++)
        ASSERT_TRUE((*w)->add(test::decode("<13>1 2026-12-30T10:00:00Z h app - - - scrub " + std::to_string(i), test::kTestReceived)).ok());
      ASSERT_TRUE((*w)->rotate().ok());
    }
    ASSERT_TRUE((*w)->close().ok());
  }
  std::vector<wardsec::alert::CenterAlert> raised;
  wardsec::alert::StoreScrub scrub(o.data_dir, [&](const wardsec::alert::CenterAlert& c) { raised.push_back(c); });
  EXPECT_TRUE(scrub.run_once().empty());
  auto segs = store::list_segments(o.data_dir);
  ASSERT_GE(segs.size(), 3u);
  {
    std::fstream f(segs[0].path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(64 + 128 + 20);
    char c = 0;
    f.seekg(64 + 128 + 20);
    f.get(c);
    f.seekp(64 + 128 + 20);
    f.put(static_cast<char>(c ^ 0x08));
  }
  auto found = scrub.run_once();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("segment 1"), std::string::npos) << found[0];
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].level, "critical");
  scrub.run_once();
  EXPECT_EQ(raised.size(), 1u);  // the same damage is not raised again
  EXPECT_NE(scrub.metrics_json().find("\"scrub_damaged\":1"), std::string::npos);
}
