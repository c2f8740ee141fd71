#include "agent/inventory.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "core/files.h"
#include "core/process.h"
#include "core/strutil.h"

namespace wardsec::agent {
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string_view> lines(std::string_view s) { return split_view(s, '\n'); }

std::string file(const std::string& root, const std::string& path) { return read_file(root == "/" ? path : root + path).value_or(""); }

std::vector<std::string> list_dir(const std::string& root, const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root == "/" ? dir : root + dir, ec))
    if (e.is_regular_file(ec)) out.push_back(dir + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string unquote(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  return std::string(v);
}

// Address and port of /proc/net's hex "0100007F:1F90" (IPv4) or the 32-digit IPv6 form.
std::pair<std::string, int> hex_endpoint(std::string_view s) {
  size_t c = s.find(':');
  if (c == std::string_view::npos) return {"", 0};
  std::string_view a = s.substr(0, c), p = s.substr(c + 1);
  long lport = std::strtol(std::string(p).c_str(), nullptr, 16);
  if (lport < 0 || lport > 65535) return {"", 0};
  int port = static_cast<int>(lport);
  auto byte = [](std::string_view h) { return static_cast<unsigned>(std::strtoul(std::string(h).c_str(), nullptr, 16)); };
  if (a.size() == 8) {
    unsigned v = byte(a);
    return {std::to_string(v & 255) + "." + std::to_string((v >> 8) & 255) + "." + std::to_string((v >> 16) & 255) + "." +
                std::to_string(v >> 24),
            port};
  }
  if (a.size() == 32) {
    // Four 32-bit words, each in host (little-endian) order.
    unsigned char b[16];
    for (int w = 0; w < 4; w++)
      for (int i = 0; i < 4; i++) b[w * 4 + i] = static_cast<unsigned char>(byte(a.substr(w * 8 + (3 - i) * 2, 2)));
    char out[64];
    std::string s6;
    for (int i = 0; i < 16; i += 2) {
      std::snprintf(out, sizeof out, "%x", (b[i] << 8) | b[i + 1]);
      s6 += (i ? ":" : "") + std::string(out);
    }
    if (s6 == "0:0:0:0:0:0:0:0") s6 = "::";
    if (s6 == "0:0:0:0:0:0:0:1") s6 = "::1";
    return {s6, port};
  }
  return {"", 0};
}

// Socket inode -> (pid, process name), from /proc/*/fd (only on the live host).
std::map<std::string, std::pair<int, std::string>> socket_owners() {
  std::map<std::string, std::pair<int, std::string>> m;
  std::error_code ec;
  for (const auto& p : fs::directory_iterator("/proc", ec)) {
    std::string pid = p.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string comm(trim(read_file("/proc/" + pid + "/comm").value_or("")));
    std::error_code e2;
    for (const auto& fd : fs::directory_iterator("/proc/" + pid + "/fd", e2)) {
      std::error_code e3;
      std::string t = fs::read_symlink(fd.path(), e3).string();
      if (t.rfind("socket:[", 0) == 0) m[t.substr(8, t.size() - 9)] = {std::atoi(pid.c_str()), comm};
    }
  }
  return m;
}

}  // namespace

json parse_os_release(const std::string& text) {
  json os = json::object();
  for (auto l : lines(text)) {
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) continue;
    std::string k(trim(l.substr(0, eq))), v = unquote(l.substr(eq + 1));
    if (k == "PRETTY_NAME") os["name"] = v;
    if (k == "ID") os["id"] = v;
    if (k == "VERSION_ID") os["version"] = v;
  }
  return os;
}

json parse_passwd(const std::string& text) {
  json out = json::array();
  for (auto l : lines(text)) {
    auto f = split_view(l, ':');
    if (f.size() < 7 || f[0].empty() || f[0][0] == '#') continue;
    out.push_back({{"name", std::string(f[0])},
                   {"uid", std::strtoll(std::string(f[2]).c_str(), nullptr, 10)},
                   {"gid", std::strtoll(std::string(f[3]).c_str(), nullptr, 10)},
                   {"home", std::string(f[5])},
                   {"shell", std::string(f[6])}});
  }
  return out;
}

json parse_group(const std::string& text) {
  json out = json::array();
  for (auto l : lines(text)) {
    auto f = split_view(l, ':');
    if (f.size() < 4 || f[0].empty() || f[0][0] == '#') continue;
    json members = json::array();
    for (auto m : split_view(f[3], ','))
      if (!trim(m).empty()) members.push_back(std::string(trim(m)));
    out.push_back({{"name", std::string(f[0])}, {"gid", std::strtoll(std::string(f[2]).c_str(), nullptr, 10)}, {"members", members}});
  }
  return out;
}

json parse_dpkg_status(const std::string& text) {
  json out = json::array();
  std::string name, version, arch, source, status;
  auto flush = [&] {
    if (!name.empty() && !version.empty() && status.find(" installed") != std::string::npos)
      out.push_back({{"name", name}, {"version", version}, {"arch", arch}, {"source", source.empty() ? name : source}});
    name.clear();
    version.clear();
    arch.clear();
    source.clear();
    status.clear();
  };
  for (auto l : lines(text)) {
    if (trim(l).empty()) {
      flush();
      continue;
    }
    if (l[0] == ' ') continue;
    size_t c = l.find(':');
    if (c == std::string_view::npos) continue;
    std::string_view k = l.substr(0, c), v = trim(l.substr(c + 1));
    if (k == "Package") name = v;
    if (k == "Version") version = v;
    if (k == "Architecture") arch = v;
    if (k == "Status") status = v;
    if (k == "Source") source = std::string(v.substr(0, v.find(' ')));
  }
  flush();
  return out;
}

json parse_proc_net(const std::string& text, const std::string& proto) {
  json out = json::array();
  bool tcp = proto.rfind("tcp", 0) == 0;
  for (auto l : lines(text)) {
    std::vector<std::string_view> w;
    for (auto x : split_view(trim(l), ' '))
      if (!x.empty()) w.push_back(x);
    if (w.size() < 10 || w[0] == "sl") continue;
    if (tcp && w[3] != "0A") continue;  // LISTEN
    auto [raddr, rport] = hex_endpoint(w[2]);
    if (!tcp && (w[3] != "07" || rport != 0)) continue;  // unconnected UDP sockets only
    auto [addr, port] = hex_endpoint(w[1]);
    if (addr.empty()) continue;
    out.push_back({{"proto", proto.substr(0, 3)}, {"addr", addr}, {"port", port}, {"inode", std::string(w[9])}});
  }
  return out;
}

std::vector<std::string> sudo_rules(const std::string& text) {
  std::vector<std::string> out;
  for (auto l : lines(text)) {
    std::string_view t = trim(l);
    if (t.empty() || t[0] == '#' || t.rfind("Defaults", 0) == 0) continue;
    out.emplace_back(t);
  }
  return out;
}

std::string kernel_release() {
  utsname u{};
  return ::uname(&u) == 0 ? std::string(u.release) + " " + u.machine : "";
}

json collect_inventory(const std::string& root) {
  json inv = json::object();
  inv["os"] = parse_os_release(file(root, "/etc/os-release"));
  inv["kernel"] = kernel_release();
  inv["hostname"] = std::string(trim(file(root, "/etc/hostname")));
  // Packages.
  json pk = parse_dpkg_status(file(root, "/var/lib/dpkg/status"));
  if (pk.empty() && root == "/" && ::access("/usr/bin/rpm", X_OK) == 0) {
    std::string out;
    if (run_command({"/usr/bin/rpm", "-qa", "--qf", "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH}\n"}, 60000, &out) == 0)
      for (auto l : lines(out)) {
        auto w = split_view(l, ' ');
        if (w.size() == 3) pk.push_back({{"name", std::string(w[0])}, {"version", std::string(w[1])}, {"arch", std::string(w[2])}});
      }
  }
  inv["packages"] = pk;
  // Accounts and who administers.
  json users = parse_passwd(file(root, "/etc/passwd")), groups = parse_group(file(root, "/etc/group"));
  inv["users"] = users;
  inv["groups"] = groups;
  std::vector<std::string> sudo;
  for (const auto& r : sudo_rules(file(root, "/etc/sudoers"))) sudo.push_back("/etc/sudoers: " + r);
  for (const auto& f : list_dir(root, "/etc/sudoers.d"))
    for (const auto& r : sudo_rules(file(root, f))) sudo.push_back(f + ": " + r);
  inv["sudo"] = sudo;
  std::set<std::string> admins, admin_groups = {"sudo", "wheel", "admin", "root"};
  for (const auto& r : sudo) {  // "alice ALL=(ALL) ALL", "%ops ALL=(ALL:ALL) NOPASSWD: ALL"
    std::string rule = r.substr(r.find(": ") + 2);
    if (rule.find("ALL") == std::string::npos || rule.find('=') == std::string::npos) continue;
    std::string who(trim(rule.substr(0, rule.find_first_of(" \t"))));
    if (who.empty() || who.rfind("#include", 0) == 0 || who.rfind("@include", 0) == 0) continue;
    if (who[0] == '%')
      admin_groups.insert(who.substr(1));
    else
      admins.insert(who);
  }
  std::map<int64_t, std::string> gid_name;
  for (const auto& g : groups) {
    gid_name[g["gid"].get<int64_t>()] = g["name"];
    if (admin_groups.count(g["name"]))
      for (const auto& m : g["members"]) admins.insert(m.get<std::string>());
  }
  for (const auto& x : users)
    if (x["uid"].get<int64_t>() == 0 || admin_groups.count(gid_name[x["gid"].get<int64_t>()])) admins.insert(x["name"].get<std::string>());
  inv["admins"] = admins;
  // Listening ports with their processes.
  json ports = json::array();
  auto owners = root == "/" ? socket_owners() : std::map<std::string, std::pair<int, std::string>>{};
  for (const char* p : {"tcp", "tcp6", "udp", "udp6"})
    for (auto& s : parse_proc_net(file(root, std::string("/proc/net/") + p), p)) {
      if (auto it = owners.find(s["inode"].get<std::string>()); it != owners.end()) {
        s["pid"] = it->second.first;
        s["process"] = it->second.second;
      }
      s.erase("inode");
      ports.push_back(s);
    }
  inv["ports"] = ports;
  // Running services (systemd), when systemd runs the host.
  json services = json::array();
  if (root == "/" && fs::exists("/run/systemd/system") && ::access("/usr/bin/systemctl", X_OK) == 0) {
    std::string out;
    if (run_command({"/usr/bin/systemctl", "list-units", "--type=service", "--state=running", "--no-legend", "--plain"}, 30000, &out) == 0)
      for (auto l : lines(out))
        if (auto n = trim(l.substr(0, l.find(' '))); !n.empty()) services.push_back(std::string(n));
  }
  inv["services"] = services;
  // Scheduled tasks: cron files and enabled timers.
  json tasks = json::array();
  std::vector<std::string> cron = {"/etc/crontab", "/etc/anacrontab"};
  for (const char* d : {"/etc/cron.d", "/var/spool/cron/crontabs", "/var/spool/cron"})
    for (const auto& f : list_dir(root, d)) cron.push_back(f);
  for (const auto& f : cron)
    for (auto l : lines(file(root, f))) {
      std::string_view t = trim(l);
      if (t.empty() || t[0] == '#' || (t.find('=') != std::string_view::npos && t.find('=') < t.find(' '))) continue;
      tasks.push_back({{"file", f}, {"line", std::string(t.substr(0, 500))}});
    }
  for (const auto& f : list_dir(root, "/etc/systemd/system/timers.target.wants")) tasks.push_back({{"file", f}, {"line", "systemd timer"}});
  inv["tasks"] = tasks;
  return inv;
}

}  // namespace wardsec::agent
