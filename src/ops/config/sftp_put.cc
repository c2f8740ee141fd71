#include "ops/config/sftp_put.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/datadir.h"
#include "core/files.h"

namespace wardsec::ops::config {

namespace fs = std::filesystem;

namespace {

struct Conn {
  ssh_session s = ssh_new();
  sftp_session sftp = nullptr;
  ~Conn() {
    if (sftp) sftp_free(sftp);
    ssh_disconnect(s);
    ssh_free(s);
  }
};

std::string err(Conn& c, const std::string& what) {
  return what + ": " + ssh_get_error(c.s) + (c.sftp ? " (sftp " + std::to_string(sftp_get_error(c.sftp)) + ")" : "");
}

// mkdir -p on the target (existing folders are fine).
Status make_dirs(Conn& c, const std::string& path) {
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    cur = path.substr(0, next);
    pos = next + 1;
    if (cur.empty()) continue;
    if (sftp_mkdir(c.sftp, cur.c_str(), 0700) != 0 && sftp_get_error(c.sftp) != SSH_FX_FILE_ALREADY_EXISTS) {
      sftp_attributes a = sftp_stat(c.sftp, cur.c_str());
      if (!a) return Error{err(c, "无法在备份目标创建目录 / cannot make " + cur + " on the target")};
      bool dir = a->type == SSH_FILEXFER_TYPE_DIRECTORY;
      sftp_attributes_free(a);
      if (!dir) return Error{"备份目标上 " + cur + " 不是目录 / " + cur + " on the target is not a folder"};
    }
  }
  return {};
}

Result<uint64_t> put_file(Conn& c, const fs::path& local, const std::string& remote) {
  std::ifstream in(local, std::ios::binary);
  if (!in) return Error{"cannot read " + local.string()};
  std::string part = remote + ".part";
  sftp_file f = sftp_open(c.sftp, part.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!f) return Error{err(c, "无法写入备份目标 / cannot write " + part)};
  std::vector<char> buf(1 << 16);
  uint64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    if (sftp_write(f, buf.data(), static_cast<size_t>(n)) != n) {
      sftp_close(f);
      return Error{err(c, "写入中断 / the write of " + part + " failed")};
    }
    total += static_cast<uint64_t>(n);
  }
  if (sftp_close(f) != 0) return Error{err(c, "cannot close " + part)};
  sftp_attributes a = sftp_stat(c.sftp, part.c_str());
  uint64_t size = a ? a->size : 0;
  if (a) sftp_attributes_free(a);
  if (size != total)
    return Error{remote + ": 备份目标上的大小不符 / the size on the target differs (" + std::to_string(size) +
                 " != " + std::to_string(total) + ")"};
  (void)sftp_unlink(c.sftp, remote.c_str());  // a rename does not replace on every server
  if (sftp_rename(c.sftp, part.c_str(), remote.c_str()) != 0) return Error{err(c, "cannot rename " + part)};
  return total;
}

}  // namespace

Result<ExportTarget> export_target(const std::string& data_dir) {
  ExportTarget t;
  auto text = read_file(DataDir(data_dir).ops() + "/export_target.json");
  if (!text) return t;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return Error{"export_target.json 不是 JSON 对象 / export_target.json is not a JSON object"};
  t.account = j.value("account", int64_t{0});
  t.dir = j.value("dir", "");
  return t;
}

Status save_export_target(const std::string& data_dir, const ExportTarget& t) {
  return write_file_atomic(DataDir(data_dir).ops() + "/export_target.json", nlohmann::json{{"account", t.account}, {"dir", t.dir}}.dump());
}

Result<uint64_t> sftp_put_dir(const bastion::LoginTarget& t, const std::string& local_dir, const std::string& remote_dir) {
  std::error_code ec;
  if (!fs::is_directory(local_dir, ec)) return Error{local_dir + " is not a folder"};
  if (remote_dir.empty() || remote_dir.find("..") != std::string::npos) return Error{"备份目录无效 / bad target folder: " + remote_dir};
  Conn c;
  if (!c.s) return Error{"libssh: no session"};
  if (Status s = bastion::ssh_login(c.s, t); !s) return Error{s.error()};
  c.sftp = sftp_new(c.s);
  if (!c.sftp || sftp_init(c.sftp) != SSH_OK) return Error{err(c, "备份目标不支持 SFTP / the target refused SFTP")};
  std::string base = remote_dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  base += "/" + fs::path(local_dir).filename().string();
  if (Status s = make_dirs(c, base); !s) return Error{s.error()};
  uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(local_dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = fs::relative(it->path(), local_dir, ec).string();
    std::string remote = base + "/" + rel;
    if (it->is_directory()) {
      if (Status s = make_dirs(c, remote); !s) return Error{s.error()};
    } else if (it->is_regular_file()) {
      auto n = put_file(c, it->path(), remote);
      if (!n) return Error{n.error()};
      total += *n;
    }
  }
  if (ec) return Error{local_dir + ": " + ec.message()};
  return total;
}

}  // namespace wardsec::ops::config
