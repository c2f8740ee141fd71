// Recognising families in one vectorscan pass (family_scan.h) and mining templates from the
// lines nothing understands (drain.h, `wardsec parsers suggest`).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <thread>

#include "center/config.h"
#include "core/timeutil.h"
#include "parse/drain.h"
#include "parse/family_parser.h"
#include "parse/family_scan.h"
#include "parse/hs_check.h"
#include "parse/regex.h"

namespace wardsec {
namespace {

std::vector<uint32_t> cands(const FamilyScan& s, std::string_view text) {
  std::vector<uint32_t> out;
  s.candidates(text, out);
  return out;
}

TEST(FamilyScan, CandidatesNeedTheLiteralAndTheRegexInEntryOrder) {
  auto s = FamilyScan::build(
      {
          {"FAIL LOGIN", ""},                     // 0: literal only
          {"", R"(%%\d+SHELL/\d/[A-Z]+)"},        // 1: regex only
          {"Login failed", R"(for user '\w+')"},  // 2: both must hold
          {"", ""},                               // 3: program-only: always a candidate
          {"", R"((a)\1x)"},                      // 4: a back-reference: vectorscan prefilters it, PCRE2 decides
      },
      true);  // the scan's mechanics: regexes in vectorscan whatever the machine
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(cands(**s, "nothing here"), (std::vector<uint32_t>{3}));
  EXPECT_EQ(cands(**s, "%%01SHELL/5/CMDRECORD FAIL LOGIN"), (std::vector<uint32_t>{0, 1, 3}));
  EXPECT_EQ(cands(**s, "Login failed for user 'sa'."), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(cands(**s, "Login failed, no user"), (std::vector<uint32_t>{3}));  // literal without its regex
  auto with_ref = cands(**s, "aax");
  EXPECT_NE(std::find(with_ref.begin(), with_ref.end(), 4u), with_ref.end());
  // Not UTF-8: no regex can hold (PCRE2_UTF refuses the subject); literals are still found.
  EXPECT_EQ(cands(**s, "FAIL LOGIN \xff\xfe %%01SHELL/5/X"), (std::vector<uint32_t>{0, 3}));
}

TEST(FamilyScan, RegexesVectorscanMatchesExactlyNeedNoConfirmation) {
  // A plain regex is matched exactly (exact(): the parser skips PCRE2); a back-reference or a
  // look-ahead only as a prefilter. Without the scan (text that is not UTF-8) nothing is exact.
  auto s = FamilyScan::build({{"", R"(%%\d{2}[A-Z]+/\d/)"}, {"", R"((a)\1x)"}, {"", R"(%(?!ASA-)[A-Z]+-\d-)"}, {"lit", ""}}, true);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE((*s)->exact(0));
  EXPECT_FALSE((*s)->exact(1));
  EXPECT_FALSE((*s)->exact(2));
  EXPECT_EQ((*s)->stats().exact, 1u);
  std::vector<uint32_t> out;
  EXPECT_TRUE((*s)->candidates("%%01SHELL/5/X", out));
  EXPECT_EQ(out, (std::vector<uint32_t>{0}));
  EXPECT_TRUE((*s)->candidates("%ASA-6-302013: x", out));  // the prefilter may list it; PCRE2 decides
  EXPECT_FALSE((*s)->candidates("lit \xff", out));
  EXPECT_EQ(out, (std::vector<uint32_t>{3}));
}

TEST(FamilyScan, ALongNegatedClassRunIsFoundWhereverItLies) {
  // parse/hs_check.h: Debian's vectorscan 5.4.9 with AVX-512 misses "[^\"]*\"" after a long run,
  // depending on the text's alignment; regexes are left to PCRE2 there. A Topsec-like line
  // with a long quoted value, at every offset of a 64-byte block, is a candidate each time.
  auto s = FamilyScan::build({{"", R"(\bid=tos time="[^"]*" fw=)"}});
  ASSERT_TRUE(s.ok()) << s.error();
  auto re = Regex::compile(R"(\bid=tos time="[^"]*" fw=)", "t").value();
  std::vector<char> buf(512, 'z');
  for (size_t k = 0; k < 64; k++) {
    std::string line = "id=tos time=\"" + std::string(80 + k, 'x') + "\" fw=TopsecOS";
    std::memcpy(buf.data() + k, line.data(), line.size());
    std::string_view text(buf.data() + k, line.size());
    std::vector<uint32_t> out;
    (*s)->candidates(text, out);
    bool confirmed = !out.empty() && ((*s)->exact(0) || re->search(text));
    EXPECT_TRUE(confirmed) << "offset " << k;
  }
}

TEST(FamilyScan, ARegexVectorscanRefusesIsLeftToPcre2) {
  // \C (one code unit) is refused by vectorscan even as a prefilter; the entry is then always a
  // candidate and PCRE2 decides. A broken pattern that is not a regex at all is an error.
  auto s = FamilyScan::build({{"", "abc"}, {"", R"(x(?C1)y)"}}, true);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(cands(**s, "zzz"), (std::vector<uint32_t>{1}));
  EXPECT_EQ((*s)->stats().unscanned, 1u);
}

TEST(FamilyScan, ScansFromManyThreads) {
  auto s = FamilyScan::build({{"alpha", ""}, {"", "b[e]ta"}}, true);
  ASSERT_TRUE(s.ok());
  auto other = FamilyScan::build({{"gamma", ""}});  // a second database in the same threads
  ASSERT_TRUE(other.ok());
  std::vector<std::thread> ts;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; t++)
    ts.emplace_back([&] {
      for (int i = 0; i < 2000; i++) {
        if (cands(**s, "alpha beta") != std::vector<uint32_t>{0, 1}) bad++;
        if (cands(**other, "gamma") != std::vector<uint32_t>{0}) bad++;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(FamilyScan, ManyFamiliesStillPickTheFirstInFileOrder) {
  // Two families claim the same line: the first loaded wins, however the scan reports them.
  std::vector<Family> fams;
  for (int i = 0; i < 60; i++) {
    std::string n = std::to_string(i);
    auto f = parse_family("family: f" + n + "\ntitle: {zh: f, en: f}\nsource: test\ndataset: f" + n + ".x\nmatch:\n  - regex: 'LOGIN-" + n +
                              "\\b'\n  - contains: 'shared-marker'\nsamples:\n  - line: 'LOGIN-" + n + "'\n    fields: {event.dataset: f" +
                              n + ".x}\n",
                          "f" + n + ".yaml");
    ASSERT_TRUE(f.ok()) << f.error();
    fams.push_back(std::move(*f));
  }
  EXPECT_TRUE(test_families(fams).empty());
  ParserRegistry reg;
  register_builtin_parsers(reg);
  auto fp = make_family_parser(fams);
  ASSERT_TRUE(fp.ok());
  reg.add_message("families", std::move(*fp));
  Decoder dec(&reg);
  Event ev;
  ev.raw = "<13>Dec  5 10:00:00 fw01 dev: LOGIN-42 and a shared-marker";
  dec.decode(ev, {});
  EXPECT_EQ(ev.get(kEventDataset), "f0.x");  // f0 claims it by its literal before f42's regex
  ev = Event{};
  ev.raw = "<13>Dec  5 10:00:00 fw01 dev: LOGIN-42 alone";
  dec.decode(ev, {});
  EXPECT_EQ(ev.get(kEventDataset), "f42.x");
}

TEST(Drain, GroupsLinesIntoTemplatesWithTheirVariablesMasked) {
  Drain d;
  d.add("sshd Failed password for root from 10.1.2.3 port 50122 ssh2");
  d.add("sshd Failed password for admin from 10.1.2.4 port 50123 ssh2");
  d.add("sshd Failed password for oracle from [2001:db8::1] port 22 ssh2");
  d.add("fw01 srcip=10.0.0.1 dstip=10.0.0.2 action=deny");
  d.add("fw01 srcip=10.0.0.9 dstip=10.0.0.8 action=deny");
  d.add("something else entirely");
  auto ts = d.templates();
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0].count, 3u);
  EXPECT_EQ(ts[0].text(), "sshd Failed password for <*> from <*> port <*> ssh2");
  EXPECT_EQ(ts[1].text(), "fw01 srcip=<*> dstip=<*> action=deny");
  EXPECT_EQ(ts[2].count, 1u);
  EXPECT_EQ(drain_mask("[173.234.31.186]"), "[<*>]");
  EXPECT_EQ(drain_mask("port=22,"), "port=<*>,");
  EXPECT_EQ(drain_mask("user"), "user");
}

TEST(Drain, IsBoundedAndCountsWhatDoesNotFit) {
  DrainOptions o;
  o.max_templates = 10;
  Drain d(o);
  for (int i = 0; i < 100; i++) d.add("word" + std::string(static_cast<size_t>(i % 50) + 1, 'x') + " tail");  // 50 shapes
  EXPECT_LE(d.templates().size(), 10u);
  EXPECT_EQ(d.lines(), 100u);
  EXPECT_GT(d.overflow(), 0u);
  d.add("");  // an empty line is a template of no tokens, not a crash
}

TEST(Drain, ASkeletonLoadsAndRecognisesItsExample) {
  Drain d;
  d.add("appsrv LOGIN FAIL user=zhang src=10.1.2.3 (reason: bad password)");
  d.add("appsrv LOGIN FAIL user=li src=10.1.2.9 (reason: bad password)");
  auto t = d.templates().at(0);
  t.example = "<13>Dec  5 10:00:00 his-app-01 appsrv: LOGIN FAIL user=zhang src=10.1.2.3 (reason: bad password)";
  std::string y = family_skeleton(t, "appsrv", "his-appsrv");
  auto f = parse_family(y, "skeleton.yaml");
  ASSERT_TRUE(f.ok()) << f.error() << "\n" << y;
  EXPECT_TRUE(test_families({*f}).empty()) << y;
  EXPECT_NE(y.find("(?<user>"), std::string::npos) << y;
  EXPECT_NE(y.find("(?<src>"), std::string::npos) << y;
}

}  // namespace
}  // namespace wardsec

namespace wardsec {
namespace {

// `parsers:` in wardsec.yaml names the families' folder; one that is not there stops the start.
TEST(FamilyConfig, TheParsersKeyNamesAFolderThatMustExist) {
  std::string dir = ::testing::TempDir();
  auto write = [&](const std::string& name, const std::string& text) {
    std::string p = dir + "/" + name;
    FILE* f = std::fopen(p.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return p;
  };
  auto bad = load_config(write("bad-parsers.yaml", "parsers: /nonexistent/wardsec-parsers\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("parsers"), std::string::npos) << bad.error();
  auto none = load_config(write("no-parsers.yaml", "parsers: ''\n"));
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_EQ(none->parsers_dir, "");
  auto mine = load_config(write("my-parsers.yaml", "parsers: " + std::string(WARDSEC_SOURCE_DIR) + "/parsers/network\n"));
  ASSERT_TRUE(mine.ok()) << mine.error();
  EXPECT_EQ(mine->parsers_dir, std::string(WARDSEC_SOURCE_DIR) + "/parsers/network");
}

}  // namespace
}  // namespace wardsec

namespace wardsec {
namespace {

TEST(TimeFormat, VendorsTimesInTheirOwnLayouts) {
  int64_t ns = 0;
  const int cst = 8 * 3600;
  ASSERT_TRUE(parse_time_format("04-DEC-2026 10:21:07", "%d-%b-%Y %H:%M:%S", cst, 0, ns));
  EXPECT_EQ(format_rfc3339(ns), "2026-12-04T02:21:07.000Z");
  ASSERT_TRUE(parse_time_format("12/04/26 08:01:12", "%m/%d/%y %H:%M:%S", cst, 0, ns));
  EXPECT_EQ(format_rfc3339(ns), "2026-12-04T00:01:12.000Z");
  ASSERT_TRUE(parse_time_format("2026/12/04 10:21:07.5 +0000", "%Y/%m/%d %H:%M:%S.%f %z", cst, 0, ns));
  EXPECT_EQ(format_rfc3339(ns), "2026-12-04T10:21:07.500Z");
  ASSERT_TRUE(parse_time_format("Dec  4 10:21:07 2026", "%b %e %H:%M:%S %Y", cst, 0, ns));
  EXPECT_EQ(format_rfc3339(ns), "2026-12-04T02:21:07.000Z");
  // What does not fit the whole layout, or names a day that does not exist, is not a time.
  EXPECT_FALSE(parse_time_format("04-DEC-2026 10:21", "%d-%b-%Y %H:%M:%S", cst, 0, ns));
  EXPECT_FALSE(parse_time_format("31-FEB-2026 10:21:07", "%d-%b-%Y %H:%M:%S", cst, 0, ns));
  EXPECT_FALSE(parse_time_format("04-DEC-2026 10:21:07 extra", "%d-%b-%Y %H:%M:%S", cst, 0, ns));
  EXPECT_FALSE(parse_time_format("04-XYZ-2026 10:21:07", "%d-%b-%Y %H:%M:%S", cst, 0, ns));
  EXPECT_TRUE(time_format_ok("%Y-%m-%d"));
  EXPECT_TRUE(time_format_ok("epoch"));
  EXPECT_FALSE(time_format_ok("%H:%M:%S"));  // no date
  EXPECT_FALSE(time_format_ok("%Y-%m-%d %Q"));
  // A family with a bad format is refused at load, with the file and line.
  auto f = parse_family(
      "family: t\ntitle: {zh: t, en: t}\nsource: test\ndataset: t.x\nmatch:\n  - contains: T\n"
      "extract:\n  - regex: 'T (?<t>\\S+)'\ntime: {field: t, format: '%H'}\n"
      "samples:\n  - line: 'T 1'\n    fields: {event.dataset: t.x}\n",
      "t.yaml");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().find("t.yaml:9"), std::string::npos) << f.error();
}

}  // namespace
}  // namespace wardsec
