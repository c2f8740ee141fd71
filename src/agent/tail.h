// Following log files (日志转发): the files a list of globs names, read line by line from where
// the agent left off. A rotated file (renamed, a new one in its place) is read to its end
// through the handle still open before the new one is started; a truncated file (copytruncate)
// is read again from its start; a file first seen after the agent's first start is read from
// its start, and the files there at the very first start from their end (no flood of old
// history). Positions survive restarts (positions.json, written by the caller once what was
// read is in the spool); a file rotated while the agent was stopped is found by its inode
// beside its old name and finished first.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::agent {

struct LogLine {
  std::string file, text;
  bool cut = false;  // longer than the limit: cut
};

class Tailer {
 public:
  Tailer(std::vector<std::string> globs, std::string positions_path);
  ~Tailer();
  // Loads the positions (none: the first start).
  void load();
  void set_globs(std::vector<std::string> globs) { globs_ = std::move(globs); }
  // New complete lines from every file, at most about `max_bytes` of them.
  std::vector<LogLine> poll(size_t max_bytes);
  // Writes the positions of what poll() returned (call once that is in the spool).
  Status commit();
  size_t files() const { return files_.size(); }
  int64_t lag_bytes() const;  // unread bytes in the files followed
  uint64_t rotations = 0, truncations = 0;

  static constexpr size_t kMaxLine = 1u << 20;

 private:
  struct File {
    std::string path;
    int fd = -1;
    uint64_t dev = 0, ino = 0;
    int64_t off = 0;
    int old_fd = -1;  // the rotated file, still being finished
    int64_t old_off = 0;
    uint64_t old_ino = 0;
  };
  void read_fd(File& f, int fd, int64_t& off, std::vector<LogLine>& out, size_t& budget, bool final_part);
  std::vector<std::string> globs_;
  std::string positions_;
  std::map<std::string, File> files_;
  std::map<std::string, std::pair<uint64_t, int64_t>> saved_;  // path -> (inode, offset) at load
  bool first_start_ = true;
};

}  // namespace wardsec::agent
