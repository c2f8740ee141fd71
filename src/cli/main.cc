// The `wardsec` command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>
#include <thread>

#include "cli/center_check.h"
#include "cli/dbaudit.h"
#include "cli/webcheck.h"
#include "web/enrich.h"
#include "cli/config.h"
#include "report/report.h"
#include "store/crypto.h"
#include "core/perms.h"
#include "core/timeutil.h"
#include "alert/center_health.h"
#include "alert/alert_store.h"
#include "alert/detector.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/grading.h"
#include "compliance/hostcheck.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"
#include "demo/generator.h"
#include "detect/correlate.h"
#include "detect/ruleset.h"
#include "ingest/import.h"
#include "ingest/net.h"
#include "ingest/pipeline.h"
#include "search/search.h"
#include "server/http.h"
#include "store/store.h"
#include "store/verify.h"

namespace wardsec {
namespace {

constexpr const char* kVersion = "0.1.0";

std::atomic<bool> g_stop{false};

struct Common {
  std::string data;
  std::string config;
};

Result<Config> config_for(const Common& c) {
  auto cfg = load_config(c.config);
  if (!cfg) return cfg;
  cfg->path = c.config;
  if (!c.data.empty()) cfg->data_dir = c.data;
  cfg->finalize();
  return cfg;
}

void add_common(CLI::App* app, Common& c) {
  app->add_option("--data", c.data, "data folder (default ./data, or 'data' in the config file)");
  app->add_option("-c,--config", c.config, "YAML config file (optional; see config/wardsec.yaml)");
}

// The demo hospital's inventory (demo/hospital/*.csv), loaded into an empty inventory.
void load_demo_inventory(const std::string& data_dir) {
  auto inv = compliance::Inventory::open(data_dir + "/compliance.db");
  if (!inv || !(*inv)->empty()) return;
  for (const char* kind : {"zones", "systems", "assets"}) {
    std::string path = resolve_shipped(std::string("demo/hospital/") + kind + ".csv");
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto n = (*inv)->import_csv(kind, text, path);
    if (!n) spdlog::warn("demo inventory: {}", n.error());
  }
}

// The demo hospital's zones (shared/DEMO-HOSPITAL.md), used by `demo` when the config names none.
std::vector<alert::Zone> demo_zones() {
  std::vector<alert::Zone> z;
  for (auto [name, cidr] : {std::pair{"external-link 外联区", "10.10.0.0/24"}, std::pair{"core 核心业务区", "10.20.0.0/22"},
                            std::pair{"ops 安全运维区", "10.30.0.0/24"}, std::pair{"internet 互联网接入区", "10.40.0.0/24"},
                            std::pair{"office 办公区", "10.50.0.0/20"}, std::pair{"medical-devices 医疗设备区", "10.60.0.0/22"},
                            std::pair{"wireless 无线区", "10.70.0.0/20"}})
    z.push_back({name, *parse_cidr(cidr)});
  return z;
}

// SHA-256 (hex) of what decides the center's behaviour: the config file, and the rule files
// (every *.yml / *.yaml under the configured rule paths, with their names, in order).
std::vector<std::pair<std::string, std::string>> config_digests(const Config& cfg) {
  namespace fs = std::filesystem;
  auto read = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  auto hex = [](const Digest32& d) { return server::to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())); };
  Hasher h(DigestAlg::kSha256);
  h.update(cfg.path.empty() ? std::string("(no config file: defaults)") : read(cfg.path));
  std::string config = hex(h.finish());
  std::vector<fs::path> files;
  for (const auto& r : cfg.detection.rule_paths) {
    std::error_code ec;
    if (fs::is_regular_file(r, ec)) files.push_back(r);
    else
      for (auto it = fs::recursive_directory_iterator(r, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && (it->path().extension() == ".yml" || it->path().extension() == ".yaml")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    h.update(f.generic_string());
    h.update(std::string_view("\0", 1));
    h.update(read(f));
  }
  return {{"config", config}, {"rules", hex(h.finish())}};
}

int run_server(Config cfg, bool demo, double rate) {
  if (demo && cfg.detection.zones.empty()) cfg.detection.zones = demo_zones();
  if (demo && cfg.http.organization.empty()) cfg.http.organization = "示范市第一人民医院";
  if (demo) {
    std::filesystem::create_directories(cfg.data_dir);
    load_demo_inventory(cfg.data_dir);
  }
  // Files only the service can read: anything an earlier version (or a hand) left more open
  // is tightened now, and each fix is logged.
  for (const auto& d : {cfg.data_dir, cfg.store.key_dir})
    for (const auto& line : tighten_tree(d)) spdlog::warn("permissions: {}", line);
  auto writer = store::StoreWriter::open(cfg.store);
  if (!writer) {
    std::fprintf(stderr, "wardsec: %s\n", writer.error().c_str());
    return 1;
  }
  if (cfg.retention_days < 180)
    spdlog::warn("store.retention_days is {}: below the 180 days the Cybersecurity Law requires for network logs", cfg.retention_days);
  auto enrich = make_enrichers(cfg);
  if (!enrich) {
    std::fprintf(stderr, "wardsec: %s\n", enrich.error().c_str());
    return 2;
  }
  cfg.pipeline.enrich = *enrich;
  ingest::Pipeline pipeline(**writer, cfg.pipeline);
  // Detection: alerts in <data>/alerts.db, outputs on their own thread, the engine on the
  // pipeline's detection stage.
  auto alerts = alert::AlertStore::open(cfg.data_dir + "/alerts.db");
  if (!alerts) {
    std::fprintf(stderr, "wardsec: %s\n", alerts.error().c_str());
    return 1;
  }
  alert::Outputs outputs(cfg.outputs);
  std::unique_ptr<alert::Detector> detector, backlog_detector;
  alert::Detector::Progress backlog_progress;
  std::thread backlog_thread;
  struct JoinBacklog {  // any return below ends the catch-up first (it keeps its place)
    std::thread& t;
    ~JoinBacklog() {
      g_stop = true;
      if (t.joinable()) t.join();
    }
  } join_backlog{backlog_thread};
  if (cfg.detection_enabled) {
    // Alerts name the graded system of their asset (inventory in <data>/compliance.db).
    if (auto inv = compliance::Inventory::open(cfg.data_dir + "/compliance.db")) {
      auto as = (*inv)->assets();
      auto sy = (*inv)->systems();
      if (as && sy) cfg.detection.assets = std::make_shared<compliance::AssetIndex>(*as, *sy);
    }
    auto make_detector = [&] {
      return alert::Detector::create(cfg.detection, **alerts, outputs,
                                     [&pipeline](std::vector<Event>&& evs) { return pipeline.try_submit_events(std::move(evs)); });
    };
    auto d = make_detector();
    if (!d) {
      std::fprintf(stderr, "wardsec: %s\n", d.error().c_str());
      return 1;
    }
    detector = std::move(d.value());
    // Events stored but never examined (a kill, an import while the center was down): a
    // second detector examines them in the background while live detection starts at once;
    // progress is in /api/v1/metrics (detect_backlog_total / _done).
    uint64_t end = (*writer)->next_ref();
    auto cur = (*alerts)->cursor();
    if (cur && cur->has_value() && **cur < end) {
      detector->start_live_at(end);
      auto b = make_detector();
      if (!b) {
        std::fprintf(stderr, "wardsec: %s\n", b.error().c_str());
        return 1;
      }
      backlog_detector = std::move(b.value());
      backlog_progress.running = true;
      backlog_thread = std::thread([&, end] {
        pthread_setname_np(pthread_self(), "ws-backlog");
        auto n = backlog_detector->catch_up(cfg.data_dir, end, UINT64_MAX, &backlog_progress, &g_stop);
        if (!n) spdlog::error("{}", n.error());
        else if (!g_stop) {
          spdlog::info("detection: the backlog is examined ({} events)", *n);
          detector->release_cursor();
        }
        backlog_progress.running = false;
      });
    } else {
      auto caught = detector->catch_up(cfg.data_dir, end);  // first start: the cursor is set to the store's end
      if (!caught) spdlog::error("{}", caught.error());
    }
    alert::Detector* det = detector.get();
    pipeline.set_observer([det](const std::vector<Event>& evs, size_t n, const std::vector<uint64_t>& refs) { det->process(evs, n, refs); },
                          cfg.detection_queue_mib << 20);
  }
  outputs.start();
  // What the store's start found: damage is an error and an alert, never only a log line.
  const auto& rec = (*writer)->recovery();
  for (const auto& c : rec.cut) spdlog::warn("store recovery: {}", c);
  for (const auto& d : rec.damage) spdlog::error("STORE DAMAGE: {}", d);
  if (!rec.damage.empty()) {
    std::string list;
    for (size_t i = 0; i < rec.damage.size() && i < 10; i++) list += "\n" + rec.damage[i];
    alert::raise_center_alert(**alerts, outputs, {"wardsec.center.store_damaged", "事件存储数据损坏 / Event store data damaged", "critical",
                                                  "启动时发现 " + std::to_string(rec.damage.size()) +
                                                      " 处存储数据损坏或被改动；数据原样保留，副本在 quarantine 目录，请运行 wardsec verify。 / "
                                                      "The start found damaged or altered store data; it is kept as it is, copies are in quarantine/; run wardsec verify." +
                                                      list});
  }
  if (!rec.cut.empty())
    alert::raise_center_alert(**alerts, outputs, {"wardsec.center.crash_recovered", "异常停止后已恢复 / Recovered after an unclean stop", "low",
                                                  "上次运行未正常停止；启动时已恢复（残缺写入已截除并存入 quarantine 目录，已确认的事件已从提交日志补入），"
                                                  "详见服务器日志与 wardsec verify。 / The last run did not stop cleanly; the start recovered (partial writes cut and "
                                                  "kept in quarantine/, acknowledged events restored from the commit log): see the server log and wardsec verify.\n" +
                                                      rec.cut.front()});
  store::StoreWriter* wr = writer->get();
  alert::DiskWatch disk(cfg.data_dir, [wr] { return wr->stats().stored_bytes; },
                        [&](const alert::CenterAlert& c) { alert::raise_center_alert(**alerts, outputs, c); });
  disk.start();
  alert::StoreScrub scrub(cfg.data_dir, [&](const alert::CenterAlert& c) { alert::raise_center_alert(**alerts, outputs, c); });
  scrub.start();
  cfg.http.alerts = alerts->get();
  cfg.http.audit_key = &(*writer)->key();  // the audit trail is signed by the store's instance key
  cfg.http.zones = &cfg.detection.zones;
  cfg.http.extra_metrics = [&]() {
    std::string m;
    if (detector) {
      const auto& d = detector->stats();
      const auto& c = detector->correlator().stats();
      m += "\"detect_events\":" + std::to_string(d.events.load()) + ",\"rule_matches\":" + std::to_string(d.rule_matches.load()) +
           ",\"correlation_hits\":" + std::to_string(d.correlation_hits.load()) + ",\"alerts_created\":" +
           std::to_string(d.alerts_created.load()) + ",\"alerts_merged\":" + std::to_string(d.alerts_merged.load()) +
           ",\"alerts_suppressed\":" + std::to_string(d.alerts_suppressed.load()) + ",\"alert_errors\":" +
           std::to_string(d.alert_errors.load()) + ",\"correlation_groups\":" + std::to_string(c.groups) +
           ",\"correlation_groups_evicted\":" + std::to_string(c.groups_evicted) + ",\"detect_backlog_total\":" +
           std::to_string(backlog_progress.total.load()) + ",\"detect_backlog_done\":" + std::to_string(backlog_progress.done.load()) +
           ",\"detect_backlog_running\":" + (backlog_progress.running ? "true" : "false") + ",";
    }
    m += disk.metrics_json() + "," + scrub.metrics_json() + ",";
    const auto& o = outputs.stats();
    m += "\"outputs_sent_syslog\":" + std::to_string(o.sent_syslog.load()) + ",\"outputs_sent_webhook\":" +
         std::to_string(o.sent_webhook.load()) + ",\"outputs_sent_mail\":" + std::to_string(o.sent_mail.load()) +
         ",\"outputs_failed\":" + std::to_string(o.failed.load()) + ",\"outputs_dropped\":" + std::to_string(o.dropped.load());
    return m;
  };
  pipeline.start();
  boost::asio::io_context io(1);
  ingest::Inputs inputs(io, pipeline, cfg.inputs);
  cfg.http.extra_metrics = [base = cfg.http.extra_metrics, &inputs] { return base() + "," + inputs.metrics_json(); };
  server::HttpServer http(io, pipeline, cfg.http);
  Status s = inputs.start();
  if (s) s = http.start();
  // A change of configuration or rules between two starts is an administrative action too.
  if (s) http.record_start(config_digests(cfg), cfg.path);
  if (!s) {
    std::fprintf(stderr, "wardsec: %s\n", s.error().c_str());
    pipeline.stop();
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: stopping (draining queued events)", sig);
    g_stop = true;
    inputs.stop();
    http.stop();
    io.stop();
  });
  std::printf("wardsec %s %s\n", kVersion, demo ? "demo" : "serve");
  std::printf("  console : https://%s/  (self-signed certificate unless api.tls_cert is set)\n",
              (cfg.http.public_name.empty() ? cfg.http.listen : cfg.http.public_name).c_str());
  if (http.redirect_port()) std::printf("  http    : %s redirects to https\n", cfg.http.redirect_listen.c_str());
  if (!http.initial_accounts().empty()) {
    std::printf("  accounts: first start: one-time passwords (also in %s/initial-passwords.txt);\n", cfg.store.key_dir.c_str());
    std::printf("            each must be changed at first login, which also enrols an authenticator app (TOTP)\n");
    for (const auto& [u, p] : http.initial_accounts()) std::printf("            %-10s %s\n", u.c_str(), p.c_str());
  }
  if (inputs.udp_port()) std::printf("  syslog  : udp %s\n", cfg.inputs.udp.c_str());
  if (inputs.tcp_port()) std::printf("  syslog  : tcp %s (octet-counting or LF framing)\n", cfg.inputs.tcp.c_str());
  if (inputs.tls_port()) std::printf("  syslog  : tls %s (RFC 5425)\n", cfg.inputs.tls.c_str());
  if (inputs.relp_port()) std::printf("  relp    : %s\n", cfg.inputs.relp.c_str());
  std::printf("  data    : %s (keys in %s)\n", cfg.data_dir.c_str(), cfg.store.key_dir.c_str());
  if (detector)
    std::printf("  detect  : %zu rules, %zu correlations\n", detector->rules().rules().size(), detector->rules().correlations().size());
  std::printf("  try     : wardsec search --data %s 'event.outcome:failure' --limit 10\n", cfg.data_dir.c_str());
  std::fflush(stdout);

  std::thread gen;
  if (demo) {
    gen = std::thread([&] {
      demo::Generator g(static_cast<uint64_t>(now_ns()));
      auto send = [&](int64_t ts, int n) {
        ingest::RawBatch b;
        b.input = "demo";
        b.source = "demo-generator";
        for (int i = 0; i < n; i++) b.add(g.next(ts + i * 1000000LL), ts);
        pipeline.submit(std::move(b));
      };
      // A new store gets a day of history first (about one event a second), so the first
      // look is not empty.
      bool empty = true;
      for (const auto& seg : store::list_segments(cfg.data_dir)) {
        auto r = store::SegmentReader::open(seg);
        if (r && r->next()) empty = false;
      }
      if (empty) {
        spdlog::info("demo: generating 24 hours of history");
        int64_t now = now_ns();
        for (int64_t t = now - 86400LL * 1000000000LL; t < now && !g_stop; t += 10LL * 1000000000LL) send(t, 10);
      }
      int64_t period_ns = 100000000LL;  // 10 batches a second
      double carry = 0;
      while (!g_stop) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(period_ns));
        carry += rate / 10.0;
        int n = static_cast<int>(carry);
        carry -= n;
        if (n > 0) send(now_ns(), n);
      }
    });
  }
  std::thread dbcap = start_dbaudit_capture(cfg, pipeline, g_stop);
  io.run();
  g_stop = true;
  if (gen.joinable()) gen.join();
  if (dbcap.joinable()) dbcap.join();
  if (backlog_thread.joinable()) backlog_thread.join();  // g_stop ends it; its cursor keeps its place
  pipeline.stop();
  disk.stop();
  scrub.stop();
  if (detector) detector->save_cursor();
  outputs.stop();
  const auto& m = pipeline.metrics();
  spdlog::info("stopped: received {} stored {} dropped {} parse errors {}", m.received.load(), m.stored.load(), m.dropped.load(),
               m.parse_errors.load());
  return 0;
}

int run_import(Config cfg, const std::vector<std::string>& files) {
  auto writer = store::StoreWriter::open(cfg.store);
  if (!writer) {
    std::fprintf(stderr, "wardsec import: %s\n", writer.error().c_str());
    return 1;
  }
  auto enrich = make_enrichers(cfg);
  if (!enrich) {
    std::fprintf(stderr, "wardsec import: %s\n", enrich.error().c_str());
    return 2;
  }
  cfg.pipeline.enrich = *enrich;
  ingest::Pipeline pipeline(**writer, cfg.pipeline);
  pipeline.start();
  int rc = 0;
  uint64_t total = 0;
  for (const auto& f : files) {
    auto r = ingest::import_file(pipeline, f);
    if (!r) {
      std::fprintf(stderr, "wardsec import: %s\n", r.error().c_str());
      rc = 1;
      continue;
    }
    total += r->lines;
    std::fprintf(stderr, "imported %llu lines (%llu bytes) from %s\n", static_cast<unsigned long long>(r->lines),
                 static_cast<unsigned long long>(r->bytes), f.c_str());
  }
  pipeline.stop();
  const auto& m = pipeline.metrics();
  if (m.store_errors) {
    std::fprintf(stderr, "wardsec import: %llu events could not be stored\n", static_cast<unsigned long long>(m.store_errors.load()));
    rc = 1;
  }
  std::fprintf(stderr, "stored %llu events (%llu without a known format, kept raw)\n", static_cast<unsigned long long>(m.stored.load()),
               static_cast<unsigned long long>(m.parse_errors.load()));
  (void)total;
  return rc;
}

std::string table_row(const Event& ev, int tz_sec) {
  // Local time of the configured zone (China Standard Time by default), as people read it.
  std::string t = format_rfc3339(ev.ts + static_cast<int64_t>(tz_sec) * 1000000000LL).substr(0, 19);
  t[10] = ' ';
  std::string host(ev.get(kHostName));
  std::string ds(ev.get(kEventDataset));
  std::string msg(ev.get(kMessage));
  if (msg.empty()) msg = ev.raw;
  if (ev.flags & kInvalidUtf8) msg = search::display_text(msg);
  for (auto& c : msg)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  if (msg.size() > 160) msg = msg.substr(0, 157) + "...";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%-19s  %-16.16s %-12.12s ", t.c_str(), host.empty() ? "-" : host.c_str(), ds.empty() ? "-" : ds.c_str());
  return buf + msg;
}

int run_search(Config cfg, const std::vector<std::string>& words, const std::string& from, const std::string& to, size_t limit,
               const std::string& format, bool count, bool newest, bool stats) {
  std::string q;
  for (const auto& w : words) q += (q.empty() ? "" : " ") + w;
  auto parsed = search::Query::parse(q, cfg.tz_sec);
  if (auto* e = std::get_if<search::QueryError>(&parsed)) {
    std::fprintf(stderr, "wardsec search: query error at column %zu: %s\n  %s\n  %*s^\n", e->column, e->message.c_str(), q.c_str(),
                 static_cast<int>(e->column - 1), "");
    return 2;
  }
  search::SearchOptions so;
  so.limit = count ? 0 : limit;
  so.newest_first = newest;
  if (!from.empty() && !parse_user_time(from, cfg.tz_sec, so.from)) {
    std::fprintf(stderr, "wardsec search: --from '%s' is not a time (e.g. 2024-03-01, 2024-03-01T08:00:00+08:00, now-1h)\n", from.c_str());
    return 2;
  }
  if (!to.empty() && !parse_user_time(to, cfg.tz_sec, so.to)) {
    std::fprintf(stderr, "wardsec search: --to '%s' is not a time\n", to.c_str());
    return 2;
  }
  if (!std::filesystem::exists(cfg.data_dir + "/segments")) {
    std::fprintf(stderr, "wardsec search: no store in %s\n", cfg.data_dir.c_str());
    return 1;
  }
  search::SearchStats st;
  std::string out;
  Status s = search::run_search(cfg.data_dir, std::get<search::Query>(parsed), so, [&](const Event& ev) {
    if (count) return true;
    out = format == "json" ? search::event_to_json(ev) : table_row(ev, cfg.tz_sec);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
    return true;
  }, st);
  if (!s) {
    std::fprintf(stderr, "wardsec search: %s\n", s.error().c_str());
    return 1;
  }
  if (count) std::printf("%llu\n", static_cast<unsigned long long>(st.matched));
  if (stats)
    std::fprintf(stderr, "matched %llu; blocks: %llu total, %llu read, %llu skipped; events scanned %llu\n",
                 static_cast<unsigned long long>(st.matched), static_cast<unsigned long long>(st.blocks_total),
                 static_cast<unsigned long long>(st.blocks_read), static_cast<unsigned long long>(st.blocks_skipped),
                 static_cast<unsigned long long>(st.events_scanned));
  if (st.damaged_total) {
    // The result is short by whatever these held: never a silent, smaller answer.
    std::fprintf(stderr, "wardsec search: WARNING: %llu stored block(s) could not be read and are not in this result (run wardsec verify):\n",
                 static_cast<unsigned long long>(st.damaged_total));
    for (const auto& d : st.damaged) std::fprintf(stderr, "  %s\n", d.c_str());
    return 3;
  }
  return 0;
}

// Finds rules/mapping/sigma.yaml: the option, the working directory, then beside the binary.
int run_check_host(const std::string& root, const std::string& format, const std::string& record_system, const std::string& data_dir) {
  std::unique_ptr<compliance::Assessments> store;
  if (!record_system.empty()) {
    std::filesystem::create_directories(data_dir);
    auto as = compliance::Assessments::open(data_dir + "/compliance.db");
    if (!as) {
      std::fprintf(stderr, "wardsec check host: %s\n", as.error().c_str());
      return 1;
    }
    store = std::move(as.value());
  }
  char hostname[256] = {0};
  gethostname(hostname, sizeof hostname - 1);
  int64_t now = now_ns();
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    std::fprintf(stderr, "wardsec check host: --root %s is not a folder\n", root.c_str());
    return 2;
  }
  compliance::HostView host(root);
  int counts[3] = {0, 0, 0};
  for (const auto& c : compliance::host_checks()) {
    compliance::CheckResult r = c.run(host);
    counts[r.result]++;
    if (store)
      for (const auto& item : c.requirements) {
        Status st = store->add_evidence({record_system, item, "check", std::string(c.id) + "@" + (root == "/" ? hostname : root),
                                         compliance::check_to_json(c, r), now});
        if (!st) std::fprintf(stderr, "wardsec check host: evidence not recorded: %s\n", st.error().c_str());
      }
    if (format == "json") {
      std::printf("%s\n", compliance::check_to_json(c, r).c_str());
    } else {
      std::string reqs;
      for (const auto& q : c.requirements) reqs += (reqs.empty() ? "" : ",") + q;
      std::printf("%-4s %-30s %-18s %s\n", compliance::result_name(r.result), c.id, reqs.c_str(), r.reason.c_str());
      for (const auto& e : r.evidence)
        std::printf("       %s%s: %s\n", e.file.c_str(), e.line ? (":" + std::to_string(e.line)).c_str() : "", e.text.c_str());
    }
  }
  std::fprintf(stderr, "%d pass, %d fail, %d not applicable\n", counts[0], counts[1], counts[2]);
  return 0;
}

int run_grade(const std::string& business, const std::string& service, const std::string& kind, const std::string& tier) {
  auto split2 = [](const std::string& v) {
    size_t c = v.find(':');
    return std::pair{v.substr(0, c), c == std::string::npos ? std::string() : v.substr(c + 1)};
  };
  auto [bo, bd] = split2(business);
  auto [so, sd] = split2(service);
  auto o1 = compliance::parse_object(bo), o2 = compliance::parse_object(so);
  auto d1 = compliance::parse_degree(bd), d2 = compliance::parse_degree(sd);
  if (!o1 || !o2 || !d1 || !d2) {
    std::fprintf(stderr, "wardsec grade: --business and --service take OBJECT:DEGREE, OBJECT citizens|society|nation, "
                         "DEGREE general|serious|very-serious (or the standard's Chinese terms)\n");
    return 2;
  }
  compliance::GradingInput in;
  in.business_object = *o1;
  in.business_degree = *d1;
  in.service_object = *o2;
  in.service_degree = *d2;
  auto g = compliance::grade(in);
  nlohmann::json j;
  j["business"] = {{"object", compliance::object_zh(*o1)}, {"degree", compliance::degree_zh(*d1)}, {"level", g.business_level}};
  j["service"] = {{"object", compliance::object_zh(*o2)}, {"degree", compliance::degree_zh(*d2)}, {"level", g.service_level}};
  j["level"] = g.level;
  j["notes"] = g.notes;
  if (!kind.empty()) {
    auto sug = compliance::hospital_default(kind, tier);
    j["suggested"] = {{"level", sug.level}, {"basis", sug.basis}};
  }
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

// A results CSV (id,result[,risk[,x]] per line; '#' comments; an optional header line
// starting with "id,"), or nullopt after saying what is wrong.
std::optional<std::vector<compliance::ItemAssessment>> read_results_csv(const std::string& results_file) {
  std::ifstream in(results_file);
  if (!in) {
    std::fprintf(stderr, "wardsec score: cannot read %s\n", results_file.c_str());
    return std::nullopt;
  }
  std::vector<compliance::ItemAssessment> items;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    n++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line.rfind("id,", 0) == 0) continue;
    std::vector<std::string> f;
    size_t p = 0;
    for (;;) {
      size_t c = line.find(',', p);
      f.emplace_back(trim(std::string_view(line).substr(p, c == std::string::npos ? std::string::npos : c - p)));
      if (c == std::string::npos) break;
      p = c + 1;
    }
    auto where = results_file + ":" + std::to_string(n);
    auto res = f.size() > 1 ? compliance::parse_conformity(f[1]) : std::nullopt;
    if (!res) {
      std::fprintf(stderr, "wardsec score: %s: the result must be 符合, 部分符合, 不符合 or 不适用\n", where.c_str());
      return std::nullopt;
    }
    auto risk = compliance::parse_risk(f.size() > 2 ? f[2] : "");
    if (!risk) {
      std::fprintf(stderr, "wardsec score: %s: the risk must be 高, 中, 低 or empty\n", where.c_str());
      return std::nullopt;
    }
    compliance::ItemAssessment a{f[0], *res, std::nullopt, *risk};
    if (f.size() > 3 && !f[3].empty()) a.x = std::strtod(f[3].c_str(), nullptr);
    items.push_back(a);
  }
  return items;
}

// Scores assessed items at `level` and prints the result as JSON.
int print_score(const std::vector<compliance::ItemAssessment>& items, int level, const std::string& scoring_file) {
  auto cat = compliance::Catalog::load(resolve_shipped("catalog/gbt22239-2019.tsv"));
  if (!cat) {
    std::fprintf(stderr, "wardsec score: %s\n", cat.error().c_str());
    return 2;
  }
  auto cfg = compliance::ScoringConfig::load(resolve_shipped(scoring_file));
  if (!cfg) {
    std::fprintf(stderr, "wardsec score: %s\n", cfg.error().c_str());
    return 2;
  }
  auto r = compliance::compute_score(items, *cat, level, *cfg);
  nlohmann::json j;
  j["label"] = cfg->label;
  j["level"] = level;
  j["score"] = r.score;
  j["conclusion"] = r.conclusion;
  j["applicable"] = r.applicable;
  j["risks"] = {{"high", r.high}, {"medium", r.medium}, {"low", r.low}};
  j["high_risk_items"] = r.high_risk_items;
  j["not_assessed"] = r.not_assessed.size();
  j["unknown_items"] = r.unknown_items;
  nlohmann::json cats = nlohmann::json::array();
  for (const auto& c : compliance::Catalog::categories()) {
    const auto& cr = r.per_category.at(c.code);
    cats.push_back({{"category", c.zh}, {"applicable", cr.applicable}, {"conform", cr.conform}, {"partial", cr.partial},
                    {"non_conform", cr.non_conform}, {"not_applicable", cr.not_applicable},
                    {"compliance", std::round(cr.compliance * 1000) / 10}});
  }
  j["categories"] = cats;
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

int run_inventory(const Config& cfg, bool import, const std::string& kind, const std::string& file) {
  std::filesystem::create_directories(cfg.data_dir);
  auto inv = compliance::Inventory::open(cfg.data_dir + "/compliance.db");
  if (!inv) {
    std::fprintf(stderr, "wardsec inventory: %s\n", inv.error().c_str());
    return 1;
  }
  if (!import) {
    auto csv = (*inv)->export_csv(kind);
    if (!csv) {
      std::fprintf(stderr, "wardsec inventory: %s\n", csv.error().c_str());
      return 2;
    }
    std::fwrite(csv->data(), 1, csv->size(), stdout);
    return 0;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wardsec inventory: cannot read %s\n", file.c_str());
    return 2;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto n = (*inv)->import_csv(kind, text, file);
  if (!n) {
    std::fprintf(stderr, "wardsec inventory: %s\n", n.error().c_str());
    return 2;
  }
  std::fprintf(stderr, "imported %zu %s from %s\n", *n, kind.c_str(), file.c_str());
  return 0;
}

struct AssessArgs {
  std::string system, item, result, risk, by, note;
  double x = -1;
  std::string format = "table";
};

int run_assess(const Config& cfg, bool set, const AssessArgs& a) {
  std::filesystem::create_directories(cfg.data_dir);
  std::string dbp = cfg.data_dir + "/compliance.db";
  auto inv = compliance::Inventory::open(dbp);
  auto as = compliance::Assessments::open(dbp);
  auto cat = compliance::Catalog::load(resolve_shipped("catalog/gbt22239-2019.tsv"));
  if (!inv || !as || !cat) {
    std::fprintf(stderr, "wardsec assess: %s\n", !inv ? inv.error().c_str() : !as ? as.error().c_str() : cat.error().c_str());
    return 1;
  }
  auto systems = (*inv)->systems();
  const compliance::System* sys = nullptr;
  if (systems)
    for (const auto& x : *systems)
      if (x.id == a.system) sys = &x;
  if (!sys) {
    std::fprintf(stderr, "wardsec assess: no graded system '%s' in the inventory (wardsec inventory export systems)\n", a.system.c_str());
    return 2;
  }
  if (set) {
    const compliance::Requirement* req = cat->find(a.item);
    if (!req || (sys->level && !req->applies(std::min(sys->level, 3)))) {
      std::fprintf(stderr, "wardsec assess: %s is not a catalog item at level %d\n", a.item.c_str(), sys->level);
      return 2;
    }
    auto res = compliance::parse_conformity(a.result);
    auto risk = compliance::parse_risk(a.risk);
    if (!res || !risk) {
      std::fprintf(stderr, "wardsec assess: --result 符合|部分符合|不符合|不适用, --risk 高|中|低 (or empty)\n");
      return 2;
    }
    compliance::AssessmentRecord r{a.system, a.item, *res, *risk, std::nullopt, a.note, a.by, now_ns()};
    if (a.x >= 0) r.x = a.x;
    if (Status s = (*as)->record(r); !s) {
      std::fprintf(stderr, "wardsec assess: %s\n", s.error().c_str());
      return 2;
    }
    if (!a.note.empty()) (void)(*as)->add_evidence({a.system, a.item, "note", a.by, a.note, r.at});
    return 0;
  }
  auto cur = (*as)->current(a.system);
  if (!cur) {
    std::fprintf(stderr, "wardsec assess: %s\n", cur.error().c_str());
    return 1;
  }
  for (const auto& r : *cur) {
    auto ev = (*as)->evidence(a.system, r.item);
    auto hist = (*as)->history(a.system, r.item);
    if (a.format == "json") {
      nlohmann::json j{{"system", r.system}, {"id", r.item}, {"result", compliance::conformity_zh(r.result)}, {"note", r.note},
                       {"by", r.by}, {"at", format_rfc3339(r.at)}, {"changes", hist ? hist->size() : 0}};
      nlohmann::json e = nlohmann::json::array();
      if (ev)
        for (const auto& x : *ev) e.push_back({{"kind", x.kind}, {"source", x.source}, {"text", x.text}, {"at", format_rfc3339(x.at)}});
      j["evidence"] = e;
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("%-10s %-8s %-10s %s (%zu evidence, %zu changes)\n", r.item.c_str(), compliance::conformity_zh(r.result), r.by.c_str(),
                  r.note.c_str(), ev ? ev->size() : 0, hist ? hist->size() : 0);
    }
  }
  return 0;
}

int run_rectify(const Config& cfg, const std::string& action, const AssessArgs& a, const std::string& due, const std::string& plan,
                int64_t id, const std::string& status) {
  auto as = compliance::Assessments::open(cfg.data_dir + "/compliance.db");
  if (!as) {
    std::fprintf(stderr, "wardsec rectify: %s\n", as.error().c_str());
    return 1;
  }
  if (action == "add") {
    auto r = (*as)->add_rectification({0, a.system, a.item, a.note, plan, due, "", a.by, now_ns(), 0, ""});
    if (!r) {
      std::fprintf(stderr, "wardsec rectify: %s\n", r.error().c_str());
      return 2;
    }
    std::printf("%lld\n", static_cast<long long>(*r));
    return 0;
  }
  if (action == "status") {
    Status s = (*as)->set_rectification_status(id, status, a.by, now_ns());
    if (!s) {
      std::fprintf(stderr, "wardsec rectify: %s\n", s.error().c_str());
      return 2;
    }
    return 0;
  }
  auto list = (*as)->rectifications(a.system);
  if (!list) {
    std::fprintf(stderr, "wardsec rectify: %s\n", list.error().c_str());
    return 1;
  }
  std::string today = format_rfc3339(now_ns() + static_cast<int64_t>(cfg.tz_sec) * 1000000000LL).substr(0, 10);
  for (const auto& r : *list) {
    bool overdue = r.status != "done" && r.due < today;
    if (a.format == "json") {
      nlohmann::json j{{"id", r.id},         {"system", r.system}, {"item", r.item},   {"owner", r.owner},   {"plan", r.plan},
                       {"due", r.due},       {"status", r.status}, {"overdue", overdue}, {"created_by", r.created_by},
                       {"closed_by", r.closed_by}};
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("#%-4lld %-6s %-10s %-11s %-10s%s %s — %s\n", static_cast<long long>(r.id), r.system.c_str(), r.item.c_str(),
                  r.status.c_str(), r.due.c_str(), overdue ? " 已逾期 OVERDUE" : "", r.owner.c_str(), r.plan.c_str());
    }
  }
  return 0;
}

int run_catalog(const std::string& path, int level, const std::string& format) {
  auto cat = compliance::Catalog::load(resolve_shipped(path));
  if (!cat) {
    std::fprintf(stderr, "wardsec catalog: %s\n", cat.error().c_str());
    return 2;
  }
  if (level != 2 && level != 3) {
    std::fprintf(stderr, "wardsec catalog: --level must be 2 or 3 (the catalog covers the general requirements of levels 2 and 3)\n");
    return 2;
  }
  auto items = cat->at_level(level);
  for (const auto* r : items) {
    if (format == "json") {
      std::printf("%s\n", compliance::requirement_to_json(*r).c_str());
    } else {
      std::printf("%-12s %-11s %s/%s  %s\n", r->id.c_str(), r->code_28448.empty() ? "-" : r->code_28448.c_str(), r->category_zh.c_str(),
                  r->control_point_zh.c_str(), r->summary.c_str());
    }
  }
  if (format != "json") std::fprintf(stderr, "%zu requirement items at level %d\n", items.size(), level);
  return 0;
}

int run_rules(bool lint, const std::vector<std::string>& paths, const std::string& events_file,
              const std::string& mapping_path, const std::string& format, const std::function<void(Event&)>& enrich) {
  auto mapping = detect::Mapping::load(mapping_path);
  if (!mapping) {
    std::fprintf(stderr, "wardsec rules: %s\n", mapping.error().c_str());
    return 2;
  }
  detect::RuleSet set(std::move(mapping.value()));
  for (const auto& p : paths) {
    if (!std::filesystem::exists(p)) {
      std::fprintf(stderr, "wardsec rules: %s: no such file or folder\n", p.c_str());
      return 2;
    }
    set.add_path(p);
  }
  set.finish();
  for (const auto& e : set.errors()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (lint) {
    size_t unmapped = 0;
    for (const auto& r : set.rules()) {
      if (r.source) continue;
      unmapped++;
      const auto& ls = r.rule.logsource;
      std::fprintf(stderr, "%s: warning: rule '%s': no mapping for logsource product=%s service=%s category=%s; it sees no events (rules/mapping/sigma.yaml)\n",
                   r.rule.file.c_str(), r.rule.title.c_str(), ls.product.c_str(), ls.service.c_str(), ls.category.c_str());
    }
    std::printf("%zu rules, %zu correlations and %zu filters loaded, %zu errors, %zu without a logsource mapping\n",
                set.rules().size(), set.correlations().size(), set.filters().size(), set.errors().size(), unmapped);
    return set.errors().empty() ? 0 : 1;
  }
  std::ifstream in(events_file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wardsec rules test: cannot read %s\n", events_file.c_str());
    return 2;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // JSON lines, a JSON array or concatenated JSON objects; otherwise one raw log line each.
  std::vector<std::string> docs;
  std::string_view t = trim(text);
  if (!t.empty() && (t.front() == '{' || t.front() == '[')) {
    docs = detect::split_json_objects(t);
  } else {
    size_t p = 0;
    while (p < text.size()) {
      size_t nl = text.find('\n', p);
      std::string line = text.substr(p, nl == std::string::npos ? std::string::npos : nl - p);
      if (!trim(line).empty()) docs.push_back(line);
      if (nl == std::string::npos) break;
      p = nl + 1;
    }
  }
  Decoder dec;
  size_t matches = 0;
  detect::Correlator correlator(set);
  std::vector<detect::CorrelationHit> hits;
  auto print_match = [&](const std::string& id, const std::string& title, const std::string& level, uint64_t index,
                         const detect::CorrelationHit* h) {
    if (format == "json") {
      std::string out = "{\"rule.id\":\"";
      search::json_escape(id, out);
      out += "\",\"rule.title\":\"";
      search::json_escape(title, out);
      out += "\",\"rule.level\":\"";
      search::json_escape(level, out);
      out += "\",\"event.index\":" + std::to_string(index);
      if (h) {
        out += ",\"correlation.type\":\"";
        out += detect::Correlation::type_name(set.correlations()[h->correlation].corr.type);
        out += "\",\"correlation.value\":" + fmt::format("{}", h->value) + ",\"correlation.events\":[";
        for (size_t k = 0; k < h->events.size(); k++) out += (k ? "," : "") + std::to_string(h->events[k]);
        out += "],\"correlation.group\":{";
        for (size_t k = 0; k < h->group.size(); k++) {
          out += k ? ",\"" : "\"";
          search::json_escape(h->group[k].first, out);
          out += "\":\"";
          search::json_escape(h->group[k].second, out);
          out += "\"";
        }
        out += "}";
      }
      out += "}";
      std::printf("%s\n", out.c_str());
    } else if (h) {
      std::string group;
      for (const auto& [k, v] : h->group) group += (group.empty() ? "" : ", ") + k + "=" + v;
      std::printf("event %llu: %s [%s] %s (correlation %s, value %g, %llu events%s%s)\n",
                  static_cast<unsigned long long>(index), title.c_str(), level.c_str(), id.c_str(),
                  detect::Correlation::type_name(set.correlations()[h->correlation].corr.type), h->value,
                  static_cast<unsigned long long>(h->event_count), group.empty() ? "" : ", ", group.c_str());
    } else {
      std::printf("event %llu: %s [%s] %s\n", static_cast<unsigned long long>(index), title.c_str(), level.c_str(), id.c_str());
    }
  };
  auto flush_hits = [&] {
    for (const auto& h : hits) {
      matches++;
      const auto& c = set.correlations()[h.correlation].corr;
      print_match(c.id, c.title, c.level, h.events.empty() ? 0 : h.events.back(), &h);
    }
    hits.clear();
  };
  for (size_t i = 0; i < docs.size(); i++) {
    Event ev;
    ev.raw = docs[i];
    ParseContext ctx;
    ctx.received = now_ns();
    dec.decode(ev, ctx);
    if (enrich) enrich(ev);  // as the pipeline does: web-attack fields on access-log lines
    for (size_t r : set.match(ev, true)) {
      matches++;
      const auto& rule = set.rules()[r].rule;
      print_match(rule.id, rule.title, rule.level, i, nullptr);
      correlator.on_rule_match(r, ev, i, hits);
    }
    correlator.advance(ev.ts, hits);
    flush_hits();
  }
  correlator.advance(INT64_MAX, hits);
  flush_hits();
  std::fprintf(stderr, "%zu events, %zu rules, %zu matches\n", docs.size(), set.rules().size(), matches);
  return set.errors().empty() ? 0 : 1;
}

}  // namespace
}  // namespace wardsec

int main(int argc, char** argv) {
  using namespace wardsec;
  restrict_umask();  // everything the center writes: 0600 files in 0700 folders
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"wardsec — 医院等保安全管理中心 (hospital MLPS 2.0 security management center)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);

  Common common;
  std::string listen, public_name, redirect, udp, tcp, tls, relp;
  auto add_net = [&](CLI::App* sub) {
    sub->add_option("--listen", listen, "HTTPS address of the console and API (default 127.0.0.1:8443)");
    sub->add_option("--public-name", public_name,
                    "the name or address:port browsers use for the console (api.public_name; required with --listen 0.0.0.0:...)");
    sub->add_option("--redirect", redirect, "plain HTTP address that redirects to HTTPS, '' to disable (default 127.0.0.1:8480)");
    sub->add_option("--udp", udp, "syslog UDP address, '' to disable (default 0.0.0.0:5514)");
    sub->add_option("--tcp", tcp, "syslog TCP address, '' to disable (default 0.0.0.0:5514)");
    sub->add_option("--tls", tls, "syslog TLS address, '' to disable (default 0.0.0.0:6514)");
    sub->add_option("--relp", relp, "RELP address, '' to disable (default 0.0.0.0:2514)");
  };
  auto apply_net = [&](Config& c, CLI::App* sub) {
    if (sub->count("--listen")) c.http.listen = listen;
    if (sub->count("--public-name")) c.http.public_name = public_name;
    if (sub->count("--redirect")) c.http.redirect_listen = redirect;
    if (sub->count("--udp")) c.inputs.udp = udp;
    if (sub->count("--tcp")) c.inputs.tcp = tcp;
    if (sub->count("--tls")) c.inputs.tls = tls;
    if (sub->count("--relp")) c.inputs.relp = relp;
  };

  auto* serve = app.add_subcommand("serve", "receive, store and serve logs (runs with no config at all)");
  add_common(serve, common);
  add_net(serve);

  double rate = 20;
  auto* demo = app.add_subcommand("demo", "serve, fed by a generator of the demo hospital's traffic");
  add_common(demo, common);
  add_net(demo);
  demo->add_option("--rate", rate, "generated events per second (default 20)");

  std::vector<std::string> files;
  auto* imp = app.add_subcommand("import", "store the lines of log files (plain or gzip) as events");
  add_common(imp, common);
  imp->add_option("files", files, "log files")->required();

  std::vector<std::string> words;
  std::string from, to, format = "table";
  size_t limit = 0;
  bool count = false, newest = false, stats = false;
  auto* srch = app.add_subcommand("search", "search stored events (query language: docs/query-language.md)");
  add_common(srch, common);
  srch->add_option("query", words, "query, e.g. 'user.name:root AND event.outcome:failure'");
  srch->add_option("--from", from, "start time (inclusive): 2024-03-01, 2024-03-01T08:00:00+08:00, now-1h");
  srch->add_option("--to", to, "end time (exclusive)");
  srch->add_option("--limit", limit, "stop after N matches (0: all)");
  srch->add_option("--format", format, "table or json (one object per line, ECS field names)")->check(CLI::IsMember({"table", "json"}));
  srch->add_flag("--count", count, "print only the number of matches");
  srch->add_flag("--newest", newest, "newest first");
  srch->add_flag("--stats", stats, "print blocks read/skipped to stderr");

  std::string witness, pubkey, key_dir;
  auto* ver = app.add_subcommand("verify", "check the store's digest chain and signed checkpoints");
  add_common(ver, common);
  ver->add_option("--witness", witness, "a witness file (copied checkpoint lines) to compare against");
  ver->add_option("--pubkey", pubkey, "instance public key (PEM) kept outside the server");
  ver->add_option("--key-dir", key_dir, "key directory (default <data>.keys)");

  int days = 180;
  std::string now_s;
  auto* ret = app.add_subcommand("retention", "delete segments older than the retention period, with signed receipts");
  add_common(ret, common);
  ret->add_option("--days", days, "keep this many days (default 180)");
  ret->add_option("--now", now_s, "pretend the time is this (for drills and tests)");

  uint64_t gen_count = 1000, gen_seed = 1;
  double gen_rate = 1000;
  auto* gen = app.add_subcommand("generate", "print the demo hospital's traffic (syslog lines) for tests and benchmarks");
  add_common(gen, common);
  gen->add_option("--count", gen_count, "number of lines (default 1000)");
  gen->add_option("--seed", gen_seed, "random seed (default 1)");
  gen->add_option("--rate", gen_rate, "events per second of the generated time line (default 1000)");

  auto* rules = app.add_subcommand("rules", "check and try detection rules (Sigma)");
  rules->require_subcommand(1);
  std::vector<std::string> rule_paths;
  std::string events_file, mapping_file, rules_format = "table";
  auto* lint = rules->add_subcommand("lint", "load rules and report every problem with file and line");
  lint->add_option("paths", rule_paths, "rule files or folders")->required();
  lint->add_option("--mapping", mapping_file, "logsource and field mapping (default rules/mapping/sigma.yaml)");
  auto* rtest = rules->add_subcommand("test", "run rules over events and print the matches");
  rtest->add_option("paths", rule_paths, "rule files or folders")->required();
  rtest->add_option("--events", events_file, "JSON lines, a JSON array, concatenated JSON objects, or raw log lines")->required();
  rtest->add_option("--format", rules_format, "table or json (one object per match: rule.id, rule.title, rule.level, event.index)")
      ->check(CLI::IsMember({"table", "json"}));
  rtest->add_option("--mapping", mapping_file, "logsource and field mapping (default rules/mapping/sigma.yaml)");
  for (auto* sub : {lint, rtest}) add_common(sub, common);

  auto* catc = app.add_subcommand("catalog", "list the GB/T 22239-2019 requirement items that apply at a level (catalog/)");
  int cat_level = 3;
  std::string cat_format = "table", cat_file = "catalog/gbt22239-2019.tsv";
  catc->add_option("--level", cat_level, "protection level, 2 or 3 (default 3)");
  catc->add_option("--format", cat_format, "table or json (one object per item)")->check(CLI::IsMember({"table", "json"}));
  catc->add_option("--catalog", cat_file, "catalog file (default catalog/gbt22239-2019.tsv)");
  add_common(catc, common);

  auto* chk = app.add_subcommand("check", "collect compliance evidence");
  chk->require_subcommand(1);
  auto* chk_host = chk->add_subcommand("host", "check this Linux host (or the file tree at --root) against GB/T 22239-2019");
  std::string chk_root = "/", chk_format = "table";
  chk_host->add_option("--root", chk_root, "the host's root folder (default /)");
  chk_host->add_option("--format", chk_format, "table or json (one object per check)")->check(CLI::IsMember({"table", "json"}));
  std::string chk_record;
  chk_host->add_option("--record", chk_record, "record the results as evidence for this graded system (in --data)");
  add_common(chk_host, common);
  auto* chk_center = chk->add_subcommand("center", "the management center's evidence about itself (roles, log sources, retention, clocks, alerts)");
  chk_center->add_option("--format", chk_format, "table or json (one object per check)")->check(CLI::IsMember({"table", "json"}));
  chk_center->add_option("--record", chk_record, "record the results as evidence for this graded system (in --data)");
  add_common(chk_center, common);

  auto* grd = app.add_subcommand("grade", "grade a system per GB/T 22240-2020 (定级): the level of each dimension and of the system");
  std::string g_business, g_service, g_kind, g_tier = "3";
  grd->add_option("--business", g_business, "business information security: OBJECT:DEGREE, e.g. citizens:serious")->required();
  grd->add_option("--service", g_service, "system service security: OBJECT:DEGREE, e.g. society:serious")->required();
  grd->add_option("--kind", g_kind, "hospital system kind for a suggested level: his, emr, lis, pacs, ris, platform, internet-hospital, insurance, oa, website");
  grd->add_option("--tier", g_tier, "hospital tier (3 for 三级), for the suggestion");
  add_common(grd, common);
  auto* scr = app.add_subcommand("score", "score a self-assessment (results CSV: id,result,risk[,x]) per the 2021 template's method");
  std::string s_results, s_scoring = "catalog/scoring.yaml";
  int s_level = 3;
  std::string s_system;
  auto* s_res_opt = scr->add_option("--results", s_results, "CSV of results: id,result(符合|部分符合|不符合|不适用),risk(高|中|低|empty)[,x]");
  scr->add_option("--system", s_system, "score the stored assessment of a graded system instead (wardsec assess)")->excludes(s_res_opt);
  scr->add_option("--level", s_level, "the system's level (2 or 3)");
  scr->add_option("--scoring", s_scoring, "weights and bands (default catalog/scoring.yaml)");
  add_common(scr, common);

  auto* invc = app.add_subcommand("inventory", "zones, graded systems and assets: CSV import and export");
  invc->require_subcommand(1);
  std::string inv_kind, inv_file;
  auto* inv_imp = invc->add_subcommand("import", "import (upsert) a CSV of zones, systems or assets; all rows are checked first");
  inv_imp->add_option("kind", inv_kind, "zones, systems or assets")->required()->check(CLI::IsMember({"zones", "systems", "assets"}));
  inv_imp->add_option("file", inv_file, "CSV file (UTF-8, header line)")->required();
  add_common(inv_imp, common);
  auto* inv_exp = invc->add_subcommand("export", "print zones, systems or assets as CSV");
  inv_exp->add_option("kind", inv_kind, "zones, systems or assets")->required()->check(CLI::IsMember({"zones", "systems", "assets"}));
  add_common(inv_exp, common);

  auto* asc = app.add_subcommand("assess", "record and show self-assessment results per graded system (history kept)");
  asc->require_subcommand(1);
  AssessArgs aa;
  auto* as_set = asc->add_subcommand("set", "record the result of one item for a system");
  as_set->add_option("--system", aa.system, "graded system id (inventory)")->required();
  as_set->add_option("--item", aa.item, "catalog item id, e.g. CE.IA.b")->required();
  as_set->add_option("--result", aa.result, "符合, 部分符合, 不符合 or 不适用")->required();
  as_set->add_option("--risk", aa.risk, "高, 中 or 低 for a problem");
  as_set->add_option("--x", aa.x, "conformity of a 部分符合 item, 0..1 (default from catalog/scoring.yaml)");
  as_set->add_option("--by", aa.by, "who assessed")->required();
  as_set->add_option("--note", aa.note, "what was seen (kept as evidence)");
  add_common(as_set, common);
  auto* as_show = asc->add_subcommand("show", "the current result of every assessed item of a system");
  as_show->add_option("--system", aa.system, "graded system id")->required();
  as_show->add_option("--format", aa.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  add_common(as_show, common);

  auto* rec = app.add_subcommand("rectify", "rectification tasks (整改) for items assessed 不符合 or 部分符合");
  rec->require_subcommand(1);
  std::string r_due, r_plan, r_status;
  int64_t r_id = 0;
  auto* rec_add = rec->add_subcommand("add", "open a task for an item whose current result is 不符合 or 部分符合");
  rec_add->add_option("--system", aa.system, "graded system id")->required();
  rec_add->add_option("--item", aa.item, "catalog item id")->required();
  rec_add->add_option("--owner", aa.note, "who fixes it")->required();
  rec_add->add_option("--plan", r_plan, "what will be done")->required();
  rec_add->add_option("--due", r_due, "due date, YYYY-MM-DD")->required();
  rec_add->add_option("--by", aa.by, "who opens the task")->required();
  add_common(rec_add, common);
  auto* rec_status = rec->add_subcommand("status", "move a task to in_progress or done (done needs a conforming re-assessment)");
  rec_status->add_option("id", r_id, "task number")->required();
  rec_status->add_option("status", r_status, "open, in_progress or done")->required();
  rec_status->add_option("--by", aa.by, "who")->required();
  add_common(rec_status, common);
  auto* rec_list = rec->add_subcommand("list", "tasks, overdue ones marked");
  rec_list->add_option("--system", aa.system, "only this system");
  rec_list->add_option("--format", aa.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  add_common(rec_list, common);

  auto* ver_cmd = app.add_subcommand("version", "print the version");
  add_common(ver_cmd, common);

  std::string rep_kind, rep_system, rep_format = "html", rep_out, rep_lang = "zh-CN", rep_org;
  int rep_year = 0;
  auto* rep = app.add_subcommand("report", "a system's self-assessment or grading report, or the year's work summary (HTML, PDF, XLSX)");
  rep->add_option("kind", rep_kind, "self-assessment, grading, rectification, annual or dbaudit (the month's 防统方 report)")
      ->required()
      ->check(CLI::IsMember({"self-assessment", "grading", "rectification", "annual", "dbaudit"}));
  rep->add_option("--system", rep_system, "graded system id (inventory); not for annual");
  rep->add_option("--year", rep_year, "the year of an annual summary or a dbaudit report (default: this year)");
  int rep_month = 0;
  rep->add_option("--month", rep_month, "the month of a dbaudit report, 1-12 (default: last month)");
  rep->add_option("--format", rep_format, "html (default), pdf (printed by Chromium), xlsx (checklist or filing form)")
      ->check(CLI::IsMember({"html", "pdf", "xlsx"}));
  rep->add_option("--out", rep_out, "output file")->required();
  rep->add_option("--lang", rep_lang, "zh-CN (default) or en")->check(CLI::IsMember({"zh-CN", "en"}));
  rep->add_option("--organization", rep_org, "the hospital's name (default: organization in the config)");
  add_common(rep, common);

  std::vector<std::string> wc_files;
  bool wc_raw = false;
  std::string wc_format = "text";
  auto* wc = app.add_subcommand("webcheck", "inspect access-log lines (or raw HTTP requests with --raw) for web attacks");
  add_common(wc, common);
  wc->add_option("files", wc_files, "access logs (combined or wardsec JSON format), or raw requests with --raw; - for stdin");
  wc->add_flag("--raw", wc_raw, "each file is one raw HTTP/1.1 request");
  wc->add_option("--format", wc_format, "text or json (one object per request)");
  std::string wc_pcap, wc_iface, wc_filter;
  wc->add_option("--pcap", wc_pcap, "read mirrored traffic from this pcap file instead of files (HTTP/1.1 requests reassembled)");
  wc->add_option("--interface", wc_iface, "capture mirrored traffic live on this interface (until Ctrl-C)");
  wc->add_option("--filter", wc_filter, "BPF filter for --pcap/--interface, e.g. 'tcp port 80'");

  DbauditOptions dbo;
  auto* dba = app.add_subcommand("dbaudit", "database statements (MySQL/MariaDB, PostgreSQL, SQL Server) from a pcap file, a mirror interface or the databases' audit logs");
  add_common(dba, common);
  dba->add_option("--read", dbo.pcap_file, "a pcap/pcapng file");
  dba->add_option("--interface", dbo.interface, "capture live on this interface (until Ctrl-C)");
  dba->add_option("--filter", dbo.filter, "BPF filter, e.g. 'tcp port 3306 or tcp port 5432 or tcp port 1433'");
  dba->add_option("--log", dbo.log_file, "a database audit log: MariaDB server_audit, pgaudit, PostgreSQL csvlog, SQL Server / Oracle audit CSV or JSON");
  dba->add_option("--log-format", dbo.log_format, "mariadb, pgaudit, pgcsv, table (CSV with a header or JSON lines) or auto (default)");
  dba->add_option("--format", dbo.format, "json (one object per statement; default) or text");
  dba->add_option("--policy", dbo.policy_file, "the 防统方 policy of sensitive tables and columns (default config/dbaudit/policy.yaml)");

  std::string px_listen, px_upstream, px_mode, px_log, px_syslog;
  auto* px = app.add_subcommand("proxy", "reverse proxy in front of a web server: inspect every request, detect or block attacks");
  add_common(px, common);
  px->add_option("--listen", px_listen, "address to listen on (default 127.0.0.1:8088)");
  px->add_option("--upstream", px_upstream, "the web server, host:port (HTTP)");
  px->add_option("--mode", px_mode, "detect (report only) or block (403); per-route modes in the config's proxy.routes");
  px->add_option("--log", px_log, "append findings as JSON access-log lines to this file");
  px->add_option("--syslog", px_syslog, "send findings to this syslog receiver (UDP host:port), e.g. the wardsec server");

  auto* api_cmd = app.add_subcommand("api", "the console's API");
  auto* api_routes = api_cmd->add_subcommand("routes", "print every API route with the permission it needs (JSON lines)");
  api_cmd->require_subcommand(1);

  CLI11_PARSE(app, argc, argv);

  auto cfg = config_for(common);
  if (!cfg) {
    std::fprintf(stderr, "wardsec: %s\n", cfg.error().c_str());
    return 2;
  }
  if (ver_cmd->parsed()) {
    std::printf("wardsec %s\n", kVersion);
    return 0;
  }
  if (rep->parsed()) {
    report::Sources src{cfg->data_dir, cfg->http.catalog_file, cfg->http.scoring_file, rep_org.empty() ? cfg->organization : rep_org, cfg->tz_sec};
    auto write_html = [&](const std::string& html) -> Status {
      if (rep_format == "pdf") return report::html_to_pdf(html, rep_out);
      std::ofstream f(rep_out, std::ios::binary);
      f << html;
      return f ? Status{} : Status{Error{"cannot write " + rep_out}};
    };
    Status s;
    if (rep_kind == "dbaudit") {
      if (rep_format == "xlsx") {
        std::fprintf(stderr, "wardsec report: the 防统方 report is html or pdf\n");
        return 2;
      }
      auto [year, month] = report::previous_month(now_ns(), cfg->tz_sec);  // by default last month, the one a monthly report is for
      if (rep_month) {  // a month named alone is one of this year
        year = std::atoi(format_rfc3339(now_ns() + static_cast<int64_t>(cfg->tz_sec) * kSec).substr(0, 4).c_str());
        month = rep_month;
      }
      if (rep_year) year = rep_year;
      auto html = report::dbaudit_month_html(src, year, month, rep_lang);
      s = html ? write_html(*html) : Status{Error{html.error()}};
      if (s) std::printf("%s: %04d-%02d 防统方 report\n", rep_out.c_str(), year, month);
      if (!s) {
        std::fprintf(stderr, "wardsec report: %s\n", s.error().c_str());
        return 1;
      }
      return 0;
    }
    if (rep_kind == "annual") {
      if (rep_format == "xlsx") {
        std::fprintf(stderr, "wardsec report: the annual summary is html or pdf\n");
        return 2;
      }
      int year = rep_year ? rep_year : std::atoi(format_rfc3339(now_ns()).substr(0, 4).c_str());
      auto html = report::annual_html(src, year, rep_lang);
      s = html ? write_html(*html) : Status{Error{html.error()}};
      if (s) std::printf("%s: %d annual summary\n", rep_out.c_str(), year);
    } else {
      if (rep_system.empty()) {
        std::fprintf(stderr, "wardsec report: --system is required for %s\n", rep_kind.c_str());
        return 2;
      }
      auto kind = *report::parse_kind(rep_kind);
      auto d = report::gather(src, rep_system);
      if (!d) {
        std::fprintf(stderr, "wardsec report: %s\n", d.error().c_str());
        return 1;
      }
      s = rep_format == "xlsx" ? report::xlsx(kind, *d, rep_out) : write_html(report::html(kind, *d, rep_lang));
      if (s)
        std::printf("%s: %s %s, score %.2f %s\n", rep_out.c_str(), d->system.name.c_str(), rep_kind.c_str(), d->score.score,
                    d->score.conclusion.c_str());
    }
    if (!s) {
      std::fprintf(stderr, "wardsec report: %s\n", s.error().c_str());
      return 1;
    }
    return 0;
  }
  if (api_routes->parsed()) {
    for (const auto& r : server::build_routes(nullptr))
      std::printf("%s\n", nlohmann::json{{"method", r.method}, {"path", r.pattern}, {"permission", server::perm_name(r.perm)},
                                         {"login_step", r.session_any_stage}, {"summary", r.summary}}.dump().c_str());
    return 0;
  }
  if (serve->parsed() || demo->parsed()) {
    CLI::App* sub = serve->parsed() ? serve : demo;
    apply_net(*cfg, sub);
    return run_server(*cfg, demo->parsed(), rate);
  }
  if (imp->parsed()) return run_import(*cfg, files);
  if (wc->parsed()) {
    if (!wc_pcap.empty() || !wc_iface.empty()) return run_webcheck_capture(wc_pcap, wc_iface, wc_filter, wc_format, cfg->web);
    if (wc_files.empty()) {
      std::fprintf(stderr, "wardsec webcheck: name access-log files (or - for stdin), raw requests with --raw, or --pcap/--interface\n");
      return 2;
    }
    return run_webcheck(wc_files, wc_raw, wc_format, cfg->web);
  }
  if (dba->parsed()) {
    dbo.policy_file = resolve_shipped(dbo.policy_file.empty() ? "config/dbaudit/policy.yaml" : dbo.policy_file);
    return run_dbaudit(dbo);
  }
  if (px->parsed()) {
    proxy::Options o = cfg->proxy;
    o.policy = cfg->web;
    if (!px_listen.empty()) o.listen = px_listen;
    if (!px_upstream.empty()) o.upstream = px_upstream;
    if (!px_mode.empty()) {
      if (px_mode != "detect" && px_mode != "block") {
        std::fprintf(stderr, "wardsec proxy: --mode is detect or block, not %s\n", px_mode.c_str());
        return 2;
      }
      o.block = px_mode == "block";
    }
    if (!px_log.empty()) o.log_file = px_log;
    if (!px_syslog.empty()) o.syslog = px_syslog;
    if (o.upstream.empty()) {
      std::fprintf(stderr, "wardsec proxy: no upstream (--upstream host:port, or proxy.upstream in the config)\n");
      return 2;
    }
    return proxy::run(o);
  }
  if (catc->parsed()) return run_catalog(cat_file, cat_level, cat_format);
  if (chk_host->parsed()) return run_check_host(chk_root, chk_format, chk_record, cfg->data_dir);
  if (chk_center->parsed()) return run_check_center(cfg->data_dir, cfg->retention_days, chk_format, chk_record, cfg->store.key_dir);
  if (rec_add->parsed() || rec_status->parsed() || rec_list->parsed())
    return run_rectify(*cfg, rec_add->parsed() ? "add" : rec_status->parsed() ? "status" : "list", aa, r_due, r_plan, r_id, r_status);
  if (as_set->parsed() || as_show->parsed()) return run_assess(*cfg, as_set->parsed(), aa);
  if (inv_imp->parsed() || inv_exp->parsed()) return run_inventory(*cfg, inv_imp->parsed(), inv_kind, inv_file);
  if (grd->parsed()) return run_grade(g_business, g_service, g_kind, g_tier);
  if (scr->parsed()) {
    if (!s_system.empty()) {
      // The stored assessment, at the system's level from the inventory.
      std::string dbp = cfg->data_dir + "/compliance.db";
      auto as = compliance::Assessments::open(dbp);
      auto inv = compliance::Inventory::open(dbp);
      if (!as || !inv) {
        std::fprintf(stderr, "wardsec score: %s\n", !as ? as.error().c_str() : inv.error().c_str());
        return 1;
      }
      auto systems = (*inv)->systems();
      if (systems)
        for (const auto& x : *systems)
          if (x.id == s_system && x.level) s_level = std::min(x.level, 3);
      auto cur = (*as)->current(s_system);
      if (!cur) {
        std::fprintf(stderr, "wardsec score: %s\n", cur.error().c_str());
        return 1;
      }
      std::vector<compliance::ItemAssessment> items;
      for (const auto& r : *cur) items.push_back({r.item, r.result, r.x, r.risk});
      return print_score(items, s_level, s_scoring);
    }
    if (s_results.empty()) {
      std::fprintf(stderr, "wardsec score: --results FILE or --system ID\n");
      return 2;
    }
    auto items = read_results_csv(s_results);
    return items ? print_score(*items, s_level, s_scoring) : 2;
  }
  if (rules->parsed()) {
    auto enrich = make_enrichers(*cfg);
    if (!enrich) {
      std::fprintf(stderr, "wardsec rules: %s\n", enrich.error().c_str());
      return 2;
    }
    return run_rules(lint->parsed(), rule_paths, events_file, resolve_shipped(mapping_file.empty() ? "rules/mapping/sigma.yaml" : mapping_file), rules_format,
                     *enrich);
  }
  if (gen->parsed()) {
    demo::Generator g(gen_seed);
    int64_t t0 = now_ns() - static_cast<int64_t>(static_cast<double>(gen_count) / gen_rate * 1e9);
    std::string line;
    for (uint64_t i = 0; i < gen_count; i++) {
      line = g.next(t0 + static_cast<int64_t>(static_cast<double>(i) / gen_rate * 1e9));
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    return 0;
  }
  if (srch->parsed()) return run_search(*cfg, words, from, to, limit, format, count, newest, stats);
  if (ver->parsed()) {
    store::VerifyOptions vo;
    vo.data_dir = cfg->data_dir;
    vo.witness_path = witness;
    vo.pubkey_path = pubkey;
    vo.key_dir = key_dir.empty() ? cfg->store.key_dir : key_dir;
    auto rep = store::verify_store(vo);
    std::string s = rep.summary();
    std::fwrite(s.data(), 1, s.size(), rep.intact ? stdout : stderr);
    return rep.intact ? 0 : 1;
  }
  if (ret->parsed()) {
    int64_t now = now_ns();
    if (!now_s.empty() && !parse_user_time(now_s, cfg->tz_sec, now)) {
      std::fprintf(stderr, "wardsec retention: --now '%s' is not a time\n", now_s.c_str());
      return 2;
    }
    auto w = store::StoreWriter::open(cfg->store);
    if (!w) {
      std::fprintf(stderr, "wardsec retention: %s\n", w.error().c_str());
      return 1;
    }
    // The open segment is closed first so that it, too, can expire.
    Status s = (*w)->rotate();
    auto r = (*w)->apply_retention(static_cast<int64_t>(days) * 86400LL * 1000000000LL, now);
    if (!s || !r) {
      std::fprintf(stderr, "wardsec retention: %s\n", !s ? s.error().c_str() : r.error().c_str());
      return 1;
    }
    std::printf("removed %d segment(s) stored more than %d days ago; receipts are in %s/checkpoints.log\n", *r, days, cfg->data_dir.c_str());
    return 0;
  }
  return 0;
}
