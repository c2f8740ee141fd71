// The agent's spool on disk: log records wait here until the center says they are durable.
// Records are numbered (the sequence the center de-duplicates by) and kept in segment files
// of one record a line; an append is on disk (fdatasync) before the caller moves its file
// positions on, and the acknowledged sequence is kept atomically. Bounded: a full spool
// refuses appends (the reader stops, the files wait), never drops.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::agent {

class Spool {
 public:
  // Opens DIR (made when missing), cutting a torn last record (a crash mid-append).
  static Result<std::unique_ptr<Spool>> open(const std::string& dir, int64_t max_bytes);
  ~Spool();
  // Appends records (one line each, no newline inside); durable when it returns. An error when
  // the spool has no room for them (nothing appended).
  Status append(std::span<const std::string> records);
  bool has_room(int64_t bytes) const { return bytes_ + bytes <= max_; }
  // The oldest records not acknowledged, up to the limits: (sequence of the first, records).
  std::pair<int64_t, std::vector<std::string>> peek(size_t max_records, size_t max_bytes);
  // The center has every record through `seq`: they are dropped (whole segments deleted).
  Status ack(int64_t seq);
  int64_t bytes() const { return bytes_; }
  int64_t records() const { return next_ - acked_ - 1; }
  int64_t acked() const { return acked_; }
  int64_t next() const { return next_; }

 private:
  Spool() = default;
  struct Segment {
    int64_t first = 0;  // sequence of its first record
    int64_t count = 0;
    int64_t size = 0;
    std::string path;
  };
  Status roll();
  std::string dir_;
  int64_t max_ = 0, bytes_ = 0;
  int64_t next_ = 1, acked_ = 0;  // the next sequence to give; the last acknowledged
  std::vector<Segment> segs_;
  int fd_ = -1;  // the last segment, open for appending
  // Where peek reads: the record after acked_ (segment index, byte offset, its sequence).
  size_t rseg_ = 0;
  int64_t roff_ = 0, rseq_ = 1;
};

}  // namespace wardsec::agent
