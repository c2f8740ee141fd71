#!/usr/bin/env bash
# Configures the ASan/UBSan build (clang, instrumented for libFuzzer as well) in $1: the build
# make test-asan runs the unit tier in and scripts/fuzz.sh fuzzes with. A folder configured
# earlier with another compiler is started afresh.
set -euo pipefail
build=$1
if [ -f "$build/CMakeCache.txt" ] && ! grep -q 'CMAKE_CXX_COMPILER:.*clang' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
# -O1 without debug info: half the compile time of a release build, and still the stacks the
# sanitizers print (frame pointers are kept).
CC=clang-14 CXX=clang++-14 cmake -S "$(dirname "$0")/.." -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_C_FLAGS=-O1 -DWARDSEC_BENCH=OFF -DWARDSEC_SANITIZE=address -DWARDSEC_FUZZ=ON \
  ${CMAKE_ARGS:-} >/dev/null
