// PCRE2 (JIT) as the device families and the multi-line rules use it: compiled once at load (an
// error names where the pattern came from), searched with a match block of the thread's, so
// many decode threads share one compiled pattern.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wardsec {

class Regex {
 public:
  static constexpr uint32_t kMaxGroups = 128;  // more capture groups is a load error

  // UTF-8 mode. `where`: "file" or "file:line: key", put before the error.
  static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Whether `s` holds a match. `checked`: `s` is known to be valid UTF-8, so PCRE2 need not
  // check it again (the Decoder flags a line that is not); unchecked, a line that is not valid
  // UTF-8 matches nothing. With `groups`, on a match (*groups)[n] is group n's text (empty when
  // the group did not take part), for n up to group_count().
  bool search(std::string_view s, bool checked = false, std::vector<std::string_view>* groups = nullptr) const;

  uint32_t group_count() const { return groups_; }
  // The named groups: (name, number), in the pattern's name table order.
  const std::vector<std::pair<std::string, uint32_t>>& names() const { return names_; }

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code*
  uint32_t groups_ = 0;
  std::vector<std::pair<std::string, uint32_t>> names_;
};

using RegexPtr = std::shared_ptr<const Regex>;

}  // namespace wardsec
