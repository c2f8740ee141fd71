// Parser behaviour that a security analyst relies on, one format at a time.
#include <gtest/gtest.h>

#include "core/strutil.h"
#include "test_util.h"

using namespace wardsec;
using wardsec::test::decode;

TEST(Rfc5424, HeaderAndStructuredData) {
  auto ev = decode(
      R"(<165>1 2026-11-26T08:00:01.123+08:00 his-app-01 his 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][meta seq="7"] 挂号成功 patient=P0001)");
  EXPECT_EQ(ev.get(kHostName), "his-app-01");
  EXPECT_EQ(ev.get(kProcessName), "his");
  EXPECT_EQ(ev.get(kProcessPid), "1234");
  EXPECT_EQ(ev.get(kSyslogMsgId), "ID47");
  EXPECT_EQ(ev.get(kSyslogFacility), "20");
  EXPECT_EQ(ev.get(kSyslogSeverity), "5");
  EXPECT_EQ(ev.get("log.syslog.structured_data.exampleSDID@32473.eventID"), "1011");
  EXPECT_EQ(ev.get("log.syslog.structured_data.meta.seq"), "7");
  EXPECT_EQ(ev.get(kMessage), "挂号成功 patient=P0001");
  EXPECT_EQ(format_rfc3339(ev.ts), "2026-11-26T00:00:01.123Z");
  EXPECT_FALSE(ev.flags & kParseError);
}

TEST(Rfc5424, NilValuesAndEscapes) {
  auto ev = decode(R"(<13>1 - - - - - [x a="q\"uote\]"] hello)");
  EXPECT_EQ(ev.get("log.syslog.structured_data.x.a"), "q\"uote]");
  EXPECT_EQ(ev.get(kMessage), "hello");
  EXPECT_TRUE(ev.flags & kNoTimestamp);
}

TEST(Rfc3164, WithAndWithoutPriAndHost) {
  auto a = decode("<38>Nov 26 08:00:00 portal-web-01 sshd[4242]: Failed password for root from 45.95.147.201 port 50122 ssh2");
  EXPECT_EQ(a.get(kHostName), "portal-web-01");
  EXPECT_EQ(a.get(kProcessName), "sshd");
  EXPECT_EQ(a.get(kProcessPid), "4242");
  EXPECT_EQ(a.get(kUserName), "root");
  EXPECT_EQ(a.get(kSourceIp), "45.95.147.201");
  EXPECT_EQ(a.get(kSourcePort), "50122");
  EXPECT_EQ(a.get(kEventOutcome), "failure");
  EXPECT_EQ(format_rfc3339(a.ts), "2026-11-26T00:00:00.000Z");  // +08:00 default zone
  auto b = decode("<13>Nov 26 08:00:00 su: (to root) zhangwei on pts/1");
  EXPECT_EQ(b.get(kHostName), "");
  EXPECT_EQ(b.get(kProcessName), "su");
  EXPECT_EQ(b.get(kUserName), "zhangwei");
  EXPECT_EQ(b.get(kUserTargetName), "root");
  auto c = decode(
      "2026-11-26T08:00:00.5+08:00 emr-app-01 sudo: liyang : TTY=pts/0 ; PWD=/home/liyang ; USER=root ; COMMAND=/usr/bin/systemctl restart "
      "emr");
  EXPECT_EQ(c.get(kHostName), "emr-app-01");
  EXPECT_EQ(c.get(kUserName), "liyang");
  EXPECT_EQ(c.get(kUserEffectiveName), "root");
  EXPECT_EQ(c.get(kProcessCommandLine), "/usr/bin/systemctl restart emr");
  EXPECT_EQ(c.get(kEventOutcome), "success");
}

TEST(Rfc3164, SequenceNumbersAndSingleDigitDays) {
  // Cisco IOS and Ruijie RGOS with sequence numbers on: the number is event.sequence, the host
  // and the time are read after it ("Mar 5" with one blank as Ruijie writes it; "*" before a
  // time the clock does not vouch for, and the ':' after it).
  auto a = decode("<189> 226:Mar 5 02:09:10 Ruijie %SYS-5-CONFIG_I: Configured from console by console");
  EXPECT_EQ(a.get(kHostName), "Ruijie");
  EXPECT_EQ(a.get("event.sequence"), "226");
  EXPECT_EQ(a.get(kProcessName), "%SYS-5-CONFIG_I");
  EXPECT_EQ(a.flags & kNoTimestamp, 0u);
  auto b = decode("<188>123: *Dec  4 10:21:07.123: %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin]");
  EXPECT_EQ(b.get("event.sequence"), "123");
  EXPECT_EQ(b.get(kHostName), "");
  EXPECT_EQ(b.get(kProcessName), "%SEC_LOGIN-4-LOGIN_FAILED");
  EXPECT_EQ(b.flags & kNoTimestamp, 0u);
  auto c = decode("<13>Nov 5 08:00:00 his-db-01 app: one blank before the day");
  EXPECT_EQ(c.get(kHostName), "his-db-01");
  EXPECT_EQ(c.get(kProcessName), "app");
  // A tag that is a number is not a sequence number when no time follows it.
  auto d = decode("<13>Nov 26 08:00:00 host 226: text");
  EXPECT_EQ(d.get("event.sequence"), "");
  auto e = decode("<13>226: text without a time");
  EXPECT_EQ(e.get("event.sequence"), "");
}

TEST(Rfc3164, YearInferenceAroundNewYear) {
  // Received 2027-01-01 00:00:05 UTC; a "Dec 31 23:59" line belongs to 2026.
  int64_t recv = (days_from_civil(2027, 1, 1) * 86400 + 5) * 1000000000LL;
  auto ev = decode("<13>Dec 31 23:59:59 h p: x", recv);
  EXPECT_EQ(format_rfc3339(ev.ts).substr(0, 4), "2026");
}

TEST(Sshd, Variants) {
  auto a = decode("Dec 10 07:07:38 LabSZ sshd[24206]: Failed password for invalid user test9 from 52.80.34.196 port 36060 ssh2");
  EXPECT_EQ(a.get(kUserName), "test9");
  EXPECT_EQ(a.get(kSourceIp), "52.80.34.196");
  auto b = decode("Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from 119.137.62.142 port 49116 ssh2");
  EXPECT_EQ(b.get(kEventOutcome), "success");
  EXPECT_EQ(b.get(kSshMethod), "password");
  auto c = decode("Nov 26 08:00:00 h sshd[1]: Connection closed by authenticating user root 10.0.0.9 port 5022 [preauth]");
  EXPECT_EQ(c.get(kUserName), "root");
  EXPECT_EQ(c.get(kSourceIp), "10.0.0.9");
  EXPECT_EQ(c.get(kSourcePort), "5022");
  auto d = decode(
      "Dec 10 06:55:48 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
      "rhost=173.234.31.186  user=root");
  EXPECT_EQ(d.get(kUserName), "root");
  EXPECT_EQ(d.get(kSourceIp), "173.234.31.186");
  EXPECT_EQ(d.get(kEventAction), "authentication_failure");
}

TEST(Sudo, DeniedAndSessions) {
  auto a = decode(
      "<85>Nov 26 09:00:00 his-app-01 sudo: wangfang : 3 incorrect password attempts ; TTY=pts/2 ; PWD=/tmp ; USER=root ; "
      "COMMAND=/bin/bash");
  EXPECT_EQ(a.get(kEventOutcome), "failure");
  EXPECT_EQ(a.get(kUserName), "wangfang");
  auto b = decode("<85>Nov 26 09:00:00 his-app-01 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by wangfang(uid=1003)");
  EXPECT_EQ(b.get(kUserName), "root");
  EXPECT_EQ(b.get(kUserEffectiveName), "wangfang");
}

TEST(Auditd, UserLoginAndConfigChange) {
  auto a = decode(
      R"(type=USER_LOGIN msg=audit(1795694400.123:2431): pid=812 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=45.95.147.201 terminal=ssh res=failed')");
  EXPECT_EQ(a.get(kAuditdType), "USER_LOGIN");
  EXPECT_EQ(a.get(kAuditdSequence), "2431");
  EXPECT_EQ(a.get(kUserName), "root");
  EXPECT_EQ(a.get(kSourceIp), "45.95.147.201");
  EXPECT_EQ(a.get(kEventOutcome), "failure");
  EXPECT_EQ(a.get("process.executable"), "/usr/sbin/sshd");
  EXPECT_EQ(format_rfc3339(a.ts), "2026-11-26T12:00:00.123Z");
  auto b = decode(
      "<85>Nov 26 23:10:00 his-db-01 audispd: type=CONFIG_CHANGE msg=audit(1795694400.000:99): auid=1003 ses=2 op=set audit_enabled=0 "
      "old=1 res=1");
  EXPECT_EQ(b.get(kHostName), "his-db-01");
  EXPECT_EQ(b.get("auditd.log.audit_enabled"), "0");
  EXPECT_EQ(b.get(kEventCategory), "configuration");
}

TEST(Web, CombinedAccessLog) {
  auto a = decode(
      R"(223.104.5.17 - alice [26/Nov/2026:08:00:00 +0800] "GET /api/report/list?cardNo=0012345678%27%20OR%201=1 HTTP/1.1" 500 162 "https://yy.demo-hospital.cn/" "sqlmap/1.7.2#stable")");
  EXPECT_EQ(a.get(kSourceIp), "223.104.5.17");
  EXPECT_EQ(a.get(kUserName), "alice");
  EXPECT_EQ(a.get(kHttpMethod), "GET");
  EXPECT_EQ(a.get(kUrlPath), "/api/report/list");
  EXPECT_EQ(a.get(kUrlQuery), "cardNo=0012345678%27%20OR%201=1");
  EXPECT_EQ(a.get(kHttpStatus), "500");
  EXPECT_EQ(a.get(kHttpBodyBytes), "162");
  EXPECT_EQ(a.get(kHttpReferrer), "https://yy.demo-hospital.cn/");
  EXPECT_EQ(a.get(kUserAgent), "sqlmap/1.7.2#stable");
  EXPECT_EQ(format_rfc3339(a.ts), "2026-11-26T00:00:00.000Z");
  // The same line forwarded by syslog.
  auto b = decode(
      R"(<190>Nov 26 08:00:01 ihosp-web-01 nginx: 10.50.1.2 - - [26/Nov/2026:08:00:00 +0800] "POST /api/pay HTTP/2.0" 200 5 "-" "-")");
  EXPECT_EQ(b.get(kHostName), "ihosp-web-01");
  EXPECT_EQ(b.get(kHttpMethod), "POST");
  EXPECT_EQ(b.get(kHttpVersion), "2.0");
  EXPECT_EQ(b.get(kHttpReferrer), "");
}

TEST(Web, ApacheAndNginxErrorLogs) {
  auto a = decode("[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6");
  EXPECT_EQ(a.get(kLogLevel), "error");
  EXPECT_EQ(a.get(kEventDataset), "apache.error");
  EXPECT_EQ(a.get(kMessage), "mod_jk child workerEnv in error state 6");
  auto b = decode(
      "[Wed Nov 26 14:32:52.123456 2026] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:53421] File does not exist: "
      "/var/www/html/favicon.ico");
  EXPECT_EQ(b.get(kLogLevel), "error");
  EXPECT_EQ(b.get(kSourceIp), "72.15.99.187");
  EXPECT_EQ(b.get(kSourcePort), "53421");
  EXPECT_EQ(b.get(kProcessPid), "35708");
  auto c = decode(
      R"(2026/11/26 10:00:00 [error] 1234#0: *5 open() "/usr/share/nginx/html/x.php" failed (2: No such file or directory), client: 103.145.13.11, server: yy.demo-hospital.cn, request: "GET /x.php HTTP/1.1", host: "yy.demo-hospital.cn")");
  EXPECT_EQ(c.get(kLogLevel), "error");
  EXPECT_EQ(c.get(kSourceIp), "103.145.13.11");
  EXPECT_EQ(c.get(kUrlOriginal), "/x.php");
}

TEST(Netfilter, IptablesAndNftables) {
  auto a = decode(
      "<4>Nov 26 08:00:00 fw-core-01 kernel: [123456.789012] IPT-DROP: IN=eth1 OUT=eth2 MAC=00:1b SRC=45.95.147.201 DST=10.20.0.11 LEN=60 "
      "TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=50122 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0");
  EXPECT_EQ(a.get(kEventDataset), "netfilter");
  EXPECT_EQ(a.get(kRuleName), "IPT-DROP:");
  EXPECT_EQ(a.get(kEventAction), "denied");
  EXPECT_EQ(a.get(kSourceIp), "45.95.147.201");
  EXPECT_EQ(a.get(kDestinationIp), "10.20.0.11");
  EXPECT_EQ(a.get(kSourcePort), "50122");
  EXPECT_EQ(a.get(kDestinationPort), "22");
  EXPECT_EQ(a.get(kNetworkTransport), "tcp");
  EXPECT_EQ(a.get(kIngressInterface), "eth1");
  auto b =
      decode("<4>Nov 26 08:00:00 gw kernel: nft-accept IN=ens3 OUT= SRC=2001:db8::1 DST=2001:db8::2 LEN=80 PROTO=UDP SPT=53 DPT=41000");
  EXPECT_EQ(b.get(kEventAction), "allowed");
  EXPECT_EQ(b.get(kSourceIp), "2001:db8::1");
  EXPECT_EQ(b.get(kNetworkTransport), "udp");
}

TEST(Cef, HeaderEscapesAndExtension) {
  auto a = decode(
      R"(<132>Nov 26 08:00:00 ngfw-dmz-01 NGFW: CEF:0|Hillstone|SG\|6000|5.5|31002|Apache Log4j RCE Attempt|9|src=45.95.147.9 spt=44321 dst=10.40.0.21 dpt=443 proto=TCP act=deny msg=JNDI lookup \= ldap in header cs1Label=zone cs1=互联网接入区)");
  EXPECT_EQ(a.get(kObserverVendor), "Hillstone");
  EXPECT_EQ(a.get(kObserverProduct), "SG|6000");
  EXPECT_EQ(a.get(kCefName), "Apache Log4j RCE Attempt");
  EXPECT_EQ(a.get(kEventSeverity), "9");
  EXPECT_EQ(a.get(kSourceIp), "45.95.147.9");
  EXPECT_EQ(a.get(kDestinationPort), "443");
  EXPECT_EQ(a.get(kEventAction), "deny");
  EXPECT_EQ(a.get(kMessage), "JNDI lookup = ldap in header");
  EXPECT_EQ(a.get("cef.extensions.cs1"), "互联网接入区");
}

TEST(Json, FlattenAndTimestamp) {
  auto a = decode(
      R"({"@timestamp":"2026-11-26T08:00:00+08:00","source":{"ip":"10.50.7.88","port":5123},"user":{"name":"d1024"},"tags":["a","b"],"message":"统方查询","nested":{"deep":{"x":true}},"n":null})");
  EXPECT_EQ(a.get(kSourceIp), "10.50.7.88");
  EXPECT_EQ(a.get(kSourcePort), "5123");
  EXPECT_EQ(a.get(kUserName), "d1024");
  EXPECT_EQ(a.get("tags"), "a,b");
  EXPECT_EQ(a.get("nested.deep.x"), "true");
  EXPECT_EQ(a.get(kMessage), "统方查询");
  EXPECT_EQ(format_rfc3339(a.ts), "2026-11-26T00:00:00.000Z");
  // Windows event export (the Sigma regression data's form).
  auto w = decode(
      R"({"EventID":4624,"Channel":"Security","Computer":"EMR-WS-01","TargetUserName":"zhangwei","IpAddress":"10.50.3.4","LogonType":10})");
  EXPECT_EQ(w.get("EventID"), "4624");
  EXPECT_EQ(w.get("TargetUserName"), "zhangwei");
  // JSON inside syslog.
  auto s = decode(R"(<134>Nov 26 08:00:00 his-app-01 his-app: {"user.name":"d1001","action":"开具处方"})");
  EXPECT_EQ(s.get(kHostName), "his-app-01");
  EXPECT_EQ(s.get(kUserName), "d1001");
  EXPECT_EQ(s.get("action"), "开具处方");
}

TEST(BadInput, NeverFailsAndKeepsRaw) {
  auto junk = decode(std::string("\x00\x01\x02\xff\xfe binary", 12));
  EXPECT_TRUE(junk.flags & kParseError);
  EXPECT_TRUE(junk.flags & kInvalidUtf8);
  EXPECT_FALSE(junk.raw.empty());
  auto gbk = decode("<13>Nov 26 08:00:00 his-app-01 his: \xb2\xa1\xc8\xcb\xd0\xd5\xc3\xfb");  // GBK: 病人姓名
  EXPECT_TRUE(gbk.flags & kInvalidUtf8);
  EXPECT_EQ(gbk.get(kHostName), "his-app-01");
  std::string big(1u << 21, 'A');
  auto huge = decode(big);
  EXPECT_TRUE(huge.flags & kTruncated);
  EXPECT_EQ(huge.raw.size(), Decoder::kMaxMessage);
  auto trunc = decode("<13>1 2026-11-26T08:00:00Z host app");
  EXPECT_FALSE(trunc.raw.empty());
  auto badjson = decode("{\"a\": [1, 2");
  EXPECT_TRUE(badjson.flags & kParseError);
  EXPECT_EQ(badjson.get(kMessage), "{\"a\": [1, 2");
  auto badcef = decode("CEF:0|only|three");
  EXPECT_TRUE(badcef.flags & kParseError);
}

TEST(Registry, DuplicateNameIsAnError) {
  ParserRegistry reg;
  register_builtin_parsers(reg);
  EXPECT_THROW(reg.add_message("sshd", make_sshd_parser()), std::logic_error);
}

// No input can write the center's own namespace (the audit trail) or pin a segment with a
// far-future time: parse/guard.cc, run after every parser.
TEST(Guard, ReservedNamesAreRenamedForEveryFormat) {
  using wardsec::test::decode;
  auto j = decode(R"({"event.dataset":"wardsec.audit","event.module":"WardSec","wardsec.audit.signature":"00","message":"x"})");
  EXPECT_EQ(j.get("event.dataset"), "claimed.wardsec.audit");
  EXPECT_EQ(j.get("event.module"), "claimed.WardSec");
  EXPECT_EQ(j.get("wardsec.audit.signature"), "");
  EXPECT_EQ(j.get("claimed.wardsec.audit.signature"), "00");
  auto nested = decode(R"({"event":{"dataset":" WARDSEC.audit "},"message":"x"})");
  EXPECT_EQ(nested.get("event.dataset").rfind("claimed.", 0), 0u);
  auto cef = decode("<134>Nov 26 10:00:00 fw CEF:0|wardsec|wardsec|1|1|x|5|cs1Label=event.dataset cs1=wardsec.audit");
  EXPECT_NE(cef.get("event.dataset"), "wardsec.audit");
  // Look-alikes that are not the namespace stay as they are.
  auto other = decode(R"({"event.dataset":"wardsecurity.log","message":"x"})");
  EXPECT_EQ(other.get("event.dataset"), "wardsecurity.log");
  // An enrolled agent's identity and datasets come only from the agent channel.
  auto agent = decode(R"({"event.dataset":"agent.fim","agent.id":"ag-0123","agent.name":"his-db-01","message":"x"})");
  EXPECT_EQ(agent.get("event.dataset"), "claimed.agent.fim");
  EXPECT_EQ(agent.get("agent.id"), "");
  EXPECT_EQ(agent.get("claimed.agent.id"), "ag-0123");
  EXPECT_EQ(agent.get("claimed.agent.name"), "his-db-01");
  auto nested_agent = decode(R"({"agent":{"id":"ag-0123"},"message":"x"})");
  EXPECT_EQ(nested_agent.get("agent.id"), "");
  // Other agent.* fields (a Beat's agent.type, agent.version) are not the center's.
  auto beat = decode(R"({"agent.type":"filebeat","event.dataset":"apache.access","message":"x"})");
  EXPECT_EQ(beat.get("agent.type"), "filebeat");
  EXPECT_EQ(beat.get("event.dataset"), "apache.access");
}

TEST(Guard, EventTimesAreBoundedToReception) {
  using wardsec::test::decode;
  auto far = decode(R"({"@timestamp":"2150-06-01T00:00:00Z","message":"x"})");
  EXPECT_EQ(far.ts, wardsec::test::kTestReceived);
  EXPECT_EQ(far.get("event.original_time").substr(0, 4), "2150");
  auto bogus = decode(R"({"@timestamp":"2999-01-01T00:00:00Z","message":"x"})");
  EXPECT_EQ(bogus.ts, wardsec::test::kTestReceived);
  EXPECT_EQ(bogus.get("event.original_time"), "2999-01-01T00:00:00Z");
  EXPECT_EQ(bogus.get("@timestamp"), "");  // one @timestamp in the stored event
  auto ok = decode(R"({"@timestamp":"2026-12-30T08:00:00Z","message":"x"})");
  EXPECT_LT(ok.ts, wardsec::test::kTestReceived);
  EXPECT_EQ(ok.get("event.original_time"), "");
}

// The timestamp table of the fault campaign: every odd time is filed at reception, the
// sender's value kept and the event tagged; good times pass untouched.
TEST(EventTime, OddTimesAreBoundedKeptAndTagged) {
  const int64_t rx = test::kTestReceived;  // 2026-12-31T00:00:00Z
  struct Case {
    const char* line;
    const char* ts;        // expected @timestamp
    const char* adjusted;  // expected event.time_adjusted ("" none)
  } cases[] = {
      {"<13>1 2300-01-01T00:00:00Z h app - - - x", "2026-12-31T00:00:00.000Z", "invalid"},
      {"<13>1 9999-12-31T23:59:59Z h app - - - x", "2026-12-31T00:00:00.000Z", "invalid"},
      {"<13>1 0001-01-01T00:00:00Z h app - - - x", "2026-12-31T00:00:00.000Z", "invalid"},
      {"<13>1 2099-01-01T00:00:00Z h app - - - x", "2026-12-31T00:00:00.000Z", "future"},
      {"<13>1 2026-12-30T20:00:00Z h app - - - x", "2026-12-30T20:00:00.000Z", ""},
      {R"({"@timestamp":1798675100000,"message":"ms epoch"})", "2026-12-30T23:58:20.000Z", ""},
      {R"({"ts":1798675100000000,"message":"us epoch"})", "2026-12-30T23:58:20.000Z", ""},
      {R"({"@timestamp":"9999-01-01T00:00:00Z","message":"x"})", "2026-12-31T00:00:00.000Z", "invalid"},
      {"<13>Jan  1 12:00:00 h app: 36 h fast", "2026-12-31T00:00:00.000Z", "future"},
      {"<13>Dec 30 12:00:00 h app: 12 h behind", "2026-12-30T04:00:00.000Z", ""},
      {"<13>Mar  5 12:00:00 2024 h app: year named", "2024-03-05T04:00:00.000Z", ""},
      {"<13>Feb 31 12:00:00 h app: no such day", "2026-12-31T00:00:00.000Z", "invalid"},
  };
  static const FieldId adj = FieldRegistry::intern("event.time_adjusted");
  static const FieldId orig = FieldRegistry::intern("event.original_time");
  for (const auto& c : cases) {
    Event ev = test::decode(c.line, rx);
    EXPECT_EQ(format_rfc3339(ev.ts), c.ts) << c.line;
    EXPECT_EQ(ev.get(adj), c.adjusted) << c.line;
    if (*c.adjusted) EXPECT_FALSE(ev.get(orig).empty()) << c.line;
  }
  Event named = test::decode("<13>Mar  5 12:00:00 2024 h app: year named", rx);
  EXPECT_EQ(named.get(kHostName), "h");
}
