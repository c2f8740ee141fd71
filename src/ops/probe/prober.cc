#include "ops/probe/prober.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <nlohmann/json.hpp>

#include "core/timeutil.h"

namespace wardsec::ops::probe {

namespace asio = boost::asio;

struct Prober::Slot {
  Spec spec;
  std::string key;  // the spec as JSON: a changed probe gets a new slot
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point due;
  std::optional<std::chrono::steady_clock::time_point> phase;   // until the first run
  std::optional<std::chrono::steady_clock::time_point> walked;  // snmp: the neighbour tables were last read
  bool running = false, gone = false;
  Slot(asio::io_context& io, Spec s, std::string k) : spec(std::move(s)), key(std::move(k)), timer(io) {}
};

Prober::Prober(OnResult on_result, int snmp_threads)
    : checks_(std::make_unique<Checks>(io_, snmp_threads)), on_result_(std::move(on_result)) {}

Prober::~Prober() { stop(); }

void Prober::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(io_);
    io_.run();
  });
}

void Prober::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    for (auto& [id, s] : slots_) {
      s->gone = true;
      s->timer.cancel();
    }
    slots_.clear();
    checks_->stop();
    io_.stop();
  });
  thread_.join();
}

void Prober::set(std::vector<Spec> specs) {
  asio::post(io_, [this, specs = std::move(specs)] { apply(specs); });
}

void Prober::apply(const std::vector<Spec>& specs) {
  std::map<std::string, std::shared_ptr<Slot>> next;
  for (const auto& s : specs) {
    if (!s.enabled) continue;
    std::string key = spec_to_json(s, true).dump();
    auto it = slots_.find(s.id);
    if (it != slots_.end() && it->second->key == key) {
      next[s.id] = it->second;
      slots_.erase(it);
      continue;
    }
    auto slot = std::make_shared<Slot>(io_, s, key);
    // The first run within 10 s, the next ones on the probe's own phase in its interval (both by
    // the id's hash): a new probe shows its state soon, and 2,000 probes started together do not
    // run in the same second ever after.
    uint64_t h = std::hash<std::string>{}(s.id), every = static_cast<uint64_t>(s.interval_s) * 1000;
    auto now = std::chrono::steady_clock::now();
    slot->due = now + std::chrono::milliseconds(h % std::min<uint64_t>(every, 10000));
    slot->phase = now + std::chrono::milliseconds(h % every);
    next[s.id] = slot;
    schedule(slot);
  }
  for (auto& [id, s] : slots_) {  // removed or changed
    s->gone = true;
    s->timer.cancel();
  }
  slots_ = std::move(next);
}

void Prober::schedule(const std::shared_ptr<Slot>& slot) {
  slot->timer.expires_at(slot->due);
  slot->timer.async_wait([this, slot](const boost::system::error_code& ec) {
    if (ec || slot->gone) return;
    fire(slot);
  });
}

void Prober::fire(const std::shared_ptr<Slot>& slot) {
  auto now = std::chrono::steady_clock::now();
  double late = std::chrono::duration<double, std::milli>(now - slot->due).count();
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    if (late_.size() < 10000)
      late_.push_back(late);
    else
      late_[late_pos_++ % late_.size()] = late;
    runs_++;
  }
  auto every = std::chrono::seconds(slot->spec.interval_s);
  if (slot->phase) {  // after the first run: onto the probe's phase
    slot->due = *slot->phase;
    slot->phase.reset();
  }
  slot->due += every;
  while (slot->due <= now) slot->due += every;  // the thread was held up: skip, never bunch up
  schedule(slot);
  if (slot->running) return;  // the last run has not ended (a timeout longer than the interval cannot be set)
  slot->running = true;
  in_flight_++;
  int64_t started = now_ns();
  // An SNMP probe reads its device's neighbour tables on its first run and every five minutes
  // after: they change when a device is plugged in, not every ten seconds.
  slot->spec.walk_neighbours = slot->spec.kind == "snmp" && slot->spec.neighbours &&
                               (!slot->walked || now - *slot->walked >= std::chrono::seconds(Spec::kNeighbourEvery));
  if (slot->spec.walk_neighbours) slot->walked = now;
  checks_->run(slot->spec, [this, slot, started](const Outcome& o) {
    slot->running = false;
    in_flight_--;
    if (!slot->gone) on_result_(slot->spec, o, started);
  });
}

nlohmann::json Prober::stats() const {
  std::vector<double> v;
  uint64_t runs;
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    v = late_;
    runs = runs_;
  }
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]; };
  return {{"runs", runs},
          {"late_ms", {{"p50", q(0.5)}, {"p99", q(0.99)}, {"max", v.empty() ? 0.0 : v.back()}}},
          {"icmp", checks_->icmp_mode()},
          {"snmp_dropped", checks_->snmp_dropped()}};
}

}  // namespace wardsec::ops::probe
