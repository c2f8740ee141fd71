#include "detect/ruleset.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

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
    if (auto* e = std::get_if<search::QueryError>(&q))
      return Error{where + ": events query, column " + std::to_string(e->column) + ": " + e->message};
    s.events = std::make_shared<search::Query>(std::move(std::get<search::Query>(q)));
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
  }
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
    const SourceMapping* src = lr.source;
    FieldLookup lookup = [src](const Event& e, const std::string& field) -> std::optional<std::string_view> {
      if (src) {
        auto m = src->fields.find(field);
        if (m != src->fields.end()) {
          if (auto v = default_lookup(e, m->second)) return v;
        }
      }
      return default_lookup(e, field);
    };
    if (naive_match(lr.rule, ev, lookup)) out.push_back(i);
  }
  return out;
}

}  // namespace wardsec::detect
