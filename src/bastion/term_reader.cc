#include "bastion/term_reader.h"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "bastion/shell_words.h"

namespace wardsec::bastion {

namespace {

constexpr size_t kMaxLine = 64 * 1024;  // a pasted script longer than this is judged in pieces

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80 || c == '_'; }

size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1; }

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

// ---- the operator's keystrokes -------------------------------------------------------------

void TermReader::insert(std::string_view s) {
  if (line_.size() + s.size() > kMaxLine) return;
  line_.insert(cursor_, s);
  cursor_ += s.size();
}

void TermReader::move_left() {
  if (cursor_ == 0) return;
  cursor_--;
  while (cursor_ > 0 && (static_cast<unsigned char>(line_[cursor_]) & 0xC0) == 0x80) cursor_--;
}

void TermReader::move_right() {
  if (cursor_ >= line_.size()) return;
  cursor_ += utf8_len(static_cast<unsigned char>(line_[cursor_]));
  cursor_ = std::min(cursor_, line_.size());
}

void TermReader::kill_word_back() {
  size_t e = cursor_;
  while (cursor_ > 0 && line_[cursor_ - 1] == ' ') cursor_--;
  while (cursor_ > 0 && line_[cursor_ - 1] != ' ') cursor_--;
  line_.erase(cursor_, e - cursor_);
}

bool TermReader::key(unsigned char c) {
  if (!started_) {
    started_ = true;
    prompt_ = rtrim(screen_.substr(0, std::min(col_, screen_.size())));
  }
  if (literal_next_) {
    literal_next_ = false;
    insert(std::string(1, static_cast<char>(c)));
    return false;
  }
  if (kesc_ == 1) {  // after ESC
    if (c == '[' || c == 'O') {
      kesc_ = 2;
      kparams_.clear();
      return false;
    }
    kesc_ = 0;
    if (c == 'b' || c == 'B') {  // Alt-b: word back
      while (cursor_ > 0 && !word_char(line_[cursor_ - 1])) cursor_--;
      while (cursor_ > 0 && word_char(line_[cursor_ - 1])) cursor_--;
    } else if (c == 'f' || c == 'F') {
      while (cursor_ < line_.size() && !word_char(line_[cursor_])) cursor_++;
      while (cursor_ < line_.size() && word_char(line_[cursor_])) cursor_++;
    } else if (c == 'd' || c == 'D') {
      size_t e = cursor_;
      while (e < line_.size() && !word_char(line_[e])) e++;
      while (e < line_.size() && word_char(line_[e])) e++;
      line_.erase(cursor_, e - cursor_);
    } else if (c == 0x7f || c == 0x08) {
      kill_word_back();
    } else if (c == '\r') {
      insert("\n");  // Alt-Enter: a newline in the line
    } else {
      uncertain_ = true;  // another readline command (Alt-., Alt-y, ...)
    }
    return false;
  }
  if (kesc_ == 2) {  // CSI or SS3: parameters, then the final byte
    if (c >= 0x40 && c <= 0x7e) {
      kesc_ = 0;
      if (kparams_ == "200" && c == '~') {
        paste_ = true;
      } else if (kparams_ == "201" && c == '~') {
        paste_ = false;
      } else if (c == 'D') {
        move_left();
      } else if (c == 'C') {
        move_right();
      } else if (c == 'H' || (c == '~' && (kparams_ == "1" || kparams_ == "7"))) {
        cursor_ = 0;
      } else if (c == 'F' || (c == '~' && (kparams_ == "4" || kparams_ == "8"))) {
        cursor_ = line_.size();
      } else if (c == '~' && kparams_ == "3") {
        if (cursor_ < line_.size()) line_.erase(cursor_, utf8_len(static_cast<unsigned char>(line_[cursor_])));
      } else if (c == '~' && kparams_ == "2") {
        // Insert key: nothing to the line
      } else {
        uncertain_ = true;  // Up/Down (history), PageUp/Down and the rest: the shell's business
      }
    } else if (kparams_.size() < 16) {
      kparams_ += static_cast<char>(c);
    }
    return false;
  }
  if (paste_) {  // bracketed paste: everything is text, newlines included, until ESC[201~
    if (c == 0x1b) {
      kesc_ = 1;
      return false;
    }
    insert(std::string(1, c == '\r' ? '\n' : static_cast<char>(c)));
    return false;
  }
  if (ctrl_x_) {  // the key after Ctrl-X
    ctrl_x_ = false;
    if (c == 0x05 || c == 'e' || c == 'E') {  // edit-and-execute-command: runs an editor's text, unseen
      refused_ = true;
      return false;
    }
  }
  switch (c) {
    case '\r':
    case '\n':
    case 0x0f:  // Ctrl-O (operate-and-get-next) runs the line like Enter
      return true;
    case 0x1b: kesc_ = 1; return false;
    case 0x7f:
    case 0x08:
      if (cursor_ > 0) {
        size_t e = cursor_;
        move_left();
        line_.erase(cursor_, e - cursor_);
      }
      return false;
    case 0x01: cursor_ = 0; return false;             // Ctrl-A
    case 0x05: cursor_ = line_.size(); return false;  // Ctrl-E
    case 0x02: move_left(); return false;             // Ctrl-B
    case 0x06: move_right(); return false;            // Ctrl-F
    case 0x04:                                        // Ctrl-D: delete under the cursor
      if (cursor_ < line_.size()) line_.erase(cursor_, utf8_len(static_cast<unsigned char>(line_[cursor_])));
      return false;
    case 0x0b: line_.erase(cursor_); return false;  // Ctrl-K
    case 0x15:                                      // Ctrl-U
      line_.erase(0, cursor_);
      cursor_ = 0;
      return false;
    case 0x17: kill_word_back(); return false;  // Ctrl-W
    case 0x03:                                  // Ctrl-C: the shell drops the line and the continuation
      cancel();
      return false;
    case 0x16: literal_next_ = true; return false;  // Ctrl-V
    case 0x0c: return false;                        // Ctrl-L
    case 0x09:                                      // Tab: completion
    case 0x10:                                      // Ctrl-P
    case 0x0e:                                      // Ctrl-N
    case 0x12:                                      // Ctrl-R
    case 0x13:                                      // Ctrl-S
    case 0x19:                                      // Ctrl-Y
    case 0x14:                                      // Ctrl-T
    case 0x18:                                      // Ctrl-X prefix
      ctrl_x_ = true;
      uncertain_ = true;
      return false;
    case 0x1f:  // Ctrl-_ (undo)
      uncertain_ = true;
      return false;
    default:
      if (c >= 0x20) insert(std::string(1, static_cast<char>(c)));
      return false;
  }
}

std::string TermReader::screen_command() const {
  std::string row = rtrim(screen_), cmd = row;
  if (!prompt_.empty() && row.rfind(prompt_, 0) == 0) {
    cmd = row.substr(prompt_.size());
  } else {
    // The prompt moved (the screen scrolled, the shell redrew): cut at the usual prompt ends.
    for (const char* end : {"$ ", "# ", "> ", "% "})
      if (size_t p = row.find(end); p < 200) {
        cmd = row.substr(p + 2);
        break;
      }
  }
  size_t b = cmd.find_first_not_of(' ');
  return b == std::string::npos ? std::string() : cmd.substr(b);
}

std::string TermReader::pending_line() const {
  std::string typed = line_;
  if (alt_screen_) {
    // A full-screen program (an editor, top, tmux): its screen is not a shell's line, so only
    // the keys count; an editor's command line (":!cmd", ":r !cmd", ":w !cmd") runs the text
    // after the '!'. Lines typed inside tmux or screen are judged like any other.
    if (!typed.empty() && typed[0] == ':') {
      size_t bang = typed.find('!');
      typed = bang < 12 ? typed.substr(bang + 1) : typed.substr(1);
    }
    return typed;
  }
  if (uncertain_) {
    std::string shown = screen_command();
    // The shell's own line (completion, history) is what runs; what was typed is kept beside
    // it when it differs, so a rule sees both.
    if (!shown.empty()) typed = typed.empty() || shown == typed ? shown : shown + "\n" + typed;
  }
  if (continued_.empty()) return typed;
  bool joined = !continued_.empty() && continued_.back() == '\\';
  return joined ? continued_.substr(0, continued_.size() - 1) + typed : continued_ + "\n" + typed;
}

bool TermReader::complete() const { return !line_incomplete(pending_line()); }

void TermReader::accept() {
  if (complete())
    continued_.clear();
  else
    continued_ = pending_line();
  line_.clear();
  cursor_ = 0;
  uncertain_ = false;
  started_ = false;
}

void TermReader::cancel() {
  continued_.clear();
  line_.clear();
  cursor_ = 0;
  uncertain_ = false;
  started_ = false;
}

bool TermReader::secret_input() const {
  static const std::regex prompt(R"((password|passphrase|passcode|密码|口令|verification code)[^:：]*[:：]\s*$)", std::regex::icase);
  return std::regex_search(prompt_, prompt) && rtrim(screen_) == prompt_;
}

bool TermReader::take_refused() {
  bool r = refused_;
  refused_ = false;
  return r;
}

std::optional<int> TermReader::take_exit_status() {
  auto s = exit_status_;
  exit_status_.reset();
  return s;
}

// ---- the screen --------------------------------------------------------------------------

void TermReader::output(std::string_view bytes) {
  for (char ch : bytes) screen_byte(static_cast<unsigned char>(ch));
}

void TermReader::screen_csi(char final, std::string_view params) {
  bool priv = !params.empty() && params[0] == '?';
  if (priv) params.remove_prefix(1);
  int n = params.empty() ? 1 : std::max(1, std::atoi(std::string(params).c_str()));
  switch (final) {
    case 'h':
    case 'l':
      if (priv && (params == "1049" || params == "47" || params == "1047")) alt_screen_ = final == 'h';
      return;
    case 'C': col_ = std::min(col_ + n, kMaxLine); return;  // a target cannot make us allocate its column
    case 'D': col_ = col_ > static_cast<size_t>(n) ? col_ - n : 0; return;
    case 'G': col_ = std::min<size_t>(n - 1, kMaxLine); return;
    case 'K':
      if (params.empty() || params == "0") {
        if (col_ < screen_.size()) screen_.resize(col_);
      } else if (params == "1") {
        for (size_t i = 0; i < col_ && i < screen_.size(); i++) screen_[i] = ' ';
      } else {
        screen_.clear();
      }
      return;
    case 'P':
      if (col_ < screen_.size()) screen_.erase(col_, std::min<size_t>(n, screen_.size() - col_));
      return;
    case '@':
      if (col_ < screen_.size())
        screen_.insert(col_, std::min<size_t>({static_cast<size_t>(n), 256, kMaxLine - std::min(kMaxLine, screen_.size())}), ' ');
      return;
    case 'J':
      if (params == "2" || params == "3") screen_.clear(), col_ = 0;
      return;
    case 'H':
    case 'f':  // cursor placed anywhere: the row is not the one we followed
      screen_.clear();
      col_ = 0;
      return;
    default: return;
  }
}

void TermReader::screen_byte(unsigned char c) {
  if (oesc_ == 1) {
    oesc_ = c == '[' ? 2 : c == ']' ? 3 : 0;
    oparams_.clear();
    return;
  }
  if (oesc_ == 2) {
    if (c >= 0x40 && c <= 0x7e) {
      oesc_ = 0;
      screen_csi(static_cast<char>(c), oparams_);
    } else if (oparams_.size() < 32) {
      oparams_ += static_cast<char>(c);
    }
    return;
  }
  if (oesc_ == 3 || oesc_ == 4) {  // OSC ... BEL or ESC \  : the shell-integration mark gives the status
    bool end = c == 0x07 || (oesc_ == 4 && c == '\\');
    if (end) {
      oesc_ = 0;
      if (oparams_.rfind("133;D;", 0) == 0) exit_status_ = std::atoi(oparams_.c_str() + 6);
      return;
    }
    oesc_ = c == 0x1b ? 4 : 3;
    if (c != 0x1b && oparams_.size() < 64) oparams_ += static_cast<char>(c);
    return;
  }
  switch (c) {
    case 0x1b: oesc_ = 1; return;
    case '\r': col_ = 0; return;
    case '\n':
      screen_.clear();
      col_ = 0;
      return;
    case 0x08:
      if (col_ > 0) col_--;
      while (col_ > 0 && col_ < screen_.size() && (static_cast<unsigned char>(screen_[col_]) & 0xC0) == 0x80) col_--;
      return;
    case '\t': col_ = std::min((col_ / 8 + 1) * 8, kMaxLine); return;
    case 0x07: return;
    default:
      if (c < 0x20 || screen_.size() >= kMaxLine || col_ >= kMaxLine) return;
      if (col_ > screen_.size()) screen_.resize(col_, ' ');
      if ((c & 0xC0) == 0x80) {  // a continuation byte joins the character before it
        screen_.insert(col_, 1, static_cast<char>(c));
        col_++;
        return;
      }
      if (col_ < screen_.size()) screen_.erase(col_, utf8_len(static_cast<unsigned char>(screen_[col_])));
      screen_.insert(col_, 1, static_cast<char>(c));
      col_++;
      return;
  }
}

}  // namespace wardsec::bastion
