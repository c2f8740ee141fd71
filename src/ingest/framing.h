// Stream framing for syslog over TCP/TLS (RFC 6587: octet counting and LF framing, detected
// per frame) and for RELP. Both are incremental: feed() takes whatever bytes arrived and
// emits every complete message; a partial one waits for more.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace wardsec::ingest {

class SyslogFramer {
 public:
  using Emit = std::function<void(std::string_view msg, bool truncated)>;
  explicit SyslogFramer(size_t max_frame = (1u << 20) + 1024) : max_(max_frame) {}
  void feed(std::string_view data, const Emit& emit);
  // The peer closed: a partial message is emitted (flagged truncated if it was octet-counted).
  void finish(const Emit& emit);
  // Counted frames whose count did not match the data (resynchronized at the next frame or
  // line start) and over-long lines.
  uint64_t framing_errors() const { return errors_; }
  size_t buffered() const { return buf_.size(); }

 private:
  static bool plausible_start(std::string_view s);
  static size_t inner_frame_start(std::string_view msg, std::string_view stream);
  std::string buf_;
  size_t max_;
  uint64_t errors_ = 0;
  bool skipping_ = false;    // discarding the rest of an over-long LF line
  uint64_t skip_bytes_ = 0;  // discarding the rest of an over-long (but plausible) counted frame
};

struct RelpFrame {
  uint64_t txnr = 0;
  std::string command;
  std::string data;
};

class RelpParser {
 public:
  explicit RelpParser(size_t max_data = 1u << 20 | 4096) : max_(max_data) {}
  // Returns false on a protocol error (the connection should be closed); error() says why.
  bool feed(std::string_view data, const std::function<void(RelpFrame&&)>& emit);
  const std::string& error() const { return err_; }

 private:
  std::string buf_;
  size_t max_;
  std::string err_;
};

}  // namespace wardsec::ingest
