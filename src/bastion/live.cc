#include "bastion/live.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

namespace wardsec::bastion {

namespace {
constexpr size_t kRecent = 64 * 1024;  // what a new watcher is shown first
}

LiveSession::LiveSession(LiveInfo info) : info_(std::move(info)), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

LiveSession::~LiveSession() {
  if (wake_fd_ >= 0) close(wake_fd_);
}

LiveInfo LiveSession::info() const {
  std::lock_guard<std::mutex> g(mu_);
  return info_;
}

void LiveSession::count_command() {
  std::lock_guard<std::mutex> g(mu_);
  info_.commands++;
}

void LiveSession::end(const std::string& by, const std::string& reason) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (ended_) return;
    ended_by_ = by;
    reason_ = reason;
    ended_ = true;
  }
  cv_.notify_all();
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
}

std::string LiveSession::ended_by() const {
  std::lock_guard<std::mutex> g(mu_);
  return ended_by_;
}

std::string LiveSession::end_reason() const {
  std::lock_guard<std::mutex> g(mu_);
  return reason_;
}

int LiveSession::watch(Watcher w) {
  std::lock_guard<std::mutex> g(mu_);
  if (!recent_.empty()) w(recent_);
  watchers_[next_watcher_] = std::move(w);
  return next_watcher_++;
}

void LiveSession::unwatch(int id) {
  std::lock_guard<std::mutex> g(mu_);
  watchers_.erase(id);
}

void LiveSession::publish(std::string_view out) {
  std::lock_guard<std::mutex> g(mu_);
  recent_.append(out);
  if (recent_.size() > kRecent) recent_.erase(0, recent_.size() - kRecent / 2);
  for (auto& [id, w] : watchers_) w(out);
}

LiveSession::Decision LiveSession::wait(int64_t approval, const std::string& command, int timeout_sec) {
  std::unique_lock<std::mutex> g(mu_);
  info_.waiting = command;
  // A decision may come before the wait starts (the approval is filed first): it is kept.
  bool done = cv_.wait_for(g, std::chrono::seconds(timeout_sec), [&] { return decisions_.count(approval) || ended_; });
  Decision d = ended_ ? Decision::kEnded : !done ? Decision::kExpired : decisions_[approval] ? Decision::kApproved : Decision::kRejected;
  decisions_.erase(approval);
  info_.waiting.clear();
  return d;
}

bool LiveSession::decide(int64_t approval, bool approve) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (ended_) return false;
    decisions_[approval] = approve;
  }
  cv_.notify_all();
  return true;
}

std::shared_ptr<LiveSession> Live::add(const LiveInfo& info) {
  std::lock_guard<std::mutex> g(mu_);
  auto s = std::make_shared<LiveSession>(info);
  sessions_[info.id] = s;
  return s;
}

void Live::remove(const std::string& id) {
  std::lock_guard<std::mutex> g(mu_);
  sessions_.erase(id);
}

std::shared_ptr<LiveSession> Live::find(const std::string& id) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

std::vector<LiveInfo> Live::list() {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<LiveInfo> out;
  for (const auto& [id, s] : sessions_) out.push_back(s->info());
  return out;
}

size_t Live::size() {
  std::lock_guard<std::mutex> g(mu_);
  return sessions_.size();
}

int Live::end_user(const std::string& user, const std::string& by, const std::string& reason) {
  std::vector<std::shared_ptr<LiveSession>> hit;
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& [id, s] : sessions_)
      if (s->info().user == user) hit.push_back(s);
  }
  for (auto& s : hit) s->end(by, reason);
  return static_cast<int>(hit.size());
}

void Live::end_all(const std::string& reason) {
  std::vector<std::shared_ptr<LiveSession>> all;
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) s->end("system", reason);
}

}  // namespace wardsec::bastion
