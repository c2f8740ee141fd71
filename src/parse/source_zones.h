// The time zone of each log source (source_timezones): a BSD-syslog line, an nginx error line
// or a family's time format carries no zone, so it is read in the zone of the source that wrote
// it — the center's own (timezone) unless a rule here names another. A UTC host read as China
// time lands 8 hours in the past; one rule puts it right.
//
// A rule's source is one of:
//  - an address or CIDR (10.20.0.5, 10.30.0.0/16): the sender of the line (log.source.address),
//    or the host the line names when it names an address (a device behind a relay);
//  - a path or path glob (/var/log/legacy/*.log): an imported or followed file;
//  - a host name or host-name glob (pacs-*): the host the line names (host.name) — the line is
//    read once to learn it, and again in the rule's zone. A host rule wins over an address rule,
//    since a relay's one address forwards the lines of many hosts.
// The first matching rule of its kind applies.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/strutil.h"

namespace wardsec {

struct SourceZoneSpec {
  std::string source;    // address, CIDR, path glob or host-name glob
  std::string timezone;  // "+00:00", "-05:00", "UTC"
};

class SourceZones {
 public:
  // `where` names the setting in errors ("/etc/wardsec.yaml: source_timezones[2]").
  static Result<std::shared_ptr<const SourceZones>> compile(const std::vector<SourceZoneSpec>& specs, const std::string& where);
  // The zone for a batch's sender: "10.20.0.5:41234", "[::1]:514" or a file path.
  std::optional<int> for_source(std::string_view source) const;
  // The zone for the host a line names: a host-name rule, or an address rule when the name is an address.
  std::optional<int> for_host(std::string_view host) const;
  bool has_host_rules() const { return !hosts_.empty() || !nets_.empty(); }
  bool empty() const { return nets_.empty() && paths_.empty() && hosts_.empty(); }
  const std::vector<SourceZoneSpec>& specs() const { return specs_; }

 private:
  std::vector<std::pair<Cidr, int>> nets_;
  std::vector<std::pair<std::string, int>> paths_, hosts_;  // lower-case globs
  std::vector<SourceZoneSpec> specs_;
};

// "+08:00" for 28800; "-03:30" for -12600.
std::string tz_text(int sec);
// "+08:00", "+0800", "UTC", "Z", "GMT" → seconds east of UTC; false if none of these.
bool parse_zone(std::string_view s, int& sec);
// A sender as the inputs write it (log.source.address, always with its port) without the port:
// "10.20.0.5:41234" → "10.20.0.5", "::1:514" and "[::1]:514" → "::1"; a path stays as it is.
std::string_view address_of(std::string_view source);

}  // namespace wardsec
