// The bastion without networking: the vault, grants with time windows and expiry, the record
// (append only), and the Controller between a fake operator and a fake target (denial by
// Ctrl-C, review with approval, the recording and its digest, the events).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bastion/controller.h"
#include "bastion/service.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/search.h"

using namespace wardsec;
using namespace wardsec::bastion;

namespace {

struct Fixture {
  std::string dir;
  std::vector<Event> events;
  std::unique_ptr<Service> svc;
  explicit Fixture(const std::string& name, int review_timeout = 10) {
    dir = (std::filesystem::temp_directory_path() / ("wardsec-bastion-" + name + "-" + std::to_string(getpid()))).string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    Options o;
    o.groups = WARDSEC_SOURCE_DIR "/config/bastion/command-groups.yaml";
    o.review_timeout_sec = review_timeout;
    auto s = Service::open(o, dir + "/data", dir + "/keys", nullptr, [this](Event&& e) { events.push_back(std::move(e)); });
    EXPECT_TRUE(s.ok()) << s.error();
    svc = std::move(*s);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
  bool has_event(const std::string& action) {
    for (const auto& e : events)
      if (e.get(kEventAction) == action) return true;
    return false;
  }
};

SessionRecord record(const std::string& id) {
  SessionRecord r;
  r.id = id;
  r.user = "zhang";
  r.source_ip = "10.50.1.23";
  r.asset = "his-db-01";
  r.account = "root";
  r.host = "10.20.1.11";
  r.kind = "ssh";
  r.state = "active";
  r.started = now_ns();
  r.recording = id + ".cast";
  return r;
}

}  // namespace

TEST(BastionDb, VaultNeverStoresPlainCredentials) {
  Fixture f("vault");
  HostAccount a;
  a.asset = "his-db-01";
  a.username = "root";
  a.auth = "password";
  auto id = f.svc->db().add_account(a, "Vendor#Pass2026", now_ns());
  ASSERT_TRUE(id.ok()) << id.error();
  EXPECT_EQ(*f.svc->db().secret(*id), "Vendor#Pass2026");
  // The file holds only the sealed form.
  std::ifstream db(f.dir + "/data/bastion.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), {});
  EXPECT_EQ(bytes.find("Vendor#Pass2026"), std::string::npos);
  auto list = f.svc->db().accounts();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE((*list)[0].has_secret);
  // Another vault key (a copy of the data folder elsewhere) cannot open it.
  std::filesystem::remove(f.dir + "/keys/vault.key");
  auto other = Db::open(f.dir + "/data/bastion.db", f.dir + "/keys");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->secret(*id).ok());
  EXPECT_FALSE(f.svc->db().add_account(a, "x", now_ns()).ok());  // the same account twice
}

TEST(BastionDb, GrantsWindowsGroupsExpiry) {
  Fixture f("grants");
  HostAccount a{0, "his-db-01", "10.20.1.11", 22, "root", "password", false, ""};
  int64_t id = *f.svc->db().add_account(a, "pw", now_ns());
  HostAccount b{0, "emr-app-01", "", 22, "ops", "password", false, ""};
  int64_t id2 = *f.svc->db().add_account(b, "pw", now_ns());
  ASSERT_TRUE(f.svc->db().set_group("vendors", {"li"}).ok());
  Grant g;
  g.name = "vendor his";
  g.subjects = {"group:vendors"};
  g.targets = {"asset:his-db-01"};
  g.actions = {"shell"};
  g.from_min = 8 * 60;
  g.to_min = 18 * 60;
  g.days = 0x1f;  // Monday to Friday
  ASSERT_TRUE(f.svc->db().add_grant(g).ok());
  int64_t wed10 = 0, sat10 = 0, wed20 = 0;
  ASSERT_TRUE(parse_user_time("2026-12-02 10:00:00", 8 * 3600, wed10));
  ASSERT_TRUE(parse_user_time("2026-12-05 10:00:00", 8 * 3600, sat10));
  ASSERT_TRUE(parse_user_time("2026-12-02 20:00:00", 8 * 3600, wed20));
  auto ok = f.svc->db().allowed("li", "shell", wed10, 8 * 3600);
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].first.id, id);
  EXPECT_TRUE(f.svc->db().allowed("li", "shell", sat10, 8 * 3600)->empty());
  EXPECT_TRUE(f.svc->db().allowed("li", "shell", wed20, 8 * 3600)->empty());
  EXPECT_TRUE(f.svc->db().allowed("li", "exec", wed10, 8 * 3600)->empty());  // exec not granted
  EXPECT_TRUE(f.svc->db().allowed("zhang", "shell", wed10, 8 * 3600)->empty());
  EXPECT_FALSE(f.svc->db().refusal("li", id2, "shell", wed10, 8 * 3600).empty());
  EXPECT_TRUE(f.svc->db().refusal("li", id, "shell", wed10, 8 * 3600).empty());
  Grant e = g;
  e.name = "expired";
  e.subjects = {"zhang"};
  e.targets = {std::to_string(id2)};
  e.days = 0x7f;
  e.from_min = 0;
  e.to_min = 1440;
  e.expires = wed10 - kSec;
  ASSERT_TRUE(f.svc->db().add_grant(e).ok());
  EXPECT_TRUE(f.svc->db().allowed("zhang", "shell", wed10, 8 * 3600)->empty());
  Grant bad = g;
  bad.actions = {"root"};
  EXPECT_FALSE(f.svc->db().add_grant(bad).ok());
}

TEST(BastionDb, TheRecordCannotBeDeleted) {
  Fixture f("record");
  ASSERT_TRUE(f.svc->db().begin_session(record("s1")).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((f.dir + "/data/bastion.db").c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM sessions", nullptr, nullptr, &err), SQLITE_OK);
  sqlite3_free(err);
  sqlite3_close(db);
  EXPECT_TRUE(f.svc->db().session("s1").ok());
}

TEST(BastionDb, OperatorKeys) {
  Fixture f("keys");
  std::string line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl zhang@laptop";
  auto id = f.svc->db().add_key("zhang", line, now_ns());
  ASSERT_TRUE(id.ok()) << id.error();
  auto k = f.svc->db().keys("zhang");
  ASSERT_EQ(k->size(), 1u);
  EXPECT_EQ((*k)[0].fingerprint.rfind("SHA256:", 0), 0u);
  EXPECT_TRUE(f.svc->db().key_known("zhang", "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"));
  EXPECT_FALSE(f.svc->db().key_known("li", "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"));
  EXPECT_FALSE(f.svc->db().add_key("li", line, now_ns()).ok());  // one key, one owner
  EXPECT_FALSE(f.svc->db().add_key("zhang", "ssh-ed25519 bm90IGEga2V5", now_ns()).ok());
  EXPECT_FALSE(f.svc->db().add_key("zhang", "hello", now_ns()).ok());
}

TEST(BastionController, DeniedCommandNeverGetsItsEnter) {
  Fixture f("deny");
  auto rec = record("s-deny");
  ASSERT_TRUE(f.svc->db().begin_session(rec).ok());
  auto recording = Recording::create(f.svc->recordings_dir() + "/" + rec.recording, 80, 24, rec.started, "t", "xterm");
  ASSERT_TRUE(recording.ok());
  auto live = f.svc->live().add({rec.id, rec.user, rec.source_ip, rec.asset, rec.account, "ssh", rec.started, 0, ""});
  std::string target, user;
  {
    Controller c(
        *f.svc, rec, live, std::move(*recording), [&](std::string_view d) { target += d; }, [&](std::string_view d) { user += d; });
    c.output("[root@his-db-01 ~]# ");
    c.input("ls -l\r");
    c.output("ls -l\r\ntotal 0\r\n[root@his-db-01 ~]# ");
    // A refusal: the Ctrl-C goes once the shell has echoed the line (quiet 100 ms), and what was
    // typed ahead (in the same chunk, and after it) waits until the shell has answered it.
    int64_t t0 = now_ns();
    c.input("touch /tmp/m; rm -rf /var/lib/mysql\rec");
    c.input("ho ok\r");
    c.output("touch /tmp/m; rm -rf /var/lib/mysql");
    EXPECT_TRUE(c.tick(t0 + 20'000'000));
    EXPECT_EQ(target, "ls -l\rtouch /tmp/m; rm -rf /var/lib/mysql");
    EXPECT_EQ(user.find("命令被拒绝"), std::string::npos);
    EXPECT_TRUE(c.tick(t0 + 200'000'000));
    EXPECT_EQ(target, "ls -l\rtouch /tmp/m; rm -rf /var/lib/mysql\x03");
    EXPECT_NE(user.find("命令被拒绝"), std::string::npos);
    EXPECT_TRUE(c.tick(t0 + 500'000'000));  // the shell has not answered: still held
    c.output("^C\r\n[root@his-db-01 ~]# ");
    EXPECT_FALSE(c.tick(t0 + 700'000'000));
    EXPECT_EQ(target,
              "ls -l\rtouch /tmp/m; rm -rf /var/lib/mysql\x03"
              "echo ok\r");
    // A target that says nothing holds the operator at most two seconds per wait.
    c.input("rm -rf /\r");
    c.input("id\r");
    EXPECT_TRUE(c.tick(t0 + 1'000'000'000));  // the Ctrl-C, the echo being over
    EXPECT_TRUE(c.tick(t0 + 2'000'000'000));
    EXPECT_FALSE(c.tick(t0 + 3'100'000'000));
    c.input("vi-it\x18\x05");  // Ctrl-X Ctrl-E never reaches the shell: Ctrl-G aborts the prefix
    c.finish("closed", "");
  }
  EXPECT_EQ(target,
            "ls -l\rtouch /tmp/m; rm -rf /var/lib/mysql\x03"
            "echo ok\r"
            "rm -rf /\x03"
            "id\r"
            "vi-it\x18\x07");
  EXPECT_NE(user.find("命令被拒绝"), std::string::npos);
  auto cmds = f.svc->db().commands(rec.id);
  ASSERT_TRUE(cmds.ok());
  ASSERT_EQ(cmds->size(), 6u);
  EXPECT_EQ((*cmds)[1].action, "deny");
  EXPECT_EQ((*cmds)[3].action, "deny");
  EXPECT_EQ((*cmds)[1].command, "touch /tmp/m; rm -rf /var/lib/mysql");
  EXPECT_FALSE((*cmds)[1].rule.empty());
  auto s = f.svc->db().session(rec.id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->denied, 3);
  EXPECT_EQ(s->commands, 6);
  EXPECT_EQ(s->digest, file_sha256(f.svc->recordings_dir() + "/" + rec.recording));
  EXPECT_TRUE(f.has_event("command_denied"));
  EXPECT_TRUE(f.has_event("session_end"));
  // The recording is asciicast v2 with input, output and a marker per command.
  std::ifstream cast(f.svc->recordings_dir() + "/" + rec.recording);
  std::string header;
  std::getline(cast, header);
  EXPECT_NE(header.find("\"version\":2"), std::string::npos);
  std::string rest((std::istreambuf_iterator<char>(cast)), {});
  EXPECT_NE(rest.find("\"m\", \"touch /tmp/m; rm -rf /var/lib/mysql\""), std::string::npos);
  EXPECT_NE(rest.find("\"o\", \"ls -l\\r\\ntotal 0"), std::string::npos);
}

TEST(BastionController, ReviewWaitsForTheDecision) {
  Fixture f("review", 20);
  auto rec = record("s-review");
  ASSERT_TRUE(f.svc->db().begin_session(rec).ok());
  auto live = f.svc->live().add({rec.id, rec.user, rec.source_ip, rec.asset, rec.account, "ssh", rec.started, 0, ""});
  std::string target, user;
  Controller c(
      *f.svc, rec, live, nullptr, [&](std::string_view d) { target += d; }, [&](std::string_view d) { user += d; });
  std::thread approver([&] {
    for (int i = 0; i < 200; i++) {
      auto pending = f.svc->db().approvals("pending");
      if (pending.ok() && !pending->empty()) {
        ASSERT_TRUE(f.svc->db().decide_approval((*pending)[0].id, "approved", "secadmin", now_ns()).ok());
        EXPECT_TRUE(live->decide((*pending)[0].id, true));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  c.input("DROP TABLE tmp_stats;\r");
  approver.join();
  EXPECT_EQ(target, "DROP TABLE tmp_stats;\r");
  std::thread ender([&] {  // nobody decides: the session is ended from the console instead
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    live->end("secadmin", "test");
  });
  c.input("truncate table t1;\r");
  ender.join();
  c.finish("ended", "");
  EXPECT_EQ(target.find("truncate table t1;\r"), std::string::npos);
  auto a = f.svc->db().approvals("");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_TRUE(f.has_event("command_review"));
}

TEST(BastionController, RefusalCancelsOnTheTargetBeforeTellingTheOperator) {
  // The operator may type the next line the moment they read the refusal: by then the Ctrl-C
  // must be on its way to the shell, or the shell's handling of it can swallow that next line.
  Fixture f("order");
  auto rec = record("s-order");
  ASSERT_TRUE(f.svc->db().begin_session(rec).ok());
  std::vector<std::string> order;
  Controller c(
      *f.svc, rec, nullptr, nullptr, [&](std::string_view d) { order.push_back("target:" + std::string(d)); },
      [&](std::string_view d) { order.push_back("user:" + std::string(d)); });
  c.input("rm -rf /var/lib/mysql\r");
  c.output("rm -rf /var/lib/mysql");
  c.tick(now_ns() + 300'000'000);
  c.finish("closed", "");
  auto cancel = std::find(order.begin(), order.end(), "target:\x03");
  auto told = std::find_if(order.begin(), order.end(), [](const std::string& s) { return s.find("命令被拒绝") != std::string::npos; });
  ASSERT_NE(cancel, order.end());
  ASSERT_NE(told, order.end());
  EXPECT_LT(cancel - order.begin(), told - order.begin());
}

TEST(BastionEvents, ACommandInGbkIsFlaggedNotBrokenJson) {
  // A terminal set to GBK (common on hospital Windows PCs) sends GBK bytes: the event keeps them
  // and is flagged like a parsed GBK log, so the search shows them decoded and its JSON stays valid.
  Fact gbk{"command_denied", "failure", "zhang", "10.50.1.23", "his-db-01", "10.20.1.11", "root", "s-gbk"};
  gbk.command = "rm -rf /data/\xbb\xbc\xd5\xdf";  // 患者 in GBK
  Event ev = fact_event(gbk, now_ns());
  EXPECT_TRUE(ev.flags & kInvalidUtf8);
  EXPECT_EQ(ev.get(kProcessCommandLine), gbk.command);
  std::string json = search::event_to_json(ev);
  EXPECT_TRUE(valid_utf8(json));
  EXPECT_NE(json.find("患者"), std::string::npos) << json;
  Fact plain{"command_denied", "failure", "zhang", "10.50.1.23", "his-db-01", "10.20.1.11", "root", "s-utf8"};
  plain.command = "rm -rf /data/患者";
  EXPECT_FALSE(fact_event(plain, now_ns()).flags & kInvalidUtf8);
}
