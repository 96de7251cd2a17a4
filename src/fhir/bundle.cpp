// A FHIR Bundle holding one patient's resources -> Patient.
#include <map>
#include <string>

#include "carecoord/fhir.hpp"
#include "fhir/mapper.hpp"
#include "util/diagnostics.hpp"
#include "util/text.hpp"

namespace carecoord {

using fhir::Element;
using fhir::Origin;

namespace {

Diagnostic bundle_error(const char* c, std::string message) {
    return fhir::make_diagnostic(c, Severity::error, Origin{}, "", "", std::move(message));
}

}  // namespace

Result<FhirPatient> read_fhir_bundle(std::string_view json, const FhirOptions& options) {
    json = util::strip_bom(json);
    if (json.size() > options.max_resource_bytes)
        return bundle_error(codes::fhir_limit, "the Bundle is larger than the limit max_resource_bytes (" +
                                             std::to_string(options.max_resource_bytes) + " bytes)");
    if (auto zone = fhir::care_setting_zone(options); !zone.ok()) return zone.diagnostics();
    // One parser per thread: its buffers grow to the largest document seen and are reused.
    thread_local simdjson::dom::parser parser;
    Element root;
    if (auto err = parser.parse(json.data(), json.size(), true).get(root)) {
        if (err == simdjson::MEMALLOC) {
            // simdjson keeps the capacity it failed to allocate: the next parse on this thread
            // would use buffers that do not exist. A fresh parser, and out of memory (E0001),
            // not a syntax error.
            parser = simdjson::dom::parser{};
            return util::make(codes::out_of_memory, "out of memory while parsing the Bundle").build();
        }
        return bundle_error(codes::fhir_not_json, std::string("JSON syntax error: ") + simdjson::error_message(err));
    }

    std::string_view root_type;
    root_type = fhir::string_member(root, "resourceType");
    // The entries that hold a resource (an object with a resourceType); the others are
    // reported below, never dereferenced.
    struct Entry {
        Element resource;
        std::string_view full_url;
        bool ok = false;
    };
    std::vector<Entry> entries;
    if (root_type == "Bundle") {
        if (auto problem = fhir::version_problem(root, Origin{})) return *problem;
        simdjson::dom::array list;
        if (root["entry"].get_array().get(list) == simdjson::SUCCESS)
            for (Element entry : list) {
                Entry e;
                if (entry.is_object()) {
                    e.full_url = fhir::string_member(entry, "fullUrl");
                    e.ok = entry["resource"].get(e.resource) == simdjson::SUCCESS && e.resource.is_object();
                }
                entries.push_back(e);
            }
    } else if (root_type == "Patient") {
        entries.push_back(Entry{root, {}, true});  // a lone Patient resource
    } else {
        return bundle_error(codes::fhir_not_json, "not a FHIR Bundle (resourceType must be Bundle)");
    }

    // A resource that is not R4 refuses the whole Bundle: nothing is evaluated from it.
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (entries[i].ok)
            if (auto problem = fhir::version_problem(entries[i].resource, Origin{{}, 0, static_cast<int>(i)})) return *problem;

    // The one Patient: the other resources refer to its id, or to its entry's fullUrl.
    std::string_view patient_id, patient_url_id;
    std::size_t patients = 0;
    for (const auto& e : entries) {
        if (e.ok && fhir::string_member(e.resource, "resourceType") == "Patient") {
            ++patients;
            patient_id = fhir::string_member(e.resource, "id");
            patient_url_id = fhir::reference_id(e.full_url, "Patient");
        }
    }
    if (patients == 0) return bundle_error(codes::fhir_no_patient, "the Bundle holds no Patient resource");
    if (patients > 1)
        return bundle_error(codes::fhir_duplicate_resource,
                            "the Bundle holds " + std::to_string(patients) +
                                " Patient resources; one Bundle is one patient (use a bulk export for a population)");

    fhir::PatientAssembler assembler(options);
    std::map<std::string, std::size_t> not_read;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Origin origin{{}, 0, static_cast<int>(i)};
        const std::string entry_label = "entry[" + std::to_string(i) + "]";
        if (!entries[i].ok) {
            assembler.report(fhir::make_diagnostic(codes::fhir_not_json, Severity::warning, origin, entry_label, "resource",
                                                   "no resource (absent, null or not an object): skipped"));
            continue;
        }
        const Element r = entries[i].resource;
        const std::string_view type = fhir::string_member(r, "resourceType");
        if (type.empty()) {
            assembler.report(fhir::make_diagnostic(codes::fhir_not_json, Severity::warning, origin, entry_label, "resource",
                                                   "not a resource (no resourceType): skipped"));
            continue;
        }
        const std::string_view id = fhir::string_member(r, "id");
        if (type == "Patient" || type == "Medication") {
            // Medication belongs to no patient: a MedicationRequest of this Bundle may name it.
            assembler.add(r, origin);
            continue;
        }
        if (!fhir::is_mapped_type(type)) {
            ++not_read[fhir::is_type_name(type) ? std::string(type) : std::string("(unnamed type)")];
            continue;
        }
        const std::string_view ref = fhir::patient_reference(r);
        if (ref.empty() || (ref != patient_id && ref != patient_url_id)) {
            assembler.report(fhir::make_diagnostic(
                ref.empty() ? codes::fhir_required_element : codes::fhir_no_patient, Severity::warning, origin,
                fhir::resource_label(type, id, origin), "subject",
                ref.empty() ? "no reference to the patient: skipped" : "refers to a patient that is not this Bundle's Patient: skipped"));
            continue;
        }
        assembler.add(r, origin);
    }
    for (const auto& [type, n] : not_read)
        assembler.report(fhir::make_diagnostic(codes::fhir_not_read, Severity::note, Origin{}, type, "",
                                               std::to_string(n) + " resource(s) of this type are not read"));
    return assembler.finish();
}

Result<Patient> parse_fhir_bundle(std::string_view json, const FhirOptions& options) {
    auto r = read_fhir_bundle(json, options);
    if (!r.ok()) return r.diagnostics();
    return std::move(r->patient);
}

}  // namespace carecoord
