#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS (default 10) on its corpus; new crashes are
# saved under tests/fuzz/crashes/<target>/ and fail the run. Prints "N passed, N failed".
set -uo pipefail
build=${1:-build/fuzz}
secs=${FUZZ_SECONDS:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
# Build (incrementally) with clang's libFuzzer and ASan/UBSan.
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DWARDSEC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build "$build" -j "$(nproc)" >"$build.log" 2>&1 || { tail -40 "$build.log"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
passed=0
failed=0
skip=" ${FUZZ_SKIP:-} "
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" | sed 's/^fuzz_//')
  case "$skip" in *" $name "*) echo "fuzz $name: skipped (FUZZ_SKIP)"; continue ;; esac
  work=$(mktemp -d)
  cp -r "$root/tests/fuzz/corpus/common/." "$work/" 2>/dev/null
  [ -d "$root/tests/fuzz/corpus/$name" ] && cp -r "$root/tests/fuzz/corpus/$name/." "$work/"
  crashes="$root/tests/fuzz/crashes/$name"
  mkdir -p "$crashes"
  # -timeout: one input may take 10 s at most; the outer timeout is a last guard.
  if timeout -s KILL $((secs + 120)) "$bin" "$work" -max_total_time="$secs" -timeout=10 -max_len=70000 -rss_limit_mb=2048 \
      -artifact_prefix="$crashes/" -print_final_stats=0 >"$work.log" 2>&1; then
    echo "fuzz $name: ok ($(tail -1 "$work.log" | cut -c1-80))"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED; crash input saved in $crashes (replayed as a test by 'make test' from now on)"
    tail -30 "$work.log"
    failed=$((failed + 1))
  fi
  rmdir "$crashes" 2>/dev/null
  rm -rf "$work" "$work.log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
