// Login on the bastion's SSH server: the center's accounts (password + TOTP, or a registered
// public key + TOTP), then the channel the client asks for, then the target (from the login
// name or a menu).
#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "bastion/ssh_conn.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "server/auth.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace wardsec::bastion {

namespace {

constexpr int kMaxAuthTries = 6;

struct Login {
  std::string user, target;  // from the login name: user[@account]@asset
  bool first = false;        // password or key accepted
  bool done = false;
  std::string why;  // the last refusal, for the record
};

void split_login(const std::string& name, Login& l) {
  size_t at = name.find('@');
  l.user = name.substr(0, at);
  l.target = at == std::string::npos ? "" : name.substr(at + 1);
}

void fail_fact(Conn& c, const Login& l, const std::string& why) {
  c.stats.auth_failed++;
  Fact f{"login_failure", "failure", l.user, c.peer_ip};
  f.category = "authentication";
  f.severity = "low";
  f.message = why;
  c.svc.emit(f);
}

// The authentication phase. True when the operator is in.
bool authenticate(ssh_session s, Conn& c, Login& l) {
  auto* auth = c.svc.auth();
  int tries = 0;
  const char* code_prompt[] = {"动态口令 / Authenticator code: "};
  const char* both_prompts[] = {"密码 / Password: ", "动态口令 / Authenticator code: "};
  char echo_code[] = {1};
  char echo_both[] = {0, 1};
  while (ssh_message msg = ssh_message_get(s)) {
    int type = ssh_message_type(msg), sub = ssh_message_subtype(msg);
    int methods =
        l.first ? SSH_AUTH_METHOD_INTERACTIVE : SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_INTERACTIVE | SSH_AUTH_METHOD_PASSWORD;
    if (type != SSH_REQUEST_AUTH) {
      ssh_message_reply_default(msg);
      ssh_message_free(msg);
      continue;
    }
    if (const char* u = ssh_message_auth_user(msg); u && l.user.empty()) split_login(u, l);
    int64_t now = now_ns();
    bool replied = false;
    if (sub == SSH_AUTH_METHOD_PASSWORD && !l.first && auth) {
      const char* pw = ssh_message_auth_password(msg);
      auto r = auth->login(l.user, pw ? pw : "", c.peer_ip, now);
      if (r && r->stage == server::Stage::kMfa) {
        auth->logout(r->id);
        l.first = true;
        ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_INTERACTIVE);
        ssh_message_auth_reply_success(msg, 1);  // partial: the code comes next
        replied = true;
      } else {
        if (r) auth->logout(r->id);
        l.why = r ? "请先登录控制台修改初始密码并绑定动态口令 / log in to the console first (password change, authenticator)" : r.error();
        tries++;
      }
    } else if (sub == SSH_AUTH_METHOD_PUBLICKEY && !l.first) {
      ssh_key key = ssh_message_auth_pubkey(msg);
      char* b64 = nullptr;
      bool known = false;
      if (key && ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK) {
        known = c.svc.db().key_known(l.user, ssh_key_type_to_char(ssh_key_type(key)), b64);
        ssh_string_free_char(b64);
      }
      auto state = ssh_message_auth_publickey_state(msg);
      if (known && state == SSH_PUBLICKEY_STATE_NONE) {
        ssh_message_auth_reply_pk_ok_simple(msg);  // the client may now sign with it
        replied = true;
      } else if (known && state == SSH_PUBLICKEY_STATE_VALID) {
        l.first = true;
        ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_INTERACTIVE);
        ssh_message_auth_reply_success(msg, 1);
        replied = true;
      } else if (state != SSH_PUBLICKEY_STATE_NONE) {
        l.why = "公钥未登记 / public key not registered";
        tries++;
      }
    } else if (sub == SSH_AUTH_METHOD_INTERACTIVE && auth) {
      if (!ssh_message_auth_kbdint_is_response(msg)) {
        if (l.first)
          ssh_message_auth_interactive_request(msg, "wardsec", "", 1, code_prompt, echo_code);
        else
          ssh_message_auth_interactive_request(msg, "wardsec 医院等保安全管理中心 / bastion", "", 2, both_prompts, echo_both);
        replied = true;
      } else {
        int n = ssh_userauth_kbdint_getnanswers(s);
        server::AuthStatus st = server::AuthError{401, "认证失败 / authentication failed"};
        if (l.first && n == 1) {
          st = auth->second_factor(l.user, ssh_userauth_kbdint_getanswer(s, 0), c.peer_ip, now);
        } else if (!l.first && n == 2) {
          auto r = auth->login(l.user, ssh_userauth_kbdint_getanswer(s, 0), c.peer_ip, now);
          if (!r) {
            st = r.failure();
          } else {
            if (r->stage == server::Stage::kMfa)
              st = auth->verify_mfa(r->id, ssh_userauth_kbdint_getanswer(s, 1), now);
            else
              st = server::AuthError{
                  403, "请先登录控制台修改初始密码并绑定动态口令 / log in to the console first (password change, authenticator)"};
            auth->logout(r->id);
          }
        }
        if (st) {
          ssh_message_auth_reply_success(msg, 0);
          l.done = true;
          ssh_message_free(msg);
          return true;
        }
        l.why = st.error();
        tries++;
      }
    }
    if (!replied) {
      if (!l.why.empty() && sub != SSH_AUTH_METHOD_NONE) {
        fail_fact(c, l, l.why);
        spdlog::info("bastion: {}: '{}': {}", c.peer_ip, l.user, l.why);
      }
      l.why.clear();
      ssh_message_auth_set_methods(msg, methods);
      ssh_message_reply_default(msg);
    }
    ssh_message_free(msg);
    if (tries >= kMaxAuthTries) break;
  }
  return false;
}

// Reads a line from the operator in the menu (echoing it); nullopt when the channel closed.
std::optional<std::string> read_line(ssh_channel ch) {
  std::string line;
  char buf[64];
  while (true) {
    int n = ssh_channel_read_timeout(ch, buf, sizeof buf, 0, 120000);
    if (n <= 0) return std::nullopt;
    for (int i = 0; i < n; i++) {
      char ch0 = buf[i];
      if (ch0 == '\r' || ch0 == '\n') {
        ssh_channel_write(ch, "\r\n", 2);
        return line;
      }
      if (ch0 == 0x03 || ch0 == 0x04) return std::nullopt;
      if ((ch0 == 0x7f || ch0 == 0x08) && !line.empty()) {
        line.pop_back();
        ssh_channel_write(ch, "\b \b", 3);
      } else if (static_cast<unsigned char>(ch0) >= 0x20 && line.size() < 200) {
        line += ch0;
        ssh_channel_write(ch, &ch0, 1);
      }
    }
  }
}

void print(ssh_channel ch, const std::string& text) {
  std::string t;
  for (char x : text) {
    if (x == '\n') t += '\r';
    t += x;
  }
  ssh_channel_write(ch, t.data(), static_cast<uint32_t>(t.size()));
}

// The host account the operator goes to: named in the login, or chosen from a menu.
std::optional<Choice> choose(Conn& c, ssh_channel ch, const Request& rq) {
  auto allowed = choices(c.svc, rq.user, rq);
  if (!allowed) {
    print(ch, "[wardsec] " + allowed.error() + "\n");
    return std::nullopt;
  }
  std::vector<Choice> list;
  for (const auto& x : *allowed) {
    const HostAccount& a = x.account;
    bool match = rq.target.empty() || rq.target == a.asset || rq.target == a.username + "@" + a.asset;
    if (match) list.push_back(x);
  }
  if (list.empty()) {
    print(ch, "[wardsec] " +
                  std::string(rq.target.empty() ? "没有可用的授权主机账号 / no host account is granted to you now"
                                                : "未授权或不存在 / not granted or unknown: " + rq.target) +
                  (rq.subsystem.empty() ? "" : " (sftp)") + "\n");
    Fact f{"session_refused", "failure", rq.user, c.peer_ip, rq.target};
    f.severity = "medium";
    f.message = "unauthorized target (" + rq.kind + ")";
    c.svc.emit(f);
    return std::nullopt;
  }
  if (list.size() == 1 && !rq.target.empty()) return list[0];
  if (!rq.pty) {
    print(ch, "[wardsec] 请在登录名中指明目标：用户@账号@资产 / name the target in the login: user@account@asset\n");
    return std::nullopt;
  }
  while (true) {
    std::string menu = "\n  wardsec 堡垒机 / bastion — " + rq.user + "\n\n";
    for (size_t i = 0; i < list.size(); i++) {
      const HostAccount& a = list[i].account;
      menu += "  [" + std::to_string(i + 1) + "] " + a.username + "@" + a.asset + (a.host.empty() ? "" : "  (" + a.host + ")") + "\n";
    }
    menu += "\n  选择编号，或输入 q 退出 / choose a number, or q to quit: ";
    print(ch, menu);
    auto line = read_line(ch);
    if (!line || *line == "q" || *line == "exit") return std::nullopt;
    std::string_view t = trim(*line);
    for (size_t i = 0; i < list.size(); i++) {
      const HostAccount& a = list[i].account;
      if (t == std::to_string(i + 1) || t == a.asset || t == a.username + "@" + a.asset) return list[i];
    }
    print(ch, "  无此项 / no such entry\n");
  }
}

// The operator's end over the SSH channel.
class ChannelEnd : public UserEnd {
 public:
  explicit ChannelEnd(ssh_channel ch) : ch_(ch) {
    cb_.userdata = this;
    cb_.channel_pty_window_change_function = [](ssh_session, ssh_channel, int w, int h, int, int, void* self) {
      auto* e = static_cast<ChannelEnd*>(self);
      if (e->on_resize) e->on_resize(w, h);
      return 0;
    };
    ssh_callbacks_init(&cb_);
    ssh_set_channel_callbacks(ch_, &cb_);
  }
  ~ChannelEnd() override { ssh_remove_channel_callbacks(ch_, &cb_); }
  ssh_channel channel() override { return ch_; }
  void write(std::string_view d) override { ssh_channel_write(ch_, d.data(), static_cast<uint32_t>(d.size())); }
  void write_stderr(std::string_view d) override { ssh_channel_write_stderr(ch_, d.data(), static_cast<uint32_t>(d.size())); }
  size_t writable() override { return ssh_channel_is_open(ch_) ? ssh_channel_window_size(ch_) : 0; }
  bool eof() override { return ssh_channel_is_eof(ch_) || ssh_channel_is_closed(ch_); }
  bool closed() override { return ssh_channel_is_closed(ch_); }
  void exit_status(int st) override { ssh_channel_request_send_exit_status(ch_, st); }

 private:
  ssh_channel ch_;
  ssh_channel_callbacks_struct cb_{};
};

}  // namespace

void serve_connection(ssh_session s, Conn& c) {
  ssh_set_auth_methods(s, SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_INTERACTIVE);
  if (ssh_handle_key_exchange(s) != SSH_OK) {
    c.stats.kex_failed++;
    spdlog::info("bastion: {}: key exchange failed: {}", c.peer_ip, ssh_get_error(s));
    return;
  }
  Login l;
  if (!authenticate(s, c, l)) {
    if (!l.why.empty()) fail_fact(c, l, l.why);
    spdlog::info("bastion: {}: authentication of '{}' failed{}", c.peer_ip, l.user, l.why.empty() ? "" : ": " + l.why);
    return;
  }
  if (c.svc.blocked(l.user)) {
    fail_fact(c, l, "运维权限已被冻结 / blocked from the bastion");
    return;
  }
  c.deadline = now_ns() + 300 * kSec;  // in: the menu has its own limit
  // The channel and what it is for.
  Request rq;
  rq.user = l.user;
  rq.target = l.target;
  ssh_channel ch = nullptr;
  bool start = false;
  while (!start) {
    ssh_message msg = ssh_message_get(s);
    if (!msg) return;
    int type = ssh_message_type(msg), sub = ssh_message_subtype(msg);
    if (type == SSH_REQUEST_CHANNEL_OPEN && sub == SSH_CHANNEL_SESSION && !ch) {
      ch = ssh_message_channel_request_open_reply_accept(msg);
    } else if (type == SSH_REQUEST_CHANNEL_OPEN && (sub == SSH_CHANNEL_DIRECT_TCPIP || sub == SSH_CHANNEL_FORWARDED_TCPIP)) {
      Fact f{"forward_refused", "failure", l.user, c.peer_ip};
      f.severity = "medium";
      f.message = "端口转发/跳板（-J、-L、-D）未开放 / port forwarding and -J are not allowed";
      c.svc.emit(f);
      ssh_message_reply_default(msg);
    } else if (type == SSH_REQUEST_CHANNEL && ch && sub == SSH_CHANNEL_REQUEST_PTY) {
      rq.pty = true;
      if (const char* t = ssh_message_channel_request_pty_term(msg)) rq.term = t;
      rq.cols = ssh_message_channel_request_pty_width(msg);
      rq.rows = ssh_message_channel_request_pty_height(msg);
      ssh_message_channel_request_reply_success(msg);
    } else if (type == SSH_REQUEST_CHANNEL && ch && sub == SSH_CHANNEL_REQUEST_ENV) {
      ssh_message_channel_request_reply_success(msg);  // accepted, not passed on
    } else if (type == SSH_REQUEST_CHANNEL && ch && sub == SSH_CHANNEL_REQUEST_SHELL) {
      ssh_message_channel_request_reply_success(msg);
      start = true;
    } else if (type == SSH_REQUEST_CHANNEL && ch && sub == SSH_CHANNEL_REQUEST_SUBSYSTEM) {
      const char* name = ssh_message_channel_request_subsystem(msg);
      if (name && std::string_view(name) == "sftp") {
        rq.subsystem = "sftp";
        rq.kind = "sftp";
        ssh_message_channel_request_reply_success(msg);
        start = true;
      } else {
        ssh_message_reply_default(msg);
      }
    } else if (type == SSH_REQUEST_CHANNEL && ch && sub == SSH_CHANNEL_REQUEST_EXEC) {
      const char* cmd = ssh_message_channel_request_command(msg);
      rq.command = cmd ? cmd : "";
      rq.kind = "ssh-exec";
      ssh_message_channel_request_reply_success(msg);
      start = true;
    } else {
      ssh_message_reply_default(msg);
    }
    ssh_message_free(msg);
  }
  auto choice = choose(c, ch, rq);
  c.deadline = 0;  // logged in and chosen: the idle timeout takes over
  if (choice) {
    c.stats.sessions++;
    ChannelEnd end(ch);
    run_session(c.svc, end, c.peer_ip, rq, choice->account);
  }
  ssh_channel_send_eof(ch);
  ssh_channel_close(ch);
  ssh_channel_free(ch);
}

}  // namespace wardsec::bastion
