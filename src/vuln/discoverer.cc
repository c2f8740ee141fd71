#include "vuln/discoverer.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/timeutil.h"

namespace wardsec::vuln {

Discoverer::Discoverer(DiscoveryConfig c, std::string data_dir, Options o, std::function<void(const Taken&)> on_taken)
    : cfg_(std::move(c)), data_dir_(std::move(data_dir)), opt_(std::move(o)), on_taken_(std::move(on_taken)) {}

Discoverer::~Discoverer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Discoverer::wait() {
  std::thread t;
  {
    std::lock_guard lk(mu_);
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

Status Discoverer::start(const std::vector<std::string>& targets, const std::string& by) {
  auto t = scan_targets(cfg_, targets);
  if (!t) return Error{t.error()};
  std::lock_guard lk(mu_);
  if (running_) return Error{"已有发现扫描在进行 / a discovery scan is already running"};
  if (thread_.joinable()) thread_.join();
  running_ = true;
  thread_ = std::thread([this, targets = *t, by] { run(targets, by); });
  return {};
}

void Discoverer::tick(int64_t now) {
  if (cfg_.schedule.empty() || cfg_.networks.empty()) return;
  std::string local = local_time(now, opt_.tz_sec);  // "YYYY-MM-DD HH:MM"
  std::string day = local.substr(0, 10);
  {
    std::lock_guard lk(mu_);
    if (last_day_ == day || local.substr(11, 5) < cfg_.schedule) return;
    last_day_ = day;
  }
  if (Status s = start({}, "schedule"); !s) spdlog::warn("discovery: the scheduled scan did not start: {}", s.error());
}

void Discoverer::run(std::vector<std::string> targets, std::string by) {
  pthread_setname_np(pthread_self(), "ws-discovery");
  int64_t started = now_ns();
  nlohmann::json st = {{"started", format_rfc3339(started)}, {"by", by}, {"targets", targets}};
  {
    std::lock_guard lk(mu_);
    last_ = st;
    last_["running"] = true;
  }
  auto rep = run_nmap(cfg_, targets, data_dir_ + "/tmp", &stop_);
  if (rep) {
    std::string today = local_time(now_ns(), opt_.tz_sec).substr(0, 10);
    ImportMeta meta{"nmap " + targets.front() + (targets.size() > 1 ? " …" : ""), "", by, now_ns(), opt_.tz_sec};
    auto t = take_report(DataDir(data_dir_), *rep, meta, opt_, today);
    if (t) {
      st["scan"] = t->res.scan.id;
      st["hosts"] = t->res.scan.hosts;
      st["unregistered"] = t->res.unregistered;
      st["service_changes"] = t->res.changes.size();
      if (on_taken_) on_taken_(*t);
    } else {
      st["error"] = t.error();
    }
  } else {
    st["error"] = rep.error();
  }
  if (st.contains("error")) spdlog::warn("discovery: {}", st["error"].get<std::string>());
  st["finished"] = format_rfc3339(now_ns());
  st["running"] = false;
  std::lock_guard lk(mu_);
  last_ = st;
  running_ = false;
}

nlohmann::json Discoverer::state() const {
  std::lock_guard lk(mu_);
  return {{"enabled", !cfg_.networks.empty()}, {"networks", cfg_.networks},  {"ports", cfg_.ports},
          {"schedule", cfg_.schedule},         {"running", running_.load()}, {"last", last_}};
}

}  // namespace wardsec::vuln
