// A cache of the detection engine's compiled vectorscan databases. Compiling every SigmaHQ
// rule takes seconds; loading the serialized databases takes a fraction of one. A cache file
// is named by the SHA-256 of everything its databases are made of — each database's
// expressions and flags in order, vectorscan's version and this machine's platform — so a
// changed rule, mapping, setting or vectorscan compiles afresh and never reads a stale file.
// A file that is damaged, truncated or made elsewhere is reported and compiled over.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

using hs_database_t = struct hs_database;

namespace wardsec::detect {

// What one database is compiled from.
struct DbSource {
  std::vector<std::string> patterns;
  std::vector<unsigned> flags;
};

// One compiled database: the indexes (into its DbSource) vectorscan refused, which go to the
// PCRE2 fallback, and the serialized database of the rest ("" when it refused them all).
struct CachedDb {
  std::vector<uint32_t> refused;
  std::string bytes;
};

// Compiles one database. An expression vectorscan refuses (it says which) is left out and
// named in `refused` (its index in `src`), and the rest is compiled again; nullptr when it
// refused them all.
Result<hs_database_t*> compile_db(const DbSource& src, std::vector<uint32_t>& refused);
// The cached databases, deserialized; false (and every one freed, `why` set) when any cannot
// be used.
bool load_cached(const std::vector<CachedDb>& cached, const std::vector<DbSource>& sources, std::vector<hs_database_t*>& built,
                 std::vector<std::vector<uint32_t>>& refused, std::string& why);

class DbCache {
 public:
  // `dir` is created (0700) when a file is first saved. Files beyond the newest `keep` are
  // removed on save, so rule changes do not fill the disk.
  explicit DbCache(std::string dir, size_t keep = 4) : dir_(std::move(dir)), keep_(keep) {}
  // The key of a list of databases.
  static std::string key(const std::vector<DbSource>& sources);
  // The databases saved under `key`, `count` of them; nullopt when there is no such file or it
  // cannot be used (`why` says what was wrong with it; empty when there was simply none).
  std::optional<std::vector<CachedDb>> load(const std::string& key, size_t count, std::string& why) const;
  Status save(const std::string& key, const std::vector<CachedDb>& dbs) const;
  std::string path(const std::string& key) const { return dir_ + "/" + key + ".hsdb"; }

 private:
  std::string dir_;
  size_t keep_;
};

}  // namespace wardsec::detect
