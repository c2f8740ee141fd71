#include "bastion/relay.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/timeutil.h"

namespace wardsec::bastion {

Relay::Relay(Service& svc, UserEnd& user, ssh_session target, ssh_channel channel, LiveSession& live)
    : svc_(svc), user_(user), ts_(target), tch_(channel), live_(live), uch_(user.channel()) {}

Relay::~Relay() { flush_to_operator(); }

int Relay::take(Inbox& box, const void* data, uint32_t len) {
  if (box.data.size() >= kBox) {
    box.held = true;  // libssh keeps it and grows no window for it: the sender waits
    return 0;
  }
  box.data.append(static_cast<const char*>(data), len);
  return static_cast<int>(len);
}

int Relay::on_data(ssh_session, ssh_channel ch, void* data, uint32_t len, int is_stderr, void* self) {
  auto* r = static_cast<Relay*>(self);
  if (ch == r->tch_) return take(is_stderr ? r->from_target_err_ : r->from_target_, data, len);
  if (is_stderr) return static_cast<int>(len);  // an operator's "stderr" has no meaning: dropped
  return take(r->from_user_, data, len);
}

int Relay::on_fd(int fd, int, void* self) {
  auto* r = static_cast<Relay*>(self);
  if (fd == r->user_.poll_fd()) {
    // An eventfd: drained here so that poll() sleeps again until the next wake; read() wakes
    // it anew when it leaves bytes behind.
    uint64_t n = 0;
    (void)!::read(fd, &n, sizeof n);
    r->user_ready_ = true;
  }
  return 0;
}

// Bytes libssh kept while a box was full (no callback brings them: their sender waits for a
// window that only reading them opens).
void Relay::pull(ssh_channel ch, Inbox& box, int is_stderr) {
  if (!box.held || box.data.size() >= kBox) return;
  box.held = false;
  char buf[32768];
  while (box.data.size() < kBox) {
    int n = ssh_channel_read_nonblocking(ch, buf, sizeof buf, is_stderr);
    if (n <= 0) break;
    box.data.append(buf, static_cast<size_t>(n));
  }
  if (box.data.size() >= kBox) box.held = true;
}

void Relay::to_target(std::string_view d) {
  out_target_.append(d);
  flush_target();
}

void Relay::to_user(std::string_view d) {
  out_user_.append(d);
  flush_user();
}

bool Relay::flush_target() {
  size_t done = 0;
  while (done < out_target_.size() && ssh_channel_is_open(tch_)) {
    uint32_t w = ssh_channel_window_size(tch_);
    if (w == 0) break;
    auto n = static_cast<uint32_t>(std::min<size_t>(w, out_target_.size() - done));
    int m = ssh_channel_write(tch_, out_target_.data() + done, n);  // within the window: no wait for one
    if (m <= 0) {
      out_target_.clear();  // the target is gone; the loop sees it
      return false;
    }
    done += static_cast<size_t>(m);
  }
  out_target_.erase(0, done);
  return done > 0;
}

bool Relay::flush_user() {
  size_t done = 0;
  while (done < out_user_.size()) {
    size_t w = std::min(user_.writable(), out_user_.size() - done);
    if (w == 0) break;
    user_.write(std::string_view(out_user_).substr(done, w));
    done += w;
  }
  out_user_.erase(0, done);
  return done > 0;
}

// At the end: what the operator has not been sent yet goes out (waiting for the window as long
// as their end is there: after their EOF they still read); what the target has not taken is
// dropped with the session (it ended, or was ended, or the target is gone).
void Relay::flush_to_operator() {
  out_target_.clear();
  if (!out_user_.empty() && !user_.closed()) user_.write(out_user_);
  out_user_.clear();
}

void Relay::say(const std::string& text) {
  flush_to_operator();
  user_.say(text);
}

void Relay::run(Pump& pump, std::string& state, std::string& reason, const std::function<void(int)>& exit_status) {
  int64_t last_activity = now_ns();
  int64_t idle_ns = static_cast<int64_t>(svc_.options().idle_timeout_min) * 60 * kSec;
  ssh_session us = uch_ ? ssh_channel_get_session(uch_) : nullptr;
  ssh_event event = ssh_event_new();
  tcb_.userdata = this;
  tcb_.channel_data_function = on_data;
  ssh_callbacks_init(&tcb_);
  ssh_add_channel_callbacks(tch_, &tcb_);
  ssh_event_add_session(event, ts_);
  if (uch_) {
    ucb_ = tcb_;
    ssh_add_channel_callbacks(uch_, &ucb_);
    ssh_event_add_session(event, us);
  } else {
    ssh_event_add_fd(event, user_.poll_fd(), POLLIN, on_fd, this);
    user_ready_ = true;
  }
  ssh_event_add_fd(event, live_.wake_fd(), POLLIN, on_fd, this);
  user_.on_resize = [this](int cols, int rows) { resize_cols_ = cols, resize_rows_ = rows; };
  // What arrived before the callbacks did is in libssh's buffers.
  from_user_.held = from_target_.held = from_target_err_.held = true;
  bool sent_eof = false;
  char buf[32768];
  while (state != "failed") {
    bool moved = false;
    if (!uch_ && (user_ready_ || user_.pending()) && from_user_.data.size() < kBox) {
      user_ready_ = false;
      int n = user_.read(buf, sizeof buf);
      if (n < 0) {
        reason = "operator connection lost";
        break;
      }
      from_user_.data.append(buf, static_cast<size_t>(n));
    }
    if (resize_cols_) {
      if (pump.resize) pump.resize(resize_cols_, resize_rows_);
      resize_cols_ = resize_rows_ = 0;
    }
    // The operator's bytes, as long as the target takes them (and the pump is not holding them).
    bool holding = pump.tick && pump.tick(now_ns());
    if (!holding && !from_user_.data.empty() && out_target_.size() < kBox) {
      std::string d;
      d.swap(from_user_.data);
      if (!pump.from_user(d)) break;
      moved = true;
      last_activity = now_ns();
    }
    // The target's bytes, as long as the operator takes them.
    bool stop = false;
    for (Inbox* box : {&from_target_, &from_target_err_}) {
      if (box->data.empty() || out_user_.size() >= kBox) continue;
      std::string d;
      d.swap(box->data);
      if (!pump.from_target(d, box == &from_target_err_)) stop = true;
      moved = true;
    }
    if (stop) break;
    if (uch_) pull(uch_, from_user_, 0);
    pull(tch_, from_target_, 0);
    pull(tch_, from_target_err_, 1);
    moved |= flush_target();
    moved |= flush_user();
    if (!reason.empty()) break;
    if (live_.ended()) {
      say("会话已被 " + live_.ended_by() + " 终止 / the session was ended by " + live_.ended_by() +
          (live_.end_reason().empty() ? "" : ": " + live_.end_reason()));
      state = "ended";
      break;
    }
    bool drained = from_target_.data.empty() && from_target_err_.data.empty() && !from_target_.held && !from_target_err_.held;
    if (drained && (ssh_channel_is_eof(tch_) || ssh_channel_is_closed(tch_))) {
      flush_to_operator();
      int st = ssh_channel_get_exit_status(tch_);
      if (st >= 0) {
        exit_status(st);
        user_.exit_status(st);
      }
      break;
    }
    if (!ssh_is_connected(ts_)) {
      reason = "target connection lost";
      break;
    }
    if (us && !ssh_is_connected(us)) {
      reason = "operator connection lost";
      break;
    }
    if (user_.closed()) break;
    // The operator's end of input (ssh host cmd < file): passed on once everything before it
    // is; the target's answer still comes back.
    if (!sent_eof && user_.eof() && from_user_.data.empty() && !from_user_.held && out_target_.empty()) {
      ssh_channel_send_eof(tch_);
      sent_eof = true;
    }
    if (idle_ns && now_ns() - last_activity > idle_ns) {
      say("空闲超时，会话结束 / idle too long: the session ends");
      state = "ended", reason = "idle timeout";
      break;
    }
    bool more = moved || (!holding && !uch_ && user_.pending() && from_user_.data.size() < kBox);
    if (ssh_event_dopoll(event, more ? 0 : holding ? 20 : 1000) == SSH_ERROR && errno != EINTR) {
      reason = "poll failed";
      break;
    }
  }
  user_.on_resize = nullptr;
  ssh_remove_channel_callbacks(tch_, &tcb_);
  if (uch_) ssh_remove_channel_callbacks(uch_, &ucb_);
  if (uch_) ssh_event_remove_session(event, us);
  ssh_event_remove_session(event, ts_);
  if (!uch_) ssh_event_remove_fd(event, user_.poll_fd());
  ssh_event_remove_fd(event, live_.wake_fd());
  ssh_event_free(event);
}

}  // namespace wardsec::bastion
