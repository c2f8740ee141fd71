#include <gtest/gtest.h>

#include "ingest/framing.h"

using namespace wardsec::ingest;

namespace {
struct Collect {
  std::vector<std::pair<std::string, bool>> got;
  SyslogFramer::Emit emit() {
    return [this](std::string_view m, bool t) { got.emplace_back(std::string(m), t); };
  }
};
}  // namespace

TEST(SyslogFramer, LfAndOctetCountingMixedAndSplitAnywhere) {
  std::string stream = "<13>one\n11 <13>two 2 3\n<13>four\r\n5 <13>5";
  // Feed in every possible two-piece split: the result must not depend on packet boundaries.
  for (size_t cut = 0; cut <= stream.size(); cut++) {
    Collect c;
    SyslogFramer f;
    f.feed(std::string_view(stream).substr(0, cut), c.emit());
    f.feed(std::string_view(stream).substr(cut), c.emit());
    ASSERT_EQ(c.got.size(), 4u) << "cut at " << cut;
    EXPECT_EQ(c.got[0].first, "<13>one");
    EXPECT_EQ(c.got[1].first, "<13>two 2 3");
    EXPECT_EQ(c.got[2].first, "<13>four");
    EXPECT_EQ(c.got[3].first, "<13>5");
  }
}

TEST(SyslogFramer, OctetFrameMayContainNewlines) {
  Collect c;
  SyslogFramer f;
  f.feed("15 <13>a\nmultiline", c.emit());
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].first, "<13>a\nmultiline");
}

TEST(SyslogFramer, HalfFrameThenDisconnectIsKeptAndFlagged) {
  Collect c;
  SyslogFramer f;
  f.feed("100 <13>only part of it", c.emit());
  EXPECT_TRUE(c.got.empty());
  f.finish(c.emit());
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].first, "<13>only part of it");
  EXPECT_TRUE(c.got[0].second);
  Collect d;
  SyslogFramer g;
  g.feed("<13>no newline at the end", d.emit());
  g.finish(d.emit());
  ASSERT_EQ(d.got.size(), 1u);
  EXPECT_FALSE(d.got[0].second);
}

TEST(SyslogFramer, OverlongLinesAreCutNotBuffered) {
  Collect c;
  SyslogFramer f(1024);
  std::string big(5000, 'x');
  f.feed(big, c.emit());
  f.feed(big + "\n<13>next\n", c.emit());
  ASSERT_EQ(c.got.size(), 2u);
  EXPECT_EQ(c.got[0].first.size(), 1024u);
  EXPECT_TRUE(c.got[0].second);
  EXPECT_EQ(c.got[1].first, "<13>next");
  EXPECT_LE(f.buffered(), 1024u);
  Collect d;
  SyslogFramer g(1024);
  g.feed("3000 " + std::string(3000, 'y') + "<13>after", d.emit());
  g.feed("\n", d.emit());
  ASSERT_EQ(d.got.size(), 2u);
  EXPECT_EQ(d.got[0].first.size(), 1024u);
  EXPECT_EQ(d.got[1].first, "<13>after");
}

// Counts that do not match the data: each costs the one frame, never the rest of the stream.
TEST(SyslogFramer, ImplausibleCountsResyncAndAreCounted) {
  {
    Collect c;  // a count no sender uses: read as lines from there
    SyslogFramer f;
    std::string s = "999999999 <13>bogus count\n";
    for (int i = 0; i < 1000; i++) s += "<13>line " + std::to_string(i) + "\n";
    f.feed(s, c.emit());
    ASSERT_EQ(c.got.size(), 1001u);
    EXPECT_EQ(c.got[1000].first, "<13>line 999");
    EXPECT_EQ(f.framing_errors(), 1u);
  }
  {
    Collect c;  // too long a count, frames back to back: the next frame is found inside
    SyslogFramer f;
    std::vector<std::string> frames = {"<13>short one", "<13>second", "<13>third", "<13>fourth"};
    std::string s = "40 " + frames[0];  // 13 bytes, not 40
    for (size_t i = 1; i < frames.size(); i++) s += std::to_string(frames[i].size()) + " " + frames[i];
    f.feed(s, c.emit());
    f.finish(c.emit());
    ASSERT_EQ(c.got.size(), 4u);
    for (size_t i = 0; i < frames.size(); i++) EXPECT_EQ(c.got[i].first, frames[i]);
    EXPECT_EQ(f.framing_errors(), 1u);
  }
  {
    Collect c;  // too long a count over LF lines
    SyslogFramer f;
    f.feed("60 <13>first\n<13>second line here\n<13>third line here too\n<13>4\n", c.emit());
    ASSERT_EQ(c.got.size(), 4u);
    EXPECT_EQ(c.got[0].first, "<13>first");
    EXPECT_EQ(c.got[3].first, "<13>4");
  }
  {
    Collect c;  // too short a count: the rest of the line is the same message
    SyslogFramer f;
    f.feed("5 <13>a longer message\n<13>next\n", c.emit());
    ASSERT_EQ(c.got.size(), 2u);
    EXPECT_EQ(c.got[0].first, "<13>a longer message");
    EXPECT_EQ(c.got[1].first, "<13>next");
    EXPECT_EQ(f.framing_errors(), 1u);
  }
}

TEST(RelpParser, FramesAndErrors) {
  RelpParser p;
  std::vector<RelpFrame> frames;
  auto emit = [&](RelpFrame&& f) { frames.push_back(std::move(f)); };
  std::string s =
      "1 open 86 relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n2 syslog 13 <13>hello rel\n3 "
      "close 0\n";
  for (char ch : s) ASSERT_TRUE(p.feed(std::string_view(&ch, 1), emit));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].command, "open");
  EXPECT_EQ(frames[1].txnr, 2u);
  EXPECT_EQ(frames[1].data, "<13>hello rel");
  EXPECT_EQ(frames[2].command, "close");
  RelpParser bad;
  EXPECT_FALSE(bad.feed("x syslog 3 abc\n", emit));
  RelpParser bad2;
  EXPECT_FALSE(bad2.feed("1 syslog 3 abcX", emit));
  RelpParser big(100);
  EXPECT_FALSE(big.feed("1 syslog 5000 ", emit));
}
