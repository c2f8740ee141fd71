// A log template miner after Drain (He, Zhu, Zheng, Lyu: "Drain: An Online Log Parsing Approach
// with Fixed Depth Tree", ICWS 2017), for `wardsec parsers suggest`: lines no family understands
// are grouped into templates ("Failed password for <*> from <*> port <*> ssh2") with a count and
// an example, and a template becomes the start of a family file (skeleton()).
//
// Each line is split on blanks; a token whose core is a number, an address, a hex string or
// holds a digit among punctuation is masked as <*> (its brackets kept: "[<*>]"), and a key=value
// token keeps its key ("srcip=<*>"). The tree routes by token count and then by the first
// `depth - 2` tokens (a token with a digit goes down the <*> branch, as does any token once a
// node has `max_children`); in the leaf the most similar template takes the line when at least
// `similarity` of its positions agree, and the positions that differ become <*>. At most
// `max_templates` are kept: past that, lines that fit no template are only counted.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wardsec {

struct DrainOptions {
  size_t depth = 4;
  double similarity = 0.5;
  size_t max_children = 100;
  size_t max_templates = 5000;
  size_t max_tokens = 200;  // a longer line is cut to this many tokens
};

struct LogTemplate {
  std::vector<std::string> tokens;
  size_t count = 0;
  std::string example;
  std::string text() const;  // the tokens joined with a space
};

class Drain {
 public:
  explicit Drain(DrainOptions o = {});
  ~Drain();
  // `example`: what a new template keeps as its example (the raw line; default `line`).
  void add(std::string_view line, std::string_view example = {});
  // Most frequent first (ties: the earlier seen).
  std::vector<LogTemplate> templates() const;
  size_t lines() const { return lines_; }
  size_t overflow() const { return overflow_; }  // lines past max_templates that fit none

 private:
  struct Node;
  DrainOptions o_;
  std::unique_ptr<Node> root_;
  std::vector<LogTemplate> all_;
  size_t lines_ = 0, overflow_ = 0;
};

// Masks one token as Drain sees it ("[10.1.2.3]" → "[<*>]", "port=22" → "port=<*>").
std::string drain_mask(std::string_view token);

// A starting family file for a template: program and a literal to recognise it, a regex with a
// named group per <*> (key=<*> groups take the key's name), the example as the sample whose
// fields are left to fill in. `name` is the family's name.
std::string family_skeleton(const LogTemplate& t, std::string_view program, const std::string& name);

}  // namespace wardsec
