// What the report documents share (private to src/report): the print stylesheet, the
// two-language word picker, and number and time formatting.
#pragma once
#include <cstdint>
#include <string>

namespace wardsec::report::detail {

extern const char* const kCss;

// One language's words; the report is in Chinese unless `en`.
struct Words {
  bool en;
  std::string operator()(const char* zh, const char* e) const { return en ? e : zh; }
};

std::string fixed(double v, int digits);
// Local date and time of a ns timestamp: "2026-11-29 20:40".
std::string local_time(int64_t ns, int tz_sec);

}  // namespace wardsec::report::detail
