#include "ingest/pipeline.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "core/timeutil.h"

namespace wardsec::ingest {

namespace {
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Pipeline::Pipeline(store::StoreWriter& writer, const PipelineOptions& opt)
    : writer_(writer),
      opt_(opt),
      decoder_(opt_.parsers.get()),
      raw_q_(opt.queue_bytes),
      parsed_q_(8u << 20) {  // raw_q_ is the buffer; parsed events only wait for the store
  zones_ = opt.zones;
}

Pipeline::~Pipeline() { stop(); }

void Pipeline::start() {
  if (started_.exchange(true)) return;
  decode_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ws-decode");
    decode_loop();
  });
  store_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ws-store");
    store_loop();
  });
  if (observer_)
    observe_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "ws-detect");
      observe_loop();
    });
}

void Pipeline::set_observer(Observer o, size_t queue_bytes) {
  observer_ = std::move(o);
  observed_q_ = std::make_unique<BoundedQueue<Parsed>>(queue_bytes);
}

void Pipeline::observe_loop() {
  std::vector<Parsed> batches;
  for (;;) {
    batches.clear();
    observed_q_->pop_some(batches, 16, 500);
    if (batches.empty()) {
      observer_({}, 0, {});  // idle (or the last call before stopping)
      if (observed_q_->closed()) return;
      continue;
    }
    for (auto& b : batches) {
      observer_(b.events, b.count, b.refs);
      give_back(std::move(b.events));
    }
    observed_q_->done(batches.size());
  }
}

bool Pipeline::try_store_records(std::vector<Event>&& evs) {
  size_t cost = 0;
  for (const auto& e : evs) cost += e.raw.size() + e.extra.size() + 64;
  size_t n = evs.size();
  if (!parsed_q_.try_push(Parsed{std::move(evs), n, nullptr, {}, false}, cost)) return false;
  metrics_.received += n;
  return true;
}

void Pipeline::stop() {
  if (!started_.exchange(false)) return;
  raw_q_.close();
  decode_thread_.join();
  if (observe_thread_.joinable()) {
    // What the observer (detection) derives from the last stored events must be stored too:
    // the store stage finishes what is queued, the observer examines it and makes a last
    // idle call (which hands its records to try_store_records), and only then does the store
    // stage stop.
    while (!parsed_q_.idle()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    observed_q_->close();
    observe_thread_.join();
  }
  parsed_q_.close();
  store_thread_.join();
}

bool Pipeline::try_submit(RawBatch& b) {
  size_t cost = b.bytes(), n = b.msgs.size();
  if (!raw_q_.try_push(std::move(b), cost)) {
    metrics_.blocked++;
    return false;
  }
  metrics_.received += n;
  metrics_.bytes_in += cost;
  return true;
}

void Pipeline::drop(size_t n) {
  uint64_t total = metrics_.dropped += n;
  int64_t now = now_ns(), last = last_drop_warn_.load(std::memory_order_relaxed);
  if (now - last > 10LL * 1000000000LL && last_drop_warn_.compare_exchange_strong(last, now))
    spdlog::warn("ingest queue full: dropped {} UDP message(s) so far (see /api/v1/metrics)", total);
}

bool Pipeline::submit(RawBatch&& b) {
  size_t cost = b.bytes(), n = b.msgs.size();
  if (!raw_q_.push(std::move(b), cost)) return false;
  metrics_.received += n;
  metrics_.bytes_in += cost;
  return true;
}

bool Pipeline::submit_events(std::vector<Event>&& evs, std::function<void(bool)> on_durable, bool examine) {
  size_t cost = 0;
  for (const auto& e : evs) cost += e.raw.size() + e.extra.size() + 64;
  metrics_.received += evs.size();
  size_t n = evs.size();
  return parsed_q_.push(Parsed{std::move(evs), n, std::move(on_durable), {}, examine}, cost);
}

std::vector<Event> Pipeline::take_spare() {
  std::lock_guard lk(spare_mu_);
  if (spares_.empty()) return {};
  std::vector<Event> v = std::move(spares_.back());
  spares_.pop_back();
  return v;
}

void Pipeline::give_back(std::vector<Event>&& v) {
  // Keep a bounded number; events that held a huge line give their memory back.
  for (auto& ev : v)
    if (ev.raw.capacity() > (64u << 10)) ev = Event();
  std::lock_guard lk(spare_mu_);
  if (spares_.size() < 128) spares_.push_back(std::move(v));
}

void Pipeline::decode_loop() {
  std::vector<RawBatch> batches;
  errors_before_ = decoder_.parse_errors();
  reserved_before_ = decoder_.reserved_renamed();
  if (opt_.multiline && !opt_.multiline->empty()) joiner_ = std::make_unique<Joiner>(opt_.multiline);
  std::vector<JoinedEvent> joined;
  for (;;) {
    batches.clear();
    raw_q_.pop_some(batches, 64, 200);
    for (auto& b : batches) decode_batch(b);
    if (joiner_) {
      bool last = batches.empty() && raw_q_.closed() && raw_q_.empty();
      if (last)
        joiner_->flush(joined);
      else
        joiner_->expire(steady_ns(), joined);
      if (!joined.empty()) push_joined(std::move(joined), nullptr);
      joined.clear();
      metrics_.multiline_held = joiner_->held();
    }
    if (batches.empty() && raw_q_.closed() && raw_q_.empty()) return;
  }
}

ParseContext Pipeline::context_for(const SourceZones* z, std::string_view source, std::string_view input, int64_t received) const {
  ParseContext ctx = opt_.parse;
  ctx.received = received;
  // An imported file is history: its old times are its times (only the future is bounded).
  if (input == "file") ctx.max_past_ns = ctx.received;
  if (z && !z->empty()) {
    if (auto sec = z->for_source(source)) {
      ctx.tz_sec = *sec;
      ctx.zone_from_rule = true;
    }
    ctx.zones = z;
  }
  return ctx;
}

std::shared_ptr<const SourceZones> Pipeline::source_zones() const {
  std::lock_guard lk(zones_mu_);
  return zones_;
}

void Pipeline::set_source_zones(std::shared_ptr<const SourceZones> z) {
  std::lock_guard lk(zones_mu_);
  zones_ = std::move(z);
}

void Pipeline::decode_batch(RawBatch& b) {
  Parsed p;
  p.on_durable = std::move(b.on_durable);
  if (!b.decoded.empty()) {
    p.events = std::move(b.decoded);
    p.count = p.events.size();
  } else {
    p.events = take_spare();
    p.count = b.msgs.size();
    auto zones = source_zones();  // held for the batch: the console may replace the table meanwhile
    if (p.events.size() < p.count) p.events.resize(p.count);
    for (size_t i = 0; i < b.msgs.size(); i++) {
      Event& ev = p.events[i];
      ev.clear();
      ev.raw.assign(b.text(i));
      ev.received = b.msgs[i].received ? b.msgs[i].received : now_ns();
      if (b.msgs[i].truncated) ev.flags |= kTruncated;
      decoder_.decode(ev, context_for(zones.get(), b.source, b.input, ev.received));
    }
  }
  for (size_t i = 0; i < p.count; i++) {
    if (!b.input.empty()) p.events[i].set(kInputType, b.input);
    if (!b.source.empty()) p.events[i].set(kLogSourceAddress, b.source);
  }
  bool each = static_cast<bool>(b.on_durable_each);
  if (each || (joiner_ && b.decoded.empty())) {
    // Lines the joiner holds leave the batch. Acknowledged message by message (RELP): the
    // messages that stay in this batch together, and a held one with the event that holds it;
    // otherwise the batch's one acknowledgement waits for every line it held.
    AckSource src = each ? AckSource{nullptr, std::make_shared<EachAck>(std::move(b.on_durable_each))}
                         : AckSource{p.on_durable ? std::make_shared<AckToken>(std::move(p.on_durable)) : nullptr, nullptr};
    std::vector<uint32_t> kept;
    std::vector<JoinedEvent> joined;
    int64_t now = steady_ns();
    size_t w = 0;
    for (size_t i = 0; i < p.count; i++) {
      if (joiner_ && joiner_->offer(p.events[i], b.input, b.source, src, static_cast<uint32_t>(i), now, joined)) continue;
      if (each) kept.push_back(static_cast<uint32_t>(i));
      if (w != i) std::swap(p.events[w], p.events[i]);
      w++;
    }
    p.count = w;
    if (!each)
      p.on_durable = src.of(0);
    else if (!kept.empty())
      p.on_durable = [acks = src.each, kept = std::move(kept)](bool ok) { (*acks)(kept, ok); };
    push_joined(std::move(joined), &p);
    return;
  }
  finish(std::move(p));
}

void Pipeline::push_joined(std::vector<JoinedEvent>&& joined, Parsed* into) {
  Parsed own;
  Parsed& p = into ? *into : own;
  if (!into) p.events = take_spare();
  std::vector<std::function<void(bool)>> acks;
  auto zones = source_zones();
  for (auto& j : joined) {
    if (p.events.size() <= p.count) p.events.resize(p.count + 1);
    Event& ev = p.events[p.count++];
    if (j.raw.empty()) {
      ev = std::move(j.ev);
    } else {
      ev.clear();
      ev.raw = std::move(j.raw);
      ev.received = j.received;
      if (j.truncated) ev.flags |= kTruncated;
      decoder_.decode(ev, context_for(zones.get(), j.source, j.input, ev.received));
      ev.set(FieldRegistry::intern("log.flags"), "multiline");
      if (!j.input.empty()) ev.set(kInputType, j.input);
      if (!j.source.empty()) ev.set(kLogSourceAddress, j.source);
      metrics_.multiline_events++;
      parse_error_credit_ += j.unparsed;  // counted line by line; the event is what counts
      metrics_.multiline_lines += j.lines;
    }
    for (auto& a : j.acks) acks.push_back(std::move(a));
  }
  if (!acks.empty()) {
    std::function<void(bool)> mine = std::move(p.on_durable);
    p.on_durable = [mine = std::move(mine), acks = std::move(acks)](bool ok) mutable {
      if (mine) mine(ok);
      for (auto& a : acks) a(ok);
      acks.clear();  // a batch's token goes when its last holder does
    };
  }
  if (joiner_) metrics_.multiline_cut = joiner_->stats().cut;
  if (into || p.count || p.on_durable)
    finish(std::move(p));
  else
    give_back(std::move(p.events));
}

void Pipeline::finish(Parsed&& p) {
  if (opt_.enrich) opt_.enrich(std::span<Event>(p.events.data(), p.count));
  size_t cost = 0;
  for (size_t i = 0; i < p.count; i++) cost += p.events[i].raw.size() + p.events[i].extra.size() + 64;
  uint64_t e = decoder_.parse_errors(), added = e - errors_before_, back = std::min(added, parse_error_credit_);
  metrics_.parse_errors += added - back;
  parse_error_credit_ -= back;
  errors_before_ = e;
  uint64_t rr = decoder_.reserved_renamed();
  metrics_.reserved_renamed += rr - reserved_before_;
  reserved_before_ = rr;
  parsed_q_.push(std::move(p), cost);
}

void Pipeline::store_loop() {
  std::vector<Parsed> batches;
  std::vector<std::function<void(bool)>> waiting;
  int64_t last_commit = now_ns(), oldest_wait = 0, last_retention = 0;
  // A failing store (a full disk) fails every commit: the first failure is logged, repeats
  // are counted and summed up once a minute, and the first success after them says so.
  int64_t failing_since = 0, last_report = 0;
  uint64_t failures = 0, reported = 0;
  std::string last_error;
  auto note_failure = [&](const std::string& what) {
    metrics_.store_errors++;
    metrics_.store_failing = true;
    int64_t now = now_ns();
    failures++;
    if (!failing_since || what != last_error) {
      if (!failing_since) failing_since = now;
      spdlog::error("store: {} (acknowledgements are refused until writing works again; senders keep and resend)", what);
      last_error = what;
      last_report = now;
      reported = failures;
    } else if (now - last_report >= 60 * kSec) {
      spdlog::error("store: still failing: {} ({} more failures in the last {} s)", what, failures - reported, (now - last_report) / kSec);
      last_report = now;
      reported = failures;
    }
  };
  auto note_success = [&] {
    if (!failing_since) return;
    spdlog::warn("store: writing works again after {} s and {} failed attempt(s)", (now_ns() - failing_since) / kSec, failures);
    failing_since = 0;
    failures = reported = 0;
    last_error.clear();
    metrics_.store_failing = false;
  };
  auto commit = [&](bool sync) {
    uint64_t recovered = writer_.errors_recovered();
    Status s = writer_.commit(sync);
    metrics_.commits++;
    if (!s)
      note_failure("commit failed: " + s.error());
    else if (writer_.errors_recovered() == recovered)
      note_success();
    metrics_.store_discarded = writer_.events_discarded();
    for (auto& cb : waiting) cb(s.ok());
    waiting.clear();
    last_commit = now_ns();
    oldest_wait = 0;
  };
  for (;;) {
    batches.clear();
    int wait_ms = waiting.empty() ? std::min(opt_.flush_interval_ms, 200) : 2;
    size_t popped = parsed_q_.pop_some(batches, 64, wait_ms);
    for (auto& b : batches) {
      bool ok = true;
      bool observe = observer_ && b.examine;
      if (observe) b.refs.resize(b.count);
      for (size_t i = 0; i < b.count && ok; i++) {
        const Event& ev = b.events[i];
        if (observe) b.refs[i] = writer_.next_ref();
        Status s = writer_.add(ev);
        if (!s) {
          ok = false;
          note_failure("append failed: " + s.error());
          commit(true);  // clears the writer's error; refuses what waits with this batch
        } else {
          metrics_.stored++;
        }
      }
      if (b.on_durable) {
        if (!ok) {
          b.on_durable(false);
        } else {
          if (waiting.empty()) oldest_wait = now_ns();
          waiting.push_back(std::move(b.on_durable));
        }
      }
      if (observe && ok && b.count) {
        size_t cost = b.count * 256;
        for (size_t i = 0; i < b.count; i++) cost += b.events[i].raw.size() + b.events[i].extra.size();
        Parsed o{std::move(b.events), b.count, nullptr, std::move(b.refs)};
        if (!observed_q_->try_push(std::move(o), cost)) {
          metrics_.observer_waits++;
          // try_push moves `o` only when it succeeds.
          observed_q_->push(std::move(o), cost);  // NOLINT(bugprone-use-after-move)
        }
      } else {
        give_back(std::move(b.events));
      }
    }
    parsed_q_.done(popped);
    int64_t now = now_ns();
    if (!waiting.empty()) {
      // Group commit: wait briefly for more acknowledged data unless the queue is idle.
      if (parsed_q_.empty() || now - oldest_wait >= opt_.group_commit_ms * 1000000LL) commit(true);
    } else if (writer_.pending_events() && now - last_commit >= opt_.flush_interval_ms * 1000000LL) {
      commit(true);
    } else if (now - last_commit >= opt_.flush_interval_ms * 1000000LL) {
      commit(false);  // time-based checkpoints
      last_commit = now;
    }
    if (now - last_retention > 3600LL * 1000000000LL) {
      last_retention = now;
      auto r = writer_.apply_retention(opt_.retention_ns, now);
      if (!r)
        spdlog::error("retention failed: {}", r.error());
      else if (*r)
        spdlog::info("retention removed {} segment(s) older than {} days", *r, opt_.retention_ns / 86400000000000LL);
    }
    if (batches.empty() && parsed_q_.closed() && parsed_q_.empty()) break;
  }
  commit(true);
  Status s = writer_.close();
  if (!s) spdlog::error("store close failed: {}", s.error());
}

}  // namespace wardsec::ingest
