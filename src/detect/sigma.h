// Sigma rules (https://github.com/SigmaHQ/sigma-specification), loaded from YAML into a
// matcher. This file holds the rule model, the loader and the reference ("naive") evaluator
// that checks one rule against one event; the compiled multi-rule engine builds on the same
// model.
#pragma once
#include <functional>
#include <array>
#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "core/strutil.h"

namespace wardsec::detect {

// One value of a detection item, after modifiers that transform values (base64, utf16,
// windash, expand) were applied. A single Sigma value can become several alternatives.
struct Matcher {
  enum Kind { kPattern, kRegex, kCidr, kNumber, kExists, kNull, kFieldRef, kTime } kind = kPattern;
  // kPattern: segments of literal text and wildcards (already lower-cased unless cased)
  struct Seg {
    enum Type { kLit, kStar, kOne } type;
    std::string text;
  };
  std::vector<Seg> segs;
  bool cased = false;
  // kRegex
  std::shared_ptr<void> re;                       // pcre2_code*, freed by its deleter; shared because matchers are copied
  bool re_i = false, re_m = false, re_s = false;  // the rule's regex flags
  // Set by the compiled engine that owns the rule set: this matcher's slot in its scan
  // results (kNotCompiled when the engine evaluates it directly).
  mutable uint32_t engine_slot = kNotCompiled;
  static constexpr uint32_t kNotCompiled = 0xffffffffu;
  std::string source;  // the value as written, for messages
  // kCidr
  std::optional<Cidr> cidr;
  // kNumber: op and bound; kTime: the same, on a part of a date
  enum Op { kEq, kLt, kLte, kGt, kGte } op = kEq;
  double number = 0;
  // kTime (time modifiers): 1 minute, 2 hour, 3 day, 4 week, 5 month, 6 year. `event_time`:
  // the test is on @timestamp, which is the event's time in the zone `tz_sec`.
  int time_part = 0;
  bool event_time = false;
  int tz_sec = 0;
  // kExists
  bool exists = true;
  // kFieldRef: the other field
  std::string other_field;
};

struct FieldTest {
  std::string field;                         // empty: keyword (any text of the event)
  bool all = false;                          // values ANDed (|all)
  bool negate = false;                       // |neq
  std::vector<std::vector<Matcher>> values;  // each value: its alternatives (OR)
  // Set by the compiled engine for a test that is true exactly when one of its matchers hit
  // (not negated, not |all, every matcher scanned): its slot in the scan results.
  mutable uint32_t engine_slot = Matcher::kNotCompiled;
};

// One named detection: a list of maps (OR); each map is a list of field tests (AND).
struct Detection {
  std::vector<std::vector<FieldTest>> alternatives;
};

struct Condition {
  enum Kind { kRef, kAnd, kOr, kNot, kOneOf, kAllOf } kind = kRef;
  std::string name;  // kRef; for kOneOf/kAllOf: the pattern (may end in *) or "them"
  std::vector<std::unique_ptr<Condition>> kids;
  // The detections `name` refers to, filled by resolve_conditions() once a rule's detections
  // no longer change (RuleSet::finish); empty: looked up by name.
  std::vector<const struct Detection*> resolved;
  bool is_resolved = false;
};

struct LogSource {
  std::string product, service, category;
};

// What a person reads about a rule, in one language: the Sigma fields title, description and
// falsepositives, and wardsec's triage advice (`triage`: what to check, what to do). English
// is the Sigma fields themselves; Chinese is the rule's `zh` block with the same keys.
struct RuleText {
  std::string title, description;
  std::vector<std::string> falsepositives, check, respond;
};

struct Rule {
  std::string id, name, title, status, level, description, file;
  std::vector<std::string> tags;
  RuleText en, zh;
  LogSource logsource;
  std::map<std::string, Detection> detections;
  std::vector<std::shared_ptr<Condition>> conditions;  // ORed (a condition list)
};

struct LoadOptions {
  // Values for %placeholders% used with |expand.
  std::map<std::string, std::vector<std::string>> placeholders;
  // Zone for time modifiers on @timestamp (the event time): China Standard Time by default.
  int tz_sec = 8 * 3600;
};

struct LoadError {
  std::string file;
  int line = 0;  // 1-based, 0 if unknown
  std::string reason;
  std::string to_string() const;
};

// A global filter (Sigma filters specification): its condition is ANDed to the condition of
// every rule it names (or of every rule of its logsource when `rules` is "any").
struct Filter {
  std::string id, title, file;
  int line = 0;
  LogSource logsource;
  bool any_rule = false;
  std::vector<std::string> rules;  // references: id or name
  std::map<std::string, Detection> detections;
  std::shared_ptr<Condition> condition;
};

// A correlation rule (Sigma correlation rules specification).
struct Correlation {
  enum Type { kEventCount, kValueCount, kTemporal, kTemporalOrdered, kValueSum, kValueAvg } type = kEventCount;
  std::string id, name, title, status, level, description, file;
  int line = 0;
  std::vector<std::string> tags;
  RuleText en, zh;
  std::vector<std::string> rules;                                     // references as written: id or name, in order
  std::vector<std::string> group_by;                                  // field names or aliases
  std::map<std::string, std::map<std::string, std::string>> aliases;  // alias -> rule name -> field
  int64_t timespan_ns = 0;
  // The condition: every (op, bound) must hold (a range is two of them). Empty for temporal
  // types without one: all referenced rules must match.
  enum Op { kGt, kGte, kLt, kLte, kEq, kNeq };
  std::vector<std::pair<Op, double>> condition;
  std::string field;  // value_count / value_sum / value_avg
  bool generate = false;
  static const char* type_name(Type t);
};

// Does `value` satisfy every criterion of a correlation condition?
bool correlation_condition_holds(const Correlation& c, double value);
// Sigma timespans: a number and one of s, m, h, d ("90m"). Nullopt when malformed.
std::optional<int64_t> parse_timespan(std::string_view s);

// Loads every document of a YAML file: detection rules, correlation rules and filters.
struct LoadResult {
  std::vector<Rule> rules;
  std::vector<Correlation> correlations;
  std::vector<Filter> filters;
  std::vector<LoadError> errors;
};
LoadResult load_rule_file(const std::string& path, const LoadOptions& opt = {});
LoadResult load_rule_text(const std::string& text, const std::string& name, const LoadOptions& opt = {});
Result<std::unique_ptr<Condition>> parse_condition(std::string_view text);
// Does a detection name match a condition's "1 of X" pattern (a name, a prefix*, or "them",
// which leaves out names starting with '_')?
bool detection_name_matches(const std::string& name, const std::string& pattern);

// Looks a Sigma field name up in an event: the name itself, then the forms Windows event
// exports use (Event.EventData.X, Event.System.X, Event.UserData.X, EventData.X, System.X). The mapping from Sigma's
// taxonomy to ECS names comes from data files (field mapping) in the engine.
using FieldLookup = std::function<std::optional<std::string_view>(const Event&, const std::string& field)>;
// Interns the candidate names on every call: for tools and tests; a rule set looks its
// fields up through its FieldTable.
std::optional<std::string_view> default_lookup(const Event& ev, const std::string& field);

// The field ids a Sigma field name may have in an event (the name, then the export forms).
using FieldCandidates = std::array<FieldId, 6>;
FieldCandidates field_candidates(const std::string& field);
std::optional<std::string_view> lookup_candidates(const Event& ev, const FieldCandidates& ids);

// The candidates of every name a rule set looks up, interned once when the set is finished
// and only read afterwards (any number of threads, no locks). A name it was not given is
// interned on the spot (the slow path).
class FieldTable {
 public:
  void add(const std::string& name);
  std::optional<std::string_view> lookup(const Event& ev, const std::string& name) const;

 private:
  std::unordered_map<std::string, FieldCandidates> ids_;
};

// Splits event files as rule authors have them: JSON lines, one JSON array, or concatenated
// (pretty-printed) JSON objects. Returns each object's text; text outside objects is ignored.
std::vector<std::string> split_json_objects(std::string_view text);

// Points the rule's conditions at its detections (saves a map lookup per reference). Only
// for a rule whose detections will not move or change again.
void resolve_conditions(Rule& rule);

// The reference evaluator: does `rule` match `ev`? Slow and simple on purpose; the compiled
// engine is tested against it.
bool naive_match(const Rule& rule, const Event& ev, const FieldLookup& lookup = default_lookup);

// The same evaluation with the compiled engine's scan results: hits[m.engine_slot] (0 or 1)
// answers every matcher the engine compiled; the others are evaluated here.
bool match_with_hits(const Rule& rule, const Event& ev, const FieldLookup& lookup, const char* hits);

// Glob segments of a pattern matcher as a regular expression (for the compiled engine).
std::string pattern_to_regex(const Matcher& m);

}  // namespace wardsec::detect
