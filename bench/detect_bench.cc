// Detection throughput: events/s through decode + detection with 0, 100, 1000 and all
// SigmaHQ rules (plus the hospital rules), compiled engine vs the reference evaluator.
// Run: build/release/bench/bench_detect  (needs ../shared/reference/sigma beside the repo)
#include <benchmark/benchmark.h>

#include <map>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/timeutil.h"
#include "demo/generator.h"
#include "detect/engine.h"
#include "detect/ruleset.h"
#include "parse/parser.h"

using namespace wardsec;
namespace fs = std::filesystem;

namespace {

const std::string kRoot = WARDSEC_SOURCE_DIR;
const std::string kSigma = kRoot + "/../shared/reference/sigma/";

std::vector<std::string> rule_files() {
  static std::vector<std::string> files = [] {
    std::vector<std::string> f;
    for (const char* d : {"rules", "rules-threat-hunting", "rules-emerging-threats"})
      for (const auto& e : fs::recursive_directory_iterator(kSigma + d))
        if (e.path().extension() == ".yml") f.push_back(e.path().string());
    std::sort(f.begin(), f.end());
    // Interleave so that a prefix holds every product, not only the first folders.
    std::vector<std::string> mixed;
    for (size_t stride = 0; stride < 37; stride++)
      for (size_t i = stride; i < f.size(); i += 37) mixed.push_back(f[i]);
    return mixed;
  }();
  return files;
}

// 70% demo hospital traffic, 30% Windows events from the regression data.
const std::vector<std::string>& corpus() {
  static std::vector<std::string> lines = [] {
    std::vector<std::string> win;
    for (const auto& e : fs::recursive_directory_iterator(kSigma + "regression_data"))
      if (e.path().extension() == ".json") {
        std::ifstream in(e.path());
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (auto& o : detect::split_json_objects(body)) win.push_back(std::move(o));
      }
    demo::Generator g(5);
    std::vector<std::string> out;
    for (int i = 0; i < 10000; i++) out.push_back(i % 10 < 7 || win.empty() ? g.next(now_ns()) : win[i % win.size()]);
    return out;
  }();
  return lines;
}

std::unique_ptr<detect::RuleSet> rules(size_t n) {
  auto m = detect::Mapping::load(kRoot + "/rules/mapping/sigma.yaml");
  auto set = std::make_unique<detect::RuleSet>(std::move(m.value()));
  auto files = rule_files();
  size_t count = n == 0 ? 0 : std::min(n, files.size());
  for (size_t i = 0; i < count; i++) set->add_path(files[i]);
  if (n >= files.size()) set->add_path(kRoot + "/rules/hospital");
  set->finish();
  return set;
}

// Google Benchmark calls a benchmark several times while it sizes the run: load and compile
// each rule count once.
struct Loaded {
  std::unique_ptr<detect::RuleSet> set;
  std::unique_ptr<detect::Engine> engine;
};
Loaded& loaded(size_t n, bool compiled) {
  static std::map<std::pair<size_t, bool>, Loaded> cache;
  Loaded& l = cache[{n, compiled}];
  if (!l.set) {
    l.set = rules(n);
    // The compiled-rule cache (detect/engine_cache.h) makes a second run start at once; it
    // changes nothing in the engine that is measured.
    if (compiled)
      l.engine = std::move(detect::Engine::compile(*l.set, (fs::temp_directory_path() / "wardsec-bench-detect-cache").string()).value());
  }
  return l;
}

void run(benchmark::State& state, bool compiled) {
  size_t n = static_cast<size_t>(state.range(0));
  Loaded& l = loaded(n, compiled);
  auto& set = l.set;
  auto& engine = l.engine;
  Decoder dec;
  const auto& lines = corpus();
  size_t i = 0, matches = 0;
  Event ev;
  ParseContext ctx;
  ctx.received = now_ns();
  for (auto _ : state) {
    ev.clear();
    ev.raw = lines[i++ % lines.size()];
    dec.decode(ev, ctx);
    if (n) matches += compiled ? engine->match(ev).size() : set->match(ev).size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rules"] = static_cast<double>(set->rules().size());
  if (compiled && n && engine->events_matched())  // rules whose condition was evaluated, per event
    state.counters["evaluated"] = static_cast<double>(engine->conditions_evaluated()) / static_cast<double>(engine->events_matched());
  state.counters["matches_per_1k"] = 1000.0 * static_cast<double>(matches) / static_cast<double>(std::max<size_t>(1, state.iterations()));
}

void BM_Compiled(benchmark::State& s) { run(s, true); }
void BM_Naive(benchmark::State& s) { run(s, false); }

}  // namespace

BENCHMARK(BM_Compiled)->Arg(0)->Arg(100)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_Naive)->Arg(100)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

BENCHMARK_MAIN();
