#include "core/datadir.h"
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
#include "store/fileio.h"

namespace wardsec::store {
namespace fs = std::filesystem;
namespace {

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

// ---- writer ------------------------------------------------------------------------------

struct StoreWriter::Zstd {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ~Zstd() { ZSTD_freeCCtx(c); }
};

StoreWriter::StoreWriter(const StoreOptions& opt, KeyPair key) : opt_(opt), key_(std::move(key)), zstd_(std::make_unique<Zstd>()) {
  seg_dir_ = DataDir(opt_.data_dir).segments();
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
  if (wal_fd_ >= 0) ::close(wal_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<StoreWriter>> StoreWriter::open(const StoreOptions& opt_in) {
  StoreOptions opt = opt_in;
  if (opt.key_dir.empty()) opt.key_dir = default_key_dir(opt.data_dir);
  std::error_code ec;
  fs::create_directories(DataDir(opt.data_dir).segments(), ec);
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
  // Acknowledged events that were only in the commit log when the last run ended: sealed now.
  if (Status ws = w->wal_open(); !ws) return Error{ws.error()};
  auto replayed = w->wal_replay(w->replay_from_);
  if (!replayed) return Error{replayed.error()};
  if (*replayed) {
    w->recovery_.cut.push_back("commit log: " + std::to_string(*replayed) +
                               " acknowledged event(s) that were not yet in a sealed block were sealed");
    if (Status cs = w->commit(false); !cs) return Error{cs.error()};
    if (Status cs = w->sync_segment(); !cs) return Error{cs.error()};
  }
  if (Status cs = w->wal_clear(); !cs) return Error{cs.error()};
  return w;
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
  synced_ = {seg_id_, seg_size_, next_seq_, last_digest_, head_seq_, total_events_, first_ts_, last_ts_};
  return {};
}

Status StoreWriter::add(const Event& ev) {
  if (wal_mode_) wal_enc_.add(ev);
  if (enc_.count() == 0) {
    block_started_ = now_ns();
    blk_ts_min_ = blk_ts_max_ = ev.ts;
  } else {
    blk_ts_min_ = std::min(blk_ts_min_, ev.ts);
    blk_ts_max_ = std::max(blk_ts_max_, ev.ts);
  }
  enc_.add(ev);
  summary_.add(ev);
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
  j.summary = summary_.finish();
  bloom_keys_.clear();
  // The commit log's copy of this block is not needed once it is written (it stays in the
  // file until a synced commit empties it). A small block means slow traffic: the next one
  // keeps a copy for the log, so commits need not seal it.
  if (wal_enc_.count()) (void)wal_enc_.finish();
  wal_logged_ = 0;
  wal_mode_ = j.payload.size() < opt_.min_seal_bytes;
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
    if (busy_avg > 0.6 || queued)
      fast = true;
    else if (busy_avg < 0.25)
      fast = false;
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
  // The facet summary joins the index (so the digest covers it) unless it would be larger
  // than the payload itself, which only a block of nothing but distinct values could make.
  if (!j.summary.empty() && j.summary.size() <= j.payload.size()) {
    auto sec = encode_summary_section(j.summary, 3);
    if (!sec) return Error{sec.error()};
    j.index += *sec;
  }
  h.raw_len = static_cast<uint32_t>(j.payload.size());
  h.comp_len = static_cast<uint32_t>(comp.size());
  h.index_len = static_cast<uint32_t>(j.index.size());

  // Rotate when the segment is full or too old.
  uint64_t rec = h.record_size();
  bool rotate = seg_fd_ < 0 || (seg_size_ > kSegmentHeaderSize &&
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
  if (!write_all(seg_fd_, rec_buf.data(), rec_buf.size())) {
    Error e{"segment write failed: " + errno_text()};
    (void)::ftruncate(seg_fd_, static_cast<off_t>(seg_size_));  // our own partial record, never acknowledged
    return e;
  }
  seg_size_ += rec;
  next_seq_++;
  last_digest_ = h.digest;
  head_seq_ = h.seq;
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
  // A small, young open block stays open: its new events go to the commit log instead.
  bool keep_open = sync && enc_.count() > 0 && wal_mode_ && wal_fd_ >= 0 && enc_.size() < opt_.min_seal_bytes &&
                   now_ns() - block_started_ < opt_.seal_after_ns && wal_logged_ + wal_enc_.count() == enc_.count();
  Status s = keep_open ? Status() : seal_block();
  if (s) s = drain();
  if (!s) {
    reset_after_error(false);
    return s;
  }
  if (sync && dirty_since_sync_ && seg_fd_ >= 0) {
    if (Status f = sync_segment(); !f) {
      reset_after_error(true);
      return f;
    }
  }
  if (keep_open) {
    if (Status w = wal_append(); !w) {
      reset_after_error(false);
      return w;
    }
  } else if (sync && enc_.count() == 0) {
    if (Status w = wal_clear(); !w) return w;  // everything it held is in synced blocks
  }
  if (dirty_since_cp_ && now_ns() - last_cp_time_ >= opt_.checkpoint_every_ns) return checkpoint_now(false);
  return {};
}

Status StoreWriter::sync_segment() {
  if (seg_fd_ >= 0 && ::fdatasync(seg_fd_) != 0) return Error{"fdatasync failed: " + errno_text()};
  dirty_since_sync_ = false;
  synced_ = {seg_id_, seg_size_, next_seq_, last_digest_, head_seq_, total_events_, first_ts_, last_ts_};
  return {};
}

// After a failed write (a full disk, an I/O error) the store carries on by itself once the
// cause is gone: the sealer's error is cleared, our own partial writes are cut back (they
// were never acknowledged), and the open block is dropped; its events belong to batches
// whose acknowledgement is refused by the same commit, so their senders send them again.
// After a failed fdatasync nothing since the last good one can be trusted to be on disk: the
// segment goes back to that point.
uint64_t StoreWriter::reset_after_error(bool sync_failed) {
  {
    std::unique_lock lk(mu_);
    done_cv_.wait(lk, [&] { return jobs_.empty() && !busy_; });
    sealer_error_ = Status();
  }
  if (sync_failed && seg_fd_ >= 0 && synced_.segment == seg_id_ && synced_.size <= seg_size_) {
    (void)::ftruncate(seg_fd_, static_cast<off_t>(synced_.size));
    seg_size_ = synced_.size;
    next_seq_ = synced_.next_seq;
    last_digest_ = synced_.head;
    head_seq_ = synced_.head_seq;
    total_events_ = synced_.events;
    first_ts_ = synced_.first_ts;
    last_ts_ = synced_.last_ts;
  } else if (seg_fd_ >= 0) {
    (void)::ftruncate(seg_fd_, static_cast<off_t>(seg_size_));
  }
  uint64_t dropped = enc_.count();
  if (dropped) {
    (void)enc_.finish();
    (void)summary_.finish();
  }
  if (wal_enc_.count()) (void)wal_enc_.finish();
  wal_logged_ = 0;
  bloom_keys_.clear();
  open_block_seq_ = next_seq_;
  // What the commit log holds for blocks that did not make it was acknowledged: back it goes.
  auto replayed = wal_fd_ >= 0 ? wal_replay(next_seq_) : Result<uint64_t>(uint64_t{0});
  uint64_t back = replayed ? *replayed : 0;
  discarded_ += dropped > back ? dropped - back : 0;
  errors_reset_++;
  return dropped;
}

Status StoreWriter::append_log_line(const std::string& body) {
  auto sig = key_.sign(body);
  if (!sig) return Error{sig.error()};
  std::string line = body + " sig=" + hex(sig->data(), sig->size());
  std::string with_nl = line + "\n";
  if (!write_all(log_fd_, with_nl.data(), with_nl.size()) || ::fdatasync(log_fd_) != 0) {
    Error e{"cannot append to checkpoint log: " + errno_text()};
    (void)::ftruncate(log_fd_, static_cast<off_t>(log_size_));  // no partial line stays behind
    return e;
  }
  log_size_ += with_nl.size();
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
  if (Status f = sync_segment(); !f) return f;
  std::string b = "wardsec-checkpoint v=1 seq=" + std::to_string(log_seq_ + 1) + " prev=" + (log_prev_.empty() ? "0" : log_prev_) +
                  " digest=" + std::string(digest_alg_name(opt_.digest)) + " segment=" + std::to_string(seg_id_) +
                  " block=" + std::to_string(head_seq_) + " head=" + hex(last_digest_.data(), 32) +
                  " events=" + std::to_string(total_events_) + " first=" + std::to_string(first_ts_) + " last=" + std::to_string(last_ts_) +
                  " at=" + std::to_string(now_ns()) + " closed=" + (closed_segment ? "1" : "0") +
                  " alg=" + std::string(sign_alg_name(key_.alg())) + " key=" + key_.fingerprint();
  Status s = append_log_line(b);
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
  Status s = commit(false);  // seals the open block
  if (s) s = sync_segment();
  if (s && enc_.count() == 0) s = wal_clear();
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
    if (!r) continue;  // a damaged segment header: kept (verify and the start name it)
    uint64_t first = 0, last = 0, events = 0;
    int64_t tmin = 0, tmax = 0, written = 0;
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
      written = std::max(written, b->header.written);
      head = b->header.digest;
    }
    // Age counts from when the center stored the data (the blocks' write times, its own
    // clock), never from the times senders put in their events: one line dated 2099 must not
    // keep a segment, and every segment after it, for ever.
    if (!any || written >= now - max_age_ns) break;  // oldest first; stop at the first one kept
    std::string body = "wardsec-expired v=1 seq=" + std::to_string(log_seq_ + 1) + " prev=" + (log_prev_.empty() ? "0" : log_prev_) +
                       " digest=" + std::string(digest_alg_name(opt_.digest)) + " segment=" + std::to_string(seg.id) +
                       " blocks=" + std::to_string(first) + "-" + std::to_string(last) + " head=" + hex(head.data(), 32) +
                       " events=" + std::to_string(events) + " first=" + std::to_string(tmin) + " last=" + std::to_string(tmax) +
                       " stored=" + std::to_string(written) + " at=" + std::to_string(now) +
                       " reason=age:" + std::to_string(max_age_ns / 86400000000000LL) + "d alg=" + std::string(sign_alg_name(key_.alg())) +
                       " key=" + key_.fingerprint();
    Status s = append_log_line(body);
    if (!s) return Error{s.error()};
    log_seq_++;
    if (::unlink(seg.path.c_str()) != 0) return Error{"cannot remove " + seg.path + ": " + errno_text()};
    fsync_dir(seg_dir_);
    removed++;
  }
  return removed;
}

}  // namespace wardsec::store
