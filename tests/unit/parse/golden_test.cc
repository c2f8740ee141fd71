// Golden files: tests/golden/<format>/<case>.log holds input lines, <case>.expected.json the
// events they must become (one JSON object per line, event.created left out).
// WARDSEC_UPDATE_GOLDEN=1 rewrites the expectations; review the diff before committing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "search/search.h"
#include "test_util.h"

using namespace wardsec;
namespace fs = std::filesystem;

namespace {

std::string render(const std::string& line) {
  Event ev = test::decode(line);
  std::string j = search::event_to_json(ev);
  static const std::regex created(R"(,"event.created":"[^"]*")");
  return std::regex_replace(j, created, "");
}

}  // namespace

TEST(Golden, AllCases) {
  fs::path root = fs::path(test::source_dir()) / "tests" / "golden";
  bool update = std::getenv("WARDSEC_UPDATE_GOLDEN") != nullptr;
  int cases = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".log") continue;
    cases++;
    std::ifstream in(e.path());
    std::string line, got;
    while (std::getline(in, line))
      if (!line.empty()) got += render(line) + "\n";
    fs::path exp = e.path();
    exp.replace_extension(".expected.json");
    if (update) {
      std::ofstream(exp) << got;
      continue;
    }
    std::ifstream ein(exp);
    ASSERT_TRUE(ein) << exp << " missing: run with WARDSEC_UPDATE_GOLDEN=1 and review it";
    std::string want((std::istreambuf_iterator<char>(ein)), std::istreambuf_iterator<char>());
    EXPECT_EQ(got, want) << "golden mismatch for " << e.path();
  }
  EXPECT_GT(cases, 5);
}
