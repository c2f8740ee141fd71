#include "demo/vuln_seed.h"

#include <filesystem>
#include <map>
#include <set>

#include "core/csv.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "vuln/service.h"

namespace wardsec::demo {

namespace {

struct DemoScan {
  const char* key;
  const char* scanner;
  const char* name;
  int days_ago;
};
constexpr DemoScan kScans[] = {{"gb-1", "greenbone", "核心区与互联网区季度扫描", 40},
                               {"nessus-1", "nessus", "重点服务器补充扫描", 20},
                               {"gb-2", "greenbone", "核心区与互联网区复扫", 5}};

}  // namespace

Status seed_vulns(const std::string& data_dir, const std::string& csv_file, int tz_sec, int64_t now) {
  DataDir dd(data_dir);
  {
    auto st = vuln::Store::open(dd.vulns_db());
    if (!st) return Error{st.error()};
    auto scans = (*st)->scans(1);
    if (!scans) return Error{scans.error()};
    if (!scans->empty()) return {};
  }
  auto text = read_file(csv_file);
  if (!text) return Error{csv_file + ": cannot open"};
  auto rows = parse_csv(*text, csv_file);
  if (!rows) return Error{rows.error()};
  std::map<std::string, vuln::ScanReport> reports;
  for (size_t i = 1; i < rows->size(); ++i) {
    const auto& r = (*rows)[i];
    if (r.size() < 10) return Error{csv_file + ": line " + std::to_string(i + 1) + ": 10 columns expected"};
    vuln::Finding f;
    f.ip = r[1];
    f.port = std::stoi(r[2]);
    f.proto = "tcp";
    f.plugin = r[3];
    f.title = r[4];
    f.severity = std::stoi(r[5]);
    f.cvss3 = vuln::cvss_score(r[6]);
    f.cves = vuln::cve_ids(r[7]);
    f.cnvd = vuln::cnvd_ids(r[8]);
    f.solution = r[9];
    f.evidence = "演示数据 / demo data";
    reports[r[0]].findings.push_back(std::move(f));
  }
  vuln::Options o;
  o.tz_sec = tz_sec;
  for (const auto& s : kScans) {
    auto& rep = reports[s.key];
    rep.scanner = s.scanner;
    rep.name = s.name;
    rep.started = now - static_cast<int64_t>(s.days_ago) * 86400 * kSec;
    rep.finished = rep.started + 3 * 3600 * kSec;
    std::set<std::string> hosts;
    for (const auto& f : rep.findings) hosts.insert(f.ip);
    if (std::string(s.scanner) == "greenbone")  // the re-scan covers what the first one did
      for (const auto& f : reports["gb-1"].findings) hosts.insert(f.ip);
    for (const auto& h : hosts) rep.hosts.push_back(vuln::ScanHost{h, "", "", "", {}, false});
    vuln::ImportMeta meta{std::string(s.key) + (std::string(s.scanner) == "nessus" ? ".nessus" : ".xml"), "", "secadmin", rep.finished,
                          tz_sec};
    std::string today = local_time(rep.finished, tz_sec).substr(0, 10);
    auto t = vuln::take_report(dd, rep, meta, o, today);
    if (!t) return Error{t.error()};
  }
  return {};
}

}  // namespace wardsec::demo
