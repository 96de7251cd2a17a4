# The two commands of the README: `make demo` and `make test`. Both install what is
# missing, configure and build first.
BUILD ?= build
AS_OF ?= 2026-11-27
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Extra package sets for the binding and ABI tests (scripts/install-deps.sh).
DEP_SETS ?= python dotnet abi

.PHONY: all deps configure build test demo install clean

all: build

deps:
	@bash scripts/install-deps.sh $(DEP_SETS)

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j 2

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j 2

# The C library, its header, CMake package and pkg-config file (docs/c-api.md).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

demo: build
	@echo "== carecoord check rulesets/"
	@$(BUILD)/carecoord check rulesets
	@echo; echo "== carecoord test rulesets/"
	@$(BUILD)/carecoord test rulesets | tail -n 3
	@echo; echo "== carecoord eval: the example patients as of $(AS_OF) (CSV)"
	@$(BUILD)/carecoord eval --rules rulesets --as-of $(AS_OF) --format csv examples/patients
	@echo; echo "== carecoord explain examples/patients/recent_hf_discharge_ffs.yaml"
	@$(BUILD)/carecoord explain --rules rulesets --as-of $(AS_OF) examples/patients/recent_hf_discharge_ffs.yaml

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
