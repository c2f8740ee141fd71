// The region's rows and batches (docs/cluster.md): byte-exact TabSeparated both ways, the
// batch's digest and signature, what the sink refuses, and the SQL literal.
#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/batch.h"
#include "cluster/clickhouse.h"
#include "cluster/head.h"
#include "cluster/query_sql.h"
#include "cluster/region.h"
#include "cluster/rows.h"
#include "core/files.h"
#include "search/query.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::cluster;

namespace {

Row nasty_row(uint64_t ref) {
  Row r;
  r.ref = ref;
  r.ts = 1796600000123456789LL;
  r.received = r.ts + 5;
  r.flags = 4;
  r.raw = std::string("tab\there\nnewline 'quote' back\\slash nul\0end \xb2\xe2\xca\xd4 GBK 中文", 60);
  r.attrs = {{"host.name", "his-app-01"}, {"source.ip", "10.20.1.7"}, {"user.name", "dr'o\\brien\t"}, {"odd", std::string("a\0b]',[", 7)}};
  return r;
}

std::string key_dir() {
  auto d = std::filesystem::temp_directory_path() / ("wardsec-cluster-key-" + std::to_string(::getpid()));
  return d.string();
}

}  // namespace

TEST(ClusterRows, WireRowRoundTripsEveryByte) {
  Row r = nasty_row(42);
  std::string line;
  write_wire_row(r, line);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1);  // nothing inside the row breaks the line
  auto back = parse_wire_row(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->raw, r.raw);
  EXPECT_EQ(back->attrs, r.attrs);
  EXPECT_EQ(back->ts, r.ts);
  EXPECT_EQ(back->flags, r.flags);
}

TEST(ClusterRows, TableRowCarriesTheDerivedColumns) {
  Row r = nasty_row(7);
  std::string line;
  write_table_row("site-a", r, "site-a:7-7", line);
  auto t = parse_table_row(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->site, "site-a");
  EXPECT_EQ(t->derived.host, "his-app-01");
  EXPECT_EQ(t->derived.source_ip, "10.20.1.7");
  EXPECT_EQ(t->derived.user, "dr'o\\brien\t");
  EXPECT_EQ(t->derived.day, "2026-12-06");
  EXPECT_EQ(t->row.raw, r.raw);
  EXPECT_EQ(column_of_field("source.ip"), "source_ip");
  EXPECT_EQ(column_of_field("url.path"), "");
}

TEST(ClusterRows, DayIsUtcAndBounded) {
  Row r;
  r.ts = 0;
  EXPECT_EQ(derive(r).day, "1970-01-01");
  r.ts = -5;
  EXPECT_EQ(derive(r).day, "1970-01-01");
  r.ts = 1796601599LL * 1000000000LL;  // 2026-12-06 23:59:59 UTC (07:59 in Beijing, the 7th)
  EXPECT_EQ(derive(r).day, "2026-12-06");
  EXPECT_EQ(utc_day(r.ts + 1000000000LL), "2026-12-07");
  EXPECT_EQ(utc_day(951782400LL * 1000000000LL), "2000-02-29");
}

TEST(ClusterRows, ArraysAndEscapesRefuseWhatIsBroken) {
  EXPECT_FALSE(tsv_parse_array("['a'"));
  EXPECT_FALSE(tsv_parse_array("['a' 'b']"));
  EXPECT_FALSE(tsv_parse_array("['a\\"));
  EXPECT_FALSE(tsv_parse_array("[a]"));
  EXPECT_TRUE(tsv_parse_array("[]"));
  auto two = tsv_parse_array("['a\\'b','c\\\\']");
  ASSERT_TRUE(two);
  EXPECT_EQ((*two)[0], "a'b");
  EXPECT_EQ((*two)[1], "c\\");
  EXPECT_FALSE(tsv_unescape("abc\\"));
  EXPECT_EQ(*tsv_unescape("\\x41\\0"), std::string("A\0", 2));
  EXPECT_FALSE(parse_wire_row("1\t2\t3\t4\traw\t['a']\t[]"));  // names and values differ in number
  EXPECT_FALSE(parse_wire_row("1\t2\t3\t99999999999\traw\t[]\t[]"));
}

TEST(ClusterSql, StringLiteralKeepsInputInside) {
  EXPECT_EQ(sql_string("x' OR 1=1 --"), "'x\\' OR 1=1 --'");
  EXPECT_EQ(sql_string("a\\'b"), "'a\\\\\\'b'");
  EXPECT_EQ(sql_string(std::string("\0\n", 2)), "'\\0\\n'");
  EXPECT_TRUE(sql_identifier("wardsec_2"));
  EXPECT_FALSE(sql_identifier("wardsec; DROP TABLE x"));
  EXPECT_FALSE(sql_identifier("2x"));
  EXPECT_FALSE(sql_identifier(""));
}

TEST(ClusterBatch, SignedChainedAndChecked) {
  std::string dir = key_dir();
  auto key = KeyPair::load_or_create(dir, SignAlg::kSm2);
  ASSERT_TRUE(key) << key.error();
  std::vector<Row> rows = {nasty_row(1 << 20), nasty_row((1 << 20) + 1), nasty_row((2 << 20))};
  BatchHeader h;
  auto msg = make_batch("city-a", DigestAlg::kSm3, std::string(64, '0'), rows, *key, &h);
  ASSERT_TRUE(msg) << msg.error();
  EXPECT_EQ(h.id(), "city-a:1048576-2097152");
  auto b = parse_batch(*msg);
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(check_batch(*b, *key), "");
  // the next batch chains on this one's digest
  std::vector<Row> next = {nasty_row(3 << 20)};
  BatchHeader h2;
  ASSERT_TRUE(make_batch("city-a", DigestAlg::kSm3, h.digest, next, *key, &h2));
  EXPECT_EQ(h2.prev, h.digest);
  // one byte of one event changed: the digest says so
  Batch changed = *b;
  changed.rows[1].raw[0] = 'T';
  EXPECT_NE(check_batch(changed, *key).find("digest"), std::string::npos);
  // the header rewritten to match: the signature says so
  changed.header.digest = *batch_digest(changed.header, changed.rows);
  EXPECT_NE(check_batch(changed, *key).find("signature"), std::string::npos);
  // another key (another site) does not verify it
  auto other = KeyPair::load_or_create(dir + "-other", SignAlg::kSm2);
  ASSERT_TRUE(other);
  EXPECT_NE(check_batch(*b, *other), "");
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "-other");
}

TEST(ClusterHead, SignedAndRefusedWhenAnyFieldChanges) {
  std::string dir = key_dir() + "-head";
  auto key = KeyPair::load_or_create(dir, SignAlg::kSm2);
  ASSERT_TRUE(key) << key.error();
  std::string digest(64, 'a');
  auto h = sign_head("city-a", 1796600000000000000LL, digest, *key);
  ASSERT_TRUE(h) << h.error();
  EXPECT_EQ(check_head(*h, *key), "");
  // as it arrives from a status or a `heads` row
  auto back = make_head(h->site, h->at, h->digest, h->key, h->sig);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(check_head(*back, *key), "");
  // an older head replayed as newer, another digest, another site: the signature says so
  for (int i = 0; i < 3; i++) {
    SignedHead t = *h;
    if (i == 0) t.at += 1;
    if (i == 1) t.digest[0] = 'b';
    if (i == 2) t.site = "city-b";
    EXPECT_NE(check_head(t, *key).find("signature"), std::string::npos) << i;
  }
  // another site's key
  auto other = KeyPair::load_or_create(dir + "-other", SignAlg::kSm2);
  ASSERT_TRUE(other);
  EXPECT_NE(check_head(*h, *other).find("not the site's key"), std::string::npos);
  // what is not a head at all
  EXPECT_FALSE(make_head("City A", h->at, digest, h->key, h->sig));
  EXPECT_FALSE(make_head("city-a", 0, digest, h->key, h->sig));
  EXPECT_FALSE(make_head("city-a", h->at, "zz", h->key, h->sig));
  EXPECT_FALSE(make_head("city-a", h->at, digest, "a b", h->sig));
  EXPECT_FALSE(make_head("city-a", h->at, digest, h->key, "xyz"));
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "-other");
}

TEST(ClusterScopes, ConsoleScopesComeFirstAndSurviveARestart) {
  std::string file = key_dir() + "-scopes.json";
  std::filesystem::remove(file);
  RegionOptions o;
  o.scopes = {{"zhang", {"city-a"}}, {"li", {"city-b"}}};
  o.scopes_file = file;
  {
    Region r(o);
    ASSERT_TRUE(r.load_scopes());  // no file yet: the configuration's
    EXPECT_EQ(r.scope_of("zhang"), std::vector<std::string>{"city-a"});
    EXPECT_TRUE(r.scope_of("wang").empty());  // not named: every site
    ASSERT_TRUE(r.set_scope("wang", std::vector<std::string>{"city-c", "city-b", "city-c"}));
    ASSERT_TRUE(r.set_scope("zhang", std::vector<std::string>{}));  // widened from the console
    EXPECT_FALSE(r.set_scope("li", std::vector<std::string>{"x' OR 1=1"}));
    EXPECT_EQ(r.scope_of("li"), std::vector<std::string>{"city-b"});
    auto sites = r.sites_for("wang", {"city-a"});
    EXPECT_FALSE(sites);
  }
  Region again(o);
  ASSERT_TRUE(again.load_scopes());
  EXPECT_EQ(again.scope_of("wang"), (std::vector<std::string>{"city-b", "city-c"}));
  EXPECT_TRUE(again.scope_of("zhang").empty());
  auto all = again.scopes();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].user, "li");
  EXPECT_EQ(all[2].source, "config");
  ASSERT_TRUE(again.set_scope("zhang", std::nullopt));  // removed: the configuration's again
  EXPECT_EQ(again.scope_of("zhang"), std::vector<std::string>{"city-a"});
  // a damaged file is an error that names it, not an open door
  ASSERT_TRUE(write_file_atomic(file, "{\"wang\": \"city-b\"}"));
  Region broken(o);
  auto st = broken.load_scopes();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find(file), std::string::npos);
  std::filesystem::remove(file);
}

TEST(ClusterBatch, ParserRefusesWhatTheHeaderDoesNotCover) {
  std::string head = "wardsec-batch v1 site=a first=5 last=9 count=2 alg=sm3 prev=" + std::string(64, '0') +
                     " digest=" + std::string(64, '1') + " key=abc sig=00\n";
  auto row = [](uint64_t ref) {
    Row r;
    r.ref = ref;
    r.raw = "x";
    std::string s;
    write_wire_row(r, s);
    return s;
  };
  EXPECT_TRUE(parse_batch(head + row(5) + row(9)));
  EXPECT_FALSE(parse_batch(head + row(5) + row(10)));              // outside the range
  EXPECT_FALSE(parse_batch(head + row(9) + row(5)));               // out of order
  EXPECT_FALSE(parse_batch(head + row(5)));                        // fewer than count
  EXPECT_FALSE(parse_batch(head + row(5) + row(7) + row(9)));      // more than count
  EXPECT_FALSE(parse_batch(head + row(6) + row(9)));               // does not start at first
  EXPECT_FALSE(parse_batch(head + row(5) + row(9).substr(0, 5)));  // cut short
  std::string other_site = head;
  other_site.replace(other_site.find("site=a"), 6, "site=A!");
  EXPECT_FALSE(parse_batch(other_site + row(5) + row(9)));
  EXPECT_FALSE(valid_site("-a"));
  EXPECT_FALSE(valid_site("a.b"));  // a NATS subject token, no dots
  EXPECT_TRUE(valid_site("city-hospital_2"));
}

TEST(ClusterSql, QueryCompilesToLiteralsAndWidensWhatSqlCannotSay) {
  auto sql = [](const char* q) {
    auto p = search::Query::parse(q);
    EXPECT_TRUE(p) << q;
    return compile_query(*p);
  };
  // quotes stay inside their literal
  SqlWhere w = sql("host.name:\"x' OR site = 'b\"");
  EXPECT_NE(w.sql.find("'x\\' or site = \\'b'"), std::string::npos) << w.sql;
  EXPECT_EQ(w.sql.find("OR site"), std::string::npos) << w.sql;
  // an address range: numbers, on the column of its own
  w = sql("source.ip:10.20.1.0/30");
  EXPECT_NE(w.sql.find("IPv4StringToNum(source_ip) BETWEEN 169083136 AND 169083139"), std::string::npos) << w.sql;
  // free text: the whole phrase as a substring (contains_token_seq finds it whole)
  w = sql("\"Failed password\"");
  EXPECT_NE(w.sql.find("positionCaseInsensitiveUTF8(message, 'failed password')"), std::string::npos) << w.sql;
  EXPECT_FALSE(w.exact);
  // a pattern: its literal runs
  w = sql("user.name:dr_*zh");
  EXPECT_NE(w.sql.find("'dr_'"), std::string::npos) << w.sql;
  EXPECT_NE(w.sql.find("'zh'"), std::string::npos) << w.sql;
  // NOT of a widened term cannot be said in SQL: everything is read and matched
  w = sql("NOT \"password\"");
  EXPECT_EQ(w.sql, "1");
  // NOT of an exact one can
  w = sql("NOT @timestamp:>=1970-01-02T00:00:00Z");
  EXPECT_EQ(w.sql, "(NOT (ts >= 86400000000000))");
  EXPECT_TRUE(w.exact);
  // a field without a column of its own: the Nested lookup
  w = sql("url.path:\"/his/login\"");
  EXPECT_NE(w.sql.find("attrs.v[indexOf(attrs.k, 'url.path')]"), std::string::npos) << w.sql;
  // the scope and the range join as literals
  std::string where = where_clause(sql(""), {"a", "b'c"}, 86400LL * 1000000000LL, 0);
  EXPECT_NE(where.find("site IN ('a', 'b\\'c')"), std::string::npos) << where;
  EXPECT_NE(where.find("day >= toDate('1970-01-02')"), std::string::npos) << where;
}
