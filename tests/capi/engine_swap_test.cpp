// A new ruleset version swapped in while threads evaluate, as an integrator does it
// (docs/threading.md): the current engine is a std::shared_ptr<carecoord_engine> behind a
// mutex; each evaluation takes a reference to it, so an engine that is swapped out is freed
// (carecoord_engine_free) by whichever thread drops the last reference, never while another
// thread evaluates with it. One thread loads and swaps engines; the others evaluate. Each
// result must be the determination of the engine it was computed with. Run under
// ThreadSanitizer by `make test-tsan`.
//
// Usage: capi_engine_swap_test SOURCE_DIR
#include "carecoord.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// An engine and what it answers for the test patient, computed when it was loaded.
struct Version {
    carecoord_engine* engine = nullptr;
    std::string expected_json;
    std::string expected_tier;
    ~Version() { carecoord_engine_free(engine); }
};

class EngineSlot {
public:
    std::shared_ptr<const Version> get() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return current_;
    }
    void set(std::shared_ptr<const Version> v) {
        std::lock_guard<std::mutex> lock(mutex_);
        current_.swap(v);
        // v (the old version) is released outside the lock, when this function returns.
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Version> current_;
};

// Two rulesets that put the same patient in different tiers (food insecurity).
std::string ruleset(const char* version, const char* tier) {
    return std::string("schema_version: 1\nruleset: swap\nversion: ") + version +
           "\neffective: {from: 2020-01-01, until: null}\ndescription: Engine swap test.\n"
           "tiers:\n  order: [routine, care_coordination, case_management]\n  default: routine\n  rules:\n"
           "    - id: food\n      tier: " +
           tier + "\n      when: social.food_insecurity\n      reason: \"Food insecurity\"\n";
}

carecoord_patient* make_patient() {
    carecoord_patient* p = nullptr;
    if (carecoord_patient_new(&p, "p-swap", "1950-05-01", nullptr) != CARECOORD_OK) return nullptr;
    carecoord_patient_add_coverage(p, "medicare_ffs", nullptr, "2015-05-01", nullptr, nullptr);
    carecoord_patient_set_field(p, "social.food_insecurity", "true", nullptr);
    return p;
}

std::shared_ptr<const Version> load(const std::string& text, const carecoord_patient* patient) {
    auto v = std::make_shared<Version>();
    carecoord_error* err = nullptr;
    if (carecoord_engine_load_string(&v->engine, text.data(), text.size(), "swap.yaml", &err) != CARECOORD_OK) {
        std::fprintf(stderr, "load failed: %s\n", carecoord_error_string(err));
        carecoord_error_free(err);
        return nullptr;
    }
    carecoord_result* r = nullptr;
    if (carecoord_evaluate(&r, v->engine, patient, "2026-11-27", nullptr) != CARECOORD_OK) return nullptr;
    v->expected_json = carecoord_result_json(r);
    v->expected_tier = carecoord_result_tier(r);
    carecoord_result_free(r);
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    (void)argv;
    carecoord_patient* patient = make_patient();
    if (!patient) return 1;
    const std::string texts[2] = {ruleset("1.0.0", "case_management"), ruleset("2.0.0", "care_coordination")};

    EngineSlot slot;
    slot.set(load(texts[0], patient));
    if (!slot.get()) return 1;

    constexpr int kEvaluators = 6, kSwaps = 40;
    std::atomic<bool> done{false};
    std::atomic<long> evaluations{0}, bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kEvaluators; ++t)
        threads.emplace_back([&] {
            while (!done.load()) {
                auto v = slot.get();  // holds this version alive for the evaluation
                carecoord_result* r = nullptr;
                carecoord_error* err = nullptr;
                if (carecoord_evaluate(&r, v->engine, patient, "2026-11-27", &err) != CARECOORD_OK ||
                    v->expected_json != carecoord_result_json(r) || v->expected_tier != carecoord_result_tier(r))
                    ++bad;
                carecoord_result_free(r);
                carecoord_error_free(err);
                ++evaluations;
            }
        });
    int swaps = 0;
    for (; swaps < kSwaps; ++swaps) {
        auto next = load(texts[(swaps + 1) % 2], patient);
        if (!next) {
            ++bad;
            break;
        }
        slot.set(std::move(next));
    }
    // Let the evaluators run with the last version too.
    while (evaluations.load() < 200 && bad.load() == 0) std::this_thread::yield();
    done = true;
    for (auto& t : threads) t.join();

    auto last = slot.get();
    bool tiers_ok = last->expected_tier == (kSwaps % 2 ? "care_coordination" : "case_management");
    slot.set(nullptr);
    last.reset();
    carecoord_patient_free(patient);
    std::printf("engine swap: %d swaps, %ld evaluations on %d threads, %ld wrong\n", swaps, evaluations.load(),
                kEvaluators, bad.load());
    return bad.load() == 0 && tiers_ok ? 0 : 1;
}
