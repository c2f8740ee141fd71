// Command control (指令级控制): ordered rules, each matching a command exactly, by word
// prefix, by regular expression, or through a named command group ("dangerous": rm -rf, mkfs,
// dd of=/dev, shutdown, ...), with an action: allow, deny (the command is not sent), alert
// (sent, and an alert raised), review (二次审批: held until a security administrator approves
// it or the wait times out). Rules are matched against every simple command of a line
// (shell_words.h) and against the whole line (so SQL typed into a database client is seen
// too); for each, the first matching rule in order decides, and the line gets the strictest
// of those decisions (deny > review > alert > allow). No rule matching means allow.
#pragma once
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "bastion/shell_words.h"
#include "core/result.h"

namespace wardsec::bastion {

enum class Action { kAllow = 0, kAlert = 1, kReview = 2, kDeny = 3 };  // ordered by strictness
const char* action_name(Action a);                                     // allow, alert, review, deny
std::optional<Action> parse_action(std::string_view s);

struct GroupPattern {
  std::string kind;     // exact, prefix, regex
  std::string pattern;  // for regex: ECMAScript syntax, matched case-insensitively
};
struct CommandGroup {
  std::string name, title, title_en;
  std::vector<GroupPattern> patterns;
};

struct CommandRule {
  int64_t id = 0;
  int priority = 100;  // lower first; ties by id
  std::string name;
  std::string kind;     // exact, prefix, regex, group
  std::string pattern;  // the command, prefix, expression, or group name
  Action action = Action::kAllow;
  std::vector<std::string> users, assets;  // empty: everyone / every asset
  bool enabled = true;
};

struct Verdict {
  Action action = Action::kAllow;
  int64_t rule_id = 0;
  std::string rule_name;
  std::string matched;  // the simple command (or line) the rule matched
};

class CommandPolicy {
 public:
  // Checks every pattern (a regex that does not compile, an unknown group or kind) and names
  // the rule that is wrong.
  static Result<std::shared_ptr<const CommandPolicy>> compile(std::vector<CommandRule> rules, const std::vector<CommandGroup>& groups);
  // The verdict on a command line `user` types on `asset`; `aliases` is the session's.
  Verdict check(std::string_view line, const std::string& user, const std::string& asset, Aliases* aliases) const;
  size_t size() const { return rules_.size(); }

 private:
  struct Matcher {
    std::string kind;
    std::string text;                      // exact / prefix (normalized words)
    std::vector<std::string> words;        // prefix
    std::shared_ptr<const std::regex> re;  // regex
    bool matches(const SimpleCommand& c) const;
  };
  struct Compiled {
    CommandRule rule;
    std::vector<Matcher> any;  // the rule matches when one of these does
  };
  std::vector<Compiled> rules_;
};

// The groups shipped in config/bastion/command-groups.yaml (dangerous, sql-destructive, ...).
Result<std::vector<CommandGroup>> load_groups(const std::string& path);

}  // namespace wardsec::bastion
