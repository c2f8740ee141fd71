// What incident response reads from outside, parsed and checked (fuzzed: tests/fuzz): the
// impact of an incident as JSON (the API, the record), and an evidence bundle's manifest.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "incident/grading.h"

namespace wardsec::incident {

std::string impact_json(const Impact& im);
// An error names the field: counts are whole numbers, 0 or more; levels 0-5.
Result<Impact> parse_impact(const std::string& json_text);

struct ManifestFile {
  std::string path, sha256;
  int64_t bytes = -1;  // -1: not given
};
// The files an evidence bundle's manifest.json lists. Paths are relative and stay inside the
// bundle (no "..", no leading "/", no NUL); an error names what is wrong.
Result<std::vector<ManifestFile>> parse_manifest(std::string_view json_text);

}  // namespace wardsec::incident
