// RFC 4180 CSV (inventory exchange, database audit exports).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wardsec {

// Quoted fields with "" escapes and embedded commas/newlines. Errors name the line. Rows are
// vectors of fields; the first row is the header.
Result<std::vector<std::vector<std::string>>> parse_csv(std::string_view text, const std::string& name);
std::string csv_line(const std::vector<std::string>& fields);
// A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
// apostrophe: exported text from logs and imports is attacker-controlled (CSV injection).
void defuse_formula(std::string& cell);

}  // namespace wardsec
