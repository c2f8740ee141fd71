#include "agent/respond.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "core/files.h"
#include "core/process.h"
#include "core/strutil.h"

namespace wardsec::agent {
using json = nlohmann::json;

namespace {

Outcome nft(const std::string& script) {
  char path[] = "/tmp/wardsec-nft-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {false, "cannot write the nftables script"};
  bool w = ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  ::close(fd);
  std::string out;
  int rc = w ? run_command({"/usr/sbin/nft", "-f", path}, 10000, &out) : -1;
  ::unlink(path);
  return {rc == 0, rc == 0 ? "" : "nft: " + std::string(trim(out.substr(0, 500)))};
}

const char* kTable =
    "table inet wardsec {\n"
    "  set blocked4 { type ipv4_addr; flags timeout; }\n"
    "  set blocked6 { type ipv6_addr; flags timeout; }\n"
    "  chain input { type filter hook input priority -10; policy accept; }\n"
    "}\n"
    "flush chain inet wardsec input\n"
    "add rule inet wardsec input ip saddr @blocked4 drop\n"
    "add rule inet wardsec input ip6 saddr @blocked6 drop\n";

}  // namespace

Outcome run_response(const std::string& action, const json& args, bool revert) {
  auto text = [&](const char* k) { return args.contains(k) && args[k].is_string() ? args[k].get<std::string>() : std::string(); };
  auto num = [&](const char* k) { return args.contains(k) && args[k].is_number_integer() ? args[k].get<int64_t>() : int64_t{0}; };
  if (action == "block_ip") {
    std::string ip = text("ip");
    if (!looks_like_ip(ip)) return {false, "not an address: " + ip};
    std::string set = ip.find(':') != std::string::npos ? "blocked6" : "blocked4";
    if (revert) {
      auto o = nft("delete element inet wardsec " + set + " { " + ip + " }\n");
      if (o.ok) o.result = "unblocked " + ip;
      return o;
    }
    int64_t secs = num("seconds");
    auto o = nft(std::string(kTable) + "add element inet wardsec " + set + " { " + ip +
                 (secs > 0 ? " timeout " + std::to_string(secs) + "s" : "") + " }\n");
    if (o.ok) o.result = "blocked " + ip + (secs > 0 ? " for " + std::to_string(secs) + " s" : "");
    return o;
  }
  if (action == "disable_account") {
    std::string user = text("user");
    passwd pw{}, *res = nullptr;
    char buf[2048];
    if (user.empty() || user[0] == '-' || getpwnam_r(user.c_str(), &pw, buf, sizeof buf, &res) != 0 || !res)
      return {false, "no such account: " + user};
    if (res->pw_uid == 0) return {false, "refused: " + user + " is uid 0"};
    std::string out;
    int rc = revert ? run_command({"/usr/sbin/usermod", "-U", "-e", "", "--", user}, 15000, &out)
                    : run_command({"/usr/sbin/usermod", "-L", "-e", "1", "--", user}, 15000, &out);
    if (rc != 0) return {false, "usermod: " + std::string(trim(out.substr(0, 500)))};
    return {true, (revert ? "unlocked " : "locked ") + user};
  }
  if (action == "kill_process") {
    if (revert) return {false, "an ended process cannot be brought back"};
    int64_t pid = num("pid");
    std::string name = text("name");
    if (pid <= 1 || pid == getpid()) return {false, "refused: pid " + std::to_string(pid)};
    std::string comm(trim(read_file("/proc/" + std::to_string(pid) + "/comm").value_or("")));
    if (comm.empty()) return {false, "no process " + std::to_string(pid)};
    if (comm != name) return {false, "pid " + std::to_string(pid) + " is now " + comm + ", not " + name + ": not ended"};
    if (::kill(static_cast<pid_t>(pid), SIGKILL) != 0) return {false, "kill failed"};
    return {true, "ended " + name + " (pid " + std::to_string(pid) + ")"};
  }
  return {false, "unknown action " + action};
}

}  // namespace wardsec::agent
