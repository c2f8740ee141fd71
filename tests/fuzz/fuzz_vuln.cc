// Fuzz targets: scanners' reports (Nmap, Greenbone/OpenVAS and Nessus XML, CSV exports).
#include <cstdlib>
#include <string>

#include "fuzz.h"
#include "vuln/report.h"

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
