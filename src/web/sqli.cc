#include "web/sqli.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "core/strutil.h"

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

// Case-insensitive membership in a short list of lowercase words.
template <size_t N>
bool in(std::string_view w, const std::array<std::string_view, N>& list) {
  if (w.size() > 32) return false;
  char buf[32];
  for (size_t i = 0; i < w.size(); i++) buf[i] = lower_ascii(w[i]);
  std::string_view l(buf, w.size());
  return std::find(list.begin(), list.end(), l) != list.end();
}

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
constexpr std::array<std::string_view, 30> kProbe = {
    "version",      "database",  "user",   "current_user", "system_user", "schema", "char", "chr",   "concat", "concat_ws",
    "group_concat", "substring", "substr", "mid",          "ascii",       "ord",    "hex",  "unhex", "length", "if",
    "iif",          "ifnull",    "isnull", "cast",         "convert",     "count",  "exp",  "floor", "rand",   "json_extract"};

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
    char q = ctx == SqlContext::kSingleQuote ? '\'' : '"';
    bool closed;
    size_t e = scan_string(0, q, closed);
    t.push_back({'s', v.substr(0, e)});
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
      if (c == '0' && i + 1 < n && (v[i + 1] == 'x' || v[i + 1] == 'X' || v[i + 1] == 'b')) i += 2;
      while (i < n && (std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '.')) i++;
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
    i++;
    t.push_back({'x', v.substr(start, 1)});
  }
}

namespace {

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
  bool danger(size_t i) const { return i < t.size() && t[i].type == 'f' && in(t[i].text, kDanger); }
  bool probe(size_t i) const { return i < t.size() && t[i].type == 'f' && (in(t[i].text, kProbe) || in(t[i].text, kDanger)); }
  bool end(size_t i) const { return skip(i) >= t.size(); }
  bool comparison(size_t i) const {
    if (i >= t.size() || t[i].type != 'o') return false;
    std::string_view x = t[i].text;
    return x == "=" || x == "<" || x == ">" || x == "<=" || x == ">=" || x == "<>" || x == "!=" || x == "<=>" || x == "==" ||
           std::isalpha(static_cast<unsigned char>(x[0]));
  }
};

void better(SqliFinding& f, int conf, const char* reason) {
  if (conf > f.confidence) {
    f.confidence = conf;
    f.reason = reason;
  }
}

// What follows a logic operator: a comparison, a function call, a sub-select, or a lone
// literal that ends the value (the application's own quote or the comment closes it).
int after_logic(const Matcher& m, size_t i, SqliFinding& f) {
  bool symbolic = i > 0 && (m.t[i - 1].text == "||" || m.t[i - 1].text == "&&");
  i = m.skip(i);
  if (symbolic && !(m.is_literal(i) || m.type(i) == 'f' || m.type(i) == '(')) return 0;
  // "and =IS=..." and "and >I would like": an operator cannot start the operand.
  if (m.type(i) == 'o' && m.t[i].text != "-" && m.t[i].text != "!" && m.t[i].text != "~") return 0;
  if (m.type(i) == 'k' && m.word(i, "not")) i = m.skip(i + 1);
  size_t e = i;
  int depth = 0;
  bool cmp = false, func = false, sub = false, danger = false, lits = false;
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
    if (ty == 'E' || (ty == '(' && m.type(m.skip(e + 1)) == 'E')) sub = true;
    if (m.is_literal(e)) lits = true;
    e++;
  }
  if (danger) return better(f, 95, "time or error based"), 95;
  if (sub) return better(f, 85, "boolean sub-select"), 85;
  if (cmp && lits) return better(f, 80, "tautology"), 80;
  if (func && (m.probe(i) || m.end(e))) return better(f, 75, "boolean function test"), 75;
  if (m.is_literal(i) && (m.end(i + 1) || (m.type(i + 1) == 'c'))) return better(f, 65, "tautology"), 65;
  if (m.is_literal(i) && m.type(m.skip(i + 1)) == '&') return better(f, 60, "boolean chain"), 60;
  // ' or 1 limit 1 --   ' or 1 order by 2 #   ' or 1;
  if (m.is_literal(i) && (m.type(m.skip(i + 1)) == 'K' || m.type(m.skip(i + 1)) == ';')) return better(f, 65, "tautology"), 65;
  return 0;
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
  } else if (ty == ';') {
    size_t j = m.skip(i + 1);
    if (m.type(j) == 'E')
      better(f, 90, "stacked statement");
    else if (quoted && (m.type(i + 1) == 'c' || j >= m.t.size()))
      better(f, 55, "statement terminated");
  } else if (ty == 'o') {
    size_t j = m.skip(i + 1);
    if (m.type(j) == 'f' || m.type(j) == 'v' || (m.type(j) == '(' && m.type(m.skip(j + 1)) == 'E') || m.type(j) == 'E')
      better(f, m.danger(j) ? 95 : 80, "expression injection");
    else if (quoted && m.type(j) == 's' && (m.t[i].text == "=" || m.word(i, "like")) &&
             (m.end(j + 1) || m.comparison(m.skip(j + 1)) || m.type(m.skip(j + 1)) == '&'))
      better(f, 60, "tautology");
  } else if (ty == 'K') {
    size_t j = m.skip(i + 1);
    if ((m.word(i, "order") || m.word(i, "group")) && m.word(j, "by")) {
      size_t k = m.skip(j + 1);
      if (m.type(k) == 'n' || m.type(k) == 'f' ||
          (m.type(k) == 'b' && (m.end(k + 1) || m.type(m.skip(k + 1)) == 'c' || m.type(m.skip(k + 1)) == ',')))
        better(f, 75, "clause injection");
    } else if (m.word(i, "having") || m.word(i, "procedure") || m.word(i, "where")) {
      if (m.is_literal(j) || m.type(j) == 'f') better(f, 70, "clause injection");
    } else if (m.word(i, "limit") && m.type(j) == 'n') {
      better(f, 60, "clause injection");
    } else if (m.word(i, "into") && (m.word(j, "outfile") || m.word(j, "dumpfile"))) {
      better(f, 95, "file write");
    }
  } else if (ty == 'E' && m.word(i, "waitfor")) {
    better(f, 95, "time based");
  }
  // A dangerous function anywhere after the break.
  for (size_t j = i; j < m.t.size(); j++)
    if (m.danger(j)) {
      better(f, 90, "time or error based");
      break;
    }
}

// Checks that need no context: SQL that could only be an attack wherever it appears.
void anywhere(const Matcher& m, SqliFinding& f) {
  const auto& t = m.t;
  for (size_t i = 0; i < t.size(); i++) {
    char ty = t[i].type;
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
    } else if (m.danger(i)) {
      size_t j = m.skip(i + 1);  // '('
      size_t a = m.skip(j + 1);
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
        if (sqlish && (m.type(tb) == 'b' || m.type(tb) == '(' || m.type(tb) == 'f'))
          // A whole statement typed into a search box is weak evidence; one opened by a break is not.
          better(f, i > 0 && (t[i - 1].type == '(' || t[i - 1].type == ';' || t[i - 1].type == 'U') ? 75 : 55, "select statement");
      } else if (sqlish && (m.type(j) == 'n' || m.type(j) == 'f' || m.type(j) == 'v' || m.type(j) == '(') && i > 0 &&
                 (t[i - 1].type == '(' || t[i - 1].type == ';' || t[i - 1].type == 'o')) {
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
  if (!space) return false;
  size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '-' || v[i] == '+')) i++;
  if (i < v.size() && is_digit(v[i])) return true;
  return icontains(v, "union") || icontains(v, "case") || icontains(v, "waitfor") || icontains(v, "copy");
}

}  // namespace

SqliFinding detect_sqli(std::string_view value) {
  SqliFinding f;
  if (value.size() < 2 || !worth_lexing(value)) return f;
  // Bare: the whole value, and a number followed by SQL.
  {
    thread_local std::vector<SqlToken> t;
    sql_tokens_into(value, SqlContext::kBare, 256, t);
    Matcher m{t};
    anywhere(m, f);
    size_t first = m.skip(0);
    if (m.type(first) == 'n' || (m.type(first) == 'o' && m.type(m.skip(first + 1)) == 'n' && t[first].text == "-"))
      after_break(m, m.skip(first + 1) + (m.type(first) == 'o' ? 1 : 0), false, f);
    else if (m.type(first) == '(' || m.type(first) == 'U' || m.type(first) == ';' ||
             (m.type(first) == '&' && std::isalpha(static_cast<unsigned char>(t[first].text[0]))))
      after_break(m, first, false, f);
    if (f.confidence) {
      for (const auto& x : t) f.fingerprint.push_back(x.type);
    }
  }
  for (SqlContext ctx : {SqlContext::kSingleQuote, SqlContext::kDoubleQuote}) {
    char q = ctx == SqlContext::kSingleQuote ? '\'' : '"';
    if (value.find(q) == std::string_view::npos) continue;
    thread_local std::vector<SqlToken> t;
    sql_tokens_into(value, ctx, 256, t);
    if (t.size() < 2) continue;
    Matcher m{t};
    SqliFinding g;
    after_break(m, 1, true, g);
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

}  // namespace wardsec::web
