// Runs the test cases that analysts write beside their rulesets (`kind: tests` files) and
// compares each determination with what the case expects.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "carecoord/engine.hpp"

namespace carecoord::testing {

struct Mismatch {
    std::string what;      // "tier", "programs.ccm", "triggers.post_discharge_call.due"...
    std::string expected;
    std::string actual;
};

struct CaseResult {
    std::string file;
    int line = 0;
    std::string name;
    std::vector<Mismatch> mismatches;
    std::vector<Diagnostic> errors;  // the case could not run (bad patient, no ruleset in force)
    Determination determination;
    bool passed() const { return mismatches.empty() && errors.empty(); }
};

struct TestReport {
    std::vector<CaseResult> cases;
    std::vector<Diagnostic> diagnostics;  // test files that could not be read
    // Rule coverage: every tier rule, flag rule, program and trigger of the loaded rulesets,
    // and the ones some case exercised (matched, eligible, due).
    std::set<std::string> all_items;
    std::set<std::string> exercised;
    std::size_t passed() const;
    std::size_t failed() const;
};

// Every `kind: tests` file below the paths.
std::vector<std::string> find_test_files(const std::vector<std::string>& paths, std::vector<Diagnostic>& diagnostics,
                                         const std::vector<std::string>& include_roots = {});

// A case's `patient_file:` is confined like an include (util/confine.hpp): to the tree of its
// tests file (the parent of the file's directory) and the `include_roots`.
TestReport run_tests(const Engine& engine, const std::vector<std::string>& test_files,
                     const std::vector<std::string>& include_roots = {});

}  // namespace carecoord::testing
