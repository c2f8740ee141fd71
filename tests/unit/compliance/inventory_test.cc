// The inventory: RFC 4180 CSV (quotes, embedded commas and newlines, Excel's BOM), import
// checked row by row before anything is written, export that imports back the same, and the
// asset index that tells detection which graded system an event's host belongs to.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "compliance/inventory.h"
#include "test_util.h"

namespace wardsec::compliance {
namespace {

namespace fs = std::filesystem;

TEST(Csv, QuotesCommasNewlinesAndBom) {
  auto r = parse_csv("\xEF\xBB\xBFid,name\r\nhis,\"医院信息系统, HIS\"\n\"emr\",\"multi\nline \"\"quoted\"\"\"\n\n", "x.csv");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ((*r)[1][1], "医院信息系统, HIS");
  EXPECT_EQ((*r)[2][1], "multi\nline \"quoted\"");
  EXPECT_EQ(csv_line({"a", "b,c", "d\"e", "f\ng"}), "a,\"b,c\",\"d\"\"e\",\"f\ng\"");
  auto bad = parse_csv("a,b\n\"open,c\n", "y.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("y.csv:2: a quoted field is not closed"), std::string::npos) << bad.error();
  bad = parse_csv("a,b\nx\"y,z\n", "y.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("y.csv:2"), std::string::npos);
  bad = parse_csv("a\n\xff\xfe\n", "gbk.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("not UTF-8"), std::string::npos);
}

struct Db {
  std::string dir;
  std::unique_ptr<Inventory> inv;
  Db() {
    static int n = 0;
    dir = (fs::temp_directory_path() / ("wardsec-inv-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
    fs::create_directories(dir);
    inv = std::move(Inventory::open(dir + "/compliance.db").value());
  }
  ~Db() {
    inv.reset();
    fs::remove_all(dir);
  }
};

std::string read(const std::string& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Inventory, TheDemoHospitalImportsAndExportsRoundTrip) {
  Db db;
  std::string base = test::source_dir() + "/demo/hospital/";
  for (const char* kind : {"zones", "systems", "assets"}) {
    auto n = db.inv->import_csv(kind, read(base + kind + ".csv"), kind);
    ASSERT_TRUE(n.ok()) << n.error();
  }
  EXPECT_EQ(db.inv->zones()->size(), 7u);
  EXPECT_EQ(db.inv->systems()->size(), 10u);  // the ten graded systems of DEMO-HOSPITAL.md
  int level3 = 0;
  auto systems = db.inv->systems();  // a named Result: the loop must not outlive a temporary
  for (const auto& s : *systems) level3 += s.level == 3;
  EXPECT_EQ(level3, 7);
  // Export, import into a fresh inventory, export again: the same text.
  Db other;
  for (const char* kind : {"zones", "systems", "assets"}) {
    std::string csv = db.inv->export_csv(kind).value();
    ASSERT_TRUE(other.inv->import_csv(kind, csv, kind).ok());
    EXPECT_EQ(other.inv->export_csv(kind).value(), csv) << kind;
  }
}

TEST(Inventory, ABadRowWritesNothingAndIsNamed) {
  Db db;
  auto r = db.inv->import_csv("systems", "id,name,level\nhis,HIS,3\nemr,EMR,5\n", "s.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("s.csv: row 3: level must be 1 to 4"), std::string::npos) << r.error();
  EXPECT_TRUE(db.inv->systems()->empty());
  r = db.inv->import_csv("systems", "id,name\nhis,HIS\nhis,HIS again\n", "s.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("already on row 2"), std::string::npos) << r.error();
  r = db.inv->import_csv("zones", "name,cidr\ncore,10.20.0.0/33\n", "z.csv");
  ASSERT_FALSE(r.ok());
  r = db.inv->import_csv("assets", "ip\n10.0.0.1\n", "a.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("the column 'name' is required"), std::string::npos) << r.error();
  // An upsert replaces a row by its key.
  ASSERT_TRUE(db.inv->import_csv("systems", "id,name,level\nhis,HIS,2\n", "s.csv").ok());
  ASSERT_TRUE(db.inv->import_csv("systems", "id,name,level\nhis,医院信息系统,3\n", "s.csv").ok());
  ASSERT_EQ(db.inv->systems()->size(), 1u);
  EXPECT_EQ(db.inv->systems()->at(0).level, 3);
}

TEST(Inventory, AssetIndexFindsByHostOrAddress) {
  std::vector<Asset> assets = {{"HIS-DB-01", "10.20.0.13", "database", "core", "his", "", ""},
                               {"sw-core-01", "10.20.3.1", "network", "core", "", "", ""}};
  std::vector<System> systems = {{"his", "医院信息系统", "HIS", "his", 3, "", "", "", ""}};
  AssetIndex idx(assets, systems);
  auto h = idx.find("his-db-01", "");
  ASSERT_TRUE(h);
  ASSERT_NE(h->system, nullptr);
  EXPECT_EQ(h->system->level, 3);
  h = idx.find("", "10.20.3.1");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->system, nullptr);
  EXPECT_FALSE(idx.find("unknown", "10.9.9.9"));
}

}  // namespace
}  // namespace wardsec::compliance
