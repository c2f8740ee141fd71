// The SQL injection rules over a token stream (internal to web/): what may follow a value that
// broke out of its context, and SQL that is an attack wherever it appears.
#pragma once
#include <cctype>
#include <string_view>
#include <vector>

#include "core/strutil.h"
#include "web/sqli.h"

namespace wardsec::web::sqli_rules {

struct Matcher {
  const std::vector<SqlToken>& t;
  // Index of the next token at or after i that is not a comment.
  size_t skip(size_t i) const {
    while (i < t.size() && t[i].type == 'c') i++;
    return i;
  }
  char type(size_t i) const { return i < t.size() ? t[i].type : '\0'; }
  bool word(size_t i, std::string_view w) const { return i < t.size() && iequals(t[i].text, w); }
  bool is_literal(size_t i) const {
    return i < t.size() && (t[i].type == 's' || t[i].type == 'n' || t[i].type == 'b' || t[i].type == 'v' ||
                            (t[i].type == 'k' && (word(i, "true") || word(i, "false") || word(i, "null"))));
  }
  bool danger(size_t i) const;  // a delay, error-based, file or command function
  bool probe(size_t i) const;   // a function blind injection uses
  bool end(size_t i) const { return skip(i) >= t.size(); }
  bool comparison(size_t i) const {
    if (i >= t.size() || t[i].type != 'o') return false;
    std::string_view x = t[i].text;
    return x == "=" || x == "<" || x == ">" || x == "<=" || x == ">=" || x == "<>" || x == "!=" || x == "<=>" || x == "==" ||
           std::isalpha(static_cast<unsigned char>(x[0]));
  }
};

// Raises the finding to `conf` with `reason` when that is more than it has.
void better(SqliFinding& f, int conf, const char* reason);
// After the value broke out of its context (`quoted`), or after a bare number, at token i.
void after_break(const Matcher& m, size_t i, bool quoted, SqliFinding& f);
// Checks that need no context.
void anywhere(const Matcher& m, SqliFinding& f);
// A bare value that starts as a clause or a statement of its own ("ORDER BY 3--", "select @@version").
void bare_start(const Matcher& m, SqliFinding& f);

}  // namespace wardsec::web::sqli_rules
