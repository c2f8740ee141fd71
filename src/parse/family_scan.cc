// One vectorscan database over every family's matchers (family_scan.h).
#include "parse/family_scan.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>

#include "core/strutil.h"
#include "parse/hs_check.h"

namespace wardsec {

namespace {

std::atomic<uint64_t> g_next_id{1};

// A literal as a pattern: every byte that is not a letter or digit escaped.
std::string escape(std::string_view lit) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : lit) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Per thread: scratch space (grown for each database the thread scans) and hit counters.
struct ThreadState {
  hs_scratch_t* scratch = nullptr;
  uint64_t sized_for = 0;
  std::vector<uint8_t> hits;
  std::vector<uint32_t> touched;
  ~ThreadState() {
    if (scratch) hs_free_scratch(scratch);
  }
};
thread_local ThreadState t_state;

// A regex as vectorscan matches it exactly (PCRE's semantics for what it supports; the
// family_lines fuzz target checks it against PCRE2 on every input).
constexpr unsigned kExact = HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | HS_FLAG_ALLOWEMPTY;

}  // namespace

FamilyScan::~FamilyScan() {
  if (db_) hs_free_database(db_);
}

Result<std::shared_ptr<const FamilyScan>> FamilyScan::build(const std::vector<Entry>& entries) {
  return build(entries, vectorscan_trusts_regexes());
}

Result<std::shared_ptr<const FamilyScan>> FamilyScan::build(const std::vector<Entry>& entries, bool trust_regexes) {
  std::shared_ptr<FamilyScan> s(new FamilyScan());
  s->id_ = g_next_id.fetch_add(1);
  s->need_.assign(entries.size(), 0);
  s->has_regex_.assign(entries.size(), 0);
  s->stats_.entries = entries.size();
  std::vector<std::string> pats;
  std::vector<unsigned> flags;
  for (uint32_t e = 0; e < entries.size(); e++) {
    const Entry& en = entries[e];
    s->literal_.push_back(en.literal);
    if (!en.literal.empty()) {
      pats.push_back(escape(en.literal));
      flags.push_back(HS_FLAG_SINGLEMATCH);  // a literal is always exact
      s->entry_of_.push_back(e);
      s->stats_.literals++;
    }
    if (!en.regex.empty()) {
      s->has_regex_[e] = 1;
      s->stats_.regexes++;
      if (!trust_regexes) {  // parse/hs_check.h: PCRE2 decides on every line
        s->stats_.unscanned++;
        continue;
      }
      pats.push_back(en.regex);
      flags.push_back(kExact);  // exact where vectorscan can be: the compile below says where not
      s->entry_of_.push_back(e);
    }
  }
  // A regex vectorscan cannot match exactly (back-references, look-arounds) is compiled again
  // as a prefilter; one it refuses even so is left to PCRE2 (on every line); the rest is
  // compiled again. A literal is always accepted.
  for (;;) {
    if (pats.empty()) break;
    std::vector<const char*> p;
    std::vector<unsigned> ids;
    for (size_t i = 0; i < pats.size(); i++) {
      p.push_back(pats[i].c_str());
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(p.data(), flags.data(), ids.data(), static_cast<unsigned>(p.size()), HS_MODE_BLOCK, nullptr, &s->db_, &err) ==
        HS_SUCCESS)
      break;
    int bad = err ? err->expression : -1;
    std::string msg = err && err->message ? err->message : "unknown error";
    hs_free_compile_error(err);
    if (bad < 0 || static_cast<size_t>(bad) >= pats.size() || flags[bad] == HS_FLAG_SINGLEMATCH)
      return Error{"vectorscan: cannot compile the device families' matchers: " + msg};
    if (!(flags[bad] & HS_FLAG_PREFILTER)) {  // not exactly: a prefilter then
      flags[bad] |= HS_FLAG_PREFILTER;
      continue;
    }
    s->stats_.unscanned++;
    pats.erase(pats.begin() + bad);
    flags.erase(flags.begin() + bad);
    s->entry_of_.erase(s->entry_of_.begin() + bad);
  }
  for (uint32_t e : s->entry_of_) s->need_[e]++;
  s->exact_.assign(entries.size(), 0);
  for (size_t i = 0; i < pats.size(); i++)
    if (flags[i] == kExact) {
      s->exact_[s->entry_of_[i]] = 1;
      s->stats_.exact++;
    }
  for (uint32_t e = 0; e < entries.size(); e++) {
    if (s->need_[e] == 0) s->always_.push_back(e);
    if (!s->has_regex_[e]) s->literal_only_.push_back(e);
  }
  if (s->db_) {  // fail at load, not on the first line, if scratch cannot be had
    hs_scratch_t* probe = nullptr;
    if (hs_alloc_scratch(s->db_, &probe) != HS_SUCCESS) return Error{"vectorscan: cannot allocate scratch space"};
    hs_free_scratch(probe);
  }
  return std::shared_ptr<const FamilyScan>(std::move(s));
}

bool FamilyScan::candidates(std::string_view text, std::vector<uint32_t>& out, bool checked) const {
  out.clear();
  if (!checked && !valid_utf8(text)) {  // no regex can match (PCRE2_UTF): literals only, looked for directly
    for (uint32_t e : literal_only_)
      if (literal_[e].empty() || text.find(literal_[e]) != std::string_view::npos) out.push_back(e);
    return false;
  }
  out = always_;
  if (!db_) return false;
  ThreadState& ts = t_state;
  if (ts.sized_for != id_) {
    if (hs_alloc_scratch(db_, &ts.scratch) != HS_SUCCESS) {  // out of memory: every entry is a candidate
      for (uint32_t e = 0; e < need_.size(); e++)
        if (need_[e]) out.push_back(e);
      std::sort(out.begin(), out.end());
      return false;
    }
    ts.sized_for = id_;
  }
  if (ts.hits.size() < need_.size()) ts.hits.resize(need_.size(), 0);
  struct Ctx {
    const FamilyScan* self;
    ThreadState* ts;
  } ctx{this, &ts};
  auto on_match = [](unsigned int id, unsigned long long, unsigned long long, unsigned int, void* p) -> int {
    auto* c = static_cast<Ctx*>(p);
    uint32_t e = c->self->entry_of_[id];
    if (c->ts->hits[e]++ == 0) c->ts->touched.push_back(e);
    return 0;
  };
  hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, ts.scratch, on_match, &ctx);
  for (uint32_t e : ts.touched) {
    if (ts.hits[e] >= need_[e]) out.push_back(e);
    ts.hits[e] = 0;
  }
  ts.touched.clear();
  std::sort(out.begin(), out.end());
  return true;
}

}  // namespace wardsec
