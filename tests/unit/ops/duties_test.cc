// The scheduled duties: period keys, the checks of schedules, recipients and the data
// self-check's settings, DingTalk's signature, and the self-check over a small store.
#include <gtest/gtest.h>

#include <filesystem>

#include "alert/delivery.h"
#include "core/timeutil.h"
#include "incident/model.h"
#include "ops/datacheck.h"
#include "ops/duties.h"
#include "ops/netdevices.h"
#include "ops/notify.h"
#include "report/report.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::ops;
using nlohmann::json;

TEST(Duties, PeriodKeysAreThePeriodsJustEnded) {
  int64_t now = 0;
  ASSERT_TRUE(parse_user_time("2026-12-06T09:00:00+08:00", 8 * 3600, now));  // a Sunday
  EXPECT_EQ(period_key("day", now, 8 * 3600), "2026-12-05");
  EXPECT_EQ(period_key("week", now, 8 * 3600), "2026-11-23");  // the week before the one holding Sunday the 6th
  EXPECT_EQ(period_key("month", now, 8 * 3600), "2026-11");
  ASSERT_TRUE(parse_user_time("2026-01-01T00:30:00+08:00", 8 * 3600, now));
  EXPECT_EQ(period_key("month", now, 8 * 3600), "2025-12");
  EXPECT_EQ(period_key("day", now, 8 * 3600), "2025-12-31");
  EXPECT_EQ(period_key("day", now, 0), "2025-12-30") << "the same instant is still 2025-12-31 in UTC";
}

TEST(Duties, SchedulesAndRecipientsAreChecked) {
  std::vector<ReportKind> kinds = {{"ops-week", "周报", "weekly", "week", nullptr},
                                   {"self-assessment", "自查", "self", "month", nullptr, true}};
  json ok = {{"id", "w1"}, {"report", "ops-week"}, {"to", {{"mail", {"a@h.example"}}}}};
  auto s = schedule_from_json(ok, kinds);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->format, "pdf");
  auto with = [&](const char* k, json v) {
    json j = ok;
    j[k] = std::move(v);
    return j;
  };
  auto bad = [&](json j, const char* word) {
    auto r = schedule_from_json(j, kinds);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find(word), std::string::npos) << r.error();
  };
  bad(with("report", "x"), "ops-week");
  bad(with("at", "25:00"), "at");
  bad(with("format", "doc"), "format");
  bad(with("to", json::object()), "to");
  bad(with("to", {{"mail", {"not-an-address"}}}), "mail");
  bad(with("to", {{"mail", {"a@b.c>\r\nBcc: x@y.z"}}}), "mail");
  bad(with("to", {{"wecom", "http://qyapi.weixin.qq.com/x"}}), "https");
  bad(with("id", "../x"), "id");
  bad(with("report", "self-assessment"), "system");
  json per_system = with("report", "self-assessment");
  per_system["system"] = "his";
  auto per = schedule_from_json(per_system, kinds);
  ASSERT_TRUE(per) << per.error();
  EXPECT_EQ(per->system, "his");
  EXPECT_EQ(to_json(*per, false)["system"], "his");
  EXPECT_FALSE(schedule_from_json(with("system", "his"), kinds)->system.size()) << "a report of the whole hospital names no system";
  auto r =
      recipients_from_json({{"dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=SECRET"}, {"dingtalk_secret", "SECx"}}, "to");
  ASSERT_TRUE(r);
  std::string shown = to_json(*r, false).dump();
  EXPECT_EQ(shown.find("SECRET"), std::string::npos);
  EXPECT_EQ(shown.find("SECx"), std::string::npos);
}

TEST(Duties, DataCheckSettingsAreChecked) {
  EXPECT_TRUE(datacheck_options(json::object()));
  auto e = datacheck_options({{"backups", {{{"name", "b"}, {"success", "host.name:("}}}}});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("backups[0].success"), std::string::npos);
  EXPECT_FALSE(datacheck_options({{"bulk_rows", 0}}));
  EXPECT_FALSE(datacheck_options({{"swing_factor", 1.0}}));
  EXPECT_FALSE(datacheck_options({{"at", "7:30"}}));
  auto o = datacheck_options({{"tables", {"HIS.Prescription"}}});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->tables[0], "his.prescription");
}

TEST(Duties, DingTalkSignature) {
  // The example of DingTalk's documentation (timestamp 1577262236757, secret "this is secret"),
  // computed independently with Python's hmac.
  EXPECT_EQ(alert::dingtalk_sign("this is secret", 1577262236757), "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D");
}

TEST(Duties, DataCheckOfAnEmptyStoreFindsMissingBackupsOnly) {
  char tmpl[] = "/tmp/wardsec-dc-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  DataCheckOptions o;
  o.backups.push_back({"HIS", "host.name:backup-01 AND \"Backup OK\"", "", 26});
  int64_t now = 0;
  ASSERT_TRUE(parse_user_time("2026-12-06T09:00:00+08:00", 8 * 3600, now));
  auto r = run_datacheck(dir, o, "2026-12-05", 8 * 3600, now);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->bulk_total, 0u);
  ASSERT_EQ(r->backups.size(), 1u);
  EXPECT_EQ(r->backups[0].state, "missing");
  EXPECT_TRUE(r->findings());
  EXPECT_NE(datacheck_text(*r, 8 * 3600).find("HIS"), std::string::npos);
  EXPECT_FALSE(run_datacheck(dir, o, "2026-12-06", 8 * 3600, now)) << "a day that has not ended";
  EXPECT_FALSE(run_datacheck(dir, o, "12/05", 8 * 3600, now));
  std::filesystem::remove_all(dir);
}

TEST(NetDevices, MacsAreNormalisedAndOnlyUnicastKept) {
  EXPECT_EQ(normal_mac("00:1B:21:3A:4F:10"), "00:1b:21:3a:4f:10");
  EXPECT_EQ(normal_mac("001b.213a.4f10"), "00:1b:21:3a:4f:10");
  EXPECT_EQ(normal_mac("00-1b-21-3a-4f-10"), "00:1b:21:3a:4f:10");
  EXPECT_EQ(normal_mac("ff:ff:ff:ff:ff:ff"), "");
  EXPECT_EQ(normal_mac("01:00:5e:00:00:01"), "") << "multicast";
  EXPECT_EQ(normal_mac("00:00:00:00:00:00"), "");
  EXPECT_EQ(normal_mac("00:1b:21:3a:4f"), "");
  EXPECT_EQ(normal_mac("zz:1b:21:3a:4f:10"), "");
  NetDevices nd(2);
  std::vector<Event> batch(3);
  for (int i = 0; i < 3; i++) {
    batch[i].raw = "x";
    batch[i].received = 100 + i;
    batch[i].set("client.mac", "00:1b:21:3a:4f:1" + std::to_string(i));
    batch[i].set("client.ip", "10.50.1." + std::to_string(i));
  }
  nd.observe(batch);
  auto l = nd.list();
  ASSERT_EQ(l.size(), 2u) << "bounded";
  EXPECT_EQ(nd.dropped(), 1u);
  EXPECT_EQ(l[0].ip, "10.50.1.0");
  NetDevices back;
  back.load_json(nd.to_json());
  EXPECT_EQ(back.list().size(), 2u);
}

// The weekly report counts the security incidents discovered in its week and the week before,
// by grade, with those still open.
TEST(WeeklyReport, IncidentsByGrade) {
  test::TempDir t;
  int64_t tue = 0, prev_fri = 0, older = 0;
  ASSERT_TRUE(parse_user_time("2026-12-01T10:00:00+08:00", 8 * 3600, tue));
  ASSERT_TRUE(parse_user_time("2026-11-27T10:00:00+08:00", 8 * 3600, prev_fri));
  ASSERT_TRUE(parse_user_time("2026-10-01T10:00:00+08:00", 8 * 3600, older));
  {
    auto store = incident::Store::open(t.path() + "/incident.db", {});
    ASSERT_TRUE(store) << store.error();
    for (auto [when, grade] : {std::pair{tue, incident::Grade::kGeneral}, std::pair{tue, incident::Grade::kGeneral},
                               std::pair{prev_fri, incident::Grade::kLarger}, std::pair{older, incident::Grade::kMajor}}) {
      incident::NewIncident n;
      n.title = "勒索软件";
      n.grade = grade;
      n.grade_reason = "test";
      n.discovered = when;
      ASSERT_TRUE((*store)->create(n, "secadmin"));
    }
  }
  auto h = report::ops_week_html({t.path(), "", "", "示范市第一人民医院", 8 * 3600}, "2026-12-02", "zh-CN");
  ASSERT_TRUE(h) << h.error();
  auto at = h->find("安全事件（按分级）");
  ASSERT_NE(at, std::string::npos);
  std::string table = h->substr(at, h->find("</table>", at) - at);
  EXPECT_NE(table.find("<td>一般</td><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">2</td>"), std::string::npos)
      << table;
  EXPECT_NE(table.find("<td>较大</td><td class=\"num\">0</td><td class=\"num\">1</td>"), std::string::npos) << table;
  EXPECT_EQ(table.find("重大"), std::string::npos) << "an incident of neither week is left out";
}
