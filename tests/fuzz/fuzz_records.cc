// Fuzz targets: Records from outside: incidents, emergency plans, device configurations, probes' answers.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "fuzz.h"
#include "core/strutil.h"
#include "emergency/plan.h"
#include "incident/input.h"
#include "mgmt/exchange.h"
#include "ops/config/text.h"
#include "ops/config/trigger.h"
#include "ops/probe/neighbours.h"
#include "ops/probe/wire.h"
#include <nlohmann/json.hpp>

using namespace wardsec;
using namespace wardsec::fuzz;

WARDSEC_FUZZ_TARGET(incident_input) {
  // Incident response's outside input: an impact (API bodies) and a bundle's manifest. Never
  // throws; an accepted impact survives its own JSON unchanged; an accepted manifest lists only
  // paths inside the bundle.
  if (auto im = incident::parse_impact(std::string(in))) {
    auto again = incident::parse_impact(incident::impact_json(*im));
    if (!again || incident::impact_json(*again) != incident::impact_json(*im)) std::abort();
  }
  if (auto files = incident::parse_manifest(in))
    for (const auto& f : *files)
      if (f.path.empty() || f.path[0] == '/' || f.path.find("..") != std::string::npos) std::abort();
}

WARDSEC_FUZZ_TARGET(emergency_plan) {
  // Emergency plans and drills from outside: a plan body (the API), a template file, a drill's
  // participants and findings. Never throws; an accepted plan survives its own JSON unchanged.
  if (auto p = emergency::parse_plan_text(in)) {
    auto again = emergency::parse_plan(emergency::plan_body_json(*p));
    if (!again || emergency::plan_body_json(*again) != emergency::plan_body_json(*p)) std::abort();
  }
  (void)emergency::parse_template(in, "fuzz");
  emergency::Drill d;
  auto j = nlohmann::json::parse(in.begin(), in.end(), nullptr, false);
  if (!j.is_discarded()) (void)emergency::parse_drill_body(j, d);
}

WARDSEC_FUZZ_TARGET(config_text) {
  // A device's configuration as it prints it (an SSH session's bytes: anything) and the change
  // lines it logs: the kept text, its diff against the input, and the trigger reader.
  using namespace ops::config;
  std::string_view cmd = in.size() > 8 ? in.substr(0, 8) : std::string_view{};
  std::string t = normalize(in, cmd, "salt");
  if (t.find('\r') != std::string::npos) std::abort();
  Diff d = diff(in.substr(0, in.size() / 2), t, "a", "b", 200);
  if ((d.added + d.removed == 0) != d.text.empty()) std::abort();
  (void)read_only_command(in);
  Event ev;
  ev.raw = std::string(in);
  ev.set(kEventAction, in.substr(0, std::min<size_t>(in.size(), 12)));
  ev.set("process.command_line", in);
  ev.set("log.source.address", in.substr(in.size() / 2));
  (void)config_trigger(ev);
}

WARDSEC_FUZZ_TARGET(probe_wire) {
  // Probes' answers (运行监控): any host on the network can answer a probe. Each reader takes the
  // bytes as they came (and its frame's length, as the reader loop does); none reads past them.
  using namespace ops::probe;
  (void)read_icmp(in, true);
  (void)read_icmp(in, false);
  if (auto d = read_dns(in))
    for (const auto& a : d->addresses)
      if (a.empty() || a.size() > 45) std::abort();
  for (auto [frame, read] : {std::pair{&mysql_frame, &read_mysql}, std::pair{&pg_frame, &read_pg}, std::pair{&tds_frame, &read_tds}}) {
    size_t want = frame(in);
    (void)read(in.substr(0, std::min(want ? want : in.size(), in.size())));
    (void)read(in);
  }
  // An SNMP device's neighbour tables (LLDP/CDP): the bytes as variables — table, column, index
  // length and components, type, value length and value — in any order, repeated.
  std::vector<VarBind> vars;
  for (size_t i = 0; i + 4 <= in.size() && vars.size() < 256;) {
    auto u = [&](size_t k) { return static_cast<uint8_t>(in[k]); };
    VarBind v;
    v.oid = neighbour_tables()[u(i) % 4];
    v.oid.push_back(u(i + 1) % 12);
    size_t n = u(i + 2) % 24;
    i += 3;
    for (; n && i < in.size(); n--) v.oid.push_back(u(i++) % 7 == 0 ? 300 : u(i - 1) % 8);
    if (i + 2 > in.size()) break;
    v.type = static_cast<VarBind::Type>(u(i) % 3);
    v.num = static_cast<int8_t>(u(i));
    size_t len = std::min<size_t>(u(i + 1), in.size() - i - 2);
    v.bytes = std::string(in.substr(i + 2, len));
    i += 2 + len;
    vars.push_back(std::move(v));
  }
  for (const auto& nb : neighbours_from(vars, 64))
    if (nb.name.size() > 255 || nb.chassis.size() > 255 || nb.port.size() > 255 || nb.ip.size() > 45 || !valid_utf8(nb.name)) std::abort();
}

WARDSEC_FUZZ_TARGET(mgmt_records) {
  // The management records from outside: a CSV import of every kind, a record body (the API),
  // a training's sign-in sheet. Never throws; an accepted row is a valid record, and an accepted
  // record survives its own CSV unchanged.
  mgmt::Lookup known{[](const std::string& id) { return id.size() > 3 && id[2] == '.'; },
                     [](const std::string& id) { return id == "his"; }};
  for (const auto& k : mgmt::kinds()) {
    auto rows = mgmt::read_csv(k, in, "fuzz.csv", known);
    if (!rows) continue;
    std::vector<mgmt::Record> recs;
    for (const auto& row : *rows) {
      if (!mgmt::validate(k, row.data, known) || row.id < 0) std::abort();
      mgmt::Record r;
      r.id = static_cast<int64_t>(recs.size()) + 1;
      r.data = row.data;
      recs.push_back(std::move(r));
    }
    auto again = mgmt::read_csv(k, mgmt::write_csv(k, recs), "again.csv", known);
    if (!again || again->size() != rows->size()) std::abort();
    for (size_t i = 0; i < rows->size(); i++)
      if ((*again)[i].data != (*rows)[i].data || (*again)[i].id != static_cast<int64_t>(i) + 1) std::abort();
  }
  auto j = nlohmann::json::parse(in.begin(), in.end(), nullptr, false);
  if (!j.is_discarded())
    for (const auto& k : mgmt::kinds()) (void)mgmt::validate(k, j, known);
  (void)mgmt::merge_sign_in(nlohmann::json::object(), in, "sign.csv");
}
