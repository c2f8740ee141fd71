// The target side of a bastion session: the login to the target with the vault's credential
// (the operator never sees it), host-key pinning (learned on first use, a changed key refused),
// and the relay through the Controller.
#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "bastion/controller.h"
#include "bastion/ssh_conn.h"
#include "core/timeutil.h"
#include "server/auth.h"

namespace wardsec::bastion {

namespace {

struct Target {
  ssh_session s = nullptr;
  ssh_channel ch = nullptr;
  ~Target() {
    if (ch) {
      ssh_channel_close(ch);
      ssh_channel_free(ch);
    }
    if (s) {
      ssh_disconnect(s);
      ssh_free(s);
    }
  }
};

void say(ssh_channel ch, const std::string& text) {
  std::string t = "[wardsec] " + text + "\r\n";
  ssh_channel_write(ch, t.data(), static_cast<uint32_t>(t.size()));
}

// Connects and logs in; an error names what failed (never the credential).
Status connect_target(Service& svc, Target& t, const HostAccount& a, const std::string& host) {
  t.s = ssh_new();
  int port = a.port;
  long timeout = svc.options().connect_timeout_sec;
  std::string known = svc.options().target_known_hosts.empty() ? svc.key_dir() + "/bastion_known_hosts" : svc.options().target_known_hosts;
  int no = 0;
  ssh_options_set(t.s, SSH_OPTIONS_HOST, host.c_str());
  ssh_options_set(t.s, SSH_OPTIONS_PORT, &port);
  ssh_options_set(t.s, SSH_OPTIONS_USER, a.username.c_str());
  ssh_options_set(t.s, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(t.s, SSH_OPTIONS_KNOWNHOSTS, known.c_str());
  ssh_options_set(t.s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  ssh_options_set(t.s, SSH_OPTIONS_PROCESS_CONFIG, &no);  // the service's ~/.ssh/config has no say
  int yes = 1;
  ssh_options_set(t.s, SSH_OPTIONS_NODELAY, &yes);  // keystrokes go out at once (no Nagle wait)
  if (ssh_connect(t.s) != SSH_OK)
    return Error{"无法连接目标 / cannot connect to " + host + ":" + std::to_string(port) + ": " + ssh_get_error(t.s)};
  switch (ssh_session_is_known_server(t.s)) {
    case SSH_KNOWN_HOSTS_OK: break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      // First contact: the key is learned (the event says so; docs/bastion.md: pin it beforehand).
      if (ssh_session_update_known_hosts(t.s) != SSH_OK) return Error{"无法保存目标主机密钥 / cannot save the target's host key"};
      spdlog::info("bastion: learned the host key of {}:{}", host, port);
      break;
    default: return Error{"目标主机密钥已改变，可能遭中间人攻击，已拒绝 / the target's host key changed (a man in the middle?): refused"};
  }
  auto secret = svc.db().secret(a.id);
  if (!secret) return Error{secret.error()};
  int rc = SSH_AUTH_DENIED;
  if (a.auth == "key") {
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_base64(secret->c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK)
      return Error{"主机账号私钥无法读取 / the host account's private key cannot be read"};
    rc = ssh_userauth_publickey(t.s, nullptr, key);
    ssh_key_free(key);
  } else {
    rc = ssh_userauth_password(t.s, nullptr, secret->c_str());
  }
  if (rc != SSH_AUTH_SUCCESS) return Error{"目标拒绝了托管凭据 / the target refused the stored credential for " + a.username};
  return {};
}

struct WindowChange {
  ssh_channel target;
  Controller* ctl;
};

int on_window_change(ssh_session, ssh_channel, int width, int height, int, int, void* userdata) {
  auto* w = static_cast<WindowChange*>(userdata);
  ssh_channel_change_pty_size(w->target, width, height);
  w->ctl->resize(width, height);
  return 0;
}

}  // namespace

void run_proxy(Conn& c, ssh_session user_session, ssh_channel uch, const Request& rq, const HostAccount& a) {
  Service& svc = c.svc;
  std::string host = a.host.empty() ? a.asset : a.host;
  int64_t start = now_ns();
  std::string id = std::to_string(start / 1000) + "-" + server::to_hex(server::random_bytes(4));
  SessionRecord rec;
  rec.id = id;
  rec.user = rq.user;
  rec.source_ip = c.peer_ip;
  rec.asset = a.asset;
  rec.account = a.username;
  rec.host = host;
  rec.kind = rq.command.empty() ? "ssh" : "ssh-exec";
  rec.state = "active";
  rec.started = start;
  rec.recording = id + ".cast";
  if (!rq.command.empty()) rec.reason = "exec: " + rq.command.substr(0, 500);

  Target t;
  if (Status s = connect_target(svc, t, a, host); !s) {
    say(uch, s.error());
    Fact f{"session_start", "failure", rq.user, c.peer_ip, a.asset, host, a.username};
    f.message = s.error();
    f.severity = "medium";
    svc.emit(f);
    return;
  }
  t.ch = ssh_channel_new(t.s);
  if (!t.ch || ssh_channel_open_session(t.ch) != SSH_OK ||
      (rq.pty && ssh_channel_request_pty_size(t.ch, rq.term.c_str(), rq.cols, rq.rows) != SSH_OK)) {
    say(uch, std::string("目标会话无法打开 / the target's session cannot be opened: ") + ssh_get_error(t.s));
    return;
  }
  auto recording = Recording::create(svc.recordings_dir() + "/" + rec.recording, rq.cols, rq.rows, start,
                                     rq.user + " → " + a.username + "@" + a.asset, rq.term);
  if (!recording) {
    say(uch, recording.error() + " — 无法录像，会话不允许 / without a recording the session is not allowed");
    return;
  }
  if (Status s = svc.db().begin_session(rec); !s) {
    say(uch, "会话无法登记 / the session cannot be recorded: " + s.error());
    return;
  }
  svc.db().touch_account(a.id, start);
  auto live = svc.live().add({id, rq.user, c.peer_ip, a.asset, a.username, "ssh", start, 0, ""});
  Fact f{"session_start", "success", rq.user, c.peer_ip, a.asset, host, a.username, id};
  f.message = rec.kind;
  svc.emit(f);
  c.stats.sessions++;

  Controller ctl(
      svc, rec, live, std::move(*recording),
      [&](std::string_view d) { ssh_channel_write(t.ch, d.data(), static_cast<uint32_t>(d.size())); },
      [&](std::string_view d) { ssh_channel_write(uch, d.data(), static_cast<uint32_t>(d.size())); });

  WindowChange wc{t.ch, &ctl};
  ssh_channel_callbacks_struct cb{};
  cb.userdata = &wc;
  cb.channel_pty_window_change_function = on_window_change;
  ssh_callbacks_init(&cb);
  ssh_set_channel_callbacks(uch, &cb);

  std::string state = "closed", reason;
  if (!rq.command.empty()) {
    if (!ctl.exec(rq.command)) {
      ctl.finish("closed", "命令被拒绝 / command refused");
      svc.live().remove(id);
      ssh_channel_request_send_exit_status(uch, 126);
      return;
    }
    if (ssh_channel_request_exec(t.ch, rq.command.c_str()) != SSH_OK) state = "failed", reason = ssh_get_error(t.s);
  } else if (ssh_channel_request_shell(t.ch) != SSH_OK) {
    state = "failed", reason = ssh_get_error(t.s);
  }

  char buf[16384];
  int64_t last_activity = now_ns();
  int64_t idle_ns = static_cast<int64_t>(svc.options().idle_timeout_min) * 60 * kSec;
  while (state != "failed") {
    bool progress = false;
    int n = ssh_channel_read_nonblocking(uch, buf, sizeof buf, 0);
    if (n > 0) {
      ctl.input(std::string_view(buf, static_cast<size_t>(n)));
      progress = true;
      last_activity = now_ns();
    } else if (n == SSH_ERROR) {
      reason = "operator connection lost";
      break;
    }
    for (int err = 0; err < 2; err++) {
      int m = ssh_channel_read_nonblocking(t.ch, buf, sizeof buf, err);
      if (m > 0) {
        if (err)
          ctl.output_stderr(std::string_view(buf, static_cast<size_t>(m)),
                            [&](std::string_view d) { ssh_channel_write_stderr(uch, d.data(), static_cast<uint32_t>(d.size())); });
        else
          ctl.output(std::string_view(buf, static_cast<size_t>(m)));
        progress = true;
      } else if (m == SSH_ERROR) {
        reason = "target connection lost";
      }
    }
    if (!reason.empty()) break;
    if (live->ended()) {
      say(uch, "会话已被 " + live->ended_by() + " 终止 / the session was ended by " + live->ended_by() +
                   (live->end_reason().empty() ? "" : ": " + live->end_reason()));
      state = "ended";
      break;
    }
    if (ssh_channel_is_eof(t.ch) || ssh_channel_is_closed(t.ch)) {
      int st = ssh_channel_get_exit_status(t.ch);
      if (st >= 0) {
        ctl.exit_status(st);
        ssh_channel_request_send_exit_status(uch, st);
      }
      break;
    }
    if (ssh_channel_is_eof(uch) || ssh_channel_is_closed(uch)) {
      ssh_channel_send_eof(t.ch);
      break;
    }
    if (idle_ns && now_ns() - last_activity > idle_ns) {
      say(uch, "空闲超时，会话结束 / idle too long: the session ends");
      state = "ended", reason = "idle timeout";
      break;
    }
    if (progress) continue;
    pollfd p[3] = {{ssh_get_fd(user_session), POLLIN, 0}, {ssh_get_fd(t.s), POLLIN, 0}, {live->wake_fd(), POLLIN, 0}};
    poll(p, 3, 1000);
  }
  ssh_set_channel_callbacks(uch, nullptr);
  ctl.finish(state, reason);
  svc.live().remove(id);
}

}  // namespace wardsec::bastion
