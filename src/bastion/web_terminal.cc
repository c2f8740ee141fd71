#include "bastion/web_terminal.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

namespace wardsec::bastion {

WebTerminal::WebTerminal(Send send, Done done)
    : send_(std::move(send)), done_(std::move(done)), wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

WebTerminal::~WebTerminal() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

namespace {
void wake(int fd) {
  uint64_t one = 1;
  (void)!::write(fd, &one, sizeof one);
}
}  // namespace

bool WebTerminal::input(std::string_view keys) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (in_.size() + keys.size() > kMaxInput) return false;
    in_.append(keys);
  }
  wake(wake_fd_);
  return true;
}

void WebTerminal::resize(int cols, int rows) {
  if (cols < 10 || rows < 2 || cols > 1000 || rows > 500) return;
  {
    std::lock_guard<std::mutex> g(mu_);
    cols_ = cols, rows_ = rows;
  }
  wake(wake_fd_);
}

void WebTerminal::close() {
  closed_ = true;
  wake(wake_fd_);
}

int WebTerminal::read(char* buf, int size) {
  uint64_t drained = 0;
  (void)!::read(wake_fd_, &drained, sizeof drained);
  int cols = 0, rows = 0, n = 0;
  {
    std::lock_guard<std::mutex> g(mu_);
    std::swap(cols, cols_);
    std::swap(rows, rows_);
    n = static_cast<int>(std::min<size_t>(in_.size(), static_cast<size_t>(size)));
    std::memcpy(buf, in_.data(), static_cast<size_t>(n));
    in_.erase(0, static_cast<size_t>(n));
    if (!in_.empty()) wake(wake_fd_);  // more to come: the relay reads again
  }
  if (cols && on_resize) on_resize(cols, rows);
  if (n == 0 && closed_) return -1;
  return n;
}

void WebTerminal::write(std::string_view d) {
  if (!send_(std::string(d))) closed_ = true;
}

}  // namespace wardsec::bastion
