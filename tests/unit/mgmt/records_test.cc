// The management records: checked fields, versions kept, CSV taken whole or not at all, and what
// the records say (fresh and stale evidence, training coverage, accounts of people who left).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "mgmt/checks.h"
#include "mgmt/exchange.h"
#include "mgmt/schema.h"
#include "mgmt/store.h"

namespace wardsec::mgmt {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const Lookup known{[](const std::string& id) { return id == "OM.NSM.c" || id == "PO.RUL.b"; },
                   [](const std::string& id) { return id == "his"; }};

const Kind& kind(const char* n) { return *find_kind(n); }

Record rec(const char* k, int64_t id, json data) {
  Record r;
  r.kind = k;
  r.id = id;
  r.data = std::move(data);
  return r;
}

TEST(RecordSchema, EveryKindIsConsistent) {
  ASSERT_GE(kinds().size(), 6u);
  for (const auto& k : kinds()) {
    EXPECT_FALSE(k.zh.empty() || k.en.empty()) << k.name;
    EXPECT_NE(k.field(k.title_field), nullptr) << k.name;
    for (const auto& d : k.date_fields) EXPECT_NE(k.field(d), nullptr) << k.name << " " << d;
    for (const auto& f : k.fields) {
      EXPECT_FALSE(f.zh.empty() || f.en.empty()) << k.name << "." << f.name;
      if (f.type == FieldType::kEnum) EXPECT_FALSE(f.options.empty()) << k.name << "." << f.name;
    }
  }
}

TEST(RecordSchema, FieldsAreChecked) {
  const Kind& p = kind("policy");
  json good = {{"title", " 网络安全管理制度 "},
               {"category", "网络安全"},
               {"version", "1.0"},
               {"owner", "信息中心"},
               {"published", "2026-03-01"},
               {"status", "生效"},
               {"evidences", {"PO.RUL.b", "PO.RUL.b", ""}}};
  auto v = validate(p, good, known);
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ((*v)["title"], "网络安全管理制度");
  EXPECT_EQ((*v)["evidences"].size(), 1u);  // blanks and repeats dropped
  auto with = [&](const char* k, json val) {
    json d = good;
    d[k] = std::move(val);
    return validate(p, d, known);
  };
  EXPECT_NE(with("color", "red").error().find("color"), std::string::npos);                 // unknown field
  EXPECT_NE(with("title", "").error().find("title"), std::string::npos);                    // required
  EXPECT_NE(with("category", "财务").error().find("category"), std::string::npos);          // not an option
  EXPECT_NE(with("published", "2026-02-30").error().find("published"), std::string::npos);  // no such day
  EXPECT_NE(with("evidences", {"XX.YY.z"}).error().find("XX.YY.z"), std::string::npos);     // not in the catalog
  EXPECT_FALSE(with("title", std::string(201, 'a')).ok());
  EXPECT_FALSE(with("title",
                    "a\x01"
                    "b")
                   .ok());
  EXPECT_FALSE(with("version", 3).ok());
  EXPECT_FALSE(with("reviewed", "2026-01-01").ok());  // reviewed before it was published
  EXPECT_FALSE(validate(p, json::array(), known).ok());
}

TEST(RecordSchema, ChangeRulesAcrossFields) {
  const Kind& c = kind("change");
  json d = {{"title", "核心交换机 ACL 调整"}, {"type", "配置变更"}, {"targets", {"core-sw-1"}},   {"requested_by", "张伟"},
            {"requested", "2026-11-02"},      {"plan", "..."},      {"rollback", "恢复备份配置"}, {"status", "已批准"}};
  EXPECT_FALSE(validate(c, d, known).ok());  // approved without approver and window
  d["approved_by"] = "张伟";
  d["approved"] = "2026-11-03";
  d["window_start"] = "2026-11-05 22:00";
  d["window_end"] = "2026-11-05 23:30";
  EXPECT_NE(validate(c, d, known).error().find("requester"), std::string::npos);  // self-approval
  d["approved_by"] = "李娜";
  EXPECT_TRUE(validate(c, d, known).ok());
  d["window_end"] = "2026-11-05 21:00";
  EXPECT_FALSE(validate(c, d, known).ok());
  d["window_end"] = "2026-11-05 24:10";
  EXPECT_FALSE(validate(c, d, known).ok());
}

class RecordStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wardsec-records-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    rs_ = Records::open((dir_ / "records.db").string()).value();
  }
  void TearDown() override {
    rs_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<Records> rs_;
};

TEST_F(RecordStoreTest, VersionsAreKeptAndWithdrawnRecordsStay) {
  const Kind& p = kind("person");
  auto id = rs_->add(p, {{"name", "王芳"}, {"department", "信息中心"}, {"post", "安全管理员"}}, "secadmin", 1);
  ASSERT_TRUE(id.ok()) << id.error();
  ASSERT_TRUE(rs_->update(p, *id, {{"name", "王芳"}, {"department", "信息中心"}, {"post", "安全主管"}}, "secadmin", 2).ok());
  auto cur = rs_->get("person", *id);
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(cur->version, 2);
  EXPECT_EQ(cur->data["post"], "安全主管");
  ASSERT_TRUE(rs_->withdraw(p, *id, "secadmin", 3).ok());
  EXPECT_FALSE(rs_->update(p, *id, cur->data, "secadmin", 4).ok());
  EXPECT_FALSE(rs_->withdraw(p, *id, "secadmin", 4).ok());
  EXPECT_TRUE(rs_->list("person")->empty());
  EXPECT_EQ(rs_->list("person", true)->size(), 1u);
  auto h = rs_->history("person", *id);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].data["post"], "安全管理员");
  EXPECT_TRUE((*h)[2].withdrawn);
  EXPECT_FALSE(rs_->get("policy", *id).ok());  // a record is found under its own kind only
  EXPECT_FALSE(rs_->add(p, json::object(), "", 1).ok());
}

TEST_F(RecordStoreTest, CsvIsTakenWholeOrNotAtAll) {
  const Kind& p = kind("person");
  std::string csv =
      "\xEF\xBB\xBF# 人员名单\n姓名,部门,岗位,关键岗位,系统账号（中心、堡垒机）,离岗日期\n"
      "王芳,信息中心,安全管理员,是,wangfang;wf-bastion,\n"
      "赵强,信息中心,网络管理员,否,zhaoqiang,2026-10-31\n";
  auto rows = read_csv(p, csv, "staff.csv", known);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].data["accounts"].size(), 2u);
  EXPECT_EQ((*rows)[0].data["key_post"], true);
  EXPECT_EQ((*rows)[0].id, 0);
  // A bad row anywhere refuses the file and names the row and the field.
  auto bad = read_csv(p, csv + "李明,信息中心,运维,也许,,\n", "staff.csv", known);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("staff.csv"), std::string::npos);
  EXPECT_NE(bad.error().find("row 5"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("key_post"), std::string::npos);
  EXPECT_FALSE(read_csv(p, "姓名,星座\n王芳,狮子\n", "x.csv", known).ok());
  EXPECT_FALSE(read_csv(p, "姓名,部门,岗位\n", "x.csv", known).ok());
  EXPECT_FALSE(read_csv(p, "", "x.csv", known).ok());
  EXPECT_FALSE(read_csv(p, "姓名,部门,岗位\n王芳,信息中心\n,,\n", "x.csv", known).ok());  // required post missing
  // Export and import again: the same records; formulas defused and read back.
  std::vector<json> first;
  for (const auto& r : *rows) first.push_back(r.data);
  auto ids = rs_->add_all(p, first, "secadmin", 1);
  ASSERT_TRUE(ids.ok());
  json evil = {{"name", "=HYPERLINK(\"http://x\")"}, {"department", "信息中心"}, {"post", "运维"}};
  ASSERT_TRUE(rs_->add(p, evil, "secadmin", 1).ok());
  std::string out = write_csv(p, rs_->list("person").value());
  EXPECT_NE(out.find("'=HYPERLINK"), std::string::npos);
  auto again = read_csv(p, out, "export.csv", known);
  ASSERT_TRUE(again.ok()) << again.error();
  ASSERT_EQ(again->size(), 3u);
  EXPECT_EQ((*again)[0].data, (*rows)[0].data);
  EXPECT_EQ((*again)[0].id, (*ids)[0]);
  EXPECT_EQ((*again)[2].data["name"], evil["name"]);
  EXPECT_TRUE(read_csv(p, write_csv(p, rs_->list("person").value(), true), "en.csv", known).ok());
  // The export edited in a spreadsheet: a changed row is a new version, an unchanged one is left
  // alone, a row without a number is added; an unknown number refuses it all.
  std::vector<std::pair<int64_t, json>> in;
  for (const auto& r : *again) in.emplace_back(r.id, r.data);
  in[1].second["post"] = "网络主管";
  in.emplace_back(0, json{{"name", "新人"}, {"department", "信息中心"}, {"post", "实习"}});
  auto n = rs_->import(p, in, "secadmin", 2);
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(*n, std::make_pair(size_t{1}, size_t{1}));
  EXPECT_EQ(rs_->get("person", in[1].first)->version, 2);
  EXPECT_EQ(rs_->get("person", in[0].first)->version, 1);
  in.emplace_back(999, in[0].second);
  EXPECT_FALSE(rs_->import(p, in, "secadmin", 3).ok());
  EXPECT_EQ(rs_->list("person")->size(), 4u);
  EXPECT_FALSE(read_csv(p, "编号,姓名,部门,岗位\n1,a,b,c\n1,a,b,c\n", "dup.csv", known).ok());
  EXPECT_FALSE(read_csv(p, "编号,姓名,部门,岗位\n-3,a,b,c\n", "neg.csv", known).ok());
}

TEST(RecordChecks, SignInSheetJoinsAttendees) {
  json t = {{"attendees", {"王芳"}}};
  auto m = merge_sign_in(t, "姓名,部门,成绩\n王芳,信息中心,90\n赵强,信息中心,55\n", "sign.csv");
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ((*m)["attendees"].size(), 2u);
  EXPECT_EQ((*m)["pass_rate"], 50.0);
  EXPECT_EQ((*m)["results"], (json{"王芳:90", "赵强:55"}));
  // A second sheet (a make-up quiz) replaces a person's score and keeps the others.
  auto again = merge_sign_in(*m, "姓名,成绩\n赵强,75\n", "makeup.csv");
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ((*again)["pass_rate"], 100.0);
  EXPECT_EQ((*again)["attendees"].size(), 2u);
  EXPECT_FALSE(merge_sign_in(t, "部门\n信息中心\n", "sign.csv").ok());
  EXPECT_FALSE(merge_sign_in(t, "姓名,成绩\n王芳,abc\n", "sign.csv").ok());
  EXPECT_FALSE(merge_sign_in(t, "姓名,成绩\n王芳,101\n", "sign.csv").ok());
}

TEST(RecordChecks, EvidenceAgesOut) {
  RecordSets sets;
  sets["training"] = {rec("training", 1, {{"date", "2025-11-01"}, {"topic", "钓鱼邮件识别"}, {"type", "安全意识"}}),
                      rec("training", 2, {{"date", "2026-03-10"}, {"topic", "应急预案培训"}, {"type", "应急预案"}})};
  sets["policy"] = {rec("policy", 3,
                        {{"title", "口令管理制度"},
                         {"category", "口令管理"},
                         {"status", "生效"},
                         {"published", "2025-01-01"},
                         {"reviewed", "2026-01-05"}}),
                    rec("policy", 4, {{"title", "旧制度"}, {"category", "网络安全"}, {"status", "废止"}, {"published", "2026-01-01"}})};
  auto idx = evidence_index(sets, "2026-12-07");
  ASSERT_EQ(idx["HR.TRN.a"].size(), 2u);
  EXPECT_FALSE(idx["HR.TRN.a"][0].fresh);  // 2025-11-01 + 365 days < 2026-12-07
  EXPECT_NE(idx["HR.TRN.a"][0].why_stale_en.find("365"), std::string::npos);
  EXPECT_TRUE(idx["HR.TRN.a"][1].fresh);
  EXPECT_EQ(idx["OM.EMG.c"].size(), 1u);
  EXPECT_EQ(idx["PO.REV.a"].size(), 1u);  // the withdrawn policy counts for nothing
  EXPECT_TRUE(idx["PO.REV.a"][0].fresh);
  EXPECT_EQ(idx["PO.REV.a"][0].expires, "2027-01-05");
  EXPECT_TRUE(idx["OM.NSM.c"].empty());
  EXPECT_FALSE(evidence_index(sets, "2027-01-06")["PO.REV.a"][0].fresh);
}

TEST(RecordChecks, CoverageRevocationAndReminders) {
  RecordSets sets;
  sets["person"] = {rec("person", 1, {{"name", "王芳"}, {"department", "信息中心"}, {"key_post", true}, {"accounts", {"wangfang"}}}),
                    rec("person", 2, {{"name", "赵强"}, {"department", "信息中心"}, {"left", "2026-10-31"}, {"accounts", {"zhaoqiang"}}}),
                    rec("person", 3, {{"name", "刘洋"}, {"department", "医务处"}, {"joined", "2027-01-04"}}),
                    rec("person", 4, {{"name", "陈静"}, {"department", "医务处"}})};
  sets["training"] = {rec("training", 5, {{"date", "2026-05-01"}, {"attendees", {"王芳", "赵强"}}})};
  sets["supplier"] = {rec("supplier", 6, {{"name", "示范HIS厂商"}, {"contract_end", "2026-06-30"}, {"remote_accounts", {"his-vendor"}}})};
  auto cov = training_coverage(sets, 2026);
  ASSERT_EQ(cov.size(), 2u);
  EXPECT_EQ(cov[0].department, "信息中心");
  EXPECT_EQ(cov[0].trained, 2);
  EXPECT_EQ(cov[1].staff, 1);  // 刘洋 joins next year
  EXPECT_EQ(cov[1].untrained, std::vector<std::string>{"陈静"});
  std::vector<LiveAccount> live = {
      {"wangfang", "center"}, {"zhaoqiang", "center"}, {"zhaoqiang", "bastion key"}, {"his-vendor", "bastion grant"}, {"ghost", "center"}};
  auto gaps = revocation_gaps(sets, live, "2026-12-07");
  ASSERT_EQ(gaps.size(), 3u);
  EXPECT_EQ(gaps[0].owner, "赵强");
  EXPECT_EQ(gaps[2].kind, "supplier");
  EXPECT_EQ(revocation_gaps(sets, live, "2026-10-30").size(), 1u);  // 赵强 had not left yet; the supplier's contract had ended
  auto unowned = unowned_accounts(sets, live, "2026-12-07");
  EXPECT_EQ(unowned.size(), 4u);  // zhaoqiang twice, his-vendor, ghost
  auto rem = reminders(sets, "2026-12-07");
  auto has = [&](const std::string& en) {
    return std::any_of(rem.begin(), rem.end(), [&](const Reminder& r) { return r.what_en.find(en) != std::string::npos; });
  };
  EXPECT_TRUE(has("key post without a confidentiality agreement"));
  EXPECT_TRUE(has("leaving procedure"));
  EXPECT_TRUE(has("not trained this year"));
  EXPECT_FALSE(has("never assessed"));  // the supplier's contract has ended
  EXPECT_TRUE(has("no policy in force for 口令管理"));
  EXPECT_TRUE(has("no inspection on file"));
  EXPECT_FALSE(has("no training held this year"));
  sets["inspection"] = {rec("inspection", 7, {{"date", "2026-08-01"}, {"type", "全面检查"}})};
  sets["policy"] = {
      rec("policy", 8, {{"title", "口令管理制度"}, {"category", "口令管理"}, {"status", "生效"}, {"published", "2026-01-01"}})};
  rem = reminders(sets, "2026-12-07");
  EXPECT_FALSE(has("no policy in force for 口令管理"));
  EXPECT_TRUE(has("quarterly routine inspection"));  // 2026-08-01 + 92 days has passed
  EXPECT_FALSE(has("no full inspection"));
  EXPECT_FALSE(reminders(sets, "2027-01-02").empty());
  for (const auto& [scope, checks] : inspection_checklists()) EXPECT_FALSE(checks.empty()) << scope;
  // The posts: nobody on post is missing; one person as two of the three administrators is
  // flagged, and the security administrator is to be full-time.
  EXPECT_TRUE(has("nobody on post as 审计管理员"));
  sets["person"].push_back(rec("person", 9, {{"name", "李阳"}, {"role", "系统管理员"}}));
  sets["person"].push_back(rec("person", 10, {{"name", "李阳"}, {"role", "审计管理员"}}));
  sets["person"].push_back(rec("person", 11, {{"name", "王芳"}, {"role", "安全管理员"}}));
  rem = reminders(sets, "2026-12-07");
  EXPECT_FALSE(has("nobody on post as 审计管理员"));
  EXPECT_TRUE(has("holds both 系统管理员 and 审计管理员"));
  EXPECT_TRUE(has("full-time"));
}

TEST(RecordChecks, FilingDeadlineAndDataClassification) {
  const Kind& u = kind("unit");
  json unit = {{"name", "示范市第一人民医院"}, {"credit_code", "12000000MB0000010Y"},
               {"address", "健康路 1 号"},     {"leader", "李建国"},
               {"security_dept", "信息科"},    {"security_contact", "张伟"},
               {"security_phone", "0000"},     {"affiliation", "其他"},
               {"unit_type", "事业单位"},      {"industry", "卫生健康"}};
  EXPECT_TRUE(validate(u, unit, known).ok()) << validate(u, unit, known).error();
  unit["credit_code"] = "12000000MB0000010X";  // the check character is wrong
  EXPECT_NE(validate(u, unit, known).error().find("GB 32100"), std::string::npos);
  const Kind& f = kind("filing");
  json filing = {{"system", "his"}, {"object_type", "信息系统"}, {"level", "第三级"}, {"graded", "2026-09-10"}, {"filed", "2026-09-20"}};
  EXPECT_NE(validate(f, filing, known).error().find("expert"), std::string::npos);  // level 3 filed without an expert review
  filing["expert_review"] = "2026-09-15";
  EXPECT_TRUE(validate(f, filing, known).ok());
  filing["system"] = "nope";
  EXPECT_NE(validate(f, filing, known).error().find("nope"), std::string::npos);
  filing["system"] = "his";
  filing["certificate_no"] = "00000044001-00001";
  EXPECT_FALSE(validate(f, filing, known).ok());  // a number without its date

  RecordSets sets;
  sets["filing"] = {rec("filing", 1, {{"system", "his"}, {"level", "第三级"}, {"certificate_no", "x"}, {"graded", "2024-03-01"}}),
                    rec("filing", 2, {{"system", "ihosp"}, {"level", "第三级"}, {"graded", "2026-09-10"}, {"go_live", "2026-10-20"}})};
  std::vector<Graded> graded = {{"his", "HIS", 3, "2024-02-01"},
                                {"ihosp", "互联网医院", 3, ""},
                                {"lis", "LIS", 3, "2026-11-20"},
                                {"oa", "OA", 2, ""},
                                {"web", "网站", 1, ""}};
  auto rem = filing_reminders(sets, graded, "2026-12-07");
  ASSERT_EQ(rem.size(), 3u);
  EXPECT_EQ(rem[0].title, "互联网医院");
  EXPECT_EQ(rem[0].due, "2026-11-19");  // 30 days after going live, the later date
  EXPECT_TRUE(rem[0].overdue);
  EXPECT_EQ(rem[1].due, "2026-12-20");  // graded 2026-11-20, nothing filed: due, not yet overdue
  EXPECT_FALSE(rem[1].overdue);
  EXPECT_TRUE(rem[2].due.empty() && rem[2].overdue);  // level 2, never graded nor filed
  graded[0].level = 4;                                // re-graded above what was filed
  EXPECT_NE(filing_reminders(sets, graded, "2026-12-07")[0].what_en.find("file again"), std::string::npos);

  sets["data_asset"] = {
      rec("data_asset", 3,
          {{"system", "his"}, {"grade", "重要数据"}, {"personal", "敏感个人信息"}, {"db_objects", {"HIS.Patient_Info", "fee"}}}),
      rec("data_asset", 4, {{"system", "his"}, {"grade", "一般数据"}, {"personal", "否"}, {"db_objects", {"dict_dept"}}}),
      rec("data_asset", 5, {{"system", "emr"}, {"grade", "核心数据"}, {"personal", "否"}, {"db_objects", {"emr.record"}}})};
  auto d = data_summary(sets, "his");
  EXPECT_EQ(d.assets, 2);
  EXPECT_EQ(d.important, 1);
  EXPECT_EQ(d.sensitive_personal, 1);
  EXPECT_NE(d.text_zh.find("重要数据 1 项"), std::string::npos);
  EXPECT_TRUE(data_summary(sets, "lis").text_zh.empty());
  EXPECT_EQ(sensitive_tables(sets), (std::vector<std::string>{"fee", "patient_info", "record"}));
  // A system's own records evidence only that system's items.
  auto idx = evidence_index(sets, "2026-12-07");
  EXPECT_EQ(links_for(idx, "CM.GRD.d", "his").size(), 1u);
  EXPECT_TRUE(links_for(idx, "CM.GRD.d", "emr").empty());
  EXPECT_EQ(links_for(idx, "OM.AST.c", "emr").size(), 1u);
}

TEST_F(RecordStoreTest, OnlyAChangeApprovedByAnotherAccountCovers) {
  const Kind& c = kind("change");
  json req = {{"title", "ACL"}, {"type", "配置变更"}, {"targets", {"sw-core-01"}}, {"requested_by", "孙伟"}, {"requested", "2026-11-02"},
              {"plan", "p"},    {"rollback", "r"},    {"status", "申请"}};
  json ok = req;
  ok.update({{"status", "已批准"},
             {"approved_by", "张伟"},
             {"approved", "2026-11-03"},
             {"window_start", "2026-11-05 22:00"},
             {"window_end", "2026-11-05 23:30"}});
  auto paper = rs_->add(c, ok, "secadmin", 10);  // filed already approved: a paper approval
  auto self = rs_->add(c, req, "secadmin", 10);
  ASSERT_TRUE(rs_->update(c, *self, ok, "secadmin", 20).ok());  // (the API refuses this; the store records it)
  auto other = rs_->add(c, req, "secadmin", 10);
  ASSERT_TRUE(rs_->update(c, *other, ok, "secadmin2", 30).ok());
  EXPECT_EQ(approved_by_another(*rs_->history("change", *paper)), 0);
  EXPECT_EQ(approved_by_another(*rs_->history("change", *self)), 0);
  EXPECT_EQ(approved_by_another(*rs_->history("change", *other)), 30);
  RecordSets sets{{"change", *rs_->list("change")}};
  auto accept = [&](const Record& r) {
    int64_t at = approved_by_another(*rs_->history("change", r.id));
    return at != 0 && at <= 40;
  };
  const Record* cov = covering_change(sets, {"sw-core-01"}, "2026-11-05 22:30", accept);
  ASSERT_NE(cov, nullptr);
  EXPECT_EQ(cov->id, *other);
  EXPECT_EQ(covering_change(sets, {"sw-core-01"}, "2026-11-05 23:31", accept), nullptr);  // outside the window
  EXPECT_EQ(covering_change(sets, {"sw-core-02"}, "2026-11-05 22:30", accept), nullptr);
  EXPECT_EQ(covering_change(sets, {"sw-core-01"}, "2026-11-05 22:30",
                            [&](const Record& r) {
                              int64_t at = approved_by_another(*rs_->history("change", r.id));
                              return at != 0 && at <= 25;  // approved after the work: covers nothing
                            }),
            nullptr);
}

TEST_F(RecordStoreTest, TheFilingUnitIsOne) {
  const Kind& u = kind("unit");
  json unit = {{"name", "x"}};
  ASSERT_TRUE(rs_->add(u, unit, "secadmin", 1).ok());
  auto again = rs_->add(u, unit, "secadmin", 2);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("edit it"), std::string::npos);
}

}  // namespace
}  // namespace wardsec::mgmt
