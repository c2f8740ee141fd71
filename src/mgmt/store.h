// The management records' store (<data>/records.db, SQLite). A record is never overwritten:
// each change is a new version, kept with who made it and when, and a record is withdrawn
// (作废), not deleted, so an assessor sees what was on file on any day. Attachments (a scanned
// sign-in sheet, a photo of a finding, a signed agreement) are files under <data>/evidence named
// by their SHA-256, as the workbench's documents are.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "mgmt/schema.h"

struct sqlite3;

namespace wardsec::mgmt {

struct Record {
  int64_t id = 0;
  std::string kind;
  int version = 0;
  nlohmann::json data;
  std::string created_by, by;   // who made it, who made this version
  int64_t created = 0, at = 0;  // ns
  bool withdrawn = false;
};

struct Attachment {
  int64_t record = 0;
  std::string name, sha256;
  int64_t size = 0;
  std::string by;
  int64_t at = 0;
};

class Records {
 public:
  static Result<std::unique_ptr<Records>> open(const std::string& path);
  ~Records();
  // `data` must have passed validate() for `k`.
  Result<int64_t> add(const Kind& k, const nlohmann::json& data, const std::string& by, int64_t now);
  // Several at once, all or none (an import).
  Result<std::vector<int64_t>> add_all(const Kind& k, const std::vector<nlohmann::json>& data, const std::string& by, int64_t now);
  // An import: the rows with an id are new versions of those records (unchanged ones are left
  // alone; an id that is not a current record of the kind refuses the whole import), the others
  // are added; all or none. Returns {added, updated}.
  Result<std::pair<size_t, size_t>> import(const Kind& k, const std::vector<std::pair<int64_t, nlohmann::json>>& rows,
                                           const std::string& by, int64_t now);
  // A new version of a current record.
  Status update(const Kind& k, int64_t id, const nlohmann::json& data, const std::string& by, int64_t now);
  Status withdraw(const Kind& k, int64_t id, const std::string& by, int64_t now);
  // The current version of every record of a kind, oldest first.
  Result<std::vector<Record>> list(const std::string& kind, bool with_withdrawn = false);
  Result<Record> get(const std::string& kind, int64_t id);
  // Every version, oldest first.
  Result<std::vector<Record>> history(const std::string& kind, int64_t id);
  Status attach(const std::string& kind, const Attachment& a);
  Result<std::vector<Attachment>> attachments(const std::string& kind, int64_t id);

 private:
  Records() = default;
  Result<int64_t> insert(const Kind& k, const nlohmann::json& data, const std::string& by, int64_t now);
  Status single_ok(const Kind& k, size_t adding);
  Status new_version(int64_t id, int version, const nlohmann::json& data, const std::string& by, int64_t now, const char* note);
  sqlite3* db_ = nullptr;
};

}  // namespace wardsec::mgmt
