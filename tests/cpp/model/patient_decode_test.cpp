// Patient documents: JSON and YAML decode through one schema, with the same errors.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "carecoord/patient.hpp"
#include "model/enums.hpp"

using namespace carecoord;

namespace {

std::string ymd(Date d) {
    std::chrono::year_month_day x{d};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(x.year()), unsigned(x.month()), unsigned(x.day()));
    return buf;
}
std::string hm(DateTime t) {
    auto day = std::chrono::floor<std::chrono::days>(t);
    auto mins = (t - day).count();
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", int(mins / 60), int(mins % 60));
    return ymd(day) + "T" + buf;
}
template <class T, class F>
std::string opt(const std::optional<T>& o, F f) {
    return o ? f(*o) : std::string("~");
}
std::string od(const std::optional<Date>& d) { return opt(d, ymd); }
std::string odt(const std::optional<DateTime>& d) { return opt(d, hm); }
std::string ob(const std::optional<bool>& b) { return opt(b, [](bool v) { return std::string(v ? "T" : "F"); }); }
template <class E>
std::string oe(const std::optional<E>& e) {
    return opt(e, [](E v) { return std::string(model::enum_name(v)); });
}
template <class E>
std::string en(E e) {
    return std::string(model::enum_name(e));
}

// Every field of a Patient as text: two patients are equal when their descriptions are.
std::string describe(const Patient& p) {
    std::ostringstream o;
    o << "id=" << p.id << " birth=" << ymd(p.birth_date) << " sex=" << en(p.sex) << " deceased=" << od(p.deceased)
      << "\nlang=" << opt(p.language.preferred, [](const std::string& s) { return s; }) << ","
      << ob(p.language.interpreter_needed) << "," << oe(p.language.english_proficiency) << "\n";
    for (const auto& c : p.coverage)
        o << "cov " << en(c.payer) << "|" << c.plan << "|" << en(c.snp) << "|" << en(c.medicaid_dual) << "|"
          << od(c.start) << "|" << od(c.end) << "\n";
    for (const auto& c : p.conditions)
        o << "cond " << c.code << "|" << c.system << "|" << od(c.onset) << "|" << od(c.recorded) << "|"
          << od(c.abatement) << "|" << en(c.status) << "\n";
    for (const auto& e : p.encounters)
        o << "enc " << e.id << "|" << en(e.encounter_class) << "|" << odt(e.admit) << "|" << odt(e.discharge) << "|"
          << ob(e.emergent) << "|" << ob(e.planned) << "|" << oe(e.disposition) << "|" << oe(e.complexity) << "|"
          << e.diagnosis << "|" << e.diagnosis_system << "\n";
    for (const auto& m : p.care_team) o << "team " << en(m.role) << "|" << m.specialty << "\n";
    for (const auto& m : p.medications) {
        o << "med " << m.code << "|" << m.system << "|" << m.name << "|" << en(m.status);
        for (const auto& e : m.events) o << "|" << en(e.type) << "@" << ymd(e.date);
        o << "\n";
    }
    for (const auto& x : p.observations)
        o << "obs " << x.code << "|" << x.system << "|" << ymd(x.date) << "|"
          << opt(x.value, [](double v) { return std::to_string(v); }) << "\n";
    o << "social " << ob(p.social.housing_instability) << ob(p.social.food_insecurity)
      << ob(p.social.transportation_insecurity) << "|" << oe(p.social.social_support) << "|"
      << oe(p.social.health_literacy) << "\n";
    o << "ltc " << ob(p.ltc_placement.decision_open) << "|" << od(p.ltc_placement.since) << "|"
      << opt(p.ltc_placement.expected_stay_days, [](int v) { return std::to_string(v); }) << "|"
      << od(p.ltc_placement.assessed) << "\n";
    o << "plan " << oe(p.care_plan.state) << "|" << od(p.care_plan.enrolled) << "|"
      << od(p.care_plan.last_comprehensive_assessment) << "|" << od(p.care_plan.last_hra) << "|"
      << opt(p.care_plan.tier, [](const std::string& s) { return s; }) << "|" << od(p.care_plan.snp_enrolled)
      << "\n";
    return o.str();
}

std::string dump(const std::vector<Diagnostic>& ds) {
    std::string s;
    for (const auto& d : ds) s += "  " + d.code + " [" + d.field_path + "] " + d.message + "\n";
    return s;
}

bool has(const Result<Patient>& r, const std::string& code, const std::string& path) {
    for (const auto& d : r.diagnostics())
        if (d.code == code && d.field_path == path) return true;
    return false;
}

#define CHECK_ERROR(result, code, path)                                                          \
    do {                                                                                         \
        const auto& r_ = (result);                                                               \
        CHECK_FALSE(r_.ok());                                                                    \
        INFO("diagnostics:\n" << dump(r_.diagnostics()));                                        \
        CHECK(has(r_, code, path));                                                              \
    } while (0)

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const char* kYamlFull = R"(id: "p-001"
birth_date: 1957-03-14
sex: female
deceased: null
language: {preferred: es, interpreter_needed: true, english_proficiency: not_well}
coverage:
  - {payer: medicare_advantage, plan: "H1234-001", snp: chronic, medicaid_dual: none, start: 2025-01-01, end: null}
  - {payer: medicaid, plan: "STATE", medicaid_dual: partial, start: 2024-01-01, end: 2024-12-31}
conditions:
  - {code: "E11.9", system: icd10cm, onset: 2015-06-01, recorded: 2015-06-01, abatement: null, status: active}
  - {code: 010, onset: 2001-01-01, status: resolved, abatement: 2001-03-01}
  - {code: 250.00, system: icd9cm}
  - {code: "44054006", system: snomed, status: remission}
encounters:
  - {id: e1, class: inpatient, admit: "2025-08-24T09:00", discharge: "2025-08-29T15:00", emergent: true, planned: false, disposition: home, diagnosis: "I50.43", diagnosis_system: icd10cm, complexity: high}
  - {id: e2, class: virtual, admit: 2025-09-02, discharge: "2025-09-02T10:30:59Z"}
  - {class: snf, admit: "2025-10-01T08:00-05:00"}
care_team: [{role: specialist, specialty: nephrology}, {role: pcp}]
medications:
  - {code: "860975", system: rxnorm, name: metformin, status: active, events: [{type: failed, date: 2025-07-01}, {type: started, date: 2025-01-01}]}
  - {code: 0093, name: other}
observations:
  - {code: phq9, date: 2025-06-03, value: 16}
  - {code: "4548-4", date: 2025-06-03, value: 7.25}
  - {code: bmi, system: loinc, date: 2025-06-03, value: -1.5e1}
  - {code: sodium, date: 2025-06-04, value: null}
social: {housing_instability: false, food_insecurity: true, transportation_insecurity: false, social_support: reliable, health_literacy: adequate}
ltc_placement: {decision_open: true, since: 2025-08-25, expected_stay_days: 120, assessed: 2025-08-20}
care_plan: {state: active, enrolled: 2025-01-10, last_comprehensive_assessment: 2025-03-01, last_hra: null, tier: care_coordination, snp_enrolled: 2025-01-01}
)";

const char* kJsonFull = R"({"id": "p-001",
"birth_date": "1957-03-14",
"sex": "female",
"deceased": null,
"language": {"preferred": "es", "interpreter_needed": true, "english_proficiency": "not_well"},
"coverage": [
  {"payer": "medicare_advantage", "plan": "H1234-001", "snp": "chronic", "medicaid_dual": "none", "start": "2025-01-01", "end": null},
  {"payer": "medicaid", "plan": "STATE", "medicaid_dual": "partial", "start": "2024-01-01", "end": "2024-12-31"}],
"conditions": [
  {"code": "E11.9", "system": "icd10cm", "onset": "2015-06-01", "recorded": "2015-06-01", "abatement": null, "status": "active"},
  {"code": "010", "onset": "2001-01-01", "status": "resolved", "abatement": "2001-03-01"},
  {"code": "250.00", "system": "icd9cm"},
  {"code": "44054006", "system": "snomed", "status": "remission"}],
"encounters": [
  {"id": "e1", "class": "inpatient", "admit": "2025-08-24T09:00", "discharge": "2025-08-29T15:00", "emergent": true, "planned": false, "disposition": "home", "diagnosis": "I50.43", "diagnosis_system": "icd10cm", "complexity": "high"},
  {"id": "e2", "class": "virtual", "admit": "2025-09-02", "discharge": "2025-09-02T10:30:59Z"},
  {"class": "snf", "admit": "2025-10-01T08:00-05:00"}],
"care_team": [{"role": "specialist", "specialty": "nephrology"}, {"role": "pcp"}],
"medications": [
  {"code": "860975", "system": "rxnorm", "name": "metformin", "status": "active", "events": [{"type": "failed", "date": "2025-07-01"}, {"type": "started", "date": "2025-01-01"}]},
  {"code": "0093", "name": "other"}],
"observations": [
  {"code": "phq9", "date": "2025-06-03", "value": 16},
  {"code": "4548-4", "date": "2025-06-03", "value": 7.25},
  {"code": "bmi", "system": "loinc", "date": "2025-06-03", "value": -1.5e1},
  {"code": "sodium", "date": "2025-06-04", "value": null}],
"social": {"housing_instability": false, "food_insecurity": true, "transportation_insecurity": false, "social_support": "reliable", "health_literacy": "adequate"},
"ltc_placement": {"decision_open": true, "since": "2025-08-25", "expected_stay_days": 120, "assessed": "2025-08-20"},
"care_plan": {"state": "active", "enrolled": "2025-01-10", "last_comprehensive_assessment": "2025-03-01", "last_hra": null, "tier": "care_coordination", "snp_enrolled": "2025-01-01"}
})";

// A minimal valid patient with `extra` appended (YAML block mapping lines or JSON members).
std::string yaml_with(const std::string& extra) { return "id: p\nbirth_date: 1950-01-01\n" + extra + "\n"; }
std::string json_with(const std::string& extra) {
    return R"({"id": "p", "birth_date": "1950-01-01")" + (extra.empty() ? std::string() : ", " + extra) + "}";
}

}  // namespace

TEST_CASE("patient: the same document in JSON and YAML decodes to the same Patient") {
    auto y = parse_patient_yaml(kYamlFull);
    auto j = parse_patient_json(kJsonFull);
    INFO("yaml:\n" << dump(y.diagnostics()) << "json:\n" << dump(j.diagnostics()));
    REQUIRE(y.ok());
    REQUIRE(j.ok());
    CHECK(describe(*y) == describe(*j));
    auto via = parse_patient(kYamlFull, DocumentFormat::yaml);
    REQUIRE(via.ok());
    CHECK(describe(*via) == describe(*y));
    CHECK(parse_patient(kJsonFull, DocumentFormat::json).ok());

    const Patient& p = *y;
    CHECK(p.id == "p-001");
    CHECK(ymd(p.birth_date) == "1957-03-14");
    CHECK(p.sex == Sex::female);
    CHECK_FALSE(p.deceased.has_value());
    CHECK(p.language.preferred == std::optional<std::string>("es"));
    CHECK(p.language.interpreter_needed == std::optional<bool>(true));
    CHECK(p.language.english_proficiency == EnglishProficiency::not_well);
    REQUIRE(p.coverage.size() == 2);
    CHECK(p.coverage[0].payer == Payer::medicare_advantage);
    CHECK(p.coverage[0].plan == "H1234-001");
    CHECK(p.coverage[0].snp == SnpType::chronic);
    CHECK_FALSE(p.coverage[0].end.has_value());
    CHECK(p.coverage[1].medicaid_dual == MedicaidDual::partial);
    CHECK(p.coverage[1].snp == SnpType::none);
    REQUIRE(p.conditions.size() == 4);
    CHECK(p.conditions[1].system == "icd10cm");  // default
    CHECK(p.conditions[2].status == ConditionStatus::active);  // default
    CHECK_FALSE(p.conditions[2].onset.has_value());
    CHECK(p.conditions[3].status == ConditionStatus::remission);
    REQUIRE(p.encounters.size() == 3);
    CHECK(p.encounters[0].encounter_class == EncounterClass::inpatient);
    CHECK(hm(*p.encounters[0].admit) == "2025-08-24T09:00");
    CHECK(hm(*p.encounters[0].discharge) == "2025-08-29T15:00");
    CHECK(p.encounters[0].emergent == std::optional<bool>(true));
    CHECK(p.encounters[0].planned == std::optional<bool>(false));
    CHECK(p.encounters[0].disposition == Disposition::home);
    CHECK(p.encounters[0].complexity == Complexity::high);
    CHECK(p.encounters[0].diagnosis == "I50.43");
    CHECK(p.encounters[1].encounter_class == EncounterClass::virtual_visit);
    CHECK(hm(*p.encounters[1].admit) == "2025-09-02T00:00");      // a date alone is midnight
    CHECK(hm(*p.encounters[1].discharge) == "2025-09-02T10:30");  // seconds dropped, Z ignored
    CHECK(hm(*p.encounters[2].admit) == "2025-10-01T08:00");      // offset ignored: wall clock
    CHECK_FALSE(p.encounters[2].discharge.has_value());
    CHECK_FALSE(p.encounters[1].emergent.has_value());
    CHECK_FALSE(p.encounters[1].disposition.has_value());
    CHECK(p.encounters[2].id.empty());
    CHECK(p.encounters[2].diagnosis.empty());
    CHECK(p.encounters[2].diagnosis_system == "icd10cm");
    REQUIRE(p.care_team.size() == 2);
    CHECK(p.care_team[1].specialty.empty());
    REQUIRE(p.medications.size() == 2);
    CHECK(p.medications[0].events.size() == 2);
    CHECK(p.medications[0].events[0].type == MedicationEventType::failed);
    CHECK(p.medications[1].system == "rxnorm");
    CHECK(p.medications[1].status == MedicationStatus::active);
    REQUIRE(p.observations.size() == 4);
    CHECK(p.observations[0].system == "carecoord");
    CHECK(p.observations[0].value == std::optional<double>(16));
    CHECK(p.observations[1].system == "loinc");
    CHECK(p.observations[1].value == std::optional<double>(7.25));
    CHECK(p.observations[2].system == "loinc");  // given explicitly
    CHECK(p.observations[2].value == std::optional<double>(-15));
    CHECK_FALSE(p.observations[3].value.has_value());
    CHECK(p.social.food_insecurity == std::optional<bool>(true));
    CHECK(p.social.social_support == SocialSupport::reliable);
    CHECK(p.social.health_literacy == HealthLiteracy::adequate);
    CHECK(p.ltc_placement.expected_stay_days == std::optional<int>(120));
    CHECK(p.care_plan.state == CarePlanState::active);
    CHECK(p.care_plan.tier == std::optional<std::string>("care_coordination"));
    CHECK_FALSE(p.care_plan.last_hra.has_value());
}

TEST_CASE("patient: clinical codes are always strings") {
    auto y = parse_patient_yaml(yaml_with(
        "conditions: [{code: 010}, {code: 250.00}, {code: 1e5}, {code: '007'}, {code: 0x1F}]\n"
        "encounters: [{class: inpatient, diagnosis: 428.0}]\n"
        "medications: [{code: 00093}]\nobservations: [{code: 718-7, date: 2025-01-01}]"));
    INFO(dump(y.diagnostics()));
    REQUIRE(y.ok());
    CHECK(y->conditions[0].code == "010");
    CHECK(y->conditions[1].code == "250.00");
    CHECK(y->conditions[2].code == "1e5");
    CHECK(y->conditions[3].code == "007");
    CHECK(y->conditions[4].code == "0x1F");
    CHECK(y->encounters[0].diagnosis == "428.0");
    CHECK(y->medications[0].code == "00093");
    CHECK(y->observations[0].code == "718-7");

    // A JSON number is refused for a code: it would have lost its leading zeros.
    CHECK_ERROR(parse_patient_json(json_with(R"("conditions": [{"code": 10}])")), "E0203", "conditions[0].code");
    CHECK_ERROR(parse_patient_json(json_with(R"("conditions": [{"code": 250.00}])")), "E0203", "conditions[0].code");
    CHECK_ERROR(parse_patient_json(json_with(R"("medications": [{"code": 93}])")), "E0203", "medications[0].code");
    CHECK_ERROR(parse_patient_json(json_with(R"("observations": [{"code": 7187, "date": "2025-01-01"}])")), "E0203",
                "observations[0].code");
    CHECK_ERROR(parse_patient_json(json_with(R"("encounters": [{"class": "snf", "diagnosis": 4280}])")), "E0203",
                "encounters[0].diagnosis");
    // Booleans are not codes in YAML either.
    CHECK_ERROR(parse_patient_yaml(yaml_with("conditions: [{code: true}]")), "E0203", "conditions[0].code");
}

TEST_CASE("patient: absent and null optional fields are empty") {
    for (auto r : {parse_patient_yaml("id: p\nbirth_date: 1950-01-01\n"),
                   parse_patient_json(R"({"id": "p", "birth_date": "1950-01-01"})"),
                   parse_patient_yaml(yaml_with("sex: null\ndeceased: ~\nlanguage: null\ncoverage:\nconditions: null\n"
                                                "social: {food_insecurity: null}\ncare_plan: {}\nltc_placement: null")),
                   parse_patient_json(json_with(R"("sex": null, "deceased": null, "language": null, "coverage": null,)"
                                                R"("social": {"food_insecurity": null}, "care_plan": {})"))}) {
        INFO(dump(r.diagnostics()));
        REQUIRE(r.ok());
        CHECK(r->sex == Sex::unknown);
        CHECK_FALSE(r->deceased.has_value());
        CHECK_FALSE(r->language.preferred.has_value());
        CHECK(r->coverage.empty());
        CHECK(r->conditions.empty());
        CHECK_FALSE(r->social.food_insecurity.has_value());
        CHECK_FALSE(r->care_plan.state.has_value());
        CHECK_FALSE(r->ltc_placement.expected_stay_days.has_value());
    }
}

TEST_CASE("patient: observation systems default by code") {
    auto r = parse_patient_yaml(yaml_with("observations:\n"
                                          "  - {code: phq9, date: 2025-01-01}\n"
                                          "  - {code: hemoglobin, date: 2025-01-01}\n"
                                          "  - {code: sodium, date: 2025-01-01, system: null}\n"
                                          "  - {code: 2951-2, date: 2025-01-01}\n"
                                          "  - {code: phq9, system: local, date: 2025-01-01}"));
    REQUIRE(r.ok());
    CHECK(r->observations[0].system == "carecoord");
    CHECK(r->observations[1].system == "carecoord");
    CHECK(r->observations[2].system == "carecoord");
    CHECK(r->observations[3].system == "loinc");
    CHECK(r->observations[4].system == "local");
}

// One case per error, written in both formats; the code and the field path must agree.
struct ErrorCase {
    const char* name;
    std::string yaml;
    std::string json;
    const char* code;
    const char* path;
};

TEST_CASE("patient: every error code names its field, in JSON and in YAML") {
    const std::vector<ErrorCase> cases = {
        {"unknown root field", yaml_with("favourite_colour: blue"), json_with(R"("favourite_colour": "blue")"), "E0202",
         ""},
        {"unknown nested field", yaml_with("conditions: [{code: I10, severity: high}]"),
         json_with(R"("conditions": [{"code": "I10", "severity": "high"}])"), "E0202", "conditions[0]"},
        {"unknown field in social", yaml_with("social: {food: true}"), json_with(R"("social": {"food": true})"),
         "E0202", "social"},
        {"object instead of list", yaml_with("conditions: {code: I10}"),
         json_with(R"("conditions": {"code": "I10"})"), "E0203", "conditions"},
        {"list item not an object", yaml_with("coverage: [medicare_ffs]"), json_with(R"("coverage": ["medicare_ffs"])"),
         "E0203", "coverage[0]"},
        {"string for a boolean", yaml_with("social: {food_insecurity: 'true'}"),
         json_with(R"("social": {"food_insecurity": "true"})"), "E0203", "social.food_insecurity"},
        {"number for a boolean", yaml_with("encounters: [{class: inpatient, emergent: 1}]"),
         json_with(R"("encounters": [{"class": "inpatient", "emergent": 1}])"), "E0203", "encounters[0].emergent"},
        {"string for a number", yaml_with("observations: [{code: phq9, date: 2025-01-01, value: '16'}]"),
         json_with(R"("observations": [{"code": "phq9", "date": "2025-01-01", "value": "16"}])"), "E0203",
         "observations[0].value"},
        {"fraction for an integer", yaml_with("ltc_placement: {expected_stay_days: 90.5}"),
         json_with(R"("ltc_placement": {"expected_stay_days": 90.5})"), "E0203", "ltc_placement.expected_stay_days"},
        {"list for a string", "id: [a]\nbirth_date: 1950-01-01\n", R"({"id": ["a"], "birth_date": "1950-01-01"})", "E0203", "id"},
        {"object for an enum", yaml_with("sex: {a: b}"), json_with(R"("sex": {"a": "b"})"), "E0203", "sex"},
        {"root is not an object", "- 1\n- 2\n", "[1, 2]", "E0203", ""},
        {"impossible birth date", "id: p\nbirth_date: 2025-02-30\n", R"({"id": "p", "birth_date": "2025-02-30"})",
         "E0204", "birth_date"},
        {"not a leap year", yaml_with("deceased: 2023-02-29"), json_with(R"("deceased": "2023-02-29")"), "E0204",
         "deceased"},
        {"impossible onset", yaml_with("conditions: [{code: I10}, {code: I10}, {code: I10}, {code: E11.9, onset: 2025-13-01}]"),
         json_with(R"("conditions": [{"code": "I10"}, {"code": "I10"}, {"code": "I10"}, {"code": "E11.9", "onset": "2025-13-01"}])"),
         "E0204", "conditions[3].onset"},
        {"impossible time", yaml_with("encounters: [{class: inpatient, admit: '2025-08-24T24:30'}]"),
         json_with(R"("encounters": [{"class": "inpatient", "admit": "2025-08-24T24:30"}])"), "E0204",
         "encounters[0].admit"},
        {"slashed date", yaml_with("coverage: [{payer: commercial, start: 01/02/2025}]"),
         json_with(R"("coverage": [{"payer": "commercial", "start": "01/02/2025"}])"), "E0204", "coverage[0].start"},
        {"event date", yaml_with("medications: [{code: '1', events: [{type: started, date: 2025-04-31}]}]"),
         json_with(R"("medications": [{"code": "1", "events": [{"type": "started", "date": "2025-04-31"}]}])"),
         "E0204", "medications[0].events[0].date"},
        {"missing id", "birth_date: 1950-01-01\n", R"({"birth_date": "1950-01-01"})", "E0205", "id"},
        {"missing birth_date", "id: p\n", R"({"id": "p"})", "E0205", "birth_date"},
        {"empty id", "id: ''\nbirth_date: 1950-01-01\n", R"({"id": "", "birth_date": "1950-01-01"})", "E0205", "id"},
        {"null id", "id: null\nbirth_date: 1950-01-01\n", R"({"id": null, "birth_date": "1950-01-01"})", "E0205", "id"},
        {"missing payer", yaml_with("coverage: [{plan: x}]"), json_with(R"("coverage": [{"plan": "x"}])"), "E0205",
         "coverage[0].payer"},
        {"missing condition code", yaml_with("conditions: [{onset: 2020-01-01}]"),
         json_with(R"("conditions": [{"onset": "2020-01-01"}])"), "E0205", "conditions[0].code"},
        {"missing encounter class", yaml_with("encounters: [{id: e1}]"), json_with(R"("encounters": [{"id": "e1"}])"),
         "E0205", "encounters[0].class"},
        {"missing event date", yaml_with("medications: [{code: '1', events: [{type: failed}]}]"),
         json_with(R"("medications": [{"code": "1", "events": [{"type": "failed"}]}])"), "E0205",
         "medications[0].events[0].date"},
        {"missing observation date", yaml_with("observations: [{code: phq9, value: 3}]"),
         json_with(R"("observations": [{"code": "phq9", "value": 3}])"), "E0205", "observations[0].date"},
        {"missing care team role", yaml_with("care_team: [{specialty: cardiology}]"),
         json_with(R"("care_team": [{"specialty": "cardiology"}])"), "E0205", "care_team[0].role"},
        {"bad sex", yaml_with("sex: F"), json_with(R"("sex": "F")"), "E0207", "sex"},
        {"bad payer", yaml_with("coverage: [{payer: medicare}]"), json_with(R"("coverage": [{"payer": "medicare"}])"),
         "E0207", "coverage[0].payer"},
        {"bad class", yaml_with("encounters: [{class: Inpatient}]"),
         json_with(R"("encounters": [{"class": "Inpatient"}])"), "E0207", "encounters[0].class"},
        {"bad disposition", yaml_with("encounters: [{class: inpatient, disposition: home_care}]"),
         json_with(R"("encounters": [{"class": "inpatient", "disposition": "home_care"}])"), "E0207",
         "encounters[0].disposition"},
        {"bad social support", yaml_with("social: {social_support: good}"),
         json_with(R"("social": {"social_support": "good"})"), "E0207", "social.social_support"},
        {"bad care plan state", yaml_with("care_plan: {state: open}"), json_with(R"("care_plan": {"state": "open"})"),
         "E0207", "care_plan.state"},
        {"bad event type", yaml_with("medications: [{code: '1', events: [{type: paused, date: 2025-01-01}]}]"),
         json_with(R"("medications": [{"code": "1", "events": [{"type": "paused", "date": "2025-01-01"}]}])"), "E0207",
         "medications[0].events[0].type"},
        {"coverage end before start", yaml_with("coverage: [{payer: medicaid, start: 2025-03-01, end: 2025-02-28}]"),
         json_with(R"("coverage": [{"payer": "medicaid", "start": "2025-03-01", "end": "2025-02-28"}])"), "E0208",
         "coverage[0].end"},
        {"abatement before onset", yaml_with("conditions: [{code: I10, onset: 2020-05-01, abatement: 2020-04-30}]"),
         json_with(R"("conditions": [{"code": "I10", "onset": "2020-05-01", "abatement": "2020-04-30"}])"), "E0208",
         "conditions[0].abatement"},
        {"discharge before admit",
         yaml_with("encounters: [{class: inpatient, admit: '2025-08-24T09:00', discharge: '2025-08-24T08:59'}]"),
         json_with(R"("encounters": [{"class": "inpatient", "admit": "2025-08-24T09:00", "discharge": "2025-08-24T08:59"}])"),
         "E0208", "encounters[0].discharge"},
        {"death before birth", yaml_with("deceased: 1949-12-31"), json_with(R"("deceased": "1949-12-31")"), "E0208",
         "deceased"},
        {"negative stay", yaml_with("ltc_placement: {expected_stay_days: -1}"),
         json_with(R"("ltc_placement": {"expected_stay_days": -1})"), "E0211", "ltc_placement.expected_stay_days"},
        {"huge stay", yaml_with("ltc_placement: {expected_stay_days: 99999999999999999999999}"),
         json_with(R"("ltc_placement": {"expected_stay_days": 18446744073709551615})"), "E0211",
         "ltc_placement.expected_stay_days"},
        {"system not a lowercase word", yaml_with("conditions: [{code: I10, system: ICD-10}]"),
         json_with(R"("conditions": [{"code": "I10", "system": "ICD-10"}])"), "E0211", "conditions[0].system"},
    };
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        CHECK_ERROR(parse_patient_yaml(c.yaml), c.code, c.path);
        CHECK_ERROR(parse_patient_json(c.json), c.code, c.path);
    }
}

TEST_CASE("patient: the same invalid document gives the same diagnostics in both formats") {
    const std::string y = yaml_with(
        "sex: x\nfoo: 1\ncoverage: [{payer: commercial, start: 2025-03-01, end: 2025-01-01}, {plan: x}]\n"
        "conditions: [{code: I10, status: gone, onset: 2025-02-30}]\n"
        "social: {food_insecurity: 'no', health_literacy: poor}\n"
        "encounters: [{class: snf, admit: '2025-01-01T10:00', discharge: '2025-01-01T09:00', complexity: extreme}]");
    const std::string j = json_with(
        R"("sex": "x", "foo": 1, "coverage": [{"payer": "commercial", "start": "2025-03-01", "end": "2025-01-01"}, {"plan": "x"}],)"
        R"("conditions": [{"code": "I10", "status": "gone", "onset": "2025-02-30"}],)"
        R"("social": {"food_insecurity": "no", "health_literacy": "poor"},)"
        R"("encounters": [{"class": "snf", "admit": "2025-01-01T10:00", "discharge": "2025-01-01T09:00", "complexity": "extreme"}])");
    auto ry = parse_patient_yaml(y);
    auto rj = parse_patient_json(j);
    REQUIRE_FALSE(ry.ok());
    REQUIRE_FALSE(rj.ok());
    auto strip = [](const std::vector<Diagnostic>& ds) {
        std::string s;
        for (const auto& d : ds) s += d.code + " " + d.field_path + ": " + d.message + "\n";
        return s;
    };
    CHECK(strip(ry.diagnostics()) == strip(rj.diagnostics()));
    CHECK(ry.diagnostics().size() == 10);  // all collected, not only the first
    // YAML diagnostics carry the position of the offending node.
    for (const auto& d : ry.diagnostics()) CHECK(d.line > 0);
    CHECK(has(ry, "E0207", "conditions[0].status"));
    CHECK(has(ry, "E0204", "conditions[0].onset"));
    CHECK(has(ry, "E0205", "coverage[1].payer"));
    CHECK(has(ry, "E0207", "encounters[0].complexity"));
}

TEST_CASE("patient: YAML positions point at the field") {
    auto r = parse_patient_yaml("id: p\nbirth_date: 1950-01-01\nconditions:\n  - code: I10\n    onset: 2020-02-30\n");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics().size() == 1);
    const auto& d = r.diagnostics()[0];
    CHECK(d.code == "E0204");
    CHECK(d.field_path == "conditions[0].onset");
    CHECK(d.line == 5);
    CHECK(d.column == 12);
}

TEST_CASE("patient: enum errors list the allowed values") {
    auto r = parse_patient_json(json_with(R"("encounters": [{"class": "clinic_visit"}])"));
    REQUIRE_FALSE(r.ok());
    const auto& m = r.diagnostics()[0].message;
    CHECK(m.find("inpatient, inpatient_psych, observation") != std::string::npos);
    CHECK(m.find("virtual") != std::string::npos);
    CHECK(m.find("clinic_visit") == std::string::npos);
}

TEST_CASE("patient: booleans are lowercase true and false only") {
    for (const char* v : {"yes", "no", "True", "FALSE", "on", "1", "'true'", "\"false\""}) {
        CAPTURE(v);
        CHECK_ERROR(parse_patient_yaml(yaml_with(std::string("social: {housing_instability: ") + v + "}")), "E0203",
                    "social.housing_instability");
    }
    for (const char* v : {"\"true\"", "1", "0", "\"yes\""}) {
        CAPTURE(v);
        CHECK_ERROR(parse_patient_json(json_with(std::string(R"("language": {"interpreter_needed": )") + v + "}")),
                    "E0203", "language.interpreter_needed");
    }
    auto r = parse_patient_yaml(yaml_with("social: {housing_instability: true, food_insecurity: false}"));
    REQUIRE(r.ok());
    CHECK(r->social.housing_instability == std::optional<bool>(true));
    CHECK(r->social.food_insecurity == std::optional<bool>(false));
}

TEST_CASE("patient: duplicate keys") {
    SUBCASE("JSON: detected while iterating the object") {
        CHECK_ERROR(parse_patient_json(R"({"id": "a", "birth_date": "1950-01-01", "id": "b"})"), "E0206", "id");
        CHECK_ERROR(parse_patient_json(json_with(R"("social": {"food_insecurity": true, "food_insecurity": false})")),
                    "E0206", "social.food_insecurity");
        CHECK_ERROR(parse_patient_json(json_with(R"("conditions": [{"code": "I10"}, {"code": "I10", "code": "I11"}])")),
                    "E0206", "conditions[1].code");
        CHECK_ERROR(parse_patient_json(json_with(R"("medications": [{"code": "1", "events": [{"type": "failed", "date": "2025-01-01", "date": "2025-01-02"}]}])")),
                    "E0206", "medications[0].events[0].date");
    }
    SUBCASE("YAML: the loader's diagnostic, with the field path added") {
        CHECK_ERROR(parse_patient_yaml("id: a\nbirth_date: 1950-01-01\nid: b\n"), "E0102", "id");
        CHECK_ERROR(parse_patient_yaml(yaml_with("social:\n  food_insecurity: true\n  food_insecurity: false")),
                    "E0102", "social.food_insecurity");
        CHECK_ERROR(parse_patient_yaml(yaml_with("conditions:\n  - {code: I10}\n  - {code: I10, code: I11}")), "E0102",
                    "conditions[1].code");
        auto r = parse_patient_yaml(yaml_with("conditions:\n  - {code: I10}\n  - {code: I10, code: I11}"));
        REQUIRE_FALSE(r.ok());
        CHECK(r.diagnostics()[0].line == 5);
    }
}

TEST_CASE("patient: syntax errors and empty documents") {
    CHECK_ERROR(parse_patient_json(R"({"id": "p", "birth_date": "1950-01-01")"), "E0201", "");
    CHECK_ERROR(parse_patient_json(R"({"id": "p", "birth_date": "1950-01-01",})"), "E0201", "");
    CHECK_ERROR(parse_patient_json("{\"id\": \"p\xff\", \"birth_date\": \"1950-01-01\"}"), "E0201", "");
    CHECK_ERROR(parse_patient_json(""), "E0201", "");
    CHECK_ERROR(parse_patient_yaml(""), "E0201", "");
    CHECK_ERROR(parse_patient_yaml("  \n\n"), "E0201", "");
    CHECK_ERROR(parse_patient_json("null"), "E0203", "");
    CHECK_ERROR(parse_patient_yaml("~\n"), "E0203", "");
    // YAML syntax errors come from the YAML reader (E01xx), with a position.
    auto y = parse_patient_yaml("id: [unclosed\nbirth_date: 1950-01-01\n");
    REQUIRE_FALSE(y.ok());
    CHECK(y.diagnostics()[0].code.rfind("E01", 0) == 0);
    CHECK(y.diagnostics()[0].line > 0);
    // Anchors and aliases are refused by the reader.
    CHECK_FALSE(parse_patient_yaml("id: &a p\nbirth_date: 1950-01-01\nsex: *a\n").ok());
}

TEST_CASE("patient: limits") {
    SUBCASE("document size") {
        PatientLimits l;
        l.max_document_bytes = 64;
        const std::string j = json_with(R"("coverage": [{"payer": "medicaid", "plan": "a long enough plan name"}])");
        const std::string y = yaml_with("coverage: [{payer: medicaid, plan: a long enough plan name}]");
        CHECK_ERROR(parse_patient_json(j, l), "E0210", "");
        CHECK_ERROR(parse_patient_yaml(y, l), "E0210", "");
        CHECK(parse_patient_json(j).ok());
        CHECK(parse_patient_yaml(y).ok());
        auto r = parse_patient_json(j, l);
        CHECK(r.diagnostics()[0].message.find("max_document_bytes") != std::string::npos);
    }
    SUBCASE("list length") {
        PatientLimits l;
        l.max_list_length = 3;
        std::string yl = "care_team: [{role: pcp}, {role: pcp}, {role: pcp}, {role: pcp}]";
        std::string jl = R"("care_team": [{"role": "pcp"}, {"role": "pcp"}, {"role": "pcp"}, {"role": "pcp"}])";
        CHECK_ERROR(parse_patient_yaml(yaml_with(yl), l), "E0209", "care_team");
        CHECK_ERROR(parse_patient_json(json_with(jl), l), "E0209", "care_team");
        auto r = parse_patient_json(json_with(jl), l);
        CHECK(r.diagnostics()[0].message.find("max_list_length (3)") != std::string::npos);
        CHECK_ERROR(parse_patient_yaml(yaml_with("medications: [{code: '1', events: [{type: started, date: 2025-01-01}, "
                                                 "{type: started, date: 2025-01-01}, {type: started, date: 2025-01-01}, "
                                                 "{type: started, date: 2025-01-01}]}]"),
                                       l),
                    "E0209", "medications[0].events");
        l.max_list_length = 4;
        CHECK(parse_patient_yaml(yaml_with(yl), l).ok());
        CHECK(parse_patient_json(json_with(jl), l).ok());
    }
    SUBCASE("string length") {
        PatientLimits l;
        l.max_string_length = 8;
        CHECK_ERROR(parse_patient_yaml(yaml_with("coverage: [{payer: other, plan: '123456789'}]"), l), "E0209",
                    "coverage[0].plan");
        CHECK_ERROR(parse_patient_json(json_with(R"("coverage": [{"payer": "other", "plan": "123456789"}])"), l),
                    "E0209", "coverage[0].plan");
        CHECK(parse_patient_json(json_with(R"("coverage": [{"payer": "other", "plan": "12345678"}])"), l).ok());
        CHECK(parse_patient_yaml(yaml_with("coverage: [{payer: other, plan: '12345678'}]"), l).ok());
        auto r = parse_patient_yaml(yaml_with("care_plan: {tier: care_coordination}"), l);
        CHECK_ERROR(r, "E0209", "care_plan.tier");
        CHECK(r.diagnostics()[0].message.find("max_string_length (8") != std::string::npos);
    }
    SUBCASE("depth") {
        PatientLimits l;
        l.max_depth = 5;  // root, medications, a medication, events, an event
        const std::string y =
            yaml_with("medications: [{code: '1', events: [{type: started, date: 2025-01-01}]}]");
        const std::string j =
            json_with(R"("medications": [{"code": "1", "events": [{"type": "started", "date": "2025-01-01"}]}])");
        CHECK(parse_patient_yaml(y, l).ok());
        CHECK(parse_patient_json(j, l).ok());
        l.max_depth = 4;
        CHECK_ERROR(parse_patient_yaml(y, l), "E0209", "");
        CHECK_ERROR(parse_patient_json(j, l), "E0209", "");
        // Deep nesting in an unknown field is stopped by the reader, before any decoding.
        std::string deep_json = json_with(R"("x": )" + std::string(200, '[') + std::string(200, ']'));
        std::string deep_yaml = yaml_with("x: " + std::string(200, '[') + std::string(200, ']'));
        CHECK_ERROR(parse_patient_json(deep_json), "E0209", "");
        CHECK_ERROR(parse_patient_yaml(deep_yaml), "E0209", "");
        // The reused JSON parser goes back to the default depth afterwards.
        CHECK(parse_patient_json(j).ok());
    }
    SUBCASE("error count") {
        std::string y = "id: p\nbirth_date: 1950-01-01\nconditions:\n";
        for (int i = 0; i < 300; ++i) y += "  - {code: I10, onset: 2025-02-30}\n";
        auto r = parse_patient_yaml(y);
        REQUIRE_FALSE(r.ok());
        CHECK(r.diagnostics().size() == 101);
        CHECK(r.diagnostics().back().message.find("too many errors") != std::string::npos);
    }
}

TEST_CASE("patient: diagnostics never quote document values") {
    // Every error path fed with marker values; no marker may come back in a message or path.
    const std::vector<std::string> markers = {"MARKER-ID-123", "MARKERCODE", "2099-02-30", "MARKERPLAN", "MARKERKEY",
                                              "MARKERVALUE", "MARKERSYS", "MARKERTIER"};
    const std::vector<std::string> yaml_docs = {
        "id: MARKER-ID-123\nbirth_date: 2099-02-30\nsex: MARKERVALUE\nMARKERKEY: 1\n"
        "coverage: [{payer: MARKERVALUE, plan: MARKERPLAN, start: 2099-02-30, MARKERKEY: x}]\n"
        "conditions: [{code: MARKERCODE, system: MARKERSYS, onset: 2099-02-30}, {code: [MARKERCODE]}]\n"
        "encounters: [{id: MARKER-ID-123, class: MARKERVALUE, admit: 2099-02-30, diagnosis: {MARKERCODE: 1}}]\n"
        "social: {food_insecurity: MARKERVALUE}\ncare_plan: {tier: [MARKERTIER], state: MARKERVALUE}\n"
        "ltc_placement: {expected_stay_days: MARKERVALUE}\n"
        "observations: [{code: MARKERCODE, date: 2099-02-30, value: MARKERVALUE}]\n",
        "id: MARKER-ID-123\nbirth_date: 1950-01-01\nMARKERKEY: 1\nMARKERKEY: 2\n",
        "id: MARKER-ID-123\nbirth_date: 1950-01-01\nsocial: {MARKERKEY: 1, MARKERKEY: 2}\n",
        "id: MARKER-ID-123\nbirth_date: 1950-01-01\nMARKERKEY:\n  MARKERCODE: 1\n  MARKERCODE: 2\n",
        "id: MARKER-ID-123\nbirth_date: [MARKERCODE\n",
        "id: MARKER-ID-123\nbirth_date: 1950-01-01\ndeceased: 1949-01-01\n"
        "coverage: [{payer: medicaid, plan: MARKERPLAN, start: 2025-02-01, end: 2025-01-01}]\n",
    };
    const std::vector<std::string> json_docs = {
        R"({"id": "MARKER-ID-123", "birth_date": "2099-02-30", "sex": "MARKERVALUE", "MARKERKEY": 1,
            "coverage": [{"payer": "MARKERVALUE", "plan": "MARKERPLAN", "start": "2099-02-30", "MARKERKEY": "x"}],
            "conditions": [{"code": "MARKERCODE", "system": "MARKERSYS", "onset": "2099-02-30"}, {"code": ["MARKERCODE"]}],
            "encounters": [{"id": "MARKER-ID-123", "class": "MARKERVALUE", "admit": "2099-02-30", "diagnosis": {"MARKERCODE": 1}}],
            "social": {"food_insecurity": "MARKERVALUE"}, "care_plan": {"tier": ["MARKERTIER"], "state": "MARKERVALUE"},
            "ltc_placement": {"expected_stay_days": "MARKERVALUE"},
            "observations": [{"code": "MARKERCODE", "date": "2099-02-30", "value": "MARKERVALUE"}]})",
        R"({"id": "MARKER-ID-123", "birth_date": "1950-01-01", "MARKERKEY": 1, "MARKERKEY": 2})",
        R"({"id": "MARKER-ID-123", "birth_date": "1950-01-01", "id": "MARKER-ID-123"})",
        R"({"id": "MARKER-ID-123", "birth_date": "MARKERCODE)",
        R"({"id": "MARKER-ID-123", "birth_date": MARKERCODE})",
        R"({"id": "MARKER-ID-123", "birth_date": "1950-01-01", "deceased": "1949-01-01",
            "coverage": [{"payer": "medicaid", "plan": "MARKERPLAN", "start": "2025-02-01", "end": "2025-01-01"}]})",
    };
    std::size_t diagnostics_seen = 0;
    auto check_clean = [&](const Result<Patient>& r) {
        CHECK_FALSE(r.ok());
        for (const auto& d : r.diagnostics()) {
            ++diagnostics_seen;
            const std::string all = d.message + "\n" + d.field_path + "\n" + d.to_string();
            for (const auto& m : markers) {
                INFO("diagnostic: " << d.to_string());
                CHECK(all.find(m) == std::string::npos);
            }
        }
    };
    for (const auto& y : yaml_docs) check_clean(parse_patient_yaml(y));
    for (const auto& j : json_docs) check_clean(parse_patient_json(j));
    CHECK(diagnostics_seen >= 30);
}

TEST_CASE("patient: example patients decode cleanly") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(CARECOORD_SOURCE_DIR) / "examples" / "patients";
    REQUIRE(fs::is_directory(dir));
    std::size_t yaml_files = 0, json_files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const auto ext = entry.path().extension().string();
        if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
        CAPTURE(entry.path().filename().string());
        const std::string text = read_file(entry.path());
        auto r = ext == ".json" ? parse_patient_json(text) : parse_patient_yaml(text);
        INFO(dump(r.diagnostics()));
        CHECK(r.ok());
        (ext == ".json" ? json_files : yaml_files)++;
    }
    CHECK(yaml_files >= 4);
    CHECK(json_files >= 1);
}

TEST_CASE("patient: the complete example in docs/patient-schema.md is the same in YAML and JSON") {
    const std::string doc =
        read_file(std::filesystem::path(CARECOORD_SOURCE_DIR) / "docs" / "patient-schema.md");
    auto block = [&](const std::string& tag, const std::string& fence) {
        auto at = doc.find("<!-- " + tag + " -->");
        REQUIRE(at != std::string::npos);
        auto start = doc.find(fence, at);
        REQUIRE(start != std::string::npos);
        start = doc.find('\n', start) + 1;
        auto end = doc.find("\n```", start);
        REQUIRE(end != std::string::npos);
        return doc.substr(start, end - start + 1);
    };
    auto y = parse_patient_yaml(block("complete-example-yaml", "```yaml"));
    auto j = parse_patient_json(block("complete-example-json", "```json"));
    INFO("yaml:\n" << dump(y.diagnostics()) << "json:\n" << dump(j.diagnostics()));
    REQUIRE(y.ok());
    REQUIRE(j.ok());
    CHECK(describe(*y) == describe(*j));
}

TEST_CASE("patient: the reusable JSON parser gives independent results") {
    for (int i = 0; i < 50; ++i) {
        auto a = parse_patient_json(kJsonFull);
        auto b = parse_patient_json(json_with(R"("sex": "male")"));
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        CHECK(a->id == "p-001");
        CHECK(b->sex == Sex::male);
        CHECK(b->conditions.empty());
    }
}

TEST_CASE("patient: enum names") {
    CHECK(to_string(Payer::medicare_advantage) == "medicare_advantage");
    CHECK(to_string(Payer::uninsured) == "uninsured");
    CHECK(to_string(EncounterClass::inpatient_psych) == "inpatient_psych");
    CHECK(to_string(EncounterClass::virtual_visit) == "virtual");
    CHECK(to_string(EncounterClass::partial_hospitalization) == "partial_hospitalization");
    CHECK(to_string(CarePlanState::reassessment_due) == "reassessment_due");
    CHECK(to_string(CarePlanState::closed) == "closed");
}

TEST_CASE("patient: ids refuse control characters in JSON and in YAML (E0215)") {
    // U+0000-U+001F and U+007F are refused; U+0020 (space) and U+007E (~), each beside a
    // refused one, are accepted.
    for (const char* esc : {"\\u0000", "\\u0001", "\\u001f", "\\u007f", "\\n", "\\t"}) {
        CAPTURE(esc);
        CHECK_ERROR(parse_patient_json(std::string(R"({"id": "a)") + esc + R"(b", "birth_date": "1950-01-01"})"),
                    "E0215", "id");
        CHECK_ERROR(parse_patient_json(json_with(std::string(R"("encounters": [{"id": "e)") + esc +
                                                 R"(", "class": "inpatient"}])")),
                    "E0215", "encounters[0].id");
    }
    for (const char* esc : {"\\0", "\\x01", "\\x1f", "\\x7f", "\\n"}) {
        CAPTURE(esc);
        CHECK_ERROR(parse_patient_yaml(std::string("id: \"a") + esc + "b\"\nbirth_date: 1950-01-01\n"), "E0215", "id");
    }
    auto ok = parse_patient_json(R"({"id": "a b~\u0080c", "birth_date": "1950-01-01"})");
    REQUIRE(ok.ok());
    CHECK(ok->id == "a b~\xc2\x80" "c");
    CHECK(parse_patient_yaml("id: \"a b~\"\nbirth_date: 1950-01-01\n").ok());
    // Other text may hold a line break (a medication name, say): only ids are restricted.
    CHECK(parse_patient_json(json_with(R"("medications": [{"code": "1", "name": "two\nlines"}])")).ok());
}

TEST_CASE("patient: YAML text that is not UTF-8 is refused, as JSON refuses it (E0216)") {
    // A lone continuation byte, an overlong NUL (C0 80), a surrogate (ED A0 80), above
    // U+10FFFF (F4 90 80 80), a truncated sequence (E2 82).
    for (const char* bad : {"\x80", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff"}) {
        CAPTURE(std::string(bad).size());
        const std::string doc = std::string("id: p\nbirth_date: 1950-01-01\nlanguage: {preferred: \"x") + bad + "y\"}\n";
        CHECK_ERROR(parse_patient_yaml(doc), "E0216", "language.preferred");
        // JSON refuses the same bytes (simdjson's UTF-8 check: E0201).
        CHECK_ERROR(parse_patient_json(json_with(std::string(R"("language": {"preferred": "x)") + bad + R"(y"})")),
                    "E0201", "");
    }
    // The edges of what is valid: U+0080 (C2 80), U+D7FF (ED 9F BF), U+E000 (EE 80 80),
    // U+10FFFF (F4 8F BF BF).
    for (const char* good : {"\xc2\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "\xc3\xa9"}) {
        CAPTURE(std::string(good).size());
        CHECK(parse_patient_yaml(std::string("id: p\nbirth_date: 1950-01-01\nlanguage: {preferred: \"x") + good + "y\"}\n").ok());
        CHECK(parse_patient_json(json_with(std::string(R"("language": {"preferred": "x)") + good + R"(y"})")).ok());
    }
}
