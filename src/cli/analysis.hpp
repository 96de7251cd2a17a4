// Static analysis of loaded rulesets for `carecoord check`: findings beyond load errors,
// reported as warnings (or notes) with file:line:col.
//
//   W0701 a tier rule whose `when` is always false or unknown: it can never match
//   W0702 a tier rule whose `when` is always true: every patient gets at least its tier
//   W0703 a tier rule with the same `when` as another: one of them never decides the tier
//   W0704 a fact that no rule, flag, program or trigger uses (directly or through facts)
//   W0705 a parameter that nothing uses
//   W0706 value-set entries that overlap within one category (or one flat value set)
//   W0707 value-set entries that overlap between two categories of one value set
//   W0708 a tier rule that no patient of a population matched
//   W0709 patients of a population that matched no tier rule (the default tier): a note,
//         or a warning with --strict-default
#pragma once

#include <string>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/engine.hpp"

namespace carecoord::cli {

// W0701-W0705, over every loaded version. Facts and parameters of a library count as used
// when any ruleset loaded with it uses them.
std::vector<Diagnostic> analyze_rules(const Engine& engine);

// W0706-W0707, over the value sets of every loaded ruleset file and the libraries it includes.
std::vector<Diagnostic> analyze_valuesets(const Engine& engine);

// Gaps between the versions of a ruleset (E0315, a warning): dates at which no version is in
// force. Overlaps are load errors (E0308).
std::vector<Diagnostic> analyze_versions(const Engine& engine);

// What evaluating a population showed about the tier rules in force.
struct PopulationCoverage {
    std::size_t patients = 0;
    std::size_t by_default = 0;
    std::vector<std::string> default_examples;  // patient ids
    std::vector<std::pair<std::string, std::size_t>> rule_matches;  // tier rule id -> patients
};

// W0708-W0709 from a population's coverage of the tier-defining ruleset in force at as_of.
std::vector<Diagnostic> coverage_findings(const Engine& engine, Date as_of, const PopulationCoverage& coverage,
                                          bool strict_default);

}  // namespace carecoord::cli
