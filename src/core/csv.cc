#include "core/csv.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec {

Result<std::vector<std::vector<std::string>>> parse_csv(std::string_view t, const std::string& name) {
  if (size_t bad = utf8_error_offset(t); bad != std::string_view::npos)
    return Error{name + ":" + std::to_string(1 + std::count(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(bad), '\n')) +
                 ": not UTF-8 (save the file as UTF-8; Excel: CSV UTF-8)"};
  if (t.substr(0, 3) == "\xEF\xBB\xBF") t.remove_prefix(3);  // Excel's BOM
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_quotes = false, any = false;
  int line = 1, start_line = 1;
  for (size_t i = 0; i < t.size(); i++) {
    char c = t[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < t.size() && t[i + 1] == '"') {
          field.push_back('"');
          i++;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') line++;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || quoted) return Error{name + ":" + std::to_string(line) + ": a quote inside an unquoted field"};
      in_quotes = quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      quoted = false;
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < t.size() && t[i + 1] == '\n') i++;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      quoted = any = false;
      line++;
      start_line = line;
    } else {
      if (quoted) return Error{name + ":" + std::to_string(line) + ": text after a closing quote"};
      field.push_back(c);
      any = true;
    }
    if (rows.size() > 1000000) return Error{name + ": more than a million rows"};
  }
  if (in_quotes) return Error{name + ":" + std::to_string(start_line) + ": a quoted field is not closed"};
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); i++) {
    if (i) out.push_back(',');
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\n\r") == std::string::npos) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out;
}

}  // namespace wardsec

namespace wardsec {
void defuse_formula(std::string& v) {
  if (!v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos) v.insert(0, "'");
}
}  // namespace wardsec
