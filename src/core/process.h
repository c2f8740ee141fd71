// Waiting for a child process with a deadline (Chromium printing a PDF, nmap scanning): polls
// until it exits, the deadline passes or `stop` is set; then the child (and its process group,
// when it made one) is killed and reaped. No zombie is left either way.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <cstdint>

namespace wardsec {

// True when the child exited by itself (its wait status in `status`); false when it was killed.
bool wait_child(pid_t pid, int64_t deadline_ns, int& status, const std::atomic<bool>* stop = nullptr);

}  // namespace wardsec

#include <string>
#include <vector>

namespace wardsec {

// Runs argv[0] (a path; no shell) with the arguments, stdin from /dev/null, waiting at most
// `timeout_ms`: its exit code (-1 when it could not start or was killed), its standard output
// and error together in `out` (at most 64 KiB kept).
int run_command(const std::vector<std::string>& argv, int timeout_ms, std::string* out = nullptr);

}  // namespace wardsec
