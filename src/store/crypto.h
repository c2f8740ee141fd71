// Digests and signatures for the tamper-evident store. OpenSSL 3 does all the cryptography;
// SM3/SM2 (国密) are the defaults, SHA-256/Ed25519 selectable.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wardsec {

enum class DigestAlg : uint8_t { kSm3 = 1, kSha256 = 2 };
enum class SignAlg : uint8_t { kSm2 = 1, kEd25519 = 2 };

using Digest32 = std::array<uint8_t, 32>;

Result<DigestAlg> digest_alg_from_name(std::string_view s);
Result<SignAlg> sign_alg_from_name(std::string_view s);
std::string_view digest_alg_name(DigestAlg a);
std::string_view sign_alg_name(SignAlg a);

class Hasher {
 public:
  explicit Hasher(DigestAlg alg);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void update(std::string_view data);
  void update(const void* p, size_t n) { update(std::string_view(static_cast<const char*>(p), n)); }
  Digest32 finish();  // resets for reuse

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  DigestAlg alg_;
};

Digest32 digest(DigestAlg alg, std::string_view data);
// SHA-256 of `data` in lower-case hex (files' and configurations' digests shown to people).
std::string sha256_hex(std::string_view data);

// An instance key pair. The private key lives in a key directory outside the data folder.
class KeyPair {
 public:
  ~KeyPair();
  KeyPair(KeyPair&&) noexcept;
  KeyPair& operator=(KeyPair&&) noexcept;
  // Loads DIR/instance.key, or generates it (and DIR/instance.pub) when absent.
  static Result<KeyPair> load_or_create(const std::string& dir, SignAlg alg);
  // Loads a public key (PEM) for verification only.
  static Result<KeyPair> load_public(const std::string& pem_path);
  static Result<KeyPair> from_public_pem(std::string_view pem);
  SignAlg alg() const { return alg_; }
  bool has_private() const { return has_private_; }
  std::string public_pem() const;
  Result<std::string> sign(std::string_view msg) const;  // raw signature bytes
  bool verify(std::string_view msg, std::string_view sig) const;
  // Short fingerprint of the public key (SHA-256 of its DER, first 16 hex chars).
  std::string fingerprint() const;

 private:
  KeyPair() = default;
  void* pkey_ = nullptr;  // EVP_PKEY*
  SignAlg alg_ = SignAlg::kSm2;
  bool has_private_ = false;
};

}  // namespace wardsec
