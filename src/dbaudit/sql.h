// SQL understanding for the database audit (issue #6): what one statement does, from the
// same multi-dialect lexer the web inspector uses (MySQL, PostgreSQL, T-SQL, Oracle):
// a normalized fingerprint (literals as ?, IN lists and VALUES rows collapsed, whitespace and
// case folded), the operation, the tables and columns it names, aggregates and GROUP BY keys,
// LIMIT/TOP, whether it has a WHERE clause, and more than one statement. Never throws; a
// statement it cannot make sense of still gets a fingerprint and operation "unknown".
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wardsec::dbaudit {

struct SqlInfo {
  std::string fingerprint;              // e.g. "select d.name , sum ( p.qty ) from presc p where p.dt > ? group by d.name"
  uint64_t fingerprint_hash = 0;        // of the fingerprint (stable across runs)
  std::string operation;                // select, insert, update, delete, create, drop, alter, grant, revoke, truncate,
                                        // call, exec, set, show, use, begin, commit, rollback, copy, load, other, unknown
  std::vector<std::string> tables;      // lower-case, schema-qualified as written (his.mz_cfmx), in order, distinct
  std::vector<std::string> columns;     // referenced columns (qualifier stripped), distinct
  std::vector<std::string> aggregates;  // count, sum, avg, min, max, ... as called
  std::vector<std::string> group_by;    // GROUP BY keys (qualifier stripped)
  bool has_where = false;
  bool star = false;          // SELECT * (or t.*): every column of the table
  bool has_limit = false;     // LIMIT, TOP, FETCH FIRST, ROWNUM
  int64_t limit = -1;         // the number when it is one
  bool multiple = false;      // more than one statement
  bool into_outfile = false;  // SELECT ... INTO OUTFILE/DUMPFILE, COPY ... TO, bcp-style exports
};

SqlInfo analyze_sql(std::string_view sql);

}  // namespace wardsec::dbaudit
