#include "search/stats.h"

#include <algorithm>
#include <limits>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "core/strutil.h"
#include "store/summary.h"

namespace wardsec::search {

namespace {

constexpr int64_t kSecond = 1000000000;

// The query as a tree over the summarised fields: each term is evaluated once per distinct
// value of its field in a block, and each combination of values (tuple) once per block.
struct Plan {
  struct P {
    Node::Kind kind = Node::kAll;
    std::vector<P> kids;
    int term = -1;
  };
  bool summarisable = true;  // every term names a summarised field; no free text
  std::vector<const Node*> terms;
  std::vector<int> term_field;  // index into store::summary_fields()
  P root;

  static int summarised(FieldId id) {
    const auto& f = store::summary_fields();
    for (size_t i = 0; i < f.size(); i++)
      if (FieldRegistry::intern(f[i]) == id) return static_cast<int>(i);
    return -1;
  }

  P build(const Node& n) {
    P p;
    p.kind = n.kind;
    if (n.kind == Node::kTerm) {
      int f = n.field_id == kNoField ? -1 : summarised(n.field_id);
      if (f < 0) summarisable = false;
      p.term = static_cast<int>(terms.size());
      terms.push_back(&n);
      term_field.push_back(f);
    } else if (n.kind == Node::kText) {
      summarisable = false;
    }
    for (const auto& k : n.kids) p.kids.push_back(build(*k));
    return p;
  }
};

bool eval(const Plan::P& p, const std::vector<std::vector<uint8_t>>& term_hits, const std::vector<uint32_t>& term_value) {
  switch (p.kind) {
    case Node::kAll: return true;
    case Node::kAnd:
      for (const auto& k : p.kids)
        if (!eval(k, term_hits, term_value)) return false;
      return true;
    case Node::kOr:
      for (const auto& k : p.kids)
        if (eval(k, term_hits, term_value)) return true;
      return false;
    case Node::kNot: return !eval(p.kids[0], term_hits, term_value);
    case Node::kTerm: return term_hits[p.term][term_value[p.term]] != 0;
    case Node::kText: return false;  // not summarisable: never reached
  }
  return false;
}

bool ascii(std::string_view v) {
  for (char c : v)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

void add_value(Terms& t, std::string_view v, uint64_t n) {
  if (ascii(v) || valid_utf8(v))
    t.add(v, n);
  else
    t.add(display_text(v), n);
}

class Counter {
 public:
  Counter(const Query& q, const SearchOptions& opt, const std::vector<std::string>& fields, StatsResult& out)
      : q_(q), opt_(opt), out_(out) {
    plan_.root = plan_.build(q.root());
    auto whole = [](int64_t t) { return t % kSecond == 0; };
    whole_seconds_ = (opt.from == std::numeric_limits<int64_t>::min() || whole(opt.from)) &&
                     (opt.to == std::numeric_limits<int64_t>::max() || whole(opt.to)) && whole(out.hist.from()) && whole(out.hist.width());
    for (const auto& f : fields) {
      ids_.push_back(FieldRegistry::intern(f));
      facet_field_.push_back(Plan::summarised(ids_.back()));
      if (facet_field_.back() < 0) plan_.summarisable = false;
    }
  }

  // Counts one block: from its summary when it has one the plan can use, else by decoding it
  // (with `rd`, or a reader of its own on `seg` when counting on the helper thread).
  void block(store::SegmentReader* rd, const store::SegmentInfo& seg, const store::BlockRef& b) {
    std::optional<store::SegmentReader> own;
    auto reader = [&]() -> store::SegmentReader* {
      if (rd) return rd;
      if (!own) {
        auto r = store::SegmentReader::open(seg);
        if (!r) {
          out_.st.add_damaged(seg.path + ": " + r.error());
          return nullptr;
        }
        own.emplace(std::move(*r));
      }
      return &*own;
    };
    if (plan_.summarisable) {
      std::string_view sec = store::summary_section(b.index);
      if (!sec.empty()) {
        auto s = store::decode_summary(sec, b.header.n_events);
        summary_error_.clear();
        if (s && from_summary(*s, b.header)) {
          out_.blocks_summarised++;
          return;
        }
        std::string why = s ? summary_error_ : s.error();
        if (!why.empty())
          if (auto* r = reader()) out_.st.add_damaged(r->where(b) + ": " + why + " (counted from its events instead)");
      }
    }
    out_.blocks_decoded++;
    auto* r = reader();
    if (!r) return;
    events_.clear();
    if (Status s = r->read_events(b, events_); !s) {
      out_.st.add_damaged(s.error());
      return;
    }
    for (const auto& ev : events_) {
      out_.st.events_scanned++;
      if (ev.ts < opt_.from || ev.ts >= opt_.to || !q_.matches(ev)) continue;
      count(ev.ts, 1);
      for (size_t j = 0; j < ids_.size(); j++)
        if (auto v = ev.get(ids_[j]); !v.empty()) add_value(out_.facets[j], v, 1);
    }
  }

  bool summarisable() const { return plan_.summarisable; }

 private:
  void count(int64_t ts, uint64_t n) {
    out_.hist.add(ts, n);
    out_.matched += n;
    out_.st.matched += n;
    if (!out_.oldest || ts < out_.oldest) out_.oldest = ts;
  }

  // False when the summary lacks a field the query or the facets need (then the block is
  // decoded).
  bool from_summary(const store::BlockSummary& s, const store::BlockHeader& h) {
    const auto& names = store::summary_fields();
    int col[store::kSummaryFieldCount];
    for (size_t i = 0; i < names.size(); i++) {
      auto it = std::find(s.fields.begin(), s.fields.end(), names[i]);
      col[i] = it == s.fields.end() ? -1 : static_cast<int>(it - s.fields.begin());
    }
    for (int f : plan_.term_field)
      if (col[f] < 0) return false;
    for (int f : facet_field_)
      if (col[f] < 0) return false;
    // Each term against each distinct value of its field (index 0: the field is absent).
    hits_.resize(plan_.terms.size());
    for (size_t k = 0; k < plan_.terms.size(); k++) {
      const auto& vals = s.values[col[plan_.term_field[k]]];
      hits_[k].assign(vals.size() + 1, 0);
      for (size_t v = 0; v < vals.size(); v++) hits_[k][v + 1] = term_matches(*plan_.terms[k], vals[v]) ? 1 : 0;
    }
    tuple_n_.assign(s.ntuples, 0);
    ok_.assign(s.ntuples, 0);
    term_value_.resize(plan_.terms.size());
    for (size_t t = 0; t < s.ntuples; t++) {
      for (size_t k = 0; k < plan_.terms.size(); k++) term_value_[k] = s.value(t, col[plan_.term_field[k]]);
      ok_[t] = eval(plan_.root, hits_, term_value_) ? 1 : 0;
    }
    // A block inside the range and inside one bucket needs only the tuples' counts.
    auto b0 = out_.hist.bucket(h.ts_min), b1 = out_.hist.bucket(h.ts_max);
    if (h.ts_min >= opt_.from && h.ts_max < opt_.to && b0 && b1 && *b0 == *b1) {
      uint64_t n = 0;
      for (size_t t = 0; t < s.ntuples; t++)
        if (ok_[t]) n += tuple_n_[t] = s.tuple_counts[t];
      if (n) count(h.ts_min, n);
    } else {
      if (!whole_seconds_) return false;  // the summary's times are seconds: decode instead
      if (Status e = s.events(event_tuple_, event_ts_); !e) {
        summary_error_ = e.error();
        return false;
      }
      for (size_t i = 0; i < event_tuple_.size(); i++) {
        uint32_t t = event_tuple_[i];
        int64_t ts;                                              // compared with whole-second bounds: exact
        if (__builtin_mul_overflow(event_ts_[i], kSecond, &ts))  // only at the ends of the range of times
          ts = event_ts_[i] < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
        if (!ok_[t] || ts < opt_.from || ts >= opt_.to) continue;
        tuple_n_[t]++;
        count(ts, 1);
      }
    }
    live_.clear();
    for (size_t t = 0; t < s.ntuples; t++)
      if (tuple_n_[t]) live_.push_back(static_cast<uint32_t>(t));
    for (size_t j = 0; j < facet_field_.size(); j++) {
      size_t c = static_cast<size_t>(col[facet_field_[j]]);
      per_value_.assign(s.values[c].size() + 1, 0);
      for (uint32_t t : live_) per_value_[s.value(t, c)] += tuple_n_[t];
      for (size_t v = 1; v < per_value_.size(); v++) {
        std::string_view text = s.values[c][v - 1];
        if (per_value_[v] && !text.empty()) add_value(out_.facets[j], text, per_value_[v]);
      }
    }
    out_.st.events_scanned += h.n_events;
    return true;
  }

  const Query& q_;
  const SearchOptions& opt_;
  StatsResult& out_;
  Plan plan_;
  std::vector<FieldId> ids_;
  std::vector<int> facet_field_;
  std::vector<Event> events_;
  std::vector<std::vector<uint8_t>> hits_;
  std::vector<uint32_t> term_value_;
  std::vector<uint64_t> tuple_n_, per_value_;
  std::vector<uint8_t> ok_;
  std::vector<uint32_t> event_tuple_, live_;
  std::vector<int64_t> event_ts_;
  std::string summary_error_;
  bool whole_seconds_ = false;  // the range and the buckets start on whole seconds
};

// A second thread counts every other block that has a summary, into its own result, merged at
// the end: summaries are independent and the API server has two cores to give one request.
// Blocks go to it through a short queue; when the queue is full this thread counts the block.
class Helper {
 public:
  Helper(const Query& q, const SearchOptions& opt, const std::vector<std::string>& fields, StatsResult& into, size_t max_values)
      : part_(into.hist), into_(into) {
    part_.facets.assign(fields.size(), Terms(max_values));
    counter_.emplace(q, opt, fields, part_);
    thread_ = std::thread([this] { loop(); });
  }
  ~Helper() { finish(); }
  bool offer(const store::SegmentInfo& seg, const store::BlockRef& b) {
    std::lock_guard lk(mu_);
    if (queue_.size() >= 4) return false;
    queue_.push_back({seg, b});
    cv_.notify_one();
    return true;
  }
  // Waits for the queued blocks and adds what the thread counted to the caller's result.
  void finish() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lk(mu_);
      done_ = true;
      cv_.notify_one();
    }
    thread_.join();
    const auto& c = part_.hist.counts();
    for (size_t i = 0; i < c.size(); i++)
      if (c[i]) into_.hist.add(part_.hist.start(i), c[i]);
    for (size_t j = 0; j < part_.facets.size(); j++) into_.facets[j].merge(part_.facets[j]);
    into_.matched += part_.matched;
    into_.st.matched += part_.st.matched;
    into_.st.events_scanned += part_.st.events_scanned;
    if (part_.oldest && (!into_.oldest || part_.oldest < into_.oldest)) into_.oldest = part_.oldest;
    into_.blocks_summarised += part_.blocks_summarised;
    into_.blocks_decoded += part_.blocks_decoded;
    for (const auto& d : part_.st.damaged) into_.st.add_damaged(d);
    into_.st.damaged_total += part_.st.damaged_total - part_.st.damaged.size();
  }

 private:
  void loop() {
    for (;;) {
      std::pair<store::SegmentInfo, store::BlockRef> job;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      counter_->block(nullptr, job.first, job.second);
    }
  }
  StatsResult part_;
  StatsResult& into_;
  std::optional<Counter> counter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<store::SegmentInfo, store::BlockRef>> queue_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

Status run_stats(const std::string& data_dir, const Query& q, const SearchOptions& opt, const std::vector<std::string>& fields,
                 StatsResult& out, size_t max_values) {
  out.facets.assign(fields.size(), Terms(max_values));
  Counter c(q, opt, fields, out);
  std::optional<Helper> helper;
  if (c.summarisable()) helper.emplace(q, opt, fields, out, max_values);
  bool to_helper = false;
  Status s = visit_blocks(data_dir, q, opt, out.st, [&](store::SegmentReader& rd, const store::SegmentInfo& seg, const store::BlockRef& b) {
    to_helper = !to_helper;
    if (!(helper && to_helper && !store::summary_section(b.index).empty() && helper->offer(seg, b))) c.block(&rd, seg, b);
    return !stop_now(opt, out.st);
  });
  if (helper) helper->finish();
  for (const auto& f : out.facets)
    if (f.other()) out.facets_complete = false;
  return s;
}

}  // namespace wardsec::search
