// Management records to and from CSV (a spreadsheet the hospital already keeps: the staff
// list, a training sign-in sheet, the supplier register). The header names each column by its
// field name or its Chinese or English label, in any order; unknown columns are refused. A row
// with a number in the column "编号"/"id" (our export's) is that record edited: importing an
// export changed in a spreadsheet makes new versions of the rows that changed, and adds the rows
// without a number. Every row is checked before any is taken: a file is taken whole or not at
// all, and errors name the file, the row and the field.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mgmt/schema.h"
#include "mgmt/store.h"

namespace wardsec::mgmt {

struct CsvRow {
  int64_t id = 0;  // the record it edits; 0: a new one
  nlohmann::json data;
};
Result<std::vector<CsvRow>> read_csv(const Kind& k, std::string_view text, const std::string& name, const Lookup& known);
// The header in Chinese (en: English labels); cells a spreadsheet would run as formulas are
// defused.
std::string write_csv(const Kind& k, const std::vector<Record>& records, bool en = false);

// A sign-in sheet (姓名 and optionally 部门, 成绩/score columns; a header row) for a training:
// the names joined to its attendees and, when scores are given, each person's score in its
// results ("王芳:90", a later sheet's score replacing an earlier one) and the pass rate over all
// results (60 and over passes). Errors name the file and row.
Result<nlohmann::json> merge_sign_in(const nlohmann::json& training, std::string_view csv, const std::string& name);

}  // namespace wardsec::mgmt
