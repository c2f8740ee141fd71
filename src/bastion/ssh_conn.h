// One operator connection on the bastion's SSH server (private to bastion/): authentication,
// the target, the session. ssh_conn.cc (login and the menu), ssh_proxy.cc (the target side).
#pragma once
#include <libssh/libssh.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "bastion/ssh_server.h"

namespace wardsec::bastion {

struct Conn {
  Service& svc;
  SshServer::Stats& stats;
  std::string peer_ip;
  std::atomic<int64_t>& deadline;  // ns; the watchdog shuts the socket after it (0: none)
  const std::atomic<bool>& stop;
};

// Runs the connection to its end; frees nothing of `s` (the caller does).
void serve_connection(ssh_session s, Conn& c);

// What the operator asked for once logged in.
struct Request {
  std::string user;    // the center's account
  std::string target;  // "", "asset" or "account@asset" (from the login name)
  std::string term = "xterm";
  int cols = 80, rows = 24;
  bool pty = false;
  std::string command;  // exec; empty: a shell
};

// The target side: connects with the host account's credential, opens the same kind of
// channel, and relays both ways through a Controller until either end closes, the session is
// ended from the console, or it is idle too long. (ssh_proxy.cc)
void run_proxy(Conn& c, ssh_session user_session, ssh_channel user_channel, const Request& rq, const HostAccount& account);

}  // namespace wardsec::bastion
