// The decode loop the parser benchmarks share: `lines` in turn through `dec`, bytes and items counted.
#pragma once
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec::bench {

inline void decode_lines(benchmark::State& state, const Decoder& dec, const std::vector<std::string>& lines) {
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

}  // namespace wardsec::bench
