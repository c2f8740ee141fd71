// Which log lines say that a network or security device's configuration changed: the vendors'
// own records (Cisco IOS and Ruijie "%SYS-5-CONFIG_I: Configured from vty by x", Cisco's
// archive log "CFGLOG_LOGGEDCMD", Huawei "CONFIGURATION/6/CFG_FILE_CHANGE" and
// "NETCONF_CONFIG_CHANGE_EVENT", H3C "CFGMAN_CFGCHANGED"), and command records (Huawei
// "SHELL/5/CMDRECORD", H3C "SHELL_CMD") of commands that are not read-only (display, show, ping
// and the like change nothing). Read from the fields the device families decode (parsers/).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/event.h"

namespace wardsec::ops::config {

struct Trigger {
  int64_t ts = 0;
  std::string host, address;  // the device as the line names it: host.name, the sender's address
  std::string user, ip;       // who, from where (when the device says)
  std::string action, command;
};

std::optional<Trigger> config_trigger(const Event& ev);

// A command that only reads (display, show, dir, ping ...): it changes no configuration.
bool read_only_command(std::string_view command);

}  // namespace wardsec::ops::config
