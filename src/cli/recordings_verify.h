// `wardsec verify`, second part: the bastion's recordings against the digests sealed in the
// store. Each session's end is a signed event (dataset wardsec.bastion, action session_end)
// carrying the SHA-256 of its recording; the recording file must still have that digest. An
// edited, truncated, replaced or deleted recording is named; so is a session_end whose
// signature fails (an event that did not come from this center's bastion).
#pragma once
#include <string>
#include <vector>

namespace wardsec::cli {

struct RecordingsReport {
  int checked = 0, intact = 0, unsealed = 0;
  std::vector<std::string> problems;  // each names the session and what is wrong
  std::vector<std::string> notes;
  std::string summary() const;
};

// `pubkey_path`: the instance public key (as the store's check used).
RecordingsReport verify_recordings(const std::string& data_dir, const std::string& pubkey_path, int tz_sec);

}  // namespace wardsec::cli
