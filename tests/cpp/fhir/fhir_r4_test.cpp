// FHIR R4 as real exports write it (issue 13): entries without resources, non-R4 versions,
// several codings, coverage from claims, medications by reference, dispositions by text,
// SDOH, Patient ids, a bulk export changed after open, time zones, and every US Core
// example. Expected values are worked out by hand from the resources written here.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "carecoord/engine.hpp"
#include "carecoord/fhir.hpp"
#include "time/calendar.hpp"

using namespace carecoord;
namespace fs = std::filesystem;

namespace {

const std::string kShared = std::string(CARECOORD_SHARED_DIR) + "/data";

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string date_text(const std::optional<Date>& d) { return d ? time::format_date(*d) : "none"; }

bool has_diag(const std::vector<Diagnostic>& ds, const std::string& code, const std::string& path) {
    return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.code == code && d.field_path == path; });
}

const char* const kPatient = R"({"resourceType":"Patient","id":"p1","birthDate":"1950-06-01","gender":"female"})";

// A Bundle of Patient/p1 and the given resources (JSON objects, comma-separated).
std::string bundle_of(const std::string& resources) {
    std::string out = std::string(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)") + kPatient + "}";
    std::string rest = resources;
    // Each resource on its own line in `resources`.
    std::size_t start = 0;
    while (start < rest.size()) {
        std::size_t end = rest.find('\n', start);
        if (end == std::string::npos) end = rest.size();
        const std::string one = rest.substr(start, end - start);
        if (one.find_first_not_of(" ") != std::string::npos) out += R"(,{"resource":)" + one + "}";
        start = end + 1;
    }
    return out + "]}";
}

const std::string kUsCore = kShared + "/us-core-9.0.0-examples/";

// A Bundle of US Core's example Patient (Patient/example) and the named example files.
std::string us_core_bundle(const std::vector<std::string>& files) {
    std::string out = R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)" +
                      read_file(kUsCore + "patient-example.json") + "}";
    for (const auto& f : files) out += R"(,{"resource":)" + read_file(kUsCore + f) + "}";
    return out + "]}";
}

FhirPatient read_ok(const std::string& json, const FhirOptions& options = {}) {
    auto r = read_fhir_bundle(json, options);
    if (!r.ok())
        for (const auto& d : r.diagnostics()) MESSAGE(d.to_string());
    REQUIRE(r.ok());
    return std::move(*r);
}

struct TempDir {
    fs::path dir;
    TempDir() {
        dir = fs::temp_directory_path() /
              ("carecoord-fhir-r4-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(dir);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name, std::ios::binary) << text; }
};

}  // namespace

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: an entry without a resource, or a null entry, is a warning, never a crash") {
    for (const char* bad : {"{}", "null", R"({"resource":null})", "1", R"({"resource":[]})"}) {
        const std::string json = std::string(R"({"resourceType":"Bundle","entry":[)") + bad + R"(,{"resource":)" + kPatient + "}]}";
        auto r = read_fhir_bundle(json);
        REQUIRE(r.ok());
        CHECK(r->patient.id == "p1");
        CHECK(has_diag(r->diagnostics, "E0801", "entry[0].resource"));
    }
    // Without a Patient the Bundle is refused, as any Bundle without one.
    for (const char* bad : {R"({"resourceType":"Bundle","entry":[{}]})", R"({"resourceType":"Bundle","entry":[null]})",
                            R"({"resourceType":"Bundle","entry":{}})", R"({"resourceType":"Bundle","entry":[[null]]})"}) {
        auto r = read_fhir_bundle(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.diagnostics().at(0).code == "E0806");
    }
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: the STU3 and DSTU2 Synthea Bundles are refused, naming what gave them away") {
    std::size_t files = 0;
    for (const char* dir : {"stu3-synthea", "dstu2-synthea"}) {
        for (const auto& e : fs::directory_iterator(kShared + "/fhir-non-r4/" + dir)) {
            auto r = read_fhir_bundle(read_file(e.path()));
            REQUIRE_FALSE(r.ok());
            REQUIRE(r.diagnostics().size() == 1);
            const Diagnostic& d = r.diagnostics()[0];
            CHECK(d.code == "E0811");
            CHECK(d.severity == Severity::error);
            // STU3: Condition.clinicalStatus "active" (a string); DSTU2: Encounter.class
            // "ambulatory" (a string) comes first in these Bundles, or the string clinicalStatus.
            const bool stu3 = std::string(dir) == "stu3-synthea";
            const std::string& path = d.field_path;
            auto ends = [&](const std::string& tail) {
                return path.size() > tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
            };
            if (stu3) {
                // The string clinicalStatus, or (Abshire_Hermine_48 has no Condition) an
                // Observation's STU3 `context`.
                const bool status = path.rfind("Condition/", 0) == 0 && ends(".clinicalStatus");
                const bool context = path.rfind("Observation/", 0) == 0 && ends(".context");
                CHECK((status || context));
            } else {
                const bool cls = path.rfind("Encounter/", 0) == 0 && path.substr(path.size() - 6) == ".class";
                const bool status = path.rfind("Condition/", 0) == 0 && path.substr(path.size() - 15) == ".clinicalStatus";
                CHECK((cls || status));
            }
            CHECK(d.message.find("not FHIR R4") != std::string::npos);
            ++files;
        }
    }
    CHECK(files == 6);
}

TEST_CASE("fhir r4: meta.fhirVersion and DSTU2's patient are refused; R4 and R4B pass") {
    auto version = [](const char* v) {
        return read_fhir_bundle(std::string(R"({"resourceType":"Bundle","meta":{"fhirVersion":")") + v +
                                R"("},"entry":[{"resource":)" + kPatient + "}]}");
    };
    CHECK(version("4.0.1").ok());
    CHECK(version("4.3.0").ok());
    for (const char* v : {"3.0.2", "1.0.2", "5.0.0", "6.0.0-ballot"}) {
        auto r = version(v);
        REQUIRE_FALSE(r.ok());
        CHECK(r.diagnostics().at(0).code == "E0811");
        CHECK(r.diagnostics().at(0).field_path == "Bundle.meta.fhirVersion");
    }
    // A resource in the Bundle with a DSTU2 `patient`: the whole Bundle is refused.
    auto dstu2 = read_fhir_bundle(bundle_of(
        R"({"resourceType":"Observation","id":"o1","patient":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"44261-6"}]},"effectiveDateTime":"2026-01-01","valueInteger":12})"));
    REQUIRE_FALSE(dstu2.ok());
    CHECK(has_diag(dstu2.diagnostics(), "E0811", "Observation/o1.patient"));

    // In a bulk export the patient with a non-R4 resource is an error; the others are read.
    TempDir t;
    t.write("Patient.ndjson", R"({"resourceType":"Patient","id":"a","birthDate":"1950-01-01"})" "\n"
                              R"({"resourceType":"Patient","id":"b","birthDate":"1950-01-01"})" "\n");
    t.write("Condition.ndjson",
            R"({"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/a"},"clinicalStatus":"active","code":{"coding":[{"system":"http://snomed.info/sct","code":"38341003"}]}})" "\n");
    auto reader = FhirBulkReader::open(t.dir.string());
    REQUIRE(reader.ok());
    auto a = reader->next();
    REQUIRE(a);
    REQUIRE_FALSE(a->ok());
    CHECK(has_diag(a->diagnostics(), "E0811", "Condition/c1.clinicalStatus"));
    auto b = reader->next();
    REQUIRE(b);
    CHECK(b->ok());
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: every coding of a Condition counts for value sets and categories") {
    auto engine = Engine::load_string(R"(schema_version: 1
ruleset: codings
version: 1.0.0
effective: {from: 2020-01-01}
valuesets:
  weight: {categories: {obesity: {snomed: ["162864005"]}, diabetes: {icd10cm: [E11]}}}
facts:
  n: count(conditions where code in weight)
  obese: count(conditions where category(code, weight) == "obesity")
tiers:
  order: [low, high]
  default: low
  rules: [{id: r, tier: high, when: 'n >= 1', reason: 'n'}]
)");
    if (!engine.ok())
        for (const auto& d : engine.diagnostics()) MESSAGE(d.to_string());
    REQUIRE(engine.ok());
    // ICD-10-CM Z68.30 first (the coding carecoord shows), SNOMED 162864005 (BMI 30+) second:
    // only the second is in the value set.
    auto p = read_ok(bundle_of(
        R"({"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},"clinicalStatus":{"coding":[{"code":"active"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"Z68.30"},{"system":"http://snomed.info/sct","code":"162864005"}]}})"));
    REQUIRE(p.patient.conditions.size() == 1);
    CHECK(p.patient.conditions[0].code == "Z68.30");
    CHECK(p.patient.conditions[0].system == "icd10cm");
    REQUIRE(p.patient.conditions[0].also_coded.size() == 1);
    CHECK(p.patient.conditions[0].also_coded[0].system == "snomed");
    CHECK(p.patient.conditions[0].also_coded[0].code == "162864005");
    EvaluateOptions eo;
    eo.include_facts = true;
    auto d = engine->evaluate(p.patient, *time::parse_date("2026-11-27"), eo);
    REQUIRE(d.ok());
    CHECK(d->tier.tier == "high");
    std::map<std::string, std::string> facts;
    for (const auto& f : d->facts) facts[f.name] = f.value;
    CHECK(facts["n"] == "1");
    CHECK(facts["obese"] == "1");

    // US Core's encounter-diagnosis example: SNOMED 39065001 first, ICD-10-CM T20.21 second;
    // ICD-10-CM is shown, SNOMED kept as a further coding.
    auto us = read_ok(us_core_bundle({"condition-encounter-diagnosis-example1.json"}));
    REQUIRE(us.patient.conditions.size() == 1);
    CHECK(us.patient.conditions[0].code == "T20.21");
    REQUIRE(us.patient.conditions[0].also_coded.size() == 1);
    CHECK(us.patient.conditions[0].also_coded[0].code == "39065001");
}

// ---------------------------------------------------------------------------------------
namespace {
std::string eob(const char* id, const char* date, const char* coverage_ref, const char* contained) {
    return std::string(R"({"resourceType":"ExplanationOfBenefit","id":")") + id +
           R"(","status":"active","patient":{"reference":"Patient/p1"},"billablePeriod":{"start":")" + date + R"("},)" +
           (contained[0] ? std::string(R"("contained":[)") + contained + "]," : std::string()) +
           R"("insurance":[{"focal":true,"coverage":{"reference":")" + coverage_ref + R"("}}]})";
}
}  // namespace

TEST_CASE("fhir r4: coverage from claims, in force from the earliest claim until the grace period after the latest") {
    const std::string medicaid = R"({"resourceType":"Coverage","id":"cov","status":"active","type":{"text":"medicaid"}})";
    const std::string claims = eob("e1", "2025-12-15", "#cov", medicaid.c_str()) + "\n" +
                               eob("e2", "2026-10-05T20:00:00-05:00", "#cov", medicaid.c_str());
    auto p = read_ok(bundle_of(claims));
    REQUIRE(p.patient.coverage.size() == 1);
    CHECK(p.patient.coverage[0].payer == Payer::medicaid);
    CHECK(date_text(p.patient.coverage[0].start) == "2025-12-15");
    CHECK(date_text(p.patient.coverage[0].end) == "2027-10-05");
    CHECK(p.diagnostics.empty());

    FhirOptions three;
    three.claims_grace_months = 3;
    auto q = read_ok(bundle_of(claims), three);
    REQUIRE(q.patient.coverage.size() == 1);
    CHECK(date_text(q.patient.coverage[0].end) == "2027-01-05");

    // Covered today: the default rulesets see Medicaid in force on 2026-11-27
    // (claims last month), none after the grace period (2027-10-05 + 1 day).
    const Engine& engine = [] () -> const Engine& {
        static const Engine e = Engine::load_directory(std::string(CARECOORD_SOURCE_DIR) + "/rulesets").value();
        return e;
    }();
    EvaluateOptions eo;
    eo.include_facts = true;
    auto active = [&](const char* as_of) {
        auto d = engine.evaluate(p.patient, *time::parse_date(as_of), eo);
        REQUIRE(d.ok());
        for (const auto& f : d->facts)
            if (f.name == "has_medicaid") return f.value;
        return std::string("<no fact>");
    };
    CHECK(active("2026-11-27") == "true");
    CHECK(active("2027-10-05") == "true");
    CHECK(active("2027-10-06") == "false");
}

TEST_CASE("fhir r4: Coverage.type by text, dual eligibility, and a payer that cannot be classified") {
    auto p = read_ok(bundle_of(
        R"({"resourceType":"Coverage","id":"a","status":"active","beneficiary":{"reference":"Patient/p1"},"type":{"text":"Medicaid"},"period":{"start":"2024-01-01"}})" "\n"
        R"({"resourceType":"Coverage","id":"b","status":"active","beneficiary":{"reference":"Patient/p1"},"type":{"text":" Dual_Eligible"},"period":{"start":"2025-01-01"}})" "\n"
        R"({"resourceType":"Coverage","id":"c","status":"active","beneficiary":{"reference":"Patient/p1"},"type":{"text":"Acme Health Gold"}})" "\n"
        R"({"resourceType":"Coverage","id":"d","status":"active","beneficiary":{"reference":"Patient/p1"},"type":{"coding":[{"system":"https://nahdo.org/sopt","code":"5"}],"text":"medicaid"}})"));
    REQUIRE(p.patient.coverage.size() == 5);
    CHECK(p.patient.coverage[0].payer == Payer::medicaid);
    CHECK(p.patient.coverage[0].medicaid_dual == MedicaidDual::none);
    // Dual eligible: Medicare and Medicaid, both full duals, over the same period.
    CHECK(p.patient.coverage[1].payer == Payer::medicare_ffs);
    CHECK(p.patient.coverage[1].medicaid_dual == MedicaidDual::full);
    CHECK(p.patient.coverage[2].payer == Payer::medicaid);
    CHECK(p.patient.coverage[2].medicaid_dual == MedicaidDual::full);
    CHECK(date_text(p.patient.coverage[2].start) == "2025-01-01");
    CHECK(p.patient.coverage[3].payer == Payer::other);
    CHECK(has_diag(p.diagnostics, "E0803", "Coverage/c.type"));
    // A code wins over the text: SOPT 5 is private health insurance.
    CHECK(p.patient.coverage[4].payer == Payer::commercial);
    CHECK(p.diagnostics.size() == 1);
}

TEST_CASE("fhir r4: a claim under a separate Coverage widens its period; dangling claim coverage is named") {
    auto p = read_ok(bundle_of(
        R"({"resourceType":"Coverage","id":"cov2","status":"active","beneficiary":{"reference":"Patient/p1"},"type":{"coding":[{"system":"https://nahdo.org/sopt","code":"1"}]},"period":{"start":"2020-01-01","end":"2024-12-31"}})" "\n" +
        eob("e3", "2026-03-01", "Coverage/cov2", "") + "\n" + eob("e4", "2026-03-01", "#gone", "")));
    REQUIRE(p.patient.coverage.size() == 1);
    CHECK(p.patient.coverage[0].payer == Payer::medicare_ffs);
    CHECK(date_text(p.patient.coverage[0].start) == "2020-01-01");
    CHECK(date_text(p.patient.coverage[0].end) == "2027-03-01");  // the claim (2026-03-01) + 12 months
    CHECK(has_diag(p.diagnostics, "E0804", "ExplanationOfBenefit/e4.insurance[0].coverage"));
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: medications by reference, contained and separate") {
    auto contained = read_ok(us_core_bundle({"medicationrequest-contained-oral-axid.json"}));
    REQUIRE(contained.patient.medications.size() == 1);
    CHECK(contained.patient.medications[0].code == "582620");
    CHECK(contained.patient.medications[0].system == "rxnorm");
    REQUIRE(contained.patient.medications[0].events.size() == 1);
    CHECK(time::format_date(contained.patient.medications[0].events[0].date) == "2008-04-05");

    // The referenced example names Medication/uscore-med2, which US Core does not ship.
    auto dangling = read_ok(us_core_bundle({"medicationrequest-referenced-oral-axid.json"}));
    CHECK(dangling.patient.medications.empty());
    CHECK(has_diag(dangling.diagnostics, "E0804", "MedicationRequest/medicationrequest-referenced-oral-axid.medicationReference"));

    const std::string med =
        R"({"resourceType":"Medication","id":"uscore-med2","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"582620"}]}})";
    std::string json = us_core_bundle({"medicationrequest-referenced-oral-axid.json"});
    json.insert(json.size() - 2, R"(,{"resource":)" + med + "}");
    auto separate = read_ok(json);
    REQUIRE(separate.patient.medications.size() == 1);
    CHECK(separate.patient.medications[0].code == "582620");

    // In a bulk export, Medication.ndjson is looked up for the requests that name it.
    TempDir t;
    t.write("Patient.ndjson", std::string(kPatient) + "\n");
    t.write("Medication.ndjson", med + "\n" +
                                     R"({"resourceType":"Medication","id":"m-other","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"860975"}]}})" "\n");
    t.write("MedicationRequest.ndjson",
            R"({"resourceType":"MedicationRequest","id":"r1","status":"active","subject":{"reference":"Patient/p1"},"medicationReference":{"reference":"Medication/m-other"},"authoredOn":"2026-02-01"})" "\n");
    auto reader = FhirBulkReader::open(t.dir.string());
    REQUIRE(reader.ok());
    CHECK(reader->export_diagnostics().empty());
    auto one = reader->next();
    REQUIRE(one);
    REQUIRE(one->ok());
    REQUIRE((*one)->patient.medications.size() == 1);
    CHECK((*one)->patient.medications[0].code == "860975");
}

// ---------------------------------------------------------------------------------------
namespace {
std::string inpatient(const char* id, const char* disposition) {
    return std::string(R"({"resourceType":"Encounter","id":")") + id +
           R"(","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},"subject":{"reference":"Patient/p1"},"period":{"start":"2026-11-20T09:00:00","end":"2026-11-24T10:00:00"},"hospitalization":{"dischargeDisposition":)" +
           disposition + "}}";
}
}  // namespace

TEST_CASE("fhir r4: discharge disposition by text when no code maps") {
    auto p = read_ok(bundle_of(inpatient("e1", R"({"text":"Skilled Nursing Facility"})") + "\n" +
                               inpatient("e2", R"({"text":"home health"})") + "\n" +
                               inpatient("e3", R"({"coding":[{"system":"http://example.org/dispo","code":"7"}],"text":"Discharged to home"})") + "\n" +
                               inpatient("e4", R"({"text":"to the moon"})") + "\n" +
                               inpatient("e5", R"({"coding":[{"system":"http://terminology.hl7.org/CodeSystem/discharge-disposition","code":"snf"}],"text":"home"})")));
    REQUIRE(p.patient.encounters.size() == 5);
    CHECK(p.patient.encounters[0].disposition == std::optional<Disposition>(Disposition::snf));
    CHECK(p.patient.encounters[1].disposition == std::optional<Disposition>(Disposition::home_health));
    CHECK(p.patient.encounters[2].disposition == std::optional<Disposition>(Disposition::home));
    CHECK_FALSE(p.patient.encounters[3].disposition);
    CHECK(p.patient.encounters[4].disposition == std::optional<Disposition>(Disposition::snf));  // the code wins
    CHECK(has_diag(p.diagnostics, "E0803", "Encounter/e4.hospitalization.dischargeDisposition"));
    CHECK(p.diagnostics.size() == 1);

    // A discharge home by text starts the 72-hour call: 2026-11-24T10:00 + 72 h.
    static const Engine engine = Engine::load_directory(std::string(CARECOORD_SOURCE_DIR) + "/rulesets").value();
    auto home = read_ok(bundle_of(inpatient("e1", R"({"text":"Discharged to home"})")));
    auto d = engine.evaluate(home.patient, *time::parse_date("2026-11-25"));
    REQUIRE(d.ok());
    auto call = std::find_if(d->triggers.begin(), d->triggers.end(), [](const TriggerResult& t) { return t.id == "post_discharge_call"; });
    REQUIRE(call != d->triggers.end());
    CHECK(time::format_datetime(*call->due_time) == "2026-11-27T10:00");
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: SDOH conditions and observations map to the social fields") {
    auto p = read_ok(bundle_of(
        R"({"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},"clinicalStatus":{"coding":[{"code":"active"}]},"code":{"coding":[{"system":"http://snomed.info/sct","code":"733423003"}]},"onsetDateTime":"2026-01-01"})" "\n"
        R"({"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/p1"},"clinicalStatus":{"coding":[{"code":"resolved"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"Z59.82"}]},"onsetDateTime":"2025-01-01","abatementDateTime":"2026-05-01"})" "\n"
        R"({"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"category":[{"coding":[{"system":"http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes","code":"housing-instability"}]}],"code":{"text":"Housing situation"},"effectiveDateTime":"2026-06-01","valueBoolean":true})"));
    CHECK(p.patient.social.food_insecurity == std::optional<bool>(true));
    CHECK(p.patient.social.transportation_insecurity == std::optional<bool>(false));  // resolved 2026-05-01
    CHECK(p.patient.social.housing_instability == std::optional<bool>(true));
    CHECK(p.patient.conditions.size() == 2);  // still conditions too
    CHECK(p.diagnostics.empty());

    // US Core: the SDOH condition (SNOMED 445281000124101, limited access to healthful foods),
    // the Hunger Vital Sign item 88122-7 answered "often true", PRAPARE 93030-5 "yes".
    auto us = read_ok(us_core_bundle({"condition-SDOH-example.json"}));
    CHECK(us.patient.social.food_insecurity == std::optional<bool>(true));
    auto hvs = read_ok(us_core_bundle({"Observation-HVS-item-example-88122-7.json"}));
    CHECK(hvs.patient.social.food_insecurity == std::optional<bool>(true));
    auto prapare = read_ok(us_core_bundle({"Observation-PRAPARE-item-example-93030-5.json"}));
    CHECK(prapare.patient.social.transportation_insecurity == std::optional<bool>(true));
    // 93033-9 answered "I choose not to answer": unknown, with a note naming the resource.
    auto declined = read_ok(us_core_bundle({"Observation-PRAPARE-item-example-93033-9.json"}));
    CHECK_FALSE(declined.patient.social.housing_instability);
    CHECK(has_diag(declined.diagnostics, "E0803", "Observation/PRAPARE-item-example-93033-9.valueCodeableConcept"));
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: one id rule for Bundle and bulk Patients") {
    const char* bad_ids[] = {R"()", R"("id":"a b",)", R"("id":"",)",
                             R"("id":"0123456789012345678901234567890123456789012345678901234567890123x",)"};
    for (const char* id : bad_ids) {
        const std::string patient = std::string(R"({"resourceType":"Patient",)") + id + R"("birthDate":"1950-01-01"})";
        auto r = read_fhir_bundle(std::string(R"({"resourceType":"Bundle","entry":[{"resource":)") + patient + "}]}");
        REQUIRE_FALSE(r.ok());
        CHECK(has_diag(r.diagnostics(), "E0802", "Patient (entry 0).id"));

        TempDir t;
        t.write("Patient.ndjson", patient + "\n");
        auto reader = FhirBulkReader::open(t.dir.string());
        REQUIRE(reader.ok());
        CHECK(reader->patient_count() == 0);
        REQUIRE(reader->export_diagnostics().size() == 1);
        const Diagnostic& d = reader->export_diagnostics()[0];
        CHECK(d.code == "E0802");
        CHECK(d.field_path == "Patient (line 1).id");
        const Diagnostic& b = *std::find_if(r.diagnostics().begin(), r.diagnostics().end(),
                                            [](const Diagnostic& x) { return x.code == "E0802"; });
        CHECK(b.message == d.message);
    }
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: a bulk file truncated or rewritten after open gives E0809 for every patient it no longer holds") {
    const std::string conditions[] = {
        R"({"resourceType":"Condition","id":"ca","subject":{"reference":"Patient/a"},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"}]}})",
        R"({"resourceType":"Condition","id":"cb","subject":{"reference":"Patient/b"},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"}]}})",
        R"({"resourceType":"Condition","id":"cc","subject":{"reference":"Patient/c"},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"}]}})"};
    auto setup = [&](const TempDir& t) {
        std::string patients;
        for (const char* id : {"a", "b", "c"})
            patients += std::string(R"({"resourceType":"Patient","id":")") + id + R"(","birthDate":"1950-01-01"})" "\n";
        t.write("Patient.ndjson", patients);
        t.write("Condition.ndjson", conditions[0] + "\n" + conditions[1] + "\n" + conditions[2] + "\n");
    };
    SUBCASE("truncated after the first line") {
        TempDir t;
        setup(t);
        auto reader = FhirBulkReader::open(t.dir.string());
        REQUIRE(reader.ok());
        fs::resize_file(t.dir / "Condition.ndjson", conditions[0].size() + 1);
        auto a = reader->next();
        REQUIRE(a);
        REQUIRE(a->ok());
        CHECK((*a)->patient.conditions.size() == 1);
        for (const char* id : {"b", "c"}) {
            auto p = reader->next();
            REQUIRE(p);
            REQUIRE_FALSE(p->ok());
            CHECK(p->diagnostics().at(0).code == "E0809");
            CHECK(p->diagnostics().at(0).line == (std::string(id) == "b" ? 2 : 3));
        }
        CHECK_FALSE(reader->next());
    }
    SUBCASE("rewritten in place with the lines in another order") {
        TempDir t;
        setup(t);
        auto reader = FhirBulkReader::open(t.dir.string());
        REQUIRE(reader.ok());
        t.write("Condition.ndjson", conditions[2] + "\n" + conditions[1] + "\n" + conditions[0] + "\n");
        auto a = reader->next();
        REQUIRE(a);
        REQUIRE_FALSE(a->ok());
        CHECK(a->diagnostics().at(0).code == "E0809");
        auto b = reader->next();
        REQUIRE(b);
        CHECK(b->ok());  // its line is where it was
        auto c = reader->next();
        REQUIRE(c);
        CHECK_FALSE(c->ok());
    }
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: datetimes with an offset are converted to the care setting's time zone") {
    auto encounter = [](const char* start, const char* end) {
        return bundle_of(std::string(R"({"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"IMP"},"subject":{"reference":"Patient/p1"},"period":{"start":")") +
                         start + R"(","end":")" + end + R"("},"hospitalization":{"dischargeDisposition":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/discharge-disposition","code":"home"}]}}})");
    };
    FhirOptions ny;
    ny.time_zone = "America/New_York";
    // November: EST, UTC-5. 20:00Z is 15:00 in New York; 17:00-08:00 is 01:00Z the next day,
    // 20:00 in New York.
    auto p = read_ok(encounter("2026-11-20T14:00:00Z", "2026-11-24T20:00:00Z"), ny);
    CHECK(time::format_datetime(*p.patient.encounters.at(0).admit) == "2026-11-20T09:00");
    CHECK(time::format_datetime(*p.patient.encounters.at(0).discharge) == "2026-11-24T15:00");
    auto west = read_ok(encounter("2026-11-20T14:00:00-05:00", "2026-11-24T17:00:00-08:00"), ny);
    CHECK(time::format_datetime(*west.patient.encounters.at(0).admit) == "2026-11-20T14:00");
    CHECK(time::format_datetime(*west.patient.encounters.at(0).discharge) == "2026-11-24T20:00");
    // July: EDT, UTC-4. A time without an offset is taken as the care setting's clock.
    auto summer = read_ok(encounter("2026-07-01T08:00:00", "2026-07-01T20:00:00Z"), ny);
    CHECK(time::format_datetime(*summer.patient.encounters.at(0).admit) == "2026-07-01T08:00");
    CHECK(time::format_datetime(*summer.patient.encounters.at(0).discharge) == "2026-07-01T16:00");
    // Without the option: the clock time as written (today's behaviour).
    auto asis = read_ok(encounter("2026-11-20T14:00:00Z", "2026-11-24T20:00:00Z"));
    CHECK(time::format_datetime(*asis.patient.encounters.at(0).discharge) == "2026-11-24T20:00");
    // An evening discharge in UTC that is the afternoon in New York: 2026-11-24T23:30Z is
    // 18:30 EST; a date read from a dateTime moves too (01:00Z on the 25th is the 24th).
    auto late = read_ok(encounter("2026-11-20T14:00:00Z", "2026-11-25T01:00:00Z"), ny);
    CHECK(time::format_date(time::date_of(*late.patient.encounters.at(0).discharge)) == "2026-11-24");

    // The 72-hour call moves with it: 2026-11-24T15:00 + 72 h.
    static const Engine engine = Engine::load_directory(std::string(CARECOORD_SOURCE_DIR) + "/rulesets").value();
    auto d = engine.evaluate(p.patient, *time::parse_date("2026-11-25"));
    REQUIRE(d.ok());
    auto call = std::find_if(d->triggers.begin(), d->triggers.end(), [](const TriggerResult& t) { return t.id == "post_discharge_call"; });
    REQUIRE(call != d->triggers.end());
    CHECK(time::format_datetime(*call->due_time) == "2026-11-27T15:00");

    FhirOptions mars;
    mars.time_zone = "Mars/Olympus_Mons";
    auto bad = read_fhir_bundle(encounter("2026-11-20T14:00:00Z", "2026-11-24T20:00:00Z"), mars);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.diagnostics().at(0).code == "E0812");
    CHECK(bad.diagnostics().at(0).field_path == "time_zone");
    TempDir t;
    t.write("Patient.ndjson", std::string(kPatient) + "\n");
    auto bulk = FhirBulkReader::open(t.dir.string(), mars);
    REQUIRE_FALSE(bulk.ok());
    CHECK(bulk.diagnostics().at(0).code == "E0812");
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: every US Core 9.0.0 example maps, or is skipped with a diagnostic that names it") {
    auto baseline = read_ok(us_core_bundle({}));
    auto size_of = [](const Patient& p) {
        return p.conditions.size() + p.encounters.size() + p.observations.size() + p.coverage.size() + p.medications.size() +
               (p.social.food_insecurity ? 1 : 0) + (p.social.housing_instability ? 1 : 0) +
               (p.social.transportation_insecurity ? 1 : 0);
    };
    const std::size_t base = size_of(baseline.patient);
    std::size_t examples = 0, mapped = 0, named = 0;
    std::set<std::string> not_read_types;
    for (const auto& e : fs::directory_iterator(kUsCore)) {
        const std::string name = e.path().filename().string();
        if (e.path().extension() != ".json") continue;
        ++examples;
        const std::string text = read_file(e.path());
        // A Bundle or a Patient is read as it is; any other resource beside the example Patient.
        const bool whole = text.find(R"("resourceType" : "Bundle")") < 200 || text.find(R"("resourceType" : "Patient")") < 200;
        auto r = whole ? read_fhir_bundle(text) : read_fhir_bundle(us_core_bundle({name}));
        INFO(name);
        if (!r.ok()) {
            // Refused as a whole: a Bundle without exactly one Patient, a Patient without a birth date.
            REQUIRE_FALSE(r.diagnostics().empty());
            CHECK((r.diagnostics()[0].code == "E0806" || r.diagnostics()[0].code == "E0807" ||
                   r.diagnostics()[0].code == "E0802"));
            ++named;
            continue;
        }
        if (whole) {
            ++mapped;  // a Patient (or one-patient Bundle) read
            continue;
        }
        if (size_of(r->patient) > base) {
            ++mapped;
            continue;
        }
        // Not mapped: a diagnostic names the resource (Type/id...), or its type (not read).
        const bool says = std::any_of(r->diagnostics.begin(), r->diagnostics.end(), [&](const Diagnostic& d) {
            if (d.code == "E0810" && d.severity == Severity::note) {
                not_read_types.insert(d.field_path);
                return true;
            }
            return d.field_path.find('/') != std::string::npos && d.field_path.rfind("Patient/example", 0) != 0;
        });
        CHECK(says);
        ++named;
    }
    CHECK(examples == 230);
    CHECK(mapped + named == examples);
    MESSAGE("US Core examples: " << mapped << " mapped, " << named << " skipped with a diagnostic");
    // The resource types carecoord does not read are named as such.
    CHECK(not_read_types.count("AllergyIntolerance") == 1);
    CHECK(not_read_types.count("Procedure") == 1);
    CHECK(not_read_types.count("Condition") == 0);
}

// ---------------------------------------------------------------------------------------
TEST_CASE("fhir r4: an index larger than one in-memory run is spilled to disk and merged back per patient") {
    // 40,000 Condition lines alternating between two patients: every line is its own run of
    // the index (40,000 entries > 32,768 held in memory), so the index goes to the spill file
    // in two sorted runs. Each patient gets its 20,000 conditions.
    TempDir t;
    t.write("Patient.ndjson", R"({"resourceType":"Patient","id":"a","birthDate":"1950-01-01"})" "\n"
                              R"({"resourceType":"Patient","id":"b","birthDate":"1950-01-01"})" "\n");
    std::string lines;
    for (int i = 0; i < 40000; ++i) {
        const char* who = i % 2 == 0 ? "a" : "b";
        lines += std::string(R"({"resourceType":"Condition","id":"c)") + std::to_string(i) + R"(","subject":{"reference":"Patient/)" +
                 who + R"("},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"}]},"onsetDateTime":"2020-01-01"})" "\n";
    }
    t.write("Condition.ndjson", lines);
    FhirOptions options;
    options.max_diagnostics = 5;
    auto reader = FhirBulkReader::open(t.dir.string(), options);
    REQUIRE(reader.ok());
    CHECK(reader->export_diagnostics().empty());
    CHECK(reader->stats().index_extents == 2 + 40000);  // a run per Patient line, one per condition
    for (const char* id : {"a", "b"}) {
        auto p = reader->next();
        REQUIRE(p);
        REQUIRE(p->ok());
        CHECK((*p)->patient.id == id);
        CHECK((*p)->patient.conditions.size() == 20000);
        CHECK((*p)->diagnostics.empty());
    }
    CHECK_FALSE(reader->next());
}
