// The compiled detection engine. Every string test of every rule (wildcard patterns and the
// regular expressions vectorscan accepts) is compiled into one vectorscan database per
// (logsource route, field); an event is scanned once per field it carries, and only rules
// with a hit — plus the few whose condition can be true without one ("not ...", exists,
// null) — have their condition evaluated. Regexes vectorscan rejects fall back to PCRE2.
// Matches are identical to the reference evaluator's (tested).
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/ruleset.h"

namespace wardsec::detect {

class Engine {
 public:
  // `set` must outlive the engine. With a `cache_dir`, the compiled databases are loaded from
  // it when it holds these very expressions, and saved to it when they were compiled
  // (detect/engine_cache.h); a cache that cannot be used is noted in stats().cache_note.
  static Result<std::unique_ptr<Engine>> compile(const RuleSet& set, const std::string& cache_dir = {});
  ~Engine();
  // An engine for another thread over the same rules: it shares this one's databases (they
  // are read-only) and has its own scratch space and per-event state.
  std::unique_ptr<Engine> clone() const;
  // Indexes (into set.rules()) of the rules matching `ev`: routing on, unmapped rules skipped,
  // the same contract as RuleSet::match(ev, false). Not thread-safe: one engine per thread.
  std::vector<size_t> match(const Event& ev) const;

  struct Stats {
    size_t rules = 0, routed_rules = 0, matchers = 0, compiled = 0, pcre_fallback = 0, always_evaluated = 0, databases = 0;
    size_t prefiltered = 0;         // of the PCRE2 fallbacks, those whose required literals are scanned
    size_t evaluated_directly = 0;  // short literals no anchor needs: evaluated, not scanned
    bool from_cache = false;        // the databases came from the cache
    std::string cache_note;         // why the cache was not used or not saved ("" when all went well)
  };
  const Stats& stats() const { return stats_; }
  // Events seen and rules whose condition was evaluated (the rest were ruled out by the scan).
  uint64_t events_matched() const { return events_; }
  uint64_t conditions_evaluated() const { return evaluated_; }

 private:
  Engine() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Stats stats_;
  mutable uint64_t events_ = 0, evaluated_ = 0;
};

}  // namespace wardsec::detect
