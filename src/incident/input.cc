#include "incident/input.h"

#include <nlohmann/json.hpp>

namespace wardsec::incident {

using json = nlohmann::json;

std::string impact_json(const Impact& im) {
  json sys = json::array();
  for (const auto& [n, l] : im.systems) sys.push_back({{"name", n}, {"level", l}});
  return json{{"cii", im.cii},
              {"cii_whole_minutes", im.cii_whole_minutes},
              {"cii_main_minutes", im.cii_main_minutes},
              {"people_affected", im.people_affected},
              {"personal_info", im.personal_info},
              {"loss_yuan", im.loss_yuan},
              {"important_data", grade_name(im.important_data)},
              {"outage_minutes", im.outage_minutes},
              {"patient_records", im.patient_records},
              {"systems", sys}}
      .dump();
}

Result<Impact> parse_impact(const std::string& text) {
  Impact im;
  if (text.empty()) return im;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Error{"impact: not a JSON object"};
  auto num = [&](const char* k, int64_t& v) -> Status {
    if (!j.contains(k) || j[k].is_null()) return {};
    if (!j[k].is_number_integer() || j[k].get<int64_t>() < 0) return Error{std::string("impact.") + k + ": a whole number, 0 or more"};
    v = j[k].get<int64_t>();
    return {};
  };
  for (auto [k, v] : {std::pair{"cii_whole_minutes", &im.cii_whole_minutes},
                      {"cii_main_minutes", &im.cii_main_minutes},
                      {"people_affected", &im.people_affected},
                      {"personal_info", &im.personal_info},
                      {"loss_yuan", &im.loss_yuan},
                      {"outage_minutes", &im.outage_minutes},
                      {"patient_records", &im.patient_records}})
    if (auto st = num(k, *v); !st) return Error{st.error()};
  if (j.contains("cii")) {
    if (!j["cii"].is_boolean()) return Error{"impact.cii: true or false"};
    im.cii = j["cii"].get<bool>();
  }
  if (j.contains("important_data") && j["important_data"].is_string()) {
    auto g = parse_grade(j["important_data"].get<std::string>());
    if (!g) return Error{"impact.important_data: a grade name (ungraded, general, larger, major, special)"};
    im.important_data = *g;
  }
  if (j.contains("systems")) {
    if (!j["systems"].is_array()) return Error{"impact.systems: a list of {name, level}"};
    for (const auto& s : j["systems"]) {
      if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) return Error{"impact.systems: each needs a name"};
      int level = s.contains("level") && s["level"].is_number_integer() ? s["level"].get<int>() : 0;
      if (level < 0 || level > 5) return Error{"impact.systems: level is 0-5"};
      im.systems.emplace_back(s["name"].get<std::string>(), level);
    }
  }
  return im;
}

Result<std::vector<ManifestFile>> parse_manifest(std::string_view text) {
  json m = json::parse(text.begin(), text.end(), nullptr, false);
  if (!m.is_object() || !m.contains("files") || !m["files"].is_array()) return Error{"manifest.json: not a manifest (no files list)"};
  std::vector<ManifestFile> out;
  for (const auto& f : m["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("sha256") || !f["sha256"].is_string())
      return Error{"manifest.json: a file entry without path and sha256"};
    ManifestFile mf{f["path"].get<std::string>(), f["sha256"].get<std::string>(), -1};
    const std::string& p = mf.path;
    if (p.empty() || p[0] == '/' || p.find("..") != std::string::npos || p.find('\0') != std::string::npos)
      return Error{"manifest.json: \"" + p + "\" is a path outside the bundle"};
    if (f.contains("bytes")) {
      if (!f["bytes"].is_number_unsigned()) return Error{"manifest.json: " + p + ": bytes is not a size"};
      mf.bytes = static_cast<int64_t>(f["bytes"].get<uint64_t>() & 0x7fffffffffffffffULL);
    }
    out.push_back(std::move(mf));
  }
  return out;
}

}  // namespace wardsec::incident
