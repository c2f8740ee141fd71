// What auth.cc and auth_admin.cc share: the role table and the account rows. Private to server/.
#pragma once
#include <string>
#include <vector>

#include "core/sqlite.h"
#include "server/auth.h"

namespace wardsec::server::detail {

struct RoleInfo {
  Role role;
  const char* name;
  const char* zh;
  std::vector<Perm> perms;
};
const std::vector<RoleInfo>& role_table();
const RoleInfo& info(Role r);

extern const char* kCols;  // the columns row_account reads, in order
Account row_account(const sqlite::Stmt& s);
bool valid_name(const std::string& n);
extern const AuthError kBadLogin;

// The answer to a login or code step while locked out.
inline const AuthError kLocked{423,
                               "登录失败次数过多，已临时锁定，请稍后再试或联系系统管理员 / too many failed logins: locked for a while; try "
                               "later or ask the system administrator"};

}  // namespace wardsec::server::detail
