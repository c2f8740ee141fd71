// One session's command control and recording, between the operator and the target, whatever
// carries the bytes (the SSH server, the console's web terminal): keystrokes are read into
// command lines (term_reader.h); at each Enter the line is judged by the command policy and
// the Enter is forwarded (allow, alert), replaced by Ctrl-C so the shell drops the line (deny),
// or held until a security administrator decides (review). Everything both ways goes into the
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
  // The decision on the line at an Enter; true when the Enter goes to the target. Refused:
  // `cancel` goes to the target (before the operator is told).
  bool judge(const std::string& line, bool complete, std::string_view cancel);
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
};

}  // namespace wardsec::bastion
