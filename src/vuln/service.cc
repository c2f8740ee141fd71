#include "vuln/service.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "compliance/assessment.h"
#include "compliance/inventory.h"
#include "core/files.h"
#include "mgmt/checks.h"
#include "mgmt/store.h"
#include "core/strutil.h"

namespace wardsec::vuln {

Result<AssetMap> load_assets(const DataDir& d, const PriorityPolicy& policy) {
  auto inv = compliance::Inventory::open(d.compliance_db());
  if (!inv) return Error{inv.error()};
  auto assets = (*inv)->assets();
  if (!assets) return Error{assets.error()};
  auto systems = (*inv)->systems();
  if (!systems) return Error{systems.error()};
  std::set<std::string> patient;
  if (std::filesystem::exists(d.records_db())) {
    auto rs = mgmt::Records::open(d.records_db());
    if (!rs) return Error{rs.error()};
    auto sets = mgmt::read_all(**rs);
    if (!sets) return Error{sets.error()};
    for (const auto& s : *systems) {
      auto sum = mgmt::data_summary(*sets, s.id);
      if (sum.personal + sum.sensitive_personal > 0) patient.insert(s.id);
    }
  }
  return AssetMap(*assets, *systems, patient, policy);
}

Result<ScanReport> read_any(Format f, const XmlInput& in, const std::string& scanner,
                            const std::vector<std::pair<std::string, std::string>>& mapping) {
  switch (f) {
    case Format::kNmap: return read_nmap(in);
    case Format::kGreenbone: return read_greenbone(in);
    case Format::kNessus: return read_nessus(in);
    case Format::kCsv: {
      if (in.path.empty()) return read_findings_csv(in.text, in.label(), scanner, mapping);
      auto text = read_file(in.path);
      if (!text) return Error{in.label() + ": 无法打开 / cannot open"};
      return read_findings_csv(*text, in.label(), scanner, mapping);
    }
  }
  return Error{"unknown format"};
}

Result<Taken> take_report(const DataDir& d, const ScanReport& rep, const ImportMeta& meta, const Options& o, const std::string& today) {
  auto assets = load_assets(d, o.policy);
  if (!assets) return Error{assets.error()};
  auto st = Store::open(d.vulns_db());
  if (!st) return Error{st.error()};
  Taken t;
  auto res = (*st)->import(rep, *assets, meta);
  if (!res) return Error{res.error()};
  t.res = std::move(*res);
  if (t.res.duplicate) return t;
  if (auto r = (*st)->refresh(*assets, today, meta.now, o.tz_sec); !r) return Error{r.error()};
  auto as = compliance::Assessments::open(d.compliance_db());
  if (!as) return Error{as.error()};
  std::string by = "scan #" + std::to_string(t.res.scan.id);
  for (const auto& [finding, task] : t.res.fixed_tasks) {
    if (Status s = (*as)->close_by_rescan(task, by, meta.now); !s) return Error{s.error()};
    ++t.tasks_closed;
  }
  std::set<std::string> systems;
  for (const auto& h : rep.hosts) {
    AssetRef a = assets->resolve(h.ip, h.hostname);
    if (!a.system.empty()) systems.insert(a.system);
  }
  t.systems.assign(systems.begin(), systems.end());
  auto sums = (*st)->by_system(today);
  if (!sums) return Error{sums.error()};
  for (const auto& sys : t.systems) {
    SystemSummary s;
    s.system = sys;
    for (const auto& x : *sums)
      if (x.system == sys) s = x;
    std::string text = fmt::format(
        "漏洞扫描 #{0} ({1}, {2}, {3}): 未修复 {4} 个 (紧急/高 {5}, 超期 {6}), 已修复 {7}, 修复率 {8:.0f}% / scan #{0}: {4} open ({5} "
        "critical or high, {6} overdue), {7} fixed, fix rate {8:.0f}%",
        t.res.scan.id, rep.scanner, meta.file, meta.by, s.open, s.open_urgent, s.overdue, s.fixed, s.fix_rate() * 100);
    for (const char* item : {"CE.IPS.e", "OM.VUL.a"})
      if (Status e = (*as)->add_evidence({sys, item, "record", "漏洞扫描 #" + std::to_string(t.res.scan.id), text, meta.now}); !e)
        return Error{e.error()};
  }
  return t;
}

namespace {

Result<Taken> match_and_take(const DataDir& d, Store& st, const Store::StoredInventory& si, const ImportMeta& meta, const Options& o,
                             const std::string& today) {
  auto inv = read_inventory(si.text, si.name);
  if (!inv) return Error{inv.error()};
  std::vector<std::string> names;
  for (const auto& p : inv->packages) {
    names.push_back(p.name);
    if (p.source != p.name) names.push_back(p.source);
  }
  auto adv = st.advisories_for(names);
  if (!adv) return Error{adv.error()};
  ScanReport rep = match_inventory(si.ip, si.hostname, si.ecosystem, *inv, *adv);
  rep.started = rep.finished = meta.now;
  return take_report(d, rep, meta, o, today);
}

}  // namespace

Result<Taken> take_inventory(const DataDir& d, const std::string& ip, const std::string& hostname, const std::string& ecosystem,
                             std::string_view text, const ImportMeta& meta, const Options& o, const std::string& today) {
  if (!looks_like_ip(ip)) return Error{"须给出主机的 IP 地址 / the host's IP address is required: " + ip};
  if (ecosystem.empty() || ecosystem.size() > 64)
    return Error{"须给出操作系统生态，如 Debian:12、Ubuntu:22.04、Red Hat、openEuler / the ecosystem is required, e.g. Debian:12"};
  auto inv = read_inventory(text, meta.file);
  if (!inv) return Error{inv.error()};
  auto st = Store::open(d.vulns_db());
  if (!st) return Error{st.error()};
  Store::StoredInventory si{ip, hostname, ecosystem, std::string(text), meta.file, meta.now};
  if (Status s = (*st)->save_inventory(si); !s) return Error{s.error()};
  return match_and_take(d, **st, si, meta, o, today);
}

Result<FeedTaken> take_feed(const DataDir& d, std::string_view text, const ImportMeta& meta, const Options& o, const std::string& today) {
  auto adv = read_osv(text, meta.file);
  if (!adv) return Error{adv.error()};
  if (adv->empty())
    return Error{meta.file + ": 没有可用的 OSV 记录（须有 affected 的版本范围） / no usable OSV records (affected ranges or versions)"};
  auto st = Store::open(d.vulns_db());
  if (!st) return Error{st.error()};
  FeedTaken ft;
  auto n = (*st)->import_feed(*adv);
  if (!n) return Error{n.error()};
  ft.advisories = *n;
  auto invs = (*st)->inventories();
  if (!invs) return Error{invs.error()};
  for (const auto& si : *invs) {
    ImportMeta m = meta;
    m.file = si.name + " (" + meta.file + ")";
    m.sha256.clear();
    auto t = match_and_take(d, **st, si, m, o, today);
    if (!t) return Error{t.error()};
    ft.rematched.push_back(std::move(*t));
  }
  return ft;
}

}  // namespace wardsec::vuln
