# The two commands of the README: `make demo` and `make test`. Both install what is
# missing, configure and build first.
BUILD ?= build
AS_OF ?= 2026-11-27
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
DEP_SETS ?=
DEMO_PATIENTS ?= 2000
DEMO_DIFF = --from rulesets/intensity/intensity-v1.yaml --to rulesets/intensity/intensity-v2.yaml \
            --with rulesets/programs --with rulesets/triggers --ignore-effective --as-of $(AS_OF)

.PHONY: all deps configure build test demo clean

all: build

deps:
	@bash scripts/install-deps.sh $(DEP_SETS)

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j 2

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j 2

demo: build
	@echo "== carecoord check rulesets/"
	@$(BUILD)/carecoord check rulesets
	@echo; echo "== carecoord test rulesets/"
	@$(BUILD)/carecoord test rulesets | tail -n 3
	@echo; echo "== carecoord eval: the example patients as of $(AS_OF) (CSV)"
	@$(BUILD)/carecoord eval --rules rulesets --as-of $(AS_OF) --format csv examples/patients
	@echo; echo "== carecoord explain examples/patients/recent_hf_discharge_ffs.yaml"
	@$(BUILD)/carecoord explain --rules rulesets --as-of $(AS_OF) examples/patients/recent_hf_discharge_ffs.yaml
	@echo; echo "== popgen: $(DEMO_PATIENTS) synthetic patients as of $(AS_OF) -> $(BUILD)/population.ndjson"
	@$(BUILD)/bench/popgen --as-of $(AS_OF) --count $(DEMO_PATIENTS) --seed 1 --output $(BUILD)/population.ndjson
	@echo; echo "== carecoord check --sample: gap analysis of the default rulesets over $(DEMO_PATIENTS) generated patients"
	@$(BUILD)/carecoord check --sample $(DEMO_PATIENTS) --as-of $(AS_OF) rulesets
	@echo; echo "== carecoord diff: intensity v1 -> v2 over the population, both at $(AS_OF)"
	@$(BUILD)/carecoord diff $(DEMO_DIFF) $(BUILD)/population.ndjson
	@$(BUILD)/carecoord diff $(DEMO_DIFF) --format html --output $(BUILD)/impact.html $(BUILD)/population.ndjson
	@echo; echo "The same diff as a self-contained HTML report: $(BUILD)/impact.html"

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
