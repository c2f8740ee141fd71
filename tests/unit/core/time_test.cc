#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/strutil.h"
#include "core/timeutil.h"

using namespace wardsec;

TEST(Time, Rfc3339RoundTrip) {
  int64_t ns;
  ASSERT_TRUE(parse_rfc3339("2026-11-26T08:00:00.123456+08:00", ns));
  EXPECT_EQ(format_rfc3339(ns), "2026-11-26T00:00:00.123456Z");
  ASSERT_TRUE(parse_rfc3339("1999-12-31T23:59:59Z", ns));
  EXPECT_EQ(format_rfc3339(ns), "1999-12-31T23:59:59.000Z");
  EXPECT_FALSE(parse_rfc3339("2026-13-01T00:00:00Z", ns));
  EXPECT_FALSE(parse_rfc3339("2026-11-26T08:00:00+0x:00", ns));
}

TEST(Time, OtherFormats) {
  int64_t ns;
  ASSERT_TRUE(parse_clf_time("10/Oct/2000:13:55:36 -0700", ns));
  EXPECT_EQ(format_rfc3339(ns), "2000-10-10T20:55:36.000Z");
  ASSERT_TRUE(parse_ctime("Sun Dec 04 04:47:44 2005", 0, ns));
  EXPECT_EQ(format_rfc3339(ns), "2005-12-04T04:47:44.000Z");
  ASSERT_TRUE(parse_epoch("1364481363.243", ns));
  EXPECT_EQ(format_rfc3339(ns), "2013-03-28T14:36:03.243Z");
  ASSERT_TRUE(parse_user_time("2026-11-26", 8 * 3600, ns));
  EXPECT_EQ(format_rfc3339(ns), "2026-11-25T16:00:00.000Z");
  ASSERT_TRUE(parse_user_time("2026-12-04 08:30", 8 * 3600, ns));  // as people write it: the minute
  EXPECT_EQ(format_rfc3339(ns), "2026-12-04T00:30:00.000Z");
  EXPECT_FALSE(parse_user_time("2026-12-04 8:300", 8 * 3600, ns));
  EXPECT_TRUE(parse_user_time("now-15m", 0, ns));
  EXPECT_FALSE(parse_user_time("yesterday", 0, ns));
  // More digits than any bound allows: refused, never multiplied past int64 (found by fuzzing).
  EXPECT_FALSE(parse_user_time("now-1111111111111111111111111111111111111111h", 0, ns));
  EXPECT_FALSE(parse_user_time("now+9999999999999s", 0, ns));
}

// Epochs by magnitude, dates that do not exist, years a timestamp cannot hold, now+N.
TEST(Time, EpochUnitsDatesAndRelativeFuture) {
  int64_t ns;
  for (const char* e : {"1764547200", "1764547200000", "1764547200000000", "1764547200000000000"}) {
    ASSERT_TRUE(parse_epoch(e, ns)) << e;
    EXPECT_EQ(format_rfc3339(ns), "2025-12-01T00:00:00.000Z") << e;
  }
  ASSERT_TRUE(parse_epoch("1764547200123.5", ns));
  EXPECT_EQ(format_rfc3339(ns), "2025-12-01T00:00:00.123500Z");
  EXPECT_FALSE(parse_epoch("99999999999999999999", ns));
  for (const char* bad : {"2026-02-31T00:00:00Z", "2026-02-29T00:00:00Z", "2300-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                          "0001-01-01T00:00:00Z", "2026-04-31T00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad, ns)) << bad;
  EXPECT_TRUE(parse_rfc3339("2028-02-29T00:00:00Z", ns));
  const int64_t ref = 1798675200LL * kSec;  // 2026-12-31T00:00:00Z
  EXPECT_FALSE(parse_bsd_time("Feb 31 10:00:00", ref, 0, ns));
  EXPECT_FALSE(parse_bsd_time("Feb 29 10:00:00", ref, 0, ns));  // not in 2025, 2026 or 2027
  ASSERT_TRUE(parse_bsd_time("Jan  1 12:00:00", ref, 0, ns));   // 36 h ahead: next year, not last
  EXPECT_EQ(format_rfc3339(ns), "2027-01-01T12:00:00.000Z");
  ASSERT_TRUE(parse_bsd_time("Dec 29 12:00:00", ref, 0, ns));
  EXPECT_EQ(format_rfc3339(ns), "2026-12-29T12:00:00.000Z");
  ASSERT_TRUE(parse_bsd_time("Mar  5 12:00:00", ref, 0, ns));  // months old (an import): its year
  EXPECT_EQ(format_rfc3339(ns), "2026-03-05T12:00:00.000Z");
  const int64_t jan2 = 1798848000LL * kSec;                     // 2027-01-02T00:00:00Z
  ASSERT_TRUE(parse_bsd_time("Dec 31 23:59:00", jan2, 0, ns));  // read just after New Year
  EXPECT_EQ(format_rfc3339(ns), "2026-12-31T23:59:00.000Z");
  ASSERT_TRUE(parse_bsd_time("Mar  5 12:00:00", ref, 0, ns, 2024));
  EXPECT_EQ(format_rfc3339(ns), "2024-03-05T12:00:00.000Z");
  int64_t now = now_ns(), t;
  ASSERT_TRUE(parse_user_time("now+1d", 0, t));
  EXPECT_NEAR(static_cast<double>(t - now), 86400.0 * kSec, 5.0 * kSec);
  EXPECT_FALSE(parse_user_time("now+", 0, t));
  EXPECT_FALSE(parse_user_time("now+99999999999999d", 0, t));
}

TEST(Strings, CidrAndTokens) {
  auto c = parse_cidr("10.20.0.0/22");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(*parse_ip("10.20.3.255")));
  EXPECT_FALSE(c->contains(*parse_ip("10.20.4.0")));
  auto v6 = parse_cidr("2001:db8::/32");
  EXPECT_TRUE(v6->contains(*parse_ip("2001:db8:1::5")));
  EXPECT_TRUE(contains_token_seq("Failed password for root", "password for"));
  EXPECT_FALSE(contains_token_seq("Failed passwords", "password"));
  EXPECT_TRUE(valid_utf8("医院"));
  EXPECT_FALSE(valid_utf8("\xb2\xa1\xc8\xcb"));
}

// Random inputs for the differential tests below (reproducible: fixed seeds).
namespace {
struct XorShift {
  uint64_t x;
  uint64_t operator()() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
};
}  // namespace

// valid_utf8 (simdjson's validator) and utf8_error_offset (the loop that names the byte) must
// agree on every input: random bytes biased toward lead and continuation bytes, plus the edges
// (overlong forms, surrogates, past U+10FFFF, truncated sequences).
TEST(Strings, Utf8ValidatorsAgree) {
  const std::vector<std::string> edges = {"",
                                          "ascii only, longer than sixteen bytes",
                                          "\xc0\xaf",
                                          "\xe0\x80\xaf",
                                          "\xed\xa0\x80",
                                          "\xf4\x90\x80\x80",
                                          "\xf4\x8f\xbf\xbf",
                                          "\xef\xbf\xbf",
                                          "医院信息科 \xe5\x8c",
                                          "\xf0\x9f\x98\x80 ok"};
  for (const auto& s : edges) EXPECT_EQ(valid_utf8(s), utf8_error_offset(s) == std::string::npos) << s;
  XorShift next{88172645463325252ull};
  const unsigned char pool[] = {'a', ' ', 0x80, 0x8f, 0xbf, 0xc2, 0xdf, 0xe0, 0xe4, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f};
  for (int i = 0; i < 200000; i++) {
    std::string s(next() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(next() % 3 ? pool[next() % sizeof pool] : 'x');
    ASSERT_EQ(valid_utf8(s), utf8_error_offset(s) == std::string::npos) << i;
  }
}

// parse_ip's IPv4 fast path must read exactly what inet_pton reads.
TEST(Strings, Ipv4FastPathAgreesWithInetPton) {
  const std::vector<std::string> edges = {"10.0.0.1", "255.255.255.255", "256.1.1.1",  "01.2.3.4", "0.0.0.0",
                                          "1.2.3",    "1.2.3.4.",        ".1.2.3.4",   "1..2.3",   "1.2.3.04",
                                          "1.2.3.4 ", "1.2.3.-4",        "1234.1.1.1", "",         "0.00.1.1"};
  XorShift next{1469598103934665603ull};
  std::vector<std::string> all = edges;
  const char pool[] = "0123456789..0125";
  for (int i = 0; i < 100000; i++) {
    std::string s(1 + next() % 16, '0');
    for (auto& c : s) c = pool[next() % (sizeof pool - 1)];
    all.push_back(s);
  }
  for (const auto& s : all) {
    in_addr v4;
    bool want = inet_pton(AF_INET, s.c_str(), &v4) == 1;
    auto got = parse_ip(s);
    ASSERT_EQ(got.has_value() && got->v4, want) << s;
    if (want) ASSERT_EQ(std::memcmp(&got->b[12], &v4, 4), 0) << s;
  }
}

// core/strutil.h: the 16-bytes-at-a-time tokenizer finds exactly the tokens a byte-by-byte
// scan finds, on text made to put token edges at every offset of a 16-byte chunk.
TEST(Tokens, SixteenAtATimeAgreesWithByteByByte) {
  std::mt19937 rng(3);
  const char alphabet[] = {'a', 'Z', '0', '9', '_', ' ', '.', '-', '\x80', '\xe4', '\xff', '@', '\0', 'z', 'A', '/', '`', '{', '[', ':'};
  for (int round = 0; round < 20000; round++) {
    std::string s;
    for (int k = static_cast<int>(rng() % 80); k > 0; k--) {
      size_t run = rng() % 3 ? 1 : rng() % 40;
      char c = alphabet[rng() % sizeof alphabet];
      s.append(run, c);
    }
    std::vector<std::pair<size_t, size_t>> want, got;
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && !is_token_char(static_cast<unsigned char>(s[i]))) i++;
      size_t b = i;
      while (i < s.size() && is_token_char(static_cast<unsigned char>(s[i]))) i++;
      if (i > b) want.emplace_back(b, i - b);
    }
    for_each_token(s, [&](size_t at, size_t len) { got.emplace_back(at, len); });
    ASSERT_EQ(got, want) << "round " << round << ": " << s;
  }
}
