#include "store/crypto.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strutil.h"

namespace wardsec {
namespace {

std::string ssl_error(const char* what) {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return std::string(what) + ": " + buf;
}

const EVP_MD* md_for(DigestAlg a) { return a == DigestAlg::kSm3 ? EVP_sm3() : EVP_sha256(); }

// SM2 signatures use the default distinguishing identifier of GB/T 32918 ("1234567812345678").
constexpr std::string_view kSm2Id = "1234567812345678";

}  // namespace

Result<DigestAlg> digest_alg_from_name(std::string_view s) {
  if (s == "sm3") return DigestAlg::kSm3;
  if (s == "sha256") return DigestAlg::kSha256;
  return Error{"unknown digest algorithm '" + std::string(s) + "' (expected sm3 or sha256)"};
}
Result<SignAlg> sign_alg_from_name(std::string_view s) {
  if (s == "sm2") return SignAlg::kSm2;
  if (s == "ed25519") return SignAlg::kEd25519;
  return Error{"unknown signature algorithm '" + std::string(s) + "' (expected sm2 or ed25519)"};
}
std::string_view digest_alg_name(DigestAlg a) { return a == DigestAlg::kSm3 ? "sm3" : "sha256"; }
std::string_view sign_alg_name(SignAlg a) { return a == SignAlg::kSm2 ? "sm2" : "ed25519"; }

struct Hasher::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(DigestAlg alg) : impl_(std::make_unique<Impl>()), alg_(alg) { EVP_DigestInit_ex(impl_->ctx, md_for(alg_), nullptr); }
Hasher::~Hasher() = default;
void Hasher::update(std::string_view d) { EVP_DigestUpdate(impl_->ctx, d.data(), d.size()); }
Digest32 Hasher::finish() {
  Digest32 out{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx, out.data(), &n);
  EVP_DigestInit_ex(impl_->ctx, md_for(alg_), nullptr);
  return out;
}

Digest32 digest(DigestAlg alg, std::string_view data) {
  Hasher h(alg);
  h.update(data);
  return h.finish();
}

std::string sha256_hex(std::string_view data) {
  Digest32 d = digest(DigestAlg::kSha256, data);
  return hex(d.data(), d.size());
}

KeyPair::~KeyPair() { EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_)); }
KeyPair::KeyPair(KeyPair&& o) noexcept : pkey_(o.pkey_), alg_(o.alg_), has_private_(o.has_private_) { o.pkey_ = nullptr; }
KeyPair& KeyPair::operator=(KeyPair&& o) noexcept {
  std::swap(pkey_, o.pkey_);
  alg_ = o.alg_;
  has_private_ = o.has_private_;
  return *this;
}

static Result<SignAlg> alg_of(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "SM2")) return SignAlg::kSm2;
  if (EVP_PKEY_is_a(k, "ED25519")) return SignAlg::kEd25519;
  // A PEM "EC PRIVATE KEY" on the SM2 curve loads as EC; treat it as SM2.
  if (EVP_PKEY_is_a(k, "EC")) {
    char name[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(k, name, sizeof name, &len) && std::string_view(name) == "SM2") return SignAlg::kSm2;
  }
  return Error{"key is neither SM2 nor Ed25519"};
}

Result<KeyPair> KeyPair::load_or_create(const std::string& dir, SignAlg alg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create key directory " + dir + ": " + ec.message()};
  ::chmod(dir.c_str(), 0700);
  std::string key_path = dir + "/instance.key";
  KeyPair kp;
  if (FILE* f = std::fopen(key_path.c_str(), "r")) {
    EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!k) return Error{ssl_error(("cannot read private key " + key_path).c_str())};
    auto a = alg_of(k);
    if (!a) {
      EVP_PKEY_free(k);
      return Error{key_path + ": " + a.error()};
    }
    kp.pkey_ = k;
    kp.alg_ = *a;
    kp.has_private_ = true;
    return kp;
  }
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, alg == SignAlg::kSm2 ? "SM2" : "ED25519");
  if (!k) return Error{ssl_error("key generation failed")};
  kp.pkey_ = k;
  kp.alg_ = alg;
  kp.has_private_ = true;
  std::string tmp = key_path + ".tmp";
  {
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return Error{"cannot write " + tmp};
    ::fchmod(fileno(f), 0600);
    int ok = PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
    std::fflush(f);
    ::fsync(fileno(f));
    std::fclose(f);
    if (!ok) return Error{ssl_error("cannot write private key")};
  }
  std::ofstream(dir + "/instance.pub") << kp.public_pem();
  fs::rename(tmp, key_path, ec);
  if (ec) return Error{"cannot install " + key_path + ": " + ec.message()};
  return kp;
}

Result<KeyPair> KeyPair::from_public_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!k) return Error{ssl_error("cannot parse public key")};
  auto a = alg_of(k);
  if (!a) {
    EVP_PKEY_free(k);
    return Error{a.error()};
  }
  KeyPair kp;
  kp.pkey_ = k;
  kp.alg_ = *a;
  return kp;
}

Result<KeyPair> KeyPair::load_public(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read public key " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = from_public_pem(ss.str());
  if (!r) return Error{path + ": " + r.error()};
  return r;
}

std::string KeyPair::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, static_cast<EVP_PKEY*>(pkey_));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string r(data, static_cast<size_t>(n));
  BIO_free(bio);
  return r;
}

std::string KeyPair::fingerprint() const {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(static_cast<EVP_PKEY*>(pkey_), &der);
  if (n <= 0) return "?";
  Digest32 d = digest(DigestAlg::kSha256, std::string_view(reinterpret_cast<char*>(der), n));
  OPENSSL_free(der);
  return hex(d.data(), 8);
}

static EVP_MD_CTX* sign_ctx(EVP_PKEY* k, SignAlg alg, bool for_sign) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(k, nullptr);
  if (alg == SignAlg::kSm2) EVP_PKEY_CTX_set1_id(pctx, kSm2Id.data(), kSm2Id.size());
  EVP_MD_CTX_set_pkey_ctx(ctx, pctx);
  const EVP_MD* md = alg == SignAlg::kSm2 ? EVP_sm3() : nullptr;
  int ok = for_sign ? EVP_DigestSignInit(ctx, nullptr, md, nullptr, k) : EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, k);
  if (ok != 1) {
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_CTX_free(pctx);
    return nullptr;
  }
  return ctx;
}

static void free_sign_ctx(EVP_MD_CTX* ctx) {
  EVP_PKEY_CTX* pctx = EVP_MD_CTX_get_pkey_ctx(ctx);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_CTX_free(pctx);
}

Result<std::string> KeyPair::sign(std::string_view msg) const {
  if (!has_private_) return Error{"no private key loaded"};
  EVP_MD_CTX* ctx = sign_ctx(static_cast<EVP_PKEY*>(pkey_), alg_, true);
  if (!ctx) return Error{ssl_error("sign init")};
  size_t len = 0;
  const auto* m = reinterpret_cast<const unsigned char*>(msg.data());
  if (EVP_DigestSign(ctx, nullptr, &len, m, msg.size()) != 1) {
    free_sign_ctx(ctx);
    return Error{ssl_error("sign")};
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, m, msg.size()) != 1) {
    free_sign_ctx(ctx);
    return Error{ssl_error("sign")};
  }
  sig.resize(len);
  free_sign_ctx(ctx);
  return sig;
}

bool KeyPair::verify(std::string_view msg, std::string_view sig) const {
  EVP_MD_CTX* ctx = sign_ctx(static_cast<EVP_PKEY*>(pkey_), alg_, false);
  if (!ctx) return false;
  int ok = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  free_sign_ctx(ctx);
  ERR_clear_error();
  return ok == 1;
}

}  // namespace wardsec
