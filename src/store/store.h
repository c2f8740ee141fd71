// The embedded, tamper-evident event store: append-only segments of compressed blocks, a
// digest chain over blocks, signed checkpoints, retention with signed receipts.
#pragma once
#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "store/crypto.h"
#include "store/format.h"
#include "store/summary.h"

namespace wardsec::store {

constexpr int kRefRowBits = 20;  // event references: block sequence and row within it
inline std::string ref_to_string(uint64_t ref) {
  return std::to_string(ref >> kRefRowBits) + ":" + std::to_string(ref & ((1u << kRefRowBits) - 1));
}

struct StoreOptions {
  std::string data_dir = "./data";
  std::string key_dir;  // default: "<data_dir>.keys" beside the data folder
  DigestAlg digest = DigestAlg::kSm3;
  SignAlg sign = SignAlg::kSm2;
  size_t block_bytes = 2u << 20;  // seal a block at this much raw payload...
  size_t block_events = 32768;    // ...or this many events
  // A commit seals the open block only once it holds this much (or is seal_after_ns old);
  // smaller ones are made durable through the commit log (<data>/wal) instead.
  size_t min_seal_bytes = 64u << 10;
  int64_t seal_after_ns = 1000000000LL;
  uint64_t segment_bytes = 64ull << 20;
  int64_t segment_span_ns = 86400LL * 1000000000LL;  // one segment per day at most
  uint32_t checkpoint_every_blocks = 64;
  int64_t checkpoint_every_ns = 60LL * 1000000000LL;
  int zstd_level = 6;                      // 6: ~8x on the demo traffic; level 1 while saturated (docs/benchmarks.md)
  std::vector<std::string> witness_files;  // every checkpoint line is appended to these
  std::string witness_syslog;              // "host:port": each checkpoint line sent over UDP
};

std::string default_key_dir(const std::string& data_dir);

// One parsed checkpoint-log line: a checkpoint, a retention receipt, or a recovery record
// (what a start found damaged or cut as a torn tail, and where the chain continues).
struct LogRecord {
  enum Kind { kCheckpoint, kExpired, kRecovered } kind = kCheckpoint;
  std::string line;         // the whole line, without the newline
  std::string signed_part;  // the text the signature covers
  uint64_t seq = 0;
  std::string prev;  // hex digest of the previous line
  uint64_t segment = 0;
  uint64_t block = 0;        // checkpoint: last block; receipt: last block of the segment
  uint64_t first_block = 0;  // receipt only
  std::string head;          // hex digest of `block`
  uint64_t events = 0;       // checkpoint: all events ever written through `block`; receipt: events removed
  int64_t first = 0, last = 0, at = 0;
  bool closed = false;
  std::string sig;  // hex
  // Recovery records: `block`/`head` is where the chain continues from, `next` the number of
  // the next block written; lost=first_block..last_lost are numbers no block in the store
  // will carry (never checkpointed, or damaged); bytes=off_from..off_to of `segment`.
  std::string reason, saved;
  uint64_t next = 0, last_lost = 0, off_from = 0, off_to = 0;
  bool lost_any = false;
};
Result<LogRecord> parse_log_record(std::string_view line);
std::string log_field(std::string_view line, std::string_view key);
std::vector<std::string> read_lines(const std::string& path, bool* torn_tail = nullptr);

// What a start found and did: torn tails it cut (saved to <data>/quarantine, recorded in the
// checkpoint log) and damage it kept in place. Damage is an error for people to act on.
struct RecoveryReport {
  std::vector<std::string> damage;  // each names a segment, blocks and byte range
  std::vector<std::string> cut;     // torn tails cut back (never acknowledged, never checkpointed)
};

struct WriterStats {
  uint64_t events = 0, blocks = 0, raw_bytes = 0, stored_bytes = 0, checkpoints = 0;
};

// Read-only access for search and verification.
struct SegmentInfo {
  uint64_t id = 0;
  std::string path;
  uint64_t size = 0;
};

struct LogState;  // what the checkpoint log says (recover.cc)

class StoreWriter {
 public:
  static Result<std::unique_ptr<StoreWriter>> open(const StoreOptions& opt);
  ~StoreWriter();

  // Adds an event to the open block; seals the block when it is full (without fsync).
  Status add(const Event& ev);
  // Seals the open block (if any) and makes everything written durable when `sync`.
  Status commit(bool sync);
  // commit(true) and a final checkpoint.
  Status close();
  // Deletes closed segments last written before now - max_age, writing a signed
  // receipt for each before it is removed. Returns the number of segments removed.
  Result<int> apply_retention(int64_t max_age_ns, int64_t now);
  // Writes a checkpoint now (also done automatically).
  Status checkpoint(bool closed_segment);
  // Seals and closes the current segment (signed checkpoint); the next block starts a new one.
  Status rotate();

  size_t pending_events() const { return enc_.count(); }
  // Failed commits the writer recovered from by itself (a full disk that was freed, say).
  uint64_t errors_recovered() const { return errors_reset_; }
  // Events dropped from the open block by those recoveries: acknowledged inputs (RELP, HTTP)
  // are refused and resend them; UDP and plain TCP cannot.
  uint64_t events_discarded() const { return discarded_; }
  // Where the next add()ed event will be: (block sequence << kRefRowBits) | row. Alerts keep
  // these references; read_event_by_ref() reads the event back.
  uint64_t next_ref() const { return (open_block_seq_ << kRefRowBits) | enc_.count(); }
  WriterStats stats() const;  // blocks written so far (the sealer thread updates them)
  const KeyPair& key() const { return key_; }
  const RecoveryReport& recovery() const { return recovery_; }

 private:
  StoreWriter(const StoreOptions& opt, KeyPair key);
  struct Job {
    BlockHeader h;
    std::string payload, index, summary;
  };
  Status recover();
  Status recover_tail(const std::vector<SegmentInfo>& segs, const LogState& log);
  struct Recovered;
  Status record_recovery(const Recovered& r);
  Status seal_block();
  Status drain();  // waits until every sealed block is written
  Status sealer_status();
  void sealer_loop();
  Status write_block(Job& j, int level);
  Status checkpoint_now(bool closed_segment);
  Status sync_segment();
  Status wal_open();
  Status wal_append();
  Status wal_clear();
  Result<uint64_t> wal_replay(uint64_t from);
  uint64_t reset_after_error(bool sync_failed);
  Status open_new_segment(uint64_t id);
  Status append_log_line(const std::string& body);

  StoreOptions opt_;
  KeyPair key_;
  RecoveryReport recovery_;
  std::string seg_dir_;
  int seg_fd_ = -1;
  int log_fd_ = -1;
  int lock_fd_ = -1;  // flock on <data>/LOCK: one writer per data folder
  uint64_t seg_id_ = 0;
  uint64_t seg_size_ = 0;
  int64_t seg_created_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t open_block_seq_ = 0;  // the sequence the open block will get (caller's thread)
  Digest32 last_digest_{};
  uint64_t head_seq_ = 0;      // the block whose digest last_digest_ is (what a checkpoint names)
  uint64_t total_events_ = 0;  // events ever written (including expired)
  int64_t first_ts_ = 0, last_ts_ = 0;
  uint64_t log_seq_ = 0;
  uint64_t log_size_ = 0;  // bytes of checkpoints.log (a failed append is cut back to it)
  struct Synced {          // the state at the last fdatasync of the segment
    uint64_t segment = 0, size = 0, next_seq = 0;
    Digest32 head{};
    uint64_t head_seq = 0;
    uint64_t events = 0;
    int64_t first_ts = 0, last_ts = 0;
  } synced_;
  uint64_t errors_reset_ = 0, discarded_ = 0;
  std::string log_prev_;  // hex digest of the last log line
  uint64_t blocks_since_cp_ = 0;
  int64_t last_cp_time_ = 0;
  bool dirty_since_cp_ = false;
  bool dirty_since_sync_ = false;
  // the commit log: wal_enc_ holds the open block's events not yet in it (only while
  // wal_mode_, which starts with a block after a small one was sealed)
  int wal_fd_ = -1;
  bool wal_mode_ = true;
  PayloadEncoder wal_enc_;
  uint32_t wal_logged_ = 0;  // events of the open block that are in the commit log
  int64_t block_started_ = 0;
  uint64_t replay_from_ = 0;  // set by recovery: blocks from here on are not in the segments
  // open block
  PayloadEncoder enc_;
  SummaryBuilder summary_;
  KeySet bloom_keys_;
  int64_t blk_ts_min_ = 0, blk_ts_max_ = 0;
  mutable std::mutex stats_mu_;
  WriterStats stats_;
  struct Zstd;
  std::unique_ptr<Zstd> zstd_;
  // Sealer thread: owns the segment, chain and log state while it runs a job; the caller's
  // thread touches that state only after drain().
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<Job> jobs_;
  bool busy_ = false, stop_ = false;
  Status sealer_error_;
  std::thread sealer_;
};

std::vector<SegmentInfo> list_segments(const std::string& data_dir);

struct BlockRef {
  BlockHeader header;
  std::array<char, kBlockHeaderSize> raw_header{};  // the bytes on disk (digest input)
  uint64_t offset = 0;                              // of the header in the segment file
  std::string index;                                // bloom bytes
};

struct ByteRange {
  uint64_t from = 0, to = 0;
};

class SegmentReader {
 public:
  static Result<SegmentReader> open(const SegmentInfo& info);
  SegmentReader(SegmentReader&&) noexcept;
  ~SegmentReader();
  const SegmentHeader& header() const { return header_; }
  uint64_t size() const { return size_; }  // when opened
  // Reads the next block header (and index); nullopt at end. Bytes that are not a whole
  // block are skipped to the next block that is (gaps()); a partial record at the end stops
  // the walk and sets truncated() (a torn write, or the writer is still appending).
  std::optional<BlockRef> next();
  bool truncated() const { return truncated_; }
  uint64_t tail_offset() const { return pos_; }
  const std::vector<ByteRange>& gaps() const { return gaps_; }
  // Reads the compressed payload of a block; `digest_ok` is its digest check.
  Result<std::string> read_payload(const BlockRef& b, bool* digest_ok = nullptr);
  // Reads, checks the digest of, decompresses and decodes a block; errors name the block.
  Status read_events(const BlockRef& b, std::vector<Event>& out);
  uint64_t blocks_read() const { return blocks_read_; }
  std::string where(const BlockRef& b) const;  // "segment 3 block 120 (offset 4096)"

 private:
  SegmentReader() = default;
  std::optional<BlockRef> block_at(uint64_t off);
  uint64_t find_block(uint64_t from);
  int fd_ = -1;
  SegmentHeader header_;
  uint64_t pos_ = 0, size_ = 0;
  bool truncated_ = false;
  uint64_t blocks_read_ = 0;
  uint64_t last_start_ = 0;  // offset of the last block returned (0: none yet)
  std::vector<ByteRange> gaps_;
};

bool pread_all(int fd, char* p, size_t n, uint64_t off);
std::string quarantine_dir(const std::string& data_dir);

Result<std::string> zstd_decompress(std::string_view comp, size_t raw_len);

}  // namespace wardsec::store
