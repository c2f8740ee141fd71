#include "agent/tail.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/files.h"

namespace wardsec::agent {
using json = nlohmann::json;

namespace {

std::vector<std::string> expand(const std::vector<std::string>& globs) {
  std::vector<std::string> out;
  for (const auto& g : globs) {
    glob_t gl{};
    if (::glob(g.c_str(), GLOB_NOSORT, nullptr, &gl) == 0)
      for (size_t i = 0; i < gl.gl_pathc; i++) {
        struct stat st {};
        if (::stat(gl.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) out.push_back(gl.gl_pathv[i]);
      }
    globfree(&gl);
  }
  return out;
}

// A rotated file beside `path` (same folder) whose inode is `ino`: "auth.log.1", "auth.log-20261207".
int find_rotated(const std::string& path, uint64_t ino) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  for (const auto& e : fs::directory_iterator(p.parent_path(), ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(p.filename().string(), 0) != 0 || e.path() == p) continue;
    struct stat st {};
    if (::stat(e.path().c_str(), &st) == 0 && st.st_ino == ino) return ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
  }
  return -1;
}

}  // namespace

Tailer::Tailer(std::vector<std::string> globs, std::string positions_path)
    : globs_(std::move(globs)), positions_(std::move(positions_path)) {}

Tailer::~Tailer() {
  for (auto& [_, f] : files_) {
    if (f.fd >= 0) ::close(f.fd);
    if (f.old_fd >= 0) ::close(f.old_fd);
  }
}

void Tailer::load() {
  auto text = read_file(positions_);
  if (!text) return;
  first_start_ = false;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return;
  for (const auto& [path, v] : j.items())
    if (v.is_array() && v.size() == 2 && v[0].is_number_unsigned() && v[1].is_number_integer())
      saved_[path] = {v[0].get<uint64_t>(), v[1].get<int64_t>()};
}

Status Tailer::commit() {
  json j = json::object();
  for (const auto& [path, f] : files_)
    // A rotated file not yet finished: its place is kept, so a restart finishes it first.
    j[path] = f.old_fd >= 0 ? json::array({f.old_ino, f.old_off}) : json::array({f.ino, f.off});
  first_start_ = false;
  return write_file_atomic(positions_, j.dump());
}

int64_t Tailer::lag_bytes() const {
  int64_t lag = 0;
  for (const auto& [_, f] : files_) {
    struct stat st {};
    if (f.fd >= 0 && ::fstat(f.fd, &st) == 0 && st.st_size > f.off) lag += st.st_size - f.off;
    if (f.old_fd >= 0 && ::fstat(f.old_fd, &st) == 0 && st.st_size > f.old_off) lag += st.st_size - f.old_off;
  }
  return lag;
}

void Tailer::read_fd(File& f, int fd, int64_t& off, std::vector<LogLine>& out, size_t& budget, bool final_part) {
  std::string buf;
  char chunk[65536];
  while (budget > 0) {
    ssize_t n = ::pread(fd, chunk, std::min(sizeof chunk, budget + kMaxLine), off + static_cast<int64_t>(buf.size()));
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    size_t p = 0;
    for (;;) {
      size_t nl = buf.find('\n', p);
      if (nl == std::string::npos) {
        if (buf.size() - p > kMaxLine) {  // a line past the limit: its first part, cut
          out.push_back({f.path, buf.substr(p, kMaxLine), true});
          p += kMaxLine;
          continue;
        }
        break;
      }
      std::string line = buf.substr(p, nl - p);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      bool cut = line.size() > kMaxLine;
      if (cut) line.resize(kMaxLine);
      if (!line.empty()) out.push_back({f.path, std::move(line), cut});
      budget = budget > nl - p + 1 ? budget - (nl - p + 1) : 0;
      p = nl + 1;
      if (budget == 0) break;
    }
    off += static_cast<int64_t>(p);
    buf.erase(0, p);
    if (budget == 0) break;
  }
  // A rotated file's last line without its newline is still a line.
  if (final_part && budget > 0) {
    char tail[65536];
    ssize_t n = ::pread(fd, tail, sizeof tail, off);
    if (n > 0 && std::string_view(tail, static_cast<size_t>(n)).find('\n') == std::string_view::npos) {
      out.push_back({f.path, std::string(tail, static_cast<size_t>(n)), false});
      off += n;
    }
  }
}

std::vector<LogLine> Tailer::poll(size_t max_bytes) {
  std::vector<LogLine> out;
  size_t budget = max_bytes;
  for (const auto& path : expand(globs_)) {
    if (files_.count(path)) continue;
    File f;
    f.path = path;
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) continue;
    struct stat st {};
    ::fstat(f.fd, &st);
    f.dev = st.st_dev;
    f.ino = st.st_ino;
    if (auto it = saved_.find(path); it != saved_.end()) {
      if (it->second.first == f.ino) {
        f.off = it->second.second <= st.st_size ? it->second.second : 0;  // shorter now: truncated
      } else {
        // Rotated while the agent was stopped: the old file finished first, the new one from its start.
        f.old_fd = find_rotated(path, it->second.first);
        f.old_ino = it->second.first;
        f.old_off = it->second.second;
        rotations += f.old_fd >= 0;
      }
    } else if (first_start_) {
      f.off = st.st_size;  // there at the first start: from its end
    }
    files_[path] = f;
  }
  first_start_ = false;  // files that appear from now on are read from their start
  for (auto& [path, f] : files_) {
    if (budget == 0) break;
    if (f.old_fd >= 0) {
      read_fd(f, f.old_fd, f.old_off, out, budget, true);
      struct stat st {};
      if (budget > 0 && (::fstat(f.old_fd, &st) != 0 || f.old_off >= st.st_size)) {
        ::close(f.old_fd);
        f.old_fd = -1;
      } else {
        continue;
      }
    }
    // Rotation: the name now names another file. Truncation: the file got shorter.
    struct stat now {
    }, mine{};
    bool exists = ::stat(path.c_str(), &now) == 0;
    ::fstat(f.fd, &mine);
    if (exists && (static_cast<uint64_t>(now.st_ino) != f.ino || static_cast<uint64_t>(now.st_dev) != f.dev)) {
      int nfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (nfd >= 0) {
        f.old_fd = f.fd;
        f.old_off = f.off;
        f.old_ino = f.ino;
        f.fd = nfd;
        f.ino = now.st_ino;
        f.dev = now.st_dev;
        f.off = 0;
        rotations++;
        read_fd(f, f.old_fd, f.old_off, out, budget, true);
        if (budget > 0) {
          ::close(f.old_fd);
          f.old_fd = -1;
        } else {
          continue;
        }
      }
    } else if (mine.st_size < f.off) {
      f.off = 0;
      truncations++;
    }
    read_fd(f, f.fd, f.off, out, budget, false);
  }
  return out;
}

}  // namespace wardsec::agent
