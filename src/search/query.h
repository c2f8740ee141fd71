// The search query language (docs/query-language.md):
//
//   field:value   field:"quoted phrase"   field:val*ue   field:*   (exists)
//   field:>=500   field:[100 TO 200]      source.ip:10.20.0.0/22
//   free text     "a phrase"   AND  OR  NOT  -term  ( ... )
//
// Terms side by side are ANDed. Matching is case-insensitive. Free text matches whole
// tokens of the message (use * for partial words).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "core/strutil.h"

namespace wardsec::search {

struct Node {
  enum Kind { kAnd, kOr, kNot, kTerm, kText, kAll } kind = kAll;
  std::vector<std::unique_ptr<Node>> kids;
  // kTerm / kText
  std::string field;  // kTerm
  FieldId field_id = kNoField;
  std::string value;  // lower-cased
  enum Op { kEq, kGlob, kExists, kRange, kCidr, kLt, kLe, kGt, kGe } op = kEq;
  bool phrase = false;
  std::string lo, hi;  // kRange (inclusive), or the bound for kLt..kGe in lo
  bool lo_inclusive = true, hi_inclusive = true;
  std::optional<Cidr> cidr;
  std::vector<std::string> tokens;  // lower-cased tokens of value, for the bloom filter
};

struct QueryError {
  size_t column;  // 1-based
  std::string message;
};

class Query {
 public:
  // Parses; on error, names the column. An empty query matches everything.
  static Result<Query, QueryError> parse(std::string_view text, int tz_sec = 8 * 3600);
  bool matches(const Event& ev) const;
  // False only when the block certainly holds no match (bloom index and time range).
  bool may_match_block(std::string_view bloom, int64_t ts_min, int64_t ts_max) const;
  const Node& root() const { return *root_; }
  // Both must match: a user's query and a restriction the server adds, combined as syntax
  // trees (never as text, so no input can reach outside its own parentheses).
  static Query all_of(const Query& a, const Query& b);
  // What the API lets one query cost: terms in all, and wildcard terms (each can scan every
  // token of every event). An error names the limit.
  BasicStatus<QueryError> within_budget(size_t max_terms = 64, size_t max_wildcards = 8) const;
  std::string describe() const;

 private:
  std::shared_ptr<Node> root_;  // shared: Query is copied into worker threads (immutable)
  int tz_sec_ = 0;
};

// Whether a term on a stored field (kTerm with a field_id, not @timestamp, event.received,
// event.original or tags) matches one present value of it, as Query::matches would.
bool term_matches(const Node& n, std::string_view value);

}  // namespace wardsec::search
