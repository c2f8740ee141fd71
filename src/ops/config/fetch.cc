#include "ops/config/fetch.h"

#include <libssh/libssh.h>

#include <algorithm>
#include <chrono>

namespace wardsec::ops::config {

namespace {

struct Session {
  ssh_session s = ssh_new();
  ssh_channel ch = nullptr;
  ~Session() {
    if (ch) {
      ssh_channel_close(ch);
      ssh_channel_free(ch);
    }
    ssh_disconnect(s);
    ssh_free(s);
  }
};

using Clock = std::chrono::steady_clock;

// Reads stdout (and drains stderr) until EOF, the deadline, `idle_ms` of quiet (0: never), or
// the size bound.
Status read_all(const FetchRequest& r, ssh_channel ch, std::string& out, std::string& err, Clock::time_point deadline, int idle_ms,
                bool wait_first = false) {
  char buf[16384];
  auto last = Clock::now();
  size_t had = out.size();
  for (;;) {
    if (r.stop && r.stop->load()) return Error{"中心正在停止 / the center is stopping"};
    if (Clock::now() > deadline) return Error{"读取配置超时 / timed out reading the configuration"};
    int n = ssh_channel_read_timeout(ch, buf, sizeof buf, 0, 200);
    if (n == SSH_ERROR) return Error{std::string("SSH 读取失败 / SSH read failed: ") + ssh_get_error(ssh_channel_get_session(ch))};
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      last = Clock::now();
      if (out.size() > r.max_bytes)
        return Error{"配置超过大小上限 / the configuration exceeds " + std::to_string(r.max_bytes >> 20) + " MiB"};
    }
    int e = ssh_channel_read_nonblocking(ch, buf, sizeof buf, 1);
    if (e > 0 && err.size() < 4096) err.append(buf, static_cast<size_t>(e));
    if (n <= 0 && ssh_channel_is_eof(ch)) return {};
    if (idle_ms && (!wait_first || out.size() > had) && Clock::now() - last > std::chrono::milliseconds(idle_ms)) return {};
  }
}

void write_line(ssh_channel ch, const std::string& line) {
  std::string l = line + "\n";
  ssh_channel_write(ch, l.data(), static_cast<uint32_t>(l.size()));
}

}  // namespace

Result<std::string> fetch(const FetchRequest& r) {
  Session s;
  if (!s.s) return Error{"libssh: no session"};
  if (Status st = bastion::ssh_login(s.s, r.login); !st) return Error{st.error()};
  auto deadline = Clock::now() + std::chrono::seconds(r.timeout_sec);
  s.ch = ssh_channel_new(s.s);
  if (!s.ch || ssh_channel_open_session(s.ch) != SSH_OK)
    return Error{std::string("无法打开 SSH 通道 / cannot open a channel: ") + ssh_get_error(s.s)};
  std::string out, err;
  if (r.mode == "shell") {
    if (ssh_channel_request_pty_size(s.ch, "vt100", 511, 24) != SSH_OK || ssh_channel_request_shell(s.ch) != SSH_OK)
      return Error{std::string("设备拒绝交互式 shell / the device refused a shell: ") + ssh_get_error(s.s)};
    bool cisco = r.vendor == "cisco" || r.vendor == "ruijie";
    // One command at a time, each after the device went quiet (typed ahead, a device's echo and
    // prompts interleave); what came before the configuration command is dropped.
    auto first = std::min(deadline, Clock::now() + std::chrono::seconds(10));  // the banner and first prompt
    if (Status st = read_all(r, s.ch, out, err, first, 1000, true); !st && Clock::now() < first) return Error{st.error()};
    if (r.vendor != "other") {
      write_line(s.ch, cisco ? "terminal length 0" : "screen-length 0 temporary");
      auto next = std::min(deadline, Clock::now() + std::chrono::seconds(10));
      if (Status st = read_all(r, s.ch, out, err, next, 1000, true); !st && Clock::now() < next) return Error{st.error()};
    }
    out.clear();
    write_line(s.ch, r.command);
    // The configuration is in once the device has been quiet for 5 s; then the shell is left.
    if (Status st = read_all(r, s.ch, out, err, deadline, 5000); !st) return Error{st.error()};
    write_line(s.ch, cisco ? "exit" : "quit");
    ssh_channel_send_eof(s.ch);
  } else {
    if (ssh_channel_request_exec(s.ch, r.command.c_str()) != SSH_OK)
      return Error{std::string("设备拒绝执行命令 / the device refused the command: ") + ssh_get_error(s.s)};
    if (Status st = read_all(r, s.ch, out, err, deadline, 0); !st) return Error{st.error()};
    int status = ssh_channel_get_exit_status(s.ch);
    if (status > 0 && out.empty())
      return Error{"命令失败（退出码 " + std::to_string(status) + "）/ the command failed (exit " + std::to_string(status) +
                   "): " + err.substr(0, 300)};
  }
  if (out.find_first_not_of(" \r\n\t") == std::string::npos) return Error{"设备未返回配置 / the device returned no configuration"};
  return out;
}

}  // namespace wardsec::ops::config
