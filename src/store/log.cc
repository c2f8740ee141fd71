// The checkpoint log (<data>/checkpoints.log): signed checkpoints, retention receipts and
// recovery records, one per line, each chained to the line before it.
#include <fstream>

#include "core/strutil.h"
#include "store/store.h"

namespace wardsec::store {
namespace {

std::string kv(std::string_view line, std::string_view key) {
  std::string pat = " ";
  pat.append(key).append("=");
  size_t p = line.find(pat);
  if (p == std::string_view::npos) return {};
  std::string_view r = line.substr(p + pat.size());
  return std::string(r.substr(0, r.find(' ')));
}

// "12-40" into (12, 40); "none" is an empty range.
bool parse_range(const std::string& s, uint64_t& a, uint64_t& b, bool& any) {
  any = false;
  if (s == "none") return true;
  size_t dash = s.find('-');
  if (dash == std::string::npos || !parse_u64(std::string_view(s).substr(0, dash), a) ||
      !parse_u64(std::string_view(s).substr(dash + 1), b) || b < a)
    return false;
  any = true;
  return true;
}

}  // namespace

std::string default_key_dir(const std::string& data_dir) {
  std::string d = data_dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d + ".keys";
}

std::string log_field(std::string_view line, std::string_view key) { return kv(line, key); }

std::vector<std::string> read_lines(const std::string& path, bool* torn_tail) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  if (torn_tail) *torn_tail = false;
  if (!in) return out;
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  while (start < all.size()) {
    size_t nl = all.find('\n', start);
    if (nl == std::string::npos) {
      if (torn_tail) *torn_tail = true;
      break;
    }
    out.push_back(all.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

Result<LogRecord> parse_log_record(std::string_view line) {
  LogRecord r;
  r.line = std::string(line);
  if (starts_with(line, "wardsec-checkpoint "))
    r.kind = LogRecord::kCheckpoint;
  else if (starts_with(line, "wardsec-expired "))
    r.kind = LogRecord::kExpired;
  else if (starts_with(line, "wardsec-recovered "))
    r.kind = LogRecord::kRecovered;
  else
    return Error{"not a checkpoint, receipt or recovery line"};
  size_t sig = line.find(" sig=");
  if (sig == std::string_view::npos) return Error{"line has no signature"};
  r.signed_part = std::string(line.substr(0, sig));
  r.sig = std::string(line.substr(sig + 5));
  auto num = [&](std::string_view k, uint64_t& v) { return parse_u64(kv(line, k), v); };
  auto inum = [&](std::string_view k, int64_t& v) { return parse_i64(kv(line, k), v); };
  uint64_t closed = 0;
  if (!num("seq", r.seq) || !num("segment", r.segment) || !num("events", r.events) || !inum("first", r.first) || !inum("last", r.last) ||
      !inum("at", r.at))
    return Error{"line is missing a required field"};
  r.prev = kv(line, "prev");
  r.head = kv(line, "head");
  switch (r.kind) {
    case LogRecord::kCheckpoint:
      if (!num("block", r.block)) return Error{"checkpoint has no block"};
      num("closed", closed);
      r.closed = closed != 0;
      break;
    case LogRecord::kExpired: {
      bool any = false;
      if (!parse_range(kv(line, "blocks"), r.first_block, r.block, any) || !any) return Error{"receipt has no block range"};
      break;
    }
    case LogRecord::kRecovered: {
      r.reason = kv(line, "reason");
      r.saved = kv(line, "saved");
      bool any_off = false;
      if (!num("block", r.block) || !num("next", r.next) || r.reason.empty() ||
          !parse_range(kv(line, "lost"), r.first_block, r.last_lost, r.lost_any) ||
          !parse_range(kv(line, "bytes"), r.off_from, r.off_to, any_off))
        return Error{"recovery record is missing block, next, lost, bytes or reason"};
      break;
    }
  }
  return r;
}

}  // namespace wardsec::store
