// `wardsec generate`: the demo hospital's traffic as syslog lines, for tests and benchmarks.
#include <cstdio>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "demo/generator.h"

namespace wardsec::cli {

void add_generate_command(Cli& cli) {
  struct Args {
    uint64_t count = 1000, seed = 1;
    double rate = 1000;
  };
  auto a = std::make_shared<Args>();
  auto* gen = cli.command(nullptr, "generate", "print the demo hospital's traffic (syslog lines) for tests and benchmarks", [a](Config&) {
    demo::Generator g(a->seed);
    int64_t t0 = now_ns() - static_cast<int64_t>(static_cast<double>(a->count) / a->rate * 1e9);
    std::string line;
    for (uint64_t i = 0; i < a->count; i++) {
      line = g.next(t0 + static_cast<int64_t>(static_cast<double>(i) / a->rate * 1e9));
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    return 0;
  });
  gen->add_option("--count", a->count, "number of lines (default 1000)");
  gen->add_option("--seed", a->seed, "random seed (default 1)");
  gen->add_option("--rate", a->rate, "events per second of the generated time line (default 1000)");
}

}  // namespace wardsec::cli
