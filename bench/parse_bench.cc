// Micro benchmarks: each parser (MB/s) and the framing. Run: build/release/bench/bench_parse
#include <benchmark/benchmark.h>

#include "decode_loop.h"

#include "core/timeutil.h"
#include "demo/generator.h"
#include "core/fields.h"
#include "ingest/framing.h"
#include "ops/config/trigger.h"
#include "ops/netdevices.h"
#include "ops/source_health.h"
#include "parse/parser.h"
#include "store/format.h"

using namespace wardsec;

namespace {

const Decoder& dec() {
  static Decoder d;
  return d;
}

void run_lines(benchmark::State& state, const std::vector<std::string>& lines) { bench::decode_lines(state, dec(), lines); }

#define LINE_BENCH(name, ...)                                          \
  void BM_##name(benchmark::State& s) { run_lines(s, {__VA_ARGS__}); } \
  BENCHMARK(BM_##name);

LINE_BENCH(Rfc3164Sshd,
           "<38>Nov 26 08:00:00 portal-web-01 sshd[4242]: Failed password for invalid user oracle from 45.95.147.201 port 50122 ssh2")
LINE_BENCH(
    Rfc5424,
    R"(<165>1 2026-11-26T08:00:01.123+08:00 his-app-01 his 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] registration ok patient=P0001)")
LINE_BENCH(
    NginxAccessInSyslog,
    R"(<190>Nov 26 08:00:01 ihosp-web-01 nginx: 223.104.5.17 - - [26/Nov/2026:08:00:00 +0800] "GET /api/appointment/slots?doctorId=88&date=2026-11-27 HTTP/1.1" 200 5120 "https://yy.demo-hospital.cn/" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) MicroMessenger/8.0.44")")
LINE_BENCH(
    Netfilter,
    "<4>Nov 26 08:00:00 fw-core-01 kernel: [123456.789012] IPT-DROP: IN=eth1 OUT=eth2 MAC=00:1b:21:3a:4f:10:00:1c:73:aa:01:02:08:00 "
    "SRC=45.95.147.201 DST=10.20.0.11 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=50122 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0")
LINE_BENCH(
    Auditd,
    R"(type=USER_LOGIN msg=audit(1795694400.123:2431): pid=812 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=45.95.147.201 terminal=ssh res=failed')")
LINE_BENCH(Cef,
           "CEF:0|Hillstone|SG-6000|5.5R9|31002|Apache Log4j RCE Attempt|9|src=45.95.147.9 spt=44321 dst=10.40.0.21 dpt=443 proto=TCP "
           "act=deny cs1Label=zone cs1=dmz")
LINE_BENCH(
    Json,
    R"({"@timestamp":"2026-11-26T08:00:00+08:00","source":{"ip":"10.50.7.88","port":5123},"user":{"name":"d1024"},"message":"query","event":{"action":"query"}})")
LINE_BENCH(ApacheError, "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6")

void BM_DemoMix(benchmark::State& s) {
  demo::Generator g(1);
  std::vector<std::string> lines;
  for (int i = 0; i < 10000; i++) lines.push_back(g.next(now_ns()));
  run_lines(s, lines);
}
BENCHMARK(BM_DemoMix);

// The demo mix decoded once, as the pipeline's stages after decoding see it.
const std::vector<Event>& decoded_demo() {
  static const std::vector<Event> evs = [] {
    demo::Generator g(1);
    std::vector<Event> v(10000);
    for (auto& ev : v) {
      ev.raw = g.next(now_ns());
      ParseContext ctx;
      ctx.received = now_ns();
      dec().decode(ev, ctx);
      ev.set(FieldRegistry::intern("log.source.address"), "10.20.0.5:41234");
      ev.set(kInputType, "tcp");
    }
    return v;
  }();
  return evs;
}

// A stage's work over the decoded demo lines in batches of 256, as the pipeline hands them on:
// its cost per line beside the decoding's (BM_DemoMix).
template <typename F>
void run_stage(benchmark::State& s, F&& f) {
  const auto& evs = decoded_demo();
  for (auto _ : s)
    for (size_t i = 0; i < evs.size(); i += 256) f(std::span<const Event>(evs).subspan(i, std::min<size_t>(256, evs.size() - i)));
  s.SetItemsProcessed(static_cast<int64_t>(s.iterations() * evs.size()));
}

// The source-health stage (ops/source_health.h). The demo mixes a dozen hosts line by line, the
// worst case for its per-batch lookup cache.
void BM_SourceHealthStage(benchmark::State& s) {
  ops::SourceHealth h;
  run_stage(s, [&](std::span<const Event> b) { h.observe(b); });
}
BENCHMARK(BM_SourceHealthStage);

// The network-devices stage (ops/netdevices.h): MACs of DHCP/ARP lines; most lines have none.
void BM_NetDeviceStage(benchmark::State& s) {
  ops::NetDevices d;
  run_stage(s, [&](std::span<const Event> b) { d.observe(b); });
}
BENCHMARK(BM_NetDeviceStage);

// The configuration-change stage's test of each line (ops/config/trigger.h), the work it does
// once a device is registered (with none it returns at once).
void BM_ConfigTriggerStage(benchmark::State& s) {
  size_t n = 0;
  run_stage(s, [&](std::span<const Event> b) {
    for (const auto& ev : b) n += ops::config::config_trigger(ev).has_value();
  });
  benchmark::DoNotOptimize(n);
}
BENCHMARK(BM_ConfigTriggerStage);

// Frames 1000 demo lines, octet-counted or LF-separated, from one buffer.
void run_framing(benchmark::State& state, bool octet) {
  std::string chunk;
  demo::Generator g(octet ? 2 : 3);
  for (int i = 0; i < 1000; i++) {
    std::string m = g.next(now_ns());
    chunk += octet ? std::to_string(m.size()) + " " + m : m + "\n";
  }
  size_t n = 0;
  for (auto _ : state) {
    ingest::SyslogFramer f;
    f.feed(chunk, [&](std::string_view m, bool) { n += m.size(); });
  }
  benchmark::DoNotOptimize(n);
  state.SetBytesProcessed(static_cast<int64_t>(chunk.size() * state.iterations()));
}
void BM_SyslogFramingOctet(benchmark::State& s) { run_framing(s, true); }
void BM_SyslogFramingLf(benchmark::State& s) { run_framing(s, false); }
BENCHMARK(BM_SyslogFramingOctet);
BENCHMARK(BM_SyslogFramingLf);

void BM_BloomKeysAndEncode(benchmark::State& state) {
  demo::Generator g(4);
  std::vector<Event> evs;
  ParseContext ctx;
  ctx.received = now_ns();
  for (int i = 0; i < 1000; i++) {
    Event ev;
    ev.raw = g.next(now_ns());
    dec().decode(ev, ctx);
    evs.push_back(std::move(ev));
  }
  store::PayloadEncoder enc;
  store::KeySet keys;
  size_t i = 0;
  for (auto _ : state) {
    const Event& ev = evs[i++ % evs.size()];
    enc.add(ev);
    store::event_bloom_keys(ev, keys);
    if (enc.count() >= 4096) {
      benchmark::DoNotOptimize(enc.finish());
      benchmark::DoNotOptimize(store::Bloom::build(keys));
      keys.clear();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BloomKeysAndEncode);

}  // namespace

BENCHMARK_MAIN();
