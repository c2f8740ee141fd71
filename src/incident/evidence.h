// Sealed evidence bundles (保护现场): one folder per seal under <data>/evidence, holding what
// the incident touched in a time window — the incident record with its timeline, the linked
// alerts, the stored events of the linked assets and the events the alerts point at
// (database statements and web findings are events too), and the bastion recordings of
// sessions to those assets — with manifest.json (every file's SHA-256 and size, the window,
// who sealed it, the key's fingerprint), manifest.sig (the center's instance key over
// manifest.json) and the public key. `wardsec verify evidence DIR` checks it offline; so do
// sha256sum and openssl (docs/incident.md).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "incident/model.h"
#include "store/crypto.h"

namespace wardsec::alert {
class AlertStore;
}

namespace wardsec::incident {

struct SealInput {
  std::string data_dir;                 // the store and recordings/
  int64_t from = 0, to = 0;             // the window (ns); 0: discovery - 1 h .. now
  size_t max_events = 200000;           // per bundle; more is said in the manifest, never silently cut
  std::vector<std::string> recordings;  // bastion recording file names (under recordings/)
  alert::AlertStore* alerts = nullptr;
  const KeyPair* key = nullptr;  // the instance key (signs)
  std::string who;
};

struct Sealed {
  std::string name, dir;  // "incident-12-20261204T101500Z"
  size_t files = 0, events = 0, alerts = 0, recordings = 0;
  bool truncated = false;
  std::string manifest_sha256;
};

Result<Sealed> seal(Store& store, int64_t incident, const SealInput& in);

// A folder sealed as the bundles are, for any record that must verify offline (the bundles, the
// daily log export): files written into DIR.partial, then manifest.json (the caller's fields,
// the signature's algorithm and key fingerprint, and every file's path, SHA-256 and size),
// manifest.sig (the instance key over manifest.json), public-key.pem and SHA256SUMS; finish()
// renames the folder into place, so a folder without .partial is whole. verify_bundle checks it.
class SealedFolder {
 public:
  static Result<SealedFolder> begin(const std::string& dir);
  // Writes a file (0600) and lists it.
  Status add(const std::string& rel, std::string_view data);
  // Lists a file already written under partial() (hashed by reading it back in pieces).
  Status add_written(const std::string& rel);
  const std::string& partial() const { return tmp_; }
  size_t files() const { return files_.size(); }
  // Signs and renames into place: the manifest's SHA-256.
  Result<std::string> finish(nlohmann::json manifest, const KeyPair& key);

 private:
  std::string dir_, tmp_;
  nlohmann::json files_;
};

struct BundleCheck {
  bool ok = false;
  size_t files = 0;
  std::vector<std::string> problems;     // each names the file and what is wrong
  std::string fingerprint;               // of the key that signed it
  std::string what = "evidence bundle";  // what the summary calls the folder
  std::string summary() const;
};

// Checks a bundle (or any SealedFolder): the signature over manifest.json (by `trusted_pubkey` when given,
// else by the bundle's own public-key.pem, whose fingerprint the report states so it can be
// compared with the center's), every listed file's digest and size, and no file unlisted.
BundleCheck verify_bundle(const std::string& dir, const std::string& trusted_pubkey = "");

// The bundles sealed for an incident (folder names, oldest first).
std::vector<std::string> bundles(const std::string& data_dir, int64_t incident);
// A bundle as one POSIX tar (ustar) archive, for download: `tar xf` unpacks it for checking.
Result<std::string> bundle_tar(const std::string& data_dir, const std::string& name);

}  // namespace wardsec::incident
