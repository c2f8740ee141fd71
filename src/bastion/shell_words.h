// Reading a shell line the way a reviewer reads it: every simple command it runs, with the
// quoting removed and the wrappers that only change how a command runs (sudo, env, nohup,
// timeout, xargs, ...) taken off, including the commands inside $(...), `...`, <(...), the
// strings given to bash -c / sh -c / su -c / eval, the -exec of find, and the values of
// aliases the session has defined. Command rules are matched against these, so `ls;rm -rf /`,
// `$(rm -rf /)`, `r''m -rf /`, `\rm -rf /` and `/bin/rm -rf /` are all the command `rm -rf /`.
//
// What this cannot see (docs/bastion.md): a script's contents, variables and values computed
// at run time (`$x -rf /`), and encoded payloads (`echo cm0g... | base64 -d | sh` is seen as
// `base64 -d` and `sh`, so rules on `sh` fed by a pipe catch it, not the text it runs).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wardsec::bastion {

struct SimpleCommand {
  std::vector<std::string> words;  // after quote removal and wrapper stripping; words[0] is the program's base name
  std::string text;                // the words joined by single spaces
};

// Aliases the session defined (`alias ll='ls -l'`): name -> value.
using Aliases = std::map<std::string, std::string>;

// Every simple command `line` runs. `aliases`, when given, expands known aliases and learns
// the ones the line defines.
std::vector<SimpleCommand> split_commands(std::string_view line, Aliases* aliases = nullptr);

// True when the shell would ask for more before running the line: an open quote, a trailing
// backslash, or a trailing |, && or ||.
bool line_incomplete(std::string_view line);

}  // namespace wardsec::bastion
