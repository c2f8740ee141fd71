#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS (default 10) on its corpus, as many at a time as
# there are cores; new crashes are saved under tests/fuzz/crashes/<target>/ (fuzz.replay runs
# them from then on) and fail the run. Prints "fuzz: N passed, N failed".
# The binary comes from the ASan build (clang, -DWARDSEC_FUZZ=ON), which make test-asan also uses.
set -uo pipefail
build=${1:-build/asan}
secs=${FUZZ_SECONDS:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bash "$root/scripts/asan-configure.sh" "$build" || exit 1
cmake --build "$build" -j "$(nproc)" --target fuzz_libfuzzer fuzz_replay >"$build.fuzz.log" 2>&1 ||
  { tail -40 "$build.fuzz.log"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
bin="$build/tests/fuzz/fuzz_libfuzzer"
skip=" ${FUZZ_SKIP:-} "
out=$(mktemp -d)

one() {
  local name=$1 work crashes
  work=$(mktemp -d)
  cp -r "$root/tests/fuzz/corpus/common/." "$work/" 2>/dev/null
  [ -d "$root/tests/fuzz/corpus/$name" ] && cp -r "$root/tests/fuzz/corpus/$name/." "$work/"
  crashes="$root/tests/fuzz/crashes/$name"
  mkdir -p "$crashes"
  # -timeout: one input may take 10 s at most; the outer timeout is a last guard.
  if WARDSEC_FUZZ_TARGET=$name timeout -s KILL $((secs + 120)) "$bin" "$work" -max_total_time="$secs" -timeout=10 \
      -max_len=70000 -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=0 >"$out/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(tail -1 "$out/$name.log" | cut -c1-80))"
    touch "$out/$name.ok"
  else
    echo "fuzz $name: FAILED; crash input saved in $crashes (replayed as a test by 'make test' from now on)"
    tail -30 "$out/$name.log"
  fi
  rmdir "$crashes" 2>/dev/null
  rm -rf "$work"
}
export -f one
export root secs bin out

names=()
for name in $("$build/tests/fuzz/fuzz_replay" --list); do
  case "$skip" in *" $name "*) echo "fuzz $name: skipped (FUZZ_SKIP)"; continue ;; esac
  names+=("$name")
done
printf '%s\n' "${names[@]}" | xargs -P "$(nproc)" -I{} bash -c 'one "$@"' _ {}
passed=$(find "$out" -name '*.ok' | wc -l)
failed=$((${#names[@]} - passed))
rm -rf "$out"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
