// FHIR R4 input: the real Synthea bulk export (../shared/data/fhir-synthea-10), Bundles, and
// malformed input.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "carecoord/engine.hpp"
#include "carecoord/fhir.hpp"
#include "time/calendar.hpp"

using namespace carecoord;
namespace fs = std::filesystem;

namespace {

const std::string kExport = std::string(CARECOORD_SHARED_DIR) + "/data/fhir-synthea-10";

Date D(const char* s) { return *time::parse_date(s); }

const Engine& engine() {
    static const Engine e = Engine::load_directory(std::string(CARECOORD_SOURCE_DIR) + "/rulesets").value();
    return e;
}

// Every patient of the export, by id.
std::map<std::string, FhirPatient> load_export() {
    auto reader = FhirBulkReader::open(kExport);
    REQUIRE(reader.ok());
    std::map<std::string, FhirPatient> out;
    while (auto p = reader->next()) {
        REQUIRE(p->ok());
        std::string id = (*p)->patient.id;
        out.emplace(std::move(id), std::move(**p));
    }
    return out;
}

std::string fact(const Determination& d, const std::string& name) {
    for (const auto& f : d.facts)
        if (f.name == name) return f.value;
    return "<no fact " + name + ">";
}

bool matched(const Determination& d, const std::string& rule) {
    return std::any_of(d.tier.matched.begin(), d.tier.matched.end(), [&](const RuleMatch& m) { return m.rule_id == rule; });
}

bool flagged(const Determination& d, const std::string& flag) {
    return std::any_of(d.flags.begin(), d.flags.end(), [&](const FlagResult& f) { return f.id == flag; });
}

Determination evaluate(const Patient& p, const char* as_of) {
    EvaluateOptions eo;
    eo.include_facts = true;
    auto det = engine().evaluate(p, D(as_of), eo);
    REQUIRE(det.ok());
    return std::move(*det);
}

// A temporary export directory, removed at the end of the test.
struct TempExport {
    fs::path dir;
    TempExport() {
        dir = fs::temp_directory_path() /
              ("carecoord-fhir-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(dir);
    }
    ~TempExport() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name, std::ios::binary) << text; }
};

bool has_diag(const std::vector<Diagnostic>& ds, const std::string& code, const std::string& path) {
    return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.code == code && d.field_path == path; });
}

}  // namespace

TEST_CASE("fhir bulk: every patient of the Synthea export loads, without errors or warnings") {
    auto reader = FhirBulkReader::open(kExport);
    REQUIRE(reader.ok());
    CHECK(reader->patient_count() == 13);
    CHECK(reader->export_diagnostics().empty());
    const auto st = reader->stats();
    CHECK(st.files == 4);
    CHECK(st.resources == 13 + 555 + 1215 + 1745);
    std::size_t n = 0, conditions = 0, encounters = 0;
    while (auto p = reader->next()) {
        REQUIRE(p->ok());
        CHECK((*p)->diagnostics.empty());
        conditions += (*p)->patient.conditions.size();
        encounters += (*p)->patient.encounters.size();
        ++n;
    }
    CHECK(n == 13);
    CHECK(conditions == 555);    // every Condition is confirmed and SNOMED-coded
    CHECK(encounters == 1215);   // every Encounter is finished and has a known class
}

TEST_CASE("fhir bulk: the three deceased patients are recognised, with the date of death") {
    auto all = load_export();
    REQUIRE(all.size() == 13);
    std::map<std::string, std::string> dead;
    for (const auto& [id, p] : all)
        if (p.patient.deceased) dead[id.substr(0, 8)] = time::format_date(*p.patient.deceased);
    // deceasedDateTime 1989-05-09T20:35:22-04:00, 1971-10-01T13:44:40-04:00, 1994-11-11T22:58:16-05:00:
    // the local date is the date of death.
    CHECK(dead == std::map<std::string, std::string>{
                      {"129c6ac7", "1989-05-09"}, {"3af3708d", "1971-10-01"}, {"79a66c97", "1994-11-11"}});
}

TEST_CASE("fhir bulk: the mapping of one patient's resources") {
    auto all = load_export();
    const Patient& p = all.at("129c6ac7-8d06-89de-ad63-0204a93e76c3").patient;
    CHECK(time::format_date(p.birth_date) == "1927-05-21");
    CHECK(p.sex == Sex::female);
    REQUIRE(p.language.preferred);
    CHECK(*p.language.preferred == "en-US");
    CHECK_FALSE(p.language.interpreter_needed);  // no interpreter-needed extension: unknown
    // 45 IMP encounters -> inpatient; 3 EMER; 1 HH (hospice admission); 41 AMB.
    std::map<EncounterClass, int> classes;
    for (const auto& e : p.encounters) ++classes[e.encounter_class];
    CHECK(classes[EncounterClass::inpatient] == 45);
    CHECK(classes[EncounterClass::emergency] == 3);
    CHECK(classes[EncounterClass::home_health] == 1);
    CHECK(classes[EncounterClass::ambulatory] == 41);
    // The inpatient stay 1988-03-15T21:06 to 1988-03-21T07:48 (wall clock; offset dropped),
    // reasonCode SNOMED 424132000 (non-small cell carcinoma of lung, TNM stage 1).
    auto stay = std::find_if(p.encounters.begin(), p.encounters.end(), [](const Encounter& e) {
        return e.admit && time::format_datetime(*e.admit) == "1988-03-15T21:06";
    });
    REQUIRE(stay != p.encounters.end());
    CHECK(stay->encounter_class == EncounterClass::inpatient);
    REQUIRE(stay->discharge);
    CHECK(time::format_datetime(*stay->discharge) == "1988-03-21T07:48");
    CHECK(stay->diagnosis == "424132000");
    CHECK(stay->diagnosis_system == "snomed");
    // The emergency visit with a NUBC discharge disposition "01" (home): emergent.
    auto er = std::find_if(p.encounters.begin(), p.encounters.end(), [](const Encounter& e) {
        return e.encounter_class == EncounterClass::emergency && e.disposition;
    });
    REQUIRE(er != p.encounters.end());
    CHECK(*er->disposition == Disposition::home);
    CHECK(er->emergent == std::optional<bool>(true));
    // Conditions keep SNOMED codes with their clinical status and dates.
    auto breast = std::find_if(p.conditions.begin(), p.conditions.end(),
                               [](const Condition& c) { return c.code == "254837009"; });
    REQUIRE(breast != p.conditions.end());
    CHECK(breast->system == "snomed");
    CHECK(breast->status == ConditionStatus::active);
    CHECK(time::format_date(*breast->onset) == "1989-04-10");
    CHECK_FALSE(breast->abatement);
    // 447 MedicationRequests become one medication per RxNorm code.
    CHECK(!p.medications.empty());
    CHECK(p.medications.size() < 447);
    for (const auto& m : p.medications) CHECK(m.system == "rxnorm");
}

// Determinations worked out by hand from the resources (as of 2026-11-27, intensity v2:
// case management at 4+ chronic categories, 2+ hospitalizations in 12 months, housing or
// food insecurity, LEP, SUD, SMI; care coordination at 1+ category).
TEST_CASE("fhir bulk: determinations checked by hand") {
    auto all = load_export();

    SUBCASE("79a66c97 (died 1994-11-11): 6 chronic categories, but deceased: routine, no flag, no trigger") {
        // Conditions with clinicalStatus active (no abatement), by chronic category:
        //   diabetes: 44054006 DM type 2, 127013003 kidney disorder due to DM,
        //             90781000119102 microalbuminuria due to DM2, 157141000119108 proteinuria due to DM2
        //   hypertension: 59621000 essential hypertension
        //   ischemic_heart_disease: 414545008
        //   chronic_kidney_disease: 431857002 CKD stage 4
        //   hyperlipidemia: 302870006 hypertriglyceridemia (added to clinical.yaml with this reader)
        //   obesity: 162864005 BMI 30+, 408512008 BMI 40+
        // Not chronic categories: 40055000 chronic sinusitis, 80394007 hyperglycemia, 271737000
        // anemia, 237602007 metabolic syndrome, 15777000 prediabetes, 161665007 history of renal
        // transplant, social findings. -> 6 categories >= 4: cm_chronic_conditions; >= 3: hchn.
        // No encounter after 1994: no hospitalization in the last 12 months. Alive, this would
        // be case management with hchn_priority; dead since 1994-11-11 the patient is off every
        // worklist (docs/determination.md#the-deceased): routine, no flag, no program, no trigger.
        const auto d = evaluate(all.at("79a66c97-6131-3213-f3c9-4606946ab056").patient, "2026-11-27");
        CHECK(fact(d, "chronic_count") == "6");
        CHECK(fact(d, "hospitalizations_12m") == "0");
        CHECK(fact(d, "alive") == "false");
        REQUIRE(d.deceased.has_value());
        CHECK(*d.deceased == D("1994-11-11"));
        CHECK(d.tier.tier == "routine");
        CHECK(d.tier.matched.empty());
        CHECK(d.flags.empty());
        for (const auto& p : d.programs) CHECK(p.status == Eligibility::not_eligible);
        CHECK(d.triggers.empty());
    }

    SUBCASE("7bc002fa (alive): obesity and hyperlipidemia, care coordination") {
        // Active conditions: 162864005 BMI 30+ (obesity), 55822004 hyperlipidemia: 2 categories.
        // 271737000 anemia, 15777000 prediabetes (a health-home risk factor, not a category),
        // 266934004 / 713458007 transport problems, 423315002 limited social contact, 73595000
        // stress, employment and education findings: none counts. No housing or food code,
        // no interpreter extension (LEP unknown), no SUD/SMI. Encounters: 29 AMB and 1 VR, none
        // inpatient. -> 2 categories: cc_chronic_conditions; not hchn (< 3).
        const auto d = evaluate(all.at("7bc002fa-dc52-17d6-1563-fd8901826f7d").patient, "2026-11-27");
        CHECK(fact(d, "chronic_count") == "2");
        CHECK(fact(d, "hospitalizations_12m") == "0");
        CHECK(d.tier.tier == "care_coordination");
        CHECK(matched(d, "cc_chronic_conditions"));
        CHECK_FALSE(flagged(d, "hchn_priority"));
        CHECK(d.triggers.empty());
    }

    SUBCASE("a4a401d1 (alive): housing unsatisfactory, case management") {
        // Active: 105531004 housing unsatisfactory (onset 1999-12-28), a housing_instability
        // code -> cm_housing_instability. 78275009 obstructive sleep apnea, 39898005 sleep
        // disorder, 10939881000119105 unhealthy alcohol drinking behavior (a screening finding,
        // not an SUD diagnosis) are no chronic category: chronic_count 0.
        const auto d = evaluate(all.at("a4a401d1-a46a-eb4a-8a38-760d5d79d6ec").patient, "2026-11-27");
        CHECK(fact(d, "chronic_count") == "0");
        CHECK(fact(d, "housing_instability") == "true");
        CHECK(d.tier.tier == "case_management");
        CHECK(matched(d, "cm_housing_instability"));
        CHECK_FALSE(matched(d, "cm_substance_use"));
    }

    SUBCASE("129c6ac7 (died 1989-05-09): cancer, ischemic heart disease, obesity, but deceased") {
        // Active: 254637007 NSCLC, 424132000 NSCLC stage 1, 254837009 breast cancer (cancer);
        // 414545008 and 399261000 history of CABG (ischemic_heart_disease); 162864005 (obesity):
        // 3 categories, care coordination and hchn_priority were the patient alive; 15777000
        // prediabetes, 91302008 sepsis (still active in the record), 271737000 anemia do not
        // count. Dead since 1989-05-09: routine, no flag.
        const auto d = evaluate(all.at("129c6ac7-8d06-89de-ad63-0204a93e76c3").patient, "2026-11-27");
        CHECK(fact(d, "chronic_count") == "3");
        REQUIRE(d.deceased.has_value());
        CHECK(*d.deceased == D("1989-05-09"));
        CHECK(d.tier.tier == "routine");
        CHECK_FALSE(flagged(d, "hchn_priority"));
        CHECK(d.triggers.empty());
    }
}

namespace {

// A Bundle in the shape Synthea writes (urn:uuid references), with the elements the
// mapping reads. `deceased` is empty or a deceasedDateTime.
std::string bundle(const std::string& deceased) {
    return R"({"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","birthDate":"1948-02-02","gender":"male",)" +
           (deceased.empty() ? std::string() : "\"deceasedDateTime\":\"" + deceased + "\",") +
           R"("extension":[{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-interpreter-needed",
                   "valueCoding":{"system":"http://snomed.info/sct","code":"373066001"}}],
   "communication":[{"language":{"coding":[{"system":"urn:ietf:bcp:47","code":"es"}]},"preferred":true}]}},
 {"fullUrl":"urn:uuid:c1","resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"urn:uuid:p1"},
   "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
   "category":[{"coding":[{"code":"problem-list-item"}]}],
   "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I5032"}]},"onsetDateTime":"2024-10-02"}},
 {"fullUrl":"urn:uuid:c2","resource":{"resourceType":"Condition","id":"c2","subject":{"reference":"urn:uuid:p1"},
   "verificationStatus":{"coding":[{"code":"entered-in-error"}]},
   "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F20.9"}]}}},
 {"fullUrl":"urn:uuid:e1","resource":{"resourceType":"Encounter","id":"e1","status":"finished","subject":{"reference":"urn:uuid:p1"},
   "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
   "priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActPriority","code":"EM"}]},
   "period":{"start":"2026-11-20T10:00:00-05:00","end":"2026-11-24T10:00:00-05:00"},
   "diagnosis":[{"condition":{"reference":"urn:uuid:c1"},"rank":1}],
   "hospitalization":{"dischargeDisposition":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/discharge-disposition","code":"home"}]}}}},
 {"fullUrl":"urn:uuid:o1","resource":{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"urn:uuid:p1"},
   "code":{"coding":[{"system":"http://loinc.org","code":"44261-6"}]},"effectiveDateTime":"2026-09-01","valueQuantity":{"value":16}}},
 {"fullUrl":"urn:uuid:o2","resource":{"resourceType":"Observation","id":"o2","status":"final","subject":{"reference":"urn:uuid:p1"},
   "code":{"coding":[{"system":"http://loinc.org","code":"88124-3"}]},"effectiveDateTime":"2026-09-01",
   "valueCodeableConcept":{"coding":[{"system":"http://loinc.org","code":"LA19952-3"}]}}},
 {"fullUrl":"urn:uuid:v1","resource":{"resourceType":"Coverage","id":"v1","status":"active","beneficiary":{"reference":"urn:uuid:p1"},
   "type":{"coding":[{"system":"https://nahdo.org/sopt","code":"121"}]},"period":{"start":"2013-02-01"},
   "class":[{"type":{"coding":[{"code":"plan"}]},"value":"original_medicare"}]}},
 {"fullUrl":"urn:uuid:m1","resource":{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order",
   "subject":{"reference":"urn:uuid:p1"},"encounter":{"reference":"urn:uuid:e1"},
   "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"310429","display":"furosemide 20 MG Oral Tablet"}]},
   "authoredOn":"2026-11-24T09:00:00-05:00"}},
 {"fullUrl":"urn:uuid:x1","resource":{"resourceType":"Practitioner","id":"x1"}}
]})";
}

}  // namespace

TEST_CASE("fhir bundle: one patient, every mapped resource type") {
    auto r = read_fhir_bundle(bundle(""));
    REQUIRE(r.ok());
    const Patient& p = r->patient;
    CHECK(p.id == "p1");
    CHECK(time::format_date(p.birth_date) == "1948-02-02");
    CHECK(p.sex == Sex::male);
    CHECK_FALSE(p.deceased);
    CHECK(p.language.preferred == std::optional<std::string>("es"));
    CHECK(p.language.interpreter_needed == std::optional<bool>(true));
    REQUIRE(p.conditions.size() == 1);  // the entered-in-error one is dropped
    CHECK(p.conditions[0].code == "I50.32");
    CHECK(p.conditions[0].system == "icd10cm");
    REQUIRE(p.encounters.size() == 1);
    const Encounter& e = p.encounters[0];
    CHECK(e.encounter_class == EncounterClass::inpatient);
    CHECK(time::format_datetime(*e.discharge) == "2026-11-24T10:00");
    CHECK(e.emergent == std::optional<bool>(true));
    CHECK(e.planned == std::optional<bool>(false));
    CHECK(e.disposition == std::optional<Disposition>(Disposition::home));
    CHECK(e.diagnosis == "I50.32");  // from the Condition that diagnosis[0] names
    REQUIRE(p.observations.size() == 1);
    CHECK(p.observations[0].code == "phq9");
    CHECK(p.observations[0].system == "carecoord");
    CHECK(p.observations[0].value == std::optional<double>(16));
    CHECK(p.social.food_insecurity == std::optional<bool>(true));
    REQUIRE(p.coverage.size() == 1);
    CHECK(p.coverage[0].payer == Payer::medicare_ffs);  // SOPT 121 Medicare FFS
    CHECK(p.coverage[0].plan == "original_medicare");
    REQUIRE(p.medications.size() == 1);
    CHECK(p.medications[0].code == "310429");
    CHECK(p.medications[0].status == MedicationStatus::active);
    // The Practitioner is not read: one note for the type.
    REQUIRE(r->diagnostics.size() == 1);
    CHECK(r->diagnostics[0].severity == Severity::note);
    CHECK(r->diagnostics[0].field_path == "Practitioner");

    // Evaluated: LEP (interpreter needed) and food insecurity -> case management; a
    // discharge home on 2026-11-24 -> post-discharge call due 72 hours later, 2026-11-27T10:00.
    const auto d = evaluate(p, "2026-11-27");
    CHECK(d.tier.tier == "case_management");
    CHECK(matched(d, "cm_limited_english"));
    CHECK(matched(d, "cm_food_insecurity"));
    auto call = std::find_if(d.triggers.begin(), d.triggers.end(),
                             [](const TriggerResult& t) { return t.id == "post_discharge_call"; });
    REQUIRE(call != d.triggers.end());
    CHECK(time::format_datetime(*call->due_time) == "2026-11-27T10:00");
}

TEST_CASE("fhir bundle: a patient who died after the discharge gets no follow-up trigger") {
    auto p = parse_fhir_bundle(bundle("2026-11-25T08:00:00-05:00"));
    REQUIRE(p.ok());
    REQUIRE(p->deceased);
    CHECK(time::format_date(*p->deceased) == "2026-11-25");
    const auto d = evaluate(*p, "2026-11-27");
    CHECK(d.triggers.empty());
    // Before the death (as of 2026-11-24, the discharge day), the triggers are due.
    CHECK_FALSE(evaluate(*p, "2026-11-24").triggers.empty());
}

TEST_CASE("fhir bundle: what is not a one-patient Bundle is an error, never a crash") {
    CHECK(read_fhir_bundle("{").diagnostics().at(0).code == "E0801");
    CHECK(read_fhir_bundle(R"({"resourceType":"Observation"})").diagnostics().at(0).code == "E0801");
    CHECK(read_fhir_bundle(R"({"resourceType":"Bundle","entry":[]})").diagnostics().at(0).code == "E0806");
    auto two = read_fhir_bundle(R"({"resourceType":"Bundle","entry":[
        {"resource":{"resourceType":"Patient","id":"a","birthDate":"1950-01-01"}},
        {"resource":{"resourceType":"Patient","id":"b","birthDate":"1950-01-01"}}]})");
    CHECK(two.diagnostics().at(0).code == "E0807");
    auto no_birth = read_fhir_bundle(R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"a"}}]})");
    REQUIRE_FALSE(no_birth.ok());
    CHECK(has_diag(no_birth.diagnostics(), "E0802", "Patient/a.birthDate"));
}

TEST_CASE("fhir bulk: malformed resources and dangling references are reported by resource id and field") {
    TempExport x;
    x.write("Patient.ndjson",
            R"({"resourceType":"Patient","id":"good","birthDate":"1950-03-04","gender":"female"})" "\n"
            R"({"resourceType":"Patient","id":"nobirth","gender":"male"})" "\n"
            "this is not json\n"
            "\n"
            R"({"resourceType":"Patient","id":"baddate","birthDate":"1950-02-30"})" "\n");
    x.write("Condition.ndjson",
            R"({"resourceType":"Condition","id":"c-ok","subject":{"reference":"Patient/good"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]},"encounter":{"reference":"Encounter/e-missing"}})" "\n"
            R"({"resourceType":"Condition","id":"c-icd9x","subject":{"reference":"Patient/good"},"code":{"coding":[{"system":"http://example.org/local-codes","code":"SECRET-VALUE"}]}})" "\n"
            R"({"resourceType":"Condition","id":"c-nocode","subject":{"reference":"Patient/good"}})" "\n"
            R"({"resourceType":"Condition","id":"c-orphan","subject":{"reference":"Patient/nobody"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]}})" "\n"
            R"({"resourceType":"Condition","id":"c-nosubject","code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]}})" "\n"
            R"({"resourceType":"Condition","id":"c-status","subject":{"reference":"Patient/good"},"clinicalStatus":{"coding":[{"code":"bogus"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I10"}]}})" "\n"
            R"({"resourceType":"Condition","id":"c-trunc","subject":)" "\n");
    x.write("Encounter.ndjson",
            R"({"resourceType":"Encounter","id":"e1","status":"finished","subject":{"reference":"Patient/good"},"class":{"code":"IMP"},"period":{"start":"2026-13-01T10:00:00Z"},"diagnosis":[{"condition":{"reference":"Condition/c-gone"}}]})" "\n"
            R"({"resourceType":"Encounter","id":"e2","status":"finished","subject":{"reference":"Patient/good"},"class":{"code":"XYZ"}})" "\n"
            R"({"resourceType":"Encounter","id":"e3","status":"finished","subject":{"reference":"Patient/good"},"class":{"code":"AMB"},"hospitalization":{"dischargeDisposition":{"coding":[{"system":"http://example.org/d","code":"zz"}]}}})" "\n");
    x.write("Observation.ndjson",
            R"({"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/good"},"code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},"effectiveDateTime":"not-a-date","valueQuantity":{"value":31.2}})" "\n");
    x.write("Practitioner.ndjson", R"({"resourceType":"Practitioner","id":"dr"})" "\n");

    auto reader = FhirBulkReader::open(x.dir.string());
    REQUIRE(reader.ok());
    const auto& ex = reader->export_diagnostics();
    auto find = [&](const std::string& file, int line) {
        return std::find_if(ex.begin(), ex.end(), [&](const Diagnostic& d) {
            return fs::path(d.file).filename() == file && d.line == line;
        });
    };
    // Not JSON, a truncated line: errors naming the file and line.
    REQUIRE(find("Patient.ndjson", 3) != ex.end());
    CHECK(find("Patient.ndjson", 3)->code == "E0801");
    REQUIRE(find("Condition.ndjson", 7) != ex.end());
    CHECK(find("Condition.ndjson", 7)->code == "E0801");
    // A resource whose patient is not in the export, one without a subject.
    CHECK(has_diag(ex, "E0806", "Condition/c-orphan.subject"));
    CHECK(has_diag(ex, "E0802", "Condition/c-nosubject.subject"));
    CHECK(has_diag(ex, "E0810", "Practitioner"));

    std::map<std::string, Result<FhirPatient>> got;
    std::vector<std::string> order;
    while (auto p = reader->next()) {
        std::string id = p->ok() ? (*p)->patient.id : p->diagnostics().at(0).field_path;
        order.push_back(id);
        got.emplace(id, std::move(*p));
    }
    // The reader goes on past the patients it cannot map.
    CHECK(order == std::vector<std::string>{"good", "Patient/nobirth.birthDate", "Patient/baddate.birthDate"});
    CHECK(got.at("Patient/nobirth.birthDate").diagnostics().at(0).code == "E0802");
    CHECK(got.at("Patient/baddate.birthDate").diagnostics().at(0).code == "E0805");

    const FhirPatient& good = *got.at("good");
    const auto& ds = good.diagnostics;
    CHECK(has_diag(ds, "E0804", "Condition/c-ok.encounter"));              // Encounter/e-missing
    CHECK(has_diag(ds, "E0803", "Condition/c-icd9x.code.coding"));         // unknown code system
    CHECK(has_diag(ds, "E0802", "Condition/c-nocode.code"));
    CHECK(has_diag(ds, "E0803", "Condition/c-status.clinicalStatus"));
    CHECK(has_diag(ds, "E0805", "Encounter/e1.period.start"));
    CHECK(has_diag(ds, "E0804", "Encounter/e1.diagnosis[0].condition"));   // Condition/c-gone
    CHECK(has_diag(ds, "E0803", "Encounter/e2.class.code"));
    CHECK(has_diag(ds, "E0803", "Encounter/e3.hospitalization.dischargeDisposition"));
    CHECK(has_diag(ds, "E0805", "Observation/o1.effectiveDateTime"));
    for (const auto& d : ds) {
        CHECK(d.severity == Severity::warning);
        CHECK(fs::path(d.file).extension() == ".ndjson");
        CHECK(d.line > 0);
        // Never a value from the data.
        CHECK(d.message.find("SECRET") == std::string::npos);
        CHECK(d.message.find("not-a-date") == std::string::npos);
        CHECK(d.message.find("2026-13") == std::string::npos);
        CHECK(d.message.find("XYZ") == std::string::npos);
    }
    // What could be read is there: c-ok (SNOMED) and c-status (active by default, not abated);
    // e1 (start unreadable) and e3; the BMI observation is skipped (no date).
    CHECK(good.patient.conditions.size() == 2);
    CHECK(good.patient.encounters.size() == 2);
    CHECK(good.patient.observations.empty());
}

TEST_CASE("fhir bulk: an export grouped by patient is indexed with one entry per patient and file") {
    TempExport x;
    std::string patients, conditions;
    for (int i = 0; i < 50; ++i) {
        const std::string id = "p" + std::to_string(i);
        patients += R"({"resourceType":"Patient","id":")" + id + R"(","birthDate":"1950-01-01"})" "\n";
        for (int k = 0; k < 20; ++k)
            conditions += R"({"resourceType":"Condition","id":")" + id + "-" + std::to_string(k) +
                          R"(","subject":{"reference":"Patient/)" + id +
                          R"("},"code":{"coding":[{"system":"http://snomed.info/sct","code":"59621000"}]}})" "\n";
    }
    x.write("Patient.ndjson", patients);
    x.write("Condition.ndjson", conditions);
    auto reader = FhirBulkReader::open(x.dir.string());
    REQUIRE(reader.ok());
    CHECK(reader->stats().resources == 50 + 1000);
    CHECK(reader->stats().index_extents == 100);  // 50 patients x 2 files, not 1050 lines
    std::size_t n = 0;
    while (auto p = reader->next()) {
        REQUIRE(p->ok());
        CHECK((*p)->patient.conditions.size() == 20);
        ++n;
    }
    CHECK(n == 50);
}

TEST_CASE("fhir bulk: a missing directory is an error") {
    auto r = FhirBulkReader::open("/nonexistent/carecoord-fhir");
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics().at(0).code == "E0809");
}

TEST_CASE("fhir bundle: fullUrl references, and dates in the wrong order") {
    auto r = read_fhir_bundle(R"({"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:0b9e-patient","resource":{"resourceType":"Patient","id":"local-7","birthDate":"1960-05-06","deceasedDateTime":"1950-01-01"}},
 {"resource":{"resourceType":"Coverage","id":"cov1","beneficiary":{"reference":"urn:uuid:0b9e-patient"},
   "type":{"coding":[{"system":"https://nahdo.org/sopt","code":"2"}]},"period":{"start":"2025-01-01","end":"2024-01-01"}}},
 {"resource":{"resourceType":"Coverage","id":"cov2","beneficiary":{"reference":"Patient/local-7"},
   "type":{"coding":[{"system":"https://nahdo.org/sopt","code":"111"}]},"period":{"start":"2024-01-01"}}},
 {"resource":{"resourceType":"Condition","id":"cond1","subject":{"reference":"Patient/local-7"},
   "code":{"coding":[{"system":"http://snomed.info/sct","code":"59621000"}]},
   "onsetDateTime":"2020-01-01","abatementDateTime":"2019-01-01"}},
 {"resource":{"resourceType":"Condition","id":"cond2","subject":{"reference":"Patient/someone-else"},
   "code":{"coding":[{"system":"http://snomed.info/sct","code":"59621000"}]}}}
]})");
    REQUIRE(r.ok());
    const Patient& p = r->patient;
    // cov1 (by fullUrl) ends before it starts: skipped; cov2 (by id): SOPT 111 Medicare HMO.
    REQUIRE(p.coverage.size() == 1);
    CHECK(p.coverage[0].payer == Payer::medicare_advantage);
    CHECK(has_diag(r->diagnostics, "E0805", "Coverage/cov1.period.end"));
    // The onset after the abatement is dropped; the condition is resolved (abated, no status).
    REQUIRE(p.conditions.size() == 1);
    CHECK_FALSE(p.conditions[0].onset);
    CHECK(p.conditions[0].status == ConditionStatus::resolved);
    CHECK(has_diag(r->diagnostics, "E0805", "Condition/cond1.onsetDateTime"));
    CHECK(has_diag(r->diagnostics, "E0806", "Condition/cond2.subject"));
    // A death before birth is reported, and kept.
    CHECK(p.deceased);
    CHECK(has_diag(r->diagnostics, "E0805", "Patient/local-7.deceasedDateTime"));
}

TEST_CASE("fhir bundle: an id with a control character is refused, as in every input format (E0215)") {
    for (const char* esc : {"\\u0000", "\\u001f", "\\u007f"}) {
        CAPTURE(esc);
        const std::string b = std::string(R"({"resourceType":"Patient","id":"p)") + esc +
                              R"(1","birthDate":"1950-01-01"})";
        auto r = read_fhir_bundle(b);
        REQUIRE_FALSE(r.ok());
        bool found = false;
        for (const auto& d : r.diagnostics()) found |= d.code == "E0215";
        CHECK(found);
    }
    // U+0020 and U+007E beside them are printable, so not E0215; a FHIR id still refuses them
    // (1-64 of A-Z a-z 0-9 - .), and the id's own characters pass.
    auto spaced = read_fhir_bundle(R"({"resourceType":"Patient","id":"p 1~","birthDate":"1950-01-01"})");
    REQUIRE_FALSE(spaced.ok());
    for (const auto& d : spaced.diagnostics()) CHECK(d.code != "E0215");
    auto ok = read_fhir_bundle(R"({"resourceType":"Patient","id":"p-1.A","birthDate":"1950-01-01"})");
    REQUIRE(ok.ok());
    CHECK(ok->patient.id == "p-1.A");
}
