// A site's signed head (docs/cluster.md): the digest of the last batch the site has published,
// signed with the site's key and sent with every status. The chain proves every batch up to a
// head; the head proves how far the chain reaches, so deleting a site's newest batches from
// ClickHouse shows (`verify` finds no batch with the head's digest).
//
//   wardsec-head v1 site=<site> at=<ns> digest=<hex> key=<fp>   (signed; sig=<hex> follows)
#pragma once
#include <cstdint>
#include <string>

#include "core/result.h"
#include "store/crypto.h"

namespace wardsec::cluster {

struct SignedHead {
  std::string site;
  int64_t at = 0;      // when the site said it (ns)
  std::string digest;  // hex: the last batch published
  std::string key;     // fingerprint of the site's key
  std::string sig;     // hex
  std::string signed_text() const;
};

Result<SignedHead> sign_head(const std::string& site, int64_t at, const std::string& digest, const KeyPair& key);
// The head's fields as they arrive (from a status or a row); checks their form only.
Result<SignedHead> make_head(std::string site, int64_t at, std::string digest, std::string key, std::string sig);
// "" when the head is signed by `key`; else what is wrong.
std::string check_head(const SignedHead& h, const KeyPair& key);

}  // namespace wardsec::cluster
