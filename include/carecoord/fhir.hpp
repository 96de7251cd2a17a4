// FHIR R4 input: a Bundle for one patient, or a bulk-data export (NDJSON, one file or more
// per resource type) for a population, mapped into the Patient model. The mapping, field by
// field, and what is ignored are in docs/fhir.md.
//
// Diagnostics name the resource and the element ("Condition/abc-123.clinicalStatus"), the
// export file and line, never a value from the data. A resource that cannot be read or
// mapped is skipped with a warning; the rest of the patient, and the rest of the export,
// are still read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/patient.hpp"

namespace carecoord {

struct FhirOptions {
    // One resource (an NDJSON line) or one Bundle document larger than this is refused.
    std::size_t max_resource_bytes = 16u << 20;
    // Diagnostics kept for one patient, and for the export as a whole; past that, one more
    // diagnostic says how many were not kept.
    std::size_t max_diagnostics = 100;
    // A coverage evidenced only by claims (ExplanationOfBenefit) is in force from its earliest
    // claim until this many months after its latest one (docs/fhir.md).
    int claims_grace_months = 12;
    // The care setting's IANA time zone ("America/New_York"). When set, FHIR dateTimes with an
    // offset ("...T20:00Z") are converted to its clock, through the system's time-zone database;
    // when empty, the clock time is taken as written and the offset ignored. An unknown zone
    // is an error (E0812) before anything is read.
    std::string time_zone;
};

// One patient read from FHIR, with the warnings about what was skipped or not understood.
struct FhirPatient {
    Patient patient;
    std::vector<Diagnostic> diagnostics;
};

// A Bundle (any type: collection, transaction, searchset...) holding exactly one Patient
// and that patient's resources. Errors when the Bundle cannot be read, holds no Patient or
// several, or the Patient has no usable birthDate.
Result<FhirPatient> read_fhir_bundle(std::string_view json, const FhirOptions& options = {});
// The same, the warnings dropped.
Result<Patient> parse_fhir_bundle(std::string_view json, const FhirOptions& options = {});

struct FhirBulkStats {
    std::size_t files = 0;
    std::size_t resources = 0;        // resources (non-blank lines) seen in the first pass
    std::size_t patients = 0;         // Patient resources indexed
    std::size_t index_extents = 0;    // entries in the byte-offset index (see docs/fhir.md)
    std::size_t index_bytes = 0;      // memory held by the index
};

// Streams a bulk-data export directory (`Patient.ndjson`, `Condition.000.ndjson`, ...) one
// patient at a time, in the order the patients first appear (the Patient files are read
// first). open() makes one pass over every file and keeps only byte offsets, grouped by
// patient, sorted in runs that go to a temporary file past 1 MiB; next() merges them back and
// reads one patient's lines. Memory does not grow with the number of resources: about 100
// bytes per patient (its id) plus one patient's resources (docs/fhir.md). Not thread-safe:
// one reader per thread.
class FhirBulkReader {
public:
    static Result<FhirBulkReader> open(const std::string& directory, const FhirOptions& options = {});

    FhirBulkReader(FhirBulkReader&&) noexcept;
    FhirBulkReader& operator=(FhirBulkReader&&) noexcept;
    ~FhirBulkReader();

    // The next patient, or nullopt at the end. A patient that cannot be mapped (its Patient
    // resource is unreadable or has no birthDate) is a Result with errors; the reader goes on.
    std::optional<Result<FhirPatient>> next();

    std::size_t patient_count() const;
    // Problems that belong to no patient: unreadable lines, resources whose patient is not in
    // the export, unsupported resource types, duplicate Patient ids.
    const std::vector<Diagnostic>& export_diagnostics() const;
    FhirBulkStats stats() const;

private:
    struct Impl;
    explicit FhirBulkReader(std::unique_ptr<Impl> impl);
    static Result<FhirBulkReader> open_impl(const std::string& directory, const FhirOptions& options);
    std::unique_ptr<Impl> impl_;
};

}  // namespace carecoord
