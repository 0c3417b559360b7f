# The two commands of the README: `make demo` and `make test`. Both install what a
# fresh Debian 12 machine lacks (as root, with apt-get), then build. Node.js and npm are
# needed only by the benchmark peers (bench/peers), installed from Debian when missing.
BUILD ?= build
JOBS ?= $(shell nproc)
PACKAGES = cmake g++ make pkg-config antlr4 libantlr4-runtime-dev libyaml-cpp-dev libsqlite3-dev \
           libspdlog-dev catch2 libre2-dev libcli11-dev libsimdjson-dev libssl-dev default-jre-headless sqlite3 openssl procps time \
           python3

.PHONY: deps build demo test test-sanitize bench bench-compare stress deb clean
.PHONY: fuzz fuzz-build fuzz-regress

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	@command -v npm >/dev/null || { SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; }
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash examples/demo.sh $(BUILD)/bin/gridstat

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Every test again, built with AddressSanitizer and UndefinedBehaviorSanitizer (GCC),
# leaks included; any report fails the run.
SANITIZE_BUILD ?= build-sanitize
test-sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target unit_tests gridstat_cli c_api_test
	@cd $(SANITIZE_BUILD) && GRIDSTAT_FAULT_QUICK=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E "bench_smoke|crash_consistency|concurrency|disk_full|input_yaml_memory|package"

# The Debian package of the install tree (CPack): $(BUILD)/gridstat_<version>_<arch>.deb,
# installing under /usr. README.md, "Embedding and packaging", says what it holds.
deb: build
	@cd $(BUILD) && cpack -G DEB

# Benchmarks (bench/): QUICK=1 for a few-minute version. Results: build/bench/results.json.
bench: build
	@$(BUILD)/bin/gridstat_bench $(if $(QUICK),--quick,) --out $(BUILD)/bench

# This tree against another commit, side by side in one run (bench/compare.py): BASE is
# built in $(BUILD)/base (a detached worktree); figures more than 5 % slower are marked.
BASE ?= HEAD~1
bench-compare: build
	@rm -rf $(BUILD)/base-src && git worktree prune && git worktree add --detach $(BUILD)/base-src $(BASE) >/dev/null
	@cmake -S $(BUILD)/base-src -B $(BUILD)/base -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD)/base -j $(JOBS) --target gridstat_cli gridstat_gen gridstat_eval_bench
	@python3 bench/compare.py $(BUILD)/base/bin $(BUILD)/bin $(BUILD)/bench-compare

# Crash consistency at length: STRESS_ITERATIONS SIGKILLs during a batch of workflow
# commands (tests/crash/run.sh; make test runs 100).
STRESS_ITERATIONS ?= 1000
stress: build
	@bash tests/crash/run.sh $(BUILD)/bin/gridstat . $(STRESS_ITERATIONS)

# Fuzzing with libFuzzer (fuzz/): clang builds the library and the CLI with ASan, UBSan
# and coverage into $(FUZZ_BUILD). `make fuzz` runs the inputs in tests/fuzz/<target>/,
# then each target for FUZZ_TIME seconds; the counts and exec/s go to
# $(FUZZ_BUILD)/fuzz-summary.txt, and any crash, leak or timeout fails it.
# `make fuzz-regress` runs the tests/fuzz inputs only. FUZZ_TARGETS picks targets.
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 1200
FUZZ_TARGETS ?= fuzz_dsl fuzz_submission fuzz_org fuzz_audit
FUZZ_PACKAGES = clang libclang-rt-14-dev
fuzz-build: deps
	@missing=$$(for p in $(FUZZ_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DGRIDSTAT_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	@bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-regress: fuzz-build
	@bash fuzz/run.sh $(FUZZ_BUILD) 0 $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)
