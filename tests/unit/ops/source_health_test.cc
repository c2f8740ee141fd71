// Log source health (运行监控): silent, flooded and dropped sources judged against their own
// history, alerts raised and closed by the center, and registered assets that never sent a log.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "ops/monitor.h"
#include "ops/source_health.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::ops;

namespace {

constexpr int64_t kMin = 60 * kSec, kHr = 60 * kMin;
const int64_t kT0 = 1'790'000'000LL / 3600 * 3600 * kSec;  // a fixed start, on an hour

std::string state_of(const SourceHealth& h, const std::string& src, int64_t now) {
  for (const auto& v : h.view(now))
    if (v.source == src) return v.state;
  return "";
}

}  // namespace

TEST(SourceHealth, ASourceThatStopsIsSilentAfterItsOwnLongestPause) {
  SourceHealth h;
  // Every minute for two hours; another every 50 minutes; a third named by its address only.
  for (int64_t t = kT0; t < kT0 + 2 * kHr; t += kMin) h.observe_one("fw-core-01", "10.10.0.1", "kernel", "netfilter", t);
  for (int64_t t = kT0; t < kT0 + 2 * kHr; t += 50 * kMin) h.observe_one("backup-01", "10.30.0.5", "cron", "syslog", t);
  h.observe_one("10.50.0.9", "10.50.0.9", "", "syslog", kT0 + 2 * kHr - kMin);
  EXPECT_TRUE(h.evaluate(kT0 + 2 * kHr).empty());
  // 31 minutes later: the busy firewall is silent (30 minutes at least); the 50-minute sender
  // is not (twice its longest pause); the address that sent one line is not judged at all.
  auto tr = h.evaluate(kT0 + 2 * kHr + 31 * kMin);
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_EQ(tr[0].source, "fw-core-01");
  EXPECT_EQ(tr[0].to, "silent");
  auto sum = h.summary(10);  // what a collector's status tells the region
  EXPECT_EQ(sum.tracked, 3u);
  EXPECT_EQ(sum.silent, 1u);
  EXPECT_EQ(sum.silent_names, std::vector<std::string>{"fw-core-01"});
  EXPECT_TRUE(h.evaluate(kT0 + 30 * kHr).size() == 1) << "the 50-minute sender, silent a day later";
  sum = h.summary(1);
  EXPECT_EQ(sum.silent, 2u);
  EXPECT_EQ(sum.silent_names.size(), 1u) << "names bounded";
  EXPECT_EQ(state_of(h, "10.50.0.9", kT0 + 30 * kHr), "ok");
  EXPECT_NE(tr[0].reason.find("未收到日志"), std::string::npos) << tr[0].reason;
  h.set_alert("fw-core-01", 42);
  // It comes back: one transition to ok, naming the alert to close.
  h.observe_one("FW-CORE-01", "10.10.0.1", "kernel", "netfilter", kT0 + 30 * kHr + kMin);
  tr = h.evaluate(kT0 + 30 * kHr + 2 * kMin);
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_EQ(tr[0].to, "ok");
  EXPECT_EQ(tr[0].alert_id, 42);
  EXPECT_TRUE(h.known("fw-core-01") && h.known("10.30.0.5") && !h.known("his-db-01"));
}

TEST(SourceHealth, FloodAndDropAgainstTheDayBefore) {
  SourceHealth h;
  for (int hr = 0; hr < 26; hr++) {
    int64_t base = kT0 + hr * kHr;
    int flood = hr == 25 ? 3000 : 100, drop = hr == 25 ? 5 : 600;
    for (int i = 0; i < flood; i++) h.observe_one("portal-web-01", "", "nginx", "web.access", base + i * (kHr / flood));
    for (int i = 0; i < drop; i++) h.observe_one("his-app-01", "", "his", "json", base + i * (kHr / drop));
    for (int i = 0; i < 60; i++) h.observe_one("sw-core-01", "", "", "huawei.vrp", base + i * kMin);
  }
  auto tr = h.evaluate(kT0 + 26 * kHr + kMin);
  std::map<std::string, Transition> by;
  for (const auto& t : tr) by[t.source] = t;
  ASSERT_TRUE(by.count("portal-web-01") && by.count("his-app-01"));
  EXPECT_EQ(by["portal-web-01"].to, "abnormal");
  EXPECT_NE(by["portal-web-01"].reason.find("突增"), std::string::npos);
  EXPECT_EQ(by["his-app-01"].to, "abnormal");
  EXPECT_NE(by["his-app-01"].reason.find("骤降"), std::string::npos);
  EXPECT_FALSE(by.count("sw-core-01"));
  // A source younger than a day is not judged by its rate.
  SourceHealth young;
  for (int i = 0; i < 3000; i++) young.observe_one("new-01", "", "", "", kT0 + i * kSec);
  EXPECT_TRUE(young.evaluate(kT0 + kHr + kMin).empty());
}

TEST(SourceHealth, SkipsImportsAndTheCentersOwnRecordsAndSurvivesARestart) {
  SourceHealth h;
  std::vector<Event> evs(3);
  for (auto& e : evs) e.received = kT0;
  evs[0].set(kHostName, "his-db-01");
  evs[0].set(FieldRegistry::intern("log.source.address"), "10.20.0.13:40000");
  evs[1].set(kHostName, "old-host");
  evs[1].set(kInputType, "file");
  evs[2].set(kHostName, "wardsec");
  evs[2].set(kEventDataset, "wardsec.audit");
  h.observe(evs);
  auto v = h.view(kT0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].source, "his-db-01");
  EXPECT_EQ(v[0].address, "10.20.0.13");
  for (int i = 1; i < 90; i++) h.observe_one("his-db-01", "10.20.0.13", "mysqld", "", kT0 + i * kMin);
  auto j = h.to_json(kT0 + 90 * kMin);
  SourceHealth again;
  again.load_json(nlohmann::json::parse(j.dump()));
  auto w = again.view(kT0 + 90 * kMin);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].total, 90u);
  EXPECT_EQ(w[0].first, kT0);
  EXPECT_EQ(w[0].per_hour, h.view(kT0 + 90 * kMin)[0].per_hour);
  EXPECT_EQ(again.since(), kT0);
  EXPECT_EQ(again.evaluate(kT0 + 2 * kHr + 5 * kMin).size(), 1u);  // it goes silent after the restart too
  again.load_json(nlohmann::json::parse("{\"sources\": [1, {\"source\": 2}, {\"source\": \"x\"}]}"));  // junk: ignored
}

TEST(SourceMonitor, RaisesClosesAndNamesAssetsThatNeverSentALog) {
  test::TempDir t;
  const std::string& data = t.path();
  auto alerts = alert::AlertStore::open(DataDir(data).alerts_db());
  ASSERT_TRUE(alerts.ok());
  {
    auto inv = compliance::Inventory::open(DataDir(data).compliance_db());
    ASSERT_TRUE(inv.ok());
    ASSERT_TRUE(
        (*inv)->import_csv("assets", "name,ip,type\nfw-core-01,10.10.0.1,security\npacs-db-01,10.20.0.40,database\n", "a.csv").ok());
  }
  MonitorOptions o;
  o.health.asset_grace_hours = 1;
  {
    SourceMonitor m(data, o, alerts->get(), nullptr);
    for (int64_t x = kT0; x < kT0 + 2 * kHr; x += kMin) m.health()->observe_one("fw-core-01", "10.10.0.1", "", "", x);
    m.tick(kT0 + 2 * kHr);
    alert::AlertQuery q;
    auto list = (*alerts)->query(q).value();
    ASSERT_EQ(list.size(), 1u);  // pacs-db-01 never sent a line; the firewall did
    EXPECT_EQ(list[0].rule_id, "wardsec.ops.asset_no_logs");
    EXPECT_EQ(list[0].asset, "pacs-db-01");
    m.tick(kT0 + 2 * kHr + 31 * kMin);
    list = (*alerts)->query(q).value();
    ASSERT_EQ(list.size(), 2u);  // the firewall went silent; the asset is not alerted twice
    EXPECT_EQ(list[0].rule_id, "wardsec.ops.source_silent");
    EXPECT_EQ(list[0].asset, "fw-core-01");
    EXPECT_EQ(list[0].rule_title_zh, "日志源静默");
    EXPECT_NE(list[0].summary.find("AB.AUD.a"), std::string::npos);
    m.health()->observe_one("fw-core-01", "10.10.0.1", "", "", kT0 + 2 * kHr + 35 * kMin);
    m.tick(kT0 + 2 * kHr + 36 * kMin);
    auto closed = (*alerts)->get(list[0].id).value();
    EXPECT_EQ(closed.state, alert::State::kClosedTruePositive);
    EXPECT_EQ(closed.state_by, "wardsec");
  }
  // Silent, then back with a flood: the silent alert is closed by the center, the flood gets its own.
  {
    SourceMonitor m(data, o, alerts->get(), nullptr);
    auto h = m.health();
    for (int hr = 0; hr < 26; hr++)
      for (int i = 0; i < 60; i++) h->observe_one("his-app-09", "", "", "", kT0 - 30 * kHr + hr * kHr + i * kMin);
    m.tick(kT0 - 4 * kHr + kMin);  // silent since kT0 - 4 h
    m.tick(kT0 - 2 * kHr);
    for (int i = 0; i < 3000; i++) h->observe_one("his-app-09", "", "", "", kT0 - 2 * kHr + i * kSec);
    m.tick(kT0 - kHr + kMin);
    alert::AlertQuery q;
    q.asset = "his-app-09";
    auto list = (*alerts)->query(q).value();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].rule_id, "wardsec.ops.source_abnormal");
    EXPECT_EQ(list[0].state, alert::State::kNew);
    EXPECT_EQ(list[1].rule_id, "wardsec.ops.source_silent");
    EXPECT_EQ(list[1].state, alert::State::kClosedTruePositive);
  }
  // Twenty sources falling silent together (a relay down, or invented host names): one alert.
  {
    SourceMonitor m(data, o, alerts->get(), nullptr);
    for (int i = 0; i < 20; i++)
      for (int k = 0; k < 12; k++)
        m.health()->observe_one("relay-host-" + std::to_string(i), "10.60.0.1", "", "", kT0 + 3 * kHr + k * kSec);
    m.tick(kT0 + 3 * kHr + kMin);
    m.tick(kT0 + 3 * kHr + 40 * kMin);
    alert::AlertQuery q;
    q.rule = "wardsec.ops.sources_many";
    auto many = (*alerts)->query(q).value();
    ASSERT_EQ(many.size(), 1u);
    EXPECT_NE(many[0].summary.find("20 个日志源"), std::string::npos) << many[0].summary;
    q.rule = "wardsec.ops.source_silent";
    q.asset = "relay-host";
    EXPECT_EQ((*alerts)->query(q).value().size(), 0u) << "none per relayed host";
  }
  // The state was kept: a new monitor knows the firewall and does not alert the asset again.
  SourceMonitor m2(data, o, alerts->get(), nullptr);
  EXPECT_TRUE(m2.health()->known("fw-core-01"));
  m2.tick(kT0 + 3 * kHr + 41 * kMin);
  alert::AlertQuery q;
  q.rule = "wardsec.ops.asset_no_logs";
  EXPECT_EQ((*alerts)->query(q).value().size(), 1u);
}

// A source first seen after the first population was known and not in the inventory is a new
// device: alerted once; a registered one is not; many at once are one alert.
TEST(SourceMonitor, NewUnregisteredSourcesAreNewDevices) {
  test::TempDir t;
  const std::string& data = t.path();
  auto alerts = alert::AlertStore::open(DataDir(data).alerts_db());
  ASSERT_TRUE(alerts.ok());
  {
    auto inv = compliance::Inventory::open(DataDir(data).compliance_db());
    ASSERT_TRUE(inv.ok());
    ASSERT_TRUE((*inv)->import_csv("assets", "name,ip,type\nhis-app-01,10.20.1.11,server\nlis-app-01,10.20.1.21,server\n", "a.csv").ok());
  }
  MonitorOptions o;
  o.health.asset_grace_hours = 1;
  SourceMonitor m(data, o, alerts->get(), nullptr);
  auto h = m.health();
  h->observe_one("old-printer-01", "10.50.0.7", "", "", kT0);  // the first population: not new
  h->observe_one("his-app-01", "10.20.1.11", "", "", kT0);
  m.tick(kT0 + 2 * kHr);
  h->observe_one("unknown-ws-17", "10.50.3.17", "", "", kT0 + 2 * kHr + kMin);  // new, not registered
  h->observe_one("lis-app-01", "10.20.1.21", "", "", kT0 + 2 * kHr + kMin);     // new, registered
  h->observe_one("10.20.1.11", "10.20.1.11", "", "", kT0 + 2 * kHr + kMin);     // new name, registered address
  m.tick(kT0 + 2 * kHr + 2 * kMin);
  m.tick(kT0 + 2 * kHr + 3 * kMin);
  alert::AlertQuery q;
  q.rule = "wardsec.ops.new_device";
  auto list = (*alerts)->query(q).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].asset, "unknown-ws-17");
  EXPECT_NE(list[0].summary.find("10.50.3.17"), std::string::npos);
  for (int i = 0; i < 12; i++) h->observe_one("dhcp-guest-" + std::to_string(i), "10.70.0.9", "", "", kT0 + 3 * kHr);
  m.tick(kT0 + 3 * kHr + kMin);
  q.rule = "wardsec.ops.new_devices";
  EXPECT_EQ((*alerts)->query(q).value().size(), 1u);
  q.rule = "wardsec.ops.new_device";
  EXPECT_EQ((*alerts)->query(q).value().size(), 1u);
}
