# wardsec — the two commands a new user needs:
#   make run    install what is missing, build (Release), start the demo, print where to look
#   make test   install what is missing, build, run every test through CTest
# Everything else here is for developers.

BUILD      ?= build/release
FUZZ_BUILD ?= build/fuzz
DATA       ?= ./data
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: run test test-quick deps build fuzz bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo "Starting the demo hospital (示范市第一人民医院) on the embedded store in $(DATA) ..."
	@echo "Open http://127.0.0.1:8480/ ; search with: $(BUILD)/wardsec search --data $(DATA) 'event.outcome:failure' --limit 20"
	@$(BUILD)/wardsec demo --data $(DATA)

# Every test through CTest: unit, golden, fuzz-corpus replay, integration (real rsyslog),
# and a short libFuzzer run of every target (FUZZ_SECONDS each, default 10).
test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j 2 --timeout 900

# The inner loop: unit tests only (no servers, no fuzzing).
test-quick: build
	@ctest --test-dir $(BUILD) --output-on-failure -j 2 -L unit

# Longer fuzzing: make fuzz FUZZ_SECONDS=600
fuzz: deps
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-120} bash scripts/fuzz.sh $(FUZZ_BUILD)

bench: build
	@$(BUILD)/bench/bench_parse --benchmark_min_time=0.2
	@python3 bench/e2e.py --wardsec $(BUILD)/wardsec

clean:
	rm -rf build
