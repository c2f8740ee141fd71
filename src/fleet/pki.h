// The agents' certificates (主机代理证书): a private CA of the center's that signs each agent's
// client certificate at enrolment (EKU clientAuth, the agent's id as CN) and the agent
// channel's server certificate (EKU serverAuth), so an agent's key can never pose as the
// center. The agent pins the CA by the fingerprint the console shows. ECDSA P-256: the TLS
// in Debian's OpenSSL has no SM2 handshake (GB/T 38636 TLCP needs a 国密 TLS stack);
// SM2 and SM3 sign and digest what travels inside (configurations, baselines, FIM digests).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::fleet {

struct CertInfo {
  std::string serial;                     // hex, upper case
  std::string cn;                         // subject common name
  std::string fingerprint;                // SHA-256 of the DER, lower-case hex
  int64_t not_before = 0, not_after = 0;  // seconds since the epoch
};
Result<CertInfo> cert_info(const std::string& pem);

// A fresh P-256 key and a CSR for it with `cn` as subject: (key PEM, CSR PEM).
Result<std::pair<std::string, std::string>> make_key_and_csr(const std::string& cn);

class AgentCa {
 public:
  // Loads DIR/agent-ca.key and DIR/agent-ca.crt, or makes them (0600).
  static Result<std::unique_ptr<AgentCa>> open(const std::string& key_dir);
  ~AgentCa();
  const std::string& cert_pem() const { return cert_pem_; }
  const std::string& fingerprint() const { return fingerprint_; }
  // Signs `csr_pem` as agent `id` for `days`: the CSR's own subject is ignored; its signature
  // must verify (it proves the agent holds the key).
  Result<std::string> sign_agent(const std::string& csr_pem, const std::string& id, int days) const;
  // A server certificate and key for the agent channel, for `names` (host names or addresses).
  Result<std::pair<std::string, std::string>> server_cert(const std::vector<std::string>& names, int days) const;

 private:
  AgentCa() = default;
  void* key_ = nullptr;   // EVP_PKEY*
  void* cert_ = nullptr;  // X509*
  std::string cert_pem_, fingerprint_;
};

}  // namespace wardsec::fleet
