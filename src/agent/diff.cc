// Line differences for the integrity events of text configuration files.
#include <string>
#include <vector>

#include "agent/fim.h"

namespace wardsec::agent {
namespace {
std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p < s.size()) {
    size_t nl = s.find('\n', p);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(p, nl - p));
    p = nl + 1;
  }
  return out;
}
}  // namespace

std::string text_diff(const std::string& before, const std::string& after, size_t max_bytes) {
  if (before == after) return "";
  auto a = lines_of(before), b = lines_of(after);
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) pre++;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) suf++;
  size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  std::vector<std::string> ops;  // "-x", "+y", " z"
  if (n * m <= 4000000) {
    // Longest common subsequence of the middle, then walked from the start.
    std::vector<uint32_t> t((n + 1) * (m + 1), 0);
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        t[i * (m + 1) + j] =
            a[pre + i] == b[pre + j] ? t[(i + 1) * (m + 1) + j + 1] + 1 : std::max(t[(i + 1) * (m + 1) + j], t[i * (m + 1) + j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        ops.push_back(" " + a[pre + i]);
        i++;
        j++;
      } else if (i < n && (j == m || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1])) {
        ops.push_back("-" + a[pre + i++]);  // what went, before what came
      } else {
        ops.push_back("+" + b[pre + j++]);
      }
    }
  } else {
    for (size_t i = 0; i < n; i++) ops.push_back("-" + a[pre + i]);
    for (size_t j = 0; j < m; j++) ops.push_back("+" + b[pre + j]);
  }
  std::string out = "@@ line " + std::to_string(pre + 1) + "\n";
  size_t line = pre;
  bool gap = false;
  for (const auto& o : ops) {
    if (o[0] == ' ') {
      line++;
      gap = true;
      continue;
    }
    if (gap) out += "@@ line " + std::to_string(line + 1) + "\n";
    gap = false;
    if (o[0] == '-') line++;
    out += o + "\n";
    if (out.size() > max_bytes) {
      out.resize(max_bytes);
      out += "\n... (diff cut at " + std::to_string(max_bytes) + " bytes)\n";
      break;
    }
  }
  return out;
}

}  // namespace wardsec::agent
