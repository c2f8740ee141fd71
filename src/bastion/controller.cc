#include "bastion/controller.h"

#include <spdlog/spdlog.h>

#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::bastion {

namespace {
const char* severity_of(Action a) {
  return a == Action::kDeny ? "high" : a == Action::kReview ? "medium" : a == Action::kAlert ? "medium" : "";
}
}  // namespace

Controller::Controller(Service& svc, SessionRecord rec, std::shared_ptr<LiveSession> live, std::unique_ptr<Recording> recording,
                       Send to_target, Send to_user)
    : svc_(svc),
      rec_(std::move(rec)),
      live_(std::move(live)),
      recording_(std::move(recording)),
      to_target_(std::move(to_target)),
      to_user_(std::move(to_user)) {}

Controller::~Controller() {
  if (!finished_) finish("closed", "");
}

void Controller::tell(const std::string& text) {
  std::string msg = "\r\n\x1b[1;31m[wardsec] " + text + "\x1b[0m\r\n";
  to_user_(msg);
  if (recording_) recording_->output(now_ns(), msg);
  if (live_) live_->publish(msg);  // watchers see what the operator was told
}

void Controller::flush_command() {
  if (!last_) return;
  if (Status s = svc_.db().add_command(*last_); !s) spdlog::error("bastion: the command record of {}: {}", rec_.id, s.error());
  last_.reset();
}

void Controller::note(const std::string& text, Action action, const std::string& rule) {
  flush_command();
  int64_t now = now_ns();
  CommandRecord c;
  c.session = rec_.id;
  c.seq = ++seq_;
  c.ts = now;
  c.offset_ms = recording_ ? recording_->offset_ms(now) : 0;
  c.command = text;
  c.action = action_name(action);
  c.rule = rule;
  last_ = std::move(c);
  rec_.commands++;
  if (action == Action::kDeny) rec_.denied++;
  if (live_) live_->count_command();
  if (recording_) recording_->marker(now, text.size() > 200 ? text.substr(0, 200) : text);
  Fact f{action == Action::kDeny ? "command_denied" : "command",
         action == Action::kDeny ? "failure" : "success",
         rec_.user,
         rec_.source_ip,
         rec_.asset,
         rec_.host,
         rec_.account,
         rec_.id,
         text,
         rule,
         action_name(action)};
  f.category = "process";
  f.severity = severity_of(action);
  svc_.emit(f);
}

bool Controller::judge(const std::string& line, bool interactive) {
  auto policy = svc_.policy();
  Verdict v = policy ? policy->check(line, rec_.user, rec_.asset, &aliases_) : Verdict{};
  bool complete = !interactive || reader_.complete();
  // A refused line at a shell is cancelled by tick() once the shell has echoed it (a SIGINT in
  // the middle of its redisplay can leave readline eating the next key); the operator is told
  // then. A refused command (exec) is simply not run.
  auto refuse = [&](const std::string& why) {
    if (!interactive) return tell(why);
    cancel_ = "\x03";
    cancel_why_ = why;
    hold_since_ = now_ns();
  };
  switch (v.action) {
    case Action::kDeny:
      refuse("命令被拒绝 / command denied: " + v.matched + "  (规则 / rule: " + v.rule_name + ")");
      note(line, Action::kDeny, v.rule_name);
      return false;
    case Action::kReview: {
      Approval a{0, rec_.id, rec_.user, rec_.asset, line, v.rule_name, "pending", "", now_ns(), 0};
      auto id = svc_.db().add_approval(a);
      if (!id) {
        refuse("无法提交审批，命令未执行 / the approval cannot be filed; the command is not run: " + id.error());
        note(line, Action::kDeny, v.rule_name);
        return false;
      }
      Fact f{"command_review", "unknown", rec_.user, rec_.source_ip, rec_.asset, rec_.host,
             rec_.account,     rec_.id,   line,      v.rule_name,    "review"};
      f.category = "process";
      f.severity = "medium";
      f.message = "approval " + std::to_string(*id);
      svc_.emit(f);
      tell("该命令需安全管理员审批（编号 " + std::to_string(*id) + "，最长等待 " + std::to_string(svc_.options().review_timeout_sec) +
           " 秒）… / this command needs a security administrator's approval (#" + std::to_string(*id) + "); waiting");
      auto d = live_ ? live_->wait(*id, line, svc_.options().review_timeout_sec) : LiveSession::Decision::kExpired;
      if (d == LiveSession::Decision::kExpired || d == LiveSession::Decision::kEnded)
        (void)svc_.db().decide_approval(*id, d == LiveSession::Decision::kExpired ? "expired" : "cancelled", "", now_ns());
      if (d == LiveSession::Decision::kApproved) {
        tell("已批准，执行 / approved; running");
        note(line, Action::kReview, v.rule_name);
        return true;
      }
      refuse(d == LiveSession::Decision::kRejected ? "审批被拒绝，命令未执行 / rejected; the command is not run"
                                                   : "审批超时，命令未执行 / no decision in time; the command is not run");
      note(line, Action::kDeny, v.rule_name);
      return false;
    }
    case Action::kAlert:
    case Action::kAllow:
      if (complete) note(line, v.action, v.rule_name);
      return true;
  }
  return true;
}

namespace {
constexpr int64_t kQuietNs = 100'000'000;      // the target's echo, or its answer to a Ctrl-C, is over when it is quiet this long
constexpr int64_t kMaxHoldNs = 2'000'000'000;  // or after this long, whatever it does
}  // namespace

bool Controller::tick(int64_t now) {
  if (!hold_since_) return false;
  bool quiet = now - std::max(hold_since_, last_output_) >= kQuietNs;
  if (!cancel_.empty()) {  // first the shell finishes echoing the refused line, then the Ctrl-C
    if (!quiet && now - hold_since_ < kMaxHoldNs) return true;
    to_target_(cancel_);
    cancel_.clear();
    tell(cancel_why_);
    hold_since_ = now;
    answered_ = false;
    return true;
  }
  if (!(answered_ && quiet) && now - hold_since_ < kMaxHoldNs) return true;
  hold_since_ = 0;
  std::string held;
  held.swap(held_);
  if (!held.empty()) consume(held);
  return hold_since_ != 0;
}

void Controller::input(std::string_view bytes) {
  if (recording_) recording_->input(now_ns(), bytes);
  if (hold_since_) {
    held_.append(bytes);
    return;
  }
  consume(bytes);
}

void Controller::consume(std::string_view bytes) {
  std::string fwd;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char ch = bytes[i];
    auto c = static_cast<unsigned char>(ch);
    if (!reader_.key(c)) {
      if (reader_.take_refused()) {
        fwd += '\x07';  // Ctrl-G: the shell abandons the Ctrl-X prefix
        to_target_(fwd);
        fwd.clear();
        tell("编辑器执行（Ctrl-X Ctrl-E）无法审计，已阻止 / edit-and-execute (Ctrl-X Ctrl-E) cannot be audited: blocked");
        note("[Ctrl-X Ctrl-E] " + reader_.pending_line(), Action::kDeny, "edit-and-execute");
        continue;
      }
      fwd += ch;
      continue;
    }
    // Enter: what was typed reaches the shell's line editor first, then the decision.
    if (!fwd.empty()) to_target_(fwd);
    fwd.clear();
    if (reader_.secret_input()) {  // a password prompt's answer: not a command, not recorded as one
      reader_.accept();
      to_target_(std::string_view(&ch, 1));
      continue;
    }
    std::string line = reader_.pending_line();
    if (trim(line).empty()) {
      reader_.accept();
      to_target_(std::string_view(&ch, 1));
      continue;
    }
    // Refused: Ctrl-C instead of the Enter (from tick()); the shell drops the line (and a
    // continuation). What follows waits.
    if (judge(line, true)) {
      reader_.accept();
      to_target_(std::string_view(&ch, 1));
    } else {
      reader_.cancel();
      held_.assign(bytes.substr(i + 1));
      return;
    }
    if (live_ && live_->ended()) return;
  }
  if (!fwd.empty()) to_target_(fwd);
}

void Controller::output(std::string_view bytes) {
  if (hold_since_) last_output_ = now_ns(), answered_ = cancel_.empty();
  reader_.output(bytes);
  if (recording_) recording_->output(now_ns(), bytes);
  if (live_) live_->publish(bytes);
  to_user_(bytes);
  if (auto st = reader_.take_exit_status(); st && last_) last_->exit_status = *st;
}

void Controller::output_stderr(std::string_view bytes, const Send& send) {
  if (recording_) recording_->output(now_ns(), bytes);
  if (live_) live_->publish(bytes);
  send(bytes);
}

void Controller::resize(int cols, int rows) {
  if (recording_) recording_->resize(now_ns(), cols, rows);
}

bool Controller::exec(const std::string& command) { return judge(command, false); }

void Controller::exit_status(int status) {
  if (last_) last_->exit_status = status;
}

void Controller::finish(const std::string& state, const std::string& reason) {
  if (finished_) return;
  finished_ = true;
  flush_command();
  rec_.ended = now_ns();
  rec_.state = state;
  if (!reason.empty()) rec_.reason = reason;
  if (live_ && live_->ended()) {
    rec_.ended_by = live_->ended_by();
    if (rec_.reason.empty()) rec_.reason = live_->end_reason();
  }
  if (recording_) {
    rec_.digest = recording_->finish();
    rec_.bytes = recording_->bytes();
  }
  if (Status s = svc_.db().end_session(rec_); !s) spdlog::error("bastion: the end of session {}: {}", rec_.id, s.error());
  Fact f{"session_end", state == "failed" ? "failure" : "success", rec_.user, rec_.source_ip, rec_.asset, rec_.host, rec_.account, rec_.id};
  f.message = "commands=" + std::to_string(rec_.commands) + " denied=" + std::to_string(rec_.denied) +
              (rec_.ended_by.empty() ? "" : " ended_by=" + rec_.ended_by) + (rec_.reason.empty() ? "" : " reason=" + rec_.reason);
  f.recording_sha256 = rec_.digest;
  svc_.emit(f);
}

}  // namespace wardsec::bastion
