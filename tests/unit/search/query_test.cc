#include <gtest/gtest.h>

#include <limits>

#include "search/query.h"
#include "store/format.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::search;

namespace {

Query q(const std::string& s) {
  auto r = Query::parse(s);
  if (auto* e = (r ? nullptr : &r.failure())) {
    ADD_FAILURE() << s << ": column " << e->column << ": " << e->message;
    return Query::parse("").value();
  }
  return r.value();
}

QueryError err(const std::string& s) {
  auto r = Query::parse(s);
  if (auto* e = (r ? nullptr : &r.failure())) return *e;
  ADD_FAILURE() << "expected an error for: " << s;
  return {0, ""};
}

const Event& ssh_fail() {
  static Event ev = test::decode(
      "<38>Nov 26 08:00:00 portal-web-01 sshd[4242]: Failed password for invalid user oracle from 45.95.147.201 port 50122 ssh2");
  return ev;
}
const Event& web_event() {
  static Event ev =
      test::decode(R"(223.104.5.17 - - [26/Nov/2026:08:00:00 +0800] "GET /api/report/list?id=1 HTTP/1.1" 503 162 "-" "sqlmap/1.7")");
  return ev;
}

}  // namespace

TEST(Query, FieldValuesAreCaseInsensitive) {
  EXPECT_TRUE(q("user.name:ORACLE").matches(ssh_fail()));
  EXPECT_TRUE(q("user.name:oracle event.outcome:failure").matches(ssh_fail()));
  EXPECT_FALSE(q("user.name:root").matches(ssh_fail()));
  EXPECT_TRUE(q("host.name:\"portal-web-01\"").matches(ssh_fail()));
}

TEST(Query, FreeTextMatchesWholeTokensOfTheMessage) {
  EXPECT_TRUE(q("password").matches(ssh_fail()));
  EXPECT_TRUE(q("\"invalid user oracle\"").matches(ssh_fail()));
  EXPECT_FALSE(q("passw").matches(ssh_fail()));
  EXPECT_TRUE(q("passw*").matches(ssh_fail()));
  EXPECT_TRUE(q("45.95.147.201").matches(ssh_fail()));
  EXPECT_FALSE(q("45.95.147.20").matches(ssh_fail()));
}

TEST(Query, BooleansAndParentheses) {
  EXPECT_TRUE(q("(user.name:root OR user.name:oracle) AND NOT source.ip:10.0.0.1").matches(ssh_fail()));
  EXPECT_FALSE(q("user.name:root OR (user.name:oracle AND -event.outcome:failure)").matches(ssh_fail()));
  EXPECT_TRUE(q("NOT user.name:root").matches(ssh_fail()));
}

TEST(Query, WildcardsRangesAndCidr) {
  EXPECT_TRUE(q("host.name:portal-*").matches(ssh_fail()));
  EXPECT_TRUE(q("host.name:portal-web-0?").matches(ssh_fail()));
  EXPECT_TRUE(q("source.ip:45.95.0.0/16").matches(ssh_fail()));
  EXPECT_FALSE(q("source.ip:10.20.0.0/22").matches(ssh_fail()));
  EXPECT_TRUE(q("http.response.status_code:>=500").matches(web_event()));
  EXPECT_FALSE(q("http.response.status_code:<500").matches(web_event()));
  EXPECT_TRUE(q("http.response.status_code:[500 TO 599]").matches(web_event()));
  EXPECT_FALSE(q("http.response.status_code:{503 TO 599]").matches(web_event()));
  EXPECT_TRUE(q("source.port:[50000 TO 60000]").matches(ssh_fail()));
  EXPECT_TRUE(q("@timestamp:[2026-11-26T07:59:00+08:00 TO 2026-11-26T08:01:00+08:00]").matches(ssh_fail()));
  EXPECT_TRUE(q("@timestamp:2026-11-26").matches(ssh_fail()));
  EXPECT_FALSE(q("@timestamp:2026-11-27").matches(ssh_fail()));
  EXPECT_TRUE(q("user_agent.original:sqlmap*").matches(web_event()));
  EXPECT_TRUE(q("user.name:*").matches(ssh_fail()));
  EXPECT_FALSE(q("user.name:*").matches(web_event()));
}

TEST(Query, ErrorsNameTheColumn) {
  auto e = err("user.name:root AND (event.outcome:failure");
  EXPECT_EQ(e.column, 20u);
  EXPECT_NE(e.message.find("unbalanced '('"), std::string::npos);
  e = err("user.name:root)");
  EXPECT_EQ(e.column, 15u);
  e = err("user.name:root AND");
  EXPECT_EQ(e.column, 16u);
  e = err("message:\"unterminated");
  EXPECT_EQ(e.column, 9u);
  e = err("source.ip:10.0.0.0/33");
  EXPECT_EQ(e.column, 11u);
  e = err("@timestamp:[yesterday TO now]");
  EXPECT_NE(e.message.find("not a time"), std::string::npos);
  e = err("http.response.status_code:[1 2]");
  EXPECT_NE(e.message.find("TO"), std::string::npos);
  e = err("()");
  EXPECT_EQ(e.column, 2u);
}

TEST(Query, PseudoFieldsNeverSkipBlocks) {
  // tags:, event.original: and @timestamp are not in the bloom index: they must not prune.
  for (const char* s : {"tags:_truncated", "event.original:x", "@timestamp:[now-1h TO now]"}) {
    auto q = Query::parse(s).value();
    EXPECT_TRUE(q.may_match_block("", std::numeric_limits<int64_t>::min() / 2, std::numeric_limits<int64_t>::max() / 2)) << s;
  }
  std::string bloom = wardsec::store::Bloom::build(wardsec::store::KeySet());
  auto q = Query::parse("tags:_truncated").value();
  EXPECT_TRUE(q.may_match_block(bloom, 0, 0));
}

TEST(Query, BloomPruningIsSoundForOr) {
  // A query the bloom filter cannot answer (NOT, wildcard) never skips a block.
  auto any = q("NOT user.name:x");
  EXPECT_TRUE(any.may_match_block("", 0, 0));
}
