#include "alert/center_health.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "alert/alert_store.h"
#include "alert/outputs.h"
#include "core/timeutil.h"
#include "store/store.h"

namespace wardsec::alert {

void raise_center_alert(AlertStore& store, Outputs& out, const CenterAlert& c) {
  Alert a;
  a.rule_id = c.id;
  // "zh / en": each language in its own field (the console shows the user's)
  size_t cut = c.title.find(" / ");
  a.rule_title = cut == std::string::npos ? c.title : c.title.substr(cut + 3);
  a.rule_title_zh = cut == std::string::npos ? "" : c.title.substr(0, cut);
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

void Periodic::start(int64_t first_ns, int64_t every_ns, std::function<void()> fn) {
  thread_ = std::thread([this, first_ns, every_ns, fn = std::move(fn)] {
    std::unique_lock lk(mu_);
    int64_t wait = first_ns;
    while (!cv_.wait_for(lk, std::chrono::nanoseconds(wait), [&] { return stop_; })) {
      lk.unlock();
      fn();
      lk.lock();
      wait = every_ns;
    }
  });
}

void Periodic::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Periodic::stopping() const {
  std::lock_guard lk(mu_);
  return stop_;
}

DiskWatch::DiskWatch(std::string data_dir, std::function<uint64_t()> stored_bytes, std::function<void(const CenterAlert&)> raise,
                     int warn_days, int critical_days)
    : dir_(std::move(data_dir)),
      stored_(std::move(stored_bytes)),
      raise_(std::move(raise)),
      warn_days_(warn_days),
      critical_days_(critical_days) {}

DiskWatch::~DiskWatch() { stop(); }

void DiskWatch::start() {
  periodic_.start(0, 60 * kSec, [this] {
    struct statvfs vfs {};
    if (::statvfs(dir_.c_str(), &vfs) == 0)
      sample(now_ns(), stored_(), static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize, static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize);
  });
}

void DiskWatch::stop() { periodic_.stop(); }

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
    if ((fc_.days_left >= 0 && fc_.days_left < critical_days_) || free_frac < 0.02)
      level = "critical";
    else if ((fc_.days_left >= 0 && fc_.days_left < warn_days_) || free_frac < 0.05)
      level = "high";
    // Raised when the level first appears or rises, and again each day while it lasts.
    bool rising = !level.empty() && (last_level_.empty() || (level == "critical" && last_level_ == "high"));
    if (!level.empty() && (rising || now - last_alert_ >= 86400 * kSec)) {
      last_alert_ = now;
      char buf[512];
      std::snprintf(
          buf, sizeof buf,
          "事件存储所在磁盘剩余 %.1f GiB（%.1f%%），按当前写入速度 %.2f GiB/天 约 %s 天后写满；写满后新日志将被拒收，请扩容或调整保留期。"
          " / The store's disk has %.1f GiB free (%.1f%%); at %.2f GiB/day it is full in about %s days; then new logs are refused.",
          free_bytes / 1073741824.0, free_frac * 100, fc_.bytes_per_day / 1073741824.0,
          fc_.days_left >= 0 ? std::to_string(static_cast<long>(std::floor(fc_.days_left))).c_str() : "?", free_bytes / 1073741824.0,
          free_frac * 100, fc_.bytes_per_day / 1073741824.0,
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

namespace wardsec::alert {

StoreScrub::StoreScrub(std::string data_dir, std::function<void(const CenterAlert&)> raise, int64_t first_after_ns, int64_t every_ns)
    : dir_(std::move(data_dir)), raise_(std::move(raise)), first_after_(first_after_ns), every_(every_ns) {}

StoreScrub::~StoreScrub() { stop(); }

void StoreScrub::start() {
  periodic_.start(first_after_, every_, [this] { run_once(); });
}

void StoreScrub::stop() { periodic_.stop(); }

std::vector<std::string> StoreScrub::run_once() {
  std::vector<std::string> found;
  auto segs = store::list_segments(dir_);
  if (!segs.empty()) segs.pop_back();  // the one being written: the start checked it
  for (const auto& seg : segs) {
    if (periodic_.stopping()) return found;
    auto rd = store::SegmentReader::open(seg);
    if (!rd) {
      if (seg.size >= store::kSegmentHeaderSize) found.push_back(seg.path + ": " + rd.error());
      continue;  // removed by retention meanwhile, or damaged
    }
    while (auto b = rd->next()) {
      bool ok = false;
      auto payload = rd->read_payload(*b, &ok);
      blocks_++;
      if (!payload || !ok) found.push_back(rd->where(*b) + ": digest mismatch (damaged or altered)");
    }
    for (const auto& g : rd->gaps())
      found.push_back("segment " + std::to_string(rd->header().id) + " bytes " + std::to_string(g.from) + "-" + std::to_string(g.to) +
                      ": not a block (damaged)");
    if (rd->truncated()) found.push_back(seg.path + ": ends in a partial block at offset " + std::to_string(rd->tail_offset()));
  }
  runs_++;
  damaged_ = found.size();
  last_run_ = now_ns();
  std::vector<std::string> fresh;
  {
    std::lock_guard lk(mu_);
    for (const auto& f : found)
      if (std::find(reported_.begin(), reported_.end(), f) == reported_.end()) {
        fresh.push_back(f);
        reported_.push_back(f);
      }
  }
  for (const auto& f : fresh) spdlog::error("STORE DAMAGE (scrub): {}", f);
  if (!fresh.empty() && raise_) {
    std::string list;
    for (size_t i = 0; i < fresh.size() && i < 10; i++) list += "\n" + fresh[i];
    raise_({"wardsec.center.store_damaged", "事件存储数据损坏 / Event store data damaged", "critical",
            "后台校验发现 " + std::to_string(fresh.size()) +
                " 处存储数据损坏或被改动；数据原样保留，请运行 wardsec verify。 / "
                "The background check found damaged or altered store data; it is kept as it is; run wardsec verify." +
                list});
  }
  return found;
}

std::string StoreScrub::metrics_json() const {
  return "\"scrub_runs\":" + std::to_string(runs_.load()) + ",\"scrub_blocks\":" + std::to_string(blocks_.load()) +
         ",\"scrub_damaged\":" + std::to_string(damaged_.load()) + ",\"scrub_last_run_ns\":" + std::to_string(last_run_.load());
}

}  // namespace wardsec::alert
