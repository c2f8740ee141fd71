// SQL injection: a SQL lexer (MySQL, T-SQL, Oracle and PostgreSQL syntax) that reads a value
// the way a database would if the application pasted it into a statement, inside a quoted
// string ('...' or "...") or bare (a number), and looks for the structure of an injection
// after the value breaks out of that context: a tautology or boolean test, UNION SELECT,
// a stacked statement, a comment cutting the rest of the query, time-delay and error-based
// functions, sub-selects, clauses (ORDER BY, HAVING...). Plain text that happens to contain
// SQL words does not have that structure. Never throws; linear in the value's length.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace wardsec::web {

// One lexical token; `type` is a single letter so a statement reads as a short fingerprint:
// s string, n number, b bareword/identifier, k keyword, K clause keyword (FROM WHERE ORDER BY
// GROUP BY HAVING LIMIT INTO...), E statement keyword (SELECT INSERT UPDATE DELETE DROP EXEC
// DECLARE...), U set operator (UNION, INTERSECT, EXCEPT, MINUS), & logic (AND OR XOR NOT && ||),
// o operator, f function name (followed by '('), v variable (@x @@x), c comment, and the
// punctuation itself: ( ) , ; .
struct SqlToken {
  char type;
  std::string_view text;
};

// Where the application put the value: bare (a number), inside '...' or "...", or inside `...`
// (an identifier: a sort column, a table name).
enum class SqlContext { kBare, kSingleQuote, kDoubleQuote, kBacktick };

// Tokenizes `v` as SQL. In a quote context the first token is the rest of the string the
// value started in ('s'); when the value never closes it, the result is that one token.
std::vector<SqlToken> sql_tokens(std::string_view v, SqlContext ctx, size_t max_tokens = 256);
// The same into a vector the caller reuses (no allocation once it has grown).
void sql_tokens_into(std::string_view v, SqlContext ctx, size_t max_tokens, std::vector<SqlToken>& out);

struct SqliFinding {
  bool found = false;
  int confidence = 0;       // 0..100
  std::string reason;       // "union select", "tautology", "stacked statement", ...
  std::string fingerprint;  // token letters after the break, e.g. "s&s o s"
};

SqliFinding detect_sqli(std::string_view value);

}  // namespace wardsec::web
