// The composition root and the enrichment stages: what center::Center wires, the asset and
// zone stage, the database audit parsers in the registry, statements analysed once, and
// detection's records never returning to detection.
#include <gtest/gtest.h>

#include <fstream>

#include "alert/alert_store.h"
#include "alert/detector.h"
#include "center/center.h"
#include "dbaudit/sql.h"
#include "enrich/db_statement.h"
#include "enrich/places.h"
#include "ingest/pipeline.h"
#include "search/search.h"
#include "test_util.h"

using namespace wardsec;

namespace {

uint64_t count(const std::string& data, const std::string& query) { return test::count_matches(data, query); }

Config test_config(const std::string& dir) {
  Config c;
  c.data_dir = dir + "/data";
  c.key_dir = dir + "/keys";
  c.dbaudit_policy = test::source_dir() + "/config/dbaudit/policy.yaml";
  c.detection.mapping = test::source_dir() + "/rules/mapping/sigma.yaml";
  c.finalize();
  return c;
}

}  // namespace

// An input that claims to be an alert record is examined like any other event, and the alert
// record detection stores is not handed back to detection.
TEST(Center, AlertRecordsGoForwardOnlyAndInputsCannotPoseAsThem) {
  test::TempDir t;
  std::filesystem::create_directories(t.path() + "/rules");
  std::ofstream(t.path() + "/rules/r.yml") << "title: Marker seen\nid: 9a1e7d2c-0000-4000-8000-00000000c001\nlevel: high\n"
                                              "logsource: {product: wardsec}\ndetection:\n  sel:\n    message|contains: evilmarker\n"
                                              "  condition: sel\n";
  Config cfg = test_config(t.path());
  cfg.detection.rule_paths = {t.path() + "/rules"};
  {
    auto c = center::Center::open(cfg, {.detection = true});
    ASSERT_TRUE(c.ok()) << c.error();
    ASSERT_TRUE((*c)->start().ok());
    ingest::RawBatch b;
    b.input = "test";
    b.add(R"({"event.kind":"alert","event.dataset":"wardsec.alert","message":"evilmarker here"})", now_ns());
    ASSERT_TRUE((*c)->pipeline().submit(std::move(b)));
    (*c)->stop();
    EXPECT_EQ((*c)->detector()->stats().events.load(), 1u);  // the input event, not the alert record too
    EXPECT_EQ((*c)->detector()->stats().alerts_created.load(), 1u);
  }
  auto alerts = alert::AlertStore::open(cfg.data_dir + "/alerts.db");
  ASSERT_TRUE(alerts.ok());
  alert::AlertQuery q;
  auto list = (*alerts)->query(q);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].rule_title, "Marker seen");
  // The input's reserved dataset was renamed (parse/guard.cc): the one real alert record is
  // the center's.
  EXPECT_EQ(count(cfg.data_dir, "event.dataset:wardsec.alert"), 1u);
  EXPECT_EQ(count(cfg.data_dir, "message:evilmarker"), 1u);
}

TEST(Center, ImportGoesThroughTheSameStages) {
  test::TempDir t;
  Config cfg = test_config(t.path());
  cfg.zones.push_back(enrich::zone_from_config("core 核心业务区", *parse_cidr("10.20.0.0/22")));
  auto c = center::Center::open(cfg, {});
  ASSERT_TRUE(c.ok()) << c.error();
  auto names = (*c)->stage_names();
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "asset-zone");
  EXPECT_EQ(names[1], "web-attack");
  EXPECT_EQ(names[2], "db-statement");
  ASSERT_TRUE((*c)->start().ok());
  ingest::RawBatch b;
  b.input = "file";
  b.add("<86>Nov 30 09:15:02 his-app01 sshd[123]: Failed password for root from 203.0.113.9 port 4242 ssh2", now_ns());
  b.add(
      "10.20.1.7 - - [30/Nov/2026:09:15:02 +0800] \"GET /his/q?id=1%27%20union%20select%20password%20from%20users-- HTTP/1.1\" 200 12 "
      "\"-\" \"curl\"",
      now_ns());
  (*c)->pipeline().submit(std::move(b));
  (*c)->stop();
  EXPECT_EQ(count(cfg.data_dir, "source.zone:public"), 1u);
  EXPECT_EQ(count(cfg.data_dir, "source.zone:core AND web.attack.verdict:attack"), 1u);
}

TEST(Enrich, AssetStageWritesZonesAndSystemsOnce) {
  std::vector<enrich::Zone> configured = {enrich::zone_from_config("core 核心业务区", *parse_cidr("10.20.0.0/22"))};
  std::vector<compliance::Zone> inv = {{"core", "核心（清单）", "10.99.0.0/16", ""}, {"ops", "安全运维区", "10.30.0.0/24", ""}};
  std::vector<compliance::Asset> assets = {{"his-db01", "10.20.1.5", "server", "core", "his", "", ""}};
  std::vector<compliance::System> systems = {{"his", "医院信息系统", "HIS", "", 3, "", "", "", ""}};
  auto places = std::make_shared<const enrich::Places>(configured, inv, assets, systems);
  // The configured zone wins over the inventory's of the same key; the inventory adds ops.
  ASSERT_EQ(places->zones().size(), 2u);
  EXPECT_EQ(places->zone_of("10.99.1.1"), nullptr);
  EXPECT_EQ(places->zone_of("10.20.1.5")->label(), "core 核心业务区");
  EXPECT_EQ(places->zone_key_of("10.30.0.9"), "ops");
  EXPECT_EQ(places->zone_key_of("8.8.8.8"), "public");
  EXPECT_EQ(places->zone_key_of("192.168.1.1"), "");
  EXPECT_EQ(places->zone_key_of("not-an-ip"), "");
  enrich::AssetStage stage(places);
  std::vector<Event> evs(3);
  evs[0].set(kHostIp, "10.20.1.5");
  evs[0].set(kSourceIp, "10.30.0.4");
  evs[0].set(kDestinationIp, "1.2.3.4");
  evs[1].set(kLogSourceAddress, "udp 10.30.0.8:514");  // no host.ip: the sender's address
  evs[1].set(kHostName, "HIS-DB01");                   // names the asset, case-insensitively
  evs[2].set(kHostIp, "10.20.1.6");
  evs[2].set("host.zone", "claimed");  // already there: left as it is
  stage.run(evs);
  EXPECT_EQ(evs[0].get("host.zone"), "core");
  EXPECT_EQ(evs[0].get("source.zone"), "ops");
  EXPECT_EQ(evs[0].get("destination.zone"), "public");
  EXPECT_EQ(evs[0].get("host.system"), "his");
  EXPECT_EQ(evs[1].get("host.zone"), "ops");
  EXPECT_EQ(evs[1].get("host.system"), "his");
  EXPECT_EQ(evs[2].get("host.zone"), "claimed");
  EXPECT_FALSE(evs[2].has(FieldRegistry::intern("host.system")));
}

TEST(Enrich, DatabaseAuditLinesAreParsedByTheRegistry) {
  Event m = test::decode(
      "<134>Nov 30 09:15:02 his-db01 mysql-server_auditing: his-db01,his_app,10.20.5.31,12,345,QUERY,his,'SELECT name FROM patient WHERE "
      "id=1',0");
  EXPECT_EQ(m.get("db.statement"), "SELECT name FROM patient WHERE id=1");
  EXPECT_EQ(m.get("db.system"), "mysql");
  EXPECT_EQ(m.get("db.user.name"), "his_app");
  EXPECT_EQ(m.get(kSourceIp), "10.20.5.31");
  EXPECT_EQ(m.get(kEventDataset), "dbaudit.statement");
  Event p = test::decode(
      "<134>Nov 30 09:15:02 emr-db postgres[77]: user=emr_app,db=emr,client=10.20.5.40 LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT * "
      "FROM emr_record\",<none>");
  EXPECT_EQ(p.get("db.statement"), "SELECT * FROM emr_record");
  EXPECT_EQ(p.get("db.system"), "postgresql");
  EXPECT_EQ(p.get("db.name"), "emr");
  // Another program's line that merely contains the words is not a database record.
  Event o = test::decode("<134>Nov 30 09:15:02 web01 nginx: AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT 1\",<none>");
  EXPECT_FALSE(o.has(FieldRegistry::intern("db.statement")));
}

TEST(Enrich, CapturedStatementsAreAnalysedOnce) {
  dbaudit::Policy policy;
  ASSERT_TRUE(dbaudit::load_policy(test::source_dir() + "/config/dbaudit/policy.yaml", policy).ok());
  dbaudit::Auditor capture_auditor(policy);
  auto se = std::make_shared<dbaudit::Session>();
  se->system = "mysql";
  se->user = "his_app";
  se->client.ip = "10.20.5.31";
  dbaudit::Statement s;
  s.session = se;
  s.text = "SELECT 1";
  s.sql = dbaudit::analyze_sql(s.text);
  s.sql.operation = "MARKER";  // what the capture's analysis said: kept, not redone
  Event ev = enrich::statement_event(s, capture_auditor, now_ns());
  EXPECT_TRUE(ev.flags & kAnalysed);
  EXPECT_EQ(ev.get("db.statement"), "SELECT 1");
  enrich::DbStatementStage stage(policy);
  std::vector<Event> v{ev};
  stage.run(v);
  EXPECT_EQ(v[0].get("db.operation"), "MARKER");
  // The same record arriving from outside (as JSON) is analysed by the stage.
  Event outside = test::decode(ev.raw);
  EXPECT_FALSE(outside.flags & kAnalysed);
  std::vector<Event> w{outside};
  stage.run(w);
  EXPECT_EQ(w[0].get("db.operation"), "select");
}
