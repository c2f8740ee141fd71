// Exact search statistics (issue #26): the counts from blocks' facet summaries equal the
// counts from decoding every event, for queries the summaries can answer and for those they
// cannot; a summary survives only as the digest allows; a damaged section is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "demo/generator.h"
#include "search/stats.h"
#include "store/store.h"
#include "store/summary.h"
#include "store/verify.h"
#include "test_util.h"

using namespace wardsec;

namespace {

const std::vector<std::string>& facet_fields() {
  static const std::vector<std::string> f = {"event.dataset", "host.name",    "source.ip",     "user.name",
                                             "event.outcome", "event.action", "labels.guessed"};
  return f;
}

struct Fixture {
  test::TempDir t;
  std::string data;
  int64_t t0 = 1796083200LL * kSec;  // 2026-12-01T00:00:00Z
  int64_t span = 6 * 3600 * kSec;

  explicit Fixture(int n, size_t block_events = 4000) {
    store::StoreOptions o;
    o.data_dir = data = t.path() + "/data";
    o.key_dir = t.path() + "/keys";
    o.block_events = block_events;
    o.segment_bytes = 4u << 20;
    auto w = store::StoreWriter::open(o);
    EXPECT_TRUE(w.ok());
    demo::Generator g(7);
    std::mt19937_64 rnd(11);
    for (int i = 0; i < n; i++) {
      // Mostly in order, some late, some far out of order: blocks overlap in time.
      int64_t ts = t0 + span * i / n + static_cast<int64_t>(rnd() % (rnd() % 10 == 0 ? 3600 : 5)) * kSec - 2 * kSec;
      Event ev = test::decode(g.next(ts), ts);
      ev.ts = ts;
      if (i % 97 == 0) ev.set(FieldRegistry::intern("user.name"), "张医生\xff");  // not UTF-8: shown decoded
      if (i % 89 == 0)  // an empty host.name before the real one: present, and what matching reads
        ev.fields.insert(ev.fields.begin(), FieldRef{FieldRegistry::intern("host.name"), 0, 0, 0});
      if (i % 83 == 0) ev.fields.push_back(FieldRef{FieldRegistry::intern("user.name"), 0, 0, 0});  // a second value: not read
      EXPECT_TRUE((*w)->add(ev).ok());
    }
    EXPECT_TRUE((*w)->close().ok());
  }
};

// What the search page counts, the slow way: every event decoded and matched.
struct Reference {
  std::vector<uint64_t> hist;
  std::vector<std::map<std::string, uint64_t>> facets;
  uint64_t matched = 0;
};

Reference reference(const std::string& data, const search::Query& q, const search::SearchOptions& so, const search::DateHistogram& shape) {
  Reference r;
  auto hist = shape;
  r.facets.resize(facet_fields().size());
  std::vector<FieldId> ids;
  for (const auto& f : facet_fields()) ids.push_back(FieldRegistry::intern(f));
  search::SearchStats st;
  EXPECT_TRUE(search::run_search(
                  data, q, so,
                  [&](const Event& ev) {
                    hist.add(ev.ts);
                    r.matched++;
                    for (size_t j = 0; j < ids.size(); j++)
                      if (auto v = ev.get(ids[j]); !v.empty()) r.facets[j][search::display_text(v)]++;
                    return true;
                  },
                  st)
                  .ok());
  r.hist = hist.counts();
  return r;
}

void expect_same(const Reference& want, const search::StatsResult& got, const std::string& what) {
  EXPECT_EQ(got.matched, want.matched) << what;
  EXPECT_EQ(got.hist.counts(), want.hist) << what;
  ASSERT_EQ(got.facets.size(), want.facets.size());
  for (size_t j = 0; j < want.facets.size(); j++) {
    EXPECT_EQ(got.facets[j].distinct(), want.facets[j].size()) << what << " " << facet_fields()[j];
    for (const auto& [v, n] : want.facets[j]) EXPECT_EQ(got.facets[j].count(v), n) << what << " " << facet_fields()[j] << "=" << v;
  }
}

}  // namespace

TEST(SearchStats, SummariesCountExactlyWhatDecodingCounts) {
  Fixture f(60000);
  struct Case {
    const char* q;
    bool summarised;
  };
  const Case cases[] = {
      {"", true},
      {"event.outcome:failure", true},
      {"NOT event.dataset:nginx.access", true},
      {"source.ip:10.20.0.0/16 OR user.name:d*", true},
      {"host.name:* AND NOT user.name:*", true},
      {"event.action:>=l AND NOT (event.outcome:success)", true},
      {"user.name:张医生*", true},
      {"labels.guessed:*", true},
      {"host.name:\"\"", true},
      {"NOT host.name:*", true},
      {"failed", false},                             // free text: decoded
      {"process.name:sshd", false},                  // a field the summary does not hold
      {"@timestamp:>=2026-12-01T02:00:00Z", false},  // a pseudo field
  };
  struct Range {
    int64_t from, to;
    bool whole_seconds;  // else blocks across a boundary are decoded (still exact)
  };
  const Range ranges[] = {
      {f.t0 - 3600 * kSec, f.t0 + 8 * 3600 * kSec, true},  // all of it
      {f.t0 + 1234 * kSec, f.t0 + 2 * 3600 * kSec + 987 * kSec, true},
      {f.t0 + 3 * 3600 * kSec, f.t0 + 3 * 3600 * kSec + 90 * kSec, true},
      {f.t0 + 1234567891LL, f.t0 + 2 * 3600 * kSec + 987654321, false},  // edges inside seconds
  };
  for (const auto& c : cases) {
    auto parsed = search::Query::parse(c.q);
    ASSERT_TRUE(parsed.ok()) << c.q;
    auto q = parsed.value();
    for (auto [from, to, whole] : ranges) {
      for (size_t buckets : {1, 7, 60}) {
        search::SearchOptions so;
        so.from = from;
        so.to = to;
        so.newest_first = true;
        auto shape = whole ? search::DateHistogram::seconds(from, to, buckets) : search::DateHistogram::over(from, to, buckets);
        search::StatsResult got(shape);
        ASSERT_TRUE(search::run_stats(f.data, q, so, facet_fields(), got).ok());
        std::string what =
            std::string("q=") + c.q + " range " + std::to_string(from) + ".." + std::to_string(to) + " buckets " + std::to_string(buckets);
        expect_same(reference(f.data, q, so, shape), got, what);
        EXPECT_EQ(got.st.damaged_total, 0u) << what;
        EXPECT_TRUE(got.facets_complete) << what;
        if (c.summarised && whole) {
          EXPECT_EQ(got.blocks_decoded, 0u) << what;
        } else if (!c.summarised) {
          EXPECT_EQ(got.blocks_summarised, 0u) << what;
        }
      }
    }
  }
}

TEST(SearchStats, ManyDistinctValuesAreBoundedAndSaySo) {
  Fixture f(20000);
  auto q = search::Query::parse("").value();
  search::SearchOptions so;
  search::StatsResult got(search::DateHistogram::over(f.t0 - 3600 * kSec, f.t0 + 8 * 3600 * kSec, 10));
  so.from = f.t0 - 3600 * kSec;
  so.to = f.t0 + 8 * 3600 * kSec;
  ASSERT_TRUE(search::run_stats(f.data, q, so, facet_fields(), got, 3).ok());
  EXPECT_FALSE(got.facets_complete);
  EXPECT_EQ(got.matched, 20000u);
}

TEST(SearchStats, AGuardStopsTheCountAndSaysSo) {
  Fixture f(20000);
  auto q = search::Query::parse("failed").value();
  search::SearchOptions so;
  so.from = f.t0 - 3600 * kSec;
  so.to = f.t0 + 8 * 3600 * kSec;
  so.newest_first = true;
  so.deadline = 1;  // long past
  search::StatsResult got(search::DateHistogram::over(so.from, so.to, 10));
  ASSERT_TRUE(search::run_stats(f.data, q, so, facet_fields(), got).ok());
  EXPECT_TRUE(got.st.timed_out);
  EXPECT_EQ(got.matched, 0u);
}

TEST(BlockSummary, RoundTripsAndRefusesDamage) {
  store::SummaryBuilder b;
  demo::Generator g(3);
  std::vector<Event> evs;
  for (int i = 0; i < 500; i++) {
    int64_t ts = 1796083200LL * kSec + i * 7919;
    evs.push_back(test::decode(g.next(ts), ts));
    evs.back().ts = ts - (i % 13) * kSec;
    b.add(evs.back());
  }
  std::string raw = b.finish();
  EXPECT_EQ(b.count(), 0u);
  auto sec = store::encode_summary_section(raw, 3);
  ASSERT_TRUE(sec.ok());
  auto s = store::decode_summary(*sec, 500);
  ASSERT_TRUE(s.ok()) << s.error();
  std::vector<uint32_t> tuple;
  std::vector<int64_t> ts;
  ASSERT_TRUE(s->events(tuple, ts).ok());
  ASSERT_EQ(ts.size(), 500u);
  // The same events (values and second), in the summary's order: compared as multisets.
  std::multiset<std::vector<std::string>> want, got;
  for (size_t i = 0; i < evs.size(); i++) {
    std::vector<std::string> w{std::to_string(store::floor_seconds(evs[i].ts))}, g{std::to_string(ts[i])};
    for (size_t f = 0; f < s->fields.size(); f++) {
      uint32_t v = s->value(tuple[i], f);
      FieldId id = FieldRegistry::intern(std::string(s->fields[f]));
      w.push_back(evs[i].has(id) ? "=" + std::string(evs[i].get(id)) : "-");
      g.push_back(v ? "=" + std::string(s->values[f][v - 1]) : "-");
    }
    want.insert(w);
    got.insert(g);
  }
  EXPECT_EQ(want, got);
  // The count must agree with the block's header.
  EXPECT_FALSE(store::decode_summary(*sec, 499).ok());
  // Every cut and every changed byte of the raw form is either refused or decodes to counts
  // that still add up (the decoder checks them against each other).
  for (size_t cut = 0; cut < raw.size(); cut += 7) {
    auto c = store::encode_summary_section(raw.substr(0, cut), 1);
    auto d = store::decode_summary(*c, 500);
    EXPECT_TRUE(!d.ok() || !d->events(tuple, ts).ok()) << cut;
  }
  for (size_t i = 0; i < raw.size(); i += 5) {
    std::string m = raw;
    m[i] = static_cast<char>(m[i] ^ 0x41);
    auto c = store::encode_summary_section(m, 1);
    auto d = store::decode_summary(*c, 500);
    if (d.ok() && d->events(tuple, ts).ok()) {
      uint64_t sum = 0;
      for (auto n : d->tuple_counts) sum += n;
      EXPECT_EQ(sum, 500u);
    }
  }
  EXPECT_TRUE(store::summary_section("").empty());
  EXPECT_TRUE(store::summary_section(std::string("\x01\x07\x00\x01\x00\x00", 6)).empty());
}

TEST(BlockSummary, IsCoveredByTheBlockDigest) {
  Fixture f(9000, 3000);
  auto segs = store::list_segments(f.data);
  ASSERT_FALSE(segs.empty());
  auto rd = store::SegmentReader::open(segs.front());
  ASSERT_TRUE(rd.ok());
  auto b = rd->next();
  ASSERT_TRUE(b.has_value());
  std::string_view sec = store::summary_section(b->index);
  ASSERT_FALSE(sec.empty()) << "a block written now carries a summary";
  // Change one byte of the summary's compressed frame on disk: verify names the block.
  uint64_t at = b->offset + store::kBlockHeaderSize + (b->index.size() - sec.size()) + sec.size() / 2;
  {
    std::fstream io(segs.front().path, std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(static_cast<std::streamoff>(at));
    char c;
    io.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    io.seekp(static_cast<std::streamoff>(at));
    io.write(&c, 1);
  }
  store::VerifyOptions v;
  v.data_dir = f.data;
  v.key_dir = f.t.path() + "/keys";
  auto r = store::verify_store(v);
  EXPECT_FALSE(r.intact);
}
