// One session's command control and recording, between the operator and the target, whatever
// carries the bytes (the SSH server, the console's web terminal): keystrokes are read into
// command lines (term_reader.h); at each Enter the line is judged by the command policy and
// the Enter is forwarded (allow, alert), replaced by Ctrl-C so the shell drops the line (deny),
// or held until a security administrator decides (review). A refusal waits for the shell to
// finish echoing the line before the Ctrl-C (a SIGINT in the middle of readline's redisplay can
// leave it eating the next key), and what the operator typed ahead waits until the shell has
// answered the Ctrl-C (its output quiet for a moment; each wait at most two seconds). Everything both ways goes into the
// recording; each command into the record with its decision; denials, reviews and alerts into
// the store as events.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bastion/recording.h"
#include "bastion/service.h"
#include "bastion/term_reader.h"

namespace wardsec::bastion {

class Controller {
 public:
  using Send = std::function<void(std::string_view)>;
  Controller(Service& svc, SessionRecord rec, std::shared_ptr<LiveSession> live, std::unique_ptr<Recording> recording, Send to_target,
             Send to_user);
  ~Controller();
  // The operator's bytes. May block while a command waits for review.
  void input(std::string_view bytes);
  // The passage of time: releases input held after a refusal once the target has answered the
  // cancel. True while input is still held (the caller should call again soon and not pass on
  // more input meanwhile, so that the hold is bounded by what it had already taken).
  bool tick(int64_t now);
  // The target's bytes (stdout).
  void output(std::string_view bytes);
  // The target's standard error (exec sessions): recorded with the output, sent by `send`.
  void output_stderr(std::string_view bytes, const Send& send);
  void resize(int cols, int rows);
  // A non-interactive command (ssh host cmd): judged as one line; false when refused (the
  // reason has been sent to the operator).
  bool exec(const std::string& command);
  void exit_status(int status);
  // Closes the recording and writes the end of the session (state: closed, ended, failed).
  void finish(const std::string& state, const std::string& reason);
  const SessionRecord& record() const { return rec_; }

 private:
  // The decision on a line at an Enter (interactive) or a command (exec); true when it goes to
  // the target. A refused interactive line is cancelled by tick().
  bool judge(const std::string& line, bool interactive);
  void consume(std::string_view bytes);  // input() once nothing is held
  void note(const std::string& text, Action action, const std::string& rule);
  void flush_command();
  void tell(const std::string& zh_en);

  Service& svc_;
  SessionRecord rec_;
  std::shared_ptr<LiveSession> live_;
  std::unique_ptr<Recording> recording_;
  Send to_target_, to_user_;
  TermReader reader_;
  Aliases aliases_;
  std::optional<CommandRecord> last_;
  int64_t seq_ = 0;
  bool finished_ = false;
  // type-ahead held after a refusal (the rest of the chunk that carried the refused Enter)
  std::string held_;
  std::string cancel_, cancel_why_;  // the Ctrl-C still to send after a refusal, and what to say then
  int64_t hold_since_ = 0, last_output_ = 0;
  bool answered_ = false;  // the target has printed since the Ctrl-C
};

}  // namespace wardsec::bastion
