// Multi-line framing (ingest/multiline.h): stack traces that arrive a line per message are
// joined per sender and program, bounded, and no line is lost; a batch whose lines are held is
// acknowledged only when the events holding them are durable.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "ingest/multiline.h"
#include "ingest/pipeline.h"
#include "store/store.h"
#include "test_util.h"

using namespace wardsec;
using ingest::JoinedEvent;
using ingest::Joiner;
using ingest::MultilineRules;

namespace {

MultilineSpec spec(const std::string& yaml) {
  auto s = parse_multiline(YAML::Load(yaml), "test.yaml");
  EXPECT_TRUE(s.ok()) << s.error();
  return s.ok() ? *s : MultilineSpec{};
}

std::shared_ptr<const MultilineRules> rules(const std::vector<std::string>& yamls) {
  std::vector<MultilineSpec> specs;
  for (const auto& y : yamls) specs.push_back(spec(y));
  auto r = MultilineRules::compile(specs);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? *r : nullptr;
}

const char* kTomcat = "{programs: [tomcat], start: '^\\d\\d-[A-Z][a-z]{2}-\\d{4} ', max_lines: 4, timeout_ms: 100}";

Event decoded(const std::string& line) {
  static Decoder d;
  Event ev;
  ev.raw = line;
  d.decode(ev, {});
  return ev;
}

std::string sys(const std::string& host, const std::string& prog, const std::string& body) {
  return "<131>Dec  5 10:15:30 " + host + " " + prog + ": " + body;
}

// Offers every line; returns the events as they come out (kept ones and let-go ones in order).
std::vector<std::string> run(Joiner& j, const std::vector<std::pair<std::string, std::string>>& lines, bool flush = true) {
  std::vector<std::string> out;
  std::vector<JoinedEvent> let_go;
  for (const auto& [source, line] : lines) {
    Event ev = decoded(line);
    bool taken = j.offer(ev, "tcp", source, {}, 0, 0, let_go);
    for (auto& g : let_go) out.push_back(g.raw.empty() ? g.ev.raw : g.raw);
    let_go.clear();
    if (!taken) out.push_back(ev.raw);
  }
  if (flush) j.flush(let_go);
  for (auto& g : let_go) out.push_back(g.raw.empty() ? g.ev.raw : g.raw);
  return out;
}

size_t lines_in(const std::vector<std::string>& evs) {
  size_t n = 0;
  for (const auto& e : evs) n += 1 + std::count(e.begin(), e.end(), '\n');
  return n;
}

// A store and a running pipeline that joins Tomcat lines (held up to a minute).
struct TomcatPipeline {
  test::TempDir t;
  store::StoreOptions o;
  std::unique_ptr<store::StoreWriter> w;
  std::unique_ptr<ingest::Pipeline> pipeline;
  explicit TomcatPipeline(bool with_rules = true) {
    o.data_dir = t.path() + "/data";
    o.key_dir = t.path() + "/keys";
    auto opened = store::StoreWriter::open(o);
    EXPECT_TRUE(opened.ok());
    w = std::move(*opened);
    ingest::PipelineOptions po;
    if (with_rules) po.multiline = rules({"{programs: [tomcat], start: '^\\d\\d-[A-Z][a-z]{2}-\\d{4} ', timeout_ms: 60000}"});
    pipeline = std::make_unique<ingest::Pipeline>(*w, po);
    pipeline->start();
  }
};

}  // namespace

TEST(Multiline, RulesAreChecked) {
  auto bad = [](const std::string& y) {
    auto s = parse_multiline(YAML::Load(y), "f.yaml");
    if (!s) return s.error();
    auto r = MultilineRules::compile({*s});
    return r ? std::string() : r.error();
  };
  EXPECT_NE(bad("{programs: [a], start: x, continue: y}").find("one of them"), std::string::npos);
  EXPECT_NE(bad("{programs: [a]}").find("one of them"), std::string::npos);
  EXPECT_NE(bad("{start: x}").find("'programs' or 'sources'"), std::string::npos);
  EXPECT_NE(bad("{programs: [a], start: '('}").find("f.yaml:1: multiline.start: regex"), std::string::npos);
  EXPECT_NE(bad("{sources: [not-an-address], start: x}").find("not-an-address"), std::string::npos);
  EXPECT_NE(bad("{programs: [a], start: x, max_lines: 0}").find("max_lines"), std::string::npos);
  EXPECT_NE(bad("{programs: [a], start: x, colour: red}").find("unknown key 'multiline.colour'"), std::string::npos);
  EXPECT_EQ(bad("{sources: [10.20.0.0/22, '/var/log/tomcat*/*'], start: x}"), "");
}

TEST(Multiline, JoinsAStackTracePerSenderWithoutLosingALine) {
  Joiner j(rules({kTomcat}));
  std::string a = "10.20.1.15:40001", b = "10.20.1.16:40002";
  // Two application servers interleave; a third program from the same sender is not joined.
  auto out = run(j, {{a, sys("app-1", "tomcat", "05-Dec-2026 10:15:30.123 SEVERE [exec-5] x.Y.z failed")},
                     {b, sys("app-2", "tomcat", "05-Dec-2026 10:15:30.200 SEVERE [exec-1] x.Y.z failed too")},
                     {a, sys("app-1", "tomcat", "java.lang.IllegalStateException: boom")},
                     {a, sys("app-1", "sshd", "Accepted password for root from 10.0.0.1 port 22 ssh2")},
                     {b, sys("app-2", "tomcat", "java.io.IOException: disk")},
                     {a, sys("app-1", "tomcat", "#011at com.his.A.b(A.java:1)")},
                     {b, sys("app-2", "tomcat", "\tat com.his.C.d(C.java:2)")},
                     {a, sys("app-1", "tomcat", "05-Dec-2026 10:15:31.000 INFO [exec-5] x.Y.z fine again")}});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], sys("app-1", "sshd", "Accepted password for root from 10.0.0.1 port 22 ssh2"));  // not held
  EXPECT_EQ(out[1], sys("app-1", "tomcat", "05-Dec-2026 10:15:30.123 SEVERE [exec-5] x.Y.z failed") +
                        "\njava.lang.IllegalStateException: boom\n#011at com.his.A.b(A.java:1)");
  EXPECT_EQ(out[2], sys("app-2", "tomcat", "05-Dec-2026 10:15:30.200 SEVERE [exec-1] x.Y.z failed too") +
                        "\njava.io.IOException: disk\n\tat com.his.C.d(C.java:2)");
  EXPECT_EQ(out[3], sys("app-1", "tomcat", "05-Dec-2026 10:15:31.000 INFO [exec-5] x.Y.z fine again"));
  EXPECT_EQ(lines_in(out), 8u);
  EXPECT_EQ(j.stats().joined, 2u);
  EXPECT_EQ(j.held(), 0u);
}

TEST(Multiline, LimitsCutButKeepEveryLine) {
  Joiner j(rules({kTomcat}));  // max_lines 4
  std::vector<std::pair<std::string, std::string>> in = {{"s:1", sys("h", "tomcat", "05-Dec-2026 10:00:00 SEVERE [t] a b")}};
  for (int i = 0; i < 10; i++) in.push_back({"s:1", sys("h", "tomcat", "\tat f" + std::to_string(i))});
  auto out = run(j, in);
  // 4 lines, then the rest goes on as new events of at most 4 lines: nothing dropped.
  EXPECT_EQ(lines_in(out), 11u);
  EXPECT_NE(out[0].find("\tat f2"), std::string::npos);
  EXPECT_EQ(out[0].find("\tat f3"), std::string::npos);
  EXPECT_GE(j.stats().cut, 1u);
  for (int i = 0; i < 10; i++) {
    size_t hits = 0;
    for (const auto& e : out) hits += e.find("\tat f" + std::to_string(i)) != std::string::npos;
    EXPECT_GE(hits, 1u) << i;
  }
}

TEST(Multiline, TimeoutEndAndUnrelatedLines) {
  Joiner j(rules({kTomcat, "{sources: [10.30.0.0/16], programs: [''], start: '^\\s*<Event[\\s>]', end: '</Event>\\s*$'}"}));
  std::vector<JoinedEvent> let_go;
  Event ev = decoded(sys("h", "tomcat", "05-Dec-2026 10:00:00 SEVERE [t] a b"));
  EXPECT_TRUE(j.offer(ev, "udp", "10.20.0.5:514", {}, 0, 1000, let_go));
  j.expire(1000 + 50 * 1000000LL, let_go);
  EXPECT_TRUE(let_go.empty());
  j.expire(1000 + 101 * 1000000LL, let_go);  // timeout_ms 100
  ASSERT_EQ(let_go.size(), 1u);
  EXPECT_EQ(let_go[0].lines, 1u);
  EXPECT_EQ(let_go[0].ev.get("process.name"), "tomcat");  // one line: kept as decoded
  // Pretty-printed XML without a syslog header from a collector: joined until </Event>.
  let_go.clear();
  auto out = run(j,
                 {{"10.30.1.2:5000", "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"},
                  {"10.30.1.2:5000", "  <System><EventID>4625</EventID></System>"},
                  {"10.30.1.2:5000", "</Event>"},
                  {"10.30.1.2:5000", "a line after it"},
                  {"10.99.1.2:5000", "<Event>"}},
                 false);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0],
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n  <System><EventID>4625</EventID></System>\n</Event>");
  EXPECT_EQ(out[1], "a line after it");  // not a start, nothing held: its own event
  EXPECT_EQ(out[2], "<Event>");          // 10.99/16 is not a source of the rule: not held
  EXPECT_EQ(j.held(), 0u);
}

TEST(Multiline, HeldEventsAreBounded) {
  Joiner j(rules({"{sources: ['0.0.0.0/0'], programs: [app], start: '^S'}"}));
  std::vector<JoinedEvent> let_go;
  size_t kept = 0;
  for (size_t i = 0; i < Joiner::kMaxHeld + 100; i++) {
    Event ev = decoded(sys("h", "app", "S " + std::to_string(i)));
    if (!j.offer(ev, "udp", "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":514", {}, 0, 0, let_go)) kept++;
  }
  EXPECT_LE(j.held(), Joiner::kMaxHeld);
  EXPECT_EQ(let_go.size() + j.held() + kept, Joiner::kMaxHeld + 100);
  EXPECT_EQ(let_go.front().ev.raw, sys("h", "app", "S 0"));  // the oldest goes first
}

TEST(Multiline, PipelineAcknowledgesHeldLinesOnlyWhenTheirEventIsDurable) {
  TomcatPipeline tp;
  ingest::Pipeline& p = *tp.pipeline;
  const store::StoreOptions& o = tp.o;
  std::atomic<int> acked1{0}, acked2{0};
  ingest::RawBatch b1;
  b1.input = "relp";
  b1.source = "10.20.1.15:40001";
  b1.add(sys("app-1", "tomcat", "05-Dec-2026 10:15:30.123 SEVERE [exec-5] x.Y.z failed"), 0);
  b1.add(sys("app-1", "tomcat", "java.lang.IllegalStateException: boom"), 0);
  b1.on_durable = [&](bool ok) { acked1 += ok ? 1 : 100; };
  ASSERT_TRUE(p.submit(std::move(b1)));
  // The stack trace's last line comes in the next batch: the first batch waits for it.
  for (int i = 0; i < 100 && p.metrics().multiline_held.load() == 0; i++) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(acked1.load(), 0);
  ingest::RawBatch b2;
  b2.input = "relp";
  b2.source = "10.20.1.15:40001";
  b2.add(sys("app-1", "tomcat", "\tat com.his.A.b(A.java:1)"), 0);
  b2.add(sys("app-1", "tomcat", "05-Dec-2026 10:15:31.000 INFO [exec-5] x.Y.z fine again"), 0);
  b2.on_durable = [&](bool ok) { acked2 += ok ? 1 : 100; };
  ASSERT_TRUE(p.submit(std::move(b2)));
  for (int i = 0; i < 250 && acked1.load() == 0; i++) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(acked1.load(), 1);  // its lines are in the joined event, now durable
  EXPECT_EQ(acked2.load(), 0);  // its last line is held (the timeout is a minute)
  p.stop();                     // stopping lets the held event go and stores it
  EXPECT_EQ(acked2.load(), 1);
  EXPECT_EQ(p.metrics().stored.load(), 2u);
  EXPECT_EQ(p.metrics().multiline_events.load(), 1u);
  EXPECT_EQ(p.metrics().multiline_lines.load(), 3u);
  EXPECT_EQ(test::count_matches(o.data_dir, "log.flags:multiline"), 1u);
  EXPECT_EQ(test::count_matches(o.data_dir, "\"A.java:1\""), 1u);
}

TEST(Multiline, FrameByFrameAcknowledgementDoesNotWaitForHeldLines) {
  // RELP answers frame by frame: the frames of a batch that are not held are answered when they
  // are durable, without waiting for the held stack trace (or the sender's window would fill).
  TomcatPipeline tp;
  ingest::Pipeline& p = *tp.pipeline;
  std::mutex mu;
  std::vector<uint32_t> acked;
  ingest::RawBatch b;
  b.input = "relp";
  b.source = "10.20.1.15:40001";
  b.add(sys("app-1", "sshd", "Accepted password for root from 10.0.0.1 port 22 ssh2"), 0);
  b.add(sys("app-1", "tomcat", "05-Dec-2026 10:15:30.123 SEVERE [exec-5] x.Y.z failed"), 0);
  b.add(sys("app-1", "tomcat", "java.lang.IllegalStateException: boom"), 0);
  b.add(sys("app-1", "su", "pam_unix(su:session): session opened for user root"), 0);
  b.on_durable_each = [&](const std::vector<uint32_t>& msgs, bool ok) {
    EXPECT_TRUE(ok);
    std::lock_guard lk(mu);
    acked.insert(acked.end(), msgs.begin(), msgs.end());
  };
  ASSERT_TRUE(p.submit(std::move(b)));
  auto n_acked = [&] {
    std::lock_guard lk(mu);
    return acked.size();
  };
  for (int i = 0; i < 250 && n_acked() < 2; i++) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard lk(mu);
    EXPECT_EQ(acked, (std::vector<uint32_t>{0, 3}));  // the held two wait for their event
  }
  p.stop();
  std::sort(acked.begin(), acked.end());
  EXPECT_EQ(acked, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(p.metrics().stored.load(), 3u);
}

TEST(Multiline, FrameByFrameAcknowledgementWithoutRules) {
  // No family and no config names a multi-line rule (parsers: ""): RELP's frame-by-frame
  // acknowledgement still answers every frame.
  TomcatPipeline tp(false);
  ingest::Pipeline& p = *tp.pipeline;
  std::atomic<size_t> acked{0};
  ingest::RawBatch b;
  b.input = "relp";
  for (int i = 0; i < 5; i++) b.add(sys("h", "tomcat", "05-Dec-2026 10:15:30.123 SEVERE [t] x line " + std::to_string(i)), 0);
  b.on_durable_each = [&](const std::vector<uint32_t>& msgs, bool ok) { acked += ok ? msgs.size() : 100; };
  ASSERT_TRUE(p.submit(std::move(b)));
  p.stop();
  EXPECT_EQ(acked.load(), 5u);
  EXPECT_EQ(p.metrics().stored.load(), 5u);
}

TEST(Multiline, MaxBytesBoundsTheWholeEvent) {
  Joiner j(rules({"{programs: [tomcat], start: '^S', max_bytes: 1024}"}));
  std::vector<std::pair<std::string, std::string>> in = {{"s:1", sys("h", "tomcat", "S " + std::string(900, 'a'))}};
  for (int i = 0; i < 3; i++) in.push_back({"s:1", sys("h", "tomcat", " " + std::string(100, 'b' + i))});
  auto out = run(j, in);
  ASSERT_EQ(out.size(), 2u);  // the first line and one more would pass 1 KiB: cut, the rest together
  EXPECT_EQ(lines_in(out), 4u);
  for (const auto& e : out) EXPECT_LE(e.size(), 1024u + 64);
}
