// Static analysis of loaded rulesets: what `carecoord check` reports beyond load errors.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/engine.hpp"

namespace carecoord {

struct CheckOptions {
    // false: only the structural findings (gaps between versions, E0315), what
    // `carecoord check --no-analysis` reports.
    bool analysis = true;
};

// The findings about every loaded ruleset version, with file:line:col (docs/errors.md):
//   E0315 (a warning) dates at which no version of a ruleset is in force
//   W0701 a tier rule whose `when` is always false or unknown: it can never match
//   W0702 a tier rule whose `when` is always true
//   W0703 a tier rule with the same `when` as another: one of them never decides the tier
//   W0704 a fact, W0705 a parameter, that nothing uses (a library's count as used when any
//         ruleset loaded with it uses them)
//   W0706 value-set entries that overlap within one category (or one flat value set)
//   W0707 value-set entries that overlap between two categories of one value set
// in that order; within each kind, in the order of the files and rules. Reads the ruleset
// files again for the value sets (an engine keeps them compiled). Never throws: a failure
// of its own is one E0001 or E0002 diagnostic.
std::vector<Diagnostic> check(const Engine& engine, const CheckOptions& options = {});

// What evaluating a population showed about the tier rules in force at one as-of date.
struct PopulationCoverage {
    std::size_t patients = 0;
    std::size_t by_default = 0;                                       // matched no tier rule
    std::vector<std::string> default_examples;                        // patient ids
    std::vector<std::pair<std::string, std::size_t>> rule_matches;    // tier rule id -> patients
};

// W0708 (a tier rule in force at as_of that no patient matched) and W0709 (patients that got
// the default tier: a note, or a warning when strict_default). Never throws.
std::vector<Diagnostic> check_coverage(const Engine& engine, Date as_of, const PopulationCoverage& coverage,
                                       bool strict_default = false);

}  // namespace carecoord
