// Device families (issue #18): the cost of loading more of them. The shipped families
// (parsers/, or $WARDSEC_PARSERS) are topped up with synthetic ones (regex, literal and
// program-glob matchers that never claim these lines, as a hundred real vendors' would not) to
// 10 and 100 families; the same corpora run with each:
//   BM_FamilySamples/N  every sample line of the first ten shipped families, in turn
//   BM_DemoMixFamilies/N  the demo hospital's mix with N families loaded (what the center runs)
// BM_DemoMix (parse_bench.cc) is the same mix with no families: the baseline in the same run.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstdio>
#include <map>
#include <memory>

#include "core/timeutil.h"
#include "demo/generator.h"
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
  std::string yaml = "family: synthetic-" + n + "\ndataset: synthetic.v" + n +
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
                     "map: {srcip: source.ip, usr: user.name}\n";
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
    std::vector<Family> fams = shipped();
    if (fams.size() > n) fams.resize(n);
    for (int i = 0; fams.size() < n; i++) fams.push_back(synthetic(i));
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

void run(benchmark::State& state, const Decoder& dec, const std::vector<std::string>& lines) {
  ParseContext ctx;
  ctx.received = now_ns();
  size_t bytes = 0, i = 0;
  Event ev;
  for (auto _ : state) {
    const std::string& l = lines[i++ % lines.size()];
    ev.clear();
    ev.raw = l;
    dec.decode(ev, ctx);
    benchmark::DoNotOptimize(ev.fields.data());
    bytes += l.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}

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
BENCHMARK(BM_DemoMixFamilies)->Arg(10)->Arg(100);

}  // namespace
