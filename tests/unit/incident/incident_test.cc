// Incidents: the GB/T 20986-2023 table, grading by the 办法's annex at its thresholds, the
// bodies and deadlines per operator type, the stage flow that cannot skip silently, and the
// reporting clock's reminders and misses on an injected clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/timeutil.h"
#include "incident/evidence.h"
#include "incident/model.h"
#include "incident/service.h"
#include "incident/taxonomy.h"

namespace wardsec::incident {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMin = 60LL * 1000000000LL;

TEST(IncidentTaxonomy, TenCategoriesEverySubcategoryUnderOneAndCodesUnique) {
  EXPECT_EQ(categories().size(), 10u);
  std::set<std::string_view> codes;
  for (const auto& s : subcategories()) {
    EXPECT_TRUE(codes.insert(s.code).second) << s.code;
    ASSERT_NE(find_category(s.category), nullptr) << s.code;
    EXPECT_TRUE(s.code.starts_with(s.category)) << s.code;
  }
  for (const auto& c : categories()) {
    bool any = false;
    for (const auto& s : subcategories()) any = any || s.category == c.code;
    EXPECT_TRUE(any) << c.code;
  }
  ASSERT_NE(find_subcategory("MPRANS"), nullptr);
  EXPECT_EQ(find_subcategory("MPRANS")->zh, "勒索软件事件");
  EXPECT_EQ(find_subcategory("mprans"), nullptr);
}

TEST(IncidentGrading, ThresholdsIncludeTheirNumberAndTheHighestCriterionWins) {
  Impact im;
  EXPECT_EQ(assess(im).grade, Grade::kUngraded);
  im.personal_info = 999999;
  EXPECT_EQ(assess(im).grade, Grade::kGeneral);
  im.personal_info = 1000000;  // "以上" includes the number
  EXPECT_EQ(assess(im).grade, Grade::kLarger);
  im.personal_info = 10000000;
  EXPECT_EQ(assess(im).grade, Grade::kMajor);
  im.loss_yuan = 100000000;
  auto a = assess(im);
  EXPECT_EQ(a.grade, Grade::kSpecial);
  ASSERT_EQ(a.reasons.size(), 2u);
  EXPECT_EQ(a.reasons[0].grade, Grade::kSpecial);  // highest first
  EXPECT_NE(a.reasons[0].zh.find("1亿元"), std::string::npos);
}

TEST(IncidentGrading, OutageCountsForTheAnnexOnlyOnCriticalInfrastructure) {
  Impact im;
  im.cii_whole_minutes = 45;
  im.systems = {{"HIS 医院信息系统", 3}};
  auto a = assess(im);
  EXPECT_EQ(a.grade, Grade::kGeneral);  // not CII: the annex's CII criteria do not apply
  EXPECT_NE(a.reasons[0].zh.find("等保3级系统"), std::string::npos);
  im.cii = true;
  EXPECT_EQ(assess(im).grade, Grade::kLarger);  // 30 minutes or more as a whole
  im.cii_whole_minutes = 29;
  im.cii_main_minutes = 120;
  EXPECT_EQ(assess(im).grade, Grade::kLarger);  // main functions 2 hours
  im.cii_main_minutes = 360;
  EXPECT_EQ(assess(im).grade, Grade::kMajor);
  im.cii_whole_minutes = 360;
  EXPECT_EQ(assess(im).grade, Grade::kSpecial);
}

TEST(IncidentClock, BodiesPerOperatorTypeAndConfiguredOnesByGrade) {
  ReportingConfig c;
  EXPECT_TRUE(bodies_for(c, Grade::kGeneral).empty());
  auto b = bodies_for(c, Grade::kLarger);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].minutes, 240);
  c.operator_type = "cii";
  b = bodies_for(c, Grade::kMajor);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].minutes, 60);
  EXPECT_EQ(b[1].minutes, 60);
  c.operator_type = "central";
  EXPECT_EQ(bodies_for(c, Grade::kLarger)[0].minutes, 120);
  c.operator_type = "other";
  c.bodies.push_back({"nhc", "市卫生健康委员会", "Health commission", 120, Grade::kGeneral, "本院制度", "0000-12345678"});
  b = bodies_for(c, Grade::kGeneral);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].id, "nhc");
  EXPECT_EQ(bodies_for(c, Grade::kLarger).size(), 2u);
  c.bodies.push_back({"nhc", "dup", "", 1, Grade::kGeneral, "", ""});
  EXPECT_FALSE(check(c).ok());
  c.bodies.pop_back();
  c.operator_type = "hospital";
  EXPECT_FALSE(check(c).ok());
}

TEST(IncidentClock, WorkdaysSkipTheWeekendInChinaTime) {
  int64_t fri;  // Friday 2026-12-04 10:00 +08:00
  ASSERT_TRUE(parse_rfc3339("2026-12-04T10:00:00+08:00", fri));
  int64_t expect;  // five working days on: Friday 2026-12-11
  ASSERT_TRUE(parse_rfc3339("2026-12-11T10:00:00+08:00", expect));
  EXPECT_EQ(add_workdays(fri, 5), expect);
  ASSERT_TRUE(parse_rfc3339("2026-12-07T10:00:00+08:00", expect));
  EXPECT_EQ(add_workdays(fri, 1), expect);  // Monday
}

struct Db {
  std::string dir;
  int64_t t = 0;
  std::unique_ptr<Store> store;
  explicit Db(ReportingConfig c = {}) {
    static int n = 0;
    dir = (fs::temp_directory_path() / ("wardsec-incident-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
    fs::create_directories(dir);
    EXPECT_TRUE(parse_rfc3339("2026-12-04T10:00:00+08:00", t));
    auto s = Store::open(dir + "/incident.db", std::move(c), [this] { return t; });
    EXPECT_TRUE(s.ok()) << s.error();
    store = std::move(s.value());
  }
  ~Db() { fs::remove_all(dir); }
};

TEST(IncidentStore, StagesCannotBeSkippedOrReversedSilentlyAndTriageMustCategoriseAndGrade) {
  Db db;
  NewIncident n;
  n.title = "HIS 服务器疑似勒索软件";
  auto id = db.store->create(n, "secadmin");
  ASSERT_TRUE(id.ok()) << id.error();
  EXPECT_FALSE(db.store->advance(*id, Stage::kContainment, "", "secadmin").ok());  // skips 研判
  ASSERT_TRUE(db.store->advance(*id, Stage::kTriage, "", "secadmin").ok());
  auto st = db.store->advance(*id, Stage::kContainment, "", "secadmin");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error().find("category"), std::string::npos);
  Store::Edit e;
  e.subcategory = "NOPE";
  EXPECT_FALSE(db.store->edit(*id, e, "secadmin").ok());
  e.subcategory = "MPRANS";
  ASSERT_TRUE(db.store->edit(*id, e, "secadmin").ok());
  EXPECT_FALSE(db.store->advance(*id, Stage::kContainment, "", "secadmin").ok());  // no grade yet
  ASSERT_TRUE(db.store->set_grade(*id, Grade::kGeneral, "", "secadmin").ok());
  ASSERT_TRUE(db.store->advance(*id, Stage::kContainment, "", "secadmin").ok());
  EXPECT_FALSE(db.store->advance(*id, Stage::kTriage, "", "secadmin").ok());  // back needs a reason
  ASSERT_TRUE(db.store->advance(*id, Stage::kTriage, "重新研判：发现更多受影响主机", "secadmin").ok());
  // Skipping with a reason is allowed, and says what was skipped.
  ASSERT_TRUE(db.store->advance(*id, Stage::kRecovery, "已由厂商隔离", "secadmin").ok());
  EXPECT_FALSE(db.store->advance(*id, Stage::kClosed, "直接关闭", "secadmin").ok());  // no summary
  Store::Edit s;
  s.summary = "原因：弱口令；措施：隔离、重置；教训：启用多因素认证";
  ASSERT_TRUE(db.store->edit(*id, s, "secadmin").ok());
  ASSERT_TRUE(db.store->advance(*id, Stage::kReview, "", "secadmin").ok());
  ASSERT_TRUE(db.store->advance(*id, Stage::kClosed, "", "secadmin").ok());
  EXPECT_FALSE(db.store->edit(*id, s, "secadmin").ok());  // closed
  auto tl = db.store->timeline(*id);
  ASSERT_TRUE(tl.ok());
  bool skipped = false, back = false;
  for (const auto& x : *tl) {
    skipped = skipped || (x.kind == "stage" && x.text.find("跳过处置") != std::string::npos);
    back = back || (x.kind == "stage" && x.text.find("退回") != std::string::npos);
  }
  EXPECT_TRUE(skipped);
  EXPECT_TRUE(back);
}

TEST(IncidentStore, ImpactRaisesTheGradeAndALowerGradeNeedsAReason) {
  Db db;
  NewIncident n;
  n.title = "患者信息泄露";
  n.impact.personal_info = 1200000;
  auto id = db.store->create(n, "secadmin");
  ASSERT_TRUE(id.ok()) << id.error();
  auto inc = db.store->get(*id);
  EXPECT_EQ(inc->grade, Grade::kLarger);
  EXPECT_EQ(inc->assessed, Grade::kLarger);
  EXPECT_FALSE(db.store->set_grade(*id, Grade::kGeneral, "", "secadmin").ok());
  auto obs = db.store->obligations(*id);
  ASSERT_EQ(obs->size(), 1u);
  EXPECT_EQ(obs->at(0).deadline, db.t + 240 * kMin);  // from discovery
  // A lower grade with a reason withdraws the obligation; raising it again restores it.
  ASSERT_TRUE(db.store->set_grade(*id, Grade::kGeneral, "核实后泄露数据为测试数据", "secadmin").ok());
  obs = db.store->obligations(*id);
  EXPECT_NE(obs->at(0).withdrawn_at, 0);
  Store::Edit e;
  Impact more = n.impact;
  more.personal_info = 15000000;
  e.impact = more;
  ASSERT_TRUE(db.store->edit(*id, e, "secadmin").ok());
  inc = db.store->get(*id);
  EXPECT_EQ(inc->grade, Grade::kMajor);
  obs = db.store->obligations(*id);
  EXPECT_EQ(obs->at(0).withdrawn_at, 0);
  EXPECT_EQ(obs->at(0).deadline, db.t + 240 * kMin);  // still from discovery
}

TEST(IncidentStore, RemindersBeforeTheDeadlineThenTheMissIsRecordedOnceAndClosingNeedsTheReport) {
  ReportingConfig c;
  c.operator_type = "cii";
  Db db(c);
  NewIncident n;
  n.title = "核心交换机故障";
  n.subcategory = "DETECH";
  n.grade = Grade::kMajor;
  n.discovered = db.t - 10 * kMin;
  auto id = db.store->create(n, "secadmin");
  ASSERT_TRUE(id.ok()) << id.error();
  auto due = db.store->due();
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());  // 10 of 60 minutes gone
  db.t += 25 * kMin;          // 35 minutes: past half
  due = db.store->due();
  ASSERT_EQ(due->size(), 2u);  // protection department and police
  EXPECT_FALSE(due->at(0).missed);
  EXPECT_EQ(due->at(0).stage, 1);
  for (const auto& d : *due) ASSERT_TRUE(db.store->mark(d).ok());
  EXPECT_TRUE(db.store->due()->empty());  // sent once
  auto obs = db.store->obligations(*id);
  ASSERT_TRUE(db.store->reported(*id, obs->at(0).id, "电话", "GA-2026-001", "secadmin").ok());
  EXPECT_FALSE(db.store->reported(*id, obs->at(0).id, "电话", "", "secadmin").ok());  // twice
  db.t += 12 * kMin;  // 47 minutes: past 0.75 of the window and within the last 15 minutes
  due = db.store->due();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).stage, 3);  // the final reminder (the 0.75 one is not sent as well)
  ASSERT_TRUE(db.store->mark(due->at(0)).ok());
  db.t += 14 * kMin;  // 61 minutes: missed
  due = db.store->due();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_TRUE(due->at(0).missed);
  ASSERT_TRUE(db.store->mark(due->at(0)).ok());
  EXPECT_TRUE(db.store->due()->empty());
  obs = db.store->obligations(*id);
  EXPECT_NE(obs->at(1).missed_at, 0);
  // Closing needs the late report recorded, and the timeline says it was late.
  Store::Edit s;
  s.summary = "总结";
  ASSERT_TRUE(db.store->edit(*id, s, "secadmin").ok());
  ASSERT_TRUE(db.store->advance(*id, Stage::kReview, "处置记录见附件", "secadmin").ok());
  EXPECT_FALSE(db.store->advance(*id, Stage::kClosed, "", "secadmin").ok());
  ASSERT_TRUE(db.store->reported(*id, obs->at(1).id, "网上报送平台", "", "secadmin").ok());
  auto tl = db.store->timeline(*id);
  bool late = false, missed = false;
  for (const auto& x : *tl) {
    late = late || x.text.find("迟报") != std::string::npos;
    missed = missed || x.kind == "missed";
  }
  EXPECT_TRUE(late);
  EXPECT_TRUE(missed);
  // Entering 总结 opened the summary reports, due five working days later.
  obs = db.store->obligations(*id);
  int summaries = 0;
  for (const auto& o : *obs) summaries += o.kind == "summary";
  EXPECT_EQ(summaries, 2);
  EXPECT_TRUE(db.store->advance(*id, Stage::kClosed, "", "secadmin").ok());
}

TEST(IncidentStore, BadInputIsRefusedWithTheFieldNamed) {
  Db db;
  NewIncident n;
  EXPECT_FALSE(db.store->create(n, "secadmin").ok());  // no title
  n.title = std::string("\xff\xfe", 2);
  EXPECT_NE(db.store->create(n, "secadmin").error().find("title"), std::string::npos);
  n.title = "x";
  n.discovered = db.t + kMin;
  EXPECT_NE(db.store->create(n, "secadmin").error().find("future"), std::string::npos);
  EXPECT_FALSE(parse_impact("{\"personal_info\": -1}").ok());
  EXPECT_FALSE(parse_impact("{\"cii\": \"yes\"}").ok());
  EXPECT_FALSE(parse_impact("[1]").ok());
  EXPECT_TRUE(parse_impact("{\"personal_info\": 5, \"systems\": [{\"name\": \"HIS\", \"level\": 3}]}").ok());
  EXPECT_FALSE(db.store->get(999).ok());
}

TEST(IncidentService, RobotMessagesHaveTheShapesWeComAndDingTalkAcceptAndDingTalkIsSigned) {
  auto w = nlohmann::json::parse(Service::wecom_json("事件 #1", {"13800000001"}));
  EXPECT_EQ(w["msgtype"], "text");
  EXPECT_EQ(w["text"]["content"], "事件 #1");
  EXPECT_EQ(w["text"]["mentioned_mobile_list"][0], "13800000001");
  auto d = nlohmann::json::parse(Service::dingtalk_json("事件 #1", {"13800000001"}));
  EXPECT_EQ(d["msgtype"], "text");
  EXPECT_EQ(d["at"]["atMobiles"][0], "13800000001");
  EXPECT_NE(d["text"]["content"].get<std::string>().find("@13800000001"), std::string::npos);
  // The signature DingTalk documents: base64(HMAC-SHA256(secret, timestamp "\n" secret)), URL-encoded
  // (the value Python's hmac/base64/quote_plus give for the same input).
  EXPECT_EQ(
      Service::dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECtest", 1700000000000),
      "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D");
  EXPECT_EQ(Service::dingtalk_url("https://x/robot", "", 1), "https://x/robot");
}

TEST(IncidentService, OptionsAreCheckedAndWorkingHoursAreChinaTimeOnWeekdays) {
  Options o;
  o.channels.push_back({"wx", "wecom", "http://wardsec-test.invalid/hook", "", {}});
  EXPECT_FALSE(check(o).ok());  // clear text across the network
  o.channels[0].url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
  o.policy.push_back({Grade::kLarger, {"nope"}, "any"});
  EXPECT_FALSE(check(o).ok());
  o.policy[0].channels = {"wx"};
  EXPECT_TRUE(check(o).ok());
  o.channels.push_back({"m", "mail", "", "", {"xinxike@hospital.example"}});
  EXPECT_FALSE(check(o).ok());  // mail without a server
  o.mail.server = "smtps://mail.hospital.example:465";
  EXPECT_TRUE(check(o).ok());
  o.working_hours = "18:00-08:00";
  EXPECT_FALSE(check(o).ok());
  o.working_hours = "08:00-17:30";
  std::string dir = (fs::temp_directory_path() / ("wardsec-incident-svc-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  auto s = Service::open(dir + "/incident.db", o);
  ASSERT_TRUE(s.ok()) << s.error();
  int64_t t;
  ASSERT_TRUE(parse_rfc3339("2026-12-04T08:30:00+08:00", t));  // Friday morning
  EXPECT_TRUE((*s)->working_time(t));
  ASSERT_TRUE(parse_rfc3339("2026-12-04T17:30:00+08:00", t));
  EXPECT_FALSE((*s)->working_time(t));
  ASSERT_TRUE(parse_rfc3339("2026-12-05T10:00:00+08:00", t));  // Saturday
  EXPECT_FALSE((*s)->working_time(t));
  // The roster: who is on duty at a time; bad entries refused.
  ASSERT_TRUE(parse_rfc3339("2026-12-04T08:00:00+08:00", t));
  EXPECT_TRUE((*s)->add_duty({0, t, t + 24 * 60 * kMin, "王工", "信息科值班", "13800000001", "wang@hospital.example"}).ok());
  EXPECT_FALSE((*s)->add_duty({0, t, t, "李工", "", "", ""}).ok());
  EXPECT_FALSE((*s)->add_duty({0, t, t + kMin, "李工", "", "call me", ""}).ok());
  EXPECT_FALSE((*s)->add_duty({0, t, t + kMin, "李工", "", "", "a@b>, c@d"}).ok());
  EXPECT_EQ((*s)->on_duty(t + kMin)->size(), 1u);
  EXPECT_EQ((*s)->roster(t - kMin)->size(), 1u);  // from a time, open-ended
  EXPECT_EQ((*s)->roster(t - kMin, t + kMin)->size(), 1u);
  EXPECT_TRUE((*s)->roster(t - 2 * kMin, t - kMin)->empty());
  EXPECT_TRUE((*s)->on_duty(t - kMin)->empty());
  s->reset();
  fs::remove_all(dir);
}

TEST(IncidentEvidence, ASealedBundleVerifiesOfflineAndAnyChangeIsNamed) {
  Db db;
  NewIncident n;
  n.title = "勒索软件";
  auto id = db.store->create(n, "secadmin");
  ASSERT_TRUE(id.ok());
  fs::create_directories(db.dir + "/recordings");
  { std::ofstream(db.dir + "/recordings/s1.cast") << "{\"version\": 2}\n[0.1, \"o\", \"$ \"]\n"; }
  auto key = KeyPair::load_or_create(db.dir + "/keys", SignAlg::kEd25519);
  ASSERT_TRUE(key.ok()) << key.error();
  SealInput in;
  in.data_dir = db.dir;
  in.key = &*key;
  in.who = "secadmin";
  in.recordings = {"s1.cast", "../etc/passwd"};  // a name outside recordings/ is skipped
  auto s = seal(*db.store, *id, in);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->recordings, 1u);
  auto c = verify_bundle(s->dir);
  EXPECT_TRUE(c.ok) << c.summary();
  EXPECT_EQ(c.fingerprint, key->fingerprint());
  EXPECT_EQ(bundles(db.dir, *id).size(), 1u);
  auto tar = bundle_tar(db.dir, s->name);
  ASSERT_TRUE(tar.ok());
  EXPECT_EQ(tar->size() % 512, 0u);
  EXPECT_FALSE(bundle_tar(db.dir, "../x").ok());
  // One flipped byte in a recording is named.
  std::string rec = s->dir + "/recordings/s1.cast";
  {
    std::fstream f(rec, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('X');
  }
  c = verify_bundle(s->dir);
  EXPECT_FALSE(c.ok);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("recordings/s1.cast"), std::string::npos);
  // A file slipped in, and a manifest rewritten (its signature no longer holds).
  { std::ofstream(s->dir + "/extra.txt") << "x"; }
  std::string m;
  {
    std::ifstream f(s->dir + "/manifest.json");
    m.assign(std::istreambuf_iterator<char>(f), {});
  }
  m.replace(m.find("secadmin"), 8, "someone1");
  { std::ofstream(s->dir + "/manifest.json") << m; }
  c = verify_bundle(s->dir);
  std::string all = c.summary();
  EXPECT_NE(all.find("extra.txt"), std::string::npos) << all;
  EXPECT_NE(all.find("signature does not verify"), std::string::npos) << all;
  // Against another key the bundle's own key is not trusted.
  auto other = KeyPair::load_or_create(db.dir + "/other", SignAlg::kEd25519);
  ASSERT_TRUE(other.ok());
  auto s2 = seal(*db.store, *id, in);
  ASSERT_TRUE(s2.ok()) << s2.error();
  EXPECT_FALSE(verify_bundle(s2->dir, db.dir + "/other/instance.pub").ok);
}

TEST(IncidentService, AutoOpenRulesMatchByLevelSystemLevelAndRule) {
  Options o;  // the defaults
  std::string dir = (fs::temp_directory_path() / ("wardsec-incident-auto-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  auto s = Service::open(dir + "/incident.db", o);
  ASSERT_TRUE(s.ok()) << s.error();
  alert::Alert a;
  a.rule_id = "6cd1e4c6-7682-5a9e-a2a6-e325f35c6398";  // shadow copies deleted
  a.level = "critical";
  const AutoOpen* r = (*s)->matches(a);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->subcategory, "MPRANS");
  EXPECT_EQ(r->grade, Grade::kMajor);
  a.level = "medium";  // below the rule's level
  EXPECT_EQ((*s)->matches(a), nullptr);
  a.rule_id = "some-other-rule";
  a.level = "critical";
  a.system = "his 医院信息系统 L3";
  r = (*s)->matches(a);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->name, "critical-on-level3");
  a.system = "oa 办公自动化 L2";  // below level 3
  EXPECT_EQ((*s)->matches(a), nullptr);
  a.system = "";  // no graded system known
  EXPECT_EQ((*s)->matches(a), nullptr);
  s->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace wardsec::incident
