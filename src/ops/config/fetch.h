// Fetching a device's running configuration over SSH (libssh) with a host account from the
// bastion's credential vault: a command channel ("exec": `ssh dev 'display current-configuration'`)
// or, for devices that take commands only in an interactive shell, a shell with paging turned
// off first (screen-length 0 temporary / terminal length 0) and closed after. Bounded in time
// and size; the text as the device printed it (text.h normalizes it).
#pragma once
#include <atomic>
#include <string>

#include "bastion/ssh_login.h"
#include "core/result.h"

namespace wardsec::ops::config {

struct FetchRequest {
  bastion::LoginTarget login;
  std::string command, mode = "exec", vendor = "other";
  int timeout_sec = 60;                     // the whole fetch
  size_t max_bytes = 16u << 20;             // a configuration larger than this is refused
  const std::atomic<bool>* stop = nullptr;  // set: give up now (the center stops)
};

Result<std::string> fetch(const FetchRequest& r);

}  // namespace wardsec::ops::config
