#include "core/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace wardsec
