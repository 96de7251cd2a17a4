// The patient schema, written once. Every other description of the patient document is
// derived from these rows: the decoder's dispatch (src/model/patient_decoder.hpp), the
// builder's set_field (src/model/patient_builder.cpp), the fields rules can read and their
// missing-data bits (src/rules/fields.cpp), the evaluator's field reads
// (src/engine/evaluator.cpp), and the tests that hold docs/patient-schema.md and the list in
// capi/carecoord.h against it (tests/cpp/model/schema_docs_test.cpp).
//
// Adding a field is one row here, its member in include/carecoord/patient.hpp and its line
// in docs/patient-schema.md; a cross-field rule (an end before its start) goes in
// check_record() in patient_decoder.hpp, an as-of rule in model/as_of.hpp.
//
// A row is X(RECORD, RULE_ID, "name", member, KIND, TYPE, ABSENCE, AS_OF, SET) for a field
// that rules can read (RULE_ID names it in rules::Field), or N(RECORD, "name", member, KIND,
// TYPE, ABSENCE, AS_OF, SET) for one they cannot. Rows are in document order, which is the
// order the decoder lists allowed fields in; the records are in the order of
// CARECOORD_RULE_RECORDS below, which is the order missing data is reported in.
//
//   KIND     text | code | system (a coding-system word) | date | datetime | boolean |
//            enumeration | number | whole_number | list | object
//   TYPE     the enum for enumeration, the item record for list and object, the range for
//            whole_number, void otherwise
//   ABSENCE  what an absent or null field means: required (an error, E0205), defaulted
//            (the member's default value), unknown (not recorded: rules that need it report
//            it as missing data, so it gets a missing-data bit), not_happened (the end of
//            something: alive, open-ended, still there), none (not recorded, and rules read
//            it as none rather than unknown)
//   AS_OF    always | until_as_of (a date after the as-of date has not happened yet) |
//            open_since (a decision opened after the as-of date was not open) |
//            active_until_abated (a condition abated after the as-of date was active) |
//            after_discharge (no disposition before the discharge has happened);
//            the rules themselves live in model/as_of.hpp
//   SET      set: carecoord_patient_set_field() sets it by path; add: only the add
//            function of its list item (or carecoord_patient_new) sets it
#pragma once

#include <cstdint>
#include <string_view>

namespace carecoord::model {

enum class Kind : std::uint8_t {
    text, code, system, date, datetime, boolean, enumeration, number, whole_number, list, object
};
enum class Absence : std::uint8_t { required, defaulted, unknown, not_happened, none };
enum class AsOf : std::uint8_t { always, until_as_of, open_since, active_until_abated, after_discharge };
enum class Settable : std::uint8_t { set, add };

// The range of a whole-number field.
template <std::int64_t Lo, std::int64_t Hi>
struct Range {
    static constexpr std::int64_t lo = Lo;
    static constexpr std::int64_t hi = Hi;
};
// Longest accepted expected_stay_days: 100 years.
using StayDays = Range<0, 36500>;

// carecoord's observation codes: one row per code, its short name (system "carecoord") and
// the LOINC codes a FHIR Observation carries for it, and the range of `observations[].value`
// for it. The decoder defaults a short name's system from this table, the FHIR mapper names
// LOINC codes by it, and both hold values to its ranges: a document or the C builder giving a
// value outside is an error (E0211, field path observations[i].value); the FHIR mapper reads
// such a value as unknown, with a warning (E0813): docs/patient-schema.md#value-ranges.
// Only bounds with a source: a code without a row (any other LOINC code) has no bound but
// that its value is finite.
struct ObservationRange {
    std::string_view short_code;  // system "carecoord"
    std::string_view loinc;       // system "loinc"
    double lo;
    double hi;
    bool whole;                   // whole numbers only
    std::string_view words;       // the range in words, for messages (never the value)
};
inline constexpr double kNoUpperBound = 1.0e300;
inline constexpr ObservationRange kObservationRanges[] = {
    // PHQ-9 total score: its scale is 0-27 (Kroenke, Spitzer, Williams 2001; docs/sources.md §7).
    {"phq9", "44261-6", 0, 27, true, "a PHQ-9 total score is a whole number from 0 to 27"},
    // Not negative by definition (a mass over a squared height, a mass or an amount of
    // substance per volume); no upper bound has a source here.
    {"bmi", "39156-5", 0, kNoUpperBound, false, "a body mass index is not negative"},
    {"hemoglobin", "718-7", 0, kNoUpperBound, false, "a hemoglobin concentration is not negative"},
    {"sodium", "2951-2", 0, kNoUpperBound, false, "a sodium concentration is not negative"},
    {"sodium", "2947-0", 0, kNoUpperBound, false, "a sodium concentration is not negative"},
};

// Whether `code` is one of carecoord's short observation names (system "carecoord").
constexpr bool is_short_observation_code(std::string_view code) {
    for (const auto& r : kObservationRanges)
        if (code == r.short_code) return true;
    return false;
}

// The short name of a LOINC code; empty when carecoord has none for it.
constexpr std::string_view short_observation_name(std::string_view loinc) {
    for (const auto& r : kObservationRanges)
        if (loinc == r.loinc) return r.short_code;
    return {};
}

// The range of an observation's value, by its code and system; null: no bound.
constexpr const ObservationRange* observation_range(std::string_view code, std::string_view system) {
    for (const auto& r : kObservationRanges)
        if ((system == "carecoord" && code == r.short_code) || (system == "loinc" && code == r.loinc)) return &r;
    return nullptr;
}

// Whether `value` is within `r`.
constexpr bool in_range(const ObservationRange& r, double value) {
    if (!(value >= r.lo && value <= r.hi)) return false;  // NaN is outside
    if (r.whole && static_cast<double>(static_cast<long long>(value)) != value) return false;
    return true;
}

}  // namespace carecoord::model

// Document path prefix of each record's fields, and the object name rules use for the
// fields of a patient-level object ("social" in `social.food_insecurity`).
#define CARECOORD_PREFIX_Patient ""
#define CARECOORD_PREFIX_Language "language."
#define CARECOORD_PREFIX_Social "social."
#define CARECOORD_PREFIX_LtcPlacement "ltc_placement."
#define CARECOORD_PREFIX_CarePlan "care_plan."
#define CARECOORD_PREFIX_Coverage "coverage[]."
#define CARECOORD_PREFIX_Condition "conditions[]."
#define CARECOORD_PREFIX_Encounter "encounters[]."
#define CARECOORD_PREFIX_CareTeamMember "care_team[]."
#define CARECOORD_PREFIX_Medication "medications[]."
#define CARECOORD_PREFIX_MedicationEvent "medications[].events[]."
#define CARECOORD_PREFIX_Observation "observations[]."

#define CARECOORD_OBJECT_Patient ""
#define CARECOORD_OBJECT_Language "language"
#define CARECOORD_OBJECT_Social "social"
#define CARECOORD_OBJECT_LtcPlacement "ltc_placement"
#define CARECOORD_OBJECT_CarePlan "care_plan"
#define CARECOORD_OBJECT_Coverage ""
#define CARECOORD_OBJECT_Condition ""
#define CARECOORD_OBJECT_Encounter ""
#define CARECOORD_OBJECT_CareTeamMember ""
#define CARECOORD_OBJECT_Medication ""
#define CARECOORD_OBJECT_MedicationEvent ""
#define CARECOORD_OBJECT_Observation ""

// clang-format off
#define CARECOORD_FIELDS_Patient(X, N) \
    X(Patient, id, "id", id, text, void, required, always, set) \
    X(Patient, birth_date, "birth_date", birth_date, date, void, required, always, set) \
    X(Patient, sex, "sex", sex, enumeration, Sex, defaulted, always, set) \
    X(Patient, deceased, "deceased", deceased, date, void, not_happened, until_as_of, set) \
    N(Patient, "language", language, object, Language, defaulted, always, add) \
    N(Patient, "coverage", coverage, list, Coverage, defaulted, always, add) \
    N(Patient, "conditions", conditions, list, Condition, defaulted, always, add) \
    N(Patient, "encounters", encounters, list, Encounter, defaulted, always, add) \
    N(Patient, "care_team", care_team, list, CareTeamMember, defaulted, always, add) \
    N(Patient, "medications", medications, list, Medication, defaulted, always, add) \
    N(Patient, "observations", observations, list, Observation, defaulted, always, add) \
    N(Patient, "social", social, object, Social, defaulted, always, add) \
    N(Patient, "ltc_placement", ltc_placement, object, LtcPlacement, defaulted, always, add) \
    N(Patient, "care_plan", care_plan, object, CarePlan, defaulted, always, add)

#define CARECOORD_FIELDS_Language(X, N) \
    X(Language, lang_preferred, "preferred", preferred, text, void, unknown, always, set) \
    X(Language, lang_interpreter, "interpreter_needed", interpreter_needed, boolean, void, unknown, always, set) \
    X(Language, lang_proficiency, "english_proficiency", english_proficiency, enumeration, EnglishProficiency, unknown, always, set)

#define CARECOORD_FIELDS_Coverage(X, N) \
    X(Coverage, cov_payer, "payer", payer, enumeration, Payer, required, always, add) \
    X(Coverage, cov_plan, "plan", plan, text, void, defaulted, always, add) \
    X(Coverage, cov_snp, "snp", snp, enumeration, SnpType, defaulted, always, set) \
    X(Coverage, cov_dual, "medicaid_dual", medicaid_dual, enumeration, MedicaidDual, defaulted, always, set) \
    X(Coverage, cov_start, "start", start, date, void, unknown, always, add) \
    X(Coverage, cov_end, "end", end, date, void, not_happened, until_as_of, add)

#define CARECOORD_FIELDS_Condition(X, N) \
    X(Condition, cond_code, "code", code, code, void, required, always, add) \
    N(Condition, "system", system, system, void, defaulted, always, add) \
    X(Condition, cond_onset, "onset", onset, date, void, unknown, always, add) \
    X(Condition, cond_recorded, "recorded", recorded, date, void, unknown, always, set) \
    X(Condition, cond_abatement, "abatement", abatement, date, void, not_happened, until_as_of, add) \
    X(Condition, cond_status, "status", status, enumeration, ConditionStatus, defaulted, active_until_abated, add)

#define CARECOORD_FIELDS_Encounter(X, N) \
    X(Encounter, enc_id, "id", id, text, void, defaulted, always, set) \
    X(Encounter, enc_class, "class", encounter_class, enumeration, EncounterClass, required, always, add) \
    X(Encounter, enc_admit, "admit", admit, datetime, void, unknown, always, add) \
    X(Encounter, enc_discharge, "discharge", discharge, datetime, void, not_happened, until_as_of, add) \
    X(Encounter, enc_emergent, "emergent", emergent, boolean, void, unknown, always, set) \
    X(Encounter, enc_planned, "planned", planned, boolean, void, unknown, always, set) \
    X(Encounter, enc_disposition, "disposition", disposition, enumeration, Disposition, unknown, after_discharge, set) \
    X(Encounter, enc_diagnosis, "diagnosis", diagnosis, code, void, none, always, set) \
    N(Encounter, "diagnosis_system", diagnosis_system, system, void, defaulted, always, set) \
    X(Encounter, enc_complexity, "complexity", complexity, enumeration, Complexity, unknown, always, set)

#define CARECOORD_FIELDS_CareTeamMember(X, N) \
    X(CareTeamMember, team_role, "role", role, enumeration, CareRole, required, always, add) \
    X(CareTeamMember, team_specialty, "specialty", specialty, text, void, defaulted, always, add)

#define CARECOORD_FIELDS_Medication(X, N) \
    X(Medication, med_code, "code", code, code, void, required, always, add) \
    N(Medication, "system", system, system, void, defaulted, always, add) \
    X(Medication, med_name, "name", name, text, void, defaulted, always, add) \
    X(Medication, med_status, "status", status, enumeration, MedicationStatus, defaulted, always, add) \
    X(Medication, med_events, "events", events, list, MedicationEvent, defaulted, always, add)

#define CARECOORD_FIELDS_MedicationEvent(X, N) \
    X(MedicationEvent, ev_type, "type", type, enumeration, MedicationEventType, required, always, add) \
    X(MedicationEvent, ev_date, "date", date, date, void, required, always, add)

#define CARECOORD_FIELDS_Observation(X, N) \
    X(Observation, obs_code, "code", code, code, void, required, always, add) \
    N(Observation, "system", system, system, void, defaulted, always, add) \
    X(Observation, obs_date, "date", date, date, void, required, always, add) \
    X(Observation, obs_value, "value", value, number, void, unknown, always, add)

#define CARECOORD_FIELDS_Social(X, N) \
    X(Social, soc_housing, "housing_instability", housing_instability, boolean, void, unknown, always, set) \
    X(Social, soc_food, "food_insecurity", food_insecurity, boolean, void, unknown, always, set) \
    X(Social, soc_transport, "transportation_insecurity", transportation_insecurity, boolean, void, unknown, always, set) \
    X(Social, soc_support, "social_support", social_support, enumeration, SocialSupport, unknown, always, set) \
    X(Social, soc_literacy, "health_literacy", health_literacy, enumeration, HealthLiteracy, unknown, always, set)

#define CARECOORD_FIELDS_LtcPlacement(X, N) \
    X(LtcPlacement, ltc_open, "decision_open", decision_open, boolean, void, unknown, open_since, set) \
    X(LtcPlacement, ltc_since, "since", since, date, void, none, until_as_of, set) \
    X(LtcPlacement, ltc_stay_days, "expected_stay_days", expected_stay_days, whole_number, model::StayDays, unknown, always, set) \
    X(LtcPlacement, ltc_assessed, "assessed", assessed, date, void, none, until_as_of, set)

#define CARECOORD_FIELDS_CarePlan(X, N) \
    X(CarePlan, cp_state, "state", state, enumeration, CarePlanState, none, always, set) \
    X(CarePlan, cp_enrolled, "enrolled", enrolled, date, void, none, until_as_of, set) \
    X(CarePlan, cp_assessment, "last_comprehensive_assessment", last_comprehensive_assessment, date, void, none, until_as_of, set) \
    X(CarePlan, cp_hra, "last_hra", last_hra, date, void, none, until_as_of, set) \
    N(CarePlan, "tier", tier, text, void, none, always, set) \
    X(CarePlan, cp_snp_enrolled, "snp_enrolled", snp_enrolled, date, void, none, until_as_of, set)

// Every record, in the order rules::field_table() lists their fields (and so the order in
// which missing data is reported): the patient's own fields and objects first, then the
// list items. R(RECORD, COLLECTION) where COLLECTION is the rules::Coll a list item's
// fields are read through (none for patient-level records).
#define CARECOORD_RULE_RECORDS(R) \
    R(Patient, none) \
    R(Language, none) \
    R(Social, none) \
    R(LtcPlacement, none) \
    R(CarePlan, none) \
    R(Coverage, coverage) \
    R(Condition, conditions) \
    R(Encounter, encounters) \
    R(CareTeamMember, care_team) \
    R(Medication, medications) \
    R(MedicationEvent, med_events) \
    R(Observation, observations)
// clang-format on
