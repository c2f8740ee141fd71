// The incident service: the record (Store), the channels reminders go out on, the notification
// policy (which channels by grade and working hours), the on-call roster (值班表), and the
// thread that checks the reporting clock and sends what is due. Deliveries are retried and
// each attempt's result is kept (incident.db, deliveries) and shown on the incident.
//
// Channels: mail (the configured SMTP server, STARTTLS or implicit TLS, certificate checked),
// WeCom (企业微信) and DingTalk (钉钉) group robots (JSON webhooks over HTTPS; DingTalk's
// signature when a secret is set) and a generic signed JSON webhook.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alert/alert_store.h"
#include "alert/delivery.h"
#include "incident/model.h"

namespace YAML {
class Node;
}

namespace wardsec::incident {

struct Channel {
  std::string id;
  std::string kind;             // mail, wecom, dingtalk, webhook
  std::string url;              // wecom, dingtalk, webhook
  std::string secret;           // dingtalk: the robot's signing secret (SEC...); webhook: the HMAC key
  std::vector<std::string> to;  // mail: recipients (the on-duty person's mail is added)
};

struct PolicyRule {
  Grade min_grade = Grade::kGeneral;
  std::vector<std::string> channels;
  std::string hours = "any";  // any, work (Monday-Friday within working_hours), off (outside them)
};

// Which alerts open an incident by themselves.
struct AutoOpen {
  std::string name;
  std::string min_level = "critical";  // the alert's level at least
  int system_level = 0;                // the alert's graded system at least this 等保 level (0: any)
  std::string rule;                    // glob over the rule's id or title ("" any)
  std::string subcategory;             // GB/T 20986-2023 code given to the incident
  Grade grade = Grade::kUngraded;      // the grade given (ungraded: left to 研判)
};

// What opens an incident when the configuration says nothing (incident.auto_open absent;
// `auto_open: []` turns them off): ransomware indicators (the two ransomware rules) as 重大
// 勒索软件事件 — the clock starts at once, 研判 may lower it with a reason; 统方 extracted
// (prescription figures by doctor and drug) as a 数据滥用事件 for 研判 to grade; and any
// critical alert on a system graded level 3 or above, for 研判 to categorise and grade.
std::vector<AutoOpen> default_auto_open();

struct Options {
  ReportingConfig reporting;
  std::string organization;  // 报告单位
  std::vector<Channel> channels;
  std::vector<PolicyRule> policy;
  std::vector<AutoOpen> auto_open = default_auto_open();
  std::string working_hours = "08:00-17:30";  // China time, Monday-Friday
  alert::MailServer mail;
  alert::Transport transport;
  int retries = 2;            // after the first attempt
  int retry_delay_ms = 1000;  // doubled at each retry
  int tick_seconds = 15;
  std::string console_url;  // links in messages
};

// Reads the `incident:` section; `alerts_mail` and the alerts' CA/timeout are the defaults.
Status load_options(const YAML::Node& n, const std::string& where, Options& o);
Status check(const Options& o);

struct RosterEntry {
  int64_t id = 0;
  int64_t starts = 0, ends = 0;  // ns
  std::string name, role, phone, mail;
};

struct Delivery {
  int64_t id = 0, incident = 0, at = 0;
  std::string channel, what;
  bool ok = false;
  int attempts = 0;
  std::string error;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> open(const std::string& path, Options o, Store::Clock now = nullptr);
  ~Service();
  void start();
  void stop();
  Store& store() { return *store_; }
  const Options& options() const { return opt_; }

  // One pass of the clock: sends what is due and records it. The thread calls it every
  // tick_seconds; tests call it directly with an injected clock.
  void tick();
  // Tells the policy's channels that an incident was opened (at its grade): queued for the
  // service's thread (never sent on the caller's, which may be the console's I/O thread).
  void opened(int64_t id);

  // An alert just raised (the detection thread): when an auto_open rule matches it is queued
  // (bounded, never blocking; a full queue is counted) and the service's thread opens an
  // incident for it, or links it to the open incident the same rule opened for the same
  // system or asset within a day.
  void consider(const alert::Alert& a);
  // What the service does by itself (opened, reminded, missed, delivery failed) goes to the
  // tamper-evident store through this (the center signs it): action, incident, detail.
  std::function<void(const std::string&, int64_t, const std::string&)> record;

  // The roster (值班表).
  Result<std::vector<RosterEntry>> roster(int64_t from = 0, int64_t to = 0);
  Result<int64_t> add_duty(const RosterEntry& e);
  Status remove_duty(int64_t id);
  Result<std::vector<RosterEntry>> on_duty(int64_t at);
  Result<std::vector<Delivery>> deliveries(int64_t incident);

  // The messages, exposed for tests.
  std::string message(const Due& d) const;
  static std::string wecom_json(const std::string& text, const std::vector<std::string>& mobiles);
  static std::string dingtalk_json(const std::string& text, const std::vector<std::string>& mobiles);
  static std::string dingtalk_url(const std::string& url, const std::string& secret, int64_t ms);
  bool working_time(int64_t ns) const;

  std::atomic<uint64_t> sent{0}, failed{0}, auto_opened{0}, auto_linked{0}, auto_dropped{0};
  const AutoOpen* matches(const alert::Alert& a) const;

 private:
  Service() = default;
  // Sends `text` on every channel the policy names for grade `g` now; records each delivery.
  void send(int64_t incident, Grade g, const std::string& what, const std::string& subject, const std::string& text);
  Status send_one(const Channel& c, const std::string& subject, const std::string& text, const std::vector<RosterEntry>& duty,
                  const std::string& tag);
  void open_for(const alert::Alert& a, const AutoOpen& rule);
  void announce(int64_t id);  // the opening's message, on the service's thread
  Options opt_;
  std::unique_ptr<Store> store_;
  std::deque<std::pair<alert::Alert, const AutoOpen*>> pending_;  // guarded by mu_
  std::deque<int64_t> announce_;                                  // guarded by mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  sqlite3* db_ = nullptr;  // the roster and deliveries (same file as the store)
};

}  // namespace wardsec::incident
