#include "search/query.h"

#include <cctype>
#include <cstdlib>

#include "core/timeutil.h"
#include "store/format.h"

namespace wardsec::search {
namespace {

struct Tok {
  enum Kind { kWord, kQuoted, kLParen, kRParen, kRange, kEnd } kind;
  std::string text;
  size_t col;  // 1-based
};

bool is_field_name(std::string_view s) {
  if (s.empty()) return false;
  char c = s[0];
  if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '@')) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '@' || ch == '-')) return false;
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  std::variant<std::vector<Tok>, QueryError> run() {
    std::vector<Tok> out;
    size_t i = 0;
    while (i < s_.size()) {
      char c = s_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        i++;
        continue;
      }
      size_t col = i + 1;
      if (c == '(') {
        out.push_back({Tok::kLParen, "(", col});
        i++;
      } else if (c == ')') {
        out.push_back({Tok::kRParen, ")", col});
        i++;
      } else if (c == '"') {
        std::string v;
        size_t j = i + 1;
        while (j < s_.size() && s_[j] != '"') {
          if (s_[j] == '\\' && j + 1 < s_.size()) j++;
          v.push_back(s_[j++]);
        }
        if (j >= s_.size()) return QueryError{col, "unterminated quoted phrase (missing closing \")"};
        out.push_back({Tok::kQuoted, v, col});
        i = j + 1;
      } else if (c == '[' || c == '{') {
        char close = c == '[' ? ']' : '}';
        size_t j = s_.find_first_of("]}", i);
        if (j == std::string_view::npos) return QueryError{col, std::string("unterminated range (missing ") + close + ")"};
        out.push_back({Tok::kRange, std::string(s_.substr(i, j - i + 1)), col});
        i = j + 1;
      } else {
        size_t j = i;
        while (j < s_.size() && s_[j] != ' ' && s_[j] != '\t' && s_[j] != '(' && s_[j] != ')' && s_[j] != '"' && s_[j] != '\n') {
          // "field:[..." or "field:\"...": stop after the colon so the value lexes on its own.
          if (s_[j] == ':' && j + 1 < s_.size() && (s_[j + 1] == '"' || s_[j + 1] == '[' || s_[j + 1] == '{') &&
              is_field_name(s_.substr(i, j - i))) {
            j++;
            break;
          }
          j++;
        }
        out.push_back({Tok::kWord, std::string(s_.substr(i, j - i)), col});
        i = j;
      }
    }
    out.push_back({Tok::kEnd, "", s_.size() + 1});
    return out;
  }

 private:
  std::string_view s_;
};

class Parser {
 public:
  Parser(std::vector<Tok> toks, int tz) : t_(std::move(toks)), tz_(tz) {}
  std::variant<std::unique_ptr<Node>, QueryError> run() {
    if (t_[0].kind == Tok::kEnd) return std::make_unique<Node>();
    auto n = parse_or();
    if (err_) return *err_;
    if (peek().kind != Tok::kEnd) {
      if (peek().kind == Tok::kRParen) return QueryError{peek().col, "unbalanced ')': no '(' opens it"};
      return QueryError{peek().col, "unexpected '" + peek().text + "'"};
    }
    return n;
  }

 private:
  const Tok& peek() const { return t_[p_]; }
  bool is_kw(const Tok& t, std::string_view k) const { return t.kind == Tok::kWord && t.text == k; }
  void error(size_t col, std::string m) {
    if (!err_) err_ = QueryError{col, std::move(m)};
  }

  std::unique_ptr<Node> parse_or() {
    auto left = parse_and();
    while (!err_ && (is_kw(peek(), "OR") || is_kw(peek(), "||"))) {
      size_t col = peek().col;
      p_++;
      if (starts_expr_end()) {
        error(col, "OR needs a term after it");
        break;
      }
      auto right = parse_and();
      left = combine(Node::kOr, std::move(left), std::move(right));
    }
    return left;
  }
  bool starts_expr_end() const { return peek().kind == Tok::kEnd || peek().kind == Tok::kRParen; }
  std::unique_ptr<Node> combine(Node::Kind k, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    if (a->kind == k) {
      a->kids.push_back(std::move(b));
      return a;
    }
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->kids.push_back(std::move(a));
    n->kids.push_back(std::move(b));
    return n;
  }
  std::unique_ptr<Node> parse_and() {
    auto left = parse_unary();
    while (!err_ && !starts_expr_end() && !is_kw(peek(), "OR") && !is_kw(peek(), "||")) {
      if (is_kw(peek(), "AND") || is_kw(peek(), "&&")) {
        size_t col = peek().col;
        p_++;
        if (starts_expr_end() || is_kw(peek(), "OR") || is_kw(peek(), "AND")) {
          error(col, "AND needs a term after it");
          break;
        }
      }
      auto right = parse_unary();
      left = combine(Node::kAnd, std::move(left), std::move(right));
    }
    return left;
  }
  std::unique_ptr<Node> parse_unary() {
    if (is_kw(peek(), "NOT") || is_kw(peek(), "!")) {
      size_t col = peek().col;
      p_++;
      if (starts_expr_end()) {
        error(col, "NOT needs a term after it");
        return std::make_unique<Node>();
      }
      auto n = std::make_unique<Node>();
      n->kind = Node::kNot;
      n->kids.push_back(parse_unary());
      return n;
    }
    if (peek().kind == Tok::kWord && peek().text.size() > 1 && peek().text[0] == '-') {
      Tok& t = t_[p_];
      t.text.erase(0, 1);
      t.col++;
      auto n = std::make_unique<Node>();
      n->kind = Node::kNot;
      n->kids.push_back(parse_primary());
      return n;
    }
    return parse_primary();
  }
  std::unique_ptr<Node> parse_primary() {
    const Tok t = peek();
    if (t.kind == Tok::kLParen) {
      p_++;
      if (peek().kind == Tok::kRParen) {
        error(peek().col, "empty parentheses");
        return std::make_unique<Node>();
      }
      auto n = parse_or();
      if (err_) return n;
      if (peek().kind != Tok::kRParen) {
        error(t.col, "unbalanced '(': no ')' closes it");
        return n;
      }
      p_++;
      return n;
    }
    if (t.kind == Tok::kRParen) {
      error(t.col, "unbalanced ')': no '(' opens it");
      return std::make_unique<Node>();
    }
    if (t.kind == Tok::kEnd) {
      error(t.col, "query ends where a term was expected");
      return std::make_unique<Node>();
    }
    if (t.kind == Tok::kRange) {
      error(t.col, "a range needs a field: write field:[a TO b]");
      return std::make_unique<Node>();
    }
    p_++;
    if (t.kind == Tok::kQuoted) return text_node(t.text, true);
    // field:value ?
    size_t colon = t.text.find(':');
    if (colon != std::string::npos && colon > 0 && is_field_name(std::string_view(t.text).substr(0, colon))) {
      std::string field = t.text.substr(0, colon);
      std::string value = t.text.substr(colon + 1);
      if (value.empty()) {
        const Tok& v = peek();
        if (v.kind == Tok::kQuoted || v.kind == Tok::kRange) {
          p_++;
          return term_node(field, v.text, v.kind, v.col);
        }
        error(t.col + colon + 1, "field '" + field + "' has no value after ':'");
        return std::make_unique<Node>();
      }
      return term_node(field, value, Tok::kWord, t.col + colon + 1);
    }
    return text_node(t.text, false);
  }

  std::unique_ptr<Node> text_node(const std::string& text, bool phrase) {
    auto n = std::make_unique<Node>();
    n->kind = Node::kText;
    n->field = "message";
    n->field_id = kMessage;
    n->value = to_lower(text);
    n->phrase = phrase;
    n->op = (n->value.find_first_of("*?") != std::string::npos) ? Node::kGlob : Node::kEq;
    if (n->op == Node::kEq) store::tokenize_lower(n->value, n->tokens);
    return n;
  }

  bool is_time_field(const std::string& f) const { return f == "@timestamp" || f == "event.received"; }

  // Normalizes a bound: times to ns, numbers as they are.
  bool bound(const std::string& field, const std::string& v, std::string& out, size_t col) {
    if (v == "*") {
      out.clear();
      return true;
    }
    if (is_time_field(field)) {
      int64_t ns;
      if (!parse_user_time(v, tz_, ns)) {
        error(col, "'" + v + "' is not a time (use 2024-03-01, 2024-03-01T08:00:00+08:00 or now-1h)");
        return false;
      }
      out = std::to_string(ns);
      return true;
    }
    out = v;
    return true;
  }

  std::unique_ptr<Node> term_node(const std::string& field, const std::string& raw, Tok::Kind kind, size_t col) {
    auto n = std::make_unique<Node>();
    n->kind = Node::kTerm;
    n->field = field;
    // Interned, not just looked up: a field no event has carried yet still gets its id, so a
    // query parsed early (a rule's routing) matches events that arrive later.
    bool pseudo = is_time_field(field) || field == "event.original" || field == "tags";  // not stored fields
    n->field_id = pseudo ? kNoField : FieldRegistry::intern(field);
    FieldType type = n->field_id == kNoField ? FieldType::kKeyword : FieldRegistry::type(n->field_id);
    if (kind == Tok::kRange) {
      // [a TO b] inclusive, {a TO b} exclusive.
      n->op = Node::kRange;
      n->lo_inclusive = raw.front() == '[';
      n->hi_inclusive = raw.back() == ']';
      std::string inner = raw.substr(1, raw.size() - 2);
      size_t to = inner.find(" TO ");
      if (to == std::string::npos) {
        error(col, "range must be written [low TO high]");
        return n;
      }
      if (!bound(field, std::string(trim(inner.substr(0, to))), n->lo, col) ||
          !bound(field, std::string(trim(inner.substr(to + 4))), n->hi, col))
        return n;
      return n;
    }
    const std::string& v = raw;
    if (kind == Tok::kWord) {
      for (std::string_view op : {">=", "<=", ">", "<"}) {
        if (starts_with(v, op)) {
          n->op = op == ">=" ? Node::kGe : op == "<=" ? Node::kLe : op == ">" ? Node::kGt : Node::kLt;
          std::string b = v.substr(op.size());
          if (b.empty()) {
            error(col, "comparison '" + std::string(op) + "' needs a value");
            return n;
          }
          bound(field, b, n->lo, col + op.size());
          return n;
        }
      }
      if (v == "*") {
        n->op = Node::kExists;
        return n;
      }
    }
    if (is_time_field(field)) {
      // @timestamp:2024-03-01 means that whole day (or second, for a full time).
      int64_t ns;
      if (!parse_user_time(v, tz_, ns)) {
        error(col, "'" + v + "' is not a time");
        return n;
      }
      n->op = Node::kRange;
      n->lo = std::to_string(ns);
      int64_t span = v.size() == 10 ? 86400LL * 1000000000LL : 1000000000LL;
      n->hi = std::to_string(ns + span);
      n->hi_inclusive = false;
      return n;
    }
    n->value = to_lower(v);
    n->phrase = kind == Tok::kQuoted;
    if (type == FieldType::kIp && kind == Tok::kWord && v.find('/') != std::string::npos) {
      n->op = Node::kCidr;
      n->cidr = parse_cidr(v);
      if (!n->cidr) error(col, "'" + v + "' is not a CIDR block (e.g. 10.20.0.0/22)");
      return n;
    }
    if (kind == Tok::kWord && n->value.find_first_of("*?") != std::string::npos) {
      n->op = Node::kGlob;
      return n;
    }
    n->op = Node::kEq;
    if (type == FieldType::kText) store::tokenize_lower(n->value, n->tokens);
    return n;
  }

  std::vector<Tok> t_;
  size_t p_ = 0;
  int tz_;
  std::optional<QueryError> err_;
};

bool num(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

// Compares a field value against a bound: numerically when both are numbers.
int compare(std::string_view a, const std::string& b) {
  double x, y;
  std::string as(a);
  if (num(as, x) && num(b, y)) return x < y ? -1 : x > y ? 1 : 0;
  std::string la = to_lower(a);
  return la < b ? -1 : la > b ? 1 : 0;
}

bool glob_tokens(std::string_view text, std::string_view pat) {
  // A single-word pattern matches any token; a pattern with spaces matches the whole text.
  if (pat.find(' ') != std::string_view::npos) {
    std::string p = "*" + std::string(pat) + "*";
    return glob_match(text, p);
  }
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_token_char(static_cast<unsigned char>(text[i]))) i++;
    size_t s = i;
    while (i < text.size() && is_token_char(static_cast<unsigned char>(text[i]))) i++;
    // Tokens plus the punctuation a value like 10.20.* carries.
    size_t e = i;
    while (e < text.size() &&
           (text[e] == '.' || text[e] == '-' || text[e] == ':' || text[e] == '/' || is_token_char(static_cast<unsigned char>(text[e]))))
      e++;
    if (i > s && (glob_match(text.substr(s, i - s), pat) || glob_match(text.substr(s, e - s), pat))) return true;
  }
  return false;
}

bool match_value(const Node& n, std::string_view v, FieldType type) {
  switch (n.op) {
    case Node::kExists: return true;
    case Node::kEq:
      if (type == FieldType::kText) return contains_token_seq(v, n.value);
      if (type == FieldType::kIp) {
        if (iequals(v, n.value)) return true;
        auto a = parse_ip(v), b = parse_ip(n.value);
        return a && b && a->b == b->b;
      }
      return iequals(v, n.value);
    case Node::kGlob:
      if (type == FieldType::kText) return glob_tokens(v, n.value);
      return glob_match(v, n.value);
    case Node::kCidr: {
      auto a = parse_ip(v);
      return a && n.cidr && n.cidr->contains(*a);
    }
    case Node::kRange: {
      if (!n.lo.empty()) {
        int c = compare(v, n.lo);
        if (c < 0 || (c == 0 && !n.lo_inclusive)) return false;
      }
      if (!n.hi.empty()) {
        int c = compare(v, n.hi);
        if (c > 0 || (c == 0 && !n.hi_inclusive)) return false;
      }
      return true;
    }
    case Node::kLt: return compare(v, n.lo) < 0;
    case Node::kLe: return compare(v, n.lo) <= 0;
    case Node::kGt: return compare(v, n.lo) > 0;
    case Node::kGe: return compare(v, n.lo) >= 0;
  }
  return false;
}

bool eval(const Node& n, const Event& ev) {
  switch (n.kind) {
    case Node::kAll: return true;
    case Node::kAnd:
      for (const auto& k : n.kids)
        if (!eval(*k, ev)) return false;
      return true;
    case Node::kOr:
      for (const auto& k : n.kids)
        if (eval(*k, ev)) return true;
      return false;
    case Node::kNot: return !eval(*n.kids[0], ev);
    case Node::kText: {
      std::string_view msg = ev.get(kMessage);
      if (msg.empty()) msg = ev.raw;
      return match_value(n, msg, FieldType::kText);
    }
    case Node::kTerm: {
      if (n.field == "@timestamp" || n.field == "event.received") {
        std::string t = std::to_string(n.field == "@timestamp" ? ev.ts : ev.received);
        return match_value(n, t, FieldType::kLong);
      }
      if (n.field == "event.original") return match_value(n, ev.raw, FieldType::kText);
      if (n.field == "tags") {
        for (auto [flag, name] : {std::pair{kParseError, "_parse_failure"}, std::pair{kTruncated, "_truncated"},
                                  std::pair{kInvalidUtf8, "_invalid_utf8"}, std::pair{kNoTimestamp, "_no_timestamp"}})
          if ((ev.flags & flag) && match_value(n, name, FieldType::kKeyword)) return true;
        return false;
      }
      if (n.field_id == kNoField) return false;
      for (const auto& f : ev.fields)
        if (f.id == n.field_id) return match_value(n, ev.value(f), FieldRegistry::type(f.id));
      return false;
    }
  }
  return false;
}

bool may(const Node& n, std::string_view bloom, int64_t tmin, int64_t tmax) {
  using store::Bloom;
  switch (n.kind) {
    case Node::kAll:
    case Node::kNot: return true;
    case Node::kAnd:
      for (const auto& k : n.kids)
        if (!may(*k, bloom, tmin, tmax)) return false;
      return true;
    case Node::kOr:
      for (const auto& k : n.kids)
        if (may(*k, bloom, tmin, tmax)) return true;
      return false;
    case Node::kText:
      if (n.op != Node::kEq) return true;
      for (const auto& t : n.tokens)
        if (t.size() <= 256 && !Bloom::may_contain(bloom, store::token_key("message", t))) return false;
      return true;
    case Node::kTerm: {
      if (n.field == "@timestamp" && n.op == Node::kRange) {
        int64_t lo = 0, hi = 0;
        if (!n.lo.empty() && parse_i64(n.lo, lo) && tmax < lo) return false;
        if (!n.hi.empty() && parse_i64(n.hi, hi) && tmin > hi) return false;
        return true;
      }
      if (n.field_id == kNoField) return n.field == "event.original" || n.field == "event.received" || n.field == "tags";
      if (n.op != Node::kEq) return true;
      FieldType type = FieldRegistry::type(n.field_id);
      if (type == FieldType::kText) {
        for (const auto& t : n.tokens)
          if (t.size() <= 256 && !Bloom::may_contain(bloom, store::token_key(n.field, t))) return false;
        return true;
      }
      if (type == FieldType::kIp && n.value.find(':') != std::string::npos) return true;  // v6 spellings vary
      if (n.value.size() > 256) return true;
      return Bloom::may_contain(bloom, store::field_value_key(n.field, n.value));
    }
  }
  return true;
}

void describe(const Node& n, std::string& out) {
  switch (n.kind) {
    case Node::kAll: out += "*"; return;
    case Node::kAnd:
    case Node::kOr: {
      out += "(";
      for (size_t i = 0; i < n.kids.size(); i++) {
        if (i) out += n.kind == Node::kAnd ? " AND " : " OR ";
        describe(*n.kids[i], out);
      }
      out += ")";
      return;
    }
    case Node::kNot:
      out += "NOT ";
      describe(*n.kids[0], out);
      return;
    case Node::kText: out += "text:\"" + n.value + "\""; return;
    case Node::kTerm: out += n.field + ":" + (n.op == Node::kRange ? "[" + n.lo + " TO " + n.hi + "]" : n.value); return;
  }
}

}  // namespace

Result<Query, QueryError> Query::parse(std::string_view text, int tz_sec) {
  auto lx = Lexer(text).run();
  if (auto* e = std::get_if<QueryError>(&lx)) return *e;
  auto pr = Parser(std::move(std::get<0>(lx)), tz_sec).run();
  if (auto* e = std::get_if<QueryError>(&pr)) return *e;
  Query q;
  q.root_ = std::shared_ptr<Node>(std::move(std::get<0>(pr)));
  q.tz_sec_ = tz_sec;
  return q;
}

namespace {
std::unique_ptr<Node> clone(const Node& n) {
  auto c = std::make_unique<Node>();
  c->kind = n.kind;
  c->field = n.field;
  c->field_id = n.field_id;
  c->value = n.value;
  c->op = n.op;
  c->phrase = n.phrase;
  c->lo = n.lo;
  c->hi = n.hi;
  c->lo_inclusive = n.lo_inclusive;
  c->hi_inclusive = n.hi_inclusive;
  c->cidr = n.cidr;
  c->tokens = n.tokens;
  for (const auto& k : n.kids) c->kids.push_back(clone(*k));
  return c;
}

void cost(const Node& n, size_t& terms, size_t& wild) {
  if (n.kind == Node::kTerm || n.kind == Node::kText) {
    terms++;
    if (n.op == Node::kGlob || n.value.find_first_of("*?") != std::string::npos) wild++;
  }
  for (const auto& k : n.kids) cost(*k, terms, wild);
}
}  // namespace

Query Query::all_of(const Query& a, const Query& b) {
  auto n = std::make_unique<Node>();
  n->kind = Node::kAnd;
  n->kids.push_back(clone(*a.root_));
  n->kids.push_back(clone(*b.root_));
  Query q;
  q.root_ = std::shared_ptr<Node>(std::move(n));
  q.tz_sec_ = a.tz_sec_;
  return q;
}

BasicStatus<QueryError> Query::within_budget(size_t max_terms, size_t max_wildcards) const {
  size_t terms = 0, wild = 0;
  cost(*root_, terms, wild);
  if (terms > max_terms)
    return QueryError{1, "查询条件过多 / the query has " + std::to_string(terms) + " terms; at most " + std::to_string(max_terms)};
  if (wild > max_wildcards)
    return QueryError{
        1, "通配符条件过多 / the query has " + std::to_string(wild) + " wildcard terms; at most " + std::to_string(max_wildcards)};
  return {};
}

bool Query::matches(const Event& ev) const { return eval(*root_, ev); }

bool term_matches(const Node& n, std::string_view value) { return match_value(n, value, FieldRegistry::type(n.field_id)); }

bool Query::may_match_block(std::string_view bloom, int64_t ts_min, int64_t ts_max) const { return may(*root_, bloom, ts_min, ts_max); }

std::string Query::describe() const {
  std::string s;
  wardsec::search::describe(*root_, s);
  return s;
}

}  // namespace wardsec::search
