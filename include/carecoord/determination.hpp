// What one evaluation answers for one patient at one as-of date.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "carecoord/patient.hpp"

namespace carecoord {

// A rule that matched, with its reason rendered from the values it used.
struct RuleMatch {
    std::string rule_id;
    std::string reason;
    std::string source;  // citation named by the rule, if any
};

struct TierResult {
    std::string tier;                 // "routine", "care_coordination", "case_management"...
    bool by_default = true;           // no tier rule matched: the ruleset's default tier
    std::vector<RuleMatch> matched;   // every matching tier rule, highest tier first
};

struct FlagResult {
    std::string id;                   // "hchn_priority", "manual_review"...
    std::vector<RuleMatch> matched;
};

enum class Eligibility { eligible, not_eligible, unknown };

struct ProgramResult {
    std::string id;                   // "ccm", "tcm", "c_snp"...
    Eligibility status = Eligibility::not_eligible;
    std::string reason;
    std::string source;
    std::vector<std::string> missing;  // patient fields whose absence made the answer unknown
};

enum class TriggerStatus { open, overdue };

struct TriggerResult {
    std::string id;                   // "post_discharge_call"...
    TriggerStatus status = TriggerStatus::open;
    Date anchor{};                    // the date of the event the trigger counts from
    Date due{};                       // the due date
    std::optional<DateTime> due_time; // set when hours count (72 hours after discharge)
    std::string action;
    std::string reason;
    std::string source;
};

// A fact's value as the explanation shows it ("3", "true", "2025-08-29", "unknown").
struct FactValue {
    std::string name;
    std::string value;
};

struct RulesetRef {
    std::string id;
    std::string version;
    std::string sha256;  // of the ruleset file's bytes (and of every file it includes)
};

struct Determination {
    std::string patient_id;
    Date as_of{};
    // The date of death when it is on or before as_of. A deceased patient has the lowest
    // tier, no flag, no trigger, and every program not_eligible (docs/determination.md).
    std::optional<Date> deceased;
    std::string engine_version;
    std::vector<RulesetRef> rulesets;  // the versions in force at as_of that were used
    // Loaded ruleset ids with no version in force at as_of: they contributed nothing.
    std::vector<std::string> rulesets_not_in_force;
    TierResult tier;
    std::vector<FlagResult> flags;      // only the flags raised
    std::vector<ProgramResult> programs;  // every program, in ruleset order
    std::vector<TriggerResult> triggers;  // only the triggers due (open or overdue)
    std::vector<std::string> missing;   // every patient field that was needed and absent
    std::vector<FactValue> facts;       // filled when EvaluateOptions::include_facts is set
};

std::string_view to_string(Eligibility);
std::string_view to_string(TriggerStatus);

// JSON with a fixed key order: the same determination gives byte-identical text.
std::string to_json(const Determination&);

}  // namespace carecoord
