// The byte pump of a bastion session (private to bastion/): the operator's end and the target's
// channel on one libssh event loop. Data arrives through channel callbacks into bounded inboxes
// (one poll() for both connections, no polling of each stream in turn); it is written out only
// as far as the receiver's SSH window allows, the rest waits in a bounded outbox, and a full
// box stops taking from the other side, so that side's window closes: backpressure end to end,
// and a target that does not read can never block the relay's reading.
#pragma once
#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <functional>
#include <string>
#include <string_view>

#include "bastion/live.h"
#include "bastion/ssh_conn.h"

namespace wardsec::bastion {

// What the relay does with the bytes it moves (the Controller or the SFTP filter judge them).
struct Pump {
  std::function<bool(std::string_view)> from_user;  // false: end the session
  std::function<bool(std::string_view, bool is_stderr)> from_target;
  std::function<void(int cols, int rows)> resize;  // the operator's terminal changed size
  // Called each round; true: the pump holds the operator's input for now (they are not passed
  // on meanwhile, and the next round comes soon). May be empty.
  std::function<bool(int64_t now)> tick;
};

class Relay {
 public:
  static constexpr size_t kBox = 256 * 1024;  // each inbox and outbox (bytes) before it pushes back

  Relay(Service& svc, UserEnd& user, ssh_session target, ssh_channel channel, LiveSession& live);
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  ~Relay();

  // Bytes for the target / for the operator: written now as far as the window allows, the
  // rest when it opens (before run(), after it, and from the Pump).
  void to_target(std::string_view d);
  void to_user(std::string_view d);
  // Until an end closes, the session is ended from the console or it is idle too long; `state`
  // and `reason` say how it ended ("failed" stops it too).
  void run(Pump& pump, std::string& state, std::string& reason, const std::function<void(int)>& exit_status);

 private:
  struct Inbox {
    std::string data;
    bool held = false;  // libssh kept bytes the box refused (full): pull them once it drains
  };
  static int on_data(ssh_session, ssh_channel ch, void* data, uint32_t len, int is_stderr, void* self);
  static int on_fd(int fd, int revents, void* self);
  static int take(Inbox& box, const void* data, uint32_t len);
  void pull(ssh_channel ch, Inbox& box, int is_stderr);
  bool flush_target();
  bool flush_user();
  void flush_to_operator();
  void say(const std::string& text);

  Service& svc_;
  UserEnd& user_;
  ssh_session ts_;
  ssh_channel tch_;
  LiveSession& live_;
  ssh_channel uch_ = nullptr;  // the operator's SSH channel; null: read() and poll_fd()
  Inbox from_user_, from_target_, from_target_err_;
  std::string out_target_, out_user_;
  bool user_ready_ = false;
  int resize_cols_ = 0, resize_rows_ = 0;
  ssh_channel_callbacks_struct tcb_{}, ucb_{};
};

}  // namespace wardsec::bastion
