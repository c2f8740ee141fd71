// What the kind files share (kinds.cc, kinds_filing.cc): field constructors and small readers.
#pragma once
#include <string>
#include <vector>

#include "mgmt/schema.h"

namespace wardsec::mgmt::kinds_detail {

using json = nlohmann::json;
using T = FieldType;

inline std::string s(const json& d, const char* k) { return d.contains(k) && d[k].is_string() ? d[k].get<std::string>() : ""; }
inline bool has(const json& d, const char* k) { return d.contains(k) && !d[k].is_null(); }

inline Kind named(std::string name, std::string zh, std::string en) {
  Kind k;
  k.name = std::move(name);
  k.zh = std::move(zh);
  k.en = std::move(en);
  return k;
}

inline Field text(std::string n, std::string zh, std::string en, bool req = false) {
  return {std::move(n), std::move(zh), std::move(en), T::kText, req, {}, 0, 0};
}
inline Field of(std::string n, std::string zh, std::string en, T t, bool req = false) {
  return {std::move(n), std::move(zh), std::move(en), t, req, {}, 0, 0};
}
inline Field choice(std::string n, std::string zh, std::string en, std::vector<std::string> opts, bool req = false) {
  return {std::move(n), std::move(zh), std::move(en), T::kEnum, req, std::move(opts), 0, 0};
}
inline Field number(std::string n, std::string zh, std::string en, double min, double max) {
  return {std::move(n), std::move(zh), std::move(en), T::kNumber, false, {}, min, max};
}

// A record is over once its end date has passed.
inline bool not_ended(const json& d, const char* end, const std::string& today) {
  std::string e = s(d, end);
  return e.empty() || e >= today;
}

// `b` is not before `a` (when both are given).
inline Status order(const json& d, const char* a, const char* b, const std::string& zh, const std::string& en) {
  if (!s(d, a).empty() && !s(d, b).empty() && s(d, b) < s(d, a)) return Error{zh + " / " + en};
  return {};
}

// The kinds of the filing and assessment cycle (kinds_filing.cc).
Kind unit();
Kind filing();
Kind data_asset();

}  // namespace wardsec::mgmt::kinds_detail
