#include "parse/source_zones.h"

#include <cstdio>
#include <cstdlib>

#include "core/timeutil.h"

namespace wardsec {

std::string tz_text(int sec) {
  char z[8];
  std::snprintf(z, sizeof z, "%c%02d:%02d", sec < 0 ? '-' : '+', std::abs(sec) / 3600 % 100, std::abs(sec) % 3600 / 60);
  return z;
}

bool parse_zone(std::string_view s, int& sec) {
  std::string u = to_lower(trim(s));
  if (u == "utc" || u == "z" || u == "gmt") {
    sec = 0;
    return true;
  }
  if (u.rfind("utc", 0) == 0 || u.rfind("gmt", 0) == 0) u = u.substr(3);  // "UTC+08:00"
  // +08, +0800, +08:00 and nothing after
  bool shape = (u.size() == 3 || u.size() == 5 || (u.size() == 6 && u[3] == ':')) && (u[0] == '+' || u[0] == '-');
  if (!shape || !parse_tz_offset(u, sec)) return false;
  return sec >= -12 * 3600 && sec <= 14 * 3600;
}

std::string_view address_of(std::string_view source) {
  if (!source.empty() && source[0] == '[') {  // [v6]:port
    size_t rb = source.find(']');
    return rb == std::string_view::npos ? source : source.substr(1, rb - 1);
  }
  // "10.0.0.5:514", "::1:514": the inputs always write the port, v6 unbracketed, so the last
  // ":digits" is the port (a bare v6 address is not what this is for).
  size_t colon = source.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == source.size()) return source;
  for (size_t i = colon + 1; i < source.size(); i++)
    if (source[i] < '0' || source[i] > '9') return source;
  return source.substr(0, colon);
}

Result<std::shared_ptr<const SourceZones>> SourceZones::compile(const std::vector<SourceZoneSpec>& specs, const std::string& where) {
  auto z = std::make_shared<SourceZones>();
  for (size_t i = 0; i < specs.size(); i++) {
    const auto& s = specs[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    std::string src(trim(s.source));
    int sec = 0;
    if (src.empty()) return Error{at + ": source is empty (an address, CIDR, host name or file path)"};
    if (!parse_zone(s.timezone, sec))
      return Error{at + ": timezone '" + s.timezone + "' is not an offset like +08:00 or -05:00 (or UTC), within -12:00..+14:00"};
    if (auto c = parse_cidr(src))
      z->nets_.emplace_back(*c, sec);
    else if (src.find('/') != std::string::npos)
      z->paths_.emplace_back(to_lower(src), sec);
    else if (src.find_first_of(" \t,;:\"'") == std::string::npos)
      z->hosts_.emplace_back(to_lower(src), sec);
    else
      return Error{at + ": source '" + src + "' is neither an address, a CIDR, a host name nor a file path"};
    z->specs_.push_back({src, tz_text(sec)});
  }
  return std::shared_ptr<const SourceZones>(std::move(z));
}

std::optional<int> SourceZones::for_source(std::string_view source) const {
  if (source.empty()) return std::nullopt;
  if (!nets_.empty())
    if (auto ip = parse_ip(address_of(source)))
      for (const auto& [net, sec] : nets_)
        if (net.contains(*ip)) return sec;
  if (source.find('/') != std::string_view::npos)
    for (const auto& [glob, sec] : paths_)
      if (glob_match(source, glob)) return sec;
  return std::nullopt;
}

std::optional<int> SourceZones::for_host(std::string_view host) const {
  if (host.empty()) return std::nullopt;
  for (const auto& [glob, sec] : hosts_)
    if (glob_match(host, glob)) return sec;
  if (!nets_.empty() && (host[0] == '[' || host.find_first_not_of("0123456789abcdefABCDEF.:") == std::string_view::npos))
    if (auto ip = parse_ip(host))  // a device that names itself by its address
      for (const auto& [net, sec] : nets_)
        if (net.contains(*ip)) return sec;
  return std::nullopt;
}

}  // namespace wardsec
