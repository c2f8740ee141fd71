#include "cluster/correlate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "cluster/batch.h"
#include "cluster/rows.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::cluster {

namespace {

constexpr size_t kMaxNames = 2000000;  // event ids remembered for the alerts' evidence

constexpr std::string_view kAlerts =
    "(id String, rule_id String, title String, title_zh String, level String, first_ts Int64, last_ts Int64, value Float64, event_count "
    "UInt64, "
    "group_k Array(String), group_v Array(String), events Array(String), sites Array(String), hosts Array(String), "
    "partition UInt32, day Date, inserted DateTime DEFAULT now()) "
    "ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(day) ORDER BY (rule_id, id)";

void tsv_list(const std::vector<std::string>& v, std::string& out) {
  std::vector<std::pair<std::string, std::string>> kv;
  for (const auto& x : v) kv.emplace_back(x, "");
  tsv_array(kv, true, out);
}

}  // namespace

Status ensure_alerts_table(ClickHouse& ch) {
  if (Status s = ch.ensure_schema(); !s) return s;
  auto r = ch.query("CREATE TABLE IF NOT EXISTS " + ch.table("alerts") + " " + std::string(kAlerts));
  if (!r) return Error{r.error()};
  return {};
}

Result<std::unique_ptr<RegionCorrelator>> RegionCorrelator::open(CorrelateOptions o) {
  if (o.partitions < 1 || o.partition >= o.partitions) return Error{"--partition must be i/N with 0 <= i < N"};
  auto mapping = detect::Mapping::load(o.mapping);
  if (!mapping) return Error{"detection: " + mapping.error()};
  std::unique_ptr<RegionCorrelator> c(new RegionCorrelator());
  c->o_ = std::move(o);
  c->set_ = std::make_unique<detect::RuleSet>(std::move(*mapping));
  for (const auto& p : c->o_.rule_paths) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) c->set_->add_path(p, c->o_.load);
  }
  c->set_->finish();
  for (const auto& e : c->set_->errors()) spdlog::warn("rule skipped: {}", e.to_string());
  auto engine = detect::Engine::compile(*c->set_);
  if (!engine) return Error{"detection: " + engine.error()};
  c->engine_ = std::move(*engine);
  detect::Correlator::Options co;
  co.max_groups = c->o_.max_groups;
  co.partition = c->o_.partition;
  co.partitions = c->o_.partitions;
  c->correlator_ = std::make_unique<detect::Correlator>(*c->set_, co);
  c->o_.nats.name = "wardsec-correlate-" + std::to_string(c->o_.partition);
  auto n = Nats::connect(c->o_.nats);
  if (!n) return Error{n.error()};
  c->nats_ = std::move(*n);
  c->ch_ = std::make_unique<ClickHouse>(c->o_.clickhouse);
  return c;
}

RegionCorrelator::~RegionCorrelator() = default;

CorrelateStats RegionCorrelator::stats() const {
  std::lock_guard lk(mu_);
  return st_;
}

std::string RegionCorrelator::name_of(uint64_t id) const {
  auto it = names_.find(id);
  return it == names_.end() ? std::string() : it->second;
}

void RegionCorrelator::alert_row(const detect::CorrelationHit& h, std::string& out) {
  const auto& c = set_->correlations()[h.correlation].corr;
  std::vector<std::string> events, gk, gv;
  std::set<std::string> sites, hosts;
  for (uint64_t id : h.events) {
    std::string n = name_of(id);
    if (n.empty()) continue;
    auto bar = n.find('|');
    events.push_back(n.substr(0, bar));
    sites.insert(n.substr(0, n.find(':')));
    if (bar != std::string::npos && bar + 1 < n.size()) hosts.insert(n.substr(bar + 1));
  }
  for (const auto& [k, v] : h.group) {
    gk.push_back(k);
    gv.push_back(v);
  }
  std::string key = c.id + '\x1f' + c.name;
  for (const auto& v : gv) key += '\x1f' + v;
  key += '\x1f' + std::to_string(h.first_ts);
  std::string id = sha256_hex(key).substr(0, 32);  // one alert per correlation, group and window
  for (std::string_view v : {std::string_view(id), std::string_view(c.id.empty() ? c.name : c.id), std::string_view(c.title),
                             std::string_view(c.zh.title), std::string_view(c.level)}) {
    tsv_escape(v, out);
    out += '\t';
  }
  out += std::to_string(h.first_ts) + '\t' + std::to_string(h.last_ts) + '\t' + std::to_string(h.value) + '\t' +
         std::to_string(h.event_count) + '\t';
  tsv_list(gk, out);
  out += '\t';
  tsv_list(gv, out);
  out += '\t';
  tsv_list(events, out);
  out += '\t';
  tsv_list(std::vector<std::string>(sites.begin(), sites.end()), out);
  out += '\t';
  tsv_list(std::vector<std::string>(hosts.begin(), hosts.end()), out);
  out += '\t' + std::to_string(o_.partition) + '\t' + utc_day(h.last_ts) + '\n';
}

size_t RegionCorrelator::write_hits(std::string& rows) {
  // A hit whose events are all one site's is that site's own detection's to raise (it runs the
  // same rules); the region writes those that span sites.
  size_t n = hits_.size();
  for (const auto& h : hits_) {
    std::set<std::string> sites;
    for (uint64_t id : h.events) {
      std::string name = name_of(id);
      if (!name.empty()) sites.insert(name.substr(0, name.find(':')));
    }
    if (sites.size() >= 2)
      alert_row(h, rows);
    else {
      std::lock_guard lk(mu_);
      st_.one_site++;
    }
  }
  hits_.clear();
  return n;
}

void RegionCorrelator::feed(std::string_view text, std::string& alert_rows) {
  auto b = parse_batch(text);
  if (!b) return;  // the sink refuses and records it; nothing to correlate
  uint64_t n_matches = 0, n_hits = 0;
  for (const auto& r : b->rows) {
    Event ev = event_from_row(r);
    if (ev.get(kEventDataset) == "wardsec.alert") continue;  // a site's alert records are not events
    max_ts_ = std::max(max_ts_, ev.ts);
    std::optional<uint64_t> id;
    for (size_t rule : engine_->match(ev)) {
      n_matches++;
      if (set_->rules()[rule].correlations.empty()) continue;
      if (!id) {
        id = next_id_++;
        names_[*id] = b->header.site + ":" + std::to_string(r.ref) + "|" + std::string(ev.get(kHostName));
        order_.push_back(*id);
        if (order_.size() > kMaxNames) {
          names_.erase(order_.front());
          order_.pop_front();
        }
      }
      correlator_->on_rule_match(rule, ev, *id, hits_);
    }
  }
  correlator_->advance(max_ts_, hits_);
  n_hits = write_hits(alert_rows);
  std::lock_guard lk(mu_);
  st_.batches++;
  st_.events += b->rows.size();
  st_.rule_matches += n_matches;
  st_.hits += n_hits;
}

void RegionCorrelator::run(const std::atomic<bool>& stop) {
  std::string logged;
  std::string durable = "correlate-" + std::to_string(o_.partition);
  while (!stop) {
    if (!consumer_ && !(consumer_ = PullConsumer::open_until(*nats_, "wardsec.*.events", durable, stop, "correlate"))) break;
    auto msgs = consumer_->fetch(o_.fetch, 1000);
    if (!msgs) {
      if (msgs.error() != logged) spdlog::warn("correlate: {}", msgs.error());
      logged = msgs.error();
      sleep_unless(stop, 500);
      continue;
    }
    std::string rows;
    for (auto& m : *msgs) feed(m.data(), rows);
    if (msgs->empty()) {  // idle: windows close on the clock (less the usual lag)
      correlator_->advance(std::max<int64_t>(max_ts_, now_ns() - 5LL * 1000000000LL), hits_);
      (void)write_hits(rows);
    }
    int backoff = 500;
    while (!rows.empty() && !stop) {
      Status s = ensure_alerts_table(*ch_);
      if (s)
        s = ch_->insert("alerts",
                        "id, rule_id, title, title_zh, level, first_ts, last_ts, value, event_count, group_k, group_v, events, sites, "
                        "hosts, partition, day",
                        rows);
      if (s) {
        std::lock_guard lk(mu_);
        st_.alerts_written += static_cast<uint64_t>(std::count(rows.begin(), rows.end(), '\n'));
        st_.last_error.clear();
        break;
      }
      {
        std::lock_guard lk(mu_);
        st_.insert_errors++;
        if (st_.last_error != s.error()) spdlog::warn("correlate: {} (retrying)", s.error());
        st_.last_error = s.error();
      }
      for (auto& m : *msgs) m.in_progress();
      sleep_unless(stop, backoff);
      backoff = std::min(backoff * 2, 5000);
    }
    if (stop) break;  // not acknowledged: they come again
    for (auto& m : *msgs) (void)m.ack();
  }
}

}  // namespace wardsec::cluster
