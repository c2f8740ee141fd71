// The target side of a bastion session: the login to the target with the vault's credential
// (the operator never sees it), host-key pinning (learned on first use, a changed key refused),
// and the relay: a shell or a command through the Controller, SFTP through the SftpFilter.
#include <libssh/server.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "bastion/controller.h"
#include "bastion/relay.h"
#include "bastion/sftp_filter.h"
#include "bastion/ssh_login.h"
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

// Connects and logs in; an error names what failed (never the credential).
Status connect_target(Service& svc, Target& t, const HostAccount& a, const std::string& host) {
  t.s = ssh_new();
  auto secret = svc.db().secret(a.id);
  if (!secret) return Error{secret.error()};
  LoginTarget lt;
  lt.host = host;
  lt.port = a.port;
  lt.username = a.username;
  lt.auth = a.auth;
  lt.secret = std::move(*secret);
  lt.known_hosts = svc.options().target_known_hosts.empty() ? svc.key_dir() + "/bastion_known_hosts" : svc.options().target_known_hosts;
  lt.timeout_sec = svc.options().connect_timeout_sec;
  return ssh_login(t.s, lt);
}

// One SFTP operation into the record (as a command line a reviewer can search) and the store.
void log_file_op(Service& svc, SessionRecord& rec, int64_t& seq, const FileOp& op) {
  std::string text = "sftp " + op.op + " " + op.path + (op.path2.empty() ? "" : " -> " + op.path2);
  if (op.bytes >= 0) text += " (" + std::to_string(op.bytes) + " B" + (op.sha256.empty() ? "" : ", sha256 " + op.sha256) + ")";
  if (!op.note.empty()) text += " [" + op.note + "]";
  CommandRecord c;
  c.session = rec.id;
  c.seq = ++seq;
  c.ts = now_ns();
  c.offset_ms = (c.ts - rec.started) / 1000000;
  c.command = text;
  c.action = op.allowed ? "allow" : "deny";
  c.rule = "sftp";
  if (Status s = svc.db().add_command(c); !s) spdlog::error("bastion: the file record of {}: {}", rec.id, s.error());
  rec.commands++;
  if (!op.allowed) rec.denied++;
  Fact f{op.allowed ? "file_" + op.op : "file_denied",
         op.allowed ? "success" : "failure",
         rec.user,
         rec.source_ip,
         rec.asset,
         rec.host,
         rec.account,
         rec.id};
  f.category = "file";
  f.command = text;
  f.rule = "sftp";
  f.decision = op.allowed ? "allow" : "deny";
  f.severity = op.allowed ? "" : "medium";
  f.file = op.path;
  f.file_size = op.bytes;
  f.file_sha256 = op.sha256;
  f.message = op.note;
  svc.emit(f);
}

}  // namespace

void UserEnd::say(const std::string& text) { write("[wardsec] " + text + "\r\n"); }

Result<std::vector<Choice>> choices(Service& svc, const std::string& user, const Request& rq) {
  int64_t now = now_ns();
  int tz = svc.options().tz_sec;
  std::vector<Choice> out;
  if (rq.subsystem.empty()) {
    auto allowed = svc.db().allowed(user, rq.command.empty() ? "shell" : "exec", now, tz);
    if (!allowed) return Error{allowed.error()};
    for (auto& [a, g] : *allowed) out.push_back({a, false, false});
    return out;
  }
  auto up = svc.db().allowed(user, "sftp_upload", now, tz);
  auto down = svc.db().allowed(user, "sftp_download", now, tz);
  if (!up) return Error{up.error()};
  if (!down) return Error{down.error()};
  auto add = [&](const HostAccount& a, bool u) {
    for (auto& c : out)
      if (c.account.id == a.id) return void((u ? c.upload : c.download) = true);
    out.push_back({a, u, !u});
  };
  for (auto& [a, g] : *up) add(a, true);
  for (auto& [a, g] : *down) add(a, false);
  return out;
}

void run_session(Service& svc, UserEnd& user, const std::string& peer_ip, const Request& rq, const HostAccount& a) {
  std::string host = a.host.empty() ? a.asset : a.host;
  int64_t start = now_ns();
  std::string id = std::to_string(start / 1000) + "-" + server::to_hex(server::random_bytes(4));
  bool sftp = rq.subsystem == "sftp";
  SessionRecord rec;
  rec.id = id;
  rec.user = rq.user;
  rec.source_ip = peer_ip;
  rec.asset = a.asset;
  rec.account = a.username;
  rec.host = host;
  rec.kind = rq.kind;
  rec.state = "active";
  rec.started = start;
  if (!sftp) rec.recording = id + ".cast";
  if (!rq.command.empty()) rec.reason = "exec: " + rq.command.substr(0, 500);

  Target t;
  if (Status s = connect_target(svc, t, a, host); !s) {
    user.say(s.error());
    Fact f{"session_start", "failure", rq.user, peer_ip, a.asset, host, a.username};
    f.message = s.error();
    f.severity = "medium";
    svc.emit(f);
    return;
  }
  t.ch = ssh_channel_new(t.s);
  if (!t.ch || ssh_channel_open_session(t.ch) != SSH_OK ||
      (rq.pty && ssh_channel_request_pty_size(t.ch, rq.term.c_str(), rq.cols, rq.rows) != SSH_OK)) {
    user.say(std::string("目标会话无法打开 / the target's session cannot be opened: ") + ssh_get_error(t.s));
    return;
  }
  std::unique_ptr<Recording> recording;
  if (!sftp) {
    auto r = Recording::create(svc.recordings_dir() + "/" + rec.recording, rq.cols, rq.rows, start,
                               rq.user + " → " + a.username + "@" + a.asset, rq.term);
    if (!r) {
      user.say(r.error() + " — 无法录像，会话不允许 / without a recording the session is not allowed");
      return;
    }
    recording = std::move(*r);
  }
  if (Status s = svc.db().begin_session(rec); !s) {
    user.say("会话无法登记 / the session cannot be recorded: " + s.error());
    return;
  }
  svc.db().touch_account(a.id, start);
  auto live = svc.live().add({id, rq.user, peer_ip, a.asset, a.username, rq.kind, start, 0, ""});
  Fact f{"session_start", "success", rq.user, peer_ip, a.asset, host, a.username, id};
  f.message = rec.kind;
  svc.emit(f);

  std::string state = "closed", reason;
  if (sftp) {
    int64_t seq = 0;
    bool up = false, down = false;
    if (auto c = choices(svc, rq.user, rq))
      for (const auto& x : *c)
        if (x.account.id == a.id) up = x.upload, down = x.download;
    SftpFilter filter(up, down, [&](const FileOp& op) { log_file_op(svc, rec, seq, op); });
    if (ssh_channel_request_subsystem(t.ch, "sftp") != SSH_OK) state = "failed", reason = ssh_get_error(t.s);
    Relay relay(svc, user, t.s, t.ch, *live);
    std::string to_target, to_client;
    Pump pump{[&](std::string_view d) {
                to_target.clear(), to_client.clear();
                bool ok = filter.from_client(d, to_target, to_client);
                if (!to_target.empty()) relay.to_target(to_target);
                if (!to_client.empty()) relay.to_user(to_client);
                if (!ok) state = "failed", reason = filter.error();
                return ok;
              },
              [&](std::string_view d, bool is_stderr) {
                if (is_stderr) return true;  // sftp-server's diagnostics are not for the client
                to_client.clear();
                bool ok = filter.from_target(d, to_client);
                if (!to_client.empty()) relay.to_user(to_client);
                if (!ok) state = "failed", reason = filter.error();
                return ok;
              },
              nullptr};
    relay.run(pump, state, reason, [](int) {});
    filter.finish();
    rec.ended = now_ns();
    rec.state = state;
    if (!reason.empty()) rec.reason = reason;
    if (live->ended()) rec.ended_by = live->ended_by(), rec.reason = rec.reason.empty() ? live->end_reason() : rec.reason;
    if (Status s = svc.db().end_session(rec); !s) spdlog::error("bastion: the end of session {}: {}", rec.id, s.error());
    Fact e{"session_end", state == "failed" ? "failure" : "success", rq.user, peer_ip, a.asset, host, a.username, id};
    e.message = "sftp operations=" + std::to_string(rec.commands) + " denied=" + std::to_string(rec.denied) +
                (reason.empty() ? "" : " reason=" + reason);
    svc.emit(e);
    svc.live().remove(id);
    return;
  }

  Relay relay(svc, user, t.s, t.ch, *live);
  Controller ctl(
      svc, rec, live, std::move(recording), [&](std::string_view d) { relay.to_target(d); }, [&](std::string_view d) { relay.to_user(d); });
  if (!rq.command.empty()) {
    if (!ctl.exec(rq.command)) {
      ctl.finish("closed", "命令被拒绝 / command refused");
      svc.live().remove(id);
      user.exit_status(126);
      return;
    }
    if (ssh_channel_request_exec(t.ch, rq.command.c_str()) != SSH_OK) state = "failed", reason = ssh_get_error(t.s);
  } else if (ssh_channel_request_shell(t.ch) != SSH_OK) {
    state = "failed", reason = ssh_get_error(t.s);
  }
  Pump pump{[&](std::string_view d) {
              ctl.input(d);
              return true;
            },
            [&](std::string_view d, bool is_stderr) {
              if (is_stderr)
                ctl.output_stderr(d, [&](std::string_view x) { user.write_stderr(x); });
              else
                ctl.output(d);
              return true;
            },
            [&](int cols, int rows) {
              ssh_channel_change_pty_size(t.ch, cols, rows);
              ctl.resize(cols, rows);
            },
            [&](int64_t now) { return ctl.tick(now); }};
  relay.run(pump, state, reason, [&](int st) { ctl.exit_status(st); });
  ctl.finish(state, reason);
  svc.live().remove(id);
}

}  // namespace wardsec::bastion
