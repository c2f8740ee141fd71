// `wardsec check host` against prepared file trees: a hardened server where every check
// passes, a default-like server where each fails for its reason, and an empty tree where what
// cannot be judged is "na". Every check cites catalog items that exist.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "compliance/catalog.h"
#include "compliance/hostcheck.h"
#include "test_util.h"

namespace wardsec::compliance {
namespace {

namespace fs = std::filesystem;

struct Tree {
  std::string root;
  Tree() {
    static int n = 0;
    root = (fs::temp_directory_path() / ("wardsec-host-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
    fs::create_directories(root);
  }
  ~Tree() { fs::remove_all(root); }
  Tree& file(const std::string& path, const std::string& text, int mode = 0644) {
    fs::create_directories(fs::path(root + path).parent_path());
    std::ofstream(root + path) << text;
    ::chmod((root + path).c_str(), static_cast<mode_t>(mode));
    return *this;
  }
  Tree& unit(const std::string& wants, const std::string& name) { return file("/etc/systemd/system/" + wants + ".wants/" + name, ""); }
  std::map<std::string, CheckResult> run() const {
    HostView h(root);
    std::map<std::string, CheckResult> out;
    for (const auto& c : host_checks()) out[c.id] = c.run(h);
    return out;
  }
};

const char* kProcListening = "  sl  local_address rem_address   st\n   0: 00000000:0016 00000000:0000 0A\n";

Tree hardened() {
  Tree t;
  t.file("/etc/login.defs", "PASS_MAX_DAYS\t90\nPASS_MIN_DAYS 1\nUMASK 027\n")
      .file("/etc/pam.d/common-password",
            "password requisite pam_pwquality.so retry=3 minlen=10 minclass=3\npassword required pam_pwhistory.so remember=5 "
            "use_authtok\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n")
      .file("/etc/default/useradd", "SHELL=/bin/bash\nINACTIVE=30\n")
      .file("/etc/ssh/sshd_config.d/20-crypto.conf",
            "Ciphers aes256-gcm@openssh.com,aes128-ctr\nMACs hmac-sha2-256-etm@openssh.com\nKexAlgorithms curve25519-sha256\n"
            "MaxAuthTries 4\nPermitEmptyPasswords no\nAllowUsers zhangwei@10.30.0.0/24\n")
      .file("/etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n")
      .file("/etc/audit/rules.d/coverage.rules",
            "-w /etc/shadow -p wa -k identity\n-w /etc/sudoers -p wa -k priv\n-w /var/log/lastlog -p wa -k logins\n"
            "-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time\n-w /etc/audit/ -p wa -k auditconfig\n")
      .file("/etc/logrotate.d/rsyslog", "/var/log/syslog\n/var/log/auth.log\n{\n\tweekly\n\trotate 26\n}\n")
      .file("/etc/logrotate.conf", "weekly\nrotate 4\n")
      .file("/var/lib/clamav/daily.cld", "")
      .unit("multi-user.target", "clamav-freshclam.service")
      .file("/usr/bin/passwd", "", 04755)
      .file("/usr/bin/ls", "", 0755)
      .file("/etc/pam.d/common-auth", "auth required pam_faillock.so preauth\nauth [success=1 default=ignore] pam_unix.so\n")
      .file("/etc/security/faillock.conf", "deny = 5\nunlock_time = 900\n")
      .file("/etc/profile.d/tmout.sh", "readonly TMOUT=600\nexport TMOUT\n")
      .file("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n")
      .file("/etc/ssh/sshd_config.d/10-hospital.conf", "PermitRootLogin no\nClientAliveInterval 300\n")
      .file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nzhangwei:x:1000:1000::/home/zhangwei:/bin/bash\n")
      .file("/etc/shadow", "root:$y$j9T$abc:19000:0:90:7:::\nzhangwei:!:19000:0:90:7:::\n", 0640)
      .file("/etc/group", "root:x:0:\n")
      .file("/etc/sudoers", "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n", 0440)
      .file("/etc/audit/auditd.conf", "log_file = /var/log/audit/audit.log\nspace_left_action = email\ndisk_full_action = HALT\n")
      .file("/etc/audit/rules.d/hospital.rules", "-w /etc/passwd -p wa -k identity\n-a always,exit -F arch=b64 -S execve -k exec\n-e 2\n")
      .unit("multi-user.target", "auditd.service")
      .file("/etc/chrony/chrony.conf", "server 10.30.0.5 iburst\n")
      .unit("multi-user.target", "chrony.service")
      .file("/etc/rsyslog.d/90-wardsec.conf", "*.* action(type=\"omrelp\" target=\"10.30.0.8\" port=\"2514\")\n")
      .file("/proc/net/tcp", kProcListening)
      .file("/usr/bin/clamscan", "", 0755);
  return t;
}

TEST(HostCheck, HardenedServerPassesEveryCheck) {
  Tree t = hardened();
  for (const auto& [id, r] : t.run()) {
    EXPECT_EQ(r.result, CheckResult::kPass) << id << ": " << r.reason;
    if (id != "linux.remote.encrypted" && id != "linux.services.unneeded" && id != "linux.ports.listening" && id != "linux.accounts.uid0" &&
        id != "linux.sudo.nopasswd_all" && id != "linux.accounts.empty_password")
      EXPECT_FALSE(r.evidence.empty()) << id << " passes without citing evidence";
  }
  // The drop-in wins over the later line in sshd_config (sshd takes the first value).
  auto r = t.run()["linux.ssh.root_login"];
  ASSERT_FALSE(r.evidence.empty());
  EXPECT_EQ(r.evidence[0].file, "/etc/ssh/sshd_config.d/10-hospital.conf");
  EXPECT_EQ(r.evidence[0].line, 1);
}

TEST(HostCheck, WeakServerFailsEachForItsReason) {
  Tree t;
  t.file("/etc/login.defs", "# defaults\nPASS_MAX_DAYS\t99999\n")
      .file("/etc/pam.d/common-password", "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n")
      .file("/etc/pam.d/common-auth", "auth [success=1 default=ignore] pam_unix.so nullok\n")
      .file("/etc/ssh/sshd_config",
            "PermitRootLogin yes\nClientAliveInterval 3600\nCiphers aes128-cbc,aes128-ctr\nPermitEmptyPasswords yes\n")
      .file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/bash\n", 0666)
      .file("/etc/shadow", "root:$y$j9T$abc:19000::::::\nguest::19000::::::\n", 0644)
      .file("/etc/sudoers", "root ALL=(ALL:ALL) ALL\nvendor ALL=(ALL) NOPASSWD: ALL\n", 0440)
      .file("/etc/audit/auditd.conf", "log_file = /var/log/audit/audit.log\n")
      .file("/etc/audit/rules.d/audit.rules", "-D\n-b 8192\n")
      .unit("multi-user.target", "auditd.service")
      .unit("sockets.target", "telnet.socket")
      .unit("multi-user.target", "vsftpd.service")
      .file("/etc/rsyslog.conf", "*.* /var/log/syslog\n")
      .file("/proc/net/tcp", std::string(kProcListening) + "   1: 00000000:0017 00000000:0000 0A\n   2: 00000000:01BD 00000000:0000 0A\n")
      .file("/etc/profile", "umask 022\n")
      .file("/etc/selinux/config", "SELINUX=permissive\n")
      .file("/etc/logrotate.conf", "weekly\nrotate 4\n")
      .file("/etc/pam.d/system-auth", "auth required pam_tally2.so deny=0 unlock_time=60\npassword sufficient pam_unix.so remember=2\n")
      .file("/usr/local/bin/backdoor", "", 04755)
      .file("/etc/hosts", "127.0.0.1 localhost\n", 0666);
  auto res = t.run();
  std::map<std::string, std::string> want = {
      {"linux.password.max_age", "PASS_MAX_DAYS is 99999"},
      {"linux.password.complexity", "no password quality module"},
      {"linux.login.lockout", "the lockout threshold is 0"},
      {"linux.session.timeout", "only after 10800 s"},
      {"linux.remote.encrypted", "clear-text remote administration"},
      {"linux.ssh.root_login", "PermitRootLogin yes"},
      {"linux.accounts.uid0", "other than root have UID 0"},
      {"linux.accounts.empty_password", "without a password"},
      {"linux.sudo.nopasswd_all", "NOPASSWD: ALL"},
      {"linux.files.permissions", "writable (or readable) by others"},
      {"linux.audit.enabled", "without audit rules"},
      {"linux.audit.protected", "no '-e 2'"},
      {"linux.time.sync", "no time synchronisation"},
      {"linux.log.forwarding", "logs stay on the host"},
      {"linux.services.unneeded", "not need"},
      {"linux.ports.listening", "high-risk ports"},
      {"linux.malware.protection", "no known anti-malware"},
      {"linux.password.min_age", "PASS_MIN_DAYS is not set"},
      {"linux.password.history", "only the last 2 passwords"},
      {"linux.login.unlock_time", "after 60 s"},
      {"linux.ssh.crypto", "weak algorithms"},
      {"linux.ssh.auth_limits", "PermitEmptyPasswords yes"},
      {"linux.access.sources", "not limited by address"},
      {"linux.accounts.inactive", "INACTIVE is not set"},
      {"linux.umask", "lets other users read"},
      {"linux.mac.enforcing", "SELinux is permissive"},
      {"linux.audit.coverage", "do not cover"},
      {"linux.log.retention", "about 28 days"},
      {"linux.files.suid_writable", "1 unexpected SUID"},
  };
  // No ClamAV here: the age of another agent's signatures is on its console (stale ClamAV: below).
  EXPECT_EQ(res["linux.malware.fresh"].result, CheckResult::kNa);
  ASSERT_EQ(res.size(), want.size() + 1);
  for (const auto& [id, why] : want) {
    EXPECT_EQ(res[id].result, CheckResult::kFail) << id << ": " << res[id].reason;
    EXPECT_NE(res[id].reason.find(why), std::string::npos) << id << ": " << res[id].reason;
  }
  // Evidence points at the file and line.
  EXPECT_EQ(res["linux.password.max_age"].evidence[0].file, "/etc/login.defs");
  EXPECT_EQ(res["linux.password.max_age"].evidence[0].line, 2);
  EXPECT_EQ(res["linux.accounts.uid0"].evidence[0].line, 2);
  EXPECT_EQ(res["linux.sudo.nopasswd_all"].evidence[0].text, "vendor ALL=(ALL) NOPASSWD: ALL");
  ASSERT_EQ(res["linux.ports.listening"].evidence.size(), 2u);
  EXPECT_NE(res["linux.ports.listening"].evidence[1].text.find("445 (SMB)"), std::string::npos);
}

// The false results an assessor found (issue #22), each the other way round now.
TEST(HostCheck, WhatAnAssessorFoundWrongIsJudgedRight) {
  auto one = [](const std::string& id, auto&& build) {
    Tree t;
    build(t);
    return t.run()[id];
  };
  const char* lockout = "linux.login.lockout";
  auto tally = [&](const std::string& line) {
    return one(lockout, [&](Tree& t) { t.file("/etc/pam.d/system-auth", line + "\nauth sufficient pam_unix.so\n"); });
  };
  EXPECT_EQ(tally("auth required pam_tally2.so onerr=fail").result, CheckResult::kFail);  // default deny=0: never locks
  EXPECT_NE(tally("auth required pam_tally2.so onerr=fail").reason.find("deny="), std::string::npos);
  EXPECT_EQ(tally("auth required pam_tally2.so deny=5 unlock_time=900").result, CheckResult::kPass);

  const char* sudo = "linux.sudo.nopasswd_all";
  auto sudoers = [&](const std::string& line) {
    return one(sudo, [&](Tree& t) { t.file("/etc/sudoers", "root ALL=(ALL) ALL\n" + line + "\n"); });
  };
  for (const char* bad : {"vendor ALL=(ALL) NOPASSWD:ALL", "vendor ALL=(ALL:ALL) NOPASSWD : ALL", "rootkit ALL=(ALL) NOPASSWD: ALL",
                          "%ops ALL=(ALL) NOPASSWD:SETENV: ALL"})
    EXPECT_EQ(sudoers(bad).result, CheckResult::kFail) << bad;
  for (const char* ok : {"ops ALL=(ALL) NOPASSWD: /usr/bin/systemctl restart his", "zhangwei ALL=(ALL) ALL", "Defaults !authenticate"})
    EXPECT_EQ(sudoers(ok).result, CheckResult::kPass) << ok;

  const char* tmout = "linux.session.timeout";
  EXPECT_EQ(one(tmout, [](Tree& t) { t.file("/etc/profile", "readonly TMOUT=600 ; export TMOUT\n"); }).result, CheckResult::kPass);
  EXPECT_EQ(one(tmout, [](Tree& t) { t.file("/etc/profile", "TMOUT=\"900\"; export TMOUT\n"); }).result, CheckResult::kPass);
  EXPECT_EQ(one(tmout, [](Tree& t) { t.file("/etc/profile", "TMOUT=7200; readonly TMOUT\n"); }).result, CheckResult::kFail);
  // RHEL, Kylin, UOS and openEuler keep it in /etc/bashrc.
  auto rhel = one(tmout, [](Tree& t) { t.file("/etc/bashrc", "# /etc/bashrc\nexport TMOUT=300\n"); });
  EXPECT_EQ(rhel.result, CheckResult::kPass);
  ASSERT_FALSE(rhel.evidence.empty());
  EXPECT_EQ(rhel.evidence[0].file, "/etc/bashrc");
  // ClientAliveCountMax 0 turns termination off (OpenSSH 8.2+): no timeout.
  auto zero = one(tmout, [](Tree& t) { t.file("/etc/ssh/sshd_config", "ClientAliveInterval 300\nClientAliveCountMax 0\n"); });
  EXPECT_EQ(zero.result, CheckResult::kFail);
  EXPECT_NE(zero.reason.find("ClientAliveCountMax 0"), std::string::npos);
  EXPECT_EQ(one(tmout, [](Tree& t) { t.file("/etc/ssh/sshd_config", "ClientAliveInterval 300\nClientAliveCountMax 2\n"); }).result,
            CheckResult::kPass);
}

// ClamAV whose newest signatures are a month old, or that nothing updates, is not protection.
TEST(HostCheck, StaleOrUnupdatedSignaturesFail) {
  Tree t;
  t.file("/usr/bin/clamscan", "", 0755).file("/var/lib/clamav/daily.cvd", "").file("/var/lib/clamav/main.cvd", "");
  struct timespec old[2] = {{std::time(nullptr) - 30 * 86400, 0}, {std::time(nullptr) - 30 * 86400, 0}};
  for (const char* f : {"/var/lib/clamav/daily.cvd", "/var/lib/clamav/main.cvd"}) ::utimensat(AT_FDCWD, (t.root + f).c_str(), old, 0);
  t.unit("multi-user.target", "clamav-freshclam.service");
  auto r = t.run()["linux.malware.fresh"];
  EXPECT_EQ(r.result, CheckResult::kFail);
  EXPECT_NE(r.reason.find("30 days old"), std::string::npos) << r.reason;
  Tree fresh;
  fresh.file("/usr/bin/clamscan", "", 0755).file("/var/lib/clamav/daily.cld", "");
  r = fresh.run()["linux.malware.fresh"];
  EXPECT_EQ(r.result, CheckResult::kFail);  // fresh today, but nothing keeps it so
  EXPECT_NE(r.reason.find("neither freshclam"), std::string::npos) << r.reason;
}

// A Kylin / UOS / openEuler server keeps RHEL's layout: system-auth, /etc/bashrc, SELinux,
// /etc/sysconfig/iptables, /var/log/secure. The checks read it the same way.
TEST(HostCheck, AChineseServerOsIsReadLikeRhel) {
  Tree t;
  t.file("/etc/os-release", "NAME=\"Kylin Linux Advanced Server\"\nVERSION_ID=\"V10\"\nID=\"kylin\"\n")
      .file("/etc/pam.d/system-auth",
            "auth required pam_faillock.so preauth deny=5 unlock_time=900\npassword requisite pam_pwquality.so minlen=10 minclass=3\n"
            "password required pam_pwhistory.so remember=5\n")
      .file("/etc/bashrc", "TMOUT=600; readonly TMOUT; export TMOUT\numask 027\n")
      .file("/etc/selinux/config", "SELINUX=enforcing\n")
      .file("/etc/sysconfig/iptables", "-A INPUT -s 10.30.0.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\n")
      .file("/etc/logrotate.d/syslog", "/var/log/messages\n/var/log/secure\n{\n    monthly\n    rotate 6\n}\n");
  auto res = t.run();
  for (const char* id : {"linux.login.lockout", "linux.login.unlock_time", "linux.password.complexity", "linux.password.history",
                         "linux.session.timeout", "linux.umask", "linux.mac.enforcing", "linux.access.sources", "linux.log.retention"})
    EXPECT_EQ(res[id].result, CheckResult::kPass) << id << ": " << res[id].reason;
}

TEST(HostCheck, AnEmptyTreeIsNotApplicableWhereNothingCanBeJudged) {
  Tree t;
  auto res = t.run();
  for (const char* id : {"linux.password.max_age", "linux.password.complexity", "linux.login.lockout", "linux.ssh.root_login",
                         "linux.accounts.uid0", "linux.accounts.empty_password", "linux.files.permissions", "linux.audit.protected",
                         "linux.ports.listening", "linux.sudo.nopasswd_all", "linux.remote.encrypted"})
    EXPECT_EQ(res[id].result, CheckResult::kNa) << id << ": " << res[id].reason;
  // What must exist on any server fails when absent.
  for (const char* id : {"linux.audit.enabled", "linux.time.sync", "linux.log.forwarding", "linux.malware.protection"})
    EXPECT_EQ(res[id].result, CheckResult::kFail) << id;
}

TEST(HostCheck, EveryCheckCitesCatalogItems) {
  auto cat = Catalog::load(test::source_dir() + "/catalog/gbt22239-2019.tsv");
  ASSERT_TRUE(cat.ok()) << cat.error();
  std::set<std::string> ids;
  for (const auto& c : host_checks()) {
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate check id " << c.id;
    EXPECT_FALSE(c.requirements.empty()) << c.id;
    for (const auto& r : c.requirements) EXPECT_NE(cat->find(r), nullptr) << c.id << " cites unknown item " << r;
  }
  CheckResult r{CheckResult::kFail, "x", {{"/etc/login.defs", 3, "PASS_MAX_DAYS 99999"}}};
  std::string j = check_to_json(host_checks()[0], r);
  for (const char* want : {"\"check.id\":\"linux.password.max_age\"", "\"result\":\"fail\"", "\"requirements\":[\"CE.IA.a\"]",
                           "\"evidence\":[{\"file\":\"/etc/login.defs\",\"line\":3,\"text\":\"PASS_MAX_DAYS 99999\"}]"})
    EXPECT_NE(j.find(want), std::string::npos) << want << " in " << j;
}

}  // namespace
}  // namespace wardsec::compliance
