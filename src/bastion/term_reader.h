// Reads command lines out of an interactive terminal session the way a reviewer watching it
// would: from the operator's keystrokes with the line editing a shell does (insert, backspace,
// cursor moves, Ctrl-A/E/K/U/W, Delete, Home/End, Ctrl-C, bracketed paste), and — when a
// keystroke makes the line the shell's business (Tab completion, history recall with the
// arrows, Ctrl-R, yank) — from the line as the shell echoed it on screen. Lines the shell
// continues (a trailing backslash, an open quote, a trailing pipe) are joined until complete;
// every Enter is a checkpoint where the whole text so far is judged.
//
// It also follows the screen far enough to know when a full-screen program (vi, top, tmux)
// owns the terminal (the keys are still judged — anything can switch the screen, and tmux runs
// shells — but the screen is not read; an editor's ":!cmd" is read as cmd), when the shell asked for a password
// (the answer is neither judged nor recorded), and the exit status of the last command when the
// target's shell reports it (OSC 133;D;<status>, the shell-integration mark).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace wardsec::bastion {

class TermReader {
 public:
  // One byte the operator typed. Returns true when it is Enter at a shell prompt: the caller
  // judges pending_line() before forwarding it.
  bool key(unsigned char c);
  // Bytes the target printed.
  void output(std::string_view bytes);

  // The command text so far (continuations joined), at an Enter.
  std::string pending_line() const;
  // Whether the text at this Enter is complete (else the shell will ask for more).
  bool complete() const;
  // After an Enter that was forwarded: clears the line (and the continuation when complete).
  void accept();
  // After an Enter that was refused (Ctrl-C sent instead): forgets the line and continuation.
  void cancel();
  // The operator's answer to a password prompt: not a command.
  bool secret_input() const;
  bool full_screen() const { return alt_screen_; }
  // True once after a key that must not reach the shell: Ctrl-X Ctrl-E (edit-and-execute runs
  // what an editor holds, which the bastion cannot read). The caller drops it and aborts the
  // prefix (Ctrl-G).
  bool take_refused();
  // The exit status the shell last reported (OSC 133;D), consumed.
  std::optional<int> take_exit_status();

 private:
  void insert(std::string_view s);
  void move_left();
  void move_right();
  void kill_word_back();
  void screen_byte(unsigned char c);
  void screen_csi(char final, std::string_view params);
  std::string screen_command() const;

  // the operator's line
  std::string line_;
  size_t cursor_ = 0;
  bool uncertain_ = false;  // the shell changed the line (completion, history)
  std::string continued_;   // earlier lines of a command the shell continues
  bool started_ = false;    // a key of this line has arrived
  // escape sequences in the keystrokes
  int kesc_ = 0;  // 0 none, 1 after ESC, 2 in CSI/SS3
  std::string kparams_;
  bool paste_ = false, literal_next_ = false, ctrl_x_ = false, refused_ = false;
  // the screen's current line
  std::string screen_;  // UTF-8 text of the row the cursor is on
  size_t col_ = 0;      // byte index into screen_
  std::string prompt_;  // the row when the first key of the line arrived
  int oesc_ = 0;        // 0 none, 1 after ESC, 2 CSI, 3 OSC, 4 OSC after ESC
  std::string oparams_;
  bool alt_screen_ = false;
  std::optional<int> exit_status_;
};

}  // namespace wardsec::bastion
