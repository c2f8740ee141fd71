// The management records (安全管理记录) an assessor asks for beside the technical evidence:
// policies, the security organization and its people, training, inspections, suppliers and
// changes. Each kind is a schema (its fields, which catalog items its records evidence, and
// for how long a record stays fresh evidence), registered by one line in kinds.cc; the store,
// the CSV exchange, the API, the CLI and the console page are the same for every kind.
// docs/records.md.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::mgmt {

enum class FieldType {
  kText,      // one line, at most 200 characters
  kLongText,  // at most 4000 characters
  kDate,      // YYYY-MM-DD
  kDateTime,  // YYYY-MM-DD HH:MM (local time)
  kEnum,      // one of `options`
  kList,      // names (people, accounts, hosts): a JSON array, or ';'-separated in CSV
  kItems,     // catalog item ids (CE.IA.a ...) this record evidences beyond its kind's
  kSystem,    // an inventoried (graded) system's id: the record is about that system alone
  kNumber,    // a finite number in [min, max]
  kBool,      // yes/no (是/否, true/false, 1/0 in CSV)
};

struct Field {
  std::string name;  // the JSON key and CSV column
  std::string zh, en;
  FieldType type = FieldType::kText;
  bool required = false;
  std::vector<std::string> options;  // kEnum
  double min = 0, max = 0;           // kNumber
};

// How a kind's records count as evidence: every record evidences `items`, those `more_items`
// finds in its content, and its own kItems field. It is fresh while the first of `date_fields`
// it has lies within `fresh_days` of today (fresh_days 0: it does not age); a record with none
// of its dates is not fresh. `active` (optional) says whether a record counts at all (a person
// who left, a contract that ended, a policy withdrawn). `check` (optional) holds the rules
// across fields (an approved change names its approver and window).
struct Kind {
  std::string name, zh, en;
  std::vector<Field> fields;
  std::string title_field;  // names a record in lists and links
  std::vector<std::string> date_fields;
  int fresh_days = 0;
  std::vector<std::string> items;
  std::function<std::vector<std::string>(const nlohmann::json& data)> more_items;
  std::function<bool(const nlohmann::json& data, const std::string& today)> active;
  std::function<Status(const nlohmann::json& data)> check;
  bool single = false;  // one current record at most (the filing unit)

  const Field* field(const std::string& name) const;
  // Every catalog item a record evidences.
  std::vector<std::string> items_of(const nlohmann::json& data) const;
  // The date a record's freshness counts from ("" when it has none).
  std::string date_of(const nlohmann::json& data) const;
  // The system a record is about ("" when it is the whole hospital's).
  std::string system_of(const nlohmann::json& data) const;
};

// The registered kinds, in the console's order.
const std::vector<Kind>& kinds();
const Kind* find_kind(const std::string& name);

// What a record's references are checked against: catalog item ids and the inventory's systems.
struct Lookup {
  std::function<bool(const std::string&)> item, system;
};

// Checks a record's fields against its kind: unknown fields, required ones, types, enum values,
// dates, lengths; items and systems through `known`. Returns the record normalized (trimmed strings,
// lists without blanks, numbers as numbers). Errors name the field in both languages.
Result<nlohmann::json> validate(const Kind& k, const nlohmann::json& data, const Lookup& known);

// A value of a field read from a CSV cell (the lists ';'-separated; bool 是/否 too).
Result<nlohmann::json> from_cell(const Field& f, const std::string& cell);
// A field's value written to a CSV cell.
std::string to_cell(const Field& f, const nlohmann::json& v);

const char* type_name(FieldType t);

}  // namespace wardsec::mgmt
