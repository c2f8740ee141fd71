// Fuzz target: what a sink reads from the stream (a batch: header and wire rows) and what
// verify reads back from ClickHouse (table rows, TabSeparated with arrays).
#include <cstdlib>
#include <string>

#include "cluster/batch.h"
#include "cluster/rows.h"
#include "fuzz.h"

using namespace wardsec;
using namespace wardsec::fuzz;

WARDSEC_FUZZ_TARGET(cluster_batch) {
  // Never crashes; whatever parses survives its own form, byte for byte.
  std::string text(in);
  if (auto b = cluster::parse_batch(text)) {
    if (b->rows.size() != b->header.count || b->rows.empty()) std::abort();
    std::string again = b->header.signed_text() + " sig=" + b->header.sig + "\n";
    for (const auto& r : b->rows) cluster::write_wire_row(r, again);
    auto b2 = cluster::parse_batch(again);
    if (!b2 || b2->rows.size() != b->rows.size()) std::abort();
    for (size_t i = 0; i < b->rows.size(); i++)
      if (b2->rows[i].raw != b->rows[i].raw || b2->rows[i].attrs != b->rows[i].attrs) std::abort();
  }
  size_t p = 0;
  while (p < text.size()) {
    size_t nl = text.find('\n', p);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + p, nl - p);
    if (auto t = cluster::parse_table_row(line)) {
      std::string out;
      cluster::write_table_row(t->site, t->row, t->batch, out);
      auto t2 = cluster::parse_table_row(std::string_view(out).substr(0, out.size() - 1));
      if (!t2 || t2->row.raw != t->row.raw || t2->row.attrs != t->row.attrs || t2->site != t->site) std::abort();
    }
    (void)cluster::parse_wire_row(line);
    (void)cluster::tsv_parse_array(line);
    p = nl + 1;
  }
}
