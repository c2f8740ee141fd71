#include "alert/center_health.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "alert/alert_store.h"
#include "alert/outputs.h"
#include "core/timeutil.h"

namespace wardsec::alert {

void raise_center_alert(AlertStore& store, Outputs& out, const CenterAlert& c) {
  Alert a;
  a.rule_id = c.id;
  a.rule_title = c.title;
  a.rule_kind = "center";
  a.level = c.level;
  a.asset = "wardsec";
  a.summary = c.summary;
  a.first_ts = a.last_ts = now_ns();
  a.dedup_key = c.id;
  auto r = store.raise(a, 24 * 3600 * kSec, a.first_ts);
  if (!r) {
    spdlog::error("cannot record the alert '{}': {}", c.title, r.error());
    return;
  }
  if (r->created && !r->suppressed) {
    a.id = r->id;
    out.notify(a);
  }
}

DiskWatch::DiskWatch(std::string data_dir, std::function<uint64_t()> stored_bytes, std::function<void(const CenterAlert&)> raise,
                     int warn_days, int critical_days)
    : dir_(std::move(data_dir)), stored_(std::move(stored_bytes)), raise_(std::move(raise)), warn_days_(warn_days),
      critical_days_(critical_days) {}

DiskWatch::~DiskWatch() { stop(); }

void DiskWatch::start() {
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      struct statvfs vfs{};
      if (::statvfs(dir_.c_str(), &vfs) == 0)
        sample(now_ns(), stored_(), static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize, static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize);
      lk.lock();
      cv_.wait_for(lk, std::chrono::seconds(60), [&] { return stop_; });
    }
  });
}

void DiskWatch::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

DiskForecast DiskWatch::forecast() const {
  std::lock_guard lk(mu_);
  return fc_;
}

void DiskWatch::sample(int64_t now, uint64_t stored, uint64_t free_bytes, uint64_t total_bytes) {
  CenterAlert alert;
  {
    std::lock_guard lk(mu_);
    window_.push_back({now, stored});
    while (window_.size() > 2 && now - window_.front().t > 6 * 3600 * kSec) window_.erase(window_.begin());
    fc_.free_bytes = free_bytes;
    fc_.total_bytes = total_bytes;
    const Point& first = window_.front();
    int64_t span = now - first.t;
    fc_.bytes_per_day = 0;
    fc_.days_left = -1;
    // The rate needs ten minutes of history; a restart starts the window again.
    if (span >= 600 * kSec && stored >= first.stored) {
      fc_.bytes_per_day = static_cast<double>(stored - first.stored) * (86400.0 * kSec) / static_cast<double>(span);
      if (fc_.bytes_per_day > 0) fc_.days_left = static_cast<double>(free_bytes) / fc_.bytes_per_day;
    }
    double free_frac = total_bytes ? static_cast<double>(free_bytes) / static_cast<double>(total_bytes) : 1.0;
    std::string level;
    if ((fc_.days_left >= 0 && fc_.days_left < critical_days_) || free_frac < 0.02) level = "critical";
    else if ((fc_.days_left >= 0 && fc_.days_left < warn_days_) || free_frac < 0.05) level = "high";
    // Raised when the level first appears or rises, and again each day while it lasts.
    bool rising = !level.empty() && (last_level_.empty() || (level == "critical" && last_level_ == "high"));
    if (!level.empty() && (rising || now - last_alert_ >= 86400 * kSec)) {
      last_alert_ = now;
      char buf[512];
      std::snprintf(buf, sizeof buf,
                    "事件存储所在磁盘剩余 %.1f GiB（%.1f%%），按当前写入速度 %.2f GiB/天 约 %s 天后写满；写满后新日志将被拒收，请扩容或调整保留期。"
                    " / The store's disk has %.1f GiB free (%.1f%%); at %.2f GiB/day it is full in about %s days; then new logs are refused.",
                    free_bytes / 1073741824.0, free_frac * 100, fc_.bytes_per_day / 1073741824.0,
                    fc_.days_left >= 0 ? std::to_string(static_cast<long>(std::floor(fc_.days_left))).c_str() : "?",
                    free_bytes / 1073741824.0, free_frac * 100, fc_.bytes_per_day / 1073741824.0,
                    fc_.days_left >= 0 ? std::to_string(static_cast<long>(std::floor(fc_.days_left))).c_str() : "?");
      alert = {"wardsec.center.disk_low", "存储磁盘即将写满 / Store disk filling up", level, buf};
    }
    last_level_ = level;
  }
  if (!alert.id.empty()) {
    spdlog::warn("disk: {}", alert.summary);
    if (raise_) raise_(alert);
  }
}

std::string DiskWatch::metrics_json() const {
  DiskForecast f = forecast();
  char buf[256];
  std::snprintf(buf, sizeof buf, "\"disk_free_bytes\":%llu,\"disk_total_bytes\":%llu,\"store_bytes_per_day\":%.0f,\"disk_days_left\":%.1f",
                static_cast<unsigned long long>(f.free_bytes), static_cast<unsigned long long>(f.total_bytes), f.bytes_per_day,
                f.days_left);
  return buf;
}

}  // namespace wardsec::alert
