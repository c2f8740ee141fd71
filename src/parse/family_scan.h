// Recognising device families in one pass (issue #18): every family's line matchers (a literal
// and/or a regex) are compiled into one vectorscan database, so a line is scanned once however
// many families are loaded, and only the families whose matchers may hold are then confirmed
// with PCRE2 (family_run.cc). A regex vectorscan can match exactly is compiled so and needs no
// confirming (exact()); the others go in prefilter mode (a superset: vectorscan accepts
// constructs it cannot match exactly, such as back-references, and PCRE2 decides); one it refuses
// even so is confirmed with PCRE2 on every line, and stats() says how many.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct hs_database;

namespace wardsec {

class FamilyScan {
 public:
  struct Entry {
    std::string literal;  // must occur as is ("" none)
    std::string regex;    // PCRE2 syntax, searched ("" none)
  };
  struct Stats {
    size_t entries = 0, literals = 0, regexes = 0;
    size_t exact = 0;      // regexes vectorscan matches exactly (no PCRE2 confirmation)
    size_t unscanned = 0;  // regexes vectorscan refused or is not trusted with here (hs_check.h): PCRE2 checks them on every line
  };

  // Regexes go into the database only where this machine's vectorscan can be trusted with them
  // (parse/hs_check.h); `trust_regexes` overrides that (tests of the scan's own mechanics).
  static Result<std::shared_ptr<const FamilyScan>> build(const std::vector<Entry>& entries);
  static Result<std::shared_ptr<const FamilyScan>> build(const std::vector<Entry>& entries, bool trust_regexes);
  ~FamilyScan();
  FamilyScan(const FamilyScan&) = delete;
  FamilyScan& operator=(const FamilyScan&) = delete;

  // The entries, ascending, whose literal occurs in `text` and whose regex may match it
  // (entries with neither are always listed). Thread-safe (scratch space is per thread). Text
  // that is not valid UTF-8 matches no regex (as PCRE2 with PCRE2_UTF decides), only literals.
  // `checked`: the caller knows `text` is valid UTF-8 (saves checking it again). Returns whether
  // the scan ran: only then has an exact() entry's regex been matched (without it, out of memory
  // for scratch space or on text that is not UTF-8, every candidate must be confirmed).
  bool candidates(std::string_view text, std::vector<uint32_t>& out, bool checked = false) const;
  // The entry's regex was matched exactly by the scan: a candidate needs no PCRE2 confirmation.
  bool exact(uint32_t entry) const { return exact_[entry] != 0; }
  const Stats& stats() const { return stats_; }

 private:
  FamilyScan() = default;
  hs_database* db_ = nullptr;
  uint64_t id_ = 0;                     // this database's number, for the per-thread scratch
  std::vector<uint32_t> entry_of_;      // pattern id → entry
  std::vector<uint8_t> need_;           // per entry: patterns that must hit (0, 1 or 2)
  std::vector<uint8_t> has_regex_;      // per entry
  std::vector<uint8_t> exact_;          // per entry: its regex is in the database, not as a prefilter
  std::vector<uint32_t> always_;        // entries with no scanned pattern
  std::vector<uint32_t> literal_only_;  // entries with a literal and no regex (invalid UTF-8)
  std::vector<std::string> literal_;    // per entry (for text that is not valid UTF-8)
  Stats stats_;
};

}  // namespace wardsec
