// JSON in, determination out: carecoord's whole path (simdjson decoding into Patient, then
// evaluation) against simdjson parsing plus the hand-written rule, on generated records.
//
//   build/bench/json_bench
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "carecoord/carecoord.hpp"
#include "engine/baseline.hpp"
#include "testing/popgen.hpp"

namespace {

using namespace carecoord;
using namespace std::chrono;

const Date kAsOf = sys_days{year{2026} / 11 / 27};

const std::vector<std::string>& records() {
    static const std::vector<std::string> r = [] {
        std::vector<std::string> out;
        testing::PopulationOptions o;
        o.seed = 1;
        o.as_of = kAsOf;
        for (std::size_t i = 0; i < 2000; ++i) out.push_back(testing::generate_patient_json(o, i));
        return out;
    }();
    return r;
}

std::size_t total_bytes() {
    std::size_t n = 0;
    for (const auto& r : records()) n += r.size();
    return n;
}

// The hand-written rule straight over simdjson's DOM, with string-keyed lookups.
bool dom_rule(simdjson::dom::element doc, std::int64_t as_of_day) {
    unsigned seen = 0;
    simdjson::dom::array conditions;
    if (doc["conditions"].get(conditions) == simdjson::SUCCESS)
        for (auto c : conditions) {
            std::string_view status = "active";
            if (c["status"].get(status) != simdjson::SUCCESS) status = "active";
            simdjson::dom::element abatement;
            bool abated = c["abatement"].get(abatement) == simdjson::SUCCESS && !abatement.is_null();
            if ((status != "active" && status != "recurrence" && status != "relapse") || abated) continue;
            std::string_view code;
            if (c["code"].get(code) == simdjson::SUCCESS)
                if (int cat = bench::chronic_category(code); cat >= 0) seen |= 1u << cat;
        }
    if (__builtin_popcount(seen) >= 4) return true;
    int admissions = 0;
    simdjson::dom::array encounters;
    if (doc["encounters"].get(encounters) == simdjson::SUCCESS)
        for (auto e : encounters) {
            std::string_view cls, admit;
            if (e["class"].get(cls) != simdjson::SUCCESS || cls != "inpatient") continue;
            if (e["admit"].get(admit) != simdjson::SUCCESS || admit.size() < 10) continue;
            int y = std::stoi(std::string(admit.substr(0, 4))), m = std::stoi(std::string(admit.substr(5, 2))),
                d = std::stoi(std::string(admit.substr(8, 2)));
            auto day = sys_days{year{y} / m / d}.time_since_epoch().count();
            if (day >= as_of_day - 365) ++admissions;
        }
    if (admissions >= 2) return true;
    bool flag = false;
    simdjson::dom::element social;
    if (doc["social"].get(social) == simdjson::SUCCESS) {
        if (social["housing_instability"].get(flag) == simdjson::SUCCESS && flag) return true;
        if (social["food_insecurity"].get(flag) == simdjson::SUCCESS && flag) return true;
    }
    return false;
}

void BM_Json_SimdjsonHandWritten(benchmark::State& state) {
    simdjson::dom::parser parser;
    const auto day = kAsOf.time_since_epoch().count();
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& r = records()[i++ % records().size()];
        simdjson::dom::element doc;
        if (parser.parse(r).get(doc) == simdjson::SUCCESS) benchmark::DoNotOptimize(dom_rule(doc, day));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(total_bytes() / records().size()));
    state.counters["records/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Json_SimdjsonHandWritten);

void BM_Json_Decode(benchmark::State& state) {
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(parse_patient_json(records()[i++ % records().size()]));
    state.counters["records/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Json_Decode);

// The measured rule from bench/rule.yaml over the same generated records the peer
// engines run on (bench/peers/run.sh): evaluation of decoded patients, and JSON to answer.
const Engine& rule_file_engine() {
    static const Engine engine = Engine::load_file(CARECOORD_SOURCE_DIR "/bench/rule.yaml").value();
    return engine;
}

void run_engine(benchmark::State& state, const Engine& engine) {
    std::size_t i = 0;
    for (auto _ : state) {
        auto p = parse_patient_json(records()[i++ % records().size()]);
        if (p.ok()) benchmark::DoNotOptimize(engine.evaluate(*p, kAsOf));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(total_bytes() / records().size()));
    state.counters["records/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Json_CarecoordRule(benchmark::State& state) { run_engine(state, rule_file_engine()); }
BENCHMARK(BM_Json_CarecoordRule);

void BM_Json_CarecoordDefaultRulesets(benchmark::State& state) {
    static const Engine engine = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets").value();
    run_engine(state, engine);
}
BENCHMARK(BM_Json_CarecoordDefaultRulesets);

void BM_Population_RuleFile_Evaluate(benchmark::State& state) {
    static const std::vector<Patient> patients = [] {
        std::vector<Patient> out;
        for (const auto& r : records()) out.push_back(parse_patient_json(r).value());
        return out;
    }();
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(rule_file_engine().evaluate(patients[i++ % patients.size()], kAsOf));
}
BENCHMARK(BM_Population_RuleFile_Evaluate);

void BM_Population_RuleFile_DecodeEvaluate(benchmark::State& state) { run_engine(state, rule_file_engine()); }
BENCHMARK(BM_Population_RuleFile_DecodeEvaluate);

}  // namespace

BENCHMARK_MAIN();
