// Shared fixtures of the fuzz targets.
#pragma once

#include <chrono>

#include "carecoord/carecoord.hpp"

#ifndef CARECOORD_SOURCE_DIR
#define CARECOORD_SOURCE_DIR "."
#endif

namespace carecoord::fuzz {

inline constexpr Date kAsOf = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27};

inline constexpr const char* kRulesetHeader =
    "schema_version: 1\nruleset: fuzz\nversion: 1.0.0\neffective: {from: 2020-01-01, until: null}\n";

inline const Patient& sample_patient() {
    static const Patient p = [] {
        auto r = parse_patient_yaml(R"(id: fuzz-1
birth_date: 1950-02-28
language: {preferred: es, interpreter_needed: true}
coverage: [{payer: medicare_advantage, plan: H1, snp: chronic, start: 2025-01-01}]
conditions:
  - {code: E11.9, onset: 2015-01-01}
  - {code: "44054006", system: snomed, onset: 2016-01-01}
  - {code: F10.20, onset: 2024-01-01, status: remission, abatement: 2025-01-01}
encounters:
  - {id: e1, class: inpatient, admit: "2026-11-20T09:00", discharge: "2026-11-24T15:00", disposition: home, diagnosis: I50.9}
medications: [{code: "860975", name: metformin, events: [{type: failed, date: 2026-01-01}]}]
observations: [{code: phq9, date: 2026-08-01, value: 16}, {code: phq9, date: 2026-10-20, value: 9}]
social: {food_insecurity: true}
care_plan: {state: active, enrolled: 2025-01-10}
)");
        return r.ok() ? r.value() : Patient{};
    }();
    return p;
}

// The default rulesets, loaded once; null if they do not load (the fuzzer still runs).
inline const Engine* default_engine() {
    static const auto engine = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets");
    return engine.ok() ? &engine.value() : nullptr;
}

}  // namespace carecoord::fuzz
