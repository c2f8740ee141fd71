// Fuzz targets: what the host agent reads on a host (os-release, passwd, group, dpkg's status,
// /proc/net, sudoers, auditd's records, journal entries), its diffs, and what the center reads from agents (a
// group configuration, two inventories compared).
#include <cstdlib>
#include <map>
#include <string>

#include "agent/fim.h"
#include "agent/inventory.h"
#include "agent/journal.h"
#include "agent/whodata.h"
#include "fleet/agent_config.h"
#include "fleet/inventory_diff.h"
#include "fuzz.h"

using namespace wardsec;
using namespace wardsec::fuzz;

WARDSEC_FUZZ_TARGET(agent_input) {
  // Never throws or crashes; what is read is in range; a configuration read survives its own form.
  std::string text(in);
  (void)agent::parse_os_release(text);
  for (const auto& u : agent::parse_passwd(text))
    if (!u.contains("name") || u["name"].get<std::string>().empty()) std::abort();
  (void)agent::parse_group(text);
  for (const auto& p : agent::parse_dpkg_status(text))
    if (p["name"].get<std::string>().empty() || p["version"].get<std::string>().empty()) std::abort();
  for (const char* proto : {"tcp", "udp6"})
    for (const auto& s : agent::parse_proc_net(text, proto))
      if (s["port"].get<int64_t>() < 0 || s["port"].get<int64_t>() > 65535) std::abort();
  (void)agent::sudo_rules(text);
  agent::WhoData w("/nonexistent");
  size_t p = 0;
  while (p < text.size()) {
    size_t nl = text.find('\n', p);
    if (nl == std::string::npos) nl = text.size();
    w.feed(text.substr(p, nl - p));
    p = nl + 1;
  }
  size_t half = text.size() / 2;
  std::string d = agent::text_diff(text.substr(0, half), text.substr(half), 4096);
  if (d.size() > 4096 + 64) std::abort();
  if (auto c = fleet::parse_agent_config(text)) {
    auto again = fleet::parse_agent_config(fleet::agent_config_json(*c));
    if (!again || fleet::agent_config_json(*again) != fleet::agent_config_json(*c)) std::abort();
  }
  // A journal entry whose fields are the input: one line, no control characters, a header of
  // six fields whatever the fields hold.
  std::map<std::string, std::string> jf;
  const char* keys[] = {"MESSAGE", "PRIORITY", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "_PID", "_HOSTNAME"};
  for (size_t k = 0; k < 6; k++) jf[keys[k]] = text.substr(k * text.size() / 6, text.size() / 6 + 1);
  bool cut = false;
  std::string jl = agent::journal_line(jf, text.size() * 1000003ULL, cut);
  for (char c : jl)
    if (static_cast<unsigned char>(c) < 32) std::abort();
  if (jl[0] != '<') std::abort();
  for (size_t sp = 0, prev = 0, k = 0; k < 7; k++, prev = sp + 1)  // seven non-empty header fields
    if ((sp = jl.find(' ', prev)) == std::string::npos || sp == prev) std::abort();
  for (const auto& ch : fleet::diff_inventory(text.substr(0, half), text.substr(half)))
    if (ch.kind.empty() || ch.change.empty()) std::abort();
}
