// The configuration record (运行监控 配置变更): the kept text (transport debris, volatile lines,
// masked secrets), the line diff, which log lines announce a change, tickets and windows, and
// the record itself (versions, lines waiting for a fetch, uploads through the job).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/timeutil.h"
#include "ops/config/store.h"
#include "ops/config/text.h"
#include "ops/config/trigger.h"
#include "ops/config/watcher.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::ops::config;

namespace {

Event line(const std::string& action, const std::string& command = "", const std::string& host = "HIS-CORE-SW01") {
  Event ev;
  ev.raw = "x";
  ev.ts = 5;
  ev.received = 7;
  ev.set(kEventAction, action);
  ev.set(kHostName, host);
  ev.set("log.source.address", "10.20.0.1:514");
  ev.set(kUserName, "netadmin");
  if (!command.empty()) ev.set("process.command_line", command);
  return ev;
}

}  // namespace

TEST(ConfigText, InteractiveDebrisVolatileLinesAndSecrets) {
  std::string raw =
      "Info: banner\r\n<SW1>display current-configuration\r\n#\r\n sysname SW1\r\n  ---- More ----\x1b[16D                \x1b[16D"
      "snmp-agent community read cipher %^%#abc%^%#\r\n!Time: 2026-12-06 10:00:00\r\nreturn\r\n<SW1>quit\r\n";
  std::string t = normalize(raw, "display current-configuration", "salt");
  EXPECT_EQ(t.find("banner"), std::string::npos);
  EXPECT_EQ(t.find("<SW1>"), std::string::npos);
  EXPECT_EQ(t.find("More"), std::string::npos);
  EXPECT_EQ(t.find("!Time"), std::string::npos);
  EXPECT_EQ(t.find("abc"), std::string::npos);
  EXPECT_NE(t.find("snmp-agent community read cipher <secret:"), std::string::npos) << t;
  EXPECT_NE(t.find(" sysname SW1\n"), std::string::npos);
  EXPECT_EQ(t.find('\r'), std::string::npos);
  // a command channel's output: the same text
  EXPECT_EQ(normalize("#\n sysname SW1\nreturn\n", "", "s"), "#\n sysname SW1\nreturn\n");
  // Cisco's timestamps of the last change are not a change
  EXPECT_EQ(normalize("! Last configuration change at 10:00:01 UTC\nhostname r1\n", "", "s"),
            normalize("! Last configuration change at 11:30:00 UTC\nhostname r1\n", "", "s"));
}

TEST(ConfigText, SecretsMaskedByKeyedDigest) {
  EXPECT_EQ(mask_secrets("enable secret 5 $1$abcd$xyz", "k").find("$1$"), std::string::npos);
  std::string a = mask_secrets("snmp-server community public RO", "k"), b = mask_secrets("snmp-server community private RO", "k");
  EXPECT_NE(a, b);  // a changed secret still shows as a change
  EXPECT_EQ(a.find("public"), std::string::npos);
  EXPECT_NE(a.find(" RO"), std::string::npos);
  EXPECT_NE(mask_secrets("snmp-server community public RO", "k"), mask_secrets("snmp-server community public RO", "other"));
  EXPECT_EQ(mask_secrets(" description uplink to core", "k"), " description uplink to core");
  EXPECT_EQ(mask_secrets("username admin password 7 0822455D0A16", "k").find("0822455D0A16"), std::string::npos);
}

TEST(ConfigText, UnifiedDiff) {
  Diff d = diff("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n", "v1", "v2");
  EXPECT_EQ(d.added, 2u);
  EXPECT_EQ(d.removed, 1u);
  EXPECT_NE(d.text.find("--- v1\n+++ v2\n"), std::string::npos);
  EXPECT_NE(d.text.find("-d\n+D\n"), std::string::npos) << d.text;
  EXPECT_NE(d.text.find("+k\n"), std::string::npos);
  EXPECT_NE(d.text.find("@@ -1,"), std::string::npos);
  EXPECT_TRUE(diff("same\n", "same\n").text.empty());
  Diff first = diff("", "x\ny\n");
  EXPECT_EQ(first.added, 2u);
  // too different for the bound: counted as replaced, never an endless search
  std::string a, b;
  for (int i = 0; i < 3000; i++) a += "a" + std::to_string(i) + "\n", b += "b" + std::to_string(i) + "\n";
  Diff big = diff(a, b, "a", "b", 100);
  EXPECT_TRUE(big.truncated);
  EXPECT_EQ(big.added, 3000u);
  EXPECT_EQ(big.removed, 3000u);
}

TEST(ConfigTrigger, VendorsChangeLinesAndReadOnlyCommands) {
  EXPECT_TRUE(config_trigger(line("CONFIG_I")));
  EXPECT_TRUE(config_trigger(line("CFG_FILE_CHANGE")));
  EXPECT_TRUE(config_trigger(line("CFGMAN_CFGCHANGED")));
  EXPECT_TRUE(config_trigger(line("CMDRECORD", "vlan batch 30")));
  EXPECT_TRUE(config_trigger(line("SHELL_CMD", "undo ip route-static 0.0.0.0 0")));
  EXPECT_FALSE(config_trigger(line("CMDRECORD", "display current-configuration")));
  EXPECT_FALSE(config_trigger(line("CMDRECORD", "dis cur")));
  EXPECT_FALSE(config_trigger(line("SHELL_CMD", "undo terminal monitor")));
  EXPECT_FALSE(config_trigger(line("CMDRECORD", "ping 10.0.0.1")));
  EXPECT_FALSE(config_trigger(line("LOGIN")));
  auto t = config_trigger(line("CONFIG_I"));
  EXPECT_EQ(t->address, "10.20.0.1");
  EXPECT_EQ(t->user, "netadmin");
  EXPECT_EQ(t->ts, 7) << "the center's time, not the device's clock";
  Event own = line("CONFIG_I");
  own.set(kEventDataset, "wardsec.config");
  EXPECT_FALSE(config_trigger(own)) << "the center's own records are not a device's";
}

TEST(ConfigStore, WindowsTicketsAndDevices) {
  auto ws = windows_from_json(nlohmann::json::parse(R"([{"days":[6,7],"from":"22:00","to":"06:00"}])"));
  ASSERT_TRUE(ws) << ws.error();
  // 2026-12-05 is a Saturday; 23:00 Saturday and 05:00 Sunday are in, 05:00 Saturday (Friday night) is not.
  int64_t sat = 0;
  ASSERT_TRUE(parse_user_time("2026-12-05", 0, sat));
  sat /= kSec;
  EXPECT_TRUE(in_window(*ws, sat + 23 * 3600));
  EXPECT_TRUE(in_window(*ws, sat + 86400 + 5 * 3600));
  EXPECT_FALSE(in_window(*ws, sat + 5 * 3600));
  EXPECT_FALSE(in_window(*ws, sat + 2 * 86400 + 7 * 3600));
  EXPECT_FALSE(windows_from_json(nlohmann::json::parse(R"([{"from":"25:00","to":"06:00"}])")));
  auto bad = device_from_json({{"id", "a b"}, {"asset", "x"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("id"), std::string::npos);
  EXPECT_TRUE(config_command_ok("display current-configuration"));
  EXPECT_TRUE(config_command_ok("show running-config"));
  EXPECT_FALSE(config_command_ok("reload"));
  EXPECT_FALSE(config_command_ok("show run; reload"));
  EXPECT_FALSE(config_command_ok("show run | redirect tftp://x"));
  EXPECT_FALSE(config_command_ok("system-view"));
  EXPECT_FALSE(device_from_json({{"id", "sw"}, {"asset", "x"}, {"command", "reboot"}}));
  EXPECT_FALSE(ticket_from_json({{"id", "T1"}, {"title", "x"}, {"devices", {"sw"}}, {"starts", "2026-12-06"}, {"ends", "2026-12-05"}}, 0));
}

TEST(ConfigWatcher, UploadsKeepVersionsAndUnplannedChangesAlert) {
  test::TempDir dir;
  WatcherOptions o;
  o.data_dir = dir.path();
  o.key_dir = dir.path() + "/keys";
  std::vector<std::string> records;
  o.record = [&](Event&& ev) { records.push_back(std::string(ev.get(kEventAction))); };
  auto w = Watcher::open(o);
  ASSERT_TRUE(w) << w.error();
  Device d;
  d.id = "fw-01";
  d.name = "fw";
  d.asset = "his-fw-01";
  ASSERT_TRUE((*w)->store().add_device(d));
  auto v1 = (*w)->upload("fw-01", "hostname fw\n", "sysadmin", "", 100 * kSec);
  ASSERT_TRUE(v1 && *v1);
  EXPECT_EQ((*v1)->planned, "baseline");
  auto same = (*w)->upload("fw-01", "hostname fw\r\n", "sysadmin", "", 200 * kSec);
  ASSERT_TRUE(same);
  EXPECT_FALSE(*same);
  auto v2 = (*w)->upload("fw-01", "hostname fw2\n", "sysadmin", "", 300 * kSec);
  ASSERT_TRUE(v2 && *v2);
  EXPECT_EQ((*v2)->planned, "");
  EXPECT_EQ((*v2)->added, 1);
  EXPECT_EQ(records, (std::vector<std::string>{"config_baseline", "config_change"}));
  EXPECT_FALSE((*w)->upload("nope", "x", "sysadmin", "", 1));
  EXPECT_FALSE((*w)->upload("fw-01", "\n\n", "sysadmin", "", 1)) << "an empty configuration is refused";
  // a change log line of the device waits for its fetch, and is named on the version
  (*w)->devices_changed();
  (*w)->tick(400 * kSec);
  std::vector<Event> batch;
  batch.push_back(line("CONFIG_I", "", "his-fw-01"));
  (*w)->observe(batch);
  (*w)->tick(401 * kSec);
  auto p = (*w)->store().pending("fw-01");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), 1u);
  auto v3 = (*w)->upload("fw-01", "hostname fw3\n", "sysadmin", "", 402 * kSec);
  ASSERT_TRUE(v3 && *v3);
  EXPECT_EQ((*v3)->users, std::vector<std::string>{"netadmin"});
  EXPECT_TRUE((*w)->store().pending("fw-01")->empty());
}
