#include "detect/ruleset.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <functional>

namespace wardsec::detect {
namespace fs = std::filesystem;

Result<Mapping> Mapping::load(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  Mapping m;
  const YAML::Node list = root["logsources"];
  if (!list || !list.IsSequence()) return Error{path + ": expected a 'logsources' list"};
  for (const auto& item : list) {
    int line = item.Mark().line + 1;
    std::string where = path + ":" + std::to_string(line);
    const YAML::Node ls = item["logsource"];
    if (!ls || !ls.IsMap()) return Error{where + ": entry has no 'logsource' mapping"};
    SourceMapping s;
    auto get = [&](const char* k) { return ls[k] && ls[k].IsScalar() ? ls[k].Scalar() : std::string(); };
    s.logsource = {get("product"), get("service"), get("category")};
    s.events_text = item["events"] && item["events"].IsScalar() ? item["events"].Scalar() : "";
    auto q = search::Query::parse(s.events_text);
    if (auto* e = (q ? nullptr : &q.failure()))
      return Error{where + ": events query, column " + std::to_string(e->column) + ": " + e->message};
    s.events = std::make_shared<search::Query>(std::move(q.value()));
    if (const YAML::Node f = item["fields"]; f && f.IsMap())
      for (const auto& kv : f) s.fields[kv.first.Scalar()] = kv.second.Scalar();
    m.entries_.push_back(std::move(s));
  }
  return m;
}

const SourceMapping* Mapping::route(const LogSource& ls) const {
  const SourceMapping* best = nullptr;
  int best_keys = -1;
  for (const auto& e : entries_) {
    int keys = 0;
    bool ok = true;
    auto check = [&](const std::string& want, const std::string& have) {
      if (want.empty()) return;
      if (want != have) ok = false;
      keys++;
    };
    check(e.logsource.product, ls.product);
    check(e.logsource.service, ls.service);
    check(e.logsource.category, ls.category);
    if (ok && keys > best_keys) {
      best = &e;
      best_keys = keys;
    }
  }
  return best;
}

void RuleSet::add_path(const std::string& path, const LoadOptions& opt) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".yml" || ext == ".yaml")) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const auto& f : files) {
    auto r = load_rule_file(f, opt);
    for (auto& e : r.errors) errors_.push_back(std::move(e));
    for (auto& rule : r.rules) {
      LoadedRule lr;
      lr.source = mapping_.route(rule.logsource);
      lr.rule = std::move(rule);
      rules_.push_back(std::move(lr));
    }
    for (auto& c : r.correlations) pending_correlations_.push_back(std::move(c));
    for (auto& fl : r.filters) filters_.push_back(std::move(fl));
  }
  finished_ = false;
}

namespace {

// Renames a filter's detection references so they cannot clash with the rule's own names;
// the '_' prefix also keeps them out of the rule's "them".
std::unique_ptr<Condition> rename_refs(const Condition& c, const std::string& prefix) {
  auto out = std::make_unique<Condition>();
  out->kind = c.kind;
  out->name = c.name;
  if (c.kind == Condition::kRef) out->name = prefix + c.name;
  if (c.kind == Condition::kOneOf || c.kind == Condition::kAllOf) out->name = c.name == "them" ? prefix + "*" : prefix + c.name;
  for (const auto& k : c.kids) out->kids.push_back(rename_refs(*k, prefix));
  return out;
}

// Is a filter's logsource contained in a rule's (every key the filter names, equal)?
bool logsource_within(const LogSource& filter, const LogSource& rule) {
  auto ok = [](const std::string& f, const std::string& r) { return f.empty() || f == r; };
  return ok(filter.product, rule.product) && ok(filter.service, rule.service) && ok(filter.category, rule.category);
}

}  // namespace

void RuleSet::finish() {
  if (finished_) return;
  finished_ = true;
  // Filters, once each: they change rules in place, so a filter already applied is gone
  // from the pending list.
  std::map<std::string, std::vector<size_t>> by_ref;  // id and name -> rule indexes
  for (size_t i = 0; i < rules_.size(); i++) {
    if (!rules_[i].rule.id.empty()) by_ref[rules_[i].rule.id].push_back(i);
    if (!rules_[i].rule.name.empty()) by_ref[rules_[i].rule.name].push_back(i);
  }
  for (size_t fi = 0; fi < filters_.size(); fi++) {
    Filter& f = filters_[fi];
    if (!f.condition) continue;  // applied earlier
    std::vector<size_t> targets;
    if (f.any_rule) {
      for (size_t i = 0; i < rules_.size(); i++) targets.push_back(i);
    } else {
      for (const auto& ref : f.rules) {
        auto it = by_ref.find(ref);
        if (it == by_ref.end()) {
          errors_.push_back({f.file, f.line, "filter '" + f.title + "' names rule '" + ref + "', which is not loaded"});
          continue;
        }
        targets.insert(targets.end(), it->second.begin(), it->second.end());
      }
    }
    std::string prefix = "_filter" + std::to_string(fi) + "_";
    for (size_t i : targets) {
      Rule& r = rules_[i].rule;
      if (!logsource_within(f.logsource, r.logsource)) continue;
      for (const auto& [n, d] : f.detections) r.detections[prefix + n] = d;
      for (auto& c : r.conditions) {
        auto both = std::make_shared<Condition>();
        both->kind = Condition::kAnd;
        both->kids.push_back(std::make_unique<Condition>(std::move(*c)));
        both->kids.push_back(rename_refs(*f.condition, prefix));
        c = both;
      }
    }
    f.condition.reset();
  }
  // Correlations: references to rules (by id or name) or to other correlations.
  for (auto& c : pending_correlations_) {
    LoadedCorrelation lc;
    lc.corr = std::move(c);
    correlations_.push_back(std::move(lc));
  }
  pending_correlations_.clear();
  std::map<std::string, size_t> corr_by_ref;
  for (size_t i = 0; i < correlations_.size(); i++) {
    if (!correlations_[i].corr.id.empty()) corr_by_ref[correlations_[i].corr.id] = i;
    if (!correlations_[i].corr.name.empty()) corr_by_ref[correlations_[i].corr.name] = i;
  }
  std::vector<bool> bad(correlations_.size(), false);
  for (size_t ci = 0; ci < correlations_.size(); ci++) {
    LoadedCorrelation& lc = correlations_[ci];
    lc.refs.clear();
    for (size_t pos = 0; pos < lc.corr.rules.size(); pos++) {
      const std::string& ref = lc.corr.rules[pos];
      if (auto it = by_ref.find(ref); it != by_ref.end()) {
        for (size_t i : it->second) lc.refs.push_back({false, i, pos, rules_[i].rule.name});
      } else if (auto jt = corr_by_ref.find(ref); jt != corr_by_ref.end() && jt->second != ci) {
        lc.refs.push_back({true, jt->second, pos, correlations_[jt->second].corr.name});
      } else {
        errors_.push_back(
            {lc.corr.file, lc.corr.line, "correlation '" + lc.corr.title + "' names rule '" + ref + "', which is not loaded"});
        bad[ci] = true;
      }
    }
    for (const auto& [alias, per_rule] : lc.corr.aliases)
      for (const auto& rf : per_rule)
        if (const std::string& rname = rf.first;
            !std::any_of(lc.refs.begin(), lc.refs.end(), [&rname](const auto& r) { return r.name == rname; })) {
          errors_.push_back({lc.corr.file, lc.corr.line,
                             "alias '" + alias + "' names rule '" + rname + "', which the correlation does not reference by name"});
          bad[ci] = true;
        }
  }
  // Cycles (a correlation reaching itself through others) are errors.
  std::vector<int> state(correlations_.size(), 0);  // 0 new, 1 on the path, 2 done
  std::function<bool(size_t)> cyclic = [&](size_t i) {
    if (state[i] == 1) return true;
    if (state[i] == 2) return false;
    state[i] = 1;
    for (const auto& r : correlations_[i].refs)
      if (r.is_correlation && cyclic(r.index)) return true;
    state[i] = 2;
    return false;
  };
  for (size_t i = 0; i < correlations_.size(); i++) {
    std::fill(state.begin(), state.end(), 0);
    if (cyclic(i)) {
      errors_.push_back({correlations_[i].corr.file, correlations_[i].corr.line,
                         "correlation '" + correlations_[i].corr.title + "' references itself through other correlations"});
      bad[i] = true;
    }
  }
  // Dropping bad correlations renumbers the rest; references were by index, so resolve again.
  if (std::find(bad.begin(), bad.end(), true) != bad.end()) {
    std::vector<LoadedCorrelation> keep;
    for (size_t i = 0; i < correlations_.size(); i++)
      if (!bad[i]) keep.push_back(std::move(correlations_[i]));
    correlations_.clear();
    for (auto& k : keep) pending_correlations_.push_back(std::move(k.corr));
    finished_ = false;
    // A correlation that referenced a dropped one fails on the next pass with "not loaded",
    // which is true.
    finish();
    return;
  }
  // Who references whom, and which rules still raise alerts of their own.
  for (auto& r : rules_) {
    r.correlations.clear();
    r.standalone = true;
  }
  for (auto& c : correlations_) c.correlations.clear();
  std::vector<int> rule_gen(rules_.size(), 0), corr_gen(correlations_.size(), 0);  // 0 unreferenced, 1 hidden, 2 generate
  for (size_t ci = 0; ci < correlations_.size(); ci++) {
    int g = correlations_[ci].corr.generate ? 2 : 1;
    for (const auto& r : correlations_[ci].refs) {
      auto& slot = r.is_correlation ? corr_gen[r.index] : rule_gen[r.index];
      slot = std::max(slot, g);
      auto& users = r.is_correlation ? correlations_[r.index].correlations : rules_[r.index].correlations;
      if (std::find(users.begin(), users.end(), ci) == users.end()) users.push_back(ci);
    }
  }
  for (size_t i = 0; i < rules_.size(); i++) rules_[i].standalone = rule_gen[i] != 1;
  for (auto& r : rules_) {
    resolve_conditions(r.rule);
    // Every name this rule looks up, as written and as its logsource maps it.
    auto add = [&](const std::string& name) {
      if (name.empty()) return;
      fields_.add(name);
      if (r.source)
        if (auto m = r.source->fields.find(name); m != r.source->fields.end()) fields_.add(m->second);
    };
    for (const auto& [n, d] : r.rule.detections)
      for (const auto& alt : d.alternatives)
        for (const auto& t : alt) {
          add(t.field);
          for (const auto& v : t.values)
            for (const auto& m : v) add(m.other_field);
        }
  }
  for (const auto& c : correlations_)
    for (const auto& g : c.corr.group_by) fields_.add(g);
  for (size_t i = 0; i < correlations_.size(); i++) correlations_[i].standalone = corr_gen[i] != 1;
}

std::optional<std::string_view> RuleSet::lookup(size_t i, const Event& ev, const std::string& field) const {
  if (const SourceMapping* src = rules_[i].source) {
    auto m = src->fields.find(field);
    if (m != src->fields.end())
      if (auto v = fields_.lookup(ev, m->second)) return v;
  }
  return fields_.lookup(ev, field);
}

std::vector<size_t> RuleSet::match(const Event& ev, bool route_unmapped) const {
  std::vector<size_t> out;
  // Which routing entries accept this event: evaluated once per entry, not per rule.
  std::map<const SourceMapping*, bool> accepted;
  for (size_t i = 0; i < rules_.size(); i++) {
    const LoadedRule& lr = rules_[i];
    if (!lr.source && !route_unmapped) continue;
    if (lr.source) {
      auto it = accepted.find(lr.source);
      if (it == accepted.end()) it = accepted.emplace(lr.source, lr.source->events->matches(ev)).first;
      if (!it->second) continue;
    }
    FieldLookup lookup = [this, i](const Event& e, const std::string& field) { return this->lookup(i, e, field); };
    if (naive_match(lr.rule, ev, lookup)) out.push_back(i);
  }
  return out;
}

}  // namespace wardsec::detect
