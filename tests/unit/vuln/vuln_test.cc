// Assets and vulnerabilities: the scanners' reports read (Nmap, Greenbone, Nessus, CSV), bad
// XML refused with where, and the store's rules: de-duplication within and across scanners,
// fixed only by a covering re-scan, reopened when it comes back, people's decisions checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>

#include "core/timeutil.h"
#include "vuln/discovery.h"
#include "vuln/packages.h"
#include "vuln/reconcile.h"
#include "vuln/report.h"
#include "vuln/store.h"
#include "vuln/version.h"

namespace wardsec::vuln {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kT0 = 1796100000LL * 1000000000LL;  // 2026-12-01, after the reports' own times

std::string nmap_doc(const std::string& ssh_version, bool with_vulners, bool host_up = true) {
  std::string v =
      with_vulners
          ? R"(<script id="vulners" output="..."><table key="cpe:/a:openbsd:openssh:)" + ssh_version +
                R"("><table><elem key="id">CVE-2023-38408</elem><elem key="cvss">9.8</elem><elem key="type">cve</elem><elem key="is_exploit">false</elem></table>
<table><elem key="id">CVE-2023-51385</elem><elem key="cvss">6.5</elem><elem key="type">cve</elem><elem key="is_exploit">false</elem></table>
<table><elem key="id">1337DAY-ID-123</elem><elem key="cvss">9.8</elem><elem key="type">zdt</elem><elem key="is_exploit">true</elem></table></table></script>)"
          : "";
  return R"(<?xml version="1.0"?><nmaprun scanner="nmap" args="nmap -sV --script vulners,ssl-heartbleed -oX - 10.20.0.13" start="1796000000" version="7.93">
<scaninfo type="connect" protocol="tcp" numservices="1000" services="1-1000,3306"/>
<host><status state=")" +
         std::string(host_up ? "up" : "down") +
         R"("/><address addr="10.20.0.13" addrtype="ipv4"/><hostnames><hostname name="his-db-01" type="PTR"/></hostnames>
<ports><extraports state="closed" count="997"/>
<port protocol="tcp" portid="22"><state state="open"/><service name="ssh" product="OpenSSH" version=")" +
         ssh_version + R"(" ostype="Linux"><cpe>cpe:/a:openbsd:openssh:)" + ssh_version + "</cpe></service>" + v + R"(</port>
<port protocol="tcp" portid="3306"><state state="open"/><service name="mysql" product="MariaDB"/></port>
<port protocol="tcp" portid="443"><state state="open"/><service name="https"/><script id="ssl-heartbleed" output="VULNERABLE"><table key="NMAP-1"><elem key="title">The Heartbleed Bug</elem><elem key="state">VULNERABLE</elem><table key="ids"><elem>CVE:CVE-2014-0160</elem></table><table key="scores"><elem key="CVSSv2">5.0</elem></table></table></script></port>
</ports></host>
<runstats><finished time="1796000100"/></runstats></nmaprun>)";
}

std::string greenbone_doc(bool with_ssh) {
  std::string ssh =
      with_ssh
          ? R"(<result id="r1"><name>OpenSSH &lt; 9.3p2 Remote Code Execution</name><host>10.20.0.13<hostname>his-db-01</hostname></host>
<port>22/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.104001"><type>nvt</type><name>OpenSSH RCE</name><cvss_base>9.8</cvss_base>
<severities score="9.8"><severity type="cvss_base_v3"><score>9.8</score><value>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</value></severity></severities>
<tags>cvss_base_vector=CVSS:3.1/AV:N|summary=OpenSSH is prone to RCE.|solution=Update to 9.3p2.|solution_type=VendorFix</tags>
<refs><ref type="cve" id="CVE-2023-38408"/><ref type="cnvd" id="CNVD-2023-56789"/></refs></nvt>
<threat>High</threat><severity>9.8</severity><description>Installed version: 9.2p1</description></result>)"
          : "";
  return R"(<report id="x" format_id="a994b278"><report id="x"><scan_start>2026-11-28T08:00:00Z</scan_start>
<task id="t"><name>核心区周扫</name></task>
<host><ip>10.20.0.13</ip><detail><name>hostname</name><value>his-db-01</value></detail><detail><name>best_os_txt</name><value>Linux Kernel</value></detail></host>
<host><ip>10.20.0.99</ip></host>
<results>)" +
         ssh +
         R"(<result id="r2"><name>OS Detection Consolidation</name><host>10.20.0.13</host><port>general/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.105937"><cvss_base>0.0</cvss_base></nvt><threat>Log</threat><severity>0.0</severity></result>
<result id="r3"><name>Weak Cipher Suites</name><host>10.20.0.99</host><port>443/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.103440"><cvss_base>5.0</cvss_base></nvt><threat>Medium</threat><severity>5.0</severity></result>
</results><scan_end>2026-11-28T09:00:00Z</scan_end></report></report>)";
}

std::string nessus_doc() {
  return R"(<?xml version="1.0" ?><NessusClientData_v2><Report name="周扫">
<ReportHost name="10.20.0.13"><HostProperties><tag name="host-ip">10.20.0.13</tag><tag name="operating-system">Linux Kernel 5.10</tag>
<tag name="HOST_START_TIMESTAMP">1796000000</tag><tag name="HOST_END_TIMESTAMP">1796000500</tag></HostProperties>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Nessus Scan Information" pluginFamily="Settings"><plugin_output>x</plugin_output></ReportItem>
<ReportItem port="22" svc_name="ssh" protocol="tcp" severity="0" pluginID="11219" pluginName="Nessus SYN scanner" pluginFamily="Port scanners"/>
<ReportItem port="22" svc_name="ssh" protocol="tcp" severity="4" pluginID="179565" pluginName="OpenSSH &lt; 9.3p2 Vulnerability" pluginFamily="Misc.">
<cve>CVE-2023-38408</cve><cvss3_base_score>9.8</cvss3_base_score><cvss4_base_score>9.3</cvss4_base_score><exploit_available>true</exploit_available>
<xref>CISA-KNOWN-EXPLOITED:2024/01/01</xref><solution>Upgrade to OpenSSH 9.3p2 or later.</solution><plugin_output>Installed version : 9.2p1</plugin_output></ReportItem>
</ReportHost></Report></NessusClientData_v2>)";
}

XmlInput text(const std::string& s, const char* name) { return XmlInput{"", s, name}; }

TEST(VulnRead, NmapServicesVulnersAndNse) {
  std::string doc = nmap_doc("9.2p1", true);
  auto r = read_nmap(text(doc, "scan.xml"));
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->hosts.size(), 1u);
  const auto& h = r->hosts[0];
  EXPECT_EQ(h.ip, "10.20.0.13");
  EXPECT_EQ(h.hostname, "his-db-01");
  EXPECT_EQ(h.os, "Linux");
  EXPECT_TRUE(h.services_known);
  ASSERT_EQ(h.services.size(), 3u);
  EXPECT_EQ(h.services[0].product, "OpenSSH");
  ASSERT_EQ(r->findings.size(), 2u);
  const auto& v = r->findings[0];  // one finding for the CPE, with its two CVEs
  EXPECT_EQ(v.port, 22);
  EXPECT_EQ(v.cves, (std::vector<std::string>{"CVE-2023-38408", "CVE-2023-51385"}));
  EXPECT_DOUBLE_EQ(*v.cvss3, 9.8);
  EXPECT_TRUE(v.exploit);
  EXPECT_EQ(v.severity, 4);
  EXPECT_EQ(r->findings[1].cves, (std::vector<std::string>{"CVE-2014-0160"}));
  EXPECT_EQ(r->findings[1].port, 443);
  EXPECT_EQ(r->started, 1796000000LL * kSec);
  EXPECT_TRUE(r->scanned(3306));
  EXPECT_FALSE(r->scanned(8443));
  auto down = read_nmap(text(nmap_doc("9.2p1", false, false), "down.xml"));
  ASSERT_TRUE(down);
  EXPECT_TRUE(down->hosts.empty());
}

TEST(VulnRead, GreenboneResultsHostsAndInformation) {
  auto r = read_greenbone(text(greenbone_doc(true), "gb.xml"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->name, "核心区周扫");
  EXPECT_EQ(r->hosts.size(), 2u);
  EXPECT_EQ(r->hosts[0].hostname, "his-db-01");
  ASSERT_EQ(r->findings.size(), 2u);  // the Log result is information
  EXPECT_EQ(r->skipped_info, 1u);
  const auto& f = r->findings[0];
  EXPECT_EQ(f.plugin, "1.3.6.1.4.1.25623.1.0.104001");
  EXPECT_EQ(f.cves, (std::vector<std::string>{"CVE-2023-38408"}));
  EXPECT_EQ(f.cnvd, (std::vector<std::string>{"CNVD-2023-56789"}));
  EXPECT_DOUBLE_EQ(*f.cvss3, 9.8);
  EXPECT_EQ(f.solution, "Update to 9.3p2.");
  EXPECT_EQ(f.port, 22);
  EXPECT_EQ(r->findings[1].port, 443);
  EXPECT_GT(r->started, 0);
}

TEST(VulnRead, NessusItemsServicesAndKev) {
  auto r = read_nessus(text(nessus_doc(), "a.nessus"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->name, "周扫");
  ASSERT_EQ(r->hosts.size(), 1u);
  EXPECT_TRUE(r->hosts[0].services_known);
  EXPECT_EQ(r->hosts[0].os, "Linux Kernel 5.10");
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->skipped_info, 2u);
  const auto& f = r->findings[0];
  EXPECT_TRUE(f.kev);
  EXPECT_TRUE(f.exploit);
  EXPECT_DOUBLE_EQ(*f.cvss4, 9.3);
  EXPECT_EQ(f.severity, 4);
  EXPECT_EQ(r->finished, 1796000500LL * kSec);
}

TEST(VulnRead, BadXmlIsRefusedWithWhere) {
  std::string doc = nmap_doc("9.2p1", true);
  auto cut = read_nmap(text(doc.substr(0, doc.size() / 2), "cut.xml"));
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().find("cut.xml:"), std::string::npos) << cut.error();
  auto bomb = read_nessus(text(
      R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><NessusClientData_v2>&b;</NessusClientData_v2>)",
      "bomb.nessus"));
  ASSERT_FALSE(bomb);
  EXPECT_NE(bomb.error().find("entity"), std::string::npos) << bomb.error();
  auto ext = read_greenbone(text(R"(<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><report>&x;</report>)", "ext.xml"));
  EXPECT_FALSE(ext);
  auto wrong = read_nessus(text(greenbone_doc(true), "g.nessus"));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("NessusClientData_v2"), std::string::npos);
}

TEST(VulnRead, ChineseScannerCsv) {
  std::string csv =
      "\xEF\xBB\xBFIP地址,端口,漏洞名称,风险等级,CVE编号,CNVD编号,解决办法\n"
      "10.20.0.13,22/tcp,OpenSSH 远程代码执行漏洞,高危,CVE-2023-38408,CNVD-2023-56789,升级 OpenSSH\n"
      "10.20.0.14,,SSL 证书过期,低,,,更换证书\n"
      "10.20.0.15,,系统信息,信息,,,\n";
  auto r = read_findings_csv(csv, "rsas.csv", "rsas");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->scanner, "rsas");
  ASSERT_EQ(r->findings.size(), 2u);
  EXPECT_EQ(r->hosts.size(), 3u);
  EXPECT_EQ(r->findings[0].severity, 3);
  EXPECT_EQ(r->findings[0].port, 22);
  EXPECT_EQ(r->findings[0].cnvd, (std::vector<std::string>{"CNVD-2023-56789"}));
  EXPECT_EQ(r->findings[1].severity, 1);
  auto bad = read_findings_csv("IP地址,漏洞名称,风险等级\n10.0.0.1,x,高\n10.0.0.2,y,很高\n", "bad.csv", "");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("line 3"), std::string::npos) << bad.error();
  auto nocol = read_findings_csv("地址,名称\n1,2\n", "n.csv", "");
  EXPECT_FALSE(nocol);
  auto mapped = read_findings_csv("Target,Issue,Level\n10.0.0.1,x,high\n", "m.csv", "",
                                  {{"ip", "Target"}, {"title", "Issue"}, {"severity", "Level"}});
  ASSERT_TRUE(mapped) << mapped.error();
  EXPECT_EQ(mapped->findings[0].severity, 3);
}

TEST(VulnRead, Ids) {
  EXPECT_EQ(cve_ids("cve-2021-44228, CVE-2014-0160;XCVE-2020-1111 CVE-2020-12345678"),
            (std::vector<std::string>{"CVE-2014-0160", "CVE-2021-44228"}));
  EXPECT_EQ(cnnvd_ids("CNNVD-202312-1234"), (std::vector<std::string>{"CNNVD-202312-1234"}));
  EXPECT_FALSE(cvss_score("11"));
  EXPECT_FALSE(cvss_score("nan"));
  EXPECT_DOUBLE_EQ(*cvss_score(" 7.5 "), 7.5);
}

TEST(VulnPriority, ContextRaisesAndKevForces) {
  Scores s;
  s.cvss3 = 7.5;
  AssetContext none;
  EXPECT_EQ(prioritize(s, none).level, 2);
  AssetContext hot{true, 3, true, false};
  EXPECT_EQ(prioritize(s, hot).level, 1);  // 7.5 + 1 + 0.5 + 0.5
  Scores low;
  low.cvss3 = 5.0;
  low.kev = true;
  EXPECT_EQ(prioritize(low, none).level, 2);
  Scores info;
  EXPECT_EQ(prioritize(info, hot).level, 4);  // context raises a weakness, not nothing
}

struct StoreFixture : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("wardsec_vuln_" + std::to_string(::getpid()));
  std::unique_ptr<Store> st;
  AssetMap assets;
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto s = Store::open((dir / "vulns.db").string());
    ASSERT_TRUE(s) << s.error();
    st = std::move(*s);
    std::vector<compliance::Asset> a = {{"his-db-01", "10.20.0.13", "database", "core", "his", "Kylin", "张伟"},
                                        {"ct-01", "10.60.0.21", "medical", "medical-devices", "pacs", "Windows 7", "放射科"}};
    std::vector<compliance::System> sys = {{"his", "医院信息系统", "HIS", "his", 3, "", "", "", ""}};
    assets = AssetMap(a, sys, {"his"}, PriorityPolicy{});
  }
  void TearDown() override { fs::remove_all(dir); }
  ImportResult imp(const ScanReport& r, int64_t at, const std::string& sha = "") {
    auto res = st->import(r, assets, ImportMeta{"f", sha, "secadmin", at, 8 * 3600});
    EXPECT_TRUE(res) << res.error();
    return res ? *res : ImportResult{};
  }
  std::vector<FindingRow> all() {
    Filter f;
    return st->findings(f).value();
  }
};

TEST_F(StoreFixture, ReimportDeduplicatesFixesAndReopens) {
  auto first = read_nmap(text(nmap_doc("9.2p1", true), "a.xml")).value();
  auto r1 = imp(first, kT0);
  EXPECT_EQ(r1.scan.added, 2);
  EXPECT_TRUE(r1.unregistered.empty());
  auto r2 = imp(first, kT0 + 86400 * kSec);
  EXPECT_EQ(r2.scan.added, 0);
  EXPECT_EQ(r2.scan.fixed, 0);
  ASSERT_EQ(all().size(), 2u);
  const FindingRow ssh = all()[0];
  EXPECT_EQ(ssh.asset, "his-db-01");
  EXPECT_EQ(ssh.system, "his");
  EXPECT_EQ(ssh.priority, 1);        // 9.8 on a level-3 system with patient data
  EXPECT_EQ(ssh.due, "2026-12-07");  // the scan saw it on 2026-11-30 (UTC+8); P1: 7 days
  // A discovery scan (ports and versions, no scripts) looks for no weakness: its silence fixes nothing.
  auto discovery = read_nmap(text(nmap_doc("9.2p1", false), "d.xml")).value();
  discovery.judges = false;
  discovery.findings.clear();
  EXPECT_FALSE(read_nmap(text(std::regex_replace(nmap_doc("9.2p1", false), std::regex("--script \\S+ "), ""), "p.xml"))->judges);
  EXPECT_EQ(imp(discovery, kT0 + 86400 * kSec + 1).scan.fixed, 0);
  // Upgraded: the vulners finding for 9.2p1 is gone, 443 still vulnerable.
  auto upgraded = read_nmap(text(nmap_doc("9.6p1", false), "b.xml")).value();
  auto r3 = imp(upgraded, kT0 + 2 * 86400 * kSec);
  EXPECT_EQ(r3.scan.fixed, 1);
  auto f = st->finding(ssh.id).value();
  EXPECT_EQ(f.status, "fixed");
  // Back again (a rollback): reopened, not new.
  auto r4 = imp(first, kT0 + 3 * 86400 * kSec);
  EXPECT_EQ(r4.scan.reopened, 1);
  EXPECT_EQ(r4.scan.added, 0);
  f = st->finding(ssh.id).value();
  EXPECT_EQ(f.status, "open");
  EXPECT_EQ(f.reopened, 1);
  auto log = st->log(ssh.id).value();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].what, "fixed");
  EXPECT_EQ(log[2].what, "reopened");
}

TEST_F(StoreFixture, OtherScannersJoinByCveAndDoNotFixEachOther) {
  imp(read_nmap(text(nmap_doc("9.2p1", true), "a.xml")).value(), kT0);
  auto gb = imp(read_greenbone(text(greenbone_doc(true), "g.xml")).value(), kT0 + kSec);
  EXPECT_EQ(gb.scan.added, 1);  // the weak ciphers on an unregistered host; the OpenSSH finding joined
  ASSERT_EQ(gb.unregistered, (std::vector<std::string>{"10.20.0.99"}));
  auto ness = imp(read_nessus(text(nessus_doc(), "n.nessus")).value(), kT0 + 2 * kSec);
  EXPECT_EQ(ness.scan.added, 0);
  auto rows = all();
  ASSERT_EQ(rows.size(), 3u);
  const auto& ssh = rows[0];
  EXPECT_EQ(ssh.sources.size(), 3u);
  EXPECT_TRUE(ssh.scores.kev);
  EXPECT_EQ(ssh.cnvd, (std::vector<std::string>{"CNVD-2023-56789"}));
  imp(read_greenbone(text(greenbone_doc(true), "g-again.xml")).value(), kT0 + 2 * kSec + 1);
  EXPECT_EQ(st->finding(ssh.id)->cnvd, (std::vector<std::string>{"CNVD-2023-56789"}));  // merged, not repeated
  // Greenbone no longer reports it; Nmap and Nessus did not look again: fixed all the same
  // (Greenbone had reported it and covered the host).
  auto gb2 = imp(read_greenbone(text(greenbone_doc(false), "g2.xml")).value(), kT0 + 3 * kSec);
  EXPECT_EQ(gb2.scan.fixed, 1);
  // A Greenbone scan never fixes what only Nmap reported (the heartbleed finding on 443).
  for (const auto& r : all()) {
    if (r.port == 443 && r.asset == "his-db-01") {
      EXPECT_EQ(r.status, "open");
    }
  }
}

TEST_F(StoreFixture, PeoplesDecisionsAreChecked) {
  imp(read_nmap(text(nmap_doc("9.2p1", true), "a.xml")).value(), kT0);
  int64_t id = all()[0].id;
  EXPECT_FALSE(st->set_status(id, "fixed", "patched", "", "secadmin", "2026-11-28", kT0));
  EXPECT_FALSE(st->set_status(id, "accepted", "", "2027-01-01", "secadmin", "2026-11-28", kT0));
  EXPECT_FALSE(st->set_status(id, "accepted", "业务不能停机", "2028-01-01", "secadmin", "2026-11-28", kT0));
  EXPECT_FALSE(st->set_status(id, "accepted", "业务不能停机", "2026-02-30", "secadmin", "2026-11-28", kT0));
  ASSERT_TRUE(st->set_status(id, "accepted", "业务不能停机", "2027-01-01", "secadmin", "2026-11-28", kT0));
  EXPECT_EQ(st->finding(id)->status, "accepted");
  // Past its end date the acceptance lapses.
  ASSERT_TRUE(st->refresh(assets, "2027-01-02", kT0 + 40 * 86400 * kSec));
  EXPECT_EQ(st->finding(id)->status, "open");
  ASSERT_TRUE(st->set_status(id, "false_positive", "版本号误报，已人工核实", "", "secadmin", "2027-01-02", kT0));
  Filter open;
  open.status = "open";
  EXPECT_EQ(st->findings(open)->size(), 1u);
}

TEST_F(StoreFixture, SameFileTwiceChangesNothing) {
  auto rep = read_nmap(text(nmap_doc("9.2p1", true), "a.xml")).value();
  imp(rep, kT0, "abc");
  auto again = imp(rep, kT0 + kSec, "abc");
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(st->scans()->size(), 1u);
}

TEST_F(StoreFixture, ServiceChangesBetweenPortScans) {
  auto rep = read_nmap(text(nmap_doc("9.2p1", false), "a.xml")).value();
  EXPECT_TRUE(imp(rep, kT0).changes.empty());  // the first look is the baseline
  rep.hosts[0].services.pop_back();            // 443 closed
  rep.hosts[0].services.push_back(Service{23, "tcp", "telnet", "", "", ""});
  auto r = imp(rep, kT0 + kSec);
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].port, 23);
  EXPECT_EQ(r.changes[0].change, "added");
  EXPECT_EQ(r.changes[1].port, 443);
  EXPECT_EQ(r.changes[1].change, "removed");
}

TEST_F(StoreFixture, KevListRaisesPriority) {
  auto rep = read_greenbone(text(greenbone_doc(true), "g.xml")).value();
  imp(rep, kT0);
  auto weak = [&] {
    for (const auto& r : all())
      if (r.port == 443) return r;
    return FindingRow{};
  };
  EXPECT_EQ(weak().priority, 3);
  ASSERT_TRUE(st->import_kev(R"({"vulnerabilities":[{"cveID":"CVE-2023-38408","dateAdded":"2024-01-01"}]})", "kev.json"));
  EXPECT_FALSE(st->import_kev("{}", "bad.json"));
  ASSERT_TRUE(st->refresh(assets, "2026-11-28", kT0));
  for (const auto& r : all()) {
    if (r.port == 22) {
      EXPECT_TRUE(r.scores.kev);
    }
  }
}

}  // namespace
}  // namespace wardsec::vuln

namespace wardsec::vuln {
namespace {

TEST(VulnReconcile, StatesFromScansAndLogs) {
  std::vector<compliance::Asset> a = {{"his-db-01", "10.20.0.13", "database", "core", "his", "", ""},
                                      {"old-01", "10.20.0.99", "server", "core", "", "", ""},
                                      {"never-01", "10.20.0.98", "server", "core", "", "", ""}};
  AssetMap m(a, {}, {}, PriorityPolicy{});
  int64_t now = 1796100000LL * kSec;
  std::vector<HostRow> hosts = {
      {"10.20.0.13", "his-db-01", "", "", "Linux", "nmap", now - kSec, now - kSec, {{22, "tcp", "ssh", "", "", ""}}},
      {"10.20.0.50", "ip:10.20.0.50", "", "", "", "nmap", now, now, {}}};
  std::vector<LogSource> logs = {{"old-01", "10.20.0.99", now - 40 * 86400 * kSec},
                                 {"demo-generator", "demo-generator", now},  // a name only: not a device to list
                                 {"ws-01", "10.50.3.12", now}};
  auto rows = reconcile(m, hosts, logs, now, 30);
  std::map<std::string, std::string> state;
  for (const auto& r : rows) state[r.key] = r.state;
  EXPECT_EQ(state["his-db-01"], "ok");
  EXPECT_EQ(state["old-01"], "unseen");
  EXPECT_EQ(state["never-01"], "never_seen");
  EXPECT_EQ(state["ip:10.20.0.50"], "unregistered");
  EXPECT_EQ(state["ip:10.50.3.12"], "unregistered");
  EXPECT_EQ(state.count("ip:demo-generator"), 0u);
  EXPECT_EQ(rows.front().state, "unregistered");  // the ones to act on first
}

TEST(VulnDiscovery, TargetsStayInsideTheConfiguredNetworks) {
  DiscoveryConfig c;
  EXPECT_FALSE(scan_targets(c, {}));  // off until configured
  c.networks = {"10.20.0.0/22"};
  EXPECT_EQ(*scan_targets(c, {}), c.networks);
  EXPECT_TRUE(scan_targets(c, {"10.20.1.0/24", "10.20.3.7"}));
  for (const char* bad : {"10.20.0.0/16", "10.30.0.1", "-iL/etc/passwd", "10.20.0.1 -oN x", "10.20.0.1;id", ""})
    EXPECT_FALSE(scan_targets(c, {bad})) << bad;
  c.ports = "22,80;rm";
  EXPECT_FALSE(check_config(c).empty());
  c.ports = "top:100";
  EXPECT_TRUE(check_config(c).empty());
  auto args = nmap_args(c, {"10.20.0.5"});
  EXPECT_EQ(args.back(), "10.20.0.5");
  EXPECT_EQ(args[args.size() - 2], "--");  // nothing after it is read as an option
}

}  // namespace
}  // namespace wardsec::vuln

namespace wardsec::vuln {
namespace {

TEST(VulnVersion, DpkgOrder) {
  // dpkg's own examples and the tricky ones: epochs, tildes, revisions, digit runs.
  EXPECT_LT(dpkg_compare("1.0~rc1", "1.0"), 0);
  EXPECT_LT(dpkg_compare("1.0", "1.0-1"), 0);
  EXPECT_GT(dpkg_compare("1:0.1", "9.9"), 0);
  EXPECT_LT(dpkg_compare("3.0.11-1~deb12u2", "3.0.11-1~deb12u3"), 0);
  EXPECT_LT(dpkg_compare("3.0.11-1~deb12u2", "3.0.11-1"), 0);
  EXPECT_LT(dpkg_compare("1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3"), 0);
  EXPECT_GT(dpkg_compare("2.10", "2.9"), 0);
  EXPECT_EQ(dpkg_compare("1.02", "1.2"), 0);
  EXPECT_LT(dpkg_compare("1.0a", "1.0+"), 0);  // letters before other characters
}

TEST(VulnVersion, RpmOrder) {
  EXPECT_LT(rpm_compare("3.0.7-24.el9", "3.0.7-25.el9"), 0);
  EXPECT_GT(rpm_compare("1.10", "1.9"), 0);
  EXPECT_LT(rpm_compare("1.0~rc1", "1.0"), 0);
  EXPECT_GT(rpm_compare("1.0^git1", "1.0"), 0);
  EXPECT_GT(rpm_compare("2.0.1", "2.0a"), 0);  // a number is newer than letters
  EXPECT_GT(rpm_compare("1:1.0", "2.0"), 0);
  EXPECT_EQ(rpm_compare("3.0.7", "3.0.7-24.el9"), 0);  // a range without a release matches every release
}

TEST(VulnVersion, Cvss3BaseScore) {
  EXPECT_DOUBLE_EQ(cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_DOUBLE_EQ(cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
  EXPECT_DOUBLE_EQ(cvss3_base_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"), 5.9);
  EXPECT_DOUBLE_EQ(cvss3_base_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 7.8);
  EXPECT_DOUBLE_EQ(cvss3_base_score("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"), 5.4);
  EXPECT_DOUBLE_EQ(cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
  EXPECT_LT(cvss3_base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 0);
  EXPECT_LT(cvss3_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), 0);
}

TEST(VulnPackages, InventoriesOfEachForm) {
  auto st = read_inventory(
      "Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\n\n"
      "Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1~deb12u2)\nVersion: 3.0.11-1~deb12u2\n\n"
      "Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n",
      "status");
  ASSERT_TRUE(st) << st.error();
  EXPECT_EQ(st->format, "dpkg-status");
  ASSERT_EQ(st->packages.size(), 2u);
  EXPECT_EQ(st->packages[1].source, "openssl");
  auto l = read_inventory(
      "Desired=Unknown/Install\n||/ Name Version Architecture Description\n+++-====\nii  openssh-server 1:9.2p1-2+deb12u2 amd64 secure "
      "shell\nrc  old 1.0 all gone\n",
      "dpkg-l");
  ASSERT_TRUE(l) << l.error();
  ASSERT_EQ(l->packages.size(), 1u);
  EXPECT_EQ(l->packages[0].version, "1:9.2p1-2+deb12u2");
  auto r = read_inventory("openssl-3.0.7-24.el9.x86_64\nkernel-5.14.0-362.8.1.el9_3.x86_64\n", "rpm");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->format, "rpm-qa");
  EXPECT_EQ(r->packages[1].name, "kernel");
  EXPECT_EQ(r->packages[1].version, "5.14.0-362.8.1.el9_3");
  auto w = read_inventory("HotFixID\nKB5034441\nKB5034122\n", "hotfix");
  ASSERT_TRUE(w) << w.error();
  EXPECT_EQ(w->hotfixes.size(), 2u);
  auto bad = read_inventory("openssl\n", "bad");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("bad:1:"), std::string::npos) << bad.error();
}

TEST(VulnPackages, OsvMatchesByEcosystemAndRange) {
  std::string osv = R"([{"id":"DSA-5532-1","aliases":["CVE-2023-5678"],"summary":"openssl security update",
    "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
    "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
                 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]},
                {"package":{"ecosystem":"Debian:11","name":"openssl"},
                 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u1"}]}]}]},
   {"id":"RHSA-2024:0001","upstream":["CVE-2024-0727"],"affected":[{"package":{"ecosystem":"Red Hat","name":"openssl"},
                 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-25.el9"}]}]}]},
   {"id":"NO-RANGE","affected":[{"package":{"ecosystem":"Debian:12","name":"x"}}]}])";
  auto adv = read_osv(osv, "feed.json");
  ASSERT_TRUE(adv) << adv.error();
  ASSERT_EQ(adv->size(), 3u);
  EXPECT_DOUBLE_EQ((*adv)[0].score, 7.5);
  EXPECT_TRUE(affects((*adv)[0], "Debian:12", Package{"libssl3", "openssl", "3.0.11-1~deb12u1"}));
  EXPECT_FALSE(affects((*adv)[0], "Debian:12", Package{"openssl", "openssl", "3.0.11-1~deb12u2"}));
  EXPECT_FALSE(affects((*adv)[0], "Ubuntu:22.04", Package{"openssl", "openssl", "3.0.0"}));
  EXPECT_TRUE(affects((*adv)[2], "Red Hat:9", Package{"openssl", "openssl", "1:3.0.7-24.el9"}));
  PackageInventory inv{"dpkg-status", {{"libssl3", "openssl", "3.0.11-1~deb12u1"}, {"openssl", "openssl", "3.0.11-1~deb12u1"}}, {}};
  auto rep = match_inventory("10.20.0.13", "his-db-01", "Debian:12", inv, *adv);
  ASSERT_EQ(rep.findings.size(), 1u);  // one advisory, one fix for both binary packages of the source
  EXPECT_EQ(rep.findings[0].cves, (std::vector<std::string>{"CVE-2023-5678"}));
  EXPECT_NE(rep.findings[0].evidence.find("libssl3 3.0.11-1~deb12u1; openssl"), std::string::npos) << rep.findings[0].evidence;
  EXPECT_NE(rep.findings[0].solution.find("3.0.11-1~deb12u2"), std::string::npos);
  EXPECT_FALSE(read_osv("{\"id\":1}\nnot json\n", "lines.jsonl"));
}

}  // namespace
}  // namespace wardsec::vuln
