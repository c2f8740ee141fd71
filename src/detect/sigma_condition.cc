// The Sigma condition grammar: and, or, not, parentheses, "1 of"/"all of" a name, a
// prefix* or them; and the pointing of conditions at their detections.
#include <cctype>

#include "detect/sigma.h"

namespace wardsec::detect {

namespace {

// ---- conditions --------------------------------------------------------------------------

class CondParser {
 public:
  explicit CondParser(std::string_view s) : s_(s) { lex(); }
  Result<std::unique_ptr<Condition>> run() {
    if (!err_.empty()) return Error{err_};
    if (toks_.empty()) return Error{"empty condition"};
    auto c = parse_or();
    if (!err_.empty()) return Error{err_};
    if (p_ < toks_.size()) return Error{"unexpected '" + toks_[p_] + "' in condition"};
    return c;
  }

 private:
  void lex() {
    size_t i = 0;
    while (i < s_.size()) {
      char c = s_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        i++;
      } else if (c == '(' || c == ')') {
        toks_.emplace_back(1, c);
        i++;
      } else if (c == '|') {
        err_ = "aggregation expressions ('|') are deprecated; use a correlation rule";
        return;
      } else {
        size_t j = i;
        while (j < s_.size() && !std::isspace(static_cast<unsigned char>(s_[j])) && s_[j] != '(' && s_[j] != ')') j++;
        toks_.emplace_back(s_.substr(i, j - i));
        i = j;
      }
    }
  }
  bool kw(const char* k) const { return p_ < toks_.size() && iequals(toks_[p_], k); }
  std::unique_ptr<Condition> node(Condition::Kind k) {
    auto c = std::make_unique<Condition>();
    c->kind = k;
    return c;
  }
  std::unique_ptr<Condition> parse_or() {
    auto l = parse_and();
    while (err_.empty() && kw("or")) {
      p_++;
      auto n = node(Condition::kOr);
      n->kids.push_back(std::move(l));
      n->kids.push_back(parse_and());
      l = std::move(n);
    }
    return l;
  }
  std::unique_ptr<Condition> parse_and() {
    auto l = parse_not();
    while (err_.empty() && kw("and")) {
      p_++;
      auto n = node(Condition::kAnd);
      n->kids.push_back(std::move(l));
      n->kids.push_back(parse_not());
      l = std::move(n);
    }
    return l;
  }
  std::unique_ptr<Condition> parse_not() {
    if (kw("not")) {
      p_++;
      auto n = node(Condition::kNot);
      n->kids.push_back(parse_not());
      return n;
    }
    return parse_primary();
  }
  std::unique_ptr<Condition> parse_primary() {
    if (p_ >= toks_.size()) {
      err_ = "condition ends where a term was expected";
      return node(Condition::kRef);
    }
    std::string t = toks_[p_++];
    if (t == "(") {
      auto c = parse_or();
      if (p_ >= toks_.size() || toks_[p_] != ")") {
        if (err_.empty()) err_ = "unbalanced '(' in condition";
        return c;
      }
      p_++;
      return c;
    }
    if (t == ")" || iequals(t, "and") || iequals(t, "or")) {
      err_ = "unexpected '" + t + "' in condition";
      return node(Condition::kRef);
    }
    bool quant = iequals(t, "all") || iequals(t, "any") ||
                 std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (quant && kw("of")) {
      p_++;
      if (p_ >= toks_.size()) {
        err_ = "'" + t + " of' needs a name pattern or 'them'";
        return node(Condition::kRef);
      }
      auto n = node(iequals(t, "all") ? Condition::kAllOf : Condition::kOneOf);
      if (!iequals(t, "all") && !iequals(t, "any") && t != "1") {
        err_ = "'" + t + " of' is not supported: use '1 of' or 'all of'";
      }
      n->name = toks_[p_++];
      return n;
    }
    auto n = node(Condition::kRef);
    n->name = t;
    return n;
  }

  std::string_view s_;
  std::vector<std::string> toks_;
  size_t p_ = 0;
  std::string err_;
};

}  // namespace

Result<std::unique_ptr<Condition>> parse_condition(std::string_view text) { return CondParser(text).run(); }

bool detection_name_matches(const std::string& name, const std::string& pattern) {
  if (pattern == "them") return name.empty() || name[0] != '_';
  if (!pattern.empty() && pattern.back() == '*') return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return name == pattern;
}

void resolve_conditions(Rule& rule) {
  // Each node points at the detections it names (saves a map lookup per reference).
  auto resolve = [&rule](auto& self, Condition& c) -> void {
    c.resolved.clear();
    if (c.kind == Condition::kRef) {
      c.resolved.push_back(&rule.detections.at(c.name));
    } else if (c.kind == Condition::kOneOf || c.kind == Condition::kAllOf) {
      for (const auto& [n, d] : rule.detections)
        if (detection_name_matches(n, c.name)) c.resolved.push_back(&d);
    }
    c.is_resolved = true;
    for (auto& k : c.kids) self(self, *k);
  };
  for (auto& c : rule.conditions) resolve(resolve, *c);
}

}  // namespace wardsec::detect
