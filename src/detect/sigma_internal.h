// Internals shared by the Sigma loader (sigma.cc), its value compiler (sigma_values.cc), the
// condition grammar (sigma_condition.cc) and the evaluator (sigma_eval.cc).
#pragma once
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "detect/sigma.h"

namespace wardsec::detect::internal {

// The modifiers of one detection key (field|mod1|mod2...).
struct Mods {
  bool contains = false, startswith = false, endswith = false, all = false, base64 = false, base64off = false, re = false, re_i = false,
       re_m = false, re_s = false, cidr = false, exists = false, cased = false, fieldref = false, expand = false, windash = false,
       neq = false;
  int utf = 0;        // 1 le, 2 be, 3 with bom
  int time_part = 0;  // Matcher::time_part
  Matcher::Op num = Matcher::kEq;
  bool numeric = false;
};

// Reads the modifier names; the problem when one is unknown or they do not fit together.
std::optional<std::string> parse_mods(const std::vector<std::string>& names, Mods& m);
// One value of a detection item (after the modifiers) as its alternative matchers.
std::optional<std::string> compile_value(const YAML::Node& node, const Mods& m, const LoadOptions& opt, std::vector<Matcher>& out);
// Glob match of segments against text (text lower-cased by the caller unless cased).
bool match_segs(const std::vector<Matcher::Seg>& segs, size_t si, std::string_view t);

}  // namespace wardsec::detect::internal
