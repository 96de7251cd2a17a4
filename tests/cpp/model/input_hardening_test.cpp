// Issue 15, "smaller" findings on patient input: a UTF-8 byte order mark at the start of
// JSON (a patient, a FHIR Bundle, an NDJSON line of a bulk export) is skipped, as YAML skips
// it; and the value of an observation is held to the range its code allows (the patient
// schema, src/model/patient_schema.hpp): a PHQ-9 total score is a whole number 0-27
// (facts.md §7), a BMI, hemoglobin or sodium value is not negative. A document outside the
// range is an error naming the field (E0211); FHIR reads the value as unknown with a
// warning (E0813). docs/patient-schema.md#value-ranges.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "carecoord/fhir.hpp"
#include "carecoord/patient.hpp"

using namespace carecoord;
namespace fs = std::filesystem;

namespace {

const std::string kBom = "\xEF\xBB\xBF";
const std::string kPatient = R"({"id": "p1", "birth_date": "1950-01-01"})";

std::string with_observation(const std::string& code, const std::string& value) {
    return R"({"id": "p1", "birth_date": "1950-01-01", "observations": [{"code": ")" + code +
           R"(", "date": "2026-01-01", "value": )" + value + "}]}";
}

// The one diagnostic of a document that must not decode.
Diagnostic refused(const std::string& json) {
    auto r = parse_patient_json(json);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics().size() == 1);
    return r.diagnostics().front();
}

std::string fhir_phq9(const std::string& value_element) {
    return R"({"resourceType":"Bundle","type":"collection","entry":[
 {"resource":{"resourceType":"Patient","id":"p1","birthDate":"1950-01-01"}},
 {"resource":{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},
   "code":{"coding":[{"system":"http://loinc.org","code":"44261-6"}]},"effectiveDateTime":"2026-01-01",)" +
           value_element + "}}]}";
}

}  // namespace

TEST_CASE("BOM: a JSON patient starting with a UTF-8 byte order mark is read, one elsewhere is not") {
    auto r = parse_patient_json(kBom + kPatient);
    REQUIRE(r.ok());
    CHECK(r->id == "p1");
    CHECK(parse_patient(kBom + kPatient, DocumentFormat::json).ok());
    // Only at the very start: after a space, or twice, it is not JSON.
    CHECK_FALSE(parse_patient_json(" " + kBom + kPatient).ok());
    CHECK_FALSE(parse_patient_json(kBom + kBom + kPatient).ok());
    // YAML already read it (the same patient both ways).
    CHECK(parse_patient_yaml(kBom + "id: p1\nbirth_date: 1950-01-01\n").ok());
}

TEST_CASE("BOM: a FHIR Bundle starting with a byte order mark is read") {
    const std::string bundle =
        R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p1","birthDate":"1950-01-01"}}]})";
    auto r = read_fhir_bundle(kBom + bundle);
    REQUIRE(r.ok());
    CHECK(r->patient.id == "p1");
    CHECK_FALSE(read_fhir_bundle(" " + kBom + bundle).ok());
}

TEST_CASE("BOM: a bulk-export NDJSON file starting with a byte order mark, and a line starting with one, are read") {
    const fs::path dir = fs::temp_directory_path() / ("carecoord-bom-test-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "Patient.ndjson")
        << kBom << R"({"resourceType":"Patient","id":"a","birthDate":"1950-01-01"})" "\n"
        << kBom << R"({"resourceType":"Patient","id":"b","birthDate":"1950-01-01"})" "\n";
    {
        auto reader = FhirBulkReader::open(dir.string());
        REQUIRE(reader.ok());
        CHECK(reader->export_diagnostics().empty());
        std::vector<std::string> ids;
        while (auto p = reader->next()) {
            REQUIRE(p->ok());
            ids.push_back((*p)->patient.id);
        }
        CHECK(ids == std::vector<std::string>{"a", "b"});
    }
    fs::remove_all(dir);
}

TEST_CASE("ranges: a PHQ-9 total score is a whole number from 0 to 27, in a document") {
    for (const char* code : {"phq9", "44261-6"}) {
        CAPTURE(code);
        for (const char* ok : {"0", "27", "12"}) {
            CAPTURE(ok);
            auto r = parse_patient_json(with_observation(code, ok));
            REQUIRE(r.ok());
            CHECK(*r->observations.at(0).value == std::stod(ok));
        }
        for (const char* bad : {"-1", "28", "27.5", "-1e308", "1e308", "0.5"}) {
            CAPTURE(bad);
            const Diagnostic d = refused(with_observation(code, bad));
            CHECK(d.code == "E0211");
            CHECK(d.field_path == "observations[0].value");
            CHECK(d.message.find("PHQ-9") != std::string::npos);
            CHECK(d.message.find(bad) == std::string::npos);  // never the value
        }
    }
    // The same in YAML.
    auto y = parse_patient_yaml("id: p1\nbirth_date: 1950-01-01\nobservations:\n  - {code: phq9, date: 2026-01-01, value: 28}\n");
    REQUIRE_FALSE(y.ok());
    CHECK(y.diagnostics().front().code == "E0211");
    CHECK(y.diagnostics().front().field_path == "observations[0].value");
    CHECK(y.diagnostics().front().line == 4);
}

TEST_CASE("ranges: BMI, hemoglobin and sodium are not negative, and a code without a sourced range takes any finite value") {
    for (const char* code : {"bmi", "39156-5", "hemoglobin", "718-7", "sodium", "2951-2", "2947-0"}) {
        CAPTURE(code);
        CHECK(parse_patient_json(with_observation(code, "0")).ok());
        CHECK(parse_patient_json(with_observation(code, "1e6")).ok());  // no upper bound with a source
        const Diagnostic d = refused(with_observation(code, "-0.1"));
        CHECK(d.code == "E0211");
        CHECK(d.field_path == "observations[0].value");
    }
    CHECK(parse_patient_json(with_observation("4548-4", "-3")).ok());
}

TEST_CASE("ranges: a PHQ-9 score outside 0-27 in FHIR becomes unknown, with a warning (E0813)") {
    for (const char* element : {R"("valueQuantity":{"value":28})", R"("valueInteger":-1)", R"("valueQuantity":{"value":-1e308})"}) {
        CAPTURE(element);
        auto r = read_fhir_bundle(fhir_phq9(element));
        REQUIRE(r.ok());
        REQUIRE(r->patient.observations.size() == 1);
        CHECK(r->patient.observations[0].code == "phq9");
        CHECK_FALSE(r->patient.observations[0].value.has_value());
        bool warned = false;
        for (const auto& d : r->diagnostics)
            if (d.code == "E0813") {
                warned = true;
                CHECK(d.severity == Severity::warning);
                CHECK(d.field_path.find("Observation/o1") != std::string::npos);
                CHECK(d.message.find("28") == std::string::npos);
            }
        CHECK(warned);
    }
    for (const char* element : {R"("valueQuantity":{"value":27})", R"("valueInteger":0)"}) {
        CAPTURE(element);
        auto r = read_fhir_bundle(fhir_phq9(element));
        REQUIRE(r.ok());
        REQUIRE(r->patient.observations.size() == 1);
        CHECK(r->patient.observations[0].value.has_value());
        for (const auto& d : r->diagnostics) CHECK(d.code != "E0813");
    }
}
