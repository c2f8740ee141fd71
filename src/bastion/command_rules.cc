#include "bastion/command_rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::bastion {

const char* action_name(Action a) {
  switch (a) {
    case Action::kAllow: return "allow";
    case Action::kAlert: return "alert";
    case Action::kReview: return "review";
    case Action::kDeny: return "deny";
  }
  return "allow";
}

std::optional<Action> parse_action(std::string_view s) {
  for (Action a : {Action::kAllow, Action::kAlert, Action::kReview, Action::kDeny})
    if (s == action_name(a)) return a;
  return std::nullopt;
}

namespace {

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  for (const auto& c : split_commands(s))
    for (const auto& w : c.words) out.push_back(w);
  return out;
}

std::string join_words(const std::vector<std::string>& w) {
  std::string out;
  for (const auto& x : w) out += (out.empty() ? "" : " ") + x;
  return out;
}

}  // namespace

bool CommandPolicy::Matcher::matches(const SimpleCommand& c) const {
  if (kind == "exact") return c.text == text;
  if (kind == "prefix") {
    if (words.size() > c.words.size()) return false;
    return std::equal(words.begin(), words.end(), c.words.begin());
  }
  return std::regex_search(c.text, *re);
}

Result<std::shared_ptr<const CommandPolicy>> CommandPolicy::compile(std::vector<CommandRule> rules,
                                                                    const std::vector<CommandGroup>& groups) {
  std::stable_sort(rules.begin(), rules.end(), [](const CommandRule& a, const CommandRule& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.id < b.id;
  });
  auto matcher = [](const std::string& kind, const std::string& pattern, const std::string& where) -> Result<Matcher> {
    Matcher m;
    m.kind = kind;
    if (pattern.empty()) return Error{where + ": 模式为空 / the pattern is empty"};
    if (kind == "exact" || kind == "prefix") {
      m.words = words_of(pattern);
      m.text = join_words(m.words);
    } else if (kind == "regex") {
      try {
        m.re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
      } catch (const std::regex_error& e) {
        return Error{where + ": 正则表达式无效 / invalid regular expression: " + pattern + " (" + e.what() + ")"};
      }
    } else {
      return Error{where + ": 未知匹配方式 / unknown kind '" + kind + "' (exact, prefix, regex, group)"};
    }
    return m;
  };
  auto p = std::make_shared<CommandPolicy>();
  for (auto& r : rules) {
    if (!r.enabled) continue;
    std::string where = "命令规则 / command rule '" + r.name + "'";
    Compiled c;
    if (r.kind == "group") {
      auto g = std::find_if(groups.begin(), groups.end(), [&](const CommandGroup& x) { return x.name == r.pattern; });
      if (g == groups.end()) return Error{where + ": 未知命令组 / unknown command group '" + r.pattern + "'"};
      for (const auto& gp : g->patterns) {
        auto m = matcher(gp.kind, gp.pattern, where + " / group " + g->name);
        if (!m) return Error{m.error()};
        c.any.push_back(std::move(*m));
      }
    } else {
      auto m = matcher(r.kind, r.pattern, where);
      if (!m) return Error{m.error()};
      c.any.push_back(std::move(*m));
    }
    c.rule = std::move(r);
    p->rules_.push_back(std::move(c));
  }
  return std::shared_ptr<const CommandPolicy>(std::move(p));
}

Verdict CommandPolicy::check(std::string_view line, const std::string& user, const std::string& asset, Aliases* aliases) const {
  std::vector<SimpleCommand> cmds = split_commands(line, aliases);
  // The whole line as one more subject: SQL typed into a client, and patterns spanning commands.
  SimpleCommand whole;
  whole.text = std::string(line);
  std::replace_if(
      whole.text.begin(), whole.text.end(), [](char ch) { return ch == '\r' || ch == '\n' || ch == '\t'; }, ' ');
  for (auto w : split_view(whole.text, ' '))
    if (!w.empty()) whole.words.emplace_back(w);
  Verdict best;
  auto applies = [&](const CommandRule& r) {
    auto in = [](const std::vector<std::string>& list, const std::string& v) {
      return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
    };
    return in(r.users, user) && in(r.assets, asset);
  };
  auto judge = [&](const SimpleCommand& c) {
    for (const auto& cr : rules_) {
      if (!applies(cr.rule)) continue;
      bool hit = false;
      for (const auto& m : cr.any)
        if (m.matches(c)) {
          hit = true;
          break;
        }
      if (!hit) continue;
      if (best.rule_id == 0 || static_cast<int>(cr.rule.action) > static_cast<int>(best.action))
        best = {cr.rule.action, cr.rule.id, cr.rule.name, c.text};
      return;  // the first matching rule decides for this command
    }
  };
  for (const auto& c : cmds) judge(c);
  judge(whole);
  return best;
}

Result<std::vector<CommandGroup>> load_groups(const std::string& path) {
  std::vector<CommandGroup> out;
  try {
    YAML::Node root = YAML::LoadFile(path);
    for (const auto& g : root["groups"]) {
      CommandGroup cg;
      cg.name = g["name"].as<std::string>("");
      cg.title = g["title"].as<std::string>("");
      cg.title_en = g["title_en"].as<std::string>("");
      if (cg.name.empty()) return Error{path + ": 命令组缺少 name / a group without a name"};
      for (const auto& p : g["patterns"]) {
        GroupPattern gp;
        for (const char* k : {"exact", "prefix", "regex"})
          if (p[k]) {
            gp.kind = k;
            gp.pattern = p[k].as<std::string>();
          }
        if (gp.kind.empty())
          return Error{path + ": group " + cg.name + ": 模式须为 exact/prefix/regex / a pattern must be exact, prefix or regex"};
        cg.patterns.push_back(std::move(gp));
      }
      out.push_back(std::move(cg));
    }
  } catch (const YAML::Exception& e) {
    return Error{path + ": " + e.what()};
  }
  return out;
}

}  // namespace wardsec::bastion
