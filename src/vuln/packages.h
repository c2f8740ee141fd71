// Local knowledge (本地漏洞匹配): a host's installed packages matched against a vulnerability feed
// the hospital imports offline (OSV records: the Debian, Ubuntu, Red Hat-family and openEuler
// advisories as OSV exports them; isolated networks fetch nothing at run time). The inventory
// comes from the host as text: /var/lib/dpkg/status, `dpkg -l`, `rpm -qa`, "name version" lines,
// or a Windows hotfix list (kept with the host; no feed here maps KBs to CVEs).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "vuln/report.h"

namespace wardsec::vuln {

struct Package {
  std::string name, source, version;  // source: the Debian source package when the inventory says
};

struct PackageInventory {
  std::string format;  // dpkg-status, dpkg-l, rpm-qa, name-version, windows-hotfix
  std::vector<Package> packages;
  std::vector<std::string> hotfixes;  // KB numbers
};

// Recognizes the format from the text; an error names the line it could not read.
Result<PackageInventory> read_inventory(std::string_view text, const std::string& name);

struct Advisory {
  std::string id, ecosystem, package, summary;
  std::vector<std::string> cves;
  std::vector<std::pair<std::string, std::string>> ranges;  // (introduced, fixed); fixed "" when none
  std::vector<std::string> versions;                        // versions listed as affected
  double score = -1;                                        // CVSS v3 base score, -1 unknown
  int severity = 2;
};

// OSV records: one JSON object, an array of them, or one a line (JSON lines, for big exports).
// Records without affected ranges or versions are skipped; a line that is not JSON is an error.
Result<std::vector<Advisory>> read_osv(std::string_view text, const std::string& name);
Advisory advisory_from_json(const std::string& json_text);
std::string advisory_json(const Advisory& a);

// Whether the installed package is affected: same ecosystem ("Debian:12"; a feed naming only
// "Debian" matches any release), same name (or source), and the version inside a range or listed.
// Debian and Ubuntu compare as dpkg does; the others as rpm does.
bool affects(const Advisory& a, const std::string& ecosystem, const Package& p);

// One host's findings from its inventory: a ScanReport of scanner "packages" covering the host.
ScanReport match_inventory(const std::string& ip, const std::string& hostname, const std::string& ecosystem, const PackageInventory& inv,
                           const std::vector<Advisory>& advisories);

}  // namespace wardsec::vuln
