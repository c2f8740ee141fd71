// Grading per GB/T 22240-2020 and the self-assessment score per the 2021 report template's
// method, with a worked example computed by hand.
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <fstream>
#include <set>

#include "compliance/grading.h"
#include "compliance/scoring.h"
#include "test_util.h"

namespace wardsec::compliance {
namespace {

TEST(Grading, TheStandardsMatrix) {
  using O = HarmedObject;
  using D = HarmDegree;
  int want[3][3] = {{1, 2, 2}, {2, 3, 4}, {3, 4, 5}};
  for (int o = 0; o < 3; o++)
    for (int d = 0; d < 3; d++) EXPECT_EQ(matrix_level(static_cast<O>(o), static_cast<D>(d)), want[o][d]) << o << "," << d;
}

TEST(Grading, TheSystemTakesTheHigherOfItsTwoLevels) {
  // HIS: leaked prescriptions seriously harm patients (business: citizens, serious -> 2); an
  // outage seriously harms public order at a tertiary hospital (service: society, serious -> 3).
  GradingInput in;
  in.business_object = HarmedObject::kCitizens;
  in.business_degree = HarmDegree::kSerious;
  in.service_object = HarmedObject::kSociety;
  in.service_degree = HarmDegree::kSerious;
  Grading g = grade(in);
  EXPECT_EQ(g.business_level, 2);
  EXPECT_EQ(g.service_level, 3);
  EXPECT_EQ(g.level, 3);
  ASSERT_EQ(g.notes.size(), 1u);
  EXPECT_NE(g.notes[0].find("30 日内"), std::string::npos);
}

TEST(Grading, TheAmbiguousCellShowsTheStandardsValueWithANote) {
  GradingInput in;
  in.business_object = HarmedObject::kCitizens;
  in.business_degree = HarmDegree::kVerySerious;
  Grading g = grade(in);
  EXPECT_EQ(g.level, 2);  // the standard's table
  ASSERT_GE(g.notes.size(), 2u);
  EXPECT_NE(g.notes[0].find("征求意见稿"), std::string::npos);
  GradingInput low;
  EXPECT_EQ(grade(low).level, 1);
  EXPECT_NE(grade(low).notes[0].find("无需专家评审"), std::string::npos);
}

TEST(Grading, HospitalDefaultsAreSuggestions) {
  EXPECT_EQ(hospital_default("his", "3").level, 3);
  EXPECT_NE(hospital_default("his", "3").basis.find("85号"), std::string::npos);
  EXPECT_EQ(hospital_default("his", "2").level, 2);
  EXPECT_EQ(hospital_default("internet-hospital", "2").level, 3);
  EXPECT_EQ(hospital_default("oa", "3").level, 2);
  EXPECT_EQ(parse_object("社会秩序、公共利益"), HarmedObject::kSociety);
  EXPECT_EQ(parse_degree("特别严重损害"), HarmDegree::kVerySerious);
  EXPECT_FALSE(parse_degree("bad"));
}

const Catalog& catalog() {
  static Catalog c = std::move(Catalog::load(test::source_dir() + "/catalog/gbt22239-2019.tsv").value());
  return c;
}

// Ten level-3 items: six 符合, CE.IA.a 部分符合 (关键), CE.IA.b 部分符合 (重要), CE.AUD.a 不符合
// (一般), CE.MAL.a 不适用. n = 9 applicable.
//   CE.IA.a: 1.0 × (1 − 0.5) / 9 × 100 = 5.5556
//   CE.IA.b: 0.5 × (1 − 0.5) / 9 × 100 = 2.7778
//   CE.AUD.a: 0.2 × (1 − 0)  / 9 × 100 = 2.2222
//   score = 100 − 10.5556 = 89.44 -> 良 (below 90; no high risk)
std::vector<ItemAssessment> example(Risk aud_risk) {
  std::vector<ItemAssessment> v;
  for (const char* id : {"PE.LOC.a", "PE.LOC.b", "CN.ARC.a", "AB.BND.a", "CE.AC.a", "CE.AC.b"})
    v.push_back({id, Conformity::kConform, {}, Risk::kNone});
  v.push_back({"CE.IA.a", Conformity::kPartial, {}, Risk::kLow});
  v.push_back({"CE.IA.b", Conformity::kPartial, {}, Risk::kLow});
  v.push_back({"CE.AUD.a", Conformity::kNonConform, {}, aud_risk});
  v.push_back({"CE.MAL.a", Conformity::kNotApplicable, {}, Risk::kNone});
  return v;
}

ScoringConfig example_config() {
  ScoringConfig c;  // the shipped weights; importance set for the example's items
  c.importance = {{"CE.IA.a", "关键"}, {"CE.IA.b", "重要"}, {"CE.AUD.a", "一般"}};
  return c;
}

TEST(Scoring, AWorkedExampleComputedByHand) {
  for (const char* id : {"PE.LOC.a", "CN.ARC.a", "AB.BND.a", "CE.AC.b", "CE.AUD.a", "CE.MAL.a"})
    ASSERT_NE(catalog().find(id), nullptr) << id;
  ScoreResult r = compute_score(example(Risk::kMedium), catalog(), 3, example_config()).value();
  EXPECT_EQ(r.applicable, 9);
  EXPECT_DOUBLE_EQ(r.score, 89.44);
  // 10 of 211 items: the score is over those ten; 良 is what they alone give, not a conclusion.
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(r.conclusion, kIncomplete);
  EXPECT_EQ(r.provisional, "良");
  EXPECT_EQ(r.medium, 1);
  EXPECT_EQ(r.low, 2);
  const CategoryResult& ce = r.per_category.at("CE");
  EXPECT_EQ(ce.applicable, 5);  // CE.AC.a, CE.AC.b, CE.IA.a, CE.IA.b, CE.AUD.a
  EXPECT_EQ(ce.not_applicable, 1);
  EXPECT_DOUBLE_EQ(ce.compliance, (1 + 1 + 0.5 + 0.5 + 0) / 5.0);
  EXPECT_EQ(r.not_assessed.size(), 211u - 10u);
  EXPECT_EQ(r.total(), 9 + 201);
  int open = 0;
  for (const auto& [code, c] : r.per_category) open += c.not_assessed;
  EXPECT_EQ(open, 201);
  auto level3 = catalog().at_level(3);
  EXPECT_EQ(ce.applicable + ce.not_assessed + ce.not_applicable,
            std::count_if(level3.begin(), level3.end(), [](const Requirement* q) { return q->category == "CE"; }));
}

TEST(Scoring, AConclusionOnlyWhenEveryItemHasAResult) {
  ScoringConfig c;
  std::vector<ItemAssessment> all_ok;
  for (const auto* req : catalog().at_level(3)) all_ok.push_back({req->id, Conformity::kConform, {}, Risk::kNone});
  EXPECT_EQ(compute_score(all_ok, catalog(), 3, c).value().conclusion, "优");
  // One item short of complete: no conclusion, whatever the others say.
  std::vector<ItemAssessment> short_one(all_ok.begin(), all_ok.end() - 1);
  ScoreResult r = compute_score(short_one, catalog(), 3, c).value();
  EXPECT_DOUBLE_EQ(r.score, 100);
  EXPECT_EQ(r.conclusion, kIncomplete);
  EXPECT_EQ(r.provisional, "优");
  EXPECT_EQ(r.not_assessed.size(), 1u);
  // 不适用 is a result: an item marked so completes the set.
  short_one.push_back({all_ok.back().id, Conformity::kNotApplicable, {}, Risk::kNone});
  EXPECT_EQ(compute_score(short_one, catalog(), 3, c).value().conclusion, "优");
  // A high risk found among four items is already 差: the open items cannot undo it.
  std::vector<ItemAssessment> four(all_ok.begin(), all_ok.begin() + 4);
  four[0] = {four[0].id, Conformity::kNonConform, {}, Risk::kHigh};
  r = compute_score(four, catalog(), 3, c).value();
  EXPECT_EQ(r.conclusion, "差");
  EXPECT_TRUE(r.provisional.empty());
}

TEST(Scoring, AnyHighRiskMakesTheConclusionPoor) {
  ScoreResult r = compute_score(example(Risk::kHigh), catalog(), 3, example_config()).value();
  EXPECT_DOUBLE_EQ(r.score, 89.44);  // the score is unchanged
  EXPECT_EQ(r.conclusion, "差");
  EXPECT_EQ(r.high_risk_items, std::vector<std::string>{"CE.AUD.a"});
}

TEST(Scoring, BandsAndEdges) {
  ScoringConfig c;
  std::vector<ItemAssessment> all_ok;
  for (const auto* req : catalog().at_level(2)) all_ok.push_back({req->id, Conformity::kConform, {}, Risk::kNone});
  ScoreResult r = compute_score(all_ok, catalog(), 2, c).value();
  EXPECT_EQ(r.applicable, 135);
  EXPECT_DOUBLE_EQ(r.score, 100);
  EXPECT_EQ(r.conclusion, "优");
  // A low risk keeps 优; a medium risk at 100 points is 良 (优 allows no medium risk).
  all_ok[0] = {all_ok[0].id, Conformity::kPartial, 0.99, Risk::kMedium};
  EXPECT_EQ(compute_score(all_ok, catalog(), 2, c).value().conclusion, "良");
  // Everything 不符合 with the default importance 重要: 100 − 0.5 × 100 = 50 -> 差.
  std::vector<ItemAssessment> none;
  for (const auto* req : catalog().at_level(3)) none.push_back({req->id, Conformity::kNonConform, {}, Risk::kLow});
  r = compute_score(none, catalog(), 3, c).value();
  EXPECT_DOUBLE_EQ(r.score, 50);
  EXPECT_EQ(r.conclusion, "差");
  // Items the level does not have are reported, not counted.
  r = compute_score({{"CE.IA.d", Conformity::kConform, {}, Risk::kNone}, {"XX.YY.z", Conformity::kConform, {}, Risk::kNone}}, catalog(), 2,
                    c)
          .value();
  EXPECT_EQ(r.unknown_items, (std::vector<std::string>{"CE.IA.d", "XX.YY.z"}));
}

// What an assessor tried: levels wardsec has no items for, an item twice, x out of range. Each
// is refused with the reason, never scored.
TEST(Scoring, WrongInputIsRefusedNotScored) {
  ScoringConfig c;
  std::vector<ItemAssessment> one = {{"CE.IA.a", Conformity::kConform, {}, Risk::kNone}};
  for (int level : {0, 1, 4, 5}) {
    auto r = compute_score(one, catalog(), level, c);
    ASSERT_FALSE(r.ok()) << level;
    EXPECT_NE(r.error().find("level " + std::to_string(level)), std::string::npos) << r.error();
  }
  auto twice = compute_score({one[0], {"CE.IA.a", Conformity::kNonConform, {}, Risk::kHigh}}, catalog(), 3, c);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().find("CE.IA.a"), std::string::npos);
  for (double x : {1.5, -2.0, -0.01, 1.01, std::nan("")})
    EXPECT_FALSE(compute_score({{"CE.IA.a", Conformity::kPartial, x, Risk::kLow}}, catalog(), 3, c).ok()) << x;
  EXPECT_FALSE(compute_score({{"CE.IA.a", Conformity::kConform, 0.5, Risk::kNone}}, catalog(), 3, c).ok());
  EXPECT_TRUE(compute_score({{"CE.IA.a", Conformity::kPartial, 0.3, Risk::kLow}}, catalog(), 3, c).ok());
}

// A level-2 system sees the level-2 wording and code of each item, never the level-3 one.
TEST(Catalog, LevelTwoItemsCarryLevelTwoWordingAndCodes) {
  const Requirement* bak = catalog().find("CE.BAK.b");
  ASSERT_NE(bak, nullptr);
  EXPECT_NE(bak->text(3, false).find("实时"), std::string::npos);
  EXPECT_EQ(bak->text(2, false).find("实时"), std::string::npos) << bak->text(2, false);
  EXPECT_NE(bak->text(2, false).find("异地"), std::string::npos);
  EXPECT_EQ(bak->text(2, true).find("real-time"), std::string::npos);
  EXPECT_EQ(bak->code(3).substr(0, 3), "L3-");
  EXPECT_EQ(bak->code(2).substr(0, 3), "L2-");
  // Codes at level 2 count the level-2 units: 23 computing-environment items, 01 to 23, none twice.
  std::set<std::string> codes;
  for (const auto* q : catalog().at_level(2)) {
    if (q->code_28448.empty()) continue;
    EXPECT_EQ(q->code(2).substr(0, 3), "L2-") << q->id;
    EXPECT_TRUE(codes.insert(q->code(2)).second) << q->code(2);
    EXPECT_FALSE(q->text(2, false).empty());
  }
  EXPECT_TRUE(codes.count("L2-CES1-23"));
  EXPECT_FALSE(codes.count("L2-CES1-24"));
  EXPECT_TRUE(codes.count("L2-PES1-15"));
  // The JSON a level-2 checklist exports has the level-2 form.
  std::string j = requirement_to_json(*bak, 2);
  EXPECT_NE(j.find("L2-CES1-"), std::string::npos);
  EXPECT_EQ(j.find("实时"), std::string::npos);
}

TEST(Scoring, TheShippedConfigLoadsAndBadOnesAreNamed) {
  auto c = ScoringConfig::load(test::source_dir() + "/catalog/scoring.yaml");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_DOUBLE_EQ(c->weights.at("关键"), 1.0);
  EXPECT_EQ(c->bands.size(), 4u);
  EXPECT_EQ(c->bands[0].conclusion, "优");
  std::string p = ::testing::TempDir() + "/scoring-bad.yaml";
  std::ofstream(p) << "weights: {关键: 1.0}\ndefault_importance: 重要\n";
  auto bad = ScoringConfig::load(p);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("default_importance '重要' has no weight"), std::string::npos) << bad.error();
  std::ofstream(p) << "weight: {}\n";
  bad = ScoringConfig::load(p);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find(":1: unknown key 'weight'"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace wardsec::compliance
