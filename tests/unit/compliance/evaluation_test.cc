// The assessment cycle: what each level owes and when, checked input, results recorded once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "compliance/evaluation.h"

namespace wardsec::compliance {
namespace {

namespace fs = std::filesystem;

class EvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wardsec-eval-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ev_ = Evaluations::open((dir_ / "compliance.db").string()).value();
  }
  void TearDown() override {
    ev_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<Evaluations> ev_;
};

TEST_F(EvaluationTest, InputIsCheckedAndAResultIsRecordedOnce) {
  Evaluation e{0, "his", "mlps", "示范市网络安全测评中心", "2026-10-01", "", std::nullopt, "", "", "secadmin", 1};
  auto id = ev_->add(e);
  ASSERT_TRUE(id.ok()) << id.error();
  // Wrong kinds, dates that do not exist, results without a date, a conclusion of the other scale.
  for (auto bad : {Evaluation{0, "his", "pentest", "x", "2026-10-01", "", {}, "", "", "a", 1},
                   Evaluation{0, "his", "mlps", "x", "2026-02-30", "", {}, "", "", "a", 1},
                   Evaluation{0, "his", "mlps", "", "2026-10-01", "", {}, "", "", "a", 1},
                   Evaluation{0, "his", "mlps", "x", "2026-10-01", "", 85.0, "", "", "a", 1},
                   Evaluation{0, "his", "mlps", "x", "2026-10-01", "2026-10-20", 85.0, "符合", "", "a", 1},
                   Evaluation{0, "his", "crypto", "x", "2026-10-01", "2026-10-20", 85.0, "良", "", "a", 1},
                   Evaluation{0, "his", "mlps", "x", "2026-10-01", "2026-10-20", 150.0, "良", "", "a", 1}})
    EXPECT_FALSE(ev_->add(bad).ok()) << bad.kind << " " << bad.planned << " " << bad.conclusion;
  EXPECT_FALSE(ev_->complete(*id, "2026-13-01", 88.5, "良", "R-1", "auditadmin", 2).ok());
  ASSERT_TRUE(ev_->complete(*id, "2026-10-20", 88.5, "良", "DJCP-2026-018", "auditadmin", 2).ok());
  auto got = ev_->get(*id).value();
  EXPECT_EQ(got.done, "2026-10-20");
  EXPECT_DOUBLE_EQ(*got.score, 88.5);
  EXPECT_EQ(got.report_no, "DJCP-2026-018");
  EXPECT_FALSE(ev_->complete(*id, "2026-10-21", 90, "优", "again", "x", 3).ok());  // done once
  EXPECT_FALSE(ev_->get(999).ok());
}

TEST(EvaluationDue, EachLevelOwesItsCycle) {
  std::vector<System> systems = {{"his", "HIS", "", "his", 3, "", "", "", ""},
                                 {"plat", "平台", "", "platform", 4, "", "", "", ""},
                                 {"oa", "OA", "", "oa", 2, "", "", "", ""},
                                 {"site", "官网", "", "website", 1, "", "", "", ""},
                                 {"new", "新系统", "", "his", 0, "", "", "", ""}};
  std::vector<Evaluation> done = {
      {1, "his", "mlps", "x", "2025-10-01", "2025-10-20", 88.0, "良", "", "a", 1},
      {2, "his", "mlps", "x", "2024-10-01", "2024-10-20", 80.0, "良", "", "a", 1},
      {3, "plat", "mlps", "x", "2026-02-01", "2026-02-28", 91.0, "优", "", "a", 1},
      {4, "oa", "mlps", "x", "2025-06-01", "2025-06-30", 85.0, "良", "", "a", 1},
      {5, "his", "crypto", "x", "2026-09-01", "", std::nullopt, "", "", "a", 1},  // planned only: not done
  };
  auto due = evaluations_due(systems, done, "2026-12-07");
  auto find = [&](const std::string& sys, const std::string& kind) -> const EvaluationDue* {
    for (const auto& d : due)
      if (d.system == sys && d.kind == kind) return &d;
    return nullptr;
  };
  ASSERT_EQ(due.size(), 5u);  // his mlps+crypto, plat mlps+crypto, oa mlps; level 1 and ungraded owe nothing
  const auto* his = find("his", "mlps");
  ASSERT_TRUE(his);
  EXPECT_EQ(his->last_done, "2025-10-20");  // the latest counts
  EXPECT_EQ(his->due, "2026-10-20");
  EXPECT_TRUE(his->overdue);
  EXPECT_EQ(his->days_left, -48);
  const auto* plat = find("plat", "mlps");
  EXPECT_EQ(plat->due, "2026-08-28");  // six months
  EXPECT_TRUE(plat->overdue);
  const auto* oa = find("oa", "mlps");
  EXPECT_EQ(oa->due, "2027-06-30");  // two years, labelled as practice
  EXPECT_FALSE(oa->overdue);
  EXPECT_NE(oa->basis.find("practice"), std::string::npos);
  const auto* crypto = find("his", "crypto");
  EXPECT_TRUE(crypto->last_done.empty());
  EXPECT_TRUE(crypto->due.empty());
  EXPECT_TRUE(crypto->overdue);  // never done: due now
  EXPECT_FALSE(find("site", "mlps"));
  EXPECT_FALSE(find("new", "mlps"));
  // The end of a month is kept as the month's last day.
  std::vector<Evaluation> feb = {{1, "plat", "mlps", "x", "2026-08-01", "2026-08-31", 91.0, "优", "", "a", 1}};
  EXPECT_EQ(evaluations_due({systems[1]}, feb, "2026-12-07")[0].due, "2027-02-28");
  EXPECT_TRUE(is_date("2024-02-29"));
  EXPECT_FALSE(is_date("2026-02-29"));
  EXPECT_FALSE(is_date("2026-1-01"));
}

}  // namespace
}  // namespace wardsec::compliance
