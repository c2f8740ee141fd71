// A loaded set of Sigma rules with their logsource routing and field mapping
// (rules/mapping/sigma.yaml): which events each rule sees, and how its field names map to
// wardsec's. Evaluation here uses the reference evaluator; the compiled engine replaces it
// on the hot path.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "detect/sigma.h"
#include "search/query.h"

namespace wardsec::detect {

struct SourceMapping {
  LogSource logsource;  // the keys this entry names (empty = any)
  std::string events_text;
  std::shared_ptr<search::Query> events;
  std::map<std::string, std::string> fields;  // Sigma name -> wardsec name
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
};

class RuleSet {
 public:
  explicit RuleSet(Mapping mapping) : mapping_(std::move(mapping)) {}
  // Loads rule files (a file or a folder, recursively *.yml / *.yaml). Errors are collected,
  // never fatal.
  void add_path(const std::string& path, const LoadOptions& opt = {});
  const std::vector<LoadedRule>& rules() const { return rules_; }
  const std::vector<LoadError>& errors() const { return errors_; }
  // Indexes of the rules that match `ev`. `route_unmapped`: evaluate rules without a mapping
  // entry against every event (rule authors' testing) instead of skipping them.
  std::vector<size_t> match(const Event& ev, bool route_unmapped = false) const;

 private:
  Mapping mapping_;
  std::vector<LoadedRule> rules_;
  std::vector<LoadError> errors_;
};

}  // namespace wardsec::detect
