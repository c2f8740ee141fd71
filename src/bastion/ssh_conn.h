// One operator connection on the bastion's SSH server (private to bastion/): authentication,
// the target, the session. ssh_conn.cc (login and the menu), ssh_proxy.cc (the target side).
#pragma once
#include <libssh/libssh.h>

#include <atomic>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

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
  std::string command;       // exec; empty: a shell
  std::string subsystem;     // "sftp": file transfer (no shell, no command)
  std::string kind = "ssh";  // ssh, ssh-exec, sftp, web: as the record names it
};

// The operator's end of a session, whatever carries it: an SSH channel (ssh_conn.cc) or the
// console's WebSocket (web_terminal.cc).
class UserEnd {
 public:
  virtual ~UserEnd() = default;
  // The SSH channel when the end is one: the relay reads it through libssh's callbacks. Null:
  // the relay calls read() when poll_fd() is readable or pending() says so.
  virtual ssh_channel channel() { return nullptr; }
  // The operator's bytes: > 0 read, 0 nothing now, < 0 gone.
  virtual int read(char* /*buf*/, int /*size*/) { return 0; }
  // Something is buffered for read() already (the poll fd may stay quiet about it).
  virtual bool pending() { return false; }
  // Readable when read() may have something (an eventfd: the relay drains it).
  virtual int poll_fd() { return -1; }
  virtual void write(std::string_view d) = 0;
  virtual void write_stderr(std::string_view d) { write(d); }
  // How much write() takes now without waiting (an SSH channel's window).
  virtual size_t writable() { return SIZE_MAX; }
  // No more input (an SSH client's EOF) / the end is gone.
  virtual bool eof() = 0;
  virtual bool closed() { return eof(); }
  virtual void exit_status(int /*status*/) {}
  // A line from the bastion itself ("[wardsec] ...").
  void say(const std::string& text);
  // Set by the relay: the operator's terminal changed size.
  std::function<void(int cols, int rows)> on_resize;
};

// The target side: connects with the host account's credential, opens the same kind of
// channel, and relays both ways (through a Controller for a shell or a command, through the
// SFTP filter for file transfer) until either end closes, the session is ended from the
// console, or it is idle too long. (ssh_proxy.cc)
void run_session(Service& svc, UserEnd& user, const std::string& peer_ip, const Request& rq, const HostAccount& account);

// Which host accounts `user` may use for the request (the grant's action: shell, exec, or
// either SFTP direction), each with whether it may upload and download.
struct Choice {
  HostAccount account;
  bool upload = false, download = false;
};
Result<std::vector<Choice>> choices(Service& svc, const std::string& user, const Request& rq);

}  // namespace wardsec::bastion
