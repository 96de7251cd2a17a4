// Evaluation benchmarks: carecoord's rule language against hand-written C++ on the same
// patient, the full default rulesets, loading, and allocations per evaluation.
//
//   make bench            (all benchmarks, results to compare in bench/RESULTS.md)
//   build/bench/engine_bench --benchmark_filter=Rule
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstdlib>
#include <new>

#include <unistd.h>

#include "engine/baseline.hpp"
#include "carecoord/carecoord.hpp"

#ifndef CARECOORD_SOURCE_DIR
#define CARECOORD_SOURCE_DIR "."
#endif

// Counting allocator: every heap allocation in the process is counted, so a benchmark can
// report allocations per iteration.
// GCC flags free() of what the replacement operator new returned as a mismatch; both are
// this file's own malloc-based pair, so the warning does not apply here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<std::size_t> g_allocations{0};
// Every replaceable form, so that no allocation is made by one allocator and freed by another
// (std::stable_partition, for one, uses the nothrow form).
static void* counted(std::size_t n) noexcept {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}
void* operator new(std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using namespace carecoord;
using namespace std::chrono;

const Date kAsOf = sys_days{year{2026} / 11 / 27};

// One record of 8 conditions and 6 encounters, as in the measurements the targets come from.
Patient measured_patient() {
    Patient p;
    p.id = "bench-1";
    p.birth_date = sys_days{year{1950} / 3 / 14};
    const char* codes[8] = {"E11.9", "E11.65", "I10", "J18.9", "S72.001A", "N18.31", "K21.9", "M54.5"};
    for (int i = 0; i < 8; ++i) {
        Condition c;
        c.code = codes[i];
        c.onset = sys_days{year{2018} / 1 / 1};
        c.recorded = c.onset;
        c.status = i == 3 ? ConditionStatus::resolved : ConditionStatus::active;
        if (i == 3) c.abatement = sys_days{year{2025} / 2 / 1};
        p.conditions.push_back(c);
    }
    const int admit_days_ago[6] = {400, 200, 30, 12, 90, 700};
    const EncounterClass classes[6] = {EncounterClass::inpatient, EncounterClass::inpatient, EncounterClass::emergency,
                                       EncounterClass::ambulatory, EncounterClass::observation, EncounterClass::inpatient};
    for (int i = 0; i < 6; ++i) {
        Encounter e;
        e.id = "e" + std::to_string(i);
        e.encounter_class = classes[i];
        e.admit = DateTime{kAsOf - days{admit_days_ago[i]}} + hours{9};
        e.discharge = *e.admit + hours{48};
        e.disposition = Disposition::home;
        p.encounters.push_back(e);
    }
    p.social.housing_instability = false;
    p.social.food_insecurity = false;
    p.language.interpreter_needed = false;
    return p;
}

bench::TypedPatient typed(const Patient& p) {
    bench::TypedPatient t{};
    for (std::size_t i = 0; i < 8; ++i)
        t.conditions[i] = {static_cast<std::int8_t>(bench::chronic_category(p.conditions[i].code)), bench::active(p.conditions[i])};
    for (std::size_t i = 0; i < 6; ++i)
        t.encounters[i] = {p.encounters[i].encounter_class == EncounterClass::inpatient,
                           static_cast<std::int32_t>(floor<days>(*p.encounters[i].admit).time_since_epoch().count())};
    t.social_risk = false;
    return t;
}


void BM_Rule_HandWrittenTyped(benchmark::State& state) {
    const auto t = typed(measured_patient());
    const auto day = static_cast<std::int32_t>(kAsOf.time_since_epoch().count());
    for (auto _ : state) {
        auto copy = t;
        benchmark::DoNotOptimize(copy);
        benchmark::DoNotOptimize(bench::typed_rule(copy, day));
    }
}
BENCHMARK(BM_Rule_HandWrittenTyped);

void BM_Rule_HandWrittenPatient(benchmark::State& state) {
    const Patient p = measured_patient();
    for (auto _ : state) {
        benchmark::DoNotOptimize(&p);
        benchmark::DoNotOptimize(bench::handwritten_rule(p, kAsOf));
    }
}
BENCHMARK(BM_Rule_HandWrittenPatient);

void BM_Rule_Carecoord(benchmark::State& state) {
    const Engine engine = Engine::load_file(CARECOORD_SOURCE_DIR "/bench/rule.yaml").value();
    const Patient p = measured_patient();
    if (engine.evaluate(p, kAsOf)->tier.tier != (bench::handwritten_rule(p, kAsOf) ? "case_management" : "routine"))
        state.SkipWithError("carecoord and the hand-written rule disagree");
    std::size_t before = g_allocations.load();
    for (auto _ : state) benchmark::DoNotOptimize(engine.evaluate(p, kAsOf));
    state.counters["allocs/eval"] = benchmark::Counter(static_cast<double>(g_allocations.load() - before),
                                                       benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_Rule_Carecoord);

void BM_DefaultRulesets_Evaluate(benchmark::State& state) {
    const Engine engine = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets").value();
    const Patient p = measured_patient();
    std::size_t before = g_allocations.load();
    for (auto _ : state) benchmark::DoNotOptimize(engine.evaluate(p, kAsOf));
    state.counters["allocs/eval"] = benchmark::Counter(static_cast<double>(g_allocations.load() - before),
                                                       benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_DefaultRulesets_Evaluate);

void BM_DefaultRulesets_Load(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets"));
}
BENCHMARK(BM_DefaultRulesets_Load)->Unit(benchmark::kMillisecond);


// A patient with n conditions and n encounters: one inpatient stay a day going back from the
// as-of date, every other one discharged as an acute transfer (so that readmissions continue
// transfers), for the cost of the nested any() of `hospitalizations_12m` as lists grow.
Patient long_history(int n) {
    Patient p;
    p.id = "bench-long";
    p.birth_date = sys_days{year{1930} / 3 / 14};
    const char* codes[4] = {"E11.9", "I10", "N18.31", "J44.9"};
    for (int i = 0; i < n; ++i) {
        Condition c;
        c.code = codes[i % 4];
        c.onset = sys_days{year{2018} / 1 / 1};
        c.recorded = c.onset;
        p.conditions.push_back(c);
    }
    for (int i = 0; i < n; ++i) {
        Encounter e;
        e.id = "e" + std::to_string(i);
        e.encounter_class = i % 3 == 2 ? EncounterClass::ambulatory : EncounterClass::inpatient;
        e.admit = DateTime{kAsOf - days{2 * i + 3}} + hours{9};
        e.discharge = *e.admit + hours{30};
        e.disposition = i % 2 ? Disposition::acute_transfer : Disposition::home;
        p.encounters.push_back(e);
    }
    return p;
}

// rulesets/ as shipped, or with the nested any() of hospitalizations_12m written so that the
// compiler cannot plan it (`(...) or false`, the same answers): the loop it was before.
const Engine& rulesets(bool loop) {
    static const Engine planned = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets").value();
    static const Engine looped = [] {
        namespace fs = std::filesystem;
        const fs::path dir = fs::temp_directory_path() / ("carecoord-bench-loop-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::copy(CARECOORD_SOURCE_DIR "/rulesets", dir, fs::copy_options::recursive);
        const fs::path clinical = dir / "common" / "clinical.yaml";
        std::stringstream text;
        text << std::ifstream(clinical).rdbuf();
        std::string yaml = text.str();
        const std::string from = "where not any(encounters,\n                          class in";
        const std::string to = "where not any(encounters,\n                          false or class in";
        const auto at = yaml.find(from);
        if (at == std::string::npos) std::abort();  // clinical.yaml changed: update the bench
        yaml.replace(at, from.size(), to);
        std::ofstream(clinical) << yaml;
        Engine e = Engine::load_directory(dir.string()).value();
        fs::remove_all(dir);
        return e;
    }();
    return loop ? looped : planned;
}

// The full default determination for long_history(n); items = conditions + encounters, so
// that the items rate compares the cost per condition+encounter across n.
void run_long(benchmark::State& state, bool loop) {
    const int n = static_cast<int>(state.range(0));
    const Engine& engine = rulesets(loop);
    const Patient p = long_history(n);
    auto first = engine.evaluate(p, kAsOf);
    if (!first.ok()) state.SkipWithError("the evaluation failed");
    for (auto _ : state) benchmark::DoNotOptimize(engine.evaluate(p, kAsOf));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2 * n);
}

void BM_LongHistory_Planned(benchmark::State& state) { run_long(state, false); }
BENCHMARK(BM_LongHistory_Planned)->Arg(8)->Arg(64)->Arg(512)->Unit(benchmark::kMicrosecond);
void BM_LongHistory_Loop(benchmark::State& state) { run_long(state, true); }
BENCHMARK(BM_LongHistory_Loop)->Arg(8)->Arg(64)->Arg(512)->Unit(benchmark::kMicrosecond);

// One patient with 10,000 encounters (and no conditions): target <= 50 ms.
void BM_TenThousandEncounters(benchmark::State& state) {
    const Engine& engine = rulesets(false);
    Patient p = long_history(10000);
    p.conditions.clear();
    if (!engine.evaluate(p, kAsOf).ok()) state.SkipWithError("the evaluation failed");
    for (auto _ : state) benchmark::DoNotOptimize(engine.evaluate(p, kAsOf));
}
BENCHMARK(BM_TenThousandEncounters)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
