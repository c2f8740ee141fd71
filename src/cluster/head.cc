#include "cluster/head.h"

#include "cluster/batch.h"
#include "core/strutil.h"

namespace wardsec::cluster {

std::string SignedHead::signed_text() const {
  return "wardsec-head v1 site=" + site + " at=" + std::to_string(at) + " digest=" + digest + " key=" + key;
}

Result<SignedHead> sign_head(const std::string& site, int64_t at, const std::string& digest, const KeyPair& key) {
  auto h = make_head(site, at, digest, key.fingerprint(), "00");
  if (!h) return h;
  auto sig = key.sign(h->signed_text());
  if (!sig) return Error{"signing the head: " + sig.error()};
  h->sig = hex(sig->data(), sig->size());
  return h;
}

Result<SignedHead> make_head(std::string site, int64_t at, std::string digest, std::string key, std::string sig) {
  if (!valid_site(site)) return Error{"head: site is not a site name"};
  if (at <= 0) return Error{"head: at is not a time"};
  if (!valid_hex(digest, 64)) return Error{"head: digest is not a 32-byte hex digest"};
  if (key.empty() || key.size() > 64 || key.find(' ') != std::string::npos) return Error{"head: key is not a key fingerprint"};
  if (sig.empty() || sig.size() > 512 || sig.size() % 2 || !valid_hex(sig, sig.size())) return Error{"head: sig is not a hex signature"};
  return SignedHead{std::move(site), at, std::move(digest), std::move(key), std::move(sig)};
}

std::string check_head(const SignedHead& h, const KeyPair& key) {
  if (h.key != key.fingerprint()) return "signed by key " + h.key + ", not the site's key " + key.fingerprint();
  std::string sig;
  if (!unhex(h.sig, sig) || !key.verify(h.signed_text(), sig)) return "its signature does not verify under the site's key";
  return "";
}

}  // namespace wardsec::cluster
