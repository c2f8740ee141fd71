// Multi-line framing per source (issue #18): a Java stack trace or a pretty-printed Windows
// event that reaches the center one line per syslog message (rsyslog imfile without
// startmsg.regex, NXLog without xm_multiline, a file imported line by line) is joined back into
// one event, like Filebeat's multiline or rsyslog's startmsg.regex do at the sender.
//
// The lines are joined after they are decoded (so the sender, host and program are known at no
// extra cost) and per key: input, sender (address and port: one TCP connection, one UDP
// sender, one file), host and program. A rule (parse/family.h MultilineSpec) says which keys
// it applies to and where an event starts. An event of several lines is decoded again as one
// message: its first line's header, then the bodies of the lines after it, joined by "\n".
//
// Nothing is lost: an event that reaches max_lines or max_bytes is let go and the next line
// starts a new one; an event is let go after timeout_ms without a new line; at most kMaxHeld
// events and kMaxHeldBytes are held (the oldest is let go first). Acknowledgements wait: a
// batch whose lines are held is acknowledged (RELP, HTTP) only once the events holding them are
// durable (AckToken).
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "parse/family.h"

namespace wardsec::ingest {

// A batch's acknowledgement, shared by the events that hold its lines: called once, when the
// last holder is gone, with true only if every holder reported its events durable.
class AckToken {
 public:
  explicit AckToken(std::function<void(bool)> fn) : fn_(std::move(fn)) {}
  ~AckToken() {
    if (fn_) fn_(reported_.load() && ok_.load());
  }
  AckToken(const AckToken&) = delete;
  AckToken& operator=(const AckToken&) = delete;
  void report(bool ok) {
    reported_ = true;
    if (!ok) ok_ = false;
  }

 private:
  std::function<void(bool)> fn_;
  std::atomic<bool> reported_{false}, ok_{true};
};
using AckPtr = std::shared_ptr<AckToken>;
// A batch acknowledged message by message (RELP: frame by frame): called with the indices of
// the batch's messages that are durable (or not, ok=false).
using EachAck = std::function<void(const std::vector<uint32_t>& msgs, bool ok)>;
using EachAckPtr = std::shared_ptr<EachAck>;

// Where a message's acknowledgement goes: its batch's token, or its own index in a batch
// acknowledged message by message, or nowhere (UDP, TCP).
struct AckSource {
  AckPtr token;
  EachAckPtr each;
  // The acknowledgement of message `i`, to call once it is durable (empty when there is none).
  std::function<void(bool)> of(uint32_t i) const {
    if (token) return [t = token](bool ok) { t->report(ok); };
    if (each) return [e = each, i](bool ok) { (*e)({i}, ok); };
    return {};
  }
};

// The compiled rules (regexes checked once; an error names the rule's file and line).
class MultilineRules {
 public:
  static Result<std::shared_ptr<const MultilineRules>> compile(const std::vector<MultilineSpec>& specs);
  ~MultilineRules();
  MultilineRules(const MultilineRules&) = delete;
  MultilineRules& operator=(const MultilineRules&) = delete;
  struct Rule;
  // The first rule for this key, or nullptr.
  const Rule* find(std::string_view source, std::string_view program) const;
  bool empty() const { return rules_.empty(); }
  bool has_sources() const { return has_sources_; }
  size_t size() const { return rules_.size(); }
  static const MultilineSpec& spec(const Rule& r);
  // Whether `body` begins a new event under `r` (start matches, or continue does not).
  static bool starts(const Rule& r, std::string_view body);
  static bool ends(const Rule& r, std::string_view body);

 private:
  MultilineRules() = default;
  std::vector<std::unique_ptr<Rule>> rules_;
  bool has_sources_ = false;
};

// An event the joiner let go: `ev` as decoded when it is one line (`raw` empty); else `raw`
// (the joined message) to decode again. `input` and `source` are the batch's it came from.
struct JoinedEvent {
  Event ev;
  std::string raw;
  size_t lines = 1;
  size_t unparsed = 0;  // lines no parser understood alone (parse errors to take back when joined)
  bool truncated = false;
  int64_t received = 0;
  std::string input, source;
  std::vector<std::function<void(bool)>> acks;  // of the lines it holds, each called once when durable
};

struct JoinerStats {
  uint64_t joined = 0;  // events made of more than one line
  uint64_t lines = 0;   // lines they held
  uint64_t cut = 0;     // events let go at max_lines / max_bytes / the held limits
};

class Joiner {
 public:
  static constexpr size_t kMaxHeld = 4096;
  static constexpr size_t kMaxHeldBytes = 32u << 20;
  explicit Joiner(std::shared_ptr<const MultilineRules> rules) : rules_(std::move(rules)) {}
  // Offers a decoded event (its input and sender as the batch says; its acknowledgement is
  // ack.of(index)). Returns true when the joiner took it (the caller drops it from the batch, and
  // the joined event acknowledges it); events it lets go on the way are appended to `out`.
  // `now` is a steady clock in ns.
  bool offer(Event& ev, std::string_view input, std::string_view source, const AckSource& ack, uint32_t index, int64_t now,
             std::vector<JoinedEvent>& out);
  // Lets go of the events whose time is up.
  void expire(int64_t now, std::vector<JoinedEvent>& out);
  // Lets go of everything (stopping).
  void flush(std::vector<JoinedEvent>& out);
  size_t held() const { return held_.size(); }
  size_t held_bytes() const { return held_bytes_; }
  const JoinerStats& stats() const { return stats_; }

 private:
  struct Held {
    const MultilineRules::Rule* rule = nullptr;
    JoinedEvent j;
    int64_t deadline = 0;
    uint64_t seq = 0;  // arrival order, to let the oldest go first
    size_t bytes = 0;
  };
  void release(std::unordered_map<std::string, Held>::iterator it, std::vector<JoinedEvent>& out, bool cut);
  void make_room(size_t bytes, std::vector<JoinedEvent>& out);
  std::shared_ptr<const MultilineRules> rules_;
  std::unordered_map<std::string, Held> held_;
  size_t held_bytes_ = 0;
  uint64_t seq_ = 0;
  int64_t next_expiry_ = 0;
  JoinerStats stats_;
  std::string key_, lookup_;
  // Which rule a sender's program falls under, remembered (bounded): most lines have none.
  std::unordered_map<std::string, const MultilineRules::Rule*> rule_of_;
};

}  // namespace wardsec::ingest
