// The center's side of the host agents (主机代理管理): enrolment with a token, the requests an
// enrolled agent makes over mutual TLS (heartbeat, logs, integrity events, inventory, host
// checks, trusted verification, response results), and what the console does (tokens, groups
// and their signed configurations, revocation, the active-response policy and actions).
//   - Logs are stored and acknowledged only once durable; an agent's batches carry its spool
//     sequence, so a batch sent again after a lost answer is not stored twice.
//   - What an agent reports becomes events (agent.*) with the agent's id from its certificate,
//     never from what it says; integrity, inventory and verification findings raise alerts.
//   - People's actions are signed audit records (wardsec.fleet).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "fleet/agent_config.h"
#include "fleet/pki.h"
#include "fleet/registry.h"

namespace wardsec {
class KeyPair;
class ParserRegistry;
}  // namespace wardsec
namespace wardsec::ingest {
class Pipeline;
}
namespace wardsec::alert {
class AlertStore;
class Outputs;
struct Alert;
}  // namespace wardsec::alert

namespace wardsec::fleet {

struct ServiceOptions {
  std::string data_dir, key_dir;
  const KeyPair* sign_key = nullptr;  // the store's instance key: signs configurations and baselines
  int tz_sec = 8 * 3600;
  ingest::Pipeline* pipeline = nullptr;
  std::shared_ptr<const ParserRegistry> parsers;  // null: the built-in ones
  std::function<void(Event&&)> record;            // the center's signed records (wardsec.fleet)
  alert::AlertStore* alerts = nullptr;
  alert::Outputs* outputs = nullptr;
  std::string version;  // the center's (an agent of another version is shown as to upgrade)
  int cert_days = 365;
  int offline_after_seconds = 60;  // no heartbeat for this long: offline
  std::string listen;              // the channel's address (agents.listen), for the console's enrolment command
};

struct AgentRequest {
  std::string path, body, ip;
  std::string serial;  // the verified client certificate's serial ("" none)
};
using Reply = std::function<void(int status, std::string body)>;

class Service {
 public:
  static Result<std::unique_ptr<Service>> open(ServiceOptions o);
  ~Service();
  const AgentCa& ca() const { return *ca_; }
  Registry& registry() { return *reg_; }

  // An agent's request (the channel's pool): `reply` is called once, maybe later (logs answer
  // when durable).
  void handle(const AgentRequest& r, const Reply& reply);

  // ---- the console (who: the account, for the audit record) ----
  std::string agents_json(int64_t now) const;
  Result<std::string> dossier_json(const std::string& id, int64_t now) const;
  Result<std::string> add_token(const std::string& group, const std::string& label, int64_t uses, int days, const std::string& who);
  Status revoke_token(int64_t id, const std::string& who);
  Status revoke(const std::string& id, const std::string& reason, const std::string& who);
  Status move(const std::string& id, const std::string& group, const std::string& who);
  Result<int64_t> set_group(const std::string& name, const std::string& config_json, const std::string& who);
  Status adopt_trusted(const std::string& id, const std::string& who);  // the agent's current digests become the baseline
  Status set_policy(const std::string& action, bool enabled, const std::vector<std::string>& rules, int64_t seconds,
                    const std::string& who);
  // A response on an agent by a person (the action must be enabled in the policy).
  Result<int64_t> respond(const std::string& agent, const std::string& action, const std::string& args_json, const std::string& reason,
                          const std::string& who);
  Result<int64_t> revert(int64_t response_id, const std::string& who);
  std::string policy_json() const;
  std::string responses_json(const std::string& agent) const;
  // A new alert (detection thread): the enabled responses whose rules name it, on the agents of
  // its host.
  void consider(const alert::Alert& a);

  std::atomic<uint64_t> logs_in{0}, logs_dup{0}, requests{0}, refused{0}, enroll_failures{0};

 private:
  explicit Service(ServiceOptions o) : opt_(std::move(o)) {}
  void enroll(const AgentRequest& r, const Reply& reply);
  void heartbeat(const AgentRow& a, const AgentRequest& r, const Reply& reply);
  void logs(const AgentRow& a, const AgentRequest& r, const Reply& reply);
  void report(const AgentRow& a, const AgentRequest& r, const Reply& reply);  // reports.cc
  void audit(const std::string& action, const std::string& who, const std::string& target, bool ok, const std::string& detail);
  void raise(const AgentRow& a, const char* rule, const char* zh, const char* en, const char* level, const std::string& summary,
             const std::vector<std::string>& mlps, const std::string& key);
  void store(std::vector<Event>&& evs, std::function<void(bool)> done);
  Event agent_event(const AgentRow& a, const char* dataset, const std::string& action, const std::string& raw, int64_t now) const;
  std::string signed_config(const GroupRow& g) const;
  bool allowed(const std::string& ip);  // enrolment attempts per address

  ServiceOptions opt_;
  std::unique_ptr<AgentCa> ca_;
  std::unique_ptr<Registry> reg_;
  std::shared_ptr<ParserRegistry> own_parsers_;
  std::mutex mu_;
  std::map<std::string, int64_t> in_flight_;                 // agent -> the batch of logs being stored
  std::map<std::string, std::pair<int64_t, int>> attempts_;  // ip -> (minute, failures)
};

// The response actions an agent knows (the fixed list): block_ip, disable_account, kill_process.
bool known_action(const std::string& a);

}  // namespace wardsec::fleet
