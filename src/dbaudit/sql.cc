#include "dbaudit/sql.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "core/strutil.h"
#include "web/sqli.h"

namespace wardsec::dbaudit {

namespace {

using web::SqlToken;

std::string lower(std::string_view s) { return to_lower(s); }

// Identifier text without quoting: `a`, "a", [a] -> a
std::string ident(std::string_view s) {
  std::string o;
  for (char c : s)
    if (c != '`' && c != '"' && c != '[' && c != ']') o.push_back(lower_ascii(c));
  return o;
}

std::string strip_qualifier(const std::string& s) {
  size_t d = s.rfind('.');
  return d == std::string::npos ? s : s.substr(d + 1);
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (s.empty() || v.size() >= 64) return;
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

bool word(const SqlToken& t, std::string_view w) { return iequals(t.text, w); }

const char* kAggregates[] = {"count", "sum", "avg", "min", "max", "group_concat", "string_agg", "listagg", "stddev", "variance", "median"};
const char* kOperations[] = {"select",  "insert",   "update",   "delete",  "create",  "drop",     "alter",  "grant",
                             "revoke",  "truncate", "call",     "exec",    "execute", "set",      "show",   "use",
                             "begin",   "commit",   "rollback", "copy",    "load",    "replace",  "merge",  "with",
                             "explain", "describe", "desc",     "declare", "waitfor", "shutdown", "handler"};

}  // namespace

namespace {

// The statement with its single-quoted strings and numbers replaced by '?': statements that
// differ only in literal values have the same shape, and so the same analysis (identifiers,
// double-quoted, back-quoted and bracketed names are kept as they are). Empty when the shape
// cannot be trusted to decide the analysis (LIMIT values, very long texts).
std::string shape_of(std::string_view q) {
  if (q.size() > 8192) return {};
  std::string out;
  out.reserve(q.size());
  auto ident_char = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c == '@' || c == '#' || c >= 0x80; };
  for (size_t i = 0; i < q.size(); i++) {
    unsigned char c = static_cast<unsigned char>(q[i]);
    if (c == '\'') {
      size_t j = i + 1;
      while (j < q.size()) {
        if (q[j] == '\\')
          j += 2;
        else if (q[j] == '\'' && j + 1 < q.size() && q[j + 1] == '\'')
          j += 2;
        else if (q[j] == '\'')
          break;
        else
          j++;
      }
      if (j >= q.size()) return {};  // unterminated: let the lexer decide
      out += '?';
      i = j;
    } else if (std::isdigit(c) && (out.empty() || !ident_char(static_cast<unsigned char>(out.back())))) {
      size_t j = i;
      while (j < q.size() && (std::isalnum(static_cast<unsigned char>(q[j])) || q[j] == '.')) j++;
      out += '?';
      i = j - 1;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

SqlInfo analyze_uncached(std::string_view sql);

}  // namespace

// Analyses of recent shapes, per thread (the capture threads and the pipeline's decode thread
// each keep theirs): HIS applications send the same few hundred statement shapes all day.
SqlInfo analyze_sql(std::string_view sql) {
  struct Cache {
    std::unordered_map<std::string, SqlInfo> m;
  };
  thread_local Cache cache;
  std::string shape = shape_of(sql);
  if (shape.empty()) return analyze_uncached(sql);
  if (auto it = cache.m.find(shape); it != cache.m.end()) return it->second;
  SqlInfo info = analyze_uncached(sql);
  if (info.has_limit) return info;  // the LIMIT value is a literal the shape dropped
  if (cache.m.size() >= 4096) cache.m.clear();
  cache.m.emplace(std::move(shape), info);
  return info;
}

namespace {

SqlInfo analyze_uncached(std::string_view sql) {
  SqlInfo info;
  std::vector<SqlToken> t;
  web::sql_tokens_into(sql, web::SqlContext::kBare, 20000, t);
  // "NAME" is an identifier in PostgreSQL, Oracle and SQL Server (and MySQL with ANSI_QUOTES),
  // a string in MySQL's default mode. Read it as a string only where a value stands: after an
  // operator, LIKE/THEN/ELSE/WHEN, or in a VALUES or IN list.
  std::string last_kw;
  for (size_t i = 0; i < t.size(); i++) {
    auto& k = t[i];
    if (!k.text.empty() && std::isalpha(static_cast<unsigned char>(k.text[0])) && k.type != 's') last_kw = lower(k.text);
    if (k.type != 's' || k.text.size() < 2 || k.text.front() != '"') continue;
    size_t p = i;
    while (p > 0 && t[p - 1].type == 'c') p--;
    const SqlToken* prev = p > 0 ? &t[p - 1] : nullptr;
    bool value = prev && (prev->type == 'o' || word(*prev, "like") || word(*prev, "then") || word(*prev, "else") || word(*prev, "when") ||
                          ((prev->type == '(' || prev->type == ',') && (last_kw == "values" || last_kw == "in")));
    if (!value) k.type = 'b';
  }
  // Fingerprint: literals as ?, runs of "?, ?, ..." collapsed, comments dropped.
  std::string& fp = info.fingerprint;
  fp.reserve(sql.size() + 16);
  for (size_t i = 0; i < t.size(); i++) {
    const auto& k = t[i];
    if (k.type == 'c') continue;
    bool literal = k.type == 's' || k.type == 'n';
    // "( ?, ?, ? )" and "VALUES (...), (...)" collapse to one
    if (literal && fp.size() >= 4 && fp.compare(fp.size() - 4, 4, " ? ,") == 0) continue;
    if (k.type == ',' && fp.size() >= 2 && fp.compare(fp.size() - 2, 2, " ?") == 0) {
      // look ahead: a literal follows -> the list keeps one ?
      size_t j = i + 1;
      while (j < t.size() && t[j].type == 'c') j++;
      if (j < t.size() && (t[j].type == 's' || t[j].type == 'n')) {
        i = j;
        continue;
      }
    }
    if (!fp.empty()) fp.push_back(' ');
    if (literal) {
      fp.push_back('?');
    } else if (k.type == 'b' || k.type == 'f' || k.type == 'k' || k.type == 'K' || k.type == 'E' || k.type == 'U' || k.type == '&' ||
               k.type == 'o' || k.type == 'w') {
      for (char c : k.text)  // identifiers without their quoting, folded to lower case
        if (k.type != 'b' || (c != '`' && c != '"' && c != '[' && c != ']')) fp.push_back(lower_ascii(c));
    } else {
      fp.append(k.text);
    }
    if (fp.size() > 4096) break;
  }
  info.fingerprint_hash = hash64(info.fingerprint);
  // The operation: the first keyword of the first statement.
  size_t first = 0;
  while (first < t.size() && (t[first].type == 'c' || t[first].type == '(')) first++;
  info.operation = "unknown";
  if (first < t.size()) {
    std::string w = lower(t[first].text);
    if (w == "execute") w = "exec";
    if (w == "desc" || w == "describe" || w == "explain") w = "show";
    for (const char* op : kOperations)
      if (w == op) info.operation = w;
    if (info.operation == "unknown" && (t[first].type == 'b' || t[first].type == 'f')) info.operation = "other";
    if (info.operation == "with") {
      // WITH ... AS (...) SELECT|INSERT|UPDATE|DELETE: the statement after the CTEs.
      int depth = 0;
      for (size_t i = first + 1; i < t.size(); i++) {
        if (t[i].type == '(') depth++;
        if (t[i].type == ')') depth--;
        if (depth == 0 && t[i].type == 'E') {
          info.operation = lower(t[i].text);
          break;
        }
      }
    }
  }
  // Tables, columns, aggregates, clauses.
  enum { kNone, kSelectList, kFrom, kWhere, kGroup, kOther } clause = kNone;
  int depth = 0;
  for (size_t i = 0; i < t.size(); i++) {
    const auto& k = t[i];
    if (k.type == 'c') continue;
    if (k.type == ';') {
      size_t j = i + 1;
      while (j < t.size() && t[j].type == 'c') j++;
      if (j < t.size()) info.multiple = true;
      clause = kNone;
      continue;
    }
    if (k.type == '(') depth++;
    if (k.type == ')') depth = std::max(0, depth - 1);
    // The name at `from`: a.b.c written as one token or as [a].[b] pieces; a name followed
    // by its column list ("INSERT INTO t (a, b)") reads as a function to the lexer.
    auto next_ident = [&](size_t from) -> std::string {
      size_t j = from;
      while (j < t.size() && t[j].type == 'c') j++;
      // ('w': a name in Chinese, which the web lexer reads as prose; HIS schemas use them.)
      if (j >= t.size() || (t[j].type != 'b' && t[j].type != 'f' && t[j].type != 'w')) return {};
      std::string n = ident(t[j].text);
      while (j + 2 < t.size() && t[j + 1].type == '.' && (t[j + 2].type == 'b' || t[j + 2].type == 'f' || t[j + 2].type == 'w')) {
        n += "." + ident(t[j + 2].text);
        j += 2;
      }
      return n;
    };
    if (k.type == 'E' && word(k, "select")) {
      clause = kSelectList;
      continue;
    }
    if (k.type == 'K' && word(k, "from")) {
      clause = kFrom;
      add_unique(info.tables, next_ident(i + 1));
      continue;
    }
    if (k.type == 'K' && word(k, "join")) {
      add_unique(info.tables, next_ident(i + 1));
      continue;
    }
    if (k.type == 'K' && word(k, "into")) {
      std::string n = next_ident(i + 1);
      size_t j = i + 1;
      if (j < t.size() && (word(t[j], "outfile") || word(t[j], "dumpfile")))
        info.into_outfile = true;
      else
        add_unique(info.tables, n);
      continue;
    }
    if (k.type == 'E' && (word(k, "update") || word(k, "truncate") || word(k, "drop") || word(k, "alter") || word(k, "create"))) {
      size_t j = i + 1;
      while (j < t.size() && (t[j].type == 'k' || t[j].type == 'c') && !word(t[j], "null")) j++;  // TABLE, IF EXISTS...
      add_unique(info.tables, next_ident(j));
      continue;
    }
    if (k.type == 'b' && word(k, "copy") && i == first) {
      add_unique(info.tables, next_ident(i + 1));
      for (size_t j = i + 1; j < t.size(); j++)
        if (word(t[j], "to")) info.into_outfile = true;
      continue;
    }
    if (clause == kFrom && word(k, "on")) {  // join conditions name columns too (p.PRESCRIBED_BY = d.EMP_NO)
      clause = kOther;
      continue;
    }
    if (k.type == 'K' && word(k, "where")) {
      info.has_where = true;
      clause = kWhere;
      continue;
    }
    if (k.type == 'K' && word(k, "group")) {
      clause = kGroup;
      continue;
    }
    if (k.type == 'K' && (word(k, "order") || word(k, "having"))) {
      clause = kOther;
      continue;
    }
    if (k.type == 'K' && (word(k, "limit") || word(k, "top") || word(k, "fetch"))) {
      info.has_limit = true;
      size_t j = i + 1;
      while (j < t.size() && t[j].type != 'n' && j < i + 4) j++;
      uint64_t v;
      if (j < t.size() && t[j].type == 'n' && parse_u64(t[j].text, v)) info.limit = static_cast<int64_t>(v);
      clause = kOther;
      continue;
    }
    if (k.type == 'b' && word(k, "rownum")) info.has_limit = true;
    if (clause == kSelectList && depth == 0 && k.text == "*" && i > 0 &&
        (t[i - 1].type == ',' || t[i - 1].type == '.' || t[i - 1].type == 'E' || word(t[i - 1], "distinct")))
      info.star = true;
    if (k.type == 'f') {
      std::string f = lower(k.text);
      for (const char* a : kAggregates)
        if (f == a) add_unique(info.aggregates, f);
      continue;
    }
    if (k.type == 'b' || k.type == 'w') {
      std::string id = ident(k.text);
      // An alias after a table or a column ("FROM presc p", "sum(x) total") is not a column.
      bool after_table = i > 0 && (t[i - 1].type == 'b' || t[i - 1].type == 'w' || t[i - 1].type == ')' || word(t[i - 1], "as"));
      if (clause == kFrom && !after_table && (i == 0 || t[i - 1].type == ','))
        add_unique(info.tables, next_ident(i));
      else if (clause == kGroup)
        add_unique(info.group_by, strip_qualifier(id));
      else if ((clause == kSelectList || clause == kWhere || clause == kOther) && !after_table)
        add_unique(info.columns, strip_qualifier(id));
    }
  }
  return info;
}

}  // namespace

}  // namespace wardsec::dbaudit
