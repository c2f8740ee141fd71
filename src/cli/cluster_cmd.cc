// Scale-out for a region (docs/cluster.md): `wardsec sink` (JetStream into ClickHouse), the
// collector's drainer that `wardsec collect` starts, and `wardsec verify --clickhouse`.
#include <spdlog/spdlog.h>

#include <csignal>
#include <thread>

#include "center/center.h"
#include "cli/cli.h"
#include "cluster/collector.h"
#include "cluster/sink.h"
#include "cluster/verify.h"

namespace wardsec::cli {

namespace {

std::atomic<bool> g_sink_stop{false};

}  // namespace

Status start_collector(center::Center& c) {
  const Config& cfg = c.config();
  cluster::CollectorOptions o;
  o.site = cfg.cluster.site;
  o.hospital = cfg.cluster.hospital.empty() ? cfg.organization : cfg.cluster.hospital;
  o.data_dir = cfg.data_dir;
  o.key_dir = cfg.store.key_dir;
  o.sign = cfg.store.sign;
  o.digest = cfg.store.digest;
  o.nats = cfg.cluster.nats;
  o.batch_events = static_cast<size_t>(cfg.cluster.batch_events);
  auto col = cluster::Collector::open(o);
  if (!col) return Error{"collect: " + col.error()};
  std::shared_ptr<cluster::Collector> shared = std::move(*col);
  std::printf("  region  : site %s publishes to NATS %s (wardsec.%s.events; key %s)\n", o.site.c_str(), o.nats.url.c_str(), o.site.c_str(),
              cfg.store.key_dir.c_str());
  std::fflush(stdout);
  c.add_feeder([shared](ingest::Pipeline&, const std::atomic<bool>& stop) { shared->run(stop); });
  return {};
}

int verify_cluster(const Config& cfg, const std::string& url, const std::string& site, const std::string& pubkey) {
  if (site.empty() || pubkey.empty()) {
    std::fprintf(stderr, "wardsec verify --clickhouse: --site and --pubkey (the site's instance.pub) are needed\n");
    return 2;
  }
  auto key = KeyPair::load_public(pubkey);
  if (!key) {
    std::fprintf(stderr, "wardsec verify: %s: %s\n", pubkey.c_str(), key.error().c_str());
    return 2;
  }
  cluster::ClickHouseOptions o = cfg.cluster.clickhouse;
  o.url = url;
  cluster::ClickHouse ch(o);
  auto rep = cluster::verify_clickhouse(ch, site, *key);
  if (!rep) {
    std::fprintf(stderr, "wardsec verify: %s\n", rep.error().c_str());
    return 1;
  }
  std::string s = rep->summary();
  std::fwrite(s.data(), 1, s.size(), rep->intact() ? stdout : stderr);
  return rep->intact() ? 0 : 1;
}

void add_cluster_commands(Cli& cli) {
  struct SinkArgs {
    std::string nats, clickhouse, keys, name = "sink";
  };
  auto a = std::make_shared<SinkArgs>();
  auto sink = std::make_shared<CLI::App*>();
  *sink = cli.command(
      nullptr, "sink", "move the region's batches from NATS JetStream into ClickHouse (docs/cluster.md)", [a, sink](Config& cfg) {
        cluster::SinkOptions o;
        o.nats = cfg.cluster.nats;
        o.clickhouse = cfg.cluster.clickhouse;
        o.keys_dir = cfg.cluster.keys_dir;
        o.retention_days = cfg.cluster.retention_days;
        if ((*sink)->count("--nats")) o.nats.url = a->nats;
        if ((*sink)->count("--clickhouse")) o.clickhouse.url = a->clickhouse;
        if ((*sink)->count("--keys")) o.keys_dir = a->keys;
        o.durable = a->name;
        if (o.keys_dir.empty())
          spdlog::warn("sink: no --keys (cluster.keys): batches are not checked against the sites' keys before they are stored");
        auto s = cluster::Sink::open(o);
        if (!s) {
          std::fprintf(stderr, "wardsec sink: %s\n", s.error().c_str());
          return 1;
        }
        std::signal(SIGINT, [](int) { g_sink_stop = true; });
        std::signal(SIGTERM, [](int) { g_sink_stop = true; });
        std::printf("wardsec %s sink %s: NATS %s -> ClickHouse %s (database %s)\n", kVersion, o.durable.c_str(), o.nats.url.c_str(),
                    o.clickhouse.url.c_str(), o.clickhouse.database.c_str());
        std::fflush(stdout);
        (*s)->run(g_sink_stop);
        auto st = (*s)->stats();
        spdlog::info("sink stopped: {} batches, {} events, {} duplicates, {} refused", st.batches, st.events, st.duplicates, st.rejected);
        return 0;
      });
  (*sink)->add_option("--nats", a->nats, "NATS server(s), comma-separated (cluster.nats)");
  (*sink)->add_option("--clickhouse", a->clickhouse, "ClickHouse's HTTP address (cluster.clickhouse; default http://127.0.0.1:8123)");
  (*sink)->add_option("--keys", a->keys, "a folder with each site's public key as <site>.pub (cluster.keys)");
  (*sink)->add_option("--name", a->name, "the durable consumer's name; sinks with the same name share the work (default sink)");
}

}  // namespace wardsec::cli
