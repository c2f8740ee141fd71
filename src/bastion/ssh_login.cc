#include "bastion/ssh_login.h"

#include <spdlog/spdlog.h>

namespace wardsec::bastion {

Status ssh_login(ssh_session s, const LoginTarget& t) {
  int port = t.port, no = 0, yes = 1;
  long timeout = t.timeout_sec;
  ssh_options_set(s, SSH_OPTIONS_HOST, t.host.c_str());
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  ssh_options_set(s, SSH_OPTIONS_USER, t.username.c_str());
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, t.known_hosts.c_str());
  ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);  // the service's ~/.ssh/config has no say
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes);        // keystrokes go out at once (no Nagle wait)
  if (ssh_connect(s) != SSH_OK)
    return Error{"无法连接目标 / cannot connect to " + t.host + ":" + std::to_string(port) + ": " + ssh_get_error(s)};
  switch (ssh_session_is_known_server(s)) {
    case SSH_KNOWN_HOSTS_OK: break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      // First contact: the key is learned (the event says so; docs/bastion.md: pin it beforehand).
      if (ssh_session_update_known_hosts(s) != SSH_OK) return Error{"无法保存目标主机密钥 / cannot save the target's host key"};
      spdlog::info("ssh: learned the host key of {}:{}", t.host, port);
      break;
    default: return Error{"目标主机密钥已改变，可能遭中间人攻击，已拒绝 / the target's host key changed (a man in the middle?): refused"};
  }
  int rc = SSH_AUTH_DENIED;
  if (t.auth == "key") {
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_base64(t.secret.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK)
      return Error{"主机账号私钥无法读取 / the host account's private key cannot be read"};
    rc = ssh_userauth_publickey(s, nullptr, key);
    ssh_key_free(key);
  } else {
    rc = ssh_userauth_password(s, nullptr, t.secret.c_str());
  }
  if (rc != SSH_AUTH_SUCCESS) return Error{"目标拒绝了托管凭据 / the target refused the stored credential for " + t.username};
  return {};
}

}  // namespace wardsec::bastion
