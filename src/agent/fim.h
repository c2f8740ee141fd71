// File integrity monitoring (完整性检测) on the agent: a baseline of every file under the
// watched paths (size, mode, owner, inode, mtime, SM3 and SHA-256) in <state>/fim.db; a full
// scan on a schedule compares the files with it (a file whose size, times, inode, mode and owner
// are all unchanged is not read again); inotify reports changes as they happen, coalesced per
// path (a file written 1,000 times a second is checked at most once a second, the writes
// counted); who changed a file comes from auditd's records where auditd runs (who-data); a text
// configuration file's change carries its diff (never for the no_diff files: no secrets leave
// the host). Every queue is bounded and what does not fit is counted.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "fleet/agent_config.h"

struct sqlite3;

namespace wardsec::agent {

class WhoData;

struct FileMeta {
  int64_t size = 0, mtime = 0, ctime = 0;
  uint64_t ino = 0;
  uint32_t mode = 0, uid = 0, gid = 0;
  std::string sm3, sha256;  // "" for a folder or a file too large to read
  nlohmann::json to_json() const;
};

struct FimStats {
  std::atomic<int64_t> files{0}, watches{0}, unwatched{0}, skipped{0}, events{0}, coalesced{0}, dropped{0}, scans{0}, not_itemised{0};
};

class Fim {
 public:
  Fim(fleet::AgentConfig cfg, std::string state_dir);
  ~Fim();
  Status open();
  // Walks the watched paths against the baseline and updates it. The first scan makes the
  // baseline (one "baseline" event); later ones give an event per difference.
  std::vector<nlohmann::json> scan(const std::atomic<bool>& stop);
  // Sets up inotify on the watched folders (at most fim_max_watches).
  void watch();
  // The paths inotify named that have been quiet for a moment, checked: their events.
  std::vector<nlohmann::json> poll(int wait_ms);
  const FimStats& stats() const { return stats_; }
  bool whodata_active() const;
  std::string whodata_state() const;

 private:
  bool excluded(const std::string& path) const;
  bool diffable(const std::string& path) const;
  std::optional<FileMeta> meta(const std::string& path, bool hash) const;
  // Compares `path` now with its baseline row; updates the row; appends an event when different.
  void check(const std::string& path, bool realtime, int64_t count, std::vector<nlohmann::json>& out);
  void add_watch(const std::string& dir);
  fleet::AgentConfig cfg_;
  std::string state_;
  sqlite3* db_ = nullptr;
  int ino_fd_ = -1;
  std::map<int, std::string> wd_;                               // watch -> folder
  std::map<std::string, std::pair<int64_t, int64_t>> pending_;  // path -> (first seen ns, notifications)
  std::unique_ptr<WhoData> who_;
  FimStats stats_;
  bool rescan_ = false;  // the kernel's queue overflowed: a scan is due
 public:
  bool rescan_due() {
    bool r = rescan_;
    rescan_ = false;
    return r;
  }
};

// Line differences of two texts (a unified diff with context, as the device configurations have), at most
// `max_bytes` long ("" when equal).
std::string text_diff(const std::string& before, const std::string& after, size_t max_bytes = 65536);

}  // namespace wardsec::agent
