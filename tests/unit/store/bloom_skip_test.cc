// A selective query over one million events reads under 5% of the blocks (issue #2).
#include <gtest/gtest.h>

#include "demo/generator.h"
#include "search/search.h"
#include "store/store.h"
#include "test_util.h"

using namespace wardsec;

TEST(BlockIndex, SelectiveQueryOverAMillionEventsReadsUnderFivePercent) {
  test::TempDir t;
  store::StoreOptions o;
  o.data_dir = t.path() + "/data";
  o.key_dir = t.path() + "/keys";
  auto w = store::StoreWriter::open(o);
  ASSERT_TRUE(w.ok());
  demo::Generator g(42);
  int64_t t0 = now_ns() - 86400LL * 1000000000LL;
  const int n = 1000000;
  for (int i = 0; i < n; i++) {
    int64_t ts = t0 + i * 50000000LL;
    Event ev = test::decode(i == 777777
                                ? "<38>Nov 26 08:00:00 portal-web-01 sshd[1]: Failed password for mallory from 198.51.100.77 port 4242 ssh2"
                                : g.next(ts),
                            ts);
    ASSERT_TRUE((*w)->add(ev).ok());
  }
  ASSERT_TRUE((*w)->close().ok());
  for (const char* query : {"source.ip:198.51.100.77", "user.name:mallory", "mallory", "user.name:mallory AND event.outcome:failure"}) {
    auto q = search::Query::parse(query).value();
    search::SearchStats st;
    ASSERT_TRUE(search::run_search(
                    o.data_dir, q, {}, [](const Event&) { return true; }, st)
                    .ok());
    EXPECT_EQ(st.matched, 1u) << query;
    double share = static_cast<double>(st.blocks_read) / static_cast<double>(st.blocks_total);
    std::printf("%-45s blocks read %llu of %llu (%.2f%%)\n", query, static_cast<unsigned long long>(st.blocks_read),
                static_cast<unsigned long long>(st.blocks_total), share * 100);
    EXPECT_LT(share, 0.05) << query;
    EXPECT_GT(st.blocks_total, 100u);
  }
}
