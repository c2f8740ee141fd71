// The time zone per source (source_timezones): rules by address, path and host name, and the
// decoder reading a zone-less time in the zone of the host that wrote it.
#include <gtest/gtest.h>

#include "core/fields.h"
#include "core/timeutil.h"
#include "parse/parser.h"
#include "parse/source_zones.h"

using namespace wardsec;

namespace {

std::shared_ptr<const SourceZones> zones(const std::vector<SourceZoneSpec>& s) {
  auto z = SourceZones::compile(s, "source_timezones");
  EXPECT_TRUE(z.ok()) << (z.ok() ? "" : z.error());
  return z.ok() ? *z : nullptr;
}

int64_t at(const char* rfc3339) {
  int64_t ns = 0;
  EXPECT_TRUE(parse_rfc3339(rfc3339, ns));
  return ns;
}

}  // namespace

TEST(SourceZones, ParsesZonesAndRefusesWhatIsNotOne) {
  int s = 1;
  EXPECT_TRUE(parse_zone("+00:00", s));
  EXPECT_EQ(s, 0);
  EXPECT_TRUE(parse_zone("UTC", s));
  EXPECT_EQ(s, 0);
  EXPECT_TRUE(parse_zone("-0530", s));
  EXPECT_EQ(s, -(5 * 3600 + 30 * 60));
  EXPECT_TRUE(parse_zone("UTC+08:00", s));
  EXPECT_EQ(s, 8 * 3600);
  for (const char* bad : {"", "8", "+8", "+08:00x", "+15:00", "-13:00", "Asia/Shanghai", "+08:61"}) EXPECT_FALSE(parse_zone(bad, s)) << bad;
  EXPECT_EQ(tz_text(-12600), "-03:30");
  EXPECT_EQ(tz_text(28800), "+08:00");

  auto bad_zone = SourceZones::compile({{"10.0.0.1", "+8"}}, "f: source_timezones");
  ASSERT_FALSE(bad_zone.ok());
  EXPECT_NE(bad_zone.error().find("f: source_timezones[0]"), std::string::npos) << bad_zone.error();
  EXPECT_FALSE(SourceZones::compile({{"", "+00:00"}}, "x").ok());
  EXPECT_FALSE(SourceZones::compile({{"pacs 01", "+00:00"}}, "x").ok());
}

TEST(SourceZones, MatchesAddressesPathsAndHostNames) {
  auto z = zones({{"10.30.0.0/16", "+00:00"},
                  {"10.30.1.5", "-05:00"},
                  {"/var/log/legacy/*.log", "+09:00"},
                  {"PACS-*", "+01:00"},
                  {"fe80::/10", "+02:00"}});
  ASSERT_TRUE(z);
  EXPECT_EQ(z->for_source("10.30.1.5:41234"), 0);  // the first matching rule of its kind
  EXPECT_EQ(z->for_source("10.31.0.1:514"), std::nullopt);
  EXPECT_EQ(z->for_source("fe80::1:514"), 2 * 3600);  // the inputs write v6 with its port unbracketed
  EXPECT_EQ(z->for_source("[fe80::1]:514"), 2 * 3600);
  EXPECT_EQ(z->for_source("/var/log/legacy/his.log"), 9 * 3600);
  EXPECT_EQ(z->for_source("/var/log/other.log"), std::nullopt);
  EXPECT_EQ(z->for_host("pacs-app-01"), 3600);  // case-insensitive
  EXPECT_EQ(z->for_host("his-app-01"), std::nullopt);
  EXPECT_EQ(z->for_host(""), std::nullopt);
  EXPECT_EQ(z->for_host("10.30.4.4"), 0);  // a device that names itself by its address, behind a relay
  EXPECT_EQ(z->for_host("10.40.4.4"), std::nullopt);
  EXPECT_TRUE(z->has_host_rules());
  EXPECT_EQ(z->specs()[3].timezone, "+01:00");
}

TEST(SourceZones, DecoderReadsAZonelessTimeInTheZoneOfItsHost) {
  Decoder d;
  auto z = zones({{"utc-host-*", "+00:00"}, {"relay.example", "+09:00"}});
  static const FieldId kTz = FieldRegistry::intern("event.timezone");
  ParseContext ctx;
  ctx.received = at("2026-12-06T12:00:00Z");
  ctx.zones = z.get();
  // A BSD-syslog line (no zone) from a host with a rule: read as UTC, tagged.
  Event a;
  a.raw = "<38>Dec  6 11:58:00 utc-host-01 sshd[1]: Accepted password for root from 10.0.0.9 port 22 ssh2";
  d.decode(a, ctx);
  EXPECT_EQ(a.ts, at("2026-12-06T11:58:00Z"));
  EXPECT_EQ(a.get(kTz), "+00:00");
  EXPECT_EQ(a.get(kHostName), "utc-host-01");
  EXPECT_FALSE(a.get(FieldRegistry::intern("user.name")).empty()) << "the second reading keeps every field";
  // A host without a rule: the center's zone, no tag.
  Event b;
  b.raw = "<38>Dec  6 19:58:00 his-app-01 sshd[1]: Accepted password for root from 10.0.0.9 port 22 ssh2";
  d.decode(b, ctx);
  EXPECT_EQ(b.ts, at("2026-12-06T11:58:00Z"));
  EXPECT_TRUE(b.get(kTz).empty());
  // The sender's address rule (set by the pipeline) gives way to the host's own.
  ParseContext relayed = ctx;
  relayed.tz_sec = 9 * 3600;
  relayed.zone_from_rule = true;
  Event c;
  c.raw = a.raw;
  d.decode(c, relayed);
  EXPECT_EQ(c.ts, a.ts);
  Event e;
  e.raw = "<38>Dec  6 20:58:00 other-host sshd[1]: Accepted password for root from 10.0.0.9 port 22 ssh2";
  d.decode(e, relayed);
  EXPECT_EQ(e.ts, at("2026-12-06T11:58:00Z"));
  EXPECT_EQ(e.get(kTz), "+09:00");
  // A line that carries its zone keeps it, whatever the rule says.
  Event f;
  f.raw = "<38>1 2026-12-06T11:58:00+08:00 utc-host-02 app - - - hello";
  d.decode(f, ctx);
  EXPECT_EQ(f.ts, at("2026-12-06T03:58:00Z"));
}
