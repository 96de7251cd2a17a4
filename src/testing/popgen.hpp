// A synthetic population of patient documents for impact analysis (`carecoord diff`), gap
// analysis (`carecoord check --sample`) and benchmarks. Deterministic: the same seed, as-of
// date and index always give the same patient, whatever the population size, on every
// platform (its own random generator, no std:: distributions).
//
// The mix: ages from children to the very old; payers by age (Medicare FFS and Medicare
// Advantage with C-, D- and I-SNPs, Medicaid, dual eligibles, commercial plans, uninsured);
// chronic conditions with ICD-10-CM (and some SNOMED CT) codes from the default value sets of
// rulesets/common/clinical.yaml, more of them with age; substance use, serious mental
// illness and SDOH Z codes; encounters (inpatient, psychiatric, observation, ED, SNF,
// nursing facility, ambulatory...) dated relative to the as-of date, with recent discharges;
// care teams; medications; PHQ-9 histories, BMI and A1c; social needs, language and limited
// English proficiency (some of it unrecorded, as in real data); long-term-care placement
// decisions; care-plan records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "carecoord/patient.hpp"

namespace carecoord::testing {

struct PopulationOptions {
    std::uint64_t seed = 1;
    Date as_of{};
    std::string id_prefix = "pop-";
};

// The index-th patient of the population: one JSON patient document on one line (no newline).
std::string generate_patient_json(const PopulationOptions& options, std::size_t index);

}  // namespace carecoord::testing
