// Emergency plans and drills: the shipped templates read in both languages, a plan's input is
// checked with the field named, versions and reviews are kept, drills refuse to skip their
// record, the RTO is measured, what is due follows the last drill, and an evaluation opens
// rectification tasks and writes OM.EMG evidence in the compliance workbench.
#include <gtest/gtest.h>

#include <filesystem>

#include "compliance/assessment.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "emergency/service.h"
#include "incident/model.h"

namespace wardsec::emergency {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMin = 60LL * 1000000000LL;
constexpr int64_t kDay = 1440 * kMin;

std::string templates_dir() { return std::string(WARDSEC_SOURCE_DIR) + "/plans/templates"; }

struct Env {
  std::string dir;
  int64_t t = 1796428800LL * 1000000000LL;  // 2026-12-05T00:00:00Z
  std::unique_ptr<Service> svc;
  Env() {
    dir = fs::temp_directory_path() / ("wardsec-emg-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    fs::create_directories(dir);
    auto inv = compliance::Inventory::open(DataDir(dir).compliance_db());
    EXPECT_TRUE(inv.ok());
    auto n = (*inv)->import_csv("systems",
                                "id,name,name_en,kind,level,owner,business,users,data\n"
                                "his,医院信息系统,HIS,his,3,,,,\nweb,门户网站,Website,website,2,,,,\nnew,新系统,New,oa,,,,,\n",
                                "systems.csv");
    EXPECT_TRUE(n.ok()) << (n ? "" : n.error());
    auto s = Service::open({dir, templates_dir(), 8 * 3600}, [this] { return t; });
    EXPECT_TRUE(s.ok()) << (s ? "" : s.error());
    svc = std::move(*s);
  }
  ~Env() { fs::remove_all(dir); }
};

TEST(EmergencyPlan, EveryShippedTemplateReadsInBothLanguagesWithOwnersAmongItsRoles) {
  auto t = load_templates(templates_dir());
  ASSERT_TRUE(t.ok()) << t.error();
  std::set<std::string> keys;
  for (const auto& x : *t) keys.insert(x.key);
  for (const char* k : {"his-downtime", "network-core", "ransomware", "patient-data-leak", "tongfang-leak", "db-restore",
                        "power-machine-room", "web-defacement"})
    EXPECT_TRUE(keys.count(k)) << k;
  for (const auto& x : *t) {
    auto zh = parse_plan(x.zh), en = parse_plan(x.en);
    ASSERT_TRUE(zh.ok() && en.ok()) << x.key;
    EXPECT_EQ(zh->steps.size(), en->steps.size()) << x.key;
    EXPECT_GT(zh->rto_minutes, 0);
    EXPECT_TRUE(std::count(zh->items.begin(), zh->items.end(), "OM.EMG.b")) << x.key;
  }
}

TEST(EmergencyPlan, BadInputIsRefusedWithTheFieldNamed) {
  auto base = nlohmann::json::parse(R"({"title":"T","roles":[{"role":"信息科科长"}],"triggers":["x"],
    "steps":[{"title":"s","owner":"信息科科长"}],"rto_minutes":60})");
  ASSERT_TRUE(parse_plan(base).ok());
  auto bad = [&](const char* patch, const char* field) {
    auto j = base;
    j.merge_patch(nlohmann::json::parse(patch));
    auto p = parse_plan(j);
    ASSERT_FALSE(p.ok()) << patch;
    EXPECT_NE(p.error().find(field), std::string::npos) << p.error();
  };
  bad(R"({"title":""})", "plan.title");
  bad(R"({"rto_minutes":0})", "plan.rto_minutes");
  bad(R"({"rto_minutes":"60"})", "plan.rto_minutes");
  bad(R"({"steps":[]})", "plan.steps");
  bad(R"({"steps":[{"title":"s","owner":"门卫"}]})", "plan.steps[1].owner");
  bad(R"({"items":["OM.EMG"]})", "plan.items");
  bad(R"({"drill_days":400})", "plan.drill_days");  // at least yearly
  bad(R"({"systems":["his; DROP"]})", "plan.systems");
  bad(R"({"triggers":[" "]})", "plan.triggers");
  auto p = parse_plan(base);
  EXPECT_EQ(p->items, (std::vector<std::string>{"OM.EMG.a", "OM.EMG.b"}));  // the default items
}

TEST(EmergencyStore, RevisionsAndReviewsAreKeptAndARetiredPlanStaysAsItWas) {
  Env e;
  auto p = e.svc->from_template("web-defacement", "zh");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->systems, (std::vector<std::string>{"web"}));  // the hospital's own system of the template's kind
  auto id = e.svc->store().create_plan(*p, "secadmin");
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(e.svc->revise(*id, *p, "no change", "secadmin").ok());
  p->rto_minutes = 45;
  EXPECT_FALSE(e.svc->revise(*id, *p, "", "secadmin").ok());  // a note is required
  ASSERT_TRUE(e.svc->revise(*id, *p, "RTO 缩短为 45 分钟", "secadmin").ok());
  ASSERT_TRUE(e.svc->activate(*id, "院办会审议通过", "secadmin").ok());
  ASSERT_TRUE(e.svc->review(*id, "年度评审：无需修订", "secadmin").ok());
  auto h = e.svc->store().history(*id);
  ASSERT_TRUE(h.ok());
  std::vector<std::string> kinds;
  for (const auto& v : *h) kinds.push_back(v.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"created", "revised", "activated", "reviewed"}));
  EXPECT_EQ((*h)[0].body["rto_minutes"], 60);  // version 1 as it was
  EXPECT_EQ((*h)[1].body["rto_minutes"], 45);
  // Evidence in the workbench: the plan for OM.EMG.a/b, the review for OM.EMG.d, on the system it covers only.
  auto as = compliance::Assessments::open(DataDir(e.dir).compliance_db());
  ASSERT_TRUE(as.ok());
  EXPECT_EQ((*as)->evidence("web", "OM.EMG.b")->size(), 1u);
  EXPECT_EQ((*as)->evidence("web", "OM.EMG.d")->size(), 1u);
  EXPECT_EQ((*as)->evidence("his", "OM.EMG.b")->size(), 0u);
  ASSERT_TRUE(e.svc->store().set_plan_status(*id, "retired", "由新版替代", "secadmin").ok());
  EXPECT_FALSE(e.svc->revise(*id, *p, "x", "secadmin").ok());
  EXPECT_FALSE(e.svc->activate(*id, "", "secadmin").ok());
}

TEST(EmergencyDrill, ADrillIsRecordedStepByStepTheRtoIsMeasuredAndFindingsOpenTasks) {
  Env e;
  auto p = e.svc->from_template("network-core", "zh");  // no kinds: the whole hospital (graded systems)
  ASSERT_TRUE(p.ok());
  auto plan = e.svc->store().create_plan(*p, "secadmin");
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(e.svc->store().schedule_drill(*plan, "2026-12-10", "tabletop", "", "secadmin").ok());  // a draft
  ASSERT_TRUE(e.svc->activate(*plan, "", "secadmin").ok());
  EXPECT_FALSE(e.svc->store().schedule_drill(*plan, "2026-02-30", "tabletop", "", "secadmin").ok());
  EXPECT_FALSE(e.svc->store().schedule_drill(*plan, "2026-12-10", "party", "", "secadmin").ok());
  auto d = e.svc->store().schedule_drill(*plan, "2026-12-10", "functional", "", "secadmin");
  ASSERT_TRUE(d.ok());
  auto& st = e.svc->store();
  EXPECT_FALSE(st.record_step(*d, 1, "ok", "", 0, "secadmin").ok());  // not started
  ASSERT_TRUE(st.start_drill(*d, 0, "secadmin").ok());
  int64_t start = e.t;
  EXPECT_FALSE(st.record_step(*d, 99, "ok", "", 0, "secadmin").ok());
  EXPECT_FALSE(st.record_step(*d, 1, "failed", "", 0, "secadmin").ok());         // a failure says why
  EXPECT_FALSE(st.record_step(*d, 1, "ok", "", start + kDay, "secadmin").ok());  // not ahead of now
  EXPECT_FALSE(st.record_step(*d, 1, "ok", "", start - kMin, "secadmin").ok());  // not before the start
  auto steps = st.drill(*d)->steps.size();
  for (size_t i = 1; i <= steps; i++) {
    e.t += 10 * kMin;
    ASSERT_TRUE(st.record_step(*d, i, i == 3 ? "failed" : "ok", i == 3 ? "备用链路未自动切换" : "", 0, "secadmin").ok());
  }
  EXPECT_FALSE(st.finish_drill(*d, 0, "secadmin").ok());  // nobody recorded as taking part
  ASSERT_TRUE(st.set_participants(*d, {{"张伟", "信息科科长"}, {"李强", "网络管理员"}}, "secadmin").ok());
  ASSERT_TRUE(st.mark_restored(*d, start + 150 * kMin, "secadmin").ok() == false);  // in the future of the clock
  ASSERT_TRUE(st.mark_restored(*d, start + 50 * kMin, "secadmin").ok());
  ASSERT_TRUE(st.finish_drill(*d, 0, "secadmin").ok());
  auto done = st.drill(*d);
  ASSERT_TRUE(done.ok());
  EXPECT_DOUBLE_EQ(*done->recovery_minutes(), 50.0);
  EXPECT_TRUE(*done->rto_met());  // RTO 120
  // A failed step must be answered with a finding.
  EXPECT_FALSE(e.svc->evaluate(*d, "总体顺利", {}, "secadmin").ok());
  auto tasks =
      e.svc->evaluate(*d, "总体顺利；备用链路切换需人工", {{"备用链路未自动切换", "OM.EMG.b", "李强", "2027-01-31", {}}}, "secadmin");
  ASSERT_TRUE(tasks.ok()) << tasks.error();
  EXPECT_EQ(tasks->size(), 2u);  // one per graded system (his, web; "new" is not graded)
  EXPECT_FALSE(e.svc->evaluate(*d, "again", {{"x", "", "", "", {}}}, "secadmin").ok());
  auto as = compliance::Assessments::open(DataDir(e.dir).compliance_db());
  auto rect = (*as)->rectifications("his");
  ASSERT_EQ(rect->size(), 1u);
  EXPECT_EQ(rect->front().source, "drill:" + std::to_string(*d));
  EXPECT_EQ(rect->front().due, "2027-01-31");
  EXPECT_EQ((*as)->evidence("his", "OM.EMG.c")->size(), 1u);
  EXPECT_NE((*as)->evidence("his", "OM.EMG.c")->front().text.find("达标"), std::string::npos);
  EXPECT_EQ(st.drill(*d)->findings[0].tasks.size(), 2u);
  EXPECT_GE(st.drill_log(*d)->size(), steps + 4);
}

TEST(EmergencyDrill, WhatIsDueFollowsTheLastDrillAndAScheduledOneIsShown) {
  Env e;
  auto p = e.svc->from_template("power-machine-room", "en");
  p->drill_days = 180;
  auto plan = e.svc->store().create_plan(*p, "secadmin");
  ASSERT_TRUE(e.svc->activate(*plan, "", "secadmin").ok());
  auto due = e.svc->store().due(8 * 3600);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  auto drill = std::find_if(due->begin(), due->end(), [](const DueItem& d) { return d.what == "drill"; });
  EXPECT_EQ(drill->due, "2027-06-03");  // 180 days from 2026-12-05 (China time)
  (void)drill;
}

TEST(EmergencyIncident, AnIncidentFromAPlanCarriesItsStepsAsAChecklist) {
  Env e;
  auto store = incident::Store::open(e.dir + "/incident.db", {}, [&] { return e.t; });
  ASSERT_TRUE(store.ok());
  incident::NewIncident n;
  n.title = "勒索";
  n.plan = 3;
  n.checklist = {{0, "隔离", "安全管理员", "", 15, 0, "", ""}, {0, "报告", "信息科科长", "", 30, 0, "", ""}};
  auto id = (*store)->create(n, "secadmin");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ((*store)->get(*id)->plan, 3);
  EXPECT_FALSE((*store)->tick(*id, 3, true, "", "secadmin").ok());
  EXPECT_FALSE((*store)->tick(*id, 1, false, "", "secadmin").ok());  // not done yet
  ASSERT_TRUE((*store)->tick(*id, 1, true, "", "secadmin").ok());
  EXPECT_FALSE((*store)->tick(*id, 1, true, "", "secadmin").ok());
  EXPECT_FALSE((*store)->tick(*id, 1, false, "", "secadmin").ok());  // reopening says why
  auto c = (*store)->checklist(*id);
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].done_by, "secadmin");
  EXPECT_EQ((*c)[1].done_at, 0);
}

}  // namespace
}  // namespace wardsec::emergency
