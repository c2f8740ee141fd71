// Who changed a file (who-data): the agent asks auditd to watch the monitored paths for writes
// and attribute changes (auditctl -w PATH -p wa -k wardsec-fim) and reads auditd's log for
// those records (SYSCALL with the login uid, uid, pid, comm and exe; CWD and PATH with the
// names), so an integrity event names the account and the program. Where auditd is not
// running the events come without it, and the agent's status says why.
#pragma once
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wardsec::agent {

class WhoData {
 public:
  explicit WhoData(std::string audit_log) : log_(std::move(audit_log)) {}
  ~WhoData();
  // Adds the watch rules (root and auditctl needed); reading starts at the log's end.
  void arm(const std::vector<std::string>& paths);
  // Reads what auditd wrote since, then who last wrote `path` ({user, auid, uid, pid, comm, exe}).
  std::optional<nlohmann::json> who(const std::string& path);
  const std::string& state() const { return state_; }
  bool active() const { return state_ == "active"; }
  // One audit line (exposed for the tests and the fuzz target).
  void feed(const std::string& line);

 private:
  void read_new();
  void flush();
  std::string log_, state_ = "off";
  std::vector<std::string> armed_;
  uint64_t ino_ = 0;
  int64_t off_ = 0;
  std::string partial_;
  // The record being assembled (its serial), then kept by path.
  std::string serial_;
  nlohmann::json sys_;
  std::string cwd_;
  std::vector<std::string> names_;
  std::map<std::string, nlohmann::json> by_path_;
  std::deque<std::string> order_;
};

}  // namespace wardsec::agent
