# The two commands of the README: `make demo` and `make test`. Both install what is
# missing, configure and build first.
BUILD ?= build
AS_OF ?= 2026-11-27
FHIR_EXPORT ?= ../shared/data/fhir-synthea-10
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Extra package sets for the binding and ABI tests (scripts/install-deps.sh).
DEP_SETS ?= python dotnet abi bench spark wheel valgrind valuesets cdshooks browser
, := ,
DEMO_PATIENTS ?= 2000
DEMO_DIFF = --from rulesets/intensity/intensity-v1.yaml --to rulesets/intensity/intensity-v2.yaml \
            --with rulesets/programs --with rulesets/triggers --ignore-effective --as-of $(AS_OF)

.PHONY: all deps configure build test demo install wheel nuget clean test-asan test-tsan fuzz bench bench-report coverage mutation

all: build

deps:
	@bash scripts/install-deps.sh $(DEP_SETS)

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) -DCARECOORD_BUILD_BENCH=ON > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j 2

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j 2

# Mutation testing of the default rulesets (docs/value-sets.md#mutation): every threshold
# moved by one, comparison flipped, value-set entry or exclusion dropped and rule removed,
# one at a time; fails when the rulesets' cases kill under 90% of the non-equivalent mutants.
# Not part of `make test` (a few minutes on 2 cores).
mutation: build
	python3 scripts/mutate-rulesets.py $(BUILD)/carecoord rulesets --equivalents tests/mutation/equivalents.tsv --jobs 2

# The C library, its header, CMake package and pkg-config file (docs/c-api.md).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The platform wheel of the Python package, with libcarecoord.so.0 and the yaml-cpp and
# simdjson libraries it links (rpath $$ORIGIN): pip-installable without a compiler, for Spark
# nodes (docs/scale.md). Written to $(BUILD)/dist/.
wheel: build
	@bash scripts/build-wheel.sh $(BUILD) $(BUILD)/dist

# The NuGet package of the .NET binding: Carecoord.<version>.nupkg with the managed assembly
# and runtimes/linux-x64/native/ (libcarecoord.so and the libraries it links, rpath $$ORIGIN),
# for a local folder feed (docs/c-api.md). Written to $(BUILD)/nuget/.
nuget: build
	@bash scripts/build-nuget.sh $(BUILD) $(BUILD)/nuget

# The demo runs the CLI, the population generator and the CDS Hooks service (the Python
# package over libcarecoord.so): it installs the base packages and the service's Python
# packages (no .NET, Spark or benchmark library), configures without the benchmarks and builds
# just those targets into $(DEMO_BUILD).
DEMO_BUILD ?= $(BUILD)
demo:
	@bash scripts/install-deps.sh cdshooks
	@cmake -S . -B $(DEMO_BUILD) -G Ninja $(CMAKE_FLAGS) -DCARECOORD_BUILD_BENCH=OFF > $(DEMO_BUILD).configure.log 2>&1 || (cat $(DEMO_BUILD).configure.log; exit 1)
	@cmake --build $(DEMO_BUILD) -j 2 --target carecoord popgen carecoord_c
	@echo "== carecoord check rulesets/"
	@$(DEMO_BUILD)/carecoord check rulesets
	@echo; echo "== carecoord test rulesets/"
	@$(DEMO_BUILD)/carecoord test rulesets | tail -n 3
	@echo; echo "== carecoord eval: the example patients as of $(AS_OF) (CSV)"
	@$(DEMO_BUILD)/carecoord eval --rules rulesets --as-of $(AS_OF) --format csv examples/patients
	@echo; echo "== carecoord explain examples/patients/recent_hf_discharge_ffs.yaml"
	@$(DEMO_BUILD)/carecoord explain --rules rulesets --as-of $(AS_OF) examples/patients/recent_hf_discharge_ffs.yaml
	@echo; echo "== carecoord eval --input-format fhir-bulk $(FHIR_EXPORT): population summary as of $(AS_OF)"
	@if [ -d $(FHIR_EXPORT) ]; then \
	  $(DEMO_BUILD)/carecoord eval --rules rulesets --as-of $(AS_OF) --input-format fhir-bulk --format ndjson $(FHIR_EXPORT) \
	    | bash scripts/population-summary.sh; \
	else echo "(no FHIR export at $(FHIR_EXPORT))"; fi

	@echo; echo "== popgen: $(DEMO_PATIENTS) synthetic patients as of $(AS_OF) -> $(DEMO_BUILD)/population.ndjson"
	@$(DEMO_BUILD)/bench/popgen --as-of $(AS_OF) --count $(DEMO_PATIENTS) --seed 1 --output $(DEMO_BUILD)/population.ndjson
	@echo; echo "== carecoord check --sample: gap analysis of the default rulesets over $(DEMO_PATIENTS) generated patients"
	@$(DEMO_BUILD)/carecoord check --sample $(DEMO_PATIENTS) --as-of $(AS_OF) rulesets
	@echo; echo "== carecoord diff: intensity v1 -> v2 over the population, both at $(AS_OF)"
	@$(DEMO_BUILD)/carecoord diff $(DEMO_DIFF) $(DEMO_BUILD)/population.ndjson
	@$(DEMO_BUILD)/carecoord diff $(DEMO_DIFF) --format html --output $(DEMO_BUILD)/impact.html $(DEMO_BUILD)/population.ndjson
	@echo; echo "The same diff as a self-contained HTML report: $(DEMO_BUILD)/impact.html"
	@echo; echo "== CDS Hooks: python -m carecoord.cds_hooks on loopback, one patient-view and one encounter-discharge (docs/cds-hooks.md)"
	@if [ -d $(FHIR_EXPORT) ]; then \
	  CARECOORD_LIBRARY=$(abspath $(DEMO_BUILD))/capi/libcarecoord.so python3 scripts/cds-hooks-demo.py $(DEMO_BUILD) $(FHIR_EXPORT); \
	else echo "(no FHIR export at $(FHIR_EXPORT))"; fi

# The benchmarks in full (bench/RESULTS.md records their figures with this command).
bench: build
	$(BUILD)/bench/engine_bench
	$(BUILD)/bench/json_bench
	CARECOORD_LIBRARY=$(abspath $(BUILD))/capi/libcarecoord.so python3 bench/cds_hooks/load_test.py

# Every benchmark three times interleaved, CPU-time medians with min-max, the C ABI
# instruction count and the peer engines in the same run: regenerates the generated part
# of bench/RESULTS.md and writes bench/results.json (bench/report.py). Not part of `make test`.
bench-report: build
	nice python3 bench/report.py --build $(BUILD)

# The test suites under AddressSanitizer + UndefinedBehaviorSanitizer (no recovery: the first
# report fails the test), and under ThreadSanitizer.
# Excluded by default: the tests that load the sanitized libcarecoord.so into an unsanitized
# host (python3 through ctypes, mono through P/Invoke, the installed-package consumers,
# bench/report.py's smoke round, which times the Python binding too): the
# sanitizer runtime must be the first library of a process, which they are not. The bindings
# are tested by `make test`; the C and C++ tests, the CLI and the examples in C and C++ run
# sanitized. Override with ASAN_CTEST_ARGS= / TSAN_CTEST_ARGS=.
SANITIZER_HOSTED_TESTS = ^(python: |dotnet: |examples: (python|csharp|all print the same)|capi: install|bench smoke: report.py)
ASAN_CTEST_ARGS ?= -E '$(SANITIZER_HOSTED_TESTS)'
TSAN_CTEST_ARGS ?= -E '$(SANITIZER_HOSTED_TESTS)'
SANITIZE_FLAGS = -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$(1) -fno-omit-frame-pointer" \
	-DCMAKE_C_FLAGS="$(1) -fno-omit-frame-pointer" -DCMAKE_EXE_LINKER_FLAGS="$(1)" -DCMAKE_SHARED_LINKER_FLAGS="$(1)"

# Built with clang (the fuzz targets' compiler), so that CI compiles everything with both gcc
# (make test) and clang: code one of them rejects cannot land unnoticed.
test-asan: deps
	@bash scripts/install-deps.sh fuzz
	@# -fno-sanitize=vptr,function: the C test programs that load libcarecoord.so are linked by
	@# the C driver, which does not bring the C++ part of the UBSan runtime those checks need.
	@CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja $(call SANITIZE_FLAGS,-fsanitize=address$(,)undefined -fno-sanitize=vptr$(,)function -fno-sanitize-recover=all) > build-asan.configure.log 2>&1 || (cat build-asan.configure.log; exit 1)
	@cmake --build build-asan -j 2
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j 2 $(ASAN_CTEST_ARGS)

test-tsan: deps
	@cmake -S . -B build-tsan -G Ninja $(call SANITIZE_FLAGS,-fsanitize=thread) > build-tsan.configure.log 2>&1 || (cat build-tsan.configure.log; exit 1)
	@cmake --build build-tsan -j 2
	ctest --test-dir build-tsan --output-on-failure -j 2 $(TSAN_CTEST_ARGS)

# libFuzzer targets, each run for FUZZ_SECONDS (default 60). For hours:
#   make fuzz FUZZ_SECONDS=14400 FUZZ_TARGETS=ruleset
# New inputs go to build-fuzz/corpus/<target>/ and crashes to build-fuzz/artifacts/: add a
# crashing input to tests/fuzz/corpus/<target>/ once it is fixed, so make test replays it.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= ruleset expression patient_json patient_yaml calendar capi fhir_bundle fhir_bulk
fuzz:
	@bash scripts/install-deps.sh fuzz
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCARECOORD_FUZZ=ON -DCARECOORD_WERROR=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
		-DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > build-fuzz.configure.log 2>&1 || (cat build-fuzz.configure.log; exit 1)
	@cmake --build build-fuzz -j 2 $(addprefix --target fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
		mkdir -p build-fuzz/corpus/$$t build-fuzz/artifacts; \
		build-fuzz/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
			-artifact_prefix=build-fuzz/artifacts/$$t- build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# Line and branch coverage of the test suites (gcov + gcovr, package set `coverage`):
# overall (src/, capi/, include/), then the C interface, the ruleset loader and the checker.
# Branches exclude those only an exception takes (--exclude-throw-branches) and those the
# compiler proves unreachable. HTML report: build-cov/coverage/index.html. Counters are
# updated atomically (threaded tests); the valgrind runs repeat capi_test and are skipped.
COVERAGE_CTEST_ARGS ?= -E 'valgrind'
GCOVR = gcovr -r . --object-directory build-cov --exclude-throw-branches --exclude-unreachable-branches \
	--gcov-ignore-parse-errors
COVERAGE_FLAGS = --coverage -fprofile-update=atomic
coverage: deps
	@bash scripts/install-deps.sh coverage
	@cmake -S . -B build-cov -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$(COVERAGE_FLAGS)" -DCMAKE_C_FLAGS="$(COVERAGE_FLAGS)" \
		-DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage > build-cov.configure.log 2>&1 || (cat build-cov.configure.log; exit 1)
	@cmake --build build-cov -j 2
	@find build-cov -name '*.gcda' -delete
	ctest --test-dir build-cov --output-on-failure -j 2 $(COVERAGE_CTEST_ARGS)
	@mkdir -p build-cov/coverage
	@# Never `-o /dev/null`: gcovr checks an output path by creating and then deleting it,
	@# which removes the /dev/null device. Its text report goes to a file instead.
	@$(GCOVR) --filter 'src/' --filter 'capi/' --filter 'include/' --json build-cov/coverage/all.json -o build-cov/coverage/all.txt
	@$(GCOVR) -a build-cov/coverage/all.json --html-details build-cov/coverage/index.html
	@for area in 'overall:src/|capi/|include/' 'capi/:capi/' 'src/load/:src/load/' 'src/rules/compiler.cpp:src/rules/compiler\.cpp'; do \
		name=$${area%%:*}; filter=$${area#*:}; \
		echo "== coverage: $$name"; \
		$(GCOVR) -a build-cov/coverage/all.json --filter "$$filter" --print-summary -o build-cov/coverage/summary.txt | grep -E '^(lines|branches)'; \
	done

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz build-cov *.configure.log
