#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/event.h"
#include "core/timeutil.h"
#include "parse/parser.h"
#include "search/search.h"
#include "enrich/db_statement.h"
#include "enrich/web_attack.h"

namespace wardsec::test {
// When the test lines are "received": after every sample's own time (event times more than a
// day after reception are a sender's error and are filed at reception: parse/guard.cc).
constexpr int64_t kTestReceived = 1798675200LL * 1000000000LL;  // 2026-12-31T00:00:00Z

inline const Decoder& decoder() {
  static Decoder d;
  return d;
}

// Decodes one line as the pipeline would, with a fixed reference time (2026-11-26T12:00:00Z).
inline Event decode(std::string line, int64_t received = kTestReceived) {
  Event ev;
  ev.raw = std::move(line);
  ParseContext ctx;
  ctx.received = received;
  ev.received = received;
  decoder().decode(ev, ctx);
  return ev;
}

// A line decoded as the center's own record (bastion, audit): the input guard moved its
// wardsec.* names and values to claimed.*; they are put back, as the center's own emitters
// write them. Lines without claimed names come back as decode() gives them.
inline Event own_event(std::string line) {
  Event ev = decode(std::move(line));
  for (auto& f : ev.fields) {
    std::string_view name = FieldRegistry::name(f.id);
    if (name.rfind("claimed.", 0) == 0) f.id = FieldRegistry::intern(std::string(name.substr(8)));
  }
  for (FieldId id : {kEventDataset, kEventModule})
    if (std::string v(ev.get(id)); v.rfind("claimed.", 0) == 0) ev.set(id, v.substr(8));
  ev.seen = ~0ull;
  return ev;
}

// The same, followed by the pipeline's enrichment stage (web-attack fields on access-log
// lines), as the rules see events.
inline Event decode_enriched(std::string line, int64_t received = kTestReceived) {
  Event ev = decode(std::move(line), received);
  static const web::Inspector insp;
  enrich::inspect_web(insp, ev);
  // The database-audit stage with the shipped policy; a fresh auditor per line, so samples do
  // not share cross-statement state.
  static const dbaudit::Policy policy = [] {
    dbaudit::Policy p;
    EXPECT_TRUE(dbaudit::load_policy(std::string(WARDSEC_SOURCE_DIR) + "/config/dbaudit/policy.yaml", p).ok());
    return p;
  }();
  dbaudit::Auditor auditor(policy);
  enrich::audit_statement(auditor, ev);
  return ev;
}

// A fresh temporary folder, removed at destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/wardsec-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// How many stored events in `data` match `query` (a failing search fails the test).
inline uint64_t count_matches(const std::string& data, const std::string& query) {
  auto q = search::Query::parse(query).value();
  search::SearchStats st;
  EXPECT_TRUE(search::run_search(
                  data, q, {}, [](const Event&) { return true; }, st)
                  .ok());
  return st.matched;
}

inline std::string shared_dir() { return WARDSEC_SHARED_DIR; }
inline std::string source_dir() { return WARDSEC_SOURCE_DIR; }

}  // namespace wardsec::test
