#include "ingest/framing.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::ingest {

// Whether text starts like a frame: an octet count ("123 <"), a syslog PRI ("<13>"), or a
// separator. Used to check where a counted frame ends.
bool SyslogFramer::plausible_start(std::string_view s) {
  if (s.empty() || s[0] == '\n' || s[0] == '\r' || s[0] == '\0') return true;
  if (s[0] == '<') return s.size() < 2 || is_digit(s[1]);
  size_t i = 0;
  while (i < s.size() && i < 10 && is_digit(s[i])) i++;
  if (i == 0) return false;
  if (i == s.size()) return true;  // more bytes will tell
  return s[i] == ' ' && (i + 1 == s.size() || s[i + 1] == '<');
}

// Where a frame ("NNN <PRI>...") or a syslog line ("<PRI>...") starts after a line break
// inside a counted message: senders that count escape their line breaks, so a break followed
// by a frame start means the count ran past the message's end.
size_t SyslogFramer::inner_frame_start(std::string_view msg, std::string_view stream) {
  // Frames back to back without line breaks (how counting senders send): a "NNN <PRI>"
  // inside whose count lands on another frame start (or the data's end) is the next frame.
  // Only a " <" inside the message can start one (the search never runs on into the buffer).
  std::string_view inside = stream.substr(0, msg.size() + 1);
  for (size_t lt = inside.find(" <"); lt != std::string_view::npos && lt < msg.size(); lt = inside.find(" <", lt + 1)) {
    if (lt + 2 >= stream.size() || !is_digit(stream[lt + 2])) continue;
    size_t d = lt;
    while (d > 0 && lt - d < 9 && is_digit(stream[d - 1])) d--;
    for (size_t from = lt - 1; from + 1 > d && from < lt; from--) {  // the shortest count first
      uint64_t n = 0;
      for (size_t k = from; k < lt; k++) n = n * 10 + static_cast<uint64_t>(stream[k] - '0');
      size_t end = lt + 1 + static_cast<size_t>(n);
      if (n > 0 && from > 0 && end <= stream.size() && plausible_start(stream.substr(end))) return from;
      if (from == 0) break;
    }
  }
  for (size_t nl = msg.find('\n'); nl != std::string_view::npos && nl + 1 < msg.size(); nl = msg.find('\n', nl + 1)) {
    std::string_view after = msg.substr(nl + 1);
    size_t i = 0;
    while (i < after.size() && i < 10 && is_digit(after[i])) i++;
    if (i > 0 && i + 2 < after.size() && after[i] == ' ' && after[i + 1] == '<' && is_digit(after[i + 2])) return nl + 1;
    if (i == 0 && after.size() > 2 && after[0] == '<' && is_digit(after[1])) return nl + 1;
  }
  return std::string_view::npos;
}

void SyslogFramer::feed(std::string_view data, const Emit& emit) {
  buf_.append(data);
  size_t pos = 0;
  for (;;) {
    std::string_view rest = std::string_view(buf_).substr(pos);
    if (rest.empty()) break;
    if (skip_bytes_) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(skip_bytes_, rest.size()));
      pos += n;
      skip_bytes_ -= n;
      continue;
    }
    if (skipping_) {
      size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) {
        pos = buf_.size();
        break;
      }
      pos += nl + 1;
      skipping_ = false;
      continue;
    }
    // Stray separators between frames.
    if (rest[0] == '\n' || rest[0] == '\r' || rest[0] == '\0') {
      pos++;
      continue;
    }
    if (is_digit(rest[0])) {
      // Octet counting: "LEN SP MSG". Anything else starting with a digit is an LF line.
      size_t i = 0;
      uint64_t len = 0;
      while (i < rest.size() && i < 10 && is_digit(rest[i])) len = len * 10 + static_cast<uint64_t>(rest[i++] - '0');
      if (i == rest.size()) break;  // need more bytes to decide
      if (rest[i] == ' ' && len > 0 && len <= max_) {
        if (rest.size() < i + 1 + len) break;  // frame incomplete
        std::string_view msg = rest.substr(i + 1, len);
        // A count that does not match the data (too long: it swallows the next frame; too
        // short: the rest of the message follows) shows at the frame's edges: cut at the
        // first frame start inside, else read it as a line.
        bool next_ok = rest.size() == i + 1 + len || plausible_start(rest.substr(i + 1 + len));
        size_t inner = inner_frame_start(msg, rest.substr(i + 1));
        if (inner == std::string_view::npos && next_ok) {
          emit(msg, false);
          pos += i + 1 + len;
          continue;
        }
        errors_++;
        if (inner != std::string_view::npos) {
          std::string_view head = msg.substr(0, inner);
          while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.remove_suffix(1);
          if (!head.empty()) emit(head, false);
          pos += i + 1 + inner;
          continue;
        }
        // Too short: the message goes on to the end of its line.
        size_t nl = rest.find('\n', i + 1);
        if (nl == std::string_view::npos) break;  // wait for the line's end
        std::string_view line = rest.substr(i + 1, nl - i - 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        emit(line.substr(0, max_), line.size() > max_);
        pos += nl + 1;
        continue;
      }
      if (rest[i] == ' ' && len > max_ && len <= 16 * static_cast<uint64_t>(max_)) {
        // Longer than we keep, but a length a sender may use: the first max_ bytes are kept
        // (flagged truncated) and the rest of the frame is skipped.
        if (rest.size() < i + 1 + max_) break;
        errors_++;
        emit(rest.substr(i + 1, max_), true);
        pos += i + 1 + max_;
        skip_bytes_ = len - max_;
        continue;
      }
      // A count no sender would use (like 999999999): not trusted. The data is read as
      // LF-framed lines from here, so one bad count costs one line, not the rest of the
      // connection.
      if (rest[i] == ' ' && len > max_) errors_++;
    }
    // LF framing.
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      if (rest.size() > max_) {
        errors_++;
        emit(rest.substr(0, max_), true);
        pos = buf_.size();
        skipping_ = true;
      }
      break;
    }
    std::string_view line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_) {
      errors_++;
      emit(line.substr(0, max_), true);
    } else if (!line.empty()) {
      emit(line, false);
    }
    pos += nl + 1;
  }
  buf_.erase(0, pos);
}

void SyslogFramer::finish(const Emit& emit) {
  if (!skipping_ && !skip_bytes_ && !buf_.empty()) {
    std::string_view rest = trim(buf_);
    bool octet = false;
    size_t i = 0;
    while (i < rest.size() && i < 10 && is_digit(rest[i])) i++;
    if (i > 0 && i < rest.size() && rest[i] == ' ') {
      octet = true;
      rest = rest.substr(i + 1);
      errors_++;
    }
    if (!rest.empty()) emit(rest, octet);
  }
  buf_.clear();
  skipping_ = false;
  skip_bytes_ = 0;
}

bool RelpParser::feed(std::string_view data, const std::function<void(RelpFrame&&)>& emit) {
  buf_.append(data);
  size_t pos = 0;
  for (;;) {
    std::string_view r = std::string_view(buf_).substr(pos);
    while (!r.empty() && (r[0] == '\n' || r[0] == '\r')) {
      r.remove_prefix(1);
      pos++;
    }
    if (r.empty()) break;
    // TXNR SP COMMAND SP DATALEN [SP DATA] LF
    size_t sp1 = r.find(' ');
    if (sp1 == std::string_view::npos) {
      if (r.size() > 16) {
        err_ = "RELP: transaction number too long or missing";
        return false;
      }
      break;
    }
    uint64_t txnr;
    if (!parse_u64(r.substr(0, sp1), txnr) || sp1 > 9) {
      err_ = "RELP: bad transaction number";
      return false;
    }
    size_t sp2 = r.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) {
      if (r.size() - sp1 > 40) {
        err_ = "RELP: command too long";
        return false;
      }
      break;
    }
    std::string_view cmd = r.substr(sp1 + 1, sp2 - sp1 - 1);
    if (cmd.empty() || cmd.size() > 32) {
      err_ = "RELP: bad command";
      return false;
    }
    size_t i = sp2 + 1;
    uint64_t len = 0;
    size_t digits = 0;
    while (i < r.size() && is_digit(r[i]) && digits < 10) {
      len = len * 10 + static_cast<uint64_t>(r[i] - '0');
      i++;
      digits++;
    }
    if (i == r.size()) break;
    if (digits == 0) {
      err_ = "RELP: bad data length";
      return false;
    }
    if (len > max_) {
      err_ = "RELP: frame larger than " + std::to_string(max_) + " bytes";
      return false;
    }
    size_t data_start = i;
    if (len > 0) {
      if (r[i] != ' ') {
        err_ = "RELP: missing space before data";
        return false;
      }
      data_start = i + 1;
    }
    if (r.size() < data_start + len + 1) break;  // incomplete
    if (r[data_start + len] != '\n') {
      err_ = "RELP: frame trailer is not LF";
      return false;
    }
    RelpFrame f;
    f.txnr = txnr;
    f.command = std::string(cmd);
    f.data = std::string(r.substr(data_start, len));
    emit(std::move(f));
    pos += data_start + len + 1;
  }
  buf_.erase(0, pos);
  return true;
}

}  // namespace wardsec::ingest
