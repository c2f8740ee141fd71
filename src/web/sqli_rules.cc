#include "web/sqli_rules.h"

#include <algorithm>
#include <array>

namespace wardsec::web::sqli_rules {

namespace {

// Case-insensitive membership in a short list of lowercase words.
template <size_t N>
bool in(std::string_view w, const std::array<std::string_view, N>& list) {
  if (w.size() > 32) return false;
  char buf[32];
  for (size_t i = 0; i < w.size(); i++) buf[i] = lower_ascii(w[i]);
  std::string_view l(buf, w.size());
  return std::find(list.begin(), list.end(), l) != list.end();
}

// Functions that only an attacker calls from a request value: delays, error-based
// extraction, file access, OS command execution, out-of-band requests.
constexpr std::array<std::string_view, 30> kDanger = {"sleep",
                                                      "benchmark",
                                                      "pg_sleep",
                                                      "extractvalue",
                                                      "updatexml",
                                                      "load_file",
                                                      "xp_cmdshell",
                                                      "sp_executesql",
                                                      "sys_eval",
                                                      "sys_exec",
                                                      "randomblob",
                                                      "dbms_pipe.receive_message",
                                                      "dbms_lock.sleep",
                                                      "utl_inaddr.get_host_name",
                                                      "utl_inaddr.get_host_address",
                                                      "utl_http.request",
                                                      "ctxsys.drithsx.sn",
                                                      "dbms_xmlgen.getxml",
                                                      "xmltype",
                                                      "gtid_subset",
                                                      "name_const",
                                                      "json_keys",
                                                      "geometrycollection",
                                                      "multipoint",
                                                      "polygon",
                                                      "linestring",
                                                      "pg_read_file",
                                                      "lo_import",
                                                      "dbms_utility.sqlid_to_sqlhash",
                                                      "openrowset"};
// Catalog objects that a legitimate request never names.
constexpr std::array<std::string_view, 18> kCatalog = {"information_schema",
                                                       "information_schema.tables",
                                                       "information_schema.columns",
                                                       "information_schema.schemata",
                                                       "sysobjects",
                                                       "syscolumns",
                                                       "sys.objects",
                                                       "sys.tables",
                                                       "pg_shadow",
                                                       "pg_user",
                                                       "pg_catalog",
                                                       "all_tables",
                                                       "user_tables",
                                                       "dba_users",
                                                       "all_users",
                                                       "mysql.user",
                                                       "sqlite_master",
                                                       "master..sysdatabases"};
constexpr std::array<std::string_view, 12> kServerVars = {
    "version",  "datadir", "hostname",           "basedir",        "servername",       "spid",
    "language", "tmpdir",  "version_compile_os", "global.version", "microsoftversion", "identity"};
// Functions common in blind and error-based injection; weaker evidence on their own.
constexpr std::array<std::string_view, 35> kProbe = {
    "version",   "database",     "user",         "current_user", "system_user",  "schema",    "char",          "chr",         "concat",
    "concat_ws", "group_concat", "substring",    "substr",       "mid",          "ascii",     "ord",           "hex",         "unhex",
    "length",    "if",           "iif",          "ifnull",       "isnull",       "cast",      "convert",       "count",       "exp",
    "floor",     "rand",         "json_extract", "charset",      "coercibility", "collation", "connection_id", "session_user"};

// What follows a logic operator: a comparison, a function call, a sub-select, or a lone
// literal that ends the value (the application's own quote or the comment closes it).
int after_logic(const Matcher& m, size_t i, SqliFinding& f) {
  bool symbolic = i > 0 && (m.t[i - 1].text == "||" || m.t[i - 1].text == "&&");
  i = m.skip(i);
  if (symbolic && !(m.is_literal(i) || m.type(i) == 'f' || m.type(i) == '(')) return 0;
  // "and =IS=..." and "and >I would like": an operator cannot start the operand; a sign can
  // ("or -1", "OR+1=1", "OR!'a").
  if (m.type(i) == 'o' && !m.sign(i)) return 0;
  while (m.sign(i)) i = m.skip(i + 1);
  if (m.type(i) == 'k' && m.word(i, "not")) i = m.skip(i + 1);
  // and (false)--, or (1): a constant in parentheses that ends the value.
  if (m.type(i) == '(')
    if (size_t c = constant_end(m, i); c && (m.end(c) || m.type(c) == 'c')) return better(f, 65, "tautology"), 65;
  size_t e = i;
  int depth = 0;
  bool cmp = false, func = false, sub = false, danger = false, lits = false, probe_f = false;
  while (e < m.t.size() && e < i + 24) {
    char ty = m.t[e].type;
    if (ty == '(') depth++;
    if (ty == ')') {
      if (depth == 0) break;
      depth--;
    }
    if (depth == 0 && (ty == '&' || ty == ';' || ty == 'U' || ty == 'K')) break;
    if (m.comparison(e)) cmp = true;
    if (ty == 'f') func = true;
    if (m.danger(e)) danger = true;
    if (m.probe(e)) probe_f = true;
    if (ty == 'E' || (ty == '(' && m.type(m.skip(e + 1)) == 'E')) sub = true;
    if (m.is_literal(e)) lits = true;
    e++;
  }
  if (danger) return better(f, 95, "time or error based"), 95;
  if (sub) return better(f, 85, "boolean sub-select"), 85;
  if (cmp && lits) return better(f, 80, "tautology"), 80;
  if (func && (m.probe(i) || m.end(e) || probe_f)) return better(f, 75, "boolean function test"), 75;
  if (m.is_literal(i) && (m.end(i + 1) || (m.type(i + 1) == 'c'))) return better(f, 65, "tautology"), 65;
  // " or "" ": a string, then one left open for the application's own closing quote.
  if (m.type(i) == 's' && m.type(i + 1) == 's' && i + 2 == m.t.size() &&
      (m.t[i + 1].text.size() == 1 || m.t[i + 1].text.back() != m.t[i + 1].text.front()))
    return better(f, 60, "tautology"), 60;
  // ' or ''-'   ' or ''*': arithmetic on the empty string, closed by the application's quote.
  if (m.type(i) == 's' && m.type(i + 1) == 'o' && !m.comparison(i + 1) && m.type(i + 2) == 's' && m.end(i + 3))
    return better(f, 65, "tautology"), 65;
  if (m.is_literal(i) && m.type(m.skip(i + 1)) == '&') return better(f, 60, "boolean chain"), 60;
  // ' or 1 limit 1 --   ' or 1 order by 2 #   ' or 1;
  if (m.is_literal(i) && (m.type(m.skip(i + 1)) == 'K' || m.type(m.skip(i + 1)) == ';')) return better(f, 65, "tautology"), 65;
  return 0;
}

// Both sides of a comparison at `a` are constants a value can carry: 1=1, 'a'='a', 3 <> 4,
// -8=-3, (8)=(3), 1+2=3+4, cos(3)=sin(4). Words do not count ("a or b = c" is prose). The
// index of the right side's last token, 0 when there is no such comparison.
size_t literal_comparison(const Matcher& m, size_t a) {
  auto lit = [&](size_t k) { return m.type(k) == 'n' || m.type(k) == 's'; };
  size_t op = m.skip(a + 1), b = m.skip(op + 1);
  if (lit(a) && m.comparison(op) && lit(b) && !(m.type(b + 1) == 'o' && !m.comparison(b + 1))) return b;
  size_t e1 = constant_end(m, a);
  if (!e1) return 0;
  op = m.skip(e1);
  if (!m.comparison(op)) return 0;
  size_t e2 = constant_end(m, op + 1);
  return e2 ? e2 - 1 : 0;
}

// Nothing, a comment, or the end of a boolean term follows token i.
bool term_ends(const Matcher& m, size_t i) {
  size_t j = m.skip(i);
  return j >= m.t.size() || m.type(i) == 'c' || m.type(j) == '&' || m.type(j) == ')' || m.type(j) == ';';
}

// rc-select, multi-select: a name with a hyphen in it, not a subtraction (the tokens touch).
bool hyphenated(const Matcher& m, size_t i) {
  if (i < 2 || m.t[i - 1].text != "-" || m.type(i - 2) != 'b') return false;
  return m.t[i - 2].text.data() + m.t[i - 2].text.size() == m.t[i - 1].text.data() && m.t[i - 1].text.data() + 1 == m.t[i].text.data();
}

// The index of the ')' that closes the '(' at i (the last token when none does).
size_t close_of(const Matcher& m, size_t i) {
  int depth = 0;
  for (size_t k = i; k < m.t.size(); k++) {
    depth += m.type(k) == '(';
    if (m.type(k) == ')' && --depth == 0) return k;
  }
  return m.t.size() ? m.t.size() - 1 : 0;
}

// 0x77616974666F722064656C6179...: a statement spelled in hex, for EXEC(@s) or CAST(... AS VARCHAR).
bool hex_statement(std::string_view hex) {
  std::string bytes, text;
  if (!unhex(hex.substr(0, std::min<size_t>(hex.size(), 256) & ~size_t{1}), bytes)) return false;
  for (size_t i = 0; i < bytes.size() && text.size() < 64; i++)
    if (bytes[i] != 0) text.push_back(lower_ascii(bytes[i]));  // UTF-16LE (NVARCHAR) has a NUL after each letter
  for (std::string_view k : {"waitfor", "select", "exec", "union", "insert", "drop", "delay", "xp_", "declare", "shutdown"})
    if (text.find(k) != std::string::npos) return true;
  return false;
}

// T-SQL extended and system procedures an application never names: command execution, file
// and registry access, OLE automation, log hiding (--sp_password).
bool system_procedure(std::string_view w) {
  size_t dot = w.rfind('.');
  std::string_view p = dot == std::string_view::npos ? w : w.substr(dot + 1);
  if (p.size() < 5 || p.size() > 32) return false;
  char buf[32];
  for (size_t i = 0; i < p.size(); i++) buf[i] = lower_ascii(p[i]);
  std::string_view l(buf, p.size());
  static constexpr std::array<std::string_view, 12> kProcs = {"xp_cmdshell",  "xp_regread",        "xp_regwrite", "xp_dirtree",
                                                              "xp_fileexist", "xp_servicecontrol", "sp_oacreate", "sp_oamethod",
                                                              "sp_configure", "sp_makewebtask",    "sp_addlogin", "sp_addsrvrolemember"};
  return std::find(kProcs.begin(), kProcs.end(), l) != kProcs.end();
}

}  // namespace

void better(SqliFinding& f, int conf, const char* reason) {
  if (conf > f.confidence) {
    f.confidence = conf;
    f.reason = reason;
  }
}

bool Matcher::danger(size_t i) const { return i < t.size() && t[i].type == 'f' && in(t[i].text, kDanger); }
bool Matcher::probe(size_t i) const { return i < t.size() && t[i].type == 'f' && (in(t[i].text, kProbe) || in(t[i].text, kDanger)); }

size_t constant_end(const Matcher& m, size_t i, int depth) {
  if (depth > 8) return 0;
  i = m.skip(i);
  while (m.sign(i)) i = m.skip(i + 1);
  size_t e = 0;
  char ty = m.type(i);
  if (ty == 'n' || ty == 's' || ty == 'v' || (ty == 'k' && (m.word(i, "true") || m.word(i, "false") || m.word(i, "null")))) {
    e = i + 1;
  } else if (ty == '(') {
    size_t in = constant_end(m, i + 1, depth + 1);
    if (!in || m.type(m.skip(in)) != ')') return 0;
    e = m.skip(in) + 1;
  } else if (ty == 'f' && m.type(m.skip(i + 1)) == '(') {
    // cos(3), pi(), round(1.5, 0): a function of constants is a constant.
    size_t k = m.skip(m.skip(i + 1) + 1);
    while (m.type(k) != ')') {
      size_t a = constant_end(m, k, depth + 1);
      if (!a) return 0;
      k = m.skip(a);
      if (m.type(k) == ',')
        k = m.skip(k + 1);
      else if (m.type(k) != ')')
        return 0;
    }
    e = k + 1;
  } else {
    return 0;
  }
  if (size_t o = m.skip(e); m.arithmetic(o))
    if (size_t r = constant_end(m, o + 1, depth + 1)) return r;
  return e;
}

size_t after_arithmetic(const Matcher& m, size_t i) {
  if (m.type(i) != 'n' && m.type(i) != 'v') return i;
  size_t k = i;
  for (;;) {
    size_t o = m.skip(k + 1);
    size_t next = m.skip(o + 1);
    if (!m.arithmetic(o, true) || (m.type(next) != 'n' && m.type(next) != 'v')) return m.skip(k + 1);
    k = next;
  }
}

// After the value broke out of its context (or right after a bare number).
void after_break(const Matcher& m, size_t i, bool quoted, SqliFinding& f) {
  // `')` and `'))` close the application's own parentheses.
  size_t raw = i;
  int parens = 0;
  while (m.type(m.skip(i)) == ')' && parens < 3) {
    i = m.skip(i) + 1;
    parens++;
  }
  if (quoted && m.type(raw) == 'c' && parens == 0) better(f, 60, "comment cuts the query");
  if (quoted && parens > 0 && m.type(i) == 'c') better(f, 60, "comment cuts the query");
  i = m.skip(i);
  char ty = m.type(i);
  if (ty == '&') {
    after_logic(m, i + 1, f);
  } else if (ty == 'U') {
    size_t j = m.skip(i + 1);
    if (m.word(j, "all") || m.word(j, "distinct")) j = m.skip(j + 1);
    if (m.type(j) == 'E' || m.type(j) == '(') better(f, 95, "union select");
    if (!quoted && j >= m.t.size() && i > 0) better(f, 60, "union probe");  // "-1 union": the rest is the application's
  } else if (ty == ';') {
    size_t j = m.skip(i + 1);
    // ';if 1=1 drop database x--: a T-SQL IF without parentheses, then a statement.
    if (m.word(j, "if") || m.word(j, "while"))
      if (size_t b = literal_comparison(m, m.skip(j + 1)); b && m.type(m.skip(b + 1)) == 'E') better(f, 90, "conditional statement");
    if (m.type(j) == 'E' || ((m.word(j, "desc") || m.word(j, "describe") || m.word(j, "show")) && m.type(m.skip(j + 1)) == 'b' &&
                             term_ends(m, m.skip(j + 1) + 1)))
      better(f, 90, "stacked statement");
    else if (quoted && (m.type(i + 1) == 'c' || j >= m.t.size()))
      // "'); --" closes the quote and the application's parenthesis: a probe no text makes.
      better(f, parens > 0 && m.type(i + 1) == 'c' ? 65 : m.type(i + 1) == 'c' ? 60 : 55, "statement terminated");
  } else if (ty == 'o') {
    size_t j = m.skip(i + 1);
    // test' - 1/1 union select, ' + 0 or 1=1: literal arithmetic ends the application's
    // expression, and what follows it is read as what follows the break.
    if (size_t e = after_arithmetic(m, j); e != j) {
      char et = m.type(e);
      if (et == 'U' || et == '&' || et == ';' || et == 'K') after_break(m, e, quoted, f);
    }
    // 1-true, 1*false: a number field evaluated as a boolean expression.
    if (!quoted && (m.word(j, "true") || m.word(j, "false")) && m.end(j + 1)) better(f, 60, "boolean arithmetic");
    if (m.type(j) == 'f' || m.type(j) == 'v' || (m.type(j) == '(' && m.type(m.skip(j + 1)) == 'E') || m.type(j) == 'E')
      better(f, m.danger(j) ? 95 : 80, "expression injection");
    else if (quoted && m.type(j) == 's' && (m.t[i].text == "=" || m.word(i, "like")) &&
             (m.end(j + 1) || m.comparison(m.skip(j + 1)) || m.type(m.skip(j + 1)) == '&'))
      better(f, 60, "tautology");
    // X' != 'Y' = 0 = '1, X' - 'Y' - 0 = '1: MySQL's implicit conversions chained into a truth
    // value; the last string is closed by the application's own quote.
    else if (quoted && m.type(j) == 's' && m.t.back().type == 's' && m.t.back().text.size() <= 2 && m.t.size() >= 6) {
      size_t ops = 0, cmps = 0;
      for (size_t k = i; k < m.t.size(); k++) {
        ops += m.type(k) == 'o';
        cmps += m.comparison(k);
      }
      if (ops >= 2 && cmps >= 1) better(f, 65, "implicit conversion");
    }
  } else if (ty == 'K') {
    size_t j = m.skip(i + 1);
    if ((m.word(i, "order") || m.word(i, "group")) && m.word(j, "by")) {
      size_t k = m.skip(j + 1);
      if (m.type(k) == 'n' || m.type(k) == 'f' ||
          (m.type(k) == 'b' &&
           (m.end(k + 1) || m.type(m.skip(k + 1)) == 'c' || m.type(m.skip(k + 1)) == ',' || m.word(m.skip(k + 1), "having"))))
        better(f, 75, "clause injection");
    } else if (m.word(i, "having") || m.word(i, "procedure") || m.word(i, "where")) {
      if (m.is_literal(j) || m.type(j) == 'f') better(f, 70, "clause injection");
    } else if (m.word(i, "limit") && m.type(j) == 'n') {
      better(f, 60, "clause injection");
    } else if (m.word(i, "from") && m.type(j) == 'b' && m.word(m.skip(j + 1), "where")) {
      // 1) from users where username='admin'): the rest of a sub-select, after the application's
      // own parenthesis is closed, or with a test of its own.
      size_t w = m.skip(m.skip(j + 1) + 1);
      if (parens > 0 || literal_comparison(m, w) ||
          (m.type(w) == 'b' && m.comparison(m.skip(w + 1)) && m.is_literal(m.skip(m.skip(w + 1) + 1)) &&
           m.type(m.skip(m.skip(w + 1) + 1)) != 'b'))
        better(f, 70, "clause injection");
    } else if (m.word(i, "into") && (m.word(j, "outfile") || m.word(j, "dumpfile"))) {
      better(f, 95, "file write");
    }
  } else if (ty == 'E' && m.word(i, "waitfor")) {
    better(f, 95, "time based");
  } else if (ty == 'E' && quoted && parens == 0) {
    // "' grant connect to x; --", "'create user x identified by 'p' --": a statement right after
    // the quote, ended by a terminator or a comment.
    for (size_t k = i + 1; k < m.t.size(); k++)
      if (m.type(k) == ';' || m.type(k) == 'c') {
        better(f, 70, "statement after quote");
        break;
      }
  }
  // A dangerous function anywhere after the break.
  for (size_t j = i; j < m.t.size(); j++)
    if (m.danger(j)) {
      better(f, 90, "time or error based");
      break;
    }
}

// The operator at k touches a word or number on both sides (no space between).
bool glued(const Matcher& m, size_t k) {
  auto alnum = [&](size_t i) { return m.type(i) == 'b' || m.type(i) == 'n'; };
  return k > 0 && alnum(k - 1) && alnum(k + 1) && m.t[k - 1].text.data() + m.t[k - 1].text.size() == m.t[k].text.data() &&
         m.t[k].text.data() + m.t[k].text.size() == m.t[k + 1].text.data();
}

void quoted_expression(const Matcher& m, SqliFinding& f) {
  const auto& t = m.t;
  if (t.size() < 3 || t.size() > 26) return;
  const SqlToken& last = t.back();
  bool open = last.type == 's' && last.text.size() <= 5 && (last.text.size() == 1 || last.text.back() != last.text.front());
  if (!open && last.type != 'c') return;
  size_t ops = 0, words = 0;
  for (size_t k = 1; k + 1 < t.size(); k++) {
    const SqlToken& x = t[k];
    switch (x.type) {
      case 'o':
        if (x.text == ":") break;  // product:pricing
        // A hyphen between two words is a name or prose ("O'Brien - O'Neil"), and one glued
        // between words or numbers an id or a date (761f3df5-8de3, 2024-01-05).
        if ((x.text == "-" || x.text == "+") && ((m.type(k - 1) == 'b' && m.type(k + 1) == 'b') || glued(m, k))) break;
        ops++;
        break;
      case 'b': words++; break;
      case 'k':
        if (!m.word(k, "null") && !m.word(k, "\\N") && !m.word(k, "true") && !m.word(k, "false") && !m.word(k, "not")) return;
        break;
      case 's':
        if (x.text.size() < 2 || x.text.back() != x.text.front()) return;
        break;
      case 'n':
      case 'v':
      case 'f':
      case '&':
      case '(':
      case ')':
      case ',':
      case 'c': break;
      default: return;  // statements, clauses, prose (CJK), stray characters: for the other rules
    }
  }
  if (ops && words <= 2) better(f, open ? 60 : 65, "quoted expression");
}

// Checks that need no context: SQL that could only be an attack wherever it appears.
void anywhere(const Matcher& m, SqliFinding& f) {
  const auto& t = m.t;
  for (size_t i = 0; i < t.size(); i++) {
    char ty = t[i].type;
    if ((ty == 'b' || ty == 'f') && system_procedure(t[i].text)) better(f, 90, "system procedure");
    // INTO OUTFILE / DUMPFILE anywhere: MySQL writing a file (a web shell) for the attacker.
    if (ty == 'K' && m.word(i, "into") && (m.word(m.skip(i + 1), "outfile") || m.word(m.skip(i + 1), "dumpfile")))
      better(f, 90, "file write");
    if (ty == 'n' && t[i].text.size() >= 18 && (t[i].text[1] == 'x' || t[i].text[1] == 'X') && hex_statement(t[i].text.substr(2)))
      better(f, 80, "hex-encoded statement");
    // --sp_password: SQL Server leaves a statement naming it out of its trace (hides the injection).
    if (ty == 'c' && icontains(t[i].text, "sp_password")) better(f, 80, "log evasion");
    if (ty == '&') {
      // "hi or 1=1 --", "‘ or 3=3 --", "x' or true--": a boolean test of literals after any
      // text, ended by a comment, another test or the value's end.
      size_t j = m.skip(i + 1);
      if (size_t b = literal_comparison(m, j); b && term_ends(m, b + 1)) better(f, 75, "tautology");
      if ((m.type(j) == 'n' || m.word(j, "true") || m.word(j, "false")) && m.type(j + 1) == 'c') better(f, 70, "tautology");
    }
    if (ty == 'E' && (m.word(i, "exec") || m.word(i, "execute"))) {
      // exec(@s): a statement built in a variable (often from 0x... hex).
      size_t j = m.skip(i + 1);
      if (m.type(j) == '(' && m.type(m.skip(j + 1)) == 'v') better(f, 85, "dynamic statement");
    }
    if (ty == 'E' && m.word(i, "declare") && m.type(m.skip(i + 1)) == 'v') better(f, 85, "variable declaration");
    if (ty == 'b' && m.word(i, "backup") && m.word(m.skip(i + 1), "database")) {
      for (size_t k = i + 2; k < t.size() && k < i + 8; k++)
        if (m.word(k, "disk") || m.word(k, "disks")) better(f, 85, "backup to a share");
    }
    if (ty == 'U') {
      size_t j = m.skip(i + 1);
      if (m.word(j, "all") || m.word(j, "distinct")) j = m.skip(j + 1);
      if (m.type(j) == '(' && m.word(m.skip(j + 1), "select")) better(f, 90, "union select");
      if (m.type(j) == 'E' && m.word(j, "select")) {
        size_t k = m.skip(j + 1);
        if (m.word(k, "all") || m.word(k, "distinct")) k = m.skip(k + 1);
        char kt = m.type(k);
        if (kt == 'n' || kt == 's' || kt == 'f' || kt == 'v' || kt == '(' || kt == 'k' || (kt == 'o' && m.t[k].text == "*") ||
            (kt == 'b' && (m.end(k + 1) || m.type(m.skip(k + 1)) == ',' || m.type(m.skip(k + 1)) == 'K' || m.type(m.skip(k + 1)) == 'c')))
          better(f, 90, "union select");
      }
    } else if (ty == 'f' && (m.word(i, "if") || m.word(i, "iif"))) {
      // IF(7423=7424) SELECT 7423 ELSE DROP FUNCTION x--: a T-SQL conditional statement.
      size_t a = m.skip(m.skip(i + 1) + 1);
      if (size_t b = literal_comparison(m, a); b && m.type(m.skip(b + 1)) == ')' && m.type(m.skip(m.skip(b + 1) + 1)) == 'E')
        better(f, 80, "conditional statement");
      // IIF(5=7,1,1/0), IF(1=2,1,(select...)): a boolean test of literals choosing a value.
      else if (size_t c = literal_comparison(m, m.type(a) == '(' ? m.skip(a + 1) : a);
               c && (m.type(m.skip(c + 1)) == ',' || (m.type(m.skip(c + 1)) == ')' && m.type(m.skip(m.skip(c + 1) + 1)) == ',')))
        better(f, 75, "conditional probe");  // also IF((5=7),SELECT 5,DROP FUNCTION x)
    } else if (ty == 'f' && (m.word(i, "elt") || m.word(i, "make_set") || m.word(i, "field") || m.word(i, "choose"))) {
      // ELT(5=7,1), MAKE_SET(5=5,1): MySQL's choosers driven by a boolean test (ORDER BY probes).
      if (size_t c = literal_comparison(m, m.skip(m.skip(i + 1) + 1)); c && m.type(m.skip(c + 1)) == ',')
        better(f, 75, "conditional probe");
    } else if (ty == '(' && (i == 0 || m.type(i - 1) != 'f')) {
      // (5=7)*3: a literal comparison used as a number (column-position probes).
      if (size_t c = literal_comparison(m, m.skip(i + 1)); c && m.type(m.skip(c + 1)) == ')') {
        size_t op = m.skip(m.skip(c + 1) + 1);
        if (m.type(op) == 'o' && (m.t[op].text == "*" || m.t[op].text == "+" || m.t[op].text == "-" || m.t[op].text == "/"))
          better(f, 65, "boolean arithmetic");
      }
    } else if (m.probe(i) && m.type(m.skip(i + 1)) == '(' && m.probe(m.skip(m.skip(i + 1) + 1))) {
      // ascii(substring(version() from 1 for 1)): blind extraction, one function inside another.
      better(f, 70, "blind function probe");
    } else if (m.probe(i) && m.type(m.skip(i + 1)) == '(' && m.type(m.skip(m.skip(i + 1) + 1)) == ')' &&
               m.comparison(m.skip(m.skip(m.skip(i + 1) + 1) + 1)) && m.probe(m.skip(m.skip(m.skip(m.skip(i + 1) + 1) + 1) + 1))) {
      // DATABASE() LIKE SCHEMA(), CONNECTION_ID()=CONNECTION_ID(): the server's state compared.
      better(f, 70, "blind function probe");
    } else if (m.danger(i)) {
      size_t j = m.skip(i + 1);  // '('
      size_t a = m.skip(j + 1);
      // sleep(__TIME__)#, or sleep(x)=': a delay whatever its argument, when a comment, a
      // comparison or a logic operator frames the call.
      size_t close = m.skip(a + 1);
      if (m.type(a) == 'b' && m.type(close) == ')' &&
          ((i > 0 && m.type(i - 1) == '&') || m.type(close + 1) == 'c' || m.comparison(m.skip(close + 1))))
        better(f, 80, "time or error based");
      if (m.type(a) == 'n' || m.type(a) == '(' || m.type(a) == 'E' || m.type(a) == 'v' || m.type(a) == 'f' || m.type(a) == 's' ||
          m.type(a) == 'o')
        better(f, 85, "time or error based");
    } else if (ty == 'E' && m.word(i, "waitfor")) {
      size_t j = m.skip(i + 1);
      if ((m.word(j, "delay") || m.word(j, "time")) && m.type(m.skip(j + 1)) == 's') better(f, 95, "time based");
    } else if (ty == ';') {
      size_t j = m.skip(i + 1);
      size_t k = m.skip(j + 1);
      if (m.type(j) != 'E') continue;
      if ((m.word(j, "drop") || m.word(j, "truncate") || m.word(j, "create") || m.word(j, "alter")) &&
          (m.word(k, "table") || m.word(k, "database") || m.word(k, "user") || m.word(k, "procedure") || m.word(k, "login")))
        better(f, 90, "stacked statement");
      else if ((m.word(j, "delete") && m.word(k, "from")) || (m.word(j, "insert") && m.word(k, "into")) ||
               (m.word(j, "update") && m.type(k) == 'b' && m.word(m.skip(k + 1), "set")) ||
               ((m.word(j, "exec") || m.word(j, "execute")) &&
                (m.type(k) == 'b' || m.type(k) == 'f' || m.type(k) == 'v' || m.type(k) == '(')) ||
               (m.word(j, "declare") && m.type(k) == 'v') || m.word(j, "shutdown") || m.word(j, "waitfor") ||
               (m.word(j, "select") && (m.type(k) == 'f' || m.type(k) == 'n' || m.type(k) == 'v' || m.type(k) == 'o')))
        better(f, 90, "stacked statement");
    } else if (ty == 'E' && m.word(i, "select")) {
      // SELECT <list> FROM <table>: a statement, not prose, when the list or what follows is SQL.
      size_t j = m.skip(i + 1);
      bool sqlish = false;
      size_t k = j;
      for (; k < t.size() && k < j + 32; k++) {
        char kt = t[k].type;
        if (kt == 'K') break;
        if (kt == 'o' || kt == ',' || kt == 'f' || kt == 'v' || kt == 'n' || kt == 's' || kt == '(') sqlish = true;
        if (kt == 'k' && (m.word(k, "case") || m.word(k, "distinct"))) sqlish = true;
      }
      if (m.type(j) == '(' || m.type(j) == 'f' || m.danger(j)) sqlish = true;
      if (k < t.size() && m.word(k, "from")) {
        size_t tb = m.skip(k + 1);
        size_t after = m.skip(tb + 1);
        if (m.type(tb) == 'b' && in(t[tb].text, kCatalog)) sqlish = true;
        if (m.type(after) == 'K' || m.type(after) == ';' || m.type(after) == ')') sqlish = sqlish || m.word(after, "where");
        // (select id from users limit 1,1): a sub-select whose table is followed by a clause.
        if (i > 0 && t[i - 1].type == '(' && m.type(tb) == 'b' && m.type(after) == 'K' && !m.word(after, "from")) sqlish = true;
        if (sqlish && (m.type(tb) == 'b' || m.type(tb) == '(' || m.type(tb) == 'f'))
          // A whole statement typed into a search box is weak evidence; one opened by a break is not.
          better(f, i > 0 && (t[i - 1].type == '(' || t[i - 1].type == ';' || t[i - 1].type == 'U') ? 75 : 55, "select statement");
      } else if ((sqlish || m.word(j, "top")) &&
                 (m.type(j) == 'n' || m.type(j) == 'f' || m.type(j) == 'v' || m.type(j) == '(' || m.word(j, "top")) && i > 0 &&
                 (t[i - 1].type == '(' || t[i - 1].type == ';' || (t[i - 1].type == 'o' && !hyphenated(m, i)))) {
        better(f, 75, "sub-select");
      }
    } else if ((ty == 'b' || ty == 'f') && iequals(t[i].text, "copy")) {
      // PostgreSQL: COPY (...) TO PROGRAM 'cmd' / COPY t FROM PROGRAM
      for (size_t k = i + 1; k < t.size() && k < i + 40; k++)
        if (m.word(k, "program") && k > 0 && (m.word(k - 1, "to") || m.word(k - 1, "from"))) {
          better(f, 95, "copy to program");
          break;
        }
    } else if (ty == 'b' && in(t[i].text, kCatalog)) {
      better(f, 80, "catalog access");
    } else if (ty == 'v' && starts_with(t[i].text, "@@") && in(t[i].text.substr(2), kServerVars)) {
      better(f, 70, "server variable");
    } else if (ty == 'k' && m.word(i, "case")) {
      size_t j = m.skip(i + 1);
      // CASE WHEN ... THEN, or the simple CASE x WHEN ... THEN
      if (!m.word(j, "when") && (m.is_literal(j) || m.type(j) == 'b')) j = m.skip(j + 1);
      // CASE sin(1) WHEN ...: the operand is a function call.
      if (m.type(j) == 'f' && m.type(m.skip(j + 1)) == '(') j = m.skip(close_of(m, m.skip(j + 1)) + 1);
      if (m.word(j, "when")) {
        for (size_t k = j; k < t.size() && k < j + 40; k++)
          if (m.word(k, "then")) {
            better(f, 70, "conditional (blind)");
            break;
          }
      }
    }
  }
}

void bare_start(const Matcher& m, SqliFinding& f) {
  const auto& t = m.t;
  size_t i = m.skip(0);
  // "AS x WHERE 1=1": the value continues a SELECT list.
  if (m.word(i, "as") && m.type(m.skip(i + 1)) == 'b') i = m.skip(m.skip(i + 1) + 1);
  size_t j = m.skip(i + 1);
  if (m.type(i) == 'K') {
    if ((m.word(i, "order") || m.word(i, "group")) && m.word(j, "by")) {
      size_t k = m.skip(j + 1);
      if (m.type(k) == 'n' || (m.type(k) == 'b' && (m.type(k + 1) == 'c' || m.word(m.skip(k + 1), "having"))))
        better(f, 70, "clause injection");
    } else if (m.word(i, "where") || m.word(i, "having")) {
      if (size_t b = literal_comparison(m, j); b && term_ends(m, b + 1)) better(f, 75, "clause injection");
    } else if (m.word(i, "limit") && m.type(j) == 'n' && m.type(m.skip(j + 1)) == 'c') {
      better(f, 60, "clause injection");
    }
    return;
  }
  if (m.type(i) != 'E') return;
  if (m.word(i, "select")) {
    // A whole statement: "select current_user;", "select * from pg_group", "select @@version".
    char first = m.type(j);
    bool star = first == 'o' && t[j].text == "*";
    bool var = first == 'v' && starts_with(t[j].text, "@@");
    size_t last = t.size();
    while (last > 0 && t[last - 1].type == 'c') last--;
    bool terminated = last < t.size() || (last > 0 && t[last - 1].type == ';');
    bool sql = true;
    for (size_t k = j; k < last && sql; k++) sql = t[k].type != 'w' && t[k].type != 'x';
    if (sql && (star || var || first == 'f' || (terminated && (first == 'b' || first == 'n' || first == 's'))))
      better(f, 70, "select statement");
    // select 1,1,1,1 from / select null,null,null: a column-count probe, literals only.
    size_t cols = 0, k = j;
    while ((m.type(k) == 'n' || m.word(k, "null")) && (++cols, m.type(m.skip(k + 1)) == ',')) k = m.skip(m.skip(k + 1) + 1);
    size_t from = m.skip(k + 1), table = m.skip(from + 1);
    bool from_end = m.word(from, "from") &&
                    (m.end(table) ||
                     (m.type(table) == 'b' && (m.end(table + 1) || m.type(m.skip(table + 1)) == 'K' || m.type(m.skip(table + 1)) == ';')));
    if (cols >= 3 && (m.end(k + 1) || from_end || m.type(from) == ';')) better(f, 65, "select statement");
  } else if ((m.word(i, "drop") || m.word(i, "truncate") || m.word(i, "create")) &&
             (m.word(j, "table") || m.word(j, "database") || (m.word(i, "create") && m.word(j, "user") && m.type(m.skip(j + 1)) == 'b'))) {
    better(f, 75, "statement");
  } else if ((m.word(i, "delete") && m.word(j, "from")) || (m.word(i, "insert") && m.word(j, "into"))) {
    if (m.type(m.skip(j + 1)) == 'b') better(f, 65, "statement");
  } else if ((m.word(i, "exec") || m.word(i, "execute")) && m.type(j) == 'b' && t[j].text.find("..") != std::string_view::npos) {
    better(f, 80, "statement");
  }
}

}  // namespace wardsec::web::sqli_rules
