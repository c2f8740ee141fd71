// Walks the whole store and says whether it is intact, or names the first segment and
// block that was altered, removed, reordered or truncated.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace wardsec::store {

struct VerifyOptions {
  std::string data_dir = "./data";
  std::string pubkey_path;   // default: <key_dir>/instance.pub, else <data>/instance.pub
  std::string key_dir;       // default: "<data>.keys"
  std::string witness_path;  // optional witness file to compare against
};

struct VerifyReport {
  bool intact = true;
  std::vector<std::string> problems;  // in walk order; the first names the first damage
  std::vector<std::string> notes;     // facts that are not damage (expired segments, key used)
  uint64_t segments = 0, blocks = 0, events = 0, checkpoints = 0, receipts = 0, recoveries = 0;
  uint64_t expired_segments = 0, expired_events = 0, unsealed_blocks = 0;
  int64_t first_ts = 0, last_ts = 0;
  std::string pubkey_path;      // the public key the checkpoints were checked with
  std::string summary() const;  // multi-line, for people
};

VerifyReport verify_store(const VerifyOptions& opt);

}  // namespace wardsec::store
