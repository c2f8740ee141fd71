#include "cluster/sink.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cluster/batch.h"
#include "cluster/head.h"
#include "cluster/rows.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::cluster {

namespace {

std::string json_str(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double json_num(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

uint64_t json_u64(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

// A time in ns: whole, never through a double (a signed head's `at` must come back exact).
int64_t json_i64(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number_integer() && !(it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX) ? it->get<int64_t>()
                                                                                                                    : 0;
}

}  // namespace

struct Sink::Pending {
  std::vector<Batch> batches;
  std::string sites;                             // TSV rows for `sites`
  std::string compliance;                        // TSV rows for `compliance`
  std::string heads;                             // TSV rows for `heads`
  std::map<std::string, std::string> new_heads;  // site -> digest, once inserted
  std::string rejected;                          // TSV rows for `rejected`
  uint64_t statuses = 0, rejects = 0;
};

Result<std::unique_ptr<Sink>> Sink::open(SinkOptions o) {
  std::unique_ptr<Sink> s(new Sink());
  s->o_ = std::move(o);
  s->o_.nats.name = "wardsec-sink";
  auto n = Nats::connect(s->o_.nats);
  if (!n) return Error{n.error()};
  s->nats_ = std::move(*n);
  s->ch_ = std::make_unique<ClickHouse>(s->o_.clickhouse);
  return s;
}

Sink::~Sink() = default;

SinkStats Sink::stats() const {
  std::lock_guard lk(mu_);
  return st_;
}

const KeyPair* Sink::key_of(const std::string& site, std::string& why) {
  if (auto it = keys_.find(site); it != keys_.end()) return it->second.get();
  std::string path = o_.keys_dir + "/" + site + ".pub";
  auto k = KeyPair::load_public(path);
  if (!k) {
    why = "no public key for site " + site + " (" + path + ": " + k.error() + ")";
    return nullptr;
  }
  return (keys_[site] = std::make_unique<KeyPair>(std::move(*k))).get();
}

std::string Sink::take_head(const std::string& site, const nlohmann::json& status, Pending& p) {
  auto it = status.find("head");
  if (it == status.end()) return "";  // none before the site's first batch
  if (!it->is_object()) return "head: not an object";
  auto h = make_head(site, json_i64(*it, "at"), json_str(*it, "digest"), json_str(*it, "key"), json_str(*it, "sig"));
  if (!h) return h.error();
  if (!o_.keys_dir.empty()) {
    std::string why;
    const KeyPair* k = key_of(site, why);
    if (k) why = check_head(*h, *k);
    if (!why.empty()) return "head: " + why;
  }
  auto known = p.new_heads.find(site);
  if (known != p.new_heads.end() ? known->second == h->digest : last_head_[site] == h->digest) return "";  // not new
  p.new_heads[site] = h->digest;
  tsv_escape(site, p.heads);
  p.heads += '\t' + std::to_string(h->at) + '\t' + utc_day(h->at) + '\t' + h->digest + '\t' + h->key + '\t' + h->sig + '\n';
  return "";
}

void Sink::reject(const NatsMsg& m, const std::string& reason, Pending& p) {
  spdlog::warn("sink: refused a message on {}: {}", m.subject(), reason);
  std::string head(m.data().substr(0, 300));
  for (std::string_view v : {m.subject(), std::string_view(reason), std::string_view(head)}) {  // `at` takes its default
    tsv_escape(v, p.rejected);
    p.rejected += '\t';
  }
  p.rejected.back() = '\n';
  p.rejects++;
}

Status Sink::insert_all(Pending& p) {
  if (Status s = ch_->ensure_schema(); !s) return s;
  // which of these batches ClickHouse has already (a redelivery after a crash)
  std::set<std::string> have;
  if (!p.batches.empty()) {
    std::string ids;
    for (const auto& b : p.batches) ids += (ids.empty() ? "" : ",") + sql_string(b.header.id());
    auto r = ch_->query("SELECT id FROM " + ch_->table("batches") + " WHERE id IN (" + ids + ") FORMAT TabSeparated");
    if (!r) return Error{r.error()};
    for (auto line : split_view(*r, '\n'))
      if (!line.empty()) have.emplace(line);
  }
  std::string events, batches;
  uint64_t n_events = 0, n_batches = 0, dups = 0;
  for (const auto& b : p.batches) {
    std::string id = b.header.id();
    if (!have.insert(id).second) {
      dups++;
      continue;
    }
    std::string first_day, last_day;
    for (const auto& r : b.rows) {
      write_table_row(b.header.site, r, id, events);
      std::string d = utc_day(r.ts);
      if (first_day.empty() || d < first_day) first_day = d;
      if (d > last_day) last_day = d;
    }
    const BatchHeader& h = b.header;
    for (std::string_view v : {std::string_view(h.site), std::string_view(id)}) {
      tsv_escape(v, batches);
      batches += '\t';
    }
    batches += std::to_string(h.first) + '\t' + std::to_string(h.last) + '\t' + std::to_string(h.count) + '\t' +
               std::string(digest_alg_name(h.alg)) + '\t' + h.prev + '\t' + h.digest + '\t' + h.key + '\t' + h.sig + '\t' + first_day +
               '\t' + last_day + '\n';
    n_events += b.rows.size();
    n_batches++;
  }
  // events first, then the batch rows: a crash between the two re-inserts the events on
  // redelivery (the table keeps one row per site and ref), never loses them
  if (!events.empty())
    if (Status s = ch_->insert("events", table_columns(), events); !s) return s;
  if (!batches.empty())
    if (Status s = ch_->insert("batches", "site, id, first, last, count, alg, prev, digest, key, sig, first_day, last_day", batches); !s)
      return s;
  if (!p.sites.empty())
    if (Status s =
            ch_->insert("sites", "site, hospital, at, day, published, batches, behind_blocks, lag_seconds, last_error, status", p.sites);
        !s)
      return s;
  if (!p.compliance.empty())
    if (Status s = ch_->insert("compliance", "site, at, day, summary", p.compliance); !s) return s;
  if (!p.heads.empty()) {
    if (Status s = ch_->insert("heads", "site, at, day, digest, key, sig", p.heads); !s) return s;
    p.heads.clear();  // (a retry of a later insert does not add them again)
    for (auto& [site, digest] : p.new_heads) last_head_[site] = digest;
  }
  if (!p.rejected.empty())
    if (Status s = ch_->insert("rejected", "subject, reason, head", p.rejected); !s) return s;
  std::lock_guard lk(mu_);
  st_.batches += n_batches;
  st_.events += n_events;
  st_.duplicates += dups;
  st_.statuses += p.statuses;
  st_.rejected += p.rejects;
  return {};
}

Status Sink::handle(std::vector<NatsMsg>& msgs, const std::atomic<bool>& stop) {
  Pending p;
  for (auto& m : msgs) {
    auto parts = split_view(m.subject(), '.');
    if (parts.size() != 3 || parts[0] != "wardsec" || !valid_site(parts[1])) {
      reject(m, "not a wardsec subject", p);
      continue;
    }
    std::string site(parts[1]);
    if (parts[2] == "events") {
      auto b = parse_batch(m.data());
      if (!b) {
        reject(m, b.error(), p);
        continue;
      }
      if (b->header.site != site) {
        reject(m, "batch of site " + b->header.site + " published on " + std::string(m.subject()), p);
        continue;
      }
      if (!o_.keys_dir.empty()) {
        std::string why;
        const KeyPair* k = key_of(site, why);
        if (k) why = check_batch(*b, *k);
        if (!why.empty()) {
          reject(m, "batch " + b->header.id() + ": " + why, p);
          continue;
        }
      }
      p.batches.push_back(std::move(*b));
    } else if (parts[2] == "status") {
      auto j = nlohmann::json::parse(m.data(), nullptr, false);
      if (!j.is_object() || json_str(j, "site") != site) {
        reject(m, "not a status of site " + site, p);
        continue;
      }
      auto at = json_i64(j, "at");
      if (std::string why = take_head(site, j, p); !why.empty()) {
        reject(m, "status of site " + site + ": " + why, p);
        continue;
      }
      std::string hospital = json_str(j, "hospital");  // named: a view of a temporary would dangle
      for (std::string_view v : {std::string_view(site), std::string_view(hospital)}) {
        tsv_escape(v, p.sites);
        p.sites += '\t';
      }
      p.sites += std::to_string(at) + '\t' + utc_day(at) + '\t' + std::to_string(json_u64(j, "published")) + '\t' +
                 std::to_string(json_u64(j, "batches")) + '\t' + std::to_string(json_u64(j, "behind_blocks")) + '\t' +
                 std::to_string(json_num(j, "lag_seconds")) + '\t';
      tsv_escape(json_str(j, "last_error"), p.sites);
      p.sites += '\t';
      tsv_escape(m.data(), p.sites);
      p.sites += '\n';
      p.statuses++;
    } else if (parts[2] == "compliance") {
      auto j = nlohmann::json::parse(m.data(), nullptr, false);
      if (!j.is_object() || json_str(j, "site") != site || !j.contains("systems") || !j["systems"].is_array()) {
        reject(m, "not a compliance summary of site " + site, p);
        continue;
      }
      auto at = json_i64(j, "at");
      tsv_escape(site, p.compliance);
      p.compliance += '\t' + std::to_string(at) + '\t' + utc_day(at) + '\t';
      tsv_escape(m.data(), p.compliance);
      p.compliance += '\n';
      p.statuses++;
    } else {
      reject(m, "unknown kind " + std::string(parts[2]), p);
    }
  }
  int backoff = 500;
  for (;;) {
    Status s = insert_all(p);
    if (s) break;
    {
      std::lock_guard lk(mu_);
      st_.insert_errors++;
      if (st_.last_error != s.error()) spdlog::warn("sink: {} (the batches stay in the stream; retrying)", s.error());
      st_.last_error = s.error();
    }
    if (stop) return s;  // not acknowledged: another sink (or this one, restarted) takes them
    for (auto& m : msgs) m.in_progress();
    sleep_unless(stop, backoff);
    backoff = std::min(backoff * 2, 5000);
  }
  {
    std::lock_guard lk(mu_);
    st_.last_error.clear();
  }
  for (auto& m : msgs)
    if (Status s = m.ack(); !s) spdlog::warn("sink: {} (the batch comes again and is recognised)", s.error());
  return {};
}

Status Sink::apply_retention() {
  if (o_.retention_days <= 0) return {};
  std::string cutoff = utc_day(now_ns() - static_cast<int64_t>(o_.retention_days) * 86400LL * 1000000000LL);
  auto r = ch_->query("SELECT DISTINCT partition FROM system.parts WHERE database = " + sql_string(o_.clickhouse.database) +
                      " AND table = 'events' AND active FORMAT TabSeparated");
  if (!r) return Error{r.error()};
  for (auto line : split_view(*r, '\n')) {
    std::string day(trim(line));
    if (day.size() != 10 || day >= cutoff) continue;
    if (auto d = ch_->query("ALTER TABLE " + ch_->table("events") + " DROP PARTITION " + sql_string(day)); !d) return Error{d.error()};
    spdlog::info("sink: events of {} dropped (cluster.retention_days {})", day, o_.retention_days);
    std::lock_guard lk(mu_);
    st_.partitions_dropped++;
  }
  return {};
}

void Sink::run(const std::atomic<bool>& stop) {
  int64_t last_retention = 0;
  std::string logged;
  // the tables first, so that the regional console finds them before any batch arrives
  if (Status s = ch_->ensure_schema(); !s) spdlog::warn("sink: {} (the tables are made with the first batch)", s.error());
  while (!stop) {
    if (!consumer_ && !(consumer_ = PullConsumer::open_until(*nats_, "wardsec.>", std::string(kSinkConsumer), stop, "sink"))) break;
    auto msgs = consumer_->fetch(o_.fetch, 1000);
    if (!msgs) {
      if (msgs.error() != logged) spdlog::warn("sink: {}", msgs.error());
      logged = msgs.error();
      sleep_unless(stop, 500);
      continue;
    }
    logged.clear();
    {
      std::lock_guard lk(mu_);
      st_.fetches++;
    }
    if (!msgs->empty()) (void)handle(*msgs, stop);
    if (now_ns() - last_retention > 3600LL * 1000000000LL) {
      if (Status s = apply_retention(); !s) spdlog::warn("sink: retention: {}", s.error());
      last_retention = now_ns();
    }
  }
}

}  // namespace wardsec::cluster
