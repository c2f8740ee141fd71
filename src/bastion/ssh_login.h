// A login to a target over SSH with a host account's stored credential: the host key pinned in a
// known-hosts file (learned on first contact, a changed key refused), the service's own SSH
// configuration ignored. Shared by bastion sessions (ssh_proxy.cc) and the configuration fetch
// of network devices (ops/config).
#pragma once
#include <libssh/libssh.h>

#include <string>

#include "core/result.h"

namespace wardsec::bastion {

struct LoginTarget {
  std::string host;
  int port = 22;
  std::string username;
  std::string auth;    // password, key
  std::string secret;  // the password, or the private key (OpenSSH/PEM text)
  std::string known_hosts;
  long timeout_sec = 10;
};

// `s`: a fresh session (ssh_new); connected and authenticated on success. An error names what
// failed, never the credential.
Status ssh_login(ssh_session s, const LoginTarget& t);

}  // namespace wardsec::bastion
