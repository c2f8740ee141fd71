// `wardsec serve` and `wardsec demo`: the center, built by center::Center, with the console's
// address and first-start passwords printed; `demo` feeds it the demo hospital's traffic.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/datadir.h"
#include "alert/detector.h"
#include "center/center.h"
#include "cli/cli.h"
#include "compliance/inventory.h"
#include "core/perms.h"
#include "core/timeutil.h"
#include "bastion/ssh_server.h"
#include "demo/emergency_seed.h"
#include "demo/records_seed.h"
#include "demo/vuln_seed.h"
#include "demo/config_seed.h"
#include "demo/probe_seed.h"
#include "demo/generator.h"
#include "ingest/net.h"
#include "ingest/pipeline.h"
#include "server/http.h"
#include "server/httputil.h"
#include "store/crypto.h"
#include "store/store.h"

namespace wardsec::cli {

namespace {

// This binary's own path, for the hints it prints (the user may not have it on PATH).
std::string self_path() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("wardsec") : p.string();
}

struct NetArgs {
  std::string listen, public_name, redirect, udp, tcp, tls, relp, bastion, agents;
};

void add_net(CLI::App* sub, NetArgs& a) {
  sub->add_option("--listen", a.listen, "HTTPS address of the console and API (default 127.0.0.1:8443)");
  sub->add_option("--public-name", a.public_name,
                  "the name or address:port browsers use for the console (api.public_name; required with --listen 0.0.0.0:...)");
  sub->add_option("--redirect", a.redirect, "plain HTTP address that redirects to HTTPS, '' to disable (default 127.0.0.1:8480)");
  sub->add_option("--udp", a.udp, "syslog UDP address, '' to disable (default 0.0.0.0:5514)");
  sub->add_option("--tcp", a.tcp, "syslog TCP address, '' to disable (default 0.0.0.0:5514)");
  sub->add_option("--tls", a.tls, "syslog TLS address, '' to disable (default 0.0.0.0:6514)");
  sub->add_option("--relp", a.relp, "RELP address, '' to disable (default 0.0.0.0:2514)");
  sub->add_option("--bastion", a.bastion, "the bastion's SSH address (bastion.listen), '' to disable (demo: 127.0.0.1:2222)");
  sub->add_option("--agents", a.agents, "the host agents' mutual-TLS address (agents.listen), '' to disable (demo: 127.0.0.1:8444)");
}

void apply_net(Config& c, CLI::App* sub, const NetArgs& a) {
  if (sub->count("--listen")) c.http.listen = a.listen;
  if (sub->count("--bastion")) c.bastion.listen = a.bastion;
  if (sub->count("--agents")) c.agents.listen = a.agents;
  if (sub->count("--public-name")) c.http.public_name = a.public_name;
  if (sub->count("--redirect")) c.http.redirect_listen = a.redirect;
  if (sub->count("--udp")) c.inputs.udp = a.udp;
  if (sub->count("--tcp")) c.inputs.tcp = a.tcp;
  if (sub->count("--tls")) c.inputs.tls = a.tls;
  if (sub->count("--relp")) c.inputs.relp = a.relp;
}

// The demo hospital's inventory (demo/hospital/*.csv: zones, systems, assets), loaded into an
// empty inventory.
void load_demo_inventory(const std::string& data_dir) {
  auto inv = compliance::Inventory::open(DataDir(data_dir).compliance_db());
  if (!inv || !(*inv)->empty()) return;
  for (const char* kind : {"zones", "systems", "assets"}) {
    std::string path = resolve_shipped(std::string("demo/hospital/") + kind + ".csv");
    auto n = (*inv)->import_csv(kind, read_file(path).value_or(""), path);
    if (!n) spdlog::warn("demo inventory: {}", n.error());
  }
}

// SHA-256 (hex) of what decides the center's behaviour: the config file (with the console's
// settings), and the rule files
// (every *.yml / *.yaml under the configured rule paths, with their names, in order).
std::vector<std::pair<std::string, std::string>> config_digests(const Config& cfg) {
  namespace fs = std::filesystem;
  auto hex = [](const Digest32& d) { return server::to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())); };
  Hasher h(DigestAlg::kSha256);
  h.update(cfg.path.empty() ? std::string("(no config file: defaults)") : read_file(cfg.path).value_or(""));
  // and the settings changed in the console over it (系统设置), when there are any
  if (auto ov = read_file(DataDir(cfg.data_dir).console_settings())) h.update("\n(console settings)\n" + *ov);
  std::string config = hex(h.finish());
  std::vector<fs::path> files;
  for (const auto& r : cfg.detection.rule_paths) {
    std::error_code ec;
    if (fs::is_regular_file(r, ec))
      files.push_back(r);
    else
      for (auto it = fs::recursive_directory_iterator(r, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && (it->path().extension() == ".yml" || it->path().extension() == ".yaml")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    h.update(f.generic_string());
    h.update(std::string_view("\0", 1));
    h.update(read_file(f).value_or(""));
  }
  return {{"config", config}, {"rules", hex(h.finish())}};
}

// The demo hospital's traffic: a day of history into an empty store, then `rate` events a second.
void feed_demo(ingest::Pipeline& pipeline, const std::atomic<bool>& stop, const std::string& data_dir, double rate) {
  demo::Generator g(static_cast<uint64_t>(now_ns()));
  auto send = [&](int64_t ts, int n) {
    ingest::RawBatch b;
    b.input = "demo";
    b.source = "demo-generator";
    for (int i = 0; i < n; i++) b.add(g.next(ts + i * 1000000LL), ts);
    pipeline.submit(std::move(b));
  };
  bool empty = true;
  for (const auto& seg : store::list_segments(data_dir)) {
    auto r = store::SegmentReader::open(seg);
    if (r && r->next()) empty = false;
  }
  if (empty) {
    spdlog::info("demo: generating 24 hours of history");
    int64_t now = now_ns();
    uint64_t events = 0;
    bool story = false;
    for (int64_t t = now - 86400LL * 1000000000LL; t < now && !stop; t += 10LL * 1000000000LL) {
      send(t, 10);
      events += 10;
      // Two hours ago, ransomware on the HIS application server: its alerts open an incident.
      if (!story && t >= now - 7200LL * 1000000000LL) {
        story = true;
        ingest::RawBatch b;
        b.input = "demo";
        b.source = "demo-generator";
        for (auto& line : g.ransomware(t)) b.add(std::move(line), t);
        events += b.msgs.size();
        pipeline.submit(std::move(b));
      }
    }
    if (!stop)
      spdlog::info("demo: 24 hours of history generated ({} events in {:.1f} s); now {} events a second", events,
                   static_cast<double>(now_ns() - now) / 1e9, rate);
  }
  int64_t period_ns = 100000000LL;  // 10 batches a second
  double carry = 0;
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(period_ns));
    carry += rate / 10.0;
    int n = static_cast<int>(carry);
    carry -= n;
    if (n > 0) send(now_ns(), n);
  }
}

void print_banner(center::Center& c, bool demo) {
  const Config& cfg = c.config();
  std::printf("wardsec %s %s\n", kVersion, demo ? "demo" : "serve");
  std::printf("  console : https://%s/  (self-signed certificate unless api.tls_cert is set)\n",
              (cfg.http.public_name.empty() ? cfg.http.listen : cfg.http.public_name).c_str());
  if (c.http()->redirect_port()) std::printf("  http    : %s redirects to https\n", cfg.http.redirect_listen.c_str());
  if (!c.http()->initial_accounts().empty()) {
    std::printf("  accounts: first start: one-time passwords (also in %s/initial-passwords.txt);\n", cfg.store.key_dir.c_str());
    std::printf("            each must be changed at first login, which also enrols an authenticator app (TOTP)\n");
    for (const auto& [u, p] : c.http()->initial_accounts()) std::printf("            %-10s %s\n", u.c_str(), p.c_str());
  }
  const ingest::Inputs& in = *c.inputs();
  if (in.udp_port()) std::printf("  syslog  : udp %s\n", cfg.inputs.udp.c_str());
  if (in.tcp_port()) std::printf("  syslog  : tcp %s (octet-counting or LF framing)\n", cfg.inputs.tcp.c_str());
  if (in.tls_port())
    std::printf("  syslog  : tls %s (RFC 5425; self-signed certificate unless inputs.tls_cert is set)\n", cfg.inputs.tls.c_str());
  if (in.relp_port()) std::printf("  relp    : %s\n", cfg.inputs.relp.c_str());
  if (auto* b = c.bastion_ssh())
    std::printf("  bastion : ssh -p %u <operator>[@<account>@<asset>]@%s  (host key %s; docs/bastion.md)\n", b->port(),
                cfg.bastion.listen.substr(0, cfg.bastion.listen.rfind(':')).c_str(), b->host_key_fingerprint().c_str());
  if (auto* ch = c.agent_channel())
    std::printf("  agents  : wardsec agent enroll --center %s:%u --token <console: 主机安全> --ca-fingerprint %s  (docs/agents.md)\n",
                cfg.agents.listen.substr(0, cfg.agents.listen.rfind(':')).c_str(), ch->port(), c.fleet()->ca().fingerprint().c_str());
  std::printf("  data    : %s (keys in %s)\n", cfg.data_dir.c_str(), cfg.store.key_dir.c_str());
  if (auto* d = c.detector())
    std::printf("  detect  : %zu rules, %zu correlations\n", d->rules().rules().size(), d->rules().correlations().size());
  std::printf("  try     : %s search --data %s 'event.outcome:failure' --limit 10\n", self_path().c_str(), cfg.data_dir.c_str());
  std::fflush(stdout);
}

// `with` runs once the center has started (collect: the drainer to JetStream).
int run_server(Config cfg, bool demo, double rate, const std::function<Status(center::Center&)>& with = {}) {
  if (demo && cfg.http.organization.empty()) cfg.http.organization = "示范市第一人民医院";
  if (demo && cfg.bastion.listen.empty() && cfg.path.empty()) cfg.bastion.listen = "127.0.0.1:2222";
  if (demo && cfg.path.empty()) {
    cfg.incident.organization = cfg.http.organization;
    // The demo city's health commission wants 较大 and above within 2 hours (an example of a
    // body a hospital adds; docs/incident.md).
    cfg.incident.reporting.bodies.push_back({"nhc", "示范市卫生健康委员会", "Demo City Health Commission", 120, incident::Grade::kLarger,
                                             "本市卫生健康委要求（演示配置）", "0000-12345678"});
  }
  if (demo) {
    std::filesystem::create_directories(cfg.data_dir);
    load_demo_inventory(cfg.data_dir);  // its zones are the demo's zones
    if (Status st = demo::seed_emergency(cfg.data_dir, resolve_shipped("plans/templates"), cfg.tz_sec, now_ns()); !st)
      spdlog::warn("demo: emergency plans not seeded: {}", st.error());
    if (Status st = demo::seed_records(cfg.data_dir, resolve_shipped("demo/hospital/records"), cfg.http.catalog_file, cfg.tz_sec, now_ns());
        !st)
      spdlog::warn("demo: management records not seeded: {}", st.error());
    if (Status st = demo::seed_vulns(cfg.data_dir, resolve_shipped("demo/hospital/vulns.csv"), cfg.tz_sec, now_ns()); !st)
      spdlog::warn("demo: vulnerability scans not seeded: {}", st.error());
    if (Status st = demo::seed_probes(cfg.data_dir, cfg.http.listen, cfg.inputs.tcp, cfg.bastion.listen); !st)
      spdlog::warn("demo: probes not seeded: {}", st.error());
    if (Status st = demo::seed_netdevices(cfg.data_dir, now_ns()); !st) spdlog::warn("demo: network devices not seeded: {}", st.error());
    if (Status st = demo::seed_configs(cfg.data_dir, cfg.store.key_dir, cfg.tz_sec, now_ns()); !st)
      spdlog::warn("demo: configuration record not seeded: {}", st.error());
  }
  // Files only the service can read: anything an earlier version (or a hand) left more open
  // is tightened now, and each fix is logged.
  for (const auto& d : {cfg.data_dir, cfg.store.key_dir})
    for (const auto& line : tighten_tree(d)) spdlog::warn("permissions: {}", line);
  if (cfg.retention_days < 180)
    spdlog::warn("store.retention_days is {}: below the 180 days the Cybersecurity Law requires for network logs", cfg.retention_days);
  auto digests = config_digests(cfg);
  auto c = center::Center::open(cfg, {.detection = true, .network = true, .health = true, .capture = true});
  if (!c) {
    std::fprintf(stderr, "wardsec: %s\n", c.error().c_str());
    return c.error().rfind("dbaudit.policy", 0) == 0 ? 2 : 1;
  }
  center::Center& center = **c;
  if (Status s = center.start(); !s) {
    std::fprintf(stderr, "wardsec: %s\n", s.error().c_str());
    return 1;
  }
  // A change of configuration or rules between two starts is an administrative action too.
  center.http()->record_start(digests, cfg.path);
  print_banner(center, demo);
  if (with)
    if (Status s = with(center); !s) {
      std::fprintf(stderr, "wardsec: %s\n", s.error().c_str());
      center.stop();
      return 1;
    }
  if (demo)
    center.add_feeder([data = cfg.data_dir, rate](ingest::Pipeline& p, const std::atomic<bool>& stop) { feed_demo(p, stop, data, rate); });
  center.run();
  const auto& m = center.pipeline().metrics();
  spdlog::info("stopped: received {} stored {} dropped {} parse errors {}", m.received.load(), m.stored.load(), m.dropped.load(),
               m.parse_errors.load());
  return 0;
}

}  // namespace

void add_serve_commands(Cli& cli) {
  auto net = std::make_shared<NetArgs>();
  auto serve = std::make_shared<CLI::App*>();
  *serve = cli.command(nullptr, "serve", "receive, store and serve logs (runs with no config at all)", [net, serve](Config& cfg) {
    apply_net(cfg, *serve, *net);
    return run_server(cfg, false, 0);
  });
  add_net(*serve, *net);
  auto rate = std::make_shared<double>(20);
  auto demo = std::make_shared<CLI::App*>();
  *demo = cli.command(nullptr, "demo", "serve, fed by a generator of the demo hospital's traffic", [net, rate, demo](Config& cfg) {
    // The demo hospital takes host agents on loopback unless its configuration or --agents says otherwise.
    if (cfg.path.empty() && cfg.agents.listen.empty()) cfg.agents.listen = "127.0.0.1:8444";
    apply_net(cfg, *demo, *net);
    return run_server(cfg, true, *rate);
  });
  add_net(*demo, *net);
  (*demo)->add_option("--rate", *rate, "generated events per second (default 20)");

  // collect: serve, and publish what the site's store holds to JetStream (docs/cluster.md)
  struct CollectArgs {
    std::string site, nats;
  };
  auto ca = std::make_shared<CollectArgs>();
  auto collect = std::make_shared<CLI::App*>();
  *collect =
      cli.command(nullptr, "collect", "serve a site, and publish its events to NATS JetStream for a region's sinks (docs/cluster.md)",
                  [net, ca, collect](Config& cfg) {
                    apply_net(cfg, *collect, *net);
                    if (!ca->site.empty()) cfg.cluster.site = ca->site;
                    if (!ca->nats.empty()) cfg.cluster.nats.url = ca->nats;
                    if (cfg.cluster.site.empty()) {
                      std::fprintf(stderr, "wardsec collect: the site's name is needed: --site or cluster.site\n");
                      return 2;
                    }
                    return run_server(cfg, false, 0, [](center::Center& c) { return start_collector(c); });
                  });
  add_net(*collect, *net);

  // regional: the console of a region (a health commission), reading the region's ClickHouse
  auto ch = std::make_shared<std::string>();
  auto regional = std::make_shared<CLI::App*>();
  *regional = cli.command(nullptr, "regional",
                          "the regional console (区域监管): search and site health over the region's ClickHouse (docs/cluster.md)",
                          [net, ch, regional](Config& cfg) {
                            // it receives no logs itself: its inputs are off unless asked for
                            cfg.inputs.udp = cfg.inputs.tcp = cfg.inputs.tls = cfg.inputs.relp = "";
                            apply_net(cfg, *regional, *net);
                            if (!ch->empty()) cfg.cluster.clickhouse.url = *ch;
                            cfg.cluster.regional = true;
                            std::printf("  region  : ClickHouse %s (database %s)\n", cfg.cluster.clickhouse.url.c_str(),
                                        cfg.cluster.clickhouse.database.c_str());
                            return run_server(cfg, false, 0);
                          });
  add_net(*regional, *net);
  (*regional)->add_option("--clickhouse", *ch, "ClickHouse's HTTP address (cluster.clickhouse; default http://127.0.0.1:8123)");
  (*collect)->add_option("--site", ca->site, "this site's name in the region (cluster.site; a-z 0-9 - _)");
  (*collect)->add_option("--nats", ca->nats, "NATS server(s), comma-separated (cluster.nats; default nats://127.0.0.1:4222)");
}

}  // namespace wardsec::cli
