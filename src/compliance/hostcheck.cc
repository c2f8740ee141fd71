#include "compliance/hostcheck.h"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <fstream>

#include "compliance/hostcheck_detail.h"
#include "core/strutil.h"

namespace wardsec::compliance {

namespace fs = std::filesystem;

const char* result_name(CheckResult::Result r) { return r == CheckResult::kPass ? "pass" : r == CheckResult::kFail ? "fail" : "na"; }

HostView::HostView(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string HostView::real(const std::string& path) const { return root_ == "/" ? path : root_ + path; }

std::optional<std::vector<std::string>> HostView::lines(const std::string& path) const {
  std::ifstream in(real(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<std::string> out;
  std::string l;
  while (std::getline(in, l) && out.size() < 100000) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(std::move(l));
  }
  return out;
}

bool HostView::exists(const std::string& path) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(real(path), ec)) && !ec;
}

std::vector<std::string> HostView::list(const std::string& dir, const std::string& suffix) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(real(dir), ec)) {
    std::string name = e.path().filename().string();
    if (suffix.empty() || ends_with(name, suffix)) out.push_back(dir + "/" + name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

int HostView::mode(const std::string& path) const {
  struct stat st;
  if (::stat(real(path).c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

std::optional<long> HostView::age_seconds(const std::string& path) const {
  struct stat st;
  if (::stat(real(path).c_str(), &st) != 0) return std::nullopt;
  return static_cast<long>(std::time(nullptr) - st.st_mtime);
}

bool HostView::is_dir(const std::string& path) const {
  struct stat st;
  return ::lstat(real(path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

namespace hostcheck_detail {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

std::string_view uncomment(std::string_view l) {
  if (size_t h = l.find('#'); h != std::string_view::npos) l = l.substr(0, h);
  return trim(l);
}

// "KEY value", "KEY=value" or "key = value": the key (case-insensitive) and its value.
std::optional<std::string> value_of(std::string_view line, std::string_view key) {
  std::string_view l = uncomment(line);
  if (l.size() <= key.size() || !iequals(l.substr(0, key.size()), key)) return std::nullopt;
  std::string_view rest = l.substr(key.size());
  if (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '=') return std::nullopt;
  rest = trim(rest);
  if (!rest.empty() && rest[0] == '=') rest = trim(rest.substr(1));
  std::string v(rest);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  return v;
}

// The setting in a file: the last occurrence (login.defs, pwquality), or the first (sshd).
std::optional<Found> setting(const HostView& h, const std::string& file, std::string_view key, bool first) {
  auto ls = h.lines(file);
  if (!ls) return std::nullopt;
  std::optional<Found> out;
  for (size_t i = 0; i < ls->size(); i++)
    if (auto v = value_of((*ls)[i], key)) {
      out = Found{*v, {file, static_cast<int>(i + 1), (*ls)[i]}};
      if (first) break;
    }
  return out;
}

// sshd_config with its Include files expanded in place (sshd takes the first value it sees).
std::vector<Evidence> sshd_lines(const HostView& h) {
  std::vector<Evidence> out;
  auto ls = h.lines("/etc/ssh/sshd_config");
  if (!ls) return out;
  for (size_t i = 0; i < ls->size(); i++) {
    std::string_view l = uncomment((*ls)[i]);
    if (auto inc = value_of(l, "Include")) {
      std::string pat = *inc;
      if (pat[0] != '/') pat = "/etc/ssh/" + pat;
      size_t slash = pat.rfind('/');
      std::string dir = pat.substr(0, slash), name = pat.substr(slash + 1);
      std::string suffix = !name.empty() && name[0] == '*' ? name.substr(1) : name;
      for (const auto& f : h.list(dir, suffix))
        if (auto fl = h.lines(f))
          for (size_t j = 0; j < fl->size(); j++) out.push_back({f, static_cast<int>(j + 1), (*fl)[j]});
      continue;
    }
    out.push_back({"/etc/ssh/sshd_config", static_cast<int>(i + 1), (*ls)[i]});
  }
  return out;
}

std::optional<Found> sshd_setting(const std::vector<Evidence>& lines, std::string_view key) {
  for (const auto& e : lines) {
    std::string_view l = uncomment(e.text);
    if (iequals(l.substr(0, 5), "Match")) break;  // conditional blocks do not set the global value
    if (auto v = value_of(l, key)) return Found{*v, e};
  }
  return std::nullopt;
}

// Every line of the PAM stacks that decide logins and password changes (Debian and RHEL names).
std::vector<Evidence> pam_lines(const HostView& h, const std::vector<std::string>& files) {
  std::vector<Evidence> out;
  for (const auto& f : files)
    if (auto ls = h.lines("/etc/pam.d/" + f))
      for (size_t i = 0; i < ls->size(); i++)
        if (!uncomment((*ls)[i]).empty()) out.push_back({"/etc/pam.d/" + f, static_cast<int>(i + 1), (*ls)[i]});
  return out;
}

// "deny=5" in a PAM module's arguments.
std::optional<long> pam_arg(std::string_view line, std::string_view key) {
  std::string_view l = uncomment(line);
  size_t p = 0;
  while ((p = l.find(key, p)) != std::string_view::npos) {
    bool start = p == 0 || l[p - 1] == ' ' || l[p - 1] == '\t';
    if (start && p + key.size() < l.size() && l[p + key.size()] == '=') {
      std::string v(l.substr(p + key.size() + 1, l.find_first_of(" \t", p) == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : l.find_first_of(" \t", p) - p - key.size() - 1));
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (!v.empty() && !*end) return n;
    }
    p += key.size();
  }
  return std::nullopt;
}

long to_long(const std::string& s, long dflt) {
  char* end = nullptr;
  long n = std::strtol(s.c_str(), &end, 10);
  return s.empty() || *end ? dflt : n;
}

// Units enabled under the systemd "wants" folders.
std::vector<Evidence> enabled_units(const HostView& h) {
  std::vector<Evidence> out;
  for (const char* base : {"/etc/systemd/system"})
    for (const auto& d : h.list(base, ".wants"))
      for (const auto& u : h.list(d)) out.push_back({u, 0, u.substr(u.rfind('/') + 1)});
  return out;
}

const Evidence* unit_enabled(const std::vector<Evidence>& units, std::initializer_list<const char*> names) {
  for (const auto& u : units)
    for (const char* n : names)
      if (u.text == n) return &u;
  return nullptr;
}

// Calls fn(file, line number, text) for every line of the files that exist, until fn returns
// false; returns whether any file existed.
bool each_line(const HostView& h, const std::vector<std::string>& files,
               const std::function<bool(const std::string&, int, const std::string&)>& fn) {
  bool any = false;
  for (const auto& f : files) {
    auto ls = h.lines(f);
    if (!ls) continue;
    any = true;
    for (size_t i = 0; i < ls->size(); i++)
      if (!fn(f, static_cast<int>(i + 1), (*ls)[i])) return true;
  }
  return any;
}

R pass(std::string why, std::vector<Evidence> ev) { return {R::kPass, std::move(why), std::move(ev)}; }
R fail(std::string why, std::vector<Evidence> ev) { return {R::kFail, std::move(why), std::move(ev)}; }
R na(std::string why, std::vector<Evidence> ev) { return {R::kNa, std::move(why), std::move(ev)}; }

}  // namespace hostcheck_detail

const std::vector<HostCheck>& host_checks() {
  using namespace hostcheck_detail;
  // One line per check: id, titles, the catalog items it supports, the function.
  static const std::vector<HostCheck> checks = {
      {"linux.password.max_age", "口令定期更换", "Passwords expire", {"CE.IA.a"}, password_max_age},
      {"linux.password.complexity", "口令复杂度", "Password complexity", {"CE.IA.a"}, password_complexity},
      {"linux.accounts.empty_password", "无空口令账户", "No accounts without a password", {"CE.IA.a"}, empty_passwords},
      {"linux.login.lockout", "登录失败处理", "Lockout after failed logins", {"CE.IA.b"}, login_lockout},
      {"linux.session.timeout", "登录连接超时自动退出", "Idle sessions end", {"CE.IA.b"}, session_timeout},
      {"linux.remote.encrypted", "远程管理防窃听", "Remote administration encrypted", {"CE.IA.c"}, remote_admin_encrypted},
      {"linux.ssh.root_login", "禁止 root 口令远程登录", "No SSH root password login", {"CE.AC.b", "CE.AC.d"}, ssh_root_login},
      {"linux.accounts.uid0", "无多余超级用户", "No extra UID 0 accounts", {"CE.AC.b", "CE.AC.c"}, uid0_accounts},
      {"linux.sudo.nopasswd_all", "最小权限（sudo）", "No unrestricted password-less sudo", {"CE.AC.d"}, sudo_nopasswd_all},
      {"linux.files.permissions", "关键文件权限", "Key file permissions", {"CE.AC.d", "CE.DI.b"}, key_file_permissions},
      {"linux.audit.enabled", "安全审计开启", "Audit enabled", {"CE.AUD.a", "CE.AUD.b"}, audit_enabled},
      {"linux.audit.protected", "审计进程保护", "Audit protected", {"CE.AUD.c", "CE.AUD.d"}, audit_protected},
      {"linux.time.sync", "时间同步", "Time synchronisation", {"CE.AUD.b", "MC.CEN.d"}, time_sync},
      {"linux.log.forwarding", "日志集中收集", "Logs forwarded to the center", {"CE.AUD.c", "MC.CEN.d"}, log_forwarding},
      {"linux.services.unneeded", "关闭不需要的服务", "Unneeded services off", {"CE.IPS.a", "CE.IPS.b"}, unneeded_services},
      {"linux.ports.listening", "关闭高危端口", "No high-risk ports", {"CE.IPS.b"}, listening_ports},
      {"linux.malware.protection", "恶意代码防范", "Anti-malware present", {"CE.MAL.a"}, malware_protection},
      {"linux.password.min_age", "口令最短使用期限", "Passwords kept a minimum time", {"CE.IA.a"}, password_min_age},
      {"linux.password.history", "口令历史（不得重复使用）", "Old passwords not reused", {"CE.IA.a"}, password_history},
      {"linux.login.unlock_time", "登录失败锁定时长", "Lockout lasts long enough", {"CE.IA.b"}, unlock_time},
      {"linux.ssh.crypto", "SSH 加密算法", "Strong SSH algorithms", {"CE.IA.c", "CN.TRN.b"}, ssh_crypto},
      {"linux.ssh.auth_limits", "SSH 认证尝试与空口令", "SSH tries limited, no empty passwords", {"CE.IA.a", "CE.IA.b"}, ssh_auth_limits},
      {"linux.access.sources", "管理终端地址限制", "Management access limited by address", {"CE.IPS.c"}, management_sources},
      {"linux.accounts.inactive",
       "多余与过期账户",
       "No login shells on system accounts; expired accounts locked",
       {"CE.AC.c"},
       inactive_accounts},
      {"linux.umask", "默认文件权限（umask）", "Default umask", {"CE.AC.d"}, default_umask},
      {"linux.mac.enforcing", "强制访问控制（安全标记）", "Mandatory access control enforcing", {"CE.AC.g"}, mac_enforcing},
      {"linux.audit.coverage", "审计范围与磁盘满处置", "Audit coverage and full-disk action", {"CE.AUD.a", "CE.AUD.c"}, audit_coverage},
      {"linux.log.retention", "日志留存不少于 180 天", "Logs kept 180 days", {"MC.CEN.d", "CE.AUD.c"}, log_retention},
      {"linux.malware.fresh", "恶意代码库及时更新", "Anti-malware signatures fresh", {"CE.MAL.a"}, malware_fresh},
      {"linux.files.suid_writable",
       "SUID 与全局可写文件",
       "No unexpected SUID or world-writable files",
       {"CE.AC.d", "CE.IPS.a"},
       suid_and_writable},
  };
  return checks;
}

std::string check_to_json(const HostCheck& c, const CheckResult& r) {
  nlohmann::json j;
  j["check.id"] = c.id;
  j["check.title"] = c.title_zh;
  j["check.title_en"] = c.title_en;
  j["result"] = result_name(r.result);
  j["requirements"] = c.requirements;
  j["reason"] = r.reason;
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : r.evidence) {
    nlohmann::json x{{"file", e.file}, {"text", e.text}};
    if (e.line) x["line"] = e.line;
    ev.push_back(x);
  }
  j["evidence"] = ev;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wardsec::compliance
