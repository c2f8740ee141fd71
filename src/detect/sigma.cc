#include "detect/sigma.h"
#include "detect/sigma_internal.h"

#include "core/timeutil.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <unordered_map>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace wardsec::detect {

std::string LoadError::to_string() const { return file + (line ? ":" + std::to_string(line) : std::string()) + ": " + reason; }

using internal::compile_value;
using internal::Mods;
using internal::parse_mods;

namespace {

struct RuleError {
  int line;
  std::string reason;
};

// ---- detections --------------------------------------------------------------------------

std::optional<RuleError> compile_map(const YAML::Node& map, const LoadOptions& opt, std::vector<FieldTest>& out) {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    std::vector<std::string> parts;
    size_t p = 0;
    while (true) {
      size_t bar = key.find('|', p);
      parts.push_back(key.substr(p, bar == std::string::npos ? std::string::npos : bar - p));
      if (bar == std::string::npos) break;
      p = bar + 1;
    }
    FieldTest t;
    t.field = parts[0];
    Mods m;
    if (auto e = parse_mods(std::vector<std::string>(parts.begin() + 1, parts.end()), m))
      return RuleError{kv.first.Mark().line + 1, "'" + key + "': " + *e};
    t.all = m.all;
    t.negate = m.neq;
    if (m.time_part && (m.contains || m.startswith || m.endswith || m.re || m.cidr || m.base64 || m.base64off || m.utf))
      return RuleError{kv.first.Mark().line + 1, "'" + key + "': time modifiers combine only with lt, lte, gt, gte"};
    const YAML::Node& v = kv.second;
    auto add = [&](const YAML::Node& one) -> std::optional<RuleError> {
      std::vector<Matcher> alts;
      if (auto e = compile_value(one, m, opt, alts)) return RuleError{one.Mark().line + 1, "'" + key + "': " + *e};
      for (auto& x : alts)
        if (x.kind == Matcher::kTime) x.event_time = t.field == "@timestamp";
      t.values.push_back(std::move(alts));
      return std::nullopt;
    };
    if (v.IsSequence()) {
      if (v.size() == 0) return RuleError{kv.first.Mark().line + 1, "'" + key + "': empty list of values"};
      for (const auto& one : v)
        if (auto e = add(one)) return e;
    } else if (v.IsMap()) {
      return RuleError{kv.first.Mark().line + 1, "'" + key + "': a value cannot be a mapping"};
    } else if (auto e = add(v)) {
      return e;
    }
    out.push_back(std::move(t));
  }
  return std::nullopt;
}

std::optional<RuleError> compile_detection(const YAML::Node& node, const LoadOptions& opt, Detection& d) {
  if (node.IsMap()) {
    std::vector<FieldTest> tests;
    if (auto e = compile_map(node, opt, tests)) return e;
    d.alternatives.push_back(std::move(tests));
    return std::nullopt;
  }
  if (node.IsSequence()) {
    // A list of maps (OR), or a list of keywords (field-less values, OR).
    FieldTest keywords;
    for (const auto& item : node) {
      if (item.IsMap()) {
        std::vector<FieldTest> tests;
        if (auto e = compile_map(item, opt, tests)) return e;
        d.alternatives.push_back(std::move(tests));
      } else if (item.IsScalar() || item.IsNull()) {
        std::vector<Matcher> alts;
        Mods m;
        m.contains = true;  // keywords match anywhere in the text
        if (auto e = compile_value(item, m, opt, alts)) return RuleError{item.Mark().line + 1, *e};
        keywords.values.push_back(std::move(alts));
      } else {
        return RuleError{item.Mark().line + 1, "a detection list holds maps or keywords"};
      }
    }
    if (!keywords.values.empty()) d.alternatives.push_back({std::move(keywords)});
    return std::nullopt;
  }
  if (node.IsScalar()) {
    FieldTest keywords;
    std::vector<Matcher> alts;
    Mods m;
    m.contains = true;
    if (auto e = compile_value(node, m, opt, alts)) return RuleError{node.Mark().line + 1, *e};
    keywords.values.push_back(std::move(alts));
    d.alternatives.push_back({std::move(keywords)});
    return std::nullopt;
  }
  return RuleError{node.Mark().line + 1, "a detection must be a map, a list or a keyword"};
}

std::optional<std::string> check_refs(const Condition& c, const std::map<std::string, Detection>& dets) {
  if (c.kind == Condition::kRef && !dets.count(c.name)) return "condition names '" + c.name + "', which is not a detection";
  if (c.kind == Condition::kOneOf || c.kind == Condition::kAllOf) {
    bool any = false;
    for (const auto& [n, d] : dets) any = any || detection_name_matches(n, c.name);
    if (!any) return "condition pattern '" + c.name + "' matches no detection";
  }
  for (const auto& k : c.kids)
    if (auto e = check_refs(*k, dets)) return e;
  return std::nullopt;
}

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x.Scalar());
  return out;
}

std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

// A rule's texts in English (its Sigma fields and `triage`) and Chinese (its `zh` block).
void load_texts(const YAML::Node& doc, RuleText& en, RuleText& zh) {
  auto one = [](const YAML::Node& n, const YAML::Node& triage, RuleText& t) {
    t.title = scalar(n["title"]);
    t.description = scalar(n["description"]);
    t.falsepositives = string_list(n["falsepositives"]);
    if (triage && triage.IsMap()) {
      t.check = string_list(triage["check"]);
      t.respond = string_list(triage["respond"]);
    }
  };
  one(doc, doc["triage"], en);
  const YAML::Node z = doc["zh"];
  if (z && z.IsMap()) one(z, z, zh);
}

// Detections of a map (a rule's `detection` or a filter's `filter`), leaving out the keys
// that are not detections; returns the condition node.
std::optional<RuleError> load_detections(const YAML::Node& det, const LoadOptions& opt, std::map<std::string, Detection>& out,
                                         YAML::Node& cond, std::initializer_list<const char*> skip) {
  for (const auto& kv : det) {
    std::string name = kv.first.Scalar();
    if (name == "condition") {
      cond = kv.second;
      continue;
    }
    if (std::any_of(skip.begin(), skip.end(), [&](const char* k) { return name == k; })) continue;
    Detection d;
    if (auto e = compile_detection(kv.second, opt, d)) return e;
    out.emplace(name, std::move(d));
  }
  return std::nullopt;
}

std::optional<RuleError> load_rule(const YAML::Node& doc, const LoadOptions& opt, Rule& r) {
  r.id = scalar(doc["id"]);
  r.name = scalar(doc["name"]);
  r.title = scalar(doc["title"]);
  r.status = scalar(doc["status"]);
  r.level = scalar(doc["level"]);
  r.description = scalar(doc["description"]);
  r.tags = string_list(doc["tags"]);
  load_texts(doc, r.en, r.zh);
  if (r.title.empty()) return RuleError{doc.Mark().line + 1, "rule has no title"};
  const YAML::Node ls = doc["logsource"];
  if (!ls || !ls.IsMap()) return RuleError{doc.Mark().line + 1, "rule has no logsource"};
  r.logsource = {scalar(ls["product"]), scalar(ls["service"]), scalar(ls["category"])};
  const YAML::Node det = doc["detection"];
  if (!det || !det.IsMap()) return RuleError{doc.Mark().line + 1, "rule has no detection"};
  YAML::Node cond;
  // timeframe: legacy; correlation rules carry time windows
  if (auto e = load_detections(det, opt, r.detections, cond, {"timeframe"})) return e;
  if (!cond) return RuleError{det.Mark().line + 1, "detection has no condition"};
  std::vector<std::string> conds;
  if (cond.IsScalar())
    conds.push_back(cond.Scalar());
  else if (cond.IsSequence())
    conds = string_list(cond);
  if (conds.empty()) return RuleError{cond.Mark().line + 1, "condition must be a string or a list of strings"};
  for (const auto& c : conds) {
    auto parsed = parse_condition(c);
    if (!parsed) return RuleError{cond.Mark().line + 1, "condition '" + c + "': " + parsed.error()};
    if (auto e = check_refs(**parsed, r.detections)) return RuleError{cond.Mark().line + 1, *e};
    r.conditions.push_back(std::shared_ptr<Condition>(std::move(parsed.value())));
  }
  return std::nullopt;
}

std::optional<RuleError> load_filter(const YAML::Node& doc, const LoadOptions& opt, Filter& f) {
  f.id = scalar(doc["id"]);
  f.title = scalar(doc["title"]);
  f.line = doc.Mark().line + 1;
  if (f.title.empty()) return RuleError{f.line, "filter has no title"};
  const YAML::Node ls = doc["logsource"];
  if (!ls || !ls.IsMap()) return RuleError{f.line, "filter has no logsource"};
  f.logsource = {scalar(ls["product"]), scalar(ls["service"]), scalar(ls["category"])};
  const YAML::Node body = doc["filter"];
  if (!body.IsMap()) return RuleError{body.Mark().line + 1, "'filter' must be a mapping"};
  const YAML::Node rules = body["rules"];
  if (!rules) return RuleError{body.Mark().line + 1, "filter has no 'rules' (a list of rule ids or names, or 'any')"};
  if (rules.IsScalar()) {
    const std::string& v = rules.Scalar();
    if (v == "any" || v == "all")
      f.any_rule = true;
    else
      f.rules.push_back(v);
  } else if (rules.IsSequence()) {
    f.rules = string_list(rules);
    f.any_rule = f.rules.empty();
  } else {
    return RuleError{rules.Mark().line + 1, "filter 'rules' must be a list of rule ids or names, or 'any'"};
  }
  YAML::Node cond;
  if (auto e = load_detections(body, opt, f.detections, cond, {"rules"})) return e;
  if (!cond || !cond.IsScalar()) return RuleError{body.Mark().line + 1, "filter condition must be one string"};
  auto parsed = parse_condition(cond.Scalar());
  if (!parsed) return RuleError{cond.Mark().line + 1, "condition '" + cond.Scalar() + "': " + parsed.error()};
  if (auto e = check_refs(**parsed, f.detections)) return RuleError{cond.Mark().line + 1, *e};
  f.condition = std::shared_ptr<Condition>(std::move(parsed.value()));
  return std::nullopt;
}

std::optional<RuleError> load_correlation(const YAML::Node& doc, Correlation& c) {
  c.id = scalar(doc["id"]);
  c.name = scalar(doc["name"]);
  c.title = scalar(doc["title"]);
  c.status = scalar(doc["status"]);
  c.level = scalar(doc["level"]);
  c.description = scalar(doc["description"]);
  c.tags = string_list(doc["tags"]);
  load_texts(doc, c.en, c.zh);
  c.line = doc.Mark().line + 1;
  if (c.title.empty()) return RuleError{c.line, "correlation rule has no title"};
  const YAML::Node body = doc["correlation"];
  if (!body.IsMap()) return RuleError{body.Mark().line + 1, "'correlation' must be a mapping"};
  auto at = [&](const char* k) { return body[k] ? body[k].Mark().line + 1 : body.Mark().line + 1; };
  std::string type = scalar(body["type"]);
  static const std::pair<const char*, Correlation::Type> kTypes[] = {
      {"event_count", Correlation::kEventCount}, {"value_count", Correlation::kValueCount},
      {"temporal", Correlation::kTemporal},      {"temporal_ordered", Correlation::kTemporalOrdered},
      {"value_sum", Correlation::kValueSum},     {"value_avg", Correlation::kValueAvg}};
  bool known = false;
  for (const auto& [n, t] : kTypes)
    if (type == n) {
      c.type = t;
      known = true;
    }
  if (!known) return RuleError{at("type"), type.empty() ? "correlation has no type" : "unsupported correlation type '" + type + "'"};
  const YAML::Node rules = body["rules"];
  if (rules && rules.IsScalar())
    c.rules.push_back(rules.Scalar());
  else
    c.rules = string_list(rules);
  if (c.rules.empty()) return RuleError{at("rules"), "correlation names no rules"};
  const YAML::Node gb = body["group-by"];
  if (gb && gb.IsScalar())
    c.group_by.push_back(gb.Scalar());
  else if (gb && !gb.IsSequence())
    return RuleError{at("group-by"), "group-by must be a list of fields"};
  else
    c.group_by = string_list(gb);
  if (const YAML::Node al = body["aliases"]; al) {
    if (!al.IsMap()) return RuleError{at("aliases"), "aliases must map alias names to {rule name: field}"};
    for (const auto& kv : al) {
      if (!kv.second.IsMap()) return RuleError{kv.first.Mark().line + 1, "alias '" + kv.first.Scalar() + "' must map rule names to fields"};
      for (const auto& rf : kv.second) c.aliases[kv.first.Scalar()][rf.first.Scalar()] = scalar(rf.second);
    }
  }
  std::string ts = scalar(body["timespan"]);
  if (ts.empty()) ts = scalar(body["timeframe"]);  // the draft name
  auto span = parse_timespan(ts);
  if (!span)
    return RuleError{at("timespan"),
                     ts.empty() ? "correlation has no timespan" : "timespan '" + ts + "' is not a number followed by s, m, h or d"};
  c.timespan_ns = *span;
  const YAML::Node cond = body["condition"];
  bool temporal = c.type == Correlation::kTemporal || c.type == Correlation::kTemporalOrdered;
  if (cond) {
    if (!cond.IsMap()) return RuleError{at("condition"), "correlation condition must be a mapping such as {gte: 10}"};
    static const std::pair<const char*, Correlation::Op> kOps[] = {{"gt", Correlation::kGt}, {"gte", Correlation::kGte},
                                                                   {"lt", Correlation::kLt}, {"lte", Correlation::kLte},
                                                                   {"eq", Correlation::kEq}, {"neq", Correlation::kNeq}};
    for (const auto& kv : cond) {
      std::string k = kv.first.Scalar();
      int line = kv.first.Mark().line + 1;
      if (k == "field") {
        if (kv.second.IsScalar())
          c.field = kv.second.Scalar();
        else
          return RuleError{line, "condition field must be one field name"};
        continue;
      }
      const Correlation::Op* op = nullptr;
      for (const auto& [n, o] : kOps)
        if (k == n) op = &o;
      if (!op) return RuleError{line, "unknown correlation condition '" + k + "' (gt, gte, lt, lte, eq, neq, field)"};
      std::string v = scalar(kv.second);
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end) return RuleError{line, "condition '" + k + "' needs a number, not '" + v + "'"};
      c.condition.emplace_back(*op, d);
    }
  } else if (!temporal) {
    return RuleError{body.Mark().line + 1, std::string(Correlation::type_name(c.type)) + " correlation has no condition"};
  }
  if (!temporal && c.condition.empty()) return RuleError{at("condition"), "correlation condition has no bound (gt, gte, lt, lte, eq, neq)"};
  bool needs_field = c.type == Correlation::kValueCount || c.type == Correlation::kValueSum || c.type == Correlation::kValueAvg;
  if (needs_field && c.field.empty())
    return RuleError{at("condition"), std::string(Correlation::type_name(c.type)) + " correlation needs condition.field"};
  if (const YAML::Node g = body["generate"]; g)
    c.generate = scalar(g) == "true";
  else if (const YAML::Node g2 = doc["generate"]; g2)
    c.generate = scalar(g2) == "true";
  return std::nullopt;
}

}  // namespace

const char* Correlation::type_name(Type t) {
  switch (t) {
    case kEventCount: return "event_count";
    case kValueCount: return "value_count";
    case kTemporal: return "temporal";
    case kTemporalOrdered: return "temporal_ordered";
    case kValueSum: return "value_sum";
    case kValueAvg: return "value_avg";
  }
  return "?";
}

bool correlation_condition_holds(const Correlation& c, double v) {
  for (const auto& [op, b] : c.condition) {
    bool ok = op == Correlation::kGt    ? v > b
              : op == Correlation::kGte ? v >= b
              : op == Correlation::kLt  ? v < b
              : op == Correlation::kLte ? v <= b
              : op == Correlation::kEq  ? v == b
                                        : v != b;
    if (!ok) return false;
  }
  return true;
}

std::optional<int64_t> parse_timespan(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  int64_t n = 0;
  for (char ch : s.substr(0, s.size() - 1)) {
    if (ch < '0' || ch > '9' || n > 100000000) return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  if (n <= 0) return std::nullopt;
  return n * unit * 1000000000LL;
}

std::vector<std::string> split_json_objects(std::string_view t) {
  std::vector<std::string> out;
  int depth = 0;
  bool in_str = false, esc = false;
  size_t start = 0;
  for (size_t i = 0; i < t.size(); i++) {
    char c = t[i];
    if (in_str) {
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '{') {
      if (depth == 0) start = i;
      depth++;
    } else if (c == '}' && depth > 0) {
      if (--depth == 0) out.emplace_back(t.substr(start, i - start + 1));
    }
  }
  return out;
}

LoadResult load_rule_text(const std::string& text, const std::string& name, const LoadOptions& opt) {
  LoadResult res;
  // Sigma rules are UTF-8. yaml-cpp 0.7 also loops forever (producing empty documents until
  // memory runs out) on some invalid UTF-8, so this check is a guard as well.
  if (size_t bad = utf8_error_offset(text); bad != std::string_view::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    res.errors.push_back({name, line, "the file is not valid UTF-8 (byte " + std::to_string(bad) + ")"});
    return res;
  }
  // Control characters are not allowed in YAML (outside tab, CR, LF); yaml-cpp 0.7 can also
  // loop forever on them (a NUL inside a quoted scalar, found by fuzzing).
  for (size_t i = 0; i < text.size(); i++) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(i), '\n'));
      res.errors.push_back(
          {name, line, "control character 0x" + hex(&text[i], 1) + " at byte " + std::to_string(i) + " is not allowed in YAML"});
      return res;
    }
  }
  // Documents are split at "---" lines and loaded one by one: yaml-cpp 0.7's LoadAll can loop
  // forever on malformed input (an unterminated quote, found by fuzzing). Each part keeps its
  // place in the file (leading blank lines), so line numbers stay right.
  std::vector<YAML::Node> docs;
  {
    std::vector<std::pair<size_t, std::string>> parts;  // (first line, text)
    std::string cur;
    size_t line = 0, start = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view l = std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      bool marker = l.substr(0, 3) == "---" && (l.size() == 3 || l[3] == ' ' || l[3] == '\r' || l[3] == '#');
      if (marker) {
        parts.emplace_back(start, std::move(cur));
        cur.clear();
        start = line + 1;
      } else {
        cur.append(l).push_back('\n');
      }
      line++;
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    parts.emplace_back(start, std::move(cur));
    for (auto& [first, body] : parts) {
      if (trim(body).empty()) continue;
      try {
        docs.push_back(YAML::Load(std::string(first, '\n') + body));
      } catch (const YAML::Exception& e) {
        res.errors.push_back({name, e.mark.line + 1, "YAML: " + e.msg});
      }
    }
  }
  // Sigma "rule collections": a document with action: global is merged into the ones after it.
  YAML::Node global;
  for (const auto& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    if (!doc.IsMap()) {
      res.errors.push_back({name, doc.Mark().line + 1, "a rule document must be a mapping"});
      continue;
    }
    try {
      if (doc["correlation"]) {
        Correlation c;
        c.file = name;
        if (auto e = load_correlation(doc, c))
          res.errors.push_back({name, e->line, e->reason});
        else
          res.correlations.push_back(std::move(c));
        continue;
      }
      if (doc["filter"] && !doc["detection"]) {
        Filter f;
        f.file = name;
        if (auto e = load_filter(doc, opt, f))
          res.errors.push_back({name, e->line, e->reason});
        else
          res.filters.push_back(std::move(f));
        continue;
      }
    } catch (const YAML::Exception& e) {
      res.errors.push_back({name, e.mark.line + 1, "YAML: " + e.msg});
      continue;
    }
    std::string action = scalar(doc["action"]);
    if (action == "global") {
      global = YAML::Clone(doc);
      continue;
    }
    if (action == "reset") {
      global = YAML::Node();
      continue;
    }
    YAML::Node merged = doc;
    if (global.IsMap()) {
      merged = YAML::Clone(global);
      for (const auto& kv : doc) merged[kv.first.Scalar()] = kv.second;
    }
    Rule r;
    r.file = name;
    try {
      if (auto e = load_rule(merged, opt, r)) {
        res.errors.push_back({name, e->line, e->reason});
        continue;
      }
    } catch (const YAML::Exception& e) {
      res.errors.push_back({name, e.mark.line + 1, "YAML: " + e.msg});
      continue;
    }
    res.rules.push_back(std::move(r));
  }
  return res;
}

LoadResult load_rule_file(const std::string& path, const LoadOptions& opt) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back({path, 0, "cannot read the file"});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_rule_text(ss.str(), path, opt);
}

}  // namespace wardsec::detect
