// The fallback for lines nobody claims (issue #18): plain key=value and plain phrasings give a
// searchable source.ip, user.name and outcome, named in labels.guessed; nothing is invented.
#include <gtest/gtest.h>

#include "parse/parser.h"

namespace wardsec {
namespace {

Event decode(const std::string& line) {
  static const Decoder dec;
  Event ev;
  ev.raw = line;
  dec.decode(ev, {});
  return ev;
}

std::string get(const Event& ev, const char* field) { return std::string(ev.get(FieldRegistry::intern(field))); }

TEST(Guess, KeyValueUnderVendorNames) {
  auto ev = decode(R"(<134>Dec  4 10:00:00 fw01 devlog: type=login UserName="zhang san" SrcIP=10.20.1.15 Src-Port=51022 result=Failed)");
  EXPECT_EQ(get(ev, "source.ip"), "10.20.1.15");
  EXPECT_EQ(get(ev, "source.port"), "51022");
  EXPECT_EQ(get(ev, "user.name"), "zhang san");
  EXPECT_EQ(get(ev, "event.outcome"), "failure");
  EXPECT_EQ(get(ev, "labels.guessed"), "user.name,source.ip,source.port,event.outcome");
  EXPECT_EQ(get(ev, "event.dataset"), "syslog");  // a guess is not a format
}

TEST(Guess, PhrasingsLogsUse) {
  auto ev =
      decode("<134>Dec  4 10:00:00 db01 MSSQLSERVER: Login failed for user 'sa'. Reason: Password did not match. [CLIENT: 10.20.3.45]");
  EXPECT_EQ(get(ev, "user.name"), "sa");
  EXPECT_EQ(get(ev, "source.ip"), "10.20.3.45");
  EXPECT_EQ(get(ev, "event.outcome"), "failure");
  ev = decode("<134>Dec  4 10:00:00 nas01 nasd: Failed login for admin from 10.30.0.7.");
  EXPECT_EQ(get(ev, "user.name"), "admin");
  EXPECT_EQ(get(ev, "source.ip"), "10.30.0.7");
  EXPECT_EQ(get(ev, "event.outcome"), "failure");
  ev = decode("<134>Dec  4 10:00:00 app01 emr: user wangyi logged in from fe80::1");
  EXPECT_EQ(get(ev, "user.name"), "wangyi");
  EXPECT_EQ(get(ev, "source.ip"), "fe80::1");
  EXPECT_EQ(get(ev, "event.outcome"), "success");
}

TEST(Guess, NothingInvented) {
  // Names that are not addresses, ports that are not numbers, a sentence with "from" but no address.
  auto ev = decode("<134>Dec  4 10:00:00 sw01 app: src=web01 ip=999.1.1.1 sport=http copied from backup");
  EXPECT_EQ(get(ev, "source.ip"), "");
  EXPECT_EQ(get(ev, "source.port"), "");
  EXPECT_EQ(get(ev, "labels.guessed"), "");
  // A line a parser understood keeps its fields and is not marked.
  ev = decode("<38>Dec  4 10:00:00 his-db-01 sshd[1]: Failed password for root from 10.20.1.15 port 5522 ssh2");
  EXPECT_EQ(get(ev, "source.ip"), "10.20.1.15");
  EXPECT_EQ(get(ev, "labels.guessed"), "");
  // The first statement of a field wins; a parsed field is never overwritten.
  ev = decode("<134>Dec  4 10:00:00 fw01 x: srcip=10.1.1.1 sip=10.2.2.2 user=a user=b");
  EXPECT_EQ(get(ev, "source.ip"), "10.1.1.1");
  EXPECT_EQ(get(ev, "user.name"), "a");
}

}  // namespace
}  // namespace wardsec
