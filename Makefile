# wardsec — the two commands a new user needs:
#   make run    install what is missing, build (Release), start the demo, print where to look
#   make test   install what is missing, build, run every test through CTest
# Everything else here is for developers.

BUILD      ?= build/release
DATA       ?= ./data
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: run test test-quick test-asan test-tsan lint deps build web fuzz bench clean package

deps:
	@bash scripts/install-deps.sh

# The web console (web/: Vue 3 + Vite + TypeScript + ECharts), built into web/dist, which the
# binary serves. npm installs exactly what package-lock.json lists, when it changed.
WEB_SRC := $(shell find web/src web/public -type f -not -name schema.d.ts 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json docs/openapi.json
web/node_modules/.package-lock.json: web/package-lock.json
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	@cd web && npm run --silent build >/dev/null
web: deps web/dist/index.html

build: deps web
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo "Starting the demo hospital (示范市第一人民医院) on the embedded store in $(DATA) ..."
	@echo "Open https://127.0.0.1:8443/ (self-signed certificate) and log in with a one-time password printed below."
	@$(BUILD)/wardsec demo --data $(DATA)

# Every test through CTest: unit, golden, fuzz-corpus replay, integration (real rsyslog, the
# console over HTTPS), the web console's unit tests (vitest) and its end-to-end test in
# Chromium; then the sanitizer builds below (and there a short libFuzzer run of every target).
test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j 2 --timeout 900
	@$(MAKE) --no-print-directory test-asan test-tsan

# Sanitizer builds (their own build folders), part of `make test`: the unit tests and the fuzz
# corpora replayed under AddressSanitizer + UndefinedBehaviorSanitizer (clang; the same build
# fuzzes every target for FUZZ_SECONDS, default 10), and the pipeline's threads under
# ThreadSanitizer. -O1 without debug info: half the compile time of a release build, and still
# the stacks the sanitizers print (frame pointers are kept).
SAN_CMAKE = -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_C_FLAGS=-O1 -DWARDSEC_BENCH=OFF $(CMAKE_ARGS)
test-asan: deps web
	@CMAKE_ARGS="$(CMAKE_ARGS)" bash scripts/asan-configure.sh build/asan
	@cmake --build build/asan -j $(JOBS) --target unit_tier
	@ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build/asan --output-on-failure -j 2 --timeout 900 -L unit -LE web
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-10} bash scripts/fuzz.sh build/asan

test-tsan: deps
	@cmake -S . -B build/tsan $(SAN_CMAKE) -DWARDSEC_SANITIZE=thread >/dev/null
	@cmake --build build/tsan -j $(JOBS) --target pipeline_tests
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build/tsan/tests/pipeline_tests

# The inner loop: unit tests only (no servers, no fuzzing).
test-quick: build
	@ctest --test-dir $(BUILD) --output-on-failure -j 2 -L unit

# Format (clang-format), clang-tidy on the files changed since LINT_BASE (default HEAD~1) and
# no new repeated code (scripts/duplicates.py). `make test` runs it too (CTest label lint).
lint: build
	@bash scripts/lint.sh $(BUILD)

# The host agent as a Debian package with its systemd unit (docs/agents.md).
package: build
	@bash scripts/package.sh $(BUILD)

# Longer fuzzing: make fuzz FUZZ_SECONDS=600
fuzz: deps
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-120} bash scripts/fuzz.sh build/asan

bench: build
	@$(BUILD)/bench/bench_parse --benchmark_min_time=0.2
	@python3 bench/e2e.py --wardsec $(BUILD)/wardsec
	@$(BUILD)/bench/bench_web_peer --shared ../shared --md docs/bench-web-peer.md
	@$(BUILD)/bench/bench_web_peer --shared ../shared --set dev --md docs/bench-web-peer-dev.md
	@$(BUILD)/bench/bench_web_peer --shared ../shared --set holdout --md docs/bench-web-peer-holdout.md
	@$(BUILD)/bench/bench_dbaudit --sessions 2000 --statements-per-session 200 --rows 4
	@$(BUILD)/bench/bench_dbaudit --sessions 2000 --statements-per-session 200 --rows 40
	@$(BUILD)/bench/bench_dbaudit --sessions 10000 --statements-per-session 40 --concurrent

clean:
	rm -rf build
