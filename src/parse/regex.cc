#include "parse/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace wardsec {

Result<RegexPtr> Regex::compile(std::string_view pattern, const std::string& where) {
  int err = 0;
  PCRE2_SIZE off = 0;
  std::shared_ptr<Regex> re(new Regex());
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF, &err, &off, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return Error{where + ": regex '" + std::string(pattern) + "' at " + std::to_string(off) + ": " + reinterpret_cast<const char*>(msg)};
  }
  re->code_ = code;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &re->groups_);
  if (re->groups_ > kMaxGroups)
    return Error{where + ": regex '" + std::string(pattern) + "' has " + std::to_string(re->groups_) + " groups, at most " +
                 std::to_string(kMaxGroups)};
  uint32_t count = 0, size = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
  pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size);
  pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
  for (uint32_t i = 0; i < count; i++) {
    const unsigned char* e = table + static_cast<size_t>(i) * size;
    re->names_.emplace_back(reinterpret_cast<const char*>(e + 2), static_cast<uint32_t>((e[0] << 8) | e[1]));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // a pattern JIT refuses still runs interpreted
  return RegexPtr(std::move(re));
}

Regex::~Regex() {
  if (code_) pcre2_code_free(static_cast<pcre2_code*>(code_));
}

bool Regex::search(std::string_view s, bool checked, std::vector<std::string_view>* groups) const {
  // One match block per thread, big enough for any pattern compile() accepts.
  struct Md {
    pcre2_match_data* md = pcre2_match_data_create(kMaxGroups + 1, nullptr);
    ~Md() { pcre2_match_data_free(md); }
  };
  thread_local Md block;
  if (!block.md) return false;
  int rc = pcre2_match(static_cast<const pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0,
                       checked ? PCRE2_NO_UTF_CHECK : 0, block.md, nullptr);
  if (rc <= 0) return false;  // no match, or an error (a line that is not UTF-8)
  if (groups) {
    groups->assign(groups_ + 1, std::string_view{});
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(block.md);
    for (uint32_t n = 0; n <= groups_ && n < static_cast<uint32_t>(rc); n++)
      if (ov[2 * n] != PCRE2_UNSET) (*groups)[n] = s.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
  }
  return true;
}

}  // namespace wardsec
