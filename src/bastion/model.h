// What the bastion keeps in <data>/bastion.db (SQLite): host accounts on the inventory's
// assets with their credentials sealed by the vault key (SM4, key in the key folder, outside
// the data folder; never returned to anyone once stored), operator groups, authorizations,
// command rules, operators' SSH public keys, and the record of sessions, commands and
// approvals. Sessions and commands are never deleted: there is no call that does.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bastion/command_rules.h"
#include "core/result.h"

struct sqlite3;

namespace wardsec::server {
class SecretBox;
}

namespace wardsec::bastion {

struct HostAccount {
  int64_t id = 0;
  std::string asset;  // the inventory's host name
  std::string host;   // where to connect (address or name); empty: the asset's address
  int port = 22;
  std::string username;  // on the target
  std::string auth;      // password, key
  bool has_secret = false;
  std::string note;
  int64_t created = 0, last_used = 0;
};

// Which operators (user names, "group:<name>") may use which host accounts (ids, or
// "asset:<name>" for all of an asset's accounts), when, for what, until when.
struct Grant {
  int64_t id = 0;
  std::string name;
  std::vector<std::string> subjects, targets;
  std::vector<std::string> actions;    // shell, exec, sftp_upload, sftp_download, forward
  int days = 0x7f;                     // bit 0 Monday ... bit 6 Sunday
  int from_min = 0, to_min = 24 * 60;  // local time window [from, to)
  int64_t expires = 0;                 // ns; 0: never
  bool enabled = true;
  std::string created_by;
  int64_t created = 0;
};

struct SessionRecord {
  std::string id, user, source_ip, asset, account, host, kind, state, reason;
  int64_t started = 0, ended = 0;
  std::string recording, digest;  // file name under recordings/, SHA-256 hex of its bytes
  int64_t bytes = 0, commands = 0, denied = 0;
  std::string ended_by;
};

struct CommandRecord {
  std::string session;
  int64_t seq = 0, ts = 0, offset_ms = 0;  // offset: from the session's start (for playback)
  std::string command, action, rule;
  std::optional<int> exit_status;
};

struct Approval {
  int64_t id = 0;
  std::string session, user, asset, command, rule, state, decided_by;  // pending, approved, rejected, expired
  int64_t created = 0, decided = 0;
};

struct SessionFilter {
  std::string user, asset, command, state;
  int64_t from = 0, to = 0;
  size_t limit = 100, offset = 0;
};

class Db {
 public:
  // `key_dir`: where vault.key lives (outside the data folder).
  static Result<std::unique_ptr<Db>> open(const std::string& path, const std::string& key_dir);
  ~Db();

  // host accounts: `secret` is sealed before it is stored; never read back through this API
  Result<std::vector<HostAccount>> accounts();
  Result<HostAccount> account(int64_t id);
  Result<int64_t> add_account(const HostAccount& a, const std::string& secret, int64_t now);
  Status update_account(const HostAccount& a, const std::optional<std::string>& secret);
  Status remove_account(int64_t id);
  // The credential, for the proxy's login to the target only.
  Result<std::string> secret(int64_t id);
  void touch_account(int64_t id, int64_t now);

  // operator groups
  Result<std::vector<std::pair<std::string, std::vector<std::string>>>> groups();
  Status set_group(const std::string& name, const std::vector<std::string>& members);
  Status remove_group(const std::string& name);

  // authorizations
  Result<std::vector<Grant>> grants();
  Result<int64_t> add_grant(const Grant& g);
  Status update_grant(const Grant& g);
  Status remove_grant(int64_t id);
  // The host accounts `user` may use for `action` at `now` (local offset tz_sec), each with
  // the grant that allows it.
  Result<std::vector<std::pair<HostAccount, Grant>>> allowed(const std::string& user, const std::string& action, int64_t now, int tz_sec);
  // Why `user` may not use account `id` now (Chinese / English), or "" when allowed.
  std::string refusal(const std::string& user, int64_t id, const std::string& action, int64_t now, int tz_sec);

  // command rules (the policy is compiled from these and the shipped groups)
  Result<std::vector<CommandRule>> rules();
  Result<int64_t> add_rule(const CommandRule& r);
  Status update_rule(const CommandRule& r);
  Status remove_rule(int64_t id);

  // operators' SSH public keys ("ssh-ed25519 AAAA... comment")
  struct Key {
    int64_t id = 0;
    std::string user, type, blob, comment, fingerprint;
    int64_t created = 0;
  };
  Result<std::vector<Key>> keys(const std::string& user);
  Result<int64_t> add_key(const std::string& user, const std::string& line, int64_t now);
  Status remove_key(const std::string& user, int64_t id);
  bool key_known(const std::string& user, const std::string& type, const std::string& blob);

  // sessions, commands, approvals (append and update only)
  Status begin_session(const SessionRecord& s);
  Status end_session(const SessionRecord& s);
  Result<std::vector<SessionRecord>> sessions(const SessionFilter& f, int64_t* total = nullptr);
  Result<SessionRecord> session(const std::string& id);
  Status add_command(const CommandRecord& c);
  Result<std::vector<CommandRecord>> commands(const std::string& session);
  // Commands in [from, to) whose decision was not a plain allow (deny, review, alert), oldest
  // first, at most `limit`; with the session's operator and asset.
  struct Flagged {
    CommandRecord cmd;
    std::string user, asset, account;
  };
  Result<std::vector<Flagged>> flagged_commands(int64_t from, int64_t to, size_t limit);
  // Sessions started and commands recorded in [from, to), the denied ones among them, and the
  // approvals waiting now (the dashboard's tile).
  struct Counts {
    int64_t sessions = 0, commands = 0, denied = 0, pending = 0;
  };
  Result<Counts> counts(int64_t from, int64_t to);
  Result<int64_t> add_approval(const Approval& a);
  Status decide_approval(int64_t id, const std::string& state, const std::string& by, int64_t now);
  Result<std::vector<Approval>> approvals(const std::string& state);
  Result<Approval> approval(int64_t id);

  // Small named values (whether the default command rules were put in once).
  std::string meta(const std::string& key);
  Status set_meta(const std::string& key, const std::string& value);

 private:
  Db() = default;
  sqlite3* db_ = nullptr;
  std::unique_ptr<server::SecretBox> vault_;
  std::mutex mu_;
};

}  // namespace wardsec::bastion
