// Scale-out for a region (docs/cluster.md): `wardsec sink` (JetStream into ClickHouse), the
// collector's drainer that `wardsec collect` starts, and `wardsec verify --clickhouse`.
#include <spdlog/spdlog.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

#include "core/strutil.h"
#include "core/timeutil.h"

#include "center/center.h"
#include "cli/cli.h"
#include "cluster/collector.h"
#include "cluster/correlate.h"
#include "cluster/sink.h"
#include "cluster/verify.h"
#include "ops/source_health.h"

namespace wardsec::cli {

namespace {

std::atomic<bool> g_sink_stop{false};
volatile pid_t g_worker = 0;

void on_stop(int) {
  g_sink_stop = true;
  if (g_worker > 0) ::kill(g_worker, SIGTERM);  // the supervisor passes it on to its worker
}

// Runs `work` in a child process and starts it again if it dies of a signal, as a service
// manager would. Once (in the nightly test, under load, with NATS stopping) a sink died in
// libnats 3.4.1 with "double free or corruption" (docs/cluster.md): batches it had not
// acknowledged come again, so a restart loses nothing; each restart is logged as an error.
int supervise(const char* what, const std::function<int()>& work) {
  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  pid_t self = ::getpid();
  for (int restarts = 0;; restarts++) {
    pid_t pid = ::fork();
    if (pid < 0) return work();  // no fork: run here, unsupervised
    if (pid == 0) {
      g_worker = 0;
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the supervisor killed (kill -9): the worker goes with it
      if (::getppid() != self) std::_Exit(1);
      std::_Exit(work());
    }
    g_worker = pid;
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    g_worker = 0;
    if (WIFEXITED(st) || g_sink_stop) return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    spdlog::error("{}: the worker died of signal {} ({} restart(s) so far); starting it again: what it had not acknowledged comes again",
                  what, WTERMSIG(st), restarts);
    std::fflush(stdout);
    sleep_unless(g_sink_stop, 1000);
    if (g_sink_stop) return 0;
  }
}

// i/N: this correlator's partition of N.
bool parse_partition(const std::string& s, uint32_t& i, uint32_t& n) {
  auto slash = s.find('/');
  uint64_t a = 0, b = 0;
  if (slash == std::string::npos || !parse_u64(std::string_view(s).substr(0, slash), a) ||
      !parse_u64(std::string_view(s).substr(slash + 1), b) || b < 1 || b > 1024 || a >= b)
    return false;
  i = static_cast<uint32_t>(a);
  n = static_cast<uint32_t>(b);
  return true;
}

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
  if (auto health = c.source_health())
    o.sources = [health] {
      auto h = health->summary(cluster::SiteSources::kMaxSilentNames);
      return cluster::SiteSources{h.tracked, h.silent, h.abnormal, std::move(h.silent_names)};
    };
  auto col = cluster::Collector::open(o);
  if (!col) return Error{"collect: " + col.error()};
  std::shared_ptr<cluster::Collector> shared = std::move(*col);
  std::printf("  region  : site %s publishes to NATS %s (wardsec.%s.events; key %s)\n", o.site.c_str(), o.nats.url.c_str(), o.site.c_str(),
              cfg.store.key_dir.c_str());
  std::fflush(stdout);
  c.add_feeder([shared](ingest::Pipeline&, const std::atomic<bool>& stop) { shared->run(stop); });
  return {};
}

int verify_cluster(const Config& cfg, const std::string& url, const std::string& site, const std::string& pubkey, int settle_seconds) {
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
  auto rep = cluster::verify_clickhouse(ch, site, *key, settle_seconds);
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
    std::string nats, clickhouse, keys;
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
        if (o.keys_dir.empty())
          spdlog::warn("sink: no --keys (cluster.keys): batches are not checked against the sites' keys before they are stored");
        return supervise("sink", [&o] {
          auto s = cluster::Sink::open(o);
          if (!s) {
            std::fprintf(stderr, "wardsec sink: %s\n", s.error().c_str());
            return 1;
          }
          std::printf("wardsec %s sink: NATS %s -> ClickHouse %s (database %s)\n", kVersion, o.nats.url.c_str(), o.clickhouse.url.c_str(),
                      o.clickhouse.database.c_str());
          std::fflush(stdout);
          (*s)->run(g_sink_stop);
          auto st = (*s)->stats();
          spdlog::info("sink stopped: {} batches, {} events, {} duplicates, {} refused", st.batches, st.events, st.duplicates, st.rejected);
          return 0;
        });
      });
  (*sink)->add_option("--nats", a->nats, "NATS server(s), comma-separated (cluster.nats)");
  (*sink)->add_option("--clickhouse", a->clickhouse, "ClickHouse's HTTP address (cluster.clickhouse; default http://127.0.0.1:8123)");
  (*sink)->add_option("--keys", a->keys, "a folder with each site's public key as <site>.pub (cluster.keys)");

  struct CorrelateArgs {
    std::string nats, clickhouse, partition = "0/1";
  };
  auto c = std::make_shared<CorrelateArgs>();
  auto corr = std::make_shared<CLI::App*>();
  *corr = cli.command(nullptr, "correlate", "run the correlations that span the region's sites and hosts on the stream (docs/cluster.md)",
                      [c, corr](Config& cfg) {
                        cluster::CorrelateOptions o;
                        o.nats = cfg.cluster.nats;
                        o.clickhouse = cfg.cluster.clickhouse;
                        if ((*corr)->count("--nats")) o.nats.url = c->nats;
                        if ((*corr)->count("--clickhouse")) o.clickhouse.url = c->clickhouse;
                        o.rule_paths = cfg.detection.rule_paths;
                        o.mapping = cfg.detection.mapping;
                        o.load = cfg.detection.load;
                        o.max_groups = cfg.detection.max_groups;
                        if (!parse_partition(c->partition, o.partition, o.partitions)) {
                          std::fprintf(stderr, "wardsec correlate: --partition must be i/N (0 <= i < N <= 1024), not %s\n",
                                       c->partition.c_str());
                          return 2;
                        }
                        return supervise("correlate", [&o] {
                          auto rc = cluster::RegionCorrelator::open(o);
                          if (!rc) {
                            std::fprintf(stderr, "wardsec correlate: %s\n", rc.error().c_str());
                            return 1;
                          }
                          std::printf("wardsec %s correlate %u/%u: %zu correlations; NATS %s -> ClickHouse %s\n", kVersion, o.partition,
                                      o.partitions, (*rc)->correlations(), o.nats.url.c_str(), o.clickhouse.url.c_str());
                          std::fflush(stdout);
                          (*rc)->run(g_sink_stop);
                          auto st = (*rc)->stats();
                          spdlog::info("correlate stopped: {} batches, {} events, {} rule matches, {} alerts", st.batches, st.events,
                                       st.rule_matches, st.alerts_written);
                          return 0;
                        });
                      });
  (*corr)->add_option("--nats", c->nats, "NATS server(s), comma-separated (cluster.nats)");
  (*corr)->add_option("--clickhouse", c->clickhouse, "ClickHouse's HTTP address (cluster.clickhouse)");
  (*corr)->add_option("--partition", c->partition,
                      "this correlator's share, i/N: N correlators each keep the groups hashing to their i (default 0/1)");
}

}  // namespace wardsec::cli
