// The aggregations the dashboard, the search facets, the web and database pages and the
// reports count with.
#include <gtest/gtest.h>

#include "search/aggregate.h"

using namespace wardsec::search;

TEST(Aggregate, TermsAreBoundedAndOrdered) {
  Terms t(3);
  for (const char* v : {"b", "a", "c", "a", "b", "a", "", "d", "d"}) t.add(v);
  EXPECT_EQ(t.distinct(), 3u);  // "d" came after the bound: counted as other
  EXPECT_EQ(t.other(), 2u);
  EXPECT_EQ(t.count(""), 0u);
  auto top = t.top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], (std::pair<std::string, uint64_t>{"a", 3}));
  EXPECT_EQ(top[1], (std::pair<std::string, uint64_t>{"b", 2}));
  Terms l;
  l.add_list("tongfang, bulk_patient_read,,tongfang");
  EXPECT_EQ(l.count("tongfang"), 2u);
  EXPECT_EQ(l.count("bulk_patient_read"), 1u);
  EXPECT_EQ(l.distinct(), 2u);
  // Equal counts come in value order, so answers do not change from run to run.
  Terms e;
  for (const char* v : {"z", "m", "a"}) e.add(v);
  EXPECT_EQ(e.top(3)[0].first, "a");
  EXPECT_EQ(e.top(3)[2].first, "z");
}

TEST(Aggregate, DateHistogramsCoverTheRangeAndClampOnlyWhenAsked) {
  auto h = DateHistogram::over(1000, 1100, 10);
  EXPECT_EQ(h.width(), 10);
  h.add(1000);
  h.add(1099);
  h.add(999);   // before: not counted
  h.add(1100);  // the end is exclusive
  EXPECT_EQ(h.counts()[0], 1u);
  EXPECT_EQ(h.counts()[9], 1u);
  EXPECT_EQ(h.total(), 2u);
  auto c = DateHistogram::over(1000, 1100, 10, true);
  c.add(5);
  c.add(5000);
  EXPECT_EQ(c.counts()[0], 1u);
  EXPECT_EQ(c.counts()[9], 1u);
  auto odd = DateHistogram::over(0, 7, 3);  // widths round up so the range is covered
  EXPECT_EQ(odd.width(), 3);
  EXPECT_TRUE(odd.bucket(6).has_value());
  auto empty = DateHistogram::over(10, 10, 0);  // a degenerate range still has a bucket
  EXPECT_EQ(empty.size(), 1u);
  auto day = DateHistogram::every(0, 86400, 3);
  EXPECT_EQ(day.start(2), 2 * 86400);
}

TEST(Aggregate, SeriesKeepNamedKeysAndBoundTheRest) {
  SeriesHistogram s(DateHistogram::every(0, 10, 4), {"high", "low"}, 3);
  s.add("high", 5);
  s.add("medium", 15);
  s.add("other", 25);  // a fourth key is over the bound
  s.add("", 5);
  ASSERT_EQ(s.series().size(), 3u);
  EXPECT_EQ(s.series().at("high").counts()[0], 1u);
  EXPECT_EQ(s.series().at("low").total(), 0u);  // named up front: present though empty
  EXPECT_EQ(s.series().at("medium").counts()[1], 1u);
}
