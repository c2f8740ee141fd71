// The log sources page (日志源, issue #18): for each source that sent lines in a time range, how
// many were understood (a parser past the syslog envelope claimed them: a format or a device
// family), how many only gave guessed fields (the fallback, labels.guessed), and how many gave
// nothing, with its formats and when it was last heard. An unknown device shows up here as a
// source with a low share understood; its lines are a click away (the search page) and
// `wardsec parsers suggest` turns them into a family.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <cstdlib>
#include <map>
#include <optional>

#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/fields.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/source_zones.h"
#include "search/aggregate.h"
#include "search/search.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

struct SourceCount {
  uint64_t lines = 0, understood = 0, guessed = 0;
  int64_t last = 0;
  search::Terms datasets{64};
  std::vector<int64_t> offsets;  // received - event time, seconds: the newest 64 live lines
  std::optional<int> read_in;    // the zone the newest sampled line was read in (event.timezone), when a rule set it
  std::string address;           // the sender's address (without port, a path as it is) of the newest line
  bool named = false;            // the source is the host its lines name (host.name), not their sender
};

// A source's clock against the center's: the median of (received - the time the line states).
// Off by whole hours it is a zone (a UTC host read in the center's zone lands hours in the
// past): the zone that would put it right is suggested. Under 5 minutes it is not reported.
json clock_json(std::vector<int64_t> v, int read_in) {
  if (v.size() < 3) return nullptr;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  int64_t off = v[v.size() / 2];
  if (off > -300 && off < 300) return nullptr;
  json c = {{"offset_seconds", off}, {"samples", v.size()}};
  int64_t hours = (off + (off >= 0 ? 1800 : -1800)) / 3600;
  if (hours != 0 && std::llabs(off - hours * 3600) <= 600) {
    int64_t tz = read_in - hours * 3600;
    if (tz >= -12 * 3600 && tz <= 14 * 3600) c["suggested_timezone"] = tz_text(static_cast<int>(tz));
  }
  return c;
}

// The zone a source_timezones rule gives a source now (the settings in force for the next
// lines), by host name or by address.
struct ZoneRules {
  std::shared_ptr<const SourceZones> zones;
  explicit ZoneRules(const Api& api) {
    if (!api.opt.settings) return;
    auto eff = api.opt.settings(nullptr);
    json j = eff ? json::parse(*eff, nullptr, false) : json();
    if (!j.is_object() || !j.contains("source_timezones") || !j["source_timezones"].is_array()) return;
    std::vector<SourceZoneSpec> specs;
    for (const auto& x : j["source_timezones"]) specs.push_back({x.value("source", ""), x.value("timezone", "")});
    if (auto z = SourceZones::compile(specs, "source_timezones")) zones = *z;
  }
  // As the decoder decides: the host's own rule, else its sender's.
  json of(const std::string& host, const std::string& sender) const {
    if (!zones) return nullptr;
    auto z = zones->for_host(host);
    if (!z) z = zones->for_source(sender);
    return z ? json(tz_text(*z)) : json(nullptr);
  }
};

// A source is the host the line names, else the address it came from.
std::string source_of(const Event& ev) {
  static const FieldId kLogSource = FieldRegistry::intern("log.source.address");
  if (auto h = ev.get(kHostName); !h.empty()) return std::string(h);
  if (auto a = ev.get(kLogSource); !a.empty()) return std::string(a);
  return "";
}

// Each source's asset in the inventory (by host name, else address; null: not registered, which
// the page offers to do), and the assets no line has come from (`known`: the watched sources'
// names, lower case, and addresses; empty before the monitor has written its state).
void add_assets(const Api& api, json& list, json& out, const std::set<std::string>& known) {
  out["never_sent"] = json::array();
  for (auto& row : list) row["asset"] = nullptr;
  std::string db = DataDir(api.opt.data_dir).compliance_db();
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) return;
  auto inv = compliance::Inventory::open(db);
  if (!inv) return;
  auto assets = (*inv)->assets();
  auto systems = (*inv)->systems();
  if (!assets || !systems) return;
  compliance::AssetIndex idx(*assets, *systems);
  for (auto& row : list) {
    std::string src = row["source"], addr = row.value("address", "");
    bool named = !src.empty() && src != addr && !parse_ip(src);
    auto hit = idx.find(named ? src : "", addr.empty() ? std::string(address_of(src)) : addr);
    if (hit)
      row["asset"] = {{"name", hit->asset->name},
                      {"type", hit->asset->type},
                      {"zone", hit->asset->zone},
                      {"system", hit->system ? hit->system->name : ""}};
  }
  if (known.empty()) return;
  for (const auto& a : *assets)
    if (!known.count(to_lower(a.name)) && (a.ip.empty() || !known.count(a.ip)))
      out["never_sent"].push_back({{"name", a.name}, {"ip", a.ip}, {"type", a.type}, {"zone", a.zone}, {"system", a.system}});
}

// The health the source monitor keeps (<data>/ops/sources.json, judged once a minute): each
// source's state and rate added to its row, a row for a watched source that sent nothing in the
// range (a silent one), and the inventory's assets that never sent a line.
void add_health(const Api& api, json& list, json& out, const ZoneRules& rules) {
  std::ifstream f(DataDir(api.opt.data_dir).ops_sources());
  std::stringstream ss;
  ss << f.rdbuf();
  json h = json::parse(ss.str(), nullptr, false);
  for (auto& row : list) row["health"] = nullptr;
  if (!h.is_object() || !h.contains("sources") || !h["sources"].is_array()) {
    add_assets(api, list, out, {});
    return;
  }
  std::map<std::string, json*> rows;  // into `list`, which grows only after the loop
  for (auto& row : list) rows[to_lower(address_of(row["source"].get<std::string>()))] = &row;
  json unseen = json::array();  // watched sources without a line in the range
  std::set<std::string> known;
  for (const auto& x : h["sources"]) {
    if (!x.is_object() || !x["source"].is_string()) continue;
    std::string name = x["source"], address = x.value("address", "");
    known.insert(to_lower(name));
    if (!address.empty()) known.insert(address);
    json health = {{"state", x.value("state", "ok")},
                   {"reason", x.value("reason", "")},
                   {"first", x.value("first", "")},
                   {"last", x.value("last", "")},
                   {"silent_after_seconds", x.value("silent_after_seconds", 0)},
                   {"per_hour", x.value("per_hour", json::array())},
                   {"programs", x.value("programs", json::array())}};
    if (auto it = rows.find(to_lower(name)); it != rows.end()) {
      (*it->second)["health"] = std::move(health);
      continue;
    }
    bool named = name != address;
    unseen.push_back({{"source", name},
                      {"lines", 0},
                      {"understood", 0},
                      {"guessed", 0},
                      {"unknown", 0},
                      {"last", x.value("last", "")},
                      {"datasets", json::array()},
                      {"clock", nullptr},
                      {"timezone", rules.of(named ? name : "", address)},
                      {"rule_source", name},
                      {"address", address},
                      {"health", std::move(health)}});
  }
  for (auto& row : unseen) list.push_back(std::move(row));
  out["watching_since"] = h.value("since", "");
  out["health_updated"] = h.value("updated", "");
  add_assets(api, list, out, known);
}

Response sources(Api& api, Request& r) {
  auto p = r.query;
  search::SearchOptions so;
  if (Status e = time_range(api, p, so); !e) return fail(400, e.error());
  // The center's own records (audit here; alerts, bastion, incidents below) are not log sources.
  search::Query query = search::Query::all_of(search::Query::parse("*", api.opt.tz_sec).value(), api.not_audit);
  const size_t max_sources = 5000;
  static const FieldId kGuessed = FieldRegistry::intern("labels.guessed"), kTimezone = FieldRegistry::intern("event.timezone"),
                       kLogSource = FieldRegistry::intern("log.source.address");
  std::map<std::string, SourceCount> by;
  size_t dropped = 0;
  auto scan = page_scan(api, r, query, so, 500000, 3 * kSec, [&](const Event& ev) {
    std::string_view ds = ev.get(kEventDataset);
    if (ds.substr(0, 8) == "wardsec.") return;  // the center's own records (alerts, incidents, bastion)
    std::string src = source_of(ev);
    auto it = by.find(src);
    if (it == by.end()) {
      if (by.size() >= max_sources) {  // bounded: the rest are counted, not listed
        dropped++;
        return;
      }
      it = by.emplace(src, SourceCount{}).first;
    }
    SourceCount& c = it->second;
    if (c.lines++ == 0) {  // the newest line: its sender, and whether the source is the host it names
      c.address = std::string(address_of(ev.get(kLogSource)));
      c.named = !ev.get(kHostName).empty();
    }
    c.last = std::max(c.last, ev.ts);
    if (!ds.empty() && ds != "syslog" && !(ev.flags & kParseError))
      c.understood++;
    else if (!ev.get(kGuessed).empty())
      c.guessed++;
    c.datasets.add(ds.empty() ? std::string_view("-") : ds);
    // Imported files are history: their reception says nothing of the sender's clock.
    if (ev.received && c.offsets.size() < 64 && ev.get(kInputType) != "file") {
      if (c.offsets.empty()) {
        int z = 0;
        if (parse_zone(ev.get(kTimezone), z)) c.read_in = z;
      }
      c.offsets.push_back((ev.received - ev.ts) / kSec);
    }
  });
  if (!scan) return fail(500, scan.error());
  json list = json::array();
  ZoneRules rules(api);
  for (auto& [src, c] : by) {
    json zone = rules.of(c.named ? src : "", c.address);
    list.push_back({{"source", src},
                    {"lines", c.lines},
                    {"understood", c.understood},
                    {"guessed", c.guessed},
                    {"unknown", c.lines - c.understood - c.guessed},
                    {"last", format_rfc3339(c.last)},
                    {"datasets", top_json(c.datasets, 5)},
                    {"clock", clock_json(std::move(c.offsets), c.read_in.value_or(api.opt.tz_sec))},
                    // For a rule of source_timezones: the zone one sets now, and what a new rule would name.
                    {"timezone", zone},
                    {"rule_source", c.named ? src : std::string(address_of(src))},
                    {"address", c.address}});
  }
  json out = {{"scanned", scan->n}, {"truncated", scan->truncated}, {"sources_dropped", dropped}};
  add_health(api, list, out, rules);
  // Silent and abnormal first (what needs a look now), then the least understood (what needs a family).
  std::sort(list.begin(), list.end(), [](const json& a, const json& b) {
    auto bad = [](const json& x) { return x["health"].is_object() && x["health"]["state"] != "ok"; };
    auto ratio = [](const json& x) {
      uint64_t n = x["lines"].get<uint64_t>();
      return n ? static_cast<double>(x["understood"].get<uint64_t>()) / static_cast<double>(n) : 2.0;  // no lines in range: last
    };
    if (bad(a) != bad(b)) return bad(a);
    double ra = ratio(a), rb = ratio(b);
    return ra != rb ? ra < rb : a["lines"].get<uint64_t>() > b["lines"].get<uint64_t>();
  });
  out["sources"] = list;
  if (scan->truncated) out["complete_from"] = format_rfc3339(scan->oldest);
  return ok(out);
}

// The devices the network's own lines revealed (DHCP leases, ARP and MAC records: the source
// monitor's <data>/ops/netdevices.json), newest first, each said registered or not.
Response netdevices(Api& api, Request&) {
  auto text = read_file(DataDir(api.opt.data_dir).ops() + "/netdevices.json");
  json doc = text ? json::parse(*text, nullptr, false) : json::object();
  if (doc.is_discarded()) return fail(500, "netdevices.json 已损坏 / netdevices.json is damaged");
  std::set<std::string> registered;
  if (std::filesystem::exists(DataDir(api.opt.data_dir).compliance_db()))
    if (auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db()))
      if (auto assets = (*inv)->assets())
        for (const auto& a : *assets)
          for (const auto& k : {a.name, a.ip})
            if (!k.empty()) registered.insert(to_lower(k));
  json out = json::array();
  if (doc.contains("devices") && doc["devices"].is_array())
    for (auto d : doc["devices"]) {
      if (!d.is_object()) continue;
      std::string ip = d.value("ip", ""), name = d.value("name", "");
      d["registered"] = (!ip.empty() && registered.count(to_lower(ip))) || (!name.empty() && registered.count(to_lower(name)));
      d["first"] = format_rfc3339(d.value("first", int64_t{0}));
      d["last"] = format_rfc3339(d.value("last", int64_t{0}));
      out.push_back(std::move(d));
    }
  std::sort(out.begin(), out.end(),
            [](const json& a, const json& b) { return a["first"].get<std::string>() > b["first"].get<std::string>(); });
  if (out.size() > 5000) out.erase(out.begin() + 5000, out.end());
  return ok({{"devices", out}, {"dropped", doc.value("dropped", 0)}});
}

}  // namespace

void add_sources_routes(std::vector<Route>& t, Api* api) {
  t.push_back({"GET", "/api/v1/ops/netdevices", Perm::kEventsRead, false, [api](Request& r) { return netdevices(*api, r); },
               "devices the network's own lines revealed (DHCP leases, ARP and MAC records), registered or not"});
  t.push_back({"GET", "/api/v1/sources", Perm::kEventsRead, false, [api](Request& r) { return sources(*api, r); },
               "log sources: lines understood, guessed and unknown per source; their health (正常/静默/异常, lines per hour) and the "
               "assets that never sent a line"});
}

}  // namespace wardsec::server
