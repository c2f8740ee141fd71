// The database audit's SQL understanding: fingerprints, operations, tables and columns,
// aggregates and GROUP BY keys, limits, WHERE, exports, several statements.
#include <gtest/gtest.h>

#include "dbaudit/sql.h"

using wardsec::dbaudit::analyze_sql;

TEST(DbauditSql, TongfangQueryIsUnderstood) {
  auto i = analyze_sql(
      "SELECT d.DOCTOR_NAME, p.DRUG_CODE, SUM(p.QUANTITY) AS total FROM DRUG_PRESC_DETAIL p "
      "JOIN STAFF_DICT d ON p.PRESCRIBED_BY = d.ID WHERE p.PRESC_DATE >= '2026-11-01' GROUP BY d.DOCTOR_NAME, p.DRUG_CODE ORDER BY 3 DESC LIMIT 100");
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
