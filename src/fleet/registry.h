// The host agents' record (<data>/fleet.db): the agents with their certificates and state,
// the enrolment tokens (kept as digests), the groups whose configuration the center pushes,
// and per agent its latest inventory and host checks, the changes between inventories, recent
// integrity events, the trusted-verification baseline, and the active responses. Every change
// people make is also an audit record in the event store (the caller writes it).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

struct sqlite3;

namespace wardsec::fleet {

struct AgentRow {
  std::string id, name, ip, group, serial, fingerprint, version, os, kernel;
  int64_t enrolled = 0, cert_expires = 0, last_seen = 0, revoked = 0;
  std::string revoked_by, revoked_reason;
  std::string status;          // the last heartbeat's figures (JSON)
  int64_t log_seq = 0;         // the last log record stored (the agent's spool sequence)
  int64_t config_version = 0;  // what the agent runs
};

struct TokenRow {
  int64_t id = 0;
  std::string group, label, by;
  int64_t created = 0, expires = 0, uses_left = 0, used = 0;
  bool revoked = false;
};

struct GroupRow {
  std::string name, config, by;  // config: JSON (config.h)
  int64_t version = 0, updated = 0;
};

struct ChangeRow {
  int64_t id = 0, at = 0;
  std::string agent, kind, change, item, detail;
};

struct FimRow {
  int64_t id = 0, at = 0;
  std::string agent, path, action, detail;  // detail: JSON
};

struct ResponseRow {
  int64_t id = 0, created = 0, sent = 0, done = 0, revert_of = 0, expires = 0;
  std::string agent, action, args, state, by, reason, result, rule;
  // state: pending (waits for the agent), sent, done, failed, reverted
};

class Registry {
 public:
  static Result<std::unique_ptr<Registry>> open(const std::string& path);
  ~Registry();

  // ---- tokens ----
  // A new token (returned once, in clear) for `group`, good for `uses` enrolments until
  // `expires` (seconds).
  Result<std::pair<int64_t, std::string>> add_token(const std::string& group, const std::string& label, int64_t uses, int64_t expires,
                                                    const std::string& by, int64_t now);
  std::vector<TokenRow> tokens() const;
  Status revoke_token(int64_t id);
  // Takes one use of a valid token: its group, or why not.
  Result<std::string> use_token(const std::string& token, int64_t now);

  // ---- agents ----
  Status add_agent(const AgentRow& a);
  std::optional<AgentRow> agent(const std::string& id) const;
  std::optional<AgentRow> agent_by_serial(const std::string& serial) const;
  std::vector<AgentRow> agents() const;
  Status revoke(const std::string& id, const std::string& by, const std::string& reason, int64_t now);
  Status set_group(const std::string& id, const std::string& group);
  Status seen(const std::string& id, const std::string& ip, const std::string& version, const std::string& os, const std::string& kernel,
              const std::string& status, int64_t config_version, int64_t now);
  Status set_log_seq(const std::string& id, int64_t seq);

  // ---- groups ----
  std::vector<GroupRow> groups() const;
  std::optional<GroupRow> group(const std::string& name) const;
  // Stores a new version; the caller has checked it (config.h).
  Result<int64_t> set_group_config(const std::string& name, const std::string& config, const std::string& by, int64_t now);

  // ---- what agents report ----
  std::optional<std::pair<int64_t, std::string>> inventory(const std::string& agent) const;  // (at, snapshot JSON)
  Status set_inventory(const std::string& agent, int64_t at, const std::string& snapshot);
  Status add_changes(const std::vector<ChangeRow>& rows);
  std::vector<ChangeRow> changes(const std::string& agent, int limit) const;
  Status add_fim(const std::vector<FimRow>& rows);  // keeps the newest 5,000 per agent
  std::vector<FimRow> fim(const std::string& agent, int limit) const;
  std::optional<std::pair<int64_t, std::string>> checks(const std::string& agent) const;
  Status set_checks(const std::string& agent, int64_t at, const std::string& results);
  // The trusted baseline: (files JSON, adopted at, by), and the last verification.
  struct Trusted {
    std::string files, by, last_result;
    int64_t adopted = 0, last_check = 0;
  };
  std::optional<Trusted> trusted(const std::string& agent) const;
  Status set_trusted_baseline(const std::string& agent, const std::string& files, const std::string& by, int64_t now);
  Status set_trusted_result(const std::string& agent, const std::string& result, int64_t now);

  // ---- active response ----
  struct Policy {
    std::string action;
    bool enabled = false;
    std::vector<std::string> rules;  // rule ids whose alerts trigger it on the alert's host
    int64_t seconds = 3600;          // how long a block or a lock lasts (0: until reverted)
    std::string by;
    int64_t at = 0;
  };
  std::vector<Policy> policies() const;
  Status set_policy(const Policy& p);
  Result<int64_t> add_response(const ResponseRow& r);
  std::vector<ResponseRow> responses(const std::string& agent, int limit) const;  // agent "": all
  std::optional<ResponseRow> response(int64_t id) const;
  std::vector<ResponseRow> pending_responses(const std::string& agent) const;
  Status set_response_state(int64_t id, const std::string& state, const std::string& result, int64_t now);

 private:
  Registry() = default;
  sqlite3* db_ = nullptr;
};

}  // namespace wardsec::fleet
