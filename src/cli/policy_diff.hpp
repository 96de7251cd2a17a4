// What changed in the policy between the two sides of `carecoord diff`: parameters, value-set
// entries, facts, tier rules, flag rules, programs and triggers, read from the ruleset files
// in force on each side and the libraries they include.
#pragma once

#include <string>
#include <vector>

#include "carecoord/diagnostic.hpp"

namespace carecoord::cli {

struct PolicyChange {
    std::string ruleset; // the ruleset id whose policy changed (its libraries included)
    std::string kind;    // "parameter", "value set", "fact", "tier rule", "flag rule", "program", "trigger"
    std::string name;    // its id or name
    std::string change;  // "added", "removed", "changed"; for value sets: "entries"
    std::string before;  // a parameter's value, a rule's definition; empty when added
    std::string after;   // empty when removed
    std::vector<std::string> added, removed;  // value sets: the entries ("ICD-10-CM E66", "category obesity: ICD-10-CM E66")
};

// A ruleset in force on one side: its id and file.
struct RulesetFile {
    std::string id;
    std::string file;
};

// The changes from the `from` rulesets to the `to` rulesets, ruleset by ruleset (matched by
// id; each read with the libraries it includes, as the loader scopes them). A ruleset on one
// side only is one change of kind "ruleset".
std::vector<PolicyChange> policy_changes(const std::vector<RulesetFile>& from, const std::vector<RulesetFile>& to,
                                         std::vector<Diagnostic>& errors);

// "intensity: parameter case_management_min_conditions 4 -> 3", "intensity: tier rule cm_new
// added (...)", "intensity: value set chronic_conditions: +... ; -..."; describe_change
// without the ruleset.
std::string describe(const PolicyChange& c);
std::string describe_change(const PolicyChange& c);

}  // namespace carecoord::cli
