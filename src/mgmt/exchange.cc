#include "mgmt/exchange.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "core/csv.h"
#include "core/strutil.h"

namespace wardsec::mgmt {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxRows = 20000;

std::string where(const std::string& name, size_t row) {
  return name + ": 第 " + std::to_string(row) + " 行 / row " + std::to_string(row) + ": ";
}

bool blank_row(const std::vector<std::string>& r) {
  return std::all_of(r.begin(), r.end(), [](const std::string& c) { return trim(c).empty(); });
}

// The header's column for a field, by name or label.
const Field* column_field(const Kind& k, const std::string& h) {
  for (const auto& f : k.fields)
    if (iequals(h, f.name) || h == f.zh || iequals(h, f.en)) return &f;
  return nullptr;
}

}  // namespace

Result<std::vector<CsvRow>> read_csv(const Kind& k, std::string_view text, const std::string& name, const Lookup& known) {
  auto rows = parse_csv(text, name);
  if (!rows) return Error{rows.error()};
  size_t first = 0;
  while (first < rows->size() && (blank_row((*rows)[first]) || trim((*rows)[first][0]).substr(0, 1) == "#")) first++;
  if (first == rows->size()) return Error{name + ": 文件中没有表头和记录 / the file has no header and no records"};
  const auto& header = (*rows)[first];
  std::vector<const Field*> cols;
  int id_col = -1;
  for (const auto& h : header) {
    std::string c(trim(h));
    if (c == "编号" || iequals(c, "id")) {
      if (id_col >= 0) return Error{where(name, first + 1) + "编号列重复 / the id column appears twice"};
      id_col = static_cast<int>(cols.size());
      cols.push_back(nullptr);
      continue;
    }
    const Field* f = column_field(k, c);
    if (!f) return Error{where(name, first + 1) + "“" + k.zh + "”没有列 '" + c + "' / a " + k.en + " record has no column '" + c + "'"};
    if (std::find(cols.begin(), cols.end(), f) != cols.end())
      return Error{where(name, first + 1) + "列 '" + c + "' 重复 / column '" + c + "' appears twice"};
    cols.push_back(f);
  }
  std::vector<CsvRow> out;
  std::vector<int64_t> seen;
  for (size_t i = first + 1; i < rows->size(); i++) {
    const auto& row = (*rows)[i];
    if (blank_row(row)) continue;
    if (row.size() > cols.size()) return Error{where(name, i + 1) + "列数多于表头 / more cells than the header has columns"};
    if (out.size() >= kMaxRows)
      return Error{name + ": 超过 " + std::to_string(kMaxRows) + " 条记录 / more than " + std::to_string(kMaxRows) + " records"};
    CsvRow one;
    if (id_col >= 0 && static_cast<size_t>(id_col) < row.size() && !trim(row[id_col]).empty()) {
      if (!parse_i64(trim(row[id_col]), one.id) || one.id <= 0)
        return Error{where(name, i + 1) + "编号须为正整数，而非 '" + row[id_col] + "' / the id is a positive number, not '" + row[id_col] +
                     "'"};
      if (std::find(seen.begin(), seen.end(), one.id) != seen.end())
        return Error{where(name, i + 1) + "编号 " + std::to_string(one.id) + " 重复 / id " + std::to_string(one.id) + " appears twice"};
      seen.push_back(one.id);
    }
    json d = json::object();
    for (size_t c = 0; c < row.size(); c++) {
      if (!cols[c]) continue;
      auto v = from_cell(*cols[c], row[c]);
      if (!v) return Error{where(name, i + 1) + v.error()};
      if (!v->is_null()) d[cols[c]->name] = std::move(*v);
    }
    auto ok = validate(k, d, known);
    if (!ok) return Error{where(name, i + 1) + ok.error()};
    one.data = std::move(*ok);
    out.push_back(std::move(one));
  }
  if (out.empty()) return Error{name + ": 只有表头，没有记录 / a header and no records"};
  return out;
}

std::string write_csv(const Kind& k, const std::vector<Record>& records, bool en) {
  std::vector<std::string> head = {en ? "id" : "编号"};
  for (const auto& f : k.fields) head.push_back(en ? f.en : f.zh);
  std::string out = "\xEF\xBB\xBF" + csv_line(head) + "\r\n";  // the BOM: Excel reads UTF-8 by it
  for (const auto& r : records) {
    std::vector<std::string> cells = {std::to_string(r.id)};
    for (const auto& f : k.fields) {
      std::string c = to_cell(f, r.data.contains(f.name) ? r.data[f.name] : json(nullptr));
      defuse_formula(c);
      cells.push_back(std::move(c));
    }
    out += csv_line(cells) + "\r\n";
  }
  return out;
}

Result<json> merge_sign_in(const json& training, std::string_view text, const std::string& name) {
  auto rows = parse_csv(text, name);
  if (!rows) return Error{rows.error()};
  size_t first = 0;
  while (first < rows->size() && blank_row((*rows)[first])) first++;
  if (first == rows->size()) return Error{name + ": 签到表为空 / the sign-in sheet is empty"};
  int name_col = -1, score_col = -1;
  const auto& header = (*rows)[first];
  for (size_t c = 0; c < header.size(); c++) {
    std::string h = to_lower(trim(header[c]));
    if (h == "姓名" || h == "name") name_col = static_cast<int>(c);
    if (h == "成绩" || h == "得分" || h == "分数" || h == "score") score_col = static_cast<int>(c);
  }
  if (name_col < 0) return Error{where(name, first + 1) + "表头须有“姓名”列 / the header needs a 姓名 (name) column"};
  json out = training;
  json att = out.contains("attendees") && out["attendees"].is_array() ? out["attendees"] : json::array();
  std::map<std::string, double> scores;  // the results already recorded, then this sheet's
  if (out.contains("results") && out["results"].is_array())
    for (const auto& r : out["results"]) {
      std::string s = r.is_string() ? r.get<std::string>() : "";
      size_t colon = s.rfind(':');
      if (colon != std::string::npos) scores[s.substr(0, colon)] = std::strtod(s.c_str() + colon + 1, nullptr);
    }
  size_t scored = 0, added = 0;
  for (size_t i = first + 1; i < rows->size(); i++) {
    const auto& row = (*rows)[i];
    if (blank_row(row)) continue;
    if (static_cast<size_t>(name_col) >= row.size() || trim(row[name_col]).empty())
      return Error{where(name, i + 1) + "姓名为空 / the name is empty"};
    std::string who(trim(row[name_col]));
    if (std::find(att.begin(), att.end(), json(who)) == att.end()) {
      att.push_back(who);
      added++;
    }
    if (score_col >= 0 && static_cast<size_t>(score_col) < row.size() && !trim(row[score_col]).empty()) {
      std::string sc(trim(row[score_col]));
      char* end = nullptr;
      double v = std::strtod(sc.c_str(), &end);
      if (end != sc.c_str() + sc.size() || !std::isfinite(v) || v < 0 || v > 100)
        return Error{where(name, i + 1) + "成绩须为 0 到 100 的数，而非 '" + sc + "' / a score is a number in 0-100, not '" + sc + "'"};
      scored++;
      scores[who] = v;
    }
  }
  if (added == 0 && scored == 0) return Error{name + ": 签到表中没有人员 / the sign-in sheet names nobody"};
  out["attendees"] = att;
  if (scored > 0) {
    json results = json::array();
    size_t passed = 0;
    for (const auto& [who, v] : scores) {
      std::ostringstream s;
      s << who << ':' << v;
      results.push_back(s.str());
      passed += v >= 60;
    }
    out["results"] = results;
    out["pass_rate"] = std::round(1000.0 * static_cast<double>(passed) / static_cast<double>(scores.size())) / 10.0;
  }
  return out;
}

}  // namespace wardsec::mgmt
