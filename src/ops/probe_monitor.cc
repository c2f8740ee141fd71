#include "ops/probe_monitor.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/fields.h"
#include "core/timeutil.h"
#include "ops/ops_alert.h"
#include "server/secretbox.h"

namespace wardsec::ops {

namespace {

// 等保 MC.CEN.c: central monitoring of the running state of links, security devices, network
// devices and servers.
const std::vector<std::string> kMlps = {"l3-smc1-09"};
const char* const kBasis =
    "（等保 MC.CEN.c：集中监测网络链路、安全设备、网络设备和服务器等的运行状况 / central monitoring of the running state of links, devices "
    "and servers）";

std::string duration_text(int64_t ns) {
  int64_t s = ns / kSec;
  if (s < 60) return std::to_string(s) + " 秒";
  if (s < 3600) return std::to_string(s / 60) + " 分 " + std::to_string(s % 60) + " 秒";
  return std::to_string(s / 3600) + " 小时 " + std::to_string(s % 3600 / 60) + " 分";
}

std::string who(const probe::Spec& s) {
  return s.name + "（" + s.kind + " " + s.target() + (s.system.empty() ? "" : "，" + s.system) + "）";
}

}  // namespace

Event probe_event(const probe::Spec& s, const probe::Outcome& o, int64_t ts) {
  static const FieldId id = FieldRegistry::intern("wardsec.probe.id"), kind = FieldRegistry::intern("wardsec.probe.kind"),
                       target = FieldRegistry::intern("wardsec.probe.target"), status = FieldRegistry::intern("wardsec.probe.status"),
                       rtt = FieldRegistry::intern("wardsec.probe.rtt_ms"), system = FieldRegistry::intern("wardsec.probe.system"),
                       error = FieldRegistry::intern("error.message"), detail = FieldRegistry::intern("wardsec.probe.detail"),
                       ev_kind = FieldRegistry::intern("event.kind");
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.1f", o.rtt_ms);
  nlohmann::json raw = {{"@timestamp", format_rfc3339(ts)},
                        {"event.dataset", "wardsec.probe"},
                        {"probe", s.id},
                        {"name", s.name},
                        {"kind", s.kind},
                        {"target", s.target()},
                        {"status", o.ok ? "up" : "down"},
                        {"rtt_ms", o.rtt_ms}};
  if (!s.system.empty()) raw["system"] = s.system;
  if (!s.asset.empty()) raw["host.name"] = s.asset;
  if (!o.error.empty()) raw["error"] = o.error;
  if (!o.detail.empty()) raw["detail"] = o.detail;
  Event ev;
  ev.raw = raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ev.ts = ev.received = ts;
  ev.set(ev_kind, "metric");
  ev.set(kEventDataset, "wardsec.probe");
  ev.set(kEventModule, "ops");
  ev.set(kEventOutcome, o.ok ? "success" : "failure");
  ev.set(id, s.id);
  ev.set(kind, s.kind);
  ev.set(target, s.target());
  ev.set(status, o.ok ? "up" : "down");
  ev.set(rtt, ms);
  if (!s.system.empty()) ev.set(system, s.system);
  if (!s.asset.empty()) ev.set(kHostName, s.asset);
  if (!o.error.empty()) ev.set(error, o.error);
  if (!o.detail.empty()) ev.set(detail, o.detail);
  return ev;
}

Result<std::unique_ptr<ProbeMonitor>> ProbeMonitor::open(const std::string& data_dir, alert::AlertStore* alerts, alert::Outputs* outputs,
                                                         Emit emit, int tz_sec, const std::string& key_dir, int snmp_threads) {
  std::error_code ec;
  std::filesystem::create_directories(DataDir(data_dir).ops(), ec);
  auto db = probe::AvailabilityDb::open(DataDir(data_dir).ops_availability());
  if (!db) return Error{db.error()};
  ::chmod(DataDir(data_dir).ops_availability().c_str(), 0600);
  std::unique_ptr<ProbeMonitor> m(new ProbeMonitor(data_dir, alerts, outputs, std::move(emit)));
  m->db_ = std::move(*db);
  m->tz_ = tz_sec;
  m->key_dir_ = key_dir;
  m->tracker_ = std::make_unique<probe::Tracker>(m->db_.get(), tz_sec);
  ProbeMonitor* self = m.get();
  m->prober_ = std::make_unique<probe::Prober>(
      [self](const probe::Spec& s, const probe::Outcome& o, int64_t ts) { self->result(s, o, ts); }, snmp_threads);
  return m;
}

ProbeMonitor::ProbeMonitor(std::string data_dir, alert::AlertStore* alerts, alert::Outputs* outputs, Emit emit)
    : data_dir_(std::move(data_dir)), alerts_(alerts), outputs_(outputs), emit_(std::move(emit)) {}

ProbeMonitor::~ProbeMonitor() { stop(); }

void ProbeMonitor::start() {
  timer_ = std::make_unique<boost::asio::steady_timer>(prober_->io());
  boost::asio::post(prober_->io(), [this] {
    reload();
    tick();
  });
  prober_->start();
}

void ProbeMonitor::stop() {
  if (!prober_) return;
  prober_->stop();
  flush_events();
  save();
  (void)db_->flush();
  timer_.reset();  // bound to the prober's io_context: gone before it
  prober_.reset();
}

// Every 2 s: the probes file looked at; every 10 s the state saved and the availability written.
void ProbeMonitor::tick() {
  flush_events();
  reload();
  if (ticks_ % 5 == 0) {
    save();
    if (Status f = db_->flush(); !f) spdlog::error("probes: cannot write the availability: {}", f.error());
  }
  ticks_++;
  timer_->expires_after(std::chrono::seconds(2));
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void ProbeMonitor::flush_events() {
  if (events_.empty()) return;
  std::vector<Event> batch;
  batch.swap(events_);
  emit_(std::move(batch));  // waits for room in the store's queue: results are never dropped
}

void ProbeMonitor::reload() {
  std::string path = DataDir(data_dir_).ops_probes();
  std::error_code ec;
  auto m = std::filesystem::last_write_time(path, ec);
  if (ec) m = {};
  if (m == seen_) return;
  seen_ = m;
  std::vector<probe::Spec> specs;
  if (!ec) {
    auto text = read_file(path);
    auto j = nlohmann::json::parse(text ? *text : std::string(), nullptr, false);
    auto box = server::SecretBox::load_or_create(key_dir_, "probes.key");
    Status opened = !box ? Status{Error{box.error()}} : probe::open_secrets(j, [&](std::string_view v) { return box->open(v); });
    auto s = j.is_discarded() ? Result<std::vector<probe::Spec>>(Error{"not JSON"})
             : !opened        ? Result<std::vector<probe::Spec>>(Error{opened.error()})
                              : probe::specs_from_json(j);
    if (!s) {
      spdlog::error("{}: {}; the probes in force stay", path, s.error());
      return;
    }
    specs = std::move(*s);
  }
  int64_t now = now_ns();
  for (int64_t id : tracker_->set_specs(specs, now))
    if (alerts_) close_alert(*alerts_, id, "探测已删除或停用 / the probe was removed or disabled", now);
  spdlog::info("probes: {} in force", specs.size());
  prober_->set(std::move(specs));
}

void ProbeMonitor::result(const probe::Spec& s, const probe::Outcome& o, int64_t ts) {
  if (emit_) {
    events_.push_back(probe_event(s, o, ts));
    if (events_.size() >= kBatch) flush_events();
  }
  if (netdevices_ && o.neighbours_read) netdevices_->observe_neighbours(s.id, o.neighbours, ts);
  for (auto& c : tracker_->observe(s, o, ts)) change(c, ts);
}

void ProbeMonitor::change(probe::Change& c, int64_t now) {
  const auto& s = c.spec;
  std::string asset = s.asset.empty() ? s.host : s.asset;
  auto raise = [&](const AlertText& t, const std::string& summary) {
    if (!alerts_) return;
    auto a = ops_alert(t, asset, summary, now, kMlps, kBasis);
    a.dedup_key = std::string(t.rule) + "|" + s.id;
    a.system = s.system;
    a.zone = s.zone;
    if (int64_t id = raise_alert(*alerts_, outputs_, a, now)) tracker_->set_alert(c, id);
  };
  switch (c.kind) {
    case probe::Change::kDown:
      spdlog::warn("probe {}: down since {} ({})", s.id, format_rfc3339(c.since), c.cause);
      raise({"wardsec.ops.probe_down", "业务系统或设备不可用", "System or device unavailable", "high"},
            who(s) + " 自 " + local_time(c.since, tz_) + " 起连续 " + std::to_string(s.fail_after) + " 次探测失败：" + c.cause + " / " +
                s.name + " failed " + std::to_string(s.fail_after) + " probes in a row since " + format_rfc3339(c.since));
      break;
    case probe::Change::kUp:
      spdlog::info("probe {}: up again after {}", s.id, duration_text(now - c.since));
      if (alerts_)
        close_alert(*alerts_, c.alert_id,
                    "已恢复，中断 " + duration_text(now - c.since) + " / recovered after " + std::to_string((now - c.since) / kSec) + " s",
                    now);
      break;
    case probe::Change::kSlow:
      raise({"wardsec.ops.probe_slow", "业务系统响应缓慢", "System responding slowly", "medium"}, who(s) + " 响应缓慢：" + c.cause);
      break;
    case probe::Change::kFast:
      if (alerts_) close_alert(*alerts_, c.alert_id, "响应已恢复正常 / response times are back to normal", now);
      break;
    case probe::Change::kCertSoon:
      raise({"wardsec.ops.cert_expiring", "网站证书即将过期", "Web certificate expiring", "medium"}, who(s) + "：" + c.cause);
      break;
    case probe::Change::kCertOk:
      if (alerts_) close_alert(*alerts_, c.alert_id, "证书已更新 / the certificate was renewed", now);
      break;
  }
}

void ProbeMonitor::save() {
  int64_t now = now_ns();
  auto j = tracker_->to_json(now);
  j["prober"] = prober_->stats();
  j["saved"] = now / kSec;
  if (Status w = write_file_atomic(DataDir(data_dir_).ops_probe_state(), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      !w)
    spdlog::error("{}", w.error());
}

}  // namespace wardsec::ops
