// The pipeline: inputs hand raw messages in batches to a bounded queue; a decode stage turns
// them into events; a store stage appends them and, once durable, runs the batch's
// acknowledgement (RELP, HTTP). Stages only pass batches forward.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "ingest/multiline.h"
#include "parse/parser.h"
#include "parse/source_zones.h"
#include "store/store.h"

namespace wardsec::ingest {

struct RawMessage {
  uint32_t off = 0, len = 0;  // in RawBatch::buf
  int64_t received = 0;
  bool truncated = false;  // the framing cut it (over-long, or the peer left mid-frame)
};

// Messages travel back to back in one buffer: one allocation per batch, not per message.
struct RawBatch {
  std::string buf;
  std::vector<RawMessage> msgs;
  void add(std::string_view m, int64_t received, bool truncated = false) {
    msgs.push_back({static_cast<uint32_t>(buf.size()), static_cast<uint32_t>(m.size()), received, truncated});
    buf.append(m);
  }
  std::string_view text(size_t i) const { return std::string_view(buf).substr(msgs[i].off, msgs[i].len); }
  bool empty() const { return msgs.empty() && decoded.empty(); }
  std::string source;  // e.g. "tcp 10.20.0.5:41234": the sender, kept in log.source.address
  std::string input;   // "udp", "tcp", "tls", "relp", "http", "file", "demo"
  // Called once, after every event of the batch is durable (ok=true) or could not be
  // stored (ok=false). Runs on the store thread: post work elsewhere, don't block.
  std::function<void(bool ok)> on_durable;
  // Instead of on_durable, for an input that acknowledges message by message (RELP): called
  // with the indices of the messages that became durable, maybe in parts — a message that
  // is a line of a multi-line event is acknowledged with that event, perhaps a batch later.
  EachAck on_durable_each;
  // Events the center built itself (the database capture): they are not decoded again, but
  // go through enrichment and on to the store like every other batch. Either msgs or this.
  std::vector<Event> decoded;
  size_t bytes() const {
    size_t n = buf.size() + msgs.size() * 64;
    for (const auto& e : decoded) n += e.raw.size() + e.extra.size() + 64;
    return n;
  }
};

// A queue bounded by bytes. try_push fails when full (the caller applies back-pressure or
// drops and counts); push waits.
template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t max_bytes) : max_(max_bytes) {}
  bool try_push(T&& v, size_t cost) {
    std::lock_guard lk(mu_);
    if (closed_ || (bytes_ + cost > max_ && !q_.empty())) return false;
    bytes_ += cost;
    q_.emplace_back(std::move(v), cost);
    cv_.notify_one();
    return true;
  }
  bool push(T&& v, size_t cost) {
    std::unique_lock lk(mu_);
    space_.wait(lk, [&] { return closed_ || bytes_ + cost <= max_ || q_.empty(); });
    if (closed_) return false;
    bytes_ += cost;
    q_.emplace_back(std::move(v), cost);
    cv_.notify_one();
    return true;
  }
  // Waits up to `ms` for at least one item, then takes up to `max_items`.
  size_t pop_some(std::vector<T>& out, size_t max_items, int ms) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, std::chrono::milliseconds(ms), [&] { return !q_.empty() || closed_; });
    size_t n = 0;
    while (!q_.empty() && n < max_items) {
      bytes_ -= q_.front().second;
      out.push_back(std::move(q_.front().first));
      q_.pop_front();
      n++;
    }
    in_hand_ += n;
    if (n) space_.notify_all();
    return n;
  }
  // The consumer is done with `n` items it popped (idle() counts them until then).
  void done(size_t n) {
    std::lock_guard lk(mu_);
    in_hand_ -= std::min(n, in_hand_);
  }
  // Nothing queued and nothing popped still being worked on.
  bool idle() const {
    std::lock_guard lk(mu_);
    return q_.empty() && in_hand_ == 0;
  }
  bool empty() const {
    std::lock_guard lk(mu_);
    return q_.empty();
  }
  size_t bytes() const {
    std::lock_guard lk(mu_);
    return bytes_;
  }
  void close() {
    std::lock_guard lk(mu_);
    closed_ = true;
    cv_.notify_all();
    space_.notify_all();
  }
  bool closed() const {
    std::lock_guard lk(mu_);
    return closed_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_, space_;
  std::deque<std::pair<T, size_t>> q_;
  size_t bytes_ = 0, max_, in_hand_ = 0;
  bool closed_ = false;
};

struct PipelineOptions {
  size_t queue_bytes = 64u << 20;
  int flush_interval_ms = 1000;  // unacknowledged data is sealed into a block at least this often
  int group_commit_ms = 20;      // acknowledged data waits at most this long for company
  int64_t retention_ns = 180LL * 86400 * 1000000000LL;
  ParseContext parse;
  // The parsers (built-in and the device families of parsers/); null: the built-in ones.
  std::shared_ptr<const ParserRegistry> parsers;
  // The enrichment stages (src/enrich/), run on every decoded batch before it is stored, after
  // the input and sender are written. Runs on the decode thread; must not block.
  std::function<void(std::span<Event>)> enrich;
  // Multi-line joining (ingest/multiline.h); null or empty: every message is an event.
  std::shared_ptr<const MultilineRules> multiline;
  // The time zone per source (parse/source_zones.h); null: every source in parse.tz_sec.
  std::shared_ptr<const SourceZones> zones;
};

struct Metrics {
  std::atomic<uint64_t> received{0}, stored{0}, dropped{0}, parse_errors{0}, commits{0}, store_errors{0}, blocked{0}, bytes_in{0},
      observer_waits{0}, reserved_renamed{0}, store_discarded{0};
  // Multi-line joining: events of several lines, the lines in them, events cut at a limit, and
  // events held now (waiting for their next line).
  std::atomic<uint64_t> multiline_events{0}, multiline_lines{0}, multiline_cut{0}, multiline_held{0};
  std::atomic<bool> store_failing{false};  // the last commit failed (a full disk, say)
};

class Pipeline {
 public:
  Pipeline(store::StoreWriter& writer, const PipelineOptions& opt);
  ~Pipeline();
  void start();
  // Drains everything queued, commits, writes a checkpoint, and stops the threads.
  void stop();
  // False when the queue is full; the batch is left untouched for a retry.
  bool try_submit(RawBatch& b);
  // Waits for room (file import, demo).
  bool submit(RawBatch&& b);
  // Drops messages because the queue is full (UDP cannot wait): counted, and logged at most
  // once every 10 seconds so overload is visible without flooding the log.
  void drop(size_t n);
  const Metrics& metrics() const { return metrics_; }
  // Replaces the per-source time zones while running (the console's 系统设置): lines decoded
  // after the call use them.
  void set_source_zones(std::shared_ptr<const SourceZones> z);
  size_t queued_bytes() const { return raw_q_.bytes() + parsed_q_.bytes(); }
  // Events the center itself made go straight to the store stage (no decoding, no
  // enrichment). `examine`: detection sees them too (the audit trail: its rules watch the
  // console); records detection derived (alerts and their state changes) are stored with
  // examine=false, so they never travel back to detection.
  bool submit_events(std::vector<Event>&& evs, std::function<void(bool)> on_durable, bool examine = true);
  // Detection's own records (alerts), without waiting: false when the store stage's queue is
  // full (the detector keeps them and retries). Never examined.
  bool try_store_records(std::vector<Event>&& evs);

  // A stage after the store (detection), on its own thread: called with every stored batch
  // (the first `count` events) and each event's store reference (StoreWriter::next_ref), and
  // with count 0 when idle for a while. Set before start(). Its queue is bounded; when
  // full, the store stage waits for it, so no stored event goes unexamined (ingestion slows
  // instead, visibly: metrics observer_waits).
  using Observer = std::function<void(const std::vector<Event>& events, size_t count, const std::vector<uint64_t>& refs)>;
  void set_observer(Observer o, size_t queue_bytes = 64u << 20);
  size_t observer_queued_bytes() const { return observed_q_ ? observed_q_->bytes() : 0; }

 private:
  struct Parsed {
    std::vector<Event> events;  // the first `count` are this batch's; the rest are spares
    size_t count = 0;
    std::function<void(bool)> on_durable;
    std::vector<uint64_t> refs;  // store references, filled by the store stage for the observer
    bool examine = true;         // false: stored only, never handed to the observer
  };
  // Event vectors go back to the decode stage after the store took their events, so the
  // steady state allocates nothing per event (and frees nothing across threads).
  std::vector<Event> take_spare();
  void give_back(std::vector<Event>&& v);
  std::mutex spare_mu_;
  std::vector<std::vector<Event>> spares_;
  void decode_loop();
  // Decodes one batch (enriched, ready for the store) and hands it on.
  void decode_batch(RawBatch& b);
  // Joined events the joiner let go, decoded where they are several lines, as one batch.
  void push_joined(std::vector<JoinedEvent>&& joined, Parsed* into);
  void finish(Parsed&& p);
  // The parse context for a line from `source` by `input`: the zone of its source when a rule names one.
  ParseContext context_for(const SourceZones* zones, std::string_view source, std::string_view input, int64_t received) const;
  std::shared_ptr<const SourceZones> source_zones() const;
  std::unique_ptr<Joiner> joiner_;
  mutable std::mutex zones_mu_;
  std::shared_ptr<const SourceZones> zones_;  // taken once per batch by the decode thread
  uint64_t errors_before_ = 0, reserved_before_ = 0, parse_error_credit_ = 0;
  void store_loop();
  void observe_loop();
  Observer observer_;
  std::unique_ptr<BoundedQueue<Parsed>> observed_q_;
  std::thread observe_thread_;

  store::StoreWriter& writer_;
  PipelineOptions opt_;
  Decoder decoder_;
  BoundedQueue<RawBatch> raw_q_;
  BoundedQueue<Parsed> parsed_q_;
  Metrics metrics_;
  std::thread decode_thread_, store_thread_;
  std::atomic<bool> started_{false};
  std::atomic<int64_t> last_drop_warn_{0};
};

}  // namespace wardsec::ingest
