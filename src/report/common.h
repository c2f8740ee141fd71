// What the report documents share (private to src/report): the print stylesheet, the
// two-language word picker, and number formatting (times: local_time in core/timeutil.h).
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

}  // namespace wardsec::report::detail
