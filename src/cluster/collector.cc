#include "cluster/collector.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/batch.h"
#include "cluster/head.h"
#include "cluster/site_summary.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "store/store.h"

namespace wardsec::cluster {

namespace {

const std::string kZeroHead(64, '0');

}  // namespace

Result<std::unique_ptr<Collector>> Collector::open(CollectorOptions o) {
  if (!valid_site(o.site)) return Error{"cluster.site: \"" + o.site + "\" is not a site name (1-64 of a-z 0-9 - _)"};
  std::unique_ptr<Collector> c(new Collector());
  c->o_ = std::move(o);
  auto key = KeyPair::load_or_create(c->o_.key_dir, c->o_.sign);
  if (!key) return Error{"the site's key in " + c->o_.key_dir + ": " + key.error()};
  c->key_ = std::make_unique<KeyPair>(std::move(*key));
  std::error_code ec;
  std::filesystem::create_directories(c->o_.data_dir + "/cluster", ec);
  c->position_path_ = c->o_.data_dir + "/cluster/position";
  if (Status s = c->load_position(); !s) return Error{s.error()};
  c->o_.nats.name = "wardsec-collect-" + c->o_.site;
  auto n = Nats::connect(c->o_.nats);
  if (!n) return Error{n.error()};
  c->nats_ = std::move(*n);
  return c;
}

Collector::~Collector() = default;

Status Collector::load_position() {
  head_ = kZeroHead;
  auto text = read_file(position_path_);
  if (!text) return {};  // the first start: from the store's beginning
  std::string_view t = trim(*text);
  uint64_t b = 0, r = 0;
  std::string_view head = value_after(t, "head=");
  if (!parse_u64(value_after(t, "block="), b) || !parse_u64(value_after(t, "row="), r) || head.size() != 64 ||
      value_after(t, "site=") != o_.site)
    return Error{position_path_ + ": not a position of site " + o_.site + " (\"" + std::string(t.substr(0, 120)) + "\")"};
  block_ = b;
  row_ = r;
  head_ = head;
  st_.head = head_;
  return {};
}

Status Collector::save_position() {
  return write_file_atomic(
      position_path_, "site=" + o_.site + " block=" + std::to_string(block_) + " row=" + std::to_string(row_) + " head=" + head_ + "\n");
}

Status Collector::publish_rows(std::vector<Row>& rows, uint64_t block, uint64_t next_row, bool block_done) {
  BatchHeader h;
  auto msg = make_batch(o_.site, o_.digest, head_, rows, *key_, &h);
  if (!msg) return Error{msg.error()};
  auto r = nats_->publish("wardsec." + o_.site + ".events", *msg, h.id());
  if (!r) {
    std::lock_guard lk(mu_);
    st_.publish_errors++;
    st_.last_error = r.error();
    return Error{r.error()};
  }
  head_ = h.digest;
  block_ = block_done ? block + 1 : block;
  row_ = block_done ? 0 : next_row;
  Status saved = save_position();
  {
    std::lock_guard lk(mu_);
    st_.batches++;
    st_.published_events += rows.size();
    if (!*r) st_.duplicates++;
    st_.next_block = block_;
    st_.next_row = row_;
    st_.head = head_;
    if (!saved) st_.last_error = saved.error();
  }
  rows.clear();
  return saved;
}

Status Collector::drain(const std::atomic<bool>& stop) {
  if (!stream_ready_) {
    if (Status s = nats_->ensure_stream(); !s) {
      std::lock_guard lk(mu_);
      st_.last_error = s.error();
      return s;
    }
    stream_ready_ = true;
  }
  size_t max_bytes = o_.batch_bytes;
  if (int64_t mp = nats_->max_payload(); mp > 0) max_bytes = std::min<size_t>(max_bytes, static_cast<size_t>(mp) * 3 / 4);
  auto segs = store::list_segments(o_.data_dir);
  std::vector<Event> events;
  std::vector<Row> rows;
  Status failed;
  uint64_t behind = 0;
  int64_t oldest = 0;
  for (size_t i = 0; i < segs.size() && !stop; i++) {
    if (i + 1 < segs.size()) {  // a segment entirely before the position is skipped unread
      auto next = store::SegmentReader::open(segs[i + 1]);
      if (next && next->header().first_seq <= block_) continue;
    }
    auto r = store::SegmentReader::open(segs[i]);
    if (!r) continue;
    while (auto b = r->next()) {
      uint64_t seq = b->header.seq;
      if (seq < block_) continue;
      behind++;
      if (!failed.ok() || stop) continue;  // only counting what is left
      if (seq > block_) {                  // numbers no block carries (recovery) or expired blocks
        block_ = seq;
        row_ = 0;
      }
      events.clear();
      if (Status s = r->read_events(*b, events); !s) {
        spdlog::error("collect: {}; the block is not published (wardsec verify names it)", s.error());
        std::lock_guard lk(mu_);
        st_.damaged_blocks++;
        st_.last_error = s.error();
        block_ = seq + 1;
        row_ = 0;
        continue;
      }
      if (row_ >= events.size()) {
        block_ = seq + 1;
        row_ = 0;
        behind--;
        continue;
      }
      oldest = events[row_].received;
      size_t bytes = 0;
      for (size_t k = row_; k < events.size(); k++) {
        rows.push_back(row_from_event(events[k], (seq << store::kRefRowBits) | k));
        bytes += rows.back().raw.size() + 64;
        for (const auto& [n, v] : rows.back().attrs) bytes += n.size() + v.size() + 6;
        bool last = k + 1 == events.size();
        if (last || rows.size() >= o_.batch_events || bytes >= max_bytes) {
          if (Status s = publish_rows(rows, seq, k + 1, last); !s) {
            failed = s;
            rows.clear();
            break;
          }
          bytes = 0;
          if (!last) oldest = events[k + 1].received;
        }
      }
      if (failed.ok()) behind--;
    }
  }
  std::lock_guard lk(mu_);
  st_.behind_blocks = behind;
  st_.lag_seconds = behind && oldest ? std::max(0.0, static_cast<double>(now_ns() - oldest) / 1e9) : 0;
  st_.next_block = block_;
  st_.next_row = row_;
  if (failed.ok()) st_.last_error.clear();
  return failed;
}

void Collector::publish_status() {
  std::string js = status_json();
  auto r = nats_->publish("wardsec." + o_.site + ".status", js, o_.site + ":status:" + std::to_string(now_ns()), 5000);
  if (!r) spdlog::debug("collect: status not published: {}", r.error());
}

bool Collector::publish_compliance() {
  // today in China's time (the due dates are local dates)
  int64_t local = now_ns() / 1000000000LL + 8 * 3600;
  auto j = site_compliance(o_.data_dir, utc_day(local * 1000000000LL));
  if (!j) {
    spdlog::warn("collect: the site's 等保 summary: {}", j.error());
    return true;  // tried again at the next period, not every second
  }
  (*j)["site"] = o_.site;
  (*j)["hospital"] = o_.hospital;
  (*j)["at"] = now_ns();
  auto r = nats_->publish("wardsec." + o_.site + ".compliance", j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                          o_.site + ":compliance:" + std::to_string(now_ns()), 5000);
  if (!r) spdlog::warn("collect: the 等保 summary is not published yet: {}", r.error());
  return r.ok();
}

void Collector::run(const std::atomic<bool>& stop) {
  int64_t last_status = 0, last_compliance = 0;
  int backoff_ms = o_.poll_ms;
  std::string last_logged;
  while (!stop) {
    Status s = drain(stop);
    if (!s) {
      if (s.error() != last_logged) spdlog::warn("collect: {} (the events stay in the local store and are sent later)", s.error());
      last_logged = s.error();
      backoff_ms = std::min(backoff_ms * 2, 5000);
    } else {
      if (!last_logged.empty()) spdlog::info("collect: publishing again; caught up to block {}", block_);
      last_logged.clear();
      backoff_ms = o_.poll_ms;
    }
    if (now_ns() - last_status > static_cast<int64_t>(o_.status_every_ms) * 1000000LL && nats_->connected()) {
      publish_status();
      last_status = now_ns();
    }
    if (now_ns() - last_compliance > 600LL * 1000000000LL && nats_->connected() && publish_compliance()) last_compliance = now_ns();
    sleep_unless(stop, backoff_ms);
  }
  // a last status as it stops: the region sees where the site stopped, with its signed head
  if (nats_->connected()) publish_status();
}

CollectorStats Collector::stats() const {
  std::lock_guard lk(mu_);
  CollectorStats s = st_;
  s.connected = nats_ && nats_->connected();
  return s;
}

std::string Collector::status_json() const {
  CollectorStats s = stats();
  nlohmann::json j = {{"site", o_.site},
                      {"hospital", o_.hospital},
                      {"at", now_ns()},
                      {"published", s.published_events},
                      {"batches", s.batches},
                      {"behind_blocks", s.behind_blocks},
                      {"lag_seconds", s.lag_seconds},
                      {"connected", s.connected},
                      {"last_error", s.last_error},
                      {"next_block", s.next_block}};
  if (o_.sources) {
    SiteSources src = o_.sources();
    j["sources"] = {{"tracked", src.tracked}, {"silent", src.silent}, {"abnormal", src.abnormal}, {"silent_names", src.silent_names}};
  }
  // the signed head: how far the site's chain reaches (head.h); none before the first batch
  if (!s.head.empty() && s.head != kZeroHead) {
    auto h = sign_head(o_.site, now_ns(), s.head, *key_);
    if (h)
      j["head"] = {{"at", h->at}, {"digest", h->digest}, {"key", h->key}, {"sig", h->sig}};
    else
      spdlog::warn("collect: {}", h.error());
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wardsec::cluster
