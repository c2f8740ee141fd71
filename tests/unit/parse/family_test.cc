// Device families as data (issue #18): vendors' key=value text, the family file's checks with
// file and line, and every shipped family's sample lines yielding their fields.
#include <gtest/gtest.h>

#include "parse/family_parser.h"
#include "parse/kv.h"

namespace wardsec {
namespace {

TEST(Kv, VendorsQuotingSeparatorsAndGroups) {
  auto p = parse_kv(R"(srcip=10.1.2.3 user="zhang san" status=failed msg="say \"hi\"")");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].key, "srcip");
  EXPECT_EQ(p[0].value, "10.1.2.3");
  EXPECT_EQ(p[1].value, "zhang san");
  EXPECT_TRUE(p[1].quoted);
  EXPECT_EQ(p[3].value, "say \"hi\"");
  p = parse_kv("Recorded. (Task=VT0, Ip=10.30.0.15, VpnName=, User=netadmin)");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].key, "Task");  // "(Task" : the group's parenthesis is not part of the key
  EXPECT_EQ(p[2].value, "");
  EXPECT_EQ(p[3].value, "netadmin");  // the closing parenthesis belongs to the group
  p = parse_kv("f=g(1) 用户名=张三", {});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].value, "g(1)");
  EXPECT_EQ(p[1].key, "用户名");
  KvOptions colon;
  colon.assign = ':';
  colon.separators = ";";
  p = parse_kv("user:admin;ip:1.2.3.4", colon);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].value, "1.2.3.4");
  EXPECT_TRUE(parse_kv("no pairs at all =x= \"").size() <= 1);
  EXPECT_EQ(parse_kv(R"(a="unterminated)").at(0).value, "unterminated");
}

TEST(Kv, CsvKeepsToMaxFieldsEvenWithATrailingSeparator) {
  // A trailing separator adds an empty field, but never past max_fields: a family indexes its
  // columns by the fields it gets (a fuzzed Palo Alto line read past the column list).
  EXPECT_EQ(parse_csv("a,b,", ',', 2).size(), 2u);
  EXPECT_EQ(parse_csv("a,b,", ',', 3).size(), 3u);
  EXPECT_EQ(parse_csv("a,b,c,d", ',', 2).size(), 2u);
}

TEST(Family, ProblemsAreNamedWithFileAndLine) {
  const char* good = R"(family: t
title: {zh: 测试, en: Test}
source: https://example.org
dataset: test.x
match: [{regex: 'TEST'}]
extract: [{kv: {assign: '='}}]
map: {u: user.name}
samples: [{line: 'TEST u=a', fields: {user.name: a}}]
)";
  ASSERT_TRUE(parse_family(good, "t.yaml").ok());
  auto bad = [&](const std::string& from, const std::string& to, const std::string& want) {
    std::string y = good;
    y.replace(y.find(from), from.size(), to);
    auto f = parse_family(y, "t.yaml");
    if (f) {
      auto p = make_family_parser({*f});
      ASSERT_FALSE(p.ok()) << to;
      EXPECT_NE(p.error().find(want), std::string::npos) << p.error();
      return;
    }
    EXPECT_NE(f.error().find(want), std::string::npos) << f.error();
  };
  bad("map: {u: user.name}", "mapp: {}", "t.yaml:7: unknown key 'family.mapp'");
  bad("source: https://example.org\n", "", "'source' is required");
  bad("{regex: 'TEST'}", "{regex: 'TE(ST'}", "t.yaml: regex 'TE(ST'");
  bad("samples: [{line: 'TEST u=a', fields: {user.name: a}}]", "samples: []", "samples");
  bad("{u: user.name}", "{u: 'user name'}", "not a field name");
  bad("[{regex: 'TEST'}]", "[{field: Src, program: [x]}]", "not program or contains");
  bad("[{regex: 'TEST'}]", "[{equals: [a]}]", "'equals' compares a 'field'");
  bad("[{regex: 'TEST'}]", "[{field: Src}, {regex: 'TEST'}]", "not both");
  bad("[{regex: 'TEST'}]", "[{field: Src, equals: [a]}]", "it has no extract");
}

TEST(Family, AFieldFamilyMapsADecodedJsonEvent) {
  // NXLog's JSON keeps the Windows names (Sigma's); the family adds the ECS fields. A JSON event
  // it does not recognise is left as it is.
  auto f = parse_family(R"(family: w
title: {zh: 测试, en: Test}
source: https://example.org
dataset: windows.test
match: [{field: SourceModuleType, equals: [IM_MSVISTALOG]}]
map: {TargetUserName: user.name, IpAddress: source.ip, SubjectUserName: user.target.name}
values: {event.outcome: {field: EventType, failure: [AUDIT_FAILURE]}}
samples: [{line: '{"SourceModuleType":"im_msvistalog","TargetUserName":"a","IpAddress":"10.1.2.3","SubjectUserName":"-","EventType":"AUDIT_FAILURE"}', fields: {user.name: a, source.ip: 10.1.2.3, event.outcome: failure, TargetUserName: a, user.target.name: ''}}]
)",
                        "w.yaml");
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_TRUE(test_families({*f}).empty());
  auto p = make_family_parser({*f});
  ASSERT_TRUE(p.ok());
  ParserRegistry reg;
  register_builtin_parsers(reg);
  reg.add_message("families", std::move(*p));
  Decoder dec(&reg);
  Event ev;
  ev.raw = R"({"SourceModuleType":"im_file","TargetUserName":"a"})";
  dec.decode(ev, {});
  EXPECT_EQ(ev.get(kEventDataset), "json");
  EXPECT_EQ(ev.get(kUserName), "");
}

TEST(Family, ValuesFromEveryKindOfExtractKeepTheirText) {
  // Values are views into the line, except unescaped quotes and CSV fields: two escaped values in
  // a row, a duplicate name (the first wins), a CSV column and a named group all survive to
  // the fields; a regex with a look-ahead (vectorscan only prefilters it) is still confirmed.
  auto f = parse_family(R"(family: t
title: {zh: 测试, en: Test}
source: https://example.org
dataset: test.kv
match: [{regex: 'TESTDEV(?!X) '}]
extract:
  - kv: {assign: '=', separators: ' ', quotes: '"'}
  - regex: 'cmd=(?<first>\S+)'
  - csv: {columns: ['', col2], separator: ','}
    within: 'csv\[([^\]]*)\]'
map: {a: user.name, b: process.command_line, first: event.action, col2: host.name, c: service.name}
samples: [{line: 'TESTDEV a="x\"1" b="y \"2\"" c=one c=two cmd=go csv[p,q]', fields: {user.name: 'x"1', process.command_line: 'y "2"', service.name: one, event.action: go, host.name: q}}]
)",
                        "t.yaml");
  ASSERT_TRUE(f.ok()) << f.error();
  auto problems = test_families({*f});
  EXPECT_TRUE(problems.empty()) << problems.front();
  auto p = make_family_parser({*f});
  ASSERT_TRUE(p.ok());
  ParserRegistry reg;
  reg.add_message("families", std::move(*p));
  Decoder dec(&reg);
  Event ev;
  ev.raw = "TESTDEVX a=1";  // the look-ahead refuses it: not this family's
  dec.decode(ev, {});
  EXPECT_NE(ev.get(kEventDataset), "test.kv");
}

TEST(Family, EveryShippedFamilysSamplesYieldTheirFields) {
  auto fams = load_families(std::string(WARDSEC_SOURCE_DIR) + "/parsers");
  ASSERT_TRUE(fams.ok()) << fams.error();
  ASSERT_FALSE(fams->empty());
  for (const auto& p : test_families(*fams)) ADD_FAILURE() << p;
}

}  // namespace
}  // namespace wardsec
