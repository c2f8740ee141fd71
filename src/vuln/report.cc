#include "vuln/report.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wardsec::vuln {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Ids of the form PREFIX-<digits>-<digits> found anywhere in `text`, case-insensitive, with the
// first group's and the second's lengths bounded as the id scheme says.
std::vector<std::string> ids(std::string_view text, std::string_view prefix, size_t min1, size_t max1, size_t min2, size_t max2) {
  std::vector<std::string> out;
  for (size_t i = 0; i + prefix.size() < text.size(); ++i) {
    bool match = true;
    for (size_t k = 0; k < prefix.size() && match; ++k) match = std::toupper(static_cast<unsigned char>(text[i + k])) == prefix[k];
    if (!match || (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1])))) continue;
    size_t j = i + prefix.size();
    if (j >= text.size() || text[j] != '-') continue;
    size_t a = ++j;
    while (j < text.size() && digit(text[j])) ++j;
    size_t n1 = j - a;
    if (n1 < min1 || n1 > max1 || j >= text.size() || text[j] != '-') continue;
    size_t b = ++j;
    while (j < text.size() && digit(text[j])) ++j;
    size_t n2 = j - b;
    if (n2 < min2 || n2 > max2 || (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j])))) continue;
    out.push_back(std::string(prefix) + "-" + std::string(text.substr(a, n1)) + "-" + std::string(text.substr(b, n2)));
    i = j - 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

}  // namespace

std::vector<std::string> cve_ids(std::string_view text) { return ids(text, "CVE", 4, 4, 4, 7); }
std::vector<std::string> cnvd_ids(std::string_view text) { return ids(text, "CNVD", 4, 4, 1, 6); }
std::vector<std::string> cnnvd_ids(std::string_view text) { return ids(text, "CNNVD", 6, 6, 1, 6); }

void add_unique(std::vector<std::string>& to, const std::vector<std::string>& more) {
  to.insert(to.end(), more.begin(), more.end());
  std::sort(to.begin(), to.end());
  to.erase(std::unique(to.begin(), to.end()), to.end());
}

std::optional<double> cvss_score(std::string_view s) {
  std::string t(s);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  size_t b = 0;
  while (b < t.size() && std::isspace(static_cast<unsigned char>(t[b]))) ++b;
  if (b == t.size()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(t.data() + b, t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !(v >= 0.0 && v <= 10.0)) return std::nullopt;
  return v;
}

int severity_of(double score) {
  if (score >= 9.0) return 4;
  if (score >= 7.0) return 3;
  if (score >= 4.0) return 2;
  if (score > 0.0) return 1;
  return 0;
}

int64_t epoch_seconds_ns(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && v > 0 && v < 9000000000 ? v * 1000000000LL : 0;  // before 2255: no overflow
}

void split_port(std::string_view s, int& port, std::string& proto) {
  port = 0;
  proto.clear();
  size_t slash = s.find('/');
  std::string_view num = s.substr(0, slash);
  if (slash != std::string_view::npos) proto = lower(s.substr(slash + 1));
  int v = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (ec == std::errc() && p == num.data() + num.size() && v > 0 && v <= 65535) port = v;
}

bool ScanReport::scanned(int port) const {
  if (ports_scanned.empty() || port == 0) return true;
  for (const auto& [a, b] : ports_scanned)
    if (port >= a && port <= b) return true;
  return false;
}

std::optional<Format> parse_format(std::string_view s) {
  std::string l = lower(s);
  if (l == "nmap") return Format::kNmap;
  if (l == "greenbone" || l == "openvas" || l == "gvm") return Format::kGreenbone;
  if (l == "nessus") return Format::kNessus;
  if (l == "csv") return Format::kCsv;
  return std::nullopt;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::kNmap: return "nmap";
    case Format::kGreenbone: return "greenbone";
    case Format::kNessus: return "nessus";
    case Format::kCsv: return "csv";
  }
  return "?";
}

std::optional<Format> sniff_format(std::string_view head) {
  if (head.find("<nmaprun") != std::string_view::npos) return Format::kNmap;
  if (head.find("<NessusClientData_v2") != std::string_view::npos) return Format::kNessus;
  if (head.find("<report") != std::string_view::npos || head.find("<get_reports_response") != std::string_view::npos)
    return Format::kGreenbone;
  if (head.find('<') == std::string_view::npos && head.find(',') != std::string_view::npos) return Format::kCsv;
  return std::nullopt;
}

}  // namespace wardsec::vuln
