// Device families (issue #18): the cost of loading more of them. The shipped families
// (parsers/, or $WARDSEC_PARSERS) are topped up with synthetic ones (regex, literal and
// program-glob matchers that never claim these lines, as a hundred real vendors' would not) to
// 10 and 100 families; the same corpora run with each:
//   BM_FamilySamples/N  every sample line of the first ten shipped families, in turn
//   BM_DemoMixFamilies/N  the demo hospital's mix with N families loaded; /0 with every shipped
//                         family (what the center runs)
// BM_DemoMix (parse_bench.cc) is the same mix with no families: the baseline in the same run.
#include <benchmark/benchmark.h>

#include "decode_loop.h"

#include <cstdlib>
#include <cstdio>
#include <map>
#include <memory>

#include "core/timeutil.h"
#include "demo/generator.h"
#include "ingest/multiline.h"
#include "parse/family.h"
#include "parse/family_parser.h"
#include "parse/parser.h"

using namespace wardsec;

namespace {

std::vector<Family> shipped() {
  const char* dir = std::getenv("WARDSEC_PARSERS");
  auto f = load_families(dir ? dir : "parsers");
  if (!f) {
    std::fprintf(stderr, "bench_parse: %s (run from the repository root or set WARDSEC_PARSERS)\n", f.error().c_str());
    std::exit(2);
  }
  return std::move(*f);
}

// A family that looks like a vendor's but claims none of the corpus's lines.
Family synthetic(int i) {
  std::string n = std::to_string(i);
  std::string yaml = "family: synthetic-" + n + "\ntitle: {zh: synthetic, en: synthetic}\nsource: bench\ndataset: synthetic.v" + n +
                     "\n"
                     "match:\n"
                     "  - regex: '%%9" +
                     n + "SYN" + n +
                     "[A-Z]+/\\d/[A-Z_]+'\n"
                     "  - {program: ['synthd" +
                     n + "*'], contains: 'login failure'}\n" + "  - {contains: 'SYNTHLOG" + n +
                     " type='}\n"
                     "extract:\n"
                     "  - kv: {assign: '=', separators: ' ,;', quotes: '\"'}\n"
                     "map: {srcip: source.ip, usr: user.name}\n"
                     "samples:\n  - line: 'SYNTHLOG" +
                     n + " type=x srcip=10.0.0.1 usr=u'\n    fields: {event.dataset: synthetic.v" + n + "}\n";
  auto f = parse_family(yaml, "synthetic-" + n + ".yaml");
  if (!f) {
    std::fprintf(stderr, "bench_parse: %s\n", f.error().c_str());
    std::exit(2);
  }
  return std::move(*f);
}

struct Loaded {
  ParserRegistry reg;
  std::unique_ptr<Decoder> dec;
};

const Decoder& with_families(size_t n) {
  static std::map<size_t, std::unique_ptr<Loaded>> cache;
  auto& slot = cache[n];
  if (!slot) {
    // n == 0: every shipped family (what the center loads). Otherwise the first ten shipped
    // ones topped up with synthetic families, so 10 and 100 differ only in how many are loaded.
    std::vector<Family> fams = shipped();
    if (n > 0) {
      if (fams.size() > 10) fams.resize(10);
      for (int i = 0; fams.size() < n; i++) fams.push_back(synthetic(i));
    }
    slot = std::make_unique<Loaded>();
    register_builtin_parsers(slot->reg);
    auto fp = make_family_parser(std::move(fams));
    if (!fp) {
      std::fprintf(stderr, "bench_parse: %s\n", fp.error().c_str());
      std::exit(2);
    }
    slot->reg.add_message("families", std::move(*fp));
    slot->dec = std::make_unique<Decoder>(&slot->reg);
  }
  return *slot->dec;
}

void run(benchmark::State& state, const Decoder& dec, const std::vector<std::string>& lines) { bench::decode_lines(state, dec, lines); }

void BM_FamilySamples(benchmark::State& s) {
  static std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    auto fams = shipped();
    for (size_t i = 0; i < fams.size() && i < 10; i++)
      for (const auto& smp : fams[i].samples) out.push_back(smp.line);
    return out;
  }();
  run(s, with_families(static_cast<size_t>(s.range(0))), lines);
}
BENCHMARK(BM_FamilySamples)->Arg(10)->Arg(100);

void BM_DemoMixFamilies(benchmark::State& s) {
  static std::vector<std::string> lines = [] {
    demo::Generator g(1);
    std::vector<std::string> out;
    for (int i = 0; i < 10000; i++) out.push_back(g.next(now_ns()));
    return out;
  }();
  run(s, with_families(static_cast<size_t>(s.range(0))), lines);
}
BENCHMARK(BM_DemoMixFamilies)->Arg(10)->Arg(100)->Arg(0);

}  // namespace

namespace {

// The same sshd line through the built-in C++ parser and through a family that extracts the same
// fields: why sshd, sudo, PAM, netfilter and the access logs stay in C++ (docs/benchmarks.md).
const std::vector<std::string>& sshd_lines() {
  static std::vector<std::string> l = {
      "<38>Nov 26 08:00:00 portal-web-01 sshd[4242]: Failed password for invalid user oracle from 45.95.147.201 port 50122 ssh2",
      "<38>Nov 26 08:00:01 portal-web-01 sshd[4243]: Accepted publickey for opsadmin from 10.30.0.15 port 50200 ssh2"};
  return l;
}

// Both must yield the same fields, or the comparison means nothing.
void check(const Decoder& dec) {
  for (const auto& l : sshd_lines()) {
    Event ev;
    ev.raw = l;
    dec.decode(ev, {});
    if (ev.get(kUserName).empty() || ev.get(kSourceIp).empty() || ev.get(kSourcePort).empty() || ev.get(kEventOutcome).empty()) {
      std::fprintf(stderr, "bench_parse: sshd comparison: %s gave no user/source/outcome\n", l.c_str());
      std::exit(2);
    }
  }
}

void BM_SshdBuiltin(benchmark::State& s) {
  static ParserRegistry reg = [] {
    ParserRegistry r;
    r.add_envelope("rfc3164", make_rfc3164_parser());
    r.add_message("sshd", make_sshd_parser());
    return r;
  }();
  static Decoder dec(&reg);
  check(dec);
  run(s, dec, sshd_lines());
}
BENCHMARK(BM_SshdBuiltin);

void BM_SshdAsFamily(benchmark::State& s) {
  static ParserRegistry reg = [] {
    ParserRegistry r;
    r.add_envelope("rfc3164", make_rfc3164_parser());
    auto f = parse_family(R"(family: sshd-yaml
title: {zh: sshd, en: sshd}
source: bench
dataset: sshd
match:
  - {program: [sshd], regex: ': (?:Accepted|Failed) \S+ for '}
extract:
  - regex: ': (?<result>Accepted|Failed) (?<method>\S+) for (?:invalid user )?(?<user>.+?) from (?<src>\S+) port (?<port>\d+)'
map: {user: user.name, src: source.ip, port: source.port, method: ssh.method}
values:
  event.outcome: {field: result, success: [Accepted], failure: [Failed]}
set: {event.category: authentication}
samples:
  - line: '<38>Nov 26 08:00:00 h sshd[1]: Failed password for root from 10.0.0.1 port 22 ssh2'
    fields: {user.name: root}
)",
                          "sshd.yaml");
    if (!f) std::exit(2);
    auto fp = make_family_parser({*f});
    if (!fp) std::exit(2);
    r.add_message("families", std::move(*fp));
    return r;
  }();
  static Decoder dec(&reg);
  check(dec);
  run(s, dec, sshd_lines());
}
BENCHMARK(BM_SshdAsFamily);

}  // namespace

namespace {

// Multi-line joining (ingest/multiline.h) with the shipped families' rules, after decoding:
//   BM_MultilineOffer/0  the demo mix (no program of it has a rule: looked up, passed on)
//   BM_MultilineOffer/1  Tomcat lines, every fourth a start and three lines of stack trace
//   BM_MultilineOffer/2  the demo mix copied only (the loop's own cost, to subtract)
void BM_MultilineOffer(benchmark::State& s) {
  static const std::vector<Event> demo = [] {
    demo::Generator g(1);
    Decoder dec;
    std::vector<Event> out(10000);
    for (auto& ev : out) {
      ev.raw = g.next(now_ns());
      dec.decode(ev, {});
    }
    return out;
  }();
  static const std::vector<Event> tomcat = [] {
    Decoder dec;
    std::vector<Event> out;
    for (int i = 0; i < 1000; i++) {
      const char* body[] = {"05-Dec-2026 10:15:30.123 SEVERE [exec-5] com.his.Rx.audit failed", "java.lang.IllegalStateException: boom",
                            "\tat com.his.A.b(A.java:1)", "\tat com.his.C.d(C.java:2)"};
      Event ev;
      ev.raw = std::string("<131>Dec  5 10:15:30 his-app-01 tomcat: ") + body[i % 4];
      dec.decode(ev, {});
      out.push_back(std::move(ev));
    }
    return out;
  }();
  std::vector<MultilineSpec> specs;
  for (const auto& f : shipped()) specs.insert(specs.end(), f.multiline.begin(), f.multiline.end());
  auto rules = ingest::MultilineRules::compile(specs);
  if (!rules) {
    s.SkipWithError(rules.error().c_str());
    return;
  }
  ingest::Joiner j(*rules);
  const auto& lines = s.range(0) == 1 ? tomcat : demo;
  bool offer = s.range(0) != 2;
  std::vector<ingest::JoinedEvent> out;
  size_t i = 0;
  Event ev;
  for (auto _ : s) {
    ev = lines[i++ % lines.size()];
    bool held = offer && j.offer(ev, "tcp", "10.20.0.5:514", {}, 0, 0, out);
    benchmark::DoNotOptimize(held);
    out.clear();
  }
  s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_MultilineOffer)->Arg(0)->Arg(1)->Arg(2);

}  // namespace
