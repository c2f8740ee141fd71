// The inventory: security zones, graded systems (定级对象) and the assets they run on, kept in
// <data>/compliance.db and exchanged as CSV (RFC 4180, UTF-8, a header line naming the
// columns; docs/compliance.md). Assets are found by host name or address, so detection can
// say which graded system an alert touches.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"
#include "core/result.h"
#include "core/strutil.h"

struct sqlite3;

namespace wardsec::compliance {

using wardsec::csv_line;
using wardsec::parse_csv;

struct Zone {
  std::string name, name_zh, cidr, description;
};
struct System {
  std::string id;  // short stable key: his, emr, lis ...
  std::string name, name_en, kind;
  int level = 0;  // 0: not graded yet
  std::string owner, business, users, data;
};
struct Asset {
  std::string name;  // host name
  std::string ip, type, zone, system, os, owner;
};

class Inventory {
 public:
  static Result<std::unique_ptr<Inventory>> open(const std::string& path);
  ~Inventory();
  // Replaces (upserts by key) the rows of a CSV: kind is "zones", "systems" or "assets".
  // Every row is checked first; nothing is written when any row is wrong. Returns the rows.
  Result<size_t> import_csv(const std::string& kind, std::string_view text, const std::string& name);
  Result<std::string> export_csv(const std::string& kind);
  Result<std::vector<Zone>> zones();
  Result<std::vector<System>> systems();
  Result<std::vector<Asset>> assets();
  bool empty();
  // The level a confirmed grading gave a system (1-5).
  Status set_level(const std::string& system, int level);

 private:
  Inventory() = default;
  sqlite3* db_ = nullptr;
};

// Which asset (and graded system) an event names: by host name (case-insensitive) or address.
class AssetIndex {
 public:
  AssetIndex() = default;
  AssetIndex(const std::vector<Asset>& assets, const std::vector<System>& systems);
  struct Hit {
    const Asset* asset;
    const System* system;  // nullptr when the asset belongs to no graded system
  };
  std::optional<Hit> find(std::string_view host, std::string_view ip) const;
  size_t size() const { return assets_.size(); }

 private:
  std::vector<Asset> assets_;
  std::vector<System> systems_;
  std::vector<std::pair<std::string, size_t>> by_name_, by_ip_;  // sorted
};

}  // namespace wardsec::compliance
