// Hand-written C++ versions of rules the benchmarks also run in carecoord's rule language:
// the baselines every carecoord figure in bench/RESULTS.md is a ratio against.
#pragma once

#include <array>
#include <string_view>

#include "carecoord/patient.hpp"

namespace carecoord::bench {

// The chronic categories of the measured rule: ICD-10-CM prefixes (dots removed by the
// caller's data: the benchmark patients carry codes such as "E11.9").
inline int chronic_category(std::string_view code) {
    static constexpr std::array<std::pair<std::string_view, int>, 12> prefixes{{
        {"E11", 0}, {"E10", 0}, {"I10", 1}, {"I11", 1}, {"I12", 1}, {"I50", 2}, {"N18", 3},
        {"J44", 4}, {"J45", 5}, {"F32", 6}, {"F33", 6}, {"I48", 7},
    }};
    for (const auto& [p, cat] : prefixes)
        if (code.substr(0, p.size()) == p) return cat;
    return -1;
}

inline bool active(const Condition& c) {
    return (c.status == ConditionStatus::active || c.status == ConditionStatus::recurrence ||
            c.status == ConditionStatus::relapse) && !c.abatement;
}

// count(active chronic conditions) >= 4 or count(inpatient admissions in the last 365 days) >= 2
// or any social-risk flag — over the Patient model with std::string codes.
inline bool handwritten_rule(const Patient& p, Date as_of) {
    unsigned seen = 0;
    for (const auto& c : p.conditions)
        if (active(c))
            if (int cat = chronic_category(c.code); cat >= 0) seen |= 1u << cat;
    if (__builtin_popcount(seen) >= 4) return true;
    int admissions = 0;
    const auto since = DateTime{as_of - std::chrono::days{365}};
    for (const auto& e : p.encounters)
        if (e.encounter_class == EncounterClass::inpatient && e.admit && *e.admit >= since) ++admissions;
    if (admissions >= 2) return true;
    const auto& s = p.social;
    return s.housing_instability.value_or(false) || s.food_insecurity.value_or(false);
}

// The same rule over typed structs with the category precomputed: the fastest possible form.
struct TypedCondition {
    std::int8_t category;
    bool active;
};
struct TypedEncounter {
    bool inpatient;
    std::int32_t admit_day;
};
struct TypedPatient {
    std::array<TypedCondition, 8> conditions;
    std::array<TypedEncounter, 6> encounters;
    bool social_risk;
};

inline bool typed_rule(const TypedPatient& p, std::int32_t as_of_day) {
    unsigned seen = 0;
    for (const auto& c : p.conditions)
        if (c.active && c.category >= 0) seen |= 1u << c.category;
    if (__builtin_popcount(seen) >= 4) return true;
    int admissions = 0;
    for (const auto& e : p.encounters)
        if (e.inpatient && e.admit_day >= as_of_day - 365) ++admissions;
    return admissions >= 2 || p.social_risk;
}

}  // namespace carecoord::bench
