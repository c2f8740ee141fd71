// NATS JetStream through libnats (Debian's libnats-dev): the connection, the WARDSEC stream,
// publishing with the stream's acknowledgement and a message id, and the sinks' durable pull
// consumer. The connection reconnects by itself, forever; errors name the server and the step.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

// libnats' own type names (its header stays out of ours)
struct __natsConnection;    // NOLINT(bugprone-reserved-identifier)
struct __natsSubscription;  // NOLINT(bugprone-reserved-identifier)
struct __natsMsg;           // NOLINT(bugprone-reserved-identifier)
struct __jsCtx;             // NOLINT(bugprone-reserved-identifier)

namespace wardsec::cluster {

struct NatsOptions {
  std::string url = "nats://127.0.0.1:4222";  // one or more, comma-separated
  std::string ca_file;                        // set: TLS, the server checked against this CA
  std::string cert_file, key_file;            // a client certificate, when the server asks for one
  std::string creds_file;                     // NATS credentials (JWT and seed), when the server uses them
  std::string name = "wardsec";
};

constexpr std::string_view kStream = "WARDSEC";
constexpr std::string_view kSinkConsumer = "sink";   // the sinks share it; made with the stream
constexpr int64_t kAckWaitNs = 30LL * 1000000000LL;  // unacknowledged this long: delivered again
constexpr int64_t kMaxAckPending = 256;

class Nats {
 public:
  static Result<std::unique_ptr<Nats>> connect(const NatsOptions& o);
  ~Nats();
  bool connected() const;
  const std::string& url() const { return url_; }
  // The largest message the server takes.
  int64_t max_payload() const;
  // Creates the WARDSEC stream (subjects wardsec.>, file storage, interest retention with a
  // duplicate window, at most max_bytes) and the sinks' consumer when missing.
  Status ensure_stream(int64_t duplicate_window_ns = 10LL * 60 * 1000000000LL, int64_t max_bytes = 8LL << 30);
  // Publishes and waits for the stream's acknowledgement. true: stored; false: the stream had
  // it already (the same message id inside the duplicate window).
  // A durable pull consumer on `filter` with explicit acknowledgement (kAckWaitNs,
  // kMaxAckPending), made when missing.
  Status ensure_consumer(const std::string& durable, const std::string& filter);
  Result<bool> publish(const std::string& subject, std::string_view data, const std::string& msg_id, int timeout_ms = 10000);
  __natsConnection* raw() { return nc_; }
  __jsCtx* js() { return js_; }

 private:
  Nats() = default;
  __natsConnection* nc_ = nullptr;
  __jsCtx* js_ = nullptr;
  std::string url_;
};

// A message fetched from a pull consumer; it is acknowledged (or not) by its owner.
class NatsMsg {
 public:
  explicit NatsMsg(__natsMsg* m) : m_(m) {}
  NatsMsg(NatsMsg&& o) noexcept : m_(o.m_) { o.m_ = nullptr; }
  NatsMsg& operator=(NatsMsg&&) = delete;
  ~NatsMsg();
  std::string_view subject() const;
  std::string_view data() const;
  uint64_t deliveries() const;  // 1 on the first delivery
  Status ack();
  void in_progress();  // "still working on it": restarts the redelivery timer

 private:
  __natsMsg* m_;
};

class PullConsumer {
 public:
  // Binds (creating when missing: Nats::ensure_consumer) the durable consumer `durable` on `subject`.
  static Result<std::unique_ptr<PullConsumer>> open(Nats& n, const std::string& subject, const std::string& durable);
  ~PullConsumer();
  // Makes the stream and binds `durable`, trying again each second (logged once per distinct
  // error, as `who`) until it works; nullptr when `stop` came first.
  static std::unique_ptr<PullConsumer> open_until(Nats& n, const std::string& subject, const std::string& durable,
                                                  const std::atomic<bool>& stop, const char* who);
  // Up to `n` messages, waiting at most timeout_ms; none on a timeout.
  Result<std::vector<NatsMsg>> fetch(int n, int timeout_ms);

 private:
  PullConsumer() = default;
  __natsSubscription* sub_ = nullptr;
};

}  // namespace wardsec::cluster
