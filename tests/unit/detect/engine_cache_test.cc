// The compiled-rule cache (detect/engine_cache.h) and engine clones: a damaged, truncated or
// forged cache file is reported and compiled over, never trusted; changed rules get a file of
// their own; old files are removed; a clone on another thread matches what its engine does.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <gtest/gtest.h>
#include <pcre2.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "core/files.h"
#include "demo/generator.h"
#include "detect/engine.h"
#include "detect/engine_cache.h"
#include "detect/regex_literals.h"
#include "detect/ruleset.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::detect;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path p = fs::temp_directory_path() / ("wardsec_cache_test_" + std::to_string(::getpid()));
  TempDir() { fs::remove_all(p); }
  ~TempDir() { fs::remove_all(p); }
};

std::unique_ptr<RuleSet> hospital_rules(const std::string& extra = {}, const fs::path& dir = {}) {
  auto mapping = Mapping::load(test::source_dir() + "/rules/mapping/sigma.yaml");
  EXPECT_TRUE(mapping.ok());
  auto set = std::make_unique<RuleSet>(std::move(mapping.value()));
  set->add_path(test::source_dir() + "/rules/hospital");
  if (!extra.empty()) {
    fs::create_directories(dir);
    std::ofstream(dir / "extra.yml") << extra;
    set->add_path((dir / "extra.yml").string());
  }
  set->finish();
  return set;
}

std::vector<Event> corpus() {
  std::vector<Event> out;
  for (const auto& f : fs::directory_iterator(test::source_dir() + "/tests/rules/hospital")) {
    std::ifstream in(f.path());
    std::string l;
    while (std::getline(in, l))
      if (!l.empty()) out.push_back(test::decode(l));
  }
  demo::Generator g(3);
  for (int i = 0; i < 500; i++) out.push_back(test::decode(g.next(1795694400LL * 1000000000LL + i * 1000000000LL)));
  return out;
}

std::vector<fs::path> files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  return out;
}

std::string sha256(std::string_view d) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(d.data(), d.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

}  // namespace

TEST(EngineCache, DamagedTruncatedOrForgedFilesAreNamedAndCompiledOver) {
  TempDir t;
  auto set = hospital_rules();
  auto first = Engine::compile(*set, t.p.string());
  ASSERT_TRUE(first.ok()) << first.error();
  ASSERT_FALSE((*first)->stats().from_cache);
  auto f = files(t.p);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(fs::status(t.p).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(f[0]).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  const std::string good = *read_file(f[0].string());
  const auto events = corpus();
  std::vector<std::vector<size_t>> want;
  for (const auto& ev : events) want.push_back((*first)->match(ev));

  auto expect_recompiled = [&](const std::string& bytes, const std::string& reason, const char* what) {
    ASSERT_TRUE(write_file_atomic(f[0].string(), bytes));
    auto e = Engine::compile(*set, t.p.string());
    ASSERT_TRUE(e.ok()) << e.error();
    EXPECT_FALSE((*e)->stats().from_cache) << what;
    EXPECT_NE((*e)->stats().cache_note.find(reason), std::string::npos) << what << ": " << (*e)->stats().cache_note;
    for (size_t i = 0; i < events.size(); i++) EXPECT_EQ((*e)->match(events[i]), want[i]) << what << ", event " << i;
    EXPECT_EQ(*read_file(f[0].string()), good) << what << ": the file is written again";
    auto again = Engine::compile(*set, t.p.string());
    EXPECT_TRUE((*again)->stats().from_cache) << what;
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x20;
  expect_recompiled(flipped, "damaged", "a flipped byte");
  expect_recompiled(good.substr(0, good.size() / 3), "damaged", "a truncated file");
  expect_recompiled("", "damaged", "an empty file");
  // A forger who recomputes the file's own digest: vectorscan's check of the database (or
  // the shape checks) still refuses the altered bytes.
  std::string forged = good.substr(0, good.size() - 32);
  for (size_t i = forged.size() / 2; i < forged.size() / 2 + 64; i++) forged[i] ^= 0x5a;
  forged += sha256(forged);
  expect_recompiled(forged, "could not be used", "a forged database with a recomputed digest");
}

TEST(EngineCache, ChangedRulesGetTheirOwnFileAndOnlyTheNewestFewStay) {
  TempDir t;
  auto base = hospital_rules();
  ASSERT_TRUE(Engine::compile(*base, t.p.string()).ok());
  for (int i = 0; i < 6; i++) {
    auto set = hospital_rules("title: extra\nid: 00000000-0000-0000-0000-00000000010" + std::to_string(i) +
                                  "\nlogsource:\n  product: linux\n  service: sudo\ndetection:\n  sel:\n    message|contains: 'marker" +
                                  std::to_string(i) + "'\n  condition: sel\n",
                              t.p.parent_path() / ("wardsec_cache_rules_" + std::to_string(::getpid())));
    auto e = Engine::compile(*set, t.p.string());
    ASSERT_TRUE(e.ok()) << e.error();
    EXPECT_FALSE((*e)->stats().from_cache) << "rule set " << i << " is new";
    Event ev = test::decode(R"({"event.dataset":"sudo","message":"x marker)" + std::to_string(i) + R"( y"})");
    EXPECT_EQ((*e)->match(ev).size(), 1u) << i;
  }
  fs::remove_all(t.p.parent_path() / ("wardsec_cache_rules_" + std::to_string(::getpid())));
  EXPECT_EQ(files(t.p).size(), 4u);
  auto again = Engine::compile(*base, t.p.string());
  EXPECT_FALSE((*again)->stats().from_cache) << "the oldest file was removed";
}

TEST(EngineCache, AKeyNamesEveryExpressionAndFlag) {
  DbSource a{{"abc", "d.*e"}, {1, 2}};
  DbSource b = a;
  b.flags[1] = 3;
  DbSource c = a;
  c.patterns[0] = "abd";
  DbSource d{{"abcd.*e"}, {1}};
  std::set<std::string> keys{DbCache::key({a}), DbCache::key({b}),    DbCache::key({c}),
                             DbCache::key({d}), DbCache::key({a, a}), DbCache::key({})};
  EXPECT_EQ(keys.size(), 6u);
  EXPECT_EQ(DbCache::key({a}), DbCache::key({a}));
}

TEST(EngineClone, AClonePerThreadMatchesWhatItsEngineMatches) {
  auto set = hospital_rules();
  auto engine = Engine::compile(*set);
  ASSERT_TRUE(engine.ok()) << engine.error();
  const auto events = corpus();
  std::vector<std::vector<size_t>> want;
  size_t matches = 0;
  for (const auto& ev : events) {
    want.push_back((*engine)->match(ev));
    matches += want.back().size();
  }
  EXPECT_GT(matches, 20u);
  std::vector<std::unique_ptr<Engine>> clones;
  for (int i = 0; i < 3; i++) clones.push_back((*engine)->clone());
  std::vector<size_t> wrong(clones.size(), 0);
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clones.size(); c++)
    threads.emplace_back([&, c] {
      for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < events.size(); i++)
          if (clones[c]->match(events[i]) != want[i]) wrong[c]++;
    });
  for (auto& th : threads) th.join();
  for (size_t c = 0; c < clones.size(); c++) EXPECT_EQ(wrong[c], 0u) << "clone " << c;
  engine.value().reset();  // the clones outlive the engine they came from
  for (size_t i = 0; i < events.size(); i++) EXPECT_EQ(clones[0]->match(events[i]), want[i]);
}

// detect/regex_literals.h: what every match must contain, or nothing when it cannot be said.
TEST(RegexLiterals, NamesWhatEveryMatchContainsOrNothing) {
  using L = std::vector<std::string>;
  EXPECT_EQ(required_literals("abc", false), (L{"abc"}));
  EXPECT_EQ(required_literals("ABC", false), (L{"abc"})) << "compared without case";
  EXPECT_EQ(required_literals("a?bcd", false), (L{"bcd"}));
  EXPECT_EQ(required_literals("ab{0,2}cd", false), (L{"cd"}));
  EXPECT_EQ(required_literals("x{2}yz", false), (L{"yz"}));
  EXPECT_EQ(required_literals("abc+d", false), (L{"abc"})) << "a repeat ends the run";
  EXPECT_EQ(required_literals("foo|barbaz", false), (L{"foo", "barbaz"}));
  EXPECT_EQ(required_literals("(foo|bar)bazz", false), (L{"bazz"}));
  EXPECT_EQ(required_literals("\\\\windows\\\\temp\\\\[a-z]+\\.dll$", false), (L{"\\windows\\temp\\"}));
  EXPECT_EQ(required_literals("\\x2eexe\\b", false), (L{".exe"}));
  EXPECT_EQ(required_literals("powershell", false), (L{"powershell"}));
  EXPECT_EQ(required_literals("powershell", true), (L{"power"})) << "k and s also match U+212A and U+017F without case";
  EXPECT_EQ(required_literals("(?i)powershell", false), (L{"power"})) << "an inline option may turn case off";
  EXPECT_EQ(required_literals("a|[0-9]", false), L{}) << "a branch without a literal";
  EXPECT_EQ(required_literals("(?x) a b c", false), L{}) << "extended mode is not read";
  EXPECT_EQ(required_literals("(ab)\\1cd", false), L{}) << "back references are not read";
  EXPECT_EQ(required_literals("\\1abcd", false), L{}) << "back references are not read";
  EXPECT_EQ(required_literals("\\Qa.b\\E", false), L{});
  EXPECT_EQ(required_literals("ab(", false), L{}) << "unbalanced";
  EXPECT_EQ(required_literals("[abc", false), L{});
  EXPECT_EQ(required_literals("x", false), L{}) << "shorter than the minimum";
  EXPECT_EQ(required_literals("caf\xc3\xa9s", false), (L{"caf"})) << "multi-byte characters are not part of a literal";
  EXPECT_EQ(required_literals("", false), L{});
  EXPECT_EQ(required_literals("abc|", false), L{}) << "an empty branch matches anything";
}

// The same property as the regex_literals fuzz target, on many random regexes: whenever PCRE2
// matches (as Sigma's regexes are compiled), the text holds one of the literals.
TEST(RegexLiterals, EveryPcre2MatchHoldsALiteral) {
  const char* pieces[] = {"a",     "b", "k",   "s", "S", "ab", "\\.",  "[ab]",  "(a|b)",    "(ks)", "?",     "*",   "+", "{2}",
                          "{0,1}", "|", "\\d", ".", "^", "$",  "(?i)", "\\x41", "\xc3\xa9", "\\b",  "(?=a)", "\\s", "-", "{"};
  const char* chars[] = {"a", "b", "k", "K", "s", "S", ".", "1", " ", "\xc3\xa9", "\xc3\x89", "\xe2\x84\xaa", "\xc5\xbf", "-", "{", "A"};
  std::mt19937 rng(7);
  size_t matched = 0, with_literals = 0;
  for (int n = 0; n < 20000; n++) {
    std::string re;
    for (int k = 1 + static_cast<int>(rng() % 8); k > 0; k--) re += pieces[rng() % std::size(pieces)];
    for (bool caseless : {false, true}) {
      auto lits = required_literals(re, caseless);
      if (lits.empty()) continue;
      with_literals++;
      int err = 0;
      PCRE2_SIZE off = 0;
      pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(),
                                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0), &err, &off, nullptr);
      if (!code) continue;
      pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
      for (int t = 0; t < 120; t++) {
        std::string text;
        for (int k = static_cast<int>(rng() % 10); k > 0; k--) text += chars[rng() % std::size(chars)];
        if (pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, md, nullptr) < 0) continue;
        matched++;
        std::string low = to_lower(text);
        bool found = std::any_of(lits.begin(), lits.end(), [&](const std::string& l) { return low.find(l) != std::string::npos; });
        EXPECT_TRUE(found) << re << (caseless ? " (without case)" : "") << " matches '" << text << "' without '" << lits[0] << "'";
      }
      pcre2_match_data_free(md);
      pcre2_code_free(code);
    }
  }
  std::printf("regex literals: %zu regexes with literals, %zu matches checked\n", with_literals, matched);
  EXPECT_GT(matched, 1000u);
}
