// What taking a scan in means beyond the store, for the console and the command line alike:
// the assets' context from the inventory and the data classification, the known-exploited list
// and today's priorities, closing the rectification tasks (整改) a re-scan proved fixed, and the
// 等保 evidence the scan gives (CE.IPS.e and OM.VUL.a for each graded system it covered).
#pragma once
#include <string>

#include "core/datadir.h"
#include "core/result.h"
#include "vuln/store.h"

namespace wardsec::vuln {

struct Options {
  PriorityPolicy policy;
  int tz_sec = 8 * 3600;
  int unseen_days = 30;  // a registered asset no scan has seen for this long is flagged
};

// The inventory's assets with their context (the systems whose classified data holds personal
// information come from the management records, when there are any).
Result<AssetMap> load_assets(const DataDir& d, const PriorityPolicy& policy);

struct Taken {
  ImportResult res;
  int64_t tasks_closed = 0;
  std::vector<std::string> systems;  // the graded systems the scan covered
};
// Imports a report into <data>/vulns.db, then the rest as above. `today` is the local date.
Result<Taken> take_report(const DataDir& d, const ScanReport& rep, const ImportMeta& meta, const Options& o, const std::string& today);

// A host's package inventory (text as read_inventory takes it) matched against the stored feed
// and taken in as a scan of scanner "packages" covering the host (an upgrade re-imported fixes
// what it fixed). The inventory is kept, so that a later feed is matched against it too.
Result<Taken> take_inventory(const DataDir& d, const std::string& ip, const std::string& hostname, const std::string& ecosystem,
                             std::string_view text, const ImportMeta& meta, const Options& o, const std::string& today);
// A feed (OSV records) stored, then every kept inventory matched again. The advisories now
// stored and the scans the re-matching made.
struct FeedTaken {
  int64_t advisories = 0;
  std::vector<Taken> rematched;
};
Result<FeedTaken> take_feed(const DataDir& d, std::string_view text, const ImportMeta& meta, const Options& o, const std::string& today);

// Reads a report of format `f` from a file or from text.
Result<ScanReport> read_any(Format f, const XmlInput& in, const std::string& scanner = "",
                            const std::vector<std::pair<std::string, std::string>>& mapping = {});

}  // namespace wardsec::vuln
