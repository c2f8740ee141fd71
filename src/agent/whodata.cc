#include "agent/whodata.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/process.h"
#include "core/strutil.h"

namespace wardsec::agent {
using json = nlohmann::json;

namespace {

// key=value pairs of an audit record; quoted values unquoted, hex-encoded ones decoded.
std::map<std::string, std::string> fields(std::string_view line) {
  std::map<std::string, std::string> m;
  size_t p = 0;
  while (p < line.size()) {
    while (p < line.size() && line[p] == ' ') p++;
    size_t eq = line.find('=', p);
    if (eq == std::string_view::npos) break;
    std::string key(line.substr(p, eq - p));
    size_t v = eq + 1;
    std::string val;
    if (v < line.size() && line[v] == '"') {
      size_t e = line.find('"', v + 1);
      if (e == std::string_view::npos) e = line.size();
      val = std::string(line.substr(v + 1, e - v - 1));
      p = e + 1;
    } else {
      size_t e = line.find(' ', v);
      if (e == std::string_view::npos) e = line.size();
      val = std::string(line.substr(v, e - v));
      p = e;
      std::string dec;
      if ((key == "name" || key == "cwd" || key == "exe" || key == "comm") && val.size() % 2 == 0 && val.size() >= 2 && unhex(val, dec))
        val = dec;
    }
    if (key.size() < 64 && val.size() < 8192) m[key] = val;
  }
  return m;
}

std::string user_of(const std::string& auid) {
  if (auid.empty() || auid == "4294967295" || auid == "unset") return "";
  char* end = nullptr;
  unsigned long id = std::strtoul(auid.c_str(), &end, 10);
  if (!end || *end) return "";
  passwd pw{}, *res = nullptr;
  char buf[1024];
  if (getpwuid_r(static_cast<uid_t>(id), &pw, buf, sizeof buf, &res) == 0 && res) return res->pw_name;
  return "uid " + auid;
}

}  // namespace

WhoData::~WhoData() {
  for (const auto& p : armed_) run_command({"/sbin/auditctl", "-W", p, "-p", "wa", "-k", "wardsec-fim"}, 5000);
}

void WhoData::arm(const std::vector<std::string>& paths) {
  if (::access("/sbin/auditctl", X_OK) != 0) {
    state_ = "auditctl not installed";
    return;
  }
  std::string out;
  if (run_command({"/sbin/auditctl", "-s"}, 5000, &out) != 0 || out.find("enabled") == std::string::npos) {
    state_ = "auditd not running: " + std::string(trim(out.substr(0, 200)));
    return;
  }
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) continue;
    if (run_command({"/sbin/auditctl", "-w", p, "-p", "wa", "-k", "wardsec-fim"}, 5000, &out) == 0 ||
        out.find("exists") != std::string::npos)
      armed_.push_back(p);
  }
  struct stat st {};
  if (::stat(log_.c_str(), &st) != 0) {
    state_ = "audit log " + log_ + " not readable";
    return;
  }
  ino_ = st.st_ino;
  off_ = st.st_size;
  state_ = armed_.empty() ? "no audit rules could be added" : "active";
}

void WhoData::flush() {
  if (serial_.empty()) return;
  if (!sys_.is_null())
    for (auto n : names_) {
      if (n.empty()) continue;
      if (n[0] != '/' && !cwd_.empty()) n = cwd_ + "/" + n;
      n = std::filesystem::path(n).lexically_normal().string();
      if (!by_path_.count(n)) order_.push_back(n);
      by_path_[n] = sys_;
      while (order_.size() > 8192) {
        by_path_.erase(order_.front());
        order_.pop_front();
      }
    }
  serial_.clear();
  sys_ = nullptr;
  cwd_.clear();
  names_.clear();
}

void WhoData::feed(const std::string& line) {
  // type=SYSCALL msg=audit(1701940000.123:456): ...
  size_t a = line.find("msg=audit(");
  if (line.rfind("type=", 0) != 0 || a == std::string::npos) return;
  size_t colon = line.find(':', a);
  size_t close = line.find(')', a);
  if (colon == std::string::npos || close == std::string::npos || close < colon) return;
  std::string serial = line.substr(colon + 1, close - colon - 1);
  std::string type = line.substr(5, line.find(' ') - 5);
  if (serial != serial_) {
    flush();
    serial_ = serial;
  }
  auto f = fields(std::string_view(line).substr(std::min(line.size(), close + 2)));
  if (type == "SYSCALL") {
    if (f["key"] != "wardsec-fim") return;
    sys_ = {{"auid", f["auid"]},      {"uid", f["uid"]}, {"pid", std::strtoll(f["pid"].c_str(), nullptr, 10)},
            {"comm", f["comm"]},      {"exe", f["exe"]}, {"user", user_of(f["auid"])},
            {"syscall", f["syscall"]}};
  } else if (type == "CWD") {
    cwd_ = f["cwd"];
  } else if (type == "PATH") {
    if (f["nametype"] != "PARENT") names_.push_back(f["name"]);
  } else if (type == "EOE") {
    flush();
  }
}

void WhoData::read_new() {
  struct stat st {};
  if (::stat(log_.c_str(), &st) != 0) return;
  if (static_cast<uint64_t>(st.st_ino) != ino_ || st.st_size < off_) {  // rotated
    ino_ = st.st_ino;
    off_ = 0;
    partial_.clear();
  }
  int fd = ::open(log_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[65536];
  ssize_t n;
  int rounds = 0;
  while (rounds++ < 256 && (n = ::pread(fd, buf, sizeof buf, off_)) > 0) {
    off_ += n;
    partial_.append(buf, static_cast<size_t>(n));
    size_t p = 0, nl;
    while ((nl = partial_.find('\n', p)) != std::string::npos) {
      feed(partial_.substr(p, nl - p));
      p = nl + 1;
    }
    partial_.erase(0, p);
    if (partial_.size() > (1 << 20)) partial_.clear();
  }
  ::close(fd);
  flush();
}

std::optional<json> WhoData::who(const std::string& path) {
  if (!active()) return std::nullopt;
  read_new();
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return std::nullopt;
  return it->second;
}

}  // namespace wardsec::agent
