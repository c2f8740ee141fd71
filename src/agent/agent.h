// `wardsec agent`: the host agent (主机代理). Enrolment gets a client certificate from the
// center with a token, after checking the center's agents' CA against the fingerprint the
// console showed (pinning); from then on every request is mutual TLS to that CA only. Running,
// it forwards the logs through the spool (acknowledged when durable at the center), watches
// file integrity, verifies the trusted files, takes inventory, runs the host checks, and runs
// the responses the center sends; its configuration is its group's, signed by the center.
// A new configuration restarts the agent in place (exec), its positions and spool kept.
#pragma once
#include <atomic>
#include <string>

namespace wardsec::agent {

struct EnrollOptions {
  std::string center;  // host:port of the agent channel
  std::string token;
  std::string ca_fingerprint;  // SHA-256 of the agents' CA, as the console shows it
  std::string state_dir = "/var/lib/wardsec-agent";
  std::string name;  // the host's name ("" its hostname)
};

// 0 on success; errors printed.
int enroll(const EnrollOptions& o);
// Runs until `stop`; the exit code.
int run(const std::string& state_dir, const std::atomic<bool>& stop);
// The last status the agent wrote (JSON), or an error text.
std::string status(const std::string& state_dir);

}  // namespace wardsec::agent
