// What a scanner's report says, whatever the scanner: the hosts it looked at (with their open
// services and OS, when it says so) and the weaknesses it found. Each import format (nmap.cc,
// greenbone.cc, nessus.cc, csv_import.cc) reads its file into a ScanReport; the store
// (store.h) matches it to assets and de-duplicates it against what earlier scans found.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "vuln/xml.h"

namespace wardsec::vuln {

struct Service {
  int port = 0;
  std::string proto;  // tcp, udp
  std::string name, product, version, cpe;
};

struct ScanHost {
  std::string ip, hostname, mac, os;
  std::vector<Service> services;
  bool services_known = false;  // the scan listed this host's ports (a port scan, not only findings)
};

struct Finding {
  std::string ip, hostname;  // as the scanner names the host
  int port = 0;              // 0: the host as a whole (a local check, "general/tcp")
  std::string proto, service;
  std::string plugin;  // the scanner's id of the check: a Greenbone NVT OID, a Nessus plugin id
  std::string title, description, solution, evidence;
  std::vector<std::string> cves, cnvd, cnnvd;  // upper case, sorted, unique
  std::optional<double> cvss2, cvss3, cvss4;
  std::string cvss3_vector, cvss4_vector;
  int severity = 0;  // the scanner's own: 0 info, 1 low, 2 medium, 3 high, 4 critical
  bool exploit = false, kev = false;
};

struct ScanReport {
  std::string scanner;                // nmap, greenbone, nessus, csv
  std::string name;                   // the scan's own name, when it has one
  int64_t started = 0, finished = 0;  // ns; 0 when the report does not say
  std::vector<ScanHost> hosts;        // every host the scan covered, with or without findings
  std::vector<Finding> findings;
  size_t skipped_info = 0;  // informational items without a CVE, not tracked
  // The port ranges the scan probed (Nmap's scaninfo); empty: not said, every port counts.
  // A finding on a port outside them is not judged fixed by this scan.
  std::vector<std::pair<int, int>> ports_scanned;
  // Whether the scan looked for weaknesses at all: an Nmap port scan without scripts (the
  // discovery scans) reports none, and its silence fixes nothing.
  bool judges = true;
  bool scanned(int port) const;
};

// The formats an import takes, and guessing one from a file's first bytes.
enum class Format { kNmap, kGreenbone, kNessus, kCsv };
std::optional<Format> parse_format(std::string_view s);  // nmap, greenbone (openvas), nessus, csv
const char* format_name(Format f);
std::optional<Format> sniff_format(std::string_view head);

// Reads a report from a file or from text (the console's upload). A report that is not
// well-formed, or not of its format, is an error naming where: nothing of it is taken.
Result<ScanReport> read_nmap(const XmlInput& in);
Result<ScanReport> read_greenbone(const XmlInput& in);
Result<ScanReport> read_nessus(const XmlInput& in);
// A CSV of findings, one a row (csv_import.cc): the export of a Chinese scanner (绿盟 RSAS,
// 安恒 明鉴 and others) or a spreadsheet. Columns are found by our field names or the headers
// such exports use (IP地址, 漏洞名称, 风险等级, CVE编号, CNVD编号, 解决办法 ...); `mapping`
// (field -> header) names any other. `scanner` labels the source ("rsas"; "csv" when empty).
// Every row is checked: one wrong row rejects the file, naming the row and the column.
Result<ScanReport> read_findings_csv(std::string_view text, const std::string& name, const std::string& scanner,
                                     const std::vector<std::pair<std::string, std::string>>& mapping = {});
// The fields a CSV can fill, for the console's mapping form and the error messages.
const std::vector<std::string>& csv_fields();

// Helpers the readers share (report.cc).
// CVE-2024-1234 ids in any text, upper-cased, sorted and unique; the same for CNVD-2024-12345
// and CNNVD-202401-1234.
std::vector<std::string> cve_ids(std::string_view text);
std::vector<std::string> cnvd_ids(std::string_view text);
std::vector<std::string> cnnvd_ids(std::string_view text);
void add_unique(std::vector<std::string>& to, const std::vector<std::string>& more);
// A CVSS score 0.0-10.0 ("" and anything else: nullopt).
std::optional<double> cvss_score(std::string_view s);
// The severity a score gives under CVSS v3/v4 (0 none/info, 1 low, 2 medium, 3 high, 4 critical).
int severity_of(double score);
// Unix seconds as written in a report ("1796000000") in ns; 0 when it is not a plausible time.
int64_t epoch_seconds_ns(const std::string& s);
// "443/tcp" -> 443, tcp; "general/tcp" and "package" -> 0.
void split_port(std::string_view s, int& port, std::string& proto);

}  // namespace wardsec::vuln
