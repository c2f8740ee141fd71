// The bastion's shared parts, without networking: the database (host accounts, grants, rules,
// the record), the compiled command policy, the live sessions, and the events it sends into
// the tamper-evident store. The SSH server (ssh_server.h) and the console's API use it.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bastion/command_rules.h"
#include "bastion/live.h"
#include "bastion/model.h"
#include "core/event.h"
#include "core/result.h"

namespace wardsec::server {
class Auth;
}

namespace wardsec::bastion {

struct Options {
  std::string listen;                                         // "address:port" of the SSH server; empty: no SSH server
  std::string groups = "config/bastion/command-groups.yaml";  // resolved by the caller
  int review_timeout_sec = 300;                               // a command held for review is refused after this long
  int max_sessions = 256;                                     // connections at once (more are refused with a message)
  int login_timeout_sec = 60;                                 // from TCP connect to an authenticated, chosen target
  int idle_timeout_min = 30;                                  // 0: never
  int connect_timeout_sec = 10;                               // to the target
  int tz_sec = 8 * 3600;                                      // for the grants' time windows
  std::string target_known_hosts;  // OpenSSH known_hosts for targets; empty: <key_dir>/bastion_known_hosts (learned on first use)
};

// A bastion fact for the store: session start/end, command, denial, review, file transfer,
// login failure. Becomes one Event (dataset wardsec.bastion) signed by the instance key.
struct Fact {
  std::string action;   // session_start, session_end, command, login_failure, ...
  std::string outcome;  // success, failure, unknown
  std::string user, source_ip, asset, target_ip, account, session;
  std::string command, rule, decision;  // decision: allow, alert, review, deny
  std::string message, category = "session";
  std::string severity;  // "" or low/medium/high/critical for denials and alerts
  std::string file, file_sha256;
  int64_t file_size = -1;
  std::string recording_sha256;
};

class Service {
 public:
  using Emit = std::function<void(Event&&)>;
  static Result<std::unique_ptr<Service>> open(Options opt, const std::string& data_dir, const std::string& key_dir, server::Auth* auth,
                                               Emit emit);
  const Options& options() const { return opt_; }
  Db& db() { return *db_; }
  Live& live() { return live_; }
  server::Auth* auth() { return auth_; }
  void set_auth(server::Auth* a) { auth_ = a; }  // the console's accounts, once the console started
  // Whether the security administrator blocked `user` from the bastion.
  bool blocked(const std::string& user) { return db_->meta("blocked:" + user) == "1"; }
  const std::string& recordings_dir() const { return recordings_; }
  const std::string& key_dir() const { return key_dir_; }
  const std::vector<CommandGroup>& groups() const { return groups_; }
  std::shared_ptr<const CommandPolicy> policy();
  // Recompiles the policy from the rules (after the console changed them). An error leaves
  // the previous policy in force and names the rule.
  Status reload();
  void emit(const Fact& f);

 private:
  Service() = default;
  Options opt_;
  std::unique_ptr<Db> db_;
  Live live_;
  server::Auth* auth_ = nullptr;
  Emit emit_;
  std::string recordings_, key_dir_;
  std::vector<CommandGroup> groups_;
  std::mutex mu_;
  std::shared_ptr<const CommandPolicy> policy_;
};

// The event for a fact (service.cc); exposed for the tests.
Event fact_event(const Fact& f, int64_t now);

}  // namespace wardsec::bastion
