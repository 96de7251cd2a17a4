// FHIR R4 resources -> the Patient model, one patient at a time. Internal to src/fhir/: the
// Bundle reader and the bulk reader both feed parsed resources to a PatientAssembler.
// docs/fhir.md documents the mapping.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "carecoord/fhir.hpp"
#include "util/codes.hpp"

namespace date {
class time_zone;
}

namespace carecoord::fhir {

using Element = simdjson::dom::element;

// Where a resource came from: an NDJSON file and line, or a Bundle entry.
struct Origin {
    std::string_view file;  // empty for a Bundle given as text
    int line = 0;           // NDJSON line (1-based); 0 in a Bundle
    int entry = -1;         // Bundle entry index; -1 in NDJSON
};

// The string member `key` of an object, or empty (absent, null, not a string, not an object).
std::string_view string_member(Element e, std::string_view key);

// A FHIR id ([A-Za-z0-9-.]{1,64}). Only valid ids are named in diagnostics.
bool is_fhir_id(std::string_view s);

// The one validity rule for a Patient's id, in a Bundle and in a bulk export: an error
// (E0802) naming `label`.id when the id is absent or not a FHIR id; nothing when it is valid.
std::optional<Diagnostic> patient_id_problem(std::string_view id, const Origin& origin, std::string_view label);

// An error (E0811) when `resource` is not FHIR R4 (4.0.x; R4B 4.3.x passes): meta.fhirVersion
// names another version, or the resource has a shape R4 does not have (a plain-string
// Condition.clinicalStatus or verificationStatus of STU3/DSTU2, STU3's `context` where R4 has
// `encounter`, DSTU2's `patient` where R4 has `subject`, DSTU2's plain-string Encounter.class). Nothing when it reads as R4.
std::optional<Diagnostic> version_problem(Element resource, const Origin& origin);

// A resource type name (letters only, starting with a capital). Only such names are named
// in diagnostics.
bool is_type_name(std::string_view s);

// "Condition/abc" for a valid id, "Condition (line 12)" or "Condition (entry 3)" otherwise.
std::string resource_label(std::string_view type, std::string_view id, const Origin& origin);

// The id a reference points to, when it names a resource of `type`: "Patient/1",
// "http://host/fhir/Patient/1", "Patient/1/_history/2", "urn:uuid:1" (any type). Empty
// when the reference is to another type or cannot be read.
std::string_view reference_id(std::string_view reference, std::string_view type);

// The patient a resource belongs to: subject, patient or beneficiary (Coverage) reference.
// Empty when there is none.
std::string_view patient_reference(Element resource);

// The IANA zone FhirOptions::time_zone names: nullptr when the option is empty; an error
// (E0812) when no such zone is in the system's time-zone database.
Result<const date::time_zone*> care_setting_zone(const FhirOptions& options);

// The resource types the mapping reads that belong to one patient (besides Patient;
// Medication, which belongs to none, is read when a MedicationRequest names it).
bool is_mapped_type(std::string_view type);

// A Diagnostic for the export or a patient: file and line from the origin, the field path
// "<resource label>.<element>".
Diagnostic make_diagnostic(const char* code, Severity severity, const Origin& origin, std::string_view label,
                           std::string_view element, std::string message);

// Keeps at most `max` diagnostics, then one that says how many more were dropped.
class DiagnosticSink {
public:
    explicit DiagnosticSink(std::size_t max) : max_(max) {}
    void add(Diagnostic d);
    bool has_errors() const { return errors_ > 0; }
    std::vector<Diagnostic> take();
    const std::vector<Diagnostic>& list() const { return list_; }

private:
    std::size_t max_;
    std::size_t dropped_ = 0;
    std::size_t errors_ = 0;
    std::vector<Diagnostic> list_;
};

// Builds one Patient from its resources, in any order.
class PatientAssembler {
public:
    explicit PatientAssembler(const FhirOptions& options);

    // One parsed resource of this patient (the Patient itself or one that refers to it).
    void add(Element resource, const Origin& origin);
    // A diagnostic about this patient that the caller found (unreadable line, limit).
    void report(Diagnostic d) { sink_.add(std::move(d)); }

    // The ids of the separate Medication resources the requests refer to that are not in yet
    // (the bulk reader looks them up and adds them before finish()).
    std::vector<std::string> wanted_medications() const;

    // Resolves references between the resources, merges medication requests, and returns
    // the patient with its warnings, or errors when there was no usable Patient resource.
    Result<FhirPatient> finish();

private:
    void add_patient(Element r, const Origin& o, std::string_view label);
    void add_condition(Element r, const Origin& o, std::string_view label);
    void add_encounter(Element r, const Origin& o, std::string_view label);
    void add_observation(Element r, const Origin& o, std::string_view label);
    void add_coverage(Element r, const Origin& o, std::string_view label);
    void add_medication_request(Element r, const Origin& o, std::string_view label);
    void add_medication(Element r, const Origin& o, std::string_view label);
    void add_claim(Element r, const Origin& o, std::string_view label);
    // Coverage.type (or a contained Coverage) -> c.payer; false when nothing maps (warned).
    bool map_coverage(Element r, Coverage& c, const Origin& o, std::string_view label, std::string_view element);

    // A dateTime as the care setting's clock reads it: with FhirOptions::time_zone, a time with
    // an offset is converted to that zone; without it, the clock time as written.
    std::optional<DateTime> datetime(std::string_view s) const;
    std::optional<Date> date_of_text(std::string_view s) const;

    // The date in `parent[key]`: absent -> none; unreadable -> none and a warning at `element`.
    std::optional<Date> date_field(Element parent, std::string_view key, std::string_view element, const Origin& o,
                                   std::string_view label);
    // A Reference to a Condition or Encounter of this patient, checked (and, for a diagnosis,
    // used) once every resource is in.
    void expect(Element reference, std::string_view type, std::string_view label, std::string element,
                const Origin& o, std::size_t encounter = static_cast<std::size_t>(-1));

    void warn(const char* code, const Origin& o, std::string_view label, std::string_view element,
              std::string message);
    // Sets a patient field by its document path through the schema (model::set_field),
    // checked as a document's value is; a value it refuses is reported, never dropped.
    void set_field(std::string_view path, std::string_view text);

    FhirOptions options_;
    const date::time_zone* zone_ = nullptr;
    DiagnosticSink sink_;
    Patient patient_;
    bool have_patient_ = false;
    bool birth_ok_ = false;
    bool deceased_unknown_date_ = false;
    Origin patient_origin_;
    std::string patient_label_;

    struct ConditionRef {
        std::string code, system;
        std::vector<AlsoCoded> also_coded;
    };
    std::unordered_map<std::string, std::size_t> coverage_index_;     // Coverage id -> coverage[i]
    // Coverage evidenced by a claim (ExplanationOfBenefit.insurance[].coverage).
    struct ClaimCoverage {
        std::string coverage_id;  // a separate Coverage resource, or empty
        Coverage coverage;        // from a contained Coverage (coverage_id empty)
        bool contained_known = false;
        Date date{};              // the claim's billablePeriod.start, else created
        std::string label, element, file;
        Origin origin;
    };
    std::vector<ClaimCoverage> claims_;
    struct MedicationCode {
        std::string system, code, name;
        std::vector<AlsoCoded> also_coded;
        std::string label, file;
        Origin origin;
        bool named = false;  // a request of this patient names it
    };
    std::unordered_map<std::string, MedicationCode> medication_codes_;  // Medication id -> its code
    std::unordered_map<std::string, ConditionRef> condition_codes_;   // Condition id -> its code
    std::unordered_map<std::string, std::size_t> encounter_index_;    // Encounter id -> encounters[i]
    struct PendingRef {
        std::string target;  // id of the referenced resource
        std::string label;   // the referring resource
        std::string element;
        Origin origin;
        std::string file;    // owns origin.file
        std::size_t encounter = static_cast<std::size_t>(-1);  // encounters[i] to fill
        bool condition = true;  // target type: Condition (else Encounter)
    };
    std::vector<PendingRef> pending_;
    struct Answer {
        std::string_view field;  // the Social field's document path
        Date date{};
        bool value = false;
    };
    std::vector<Answer> social_answers_;
    struct MedRow {
        std::string system, code, name;
        std::vector<AlsoCoded> also_coded;
        std::string medication_ref;  // a separate Medication, resolved in finish()
        std::string label, file;
        Origin origin;
        MedicationStatus status = MedicationStatus::active;
        std::optional<Date> authored;
    };
    std::vector<MedRow> med_rows_;
};

}  // namespace carecoord::fhir
