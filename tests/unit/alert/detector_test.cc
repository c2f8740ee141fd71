// The detector over the shipped rules: what one alert stands for. A rule's raises against one
// target merge into one alert with their sources counted; the target of a connection is the
// hospital's end of it, not the device that logged it; a suppressed source never hides in (or
// swells) an open alert; a correlation's evidence is its own group's events.
#include <gtest/gtest.h>

#include <filesystem>

#include "alert/detector.h"
#include "test_util.h"

namespace wardsec::alert {
namespace {

namespace fs = std::filesystem;

struct Rig {
  std::string dir;
  std::unique_ptr<AlertStore> store;
  std::unique_ptr<Outputs> outputs = std::make_unique<Outputs>(OutputOptions{});
  std::unique_ptr<Detector> det;
  uint64_t next_ref = 1;
  Rig() {
    static int n = 0;
    dir = (fs::temp_directory_path() / ("wardsec-detector-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
    fs::create_directories(dir);
    store = std::move(AlertStore::open(dir + "/alerts.db").value());
    DetectorOptions o;
    o.rule_paths = {test::source_dir() + "/rules/hospital"};
    o.mapping = test::source_dir() + "/rules/mapping/sigma.yaml";
    det = std::move(Detector::create(o, *store, *outputs, [](std::vector<Event>&&) { return true; }).value());
  }
  ~Rig() {
    det.reset();
    store.reset();
    fs::remove_all(dir);
  }
  void feed(const std::vector<std::string>& lines) {
    std::vector<Event> evs;
    std::vector<uint64_t> refs;
    for (const auto& l : lines) {
      evs.push_back(test::decode_enriched(l));
      refs.push_back(next_ref++);
    }
    det->process(evs, evs.size(), refs);
    det->save_cursor();  // writes the repeats merged in memory
  }
  std::vector<Alert> alerts(const std::string& title_part) { return store->query({.rule = title_part, .limit = 1000}).value(); }
};

std::string cef(int i, const std::string& src, const std::string& act) {
  return "<132>Nov 26 08:" + std::to_string(10 + i / 60) + ":" + (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) +
         " ngfw-dmz-01 NGFW: CEF:0|Hillstone|SG-6000|5.5R9|31002|Apache Log4j RCE Attempt|9|src=" + src +
         " spt=44321 dst=10.40.0.21 dpt=443 act=" + act;
}

TEST(Detector, OneAlertPerRuleAndTargetWithItsSourcesCounted) {
  Rig r;
  std::vector<std::string> lines;
  for (int i = 0; i < 120; i++) lines.push_back(cef(i, "45.95." + std::to_string(i / 50) + "." + std::to_string(i % 50 + 1), "permit"));
  for (int i = 0; i < 30; i++) lines.push_back(cef(i, "45.95.0.1", "permit"));  // one address keeps at it
  r.feed(std::vector<std::string>(lines.begin(), lines.begin() + 60));
  r.feed(std::vector<std::string>(lines.begin() + 60, lines.end()));
  auto let_through = r.alerts("Critical threat let through");
  ASSERT_EQ(let_through.size(), 1u);
  const Alert& a = let_through[0];
  EXPECT_EQ(a.count, 150u);
  EXPECT_EQ(a.asset, "10.40.0.21");  // the server attacked, not the firewall that logged it
  ASSERT_EQ(a.sources.size(), kMaxCounted);
  EXPECT_EQ(a.sources[0].first, "45.95.0.1");
  EXPECT_EQ(a.sources[0].second, 31u);
  uint64_t total = 0;
  for (const auto& [ip, n] : a.sources) total += n;
  EXPECT_EQ(total, 150u);  // every raise counted, the rare ones together under ""
  EXPECT_EQ(a.sources.back().first, "");
  // What the firewall blocked is the low rule, never the high one.
  r.feed({cef(0, "203.0.113.9", "deny"), cef(1, "203.0.113.10", "deny")});
  auto blocked = r.alerts("Critical threat blocked");
  ASSERT_EQ(blocked.size(), 1u);
  EXPECT_EQ(blocked[0].level, "low");
  EXPECT_EQ(blocked[0].sources.size(), 2u);
  EXPECT_EQ(r.alerts("Critical threat let through")[0].count, 150u);
}

TEST(Detector, ASuppressedSourceNeitherHidesInNorSwellsTheOpenAlert) {
  Rig r;
  r.feed({cef(0, "45.95.0.1", "permit")});
  auto rule_id = r.alerts("Critical threat let through")[0].rule_id;
  ASSERT_TRUE(r.store->add_suppression({0, rule_id, "source_ip", "198.51.100.7", INT64_MAX, "secadmin", "授权的渗透测试", 1, 0}).ok());
  r.feed({cef(1, "198.51.100.7", "permit"), cef(2, "198.51.100.7", "permit"), cef(3, "45.95.0.2", "permit")});
  auto all = r.alerts("Critical threat let through");
  ASSERT_EQ(all.size(), 2u);
  for (const auto& a : all) {
    bool sup = a.state == State::kSuppressed;
    EXPECT_EQ(a.count, sup ? 2u : 2u);
    for (const auto& [ip, n] : a.sources) EXPECT_EQ(ip == "198.51.100.7", sup) << ip;
  }
}

TEST(Detector, AHostsOwnEventsStayApartPerAccount) {
  Rig r;
  r.feed(
      {"<85>Nov 26 09:00:00 his-app-01 sudo: wangfang : 3 incorrect password attempts ; TTY=pts/2 ; PWD=/tmp ; USER=root ; "
       "COMMAND=/bin/bash",
       "<85>Nov 26 09:00:05 his-app-01 sudo:   nurse01 : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/nurse01 ; USER=root ; "
       "COMMAND=/bin/cat /etc/shadow",
       "<85>Nov 26 09:00:09 his-app-01 sudo:   nurse01 : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/nurse01 ; USER=root ; "
       "COMMAND=/bin/cat /etc/shadow"});
  auto a = r.alerts("sudo");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_NE(a[0].user, a[1].user);
  EXPECT_EQ(a[0].count + a[1].count, 3u);
}

// One SQL injection request matched by the URL rule and by the web inspector's rule is one
// attack: one alert, of the worse rule, naming the other.
TEST(Detector, OneEventOneAlert) {
  Rig r;
  r.feed(
      {"<190>Nov 26 08:00:01 portal-web-01 nginx: 103.145.13.11 - - [26/Nov/2026:08:00:00 +0800] \"GET "
       "/api/report/list?cardNo=0012345678%27%20UNION%20SELECT%20username,password%20FROM%20sys_user-- HTTP/1.1\" 500 162 \"-\" "
       "\"Mozilla/5.0\""});
  auto all = r.store->query({.limit = 100}).value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].summary.find("also matched"), std::string::npos) << all[0].summary;
  EXPECT_EQ(all[0].level, "high");
}

}  // namespace
}  // namespace wardsec::alert
