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
  // A unary sign: - + ~ !
  bool sign(size_t i) const {
    return i < t.size() && t[i].type == 'o' && t[i].text.size() == 1 &&
           std::string_view("-+~!").find(t[i].text[0]) != std::string_view::npos;
  }
  // An arithmetic or bit operator between operands: + - * / % ^ |, and & when `amp`.
  bool arithmetic(size_t i, bool amp = false) const {
    if (i >= t.size() || t[i].type != 'o' || t[i].text.size() != 1) return false;
    return std::string_view(amp ? "+-*/%^|&" : "+-*/%^|").find(t[i].text[0]) != std::string_view::npos;
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
// The first token after a chain of literal arithmetic that starts at i ("1/1", "-11/1",
// "@a2-@a3^@a3"): the operand an application's query would have ended with. i when token i is
// not a number or a variable.
size_t after_arithmetic(const Matcher& m, size_t i);
// In a quote context: aa'!='1, 1'*column is null - ', ' / 1 / 1 =', aa' like(0) + 1-- -a. After
// the quote, an expression of operators and literals, ended by a string the application's own
// quote closes, or by a comment: MySQL converts each side and the whole is a truth value. Prose
// has no operators between its words.
void quoted_expression(const Matcher& m, SqliFinding& f);
// One past the end of a constant expression at i: literals, signs, parentheses, arithmetic and
// functions of constants ("-8", "(8)", "1+2", "cos(3)", "pi()", "((1))*@a"); 0 when there is none.
size_t constant_end(const Matcher& m, size_t i, int depth = 0);
// Checks that need no context.
void anywhere(const Matcher& m, SqliFinding& f);
// A bare value that starts as a clause or a statement of its own ("ORDER BY 3--", "select @@version").
void bare_start(const Matcher& m, SqliFinding& f);

}  // namespace wardsec::web::sqli_rules
