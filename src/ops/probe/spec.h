// A probe (运行监控): what the center checks, on which asset or clinical system, how often, and
// what counts as down or slow. The probes live in <data>/ops/probes.json (DataDir::ops_probes),
// written by the console's API and read by the prober, which picks up a change within seconds.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace wardsec::ops::probe {

struct Spec {
  std::string id;    // [A-Za-z0-9_.-], at most 64: the key of its events, state and availability
  std::string name;  // shown
  std::string kind;  // icmp tcp http dns mysql postgresql tds snmp
  std::string host;  // address or host name (http: taken from the URL)
  int port = 0;      // the kind's default when 0
  int interval_s = 60;
  int timeout_ms = 3000;
  int fail_after = 3;  // consecutive failures before an outage is declared (it starts at the first)
  int slow_ms = 0;     // a response slower than this `fail_after` times in a row is a slowdown; 0: never
  std::string asset, system, zone;
  bool enabled = true;
  // http: the URL, the status expected (0: any 2xx/3xx), text the body must contain, the days
  // before the certificate's expiry that warn, whether the certificate is checked, a CA file.
  std::string url, expect_text, ca_file;
  int expect_status = 0;
  int cert_warn_days = 30;
  bool tls_verify = true;
  // dns: the name asked, A or AAAA, and an address the answer must hold ("" any).
  std::string dns_name, dns_type = "A", expect_address;
  // postgresql: the user and database of the startup message (never authenticated).
  std::string db_user = "wardsec_probe", db_name = "postgres";
  // snmp: v2c (community) or v3 (user, SHA/SHA-256/SHA-512/MD5 and AES/DES; authNoPriv when
  // no priv password), and the interfaces (ifIndex) whose status and traffic are read.
  std::string snmp_version = "2c", community, snmp_user, auth_proto = "SHA", auth_pass, priv_proto = "AES", priv_pass;
  std::vector<int> interfaces;
  // snmp: read the device's LLDP and CDP neighbour tables (every kNeighbourEvery seconds), whose
  // systems are devices on the network (ops/netdevices.h). Set for a run by the prober.
  bool neighbours = true;
  bool walk_neighbours = false;
  static constexpr int kNeighbourEvery = 300;

  int effective_port() const;
  std::string target() const;  // "host:port", the URL, or the host for icmp
};

inline const std::vector<std::string>& kinds() {
  static const std::vector<std::string> k = {"icmp", "tcp", "http", "dns", "mysql", "postgresql", "tds", "snmp"};
  return k;
}

// One probe from JSON, checked: an error names the probe and the field.
Result<Spec> spec_from_json(const nlohmann::json& j);
// The probe as JSON; `secrets` false leaves out the community and passwords (shown to the console
// as "set" flags instead).
nlohmann::json spec_to_json(const Spec& s, bool secrets);
// The secrets of a probes.json document (SNMP community and v3 passwords) sealed and opened in
// place: probes.json holds them sealed under a key in the key folder (secretbox, probes.key), so
// a copy of the data folder does not hand over the network devices' SNMP access. `open` returns
// nullopt for a text it cannot open; a secret written plain (by hand) is taken as it is.
void seal_secrets(nlohmann::json& doc, const std::function<std::string(std::string_view)>& seal);
Status open_secrets(nlohmann::json& doc, const std::function<std::optional<std::string>(std::string_view)>& open);
// The probes of a probes.json document ({"probes": [...]}): all or an error naming the first bad one;
// ids must be unique.
Result<std::vector<Spec>> specs_from_json(const nlohmann::json& doc);

}  // namespace wardsec::ops::probe
