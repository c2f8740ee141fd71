// Copying a folder to a backup server over SFTP (libssh), logged in with a host account of the
// bastion's vault, its host key pinned: the daily log export sent to a backup target (每日导出
// 关键设备日志 ... 或送往备份目标). Files are written under a temporary name and renamed when
// complete, so the target never holds a half file under the real name; sizes are checked after.
#pragma once
#include <cstdint>
#include <string>

#include "bastion/ssh_login.h"
#include "core/result.h"

namespace wardsec::ops::config {

// Where the daily export goes (<data>/ops/export_target.json, the console's 运行职责 page): a host
// account of the bastion's vault on the backup server and a folder there. account 0: none.
struct ExportTarget {
  int64_t account = 0;
  std::string dir;
};
Result<ExportTarget> export_target(const std::string& data_dir);
Status save_export_target(const std::string& data_dir, const ExportTarget& t);

// Copies `local_dir` (recursively) to `remote_dir`/<its name> on the target. The bytes copied.
Result<uint64_t> sftp_put_dir(const bastion::LoginTarget& t, const std::string& local_dir, const std::string& remote_dir);

}  // namespace wardsec::ops::config
