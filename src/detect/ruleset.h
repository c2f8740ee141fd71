// A loaded set of Sigma rules with their logsource routing and field mapping
// (rules/mapping/sigma.yaml): which events each rule sees, and how its field names map to
// wardsec's. Evaluation here uses the reference evaluator; the compiled engine replaces it
// on the hot path.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/sigma.h"
#include "search/query.h"

namespace wardsec::detect {

struct SourceMapping {
  LogSource logsource;  // the keys this entry names (empty = any)
  std::string events_text;
  std::shared_ptr<search::Query> events;
  std::unordered_map<std::string, std::string> fields;  // Sigma name -> wardsec name
};

class Mapping {
 public:
  static Result<Mapping> load(const std::string& path);
  // The most specific entry for a rule's logsource, or nullptr.
  const SourceMapping* route(const LogSource& ls) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<SourceMapping> entries_;
};

struct LoadedRule {
  Rule rule;
  const SourceMapping* source = nullptr;  // nullptr: no mapping for its logsource
  bool standalone = true;                 // raises alerts itself (false when only correlations use it)
  std::vector<size_t> correlations;       // correlations that reference this rule
};

// A correlation with its references resolved: each is a rule or another correlation.
struct LoadedCorrelation {
  Correlation corr;
  struct Ref {
    bool is_correlation = false;
    size_t index = 0;
    size_t pos = 0;    // which entry of corr.rules it came from (the order for temporal_ordered)
    std::string name;  // the referenced rule's `name` (for aliases)
  };
  std::vector<Ref> refs;
  bool standalone = true;
  std::vector<size_t> correlations;  // correlations that reference this one
};

class RuleSet {
 public:
  explicit RuleSet(Mapping mapping) : mapping_(std::move(mapping)) {}
  // Loads rule files (a file or a folder, recursively *.yml / *.yaml). Errors are collected,
  // never fatal. Call finish() after the last one.
  void add_path(const std::string& path, const LoadOptions& opt = {});
  // Applies filters to the rules they name and resolves correlation references; a filter or
  // correlation that names an unknown rule, or a correlation cycle, is reported and dropped.
  void finish();
  bool finished() const { return finished_; }
  const std::vector<LoadedRule>& rules() const { return rules_; }
  const std::vector<LoadedCorrelation>& correlations() const { return correlations_; }
  const std::vector<Filter>& filters() const { return filters_; }
  const std::vector<LoadError>& errors() const { return errors_; }
  // A Sigma field of an event as rule `i` sees it: through its logsource's field mapping,
  // then the name itself.
  // Thread-safe after finish().
  std::optional<std::string_view> lookup(size_t i, const Event& ev, const std::string& field) const;
  // Indexes of the rules that match `ev`. `route_unmapped`: evaluate rules without a mapping
  // entry against every event (rule authors' testing) instead of skipping them.
  std::vector<size_t> match(const Event& ev, bool route_unmapped = false) const;

 private:
  Mapping mapping_;
  std::vector<LoadedRule> rules_;
  std::vector<LoadedCorrelation> correlations_;
  std::vector<Correlation> pending_correlations_;
  std::vector<Filter> filters_;
  std::vector<LoadError> errors_;
  bool finished_ = false;
  FieldTable fields_;  // filled by finish(), read-only afterwards
};

}  // namespace wardsec::detect
