#include "store/store.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::store {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool pread_all(int fd, char* p, size_t n, uint64_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return true;
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string kv(std::string_view line, std::string_view key) {
  std::string pat = " ";
  pat.append(key).append("=");
  size_t p = line.find(pat);
  if (p == std::string_view::npos) return {};
  std::string_view r = line.substr(p + pat.size());
  return std::string(r.substr(0, r.find(' ')));
}

void send_udp(const std::string& hostport, const std::string& msg) {
  size_t c = hostport.rfind(':');
  if (c == std::string::npos) return;
  std::string host = hostport.substr(0, c), port = hostport.substr(c + 1);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) return;
  int fd = ::socket(res->ai_family, SOCK_DGRAM, 0);
  if (fd >= 0) {
    ::sendto(fd, msg.data(), msg.size(), 0, res->ai_addr, res->ai_addrlen);
    ::close(fd);
  }
  freeaddrinfo(res);
}

}  // namespace

std::string default_key_dir(const std::string& data_dir) {
  std::string d = data_dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d + ".keys";
}

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
  if (starts_with(line, "wardsec-checkpoint ")) r.kind = LogRecord::kCheckpoint;
  else if (starts_with(line, "wardsec-expired ")) r.kind = LogRecord::kExpired;
  else return Error{"not a checkpoint or receipt line"};
  size_t sig = line.find(" sig=");
  if (sig == std::string_view::npos) return Error{"line has no signature"};
  r.signed_part = std::string(line.substr(0, sig));
  r.sig = std::string(line.substr(sig + 5));
  auto num = [&](std::string_view k, uint64_t& v) { return parse_u64(kv(line, k), v); };
  auto inum = [&](std::string_view k, int64_t& v) { return parse_i64(kv(line, k), v); };
  uint64_t closed = 0;
  if (!num("seq", r.seq) || !num("segment", r.segment) || !num("events", r.events) ||
      !inum("first", r.first) || !inum("last", r.last) || !inum("at", r.at))
    return Error{"line is missing a required field"};
  r.prev = kv(line, "prev");
  r.head = kv(line, "head");
  if (r.kind == LogRecord::kCheckpoint) {
    if (!num("block", r.block)) return Error{"checkpoint has no block"};
    num("closed", closed);
    r.closed = closed != 0;
  } else {
    std::string b = kv(line, "blocks");
    size_t dash = b.find('-');
    if (dash == std::string::npos || !parse_u64(std::string_view(b).substr(0, dash), r.first_block) ||
        !parse_u64(std::string_view(b).substr(dash + 1), r.block))
      return Error{"receipt has no block range"};
  }
  return r;
}

// ---- writer ------------------------------------------------------------------------------

struct StoreWriter::Zstd {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ~Zstd() { ZSTD_freeCCtx(c); }
};

StoreWriter::StoreWriter(const StoreOptions& opt, KeyPair key)
    : opt_(opt), key_(std::move(key)), zstd_(std::make_unique<Zstd>()) {
  seg_dir_ = opt_.data_dir + "/segments";
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (sealer_.joinable()) sealer_.join();  // finishes queued blocks first
  if (seg_fd_ >= 0) ::close(seg_fd_);
  if (log_fd_ >= 0) ::close(log_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<StoreWriter>> StoreWriter::open(const StoreOptions& opt_in) {
  StoreOptions opt = opt_in;
  if (opt.key_dir.empty()) opt.key_dir = default_key_dir(opt.data_dir);
  std::error_code ec;
  fs::create_directories(opt.data_dir + "/segments", ec);
  if (ec) return Error{"cannot create data folder " + opt.data_dir + ": " + ec.message()};
  auto key = KeyPair::load_or_create(opt.key_dir, opt.sign);
  if (!key) return Error{key.error()};
  // A copy of the public key inside the data folder, for auditors who take the folder away.
  {
    std::string pub = opt.data_dir + "/instance.pub";
    if (!fs::exists(pub)) std::ofstream(pub) << key->public_pem();
  }
  std::unique_ptr<StoreWriter> w(new StoreWriter(opt, std::move(key.value())));
  Status s = w->recover();
  if (!s) return Error{s.error()};
  w->open_block_seq_ = w->next_seq_;
  StoreWriter* raw = w.get();
  w->sealer_ = std::thread([raw] {
    pthread_setname_np(pthread_self(), "ws-sealer");
    raw->sealer_loop();
  });
  return w;
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
  // 1. The checkpoint log: cut a torn last line (a crash while appending).
  std::string log_path = opt_.data_dir + "/checkpoints.log";
  bool torn = false;
  std::vector<std::string> lines = read_lines(log_path, &torn);
  if (torn) {
    uint64_t keep = 0;
    for (const auto& l : lines) keep += l.size() + 1;
    if (::truncate(log_path.c_str(), static_cast<off_t>(keep)) != 0)
      return Error{"cannot repair " + log_path + ": " + errno_text()};
  }
  log_fd_ = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd_ < 0) return Error{"cannot open " + log_path + ": " + errno_text()};
  std::optional<LogRecord> last_cp, last_receipt;
  for (const auto& l : lines) {
    auto r = parse_log_record(l);
    if (!r) continue;  // verify reports bad lines; the writer carries on after the last good one
    log_seq_ = r->seq;
    Digest32 d = digest(opt_.digest, l);
    log_prev_ = hex(d.data(), d.size());
    if (r->kind == LogRecord::kCheckpoint) last_cp = *r;
    else last_receipt = *r;
  }
  if (last_cp) {
    total_events_ = last_cp->events;
    first_ts_ = last_cp->first;
    last_ts_ = last_cp->last;
  }
  // 2. Segments: walk the last one fully and cut a torn tail back to the last whole block.
  auto segs = list_segments(opt_.data_dir);
  if (segs.empty()) {
    if (last_receipt) {
      std::string d;
      if (unhex(last_receipt->head, d) && d.size() == 32) std::memcpy(last_digest_.data(), d.data(), 32);
      next_seq_ = last_receipt->block + 1;
      seg_id_ = last_receipt->segment;
    }
    last_cp_time_ = now_ns();
    return {};
  }
  const SegmentInfo& tail = segs.back();
  auto rd = SegmentReader::open(tail);
  uint64_t good_end = kSegmentHeaderSize;
  bool have_block = false;
  if (!rd) {
    // A segment whose header never made it to disk: start it again.
    if (tail.size >= kSegmentHeaderSize) return Error{tail.path + ": " + rd.error()};
  } else {
    while (auto b = rd->next()) {
      bool ok = false;
      auto payload = rd->read_payload(*b, &ok);
      if (!payload || !ok) break;
      good_end = b->offset + b->header.record_size();
      last_digest_ = b->header.digest;
      next_seq_ = b->header.seq + 1;
      have_block = true;
    }
  }
  if (tail.size != good_end) {
    if (::truncate(tail.path.c_str(), static_cast<off_t>(good_end)) != 0)
      return Error{"cannot cut torn tail of " + tail.path + ": " + errno_text()};
  }
  if (!have_block) {
    // Find the chain head in an earlier segment (or a receipt).
    for (auto it = segs.rbegin() + 1; it != segs.rend() && !have_block; ++it) {
      auto r = SegmentReader::open(*it);
      if (!r) break;
      while (auto b = r->next()) {
        last_digest_ = b->header.digest;
        next_seq_ = b->header.seq + 1;
        have_block = true;
      }
    }
    if (!have_block && last_receipt) {
      std::string d;
      if (unhex(last_receipt->head, d) && d.size() == 32) std::memcpy(last_digest_.data(), d.data(), 32);
      next_seq_ = last_receipt->block + 1;
    }
  }
  // 3. Events written after the last checkpoint.
  uint64_t cp_block = last_cp ? last_cp->block : 0;
  bool any_cp = last_cp.has_value();
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
  // 4. Append to the last segment.
  if (rd) {
    seg_fd_ = ::open(tail.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (seg_fd_ < 0) return Error{"cannot open " + tail.path + ": " + errno_text()};
    seg_id_ = tail.id;
    seg_size_ = good_end;
    seg_created_ = rd->header().created;
  } else {
    seg_id_ = tail.id - 1;  // open_new_segment() will recreate this id
    ::unlink(tail.path.c_str());
  }
  last_cp_time_ = now_ns();
  return {};
}

Status StoreWriter::open_new_segment(uint64_t id) {
  if (seg_fd_ >= 0) {
    ::fdatasync(seg_fd_);
    ::close(seg_fd_);
    seg_fd_ = -1;
  }
  std::string path = seg_dir_ + "/" + segment_file_name(id);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Error{"cannot create " + path + ": " + errno_text()};
  SegmentHeader h;
  h.id = id;
  h.first_seq = next_seq_;
  h.created = now_ns();
  h.alg = opt_.digest;
  char buf[kSegmentHeaderSize];
  encode_segment_header(h, buf);
  if (!write_all(fd, buf, sizeof buf) || ::fdatasync(fd) != 0) {
    ::close(fd);
    return Error{"cannot write " + path + ": " + errno_text()};
  }
  fsync_dir(seg_dir_);
  seg_fd_ = fd;
  seg_id_ = id;
  seg_size_ = kSegmentHeaderSize;
  seg_created_ = h.created;
  return {};
}

Status StoreWriter::add(const Event& ev) {
  if (enc_.count() == 0) {
    blk_ts_min_ = blk_ts_max_ = ev.ts;
  } else {
    blk_ts_min_ = std::min(blk_ts_min_, ev.ts);
    blk_ts_max_ = std::max(blk_ts_max_, ev.ts);
  }
  enc_.add(ev);
  event_bloom_keys(ev, bloom_keys_);
  if (enc_.size() >= opt_.block_bytes || enc_.count() >= std::min<size_t>(opt_.block_events, (1u << kRefRowBits) - 1)) return seal_block();
  return {};
}

// Encoding and the bloom filter run on the caller's thread; compression, chaining and the
// write run on the sealer thread, so the two overlap. When blocks queue up, the sealer
// compresses at a faster level until it catches up (both levels decompress the same way).
Status StoreWriter::seal_block() {
  if (enc_.count() == 0) return sealer_status();
  Job j;
  j.h.n_events = enc_.count();
  j.h.ts_min = blk_ts_min_;
  j.h.ts_max = blk_ts_max_;
  j.payload = enc_.finish();
  j.index = Bloom::build(bloom_keys_);
  bloom_keys_.clear();
  std::unique_lock lk(mu_);
  done_cv_.wait(lk, [&] { return jobs_.size() < 2 || !sealer_error_.ok(); });
  if (!sealer_error_.ok()) return sealer_error_;
  jobs_.push_back(std::move(j));
  open_block_seq_++;
  cv_.notify_one();
  return {};
}

Status StoreWriter::sealer_status() {
  std::lock_guard lk(mu_);
  return sealer_error_;
}

Status StoreWriter::drain() {
  std::unique_lock lk(mu_);
  done_cv_.wait(lk, [&] { return (jobs_.empty() && !busy_) || !sealer_error_.ok(); });
  return sealer_error_;
}

void StoreWriter::sealer_loop() {
  // Compression level: the configured one while the sealer keeps up; level 1 while it is
  // busy most of the time or blocks wait (hysteresis keeps it from flapping).
  double busy_avg = 0;
  bool fast = false;
  int64_t last_start = 0;
  for (;;) {
    Job j;
    bool queued;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      j = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      queued = !jobs_.empty();
    }
    if (busy_avg > 0.6 || queued) fast = true;
    else if (busy_avg < 0.25) fast = false;
    int64_t t0 = now_ns();
    Status s = sealer_error_.ok() ? write_block(j, fast ? 1 : opt_.zstd_level) : Status();
    int64_t t1 = now_ns();
    if (last_start) {
      double frac = static_cast<double>(t1 - t0) / static_cast<double>(std::max<int64_t>(1, t1 - last_start));
      busy_avg = 0.7 * busy_avg + 0.3 * std::min(frac, 1.0);
    }
    last_start = t0;
    {
      std::lock_guard lk(mu_);
      busy_ = false;
      if (!s.ok() && sealer_error_.ok()) sealer_error_ = s;
      done_cv_.notify_all();
    }
  }
}

Status StoreWriter::write_block(Job& j, int level) {
  BlockHeader& h = j.h;
  h.written = now_ns();
  std::string comp(ZSTD_compressBound(j.payload.size()), '\0');
  size_t n = ZSTD_compressCCtx(zstd_->c, comp.data(), comp.size(), j.payload.data(), j.payload.size(), level);
  if (ZSTD_isError(n)) return Error{std::string("zstd: ") + ZSTD_getErrorName(n)};
  comp.resize(n);
  h.raw_len = static_cast<uint32_t>(j.payload.size());
  h.comp_len = static_cast<uint32_t>(comp.size());
  h.index_len = static_cast<uint32_t>(j.index.size());

  // Rotate when the segment is full or too old.
  uint64_t rec = h.record_size();
  bool rotate = seg_fd_ < 0 ||
                (seg_size_ > kSegmentHeaderSize &&
                 (seg_size_ + rec > opt_.segment_bytes || h.written - seg_created_ > opt_.segment_span_ns));
  if (rotate) {
    if (seg_fd_ >= 0 && seg_size_ > kSegmentHeaderSize) {
      Status s = checkpoint_now(true);
      if (!s) return s;
    }
    Status s = open_new_segment(seg_id_ + 1);
    if (!s) return s;
  }
  h.seq = next_seq_;
  h.prev = last_digest_;
  char hb[kBlockHeaderSize];
  encode_block_header(h, hb);
  h.digest = block_digest(opt_.digest, hb, j.index, comp);
  std::memcpy(hb + 96, h.digest.data(), 32);
  std::string rec_buf;
  rec_buf.reserve(rec);
  rec_buf.append(hb, kBlockHeaderSize).append(j.index).append(comp);
  if (!write_all(seg_fd_, rec_buf.data(), rec_buf.size())) return Error{"segment write failed: " + errno_text()};
  seg_size_ += rec;
  next_seq_++;
  last_digest_ = h.digest;
  total_events_ += h.n_events;
  if (!first_ts_ || h.ts_min < first_ts_) first_ts_ = h.ts_min;
  last_ts_ = std::max(last_ts_, h.ts_max);
  {
    std::lock_guard lk(stats_mu_);
    stats_.events += h.n_events;
    stats_.blocks++;
    stats_.raw_bytes += j.payload.size();
    stats_.stored_bytes += rec;
  }
  dirty_since_cp_ = true;
  dirty_since_sync_ = true;
  blocks_since_cp_++;
  if (blocks_since_cp_ >= opt_.checkpoint_every_blocks) return checkpoint_now(false);
  return {};
}

WriterStats StoreWriter::stats() const {
  std::lock_guard lk(stats_mu_);
  return stats_;
}

Status StoreWriter::commit(bool sync) {
  Status s = seal_block();
  if (s) s = drain();
  if (!s) return s;
  if (sync && dirty_since_sync_ && seg_fd_ >= 0) {
    if (::fdatasync(seg_fd_) != 0) return Error{"fdatasync failed: " + errno_text()};
    dirty_since_sync_ = false;
  }
  if (dirty_since_cp_ && now_ns() - last_cp_time_ >= opt_.checkpoint_every_ns) return checkpoint_now(false);
  return {};
}

Status StoreWriter::append_log_line(std::string body) {
  auto sig = key_.sign(body);
  if (!sig) return Error{sig.error()};
  std::string line = body + " sig=" + hex(sig->data(), sig->size());
  std::string with_nl = line + "\n";
  if (!write_all(log_fd_, with_nl.data(), with_nl.size()) || ::fdatasync(log_fd_) != 0)
    return Error{"cannot append to checkpoint log: " + errno_text()};
  Digest32 d = digest(opt_.digest, line);
  log_prev_ = hex(d.data(), d.size());
  for (const auto& w : opt_.witness_files) {
    int fd = ::open(w.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
      write_all(fd, with_nl.data(), with_nl.size());
      ::fdatasync(fd);
      ::close(fd);
    }
  }
  if (!opt_.witness_syslog.empty()) {
    char host[256] = "wardsec";
    ::gethostname(host, sizeof host - 1);
    send_udp(opt_.witness_syslog, "<110>1 " + format_rfc3339(now_ns()) + " " + host + " wardsec - checkpoint - " + line);
  }
  stats_.checkpoints++;
  return {};
}

Status StoreWriter::checkpoint(bool closed_segment) {
  Status s = seal_block();
  if (s) s = drain();
  if (!s) return s;
  return checkpoint_now(closed_segment);
}

Status StoreWriter::checkpoint_now(bool closed_segment) {
  if (next_seq_ == 0) return {};  // nothing written yet
  if (seg_fd_ >= 0 && ::fdatasync(seg_fd_) != 0) return Error{"fdatasync failed: " + errno_text()};
  dirty_since_sync_ = false;
  std::string b = "wardsec-checkpoint v=1 seq=" + std::to_string(log_seq_ + 1) +
                  " prev=" + (log_prev_.empty() ? "0" : log_prev_) + " digest=" +
                  std::string(digest_alg_name(opt_.digest)) + " segment=" + std::to_string(seg_id_) +
                  " block=" + std::to_string(next_seq_ - 1) + " head=" + hex(last_digest_.data(), 32) +
                  " events=" + std::to_string(total_events_) + " first=" + std::to_string(first_ts_) +
                  " last=" + std::to_string(last_ts_) + " at=" + std::to_string(now_ns()) +
                  " closed=" + (closed_segment ? "1" : "0") + " alg=" + std::string(sign_alg_name(key_.alg())) +
                  " key=" + key_.fingerprint();
  Status s = append_log_line(std::move(b));
  if (!s) return s;
  log_seq_++;
  blocks_since_cp_ = 0;
  last_cp_time_ = now_ns();
  dirty_since_cp_ = false;
  return {};
}

Status StoreWriter::rotate() {
  Status s = commit(true);
  if (!s) return s;
  if (seg_fd_ < 0 || seg_size_ <= kSegmentHeaderSize) return {};
  s = checkpoint_now(true);
  if (!s) return s;
  ::close(seg_fd_);
  seg_fd_ = -1;
  return {};
}

Status StoreWriter::close() {
  Status s = commit(true);
  if (!s) return s;
  if (dirty_since_cp_) return checkpoint_now(false);
  return {};
}

Result<int> StoreWriter::apply_retention(int64_t max_age_ns, int64_t now) {
  Status ds = drain();
  if (!ds) return Error{ds.error()};
  int removed = 0;
  for (const auto& seg : list_segments(opt_.data_dir)) {
    if (seg.id > seg_id_ || (seg.id == seg_id_ && seg_fd_ >= 0)) break;  // never the segment being written
    auto r = SegmentReader::open(seg);
    if (!r) break;
    uint64_t first = 0, last = 0, events = 0;
    int64_t tmin = 0, tmax = 0;
    Digest32 head{};
    bool any = false;
    while (auto b = r->next()) {
      if (!any) {
        first = b->header.seq;
        tmin = b->header.ts_min;
      }
      any = true;
      last = b->header.seq;
      events += b->header.n_events;
      tmin = std::min(tmin, b->header.ts_min);
      tmax = std::max(tmax, b->header.ts_max);
      head = b->header.digest;
    }
    // An event time far past the segment's last write (a sender's clock, or data from before
    // event times were bounded) must not keep the segment for ever: its age counts from at
    // most a day after the file was last written.
    struct stat fst;
    if (::stat(seg.path.c_str(), &fst) == 0) {
      int64_t written = static_cast<int64_t>(fst.st_mtim.tv_sec) * 1000000000LL + fst.st_mtim.tv_nsec;
      tmax = std::min<int64_t>(tmax, written + int64_t{86400} * 1000000000);
    }
    if (!any || tmax >= now - max_age_ns) break;  // oldest first; stop at the first one kept
    std::string body = "wardsec-expired v=1 seq=" + std::to_string(log_seq_ + 1) + " prev=" +
                       (log_prev_.empty() ? "0" : log_prev_) + " digest=" +
                       std::string(digest_alg_name(opt_.digest)) + " segment=" + std::to_string(seg.id) +
                       " blocks=" + std::to_string(first) + "-" + std::to_string(last) +
                       " head=" + hex(head.data(), 32) + " events=" + std::to_string(events) +
                       " first=" + std::to_string(tmin) + " last=" + std::to_string(tmax) +
                       " at=" + std::to_string(now) + " reason=age:" +
                       std::to_string(max_age_ns / 86400000000000LL) + "d alg=" +
                       std::string(sign_alg_name(key_.alg())) + " key=" + key_.fingerprint();
    Status s = append_log_line(std::move(body));
    if (!s) return Error{s.error()};
    log_seq_++;
    if (::unlink(seg.path.c_str()) != 0) return Error{"cannot remove " + seg.path + ": " + errno_text()};
    fsync_dir(seg_dir_);
    removed++;
  }
  return removed;
}

// ---- reader ------------------------------------------------------------------------------

std::vector<SegmentInfo> list_segments(const std::string& data_dir) {
  std::vector<SegmentInfo> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir + "/segments", ec)) {
    uint64_t id;
    if (!e.is_regular_file(ec) || !parse_segment_file_name(e.path().filename().string(), id)) continue;
    out.push_back({id, e.path().string(), static_cast<uint64_t>(e.file_size(ec))});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<SegmentReader> SegmentReader::open(const SegmentInfo& info) {
  SegmentReader r;
  r.fd_ = ::open(info.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r.fd_ < 0) return Error{"cannot open " + info.path + ": " + errno_text()};
  struct stat st{};
  ::fstat(r.fd_, &st);
  r.size_ = static_cast<uint64_t>(st.st_size);
  char buf[kSegmentHeaderSize];
  if (r.size_ < kSegmentHeaderSize || !pread_all(r.fd_, buf, sizeof buf, 0))
    return Error{"segment header truncated"};
  auto h = decode_segment_header(std::string_view(buf, sizeof buf));
  if (!h) return Error{h.error()};
  r.header_ = *h;
  r.pos_ = kSegmentHeaderSize;
  return r;
}

SegmentReader::SegmentReader(SegmentReader&& o) noexcept
    : fd_(o.fd_), header_(o.header_), pos_(o.pos_), size_(o.size_), truncated_(o.truncated_),
      blocks_read_(o.blocks_read_) {
  o.fd_ = -1;
}

SegmentReader::~SegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<BlockRef> SegmentReader::next() {
  if (pos_ >= size_) return std::nullopt;
  if (pos_ + kBlockHeaderSize > size_) {
    truncated_ = true;
    return std::nullopt;
  }
  char hb[kBlockHeaderSize];
  if (!pread_all(fd_, hb, sizeof hb, pos_)) {
    truncated_ = true;
    return std::nullopt;
  }
  auto h = decode_block_header(std::string_view(hb, sizeof hb));
  if (!h) {
    truncated_ = true;  // garbage where a block should start: treated as the end
    return std::nullopt;
  }
  if (pos_ + h->record_size() > size_) {
    truncated_ = true;
    return std::nullopt;
  }
  BlockRef b;
  b.header = *h;
  std::memcpy(b.raw_header.data(), hb, kBlockHeaderSize);
  b.offset = pos_;
  b.index.resize(h->index_len);
  if (h->index_len && !pread_all(fd_, b.index.data(), h->index_len, pos_ + kBlockHeaderSize)) {
    truncated_ = true;
    return std::nullopt;
  }
  pos_ += h->record_size();
  return b;
}

Result<std::string> SegmentReader::read_payload(const BlockRef& b, bool* digest_ok) {
  std::string comp(b.header.comp_len, '\0');
  if (!pread_all(fd_, comp.data(), comp.size(), b.offset + kBlockHeaderSize + b.header.index_len))
    return Error{"short read"};
  if (digest_ok) {
    *digest_ok = block_digest(header_.alg, b.raw_header.data(), b.index, comp) == b.header.digest;
  }
  blocks_read_++;
  return comp;
}

Result<std::string> zstd_decompress(std::string_view comp, size_t raw_len) {
  std::string raw(raw_len, '\0');
  size_t n = ZSTD_decompress(raw.data(), raw.size(), comp.data(), comp.size());
  if (ZSTD_isError(n)) return Error{std::string("zstd: ") + ZSTD_getErrorName(n)};
  if (n != raw_len) return Error{"decompressed size differs from the header"};
  return raw;
}

Status SegmentReader::read_events(const BlockRef& b, std::vector<Event>& out) {
  auto comp = read_payload(b);
  if (!comp) return Error{comp.error()};
  auto raw = zstd_decompress(*comp, b.header.raw_len);
  if (!raw) return Error{raw.error()};
  return decode_payload(*raw, out);
}

}  // namespace wardsec::store
