#include "cluster/query_sql.h"

#include "cluster/clickhouse.h"
#include "cluster/rows.h"
#include "core/strutil.h"

namespace wardsec::cluster {

namespace {

using search::Node;

// The value of a field as an SQL expression: its own column, or the Nested lookup.
std::string column(const std::string& field) {
  if (field == "event.original") return "message";
  if (auto c = column_of_field(field); !c.empty()) return std::string(c);
  return "attrs.v[indexOf(attrs.k, " + sql_string(field) + ")]";
}

// The literal runs of a pattern between its wildcards (* ?): each is somewhere in a value the
// pattern matches (search's glob_match, glob_tokens).
std::vector<std::string> fragments(const std::string& v) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : v) {
    if (c == '*' || c == '?') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// A token or phrase match (contains_token_seq) finds the whole value in the text, any case: the
// value as a substring is the superset. A pattern: each literal run.
std::string contains_all(const std::string& expr, const std::string& v, bool pattern) {
  std::vector<std::string> parts = pattern ? fragments(v) : std::vector<std::string>{v};
  std::string out;
  for (const auto& f : parts)
    if (!f.empty()) out += (out.empty() ? "" : " AND ") + ("positionCaseInsensitiveUTF8(" + expr + ", " + sql_string(f) + ") > 0");
  return out.empty() ? "1" : "(" + out + ")";
}

bool ipv4_number(const std::string& s, uint64_t& n) {
  auto parts = split_view(s, '.');
  if (parts.size() != 4) return false;
  n = 0;
  for (auto p : parts) {
    uint64_t o = 0;
    if (p.empty() || p.size() > 3 || !parse_u64(p, o) || o > 255) return false;
    n = n * 256 + o;
  }
  return true;
}

SqlWhere term(const Node& n) {
  const std::string& f = n.field;
  if (f == "@timestamp" || f == "event.received") {
    const char* col = f == "@timestamp" ? "ts" : "received";
    int64_t a = 0, b = 0;
    bool la = !n.lo.empty() && parse_i64(n.lo, a), lb = !n.hi.empty() && parse_i64(n.hi, b);
    switch (n.op) {
      case Node::kRange: {
        if ((!n.lo.empty() && !la) || (!n.hi.empty() && !lb)) return {"1", false};
        std::string s = "1";
        if (la) s += std::string(" AND ") + col + (n.lo_inclusive ? " >= " : " > ") + std::to_string(a);
        if (lb) s += std::string(" AND ") + col + (n.hi_inclusive ? " <= " : " < ") + std::to_string(b);
        return {"(" + s + ")", true};
      }
      case Node::kLt:
      case Node::kLe:
      case Node::kGt:
      case Node::kGe: {
        if (!la) return {"1", false};
        const char* op = n.op == Node::kLt ? " < " : n.op == Node::kLe ? " <= " : n.op == Node::kGt ? " > " : " >= ";
        return {std::string("(") + col + op + std::to_string(a) + ")", true};
      }
      default: return {"1", false};
    }
  }
  if (f == "tags") return {"1", false};
  std::string c = column(f);
  // a field with its own column needs no look into attrs.k (the arrays are the widest
  // columns): a non-empty value there is the field present
  bool own = !column_of_field(f).empty();
  std::string has = own ? c + " != ''" : "has(attrs.k, " + sql_string(f) + ")";
  if (f == "event.original") has = "1";
  FieldType type = n.field_id == kNoField ? FieldType::kKeyword : FieldRegistry::type(n.field_id);
  switch (n.op) {
    case Node::kExists: return {has, f != "event.original" && !own};  // own column: '' is also "absent"
    case Node::kEq:
      if (type == FieldType::kText || f == "event.original") return {"(" + has + " AND " + contains_all(c, n.value, false) + ")", false};
      if (type == FieldType::kIp) {
        uint64_t ip = 0;
        if (ipv4_number(n.value, ip)) return {"(" + has + " AND IPv4StringToNum(" + c + ") = " + std::to_string(ip) + ")", false};
        return {has, false};
      }
      return {"(" + has + " AND lower(" + c + ") = " + sql_string(n.value) + ")", false};  // lower(): ASCII, as iequals
    case Node::kGlob: return {"(" + has + " AND " + contains_all(c, n.value, true) + ")", false};
    case Node::kCidr:
      if (n.cidr && n.cidr->net.v4 && n.cidr->bits >= 96) {
        int prefix = n.cidr->bits - 96;
        const auto& b = n.cidr->net.b;
        uint32_t base = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
        uint32_t mask = prefix >= 32 ? 0xffffffffu : prefix == 0 ? 0 : ~((1u << (32 - prefix)) - 1);
        uint64_t first = base & mask, last = first | (~mask & 0xffffffffu);
        return {"(" + has + " AND IPv4StringToNum(" + c + ") BETWEEN " + std::to_string(first) + " AND " + std::to_string(last) + ")",
                false};
      }
      return {has, false};         // IPv6 ranges: matched after reading
    default: return {has, false};  // ranges: numeric or text by value, matched after reading
  }
}

SqlWhere compile(const Node& n) {
  switch (n.kind) {
    case Node::kAll: return {"1", true};
    case Node::kAnd:
    case Node::kOr: {
      SqlWhere w{"", true};
      for (const auto& k : n.kids) {
        SqlWhere s = compile(*k);
        w.exact = w.exact && s.exact;
        w.sql += (w.sql.empty() ? "" : (n.kind == Node::kAnd ? " AND " : " OR ")) + s.sql;
      }
      if (w.sql.empty()) w.sql = n.kind == Node::kAnd ? "1" : "0";
      return {"(" + w.sql + ")", w.exact};
    }
    case Node::kNot: {
      SqlWhere s = compile(*n.kids[0]);
      if (!s.exact) return {"1", false};  // NOT of a widened term would drop matches: read and match
      return {"(NOT " + s.sql + ")", true};
    }
    case Node::kText: {
      std::string msg = "message", field = "attrs.v[indexOf(attrs.k, 'message')]";
      bool pattern = n.op == Node::kGlob;
      return {"(" + contains_all(msg, n.value, pattern) + " OR " + contains_all(field, n.value, pattern) + ")", false};
    }
    case Node::kTerm: return term(n);
  }
  return {"1", false};
}

}  // namespace

SqlWhere compile_query(const search::Query& q) { return compile(q.root()); }

std::string where_clause(const SqlWhere& w, const std::vector<std::string>& sites, int64_t from, int64_t to) {
  std::string s = w.sql;
  if (!sites.empty()) {
    std::string in;
    for (const auto& x : sites) in += (in.empty() ? "" : ", ") + sql_string(x);
    s += " AND site IN (" + in + ")";
  }
  if (from) s += " AND ts >= " + std::to_string(from) + " AND day >= toDate(" + sql_string(utc_day(from)) + ")";
  if (to) s += " AND ts < " + std::to_string(to) + " AND day <= toDate(" + sql_string(utc_day(to)) + ")";
  return s;
}

}  // namespace wardsec::cluster
