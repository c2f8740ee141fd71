#include "core/perms.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

namespace wardsec {

void restrict_umask() { ::umask(077); }

std::vector<std::string> tighten_tree(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  auto fix = [&](const fs::path& p, bool folder) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
    mode_t mode = st.st_mode & 07777, want = folder ? 0700 : 0600;
    if ((mode & ~want) == 0) return;
    char line[64];
    std::snprintf(line, sizeof line, "chmod %04o -> %04o ", static_cast<unsigned>(mode), static_cast<unsigned>(mode & want));
    if (::chmod(p.c_str(), mode & want) != 0)
      out.push_back("cannot chmod " + p.string());
    else
      out.push_back(line + p.string());
  };
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  fix(dir, true);
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink(ec)) continue;
    fix(it->path(), it->is_directory(ec));
  }
  return out;
}

}  // namespace wardsec
