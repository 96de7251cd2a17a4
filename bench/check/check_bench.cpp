// carecoord::check() on a ruleset whose value set holds N codes: the overlap analysis is
// sort-based, O(N log N) (the pairwise comparison it replaced took 24 s at 40,000 codes).
// Half the codes are ICD-10-CM (hierarchical: ranges compared on their common length), half
// SNOMED CT (exact), with one overlap of each kind planted at the end.
//
//   build/bench/check_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "carecoord/carecoord.hpp"

namespace {

namespace fs = std::filesystem;

// The benchmark's ruleset files, removed when the program ends.
struct ScratchDir {
    fs::path path = fs::temp_directory_path() / ("carecoord-check-bench-" + std::to_string(::getpid()));
    ScratchDir() { fs::create_directories(path); }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// A ruleset file with `codes` value-set entries, written once per size.
std::string ruleset_file(std::size_t codes) {
    static const ScratchDir scratch;
    const fs::path& dir = scratch.path;
    fs::path file = dir / ("valueset-" + std::to_string(codes) + ".yaml");
    if (fs::exists(file)) return file.string();
    std::string icd, snomed;
    for (std::size_t i = 0; i < codes / 2; ++i) {
        char buf[16];
        // A00.00 .. Z99.99: distinct 5-character codes, none a prefix of another.
        std::snprintf(buf, sizeof buf, "%c%02zu.%02zu", static_cast<char>('A' + (i / 10000) % 26), (i / 100) % 100, i % 100);
        icd += (icd.empty() ? "\"" : ", \"") + std::string(buf) + "\"";
        snomed += (snomed.empty() ? "\"" : ", \"") + std::to_string(100000 + i) + "\"";
    }
    icd += ", \"A01\"";       // overlaps A01.00 .. A01.99
    snomed += ", \"100000\"";  // listed twice
    std::ofstream out(file);
    out << "schema_version: 1\nruleset: bench\nversion: 1.0.0\neffective: {from: 2024-01-01, until: null}\n"
           "valuesets:\n  big:\n    icd10cm: [" << icd << "]\n    snomed: [" << snomed << "]\n"
           "facts:\n  has: exists(conditions where code in big)\n"
           "tiers:\n  order: [routine, high]\n  default: routine\n  rules:\n"
           "    - {id: r, tier: high, when: has, reason: listed}\n";
    out.close();
    if (!out) throw std::runtime_error("cannot write " + file.string());
    return file.string();
}

void BM_CheckValueSet(benchmark::State& state) {
    const auto codes = static_cast<std::size_t>(state.range(0));
    auto engine = carecoord::Engine::load_path(ruleset_file(codes));
    if (!engine.ok()) {
        state.SkipWithError(engine.diagnostics().front().to_string().c_str());
        return;
    }
    std::size_t findings = 0;
    for (auto _ : state) {
        auto out = carecoord::check(*engine);
        findings = out.size();
        benchmark::DoNotOptimize(out);
    }
    state.counters["findings"] = static_cast<double>(findings);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_CheckValueSet)->Arg(1000)->Arg(10000)->Arg(40000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
