// The prober under load (issue #20, docs/benchmarks.md): N probes at 10 s intervals — TCP
// connects, ICMP echoes and HTTP GETs against targets on the loopback that another process
// serves (nginx: bench/probe_bench.sh) — for S seconds; the prober's CPU (this process is only
// the prober) and memory, and how late runs start (the timing jitter).
//
//   probe_bench --n 2000 --seconds 120 --tcp 127.0.0.1:PORT --http http://127.0.0.1:PORT/
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "ops/probe/prober.h"

using namespace wardsec::ops::probe;

namespace {
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string k;
  long v = 0;
  while (f >> k)
    if (k == "VmRSS:") return f >> v, v;
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  int n = 2000, seconds = 120, warm = 20;
  std::string tcp = "127.0.0.1:80", http = "http://127.0.0.1/";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--n") n = std::stoi(v);
    if (k == "--seconds") seconds = std::stoi(v);
    if (k == "--tcp") tcp = v;
    if (k == "--http") http = v;
  }
  std::atomic<uint64_t> ok{0}, failed{0};
  Prober prober([&](const Spec&, const Outcome& o, int64_t) { (o.ok ? ok : failed)++; }, 0);
  std::vector<Spec> specs;
  auto colon = tcp.rfind(':');
  for (int i = 0; i < n; i++) {
    nlohmann::json j = {{"id", "p" + std::to_string(i)}, {"interval_s", 10}, {"timeout_ms", 2000}};
    if (i % 5 < 2)
      j.update({{"kind", "tcp"}, {"host", tcp.substr(0, colon)}, {"port", std::stoi(tcp.substr(colon + 1))}});
    else if (i % 5 < 4)
      j.update({{"kind", "icmp"}, {"host", "127.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)}});
    else
      j.update({{"kind", "http"}, {"url", http}});
    auto s = spec_from_json(j);
    if (!s) {
      std::fprintf(stderr, "%s\n", s.error().c_str());
      return 2;
    }
    specs.push_back(*s);
  }
  prober.set(specs);
  prober.start();
  std::this_thread::sleep_for(std::chrono::seconds(warm));
  double c0 = cpu_seconds();
  uint64_t r0 = ok + failed;
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = cpu_seconds() - c0;
  uint64_t runs = ok + failed - r0;
  auto st = prober.stats();
  prober.stop();
  std::printf("probes %d (40%% tcp, 40%% icmp, 20%% http) at 10 s for %.0f s after %d s warm-up\n", n, wall, warm);
  std::printf("runs %lu (%.1f/s), ok %lu, failed %lu\n", static_cast<unsigned long>(runs), static_cast<double>(runs) / wall,
              static_cast<unsigned long>(ok.load()), static_cast<unsigned long>(failed.load()));
  std::printf("cpu %.2f%% of one core, rss %ld KiB\n", 100.0 * cpu / wall, rss_kib());
  std::printf("start late (ms): p50 %.2f p99 %.2f max %.2f; icmp: %s\n", st["late_ms"]["p50"].get<double>(),
              st["late_ms"]["p99"].get<double>(), st["late_ms"]["max"].get<double>(), st["icmp"].get<std::string>().c_str());
  return failed.load() ? 1 : 0;
}
