// Reports waiting for the center (integrity events, inventory, checks, trusted digests): one
// file each in <state>/outbox, sent in order and removed once the center stored them, so a
// center that is away loses nothing. Bounded: past the limit a new report is refused and
// counted.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.h"

namespace wardsec::agent {

class Outbox {
 public:
  Outbox(std::string dir, int64_t max_bytes, int64_t max_files);
  Status put(const std::string& body);
  // The oldest: (its file, body).
  std::optional<std::pair<std::string, std::string>> oldest();
  void done(const std::string& file);
  int64_t files() const { return files_; }
  std::atomic<uint64_t> dropped{0};

 private:
  std::string dir_;
  int64_t max_bytes_, max_files_, bytes_ = 0, files_ = 0, next_ = 1;
  std::mutex mu_;
};

}  // namespace wardsec::agent
