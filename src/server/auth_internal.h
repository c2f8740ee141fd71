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

}  // namespace wardsec::server::detail
