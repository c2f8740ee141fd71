#include "ingest/framing.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::ingest {

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
      if (rest[i] == ' ' && len > 0) {
        if (len > max_) {
          // Too long to keep whole: emit the first max_ bytes as truncated, skip the rest.
          if (rest.size() < i + 1 + max_) break;
          errors_++;
          emit(rest.substr(i + 1, max_), true);
          pos += i + 1 + max_;
          skip_bytes_ = len - max_;
          continue;
        }
        if (rest.size() < i + 1 + len) break;  // frame incomplete
        emit(rest.substr(i + 1, len), false);
        pos += i + 1 + len;
        continue;
      }
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
