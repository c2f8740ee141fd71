// The bastion's SSH server (libssh). Operators connect with any OpenSSH client:
//   ssh -p 2222 zhang@bastion                  a menu of the host accounts zhang may use
//   ssh -p 2222 zhang@his-db-01@bastion        the asset (a menu when it has several accounts)
//   ssh -p 2222 zhang@root@his-db-01@bastion   one host account
//   ssh -p 2222 zhang@root@his-db-01@bastion 'uptime'   a command (exec), judged like a typed one
// They authenticate with the center's own accounts: password + TOTP (keyboard-interactive),
// or a registered public key + TOTP; lockout and rate limits are the console's. OpenSSH's -J
// (ProxyJump) is refused: it asks for a TCP tunnel the bastion could not see into, and the
// operator would need the target's credentials, which the bastion keeps to itself.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "bastion/service.h"
#include "core/result.h"

namespace wardsec::bastion {

class WebTerminal;

class SshServer {
 public:
  // Binds opt.listen (host:port; port 0 picks one) with the host key in the key folder
  // (bastion_host_ed25519, made at first start). Nothing runs until start().
  static Result<std::unique_ptr<SshServer>> open(Service& svc);
  ~SshServer();
  Status start();
  // Ends every session (recordings closed), stops accepting, waits for the threads.
  void stop();
  uint16_t port() const { return port_; }
  // A session from the console's web terminal to host account `account` for `user` (logged in
  // to the console with MFA): refused here, before the socket opens, when the user may not use
  // the account now, is blocked, or the bastion is full. The session then runs on its own
  // thread; `term` receives its output and its end.
  Status open_terminal(const std::string& user, const std::string& ip, int64_t account, int cols, int rows,
                       const std::shared_ptr<WebTerminal>& term);
  std::string host_key_fingerprint() const { return fingerprint_; }
  struct Stats {
    std::atomic<uint64_t> accepted{0}, refused_busy{0}, kex_failed{0}, auth_failed{0}, sessions{0}, web_sessions{0};
  };
  const Stats& stats() const { return stats_; }

 private:
  SshServer() = default;
  void accept_loop();
  void watchdog_loop();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Service* svc_ = nullptr;
  uint16_t port_ = 0;
  std::string fingerprint_;
  Stats stats_;
  std::atomic<bool> stop_{false};
  std::thread accept_, watchdog_;
};

}  // namespace wardsec::bastion
