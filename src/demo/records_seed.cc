#include "demo/records_seed.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "mgmt/exchange.h"

namespace wardsec::demo {

namespace {

constexpr int kWrittenFor = 2026;

// Every YYYY-MM-DD in the text moved by `years` (29 February to the 28th where it must).
std::string shift_years(std::string text, int years) {
  if (years == 0) return text;
  for (size_t i = 0; i + 10 <= text.size(); i++) {
    std::string d = text.substr(i, 10);
    if (!compliance::is_date(d) || (i > 0 && is_digit(text[i - 1]))) continue;
    std::string moved = std::to_string(std::stoi(d.substr(0, 4)) + years) + d.substr(4);
    if (!compliance::is_date(moved)) moved = moved.substr(0, 8) + "28";
    text.replace(i, 10, moved);
    i += 9;
  }
  return text;
}

}  // namespace

Status seed_records(const std::string& data_dir, const std::string& dir, const std::string& catalog_file, int tz_sec, int64_t now) {
  auto rs = mgmt::Records::open(DataDir(data_dir).records_db());
  if (!rs) return Error{rs.error()};
  auto cat = compliance::Catalog::load(catalog_file);
  if (!cat) return Error{cat.error()};
  auto inv = compliance::Inventory::open(DataDir(data_dir).compliance_db());
  if (!inv) return Error{inv.error()};
  auto systems = (*inv)->systems();
  if (!systems) return Error{systems.error()};
  mgmt::Lookup known{
      [&](const std::string& id) { return cat->find(id) != nullptr; },
      [&](const std::string& id) { return std::any_of(systems->begin(), systems->end(), [&](const auto& s) { return s.id == id; }); }};
  int years = std::stoi(format_rfc3339(now + tz_sec * kSec).substr(0, 4)) - kWrittenFor;
  for (const auto& k : mgmt::kinds()) {
    std::string path = dir + "/" + k.name + ".csv";
    if (!std::filesystem::exists(path)) continue;
    auto have = (*rs)->list(k.name, true);
    if (!have) return Error{have.error()};
    if (!have->empty()) continue;
    std::ifstream f(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto rows = mgmt::read_csv(k, shift_years(std::move(text), years), path, known);
    if (!rows) return Error{rows.error()};
    std::vector<nlohmann::json> data;
    for (auto& row : *rows) data.push_back(std::move(row.data));
    if (auto ids = (*rs)->add_all(k, data, "demo", now); !ids) return Error{ids.error()};
  }
  return {};
}

}  // namespace wardsec::demo
