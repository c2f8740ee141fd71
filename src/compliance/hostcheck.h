// `wardsec check host`: what GB/T 22239-2019 asks of a Linux computing environment, checked
// from the files of a host (a root folder: "/" on the host itself, a prepared tree in tests).
// Each check is one entry of host_checks(): its id, titles and the catalog items it supports
// (data) plus a small function over a HostView. Results cite the raw evidence: file, line and
// text.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace wardsec::compliance {

struct Evidence {
  std::string file;  // as on the host ("/etc/login.defs"), not the tree path
  int line = 0;      // 1-based; 0 for "the file as a whole" or its absence
  std::string text;
};

struct CheckResult {
  enum Result { kPass, kFail, kNa } result = kNa;
  std::string reason;  // why, in one sentence (English; the UI translates by check id)
  std::vector<Evidence> evidence;
};
const char* result_name(CheckResult::Result r);  // "pass", "fail", "na"

// Read-only access to a host's files below a root folder.
class HostView {
 public:
  explicit HostView(std::string root);
  // Lines of a file (nullopt when missing or unreadable).
  std::optional<std::vector<std::string>> lines(const std::string& path) const;
  bool exists(const std::string& path) const;
  // Files of a folder whose name ends with `suffix`, sorted, as host paths.
  std::vector<std::string> list(const std::string& dir, const std::string& suffix = "") const;
  // Permission bits of a file, or -1.
  int mode(const std::string& path) const;
  // Seconds since the file was last modified, or nullopt when it does not exist.
  std::optional<long> age_seconds(const std::string& path) const;
  // Whether it is a folder (symbolic links not followed).
  bool is_dir(const std::string& path) const;
  const std::string& root() const { return root_; }

 private:
  std::string real(const std::string& path) const;
  std::string root_;
};

struct HostCheck {
  const char* id;
  const char* title_zh;
  const char* title_en;
  std::vector<std::string> requirements;  // catalog ids
  CheckResult (*run)(const HostView&);
};

const std::vector<HostCheck>& host_checks();

std::string check_to_json(const HostCheck& c, const CheckResult& r);

}  // namespace wardsec::compliance
