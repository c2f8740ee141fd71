// Dual control of the accounts (三员分立 that no single administrator can get around).
//
// The system administrator runs the accounts, but alone may only do what gives nobody a power
// the system administrator lacks: make and manage log senders (collectors), unlock, and remove
// read-only accounts. Everything that grants, restores or hands over access to anything else
// — a new interactive account, any role change, re-enabling, a password or TOTP reset — and
// removing any of the three administrators is a request that a second role approves: a
// security administrator other than the account concerned, or, for changes to a security
// administrator's account, the audit administrator. The requester never approves, and the
// password of a new or reset account comes in two halves, the first shown to the requester,
// the second to the approver, so neither can log in as the account. Every request and
// decision is in the audit trail (routes.cc).
#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "core/sqlite.h"
#include "core/timeutil.h"
#include "server/auth.h"
#include "server/auth_internal.h"
#include "server/secretbox.h"

namespace wardsec::server {

namespace {

constexpr int64_t kRequestLifeNs = 24 * 3600 * kSec;

bool privileged(Role r) { return r == Role::kSysAdmin || r == Role::kSecAdmin || r == Role::kAuditAdmin; }

// The columns row_request reads, in order; half_hash (the sealed first half) comes after them.
constexpr const char* kRequestCols = "id, action, target, by, role, display, state, decided_by, disabled, created, decided";

Auth::Request row_request(const sqlite::Stmt& st) {
  return {st.i64(0),  st.text(1), st.text(2),     st.text(3), st.text(4), st.text(5),
          st.text(6), st.text(7), st.i64(8) != 0, st.i64(9),  st.i64(10)};
}

bool makes_password(const std::string& action) { return action == "create" || action == "reset_password"; }

}  // namespace

std::string Auth::needs_approval(const std::string& action, const std::string& target, std::optional<Role> new_role) {
  std::optional<Role> current;
  if (auto a = account(target)) current = a->role;
  Role r = action == "create" ? new_role.value_or(Role::kReadOnly) : current.value_or(Role::kReadOnly);
  if (action == "unlock") return "";
  if (action == "role") return "角色变更须由第二位管理员批准 / a role change needs a second administrator's approval";
  if (r == Role::kCollector) return "";  // log senders: ingest only
  if (action == "create" || action == "enable" || action == "reset_password" || action == "reset_mfa")
    return "授予或恢复账号访问须由第二位管理员批准 / granting or handing over an account's access needs a second administrator's approval";
  if ((action == "disable" || action == "delete") && privileged(r))
    return "停用或删除管理员账号须由第二位管理员批准 / disabling or deleting an administrator needs a second administrator's approval";
  return "";
}

Result<std::pair<Auth::Request, std::string>> Auth::request_change(const std::string& by, const std::string& action,
                                                                   const std::string& target, const std::string& display,
                                                                   std::optional<Role> role, bool disabled, int64_t now) {
  if (by == target) return Error{"不能为自己的账号提交变更 / you cannot file a change to your own account"};
  auto existing = account(target);
  if (action == "create" && existing) return Error{"账号已存在 / account exists: " + target};
  if (action != "create" && !existing) return Error{"no such account: " + target};
  if (action == "create" && !detail::valid_name(target))
    return Error{"账号名须为 1-64 个字母、数字、_ - . / name: 1-64 letters, digits, _ - ."};
  std::lock_guard<std::mutex> g(mu_);
  int64_t pending = 0;
  if (Status q = sqlite::query(db_, "SELECT count(*) FROM requests WHERE state = 'pending' AND created > ?",
                               {std::to_string(now - kRequestLifeNs)}, [&](const sqlite::Stmt& st) { pending = st.i64(0); });
      !q)
    return Error{q.error()};
  if (pending >= 100) return Error{"待批准的请求过多 / too many pending requests; decide or let them expire first"};
  std::string first = makes_password(action) ? one_time_password(8) : "";
  Request rq{0, action, target, by, role ? role_name(*role) : "", display, "pending", "", disabled, now, 0};
  sqlite::Stmt ins(db_, "INSERT INTO requests(action, target, by, role, display, disabled, half_hash, created) VALUES(?,?,?,?,?,?,?,?)");
  ins.bind(1, action).bind(2, target).bind(3, by).bind(4, rq.role).bind(5, display).bind(6, static_cast<int64_t>(disabled));
  ins.bind(7, first.empty() ? std::string() : box_->seal(first)).bind(8, now);
  if (Status s = ins.run(); !s) return Error{s.error()};
  rq.id = sqlite3_last_insert_rowid(db_);
  return std::make_pair(rq, first);
}

Result<std::vector<Auth::Request>> Auth::requests(int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  if (Status e = sqlite::Stmt(db_, "UPDATE requests SET state = 'expired' WHERE state = 'pending' AND created <= ?")
                     .bind(1, now - kRequestLifeNs)
                     .run();
      !e)
    return Error{e.error()};
  std::vector<Request> out;
  Status s = sqlite::query(db_, std::string("SELECT ") + kRequestCols + " FROM requests ORDER BY id DESC LIMIT 200", {},
                           [&](const sqlite::Stmt& st) { out.push_back(row_request(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Status Auth::carry_out(const Request& rq, const std::string& password, int64_t now) {
  std::optional<Role> role = parse_role(rq.role);
  if (rq.action == "create") {
    auto r = create(rq.target, rq.display, role.value_or(Role::kReadOnly), password, now);
    return r ? Status{} : Status{Error{r.error()}};
  }
  if (rq.action == "role") return update(rq.target, std::nullopt, role, std::nullopt);
  if (rq.action == "disable" || rq.action == "enable") return update(rq.target, std::nullopt, std::nullopt, rq.action == "disable");
  if (rq.action == "delete") return remove(rq.target);
  if (rq.action == "reset_password") return reset_password(rq.target, password, now);
  if (rq.action == "reset_mfa") return reset_mfa(rq.target);
  return Error{"unknown action " + rq.action};
}

std::optional<Auth::Request> Auth::request(int64_t id, std::string* sealed) {
  std::lock_guard<std::mutex> g(mu_);
  std::optional<Request> rq;
  if (!sqlite::query(db_, std::string("SELECT ") + kRequestCols + ", half_hash FROM requests WHERE id = ?", {std::to_string(id)},
                     [&](const sqlite::Stmt& st) {
                       rq = row_request(st);
                       if (sealed) *sealed = st.text(11);
                     }))
    return std::nullopt;  // unreadable: no such request to decide
  return rq;
}

Result<std::string> Auth::decide(int64_t id, const Principal& who, bool approve, int64_t now) {
  std::string sealed;
  std::optional<Request> rq = request(id, &sealed);
  if (!rq) return Error{"no such request"};
  if (rq->state != "pending" || now - rq->created > kRequestLifeNs)
    return Error{"请求已处理或已过期 / the request is no longer pending (" + rq->state + ")"};
  if (!role_has(who.role, Perm::kUsersApprove)) return Error{"权限不足 / your role cannot approve account changes"};
  if (who.user == rq->by) return Error{"不能批准自己提交的请求 / you cannot approve your own request"};
  if (who.user == rq->target) return Error{"不能批准涉及自己账号的请求 / you cannot approve a change to your own account"};
  if (who.role == Role::kAuditAdmin) {
    std::optional<Role> target_role = rq->action == "create" ? parse_role(rq->role) : std::nullopt;
    if (auto a = account(rq->target)) target_role = a->role;
    bool secadmin_concerned = target_role == Role::kSecAdmin || parse_role(rq->role) == Role::kSecAdmin;
    if (!secadmin_concerned)
      return Error{
          "审计管理员只批准涉及安全管理员账号的变更 / the audit administrator approves only changes concerning security administrators"};
  }
  {  // claimed once: two approvers at the same moment cannot both carry it out
    std::lock_guard<std::mutex> g(mu_);
    Status c = sqlite::Stmt(db_, "UPDATE requests SET state = 'deciding' WHERE id = ? AND state = 'pending'").bind(1, id).run();
    if (!c || sqlite::changes(db_) != 1) return Error{"请求已处理 / the request is no longer pending"};
  }
  std::string second;
  if (approve) {
    std::string first;
    if (makes_password(rq->action)) {
      auto f = box_->open(sealed);
      if (!f) return Error{"the request's password half cannot be read (key changed?)"};
      first = *f;
      // The approver's half; a random 16 characters rarely trips the policy's pattern
      // checks, and a fresh half is drawn when it does.
      for (int i = 0; i < 20; i++) {
        second = one_time_password(8);
        if (check_password(opt_, rq->target, first + second)) break;
      }
    }
    if (Status s = carry_out(*rq, first + second, now); !s) {
      std::lock_guard<std::mutex> g(mu_);
      Status f = sqlite::Stmt(db_, "UPDATE requests SET state = 'failed', decided_by = ?, decided = ? WHERE id = ?")
                     .bind(1, who.user)
                     .bind(2, now)
                     .bind(3, id)
                     .run();
      return Error{s.error() + (f ? "" : "; the request's state could not be recorded: " + f.error())};
    }
  }
  std::lock_guard<std::mutex> g(mu_);
  Status d = sqlite::Stmt(db_, "UPDATE requests SET state = ?, decided_by = ?, decided = ?, half_hash = '' WHERE id = ?")
                 .bind(1, std::string(approve ? "approved" : "rejected"))
                 .bind(2, who.user)
                 .bind(3, now)
                 .bind(4, id)
                 .run();
  // Carried out but not recorded as decided: it stays 'deciding' (never carried out twice).
  if (!d) return Error{"carried out, but the decision could not be recorded: " + d.error()};
  return second;
}

}  // namespace wardsec::server
