// Reports: the self-assessment and grading HTML carry the numbers of the stored assessment (and
// escape what people typed); the checklist is a real XLSX. PDF printing is tested end to end in
// tests/integration/reports.py (it needs Chromium).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "compliance/inventory.h"
#include "report/report.h"

namespace wardsec::report {
namespace {

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wardsec-report-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto inv = compliance::Inventory::open((dir_ / "compliance.db").string()).value();
    ASSERT_TRUE(inv->import_csv("systems",
                                "id,name,name_en,kind,level,owner,business,users,data\n"
                                "his,医院信息系统,HIS,his,3,信息科 张伟,门诊住院,全院,处方与费用\n",
                                "systems.csv")
                    .ok());
    auto as = compliance::Assessments::open((dir_ / "compliance.db").string()).value();
    ASSERT_TRUE(
        as->record({"his", "CE.IA.a", compliance::Conformity::kConform, compliance::Risk::kNone, std::nullopt, "", "李工", 1}).ok());
    ASSERT_TRUE(as->record({"his", "CE.IA.b", compliance::Conformity::kNonConform, compliance::Risk::kHigh, std::nullopt,
                            "登录失败未锁定 <b>&</b>", "李工", 2})
                    .ok());
    ASSERT_TRUE(
        as->add_rectification({0, "his", "CE.IA.b", "信息科 张伟", "启用登录失败锁定", "2020-01-01", "open", "李工", 3, 0, ""}).ok());
    ASSERT_TRUE(as->record_grading(
                      {"his", "society", "serious", "处方泄露影响社会秩序", "society", "serious", "停机影响诊疗", 3, 3, 3, "", "李工", 4})
                    .ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  SystemData data() {
    return gather({dir_.string(), std::string(WARDSEC_SOURCE_DIR) + "/catalog/gbt22239-2019.tsv",
                   std::string(WARDSEC_SOURCE_DIR) + "/catalog/scoring.yaml", "示范市第一人民医院", 8 * 3600},
                  "his", Kind::kSelfAssessment)
        .value();
  }
  std::filesystem::path dir_;
};

TEST_F(ReportTest, SelfAssessmentCarriesTheStoredAssessment) {
  auto d = data();
  EXPECT_EQ(d.items.size(), 211u);      // level 3
  EXPECT_EQ(d.score.conclusion, "差");  // a high risk
  std::string h = html(Kind::kSelfAssessment, d, "zh-CN");
  EXPECT_NE(h.find("网络安全等级保护自评估报告"), std::string::npos);
  EXPECT_NE(h.find("示范市第一人民医院"), std::string::npos);
  EXPECT_NE(h.find("适用测评项 211 项，已测评 2 项"), std::string::npos);
  EXPECT_NE(h.find("登录失败未锁定 &lt;b&gt;&amp;&lt;/b&gt;"), std::string::npos);  // typed text is escaped
  EXPECT_EQ(h.find("<b>&</b>"), std::string::npos);
  EXPECT_NE(h.find("启用登录失败锁定"), std::string::npos);
  EXPECT_NE(h.find("（已逾期）"), std::string::npos);  // the task is overdue
  EXPECT_NE(h.find("<svg"), std::string::npos);        // the per-category chart
  EXPECT_EQ(h.find("<script"), std::string::npos);
  std::string en = html(Kind::kSelfAssessment, d, "en");
  EXPECT_NE(en.find("MLPS 2.0 self-assessment report"), std::string::npos);
  EXPECT_NE(en.find("(overdue)"), std::string::npos);
}

// Two of 211 items with no high risk: the cover and the conclusion section say how far the
// assessment is before any number, the score is called interim, and no band is printed as the
// conclusion (the band the two items alone give is 优, which would read as the system's).
TEST_F(ReportTest, AnIncompleteAssessmentShowsCoverageFirstAndNoConclusion) {
  auto as = compliance::Assessments::open((dir_ / "compliance.db").string()).value();
  ASSERT_TRUE(as->record({"his", "CE.IA.b", compliance::Conformity::kConform, compliance::Risk::kNone, std::nullopt, "", "李工", 5}).ok());
  auto d = data();
  EXPECT_EQ(d.score.conclusion, compliance::kIncomplete);
  EXPECT_EQ(d.score.provisional, "优");
  std::string h = html(Kind::kSelfAssessment, d, "zh-CN");
  size_t cover = h.find("测评进度：已测评 2 / 211 项（0.9%），尚有 209 项未测评，自评估未完成。");
  size_t section = h.find("三、自评估结论");
  ASSERT_NE(cover, std::string::npos);
  ASSERT_NE(section, std::string::npos);
  EXPECT_LT(cover, h.find("一、被测对象"));                                   // on the cover
  EXPECT_NE(h.find("测评进度：已测评 2 / 211", section), std::string::npos);  // and again first in the section
  EXPECT_LT(h.find("测评进度：已测评 2 / 211", section), h.find("暂算得分", section));
  EXPECT_NE(h.find("（暂算，仅按已测评的 2 项，不作为结论）"), std::string::npos);
  EXPECT_NE(h.find(">未完成</span>"), std::string::npos);
  EXPECT_EQ(h.find(">优</span>"), std::string::npos);
  EXPECT_EQ(h.find("综合得分"), std::string::npos);
  std::string en = html(Kind::kSelfAssessment, d, "en");
  EXPECT_NE(en.find("Coverage: 2 / 211 items assessed (0.9%), 209 not assessed"), std::string::npos);
  EXPECT_NE(en.find(">incomplete</span>"), std::string::npos);
  // Every item given a result: the cover says complete and the band is the conclusion.
  for (const auto& req : d.items)
    if (!d.results.count(req.id))
      ASSERT_TRUE(as->record({"his", req.id, compliance::Conformity::kConform, compliance::Risk::kNone, std::nullopt, "", "李工", 6}).ok());
  d = data();
  EXPECT_TRUE(d.score.complete());
  h = html(Kind::kSelfAssessment, d, "zh-CN");
  EXPECT_NE(h.find("测评进度：已测评 211 / 211 项（100.0%），全部完成。"), std::string::npos);
  EXPECT_NE(h.find("综合得分"), std::string::npos);
  EXPECT_NE(h.find(">优</span>"), std::string::npos);
}

TEST_F(ReportTest, RectificationPlanPairsProblemsWithTasks) {
  std::string h = html(Kind::kRectification, data(), "zh-CN");
  EXPECT_NE(h.find("网络安全等级保护整改方案"), std::string::npos);
  EXPECT_NE(h.find("启用登录失败锁定（信息科 张伟，2020-01-01）"), std::string::npos);
  EXPECT_EQ(h.find("尚无整改任务"), std::string::npos);  // the one problem has its task
}

TEST_F(ReportTest, GradingReportShowsBothDimensionsAndTheFilingData) {
  std::string h = html(Kind::kGrading, data(), "zh-CN");
  EXPECT_NE(h.find("网络安全等级保护定级报告"), std::string::npos);
  EXPECT_NE(h.find("社会秩序、公共利益"), std::string::npos);
  EXPECT_NE(h.find("严重损害"), std::string::npos);
  EXPECT_NE(h.find("处方泄露影响社会秩序"), std::string::npos);
  EXPECT_NE(h.find("备案信息"), std::string::npos);
}

TEST_F(ReportTest, ChecklistIsAnXlsxWorkbook) {
  std::string path = (dir_ / "c.xlsx").string();
  ASSERT_TRUE(checklist_xlsx(data(), path).ok());
  std::ifstream f(path, std::ios::binary);
  std::string head(4, '\0');
  f.read(head.data(), 4);
  EXPECT_EQ(head, std::string("PK\x03\x04", 4));  // a zip (OOXML); content is read back in tests/integration/reports.py
  EXPECT_FALSE(checklist_xlsx(data(), (dir_ / "no-such-dir" / "c.xlsx").string()).ok());
}

TEST_F(ReportTest, AnnualSummaryCoversEverySystem) {
  auto h = annual_html({dir_.string(), std::string(WARDSEC_SOURCE_DIR) + "/catalog/gbt22239-2019.tsv",
                        std::string(WARDSEC_SOURCE_DIR) + "/catalog/scoring.yaml", "示范市第一人民医院", 8 * 3600},
                       1970, "zh-CN");
  ASSERT_TRUE(h.ok()) << h.error();
  EXPECT_NE(h->find("1970 年度网络安全等级保护工作总结"), std::string::npos);
  EXPECT_NE(h->find("医院信息系统"), std::string::npos);
  EXPECT_NE(h->find("已确认定级 1 个"), std::string::npos);
  EXPECT_NE(h->find("逾期整改：医院信息系统 CE.IA.b"), std::string::npos);  // the task made in 1970 is overdue
  EXPECT_NE(h->find("完成其余 209 个测评项"), std::string::npos);
}

TEST_F(ReportTest, FilingFormIsAnXlsxWorkbook) {
  std::string path = (dir_ / "f.xlsx").string();
  ASSERT_TRUE(xlsx(Kind::kGrading, data(), path).ok());
  EXPECT_GT(std::filesystem::file_size(path), 1000u);
}

TEST_F(ReportTest, UnknownSystemIsNamed) {
  auto r = gather({dir_.string(), std::string(WARDSEC_SOURCE_DIR) + "/catalog/gbt22239-2019.tsv",
                   std::string(WARDSEC_SOURCE_DIR) + "/catalog/scoring.yaml", "", 8 * 3600},
                  "nope", Kind::kSelfAssessment);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("nope"), std::string::npos);
}

// A level-4 system is not scored against the level-3 items while the cover says 第4级: the
// self-assessment is refused with the reason; the grading report (no items) is still made.
// A level-2 system's appendix shows the level-2 wording (CE.BAK.b: scheduled, not real-time).
TEST_F(ReportTest, LevelFourIsRefusedAndLevelTwoUsesLevelTwoWording) {
  auto inv = compliance::Inventory::open((dir_ / "compliance.db").string()).value();
  ASSERT_TRUE(inv->import_csv("systems",
                              "id,name,name_en,kind,level,owner,business,users,data\n"
                              "plat,区域平台,Platform,platform,4,信息科,平台,全市,健康档案\n"
                              "oa,办公系统,OA,oa,2,信息科,办公,全院,公文\n",
                              "systems.csv")
                  .ok());
  Sources src{dir_.string(), std::string(WARDSEC_SOURCE_DIR) + "/catalog/gbt22239-2019.tsv",
              std::string(WARDSEC_SOURCE_DIR) + "/catalog/scoring.yaml", "", 8 * 3600};
  for (Kind k : {Kind::kSelfAssessment, Kind::kRectification}) {
    auto r = gather(src, "plat", k);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("level 4"), std::string::npos) << r.error();
  }
  EXPECT_TRUE(gather(src, "plat", Kind::kGrading).ok());
  auto two = gather(src, "oa", Kind::kSelfAssessment);
  ASSERT_TRUE(two.ok()) << two.error();
  EXPECT_EQ(two->items.size(), 135u);
  std::string h = html(Kind::kSelfAssessment, *two, "zh-CN");
  EXPECT_NE(h.find("定时批量传送至备用场地"), std::string::npos);
  EXPECT_EQ(h.find("实时备份至备份场地"), std::string::npos);
  EXPECT_EQ(h.find("Off-site"), std::string::npos);  // zh-CN prints no English summary
  // Every self-assessment says the extension requirements were not assessed.
  for (const char* ext : {"云计算安全扩展要求", "移动互联安全扩展要求", "物联网安全扩展要求", "工业控制系统安全扩展要求"})
    EXPECT_NE(h.find(ext), std::string::npos) << ext;
  std::string en = html(Kind::kSelfAssessment, *two, "en");
  EXPECT_NE(en.find("scheduled batches"), std::string::npos);
  EXPECT_NE(en.find("Not assessed: the extension requirements (cloud computing"), std::string::npos);
}

}  // namespace
}  // namespace wardsec::report

// The printer, attacked (issue: content that escaped unescaped): a page that frames a local
// file, loads a loopback address and runs a script prints none of it.
namespace wardsec::report {
namespace {
TEST(ReportPdf, PrinterReadsNoFilesRunsNoScriptAndReachesNoNetwork) {
  if (access("/usr/bin/chromium", X_OK) != 0 || access("/usr/bin/pdftotext", X_OK) != 0) GTEST_SKIP() << "needs chromium and pdftotext";
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("wardsec-pdf-attack-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path secret = dir / "secret.txt";
  std::ofstream(secret) << "LOCAL-SECRET-7731";
  fs::permissions(dir, fs::perms::all);
  fs::permissions(secret, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  // A listener that counts whoever connects.
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(ls, 8), 0);
  ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  std::string port = std::to_string(ntohs(a.sin_port));
  std::atomic<int> hits{0};
  std::atomic<bool> stop{false};
  std::thread t([&] {
    while (!stop) {
      pollfd p{ls, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        int c = ::accept(ls, nullptr, nullptr);
        if (c >= 0) {
          hits++;
          ::close(c);
        }
      }
    }
  });
  std::string html = "<!doctype html><meta charset=utf-8><p>VISIBLE-TEXT</p><iframe src=\"file://" + secret.string() +
                     "\"></iframe><img src=\"http://127.0.0.1:" + port + "/img.png\"><link rel=stylesheet href=\"http://127.0.0.1:" + port +
                     "/x.css\"><img src=\"http://example.com/beacon.png\"><script>document.write('SCRIPT-RAN')</script>";
  fs::path pdf = dir / "out.pdf";
  Status s = html_to_pdf(html, pdf.string());
  stop = true;
  t.join();
  ::close(ls);
  ASSERT_TRUE(s.ok()) << s.error();
  std::string cmd = "pdftotext " + pdf.string() + " -";
  std::string text;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    pclose(f);
  }
  EXPECT_NE(text.find("VISIBLE-TEXT"), std::string::npos);
  EXPECT_EQ(text.find("LOCAL-SECRET-7731"), std::string::npos) << "a local file was read into the PDF";
  EXPECT_EQ(text.find("SCRIPT-RAN"), std::string::npos) << "JavaScript ran";
  EXPECT_EQ(hits.load(), 0) << "the printer reached a loopback address";
  fs::remove_all(dir);
}
}  // namespace
}  // namespace wardsec::report
