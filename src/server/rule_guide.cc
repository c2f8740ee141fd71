#include "server/rule_guide.h"

#include <fstream>

#include <spdlog/spdlog.h>

#include "core/strutil.h"

namespace wardsec::server {

namespace {

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return s;
}

nlohmann::json text_json(const detect::RuleText& t) {
  return {
      {"title", t.title}, {"description", t.description}, {"falsepositives", t.falsepositives}, {"check", t.check}, {"respond", t.respond}};
}

template <class R>
nlohmann::json texts(const RuleGuide& g, const R& r, const std::string& kind, bool standalone) {
  nlohmann::json tags = nlohmann::json::array();
  for (const auto& t : r.tags) tags.push_back(g.tag(t));
  return {{"id", r.id.empty() ? r.title : r.id},
          {"name", r.name},
          {"level", r.level},
          {"kind", kind},
          {"standalone", standalone},
          {"file", r.file},
          {"en", text_json(r.en)},
          {"zh", text_json(r.zh)},
          {"tags", tags}};
}

}  // namespace

RuleGuide::RuleGuide(const detect::RuleSet* rules, const std::string& attack_file, const std::string& catalog_file) : rules_(rules) {
  std::ifstream in(attack_file);
  if (!in) spdlog::warn("ATT&CK names: cannot read {}; tags are shown by id", attack_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("id\t", 0) == 0) continue;
    auto cols = split_view(line, '\t');
    if (cols.size() >= 3) attack_[to_lower(cols[0])] = {std::string(cols[1]), std::string(cols[2])};
  }
  if (catalog_file.empty()) return;
  auto cat = compliance::Catalog::load(catalog_file);
  if (cat)
    catalog_ = std::move(cat.value());
  else
    spdlog::warn("rule tags: {}; 等保 controls are shown by id", cat.error());
}

nlohmann::json RuleGuide::tag(const std::string& t) const {
  nlohmann::json j = {{"tag", t}, {"kind", "other"}, {"code", t}, {"zh", ""}, {"en", ""}};
  if (t.rfind("attack.", 0) == 0) {
    std::string id = to_lower(t.substr(7));
    j["kind"] = "attack";
    j["code"] = id.size() > 1 && id[0] == 't' && is_digit(id[1]) ? upper(id) : id;
    if (auto it = attack_.find(id); it != attack_.end()) {
      j["zh"] = it->second.first;
      j["en"] = it->second.second;
    }
  } else if (t.rfind("mlps.", 0) == 0) {
    // mlps.l3-ces1-02: a GB/T 28448 test unit; mlps.ce.ia.b: a catalog id (CE.IA.b)
    std::string c = t.substr(5);
    j["kind"] = "mlps";
    const compliance::Requirement* req = nullptr;
    if (catalog_) {
      std::string code = upper(c);
      for (const auto& r : catalog_->all())
        if ((!r.code_28448.empty() && r.code_28448 == code) || to_lower(r.id) == to_lower(c)) {
          req = &r;
          break;
        }
    }
    j["code"] = req ? (c.find('-') != std::string::npos ? req->code_28448 : req->id) : upper(c);
    if (req) {
      j["zh"] = req->category_zh + " · " + req->control_point_zh;
      j["en"] = req->control_point_en;
      j["item"] = req->id;
      j["summary"] = req->summary;
    }
  }
  return j;
}

std::optional<nlohmann::json> RuleGuide::rule(const std::string& id) const {
  if (!rules_) return std::nullopt;
  for (const auto& lr : rules_->rules()) {
    const auto& r = lr.rule;
    if (r.id == id || (r.id.empty() && r.title == id)) return texts(*this, r, "rule", lr.standalone);
  }
  for (const auto& lc : rules_->correlations()) {
    const auto& c = lc.corr;
    if (c.id == id || (c.id.empty() && c.title == id)) return texts(*this, c, detect::Correlation::type_name(c.type), lc.standalone);
  }
  return std::nullopt;
}

nlohmann::json RuleGuide::list() const {
  nlohmann::json out = nlohmann::json::array();
  if (!rules_) return out;
  auto add = [&](const auto& r, const std::string& kind) {
    out.push_back(
        {{"id", r.id.empty() ? r.title : r.id}, {"level", r.level}, {"kind", kind}, {"title", r.title}, {"title_zh", r.zh.title}});
  };
  for (const auto& lr : rules_->rules())
    if (lr.standalone) add(lr.rule, "rule");
  for (const auto& lc : rules_->correlations())
    if (lc.standalone) add(lc.corr, detect::Correlation::type_name(lc.corr.type));
  return out;
}

}  // namespace wardsec::server
