// What the console shows about a rule: its texts in Chinese and English (title, description,
// false positives, what to check, what to do), its level and kind, and its tags by name:
// ATT&CK from rules/mapping/attack.tsv, 等保 controls from the requirement catalog.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "compliance/catalog.h"
#include "detect/ruleset.h"

namespace wardsec::server {

class RuleGuide {
 public:
  // `rules` may be null (detection off). A names file or catalog that does not load leaves
  // tags shown by their ids, with the reason logged.
  RuleGuide(const detect::RuleSet* rules, const std::string& attack_file, const std::string& catalog_file);
  // The rule or correlation an alert names (its id, else its title); nullopt when none is
  // loaded (the center's own alerts, a rule since removed).
  std::optional<nlohmann::json> rule(const std::string& id) const;
  // One tag as {tag, kind: attack|mlps|other, code, zh, en}; the names empty when unknown.
  nlohmann::json tag(const std::string& tag) const;
  // Every rule and correlation that raises alerts: id, level, kind and both titles (pickers).
  nlohmann::json list() const;
  bool has_rules() const { return rules_ != nullptr; }

 private:
  const detect::RuleSet* rules_;
  std::map<std::string, std::pair<std::string, std::string>> attack_;  // t1110 -> zh, en
  std::optional<compliance::Catalog> catalog_;
};

}  // namespace wardsec::server
