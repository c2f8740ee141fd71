// Fuzz targets: scanners' reports (Nmap, Greenbone/OpenVAS and Nessus XML, CSV exports).
#include <cstdlib>
#include <string>

#include "fuzz.h"
#include "vuln/packages.h"
#include "vuln/report.h"
#include "vuln/version.h"

using namespace wardsec;
using namespace wardsec::fuzz;

namespace {

void check(const Result<vuln::ScanReport>& r) {
  if (!r) {
    if (r.error().empty()) std::abort();  // a refusal always says why
    return;
  }
  for (const auto& f : r->findings) {
    if (f.port < 0 || f.port > 65535 || f.severity < 0 || f.severity > 4 || f.ip.empty()) std::abort();
    for (const auto& c : f.cves)
      if (c.rfind("CVE-", 0) != 0 || vuln::cve_ids(c) != std::vector<std::string>{c}) std::abort();
    for (const auto* s : {&f.cvss2, &f.cvss3, &f.cvss4})
      if (*s && (**s < 0 || **s > 10)) std::abort();
  }
}

}  // namespace

WARDSEC_FUZZ_TARGET(vuln_reports) {
  // A report from outside in every format: never throws or crashes; a refusal names why; what is
  // read has ports, severities, CVSS scores and CVE ids in range.
  vuln::XmlInput x{"", in, "fuzz.xml"};
  check(vuln::read_nmap(x));
  check(vuln::read_greenbone(x));
  check(vuln::read_nessus(x));
  check(vuln::read_findings_csv(in, "fuzz.csv", "fuzz"));
}

WARDSEC_FUZZ_TARGET(vuln_local) {
  // A host's package inventory and the OSV feed from outside: never throws; every advisory read
  // survives its own stored form; versions compare antisymmetrically; a CVSS vector scores 0-10.
  if (auto inv = vuln::read_inventory(in, "fuzz")) {
    for (const auto& p : inv->packages)
      if (p.name.empty() || p.version.empty()) std::abort();
    if (inv->packages.size() >= 2) {
      const auto &a = inv->packages[0].version, &b = inv->packages[1].version;
      if ((vuln::dpkg_compare(a, b) > 0) != (vuln::dpkg_compare(b, a) < 0)) std::abort();
      if ((vuln::rpm_compare(a, b) > 0) != (vuln::rpm_compare(b, a) < 0)) std::abort();
    }
  }
  if (auto adv = vuln::read_osv(in, "fuzz.json"))
    for (const auto& a : *adv)
      if (vuln::advisory_json(vuln::advisory_from_json(vuln::advisory_json(a))) != vuln::advisory_json(a)) std::abort();
  double s = vuln::cvss3_base_score(in);
  if (s > 10 || (s < 0 && s != -1)) std::abort();
}
