// The patient model: one patient's data as the rules see it.
//
// Field names follow the patient document (docs/patient-schema.md). Optional fields use
// std::optional: for most of them an empty optional means "not recorded" (unknown to the
// rules); for end-like dates (coverage end, condition abatement, encounter discharge) it
// means "has not happened". docs/patient-schema.md says which, field by field.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/diagnostic.hpp"

namespace carecoord {

// A calendar date.
using Date = std::chrono::sys_days;
// A wall-clock time in the care setting, to the minute. Times carry no UTC offset: a
// time without an offset is local to the setting where it was recorded, and hour
// arithmetic (72 hours after discharge) is done on that local clock.
using DateTime = std::chrono::sys_time<std::chrono::minutes>;

enum class Sex : std::uint8_t { female, male, other, unknown };
enum class EnglishProficiency : std::uint8_t { very_well, well, not_well, not_at_all };
enum class Payer : std::uint8_t { medicare_ffs, medicare_advantage, medicaid, commercial, other, uninsured };
enum class SnpType : std::uint8_t { none, chronic, dual, institutional };
enum class MedicaidDual : std::uint8_t { none, partial, full };
enum class ConditionStatus : std::uint8_t { active, recurrence, relapse, inactive, remission, resolved };
enum class EncounterClass : std::uint8_t {
    inpatient, inpatient_psych, observation, emergency, snf, irf, ltch,
    nursing_facility, home_health, ambulatory, virtual_visit /* "virtual" */, partial_hospitalization
};
enum class Disposition : std::uint8_t {
    home, home_health, assisted_living, nursing_facility, snf, irf, ltch, hospice,
    acute_transfer, ama, expired, other
};
enum class Complexity : std::uint8_t { low, moderate, high };
enum class CareRole : std::uint8_t { pcp, specialist, behavioral, case_manager, other };
enum class MedicationStatus : std::uint8_t { active, on_hold, stopped, completed, unknown };
enum class MedicationEventType : std::uint8_t { started, changed, failed, stopped, adverse_reaction };
enum class SocialSupport : std::uint8_t { reliable, limited, none };
enum class HealthLiteracy : std::uint8_t { adequate, marginal, limited };
enum class CarePlanState : std::uint8_t {
    identified, assessed, planned, active, monitoring, reassessment_due, in_transition, closed
};

struct Language {
    std::optional<std::string> preferred;      // BCP-47 tag, e.g. "es"
    std::optional<bool> interpreter_needed;
    std::optional<EnglishProficiency> english_proficiency;
};

struct Coverage {
    Payer payer = Payer::other;
    std::string plan;
    SnpType snp = SnpType::none;
    MedicaidDual medicaid_dual = MedicaidDual::none;
    std::optional<Date> start;  // empty: not recorded
    std::optional<Date> end;    // empty: open-ended
};

// A further coding of the same concept (FHIR: every coding of a CodeableConcept after the one
// in code/system). A value-set test matches when the code or any of these does.
struct AlsoCoded {
    std::string system;
    std::string code;
};

struct Condition {
    std::string code;                 // always a string: "010" stays "010"
    std::string system = "icd10cm";  // icd10cm | snomed | other system names
    std::vector<AlsoCoded> also_coded;
    // The display of the coding the code came from, as the source recorded it (FHIR input:
    // `Condition.code.coding[].display`); empty otherwise. Only `explain` shows it, and only
    // when no value set in force gives the code a display. Not a patient-document field.
    std::string display;
    std::optional<Date> onset;
    std::optional<Date> recorded;
    std::optional<Date> abatement;    // empty: not abated
    ConditionStatus status = ConditionStatus::active;
};

struct Encounter {
    std::string id;
    EncounterClass encounter_class = EncounterClass::ambulatory;  // document key "class"
    std::optional<DateTime> admit;
    std::optional<DateTime> discharge;  // empty: not discharged (still there)
    std::optional<bool> emergent;
    std::optional<bool> planned;
    std::optional<Disposition> disposition;
    std::optional<Complexity> complexity;  // medical decision making at discharge (TCM 99495/99496)
    std::string diagnosis;                 // principal diagnosis code; empty when not recorded
    std::string diagnosis_system = "icd10cm";
    std::vector<AlsoCoded> diagnosis_also_coded;
};

struct CareTeamMember {
    CareRole role = CareRole::other;
    std::string specialty;
};

struct MedicationEvent {
    MedicationEventType type = MedicationEventType::started;
    Date date{};
};

struct Medication {
    std::string code;
    std::string system = "rxnorm";
    std::vector<AlsoCoded> also_coded;
    std::string name;
    MedicationStatus status = MedicationStatus::active;
    std::vector<MedicationEvent> events;
};

struct Observation {
    std::string code;  // phq9 | bmi | hemoglobin | sodium, or a LOINC code
    std::string system = "carecoord";  // "carecoord" for the short names, else "loinc"
    std::vector<AlsoCoded> also_coded;
    Date date{};
    std::optional<double> value;
};

struct Social {
    std::optional<bool> housing_instability;
    std::optional<bool> food_insecurity;
    std::optional<bool> transportation_insecurity;
    std::optional<SocialSupport> social_support;
    std::optional<HealthLiteracy> health_literacy;
};

struct LtcPlacement {
    std::optional<bool> decision_open;
    std::optional<Date> since;
    // An assessed expected stay in an institution (I-SNP "expected to reside 90 days or longer").
    std::optional<int> expected_stay_days;
    std::optional<Date> assessed;
};

struct CarePlan {
    std::optional<CarePlanState> state;
    std::optional<Date> enrolled;
    std::optional<Date> last_comprehensive_assessment;
    std::optional<Date> last_hra;
    std::optional<std::string> tier;  // tier assigned at the last review, for tier-change triggers
    std::optional<Date> snp_enrolled;
};

struct Patient {
    std::string id;
    Date birth_date{};
    Sex sex = Sex::unknown;
    std::optional<Date> deceased;
    Language language;
    std::vector<Coverage> coverage;
    std::vector<Condition> conditions;
    std::vector<Encounter> encounters;
    std::vector<CareTeamMember> care_team;
    std::vector<Medication> medications;
    std::vector<Observation> observations;
    Social social;
    LtcPlacement ltc_placement;
    CarePlan care_plan;
};

enum class DocumentFormat { json, yaml };

// Limits on patient documents; defaults are documented in docs/patient-schema.md.
struct PatientLimits {
    std::size_t max_document_bytes = 4u << 20;
    std::size_t max_list_length = 10000;
    std::size_t max_string_length = 4096;
    std::size_t max_depth = 32;
};

// Decode one patient document. Errors name the field path (conditions[3].onset), never
// a value from the document.
Result<Patient> parse_patient(std::string_view text, DocumentFormat format,
                              const PatientLimits& limits = {});
Result<Patient> parse_patient_json(std::string_view text, const PatientLimits& limits = {});
Result<Patient> parse_patient_yaml(std::string_view text, const PatientLimits& limits = {});

// Names used in documents and determinations ("medicare_advantage", "inpatient_psych"...).
std::string_view to_string(Payer);
std::string_view to_string(EncounterClass);
std::string_view to_string(CarePlanState);

}  // namespace carecoord
