// What changed between two inventories of one host (主机资产变更): packages, users, admin
// accounts, sudo rules, listening ports, running services, scheduled tasks, the OS and the
// kernel. Each change has a severity when it is one to alert on: a new admin account (high), a
// new listening port, sudo rule or scheduled task (medium), a new account (low).
#pragma once
#include <string>
#include <vector>

namespace wardsec::fleet {

struct InventoryChange {
  std::string kind;      // package, user, admin, sudo, port, service, task, os, kernel
  std::string change;    // added, removed, changed
  std::string item;      // what: "tcp 0.0.0.0:8080", "alice", "openssl"
  std::string detail;    // more: the process, the versions, the line
  std::string severity;  // "" (recorded only), low, medium, high
};

// `before` and `after` are snapshots (JSON, as the agent sends them); a `before` that is
// empty or unreadable gives no changes (the first inventory is the baseline). Lists in a
// snapshot that are not what they should be are read as empty.
std::vector<InventoryChange> diff_inventory(const std::string& before, const std::string& after);

}  // namespace wardsec::fleet
