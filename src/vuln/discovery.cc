#include "vuln/discovery.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/process.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::vuln {

namespace {

bool only(std::string_view s, std::string_view allowed) {
  return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos && s[0] != '-';
}

std::string ports_problem(const std::string& p) {
  if (p.rfind("top:", 0) == 0) {
    std::string n = p.substr(4);
    if (!only(n, "0123456789") || n.size() > 5 || std::stoi(n) < 1 || std::stoi(n) > 65535)
      return "ports: top:N 的 N 应为 1-65535 / top:N needs N from 1 to 65535";
    return "";
  }
  if (!only(p, "0123456789,-")) return "ports: 应为 top:N 或端口列表如 22,80,1000-1100 / ports is top:N or a list such as 22,80,1000-1100";
  return "";
}

}  // namespace

std::string check_config(const DiscoveryConfig& c) {
  for (const auto& n : c.networks)
    if (!parse_cidr(n) || !only(n, "0123456789abcdefABCDEF.:/")) return "discovery.networks: 不是网段 / not a CIDR: " + n;
  if (std::string p = ports_problem(c.ports); !p.empty()) return "discovery." + p;
  if (c.timeout_sec < 10 || c.host_timeout_sec < 5) return "discovery: 超时过短 / timeouts too short";
  return "";
}

Result<std::vector<std::string>> scan_targets(const DiscoveryConfig& c, const std::vector<std::string>& targets) {
  if (c.networks.empty())
    return Error{"资产发现未启用：请先在配置中设置 discovery.networks / discovery is off: configure discovery.networks first"};
  if (std::string p = check_config(c); !p.empty()) return Error{p};
  if (targets.empty()) return c.networks;
  std::vector<std::string> out;
  for (const auto& t : targets) {
    auto cidr = parse_cidr(t);
    if (!cidr || !only(t, "0123456789abcdefABCDEF.:/")) return Error{"扫描目标应为地址或网段 / a target is an address or a CIDR: " + t};
    bool inside = false;
    for (const auto& n : c.networks) {
      auto net = parse_cidr(n);
      inside = inside || (net && net->bits <= cidr->bits && net->contains(cidr->net));
    }
    if (!inside) return Error{"扫描目标不在已配置的网段内 / the target is outside the configured networks: " + t};
    out.push_back(t);
  }
  return out;
}

std::vector<std::string> nmap_args(const DiscoveryConfig& c, const std::vector<std::string>& targets) {
  std::vector<std::string> a = {c.nmap, "-sT", "-n", "--max-retries", "2", "--host-timeout", std::to_string(c.host_timeout_sec) + "s"};
  if (c.versions) {
    a.push_back("-sV");
    a.push_back("--version-light");
  }
  if (c.ports.rfind("top:", 0) == 0) {
    a.push_back("--top-ports");
    a.push_back(c.ports.substr(4));
  } else {
    a.push_back("-p");
    a.push_back(c.ports);
  }
  a.push_back("--");
  for (const auto& t : targets) a.push_back(t);
  return a;
}

Result<ScanReport> run_nmap(const DiscoveryConfig& c, const std::vector<std::string>& targets, const std::string& workdir,
                            const std::atomic<bool>* stop) {
  namespace fs = std::filesystem;
  if (access(c.nmap.c_str(), X_OK) != 0) return Error{"资产发现需要 nmap / discovery needs nmap (" + c.nmap + "): apt-get install nmap"};
  std::error_code ec;
  fs::create_directories(workdir, ec);
  std::string tag = std::to_string(getpid()) + "-" + std::to_string(now_ns());
  std::string xml = workdir + "/nmap-" + tag + ".xml", log = workdir + "/nmap-" + tag + ".log";
  std::vector<std::string> args = nmap_args(c, targets);
  args.insert(args.end() - static_cast<long>(targets.size()) - 1, {"-oX", xml});
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Error{"fork failed"};
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    setpgid(0, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  bool done = wait_child(pid, now_ns() + static_cast<int64_t>(c.timeout_sec) * kSec, status, stop);
  std::ifstream lf(log);
  std::stringstream said;
  said << lf.rdbuf();
  std::string tail = said.str();
  if (tail.size() > 600) tail = tail.substr(tail.size() - 600);
  auto cleanup = [&] {
    fs::remove(xml, ec);
    fs::remove(log, ec);
  };
  if (!done) {
    cleanup();
    return Error{"nmap 超时未完成 / nmap did not finish within " + std::to_string(c.timeout_sec) + " s"};
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    cleanup();
    return Error{"nmap 失败 / nmap failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "): " + tail};
  }
  auto rep = read_nmap(XmlInput{xml, {}, "nmap"});
  cleanup();
  return rep;
}

}  // namespace wardsec::vuln
