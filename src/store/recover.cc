// Starting a writer on an existing store. Nothing the store holds is destroyed: only an
// incomplete record at the end of the last segment, above the last signed checkpoint (a
// crash while appending: never acknowledged, never checkpointed), is cut back, and even its
// bytes are kept in <data>/quarantine. A bad block anywhere else is damage: it stays where
// it is, is copied to quarantine, recorded in the checkpoint log and reported. Sequence
// numbers are never reused: each recovery is a signed record saying which numbers were
// skipped and where the chain continues, which `verify` reads.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <cstdint>
#include <set>

#include "core/datadir.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "store/fileio.h"
#include "store/store.h"

namespace wardsec::store {
namespace fs = std::filesystem;

// The chain as the checkpoint log knows it: the highest block any record names, its
// digest, and the segment ids in use.
struct LogState {
  std::optional<LogRecord> last_cp, last_receipt, last_recovered;
  uint64_t next = 0;  // no block may get a number below this
  Digest32 head{};    // digest of block head_block, which the next block chains to
  uint64_t head_block = 0;
  uint64_t max_segment = 0;
  std::set<std::pair<uint64_t, uint64_t>> recorded;  // (segment, byte offset) already recorded
};

struct StoreWriter::Recovered {
  std::string reason;  // torn-tail, damaged, damaged-tail, bad-segment-header, missing
  uint64_t segment = 0;
  ByteRange bytes;
  uint64_t lost_first = 0, lost_last = 0;
  bool lost = false;
  std::string saved;        // file under <data>/quarantine, or "none"
  uint64_t head_block = 0;  // the block whose digest the chain continues from
};

std::string quarantine_dir(const std::string& data_dir) { return DataDir(data_dir).quarantine(); }

namespace {

bool set_digest(const std::string& hex_text, Digest32& out) {
  std::string d;
  if (!unhex(hex_text, d) || d.size() != 32) return false;
  std::memcpy(out.data(), d.data(), 32);
  return true;
}

// Copies bytes [from, to) of a segment to <data>/quarantine; returns the path relative to the
// data folder ("none" when there is nothing to copy or the copy failed, which is logged by
// the caller through the record).
std::string save_to_quarantine(const std::string& data_dir, const SegmentInfo& seg, ByteRange r) {
  if (r.to <= r.from) return "none";
  std::string dir = quarantine_dir(data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string name = segment_file_name(seg.id) + "." + std::to_string(r.from) + "-" + std::to_string(r.to);
  int in = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
  int out = ::open((dir + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = in >= 0 && out >= 0;
  std::string buf;
  for (uint64_t at = r.from; ok && at < r.to;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(1u << 20, r.to - at));
    buf.resize(n);
    ok = pread_all(in, buf.data(), n, at) && write_all(out, buf.data(), n);
    at += n;
  }
  if (ok) ok = ::fdatasync(out) == 0;
  if (in >= 0) ::close(in);
  if (out >= 0) ::close(out);
  if (!ok) return "none";
  fsync_dir(dir);
  return "quarantine/" + name;
}

LogState read_log_state(const std::vector<std::string>& lines, DigestAlg alg, uint64_t& log_seq, std::string& log_prev) {
  LogState st;
  for (const auto& l : lines) {
    auto r = parse_log_record(l);
    if (!r) continue;  // verify reports bad lines; the writer carries on after the last good one
    log_seq = r->seq;
    Digest32 d = digest(alg, l);
    log_prev = hex(d.data(), d.size());
    st.max_segment = std::max(st.max_segment, r->segment);
    uint64_t next = r->kind == LogRecord::kRecovered ? r->next : r->block + 1;
    if (next >= st.next) {
      set_digest(r->head, st.head);
      st.head_block = r->block;
      st.next = next;
    }
    if (r->kind == LogRecord::kCheckpoint)
      st.last_cp = *r;
    else if (r->kind == LogRecord::kExpired)
      st.last_receipt = *r;
    else {
      st.recorded.insert({r->segment, r->off_from});
      st.last_recovered = *r;
    }
  }
  return st;
}

}  // namespace

Status StoreWriter::record_recovery(const Recovered& r) {
  std::string lost = r.lost ? std::to_string(r.lost_first) + "-" + std::to_string(r.lost_last) : "none";
  std::string b = "wardsec-recovered v=1 seq=" + std::to_string(log_seq_ + 1) + " prev=" + (log_prev_.empty() ? "0" : log_prev_) +
                  " digest=" + std::string(digest_alg_name(opt_.digest)) + " segment=" + std::to_string(r.segment) +
                  " block=" + std::to_string(r.head_block) + " head=" + hex(last_digest_.data(), 32) +
                  " next=" + std::to_string(next_seq_) + " lost=" + lost + " bytes=" + std::to_string(r.bytes.from) + "-" +
                  std::to_string(r.bytes.to) + " events=" + std::to_string(total_events_) + " first=" + std::to_string(first_ts_) +
                  " last=" + std::to_string(last_ts_) + " at=" + std::to_string(now_ns()) + " reason=" + r.reason + " saved=" + r.saved +
                  " alg=" + std::string(sign_alg_name(key_.alg())) + " key=" + key_.fingerprint();
  Status s = append_log_line(b);
  if (s) log_seq_++;
  return s;
}

Status StoreWriter::recover() {
  std::string lock_path = opt_.data_dir + "/LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock_fd_ < 0) return Error{"cannot open " + lock_path + ": " + errno_text()};
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {0};
    ssize_t n = ::pread(lock_fd_, pid, sizeof pid - 1, 0);
    (void)n;
    return Error{"the data folder " + opt_.data_dir + " is in use by another wardsec process (pid " + std::string(trim(pid)) +
                 "); stop it first, or import through its inputs"};
  }
  std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) == 0) (void)::pwrite(lock_fd_, me.data(), me.size(), 0);
  // 1. The checkpoint log: a torn last line (a crash while appending) is cut, its bytes kept.
  std::string log_path = DataDir(opt_.data_dir).checkpoints_log();
  bool torn = false;
  std::vector<std::string> lines = read_lines(log_path, &torn);
  if (torn) {
    uint64_t keep = 0;
    for (const auto& l : lines) keep += l.size() + 1;
    save_to_quarantine(opt_.data_dir, {0, log_path, fs::file_size(log_path)}, {keep, fs::file_size(log_path)});
    if (::truncate(log_path.c_str(), static_cast<off_t>(keep)) != 0) return Error{"cannot repair " + log_path + ": " + errno_text()};
    recovery_.cut.push_back("checkpoints.log: a partial last line (a crash while appending) was cut; its bytes are in quarantine/");
  }
  log_fd_ = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd_ < 0) return Error{"cannot open " + log_path + ": " + errno_text()};
  for (const auto& l : lines) log_size_ += l.size() + 1;
  LogState log = read_log_state(lines, opt_.digest, log_seq_, log_prev_);
  if (log.last_cp) {
    total_events_ = log.last_cp->events;
    first_ts_ = log.last_cp->first;
    last_ts_ = log.last_cp->last;
  }
  auto segs = list_segments(opt_.data_dir);
  replay_from_ = UINT64_MAX;
  if (Status s = recover_tail(segs, log); !s) return s;
  if (replay_from_ == UINT64_MAX) replay_from_ = next_seq_;
  // 3. Events written after the last checkpoint.
  uint64_t cp_block = log.last_cp ? log.last_cp->block : 0;
  bool any_cp = log.last_cp.has_value();
  for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
    auto r = SegmentReader::open(*it);
    if (!r) continue;
    bool older = false;
    while (auto b = r->next()) {
      if (any_cp && b->header.seq <= cp_block) {
        older = true;
        continue;
      }
      total_events_ += b->header.n_events;
      if (!first_ts_ || b->header.ts_min < first_ts_) first_ts_ = b->header.ts_min;
      last_ts_ = std::max(last_ts_, b->header.ts_max);
      dirty_since_cp_ = true;
    }
    if (older || (any_cp && r->header().first_seq <= cp_block)) break;
  }
  last_cp_time_ = now_ns();
  synced_ = {seg_id_, seg_size_, next_seq_, last_digest_, head_seq_, total_events_, first_ts_, last_ts_};
  return {};
}

// The last block of the segments before `tail` (the chain head when the tail has none).
static std::optional<BlockHeader> last_block_before(const std::vector<SegmentInfo>& segs) {
  for (auto it = segs.rbegin() + 1; it < segs.rend(); ++it) {
    auto r = SegmentReader::open(*it);
    if (!r) continue;
    std::optional<BlockHeader> last;
    while (auto b = r->next()) last = b->header;
    if (last) return last;
  }
  return std::nullopt;
}

// 2. The last segment: walk every record, checking digests; cut an incomplete end above the
// last checkpoint; keep everything else. Sets where the next block goes and what it chains to.
Status StoreWriter::recover_tail(const std::vector<SegmentInfo>& segs, const LogState& log) {
  next_seq_ = log.next;
  last_digest_ = log.head;
  head_seq_ = log.head_block;
  seg_id_ = std::max<uint64_t>(log.max_segment, segs.empty() ? 0 : segs.back().id);
  if (segs.empty()) return {};
  const SegmentInfo& tail = segs.back();
  auto rd = SegmentReader::open(tail);
  if (!rd && tail.size < kSegmentHeaderSize) {
    // A segment whose header never made it to disk (a crash while creating it): start it
    // again under the same id; its few bytes are kept.
    save_to_quarantine(opt_.data_dir, tail, {0, tail.size});
    ::unlink(tail.path.c_str());
    seg_id_ = std::max<uint64_t>(log.max_segment, tail.id - 1);
    if (auto last = last_block_before(segs); last && last->seq + 1 >= next_seq_) {
      next_seq_ = last->seq + 1;
      last_digest_ = last->digest;
      head_seq_ = last->seq;
    }
    return {};
  }
  if (!rd) {
    // A damaged segment header: the file stays as it is; writing goes on in a new segment.
    recovery_.damage.push_back(tail.path + ": " + rd.error() + "; the file is kept as it is, new blocks go to a new segment");
    if (log.recorded.count({tail.id, 0})) return {};
    return record_recovery({"bad-segment-header",
                            tail.id,
                            {0, tail.size},
                            0,
                            0,
                            false,
                            save_to_quarantine(opt_.data_dir, tail, {0, tail.size}),
                            log.head_block});
  }
  struct Seen {
    uint64_t offset, end, seq;
    bool ok;
    Digest32 digest;
  };
  std::vector<Seen> seen;
  while (auto b = rd->next()) {
    bool ok = false;
    auto payload = rd->read_payload(*b, &ok);
    seen.push_back({b->offset, b->offset + b->header.record_size(), b->header.seq, payload.ok() && ok, b->header.digest});
  }
  const Seen* last_good = nullptr;
  for (const auto& s : seen)
    if (s.ok) last_good = &s;
  uint64_t good_end = last_good ? last_good->end : kSegmentHeaderSize;
  uint64_t files_next = rd->header().first_seq;
  Digest32 files_head = log.head;
  uint64_t files_head_seq = log.head_block;
  if (last_good) {
    files_next = last_good->seq + 1;
    files_head = last_good->digest;
    files_head_seq = last_good->seq;
  } else if (auto last = last_block_before(segs)) {
    files_head = last->digest;
    files_head_seq = last->seq;
  }
  replay_from_ = files_next;  // the commit log's records from here on are not in a whole block
  // Damage before the last good block stays in place: copied to quarantine, recorded once.
  std::vector<ByteRange> damaged;
  for (const auto& s : seen)
    if (!s.ok && s.end <= good_end) damaged.push_back({s.offset, s.end});
  for (const auto& g : rd->gaps())
    if (g.to <= good_end) damaged.push_back(g);
  std::sort(damaged.begin(), damaged.end(), [](auto& a, auto& b) { return a.from < b.from; });
  ByteRange trailing{good_end, rd->size()};
  bool explained = log.last_recovered && log.last_recovered->segment == tail.id && log.last_recovered->next == log.next;
  std::vector<Recovered> records;
  bool append_here = true;
  uint64_t head_block = files_next ? files_next - 1 : 0;
  if (log.next > files_next && explained) {
    // A recovery recorded before, with no block written since: the same decision again.
    next_seq_ = log.next;
    last_digest_ = log.head;
    head_seq_ = log.head_block;
    std::string why = log.last_recovered->reason;
    append_here = why == "torn-tail" || why == "damaged";
  } else if (log.next > files_next) {
    // The checkpoint log names blocks the file does not hold whole: sealed data is damaged or
    // was cut by hand. The file stays; numbers continue after the highest named block.
    bool torn_bytes = trailing.to > trailing.from;
    recovery_.damage.push_back(tail.path + ": blocks " + std::to_string(files_next) + "-" + std::to_string(log.next - 1) +
                               " are named by the signed checkpoint log but are " + (torn_bytes ? "damaged" : "missing") +
                               " in the file; it is kept as it is, new blocks go to a new segment");
    records.push_back({torn_bytes ? "damaged-tail" : "missing", tail.id, trailing, files_next, log.next - 1, true,
                       save_to_quarantine(opt_.data_dir, tail, trailing)});
    next_seq_ = log.next;
    last_digest_ = log.head;
    head_seq_ = log.head_block;
    head_block = log.head_block;
    append_here = false;
  } else if (trailing.to > trailing.from) {
    // An incomplete end above the last checkpoint: a write the crash interrupted, never
    // acknowledged (acknowledgements follow fdatasync) and never checkpointed. Its bytes are
    // saved, then cut; the number its block had (or would have had) is not reused.
    uint64_t lost_last = files_next;
    for (const auto& s : seen)
      if (s.offset >= good_end && s.seq > lost_last && s.seq < files_next + (1u << 20)) lost_last = s.seq;
    Recovered r{"torn-tail", tail.id, trailing, files_next, lost_last, true, save_to_quarantine(opt_.data_dir, tail, trailing)};
    if (r.saved == "none")
      return Error{"cannot save the torn tail of " + tail.path + " to " + quarantine_dir(opt_.data_dir) + " before cutting it"};
    if (::truncate(tail.path.c_str(), static_cast<off_t>(good_end)) != 0)
      return Error{"cannot cut torn tail of " + tail.path + ": " + errno_text()};
    recovery_.cut.push_back(tail.path + ": " + std::to_string(trailing.to - trailing.from) + " bytes after offset " +
                            std::to_string(good_end) +
                            " (a write the crash interrupted, never acknowledged or checkpointed) were cut; saved as " + r.saved);
    records.push_back(r);
    next_seq_ = lost_last + 1;
    last_digest_ = files_head;
    head_seq_ = files_head_seq;
  } else {
    next_seq_ = files_next;
    last_digest_ = files_head;
    head_seq_ = files_head_seq;
  }
  for (const auto& d : damaged) {
    recovery_.damage.push_back(tail.path + " bytes " + std::to_string(d.from) + "-" + std::to_string(d.to) +
                               ": not a whole block with a valid digest (damaged or altered); kept in place, a copy is in quarantine/");
    if (records.size() < 100) records.insert(records.begin(), {"damaged", tail.id, d, 0, 0, false, {}});
  }
  for (auto& r : records) {
    r.head_block = head_block;
    if (log.recorded.count({r.segment, r.bytes.from})) continue;
    if (r.saved.empty()) r.saved = save_to_quarantine(opt_.data_dir, tail, r.bytes);
    if (Status st = record_recovery(r); !st) return st;
  }
  if (append_here) {
    seg_fd_ = ::open(tail.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (seg_fd_ < 0) return Error{"cannot open " + tail.path + ": " + errno_text()};
    seg_id_ = tail.id;
    seg_size_ = good_end;
    seg_created_ = rd->header().created;
  }
  return {};
}

}  // namespace wardsec::store
