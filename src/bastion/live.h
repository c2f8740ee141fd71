// The sessions running now: a security administrator lists and watches them and ends one; an
// operator locked out mid-session has every session of theirs ended; a command held for review
// (二次审批) waits here for the decision.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wardsec::bastion {

struct LiveInfo {
  std::string id, user, source_ip, asset, account, kind;  // kind: ssh, web
  int64_t started = 0;
  int64_t commands = 0;
  std::string waiting;  // the command held for review, if any
};

class LiveSession {
 public:
  explicit LiveSession(LiveInfo info);
  ~LiveSession();
  LiveInfo info() const;
  void count_command();
  // Ends the session from outside (the console, a lockout): the proxy loop wakes and closes.
  void end(const std::string& by, const std::string& reason);
  bool ended() const { return ended_; }
  std::string ended_by() const;
  std::string end_reason() const;
  int wake_fd() const { return wake_fd_; }  // readable once end() was called (eventfd)

  // What the target printed, to watchers (bounded: each watcher's callback must not block) and
  // into the recent-output ring a new watcher starts from: `watch` hands the watcher that ring
  // first, under the same lock as what follows, so nothing comes out of order or twice.
  using Watcher = std::function<void(std::string_view)>;
  int watch(Watcher w);
  void unwatch(int id);
  void publish(std::string_view out);

  // Review: waits until decide() for `approval` (made before or during the wait), the timeout,
  // or end(). decide() is refused once the session ended.
  enum class Decision { kApproved, kRejected, kExpired, kEnded };
  Decision wait(int64_t approval, const std::string& command, int timeout_sec);
  bool decide(int64_t approval, bool approve);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  LiveInfo info_;
  std::atomic<bool> ended_{false};
  std::string ended_by_, reason_;
  int wake_fd_ = -1;
  std::map<int, Watcher> watchers_;
  int next_watcher_ = 1;
  std::string recent_;
  std::map<int64_t, bool> decisions_;  // approval -> approved, until the wait takes it
};

class Live {
 public:
  std::shared_ptr<LiveSession> add(const LiveInfo& info);
  void remove(const std::string& id);
  std::shared_ptr<LiveSession> find(const std::string& id);
  std::vector<LiveInfo> list();
  size_t size();
  // Ends every session of `user`; returns how many.
  int end_user(const std::string& user, const std::string& by, const std::string& reason);
  // Ends all (the center stops).
  void end_all(const std::string& reason);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<LiveSession>> sessions_;
};

}  // namespace wardsec::bastion
