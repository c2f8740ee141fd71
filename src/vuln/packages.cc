#include "vuln/packages.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <map>

#include "core/strutil.h"
#include "vuln/version.h"

namespace wardsec::vuln {

namespace {

using json = nlohmann::json;

// A member's string ("" when absent or not a string: json::value() throws on the wrong type).
std::string text_of(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t p = 0;
  while (p <= text.size()) {
    size_t e = text.find('\n', p);
    if (e == std::string_view::npos) e = text.size();
    std::string_view l = text.substr(p, e - p);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out.push_back(l);
    p = e + 1;
  }
  return out;
}

std::vector<std::string> words(std::string_view l) {
  std::vector<std::string> w;
  size_t p = 0;
  while (p < l.size()) {
    while (p < l.size() && (l[p] == ' ' || l[p] == '\t')) ++p;
    size_t s = p;
    while (p < l.size() && l[p] != ' ' && l[p] != '\t') ++p;
    if (p > s) w.emplace_back(l.substr(s, p - s));
  }
  return w;
}

bool dpkg_like(const std::string& ecosystem) {
  std::string e = to_lower(ecosystem);
  return e.rfind("debian", 0) == 0 || e.rfind("ubuntu", 0) == 0;
}

// "openssl-3.0.7-24.el9.x86_64" -> openssl, 3.0.7-24.el9
bool split_nevra(const std::string& s, Package& p) {
  std::string rest = s;
  static const char* arches[] = {".x86_64", ".noarch", ".aarch64", ".i686", ".i386", ".ppc64le", ".s390x", ".loongarch64", ".mips64el"};
  for (const char* a : arches)
    if (rest.size() > std::strlen(a) && rest.compare(rest.size() - std::strlen(a), std::strlen(a), a) == 0)
      rest.resize(rest.size() - std::strlen(a));
  size_t r = rest.rfind('-');
  if (r == std::string::npos || r == 0) return false;
  size_t v = rest.rfind('-', r - 1);
  if (v == std::string::npos || v == 0) return false;
  p.name = rest.substr(0, v);
  p.version = rest.substr(v + 1);
  return !p.name.empty() && !p.version.empty() && std::isdigit(static_cast<unsigned char>(p.version[0]));
}

}  // namespace

Result<PackageInventory> read_inventory(std::string_view text, const std::string& name) {
  PackageInventory inv;
  auto lines = lines_of(text);
  auto where = [&](size_t i) { return name + ":" + std::to_string(i + 1) + ": "; };
  if (text.find("\nPackage: ") != std::string_view::npos || text.rfind("Package: ", 0) == 0) {
    inv.format = "dpkg-status";
    Package cur;
    bool installed = false;
    auto flush = [&] {
      if (!cur.name.empty() && !cur.version.empty() && installed) {
        if (cur.source.empty()) cur.source = cur.name;
        inv.packages.push_back(cur);
      }
      cur = Package{};
      installed = false;
    };
    for (auto l : lines) {
      if (l.empty()) {
        flush();
        continue;
      }
      if (l.rfind("Package: ", 0) == 0)
        cur.name = trim(l.substr(9));
      else if (l.rfind("Version: ", 0) == 0)
        cur.version = trim(l.substr(9));
      else if (l.rfind("Status: ", 0) == 0)
        installed = l.find("install ok installed") != std::string_view::npos;
      else if (l.rfind("Source: ", 0) == 0) {
        auto w = words(l.substr(8));  // "openssl (3.0.11-1~deb12u2)": the source's own version in brackets
        if (!w.empty()) cur.source = w[0];
      }
    }
    flush();
    return inv;
  }
  size_t kb = 0, nonempty = 0;
  for (auto l : lines)
    if (!trim(l).empty()) {
      ++nonempty;
      if (cve_ids(l).empty() && l.find("KB") != std::string_view::npos) ++kb;
    }
  if (nonempty && kb * 2 >= nonempty) {  // wmic qfe / Get-HotFix output
    inv.format = "windows-hotfix";
    for (auto l : lines)
      for (const auto& w : words(l))
        if (w.size() > 2 && (w.rfind("KB", 0) == 0) && std::all_of(w.begin() + 2, w.end(), ::isdigit)) inv.hotfixes.push_back(w);
    std::sort(inv.hotfixes.begin(), inv.hotfixes.end());
    inv.hotfixes.erase(std::unique(inv.hotfixes.begin(), inv.hotfixes.end()), inv.hotfixes.end());
    return inv;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    auto w = words(lines[i]);
    if (w.empty()) continue;
    if (w[0].size() == 2 && (w[0][0] == 'i' || w[0][0] == 'h' || w[0][0] == 'r' || w[0][0] == 'u' || w[0][0] == 'p')) {  // dpkg -l
      if (w.size() < 3)
        return Error{where(i) + "dpkg -l 的一行应有状态、包名和版本 / a dpkg -l line has the state, the name and the version"};
      inv.format = "dpkg-l";
      if (w[0] != "ii" && w[0] != "hi") continue;  // only installed
      Package p{w[1].substr(0, w[1].find(':')), "", w[2]};
      if (p.name.empty()) return Error{where(i) + "dpkg -l 的包名为空 / a dpkg -l line without a package name"};
      p.source = p.name;
      inv.packages.push_back(p);
      continue;
    }
    if (w[0].rfind("Desired=", 0) == 0 || w[0][0] == '|' || w[0][0] == '+') continue;  // dpkg -l's header
    Package p;
    if (w.size() >= 2) {
      p.name = w[0];
      p.version = w[1];
      inv.format = inv.format.empty() ? "name-version" : inv.format;
    } else if (split_nevra(w[0], p)) {
      inv.format = "rpm-qa";
    } else {
      return Error{where(i) + "无法识别的软件包行 / not a package line: " + std::string(lines[i].substr(0, 80))};
    }
    p.source = p.name;
    inv.packages.push_back(p);
  }
  if (inv.packages.empty()) return Error{name + ": 没有找到已安装的软件包 / no installed packages found"};
  return inv;
}

Advisory advisory_from_json(const std::string& text) {
  Advisory a;
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return a;
  a.id = text_of(j, "id");
  a.ecosystem = text_of(j, "ecosystem");
  a.package = text_of(j, "package");
  a.summary = text_of(j, "summary");
  for (const char* k : {"cves", "versions"})
    if (j.contains(k) && j[k].is_array())
      for (const auto& x : j[k])
        if (x.is_string()) (std::string(k) == "cves" ? a.cves : a.versions).push_back(x);
  if (j.contains("score") && j["score"].is_number()) a.score = j["score"].get<double>();
  if (j.contains("severity") && j["severity"].is_number_integer()) a.severity = j["severity"].get<int>();
  if (j.contains("ranges") && j["ranges"].is_array())
    for (const auto& r : j["ranges"])
      if (r.is_array() && r.size() == 2 && r[0].is_string() && r[1].is_string()) a.ranges.emplace_back(r[0], r[1]);
  return a;
}

std::string advisory_json(const Advisory& a) {
  json r = json::array();
  for (const auto& [i, f] : a.ranges) r.push_back({i, f});
  return json{{"id", a.id},  {"ecosystem", a.ecosystem}, {"package", a.package}, {"summary", a.summary},  {"cves", a.cves},
              {"ranges", r}, {"versions", a.versions},   {"score", a.score},     {"severity", a.severity}}
      .dump();
}

Result<std::vector<Advisory>> read_osv(std::string_view text, const std::string& name) {
  std::vector<json> records;
  auto whole = json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    if (whole.is_array())
      records.assign(whole.begin(), whole.end());
    else if (whole.is_object() && whole.contains("vulns") && whole["vulns"].is_array())
      records.assign(whole["vulns"].begin(), whole["vulns"].end());
    else
      records.push_back(whole);
  } else {
    auto ls = lines_of(text);
    for (size_t i = 0; i < ls.size(); ++i) {
      if (trim(ls[i]).empty()) continue;
      auto j = json::parse(ls[i], nullptr, false);
      if (!j.is_object())
        return Error{name + ":" + std::to_string(i + 1) + ": 不是 JSON 对象 / not a JSON object (OSV records, one a line)"};
      records.push_back(std::move(j));
    }
  }
  std::vector<Advisory> out;
  for (const auto& r : records) {
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string() || !r.contains("affected") || !r["affected"].is_array()) continue;
    Advisory base;
    base.id = r["id"];
    base.summary = text_of(r, "summary");
    if (base.summary.empty()) base.summary = text_of(r, "details").substr(0, 200);
    add_unique(base.cves, cve_ids(base.id));
    if (r.contains("aliases") && r["aliases"].is_array())
      for (const auto& x : r["aliases"])
        if (x.is_string()) add_unique(base.cves, cve_ids(x.get<std::string>()));
    if (r.contains("upstream") && r["upstream"].is_array())
      for (const auto& x : r["upstream"])
        if (x.is_string()) add_unique(base.cves, cve_ids(x.get<std::string>()));
    if (r.contains("severity") && r["severity"].is_array())
      for (const auto& s : r["severity"])
        if (text_of(s, "type") == "CVSS_V3") base.score = cvss3_base_score(text_of(s, "score"));
    std::string word = r.contains("database_specific") ? to_lower(text_of(r["database_specific"], "severity")) : "";
    base.severity = base.score >= 0 ? severity_of(base.score) : word == "critical" ? 4 : word == "high" ? 3 : word == "low" ? 1 : 2;
    for (const auto& af : r["affected"]) {
      if (!af.is_object() || !af.contains("package") || !af["package"].is_object()) continue;
      Advisory a = base;
      a.ecosystem = text_of(af["package"], "ecosystem");
      a.package = text_of(af["package"], "name");
      if (a.package.empty() || a.ecosystem.empty()) continue;
      if (af.contains("versions") && af["versions"].is_array())
        for (const auto& v : af["versions"])
          if (v.is_string()) a.versions.push_back(v);
      if (af.contains("ranges") && af["ranges"].is_array())
        for (const auto& rg : af["ranges"]) {
          if (text_of(rg, "type") != "ECOSYSTEM" || !rg.contains("events") || !rg["events"].is_array()) continue;
          std::string intro;
          bool open = false;
          for (const auto& ev : rg["events"]) {
            if (!ev.is_object()) continue;
            if (ev.contains("introduced") && ev["introduced"].is_string()) {
              if (open) a.ranges.emplace_back(intro, "");
              intro = ev["introduced"];
              open = true;
            } else if (ev.contains("fixed") && ev["fixed"].is_string() && open) {
              a.ranges.emplace_back(intro, ev["fixed"]);
              open = false;
            }
          }
          if (open) a.ranges.emplace_back(intro, "");
        }
      if (a.ranges.empty() && a.versions.empty()) continue;
      out.push_back(std::move(a));
    }
  }
  return out;
}

bool affects(const Advisory& a, const std::string& ecosystem, const Package& p) {
  if (a.package != p.name && a.package != p.source) return false;
  std::string fe = to_lower(a.ecosystem), he = to_lower(ecosystem);
  if (fe != he && !(fe.find(':') == std::string::npos && he.rfind(fe + ":", 0) == 0)) return false;
  auto cmp = dpkg_like(ecosystem) ? dpkg_compare : rpm_compare;
  for (const auto& v : a.versions)
    if (cmp(v, p.version) == 0) return true;
  for (const auto& [intro, fixed] : a.ranges) {
    bool after = intro.empty() || intro == "0" || cmp(p.version, intro) >= 0;
    bool before = fixed.empty() || cmp(p.version, fixed) < 0;
    if (after && before) return true;
  }
  return false;
}

ScanReport match_inventory(const std::string& ip, const std::string& hostname, const std::string& ecosystem, const PackageInventory& inv,
                           const std::vector<Advisory>& advisories) {
  ScanReport rep;
  rep.scanner = "packages";
  rep.name = ecosystem + " " + inv.format;
  rep.hosts.push_back(ScanHost{ip, hostname, "", "", {}, false});
  std::multimap<std::string, const Advisory*> by_name;
  for (const auto& a : advisories) by_name.emplace(a.package, &a);
  // One finding per advisory on the host: one fix (the advisory's update) for every binary
  // package it names (openssl and libssl3 of source openssl).
  std::map<std::string, std::pair<const Advisory*, std::vector<const Package*>>> hits;
  for (const auto& p : inv.packages)
    for (const std::string* n : {&p.name, &p.source}) {
      if (n != &p.name && *n == p.name) continue;
      auto [b, e] = by_name.equal_range(*n);
      for (auto it = b; it != e; ++it) {
        if (!affects(*it->second, ecosystem, p)) continue;
        auto& h = hits[it->second->id];
        h.first = it->second;
        if (std::find(h.second.begin(), h.second.end(), &p) == h.second.end()) h.second.push_back(&p);
      }
    }
  for (const auto& [id, h] : hits) {
    const Advisory* a = h.first;
    std::string names, installed;
    for (const Package* p : h.second) {
      names += (names.empty() ? "" : ", ") + p->name;
      installed += (installed.empty() ? "" : "; ") + p->name + " " + p->version;
    }
    Finding f;
    f.ip = ip;
    f.hostname = hostname;
    f.plugin = "osv:" + id;
    f.title = a->package + " " + h.second.front()->version + ": " + (a->summary.empty() ? id : a->summary);
    f.cves = a->cves;
    if (a->score >= 0) f.cvss3 = a->score;
    f.severity = a->severity;
    std::string fixed;
    for (const auto& [intro, fx] : a->ranges)
      if (!fx.empty()) fixed = fx;
    f.solution = fixed.empty() ? "厂商尚无修复版本，采取缓解措施 / no fixed version yet: mitigate"
                               : "升级 " + names + " 到 " + fixed + " 或更高版本 / upgrade " + names + " to " + fixed + " or later";
    f.evidence = "已安装 / installed: " + installed + " (" + id + ", " + a->ecosystem + ")";
    f.description = a->summary;
    rep.findings.push_back(std::move(f));
  }
  return rep;
}

}  // namespace wardsec::vuln
