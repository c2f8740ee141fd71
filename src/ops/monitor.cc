#include "ops/monitor.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "alert/outputs.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/files.h"
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
  auto text = read_file(DataDir(data_dir_).ops_sources());
  if (!text) return;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) {
    spdlog::warn("{}: not JSON; log source health starts afresh", DataDir(data_dir_).ops_sources());
    return;
  }
  health_->load_json(j);
  if (j.contains("reported_assets") && j["reported_assets"].is_array())
    for (const auto& a : j["reported_assets"])
      if (a.is_string()) reported_assets_.insert(a.get<std::string>());
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

// Registered assets that never sent a line, once the center has watched long enough to know.
void SourceMonitor::check_assets(int64_t now) {
  int64_t since = health_->since();
  if (!alerts_ || since == 0 || now - since < static_cast<int64_t>(opt_.health.asset_grace_hours) * 3600 * kSec) return;
  std::string db = DataDir(data_dir_).compliance_db();
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) return;
  auto inv = compliance::Inventory::open(db);
  if (!inv) return;
  auto assets = (*inv)->assets();
  if (!assets) return;
  for (const auto& as : *assets) {
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

void SourceMonitor::save(int64_t now) {
  auto j = health_->to_json(now);
  j["reported_assets"] = reported_assets_;
  std::error_code ec;
  std::filesystem::create_directories(DataDir(data_dir_).ops(), ec);
  if (Status w = write_file_atomic(DataDir(data_dir_).ops_sources(), j.dump()); !w) spdlog::error("{}", w.error());
}

}  // namespace wardsec::ops
