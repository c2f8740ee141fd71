// The shipped rules read in Chinese and English: every rule and correlation in rules/hospital
// has both titles, descriptions, false positives and triage advice, and every tag it carries
// is shown by name (ATT&CK from rules/mapping/attack.tsv, 等保 controls from the catalog).
#include <gtest/gtest.h>

#include "server/rule_guide.h"
#include "test_util.h"

using namespace wardsec;

namespace {

std::unique_ptr<detect::RuleSet> shipped() {
  std::string root = test::source_dir();
  auto mapping = detect::Mapping::load(root + "/rules/mapping/sigma.yaml");
  EXPECT_TRUE(mapping.ok()) << mapping.error();
  auto set = std::make_unique<detect::RuleSet>(std::move(mapping.value()));
  set->add_path(root + "/rules/hospital");
  set->finish();
  for (const auto& e : set->errors()) ADD_FAILURE() << e.to_string();
  return set;
}

server::RuleGuide guide(const detect::RuleSet* set) {
  std::string root = test::source_dir();
  return server::RuleGuide(set, root + "/rules/mapping/attack.tsv", root + "/catalog/gbt22239-2019.tsv");
}

bool has_cjk(const std::string& s) {
  for (size_t i = 0; i + 2 < s.size(); i++)
    if (static_cast<unsigned char>(s[i]) >= 0xe4 && static_cast<unsigned char>(s[i]) <= 0xe9) return true;
  return false;
}

template <class R>
void check_texts(const R& r, const std::string& what) {
  SCOPED_TRACE(what + " " + r.file);
  EXPECT_TRUE(has_cjk(r.zh.title)) << "zh.title: " << r.zh.title;
  EXPECT_TRUE(has_cjk(r.zh.description)) << "zh.description";
  EXPECT_FALSE(r.zh.falsepositives.empty()) << "zh.falsepositives";
  EXPECT_FALSE(r.zh.check.empty()) << "zh.check";
  EXPECT_FALSE(r.zh.respond.empty()) << "zh.respond";
  // English stays English: no "中文 / English" title (the `zh` block holds the Chinese); a
  // Chinese term in brackets, as in "Tongfang (统方)", is fine.
  EXPECT_TRUE(!r.en.title.empty() && static_cast<unsigned char>(r.en.title[0]) < 0x80 && r.en.title.find(" / ") == std::string::npos)
      << "title should be English: " << r.en.title;
  EXPECT_FALSE(r.en.description.empty());
  EXPECT_FALSE(r.en.falsepositives.empty()) << "falsepositives";
  EXPECT_FALSE(r.en.check.empty()) << "triage.check";
  EXPECT_FALSE(r.en.respond.empty()) << "triage.respond";
  for (const auto& fp : r.en.falsepositives) EXPECT_NE(fp, "Unknown") << "say what the false positives are";
}

}  // namespace

TEST(RuleGuide, EveryShippedRuleHasBothLanguagesAndTriageAdvice) {
  auto set = shipped();
  ASSERT_GE(set->rules().size(), 40u);
  for (const auto& lr : set->rules()) check_texts(lr.rule, "rule " + lr.rule.title);
  for (const auto& lc : set->correlations()) check_texts(lc.corr, "correlation " + lc.corr.title);
}

TEST(RuleGuide, EveryShippedTagIsShownByName) {
  auto set = shipped();
  auto g = guide(set.get());
  auto check = [&](const std::vector<std::string>& tags, const std::string& title) {
    for (const auto& t : tags) {
      auto j = g.tag(t);
      EXPECT_FALSE(j["zh"].get<std::string>().empty()) << title << ": tag " << t << " has no Chinese name";
      EXPECT_FALSE(j["en"].get<std::string>().empty()) << title << ": tag " << t << " has no English name";
    }
  };
  for (const auto& lr : set->rules()) check(lr.rule.tags, lr.rule.title);
  for (const auto& lc : set->correlations()) check(lc.corr.tags, lc.corr.title);
}

TEST(RuleGuide, TagsNameTheControlAndTheTechnique) {
  auto g = guide(nullptr);
  auto t = g.tag("attack.t1110.001");
  EXPECT_EQ(t["kind"], "attack");
  EXPECT_EQ(t["code"], "T1110.001");
  EXPECT_EQ(t["en"], "Brute Force: Password Guessing");
  auto tactic = g.tag("attack.credential_access");
  EXPECT_EQ(tactic["code"], "credential_access");
  EXPECT_EQ(tactic["zh"], "凭据访问");
  auto unit = g.tag("mlps.l3-ces1-02");  // a GB/T 28448 test unit
  EXPECT_EQ(unit["kind"], "mlps");
  EXPECT_EQ(unit["code"], "L3-CES1-02");
  EXPECT_NE(unit["zh"].get<std::string>().find("身份鉴别"), std::string::npos) << unit.dump();
  auto item = g.tag("mlps.ce.ia.b");  // a catalog id
  EXPECT_EQ(item["code"], "CE.IA.b");
  EXPECT_EQ(item["item"], "CE.IA.b");
  auto unknown = g.tag("attack.t9999");  // shown by its id, names empty
  EXPECT_EQ(unknown["code"], "T9999");
  EXPECT_EQ(unknown["zh"], "");
  EXPECT_EQ(g.tag("cve.2021-44228")["kind"], "other");
  EXPECT_FALSE(g.rule("anything"));  // no rules loaded
  EXPECT_TRUE(g.list().empty());
}

TEST(RuleGuide, ARuleIsFoundByIdWithItsTexts) {
  auto set = shipped();
  auto g = guide(set.get());
  std::string id;
  for (const auto& lc : set->correlations())
    if (lc.corr.name == "ssh_brute_force") id = lc.corr.id;
  ASSERT_FALSE(id.empty());
  auto r = g.rule(id);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["zh"]["title"], "SSH 暴力破解");
  EXPECT_EQ((*r)["kind"], "event_count");
  EXPECT_FALSE((*r)["zh"]["respond"].empty());
  EXPECT_FALSE((*r)["tags"].empty());
  // the list holds what raises alerts, with both titles (the suppression dialog's picker)
  bool listed = false;
  for (const auto& x : g.list()) listed = listed || (x["id"] == id && x["title_zh"] == "SSH 暴力破解");
  EXPECT_TRUE(listed);
}

// The center's own alerts (log sources, the disk, the store) have texts and advice as a rule has,
// with or without detection loaded.
TEST(RuleGuide, TheCentersOwnAlertsHaveTextsToo) {
  auto g = guide(nullptr);
  for (const char* id :
       {"wardsec.ops.source_silent", "wardsec.ops.source_abnormal", "wardsec.ops.sources_many", "wardsec.ops.asset_no_logs",
        "wardsec.ops.probe_down", "wardsec.ops.probe_slow", "wardsec.ops.cert_expiring", "wardsec.ops.export_failed",
        "wardsec.ops.config_unplanned", "wardsec.ops.config_fetch_failed", "wardsec.ops.backup_failed", "wardsec.ops.new_device",
        "wardsec.ops.new_devices", "wardsec.center.disk_low", "wardsec.center.store_damaged", "wardsec.center.crash_recovered"}) {
    SCOPED_TRACE(id);
    auto r = g.rule(id);
    ASSERT_TRUE(r.has_value());
    for (const char* lang : {"zh", "en"})
      for (const char* part : {"falsepositives", "check", "respond"}) EXPECT_FALSE((*r)[lang][part].empty()) << lang << "." << part;
    EXPECT_TRUE(has_cjk((*r)["zh"]["title"].get<std::string>()));
    EXPECT_FALSE((*r)["tags"].empty());
    EXPECT_FALSE((*r)["tags"][0]["zh"].get<std::string>().empty()) << "the 等保 control by name";
  }
  EXPECT_FALSE(g.rule("wardsec.ops.no_such").has_value());
}
