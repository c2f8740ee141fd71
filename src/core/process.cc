#include "core/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>

#include "core/timeutil.h"

namespace wardsec {

bool wait_child(pid_t pid, int64_t deadline_ns, int& status, const std::atomic<bool>* stop) {
  while (now_ns() < deadline_ns && !(stop && *stop)) {
    if (waitpid(pid, &status, WNOHANG) == pid) return true;
    usleep(100000);
  }
  kill(-pid, SIGKILL);  // its group, when it made one
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return false;
}

int run_command(const std::vector<std::string>& argv, int timeout_ms, std::string* out) {
  if (argv.empty()) return -1;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    if (out) *out = "cannot run " + argv[0];
    return -1;
  }
  int64_t deadline = now_ns() + static_cast<int64_t>(timeout_ms) * 1000000;
  std::string buf;
  char tmp[4096];
  for (;;) {
    int64_t left = (deadline - now_ns()) / 1000000;
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000))) <= 0) continue;
    ssize_t n = read(fds[0], tmp, sizeof tmp);
    if (n <= 0) break;
    if (buf.size() < 65536) buf.append(tmp, static_cast<size_t>(std::min<ssize_t>(n, 65536 - static_cast<ssize_t>(buf.size()))));
  }
  close(fds[0]);
  int status = 0;
  bool exited = wait_child(pid, deadline, status);
  if (out) *out = std::move(buf);
  if (!exited || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace wardsec
