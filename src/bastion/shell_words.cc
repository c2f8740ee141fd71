#include "bastion/shell_words.h"

#include <cstring>

namespace wardsec::bastion {

namespace {

constexpr int kMaxDepth = 8;          // nested substitutions, -c strings and aliases
constexpr size_t kMaxCommands = 512;  // per line: a pasted script is read, not a bomb

// The index of the ')' that closes the '(' before `i`, quotes respected; s.size() when none.
size_t match_paren(std::string_view s, size_t i) {
  int depth = 1;
  char q = 0;
  for (; i < s.size(); i++) {
    char c = s[i];
    if (q == '\'') {
      if (c == '\'') q = 0;
      continue;
    }
    if (c == '\\') {
      i++;
      continue;
    }
    if (q == '"') {
      if (c == '"') q = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      q = c;
    } else if (c == '(') {
      depth++;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return s.size();
}

struct Lexed {
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> nested;  // the text of $(...), `...`, <(...), >(...)
};

// Words and command boundaries of a line, as the shell splits them (quote removal, escapes,
// comments, control operators, redirections kept as words).
Lexed lex(std::string_view s) {
  Lexed out;
  std::vector<std::string> words;
  std::string cur;
  bool have = false;
  auto end_word = [&] {
    if (have) words.push_back(std::move(cur));
    cur.clear();
    have = false;
  };
  auto end_cmd = [&] {
    end_word();
    if (!words.empty()) out.commands.push_back(std::move(words));
    words.clear();
  };
  auto substitution = [&](size_t open, size_t& i) {  // s[open] is '(' ; leaves i on ')'
    size_t e = match_paren(s, open + 1);
    out.nested.emplace_back(s.substr(open + 1, e - open - 1));
    cur += "$(...)";
    have = true;
    i = e;
  };
  char q = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (q == '\'') {
      if (c == '\'')
        q = 0;
      else
        cur += c;
      continue;
    }
    if (c == '\\') {
      if (i + 1 < s.size()) {
        char n = s[++i];
        if (n == '\n') continue;  // a line continuation joins the lines
        if (q == '"' && !std::strchr("$`\"\\", n)) cur += c;
        cur += n;
        have = true;
      }
      continue;
    }
    if (c == '$' && i + 1 < s.size() && s[i + 1] == '(') {
      substitution(i + 1, i);
      continue;
    }
    if (c == '`') {
      size_t e = s.find('`', i + 1);
      if (e == std::string_view::npos) e = s.size();
      out.nested.emplace_back(s.substr(i + 1, e - i - 1));
      cur += "`...`";
      have = true;
      i = e;
      continue;
    }
    if (q == '"') {
      if (c == '"')
        q = 0;
      else
        cur += c;
      continue;
    }
    if ((c == '<' || c == '>') && i + 1 < s.size() && s[i + 1] == '(') {  // process substitution
      end_word();
      substitution(i + 1, i);
      continue;
    }
    if (c == '\'' || c == '"') {
      q = c;
      have = true;
      continue;
    }
    if (c == ' ' || c == '\t') {
      end_word();
      continue;
    }
    if (c == ';' || c == '&' || c == '|' || c == '\n' || c == '\r' || c == '(' || c == ')') {
      end_cmd();
      continue;
    }
    if (c == '#' && !have) {  // a comment runs to the end of the line
      while (i + 1 < s.size() && s[i + 1] != '\n') i++;
      continue;
    }
    if (c == '<' || c == '>') {  // a redirection: its operator is a word of its own
      end_word();
      std::string op(1, c);
      while (i + 1 < s.size() && (s[i + 1] == '>' || s[i + 1] == '<' || s[i + 1] == '&')) op += s[++i];
      words.push_back(std::move(op));
      continue;
    }
    cur += c;
    have = true;
  }
  end_cmd();
  return out;
}

std::string base_name(const std::string& w) {
  size_t p = w.find_last_of('/');
  if (p == std::string::npos || p + 1 == w.size()) return w;
  return w.substr(p + 1);
}

bool is_assignment(const std::string& w) {
  size_t eq = w.find('=');
  if (eq == 0 || eq == std::string::npos) return false;
  for (size_t i = 0; i < eq; i++)
    if (!(std::isalnum(static_cast<unsigned char>(w[i])) || w[i] == '_')) return false;
  return !std::isdigit(static_cast<unsigned char>(w[0]));
}

std::string join(const std::vector<std::string>& w, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < w.size(); i++) {
    if (!out.empty()) out += ' ';
    out += w[i];
  }
  return out;
}

bool one_of(std::string_view p, std::initializer_list<std::string_view> list) {
  for (auto l : list)
    if (p == l) return true;
  return false;
}

// Options (and their values) of a wrapper: words starting with '-', and the word after an
// option in `with_value`; numbers after an option (nice -n 5, taskset's mask) too.
size_t skip_options(const std::vector<std::string>& w, size_t i, std::initializer_list<std::string_view> with_value) {
  while (i < w.size() && w[i].size() > 1 && w[i][0] == '-') {
    if (w[i] == "--") return i + 1;
    bool takes = one_of(w[i], with_value);
    i++;
    if (takes && i < w.size()) i++;
  }
  return i;
}

// Takes off the words before the command proper: assignments and wrappers that only change
// how it runs. Strings that are themselves commands (sh -c, eval, find -exec, watch, env -S)
// go to `nested`.
void strip_wrappers(std::vector<std::string>& w, std::vector<std::string>& nested) {
  size_t i = 0;
  for (int guard = 0; guard < 32 && i < w.size(); guard++) {
    if (is_assignment(w[i])) {
      i++;
      continue;
    }
    std::string p = base_name(w[i]);
    if (one_of(p, {"sudo", "doas"})) {
      i = skip_options(w, i + 1, {"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D", "-T", "-R"});
    } else if (p == "env") {
      i++;
      while (i < w.size() && ((w[i].size() > 1 && w[i][0] == '-') || is_assignment(w[i]))) {
        if ((w[i] == "-S" || w[i] == "--split-string") && i + 1 < w.size()) nested.push_back(w[i + 1]);
        i += (w[i] == "-u" || w[i] == "-C" || w[i] == "-S") ? 2 : 1;
      }
    } else if (one_of(p, {"nohup", "command", "builtin", "busybox", "time",   "!",        "{",      "then",   "do",     "else",
                          "if",    "while",   "until",   "elif",    "setsid", "unbuffer", "strace", "ltrace", "script", "flock"})) {
      i = skip_options(w, i + 1, {"-o", "-e", "-s", "-p"});
    } else if (p == "exec") {
      i = skip_options(w, i + 1, {"-a"});
    } else if (one_of(p, {"nice", "ionice", "stdbuf", "chrt", "taskset", "timeout"})) {
      i = skip_options(w, i + 1, {"-n", "-c", "-s", "-k", "-i", "-o", "-e", "-p", "--signal", "--kill-after"});
      while (i < w.size() && !w[i].empty() && (std::isdigit(static_cast<unsigned char>(w[i][0])) || w[i].rfind("0x", 0) == 0)) i++;
    } else if (p == "xargs") {
      i = skip_options(w, i + 1, {"-I", "-i", "-n", "-P", "-d", "-L", "-s", "-E", "-a", "-l"});
    } else if (p == "watch") {
      i = skip_options(w, i + 1, {"-n", "-d", "--interval"});
      nested.push_back(join(w, i));
      w.clear();
      return;
    } else {
      break;
    }
  }
  w.erase(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(std::min(i, w.size())));
  if (w.empty()) return;
  w[0] = base_name(w[0]);
  const std::string& p = w[0];
  if (one_of(p, {"bash", "sh", "zsh", "dash", "ksh", "ash", "fish", "su", "runuser", "busybox", "rbash"})) {
    for (size_t k = 1; k + 1 < w.size(); k++)
      if (w[k].size() > 1 && w[k][0] == '-' && w[k][1] != '-' && w[k].find('c') != std::string::npos)
        nested.push_back(w[k + 1]);
      else if (w[k] == "--command")
        nested.push_back(w[k + 1]);
  } else if (p == "eval") {
    nested.push_back(join(w, 1));
  } else if (p == "find") {
    for (size_t k = 1; k < w.size(); k++)
      if (one_of(w[k], {"-exec", "-execdir", "-ok", "-okdir"})) {
        std::vector<std::string> cmd;
        for (k++; k < w.size() && w[k] != ";" && w[k] != "+"; k++) cmd.push_back(w[k]);
        nested.push_back(join(cmd));
      }
  }
}

void collect(std::string_view line, Aliases* aliases, int depth, std::vector<SimpleCommand>& out) {
  if (depth > kMaxDepth) return;
  Lexed lx = lex(line);
  for (const auto& n : lx.nested) collect(n, aliases, depth + 1, out);
  for (auto& w : lx.commands) {
    if (out.size() >= kMaxCommands) return;
    std::vector<std::string> nested;
    strip_wrappers(w, nested);
    for (const auto& n : nested) collect(n, aliases, depth + 1, out);
    if (w.empty()) continue;
    if (aliases) {
      if (w[0] == "alias") {
        for (size_t k = 1; k < w.size(); k++)
          if (size_t eq = w[k].find('='); eq != std::string::npos && eq > 0) {
            (*aliases)[w[k].substr(0, eq)] = w[k].substr(eq + 1);
            collect(w[k].substr(eq + 1), aliases, depth + 1, out);
          }
      } else if (w[0] == "unalias") {
        for (size_t k = 1; k < w.size(); k++) aliases->erase(w[k]);
      } else if (auto a = aliases->find(w[0]); a != aliases->end()) {
        std::string expanded = a->second + " " + join(w, 1);
        collect(expanded, aliases, depth + 1, out);
      }
    }
    out.push_back({w, join(w)});
  }
}

}  // namespace

std::vector<SimpleCommand> split_commands(std::string_view line, Aliases* aliases) {
  std::vector<SimpleCommand> out;
  collect(line, aliases, 0, out);
  return out;
}

bool line_incomplete(std::string_view s) {
  char q = 0;
  int parens = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (q == '\'') {
      if (c == '\'') q = 0;
      continue;
    }
    if (c == '\\') {
      if (i + 1 == s.size()) return true;  // a trailing backslash continues the line
      i++;
      continue;
    }
    if (q == '"') {
      if (c == '"') q = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      q = c == '`' ? 0 : c;
    } else if (c == '(') {
      parens++;
    } else if (c == ')') {
      parens--;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == ';')) {
      while (i + 1 < s.size() && s[i + 1] != '\n') i++;
    }
  }
  if (q != 0 || parens > 0) return true;
  size_t e = s.find_last_not_of(" \t\r\n");
  if (e == std::string_view::npos) return false;
  std::string_view t = s.substr(0, e + 1);
  return t.back() == '|' || (t.size() >= 2 && t.substr(t.size() - 2) == "&&");
}

}  // namespace wardsec::bastion
