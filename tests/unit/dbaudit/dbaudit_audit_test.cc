// What the database audit sees across statements (Auditor: split 统方, rankings taken one
// value at a time, prescription detail read in pieces, unapproved clients and accounts,
// off-duty use, the per-account baseline) and the databases' own audit logs.
#include <gtest/gtest.h>

#include "dbaudit/auditlog.h"
#include "dbaudit/policy.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::dbaudit;

namespace {

constexpr int64_t kMin = 60LL * 1000000000LL, kHour = 60 * kMin;
// Monday 2026-11-30 10:00 China time.
constexpr int64_t kMonday10 = 1796004000LL * 1000000000LL;

Policy policy() {
  Policy p;
  EXPECT_TRUE(load_policy(test::source_dir() + "/config/dbaudit/policy.yaml", p).ok());
  return p;
}

struct Feed {
  Auditor a;
  std::shared_ptr<Session> se = std::make_shared<Session>();
  explicit Feed(Policy p, const std::string& user = "dba_li", const std::string& ip = "10.20.9.8") : a(std::move(p)) {
    se->system = "mysql";
    se->user = user;
    se->client.ip = ip;
    se->program = "HIS";
  }
  std::vector<std::string> run(const std::string& sql, int64_t ts, int64_t rows = -1) {
    Statement s;
    s.session = se;
    s.text = sql;
    s.sql = analyze_sql(sql);
    s.ts = ts;
    s.rows = rows;
    std::vector<std::string> out;
    for (const auto& x : a.check(s)) out.push_back(x.kind + ":" + x.level + ":" + std::to_string(x.statements.size()));
    return out;
  }
};

}  // namespace

TEST(DbauditAuditor, SplitAndPiecewiseTongfang) {
  {  // Doctor totals in one query, drug totals in another: split 统方.
    Feed f(policy());
    EXPECT_EQ(f.run("SELECT YSDM, SUM(JE) FROM MZ_CFMX GROUP BY YSDM", kMonday10, 40), (std::vector<std::string>{"tongfang:high:1"}));
    EXPECT_EQ(f.run("SELECT YPDM, SUM(SL) FROM MZ_CFMX GROUP BY YPDM", kMonday10 + 5 * kMin, 300),
              (std::vector<std::string>{"tongfang:critical:2"}));
    // Outside the window the pair is forgotten.
    EXPECT_TRUE(f.run("SELECT YPDM, SUM(SL) FROM MZ_CFMX GROUP BY YPDM", kMonday10 + 3 * kHour, 300).empty());
  }
  {  // One doctor's volume of one drug, value after value: a ranking taken piece by piece.
    Feed f(policy());
    std::vector<std::string> last;
    for (int i = 0; i < 3; i++)
      last = f.run("SELECT SUM(SL) FROM MZ_CFMX WHERE YSDM = 'D0" + std::to_string(i) + "' AND YPDM = 'Y01'", kMonday10 + i * kMin, 1);
    EXPECT_EQ(last, (std::vector<std::string>{"tongfang:high:1", "tongfang:critical:3"}));
  }
  {  // Prescription detail read page by page, by a person's account.
    Feed f(policy());
    std::vector<std::string> got;
    for (int i = 0; i < 6; i++) {
      auto r = f.run("SELECT YSDM, YPDM, SL FROM MZ_CFMX WHERE KFRQ >= '2026-11-01' LIMIT 1000 OFFSET " + std::to_string(i * 1000),
                     kMonday10 + i * kMin, 1000);
      got.insert(got.end(), r.begin(), r.end());
    }
    EXPECT_EQ(got, (std::vector<std::string>{"tongfang:high:5"}));
  }
  {  // The HIS application's account reads prescriptions all day: not held to these rules.
    Policy p = policy();
    p.application_accounts = {"his_app"};
    Feed f(p, "his_app");
    std::vector<std::string> got;
    for (int i = 0; i < 20; i++) {
      auto r = f.run("SELECT YSDM, YPDM, SL FROM MZ_CFMX WHERE BRID = " + std::to_string(i), kMonday10 + i * kMin, 400);
      got.insert(got.end(), r.begin(), r.end());
    }
    EXPECT_TRUE(got.empty());
  }
}

TEST(DbauditAuditor, ClientsAccountsDutyAndBaseline) {
  Policy p = policy();
  p.approved_clients = {*parse_cidr("10.20.1.0/24")};
  p.approved_accounts = {"his_app", "dba_li"};
  {
    Feed f(p, "dba_li", "10.20.9.8");
    EXPECT_EQ(f.run("SELECT 1", kMonday10), (std::vector<std::string>{"unapproved_client:high:1"}));
    EXPECT_TRUE(f.run("SELECT 1", kMonday10 + kMin).empty());  // once a day per account
    // Sunday 23:00 local.
    EXPECT_EQ(f.run("SELECT 1", kMonday10 - 11 * kHour), (std::vector<std::string>{"off_duty:medium:1"}));
  }
  {
    Feed f(p, "zhangsan", "10.20.1.50");
    EXPECT_EQ(f.run("SELECT 1", kMonday10), (std::vector<std::string>{"unapproved_account:high:1"}));
  }
  {  // 48 hours of about 100 rows an hour, then 20 000 in one hour.
    Policy q = policy();
    q.off_duty_check = false;
    Feed f(q, "report_svc", "10.20.1.9");
    for (int h = 0; h < 48; h++)
      for (int i = 0; i < 4; i++)
        EXPECT_TRUE(f.run("SELECT * FROM YP_ZD WHERE YPDM = ?", kMonday10 - 48 * kHour + h * kHour + i * kMin, 25 + h % 3).empty());
    EXPECT_TRUE(f.run("SELECT * FROM YP_ZD", kMonday10 + 2 * kMin, 1500).empty());  // below min_rows
    EXPECT_EQ(f.run("SELECT * FROM YP_ZD", kMonday10 + 3 * kMin, 18500), (std::vector<std::string>{"baseline:medium:1"}));
    EXPECT_TRUE(f.run("SELECT * FROM YP_ZD", kMonday10 + 4 * kMin, 18500).empty());  // once an hour
  }
}

TEST(DbauditAuditor, AuditSwitchedOff) {
  Feed f(policy());
  for (const char* sql : {"SET GLOBAL server_audit_logging = OFF", "ALTER SYSTEM SET pgaudit.log = 'none'", "UNINSTALL PLUGIN server_audit",
                          "ALTER SERVER AUDIT HIS_Audit WITH (STATE = OFF)", "NOAUDIT SELECT ON his.pat_master_index",
                          "EXEC sp_configure 'c2 audit mode', 0"})
    EXPECT_EQ(f.run(sql, kMonday10), (std::vector<std::string>{"audit_off:critical:1"})) << sql;
  EXPECT_TRUE(f.run("SET GLOBAL server_audit_logging = ON", kMonday10).empty());
}

TEST(DbauditAuditLog, MariadbPgauditPgcsvSqlServerOracle) {
  std::vector<Statement> got;
  auto sink = [&](Statement&& s) { got.push_back(std::move(s)); };
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& w) { warnings.push_back(w); };
  // MariaDB server_audit: a connect (not a statement), a query with an escaped quote, a failed one.
  std::string mdb =
      "20261130 09:15:01,his-db01,dba_li,10.20.9.8,12,0,CONNECT,his,,0\n"
      "20261130 09:15:02,his-db01,dba_li,10.20.9.8,12,345,QUERY,his,'SELECT YSDM, YPDM, SUM(SL) FROM MZ_CFMX WHERE BZ = \\'x, y\\' GROUP "
      "BY YSDM, YPDM',0\n"
      "20261130 09:15:03,his-db01,dba_li,10.20.9.8,12,346,QUERY,his,'SELECT * FROM nosuch',1146\n"
      "garbage\n";
  auto st = read_audit_log(mdb, "server_audit.log", "auto", sink, warn);
  ASSERT_TRUE(st) << st.error();
  EXPECT_EQ(st->statements, 2u);
  EXPECT_EQ(st->skipped, 1u);
  EXPECT_EQ(st->malformed, 1u);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].session->user, "dba_li");
  EXPECT_EQ(got[0].session->client.ip, "10.20.9.8");
  EXPECT_EQ(got[0].session->database, "his");
  EXPECT_EQ(got[0].text, "SELECT YSDM, YPDM, SUM(SL) FROM MZ_CFMX WHERE BZ = 'x, y' GROUP BY YSDM, YPDM");
  EXPECT_EQ(got[0].sql.group_by, (std::vector<std::string>{"ysdm", "ypdm"}));
  EXPECT_EQ(format_rfc3339(got[0].ts), "2026-11-30T01:15:02.000Z");
  EXPECT_EQ(got[1].error_code, "1146");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "server_audit.log:4: not a server_audit record");

  // pgaudit: the same statement logged for two objects is one record.
  got.clear();
  std::string pga =
      "2026-11-30 09:20:00.120 CST [4242] user=dba_li,db=his,client=10.20.9.8 LOG:  AUDIT: "
      "SESSION,7,1,READ,SELECT,TABLE,public.mz_cfmx,\"SELECT a.ysdm, b.ypmc, sum(a.sl) FROM mz_cfmx a JOIN yp_zd b ON a.ypdm = b.ypdm "
      "GROUP BY a.ysdm, b.ypmc\",<not logged>\n"
      "2026-11-30 09:20:00.120 CST [4242] user=dba_li,db=his,client=10.20.9.8 LOG:  AUDIT: "
      "SESSION,7,1,READ,SELECT,TABLE,public.yp_zd,\"SELECT a.ysdm, b.ypmc, sum(a.sl) FROM mz_cfmx a JOIN yp_zd b ON a.ypdm = b.ypdm GROUP "
      "BY a.ysdm, b.ypmc\",<not logged>\n"
      "2026-11-30 09:20:01.000 CST [4242] user=dba_li,db=his,client=10.20.9.8 LOG:  connection authorized\n";
  st = read_audit_log(pga, "postgresql.log", "auto", sink, warn);
  ASSERT_TRUE(st) << st.error();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].session->system, "postgresql");
  EXPECT_EQ(got[0].session->user, "dba_li");
  EXPECT_EQ(got[0].session->database, "his");
  EXPECT_EQ(got[0].session->client.ip, "10.20.9.8");
  EXPECT_EQ(got[0].sql.tables, (std::vector<std::string>{"mz_cfmx", "yp_zd"}));

  // csvlog: a statement (log_statement = all), an error with its query, a connection record.
  got.clear();
  std::string csv =
      "2026-11-30 09:30:00.001 CST,\"report_svc\",\"his\",4300,\"10.20.1.9:50122\",abc.1,1,\"idle\",2026-11-30 09:29:59 "
      "CST,3/7,0,LOG,00000,\"statement: SELECT kdys, SUM(je)\nFROM zy_yz GROUP BY kdys\",,,,,,,,,\"Crystal Reports\"\n"
      "2026-11-30 09:30:02.000 CST,\"report_svc\",\"his\",4300,\"10.20.1.9:50122\",abc.1,2,\"SELECT\",2026-11-30 09:29:59 "
      "CST,3/8,0,ERROR,42P01,\"relation \"\"nosuch\"\" does not exist\",,,,,,\"SELECT * FROM nosuch\",15,,\"Crystal Reports\"\n"
      "2026-11-30 09:30:03.000 CST,\"report_svc\",\"his\",4301,\"10.20.1.9:50123\",abd.1,1,\"authentication\",2026-11-30 09:30:03 "
      "CST,,0,LOG,00000,\"connection authorized: user=report_svc database=his\",,,,,,,,,\"\"\n";
  st = read_audit_log(csv, "postgresql.csv", "auto", sink, warn);
  ASSERT_TRUE(st) << st.error();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, "SELECT kdys, SUM(je)\nFROM zy_yz GROUP BY kdys");
  EXPECT_EQ(got[0].session->program, "Crystal Reports");
  EXPECT_EQ(got[0].session->client.ip, "10.20.1.9");
  EXPECT_EQ(got[1].error_code, "42P01");
  EXPECT_EQ(got[1].text, "SELECT * FROM nosuch");
  EXPECT_EQ(st->skipped, 1u);

  // SQL Server audit export (CSV) and Oracle unified audit (JSON lines).
  got.clear();
  std::string mss =
      "event_time,action_id,succeeded,session_id,server_principal_name,database_name,schema_name,object_name,statement,client_ip,"
      "application_name,host_name,affected_rows,response_rows\n"
      "2026-11-30 01:40:00.1234567,SL  ,True,61,HIS\\wang,HIS,dbo,PAT_MASTER_INDEX,SELECT * FROM dbo.PAT_MASTER_INDEX,10.20.5.77,Microsoft "
      "SQL Server Management Studio - Query,NURSE-PC07,0,52000\n"
      "2026-11-30 01:41:00.0000000,LGIS,True,61,HIS\\wang,HIS,,,,10.20.5.77,SSMS,NURSE-PC07,0,0\n";
  st = read_audit_log(mss, "audit.csv", "auto", sink, warn);
  ASSERT_TRUE(st) << st.error();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].session->system, "mssql");
  EXPECT_EQ(got[0].session->user, "HIS\\wang");
  EXPECT_EQ(got[0].session->client.ip, "10.20.5.77");
  EXPECT_EQ(got[0].session->client_host, "NURSE-PC07");
  EXPECT_EQ(got[0].rows, 52000);
  EXPECT_EQ(st->skipped, 1u);
  got.clear();
  std::string ora =
      "{\"EVENT_TIMESTAMP\":\"30-NOV-26 09.50.00.000000 AM "
      "+08:00\",\"DBUSERNAME\":\"HISDBA\",\"ACTION_NAME\":\"SELECT\",\"OBJECT_SCHEMA\":\"HIS\","
      "\"SQL_TEXT\":\"SELECT PRESCRIBED_BY, DRUG_CODE, SUM(QUANTITY) FROM DRUG_PRESC_DETAIL GROUP BY PRESCRIBED_BY, "
      "DRUG_CODE\",\"USERHOST\":\"WS-023\","
      "\"CLIENT_PROGRAM_NAME\":\"plsqldev.exe\",\"RETURN_CODE\":0,\"AUTHENTICATION_TYPE\":\"(TYPE=(DATABASE));(CLIENT "
      "ADDRESS=((ADDRESS=(PROTOCOL=tcp)(HOST=10.20.6.3)(PORT=51234))));\"}\n"
      "{\"EVENT_TIMESTAMP\":\"yesterday\",\"SQL_TEXT\":\"SELECT 1\"}\n";
  st = read_audit_log(ora, "unified_audit.json", "auto", sink, warn);
  ASSERT_TRUE(st) << st.error();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].session->system, "oracle");
  EXPECT_EQ(got[0].session->user, "HISDBA");
  EXPECT_EQ(got[0].session->client.ip, "10.20.6.3");
  EXPECT_EQ(got[0].session->program, "plsqldev.exe");
  EXPECT_EQ(format_rfc3339(got[0].ts), "2026-11-30T01:50:00.000Z");
  EXPECT_EQ(st->malformed, 1u);
  auto alerts = check_statement(got[0], policy());
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].kind, "tongfang");
  EXPECT_EQ(alerts[1].kind, "tool_access");
}
