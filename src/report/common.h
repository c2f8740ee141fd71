// What the report documents share (private to src/report): the print stylesheet, the
// two-language word picker, and number formatting (times: local_time in core/timeutil.h).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "core/result.h"

namespace wardsec::compliance {
struct ScoreResult;
}

namespace wardsec::report::detail {

extern const char* const kCss;

// One language's words; the report is in Chinese unless `en`.
struct Words {
  bool en;
  std::string operator()(const char* zh, const char* e) const { return en ? e : zh; }
};

std::string fixed(double v, int digits);
// A management record's field as text (a list joined with 、; "" when it is not recorded).
std::string record_text(const nlohmann::json& j, const char* key);
// An assessment's coverage as a paragraph ("测评进度：已测评 4 / 135 项（3.0%），尚未完成"), marked
// when items are open: reports show it before any score.
std::string coverage_line(const compliance::ScoreResult& sc, const Words& L);
// A conclusion in the report's language; a band of the hospital's own scoring.yaml as written.
std::string conclusion_words(const std::string& c, const Words& L);
// [from, to) of a month in local time (ns); an error names a month or year out of range.
Status month_range(int year, int month, int tz_sec, int64_t& from, int64_t& to);
// A monthly report's whole document: the print stylesheet (with statement cells in monospace),
// the title, the body, and the 编制/审核/批准 signature block.
std::string month_document(const Words& L, const std::string& title, const std::string& body);
// The names of a grading object and degree (GB/T 22240-2020) in the report's language.
std::string object_name(const std::string& key, const Words& L);
std::string degree_name(const std::string& key, const Words& L);

}  // namespace wardsec::report::detail
