#include "cluster/verify.h"

#include <set>

#include "cluster/batch.h"
#include "cluster/head.h"
#include "cluster/rows.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::cluster {

namespace {

constexpr size_t kBatchesPerRead = 16;  // rows of this many batches per query (bounded memory)
constexpr size_t kHeadsRead = 2000;     // the newest heads read (each new one adds a row)

Result<std::vector<BatchHeader>> read_batches(ClickHouse& ch, const std::string& site) {
  auto r = ch.query("SELECT first, last, count, alg, prev, digest, key, sig FROM " + ch.table("batches") +
                    " FINAL WHERE site = " + sql_string(site) + " ORDER BY first FORMAT TabSeparated");
  if (!r) return Error{r.error()};
  std::vector<BatchHeader> out;
  size_t n = 0;
  for (auto line : split_view(*r, '\n')) {
    n++;
    if (line.empty()) continue;
    auto f = split_view(line, '\t');
    if (f.size() != 8) return Error{"batches, row " + std::to_string(n) + ": 8 columns expected"};
    // the header line is rebuilt and read by the same parser the sink uses
    std::string text = "wardsec-batch v1 site=" + site + " first=" + std::string(f[0]) + " last=" + std::string(f[1]) +
                       " count=" + std::string(f[2]) + " alg=" + std::string(f[3]) + " prev=" + std::string(f[4]) +
                       " digest=" + std::string(f[5]) + " key=" + std::string(f[6]) + " sig=" + std::string(f[7]);
    auto h = parse_batch_header(text);
    if (!h) return Error{"batches, row " + std::to_string(n) + " (first " + std::string(f[0]) + "): " + h.error()};
    out.push_back(std::move(*h));
  }
  return out;
}

// The site's signed heads, newest first (bounded): forged rows are problems; the newest settled
// one must name a batch that ClickHouse holds.
Status check_heads(ClickHouse& ch, const std::string& site, const KeyPair& key, int settle_seconds, const std::set<std::string>& digests,
                   const std::string& last_batch, ClusterVerifyReport& rep) {
  auto r = ch.query("SELECT at, digest, key, sig, inserted <= now() - " + std::to_string(std::max(0, settle_seconds)) + " FROM " +
                    ch.table("heads") + " WHERE site = " + sql_string(site) + " ORDER BY at DESC LIMIT " + std::to_string(kHeadsRead) +
                    " FORMAT TabSeparated");
  if (!r) return Error{r.error()};
  size_t n = 0;
  for (auto line : split_view(*r, '\n')) {
    n++;
    if (line.empty()) continue;
    auto f = split_view(line, '\t');
    int64_t at = 0;
    std::string what;
    if (f.size() != 5 || !parse_i64(f[0], at))
      return Error{"heads of site " + site + ", row " + std::to_string(n) + ": 5 columns expected"};
    rep.heads++;
    auto h = make_head(site, at, std::string(f[1]), std::string(f[2]), std::string(f[3]));
    what = h ? check_head(*h, key) : h.error();
    std::string when = format_rfc3339(at);
    if (!what.empty()) {
      if (rep.first_bad.empty()) rep.first_bad = "(head of " + when + ")";
      rep.problems.push_back("the head of " + when + " is not the site's: " + what + " (a forged row in `heads`)");
      continue;
    }
    if (rep.anchor_at || f[4] != "1") continue;  // held against: only the newest settled head
    rep.anchor_at = at;
    if (!digests.count(h->digest)) {
      std::string after = last_batch.empty() ? "the start" : last_batch;
      if (rep.first_bad.empty()) rep.first_bad = "(after " + after + ")";
      rep.problems.push_back("the site signed at " + when + " that it had published up to the batch with digest " +
                             h->digest.substr(0, 16) + "..., which ClickHouse does not hold: batches after " + after + " were deleted");
    }
  }
  return {};
}

}  // namespace

std::string ClusterVerifyReport::summary() const {
  std::string s = "site " + site + ": " + std::to_string(batches) + " batches, " + std::to_string(events) + " events in ClickHouse\n";
  if (anchor_at)
    s += "the chain reaches the site's signed head of " + format_rfc3339(anchor_at) + " (" + std::to_string(heads) + " head(s) read)\n";
  else
    s +=
        "no signed head of the site has settled yet (" + std::to_string(heads) + " newer): how far the chain should reach is not checked\n";
  if (problems.empty()) return s + "intact: every batch's signature, chain and rows verify\n";
  s += "NOT INTACT: " + std::to_string(problems.size()) + " problem(s); the first batch that differs is " + first_bad + "\n";
  for (size_t i = 0; i < problems.size() && i < 50; i++) s += "  " + problems[i] + "\n";
  if (problems.size() > 50) s += "  ... and " + std::to_string(problems.size() - 50) + " more\n";
  if (rows_outside)
    s += "  (rows that belong to no batch: a sink stopped between the events and their batch row; the stream delivers that batch "
         "again within 30 s, after which they belong. Rows still outside later were added in ClickHouse.)\n";
  return s;
}

Result<ClusterVerifyReport> verify_clickhouse(ClickHouse& ch, const std::string& site, const KeyPair& key, int settle_seconds) {
  if (!valid_site(site)) return Error{"\"" + site + "\" is not a site name"};
  ClusterVerifyReport rep;
  rep.site = site;
  auto batches = read_batches(ch, site);
  if (!batches) return Error{batches.error()};
  auto problem = [&](const std::string& id, const std::string& what) {
    if (rep.first_bad.empty()) rep.first_bad = id;
    rep.problems.push_back("batch " + id + ": " + what);
  };
  std::string prev_digest;
  uint64_t prev_last = 0;
  std::set<std::string> digests;
  for (size_t i = 0; i < batches->size(); i += kBatchesPerRead) {
    size_t end = std::min(batches->size(), i + kBatchesPerRead);
    uint64_t lo = (*batches)[i].first, hi = (*batches)[end - 1].last;
    auto r = ch.query("SELECT " + std::string(table_columns()) + " FROM " + ch.table("events") + " FINAL WHERE site = " + sql_string(site) +
                      " AND ref >= " + std::to_string(lo) + " AND ref <= " + std::to_string(hi) + " ORDER BY ref FORMAT TabSeparated");
    if (!r) return Error{r.error()};
    std::vector<TableRow> rows;
    size_t line_no = 0;
    for (auto line : split_view(*r, '\n')) {
      line_no++;
      if (line.empty()) continue;
      auto t = parse_table_row(line);
      if (!t)
        return Error{"events of site " + site + ", row " + std::to_string(line_no) + " of refs " + std::to_string(lo) + "-" +
                     std::to_string(hi) + ": " + t.error()};
      rows.push_back(std::move(*t));
    }
    size_t k = 0;
    for (size_t b = i; b < end; b++) {
      const BatchHeader& h = (*batches)[b];
      std::string id = h.id();
      rep.batches++;
      Batch got;
      got.header = h;
      while (k < rows.size() && rows[k].row.ref < h.first) {
        rep.rows_outside++;
        problem(id, "an event row (ref " + std::to_string(rows[k].row.ref) + ") before it belongs to no batch");
        k++;
      }
      std::string bad_row;
      for (; k < rows.size() && rows[k].row.ref <= h.last; k++) {
        const TableRow& t = rows[k];
        Derived d = derive(t.row);
        if (bad_row.empty() && (t.batch != id || d.day != t.derived.day || d.host != t.derived.host || d.source_ip != t.derived.source_ip ||
                                d.destination_ip != t.derived.destination_ip || d.user != t.derived.user ||
                                d.dataset != t.derived.dataset || d.action != t.derived.action || d.outcome != t.derived.outcome))
          bad_row = "the searched columns of ref " + std::to_string(t.row.ref) + " do not match its fields";
        got.rows.push_back(t.row);
      }
      rep.events += got.rows.size();
      std::string sig;
      if (h.key != key.fingerprint())
        problem(id, "signed by key " + h.key + ", not the site's key " + key.fingerprint());
      else if (!unhex(h.sig, sig) || !key.verify(h.signed_text(), sig))
        problem(id, "its signature does not verify: the batch row was altered");
      if (!prev_digest.empty() && h.prev != prev_digest)
        problem(id, "it does not follow the batch before it (prev " + h.prev.substr(0, 16) + "..., expected " + prev_digest.substr(0, 16) +
                        "...): a batch is missing or was replaced");
      if (b > 0 && h.first <= prev_last) problem(id, "it overlaps the batch before it");
      if (got.rows.size() != h.count)
        problem(id, "ClickHouse holds " + std::to_string(got.rows.size()) + " of its " + std::to_string(h.count) + " events");
      else if (auto dg = batch_digest(h, got.rows); !dg || *dg != h.digest)
        problem(id, "its events differ from what the site signed (an event row was changed)");
      if (!bad_row.empty()) problem(id, bad_row);
      prev_digest = h.digest;
      prev_last = h.last;
      digests.insert(h.digest);
    }
    for (; k < rows.size(); k++) {  // rows between this read's last batch and the next
      rep.rows_outside++;
      problem((*batches)[end - 1].id(), "an event row (ref " + std::to_string(rows[k].row.ref) + ") after it belongs to no batch");
    }
  }
  // rows before the first batch or after the last one
  auto total = ch.query("SELECT count() FROM " + ch.table("events") + " FINAL WHERE site = " + sql_string(site) + " FORMAT TabSeparated");
  if (!total) return Error{total.error()};
  uint64_t n = 0;
  if (parse_u64(trim(*total), n) && n > rep.events + rep.rows_outside) {
    rep.rows_outside += n - rep.events - rep.rows_outside;
    if (rep.first_bad.empty()) rep.first_bad = "(none)";
    rep.problems.push_back(std::to_string(n - rep.events) + " event row(s) of site " + site + " belong to no batch");
  }
  if (Status s = check_heads(ch, site, key, settle_seconds, digests, batches->empty() ? "" : batches->back().id(), rep); !s)
    return Error{s.error()};
  return rep;
}

}  // namespace wardsec::cluster
