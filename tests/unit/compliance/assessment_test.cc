// Stored assessments: the latest record is the current result, history keeps every change
// with who and when, evidence is attached per item, and bad records are refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "compliance/assessment.h"

namespace wardsec::compliance {
namespace {

namespace fs = std::filesystem;

TEST(Assessments, LatestIsCurrentAndHistoryShowsTheChange) {
  std::string dir = (fs::temp_directory_path() / ("wardsec-asm-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  {
    auto a = std::move(Assessments::open(dir + "/compliance.db").value());
    ASSERT_TRUE(a->record({"his", "CE.IA.b", Conformity::kNonConform, Risk::kHigh, {}, "no lockout on his-app-01", "secadmin", 100}).ok());
    ASSERT_TRUE(a->record({"his", "CE.IA.a", Conformity::kConform, Risk::kNone, {}, "", "secadmin", 100}).ok());
    ASSERT_TRUE(a->add_evidence({"his", "CE.IA.b", "check", "linux.login.lockout@his-app-01", "fail: no pam_faillock", 100}).ok());
    // Re-assessment after rectification.
    ASSERT_TRUE(
        a->record({"his", "CE.IA.b", Conformity::kPartial, Risk::kLow, 0.7, "faillock on app servers, not on db", "auditadmin", 200}).ok());
    auto cur = a->current("his");
    ASSERT_TRUE(cur.ok()) << cur.error();
    ASSERT_EQ(cur->size(), 2u);
    EXPECT_EQ((*cur)[1].item, "CE.IA.b");
    EXPECT_EQ((*cur)[1].result, Conformity::kPartial);
    EXPECT_EQ((*cur)[1].x, 0.7);
    EXPECT_EQ((*cur)[1].by, "auditadmin");
    auto h = a->history("his", "CE.IA.b");
    ASSERT_EQ(h->size(), 2u);
    EXPECT_EQ((*h)[0].result, Conformity::kNonConform);
    EXPECT_EQ((*h)[0].risk, Risk::kHigh);
    EXPECT_EQ((*h)[1].at, 200);
    auto ev = a->evidence("his", "CE.IA.b");
    ASSERT_EQ(ev->size(), 1u);
    EXPECT_EQ((*ev)[0].source, "linux.login.lockout@his-app-01");
    EXPECT_TRUE(a->current("emr")->empty());
    // Refused: no assessor, a risk on 符合, x on 不符合, an unknown evidence kind.
    EXPECT_FALSE(a->record({"his", "CE.IA.c", Conformity::kConform, Risk::kNone, {}, "", "", 300}).ok());
    EXPECT_FALSE(a->record({"his", "CE.IA.c", Conformity::kConform, Risk::kHigh, {}, "", "x", 300}).ok());
    EXPECT_FALSE(a->record({"his", "CE.IA.c", Conformity::kNonConform, Risk::kHigh, 0.5, "", "x", 300}).ok());
    EXPECT_FALSE(a->add_evidence({"his", "CE.IA.c", "rumour", "", "", 300}).ok());
  }
  fs::remove_all(dir);
}

TEST(Rectification, OpensOnAProblemAndClosesOnlyThroughARecheck) {
  std::string dir = (fs::temp_directory_path() / ("wardsec-rect-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  {
    auto a = std::move(Assessments::open(dir + "/compliance.db").value());
    ASSERT_TRUE(a->record({"his", "CE.IA.b", Conformity::kNonConform, Risk::kHigh, {}, "", "secadmin", 1}).ok());
    ASSERT_TRUE(a->record({"his", "CE.IA.a", Conformity::kConform, Risk::kNone, {}, "", "secadmin", 1}).ok());
    Rectification r{0, "his", "CE.IA.b", "信息科 张伟", "enable pam_faillock deny=5 on all HIS servers", "2026-12-31", "", "secadmin",
                    2, 0,     ""};
    auto id = a->add_rectification(r);
    ASSERT_TRUE(id.ok()) << id.error();
    r.item = "CE.IA.a";
    EXPECT_FALSE(a->add_rectification(r).ok());  // conforms: nothing to rectify
    r.item = "CE.IA.b";
    r.due = "31/12/2026";
    EXPECT_FALSE(a->add_rectification(r).ok());
    ASSERT_TRUE(a->set_rectification_status(*id, "in_progress", "zhangwei", 3).ok());
    Status s = a->set_rectification_status(*id, "done", "zhangwei", 4);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().find("re-check"), std::string::npos) << s.error();
    ASSERT_TRUE(a->record({"his", "CE.IA.b", Conformity::kConform, Risk::kNone, {}, "faillock verified", "auditadmin", 5}).ok());
    ASSERT_TRUE(a->set_rectification_status(*id, "done", "auditadmin", 6).ok());
    EXPECT_FALSE(a->set_rectification_status(*id, "open", "x", 7).ok());
    auto list = a->rectifications("his");
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].status, "done");
    EXPECT_EQ((*list)[0].closed_by, "auditadmin");
    EXPECT_EQ((*list)[0].closed, 6);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace wardsec::compliance
