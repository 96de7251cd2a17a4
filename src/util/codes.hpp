// Every diagnostic code carecoord reports, once: a named constant and its one-line meaning
// (docs/errors.md is the reference, and tests/cpp/util/codes_test.cpp holds the two
// together). A new code is one row here, one row in docs/errors.md, and never the number of
// a code that had another meaning. Code ranges and who owns them: docs/errors.md.
#pragma once

#include <span>
#include <string_view>

// clang-format off
#define CARECOORD_CODES(X) \
    X(out_of_memory, "E0001", "out of memory") \
    X(internal_error, "E0002", "internal error (a bug: please report it with the ruleset, never with patient data)") \
    X(yaml_syntax, "E0101", "YAML syntax error") \
    X(yaml_duplicate_key, "E0102", "duplicate key") \
    X(yaml_anchor, "E0103", "YAML anchor or alias (not allowed)") \
    X(yaml_tag, "E0104", "YAML tag (not allowed)") \
    X(yaml_limit, "E0105", "over a limit") \
    X(yaml_complex_key, "E0106", "a mapping key that is not a plain string") \
    X(yaml_many_documents, "E0107", "more than one YAML document in a file") \
    X(patient_syntax, "E0201", "patient document: syntax error, or an empty document") \
    X(patient_unknown_field, "E0202", "patient document: unknown field") \
    X(patient_wrong_type, "E0203", "patient document: wrong type") \
    X(patient_bad_date, "E0204", "patient document: invalid date or date-time") \
    X(patient_missing, "E0205", "patient document: missing required field (absent, null or empty)") \
    X(patient_duplicate_key, "E0206", "patient document: duplicate key (JSON; YAML gives E0102)") \
    X(patient_bad_enum, "E0207", "patient document: invalid enum value; the message lists the allowed values") \
    X(patient_end_before_start, "E0208", "patient document: an end before its start") \
    X(patient_limit, "E0209", "patient document: over a limit; the message names the limit") \
    X(patient_too_large, "E0210", "patient document: document larger than `max_document_bytes`") \
    X(patient_bad_value, "E0211", "patient document: a value out of range or malformed (not a type or enum error)") \
    X(unborn_at_as_of, "E0212", "evaluation: the patient is not born at the as-of date (`birth_date` after it); field path `birth_date`") \
    X(condition_before_birth, "E0213", "evaluation: a condition dated before `birth_date`; field path `conditions[i].onset`, `.recorded` or `.abatement`") \
    X(encounter_before_birth, "E0214", "evaluation: an encounter admitted before `birth_date`; field path `encounters[i].admit`") \
    X(patient_control_char, "E0215", "patient document or FHIR resource: an id contains a control character (U+0000-U+001F, U+007F); field path of the id") \
    X(patient_bad_utf8, "E0216", "patient document: text that is not valid UTF-8 (YAML, as JSON already refuses it)") \
    X(unknown_key, "E0301", "unknown key") \
    X(missing_key, "E0302", "missing required key") \
    X(wrong_yaml_kind, "E0303", "wrong kind of YAML value (e.g. a list where a mapping is expected)") \
    X(invalid_value, "E0304", "invalid value (bad version, date, id, enum word)") \
    X(unsupported_schema, "E0305", "unsupported schema_version") \
    X(defined_twice, "E0306", "name defined twice") \
    X(include_not_found, "E0307", "include not found or not a library") \
    X(periods_overlap, "E0308", "effective periods of two versions overlap") \
    X(unknown_reference, "E0309", "unknown tier, source, calendar or program reference") \
    X(bad_valueset_entry, "E0310", "invalid value-set entry") \
    X(unreadable_file, "E0311", "a ruleset file could not be read") \
    X(fact_cycle, "E0312", "facts form a cycle") \
    X(tiers_twice, "E0313", "more than one ruleset in force defines tiers") \
    X(version_twice, "E0314", "one ruleset id and version loaded from two files with different contents") \
    X(version_gap, "E0315", "warning: a gap between the effective periods of consecutive versions of a ruleset (a patient in it has no ruleset in force)") \
    X(valuesets_not_checked, "E0330", "check (a note): the value sets of a ruleset file were not checked, the file cannot be read or parsed again") \
    X(path_absolute, "E0350", "an include: or patient_file: path is absolute (paths are relative to the file; include_roots / --include-root widen the tree)") \
    X(path_leaves_tree, "E0351", "an include: or patient_file: path leaves the tree being loaded through '..'") \
    X(path_link_leaves_tree, "E0352", "a symbolic link (on an include: or patient_file: path, or an entry of a loaded directory) leads outside the tree being loaded, or does not resolve") \
    X(display_not_in_set, "E0340", "a value set's `displays` names a code the value set does not contain, or excludes") \
    X(display_differs, "E0341", "one code given two different displays in the value sets of a ruleset and its libraries") \
    X(expression_syntax, "E0401", "expression syntax error") \
    X(unknown_name, "E0402", "unknown name") \
    X(type_mismatch, "E0403", "type mismatch") \
    X(wrong_arity, "E0404", "wrong number of arguments") \
    X(not_an_enum_value, "E0405", "a string that is not a value of the enum it is compared with") \
    X(not_available_here, "E0406", "a name used where it is not available (`anchor` outside triggers, `tier` in tier rules or workflows, `event` outside workflows)") \
    X(not_a_list, "E0407", "`where` or an aggregate applied to something that is not a list") \
    X(no_ruleset_in_force, "E0501", "no loaded ruleset is in force at the as-of date") \
    X(evaluation_budget, "E0504", "evaluation: over the work budget (`max_evaluation_steps`), a runaway evaluation stopped") \
    X(bad_test_case, "E0601", "a test case is malformed (missing as_of, patient or expect)") \
    X(output_not_written, "E0602", "the output could not be written or closed (a full disk, a closed pipe); exit status 2") \
    X(test_expects_undefined, "E0610", "a test case expects a tier, flag, program or trigger that no loaded ruleset defines (the message gives the closest names)") \
    X(workflow_unknown_state, "E0701", "workflow: unknown state (in `initial`, `from` or `to`)") \
    X(workflow_unknown_event, "E0702", "workflow: unknown event (in `on`)") \
    X(workflow_unreachable, "E0703", "workflow: a state cannot be reached from the initial state") \
    X(workflow_dead_end, "E0704", "workflow: a state that is not final has no transition to another state") \
    X(workflow_ambiguous, "E0705", "workflow: two unguarded transitions on the same event from the same state") \
    X(workflow_unknown_trigger, "E0706", "workflow: a task names a trigger that no loaded ruleset defines") \
    X(event_not_allowed, "E0710", "care plan: the event is not allowed in the current state (names the allowed events)") \
    X(event_unknown, "E0711", "care plan: unknown event") \
    X(event_out_of_order, "E0712", "care plan: the event is earlier than the last event applied") \
    X(event_bad_payload, "E0713", "care plan: a payload field the event does not declare, or of the wrong type") \
    X(task_due_missing_data, "E0714", "care plan: a task's due date needs data that is missing") \
    X(no_workflow_in_force, "E0715", "care plan: no ruleset with that id and a workflow is in force at the event's date") \
    X(task_trigger_not_in_force, "E0716", "care plan: a task's trigger is not defined by a ruleset in force at the event's date") \
    X(state_not_in_workflow, "E0717", "care plan: the current state is not a state of the workflow") \
    X(event_log_malformed, "E0718", "event log (`carecoord plan`, workflow test cases): an event or the log is malformed (type, time, payload, `events:`); file:line:col and the field path `events[2].time`") \
    X(event_log_unknown_key, "E0719", "event log: an unknown key (an event has type, time, payload; a log has workflow, events, description)") \
    X(care_plan_record_malformed, "E0720", "care-plan record (`carecoord_care_plan_from_json`, `CarePlanRecord.from_json`): a field missing or of the wrong type, with its field path (`tasks[1].due`)") \
    X(care_plan_record_unknown_key, "E0721", "care-plan record: an unknown key, with its field path") \
    X(fhir_not_json, "E0801", "FHIR: not JSON, not an object, no `resourceType`") \
    X(fhir_required_element, "E0802", "FHIR: a required element is absent or of the wrong type") \
    X(fhir_unknown_code, "E0803", "FHIR: a code or code system the mapping does not know") \
    X(fhir_dangling_reference, "E0804", "FHIR: a reference to a resource that is not in the input") \
    X(fhir_bad_date, "E0805", "FHIR: a date or dateTime that cannot be read") \
    X(fhir_no_patient, "E0806", "FHIR: a resource whose patient is not in the input") \
    X(fhir_duplicate_resource, "E0807", "FHIR: a second resource with the same type and id; a Bundle with several Patients") \
    X(fhir_limit, "E0808", "FHIR: over a limit (resource size, diagnostics)") \
    X(fhir_unreadable, "E0809", "FHIR: the input cannot be read (no such directory, read error, a file changed after open)") \
    X(fhir_not_read, "E0810", "FHIR: a resource type or element that is not read") \
    X(fhir_not_r4, "E0811", "FHIR: a Bundle or resource that is not FHIR R4 (`meta.fhirVersion`, or an STU3/DSTU2 shape)") \
    X(fhir_unknown_time_zone, "E0812", "FHIR: `time_zone` is not a zone of the system's time-zone database") \
    X(fhir_value_out_of_range, "E0813", "FHIR: an Observation value outside the range its code allows (a PHQ-9 score is 0-27): read as unknown, a warning") \
    X(null_argument, "E0901", "C API: a required pointer argument is NULL") \
    X(bad_argument, "E0902", "C API: an argument is malformed (an as-of date, a format)") \
    X(fhir_out_patient_id, "E1001", "FHIR output: the patient id is not a FHIR id (1-64 of `A-Z a-z 0-9 - .`), so it cannot name `Patient/<id>`; field path `patient_id`") \
    X(fhir_out_care_plan_id, "E1002", "FHIR output: the care plan id is not a FHIR id; field path `care_plan_id`") \
    X(fhir_out_utc_offset, "E1003", "FHIR output: the UTC offset is not `Z`, `+HH:MM` or `-HH:MM` within ±14:00; field path `utc_offset`") \
    X(fhir_out_recorded, "E1004", "FHIR output: `recorded` is not a FHIR instant (`YYYY-MM-DDThh:mm:ss[.fff]` with `Z` or an offset); field path `recorded`") \
    X(never_true, "W0701", "check: a tier rule whose `when` can never be true") \
    X(always_true, "W0702", "check: a tier rule whose `when` is always true") \
    X(shadowed_rule, "W0703", "check: a tier rule with the same `when` as another, shadowed by it") \
    X(unused_fact, "W0704", "check: a fact no rule, flag, program or trigger uses") \
    X(unused_parameter, "W0705", "check: a parameter nothing uses") \
    X(overlap_in_category, "W0706", "check: value-set entries that overlap within one category or flat value set") \
    X(overlap_across_categories, "W0707", "check: value-set entries that overlap between categories of one value set") \
    X(rule_never_matched, "W0708", "check: a tier rule in force that no patient of the population matched") \
    X(default_tier_used, "W0709", "check: patients that matched no tier rule and got the default tier")
// clang-format on

namespace carecoord::codes {

#define CARECOORD_CODE_CONSTANT(NAME, CODE, MEANING) inline constexpr const char* NAME = CODE;
CARECOORD_CODES(CARECOORD_CODE_CONSTANT)
#undef CARECOORD_CODE_CONSTANT

struct CodeInfo {
    std::string_view name;
    std::string_view code;
    std::string_view meaning;
};

#define CARECOORD_CODE_ROW(NAME, CODE, MEANING) CodeInfo{#NAME, CODE, MEANING},
inline constexpr CodeInfo kAll[] = {CARECOORD_CODES(CARECOORD_CODE_ROW)};
#undef CARECOORD_CODE_ROW

inline constexpr std::span<const CodeInfo> all() { return kAll; }

}  // namespace carecoord::codes
