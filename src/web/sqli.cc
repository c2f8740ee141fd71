#include "web/sqli.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "core/strutil.h"
#include "web/sqli_rules.h"

namespace wardsec::web {

namespace {

// Character classes by table: the lexer asks for every byte.
struct Classes {
  std::array<bool, 256> start{}, part{};
  Classes() {
    for (int c = 0; c < 256; c++) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      start[c] = alpha || c == '_' || c == '$' || c >= 0x80;
      part[c] = start[c] || (c >= '0' && c <= '9') || c == '#';
    }
  }
};
const Classes kCls;
inline bool ident_start(unsigned char c) { return kCls.start[c]; }
inline bool ident_char(unsigned char c) { return kCls.part[c]; }
bool space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

constexpr std::array<std::string_view, 22> kStatement = {"select",  "insert",  "update",   "delete",   "drop",  "create", "alter",   "exec",
                                                         "execute", "declare", "shutdown", "truncate", "grant", "revoke", "waitfor", "call",
                                                         "merge",   "rename",  "handler",  "load",     "begin", "print"};
constexpr std::array<std::string_view, 4> kSetOp = {"union", "intersect", "except", "minus"};
constexpr std::array<std::string_view, 3> kLogic = {"and", "or", "xor"};
constexpr std::array<std::string_view, 9> kWordOp = {"like", "rlike", "regexp", "between", "is", "in", "div", "mod", "sounds"};
constexpr std::array<std::string_view, 13> kClause = {"from", "where",     "order", "group",     "having", "limit", "offset",
                                                      "into", "procedure", "join",  "returning", "fetch",  "top"};
constexpr std::array<std::string_view, 22> kKeyword = {"all",      "distinct", "as",     "by",      "null",     "true",  "false", "case",
                                                       "when",     "then",     "else",   "end",     "asc",      "desc",  "not",   "table",
                                                       "database", "delay",    "values", "outfile", "dumpfile", "exists"};
// The word classes above in one table: one lookup per identifier.
char keyword_type(std::string_view w) {
  static const auto table = [] {
    std::unordered_map<std::string_view, char> m;
    for (auto x : kKeyword) m[x] = 'k';
    for (auto x : kClause) m[x] = 'K';
    for (auto x : kStatement) m[x] = 'E';
    for (auto x : kWordOp) m[x] = 'o';
    for (auto x : kLogic) m[x] = '&';
    for (auto x : kSetOp) m[x] = 'U';
    return m;
  }();
  if (w.size() > 16) return 0;
  char buf[16];
  for (size_t i = 0; i < w.size(); i++) buf[i] = lower_ascii(w[i]);
  auto it = table.find(std::string_view(buf, w.size()));
  return it == table.end() ? 0 : it->second;
}

}  // namespace

namespace {

char quote_of(SqlContext ctx) { return ctx == SqlContext::kSingleQuote ? '\'' : ctx == SqlContext::kDoubleQuote ? '"' : '`'; }

}  // namespace

std::vector<SqlToken> sql_tokens(std::string_view v, SqlContext ctx, size_t max_tokens) {
  std::vector<SqlToken> t;
  sql_tokens_into(v, ctx, max_tokens, t);
  return t;
}

void sql_tokens_into(std::string_view v, SqlContext ctx, size_t max_tokens, std::vector<SqlToken>& t) {
  t.clear();
  size_t i = 0;
  const size_t n = v.size();
  auto scan_string = [&](size_t from, char q, bool& closed) {
    size_t j = from;
    closed = false;
    while (j < n) {
      if (v[j] == '\\' && q != '`') {
        j += 2;
        continue;
      }
      if (v[j] == q) {
        if (j + 1 < n && v[j + 1] == q) {
          j += 2;
          continue;
        }
        closed = true;
        return j;
      }
      j++;
    }
    return n;
  };
  if (ctx != SqlContext::kBare) {
    char q = quote_of(ctx);
    bool closed;
    size_t e = scan_string(0, q, closed);
    t.push_back({q == '`' ? 'b' : 's', v.substr(0, e)});
    if (!closed) return;
    i = e + 1;
  }
  bool in_exec_comment = false;
  while (i < n && t.size() < max_tokens) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (space(c) || c == 0xA0) {
      i++;
      continue;
    }
    size_t start = i;
    if (c == '/' && i + 1 < n && v[i + 1] == '*') {
      if (i + 2 < n && v[i + 2] == '!') {  // MySQL executable comment: its content is code
        i += 3;
        while (i < n && is_digit(v[i])) i++;
        in_exec_comment = true;
        continue;
      }
      size_t e = v.find("*/", i + 2);
      i = e == std::string_view::npos ? n : e + 2;
      t.push_back({'c', v.substr(start, i - start)});
      continue;
    }
    if (c == '*' && in_exec_comment && i + 1 < n && v[i + 1] == '/') {
      in_exec_comment = false;
      i += 2;
      continue;
    }
    if ((c == '-' && i + 1 < n && v[i + 1] == '-') || c == '#') {
      size_t e = v.find('\n', i);
      i = e == std::string_view::npos ? n : e + 1;
      t.push_back({'c', v.substr(start, i - start)});
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      bool closed;
      size_t e = scan_string(i + 1, static_cast<char>(c), closed);
      i = closed ? e + 1 : n;
      t.push_back({c == '`' ? 'b' : 's', v.substr(start, i - start)});
      continue;
    }
    if (is_digit(static_cast<char>(c)) || (c == '.' && i + 1 < n && is_digit(v[i + 1]))) {
      // A number ends where a database's lexer ends it: 1e0UNION is 1e0 then UNION.
      if (c == '0' && i + 1 < n && (v[i + 1] == 'x' || v[i + 1] == 'X')) {
        i += 2;
        while (i < n && std::isxdigit(static_cast<unsigned char>(v[i]))) i++;
      } else {
        while (i < n && (is_digit(v[i]) || v[i] == '.')) i++;
        if (i + 1 < n && (v[i] == 'e' || v[i] == 'E') &&
            (is_digit(v[i + 1]) || ((v[i + 1] == '+' || v[i + 1] == '-') && i + 2 < n && is_digit(v[i + 2])))) {
          i += 2;
          while (i < n && is_digit(v[i])) i++;
        }
        // 10mg, 3d, 2b: a unit or an id, kept as one token unless SQL follows.
        size_t w = i;
        while (w < n && is_alnum_ascii(v[w])) w++;
        // 1FUNION, 1dUNION: Oracle's float and double suffixes, then SQL.
        if (w > i + 1 && (v[i] == 'f' || v[i] == 'F' || v[i] == 'd' || v[i] == 'D') && keyword_type(v.substr(i + 1, w - i - 1)))
          i++;
        else if (w > i && !keyword_type(v.substr(i, w - i)))
          i = w;
      }
      t.push_back({'n', v.substr(start, i - start)});
      continue;
    }
    if (c == '@') {
      i++;
      if (i < n && v[i] == '@') i++;
      while (i < n && (ident_char(static_cast<unsigned char>(v[i])) || v[i] == '.')) i++;
      t.push_back({'v', v.substr(start, i - start)});
      continue;
    }
    if (c == '[') {  // T-SQL quoted identifier
      size_t e = v.find(']', i);
      if (e != std::string_view::npos && e - i < 128 &&
          std::all_of(v.begin() + static_cast<long>(i) + 1, v.begin() + static_cast<long>(e),
                      [](char ch) { return ident_char(static_cast<unsigned char>(ch)) || ch == ' ' || ch == '.'; })) {
        i = e + 1;
        t.push_back({'b', v.substr(start, i - start)});
        continue;
      }
    }
    if (ident_start(c)) {
      // N'..' X'..' B'..' E'..': prefixed string literals
      if (i + 1 < n && v[i + 1] == '\'' && std::string_view("nNxXbBeE").find(static_cast<char>(c)) != std::string_view::npos) {
        bool closed;
        size_t e = scan_string(i + 2, '\'', closed);
        i = closed ? e + 1 : n;
        t.push_back({'s', v.substr(start, i - start)});
        continue;
      }
      while (i < n && (ident_char(static_cast<unsigned char>(v[i])) ||
                       (v[i] == '.' && i + 1 < n && (ident_char(static_cast<unsigned char>(v[i + 1])) || v[i + 1] == '.')))) {
        i++;
      }
      // union#--: MySQL starts a comment at '#' even inside what T-SQL reads as one name; a
      // keyword before it is a keyword.
      if (size_t h = v.substr(start, i - start).find('#'); h != std::string_view::npos && keyword_type(v.substr(start, h))) i = start + h;
      std::string_view w = v.substr(start, i - start);
      // A word followed by '(' (spaces and comments between allowed) is a function call.
      size_t j = i;
      while (j < n && (space(static_cast<unsigned char>(v[j])) || (v[j] == '/' && j + 1 < n && v[j + 1] == '*'))) {
        if (v[j] == '/') {
          size_t e = v.find("*/", j + 2);
          j = e == std::string_view::npos ? n : e + 2;
        } else {
          j++;
        }
      }
      char type = 'b';
      bool ascii = std::all_of(w.begin(), w.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
      if (!ascii)
        type = 'w';  // prose (CJK...): no injection payload names a table in Chinese
      else if (char k = keyword_type(w))
        type = k;
      else if (j < n && v[j] == '(')
        type = 'f';
      if (type == 'E' && j < n && v[j] == '(' && !iequals(w, "select") && !iequals(w, "exec") && !iequals(w, "execute")) type = 'f';
      t.push_back({type, w});
      continue;
    }
    if ((c == '&' || c == '|') && i + 1 < n && v[i + 1] == static_cast<char>(c)) {
      i += 2;
      t.push_back({'&', v.substr(start, 2)});
      continue;
    }
    if (std::string_view("=<>!:+-*/%^|&~").find(static_cast<char>(c)) != std::string_view::npos) {
      i++;
      while (i < n && i - start < 3 && std::string_view("=<>").find(v[i]) != std::string_view::npos) i++;
      t.push_back({'o', v.substr(start, i - start)});
      continue;
    }
    if (std::string_view("(),;.").find(static_cast<char>(c)) != std::string_view::npos) {
      i++;
      t.push_back({static_cast<char>(c), v.substr(start, 1)});
      continue;
    }
    if (c == '\\' && i + 1 < n && v[i + 1] == 'N' && (i + 2 == n || !ident_char(static_cast<unsigned char>(v[i + 2])))) {
      i += 2;
      t.push_back({'k', v.substr(start, 2)});  // \N: MySQL's NULL
      continue;
    }
    i++;
    t.push_back({'x', v.substr(start, 1)});
  }
}

namespace {

// Without any of these characters an injection can only be words: a number followed by SQL
// ("1 or 1", "1 union select a from b") or UNION SELECT / CASE WHEN anywhere. Prose in any
// language mostly has none of them, so it is not lexed at all.
bool worth_lexing(std::string_view v) {
  static const auto table = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view("'\"`;()#=<>|&@*/\\")) t[c] = true;
    return t;
  }();
  bool space = false;
  for (unsigned char c : v) {
    if (table[c]) return true;
    space |= c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '+';
  }
  if (v.find("--") != std::string_view::npos) return true;  // a comment, even with no space ("--sp_password")
  // "1-false", "2*true": a number field evaluated as a boolean expression.
  if (!space) return !v.empty() && is_digit(v[0]) && (icontains(v, "true") || icontains(v, "false"));
  size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '-' || v[i] == '+')) i++;
  if (i < v.size() && is_digit(v[i])) return true;
  // "or true", "AND 0": a boolean test appended to the application's own condition.
  if (v.size() - i >= 3 && (iequals(v.substr(i, 3), "or ") || (v.size() - i >= 4 && iequals(v.substr(i, 4), "and ")))) return true;
  // A value that starts as a clause or a statement ("ORDER BY 3", "drop table x").
  size_t e = i;
  while (e < v.size() && e - i < 9 && std::isalpha(static_cast<unsigned char>(v[e]))) e++;
  if (e < v.size() && e > i && (v[e] == ' ' || v[e] == '+' || v[e] == '\t')) {
    char k = keyword_type(v.substr(i, e - i));
    if (k == 'K' || k == 'E') return true;
  }
  return icontains(v, "union") || icontains(v, "case") || icontains(v, "waitfor") || icontains(v, "copy");
}

}  // namespace

using sqli_rules::after_break;
using sqli_rules::anywhere;
using sqli_rules::bare_start;
using sqli_rules::Matcher;

namespace {

// Typographic single quotes and dashes (‘ ’ ′ ＇ – —) folded to ASCII: a database or driver that
// converts the text to a legacy code page maps them to ' and - ("best fit"). Double quotes (“ ”)
// are left: Chinese prose quotes with them all the time. Empty when there are none.
std::string ascii_quotes(std::string_view v) {
  if (v.find("\xe2\x80") == std::string_view::npos && v.find("\xef\xbc") == std::string_view::npos) return {};
  std::string o;
  o.reserve(v.size());
  bool any = false;
  for (size_t i = 0; i < v.size(); i++) {
    std::string_view r = v.substr(i, 3);
    char q = r == "\xe2\x80\x98" || r == "\xe2\x80\x99" || r == "\xe2\x80\xb2" || r == "\xef\xbc\x87" ? '\''
             : r == "\xe2\x80\x93" || r == "\xe2\x80\x94"                                             ? '-'
                                                                                                      : 0;
    if (q) {
      o.push_back(q);
      i += 2;
      any = true;
    } else {
      o.push_back(v[i]);
    }
  }
  return any ? o : std::string();
}

// The value with its block comments taken out, nested ones whole (PostgreSQL nests them): what
// a filter that strips comments passes on ("UNI/**/ON SEL/**/ECT"), and what PostgreSQL reads
// in "union/*/**/*/select". Empty when there is no complete comment.
std::string without_comments(std::string_view v) {
  std::string o;
  bool any = false;
  for (size_t i = 0; i < v.size();) {
    if (v.compare(i, 2, "/*") == 0 && v.compare(i, 3, "/*!") != 0) {
      size_t j = i + 2;
      int depth = 1;
      while (j < v.size() && depth > 0) {
        if (v.compare(j, 2, "/*") == 0)
          depth++, j += 2;
        else if (v.compare(j, 2, "*/") == 0)
          depth--, j += 2;
        else
          j++;
      }
      if (depth > 0) {  // never closed: the rest stays as it is (and is not scanned again)
        o.append(v.substr(i));
        break;
      }
      any = true;
      i = j;
      continue;
    }
    o.push_back(v[i++]);
  }
  return any ? o : std::string();
}

SqliFinding detect_plain(std::string_view value);

}  // namespace

SqliFinding detect_sqli(std::string_view value) {
  SqliFinding f = detect_plain(value);
  if (!f.found && value.find("/*") != std::string_view::npos)
    if (std::string c = without_comments(value); !c.empty())
      if (SqliFinding g = detect_plain(c); g.found) {
        g.reason += " (comments removed)";
        return g;
      }
  if (!f.found)
    if (std::string a = ascii_quotes(value); !a.empty())
      if (SqliFinding g = detect_plain(a); g.found) {
        g.reason += " (typographic quotes)";
        return g;
      }
  return f;
}

namespace {

SqliFinding detect_plain(std::string_view value) {
  SqliFinding f;
  if (value.size() < 2 || !worth_lexing(value)) return f;
  // A MySQL executable comment (/*!50000 ... */, /*!union*/) is SQL written to slip past filters.
  if (size_t at = value.find("/*!"); at != std::string_view::npos && at + 3 < value.size() &&
                                     (is_digit(value[at + 3]) || std::isalpha(static_cast<unsigned char>(value[at + 3]))))
    sqli_rules::better(f, 70, "mysql executable comment");
  // Bare: the whole value, and a number followed by SQL.
  {
    thread_local std::vector<SqlToken> t;
    sql_tokens_into(value, SqlContext::kBare, 256, t);
    Matcher m{t};
    anywhere(m, f);
    bare_start(m, f);
    size_t first = m.skip(0);
    // A number or a variable, or literal arithmetic on them ("-1", "1/1", "@a"): the rest is
    // what follows the application's operand.
    size_t operand = m.type(first) == 'o' && t[first].text == "-" ? m.skip(first + 1) : first;
    size_t c = sqli_rules::constant_end(m, first);
    if (c && (m.type(m.skip(c)) == '&' || m.type(m.skip(c)) == 'U')) {
      after_break(m, m.skip(c), false, f);  // (1)or(1)=(1), PI() AND COS(PI())=-1, 1+(pi()) and (3=pi())--
    } else if (size_t e = sqli_rules::after_arithmetic(m, operand); e != operand) {
      after_break(m, e, false, f);
      // "1 --", "@version--": an operand and a comment that cuts the query there.
      if (e == t.size() && t.size() <= 3 && t.back().type == 'c' && starts_with(t.back().text, "--") && t.back().text.size() <= 3)
        sqli_rules::better(f, 60, "comment cuts the query");
    } else if (m.type(first) == ';' && t.size() == first + 2 && t.back().type == 'c') {
      sqli_rules::better(f, 60, "statement terminated");  // "; --": end the statement, cut the rest
    } else if (m.type(first) == '(' || m.type(first) == ')' || m.type(first) == 'U' || m.type(first) == ';' ||
               (m.type(first) == '&' && std::isalpha(static_cast<unsigned char>(t[first].text[0]))))
      after_break(m, first, false, f);
    if (f.confidence) {
      for (const auto& x : t) f.fingerprint.push_back(x.type);
    }
  }
  for (SqlContext ctx : {SqlContext::kSingleQuote, SqlContext::kDoubleQuote, SqlContext::kBacktick}) {
    char q = quote_of(ctx);
    if (value.find(q) == std::string_view::npos) continue;
    thread_local std::vector<SqlToken> t;
    sql_tokens_into(value, ctx, 256, t);
    if (t.size() < 2) continue;
    Matcher m{t};
    SqliFinding g;
    after_break(m, 1, true, g);
    // Single quotes only: JSON and ids put double quotes around words, ids and base64 all day.
    if (ctx == SqlContext::kSingleQuote) sqli_rules::quoted_expression(m, g);
    anywhere(m, g);  // what the bare reading saw as one long string may be SQL here
    if (g.confidence > f.confidence) {
      g.fingerprint.clear();
      for (const auto& x : t) g.fingerprint.push_back(x.type);
      f = std::move(g);
    }
  }
  if (f.fingerprint.size() > 48) f.fingerprint.resize(48);
  f.found = f.confidence >= 50;
  return f;
}

}  // namespace

}  // namespace wardsec::web
