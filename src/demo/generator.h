// Realistic traffic of the demo hospital (示范市第一人民医院, see docs/demo-hospital.md):
// HIS/EMR/PACS/LIS servers, switches, firewalls, sshd, nginx, database servers, and the
// incidents a demo should show among everyday noise. Deterministic for a given seed.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace wardsec::demo {

class Generator {
 public:
  explicit Generator(uint64_t seed = 1);
  // One log line as the device would send it (syslog header included) for time `ts_ns`.
  std::string next(int64_t ts_ns);
  // The same line but without the PRI part, as it would appear in a log file.
  uint64_t produced() const { return n_; }
  // The ransomware story on the HIS application server (Sysmon events as NXLog sends them,
  // JSON): shadow copies deleted, then a ransom note and encrypted files written.
  std::vector<std::string> ransomware(int64_t ts_ns);

 private:
  std::string pick(const char* const* list, size_t n);
  template <size_t N>
  std::string pick(const char* const (&list)[N]) {
    return pick(list, N);
  }
  int uniform(int lo, int hi);
  std::string header(int pri, int64_t ts, const std::string& host, const std::string& tag);
  std::string ip(const char* prefix, int lo, int hi);
  std::string internet_ip();

  std::string sshd(int64_t ts);
  std::string brute_force(int64_t ts);
  std::string nginx(int64_t ts);
  std::string sqli(int64_t ts);
  std::string firewall(int64_t ts);
  std::string ngfw_cef(int64_t ts);
  std::string switch_log(int64_t ts);
  std::string his_app(int64_t ts);
  std::string db_server(int64_t ts);
  std::string db_statement(int64_t ts, const std::string& user, const std::string& ip, const std::string& program, const std::string& stmt,
                           int rows);
  std::string auditd(int64_t ts);
  std::string sudo(int64_t ts);
  std::string pacs(int64_t ts);
  std::string device_to_internet(int64_t ts);
  std::string tongfang(int64_t ts);
  std::string new_admin(int64_t ts);
  std::string audit_off(int64_t ts);
  std::string backup(int64_t ts);
  std::string backup_verify(int64_t ts);

  std::mt19937_64 rng_;
  uint64_t n_ = 0;
  int pid_ = 20000;
};

}  // namespace wardsec::demo
