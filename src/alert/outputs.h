// Alert notifications: syslog (RFC 5424, to a SOC or another SIEM), a webhook (JSON over
// HTTP POST) and mail (SMTP). Delivery runs on its own thread behind a bounded queue, so a
// slow or dead receiver never holds up detection; failures are retried, then counted and
// logged with the receiver's answer. A full queue drops the notification (the alert itself
// is stored) and counts it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alert/alert_store.h"
#include "core/result.h"

namespace wardsec::alert {

struct OutputOptions {
  std::string syslog;   // "tcp://host:port" (RFC 6587 octet counting) or "udp://host:port"; "" off
  std::string webhook;  // "https://host:port/path" ("http://" only to a loopback address); "" off
  // Each webhook POST carries X-Wardsec-Timestamp and X-Wardsec-Signature: sha256=HMAC-SHA256
  // (secret, timestamp + "." + body) in hex, so the receiver can tell it came from wardsec.
  std::string webhook_secret;
  std::string ca_file;  // PEM CA certificates that verify the webhook's and mail server's TLS; "" the system's
  struct Smtp {
    // "smtps://host:465" (TLS from the start) or "smtp://host:587" / "host:port" (STARTTLS,
    // required: a server that does not offer it is an error, never a clear-text fallback).
    std::string server;  // "" off
    std::string from;
    std::vector<std::string> to;
    std::string user, password;  // authentication (only ever inside TLS)
    std::string helo = "wardsec";
  } smtp;
  std::string min_level = "medium";  // alerts below this level are not sent
  size_t queue = 10000;
  int retries = 3;
  int timeout_ms = 5000;
  int retry_delay_ms = 1000;
  std::string hostname;     // for syslog HOSTNAME and mail Message-ID; empty: gethostname()
  std::string console_url;  // a link to the console in messages
};

struct OutputStats {
  std::atomic<uint64_t> queued{0}, sent_syslog{0}, sent_webhook{0}, sent_mail{0}, failed{0}, dropped{0};
};

class Outputs {
 public:
  explicit Outputs(OutputOptions opt);
  ~Outputs();
  bool enabled() const { return !opt_.syslog.empty() || !opt_.webhook.empty() || !opt_.smtp.server.empty(); }
  void start();
  void stop();  // sends what is queued (with retries), then stops
  // Queues an alert for every configured output (when its level is high enough).
  void notify(const Alert& a);
  const OutputStats& stats() const { return stats_; }
  std::string last_error() const;

  // One delivery each, synchronously (used by the thread and by tests).
  Status send_syslog(const Alert& a);
  Status send_webhook(const Alert& a);
  Status send_mail(const Alert& a);

 private:
  void loop();
  OutputOptions opt_;
  OutputStats stats_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Alert> q_;
  bool stop_ = false;
  std::string last_error_;
  std::thread thread_;
};

// The texts, exposed for tests: RFC 5424 line, mail subject and body (zh-CN with English).
std::string syslog_line(const Alert& a, const std::string& hostname);
std::string mail_subject(const Alert& a);
std::string mail_body(const Alert& a, const std::string& console_url);
std::string level_zh(std::string_view level);
// The webhook's signature header value: "sha256=" + hex HMAC-SHA256(secret, timestamp "." body).
std::string webhook_signature(const std::string& secret, const std::string& timestamp, const std::string& body);

}  // namespace wardsec::alert
