// Why a determination came out as it did: every tier rule, flag rule and program condition
// with the values that decided it, and the nearest boundary (the smallest change in the
// data that would move the patient to a higher tier). What `carecoord explain` prints.
#pragma once

#include <string>
#include <vector>

#include "carecoord/determination.hpp"
#include "carecoord/engine.hpp"

namespace carecoord {

// One condition of a rule's `when` as the analyst wrote it: a comparison, or another
// boolean (a fact, exists(...)), joined to the others by and/or/not.
struct ConditionExplanation {
    std::string text;    // "hospitalizations_12m >= case_management_min_hospitalizations"
    std::string result;  // "true", "false" or "unknown"
    std::string left;    // a comparison's two sides as evaluated ("1", "2"); empty otherwise
    std::string op;      // ">=", "==", ..., "in", "not in" (left: the value looked up; right: the set)
    std::string right;
    double gap = 0;      // a failing comparison of numbers: how far the left side is from passing
};

struct RuleExplanation {
    std::string kind;    // "tier", "flag" or "program"
    std::string id;      // the rule or program id
    std::string target;  // the tier the rule assigns, or the flag it raises
    std::string result;  // "true", "false" or "unknown"
    std::vector<ConditionExplanation> conditions;
    std::string name;    // a program's name as its ruleset defines it ("Chronic Care Management")
};

// A source a ruleset in force declares under `sources:`, for citing by title.
struct Citation {
    std::string id;
    std::string title;
    std::string url;  // empty when the source has none
};

// A change that would make a rule of a higher tier match.
struct Boundary {
    std::string tier;
    std::string rule;
    std::string condition;  // the condition's text
    std::string now;        // its left side now
    std::string needs;      // "1 more", "2 less"
    double gap = 0;
};

// A code of the patient's conditions with what the rulesets in force say it is: the value
// sets it belongs to and, for value sets with categories, its category ("heart_failure").
struct CodeNote {
    std::string code;
    std::string system;
    std::vector<std::string> valuesets;  // "chronic_conditions: heart_failure", "hrrp_conditions: heart_failure"
    // The code's display name from the value sets in force (`displays:`,
    // docs/ruleset-language.md#displays): "Chronic systolic (congestive) heart failure";
    // empty when none gives one.
    std::string display;
    // The display the patient data recorded with the code (a FHIR coding's `display`: what the
    // EHR wrote); empty when the data has none. Shown only where `display` is empty.
    std::string recorded_display;
};

struct Explanation {
    Determination determination;     // with facts
    std::vector<RuleExplanation> rules;
    std::vector<Boundary> nearest;   // the boundaries to higher tiers, smallest gap first
    std::vector<Citation> citations; // the sources of the rulesets in force (and their libraries)
    std::vector<CodeNote> codes;     // the patient's condition codes, in document order, each once
};

Result<Explanation> explain(const Engine& engine, const Patient& patient, Date as_of);

// The explanation as `carecoord explain` prints it (lines ending in '\n').
std::string to_text(const Explanation&, bool with_facts = false);
// The same as one JSON object (no trailing newline), keys in this order:
//   {"determination": <to_json(Determination), with its "facts" object>,
//    "rules": [{"kind","id","target","result","conditions":[{"text","result",
//               "left","op","right","gap"}]}],        (left..gap only for comparisons)
//    "codes": [{"code","system","display","recorded_display","valuesets":[...]}],
//                                                   (display, recorded_display only when known)
//    "nearest": [{"tier","rule","condition","now","needs","gap"}]}
std::string to_json(const Explanation&);

}  // namespace carecoord
