#include "ops/monitor.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "alert/outputs.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "ops/ops_alert.h"

namespace wardsec::ops {

namespace {

// 等保 items the alerts evidence: audit at the boundary and in the computing environment covers
// every device (AB.AUD.a, CE.AUD.a), central monitoring of the devices' state and central
// collection of their audit data (MC.CEN.c, MC.CEN.d).
const std::vector<std::string> kMlps = {"l3-abs1-16", "l3-ces1-12", "l3-smc1-09", "l3-smc1-10"};  // as the rules tag them, without "mlps."
const char* const kBasis =
    "（等保 AB.AUD.a、CE.AUD.a、MC.CEN.c、MC.CEN.d：每台设备的日志都应送达审计中心 / every device's logs must reach the center）";

alert::Alert source_alert(const AlertText& t, const std::string& asset, std::string summary, int64_t now) {
  return ops_alert(t, asset, std::move(summary), now, kMlps, kBasis);
}

}  // namespace

SourceMonitor::SourceMonitor(std::string data_dir, MonitorOptions o, alert::AlertStore* alerts, alert::Outputs* outputs)
    : data_dir_(std::move(data_dir)), opt_(o), alerts_(alerts), outputs_(outputs), health_(std::make_shared<SourceHealth>(o.health)) {
  if (auto nd = read_file(DataDir(data_dir_).ops() + "/netdevices.json")) {
    auto j = nlohmann::json::parse(*nd, nullptr, false);
    if (!j.is_discarded()) netdevices_->load_json(j);
  }
  auto text = read_file(DataDir(data_dir_).ops_sources());
  if (!text) return;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) {
    spdlog::warn("{}: not JSON; log source health starts afresh", DataDir(data_dir_).ops_sources());
    return;
  }
  health_->load_json(j);
  for (auto [key, set] : {std::pair{"reported_assets", &reported_assets_}, std::pair{"reported_new", &reported_new_}})
    if (j.contains(key) && j[key].is_array())
      for (const auto& a : j[key])
        if (a.is_string()) set->insert(a.get<std::string>());
}

SourceMonitor::~SourceMonitor() { stop(); }

void SourceMonitor::start() {
  int64_t every = static_cast<int64_t>(opt_.evaluate_seconds) * kSec;
  periodic_.start(std::min<int64_t>(every, 5 * kSec), every, [this] { tick(now_ns()); });  // the console has states soon after a start
}

void SourceMonitor::stop() {
  periodic_.stop();
  save(now_ns());
}

void SourceMonitor::tick(int64_t now) {
  auto changes = health_->evaluate(now);
  size_t bad = static_cast<size_t>(std::count_if(changes.begin(), changes.end(), [](const Transition& t) { return t.to != "ok"; }));
  if (bad > kMaxEach) raise_many(changes, bad, now);
  for (const auto& t : changes)
    if (bad <= kMaxEach || t.to == "ok") raise(t, now);
  check_assets(now);
  save(now);
}

// Many sources turning at once is one story (a relay, a link or the center's own input down;
// or a sender inventing host names to flood the console): one alert names them.
void SourceMonitor::raise_many(const std::vector<Transition>& changes, size_t bad, int64_t now) {
  spdlog::warn("{} log sources turned silent or abnormal at once", bad);
  if (!alerts_) return;
  std::string names;
  size_t listed = 0;
  for (const auto& t : changes) {
    if (t.to == "ok" || listed == 20) continue;
    names += (listed++ ? "、" : "") + t.source;
  }
  auto a = source_alert({"wardsec.ops.sources_many", "大量日志源同时静默或异常", "Many log sources silent or abnormal at once", "high"},
                        "wardsec",
                        std::to_string(bad) + " 个日志源同时静默或异常（中继、链路或本中心接收端故障，或有发送方伪造大量主机名）：" +
                            names + (bad > listed ? " 等" : "") + " / " + std::to_string(bad) +
                            " log sources turned silent or abnormal at once (a relay, a link or the center's input down, or a sender "
                            "inventing host names)",
                        now);
  raise_alert(*alerts_, outputs_, a, now);
}

void SourceMonitor::raise(const Transition& t, int64_t now) {
  // The last problem's alert is closed by the center when the source recovers, or when it turns
  // to another problem (silent, then a flood), which gets its own; one a person closed stays so.
  if (alerts_)
    close_alert(
        *alerts_, t.alert_id,
        t.to == "ok" ? "日志源已恢复正常 / the log source recovered" : "日志源状态已变为" + t.to + " / the log source is now " + t.to, now);
  if (t.to == "ok") {
    spdlog::info("log source {} recovered ({} before)", t.source, t.from);
    return;
  }
  spdlog::warn("log source {}: {} ({})", t.source, t.to, t.reason);
  if (!alerts_) return;
  bool silent = t.to == "silent";
  auto a = source_alert({silent ? "wardsec.ops.source_silent" : "wardsec.ops.source_abnormal", silent ? "日志源静默" : "日志源流量异常",
                         silent ? "Log source silent" : "Log source volume abnormal", "medium"},
                        t.source, t.source + "：" + t.reason, now);
  if (int64_t id = raise_alert(*alerts_, outputs_, a, now)) health_->set_alert(t.source, id);
}

namespace {
// The inventory's assets (none when it cannot be read).
std::vector<compliance::Asset> inventory_assets(const std::string& data_dir) {
  std::string db = DataDir(data_dir).compliance_db();
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) return {};
  auto inv = compliance::Inventory::open(db);
  if (!inv) return {};
  auto assets = (*inv)->assets();
  return assets ? std::move(*assets) : std::vector<compliance::Asset>{};
}
}  // namespace

// Registered assets that never sent a line, once the center has watched long enough to know;
// and sources first seen after that which are not registered: new devices (新设备接入).
void SourceMonitor::check_assets(int64_t now) {
  int64_t since = health_->since();
  int64_t grace = static_cast<int64_t>(opt_.health.asset_grace_hours) * 3600 * kSec;
  if (!alerts_ || since == 0 || now - since < grace) return;
  auto assets = inventory_assets(data_dir_);
  check_new_sources(assets, since + grace, now);
  check_netdevices(assets, since + grace, now);
  for (const auto& as : assets) {
    std::string key = as.name.empty() ? as.ip : as.name;
    if (key.empty() || reported_assets_.count(key)) continue;
    if ((!as.name.empty() && health_->known(as.name)) || (!as.ip.empty() && health_->known(as.ip))) continue;
    std::string hours = std::to_string((now - since) / (3600 * kSec));
    auto a = source_alert({"wardsec.ops.asset_no_logs", "登记资产从未发送日志", "Registered asset never sent a log", "low"}, key,
                          key + (as.ip.empty() || as.ip == key ? "" : " (" + as.ip + ")") + "：已登记，但本中心开始监测以来 " + hours +
                              " 小时未收到其任何日志；请配置其日志发送到本中心 / registered, but no line from it in " + hours +
                              " hours of watching: have it send its logs here",
                          now);
    a.system = as.system;
    a.zone = as.zone;
    if (raise_alert(*alerts_, outputs_, a, now)) reported_assets_.insert(key);
  }
}

// A source first seen once the first population was known (since + grace), and not in the
// inventory by name or address, is a new device: recorded and alerted once, until it is
// registered (登记为资产 on the 日志源 page). Many at once are one alert.
void SourceMonitor::check_new_sources(const std::vector<compliance::Asset>& assets, int64_t after, int64_t now) {
  std::set<std::string> registered;
  for (const auto& as : assets)
    for (const auto& k : {as.name, as.ip})
      if (!k.empty()) registered.insert(to_lower(k));
  std::vector<std::pair<std::string, std::string>> fresh;  // source, address
  for (const auto& v : health_->view(now)) {
    if (v.first < after || reported_new_.count(v.source)) continue;
    if (registered.count(to_lower(v.source)) || (!v.address.empty() && registered.count(to_lower(v.address)))) continue;
    fresh.emplace_back(v.source, v.address);
  }
  if (fresh.empty()) return;
  auto text = [](const std::pair<std::string, std::string>& f) {
    return f.first + (f.second.empty() || f.second == f.first ? "" : " (" + f.second + ")");
  };
  if (fresh.size() > kMaxEach) {
    std::string names;
    for (size_t i = 0; i < fresh.size() && i < 20; i++) names += (i ? "、" : "") + text(fresh[i]);
    auto a = source_alert({"wardsec.ops.new_devices", "大量新设备接入", "Many new devices", "medium"}, "wardsec",
                          std::to_string(fresh.size()) + " 个未登记的新日志源开始发送日志：" + names + (fresh.size() > 20 ? " 等" : "") +
                              "；请逐一核实并登记为资产 / " + std::to_string(fresh.size()) +
                              " unregistered new sources began to send logs: check and register each",
                          now);
    if (raise_alert(*alerts_, outputs_, a, now))
      for (const auto& f : fresh) reported_new_.insert(f.first);
    return;
  }
  for (const auto& f : fresh) {
    auto a = source_alert({"wardsec.ops.new_device", "新设备接入（未登记）", "New device (not registered)", "low"}, f.first,
                          text(f) +
                              "：首次发送日志，且不在资产清单中；请核实是否为授权设备并登记为资产 / sent its first log line and is not in "
                              "the inventory: check that it is authorised and register it",
                          now);
    if (raise_alert(*alerts_, outputs_, a, now)) reported_new_.insert(f.first);
  }
}

// A device first seen (a MAC in a DHCP lease, an ARP or MAC record; an LLDP/CDP neighbour of a
// probed switch) after the first population was known, whose address and name are not in the
// inventory: a new device on the network, alerted once.
void SourceMonitor::check_netdevices(const std::vector<compliance::Asset>& assets, int64_t after, int64_t now) {
  std::set<std::string> registered;
  for (const auto& as : assets)
    for (const auto& k : {as.name, as.ip})
      if (!k.empty()) registered.insert(to_lower(k));
  std::vector<NetDevice> fresh;
  for (const auto& d : netdevices_->list()) {
    if (d.reported || d.first < after) continue;
    if ((!d.ip.empty() && registered.count(to_lower(d.ip))) || (!d.name.empty() && registered.count(to_lower(d.name)))) continue;
    fresh.push_back(d);
  }
  if (fresh.empty()) return;
  auto text = [](const NetDevice& d) {
    return (d.mac.empty() ? d.id : d.mac) + (d.ip.empty() ? "" : " " + d.ip) + (d.name.empty() ? "" : " (" + d.name + ")") +
           (d.via.empty() ? "" : " via " + d.via) + (d.port.empty() ? "" : " [" + d.port + "]");
  };
  std::vector<std::string> ids;
  for (const auto& d : fresh) ids.push_back(d.id);
  if (fresh.size() > kMaxEach) {
    std::string names;
    for (size_t i = 0; i < fresh.size() && i < 20; i++) names += (i ? "、" : "") + text(fresh[i]);
    auto a = source_alert({"wardsec.ops.new_devices", "大量新设备接入", "Many new devices", "medium"}, "wardsec",
                          std::to_string(fresh.size()) + " 台未登记的设备接入网络（DHCP/ARP 记录或 LLDP/CDP 邻居）：" + names +
                              (fresh.size() > 20 ? " 等" : "") + "；请逐一核实并登记为资产 / " + std::to_string(fresh.size()) +
                              " unregistered devices joined the network (DHCP/ARP records or LLDP/CDP neighbours): check and register each",
                          now);
    if (raise_alert(*alerts_, outputs_, a, now)) netdevices_->set_reported(ids);
    return;
  }
  for (const auto& d : fresh) {
    auto a = source_alert({"wardsec.ops.new_device", "新设备接入（未登记）", "New device (not registered)", "low"},
                          !d.name.empty() ? d.name
                          : !d.ip.empty() ? d.ip
                                          : d.id,
                          text(d) +
                              "：首次出现在网络中（DHCP/ARP 记录或 LLDP/CDP 邻居），且不在资产清单中；请核实是否为授权设备并登记为资产 / "
                              "first seen on the network (DHCP/ARP records or LLDP/CDP neighbours) and not in the inventory: check that "
                              "it is authorised and register it",
                          now);
    a.source_ip = d.ip;
    if (raise_alert(*alerts_, outputs_, a, now)) netdevices_->set_reported({d.id});
  }
}

void SourceMonitor::save(int64_t now) {
  auto j = health_->to_json(now);
  j["reported_assets"] = reported_assets_;
  j["reported_new"] = reported_new_;
  std::error_code ec;
  std::filesystem::create_directories(DataDir(data_dir_).ops(), ec);
  if (Status w = write_file_atomic(DataDir(data_dir_).ops_sources(), j.dump()); !w) spdlog::error("{}", w.error());
  if (Status w = write_file_atomic(DataDir(data_dir_).ops() + "/netdevices.json", netdevices_->to_json().dump()); !w)
    spdlog::error("{}", w.error());
}

}  // namespace wardsec::ops
