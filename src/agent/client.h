// The agent's side of the channel: JSON POSTs over HTTPS with libcurl. After enrolment every
// request presents the agent's certificate and trusts only the pinned agents' CA (never the
// system's store), with the host name checked; TLS 1.2 or later.
#pragma once
#include <memory>
#include <string>

#include "core/result.h"

namespace wardsec::agent {

struct Answer {
  int status = 0;
  std::string body;
};

class Client {
 public:
  // `center`: "host:port". `ca_pem` empty: no verification at all (only for fetching the CA
  // whose fingerprint the caller then checks). `cert_pem`/`key_pem` empty: no client certificate.
  Client(std::string center, std::string ca_pem, std::string cert_pem = {}, std::string key_pem = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  // An error when nothing came back (the connection, TLS); otherwise the status and body.
  Result<Answer> post(const std::string& path, const std::string& body, int timeout_ms = 30000);

 private:
  std::string center_, ca_, cert_, key_;
  void* curl_ = nullptr;  // kept: one connection, reused
};

}  // namespace wardsec::agent
