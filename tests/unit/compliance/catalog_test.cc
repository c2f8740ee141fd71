// The requirement catalog (catalog/gbt22239-2019.tsv): the counts per category and level that
// GB/T 22239-2019 has, stable unique ids, 28448 codes for the technical categories, and clear
// errors for a damaged file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "compliance/catalog.h"
#include "test_util.h"

namespace wardsec::compliance {
namespace {

namespace fs = std::filesystem;

const Catalog& shipped() {
  static Catalog c = [] {
    auto r = Catalog::load(test::source_dir() + "/catalog/gbt22239-2019.tsv");
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? std::move(r.value()) : Catalog{};
  }();
  return c;
}

std::map<std::string, int> per_category(int level) {
  std::map<std::string, int> n;
  for (const auto* r : shipped().at_level(level)) n[r->category_zh]++;
  return n;
}

TEST(Catalog, Level3Has211ItemsInTheStandardsCategories) {
  EXPECT_EQ(shipped().at_level(3).size(), 211u);
  std::map<std::string, int> want = {{"安全物理环境", 22}, {"安全通信网络", 8}, {"安全区域边界", 20}, {"安全计算环境", 34},
                                     {"安全管理中心", 12}, {"安全管理制度", 7}, {"安全管理机构", 14}, {"安全管理人员", 12},
                                     {"安全建设管理", 34}, {"安全运维管理", 48}};
  EXPECT_EQ(per_category(3), want);
}

TEST(Catalog, Level2Has135Items) {
  EXPECT_EQ(shipped().at_level(2).size(), 135u);
  std::map<std::string, int> want = {{"安全物理环境", 15}, {"安全通信网络", 4}, {"安全区域边界", 11}, {"安全计算环境", 23},
                                     {"安全管理中心", 4},  {"安全管理制度", 6}, {"安全管理机构", 9},  {"安全管理人员", 7},
                                     {"安全建设管理", 25}, {"安全运维管理", 31}};
  EXPECT_EQ(per_category(2), want);
}

TEST(Catalog, TechnicalItemsCarryTheir28448Codes) {
  std::set<std::string> codes;
  for (const auto& r : shipped().all()) {
    bool technical = r.category == "PE" || r.category == "CN" || r.category == "AB" || r.category == "CE" || r.category == "MC";
    EXPECT_EQ(!r.code_28448.empty(), technical) << r.id;
    if (!r.code_28448.empty()) EXPECT_TRUE(codes.insert(r.code_28448).second) << "duplicate code " << r.code_28448;
  }
  EXPECT_EQ(codes.size(), 96u);              // 22 + 8 + 20 + 34 + 12
  EXPECT_EQ(codes.count("L3-CES1-16"), 0u);  // the standard's numbering skips it
  ASSERT_NE(shipped().find("CE.IA.b"), nullptr);
  EXPECT_EQ(shipped().find("CE.IA.b")->code_28448, "L3-CES1-02");
  EXPECT_EQ(shipped().find("CE.IA.b")->control_point_zh, "身份鉴别");
  EXPECT_EQ(shipped().find("CE.IA.d")->level2, Requirement::kNo);  // two-factor: level 3 only
}

TEST(Catalog, DamagedFilesAreRefusedNamingLineAndColumn) {
  std::string dir = (fs::temp_directory_path() / ("wardsec-cat-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  std::ifstream in(test::source_dir() + "/catalog/gbt22239-2019.tsv");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  size_t first = 0;
  while (lines[first][0] == '#') first++;  // header at `first`, PE.LOC.a right after it
  ASSERT_EQ(lines[first + 1].rfind("PE.LOC.a\t", 0), 0u);
  auto write = [&](std::vector<std::string> ls) {
    std::ofstream(dir + "/c.tsv") << [&] {
      std::string s;
      for (auto& l : ls) s += l + "\n";
      return s;
    }();
    return Catalog::load(dir + "/c.tsv");
  };
  auto with = [&](size_t idx, const std::string& from, const std::string& to) {
    auto ls = lines;
    size_t p = ls[idx].find(from);
    EXPECT_NE(p, std::string::npos);
    ls[idx].replace(p, from.size(), to);
    return write(ls);
  };
  std::string item_line = std::to_string(first + 2);
  auto dup = lines;
  dup.insert(dup.begin() + static_cast<long>(first) + 2, lines[first + 1]);
  auto r = write(dup);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("already on line"), std::string::npos) << r.error();
  r = with(first + 1, "\tyes\t", "\tperhaps\t");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("c.tsv:" + item_line + ", column 7 (level3)"), std::string::npos) << r.error();
  r = with(first + 1, "\tPE\t", "\tXX\t");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("unknown category 'XX'"), std::string::npos) << r.error();
  r = with(first, "summary", "text");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("header column 12 must be 'summary'"), std::string::npos) << r.error();
  auto cut = lines;
  cut[first + 1] = cut[first + 1].substr(0, cut[first + 1].rfind('\t'));
  r = write(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("15 columns, expected 16"), std::string::npos) << r.error();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace wardsec::compliance
