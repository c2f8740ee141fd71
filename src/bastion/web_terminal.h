// The console's web terminal: a bastion session whose operator end is a browser (xterm.js over
// the center's WebSocket) instead of an SSH client. Same grants, command control, recording and
// record as an SSH session (kind "web"); the session runs on its own thread, counted with the
// SSH server's sessions (max_sessions) and ended with them when the center stops.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "bastion/ssh_conn.h"

namespace wardsec::bastion {

class WebTerminal : public UserEnd {
 public:
  // Output to the browser; may block while the socket's queue is full; false once it is gone.
  using Send = std::function<bool(std::string bytes)>;
  // The session is over (the reason, "" for a normal end): the socket closes after its queue.
  using Done = std::function<void(const std::string& why)>;
  WebTerminal(Send send, Done done);
  ~WebTerminal() override;

  // From the browser (the socket's thread). False when the input buffer is full (a client
  // that floods: the socket closes).
  bool input(std::string_view keys);
  void resize(int cols, int rows);
  void close();  // the browser went away

  // UserEnd, for the relay (the session's thread)
  int read(char* buf, int size) override;
  void write(std::string_view d) override;
  bool eof() override { return closed_; }
  bool pending() override {
    std::lock_guard<std::mutex> g(mu_);
    return !in_.empty() || cols_;
  }
  int poll_fd() override { return wake_fd_; }

  static constexpr size_t kMaxInput = 1 << 20;

 private:
  friend class SshServer;
  void finished(const std::string& why) { done_(why); }
  Send send_;
  Done done_;
  std::mutex mu_;
  std::string in_;
  int cols_ = 0, rows_ = 0;  // a resize waiting for the relay (0: none)
  std::atomic<bool> closed_{false};
  int wake_fd_ = -1;
};

}  // namespace wardsec::bastion
