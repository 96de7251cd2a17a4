// A determination as FHIR R4 resources, for writing back to the chart (docs/fhir-output.md).
#pragma once

#include <string>

#include "carecoord/determination.hpp"
#include "carecoord/diagnostic.hpp"

namespace carecoord {

// The canonical base of the code systems and extensions carecoord writes:
// <base>/CodeSystem/tier, /program, /eligibility, /trigger, /trigger-status, ...
inline constexpr const char* kFhirCanonicalBase = "https://carecoord.dev/fhir";

struct FhirOutputOptions {
    // The id of the patient's CarePlan in the receiving system; when set, every Task has
    // basedOn CarePlan/<id>. Empty: no basedOn.
    std::string care_plan_id;
    // The care setting's offset from UTC ("Z", "+HH:MM" or "-HH:MM"). Trigger due times
    // are wall-clock times of the care setting; FHIR requires an offset on any dateTime
    // with a time, so without one a Task's restriction.period.end is the due date only
    // (and the note states the local time).
    std::string utc_offset;
    // Provenance.recorded, a FHIR instant ("2026-11-27T08:00:00Z"). Empty: the as-of date
    // at 00:00:00Z, so that the same determination always gives the same text.
    std::string recorded;
};

// A FHIR R4 transaction Bundle for one determination: a RiskAssessment for the tier (with
// the rules that fired), an Observation per program (its eligibility), a Task per trigger
// due, and a Provenance naming the engine and every ruleset id, version and sha256.
// Byte-identical for the same determination and options. Errors (nothing written):
// E1001 the patient id is not a FHIR id, E1002 care_plan_id is not a FHIR id, E1003
// utc_offset is malformed, E1004 recorded is not a FHIR instant.
Result<std::string> to_fhir(const Determination& determination, const FhirOutputOptions& options = {});

}  // namespace carecoord
