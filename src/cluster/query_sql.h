// The search language (search/query.h) compiled to a ClickHouse WHERE clause over `events`.
//
// The clause selects a superset of what the query matches: every value is a literal written by
// sql_string() or a number, and a term ClickHouse 18.16 cannot say exactly (token matching,
// numeric-or-text comparison, IPv6 ranges, NOT over an inexact term) is widened. The events it
// returns are then matched by Query::matches, so results are the same as the embedded store's;
// `exact` says when no widening happened (counts straight from ClickHouse are then right).
#pragma once
#include <string>
#include <vector>

#include "search/query.h"

namespace wardsec::cluster {

struct SqlWhere {
  std::string sql;
  bool exact = true;
};

SqlWhere compile_query(const search::Query& q);

// The whole WHERE: the query, the sites the account may read (empty: all), and the time range
// (ns, 0: open) with the day partitions it touches.
std::string where_clause(const SqlWhere& w, const std::vector<std::string>& sites, int64_t from, int64_t to);

}  // namespace wardsec::cluster
