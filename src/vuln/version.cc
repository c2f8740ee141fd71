#include "vuln/version.h"

#include <cctype>
#include <cmath>
#include <map>
#include <string>

namespace wardsec::vuln {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// dpkg's order of one non-digit character: '~' first, then the end, then letters, then the rest.
int dpkg_order(int c) {
  if (digit(static_cast<char>(c))) return 0;
  if (alpha(static_cast<char>(c))) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

int verrevcmp(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !digit(a[i])) || (j < b.size() && !digit(b[j]))) {
      int ac = i < a.size() ? dpkg_order(a[i]) : 0, bc = j < b.size() ? dpkg_order(b[j]) : 0;
      if (ac != bc) return ac - bc;
      ++i, ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    while (i < a.size() && digit(a[i]) && j < b.size() && digit(b[j])) {
      if (!first_diff) first_diff = a[i] - b[j];
      ++i, ++j;
    }
    if (i < a.size() && digit(a[i])) return 1;
    if (j < b.size() && digit(b[j])) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct Evr {
  long epoch = 0;
  std::string_view version, revision;
};

Evr split_evr(std::string_view s) {
  Evr e;
  size_t colon = s.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    bool num = true;
    for (size_t k = 0; k < colon; ++k) num = num && digit(s[k]);
    if (num) {
      e.epoch = std::stol(std::string(s.substr(0, std::min<size_t>(colon, 9))));
      s = s.substr(colon + 1);
    }
  }
  size_t dash = s.rfind('-');
  e.version = dash == std::string_view::npos ? s : s.substr(0, dash);
  e.revision = dash == std::string_view::npos ? std::string_view() : s.substr(dash + 1);
  return e;
}

// rpmvercmp (rpm's lib/rpmvercmp.c, the algorithm).
int rpmvercmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !std::isalnum(static_cast<unsigned char>(a[i])) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !std::isalnum(static_cast<unsigned char>(b[j])) && b[j] != '~' && b[j] != '^') ++j;
    bool at = i < a.size() && a[i] == '~', bt = j < b.size() && b[j] == '~';
    if (at || bt) {
      if (!at) return 1;
      if (!bt) return -1;
      ++i, ++j;
      continue;
    }
    bool ac = i < a.size() && a[i] == '^', bc = j < b.size() && b[j] == '^';
    if (ac || bc) {
      if (i >= a.size()) return -1;
      if (j >= b.size()) return 1;
      if (!ac) return 1;
      if (!bc) return -1;
      ++i, ++j;
      continue;
    }
    if (i >= a.size() || j >= b.size()) break;
    size_t si = i, sj = j;
    bool num = digit(a[i]);
    if (num) {
      while (i < a.size() && digit(a[i])) ++i;
      while (j < b.size() && digit(b[j])) ++j;
    } else {
      while (i < a.size() && alpha(a[i])) ++i;
      while (j < b.size() && alpha(b[j])) ++j;
    }
    std::string_view x = a.substr(si, i - si), y = b.substr(sj, j - sj);
    if (y.empty()) return num ? 1 : -1;  // a number is newer than letters
    if (num) {
      while (!x.empty() && x[0] == '0') x.remove_prefix(1);
      while (!y.empty() && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() > y.size() ? 1 : -1;
    }
    if (int c = x.compare(y); c) return c < 0 ? -1 : 1;
  }
  if (i >= a.size() && j >= b.size()) return 0;
  return i >= a.size() ? -1 : 1;
}

double roundup(double x) {
  long long n = std::llround(x * 100000);
  if (n % 10000 == 0) return static_cast<double>(n) / 100000.0;
  return (std::floor(static_cast<double>(n) / 10000.0) + 1) / 10.0;
}

}  // namespace

int dpkg_compare(std::string_view a, std::string_view b) {
  Evr x = split_evr(a), y = split_evr(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int c = verrevcmp(x.version, y.version); c) return c;
  return verrevcmp(x.revision, y.revision);
}

int rpm_compare(std::string_view a, std::string_view b) {
  Evr x = split_evr(a), y = split_evr(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int c = rpmvercmp(x.version, y.version); c) return c;
  if (x.revision.empty() || y.revision.empty()) return 0;  // a range given without a release matches every release
  return rpmvercmp(x.revision, y.revision);
}

double cvss3_base_score(std::string_view v) {
  if (v.rfind("CVSS:3.0/", 0) != 0 && v.rfind("CVSS:3.1/", 0) != 0) return -1;
  std::map<std::string, std::string> m;
  size_t p = 9;
  while (p < v.size()) {
    size_t e = v.find('/', p);
    if (e == std::string_view::npos) e = v.size();
    std::string_view kv = v.substr(p, e - p);
    size_t c = kv.find(':');
    if (c == std::string_view::npos) return -1;
    m[std::string(kv.substr(0, c))] = std::string(kv.substr(c + 1));
    p = e + 1;
  }
  auto w = [&](const char* k, std::initializer_list<std::pair<const char*, double>> t) -> double {
    auto it = m.find(k);
    if (it == m.end()) return -1;
    for (const auto& [n, x] : t)
      if (it->second == n) return x;
    return -1;
  };
  bool changed = m["S"] == "C";
  if (m["S"] != "C" && m["S"] != "U") return -1;
  double av = w("AV", {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
  double ac = w("AC", {{"L", 0.77}, {"H", 0.44}});
  double pr = w("PR", {{"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}});
  double ui = w("UI", {{"N", 0.85}, {"R", 0.62}});
  double c = w("C", {{"H", 0.56}, {"L", 0.22}, {"N", 0}}), i = w("I", {{"H", 0.56}, {"L", 0.22}, {"N", 0}}),
         a = w("A", {{"H", 0.56}, {"L", 0.22}, {"N", 0}});
  if (av < 0 || ac < 0 || pr < 0 || ui < 0 || c < 0 || i < 0 || a < 0) return -1;
  double iss = 1 - (1 - c) * (1 - i) * (1 - a);
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double expl = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  return changed ? roundup(std::min(1.08 * (impact + expl), 10.0)) : roundup(std::min(impact + expl, 10.0));
}

}  // namespace wardsec::vuln
