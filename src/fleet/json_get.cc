#include "fleet/json_get.h"

#include <algorithm>

namespace wardsec::fleet {

std::string json_text(const nlohmann::json& j, const char* k, size_t max) {
  if (!j.is_object()) return "";
  auto it = j.find(k);
  if (it == j.end() || !it->is_string()) return "";
  std::string s = it->get<std::string>();
  if (s.size() > max) s.resize(max);
  return s;
}

int64_t json_int(const nlohmann::json& j, const char* k) {
  if (!j.is_object()) return 0;
  auto it = j.find(k);
  if (it == j.end() || !it->is_number()) return 0;
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (!(d > -9e18 && d < 9e18)) return 0;
    return static_cast<int64_t>(d);
  }
  return it->is_number_unsigned() ? static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), INT64_MAX)) : it->get<int64_t>();
}

}  // namespace wardsec::fleet
