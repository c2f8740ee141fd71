// The database audit's SQL understanding: fingerprints, operations, tables and columns,
// aggregates and GROUP BY keys, limits, WHERE, exports, several statements.
#include <gtest/gtest.h>

#include "dbaudit/sql.h"

using wardsec::dbaudit::analyze_sql;

TEST(DbauditSql, TongfangQueryIsUnderstood) {
  auto i = analyze_sql(
      "SELECT d.DOCTOR_NAME, p.DRUG_CODE, SUM(p.QUANTITY) AS total FROM DRUG_PRESC_DETAIL p "
      "JOIN STAFF_DICT d ON p.PRESCRIBED_BY = d.ID WHERE p.PRESC_DATE >= '2026-11-01' GROUP BY d.DOCTOR_NAME, p.DRUG_CODE ORDER BY 3 DESC "
      "LIMIT 100");
  EXPECT_EQ(i.operation, "select");
  EXPECT_EQ(i.tables, (std::vector<std::string>{"drug_presc_detail", "staff_dict"}));
  EXPECT_EQ(i.aggregates, (std::vector<std::string>{"sum"}));
  EXPECT_EQ(i.group_by, (std::vector<std::string>{"doctor_name", "drug_code"}));
  EXPECT_TRUE(i.has_where);
  EXPECT_TRUE(i.has_limit);
  EXPECT_EQ(i.limit, 100);
  EXPECT_NE(std::find(i.columns.begin(), i.columns.end(), "quantity"), i.columns.end());
  EXPECT_EQ(i.fingerprint.find("2026"), std::string::npos);
}

TEST(DbauditSql, FingerprintFoldsLiteralsAndLists) {
  auto a = analyze_sql("select * from PAT_MASTER_INDEX where PATIENT_ID in (1, 2, 3) and NAME = '张伟'");
  auto b = analyze_sql("SELECT *   FROM pat_master_index WHERE patient_id IN (7) AND name = 'x' -- note");
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.fingerprint_hash, b.fingerprint_hash);
  auto c = analyze_sql("insert into orders (a, b) values (1, 'x'), (2, 'y')");
  EXPECT_EQ(c.operation, "insert");
  EXPECT_EQ(c.tables, (std::vector<std::string>{"orders"}));
}

TEST(DbauditSql, OperationsAndDangerousShapes) {
  EXPECT_EQ(analyze_sql("UPDATE yp_zd SET price = 0").operation, "update");
  EXPECT_FALSE(analyze_sql("UPDATE yp_zd SET price = 0").has_where);
  EXPECT_EQ(analyze_sql("DELETE FROM zy_yz").tables, (std::vector<std::string>{"zy_yz"}));
  EXPECT_TRUE(analyze_sql("SELECT * FROM mz_cfmx INTO OUTFILE '/tmp/x.csv'").into_outfile);
  EXPECT_TRUE(analyze_sql("COPY drug_presc_detail TO '/tmp/p.csv'").into_outfile);
  EXPECT_EQ(analyze_sql("GRANT SELECT ON his.* TO 'u'@'%'").operation, "grant");
  EXPECT_EQ(analyze_sql("exec sp_who").operation, "exec");
  EXPECT_EQ(analyze_sql("SELECT TOP 50 * FROM [dbo].[MZ_CFMX]").tables, (std::vector<std::string>{"dbo.mz_cfmx"}));
  EXPECT_TRUE(analyze_sql("SELECT TOP 50 * FROM [dbo].[MZ_CFMX]").has_limit);
  auto w = analyze_sql("WITH t AS (SELECT ysdm, ypdm, count(*) c FROM mz_cfmx GROUP BY ysdm, ypdm) SELECT * FROM t");
  EXPECT_EQ(w.operation, "select");
  EXPECT_EQ(w.group_by, (std::vector<std::string>{"ysdm", "ypdm"}));
  EXPECT_TRUE(analyze_sql("select 1; drop table x").multiple);
  EXPECT_EQ(analyze_sql("").operation, "unknown");
  EXPECT_EQ(analyze_sql(")))'''").operation, "unknown");
}

#include "dbaudit/policy.h"
#include "test_util.h"

namespace {
wardsec::dbaudit::Policy shipped_policy() {
  wardsec::dbaudit::Policy p;
  EXPECT_TRUE(wardsec::dbaudit::load_policy(wardsec::test::source_dir() + "/config/dbaudit/policy.yaml", p).ok());
  return p;
}
std::vector<std::string> kinds(const std::string& sql, const std::string& program = "HIS", int64_t rows = -1) {
  wardsec::dbaudit::Statement s;
  auto se = std::make_shared<wardsec::dbaudit::Session>();
  se->program = program;
  s.session = se;
  s.text = sql;
  s.sql = analyze_sql(sql);
  s.rows = rows;
  std::vector<std::string> out;
  for (const auto& a : wardsec::dbaudit::check_statement(s, shipped_policy())) out.push_back(a.kind + ":" + a.level);
  return out;
}
}  // namespace

TEST(DbauditPolicy, TongfangAcrossSchemaFamilies) {
  // JIMS, pinyin and Chinese names; doctor and drug together (as keys, or one as the key and
  // the other as the filter: a ranking) are critical, doctor totals high.
  EXPECT_EQ(kinds("SELECT PRESCRIBED_BY, DRUG_CODE, SUM(QUANTITY) FROM DRUG_PRESC_DETAIL GROUP BY PRESCRIBED_BY, DRUG_CODE"),
            (std::vector<std::string>{"tongfang:critical"}));
  EXPECT_EQ(kinds("select ysdm, count(*) from his.mz_cfmx where ypdm = 'Y01' group by ysdm order by 2 desc"),
            (std::vector<std::string>{"tongfang:critical"}));
  EXPECT_EQ(kinds("SELECT 药品编码, SUM(数量) FROM 处方明细 WHERE 医生编码 = 'D01' GROUP BY 药品编码"),
            (std::vector<std::string>{"tongfang:critical"}));
  EXPECT_EQ(kinds("SELECT KDYS, SUM(JE) FROM ZY_YZ GROUP BY KDYS"), (std::vector<std::string>{"tongfang:high"}));
  EXPECT_EQ(kinds("SELECT SUM(SL) FROM MZ_CFMX WHERE YSDM = 'D01' AND YPDM = 'Y01'"), (std::vector<std::string>{"tongfang:high"}));
  // Quoted identifiers (PostgreSQL, Oracle, ORMs) are names, not strings.
  EXPECT_EQ(kinds("SELECT \"YSDM\", \"YPDM\", SUM(\"SL\") FROM \"HIS\".\"MZ_CFMX\" GROUP BY \"YSDM\", \"YPDM\""),
            (std::vector<std::string>{"tongfang:critical"}));
  EXPECT_EQ(analyze_sql("SELECT * FROM BR_JBXX WHERE XM = \"张三\" AND ID IN (\"a\", \"b\")").fingerprint,
            "select * from br_jbxx where xm = ? and id in ( ? )");
  // The pharmacy's drug totals (no doctor) are stock figures, not 统方.
  EXPECT_TRUE(kinds("SELECT 药品编码, SUM(数量) FROM 处方明细 GROUP BY 药品编码").empty());
  // Not 统方: a patient's own prescriptions, a count without a doctor or drug key.
  EXPECT_TRUE(kinds("SELECT * FROM MZ_CFMX WHERE BRID = 1001").empty());
  EXPECT_TRUE(kinds("SELECT COUNT(*) FROM MZ_CFMX WHERE KFRQ > '2026-11-01'").empty());
}

TEST(DbauditPolicy, OtherDatabaseThreats) {
  EXPECT_EQ(kinds("SELECT * FROM PAT_MASTER_INDEX", "HIS", 50000), (std::vector<std::string>{"bulk_patient_read:high"}));
  EXPECT_TRUE(kinds("SELECT * FROM PAT_MASTER_INDEX WHERE PATIENT_ID = 'P1'", "HIS", 1).empty());
  EXPECT_EQ(kinds("SELECT * FROM MZ_CFMX WHERE BRID = 1", "Navicat Premium"), (std::vector<std::string>{"tool_access:medium"}));
  EXPECT_EQ(kinds("DELETE FROM YP_ZD"), (std::vector<std::string>{"no_where:high"}));
  EXPECT_EQ(kinds("SELECT * FROM ORDERS WHERE 1=1 INTO OUTFILE '/tmp/o.csv'"), (std::vector<std::string>{"export:high"}));
  EXPECT_EQ(kinds("GRANT SELECT ON his.* TO 'x'@'%'"), (std::vector<std::string>{"privilege:high"}));
  EXPECT_EQ(kinds("DROP TABLE audit_log"), (std::vector<std::string>{"ddl:medium"}));
}

TEST(DbauditSql, RepeatedShapesAnalyzeAlike) {
  // Analyses are kept per statement shape (literals aside): a repeat must give what a first
  // analysis gives, and names that differ are different shapes.
  for (int i = 0; i < 2; i++) {
    auto a = analyze_sql("SELECT * FROM \"MZ_CFMX\" WHERE BRID = " + std::to_string(100 + i) + " AND BZ = 'x''" + std::to_string(i) + "'");
    EXPECT_EQ(a.tables, (std::vector<std::string>{"mz_cfmx"}));
    EXPECT_EQ(a.fingerprint, "select * from mz_cfmx where brid = ? and bz = ?");
  }
  EXPECT_EQ(analyze_sql("SELECT * FROM \"ZY_YZ\" WHERE BRID = 7 AND BZ = 'x'").tables, (std::vector<std::string>{"zy_yz"}));
  EXPECT_EQ(analyze_sql("SELECT * FROM t2 WHERE c1 = 5").tables, (std::vector<std::string>{"t2"}));
  EXPECT_EQ(analyze_sql("SELECT * FROM t3 WHERE c1 = 5").tables, (std::vector<std::string>{"t3"}));
  EXPECT_EQ(analyze_sql("SELECT * FROM orders LIMIT 10").limit, 10);
  EXPECT_EQ(analyze_sql("SELECT * FROM orders LIMIT 20").limit, 20);
  EXPECT_EQ(analyze_sql("SELECT 'unterminated").operation, "select");
}
