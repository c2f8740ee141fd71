#include "fleet/pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>

#include "core/files.h"
#include "core/strutil.h"

namespace wardsec::fleet {
namespace {

struct Bio {
  BIO* b;
  explicit Bio(const std::string& s) : b(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))) {}
  Bio() : b(BIO_new(BIO_s_mem())) {}
  ~Bio() { BIO_free(b); }
  std::string str() const {
    char* p = nullptr;
    long n = BIO_get_mem_data(b, &p);
    return std::string(p, static_cast<size_t>(n));
  }
};

std::string key_pem(EVP_PKEY* k) {
  Bio o;
  PEM_write_bio_PrivateKey(o.b, k, nullptr, nullptr, 0, nullptr, nullptr);
  return o.str();
}
std::string x509_pem(X509* x) {
  Bio o;
  PEM_write_bio_X509(o.b, x);
  return o.str();
}

std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

std::string fingerprint_of(X509* x) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  X509_digest(x, EVP_sha256(), md, &n);
  return hex(md, n);
}

int64_t seconds_of(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

void add_ext(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, x, nullptr, nullptr, 0);
  if (X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &v3, nid, value)) {
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
}

// A certificate for `pub` with a random 128-bit serial, signed by `ca_key` (`ca` null: itself).
X509* new_cert(EVP_PKEY* pub, const std::string& cn, X509* ca, EVP_PKEY* ca_key, int days) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  unsigned char r[16];
  RAND_bytes(r, sizeof r);
  r[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(r, sizeof r, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), -300);
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(days) * 86400);
  X509_set_pubkey(x, pub);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("wardsec"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name);
  add_ext(x, ca ? ca : x, NID_subject_key_identifier, "hash");
  if (ca) add_ext(x, ca, NID_authority_key_identifier, "keyid:always");
  (void)ca_key;
  return x;
}

}  // namespace

Result<CertInfo> cert_info(const std::string& pem) {
  Bio in(pem);
  X509* x = PEM_read_bio_X509(in.b, nullptr, nullptr, nullptr);
  if (!x) return Error{"not a PEM certificate"};
  CertInfo c;
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(x), nullptr)) {
    char* h = BN_bn2hex(bn);
    c.serial = h ? h : "";
    OPENSSL_free(h);
    BN_free(bn);
  }
  char buf[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof buf);
  c.cn = buf;
  c.fingerprint = fingerprint_of(x);
  c.not_before = seconds_of(X509_get0_notBefore(x));
  c.not_after = seconds_of(X509_get0_notAfter(x));
  X509_free(x);
  return c;
}

Result<std::pair<std::string, std::string>> make_key_and_csr(const std::string& cn) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!k) return Error{"key generation failed"};
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_version(req, 0);
  X509_NAME* name = X509_REQ_get_subject_name(req);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(req, k);
  X509_REQ_sign(req, k, EVP_sha256());
  Bio o;
  PEM_write_bio_X509_REQ(o.b, req);
  std::pair<std::string, std::string> out{key_pem(k), o.str()};
  X509_REQ_free(req);
  EVP_PKEY_free(k);
  return out;
}

AgentCa::~AgentCa() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
  X509_free(static_cast<X509*>(cert_));
}

Result<std::unique_ptr<AgentCa>> AgentCa::open(const std::string& key_dir) {
  std::string kp = key_dir + "/agent-ca.key", cp = key_dir + "/agent-ca.crt";
  std::unique_ptr<AgentCa> ca(new AgentCa());
  auto k = read_file(kp);
  auto c = read_file(cp);
  if (k && c) {
    Bio kb(*k), cb(*c);
    ca->key_ = PEM_read_bio_PrivateKey(kb.b, nullptr, nullptr, nullptr);
    ca->cert_ = PEM_read_bio_X509(cb.b, nullptr, nullptr, nullptr);
    if (!ca->key_ || !ca->cert_) return Error{kp + " / " + cp + ": not a key and certificate (PEM)"};
  } else {
    std::error_code ec;
    std::filesystem::create_directories(key_dir, ec);
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (!key) return Error{"agent CA: key generation failed"};
    X509* x = new_cert(key, "wardsec agent CA", nullptr, key, 20 * 365);
    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
    X509_sign(x, key, EVP_sha256());
    ca->key_ = key;
    ca->cert_ = x;
    if (Status s = write_file_atomic(kp, key_pem(key)); !s) return Error{s.error()};
    if (Status s = write_file_atomic(cp, x509_pem(x)); !s) return Error{s.error()};
  }
  ca->cert_pem_ = x509_pem(static_cast<X509*>(ca->cert_));
  ca->fingerprint_ = fingerprint_of(static_cast<X509*>(ca->cert_));
  return ca;
}

Result<std::string> AgentCa::sign_agent(const std::string& csr_pem, const std::string& id, int days) const {
  Bio in(csr_pem);
  X509_REQ* req = PEM_read_bio_X509_REQ(in.b, nullptr, nullptr, nullptr);
  if (!req) return Error{"csr: 不是 PEM 格式的证书请求 / not a PEM certificate request"};
  EVP_PKEY* pub = X509_REQ_get_pubkey(req);
  bool good = pub && X509_REQ_verify(req, pub) == 1;
  std::string err;
  if (good && EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC) {
    good = false;
    err = "csr: 须为 EC P-256 密钥 / the key must be EC P-256";
  }
  if (!good) {
    EVP_PKEY_free(pub);
    X509_REQ_free(req);
    return Error{err.empty() ? "csr: 签名无效 / its signature does not verify" : err};
  }
  auto* ca = static_cast<X509*>(cert_);
  auto* key = static_cast<EVP_PKEY*>(key_);
  X509* x = new_cert(pub, id, ca, key, days);
  add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(x, ca, NID_key_usage, "critical,digitalSignature");
  add_ext(x, ca, NID_ext_key_usage, "clientAuth");
  X509_sign(x, key, EVP_sha256());
  std::string pem = x509_pem(x);
  X509_free(x);
  EVP_PKEY_free(pub);
  X509_REQ_free(req);
  return pem;
}

Result<std::pair<std::string, std::string>> AgentCa::server_cert(const std::vector<std::string>& names, int days) const {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!k) return Error{"key generation failed"};
  auto* ca = static_cast<X509*>(cert_);
  X509* x = new_cert(k, "wardsec center", ca, static_cast<EVP_PKEY*>(key_), days);
  std::string san;
  for (const auto& n : names) {
    if (n.empty()) continue;
    if (!san.empty()) san += ",";
    san += (looks_like_ip(n) ? "IP:" : "DNS:") + n;
  }
  if (!san.empty()) add_ext(x, ca, NID_subject_alt_name, san.c_str());
  add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(x, ca, NID_key_usage, "critical,digitalSignature");
  add_ext(x, ca, NID_ext_key_usage, "serverAuth");
  X509_sign(x, static_cast<EVP_PKEY*>(key_), EVP_sha256());
  std::pair<std::string, std::string> out{x509_pem(x), key_pem(k)};
  X509_free(x);
  EVP_PKEY_free(k);
  return out;
}

}  // namespace wardsec::fleet
