// The pipeline end to end in-process: acknowledgements only after durability, bad input
// kept, import of plain and gzip files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "ingest/import.h"
#include "core/fields.h"
#include "core/timeutil.h"
#include "ingest/pipeline.h"
#include "search/search.h"
#include "store/store.h"
#include "store/verify.h"
#include "test_util.h"

using namespace wardsec;

namespace {
uint64_t count(const std::string& data, const std::string& query) { return test::count_matches(data, query); }
// A store in the temporary folder; o names where.
std::unique_ptr<store::StoreWriter> open_store(const test::TempDir& t, store::StoreOptions& o) {
  o.data_dir = t.path() + "/data";
  o.key_dir = t.path() + "/keys";
  auto w = store::StoreWriter::open(o);
  EXPECT_TRUE(w.ok());
  return w.ok() ? std::move(*w) : nullptr;
}
}  // namespace

TEST(Pipeline, AcknowledgesOnlyDurableBatches) {
  test::TempDir t;
  store::StoreOptions o;
  auto w = open_store(t, o);
  ASSERT_TRUE(w);
  ingest::PipelineOptions po;
  ingest::Pipeline p(*w, po);
  p.start();
  std::atomic<int> acked{0};
  for (int b = 0; b < 50; b++) {
    ingest::RawBatch batch;
    batch.input = "test";
    for (int i = 0; i < 20; i++) batch.add("<13>Nov 26 08:00:00 h app: batch " + std::to_string(b) + " msg " + std::to_string(i), 0);
    batch.on_durable = [&](bool ok) {
      // Durable: in a synced block or in the synced commit log (Store.GroupCommitLog... shows
      // it survives a crash); searchable once its block is sealed (at most a second).
      EXPECT_TRUE(ok);
      acked++;
    };
    ASSERT_TRUE(p.submit(std::move(batch)));
  }
  p.stop();
  EXPECT_EQ(acked.load(), 50);
  EXPECT_EQ(p.metrics().stored.load(), 1000u);
  for (int b = 0; b < 50; b += 7) EXPECT_EQ(count(o.data_dir, "\"batch " + std::to_string(b) + " msg 19\""), 1u);
  store::VerifyOptions vo;
  vo.data_dir = o.data_dir;
  vo.key_dir = o.key_dir;
  EXPECT_TRUE(store::verify_store(vo).intact);
}

TEST(Pipeline, ImportsPlainGzipAndHostileFiles) {
  test::TempDir t;
  std::string plain = t.path() + "/a.log", gz = t.path() + "/b.log.gz", bad = t.path() + "/c.log";
  {
    std::ofstream f(plain);
    for (int i = 0; i < 1000; i++) f << "Dec 10 06:55:46 LabSZ sshd[1]: Invalid user u" << i << " from 10.0.0." << (i % 250) << "\n";
  }
  {
    gzFile f = gzopen(gz.c_str(), "wb");
    for (int i = 0; i < 500; i++) {
      std::string l = "<13>Nov 26 08:00:00 h app: gz line " + std::to_string(i) + "\r\n";
      gzwrite(f, l.data(), static_cast<unsigned>(l.size()));
    }
    gzclose(f);
  }
  {
    std::ofstream f(bad, std::ios::binary);
    f << std::string("\x00\x01\x02\xff garbage\n\0", 14);                           // the NUL after the newline is part of the test
    f << std::string(1u << 20, 'Z') << "\n";                                        // a 1 MiB line
    f << std::string(3u << 20, 'Y') << "\n";                                        // longer than the limit: cut and flagged
    f << "<13>Nov 26 08:00:00 his-app-01 his: \xb2\xa1\xc8\xcb\xd0\xd5\xc3\xfb\n";  // GBK
    f << "\xe5\x8c\xbb\n";                                                          // broken UTF-8 (truncated sequence)
    f << "last line without newline";
  }
  store::StoreOptions o;
  o.data_dir = t.path() + "/data";
  o.key_dir = t.path() + "/keys";
  auto w = store::StoreWriter::open(o);
  ASSERT_TRUE(w.ok());
  ingest::Pipeline p(**w, {});
  p.start();
  auto r1 = ingest::import_file(p, plain);
  auto r2 = ingest::import_file(p, gz);
  auto r3 = ingest::import_file(p, bad);
  auto r4 = ingest::import_file(p, t.path() + "/missing.log");
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_FALSE(r4.ok());
  EXPECT_NE(r4.error().find("missing.log"), std::string::npos);
  EXPECT_EQ(r1->lines, 1000u);
  EXPECT_EQ(r2->lines, 500u);
  EXPECT_EQ(r3->lines, 6u);
  p.stop();
  EXPECT_EQ(count(o.data_dir, ""), 1506u);
  EXPECT_EQ(count(o.data_dir, "user.name:u999"), 1u);
  EXPECT_EQ(count(o.data_dir, "\"gz line 499\""), 1u);
  EXPECT_EQ(count(o.data_dir, "\"last line without newline\""), 1u);
  // The GBK line is searchable by host and shows decoded in JSON.
  std::string json;
  auto q = search::Query::parse("host.name:his-app-01").value();
  search::SearchStats st;
  ASSERT_TRUE(search::run_search(
                  o.data_dir, q, {},
                  [&](const Event& ev) {
                    json = search::event_to_json(ev);
                    return true;
                  },
                  st)
                  .ok());
  EXPECT_NE(json.find("病人姓名"), std::string::npos) << json;
  EXPECT_NE(json.find("_gb18030_decoded"), std::string::npos);
}

// source_timezones: a sender's zone-less times are read in the zone its rule names, and the
// table can be replaced while the pipeline runs (the console's 系统设置 apply at once).
TEST(Pipeline, ReadsEachSourceInItsOwnZone) {
  test::TempDir t;
  store::StoreOptions o;
  auto w = open_store(t, o);
  ASSERT_TRUE(w);
  ingest::PipelineOptions po;
  auto z = SourceZones::compile({{"10.30.0.0/16", "+00:00"}}, "source_timezones");
  ASSERT_TRUE(z.ok());
  po.zones = *z;
  ingest::Pipeline p(*w, po);
  std::mutex mu;
  std::map<std::string, int64_t> ts;  // host -> event time
  p.set_observer([&](const std::vector<Event>& evs, size_t n, const std::vector<uint64_t>&) {
    std::lock_guard lk(mu);
    for (size_t i = 0; i < n; i++) ts[std::string(evs[i].get(kHostName))] = evs[i].ts;
  });
  p.start();
  int64_t received = 0;
  ASSERT_TRUE(parse_rfc3339("2026-12-06T12:00:00Z", received));
  auto send = [&](const std::string& from, const std::string& host) {
    ingest::RawBatch b;
    b.input = "tcp";
    b.source = from;
    b.add("<13>Dec  6 11:00:00 " + host + " app: hello", received);
    ASSERT_TRUE(p.submit(std::move(b)));
  };
  auto wait_for = [&](const std::string& host) {
    for (int i = 0; i < 500; i++) {
      {
        std::lock_guard lk(mu);
        if (ts.count(host)) return ts[host];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return int64_t{0};
  };
  send("10.30.2.7:41000", "utc-box");
  send("10.20.0.5:41000", "cst-box");
  int64_t utc = 0, cst = 0;
  ASSERT_TRUE(parse_rfc3339("2026-12-06T11:00:00Z", utc));
  ASSERT_TRUE(parse_rfc3339("2026-12-06T03:00:00Z", cst));
  EXPECT_EQ(wait_for("utc-box"), utc);
  EXPECT_EQ(wait_for("cst-box"), cst);
  // Replaced while running: the next lines use the new table.
  auto z2 = SourceZones::compile({{"10.20.0.5", "+09:00"}}, "source_timezones");
  ASSERT_TRUE(z2.ok());
  p.set_source_zones(*z2);
  send("10.20.0.5:41000", "jst-box");
  send("10.30.2.7:41000", "no-longer-utc");
  int64_t jst = 0;
  ASSERT_TRUE(parse_rfc3339("2026-12-06T02:00:00Z", jst));
  EXPECT_EQ(wait_for("jst-box"), jst);
  EXPECT_EQ(wait_for("no-longer-utc"), cst);
  p.stop();
  EXPECT_EQ(count(o.data_dir, "event.timezone:\"+09:00\""), 1u);
}
