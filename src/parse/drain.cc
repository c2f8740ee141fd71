// Drain log template mining (drain.h).
#include "parse/drain.h"

#include <algorithm>
#include <cctype>

namespace wardsec {

namespace {

constexpr std::string_view kVar = "<*>";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_punct_edge(char c) {
  return c == '[' || c == ']' || c == '(' || c == ')' || c == '<' || c == '>' || c == '"' || c == '\'' || c == ',' || c == ';' ||
         c == '{' || c == '}';
}

// A value that varies between lines: made only of digits, hex letters and the punctuation of
// numbers, addresses, times and dates (10.1.2.3, 2001:db8::1, 0xc000006d, 10:21:07, 2026-12-04,
// 00:1b:21:3a:4f:10), with at least one digit. "ssh2" or "fw01" are words: they stay.
bool variable(std::string_view v) {
  if (v.empty()) return false;
  if (v == kVar) return true;
  bool digit = false;
  for (char c : v) {
    digit = digit || is_digit(c);
    if (!(is_hex(c) || c == ':' || c == '.' || c == '-' || c == '/' || c == 'x' || c == 'X' || c == '+' || c == '#')) return false;
  }
  return digit;
}

std::vector<std::string> tokenize(std::string_view line, size_t max_tokens) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size() && out.size() < max_tokens) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n')) i++;
    size_t s = i;
    while (i < line.size() && !(line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n')) i++;
    if (i > s) out.push_back(drain_mask(line.substr(s, i - s)));
  }
  return out;
}

bool has_digit(std::string_view t) { return std::any_of(t.begin(), t.end(), is_digit); }

}  // namespace

std::string drain_mask(std::string_view tok) {
  size_t a = 0, b = tok.size();
  while (a < b && is_punct_edge(tok[a])) a++;
  while (b > a && (is_punct_edge(tok[b - 1]) || tok[b - 1] == ':' || tok[b - 1] == '.')) b--;
  std::string_view core = tok.substr(a, b - a);
  std::string out(tok.substr(0, a));
  size_t eq = core.find('=');
  if (eq != std::string_view::npos && eq > 0) {  // key=value: the key stays
    std::string_view val = core.substr(eq + 1);
    std::string_view vq = val;
    while (!vq.empty() && is_punct_edge(vq.front())) vq.remove_prefix(1);
    while (!vq.empty() && is_punct_edge(vq.back())) vq.remove_suffix(1);
    out += core.substr(0, eq + 1);
    out += variable(vq) ? std::string(kVar) : std::string(val);
  } else {
    out += variable(core) ? std::string(kVar) : std::string(core);
  }
  out += tok.substr(b);
  return out;
}

std::string LogTemplate::text() const {
  std::string s;
  for (const auto& t : tokens) {
    if (!s.empty()) s += ' ';
    s += t;
  }
  return s;
}

struct Drain::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  std::vector<size_t> templates;  // leaf: indexes into all_
};

Drain::Drain(DrainOptions o) : o_(o), root_(std::make_unique<Node>()) {
  if (o_.depth < 3) o_.depth = 3;
}
Drain::~Drain() = default;

void Drain::add(std::string_view line, std::string_view example) {
  lines_++;
  std::vector<std::string> tok = tokenize(line, o_.max_tokens);
  // Route: token count, then the first depth-2 tokens.
  Node* n = root_.get();
  auto step = [&](const std::string& key) {
    auto it = n->children.find(key);
    if (it == n->children.end()) {
      if (n->children.size() >= o_.max_children) {
        it = n->children.find(kVar);
        if (it == n->children.end()) it = n->children.emplace(std::string(kVar), std::make_unique<Node>()).first;
      } else {
        it = n->children.emplace(key, std::make_unique<Node>()).first;
      }
    }
    n = it->second.get();
  };
  step(std::to_string(tok.size()));
  for (size_t d = 0; d + 2 < o_.depth && d < tok.size(); d++) step(has_digit(tok[d]) || tok[d] == kVar ? std::string(kVar) : tok[d]);
  // The most similar template in the leaf.
  size_t best = SIZE_MAX;
  double best_sim = -1;
  size_t best_vars = 0;
  for (size_t idx : n->templates) {
    const auto& t = all_[idx].tokens;
    size_t same = 0, vars = 0;
    for (size_t i = 0; i < t.size(); i++) {
      if (t[i] == kVar) {
        vars++;
        continue;
      }
      if (t[i] == tok[i]) same++;
    }
    double sim = tok.empty() ? 1.0 : static_cast<double>(same) / static_cast<double>(tok.size());
    if (sim > best_sim || (sim == best_sim && vars > best_vars)) {
      best = idx;
      best_sim = sim;
      best_vars = vars;
    }
  }
  if (best != SIZE_MAX && best_sim >= o_.similarity) {
    auto& t = all_[best];
    for (size_t i = 0; i < t.tokens.size(); i++) {
      if (t.tokens[i] == tok[i]) continue;
      // key=a and key=b: the key stays (key=<*>).
      size_t eq = tok[i].find('=');
      bool same_key = eq != std::string::npos && eq > 0 && t.tokens[i].compare(0, eq + 1, tok[i], 0, eq + 1) == 0;
      t.tokens[i] = same_key ? tok[i].substr(0, eq + 1) + std::string(kVar) : std::string(kVar);
    }
    t.count++;
    return;
  }
  if (all_.size() >= o_.max_templates) {
    overflow_++;
    return;
  }
  n->templates.push_back(all_.size());
  all_.push_back(LogTemplate{std::move(tok), 1, std::string((example.empty() ? line : example).substr(0, 4096))});
}

std::vector<LogTemplate> Drain::templates() const {
  std::vector<LogTemplate> out = all_;
  std::stable_sort(out.begin(), out.end(), [](const LogTemplate& a, const LogTemplate& b) { return a.count > b.count; });
  return out;
}

namespace {

std::string yaml_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string re_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}/#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// A group name PCRE2 accepts, unique among `used`.
std::string group_name(std::string_view want, std::vector<std::string>& used) {
  std::string g;
  for (char c : want)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_') g += c;
  if (g.empty() || is_digit(g[0])) g = "v" + g;
  if (g.size() > 32) g.resize(32);
  std::string name = g;
  for (int i = 2; std::find(used.begin(), used.end(), name) != used.end(); i++) name = g + std::to_string(i);
  used.push_back(name);
  return name;
}

}  // namespace

std::string family_skeleton(const LogTemplate& t, std::string_view program, const std::string& name) {
  size_t from = 0;
  if (!program.empty() && !t.tokens.empty() && t.tokens[0].compare(0, program.size(), program) == 0) from = 1;
  std::string regex, literal;
  size_t literal_score = 0;
  std::vector<std::string> used;
  for (size_t i = from; i < t.tokens.size(); i++) {
    const std::string& tok = t.tokens[i];
    if (!regex.empty()) regex += "\\s+";
    size_t v = tok.find(kVar);
    if (v == std::string::npos) {
      regex += re_escape(tok);
      bool word = std::all_of(tok.begin(), tok.end(), [](char c) {
        return c == '_' || c == '-' || static_cast<unsigned char>(c) >= 0x80 || std::isalnum(static_cast<unsigned char>(c));
      });
      size_t score = tok.size() * (word ? 2 : 1);
      if (tok.size() >= 3 && score > literal_score) {
        literal = tok;
        literal_score = score;
      }
      continue;
    }
    // The group's name: the key of key=<*>, else the word before it ("user <*>", "from <*>").
    size_t eq = tok.find('=');
    std::string prev = i > from && t.tokens[i - 1].find(kVar) == std::string::npos ? t.tokens[i - 1] : "";
    bool prev_word = !prev.empty() && prev.size() <= 16 &&
                     std::all_of(prev.begin(), prev.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; });
    std::string want = eq != std::string::npos && eq < v ? tok.substr(0, eq) : prev_word ? prev : "v" + std::to_string(used.size() + 1);
    std::string g = group_name(want, used);
    std::string after = tok.substr(v + kVar.size());
    regex += re_escape(tok.substr(0, v));
    regex += after.empty() ? "(?<" + g + ">\\S+)" : "(?<" + g + ">[^\\s" + re_escape(after.substr(0, 1)) + "]+)";
    regex += re_escape(after.find(kVar) == std::string::npos ? after : "");
  }
  std::string y;
  y += "# Started by `wardsec parsers suggest` from " + std::to_string(t.count) + " lines like the sample below.\n";
  y += "# Fill in the title, the vendor document the lines follow (source), the map from the groups to\n";
  y += "# ECS fields and the sample's fields; then `wardsec parsers test`. docs/parsers.md.\n";
  y += "family: " + name + "\n";
  y += "title: {zh: " + yaml_quote(name) + ", en: " + yaml_quote(name) + "}\n";
  y += "source: 'TODO: the vendor document these lines follow'\n";
  y += "dataset: " + name + ".log\n";
  y += "match:\n  - {";
  if (!program.empty()) y += "program: [" + yaml_quote(program) + "]" + (literal.empty() ? "" : ", ");
  if (!literal.empty()) y += "contains: " + yaml_quote(literal);
  if (program.empty() && literal.empty()) y += "regex: " + yaml_quote(regex);
  y += "}\n";
  y += "extract:\n  - regex: " + yaml_quote(regex) + "\n";
  y += "map: {}  # for example";
  for (const auto& g : used) y += " " + g + ": <ECS field>,";
  if (!used.empty()) y.pop_back();
  y += "\nsamples:\n  - line: " + yaml_quote(t.example) + "\n    fields: {event.dataset: " + name +
       ".log}  # and the fields the map gives\n";
  return y;
}

}  // namespace wardsec
