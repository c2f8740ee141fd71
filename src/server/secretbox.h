// Secrets at rest (the accounts' TOTP seeds, the bastion's host credentials): SM4-CTR with an HMAC-SM3 tag over nonce and
// ciphertext, under a key kept in the key folder, outside the data folder, so a copy of
// accounts.db (or of a backup of the data folder) does not hand over the second factor.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wardsec::server {

class SecretBox {
 public:
  // DIR/FILE (32 random bytes, 0600), made when absent: secrets.key seals the accounts' TOTP
  // seeds, vault.key the bastion's host credentials.
  static Result<SecretBox> load_or_create(const std::string& dir, const std::string& file = "secrets.key");
  // "sm4$<nonce>$<ciphertext>$<tag>" (hex).
  std::string seal(std::string_view plain) const;
  // nullopt when the text is not sealed by this key (or was altered).
  std::optional<std::string> open(std::string_view sealed) const;
  static bool is_sealed(std::string_view s) { return s.rfind("sm4$", 0) == 0; }

 private:
  std::string enc_key_, mac_key_;
};

}  // namespace wardsec::server
