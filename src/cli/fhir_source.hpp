// FHIR input for `carecoord eval --input-format fhir-bundle|fhir-bulk`: a source of patients
// already decoded from FHIR, read in chunks like the patient-document reader in eval.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/fhir.hpp"
#include "carecoord/patient.hpp"
#include "cli/records.hpp"

namespace carecoord::cli {

struct FhirRecord {
    std::string source;       // the Bundle file, or "<export directory>#<n>" (n-th patient)
    Result<Patient> patient;  // the patient, or why it could not be mapped
};

class FhirSource {
public:
    // format "fhir-bundle": each input is a Bundle (.json) or a directory of them.
    // format "fhir-bulk": each input is a bulk-export directory (or one .ndjson file).
    FhirSource(std::string format, std::vector<std::string> inputs, FhirOptions options = {});
    ~FhirSource();

    // Fills up to `max` patients; false when nothing is left. Warnings (resources skipped,
    // codes not known) are written to standard error as they come; problems that stop an
    // input go to `errors`.
    bool next_chunk(std::vector<FhirRecord>& out, std::size_t max, std::vector<Diagnostic>& errors);

private:
    std::string format_;
    std::vector<std::string> inputs_;
    FhirOptions options_;
    std::size_t next_input_ = 0;
    std::string current_;
    std::size_t patient_no_ = 0;
    std::optional<FhirBulkReader> bulk_;
};

// The FHIR source as the record reader that run_batch() takes: records already decoded.
class FhirRecordReader {
public:
    FhirRecordReader(std::string format, std::vector<std::string> inputs, FhirOptions options = {})
        : source_(std::move(format), std::move(inputs), std::move(options)) {}
    bool next_chunk(std::vector<Record>& out, std::size_t max, std::vector<Diagnostic>& errors) {
        const bool more = source_.next_chunk(chunk_, max, errors);
        out.clear();
        for (auto& f : chunk_) out.push_back(Record{std::move(f.source), {}, DocumentFormat::json, std::move(f.patient)});
        return more;
    }

private:
    FhirSource source_;
    std::vector<FhirRecord> chunk_;
};

}  // namespace carecoord::cli
